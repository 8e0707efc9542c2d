"""Compare a run's results.json with a virtual experiment's truth.json, key by key.

Both files share their keys (see the pipeline issue), so the comparison walks the truth and
looks each number up in the results, with its ``_err`` when there is one. The deviation in
units of σ says whether the analysis recovered the truth within its own uncertainty.
"""
from __future__ import annotations

import math

import pandas as pd

#: scalar keys compared in dicts: name → error key in the results
SCALARS = {
    "pl_fit": ("e0_ev", "alpha_mev_per_gpa", "beta_mev_per_gpa2"),
    "tem": ("mean_nm",),
}
#: list keys matched item by item on (step or pressure, direction): name → compared values
LISTS = {
    "steps": ("pressure_gpa",),
    "tauc": ("gap_ev",),
    "saxs": ("d_first_angstrom", "mesophase"),
}


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def _row(key, truth, result, err):
    dev = None
    if _num(truth) is not None and _num(result) is not None:
        dev = result - truth
    sigma = dev / err if dev is not None and _num(err) and err > 0 else None
    return {"key": key, "truth": truth, "result": result, "uncertainty": err, "deviation": dev, "sigma": sigma}


def _match(items, want):
    """The results item of the same step (or the same pressure and direction)."""
    for it in items:
        if "step" in want and "step" in it and it["step"] == want["step"]:
            if it.get("direction", want.get("direction")) == want.get("direction"):
                return it
    p = _num(want.get("pressure_gpa"))
    for it in items:
        q = _num(it.get("pressure_gpa"))
        if p is not None and q is not None and abs(q - p) < 0.5 and it.get("direction") == want.get("direction"):
            return it
    return None


def compare_with_truth(results: dict, truth: dict) -> pd.DataFrame:
    """One row per compared number: key, truth, result, uncertainty, deviation, sigma (deviation/uncertainty).

    Parameters
    ----------
    results : dict
        The content of ``results.json``.
    truth : dict
        The content of ``truth.json`` of a virtual experiment.
    """
    rows = []
    for section, names in SCALARS.items():
        t, r = truth.get(section) or {}, results.get(section) or {}
        for n in names:
            if n in t:
                rows.append(_row(f"{section}.{n}", t[n], r.get(n), r.get(f"{n}_err")))
    for phase, t in (truth.get("eos") or {}).items():
        r = (results.get("eos") or {}).get(phase, {})
        for n in ("v0_a3", "k0_gpa", "kp"):
            if n in t:
                rows.append(_row(f"eos.{phase}.{n}", t[n], r.get(n), r.get(f"{n}_err")))
    if "transition_pressure_gpa" in truth:
        err = (results.get("transition") or {}).get("transition_pressure_gpa_err")
        rows.append(_row("transition_pressure_gpa", truth["transition_pressure_gpa"],
                         results.get("transition_pressure_gpa"), err))
    for section, names in LISTS.items():
        items = results.get(section) or []
        for t in truth.get(section) or []:
            it = _match(items, t) or {}
            label = f"step {t['step']}" if "step" in t else f"{t.get('pressure_gpa', '?')} GPa"
            for n in names:
                if n in t:
                    rows.append(_row(f"{section}[{label}].{n}", t[n], it.get(n), it.get(f"{n}_err")))
    return pd.DataFrame(rows, columns=["key", "truth", "result", "uncertainty", "deviation", "sigma"])
