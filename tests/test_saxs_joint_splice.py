"""The joint fit's background joins the smoother's without a step (issue 10, helper saxs3).

find_peaks fits the background and the peaks together over a window (peaks._refine_joint)
and put that background into the smoother's inside the window only. Where the smoother
misses the pattern at the window's edge (beside a steep form-factor bend), the two differ
by 20 %: a step narrower than any line, on which the pick-up of missed lines fitted a 10σ
'line'. Form-factor sweep seed 102 case 1 (tests/saxs_ff_synth.py, numpy only): hexagonal,
a = 188.3 Å, cylinders, 10 and 11 found, plus that 'line' at 1.12 q₁₀ — indexed sc, a = 326 Å
(doubtful, but wrong). Now the background fades from the joint fit's into the smoother's
(peaks._spliced) and the pattern is hexagonal.
"""
import numpy as np
import pytest

from saxs_ff_sweep import run_case
from saxs_ff_synth import sweep_params


def test_no_line_on_the_splice_of_the_joint_background():
    p = sweep_params(40, seed=102)[1]
    assert (p["name"], p["a"]) == ("hexagonal", 188.34)
    out = run_case(p)
    assert out["found"] == "hexagonal" and out["right"], (out["found"], out["lattice_a"], out["notes"])
    assert out["n_peaks"] == 2, out["notes"]  # 10 and 11; nothing at the window's edge


def test_spliced_background_is_continuous_and_fades():
    from dackit.saxs.peaks import SPLICE_DECADES, _spliced

    q = np.geomspace(0.01, 0.3, 2000)
    bg = q ** -3.0
    m = (q >= 0.03) & (q <= 0.05)
    inner = 1.2 * bg[m]  # the joint fit's background, 20 % above the smoother's
    out = _spliced(q, bg, m, inner)
    assert np.array_equal(out[m], inner)
    # no step at either edge: the neighbours outside carry the same 20 %
    i0, i1 = np.flatnonzero(m)[[0, -1]]
    assert out[i0 - 1] / bg[i0 - 1] == pytest.approx(1.2, rel=1e-3)
    assert out[i1 + 1] / bg[i1 + 1] == pytest.approx(1.2, rel=1e-3)
    # and the smoother's own background beyond the fade
    far = (np.log10(0.03 / q) > SPLICE_DECADES) | (np.log10(q / 0.05) > SPLICE_DECADES)
    assert np.array_equal(out[far], bg[far])
