"""Series level of the pipeline: per-file results joined with step pressures, fitted across
pressure (E(P), equations of state, transition onset, ...), and checked for consistency.

Everything here reads the per-file outcomes and the step table; nothing reads files.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from dackit.core.quality import OK, is_ok
from dackit.errors import DackitError

COMPRESSION, DECOMPRESSION = "compression", "decompression"
#: per-file arrays kept for outputs (patterns, particle lists), not for the results tables
BULK = ("pattern", "diameters_nm")
#: the verdict keys of a per-file result (see dackit.core.quality)
VERDICT = ("quality", "quality_notes")


def technique_rows(technique: str, sheet: pd.DataFrame, steps: pd.DataFrame, by_row: dict,
                   *, trusted_only: bool = True) -> list[dict]:
    """Results of one technique, each with its step, direction and step pressure.

    Failed files are left out, and so (``trusted_only``) are results whose verdict is
    "doubtful": a series fit must not lean on a number its own analysis does not vouch for
    (:func:`doubtful_results` lists them for the report instead).
    """
    p = steps.set_index("step")
    rows = []
    for r in sheet[sheet["technique"] == technique].itertuples():
        outcome = by_row[r.row]
        if not outcome["ok"] or (trusted_only and not is_ok(outcome["value"])):
            continue
        value = {k: v for k, v in outcome["value"].items() if k not in BULK}
        if "pressure_gpa" in value:  # a gauge's own reading; the row gets its step's pressure
            value["pressure_gpa_file"] = value.pop("pressure_gpa")
            value["pressure_gpa_file_err"] = value.pop("pressure_gpa_err", None)
        rows.append({**value, "file": r.file, "step": int(r.step), "direction": r.direction,
                     "pressure_gpa": float(p.loc[r.step, "pressure_gpa"]),
                     "pressure_gpa_err": float(p.loc[r.step, "pressure_gpa_err"])})
    return rows


def lattices_trusted(row: dict) -> bool:
    """Whether an XRD step's cells and phase presence may enter the EoS and transition fits:
    its verdict is ok, or its only doubts concern the weight fractions (``lattice_quality``
    ok; texture or extinction that bias a fraction leave the peak positions alone)."""
    return is_ok(row) or row.get("lattice_quality") == OK


def doubtful_results(sheet: pd.DataFrame, by_row: dict) -> list[dict]:
    """Analysed files whose result is doubtful: file, technique, step and the reasons."""
    return [{"file": r.file, "technique": r.technique, "step": int(r.step),
             "quality_notes": list(by_row[r.row]["value"].get("quality_notes", []))}
            for r in sheet.itertuples()
            if by_row[r.row]["ok"] and not is_ok(by_row[r.row]["value"])]


def _finite(values) -> np.ndarray:
    return np.isfinite(np.asarray(values, dtype=float))


def _errors_or_zero(values) -> np.ndarray:
    """Standard errors with unknown (NaN) ones as 0: that variable is then taken as exact."""
    v = np.asarray(values, dtype=float)
    return np.where(np.isfinite(v), v, 0.0)


def fit_pl_branch(part: pd.DataFrame, order: int):
    """E(P) of one branch's PL rows, pressure errors included (used for results and figure)."""
    from dackit.optics.pressure_coeff import fit_energy_vs_pressure

    return fit_energy_vs_pressure(part["pressure_gpa"], part["peak_ev"], e_err=part["peak_ev_err"],
                                  pressure_err=_errors_or_zero(part["pressure_gpa_err"]), order=order)


def fit_phase_eos(points: dict, form: str, fix: dict):
    """EoS of one phase's P-V points (the ``points`` dict of results, or the same columns)."""
    from dackit.eos import fit_eos

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sanity warnings are collected by fit_eos itself
        return fit_eos(np.asarray(points["pressure_gpa"], float), np.asarray(points["volume_a3"], float),
                       form=form, pressure_err=_errors_or_zero(points["pressure_gpa_err"]),
                       volume_err=np.asarray(points["volume_a3_err"], float), fix=fix)


