"""The form factor fitted under a SAXS pattern (dackit.saxs.formfactor): spheres, rods and
sheets built here with numpy, and patterns without a form factor, where nothing may be
excused."""
import numpy as np
import pytest
from scipy.special import j1

from dackit.saxs.formfactor import fit_form_factor


def _poly_avg(f, q, radius, sigma, vol_pow):
    t = np.linspace(-3, 3, 61)
    rs = radius * (1 + sigma * t)
    w = np.exp(-0.5 * t**2) * rs**vol_pow
    return w @ f(np.outer(rs, q)) / w.sum()


def _sphere(x):
    return (3 * (np.sin(x) - x * np.cos(x)) / x**3) ** 2


def _rod(x):
    return (2 * j1(x) / x) ** 2


def _noisy(clean, seed):
    y = np.random.default_rng(seed).poisson(clean).astype(float)
    return y, np.sqrt(np.maximum(y, 1.0))


@pytest.mark.parametrize("radius", [25.0, 40.0, 60.0])
def test_sphere_radius_and_dips(radius):
    q = np.geomspace(0.01, 0.4, 800)
    clean = 1e5 * _poly_avg(_sphere, q, radius, 0.07, 6) + 30 * (q / 0.01) ** -4 + 5
    y, s = _noisy(clean, 1)
    ff = fit_form_factor(q, y, s)
    assert ff.accepted and ff.shape == "sphere"
    assert ff.radius_a == pytest.approx(radius, rel=0.04)
    # the first zero of a sphere, qR = 4.493, is a dip; the Guinier region is not
    assert ff.visibility(4.493 / radius)[0] < 0.3
    assert ff.visibility(1.0 / radius)[0] == 1.0
    assert min(abs(d * radius - 4.493) for d in ff.dips(q[0], q[-1])) < 0.3


def test_rods_are_rods():
    q = np.geomspace(0.01, 0.4, 800)
    clean = 1e4 * _poly_avg(_rod, q, 35.0, 0.06, 4) / q + 20
    y, s = _noisy(clean, 2)
    ff = fit_form_factor(q, y, s)
    assert ff.accepted and ff.shape == "cylinder"
    assert ff.radius_a == pytest.approx(35.0, rel=0.04)


@pytest.mark.parametrize("power", [2.5, 3.0, 4.0])
def test_power_law_and_flat_excuse_nothing(power):
    """A Porod/fractal power law on a constant (a knee, no oscillation): no form factor is
    accepted, so every line keeps its full expected strength."""
    q = np.geomspace(0.01, 0.5, 700)
    clean = 2e4 * (q / 0.01) ** -power + 40
    y, s = _noisy(clean, 3)
    ff = fit_form_factor(q, y, s)
    assert ff is not None and not ff.accepted
    assert np.all(ff.visibility(q) == 1.0)


def test_too_few_points_is_none():
    q = np.linspace(0.01, 0.1, 20)
    assert fit_form_factor(q, np.ones_like(q), np.ones_like(q)) is None


def test_line_on_the_flank_of_a_form_factor_maximum_is_found():
    """Lamellar stack (d = 103.9 Å, sheets of half-thickness 0.43 d): the 002 line sits on the
    steep high-q flank of a form-factor maximum. A log-log smoother leaves that maximum as a
    broad hump and the line as its shoulder; with the fitted form factor as the
    background it is found and the stack indexed."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from saxs_ff_synth import sweep_params, sweep_pattern

    from dackit.core.pattern import make_pattern
    from dackit.saxs import analyse_saxs, find_peaks

    p = sweep_params(320, seed=2026)[288]
    assert p["name"] == "lamellar"
    q, y, s = sweep_pattern(p)
    pat = make_pattern(q, y, axis="q_A^-1", sigma=s)
    q2 = 2 * 2 * np.pi / p["a"]
    near = [pk for pk in find_peaks(pat).peaks if abs(pk.q_inv_a / q2 - 1) < 0.01]
    assert near, "002 not found"
    # (without the form-factor background the line is a shoulder of the hump; the
    # peak finder's second pass now fits it alone at the kept peaks' width, so it is
    # found either way: see peaks._rescue)
    res = analyse_saxs(pat)
    assert res.mesophase == "lamellar" and res.lattice_a == pytest.approx(p["a"], rel=0.01)
