"""Core–shell exciton model: the three required physics limits, the study geometry, inputs."""
import dataclasses
import math
import re

import numpy as np
import pytest

from dackit.errors import InputError
from dackit.nanocrystal import coreshell
from dackit.nanocrystal.bands import luttinger_at_gap
from dackit.nanocrystal.confinement import HBAR2_2M0, infinite_well_energy_ev
from dackit.nanocrystal.luttinger import spherical_hole_phi
from dackit.nanocrystal.coreshell import (ModelOptions, bulk_gap_coefficient_mev_per_gpa, core_shell,
                                          exciton_energy, exciton_state, pl_energy, pl_vs_pressure,
                                          study_comparison)
from dackit.nanocrystal.materials import material

HARD = ModelOptions(outside_barrier_ev=math.inf, nonparabolic=False)
HARD_HEAVY = ModelOptions(outside_barrier_ev=math.inf, nonparabolic=False, hole_model="heavy")


def test_i_infinite_well_limit_within_one_percent():
    # The 4-band Luttinger 1S3/2 hole: its infinite-sphere limit is the
    # Gel'mont–D'yakonov energy ħ²φ(β)²/(2 m_hh R²) with the spherical m_hh = 1/(γ1 − 2γ̄),
    # not π² with the [001] heavy-hole mass (that is the single-band limit, checked below).
    nc = core_shell("InP", 4.0, None, 0.0)
    s = exciton_state(nc, 0.0, dataclasses.replace(HARD, hole_model="luttinger"))
    # the default 6-band hole (InP Δso = 0.108 eV) lies 0–3 % lower: between the Δso = ∞ and
    # Δso = 0 limits of tests/test_nanocrystal_luttinger.py
    six = exciton_state(nc, 0.0, HARD)
    assert 0.97 * s.hole_confinement_ev < six.hole_confinement_ev < s.hole_confinement_ev
    e_expected = infinite_well_energy_ev(s.core_bands.m_e, 2.0)
    g1, g2, g3 = luttinger_at_gap(material("InP"), s.core_gap_ev)
    gbar = (2 * g2 + 3 * g3) / 5
    m_hh, m_lh = 1 / (g1 - 2 * gbar), 1 / (g1 + 2 * gbar)
    phi = spherical_hole_phi(m_lh / m_hh)
    h_expected = HBAR2_2M0 * phi ** 2 / (m_hh * 2.0 ** 2)
    assert s.electron_confinement_ev == pytest.approx(e_expected, rel=0.01)
    assert s.hole_confinement_ev == pytest.approx(h_expected, rel=0.01)
    heavy = exciton_state(nc, 0.0, HARD_HEAVY)
    assert heavy.hole_confinement_ev == pytest.approx(infinite_well_energy_ev(s.core_bands.m_hh, 2.0), rel=0.01)
    # and the Coulomb term is the −1.786 e²/(4π ε0 ε R) limit — for two sin(πr/R) densities,
    # i.e. the single-band hole; the mixed 1S3/2 hole is more compact and binds more strongly
    assert s.coulomb_ev > heavy.coulomb_ev
    assert heavy.coulomb_ev == pytest.approx(1.786 * 1.439964 / (material("InP").eps_static * 2.0), rel=0.01)


def test_i_core_shell_of_one_material_is_one_sphere():
    inp = material("InP")
    nc = coreshell.CoreShell(inp, inp, 1.25, 1.9)   # no misfit, same masses
    s = exciton_state(nc, 0.0, HARD)
    assert s.electron_confinement_ev == pytest.approx(infinite_well_energy_ev(s.core_bands.m_e, 3.15), rel=0.01)


def test_ii_large_core_gives_bulk_gap_and_bulk_pressure_coefficient():
    nc = core_shell("InP", 200.0, None, 0.0)
    inp = material("InP")
    assert exciton_energy(nc, 0.0) == pytest.approx(inp.eg_ev(300.0), rel=0.01)
    h = 0.01
    slope = (exciton_energy(nc, h) - exciton_energy(nc, -h)) / (2 * h) * 1e3
    assert slope == pytest.approx(-inp.a_gap_ev / inp.b0_gpa * 1e3, rel=0.01)
    assert bulk_gap_coefficient_mev_per_gpa(inp) == pytest.approx(83.4, abs=0.1)


def test_ii_large_core_in_thin_shell_also_bulk_like():
    nc = core_shell("InP", 200.0, "ZnSe", 1.0)      # x → 1: the thin shell takes the misfit
    inp = material("InP")
    s0 = exciton_state(nc, 0.0)
    assert s0.core_pressure_gpa == pytest.approx(0.0, abs=0.1)
    assert s0.absorption_ev == pytest.approx(inp.eg_ev(300.0), rel=0.01)


def test_iii_study_nanocrystal_alpha_below_bulk_inp():
    nc = core_shell("InP", 2.5, "ZnSe", 1.9)
    series = pl_vs_pressure(nc, [0.0, 5.6])
    assert series.alpha_mev_per_gpa < bulk_gap_coefficient_mev_per_gpa(material("InP"))
    assert series.beta_mev_per_gpa2 < 0


