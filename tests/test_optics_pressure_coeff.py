"""E(P) fits: round trips, effective variance, branches, prediction band, reversibility."""
import numpy as np
import pytest

from dackit.errors import InputError
from dackit.optics.pressure_coeff import (
    fit_branches, fit_energy_vs_pressure, infer_direction, reversibility)

E0, ALPHA, BETA = 2.012, 53.0, -2.0   # study: eV, meV/GPa, meV/GPa²


def truth(p):
    return E0 + 1e-3 * (ALPHA * p + BETA * p ** 2)


def test_noise_free_exact():
    p = np.linspace(0, 5.6, 8)
    f = fit_energy_vs_pressure(p, truth(p), order=2)
    assert f.e0_ev == pytest.approx(E0, abs=1e-12)
    assert f.alpha_mev_per_gpa == pytest.approx(ALPHA, abs=1e-9)
    assert f.beta_mev_per_gpa2 == pytest.approx(BETA, abs=1e-9)
    assert np.allclose(f.residuals_mev, 0, atol=1e-9)


def test_round_trip_within_errors():
    rng = np.random.default_rng(3)
    p = np.linspace(0, 5.6, 12)
    sigma = 1e-3
    f = fit_energy_vs_pressure(p, truth(p) + rng.normal(0, sigma, p.size), e_err=sigma)
    for val, err, true in ((f.e0_ev, f.e0_ev_err, E0), (f.alpha_mev_per_gpa, f.alpha_mev_per_gpa_err, ALPHA),
                           (f.beta_mev_per_gpa2, f.beta_mev_per_gpa2_err, BETA)):
        assert abs(val - true) < 4 * err
    assert f.covariance.shape == (3, 3)
    assert np.allclose(f.covariance, f.covariance.T)
    assert 0.1 < f.redchi < 3.0                   # χ²_ν of 9 dof: 99.9 % within this range
    assert f.residuals_mev.shape == p.shape


def test_errors_match_monte_carlo_scatter():
    """The reported α error equals the scatter of α over repeated noisy series."""
    rng = np.random.default_rng(11)
    p = np.linspace(0, 5.6, 10)
    alphas, errs = [], []
    for _ in range(300):
        f = fit_energy_vs_pressure(p, truth(p) + rng.normal(0, 2e-3, p.size), e_err=2e-3, scale_covar=False)
        alphas.append(f.alpha_mev_per_gpa)
        errs.append(f.alpha_mev_per_gpa_err)
    # standard error of a standard deviation from 300 samples ≈ 4 %; allow 4σ
    assert np.std(alphas) == pytest.approx(np.mean(errs), rel=0.17)


def test_effective_variance_linear_closed_form():
    """Uniform σ_E, σ_P in a linear fit: σ_eff = √(σ_E² + α² σ_P²) and the slope error is
    σ_eff/√Σ(p − p̄)² (absolute σ)."""
    p = np.linspace(0, 5, 11)
    e = 2.0 + 0.05 * p
    f = fit_energy_vs_pressure(p, e, e_err=1e-3, pressure_err=0.1, order=1, scale_covar=False)
    s_eff = np.hypot(1e-3, 0.05 * 0.1)
    assert f.alpha_mev_per_gpa_err == pytest.approx(1e3 * s_eff / np.sqrt(np.sum((p - p.mean()) ** 2)), rel=1e-6)
    assert np.allclose(f.sigma_ev, s_eff)
    g = fit_energy_vs_pressure(p, e, e_err=1e-3, order=1, scale_covar=False)
    assert f.alpha_mev_per_gpa_err > g.alpha_mev_per_gpa_err


def test_effective_variance_needs_iteration_for_curvature():
    p = np.linspace(0, 5.6, 9)
    noisy = truth(p) + np.random.default_rng(2).normal(0, 5e-4, p.size)
    f = fit_energy_vs_pressure(p, noisy, e_err=5e-4, pressure_err=np.linspace(0.02, 0.3, 9))
    assert f.n_iter >= 2                  # weights depend on the slope of the current fit
    slope = 1e-3 * (f.params[1] * 1e3 + 2 * f.params[2] * 1e3 * p)
    assert np.allclose(f.sigma_ev, np.sqrt(5e-4 ** 2 + (slope * np.linspace(0.02, 0.3, 9)) ** 2), rtol=1e-6)


def test_prediction_band_coverage():
    rng = np.random.default_rng(5)
    p = np.linspace(0, 5.6, 15)
    f = fit_energy_vs_pressure(p, truth(p) + rng.normal(0, 1e-3, p.size))
    pn = rng.uniform(0, 5.6, 4000)
    en = truth(pn) + rng.normal(0, 1e-3, pn.size)
    _, lo, hi = f.predict(pn, level=0.95)
    inside = np.mean((en >= lo) & (en <= hi))
    # one fitted σ̂ from 12 dof sets the band width: its coverage varies by a few percent
    assert 0.85 < inside < 0.995
    _, clo, chi = f.predict(pn, kind="confidence")
    assert np.all(chi - clo < hi - lo)


def test_branches_kept_apart():
    p = np.array([0, 1, 2, 3, 4, 5, 5.6, 4.5, 3, 2, 1, 0.2])
    e = truth(p)
    labels = infer_direction(p)
    e = np.where(labels == "decompression", e + 0.05, e)     # hysteresis on release
    f = fit_energy_vs_pressure(p, e, direction=labels)
    assert f.e0_ev == pytest.approx(E0, abs=1e-9) and f.branch == "compression"
    both = fit_branches(p, e, labels)
    assert set(both) == {"compression", "decompression"}
    assert both["decompression"].e0_ev == pytest.approx(E0 + 0.05, abs=1e-9)


def test_reversibility():
    p = [0.0, 2.0, 5.6, 3.0, 0.0]
    e = truth(np.array(p))
    shifted = e + np.array([0, 0, 0, 0, 0.006])
    r = reversibility(p, shifted, e_err=0.001)
    assert r.residual_shift_mev == pytest.approx(6.0)
    assert r.residual_shift_mev_err == pytest.approx(np.sqrt(2))
    assert r.max_pressure_gpa == 5.6
    assert not r.reversible                          # 6 meV = 4.2σ of √2 meV
    back = reversibility(p, e + np.array([0, 0, 0, 0, 0.002]), e_err=0.001)
    assert back.reversible and back.recovered_fraction > 0.99


def test_bad_input():
    with pytest.raises(InputError, match="energy_ev"):
        fit_energy_vs_pressure([0, 1, 2], [2.0, np.nan, 2.1])
    with pytest.raises(InputError, match="at least 3"):
        fit_energy_vs_pressure([0, 1], [2.0, 2.1], order=2)
    with pytest.raises(InputError, match="has 2 values"):
        fit_energy_vs_pressure([0, 1, 2], [2.0, 2.1])
    with pytest.raises(InputError, match="direction"):
        fit_energy_vs_pressure([0, 1, 2], [2.0, 2.1, 2.2], order=1, direction=["up", "sideways", "up"])
    with pytest.raises(InputError, match="same pressure"):
        fit_energy_vs_pressure([1, 1, 1], [2.0, 2.1, 2.2], order=1)
    with pytest.raises(InputError, match="decompression"):
        reversibility([0, 1, 2], [2.0, 2.05, 2.1])
