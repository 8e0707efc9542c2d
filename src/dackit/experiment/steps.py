"""Pressure of each step of a run: from its gauges (ruby, Sm:SrB4O7, diamond edge, an X-ray
standard), or as typed in the run sheet.

Each gauge of a step gives one reading (several spectra of one gauge — ruby before and after —
are averaged, their half spread kept as uncertainty); the step pressure is the weighted mean
of the gauges present, and the step says when two of them disagree by more than 2σ.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dackit.core.quality import is_ok
from dackit.errors import DackitError

#: readings of two gauges differ "significantly" beyond this many combined standard errors
DISAGREE_SIGMA = 2.0
#: temperature assumed when the run sheet gives none (the gauges' calibration temperature)
ROOM_K = 300.0


def _room(t) -> bool:
    return t is None or not np.isfinite(t) or abs(float(t) - ROOM_K) < 5.0


def _ruby_reading(value: dict, temperature_k, exp) -> tuple[float, float, list[str]]:
    """A ruby reading at the row's temperature: the fitted R1 brought to 296 K with the
    experiment's correction (pressure-independent shift), then the analysis's scale and
    reference (:func:`dackit.gauge.ruby.pressure_from_r1`, range warnings included)."""
    from dackit.gauge.ruby import pressure_from_r1

    if temperature_k is None or not np.isfinite(temperature_k) or (
            exp.ruby.temperature_k is not None and abs(temperature_k - exp.ruby.temperature_k) < 1e-9):
        return float(value["pressure_gpa"]), float(value["pressure_gpa_err"]), []
    method = exp.ruby.t_correction
    p = float(pressure_from_r1(float(value["r1_nm"]), scale=value["scale"], lambda0_nm=value["lambda0_nm"],
                               temperature_k=float(temperature_k), t_correction=method))
    return p, float(value["pressure_gpa_err"]), [f"R1 corrected from {temperature_k:g} K ({method})"]


def _standard_reading(value: dict, temperature_k) -> tuple[float, float, list[str]] | None:
    """Pressure of an X-ray standard from its cell volume, at the row's temperature."""
    from dackit.eos.standards import get_standard, pressure_from_volume

    std = value.get("standard")
    if not std or not std.get("present") or std.get("volume_a3") is None:
        return None
    v = float(std["volume_a3"])
    sv = std.get("volume_a3_err")
    sv = float(sv) if sv is not None and np.isfinite(sv) else 0.0
    if _room(temperature_k):
        p, e = pressure_from_volume(v, std["name"], sv)
        return float(p), float(e), []
    from dackit.eos.thermal import pressure_at_temperature

    p, e = pressure_at_temperature([v], std["name"], float(temperature_k), sv, source=std["name"])
    notes = [f"{get_standard(std['name']).name} at {temperature_k:g} K (P–V–T EoS)"]
    return float(p[0]), float(e[0]), notes


