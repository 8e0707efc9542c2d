"""Material library: completeness of citations, Kane masses, Varshni gaps, overrides."""
import dataclasses

import pytest

from dackit.errors import InputError
from dackit.nanocrystal.materials import MATERIALS, Material, material

FIELDS = [f.name for f in dataclasses.fields(Material) if f.name not in ("name", "sources")]


@pytest.mark.parametrize("name", ["InP", "ZnSe", "ZnS", "GaP", "CdSe", "CdS"])
def test_every_number_has_a_tagged_source(name):
    m = MATERIALS[name]
    for f in FIELDS:
        src = m.sources.get(f, "")
        assert src.startswith(("[V]", "[S]", "[C]", "[A]", "[M]")), f"{name}.{f}: {src!r}"


@pytest.mark.parametrize("name", list(MATERIALS))
def test_kane_relation_returns_the_tabulated_mass_at_the_reference_gap(name):
    m = MATERIALS[name]
    assert m.electron_mass(m.eg0_ev) == pytest.approx(m.m_e, rel=1e-12)
    # a wider gap (compression) gives a heavier electron
    assert m.electron_mass(m.eg0_ev + 0.3) > m.m_e


def test_inp_kane_f_matches_vurgaftman():
    # Vurgaftman et al. (2001) Table VI lists F = -1.31 for InP with E_P = 20.7 eV, m_e = 0.0795
    assert MATERIALS["InP"].kane_f == pytest.approx(-1.31, abs=0.01)


def test_inp_varshni_gap_at_300k():
    # 1.4236 - 0.363e-3 * 300² / (300 + 162)
    assert material("InP").eg_ev(300) == pytest.approx(1.4236 - 0.363e-3 * 9e4 / 462, abs=1e-12)
    assert material("InP").eg_ev(0) == 1.4236


def test_cubic_voigt_shear_and_bulk_of_inp():
    inp = material("InP")
    assert inp.b0_gpa == pytest.approx((inp.c11 + 2 * inp.c12) / 3, abs=0.05)
    assert inp.shear_gpa == pytest.approx((101.1 - 56.1 + 3 * 45.6) / 5)


def test_override_replaces_value_and_tags_source():
    m = material("inp", b0_gpa=57.1, m_hh="0.6")
    assert m.b0_gpa == 57.1 and m.m_hh == 0.6
    assert m.sources["b0_gpa"].startswith("[user]")
    assert MATERIALS["InP"].b0_gpa == 71.1          # library untouched


@pytest.mark.parametrize("kwargs,match", [
    ({"name": "GaAsX"}, "unknown"),
    ({"name": "InP", "bandgap": 1.0}, "unknown parameter"),
    ({"name": "InP", "m_hh": "heavy"}, "must be a number"),
    ({"name": "InP", "m_hh": float("nan")}, "NaN"),
])
def test_bad_material_requests(kwargs, match):
    name = kwargs.pop("name")
    with pytest.raises(InputError, match=match):
        material(name, **kwargs)


def test_natural_offsets_make_inp_znse_type_one():
    inp, znse = material("InP"), material("ZnSe")
    assert znse.vbm_ev < inp.vbm_ev                               # hole confined in InP
    assert znse.vbm_ev + znse.eg_ev() > inp.vbm_ev + inp.eg_ev()  # electron confined in InP


@pytest.mark.parametrize("name", list(MATERIALS))
def test_luttinger_parameters_and_kane_mass_follow_the_gap(name):
    from dackit.nanocrystal.bands import kane_mass, luttinger_at_gap
    m = MATERIALS[name]
    assert luttinger_at_gap(m, m.eg0_ev) == pytest.approx((m.gamma1, m.gamma2, m.gamma3), rel=1e-12)
    g1, g2, g3 = luttinger_at_gap(m, m.eg0_ev + 0.5)          # compressed: heavier holes
    assert g1 < m.gamma1 and g1 > 2 * (2 * g2 + 3 * g3) / 5 > 0
    # the energy-dependent (8-band) mass is the Vurgaftman band-edge mass at the edge, heavier above it
    assert kane_mass(m.ep_ev, m.kane_f, m.delta_so_ev, m.eg0_ev, 0.0) == pytest.approx(m.m_e, rel=1e-12)
    assert kane_mass(m.ep_ev, m.kane_f, m.delta_so_ev, m.eg0_ev, 0.5) > m.m_e
