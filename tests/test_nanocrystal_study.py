"""The model against independent data (Almeida 2023 sizing curve, bulk Γ–X crossing) and the
claims its docstring makes about the reference study (what would have to change, and how much)."""
import time

import numpy as np
import pytest

from dackit.nanocrystal.coreshell import ModelOptions, core_shell, exciton_state, pl_vs_pressure
from dackit.nanocrystal.materials import material
from dackit.nanocrystal.sizing import (EDGE_RANGE_NM, TETRAHEDRON_VOLUME_PER_EDGE3, almeida_e1s_from_edge,
                                       almeida_e1s_from_volume, equivalent_sphere_diameter_nm)

EDGES = np.linspace(*EDGE_RANGE_NM, 6)
NO_STOKES = ModelOptions(size_dispersion=0.0)     # absorption and valleys only: skip the ensemble term


def test_sizing_formulas_agree_with_each_other_and_the_study_core():
    # the paper's two fits (edge and volume) describe the same samples: within 0.11 eV (2.6 nm
    # edge and below: 0.04 eV); and 518 nm (2.393 eV) is a 2.3–2.5 nm edge — the study's TEM size
    v = TETRAHEDRON_VOLUME_PER_EDGE3 * EDGES ** 3
    assert np.max(np.abs(almeida_e1s_from_edge(EDGES) - almeida_e1s_from_volume(v))) < 0.11
    assert almeida_e1s_from_edge(2.3) > 2.393 > almeida_e1s_from_edge(2.5)
    # while a 2.5 nm *sphere* (V = 8.2 nm³) is at the large end of the data, ≈ 2.05 eV
    assert almeida_e1s_from_volume(np.pi * 2.5 ** 3 / 6) == pytest.approx(2.05, abs=0.01)


def _almeida_excess(options):
    v = TETRAHEDRON_VOLUME_PER_EDGE3 * EDGES ** 3
    model = np.array([exciton_state(core_shell("InP", d, None, 0.0), 0.0, options).absorption_ev
                      for d in equivalent_sphere_diameter_nm(v)])
    return model - almeida_e1s_from_volume(v)


def test_model_against_the_almeida_sizing_curve():
    """Almeida et al., Nano Lett. 23, 8697 (2023): the spherical k·p model (equal volume, 6-band
    hole, Burt–Foreman ordering) is above the measured curve at every size, approaching it as the
    dot grows: +0.12 eV at the largest size (V = 8.1 nm³, 2.5 nm sphere), +0.29…0.71 eV for
    1.2–1.9 nm equivalent spheres and +1.2 eV at 0.9 nm. The issue's 0.05 eV target is NOT met;
    the test pins the documented deviation so that a change shows."""
    excess = _almeida_excess(NO_STOKES)
    assert np.all(np.diff(excess) < 0)                 # the overestimate grows as the dot shrinks
    assert 0.08 < excess[-1] < 0.16                    # largest dots (recorded: 0.117)
    assert 0.25 < excess[3] < 0.35                     # 1.9 nm sphere (0.294)
    assert 0.6 < excess[1] < 0.8                       # 1.2 nm sphere (0.713)
    assert excess[0] > 1.0                             # 0.9 nm: far outside envelope-function validity


def test_hole_model_and_ordering_against_the_almeida_curve():
    """What the hole physics contributes (recorded in the coreshell module docstring): the
    6-band hole lies 0.05–0.13 eV below the 4-band one on this curve (more for smaller dots);
    the symmetrised ordering at the ligand surface lands within ±0.03 eV of the data from 1.2
    to 2.5 nm — through its spurious surface attraction (luttinger module docstring), so that
    agreement is not counted for the model."""
    six = _almeida_excess(NO_STOKES)
    four = _almeida_excess(ModelOptions(size_dispersion=0.0, hole_model="luttinger"))
    lowering = four - six
    assert np.all(lowering > 0.04) and np.all(lowering < 0.15)
    assert lowering[0] > lowering[-1]
    sym = _almeida_excess(ModelOptions(size_dispersion=0.0, hole_ordering="symmetric"))
    assert np.all(np.abs(sym[1:]) < 0.04)
    assert np.all(six - sym > 0.1)


def test_bulk_gamma_x_crossing_near_the_measured_pressure():
    # Müller et al., PRB 21, 4879 (1980): Γ–X crossing of bulk InP at 10.4(1) GPa; with the
    # X coefficient −3(1) meV/kbar the model crossing lies within 8.5–11 GPa
    nc = core_shell("InP", 200.0, None, 0.0)
    p = np.arange(7.0, 12.01, 0.5)
    below = [exciton_state(nc, x, NO_STOKES).lowest_valley == "X" for x in p]
    assert not below[0] and below[-1]
    crossing = p[below.index(True)]
    assert 8.5 <= crossing <= 11.0


