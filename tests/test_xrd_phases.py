"""Phases: library structures, reflections and intensities, JCPDS and CIF input."""
import numpy as np
import pytest

from dackit.errors import DackitError, InputError
from dackit.xrd.phases import (Phase, fluorite, get_phase, nacl, read_cif, read_jcpds, reflections,
                               wurtzite, zincblende)


def _dioptas_calibrant(path):
    """(d, hkl, multiplicity) rows of a Dioptas .D calibrant file."""
    rows = []
    for line in path.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        d, rest = line.split("#")
        hkl, mult = rest.rsplit(")", 1)
        rows.append((float(d), tuple(int(v) for v in hkl.strip(" (").split(",")), int(mult)))
    return rows


def test_ceo2_positions_and_multiplicities_match_dioptas(real_data):
    ref = _dioptas_calibrant(real_data / "dioptas" / "CeO2.D")[:16]
    table = reflections(fluorite(a=5.411651), wavelength_a=0.4066, twotheta_max=30)
    assert len(table) >= 16
    for (d, hkl, mult), row in zip(ref, table.itertuples()):
        assert row.d_a == pytest.approx(d, rel=2e-8)          # file prints 8 decimals
        assert row.multiplicity == mult, (hkl, row.hkl)
        assert sorted(map(abs, hkl), reverse=True) in [sorted(map(abs, (row.h, row.k, row.l)), reverse=True)] \
            or "/" in row.hkl


def test_ceo2_intensity_order_matches_real_pattern(real_data):
    """The strongest CeO2 lines come in the order of the real Pilatus pattern
    (111 > 220 > 311; 200 and 331 are tied there), and low-angle relative intensities agree within 40 %
    (Debye–Waller B, assumed 0.5 Å², is uncertain by ~±0.5 Å²: exp(−2ΔB s²) ≈ 0.87 at
    s = 0.37 Å⁻¹; Pilatus module gaps cut some rings)."""
    from dackit.core.pattern import make_pattern
    from dackit.xrd.lattice import fit_lattice

    table = reflections(fluorite(), 0.4066, 31)
    assert list(table.nlargest(4, "intensity")["hkl"]) == ["111", "220", "311", "200"]
    d = np.loadtxt(real_data / "dioptas" / "CeO2_Pilatus1M.xy")
    fit = fit_lattice(make_pattern(d[:, 0], d[:, 1], wavelength_a=0.4066), fluorite())
    obs = fit.peaks.set_index("hkl")["intensity"]
    assert list(obs.nlargest(3).index) == ["111", "220", "311"]
    calc = table.set_index("hkl")["intensity"]
    low = [h for h in obs.index if calc[h] and table.set_index("hkl").loc[h, "d_a"] > 1.3]
    ratio = (obs[low] / obs["111"]) / (calc[low] / calc["111"])
    assert np.all(np.abs(ratio - 1) < 0.4), ratio


def test_zincblende_inp_111_strongest_200_weak_but_present():
    t = reflections(zincblende(), 0.6199, 30).set_index("hkl")
    assert t["intensity"].idxmax() == "111"
    assert 0 < t.loc["200", "intensity"] < t.loc["111", "intensity"]
    # F(200) = 4(f_cation − f_anion): almost extinct for ZnSe (Z 30 vs 34)
    znse = reflections(zincblende(a=5.668, cation="Zn", anion="Se"), 0.6199, 30).set_index("hkl")
    assert 0 < znse.loc["200", "intensity_rel"] < 2.0
    for absent in ("100", "110", "210", "211"):
        assert absent not in t.index


def test_rocksalt_200_strongest_and_exact_positions():
    lam, a = 0.6199, 5.6402
    t = reflections(nacl(), lam, 30)
    assert t.set_index("hkl")["intensity"].idxmax() == "200"
    d = a / np.sqrt(t.h**2 + t.k**2 + t.l**2)
    np.testing.assert_allclose(t.d_a, d, rtol=1e-12)
    np.testing.assert_allclose(t.twotheta_deg, np.degrees(2 * np.arcsin(lam / (2 * d))), rtol=1e-12)


