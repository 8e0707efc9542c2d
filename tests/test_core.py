import numpy as np
import pytest

from dackit.core import units
from dackit.core.pattern import make_pattern
from dackit.core.spectrum import make_spectrum
from dackit.errors import InputError


def test_energy_wavelength_round_trip():
    lam = np.linspace(300, 1100, 9)
    assert np.allclose(units.ev_to_nm(units.nm_to_ev(lam)), lam, rtol=1e-14)
    # 1 eV ↔ 1239.84198 nm (CODATA 2018 hc)
    assert units.ev_to_nm(1.0) == pytest.approx(1239.841984, abs=1e-6)


def test_wavenumber_and_raman():
    assert units.nm_to_wavenumber(694.24) == pytest.approx(14404.2406, abs=1e-3)
    shift = units.nm_to_raman_shift(700.0, 532.0)
    assert units.raman_shift_to_nm(shift, 532.0) == pytest.approx(700.0, abs=1e-9)


def test_bragg_relations():
    # CeO2 (111) at 0.6199 Å: d = a/sqrt(3)
    d = 5.41165 / np.sqrt(3)
    tth = units.d_to_twotheta(d, 0.6199)
    assert units.twotheta_to_d(tth, 0.6199) == pytest.approx(d, rel=1e-12)
    q = units.twotheta_to_q(tth, 0.6199)
    assert q == pytest.approx(2 * np.pi / d, rel=1e-12)
    assert units.q_to_twotheta(q, 0.6199) == pytest.approx(tth, rel=1e-12)
    assert np.isnan(units.d_to_twotheta(0.1, 0.6199))  # unreachable reflection


def test_xray_energy():
    assert units.kev_to_angstrom(20.0) == pytest.approx(0.61992, abs=1e-5)


def test_jacobian_conserves_area():
    lam = np.linspace(500, 700, 4001)
    i_nm = np.exp(-0.5 * ((lam - 600) / 20) ** 2)
    e = units.nm_to_ev(lam)
    i_ev = units.intensity_per_nm_to_per_ev(lam, i_nm)
    assert abs(np.trapezoid(i_ev[::-1], e[::-1])) == pytest.approx(np.trapezoid(i_nm, lam), rel=1e-4)


@pytest.mark.parametrize("x, y, match", [
    ([], [], "no data"),
    (np.arange(20), np.arange(19), "truncated"),
    (np.arange(20), np.r_[np.arange(19), np.nan], "NaN"),
    (np.arange(5), np.arange(5), "only 5"),
    (np.r_[np.arange(19), 3], np.arange(20), "duplicate"),
    (np.arange(20), np.zeros(20), "zero"),
    (np.arange(20), ["a"] * 20, "not numbers"),
])
def test_make_spectrum_rejects_bad_input(x, y, match):
    with pytest.raises(InputError, match=match) as info:
        make_spectrum(x, y, source="bad.txt")
    assert "bad.txt" in str(info.value)


def test_make_spectrum_sorts_descending_axis():
    s = make_spectrum(np.arange(20)[::-1], np.arange(20))
    assert np.all(np.diff(s.x) > 0) and s.y[0] == 19


def test_pattern_axes():
    p = make_pattern(np.linspace(5, 30, 50), np.ones(50), wavelength_a=0.6199)
    assert np.allclose(units.q_to_twotheta(p.q_inv_a, 0.6199), p.x)
    with pytest.raises(InputError, match="wavelength"):
        _ = make_pattern(np.linspace(5, 30, 50), np.ones(50)).q_inv_a


def test_nested_f_test_holds_its_size_and_finds_a_real_term():
    """Constant against straight line on Gaussian noise (numpy least squares): with no slope
    the p-values are uniform, so p < 0.05 in 5 % of 400 draws (binomial 3σ: 1.7-8.3 %); a
    slope of 10σ over the range is found every time."""
    from dackit.core.lsq import nested_f_test

    rng = np.random.default_rng(11)
    x = np.linspace(0.0, 1.0, 40)
    design = np.stack([np.ones_like(x), x], axis=1)

    def p_of(y):
        c0 = float(np.sum((y - y.mean()) ** 2))
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        c1 = float(np.sum((y - design @ coef) ** 2))
        return nested_f_test(c0, c1, 1, x.size - 2)

    null = np.array([p_of(rng.normal(0.0, 1.0, x.size)) for _ in range(400)])
    assert 0.017 < np.mean(null < 0.05) < 0.083
    assert all(p_of(10.0 * x + rng.normal(0.0, 1.0, x.size)) < 1e-3 for _ in range(20))
    assert nested_f_test(100.0, 120.0, 1, 30) == 1.0   # a "fuller" model that fits worse adds nothing
