"""sp3s* tight-binding nanocrystal: bulk bands, cluster, passivation, pressure, Coulomb."""
from __future__ import annotations

import math

import numpy as np
import pytest

from dackit.errors import InputError
from dackit.nanocrystal.coreshell import core_shell
from dackit.nanocrystal.materials import material
from dackit.nanocrystal.tight_binding import (SP3S_VOGL1983, TightBindingOptions, _hamiltonian,
                                              _inverse_max_radius, build_cluster, bulk_bands,
                                              bulk_gap_coefficient_mev_per_gpa, sp3s_parameters,
                                              tight_binding_state, tight_binding_vs_pressure)

G, X, L = [0, 0, 0], [1, 0, 0], [0.5, 0.5, 0.5]


def _gaps(name):
    e = bulk_bands(name, [G, X, L])
    vbm = e[0, 3]
    return e[0, 4] - vbm, e[1, 4] - vbm, e[2, 4] - vbm, e


def test_bulk_inp_gaps_match_measured_values():
    # measured 0 K gaps (Vurgaftman et al., JAP 89, 5815 (2001)): Γ 1.4236, X 2.384, L 2.014 eV.
    # Vogl's fit targets Γ and X; sp3s* is known to miss L by ~0.1 eV.
    g, x, l_, e = _gaps("InP")
    assert g == pytest.approx(1.4236, abs=0.03)
    assert x == pytest.approx(2.384, abs=0.10)
    assert l_ == pytest.approx(2.014, abs=0.20)
    assert g < l_ < x                                      # direct gap, L below X (InP ordering)
    assert np.allclose(e[0, 1:4], e[0, 3], atol=1e-10)     # Γ15 valence maximum triply degenerate
    assert e[0, 3] == pytest.approx(0.0, abs=1e-10)


def test_bulk_znse_and_gap_direct():
    # ZnSe 0 K Γ gap 2.82 eV (materials.py); sp3s* II–VI fits are within ~0.2 eV
    g, x, l_, _ = _gaps("ZnSe")
    assert g == pytest.approx(2.825, abs=0.2)
    assert g < l_ < x


def test_bulk_gap_at_gamma_equals_analytic_two_by_two():
    for name, par in SP3S_VOGL1983.items():
        for f in (1.0, 1.1):
            vb, cb = par.gamma_edges(f)
            e = bulk_bands(name, [G], scale=f)[0] + par.gamma_edges()[0]
            assert np.any(np.isclose(e, vb, atol=1e-9)) and np.any(np.isclose(e, cb, atol=1e-9)), name


def test_bulk_hamiltonian_is_hermitian_off_symmetry_points():
    # an sp sign error breaks X/L energies, a phase error breaks hermiticity → eigvalsh on a
    # non-Hermitian matrix would still "work"; check the X-point degeneracy pattern instead
    e = bulk_bands("InP", [X])[0]
    # X5 valence (two-fold) is the top valence level at X
    assert e[3] == pytest.approx(e[2], abs=1e-9)
    assert e[3] < e[4]


def test_tb_bulk_pressure_coefficient_is_the_harrison_one():
    # fixed on-site energies + d⁻² hoppings give a smaller gap deformation potential than the
    # measured −6.35 eV (83 meV/GPa for B0 = 71 GPa): documented, not hidden
    a = bulk_gap_coefficient_mev_per_gpa("InP", material("InP"))
    assert 40 < a < 70


def test_cluster_topology():
    cl = build_cluster(10.0, 5.8697)
    n = cl.n_atoms
    nb = np.bincount(cl.bonds.ravel(), minlength=n)
    nd = np.array([len(d) for d in cl.dangling])
    assert np.all(nb + nd == 4)
    assert np.all(nb >= 2)
    at0 = np.flatnonzero(np.all(cl.sites == 0, axis=1))
    assert at0.size == 1 and cl.cation[at0[0]]                        # cation-centred
    assert np.all(np.linalg.norm(cl.sites, axis=1) * 5.8697 / 4 <= 10.0 + 1e-9)
    # bonds join one anion to one cation at distance √3 a/4
    assert np.all(~cl.cation[cl.bonds[:, 0]]) and np.all(cl.cation[cl.bonds[:, 1]])
    d = cl.sites[cl.bonds[:, 1]] - cl.sites[cl.bonds[:, 0]]
    assert np.allclose(np.abs(d), 1)