def gauge_readings(sheet: pd.DataFrame, by_row: dict, exp) -> dict[int, dict]:
    """Every analysed gauge row → ``{gauge, pressure_gpa, pressure_gpa_err, quality, notes}``.

    Temperature-dependent gauges are converted here, at the row's ``temperature_k`` (the
    per-file analyses are cached without it): ruby R1 is corrected to room temperature, an
    X-ray standard's volume goes through its P–V–T equation of state; Sm:SrB4O7 and the
    diamond edge are taken as they are (Sm's 0-0 line hardly moves with T; the diamond
    scale is a room-temperature calibration, noted when T is not).

    Parameters
    ----------
    sheet : pandas.DataFrame
        The run sheet, from :func:`~dackit.experiment.read_runsheet` (``row``, ``technique``,
        optional ``temperature_k``).
    by_row : dict
        Run-sheet row number → that row's analysis outcome (``{"ok", "value"}``).
    exp : Experiment
        The experiment description (ruby settings, ``xrd.pressure_standard``).
    """
    out: dict[int, dict] = {}
    temps = sheet.set_index("row")["temperature_k"] if "temperature_k" in sheet else None
    for r in sheet.itertuples():
        outcome = by_row.get(r.row)
        if outcome is None or not outcome["ok"]:
            continue
        value = outcome["value"]
        t = float(temps.loc[r.row]) if temps is not None else float("nan")
        t_k = t if np.isfinite(t) else None
        notes: list[str] = []
        try:
            if r.technique == "ruby":
                p, e, notes = _ruby_reading(value, t_k, exp)
                name = "ruby"
            elif r.technique in ("sm", "diamond"):
                p, e = float(value["pressure_gpa"]), float(value["pressure_gpa_err"])
                name = "Sm:SrB4O7" if r.technique == "sm" else "diamond edge"
                if r.technique == "diamond" and not _room(t_k):
                    notes = [f"diamond-edge scale calibrated at room temperature, used at {t_k:g} K"]
            elif r.technique == "xrd" and exp.xrd.pressure_standard:
                got = _standard_reading(value, t_k)
                if got is None:
                    continue
                p, e, notes = got
                name = f"xrd:{exp.xrd.pressure_standard.lower()}"
            else:
                continue
        except DackitError as exc:   # a temperature outside a correction's range, a volume off-scale
            out[r.row] = {"gauge": r.technique, "error": str(exc)}
            continue
        out[r.row] = {"gauge": name, "pressure_gpa": p, "pressure_gpa_err": e,
                      "quality": "ok" if is_ok(value) else "doubtful", "notes": notes}
    return out


def _combine_one(readings: list[dict]) -> dict:
    """Readings of one gauge in one step: mean, and the larger of half their spread (drift)
    and their typical error."""
    trusted = [g for g in readings if g["quality"] == "ok"]
    doubtful = not trusted
    use = trusted or readings
    p = np.array([g["pressure_gpa"] for g in use], dtype=float)
    e = np.array([g["pressure_gpa_err"] for g in use], dtype=float)
    spread = 0.5 * float(np.ptp(p)) if p.size > 1 else 0.0
    err = max(spread, float(np.sqrt(np.nanmean(e**2)))) if np.isfinite(e).any() else spread
    return {"gauge": use[0]["gauge"], "pressure_gpa": float(p.mean()), "pressure_gpa_err": err,
            "n": int(p.size), "doubtful": doubtful,
            "notes": sorted({n for g in use for n in g.get("notes", [])})}


def weighted_pressure(gauges: list[dict]) -> tuple[float, float, bool]:
    """(weighted mean, its error, disagree) of per-gauge readings.

    Weights 1/σ²; the error is √(1/Σw), inflated by √(χ²/(n−1)) when the readings scatter
    more than their errors allow. ``disagree``: some pair differs by more than
    :data:`DISAGREE_SIGMA` combined σ. Doubtful gauges are used only if no other is there.

    Parameters
    ----------
    gauges : list of dict
        One reading per gauge: ``pressure_gpa``, ``pressure_gpa_err``, ``doubtful``.
    """
    use = [g for g in gauges if not g["doubtful"]] or list(gauges)
    p = np.array([g["pressure_gpa"] for g in use], dtype=float)
    e = np.array([g["pressure_gpa_err"] for g in use], dtype=float)
    disagree = False
    for i in range(len(gauges)):
        for j in range(i + 1, len(gauges)):
            a, b = gauges[i], gauges[j]
            s = float(np.hypot(a["pressure_gpa_err"], b["pressure_gpa_err"]))
            if np.isfinite(s) and abs(a["pressure_gpa"] - b["pressure_gpa"]) > DISAGREE_SIGMA * s:
                disagree = True
    if p.size == 1:
        return float(p[0]), float(e[0]), disagree
    good = np.isfinite(e) & (e > 0)
    if not good.any():
        return float(p.mean()), 0.5 * float(np.ptp(p)), disagree
    w = 1.0 / e[good] ** 2
    mean = float(np.sum(w * p[good]) / np.sum(w))
    err = float(np.sqrt(1.0 / np.sum(w)))
    if good.sum() > 1:
        chi2 = float(np.sum(w * (p[good] - mean) ** 2)) / (good.sum() - 1)
        err *= max(1.0, float(np.sqrt(chi2)))
    return mean, err, disagree


