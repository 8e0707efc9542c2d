"""A whole-pattern fit of `xrd phases` that stops at its evaluation limit makes the present
phases doubtful (issue 10): the cells and fractions it stops at are not a minimum."""
import numpy as np

import dackit.xrd.transitions as transitions
from dackit.xrd.phases import nacl, zincblende
from dackit.xrd.structure_factor import simulate_pattern
from dackit.xrd.transitions import identify_phases

LAM = 0.6199
X = np.linspace(6, 30, 2401)


def _pattern():
    return simulate_pattern(X, [zincblende(a=5.80), nacl(a=5.50)], LAM, weight_fractions=[0.6, 0.4],
                            crystallite_size_nm=20, peak_counts=2e4, seed=5)


def _stall_notes(res):
    return [n for r in res.phases if r.present for n in r.verdict.notes if "without converging" in n]


def test_converged_fit_leaves_no_note():
    res = identify_phases(_pattern(), [zincblende(), nacl()])
    assert [r.present for r in res.phases] == [True, True]
    assert abs(res.phases[0].a_a - 5.80) < 0.004 and abs(res.phases[1].a_a - 5.50) < 0.004
    assert not _stall_notes(res)


def test_fit_stopped_at_the_limit_is_doubtful(monkeypatch):
    # a limit far below what the fit needs stands in for a fit that cannot converge
    monkeypatch.setattr(transitions, "WHOLE_FIT_MAX_NFEV", 3)
    res = identify_phases(_pattern(), [zincblende(), nacl()])
    present = [r for r in res.phases if r.present]
    assert present and all(r.verdict.quality == "doubtful" for r in present)
    # the fit's own stall, and the zero-offset test's (it stops at the same limit)
    for r in present:
        assert any("whole-pattern fit stopped" in n for n in r.verdict.notes)
        assert any("axis is not checked" in n for n in r.verdict.notes)
    assert not res.lattices_ok
