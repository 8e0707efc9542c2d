"""Sweep: absorption spectra of direct- and indirect-gap semiconductors, built independently
of dackit (tests/tauc_synth.py, numpy only), through the default ``tauc_gap`` (issue 10).

Each spectrum is judged *right* when the gap is within ``tauc_synth.tolerance_ev`` of the E_g
it was built with (max(0.03 eV, 1.5 or 2.5 × the edge broadening) + the exciton binding
energy; the module docstring says why). Prints the confusion matrix (right & ok,
right & doubtful, wrong & doubtful, wrong & ok, refused — a clean DackitError) as JSON, for
all cases and per transition; ``--cases FILE`` writes every case with its parameters and
outcome. Wrong & ok must be 0.

    PYTHONPATH=src OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/tauc_sweep.py --n 200 --seed 1

The suite runs a fixed subset (tests/test_tauc_sweep.py).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from tauc_synth import spectrum, sweep_params, tolerance_ev  # noqa: E402

from dackit.core.spectrum import make_spectrum  # noqa: E402
from dackit.errors import DackitError  # noqa: E402
from dackit.optics.absorption import tauc_gap  # noqa: E402


def run_case(p) -> dict:
    """Outcome of one case: gap, quality, notes, whether it is right (None when refused)."""
    x, a, unit = spectrum(p)
    tol = tolerance_ev(p)
    try:
        res = tauc_gap(make_spectrum(x, a, x_unit=unit, y_unit="absorbance"), transition=p["transition"])
    except DackitError as exc:
        return {"gap": None, "quality": "refused", "right": False, "tol": tol, "notes": [str(exc)]}
    return {"gap": res.gap_ev, "err": res.gap_ev_err, "quality": res.quality, "tol": tol,
            "right": bool(abs(res.gap_ev - p["gap_ev"]) <= tol), "notes": list(res.quality_notes),
            "window": list(res.window_ev)}


def confusion(rows) -> dict:
    table = {}
    for name in ("direct", "indirect", "all"):
        sel = [r for r in rows if name in ("all", r["transition"])]
        table[name] = {
            "right_ok": sum(r["right"] and r["quality"] == "ok" for r in sel),
            "right_doubtful": sum(r["right"] and r["quality"] == "doubtful" for r in sel),
            "wrong_doubtful": sum(not r["right"] and r["quality"] == "doubtful" for r in sel),
            "wrong_ok": sum(not r["right"] and r["quality"] == "ok" for r in sel),
            "refused": sum(r["quality"] == "refused" for r in sel),
        }
    return table


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--cases", default=None, help="write every case (JSON) here")
    args = ap.parse_args(argv)
    rows, t0 = [], time.perf_counter()
    for i, p in enumerate(sweep_params(args.n, seed=args.seed)):
        rows.append({**p, **run_case(p)})
        if (i + 1) % 50 == 0:
            print(f"{i + 1}/{args.n} {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    out = {"n": len(rows), "seed": args.seed, "seconds": round(time.perf_counter() - t0, 1),
           "confusion": confusion(rows),
           "wrong_ok_cases": [r["case"] for r in rows if not r["right"] and r["quality"] == "ok"]}
    if args.cases:
        Path(args.cases).write_text(json.dumps(rows, indent=1, default=float))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