def pl_series(rows: list[dict], sheet, steps, by_row, exp) -> tuple[dict, list[str]]:
    """E(P) fits per branch, reversibility and quenching pressure from the PL rows."""
    from dackit.optics.pressure_coeff import ep_fit_order, reversibility

    out: dict[str, Any] = {}
    notes: list[str] = []
    if not rows:
        return out, notes
    df = pd.DataFrame(rows)
    df = df[_finite(df["pressure_gpa"])]
    for branch, key in ((COMPRESSION, "pl_fit"), (DECOMPRESSION, "pl_fit_decompression")):
        part = df[df["direction"] == branch]
        if exp.pl.fit_max_pressure_gpa is not None:
            part = part[part["pressure_gpa"] <= exp.pl.fit_max_pressure_gpa]
        order = ep_fit_order(len(part), exp.pl.order)
        if order is None:
            if branch == COMPRESSION:
                notes.append(f"PL: only {len(part)} compression points: no E(P) fit")
            continue
        fit = fit_pl_branch(part, order)
        out[key] = {**fit.to_dict(), "n": int(len(part)), "order": order,
                    "pressure_range_gpa": [float(part["pressure_gpa"].min()), float(part["pressure_gpa"].max())]}
        if order < exp.pl.order:
            notes.append(f"PL {branch}: too few points for a quadratic E(P); fitted a line")
    if (df["direction"] == COMPRESSION).any() and (df["direction"] == DECOMPRESSION).any():
        order_idx = np.argsort(df["step"].to_numpy())
        d = df.iloc[order_idx]
        rev = reversibility(d["pressure_gpa"], d["peak_ev"], e_err=d["peak_ev_err"], direction=d["direction"])
        out["pl_reversibility"] = {"residual_shift_mev": rev.residual_shift_mev,
                                   "residual_shift_mev_err": rev.residual_shift_mev_err,
                                   "max_shift_mev": rev.max_shift_mev,
                                   "recovered_fraction": rev.recovered_fraction}
    # PL quenching: the lowest compression pressure from which no PL peak is found any more
    comp = sheet[(sheet["technique"] == "pl") & (sheet["direction"] == COMPRESSION)].sort_values("step")
    ok = [by_row[r]["ok"] for r in comp["row"]]
    if ok and not ok[-1] and any(ok):
        first_dark = len(ok) - next(i for i, v in enumerate(reversed(ok)) if v)
        step = comp["step"].iloc[first_dark]
        out["pl_quench_pressure_gpa"] = float(steps.set_index("step").loc[step, "pressure_gpa"])
    return out, notes


def _verdict(row: dict) -> dict:
    """The per-file verdict of a result (issue 10), when its analysis gives one."""
    return {k: row[k] for k in VERDICT if k in row}


def tauc_series(rows: list[dict]) -> list[dict]:
    return [{"file": r["file"], "step": r["step"], "direction": r["direction"],
             "pressure_gpa": r["pressure_gpa"], "gap_ev": r["gap_ev"], "gap_ev_err": r["gap_ev_err"],
             "window_ev": r["window_ev"], **_verdict(r)} for r in rows]


def xrd_series(rows: list[dict], exp) -> tuple[list[dict], dict, dict, list[str]]:
    """Per-step lattice table, EoS per phase, and the transition onset."""
    from dackit.xrd.transitions import transition_onset

    table: list[dict] = []
    notes: list[str] = []
    for r in rows:
        for ph in r["phases"]:
            table.append({"file": r["file"], "step": r["step"], "direction": r["direction"],
                          "pressure_gpa": r["pressure_gpa"], "pressure_gpa_err": r["pressure_gpa_err"],
                          "phase": ph["name"], "present": ph["present"], "fraction": ph["fraction"],
                          "a_angstrom": ph["a_angstrom"], "a_angstrom_err": ph["a_angstrom_err"],
                          "volume_a3": ph["volume_a3"], "volume_a3_err": ph.get("volume_a3_err"),
                          **_verdict(r)})
    eos: dict[str, Any] = {}
    transition: dict[str, Any] = {}
    if not table:
        return table, eos, transition, notes
    df = pd.DataFrame(table)
    # the pressure standard's own P-V points are its calibration, not a measurement to fit
    standard_phase = None
    if getattr(exp.xrd, "pressure_standard", None):
        from dackit.experiment.analyses import STANDARD_PHASES
        from dackit.eos.thermal import material_of

        mat = material_of(exp.xrd.pressure_standard)
        standard_phase = STANDARD_PHASES.get(mat, mat)
    for phase, part in df[df["present"] & (df["direction"] == COMPRESSION)].groupby("phase", sort=False):
        if phase == standard_phase:
            continue
        part = part[_finite(part["pressure_gpa"])]
        if len(part) < 3:
            notes.append(f"EoS {phase}: {len(part)} compression points, too few for a fit")
            continue
        fix = {} if len(part) >= 6 else {"kp": 4.0}
        try:
            fit = fit_phase_eos(part, exp.xrd.eos_form, fix)
        except DackitError as exc:
            notes.append(f"EoS {phase}: fit failed ({exc})")
            continue
        d = fit.to_dict()
        eos[phase] = {k: d[k] for k in ("form", "v0_a3", "v0_a3_err", "k0_gpa", "k0_gpa_err", "kp", "kp_err",
                                        "redchi", "n") if k in d}
        eos[phase]["fixed"] = sorted(fix)
        eos[phase]["points"] = {"pressure_gpa": part["pressure_gpa"].tolist(),
                                "pressure_gpa_err": part["pressure_gpa_err"].tolist(),
                                "volume_a3": part["volume_a3"].tolist(),
                                "volume_a3_err": part["volume_a3_err"].tolist()}
        if fix:
            notes.append(f"EoS {phase}: {len(part)} points, K' fixed at 4 (BM2-like)")
        notes.extend(f"EoS {phase}: {w}" for w in getattr(fit, "warnings", ()))
    # transition: a candidate absent at the first compression step and present later
    comp = df[df["direction"] == COMPRESSION].sort_values(["step"])
    for phase, part in comp.groupby("phase", sort=False):
        flags = part["present"].to_numpy(bool)
        if flags.any() and not flags[0]:
            try:
                onset = transition_onset(part["pressure_gpa"].to_numpy(float), flags, direction=COMPRESSION)
            except DackitError as exc:
                notes.append(f"transition to {phase}: {exc}")
                continue
            transition = {"phase": phase, "transition_pressure_gpa": onset.onset_gpa,
                          "transition_pressure_gpa_err": onset.onset_gpa_err,
                          "bracket_gpa": [onset.bracket_low_gpa, onset.bracket_high_gpa]}
            if onset.note:
                notes.append(f"transition to {phase}: {onset.note}")
            break
    return table, eos, transition, notes