def test_wurtzite_hexagonal_d_and_screw_axis_absence():
    ph = wurtzite(a=4.30, c=7.01)
    t = reflections(ph, 0.6199, 25).set_index("hkl")
    assert "001" not in t.index and "003" not in t.index     # 6₃ screw: 00l, l odd
    assert "002" in t.index and "110" in t.index
    d110 = 4.30 / 2
    assert t.loc["110", "d_a"] == pytest.approx(d110, rel=1e-12)
    assert t.loc["100", "multiplicity"] == 6 and t.loc["002", "multiplicity"] == 2
    assert t.loc["101", "multiplicity"] == 12


def test_phase_geometry_and_mass():
    ceo2 = fluorite()
    assert ceo2.volume_a3 == pytest.approx(5.41165**3)
    assert ceo2.cell_mass_amu == pytest.approx(4 * (140.116 + 2 * 15.999), rel=1e-4)
    assert len(ceo2.unit_cell_atoms()) == 12
    hexa = wurtzite()
    assert hexa.volume_a3 == pytest.approx(np.sqrt(3) / 2 * 4.30**2 * 7.01)
    assert hexa.with_cell(a=4.0).b == 4.0
    assert zincblende().scaled(0.9).a == pytest.approx(0.9 * 5.8697)


def test_get_phase_specs():
    rs = get_phase("rocksalt:a=5.3:cation=In:anion=P")
    assert rs.a == 5.3 and rs.name == "rocksalt InP"
    assert get_phase("CeO2").a == 5.41165
    with pytest.raises(InputError, match="unknown name"):
        get_phase("perovskite")
    with pytest.raises(InputError, match="key=value"):
        get_phase("zincblende:5.8")
    with pytest.raises(InputError, match="unexpected keyword"):
        get_phase("zincblende:colour=red")


def test_read_jcpds_v4_cubic_and_hexagonal(real_data):
    au = read_jcpds(real_data / "dioptas" / "jcpds" / "au_Anderson.jcpds")
    assert au.system == "cubic" and au.a == 4.0786
    assert au.k0_gpa == 166.65 and au.k0p == 5.4823
    # a card's cell is V0: an ambient cell a fit may be compared with (lattice.MAX_EXPANSION)
    assert au.ambient_cell and not au.with_cell(a=4.0).ambient_cell and not au.scaled(0.98).ambient_cell
    t = reflections(au, 0.6199, 40)
    assert t.iloc[0]["hkl"] == "111" and t.iloc[0]["intensity_rel"] == 100
    assert t.iloc[0]["d_a"] == pytest.approx(2.3550, rel=1e-3)       # file's own d, 0.1 % as Dioptas checks
    re = read_jcpds(real_data / "dioptas" / "jcpds" / "re.jcpds")
    assert re.system == "hexagonal" and re.gamma == 120 and re.c == 4.4574
    d = re.d_spacing([[1, 0, 1]])[0]
    assert d == pytest.approx(2.1050, rel=1e-3)


def test_read_jcpds_version1(tmp_path):
    f = tmp_path / "old.jcpds"
    f.write_text("Gold, old format\n1 4.0786 166.65 5.48 1.0\nd I h k l\n2.355 100 1 1 1\n2.039 52 2 0 0\n")
    ph = read_jcpds(f)
    assert ph.system == "cubic" and ph.a == 4.0786 and ph.k0_gpa == 166.65
    assert len(reflections(ph, 0.6199, 30)) == 2