def test_small_dot_crosses_to_x_at_lower_pressure_than_bulk():
    # Fu & Zunger, PRL 80, 5397 (1998): the crossover pressure falls with dot size
    nc = core_shell("InP", 2.5, None, 0.0)
    p = np.arange(0.0, 10.01, 1.0)
    valleys = [exciton_state(nc, x, NO_STOKES).lowest_valley for x in p]
    assert valleys[0] == "Γ" and "X" in valleys
    assert p[valleys.index("X")] < 8.5


@pytest.mark.parametrize("label,geometry,options,alpha_range,abs_range", [
    # α = 53 needs the InP gap deformation potential halved (−3.0 eV instead of −5.93 eV)
    ("a_gap −3 eV", lambda: core_shell(material("InP", a_c_ev=-3.0 - 0.41), 2.5, "ZnSe", 1.9), None,
     (48, 58), None),
    # the −0.24 eV shelling red shift needs a CBO ≈ 0.1 eV (ZnSe edges 0.5 eV lower) …
    ("CBO ≈ 0.1 eV", lambda: core_shell("InP", 2.5, material("ZnSe", vbm_ev=0.39 + 0.15 - 0.5), 1.9),
     None, (76, 86), (2.05, 2.15)),
    # … and no confinement option of the model brings α near 53
    ("relaxed misfit", lambda: core_shell("InP", 2.5, "ZnSe", 1.9), ModelOptions(relaxation=1.0), (70, 85), None),
    ("two-band electron", lambda: core_shell("InP", 2.5, "ZnSe", 1.9), ModelOptions(electron_model="kane2"),
     (70, 80), None),
])
def test_what_the_study_would_need(label, geometry, options, alpha_range, abs_range):
    nc = geometry()
    s = pl_vs_pressure(nc, [0.0], options, n_fit=6)
    assert alpha_range[0] < s.alpha_mev_per_gpa < alpha_range[1], label
    if abs_range is not None:
        assert abs_range[0] < s.absorption_ev[0] < abs_range[1], label


def test_default_study_geometry_numbers_and_speed():
    t0 = time.perf_counter()
    s = pl_vs_pressure(core_shell("InP", 2.5, "ZnSe", 1.9), np.linspace(0, 5.6, 10))
    elapsed = time.perf_counter() - t0
    assert elapsed < 5.0
    bare = exciton_state(core_shell("InP", 2.5, None, 0.0), 0.0)
    # recorded in the study_comparison docstring: shelling *blue*-shifts in this model
    assert s.absorption_ev[0] > bare.absorption_ev
    assert 0.01 < s.stokes_shift_ev[0] < 0.04      # ensemble Stokes shift, not the measured 0.14 eV


def test_outside_barrier_matters_for_the_bare_core_not_for_the_core_shell():
    # the docstring's claim: hard wall vs the default 3 eV / m0 ligand barrier
    hard = ModelOptions(outside_barrier_ev=float("inf"), size_dispersion=0.0)
    bare_hard = pl_vs_pressure(core_shell("InP", 2.5, None, 0.0), [0.0], hard, n_fit=6)
    bare_soft = pl_vs_pressure(core_shell("InP", 2.5, None, 0.0), [0.0], NO_STOKES, n_fit=6)
    cs_hard = pl_vs_pressure(core_shell("InP", 2.5, "ZnSe", 1.9), [0.0], hard, n_fit=6)
    cs_soft = pl_vs_pressure(core_shell("InP", 2.5, "ZnSe", 1.9), [0.0], NO_STOKES, n_fit=6)
    assert bare_hard.absorption_ev[0] - bare_soft.absorption_ev[0] > 1.0
    assert 45 < bare_hard.alpha_mev_per_gpa < 56 and bare_soft.alpha_mev_per_gpa > 75
    assert abs(cs_hard.absorption_ev[0] - cs_soft.absorption_ev[0]) < 0.05
    assert abs(cs_hard.alpha_mev_per_gpa - cs_soft.alpha_mev_per_gpa) < 3


def test_issue_16_targets_as_documented():
    """The issue's targets against the defaults (coreshell module docstring table). None is met;
    the pins (±0.03 eV, ±2 meV/GPa: far below the distance to the targets) make a change show."""
    bare = exciton_state(core_shell("InP", 2.5, None, 0.0), 0.0, NO_STOKES).absorption_ev
    tetra = exciton_state(core_shell("InP", 2.5, None, 0.0, core_shape="tetrahedron"), 0.0, NO_STOKES).absorption_ev
    s = pl_vs_pressure(core_shell("InP", 2.5, "ZnSe", 1.9), [0.0], n_fit=8)
    assert bare == pytest.approx(2.165, abs=0.03) and abs(bare - 2.393) > 0.15       # study 2.393
    assert tetra == pytest.approx(2.844, abs=0.03) and tetra - 2.393 > 0.3
    assert s.absorption_ev[0] == pytest.approx(2.360, abs=0.03)                         # study 2.153
    assert s.e0_ev == pytest.approx(2.337, abs=0.03)                                    # study 2.012
    assert s.alpha_mev_per_gpa == pytest.approx(72.8, abs=2.0)                          # study 53
