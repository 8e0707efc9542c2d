"""Few-line / truncated patterns from bench/saxs_judge_patterns.py's independent generator,
with varied intensity conventions (Lorentz exponent 0/1/2, Debye–Waller, R/nn), through
analyse_saxs. Prints wrong & ok cases and a tally per true phase.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=src:bench bench/saxs_judge_few_lines.py --n 40 --seed 1
"""
from __future__ import annotations

import argparse
import json
from collections import Counter

import numpy as np
from saxs_judge_patterns import bragg, pattern

from dackit.core.pattern import make_pattern
from dackit.errors import DackitError
from dackit.saxs import analyse_saxs


def case(rng, kind):
    a = float(rng.uniform(90, 250)) if kind != "hexagonal" else float(rng.uniform(50, 120))
    if kind == "lamellar":
        a = float(rng.uniform(40, 100))
    ls = bragg(kind, a, 10.0)
    nvis = int(rng.integers(2, 7))  # lines in range
    q1, qn, qn1 = ls[0][0], ls[nvis - 1][0], ls[nvis][0]
    qmin = q1 * rng.uniform(0.4, 0.8)
    qmax = qn + (qn1 - qn) * rng.uniform(0.3, 0.7)
    return dict(kind=kind, a=round(a, 2), qmin=qmin, qmax=qmax, npts=int(rng.choice([200, 400, 800, 1500])),
                r_over_nn=float(rng.uniform(0.3, 0.45)), pd=float(rng.uniform(0.04, 0.1)),
                fwhm=float(rng.uniform(0.008, 0.02)), u=float(rng.uniform(0.0, 0.05)),
                lorentz_exp=int(rng.choice([0, 1, 2])), counts=float(10 ** rng.uniform(3.5, 5)),
                porod=float(rng.choice([0.0, 0.05])), G=float(rng.uniform(5, 50)),
                log=bool(rng.random() < 0.3), nvis=nvis,
                shape=str(rng.choice(["gauss", "lorentz"])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default="sc,bcc,fcc,hcp,hexagonal,lamellar")
    ap.add_argument("--out", default="/tmp/ffp/probe.json")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    tally: dict = {}
    rows = []
    kinds = args.kinds.split(",")
    for i in range(args.n):
        kind = kinds[i % len(kinds)]
        c = case(rng, kind)
        q, y, s = pattern(c, np.random.default_rng([args.seed, i, 7]))
        try:
            r = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=s))
            found, la, qual = r.mesophase, (r.lattice_a if r.indexing is not None else None), r.quality
            notes = list(r.quality_notes)
        except DackitError as e:
            found, la, qual, notes = None, None, "refused", [str(e)]
        right = found == kind and la is not None and abs(la / c["a"] - 1) < 0.01
        outcome = ("right" if right else "wrong") + "&" + ("ok" if qual == "ok" else "doubtful")
        tally.setdefault(kind, Counter())[outcome] += 1
        row = dict(i=i, **c, found=found, lattice_a=la, quality=qual, outcome=outcome, notes=notes)
        rows.append(row)
        if outcome == "wrong&ok":
            print("WRONG&OK", json.dumps(row), flush=True)
    print(json.dumps({k: dict(v) for k, v in tally.items()}, indent=1))
    with open(args.out, "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