@pytest.mark.parametrize("text, match", [
    ("", "empty"),
    ("VERSION: 4\nSYMMETRY: CUBIC\nDIHKL: 2.3 100 1 1 1\n", "no cell parameter A"),
    ("VERSION: 4\nSYMMETRY: CUBIC\nA: 4.0\n", "no reflections"),
    ("VERSION: 4\nSYMMETRY: WOBBLY\nA: 4.0\nDIHKL: 2.3 100 1 1 1\n", "SYMMETRY"),
    ("VERSION: 4\nSYMMETRY: CUBIC\nA: four\n", "malformed"),
    ("VERSION: 4\nSYMMETRY: CUBIC\nA: -4\nDIHKL: 2.3 100 1 1 1\n", "positive"),
])
def test_read_jcpds_bad(tmp_path, text, match):
    f = tmp_path / "bad.jcpds"
    f.write_text(text)
    with pytest.raises(InputError, match=match) as exc:
        read_jcpds(f)
    assert "bad.jcpds" in str(exc.value)


NACL_CIF = """data_NaCl
_cell_length_a 5.6402
_cell_length_b 5.6402
_cell_length_c 5.6402
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'F m -3 m'
loop_
_symmetry_equiv_pos_as_xyz
x,y,z
-x,-y,z
-x,y,-z
x,-y,-z
z,x,y
z,-x,-y
-z,-x,y
-z,x,-y
y,z,x
-y,z,-x
y,-z,-x
-y,-z,x
y,x,-z
-y,-x,-z
y,-x,z
-y,x,z
x,z,-y
-x,z,y
-x,-z,-y
x,-z,y
z,y,-x
z,-y,x
-z,y,x
-z,-y,-x
-x,-y,-z
x,y,-z
x,-y,z
-x,y,z
-z,-x,-y
-z,x,y
z,x,-y
z,-x,y
-y,-z,-x
y,-z,x
-y,z,x
y,z,-x
-y,-x,z
y,x,z
-y,x,-z
y,-x,-z
-x,-z,y
x,-z,-y
x,z,y
-x,z,-y
-z,-y,x
-z,y,-x
z,-y,-x
z,y,x
x,y+1/2,z+1/2
x+1/2,y,z+1/2
x+1/2,y+1/2,z
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
_atom_site_B_iso_or_equiv
Na1 Na 0 0 0 1 0.5
Cl1 Cl 0.5 0.5 0.5 1 0.5
"""


def test_read_cif_matches_library(tmp_path):
    f = tmp_path / "nacl.cif"
    f.write_text(NACL_CIF)
    ph = read_cif(f)
    assert ph.system == "cubic" and ph.a == pytest.approx(5.6402)
    assert len(ph.unit_cell_atoms()) == 8
    t_cif = reflections(ph, 0.6199, 30)
    t_lib = reflections(nacl(), 0.6199, 30)
    assert list(t_cif.hkl) == list(t_lib.hkl)
    np.testing.assert_allclose(t_cif.intensity_rel, t_lib.intensity_rel, rtol=0.02)
    assert get_phase(str(f)).name == ph.name


def test_read_cif_bad(tmp_path):
    f = tmp_path / "broken.cif"
    f.write_text("data_x\n_cell_length_a 5.0\n")
    with pytest.raises(DackitError, match="broken.cif"):
        read_cif(f)
    with pytest.raises(InputError, match="no such CIF"):
        read_cif(tmp_path / "missing.cif")
    g = tmp_path / "garbage.cif"
    g.write_text("loop_ loop_ 'unterminated\n")
    with pytest.raises(InputError, match="garbage.cif"):
        read_cif(g)


def test_reflections_bad_arguments():
    with pytest.raises(InputError, match="wavelength"):
        reflections(zincblende(), 0.0, 30)
    with pytest.raises(InputError, match="twotheta_max"):
        reflections(zincblende(), 0.62, 200)
    with pytest.raises(InputError, match="polarization"):
        reflections(zincblende(), 0.62, 30, polarization="circular")
    with pytest.raises(InputError, match="neither atoms"):
        reflections(Phase("empty", "cubic", 4, 4, 4), 0.62, 30)
    with pytest.raises(InputError, match="crystal system"):
        Phase("x", "cubical", 4, 4, 4)


