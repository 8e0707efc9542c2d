"""Pressure of each step of a run: from its ruby spectra, or as typed in the run sheet."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dackit.core.quality import is_ok


def step_pressures(sheet: pd.DataFrame, ruby: dict[int, dict]) -> pd.DataFrame:
    """One row per step: ``step, direction, pressure_gpa, pressure_gpa_err, source``.

    ``ruby`` maps a run-sheet row number to that ruby spectrum's result (failed ones absent).
    With several ruby spectra in a step (before and after the other measurements) the
    pressure is their mean and its uncertainty the larger of half their spread (drift during
    the step) and their typical fit error. A typed pressure is used when no ruby spectrum of
    the step could be measured; TEM-only steps (outside the cell) are at ambient pressure.
    Ruby results marked "doubtful" are used only when a step has no other ruby reading, and
    the step's ``source`` then says so.

    Parameters
    ----------
    sheet : pandas.DataFrame
        The run sheet, from :func:`~dackit.experiment.read_runsheet`.
    ruby : dict
        Run-sheet row number → that ruby spectrum's result (failed ones absent).
    """
    rows = []
    for step, group in sheet.groupby("step", sort=True):
        direction = group["direction"].iloc[0]
        fits = [ruby[r] for r in group.loc[group["technique"] == "ruby", "row"] if r in ruby]
        trusted = [f for f in fits if is_ok(f)]
        doubtful = bool(fits) and not trusted
        fits = trusted or fits  # doubtful readings only when the step has nothing better
        typed = group["pressure_gpa"].dropna()
        typed_err = group["pressure_gpa_err"].dropna()
        if fits:
            p = np.array([f["pressure_gpa"] for f in fits])
            e = np.array([f["pressure_gpa_err"] for f in fits])
            pressure = float(p.mean())
            spread = 0.5 * float(np.ptp(p)) if p.size > 1 else 0.0
            err = max(spread, float(np.sqrt(np.mean(e**2))))
            source = f"ruby ({len(fits)} spectra{', doubtful' if doubtful else ''})"
        elif not typed.empty:
            pressure = float(typed.iloc[0])
            err = float(typed_err.iloc[0]) if not typed_err.empty else float("nan")
            source = "typed"
        elif group["technique"].eq("tem").all():
            pressure, err, source = 0.0, 0.0, "ambient (TEM)"
        else:
            pressure, err, source = float("nan"), float("nan"), "unmeasured: every ruby spectrum failed"
        rows.append({"step": int(step), "direction": direction, "pressure_gpa": pressure,
                     "pressure_gpa_err": err, "source": source})
    return pd.DataFrame(rows)
