"""Radial BenDaniel–Duke solver: analytic limits, finite-difference cross-check, robustness."""
import numpy as np
import pytest
from scipy.optimize import brentq

from dackit.errors import FitError, InputError
from dackit.nanocrystal.confinement import (HBAR2_2M0, RadialWell, ground_energy, infinite_well_energy_ev,
                                            matching_function, solve_finite_difference, solve_ground_state)


def test_hbar2_2m0_value():
    assert HBAR2_2M0 == pytest.approx(0.0380998, rel=1e-5)


@pytest.mark.parametrize("mass,radius", [(0.08, 1.25), (0.46, 3.15), (0.1, 50.0)])
def test_infinite_spherical_well(mass, radius):
    state = solve_ground_state(RadialWell((radius,), (0.0,), (mass,), hard_wall=True))
    assert state.energy_ev == pytest.approx(infinite_well_energy_ev(mass, radius), rel=1e-8)
    # u = sin(πr/R) shape
    u_exact = np.sin(np.pi * state.r_nm / radius) * np.sqrt(2 / radius)
    assert np.max(np.abs(state.u - u_exact)) < 1e-4


def test_uniform_two_layer_sphere_is_one_sphere():
    # physics.md §4.1: uniform sphere b = 3.15 nm, m = 0.08 → 0.47371 eV
    well = RadialWell((1.25, 3.15), (0.0, 0.0), (0.08, 0.08), hard_wall=True)
    assert ground_energy(well) == pytest.approx(0.47371, abs=2e-5)


def test_finite_barrier_matches_independent_bdd_formula():
    # b → ∞ limit of physics.md §4.1: 1 − ka·cot(ka) = (m1/m2)(1 + κa)
    a, v0, m1, m2 = 2.0, 0.4, 0.07, 0.15

    def f(e):
        k = np.sqrt(m1 * e / HBAR2_2M0)
        kap = np.sqrt(m2 * (v0 - e) / HBAR2_2M0)
        return 1 - k * a / np.tan(k * a) - m1 / m2 * (1 + kap * a)

    e_formula = brentq(f, 1e-6, v0 - 1e-9, xtol=1e-14)   # cot has no pole below v0 here
    e_solver = ground_energy(RadialWell((a,), (0.0, v0), (m1, m2)))
    assert e_solver == pytest.approx(e_formula, rel=1e-9)


@pytest.mark.parametrize("v_shell", [0.5, 0.2])   # level below / above the shell barrier top
def test_transfer_matrix_equals_finite_difference(v_shell):
    well = RadialWell((1.25, 3.15), (0.0, v_shell, 4.0), (0.08, 0.15, 1.0))
    e_tm = ground_energy(well)
    e_fd1 = solve_finite_difference(well, 8.0, 4000)
    e_fd2 = solve_finite_difference(well, 8.0, 8000)
    # tolerance: the FD discretisation error, estimated from halving the step (×4 margin)
    tol = max(4 * abs(e_fd2 - e_fd1), 1e-5 * e_tm)
    assert abs(e_fd2 - e_tm) < tol
    assert abs(e_tm - e_fd2) / e_tm < 1e-4


def test_energy_is_smooth_as_the_level_crosses_the_shell_barrier_top():
    vs = np.linspace(0.05, 1.5, 146)
    e = np.array([ground_energy(RadialWell((1.25, 3.15), (0.0, v, 4.0), (0.08, 0.15, 1.0))) for v in vs])
    above = e > vs
    assert above.any() and (~above).any()          # the level does cross the barrier top
    assert np.all(np.diff(e) > 0)                  # monotonic in the barrier height
    d2 = np.abs(np.diff(e, 2))
    # a discontinuity would show as a second difference of the order of a first difference
    assert d2.max() < 0.05 * np.abs(np.diff(e)).min()


def test_nonparabolic_energy_is_self_consistent():
    gap = 1.5
    well = RadialWell((1.5,), (0.0, 3.0), (0.08, 1.0), gap_ev=(gap, None))
    e = ground_energy(well)
    parabolic = ground_energy(RadialWell((1.5,), (0.0, 3.0), (0.08, 1.0)))
    assert e < parabolic                                   # heavier electron at its energy
    frozen = RadialWell((1.5,), (0.0, 3.0), (0.08 * (1 + e / gap), 1.0))
    assert ground_energy(frozen) == pytest.approx(e, rel=1e-9)


def test_probabilities_and_normalisation():
    s = solve_ground_state(RadialWell((1.25, 3.15), (0.0, 0.3, 3.0), (0.08, 0.15, 1.0)))
    assert sum(s.layer_probability) == pytest.approx(1.0, abs=1e-6)
    assert np.trapezoid(s.u ** 2, s.r_nm) == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.sign(matching_function(s.well, [s.energy_ev - 1e-3, s.energy_ev + 1e-3])) != 0)


def test_no_bound_state_raises_fit_error():
    # a 0.2 nm well 10 meV deep binds nothing in 3D
    with pytest.raises(FitError, match="not confined"):
        ground_energy(RadialWell((0.2,), (0.0, 0.01), (0.05, 0.05)))


@pytest.mark.parametrize("kw", [
    dict(edges_nm=(2.0, 1.0), potential_ev=(0, 0, 1), mass=(0.1, 0.1, 1)),
    dict(edges_nm=(1.0,), potential_ev=(0.0,), mass=(0.1, 1.0)),
    dict(edges_nm=(1.0,), potential_ev=(0.0, np.inf), mass=(0.1, 1.0)),
    dict(edges_nm=(1.0,), potential_ev=(0.0, 1.0), mass=(0.1, -1.0)),
])
def test_invalid_wells(kw):
    with pytest.raises(InputError):
        RadialWell(**kw)
