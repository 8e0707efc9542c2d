"""A peak group whose fit stops at its evaluation limit makes the lattice doubtful (issue 10).

Lines of a wrong phase on a glass, or dozens of unresolved lines of a low-symmetry phase, can
keep ``least_squares`` going until ``GROUP_FIT_MAX_NFEV``: the positions it stops at are not a
minimum, and the cell must not take them as if they were.
"""
import numpy as np
import pytest

import dackit.xrd.lattice as lattice
from dackit.xrd.lattice import fit_lattice
from dackit.xrd.phases import zincblende
from dackit.xrd.structure_factor import simulate_pattern

LAM = 0.6199
X = np.linspace(6, 30, 2401)


def _pattern():
    return simulate_pattern(X, [zincblende(a=5.80)], LAM, crystallite_size_nm=8, peak_counts=2e4, seed=5)


def test_converged_groups_leave_no_note():
    fit = fit_lattice(_pattern(), zincblende())
    assert abs(fit.a - 5.80) < 0.004
    assert not any("without converging" in n for n in fit.verdict.notes)


def test_a_group_stopped_at_the_limit_is_doubtful_and_named(monkeypatch):
    # a limit far below what any group needs (the real corpus needs up to 1982) stands in for
    # a fit that cannot converge: every group stops there
    monkeypatch.setattr(lattice, "GROUP_FIT_MAX_NFEV", 3)
    fit = fit_lattice(_pattern(), zincblende())
    assert fit.verdict.quality == "doubtful"
    stalled = [n for n in fit.verdict.notes if "without converging" in n]
    assert len(stalled) == 1
    assert all(label in stalled[0] for label in fit.peaks.hkl)


def test_a_cell_refinement_driven_to_a_negative_length_is_a_fit_error(monkeypatch):
    # an unbounded Levenberg–Marquardt step can carry a wrong phase's cell through zero (a
    # RRUFF quartz scan fitted as wurtzite: "cell length a = -234.2 Å must be positive",
    # which blamed the user's phase); the refinement must say it diverged instead
    from dackit.errors import FitError

    real = lattice.least_squares

    def diverging(fun, p0, **kw):
        fun(-np.abs(p0))  # the first trial step lands on a negative cell
        return real(fun, p0, **kw)

    monkeypatch.setattr(lattice, "least_squares", diverging)
    with pytest.raises(FitError, match="cell refinement diverged"):
        fit_lattice(_pattern(), zincblende())