def _label(g: dict) -> str:
    what = {"ruby": "spectra", "Sm:SrB4O7": "spectra", "diamond edge": "spectra"}.get(g["gauge"], "patterns")
    return f"{g['gauge']} ({g['n']} {what}{', doubtful' if g['doubtful'] else ''})"


def step_pressures(sheet: pd.DataFrame, ruby: dict[int, dict], gauges: dict[int, dict] | None = None
                   ) -> pd.DataFrame:
    """One row per step: ``step, direction, pressure_gpa, pressure_gpa_err, source, gauges,
    gauges_disagree, temperature_k``.

    ``gauges`` maps a run-sheet row to its reading (:func:`gauge_readings`); without it the
    ``ruby`` results (row → ruby fit dict, failed ones absent) are the only gauge. Each
    gauge's readings in a step are averaged (:func:`_combine_one`); the step pressure is their
    weighted mean (:func:`weighted_pressure`). A typed pressure is used when no gauge of the
    step could be measured; TEM-only steps (outside the cell) are at ambient pressure.
    Doubtful readings count only when a step has nothing better, and ``source`` then says so.

    Parameters
    ----------
    sheet : pandas.DataFrame
        The run sheet, from :func:`~dackit.experiment.read_runsheet`.
    ruby : dict
        Run-sheet row number → that ruby spectrum's result (failed ones absent).
    gauges : dict, optional
        Run-sheet row number → gauge reading, from :func:`gauge_readings`.
    """
    if gauges is None:
        gauges = {r: {"gauge": "ruby", "pressure_gpa": float(v["pressure_gpa"]),
                      "pressure_gpa_err": float(v["pressure_gpa_err"]),
                      "quality": "ok" if is_ok(v) else "doubtful", "notes": []} for r, v in ruby.items()}
    rows = []
    for step, group in sheet.groupby("step", sort=True):
        direction = group["direction"].iloc[0]
        readings = [gauges[r] for r in group["row"] if r in gauges and "error" not in gauges[r]]
        by_gauge: dict[str, list[dict]] = {}
        for g in readings:
            by_gauge.setdefault(g["gauge"], []).append(g)
        per_gauge = [_combine_one(v) for v in by_gauge.values()]
        typed = group["pressure_gpa"].dropna()
        typed_err = group["pressure_gpa_err"].dropna()
        temps = group["temperature_k"].dropna() if "temperature_k" in group else pd.Series(dtype=float)
        disagree = False
        if per_gauge:
            pressure, err, disagree = weighted_pressure(per_gauge)
            if len(per_gauge) == 1:
                source = _label(per_gauge[0])
            else:
                source = "weighted mean of " + ", ".join(_label(g) for g in per_gauge)
            if disagree:
                source += f"; gauges disagree by more than {DISAGREE_SIGMA:g}σ"
        elif not typed.empty:
            pressure = float(typed.iloc[0])
            err = float(typed_err.iloc[0]) if not typed_err.empty else float("nan")
            source = "typed"
        elif group["technique"].eq("tem").all():
            pressure, err, source = 0.0, 0.0, "ambient (TEM)"
        else:
            pressure, err, source = float("nan"), float("nan"), "unmeasured: every gauge measurement failed"
        rows.append({"step": int(step), "direction": direction, "pressure_gpa": pressure,
                     "pressure_gpa_err": err, "source": source,
                     "gauges": [{"gauge": g["gauge"], "pressure_gpa": g["pressure_gpa"],
                                 "pressure_gpa_err": g["pressure_gpa_err"], "n": g["n"],
                                 "doubtful": g["doubtful"], "notes": g["notes"]} for g in per_gauge],
                     "gauges_disagree": bool(disagree),
                     "temperature_k": float(temps.iloc[0]) if not temps.empty else None})
    return pd.DataFrame(rows)
