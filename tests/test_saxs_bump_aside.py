"""A marginal bump that is no line must not choose a larger cell (issue 10, helper saxs3).

The typical form-factor sweep (tests/saxs_ff_synth.py, numpy only; bench/saxs_ff_sweep.py
``--typical --seed 7``) case 58 is SC, a = 110.61 Å, lines 100 … 300 at 140σ down to 3.5σ.
The smooth background sags under the strong 100 and 110 lines, and the sag between them is
fitted as a 3.5σ peak twice as broad as every line, at √1.5 q₁₀₀: the 111 of a cell √2
larger. Pn3m (and SC) of a = 156.4 Å explain it and every real line (their 110, 200, 211 …),
SC 100 then missing or forbidden, and Pn3m was reported (doubtful, but wrong). Fitted with
the width of the lines the bump stands under 3σ: it is set aside, and SC a = 110.6 Å, whose
lines are all among Pn3m's, explains the rest (analysis._bump_aside).
"""
import numpy as np
import pytest

from saxs_ff_sweep import run_case
from saxs_ff_synth import typical_params


def test_background_bump_does_not_pick_a_larger_cell():
    p = typical_params(60, seed=7)[58]
    assert (p["name"], p["a"]) == ("sc", 110.61)
    out = run_case(p)
    assert out["found"] == "sc" and out["right"], (out["found"], out["lattice_a"], out["notes"])
    assert out["lattice_a"] == pytest.approx(110.61, rel=0.003)
    # the bump is still a peak nobody explains: the result says so and is doubtful
    assert out["quality"] == "doubtful"
    assert any("is set aside" in n for n in out["notes"]), out["notes"]


@pytest.mark.parametrize("small,a_small,big,a_big,expected", [
    # SC a: N = 1, 2, 3, 4, 5, 6, 8 … ; Pn3m and BCC of √2 a: N' = 2N plus lines of their own
    ("sc", 110.0, "pn3m", 110.0 * np.sqrt(2), True),
    ("sc", 110.0, "bcc", 110.0 * np.sqrt(2), True),
    # the other way round the larger cell has lines (Pn3m 111, BCC 321) SC lacks
    ("pn3m", 110.0 * np.sqrt(2), "sc", 110.0, False),
    ("bcc", 110.0 * np.sqrt(2), "sc", 110.0, False),
    # FCC 200 has no SC line of the cell with the same 111
    ("fcc", 110.0 * np.sqrt(3), "sc", 110.0, False),
    # a phase is not its own alternative, nor at a lattice constant a fraction of a line
    # width away (form-factor sweep seed 102 case 28: FCC 354.1 and 354.7 Å)
    ("sc", 110.0, "sc", 110.0, False),
    ("fcc", 110.0 * np.sqrt(3), "fcc", 110.0 * np.sqrt(3) * 1.0017, False),
])
def test_lines_among(small, a_small, big, a_big, expected):
    from dackit.saxs.analysis import _lines_among
    from dackit.saxs.mesophase import Candidate

    def cand(name, a):
        return Candidate(name, a, 0.0, (), np.array([]), 0.0, 0, (), 0.0)

    q_max = 2 * np.pi / 110.0 * 3.0  # the first lines, up to SC 300
    tol = 0.5 * 0.013 * 2 * np.pi / 110.0  # half a line width of 1.3 % of q₁₀₀
    assert _lines_among(cand(small, a_small), cand(big, a_big), q_max, tol) is expected