def test_study_comparison_docstring_reports_what_the_model_computes():
    result = study_comparison()
    doc = coreshell.study_comparison.__doc__
    m = result["model"]
    for value in (f"{m['e0_ev']:.3f}", f"{m['alpha_mev_per_gpa']:.1f}",
                  f"{m['beta_mev_per_gpa2']:.2f}".replace("-", "−")):
        assert value in doc, value
    assert result["study"] == {"e0_ev": 2.012, "alpha_mev_per_gpa": 53.0, "beta_mev_per_gpa2": -2.0}


def test_energy_is_smooth_in_pressure_through_the_shell_barrier_crossing():
    nc = core_shell("InP", 2.5, "ZnSe", 1.9)
    p = np.linspace(0.0, 3.0, 31)
    states = [exciton_state(nc, x) for x in p]
    gap_to_barrier = np.array([s.electron_level_ev - s.shell_bands.ec_ev for s in states])
    assert gap_to_barrier[0] > 0 > gap_to_barrier[-1]      # level goes from above to below the top
    e = np.array([s.absorption_ev for s in states])
    # a kink would show as a second difference of the order of a first difference; the smooth
    # curvature itself (β ≈ −2 meV/GPa², step 0.1 GPa) gives 2|β|h² ≈ 4e-5 eV ≈ 0.7 % of it
    assert np.abs(np.diff(e, 2)).max() < 0.03 * np.abs(np.diff(e)).min()


def test_quadratic_fit_is_consistent_with_the_model_curve():
    nc = core_shell("InP", 2.5, "ZnSe", 1.9)
    s = pl_vs_pressure(nc, [0.0, 2.8, 5.6])
    fit = s.e0_ev + 1e-3 * (s.alpha_mev_per_gpa * s.pressures_gpa + s.beta_mev_per_gpa2 * s.pressures_gpa ** 2)
    # residuals bounded by the fit's own standard error of E0 (× a few)
    assert np.max(np.abs(fit - s.pl_ev)) < 5 * s.e0_ev_err + 1e-4
    assert s.covariance.shape == (3, 3)
    assert np.all(np.diag(s.covariance) >= 0)


def test_stokes_shift_and_array_api():
    nc = core_shell("InP", 2.5, "ZnSe", 1.9)
    opt = ModelOptions(stokes_shift_ev=0.15)
    e_abs = exciton_energy(nc, np.array([0.0, 1.0]), opt)
    assert np.allclose(pl_energy(nc, [0.0, 1.0], opt), e_abs - 0.15)
    assert isinstance(exciton_energy(nc, 0.0), float)


def test_computed_stokes_shift_is_the_ensemble_formula():
    # default: ΔE = 3 s² d|dE/dd| from the model's own size derivative, checked here against an
    # independent finite difference over a wider step (the curve is smooth, so they agree)
    nc = core_shell("InP", 2.5, None, 0.0)
    s = exciton_state(nc, 0.0)
    d = 2.5
    e_plus = exciton_energy(core_shell("InP", d * 1.05, None, 0.0), 0.0)
    e_minus = exciton_energy(core_shell("InP", d * 0.95, None, 0.0), 0.0)
    expected = 3 * 0.1 ** 2 * abs(e_plus - e_minus) / 0.1
    assert s.stokes_shift_ev == pytest.approx(expected, rel=0.05)
    assert s.pl_ev == pytest.approx(s.absorption_ev - s.stokes_shift_ev)
    assert exciton_state(nc, 0.0, ModelOptions(size_dispersion=0.0)).stokes_shift_ev == 0.0


def test_outputs_are_physical():
    s = exciton_state(core_shell("InP", 2.5, "ZnSe", 1.9), 0.0)
    assert 0 <= s.electron_in_shell_fraction <= 1 and 0 <= s.hole_in_shell_fraction <= 1
    assert s.hole_in_shell_fraction < s.electron_in_shell_fraction   # large VBO keeps the hole in
    assert 0 < s.overlap <= 1
    assert s.core_pressure_gpa > 2.0                                   # misfit compression


def test_transition_warning_and_error():
    nc = core_shell("InP", 2.5, "ZnSe", 1.9)
    s = pl_vs_pressure(nc, [0.0, 12.0])
    assert any("InP" in w and "10.8" in w for w in s.warnings)
    with pytest.raises(InputError, match="transition"):
        pl_vs_pressure(nc, [0.0, 12.0], on_transition="error")
    assert pl_vs_pressure(nc, [0.0, 1.0]).warnings == ()


@pytest.mark.parametrize("call,match", [
    (lambda: core_shell("InP", -1.0, "ZnSe", 1.0), "core diameter"),
    (lambda: core_shell("InP", 2.0, "ZnSe", -0.5), "shell thickness"),
    (lambda: core_shell("InP", "big", "ZnSe", 1.0), "core diameter"),
    (lambda: core_shell("Unobtainium", 2.0, "ZnSe", 1.0), "unknown"),
    (lambda: pl_vs_pressure(core_shell(), [-1.0]), "negative"),
    (lambda: pl_vs_pressure(core_shell(), [np.nan]), "NaN"),
    (lambda: pl_vs_pressure(core_shell(), []), "at least one"),
    (lambda: ModelOptions(relaxation=2.0), "relaxation"),
    (lambda: ModelOptions(outside_barrier_ev=-1.0), "outside_barrier"),
])
def test_bad_inputs(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_docstring_table_format():
    # the comparison table in the docstring lists three rows with model and study columns
    doc = coreshell.study_comparison.__doc__
    assert len(re.findall(r"^\s*(E0|α|β) ", doc, flags=re.M)) == 3
