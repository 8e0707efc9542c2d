"""4-band spherical Luttinger hole: analytic limits, interface consistency, convergence, inputs."""
import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import spherical_jn

from dackit.errors import FitError, InputError
from dackit.nanocrystal.confinement import HBAR2_2M0, RadialWell, ground_energy, infinite_well_energy_ev
from dackit.nanocrystal.luttinger import HoleWell, solve_hole, spherical_hole_phi


def _phi_independent(beta):
    # Gel'mont–D'yakonov condition written out here, bracketed on its own grid
    sb = np.sqrt(beta)
    f = lambda x: spherical_jn(0, x) * spherical_jn(2, sb * x) + spherical_jn(2, x) * spherical_jn(0, sb * x)  # noqa: E731
    xs = np.linspace(2.0, 7.0, 5001)
    ys = f(xs)
    k = np.nonzero(np.sign(ys[:-1]) != np.sign(ys[1:]))[0][0]
    return brentq(f, xs[k], xs[k + 1], xtol=1e-12)


@pytest.mark.parametrize("g1,gbar", [(5.08, 1.9), (6.85, 2.58), (2.04, 0.58), (4.3, 1.56)])
def test_infinite_sphere_is_the_gelmont_dyakonov_energy(g1, gbar):
    m_hh, m_lh = 1 / (g1 - 2 * gbar), 1 / (g1 + 2 * gbar)
    beta = m_lh / m_hh
    phi = _phi_independent(beta)
    assert spherical_hole_phi(beta) == pytest.approx(phi, rel=1e-9)
    radius = 1.7
    s = solve_hole(HoleWell((radius,), (0.0,), (g1,), (gbar,), hard_wall=True))
    assert s.energy_ev == pytest.approx(HBAR2_2M0 * phi ** 2 / (m_hh * radius ** 2), rel=3e-4)
    assert 0.5 < s.s_fraction < 1.0                 # the L = 2 admixture is real
    assert np.trapezoid(s.density, s.r_nm) == pytest.approx(1.0, abs=1e-3)


def test_phi_limits():
    assert spherical_hole_phi(1.0) == pytest.approx(np.pi)
    assert spherical_hole_phi(1e-8) == pytest.approx(5.763, abs=2e-3)   # Gel'mont & D'yakonov (1972)


def test_no_mixing_is_the_scalar_particle_and_matches_the_transfer_matrix_solver():
    s = solve_hole(HoleWell((2.0,), (0.0,), (5.0,), (0.0,), hard_wall=True))
    assert s.energy_ev == pytest.approx(infinite_well_energy_ev(0.2, 2.0), rel=2e-4)
    assert s.s_fraction == pytest.approx(1.0)
    # layered finite well, γ̄ = 0 ⇒ BenDaniel–Duke scalar problem with m = 1/γ1 in each layer
    lw = HoleWell((1.25, 3.15), (0.0, 0.5), (5.0, 2.5), (0.0, 0.0), hard_wall=True)
    tm = ground_energy(RadialWell((1.25, 3.15), (0.0, 0.5), (0.2, 0.4), hard_wall=True))
    assert solve_hole(lw).energy_ev == pytest.approx(tm, rel=5e-4)


def test_two_identical_layers_are_one_sphere_and_step_converges():
    one = solve_hole(HoleWell((3.0,), (0.0,), (5.08,), (1.9,), hard_wall=True)).energy_ev
    two = solve_hole(HoleWell((1.2, 3.0), (0.0, 0.0), (5.08, 5.08), (1.9, 1.9), hard_wall=True)).energy_ev
    assert two == pytest.approx(one, rel=1e-4)
    coarse = solve_hole(HoleWell((1.25,), (0.0, 1.0), (5.08, 1.0), (1.9, 0.0)), step_nm=0.02).energy_ev
    fine = solve_hole(HoleWell((1.25,), (0.0, 1.0), (5.08, 1.0), (1.9, 0.0)), step_nm=0.005).energy_ev
    assert abs(coarse - fine) / fine < 2e-3


def test_finite_barrier_lowers_the_energy_and_leaks():
    hard = solve_hole(HoleWell((1.25,), (0.0,), (5.08,), (1.9,), hard_wall=True))
    soft = solve_hole(HoleWell((1.25,), (0.0, 0.5), (5.08, 5.08), (1.9, 1.9)))
    assert soft.energy_ev < hard.energy_ev
    assert 0 < soft.layer_probability[1] < 0.5
    assert sum(soft.layer_probability) == pytest.approx(1.0, abs=1e-9)


def test_unbound_and_bad_wells():
    with pytest.raises(FitError, match="bound"):
        solve_hole(HoleWell((0.2,), (0.0, 0.005), (5.0, 5.0), (0.0, 0.0)))
    with pytest.raises(InputError, match="γ1 > 2γ̄"):
        HoleWell((1.0,), (0.0,), (2.0,), (1.2,), hard_wall=True)
    with pytest.raises(InputError):
        HoleWell((1.0, 0.5), (0.0, 0.0, 1.0), (5.0, 5.0, 1.0), (1.0, 1.0, 0.0))