def test_hamiltonian_symmetric_and_td_degeneracy():
    cl = build_cluster(7.5, 5.8697)
    p = sp3s_parameters("InP")
    h = _hamiltonian(cl, p, None, 0.0, 0.0, 1.0, 1.0, 20.0)
    assert abs(h - h.T).max() < 1e-12
    w = np.linalg.eigvalsh(h.toarray())
    homo = w[w < 0.7].max()
    # a cation-centred sphere has Td symmetry: the p-like HOMO is a threefold T2 level
    assert np.sum(np.isclose(w, homo, atol=1e-8)) == 3


def test_passivation_clears_the_gap_and_without_it_states_appear():
    nc = core_shell("InP", 2.0, None, 0.0)
    ok = tight_binding_state(nc)
    assert ok.quality == "ok"
    assert ok.homo_ev < material("InP").vbm_ev        # confinement lowers the hole level
    assert ok.gap_ev > ok.core_bulk_gap_ev
    bare = tight_binding_state(nc, 0.0, TightBindingOptions(passivation_ev=0.0))
    assert bare.quality == "doubtful"
    assert any("inside the bulk gap" in n for n in bare.quality_notes)
    assert bare.gap_ev < 1.0


def test_passivation_energy_converges_to_the_projected_limit():
    # the LUMO rises as 1/E_pass towards the limit of dangling hybrids removed from the basis;
    # the default (1000 eV) sits within 0.01 eV of it, a 20 eV shift 0.15 eV below
    nc = core_shell("InP", 2.0, None, 0.0)
    e = [tight_binding_state(nc, 0.0, TightBindingOptions(passivation_ev=v)).absorption_ev
         for v in (20.0, 200.0, 1000.0, 1e4)]
    assert e[0] < e[1] < e[2] <= e[3] + 1e-9
    assert e[3] - e[2] < 0.01
    assert e[2] - e[0] > 0.1


def test_gap_shrinks_towards_bulk_with_size():
    gaps = [tight_binding_state(core_shell("InP", d, None, 0.0)).gap_ev for d in (1.5, 2.0, 2.5, 3.0)]
    assert all(a > b for a, b in zip(gaps, gaps[1:]))
    bulk = SP3S_VOGL1983["InP"].gamma_edges()
    assert gaps[-1] - (bulk[1] - bulk[0]) < 0.7


def test_pressure_opens_the_gap_of_a_bare_core():
    nc = core_shell("InP", 1.5, None, 0.0)
    s0, s5 = tight_binding_state(nc, 0.0), tight_binding_state(nc, 5.0)
    assert s5.gap_ev > s0.gap_ev + 0.1
    assert s5.core_bulk_gap_ev > s0.core_bulk_gap_ev
    ser = tight_binding_vs_pressure(nc, [0.0, 2.0, 4.0])
    assert ser.alpha_mev_per_gpa > 0


def test_core_shell_small_electron_leaks_into_shell_hole_stays():
    nc = core_shell("InP", 1.5, "ZnSe", 0.5)
    s = tight_binding_state(nc)
    assert s.quality == "ok"
    assert s.n_atoms > s.n_core_atoms > 0
    assert s.core_pressure_gpa > 1.0                 # misfit compresses the core
    assert s.hole_in_shell_fraction < s.electron_in_shell_fraction
    assert 0.0 < s.electron_in_shell_fraction < 0.9


def test_inverse_max_radius_reproduces_brus_1786():
    # infinite-sphere ground states sampled on thin shells: ⟨1/max(r_e, r_h)⟩ = 1.786/R
    r = np.linspace(1e-4, 1.0, 20001)
    w = np.sin(np.pi * r) ** 2
    w /= w.sum()
    assert _inverse_max_radius(r, w, w) == pytest.approx(1.786, abs=0.002)
    # two thin shells: exact value by hand
    assert _inverse_max_radius(np.array([1.0, 2.0]), np.array([1.0, 0.0]), np.array([0.0, 1.0])) == 0.5


def test_bad_inputs():
    with pytest.raises(InputError, match="no sp3s"):
        tight_binding_state(core_shell("CdSe", 2.0, None, 0.0))
    with pytest.raises(InputError, match="pressure"):
        tight_binding_state(core_shell("InP", 1.5, None, 0.0), -1.0)
    with pytest.raises(InputError, match="pressure"):
        tight_binding_state(core_shell("InP", 1.5, None, 0.0), math.nan)
    with pytest.raises(InputError, match="passivation"):
        TightBindingOptions(passivation_ev=-1.0)
    with pytest.raises(InputError, match="shell_shift_ev"):
        TightBindingOptions(shell_shift_ev=float("inf"))
    with pytest.raises(InputError, match="shape"):
        TightBindingOptions(shape="cube")
    with pytest.raises(InputError, match="radius"):
        build_cluster(-1.0, 5.87)
    with pytest.raises(InputError, match="three"):
        tight_binding_vs_pressure(core_shell("InP", 1.5, None, 0.0), [0.0, 1.0])


