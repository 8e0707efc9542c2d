"""BM3 inversion and the Lamé misfitting core/shell sphere."""
import dataclasses

import numpy as np
import pytest

from dackit.errors import InputError
from dackit.nanocrystal.materials import material
from dackit.nanocrystal.strain import (bm3_pressure, bm3_volume_ratio, core_shell_strain, misfit)

INP, ZNSE = material("InP"), material("ZnSe")


def test_bm3_inversion_round_trip_and_moduli():
    p = np.array([-1.0, 0.0, 0.5, 5.0, 20.0, 60.0])
    eta = bm3_volume_ratio(p, 71.1, 4.6)
    assert np.allclose(bm3_pressure(eta, 71.1, 4.6), p, atol=1e-9)
    # K = -V dP/dV equals K0 at P = 0 and K' is the pressure derivative
    h = 1e-6
    k0 = -(bm3_pressure(1 + h, 71.1, 4.6) - bm3_pressure(1 - h, 71.1, 4.6)) / (2 * h)
    assert k0 == pytest.approx(71.1, rel=1e-6)


def test_identical_materials_without_misfit_transmit_the_pressure():
    same = dataclasses.replace(INP)
    s = core_shell_strain(INP, same, 1.0, 2.0, [0.0, 3.0, 8.0])
    assert np.allclose(s.core_pressure_gpa, [0.0, 3.0, 8.0], atol=1e-9)
    assert np.allclose(s.shell_pressure_gpa, [0.0, 3.0, 8.0], atol=1e-9)


def test_lame_solution_satisfies_boundary_conditions_and_compatibility():
    a, b = 1.25, 3.15
    s = core_shell_strain(INP, ZNSE, a, b, [0.0])
    pc, x, d = s.core_pressure_gpa[0], s.volume_fraction, s.misfit
    # stresses: σ_rr(a) = −p_c, σ_rr(b) = −P = 0
    srr_a, _ = s.shell_radial_tangential_stress(a, b)
    srr_b, _ = s.shell_radial_tangential_stress(b, b)
    assert srr_a == pytest.approx(-pc, abs=1e-12) and srr_b == pytest.approx(0.0, abs=1e-12)
    # coherence: core strain = −δ + shell displacement strain at r = a (u = A r + B/r², linear)
    ks, gs, kc = ZNSE.b0_gpa, ZNSE.shear_gpa, INP.b0_gpa
    big_a = (pc * x) / (3 * ks * (1 - x))
    big_b_over_a3 = pc / (4 * gs * (1 - x))
    assert -pc / (3 * kc) == pytest.approx(-d + big_a + big_b_over_a3, rel=1e-10)


def test_study_geometry_misfit_pressure():
    # physics.md §4.1 (independent hand calculation): δ = 3.43 %, p_core ≈ 2.5 GPa for the
    # coherent 2.5 nm InP / 1.9 nm ZnSe sphere with G_ZnSe(Voigt) ≈ 31 GPa
    assert misfit(INP, ZNSE) == pytest.approx(0.0345, abs=0.001)
    s = core_shell_strain(INP, ZNSE, 1.25, 3.15, [0.0, 5.6])
    assert s.core_pressure_gpa[0] == pytest.approx(2.5, abs=0.1)
    assert s.shell_pressure_gpa[0] < 0                      # shell in tension
    transfer = (s.core_pressure_gpa[1] - s.core_pressure_gpa[0]) / 5.6
    assert 1.0 < transfer < 1.1                             # stiffer core in a softer shell
    assert s.core_volume_strain[1] < s.core_volume_strain[0] < 0


def test_thick_shell_limit_is_the_misfitting_sphere():
    s = core_shell_strain(INP, ZNSE, 1.0, 1000.0, [0.0])
    expected = misfit(INP, ZNSE) / (1 / (3 * INP.b0_gpa) + 1 / (4 * ZNSE.shear_gpa))
    assert s.core_pressure_gpa[0] == pytest.approx(expected, rel=1e-6)


def test_full_relaxation_removes_misfit_and_force_balance_holds():
    s = core_shell_strain(INP, ZNSE, 1.25, 3.15, [0.0, 4.0], relaxation=1.0)
    assert s.core_pressure_gpa[0] == pytest.approx(0.0, abs=1e-12)
    x = s.volume_fraction
    # mean stress balance: x p_c + (1 − x) p_s = P
    assert np.allclose(x * s.core_pressure_gpa + (1 - x) * s.shell_pressure_gpa, [0.0, 4.0])


@pytest.mark.parametrize("kw", [{"relaxation": 1.5}, {"pressure_gpa": [np.nan]}])
def test_bad_strain_input(kw):
    args = {"pressure_gpa": [0.0], "relaxation": 0.0} | kw
    with pytest.raises(InputError):
        core_shell_strain(INP, ZNSE, 1.0, 2.0, args["pressure_gpa"], args["relaxation"])
