"""Sweep: adversarial TEM/STEM micrographs built independently of dackit (tests/tem_synth.py,
numpy/scipy only), through the default ``detect_particles`` (issue 10).

Each image is judged *right* when the mean diameter is within 5 % of the true mean of the
particles lying wholly inside the frame. Prints the counts (right & ok, right & doubtful,
wrong & doubtful, wrong & ok, refused) as JSON; ``--cases FILE`` writes every case with its
parameters and outcome. Wrong & ok must be 0.

    PYTHONPATH=src:tests OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/tem_sweep.py --n 60 --seed 1

``--typical`` draws well-measured images (separated particles ≥ 12 px, SNR ≥ 10, no film
grain), where every case should be right.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from tem_synth import micrograph, random_params, typical_params  # noqa: E402

from dackit.errors import DackitError  # noqa: E402
from dackit.tem.detect import detect_particles  # noqa: E402
from dackit.tem.stats import size_statistics  # noqa: E402


def run_case(p) -> dict:
    img, truth, details = micrograph(p)
    out = {**p, **details, "true_mean_px": truth}
    try:
        det = detect_particles(img, pixel_nm=1.0)
        s = size_statistics(det.diameters_nm)
    except DackitError as exc:
        return {**out, "outcome": "refused", "notes": [str(exc)]}
    err = s.mean_nm / truth - 1
    verdict = det.verdict.to_dict()
    right = abs(err) <= 0.05
    ok = verdict["quality"] == "ok"
    outcome = ("right_ok" if ok else "right_doubtful") if right else ("wrong_ok" if ok else "wrong_doubtful")
    return {**out, "outcome": outcome, "mean_px": s.mean_nm, "n_found": s.n, "error": err,
            "notes": verdict["quality_notes"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--typical", action="store_true", help="well-measured images only (tem_synth.typical_params)")
    ap.add_argument("--cases", type=Path, help="write every case and its outcome (JSON)")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    rows = []
    for _ in range(args.n):
        p = typical_params(rng) if args.typical else random_params(rng)
        rows.append(run_case(p))
    counts = {k: sum(r["outcome"] == k for r in rows)
              for k in ("right_ok", "right_doubtful", "wrong_doubtful", "wrong_ok", "refused")}
    wrong_ok = [{k: r[k] for k in ("seed", "mean_d_px", "true_mean_px", "mean_px", "error")}
                for r in rows if r["outcome"] == "wrong_ok"]
    print(json.dumps({"n": args.n, "seed": args.seed, "typical": args.typical, "counts": counts,
                      "seconds": round(time.perf_counter() - t0, 1), "wrong_ok": wrong_ok}, indent=1))
    if args.cases:
        args.cases.write_text(json.dumps(rows, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