def test_anion_centred_cluster():
    cl = build_cluster(10.0, 5.8697, centre="anion")
    at0 = np.flatnonzero(np.all(cl.sites == 0, axis=1))
    assert at0.size == 1 and not cl.cation[at0[0]]
    nb = np.bincount(cl.bonds.ravel(), minlength=cl.n_atoms)
    assert np.all(nb + np.array([len(d) for d in cl.dangling]) == 4)
    s = tight_binding_state(core_shell("InP", 2.0, None, 0.0), 0.0, TightBindingOptions(centre="anion"))
    assert s.quality == "ok"
    with pytest.raises(InputError, match="centre"):
        TightBindingOptions(centre="middle")


def test_gamma_to_xl_crossover_is_flagged_and_left_out_of_the_fit():
    # bulk InP crosses Γ–X at 10.4 GPa (Müller et al. 1980); a 2.5 nm core has crossed by 11 GPa
    nc = core_shell("InP", 2.5, None, 0.0)
    ser = tight_binding_vs_pressure(nc, [0.0, 2.0, 4.0, 11.0])
    assert ser.states[0].gamma_like and ser.states[0].electron_s_fraction > 0.75
    assert not ser.states[-1].gamma_like
    assert list(ser.fit_pressures_gpa) == [0.0, 2.0, 4.0]
    assert any("X/L-like" in w for w in ser.warnings)
    assert 30 < ser.alpha_mev_per_gpa < 80


def test_tetrahedron_is_cation_terminated_and_confined():
    cl = build_cluster(20.0, 5.8697, shape="tetrahedron")
    nd = np.array([len(d) for d in cl.dangling])
    assert nd[cl.cation].sum() > 0.9 * nd.sum()          # In-terminated {111} facets
    cl2 = build_cluster(20.0, 5.8697, shape="tetrahedron-anion")
    nd2 = np.array([len(d) for d in cl2.dangling])
    assert nd2[~cl2.cation].sum() > 0.9 * nd2.sum()
    s = tight_binding_state(core_shell("InP", 3.5, None, 0.0, core_shape="tetrahedron"), 0.0,
                            TightBindingOptions(shape="tetrahedron"))
    assert s.quality == "ok" and s.n_atoms == 281
    with pytest.raises(InputError, match="bare cores"):
        build_cluster(20.0, 5.8697, core_radius_a=10.0, shape="tetrahedron")


@pytest.mark.parametrize("d, atoms, expected", [(1.0, 29, 3.140), (1.5, 59, 2.876), (2.0, 147, 2.378),
                                                (2.5, 317, 2.110)])
def test_docstring_table_of_bare_spheres(d, atoms, expected):
    # pins the module docstring's table (regression, not physics: the physics tests are above)
    s = tight_binding_state(core_shell("InP", d, None, 0.0))
    assert s.n_atoms == atoms
    assert s.absorption_ev == pytest.approx(expected, abs=0.0015)


def test_cluster_must_match_the_geometry():
    cl = build_cluster(7.5, 5.8697)
    with pytest.raises(InputError, match="cluster"):
        tight_binding_state(core_shell("InP", 1.0, "ZnSe", 0.25), 0.0, cluster=cl)
    ser = tight_binding_vs_pressure(core_shell("InP", 1.5, None, 0.0), [0.0, 1.0, 2.0])
    assert ser.verdict.ok


def test_bulk_masses_document_the_sp3s_star_biases():
    from dackit.nanocrystal.tight_binding import bulk_masses
    m = bulk_masses("InP", 5.8697)
    # holes close to Vurgaftman's γ (hh[111] = 1/(γ1 − 2γ3) = 1.14, lh[100] = 1/(γ1 + 2γ2) = 0.12)
    assert m["heavy_hole_111"] == pytest.approx(1.14, rel=0.1)
    assert m["light_hole_100"] == pytest.approx(0.12, rel=0.3)
    assert m["heavy_hole_111"] > m["heavy_hole_100"] > m["light_hole_100"]
    # the Γ electron is ~55 % too heavy (0.0795 measured): the documented sp3s* weakness
    assert 0.10 < m["electron"] < 0.15
