"""F–f analysis: linearity with the right intercept/slope, Heinz–Jeanloz esd's, ellipses."""
import numpy as np
import pytest
from scipy.stats import chi2

from dackit.eos import EOS_FORMS, confidence_ellipse, ff_from_fit, ff_line, fit_eos, normalized_stress
from dackit.eos.ff import eta_from_strain, strain_from_eta
from dackit.errors import InputError

V = np.linspace(99.0, 75.0, 12)


@pytest.mark.parametrize("form,strain,slope", [
    ("bm3", "eulerian", lambda k0, kp: 1.5 * k0 * (kp - 4)),
    ("natural", "natural", lambda k0, kp: 1.5 * k0 * (kp - 2)),
])
def test_stress_is_linear_in_strain_with_k0_intercept(form, strain, slope):
    k0, kp = 140.0, 5.3
    p = EOS_FORMS[form].pressure(V, 100.0, k0, kp)
    ff = normalized_stress(p, V, 100.0, strain=strain)
    b, a = np.polyfit(ff.f, ff.F_gpa, 1)
    assert a == pytest.approx(k0, rel=1e-9)
    assert b == pytest.approx(slope(k0, kp), rel=1e-8)


def test_vinet_log_stress_is_linear():
    k0, kp = 167.0, 6.0
    p = EOS_FORMS["vinet"].pressure(V, 100.0, k0, kp)
    ff = normalized_stress(p, V, 100.0, strain="vinet")
    b, a = np.polyfit(ff.f, np.log(ff.F_gpa), 1)
    assert np.exp(a) == pytest.approx(k0, rel=1e-9)
    assert b == pytest.approx(1.5 * (kp - 1), rel=1e-9)


@pytest.mark.parametrize("strain", ["eulerian", "natural", "vinet"])
def test_strain_conversions_invert(strain):
    eta = np.linspace(0.6, 1.1, 7)
    np.testing.assert_allclose(eta_from_strain(strain_from_eta(eta, strain), strain), eta, rtol=1e-13)


@pytest.mark.parametrize("strain", ["eulerian", "natural", "vinet"])
def test_heinz_jeanloz_esds_match_monte_carlo(strain):
    # linear propagation must match brute-force propagation of small P, V, V0 errors
    rng = np.random.default_rng(2)
    v0, sv0 = 100.0, 0.03
    v = np.array([97.0, 90.0, 82.0])
    p = EOS_FORMS["bm3"].pressure(v, v0, 150.0, 4.5)
    sp, sv = np.full(3, 0.05), np.full(3, 0.04)
    ff = normalized_stress(p, v, v0, strain=strain, pressure_err=sp, volume_err=sv, v0_err=sv0)
    m = 20000
    # η = V/V0: one V0 draw per sample, shared by its three points
    eta_pert = (v + rng.normal(0, 1, (m, 3)) * sv) / (v0 + rng.normal(0, sv0, (m, 1)))
    pp = p + rng.normal(0, 1, (m, 3)) * sp
    mc = normalized_stress(pp.ravel(), (eta_pert * v0).ravel(), v0, strain=strain)
    f_sd = mc.f.reshape(m, 3).std(axis=0)
    F_sd = mc.F_gpa.reshape(m, 3).std(axis=0)
    # 20000 draws: the std of a std is 0.5 %; 5 % leaves room for the small non-linearity
    np.testing.assert_allclose(ff.f_err, f_sd, rtol=0.05)
    np.testing.assert_allclose(ff.F_err, F_sd, rtol=0.05)


def test_points_near_zero_pressure_are_flagged(real_data):
    from dackit.eos import read_pv

    d = read_pv(real_data / "quantas_eos" / "PV_quartz.dat")
    fit = fit_eos(d.pressure_gpa, d.volume_a3, pressure_err=d.pressure_err, volume_err=d.volume_err)
    ff = ff_from_fit(fit)
    assert not ff.valid[0] and ff.valid[1:].all()     # P = 0 point only
    # the fitted line's intercept is K0, and the fitted points scatter about it
    assert float(ff_line(fit, 1e-9)) == pytest.approx(fit.value("k0"), rel=1e-6)
    z = (ff.F_gpa[ff.valid] - ff_line(fit, ff.f[ff.valid])) / ff.F_err[ff.valid]
    assert np.sqrt(np.mean(z**2)) < 2.0


def test_confidence_ellipse_extent():
    rng = np.random.default_rng(4)
    p_true = np.linspace(0.5, 25, 15)
    v = EOS_FORMS["bm3"].volume(p_true, 100.0, 150.0, 4.5) + rng.normal(0, 0.02, 15)
    fit = fit_eos(p_true + rng.normal(0, 0.05, 15), v, pressure_err=np.full(15, 0.05),
                  volume_err=np.full(15, 0.02))
    for level in (0.683, 0.954):
        x, y = confidence_ellipse(fit, ("k0", "kp"), level)
        r = np.sqrt(chi2.ppf(level, 2))                 # 2.30 → 1.52, 6.18 → 2.49
        assert (x.max() - fit.value("k0")) == pytest.approx(r * fit.err("k0"), rel=1e-3)
        assert (y.max() - fit.value("kp")) == pytest.approx(r * fit.err("kp"), rel=1e-3)
    assert chi2.ppf(0.683, 2) == pytest.approx(2.30, abs=0.01)
    with pytest.raises(InputError, match="free parameters"):
        confidence_ellipse(fit_eos(p_true, v, fix={"kp": 4.5}))


def test_bad_strain_name():
    with pytest.raises(InputError, match="unknown strain"):
        normalized_stress([1.0], [99.0], 100.0, strain="lagrangian")