def texture_table(rows: list[dict]) -> list[dict]:
    """One row per ring of every XRD image: its texture index along the compression.

    A ring turning from "uniform" to "spotty" marks recrystallisation into coarse grains; a
    rising index with a large smooth share, a preferred orientation (dackit.xrd.cake).
    """
    table = []
    for r in rows:
        for ring in (r.get("texture") or {}).get("rings", []):
            if "twotheta_deg" not in ring:
                continue
            table.append({"file": r["file"], "step": r["step"], "direction": r["direction"],
                          "pressure_gpa": r["pressure_gpa"], "pressure_gpa_err": r["pressure_gpa_err"],
                          "twotheta_deg": ring["twotheta_deg"], "texture_index": ring["texture_index"],
                          "low_order_fraction": ring["low_order_fraction"], "coverage": ring["coverage"],
                          "label": ring["label"], "quality": ring["quality"],
                          "quality_notes": ring["quality_notes"]})
    return table


def saxs_series(rows: list[dict]) -> list[dict]:
    keep = ("file", "step", "direction", "pressure_gpa", "pressure_gpa_err", "d_first_angstrom",
            "d_first_angstrom_err", "mesophase", "mesophase_tie", "lattice_angstrom", "lattice_angstrom_err",
            "centre_distance_angstrom", "thickness_nm", "thickness_nm_err", "peaks")
    return [{**{k: r.get(k) for k in keep}, **_verdict(r)} for r in rows]


def tem_series(sheet, by_row) -> tuple[dict, list[dict]]:
    """Size statistics pooled over the images of the first TEM step (the sample as made),
    and per step (e.g. before compression and after release)."""
    from dackit.tem.stats import fit_size_distribution, size_statistics

    per_step: dict[int, list[float]] = {}
    images: dict[int, list[dict]] = {}
    for r in sheet[sheet["technique"] == "tem"].itertuples():
        o = by_row[r.row]
        if o["ok"] and is_ok(o["value"]):  # a doubtful image's particles do not enter the statistics
            d = [float(x) for x in o["value"]["diameters_nm"]]
            per_step.setdefault(int(r.step), []).extend(d)
            images.setdefault(int(r.step), []).append({"file": r.file, "n": len(d)})
    if not per_step:
        return {}, []
    table = []
    for step, d in sorted(per_step.items()):
        st = size_statistics(d)
        # every particle, image after image in the order of ``images`` (its n), so that a
        # histogram can be drawn and a bar traced back to the image it came from
        row = {"step": step, "n": st.n, "mean_nm": st.mean_nm, "sd_nm": st.sd_nm, "se_nm": st.se_nm,
               "median_nm": st.median_nm, "diameters_nm": d, "images": images[step]}
        # the study's "Gaussian fit of the histogram", by maximum likelihood; it needs three
        # distinct sizes (identical discs, e.g. a calibration grid, have one or two)
        if np.unique(d).size >= 3:
            g = fit_size_distribution(d, "gaussian")
            row.update(gaussian_mu_nm=g.params["mu_nm"], gaussian_mu_nm_err=g.stderr["mu_nm"],
                       gaussian_sigma_nm=g.params["sigma_nm"])
        table.append(row)
    first = table[0]
    pooled = {k: first[k] for k in ("n", "mean_nm", "sd_nm", "se_nm", "median_nm")} | {"step": first["step"]}
    pooled["mean_nm_err"] = pooled["se_nm"]  # the study quotes mean ± standard error
    return pooled, table


