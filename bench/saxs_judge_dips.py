"""Lattices whose spheres put a line in a form-factor dip (R/nn chosen for it), cut
to 3-6 lines, through analyse_saxs; prints wrong & ok cases and a tally.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=src:bench bench/saxs_judge_dips.py
"""
import json
import numpy as np
from saxs_judge_patterns import bragg, pattern
from dackit.core.pattern import make_pattern
from dackit.errors import DackitError
from dackit.saxs import analyse_saxs
specs = []
for kind, r, a in [("bcc", 0.413, 160.0), ("bcc", 0.40, 140.0), ("bcc", 0.425, 180.0), ("sc", 0.49, 120.0), ("sc", 0.5, 100.0),
                   ("fcc", 0.357, 200.0), ("fcc", 0.345, 180.0), ("hcp", 0.40, 120.0), ("hcp", 0.45, 120.0), ("hexagonal", 0.45, 80.0)]:
    ls = bragg(kind, a, 10)
    for nvis in (3, 4, 5, 6):
        for lor in (0, 2):
            for pd in (0.03, 0.06):
                q1, qn, qn1 = ls[0][0], ls[nvis - 1][0], ls[nvis][0]
                specs.append(dict(kind=kind, a=a, r_over_nn=r, pd=pd, qmin=0.6 * q1, qmax=qn + 0.5 * (qn1 - qn), npts=600,
                                  lorentz_exp=lor, nvis=nvis, counts=3e4, fwhm=0.012, porod=0.03))
tally = {}
for i, c in enumerate(specs):
    q, y, s = pattern(c, np.random.default_rng([5, i]))
    try:
        r = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=s))
        found, la, qual, notes = r.mesophase, (r.lattice_a if r.indexing is not None else None), r.quality, list(r.quality_notes)
    except DackitError as e:
        found, la, qual, notes = None, None, "refused", [str(e)]
    right = found == c["kind"] and la is not None and abs(la / c["a"] - 1) < 0.01
    o = ("right" if right else "wrong") + "&" + ("ok" if qual == "ok" else "doubtful")
    key = f'{c["kind"]} r={c["r_over_nn"]}'
    tally.setdefault(key, {}).setdefault(o, 0)
    tally[key][o] += 1
    if o == "wrong&ok":
        print("WRONG&OK", json.dumps({**c, "found": found, "la": la, "notes": notes[:3]}), flush=True)
print(json.dumps(tally, indent=0))
