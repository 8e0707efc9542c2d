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


def test_pseudo_voigt_lives_only_in_core():
    """Issue 11: one implementation of each line shape; techniques import core's."""
    import ast
    from pathlib import Path

    import dackit

    src = Path(dackit.__file__).parent
    defs = [f"{p.relative_to(src)}:{n.name}" for p in src.rglob("*.py")
            for n in ast.walk(ast.parse(p.read_text()))
            if isinstance(n, ast.FunctionDef) and n.name.startswith(("pseudo_voigt", "gaussian", "lorentzian"))
            and p.relative_to(src).as_posix() != "core/lineshapes.py"]
    assert not defs, defs


def test_unit_area_pseudo_voigt_integrates_to_one_and_mixes_areas():
    x = np.linspace(-2000.0, 2000.0, 4_000_001)
    dx = x[1] - x[0]
    for eta in (0.0, 0.3, 1.0):
        area = np.sum(ls.pseudo_voigt_unit_area(x, 1.5, 0.7, eta)) * dx
        # the Lorentzian tail beyond ±2000 holds 2/π·atan(0.35/2000) of its area
        assert area == pytest.approx(1.0 - eta * 2 / np.pi * np.arctan(0.35 / 2000), abs=1e-6)
    # eta is the Lorentzian fraction of the AREA: the peak height follows from both unit-area parts
    w = 0.7
    h_g = 2 * np.sqrt(np.log(2) / np.pi) / w
    h_l = 2 / (np.pi * w)
    assert ls.pseudo_voigt_unit_area(1.5, 1.5, w, 0.3) == pytest.approx(0.3 * h_l + 0.7 * h_g)
    # the same shape as the height-normalised pseudo-Voigt with the height-fraction eta'
    eta_h = 0.3 * h_l / (0.3 * h_l + 0.7 * h_g)
    xs = np.linspace(-3, 6, 101)
    np.testing.assert_allclose(ls.pseudo_voigt_unit_area(xs, 1.5, w, 0.3),
                               ls.pseudo_voigt(xs, 0.3 * h_l + 0.7 * h_g, 1.5, w, eta_h), rtol=1e-12)
