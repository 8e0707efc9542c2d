"""Finely sampled SAXS curves (5000–20000 points, a rebinned 2D detector; issue 10): the same
answer as a coarse grid, and the joint refit run on bins, not on every point."""
from __future__ import annotations

import numpy as np
from saxs_ff_synth import lines, synth

from dackit.core.pattern import make_pattern
from dackit.saxs import analyse_saxs
from dackit.saxs import peaks as saxs_peaks


def _hexagonal(npts, seed):
    """A hexagonal mesophase (a = 120 Å) with its rod form factor, FWHM 1.5 % of q1, Poisson
    counts (3·10⁴ at the first line), q from 0.5 to 6 q1 on ``npts`` points."""
    q1 = 2 * np.pi * lines("hexagonal")[0][0] / 120.0
    q = np.linspace(0.5 * q1, 6 * q1, npts)
    q, y, s = synth("hexagonal", 120.0, r_over_nn=0.4, poly=0.07, q=q, fwhm_rel=0.015,
                    counts=3e4, peak_gain=4.0, porod=0.02, flat=0.003, seed=seed)
    return make_pattern(q, y, axis="q_A^-1", sigma=s)


def test_whittaker_banded_solve_matches_dense():
    # the banded Cholesky solve is the Whittaker system (W + Dᵀ Λ D) z = W y itself
    rng = np.random.default_rng(5)
    n = 60
    y = rng.normal(size=n)
    lam = 10 ** rng.uniform(1, 5, n - 2)
    w = np.where(rng.random(n) < 0.3, 1e-6, 1.0)
    d = np.diff(np.eye(n), 2, axis=0)
    want = np.linalg.solve(np.diag(w) + d.T @ np.diag(lam) @ d, w * y)
    np.testing.assert_allclose(saxs_peaks._whittaker(y, lam, w), want, rtol=1e-8, atol=1e-10)


def test_joint_fit_runs_on_bins_of_a_fine_grid(monkeypatch):
    # 20 000 points, ~55 per FWHM: the joint fit must not take an SVD of every point per
    # iteration (on main it ran on the 9 000-point window, ~2/3 of the analysis time)
    import scipy.optimize

    sizes = []
    real = scipy.optimize.least_squares

    def spy(fun, x0, *args, **kw):
        res = real(fun, x0, *args, **kw)
        if kw.get("max_nfev") == 300:  # the joint fit's call (_refine_joint)
            sizes.append(res.fun.size)
        return res

    monkeypatch.setattr(scipy.optimize, "least_squares", spy)
    saxs_peaks.find_peaks(_hexagonal(20000, seed=3))
    assert sizes and max(sizes) <= 20000 // (4 * 2)  # window ≤ the pattern, bins of ≥ 4


def test_joint_bin_keeps_ten_bins_per_fwhm():
    x = np.linspace(0.02, 0.2, 20001)  # step 9·10⁻⁶ Å⁻¹
    sure = saxs_peaks.SaxsPeak(0.05, 1e-5, 5e-4, 1e-5, 1.0, 0.1, 0.5, 0.1, 30.0)
    guess = saxs_peaks.SaxsPeak(0.03, np.nan, 4e-5, np.nan, 1.0, np.nan, 0.5, np.nan, 6.0)
    assert saxs_peaks._joint_bin(x, [sure]) == 5  # 55.6 points per FWHM
    assert saxs_peaks._joint_bin(x, [sure, guess]) == 5  # an unconfirmed spike sets no bin
    assert saxs_peaks._joint_bin(x[::20], [sure]) == 1  # 2.8 points per FWHM: every point


def test_fine_grid_gives_the_coarse_answer():
    # independent noise on 2000 and 20 000 points of the same curve: same mesophase, and
    # lattice constants within 3σ of their difference
    coarse = analyse_saxs(_hexagonal(2000, seed=11))
    fine = analyse_saxs(_hexagonal(20000, seed=12))
    assert coarse.mesophase == fine.mesophase == "hexagonal"
    tol = 3 * np.hypot(coarse.lattice_a_err, fine.lattice_a_err)
    assert abs(coarse.lattice_a - fine.lattice_a) <= tol
    assert abs(fine.lattice_a - 120.0) <= 3 * fine.lattice_a_err
