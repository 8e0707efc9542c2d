"""Scherrer and Williamson–Hall in dackit.core.broadening: one convention, both forms."""
import math

import numpy as np
import pytest

from dackit.core import broadening
from dackit.errors import FitError, InputError
from dackit.saxs.scherrer import scherrer_thickness
from dackit.xrd.lattice import scherrer_sizes, williamson_hall


def test_angle_form_by_hand():
    # Cu Kα, 2θ = 30°, FWHM 0.5°: D = Kλ/(β cosθ) worked out with math alone.
    lam, tth, fw, k = 1.5406, 30.0, 0.5, 0.9
    expected = k * lam / (math.radians(fw) * math.cos(math.radians(15.0))) / 10
    size, err = broadening.scherrer_size_nm(tth, fw, lam, k=k, fwhm_err=0.01)
    assert size == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(16.45, abs=0.01)
    assert err == pytest.approx(expected * 0.01 / 0.5, rel=1e-9)   # σ_D/D = σ_β/β


def test_q_form_matches_angle_form_and_study_value():
    # The study's SAXS thickness: d = 120 Å, D = 27.5 nm, K = 0.89 → Δq = 2πK/D.
    dq = 2 * math.pi * 0.89 / 275.0
    size_q, _ = broadening.scherrer_size_q_nm(dq, k=0.89)
    assert size_q == pytest.approx(27.5, rel=1e-12)
    assert broadening.scherrer_fwhm_q(27.5, k=0.89) == pytest.approx(dq, rel=1e-12)
    # the same peak in angle form at λ = 0.4859 Å: agree to O((qλ/4π)²)
    r = scherrer_thickness(2 * math.pi / 120, dq, wavelength_a=0.4859)
    assert r.thickness_angle_nm == pytest.approx(r.thickness_nm, rel=1e-5)
    # a WAXS-like peak (q = 3 Å⁻¹, λ = 0.6 Å): still the same law, to second order in the width
    r = scherrer_thickness(3.0, 0.05, wavelength_a=0.6)
    assert r.thickness_angle_nm == pytest.approx(r.thickness_nm, rel=1e-5)
    assert r.thickness_angle_nm != r.thickness_nm          # two computations, not one copied


def test_forward_inverse_round_trip():
    tth = np.array([10.0, 20.0, 35.0])
    fw = broadening.scherrer_fwhm_deg(tth, 0.6199, 7.5, k=0.9)
    size, _ = broadening.scherrer_size_nm(tth, fw, 0.6199, k=0.9)
    np.testing.assert_allclose(size, 7.5, rtol=1e-12)
    assert np.all(np.diff(fw) > 0)          # 1/cosθ: broader at high angle


def test_instrument_removed_by_shape():
    assert broadening.remove_instrumental(0.5, 0.3) == pytest.approx(0.4)
    assert broadening.remove_instrumental(0.5, 0.3, shape="lorentzian") == pytest.approx(0.2)
    assert np.isnan(broadening.remove_instrumental(0.3, 0.3))
    assert np.isnan(broadening.remove_instrumental(0.2, 0.3, shape="lorentzian"))
    with pytest.raises(InputError):
        broadening.remove_instrumental(0.5, 0.1, shape="voigt")
    size, _ = broadening.scherrer_size_nm(20.0, 0.1, 0.6, k=0.9, instrumental_fwhm_deg=0.2)
    assert np.isnan(size)
    with pytest.raises(FitError):
        scherrer_thickness(0.05, 0.01, instrument_fwhm_inv_a=0.02)


def test_williamson_hall_recovers_size_and_strain():
    # widths built with numpy from the W–H law itself: β cosθ = Kλ/D + 4ε sinθ
    lam, k, d_nm, eps = 0.6199, 0.9, 12.0, 2e-3
    tth = np.array([11.0, 13.0, 18.5, 21.7, 26.9, 30.0])
    theta = np.radians(tth / 2)
    beta = (k * lam / (d_nm * 10) + 4 * eps * np.sin(theta)) / np.cos(theta)
    wh = williamson_hall(tth, np.degrees(beta), np.full(tth.size, 1e-3), lam, k=k)
    assert wh.size_nm == pytest.approx(d_nm, rel=1e-9)
    assert wh.strain == pytest.approx(eps, rel=1e-9)
    # noisy widths: the recovered values lie within their own errors (3σ)
    rng = np.random.default_rng(1)
    sig = 0.002
    noisy = np.degrees(beta) + rng.normal(0, sig, tth.size)
    wh = broadening.williamson_hall(tth, noisy, np.full(tth.size, sig), lam, k=k)
    assert abs(wh.size_nm - d_nm) < 3 * wh.size_nm_err
    assert abs(wh.strain - eps) < 3 * wh.strain_err


def test_williamson_hall_needs_three_peaks():
    wh = broadening.williamson_hall([10.0, 20.0], [0.2, 0.3], [0.01, 0.01], 0.6, k=0.9)
    assert all(np.isnan(v) for v in wh)


def test_xrd_wrapper_keeps_k_09():
    a = scherrer_sizes(np.array([20.0]), np.array([0.3]), np.array([0.0]), 0.6199)[0]
    b = broadening.scherrer_size_nm(20.0, 0.3, 0.6199, k=0.9)[0]
    assert float(a[0]) == pytest.approx(float(b))
