"""Benchmark: seconds per 1D SAXS pattern through ``analyse_saxs`` (issue 10: 10–60 s a pattern).

Four patterns simulated with fixed seeds (FCC a = 120 Å with a 30 Å sphere form factor, twice;
lamellar d = 58.38 Å; hexagonal a = 100 Å), each analysed once with the default settings after
one untimed warm-up call (imports). Prints JSON with the per-pattern times, the OpenBLAS/MKL
thread settings of the process, and the mesophases found.

The hot spot (cProfile of the lamellar pattern, 190 s): 330 SVDs inside scipy's
``least_squares`` (trust-region reflective with bounds) of the joint peak + background fit,
0.5 s each for a 1200 × 30 Jacobian — OpenBLAS's thread pool on a shared 2-core machine
(the same SVD takes 4 ms with one thread). The ``dackit`` command therefore sets
``OPENBLAS_NUM_THREADS=1`` unless the user set it. Compare:

    .venv/bin/python bench/saxs.py                         # the library in a default process
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/saxs.py  # what the dackit command runs with
"""
from __future__ import annotations

import json
import os
import time

from dackit.saxs.analysis import analyse_saxs
from dackit.saxs.simulate import simulate_saxs


def main() -> None:
    cases = [("fcc", 120.0, {"radius_a": 30.0, "n_lines": 10, "seed": 0}),
             ("fcc", 120.0, {"radius_a": 30.0, "n_lines": 10, "seed": 1}),
             ("lamellar", 58.38, {"seed": 3}),
             ("hexagonal", 100.0, {"radius_a": 20.0, "seed": 4})]
    sims = [simulate_saxs(m, a, **kw) for m, a, kw in cases]
    analyse_saxs(sims[-1].pattern)  # warm-up: imports and caches, not timed
    out = {"openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
           "mkl_num_threads": os.environ.get("MKL_NUM_THREADS"), "cpu_count": os.cpu_count(),
           "patterns": []}
    for (m, a, _), sim in zip(cases, sims):
        t0 = time.perf_counter()
        res = analyse_saxs(sim.pattern)
        dt = time.perf_counter() - t0
        found = res.indexing.mesophase if getattr(res, "indexing", None) is not None else None
        out["patterns"].append({"truth": m, "lattice_a": a, "seconds": round(dt, 3),
                                "found": found, "quality": res.verdict.quality})
    out["total_seconds"] = round(sum(p["seconds"] for p in out["patterns"]), 3)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
