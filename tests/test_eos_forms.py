"""EoS forms: K(0) = K0, K'(0) = K', implied K'', P(V(P)) round trips, closed forms."""
import doctest

import numpy as np
import pytest

import dackit.eos.eosfit_io
import dackit.eos.ff
import dackit.eos.fit
import dackit.eos.forms
import dackit.eos.plots
import dackit.eos.standards
from dackit.eos.forms import EOS_FORMS, get_form
from dackit.errors import InputError

PARAMS = {"v0": 100.0, "k0": 120.0, "kp": 4.7, "kpp": -0.05}


def _params(form):
    return [PARAMS[k] for k in form.params]


@pytest.mark.parametrize("name", sorted(EOS_FORMS))
def test_bulk_modulus_and_its_pressure_derivative_at_zero(name):
    form = EOS_FORMS[name]
    pars = _params(form)
    kp_expected = 4.0 if name == "bm2" else PARAMS["kp"]
    h = 0.01   # GPa; central differences are exact to O(h²·K‴) ≈ 1e-6 here
    k = lambda p: form.bulk_modulus_at_pressure(p, *pars)  # noqa: E731
    assert k(0.0) == pytest.approx(PARAMS["k0"], rel=1e-12)
    assert (k(h) - k(-h)) / (2 * h) == pytest.approx(kp_expected, rel=1e-5)
    kpp_numeric = (k(h) - 2 * k(0.0) + k(-h)) / h**2
    kpp_expected = PARAMS["kpp"] if name == "bm4" else form.implied_kpp(PARAMS["k0"], kp_expected)
    if np.isfinite(kpp_expected):
        assert kpp_numeric == pytest.approx(kpp_expected, rel=2e-3)


@pytest.mark.parametrize("name", sorted(EOS_FORMS))
def test_bulk_modulus_is_minus_v_dp_dv(name):
    form = EOS_FORMS[name]
    pars = _params(form)
    v = np.array([70.0, 85.0, 99.0, 103.0])
    h = 1e-4
    numeric = -v * (form.pressure(v + h, *pars) - form.pressure(v - h, *pars)) / (2 * h)
    np.testing.assert_allclose(form.bulk_modulus(v, *pars), numeric, rtol=1e-7)


@pytest.mark.parametrize("name", sorted(EOS_FORMS))
def test_pressure_volume_round_trip(name):
    form = EOS_FORMS[name]
    pars = _params(form)
    p = np.array([-2.0, 0.0, 0.3, 5.0, 30.0, 100.0])
    v = form.volume(p, *pars)
    np.testing.assert_allclose(form.pressure(v, *pars), p, atol=1e-9)
    assert np.all(np.diff(v) < 0)
    assert form.volume(0.0, *pars) == pytest.approx(PARAMS["v0"], rel=1e-13)


def test_bm3_matches_the_algebraic_form_and_a_hand_value():
    # (3K0/2)[x^{7/3} − x^{5/3}]{1 + (3/4)(K′−4)[x^{2/3} − 1]}, x = V0/V (physics.md §1.5)
    v0, k0, kp = 100.0, 160.0, 4.8
    v = np.linspace(60.0, 100.0, 9)
    x = v0 / v
    alt = 1.5 * k0 * (x ** (7 / 3) - x ** (5 / 3)) * (1 + 0.75 * (kp - 4) * (x ** (2 / 3) - 1))
    np.testing.assert_allclose(EOS_FORMS["bm3"].pressure(v, v0, k0, kp), alt, rtol=1e-13)
    # V/V0 = 0.9, K0 = 100, K′ = 4: f = ½(0.9^{-2/3} − 1) = 0.0363750..., P = 3K0 f (1+2f)^{5/2}
    assert float(EOS_FORMS["bm3"].pressure(90.0, 100.0, 100.0, 4.0)) == pytest.approx(13.0101, abs=1e-4)


def test_bm4_with_the_bm3_implied_kpp_is_bm3_and_bm2_is_bm3_at_kp4():
    k0, kp = 150.0, 5.2
    kpp = EOS_FORMS["bm3"].implied_kpp(k0, kp)
    v = np.linspace(70.0, 100.0, 7)
    np.testing.assert_allclose(EOS_FORMS["bm4"].pressure(v, 100.0, k0, kp, kpp),
                               EOS_FORMS["bm3"].pressure(v, 100.0, k0, kp), rtol=1e-13)
    np.testing.assert_allclose(EOS_FORMS["bm2"].pressure(v, 100.0, k0),
                               EOS_FORMS["bm3"].pressure(v, 100.0, k0, 4.0), rtol=1e-13)


def test_murnaghan_and_tait_closed_forms():
    p = np.array([1.0, 10.0, 40.0])
    v0, k0, kp = 100.0, 120.0, 4.5
    np.testing.assert_allclose(EOS_FORMS["murnaghan"].volume(p, v0, k0, kp),
                               v0 * (1 + kp * p / k0) ** (-1 / kp), rtol=1e-14)
    np.testing.assert_allclose(EOS_FORMS["murnaghan"].bulk_modulus_at_pressure(p, v0, k0, kp),
                               k0 + kp * p, rtol=1e-12)
    # Holland & Powell (2011) 3rd order: a = 1 + K′, b = K′/K0 (2+K′)/(1+K′), c = 1/(K′(2+K′))
    a, b, c = 1 + kp, kp / k0 * (2 + kp) / (1 + kp), 1 / (kp * (2 + kp))
    np.testing.assert_allclose(EOS_FORMS["tait"].volume(p, v0, k0, kp),
                               v0 * (1 - a * (1 - (1 + b * p) ** (-c))), rtol=1e-13)


def test_vinet_closed_form():
    v0, k0, kp = 67.85, 167.0, 6.0
    v = np.array([50.0, 60.0, 67.0])
    x = (v / v0) ** (1 / 3)
    expected = 3 * k0 * (1 - x) / x**2 * np.exp(1.5 * (kp - 1) * (1 - x))
    np.testing.assert_allclose(EOS_FORMS["vinet"].pressure(v, v0, k0, kp), expected, rtol=1e-14)


def test_volume_beyond_the_reachable_branch_is_nan_not_a_wrong_root():
    # BM3 with K′ = 2.5 has a pressure maximum under strong compression
    form = EOS_FORMS["bm3"]
    p_max = np.nanmax(form.pressure(np.linspace(5.0, 100.0, 20000), 100.0, 100.0, 2.5))
    assert np.isnan(form.volume(p_max * 1.5, 100.0, 100.0, 2.5))
    assert np.isfinite(form.volume(p_max * 0.5, 100.0, 100.0, 2.5))


def test_get_form_unknown_name():
    with pytest.raises(InputError, match="unknown EoS form"):
        get_form("bm5")
    assert get_form("BM3") is EOS_FORMS["bm3"]


def test_every_form_cites_a_paper():
    for form in EOS_FORMS.values():
        assert any(ch.isdigit() for ch in form.citation) and form.doc


@pytest.mark.parametrize("module", [dackit.eos.forms, dackit.eos.fit, dackit.eos.ff, dackit.eos.eosfit_io,
                                    dackit.eos.standards, dackit.eos.plots])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
