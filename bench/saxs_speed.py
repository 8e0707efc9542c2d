"""Seconds of ``analyse_saxs`` against the number of q points (issue 10: fine grids are slow).

    PYTHONPATH=src:tests OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/saxs_speed.py [--points 1000,5000,20000]

An FCC superlattice (a = 220 Å) and a hexagonal mesophase (a = 120 Å) with their particle
form factor (tests/saxs_ff_synth.py, numpy only: R/nn 0.4, polydispersity 7 %, FWHM 1.5 % of
q1, 3·10⁴ counts at the first line, Porod and flat background, Poisson noise), q from 0.5 to
6 q1 on a linear grid of each size. Prints wall and CPU seconds (CPU is the figure to compare
on a shared machine), the mesophase, lattice constant ± its error and quality, so two commits
are compared on identical input.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from saxs_ff_synth import lines, synth  # noqa: E402

from dackit.core.pattern import make_pattern  # noqa: E402
from dackit.saxs import analyse_saxs  # noqa: E402

CASES = (("fcc", 220.0), ("hexagonal", 120.0))


def curve(name, a, npts, seed=3):
    """One pattern of :data:`CASES` on ``npts`` linear q points."""
    q1 = 2 * np.pi * lines(name)[0][0] / a
    q = np.linspace(0.5 * q1, 6 * q1, npts)
    q, y, s = synth(name, a, r_over_nn=0.4, poly=0.07, q=q, fwhm_rel=0.015, counts=3e4,
                    peak_gain=4.0, porod=0.02, flat=0.003, seed=seed)
    return make_pattern(q, y, axis="q_A^-1", sigma=s)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", default="1000,5000,20000", help="comma-separated grid sizes")
    args = ap.parse_args(argv)
    analyse_saxs(curve("fcc", 220.0, 600))  # imports and caches out of the timing
    for name, a in CASES:
        for npts in (int(v) for v in args.points.split(",")):
            pat = curve(name, a, npts)
            t0, c0 = time.perf_counter(), time.process_time()
            res = analyse_saxs(pat)
            print(json.dumps({"case": name, "points": npts,
                              "wall_s": round(time.perf_counter() - t0, 2),
                              "cpu_s": round(time.process_time() - c0, 2),
                              "mesophase": res.mesophase,
                              "lattice_a": round(res.lattice_a, 4),
                              "lattice_err": round(res.lattice_a_err, 4),
                              "quality": res.quality, "n_peaks": len(res.peaks)}), flush=True)


if __name__ == "__main__":
    main()