def test_read_cif_without_its_data_line(tmp_path):
    """The Ni.cif of the GSAS-II fullrmc tutorial has every item but no data_ line: gemmi
    refused it ('expected block header'). Read it as the same CIF with the line."""
    body = NACL_CIF.split("\n", 1)[1]
    assert not body.lstrip().startswith("data_")
    f = tmp_path / "nacl no header.cif"
    f.write_text("# a comment first\n" + body)
    ph, ref = read_cif(f), read_cif_text(tmp_path, NACL_CIF)
    assert ph.system == ref.system and ph.a == pytest.approx(ref.a)
    assert len(ph.unit_cell_atoms()) == len(ref.unit_cell_atoms()) == 8
    # still no cell or no atoms: still refused by name
    g = tmp_path / "bare.cif"
    g.write_text("_cell_length_a 5.0\n")
    with pytest.raises(InputError, match="bare.cif"):
        read_cif(g)


def read_cif_text(tmp_path, text):
    f = tmp_path / "ref.cif"
    f.write_text(text)
    return read_cif(f)


def test_read_cif_skips_a_leading_metadata_block(tmp_path):
    """FullProf's CIF output (the RbNb2O5F refinement of ozakary/data-RbM2O5F) opens with a
    data_global block of audit items and no cell; the phase is the second block. It was
    refused ('CIF gives no unit cell'). The first block with a cell is read; a block asked
    for by name or index is still read as asked."""
    f = tmp_path / "fullprof.cif"
    f.write_text("data_global\n_audit_creation_method 'FullProf Suite'\n_journal_coeditor_code ?\n\n"
                 + NACL_CIF.replace("data_", "data_phase1_", 1))
    ph = read_cif(f)
    ref = read_cif_text(tmp_path, NACL_CIF)
    assert ph.system == "cubic" and ph.a == pytest.approx(ref.a)
    assert len(ph.unit_cell_atoms()) == len(ref.unit_cell_atoms())
    with pytest.raises(InputError, match="no unit cell"):
        read_cif(f, block="global")


def test_read_cif_with_ddlm_tags(tmp_path):
    """EasyDiffraction writes its phases with DDLm tags (_cell.length_a, _atom_site.fract_x,
    _space_group.name_H-M_alt): gemmi's small-structure reader saw no cell and the phase was
    refused. The same CIF with the DDL1 names gives the same phase."""
    lbco_ddl1 = """data_lbco
_cell_length_a 3.88(1)
_cell_length_b 3.88
_cell_length_c 3.88
_cell_angle_alpha 90.0
_cell_angle_beta 90.0
_cell_angle_gamma 90.0
_space_group_name_H-M_alt 'P m -3 m'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
_atom_site_B_iso_or_equiv
La La 0 0 0 0.5 1.0
Ba Ba 0 0 0 0.5 1.0
Co Co 0.5 0.5 0.5 1.0 1.0
O O 0 0.5 0.5 1.0 1.0
"""
    import re

    ddlm = re.sub(r"(?m)^_(cell|atom_site|space_group)_", r"_\1.", lbco_ddl1)
    assert "_cell.length_a" in ddlm and "_atom_site.fract_x" in ddlm
    new, ref = read_cif_text(tmp_path, ddlm), read_cif_text(tmp_path, lbco_ddl1)
    assert new.system == ref.system == "cubic" and new.a == pytest.approx(3.88)
    assert new.space_group == ref.space_group and new.atoms == ref.atoms
    t_new, t_ref = reflections(new, 1.494, 100), reflections(ref, 1.494, 100)
    assert list(t_new.hkl) == list(t_ref.hkl)
    np.testing.assert_allclose(t_new.intensity_rel, t_ref.intensity_rel)
