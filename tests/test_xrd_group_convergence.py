"""A peak group whose fit stops at its evaluation limit makes the lattice doubtful (issue 10).

Lines of a wrong phase on a glass, or dozens of unresolved lines of a low-symmetry phase, can
keep ``least_squares`` going until ``GROUP_FIT_MAX_NFEV``: the positions it stops at are not a
minimum, and the cell must not take them as if they were.
"""
import numpy as np
import pytest

import dackit.xrd.cell as cell
import dackit.xrd.peakfit as peakfit
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
    monkeypatch.setattr(peakfit, "GROUP_FIT_MAX_NFEV", 3)
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

    real = cell.least_squares

    def diverging(fun, p0, **kw):
        fun(-np.abs(p0))  # the first trial step lands on a negative cell
        return real(fun, p0, **kw)

    monkeypatch.setattr(cell, "least_squares", diverging)
    with pytest.raises(FitError, match="cell refinement diverged"):
        fit_lattice(_pattern(), zincblende())


def test_axis_model_spread_of_an_angle_is_in_degrees_and_no_length_doubt():
    """A monoclinic β that moves by 0.05° between axis models is an angle: its spread is
    given in degrees and does not trip the 0.002 Å doubt on cell lengths (the ibuprofen
    pdCIF printed 'beta = 94.81294 Å' and counted β's change against 0.002 Å)."""
    from dackit.xrd.cell import _with_model_spread

    names = ("a", "beta", "displacement_deg")
    cov = np.diag([1e-8, 1e-6, 1e-6])

    def fit(a, beta, chi2):
        return names, np.array([a, beta, 0.01]), np.sqrt(np.diag(cov)), cov, chi2 / 17, None, None

    chosen = fit(12.3900, 94.870, 20.0)
    other = fit(12.3901, 94.820, 20.5)  # a within 0.0001 Å, β 0.05° apart, equally good
    _, note, doubt = _with_model_spread(chosen, {"displacement": chosen, "zero": other}, 20)
    assert doubt == ""
    assert "beta ±" in note and "° (axis model)" in note and "beta ± 0.0" in note
    far = fit(12.3950, 94.870, 20.5)  # a 0.005 Å apart: a length doubt, in Å
    _, _, doubt = _with_model_spread(chosen, {"displacement": chosen, "zero": far}, 20)
    assert "a by +0.0050 Å" in doubt
