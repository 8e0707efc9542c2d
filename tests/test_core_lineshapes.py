"""Line shapes: heights, half-maximum widths, areas and analytic derivatives."""
import numpy as np
import pytest
from scipy.integrate import quad

from dackit.core import lineshapes as ls

CASES = [("gaussian", ()), ("lorentzian", ()), ("pseudo_voigt", (0.0,)),
         ("pseudo_voigt", (0.37,)), ("pseudo_voigt", (1.0,))]


@pytest.mark.parametrize("name,extra", CASES)
def test_height_and_fwhm(name, extra):
    f = ls.SHAPES[name]
    amp, c, w = 2.5, 694.3, 0.8
    y = f(np.array([c, c - w / 2, c + w / 2]), amp, c, w, *extra)
    # c ± w/2 is rounded to the spacing of doubles near 694 (1e-13), i.e. 1e-13 of w
    np.testing.assert_allclose(y, [amp, amp / 2, amp / 2], rtol=1e-12)


@pytest.mark.parametrize("name,extra", CASES)
def test_area_matches_integral(name, extra):
    f = ls.SHAPES[name]
    amp, c, w = 3.0, 1.0, 0.7
    integral, err = quad(lambda t: f(np.array([t]), amp, c, w, *extra)[0], -np.inf, np.inf,
                         epsabs=0, epsrel=1e-11, limit=400)
    assert f.area(amp, w, *extra) == pytest.approx(integral, rel=1e-8)


def test_area_functions_agree_with_registry():
    assert ls.gaussian_area(2.0, 3.0) == pytest.approx(2.0 * 3.0 * np.sqrt(np.pi / (4 * np.log(2))))
    assert ls.lorentzian_area(2.0, 3.0) == pytest.approx(np.pi * 3.0)
    assert ls.pseudo_voigt_area(2.0, 3.0, 0.25) == pytest.approx(
        0.25 * ls.lorentzian_area(2.0, 3.0) + 0.75 * ls.gaussian_area(2.0, 3.0))


@pytest.mark.parametrize("name,extra", CASES)
def test_derivatives_match_finite_differences(name, extra):
    shape = ls.SHAPES[name]
    x = np.linspace(-3, 4, 301)
    params = np.array((1.7, 0.4, 1.3) + extra)
    parts = shape.derivatives(x, *params)
    np.testing.assert_allclose(parts[0], shape(x, *params), rtol=1e-13, atol=1e-15)
    for k in range(len(params)):
        h = 1e-6 * max(1.0, abs(params[k]))
        up, down = params.copy(), params.copy()
        up[k] += h
        down[k] -= h
        fd = (shape(x, *up) - shape(x, *down)) / (2 * h)
        # central differences: error ~ h^2 f''' plus rounding ~ eps/h
        np.testing.assert_allclose(parts[k + 1], fd, rtol=0, atol=1e-7 * np.abs(fd).max() + 1e-9)


def test_registry_entries():
    assert set(ls.SHAPES) == {"gaussian", "lorentzian", "pseudo_voigt"}
    assert ls.SHAPES["pseudo_voigt"].width_params == ("fwhm", "eta")
    assert ls.SHAPES["gaussian"].width_params == ("fwhm",)
    assert "1974" in ls.SHAPES["pseudo_voigt"].doc


def test_pseudo_voigt_limits():
    x = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(ls.pseudo_voigt(x, 1, 0, 2, 0.0), ls.gaussian(x, 1, 0, 2))
    np.testing.assert_allclose(ls.pseudo_voigt(x, 1, 0, 2, 1.0), ls.lorentzian(x, 1, 0, 2))
