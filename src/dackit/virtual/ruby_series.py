"""A virtual ruby pressure series: the raw gauge files of a compression run, with their truth.

This is the first piece of the virtual DAC experiment; it writes spectra the way different
spectrometers would (plain text, CSV, Ocean Optics exports) so that the whole reading and
fitting chain is exercised, not just the fit.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dackit.gauge.ruby import DEFAULT_R1_0_NM, simulate_ruby
from dackit.io import write_spectrum

#: file flavour → extension; cycled over the steps
FLAVOURS = {"text": ".txt", "csv": ".csv", "oceanoptics": ".txt"}


def write_ruby_series(out_dir, pressures_gpa, *, scale: str = "mao1986-hydrostatic",
                      lambda0_nm: float = DEFAULT_R1_0_NM, seed: int = 0,
                      flavours=tuple(FLAVOURS)) -> pd.DataFrame:
    """Simulate one ruby spectrum per pressure, write it, and return the truth table.

    Pressure broadening and signal level vary from step to step as in a real run (weaker,
    broader lines at high pressure in a quasi-hydrostatic medium).

    Returns a DataFrame with columns ``file``, ``flavour``, ``true_pressure_gpa``, ``true_r1_nm``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    for i, p in enumerate(np.asarray(pressures_gpa, dtype=float)):
        flavour = flavours[i % len(flavours)]
        path = out / f"ruby_{i:02d}_{flavour}{FLAVOURS[flavour]}"
        s = simulate_ruby(p, scale=scale, lambda0_nm=lambda0_nm, seed=rng.integers(2**31),
                          peak_counts=float(rng.uniform(5e3, 3e4)) / (1 + p / 30),
                          fwhm_nm=0.5 + 0.03 * p + float(rng.uniform(0, 0.1)), source=str(path))
        write_spectrum(s, path, flavour=flavour)
        rows.append({"file": str(path), "flavour": flavour, "true_pressure_gpa": float(p),
                     "true_r1_nm": s.metadata["true_r1_nm"]})
    return pd.DataFrame(rows)