def step_checks(steps: pd.DataFrame, ruby_rows: list[dict]) -> list[str]:
    """Inconsistencies of the pressure record: drift within a step, unmeasured steps, order."""
    notes = []
    for s in steps.itertuples():
        if not np.isfinite(s.pressure_gpa):
            notes.append(f"step {s.step}: no pressure (every ruby spectrum of the step failed)")
        readings = [r["pressure_gpa_file"] for r in ruby_rows if r["step"] == s.step]
        if len(readings) > 1 and np.ptp(readings) > max(0.5, 0.05 * abs(s.pressure_gpa)):
            notes.append(f"step {s.step}: ruby pressures {', '.join(f'{p:.2f}' for p in readings)} GPa "
                         "differ: the cell drifted during the step")
    comp = steps[steps["direction"] == COMPRESSION]["pressure_gpa"].to_numpy(float)
    if comp.size > 1 and np.any(np.diff(comp[np.isfinite(comp)]) < -0.3):
        notes.append("compression steps do not rise monotonically in pressure (check the run sheet)")
    return notes


def assemble_results(exp, sheet: pd.DataFrame, steps: pd.DataFrame, by_row: dict) -> dict:
    """The results dict (results.json without failures and provenance).

    Parameters
    ----------
    exp : Experiment
        The validated experiment description, from
        :func:`~dackit.experiment.load_experiment`.
    sheet : pandas.DataFrame
        The run sheet, from :func:`~dackit.experiment.read_runsheet`.
    steps : pandas.DataFrame
        Step pressures, from :func:`~dackit.experiment.step_pressures`.
    by_row : dict
        Outcome of each run-sheet row (row number → result dict or failure), from
        :func:`~dackit.experiment.analyse_files`.
    """
    results: dict = {"experiment": exp.name, "sample": exp.sample.model_dump()}
    results["steps"] = steps.to_dict("records")
    notes: list[str] = []
    ruby = technique_rows("ruby", sheet, steps, by_row, trusted_only=False)
    results["ruby"] = ruby
    notes += step_checks(steps, ruby)
    for gauge in ("sm", "diamond"):
        rows = technique_rows(gauge, sheet, steps, by_row, trusted_only=False)
        if rows:
            results[gauge] = rows
    for s in steps.itertuples():
        if s.gauges_disagree:
            notes.append(f"step {s.step}: gauges disagree by more than 2σ: " + ", ".join(
                f"{g['gauge']} {g['pressure_gpa']:.2f} ± {g['pressure_gpa_err']:.2f} GPa" for g in s.gauges))

    pl = technique_rows("pl", sheet, steps, by_row, trusted_only=False)
    if pl:
        results["pl"] = pl  # the table shows every reading with its verdict; the fit only trusted ones
        pl_out, pl_notes = pl_series([r for r in pl if is_ok(r)], sheet, steps, by_row, exp)
        results.update(pl_out)
        notes += pl_notes
    tauc = technique_rows("absorption", sheet, steps, by_row)
    if tauc:
        results["tauc"] = tauc_series(tauc)
    xrd = [r for r in technique_rows("xrd", sheet, steps, by_row, trusted_only=False) if lattices_trusted(r)]
    if xrd:
        table, eos, transition, xrd_notes = xrd_series(xrd, exp)
        results["xrd"] = table
        results["eos"] = eos
        if transition:
            results["transition_pressure_gpa"] = transition["transition_pressure_gpa"]
            results["transition"] = transition
        notes += xrd_notes
        texture = texture_table(technique_rows("xrd", sheet, steps, by_row, trusted_only=False))
        if texture:
            results["xrd_texture"] = texture
    frames = technique_rows("xrd_frames", sheet, steps, by_row, trusted_only=False)
    if frames:
        results["xrd_frames"] = [{k: r[k] for k in ("file", "step", "direction", "pressure_gpa",
                                                    "pressure_gpa_err", "output", "frames", "bins",
                                                    "wavelength_a", "total_intensity", *VERDICT) if k in r}
                                 for r in frames]
    saxs = technique_rows("saxs", sheet, steps, by_row)
    if saxs:
        results["saxs"] = saxs_series(saxs)
    tem, tem_by_step = tem_series(sheet, by_row)
    if tem:
        results["tem"] = tem
        results["tem_by_step"] = tem_by_step
    results["inconsistencies"] = notes
    results["doubtful"] = doubtful_results(sheet, by_row)
    return results
