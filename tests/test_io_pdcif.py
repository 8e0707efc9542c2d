"""Powder CIF (pdCIF) profiles read as patterns (dackit.io.pdcif): the DDL1 range form of
GSAS2CIF, the DDLm loop of EasyDiffraction, and the ways a pdCIF can hold no usable 2θ scan."""
import numpy as np
import pytest

from corpus_manifest import CORPUS
from dackit.errors import InputError
from dackit.io.kinds import xray_kind
from dackit.io.patterns import read_pattern

GSAS = CORPUS / "xrd" / "alumina_gsas_pdcif_pdcifplotter.cif"
EASY = CORPUS / "formats" / "easydiffraction_hrpt_pdcif_head.cif"


def test_gsas2cif_range_form_with_esds_in_parentheses():
    p = read_pattern(GSAS)
    assert xray_kind(GSAS) == "pattern"
    # _pd_meas_2theta_range_min/max/inc 3.0, 167.95, 0.05 and _pd_meas_number_of_points 3300
    assert p.x.size == 3300 and p.x[0] == pytest.approx(3.0) and p.x[-1] == pytest.approx(167.95)
    # first rows '119(17)', '149(19)': value and su in units of the last digit
    assert p.intensity[:2].tolist() == [119.0, 149.0] and p.sigma[:2].tolist() == [17.0, 19.0]
    assert p.wavelength_a == pytest.approx(1.5402)
    assert p.metadata["radiation"] == "neutron"
    assert p.metadata["columns"][1] == "_pd_meas_intensity_total"  # not the _pd_calc model


def test_ddlm_loop_with_su_column():
    p = read_pattern(EASY)
    assert p.x.size == 78 and p.x[:2].tolist() == [10.0, 10.05]
    assert p.intensity[:2].tolist() == [167.0, 157.0] and p.sigma[:2].tolist() == [12.6, 12.5]
    assert p.wavelength_a == pytest.approx(1.494)  # EasyDiffraction's _instr.wavelength


HEAD = "data_test\n_diffrn_radiation_probe x-ray\n"


def _write(tmp_path, body, name="p.cif"):
    path = tmp_path / name
    path.write_text(HEAD + body)
    return path


def _gauss(x, c=30.0):
    return 1000 * np.exp(-0.5 * ((x - c) / 0.05) ** 2) + 50


def test_counts_get_poisson_sigma_and_missing_values_are_dropped(tmp_path):
    x = np.arange(20.0, 40.0, 0.01)
    y = np.round(_gauss(x))
    rows = [f"{a:.2f} {b:.0f}" for a, b in zip(x, y)]
    rows[5] = f"{x[5]:.2f} ."
    body = ("loop_\n_diffrn_radiation_wavelength\n_diffrn_radiation_wavelength_wt\n1.540593 1.0\n"
            "1.544427 0.5\nloop_\n_pd_meas_2theta_scan\n_pd_meas_counts_total\n" + "\n".join(rows) + "\n")
    p = read_pattern(_write(tmp_path, body))
    assert p.x.size == x.size - 1
    assert p.wavelength_a == pytest.approx(1.540593)  # Kα1, the loop's first
    assert np.allclose(p.sigma, np.sqrt(p.intensity))
    assert any("dropped" in n for n in p.reader_notes)


def test_measured_two_theta_preferred_to_the_corrected_one(tmp_path):
    x = np.arange(20.0, 40.0, 0.01)
    rows = "\n".join(f"{a:.3f} {a - 0.02:.3f} {b:.1f}" for a, b in zip(x, _gauss(x)))
    body = ("_diffrn_radiation_wavelength 1.5406\nloop_\n_pd_meas_2theta_scan\n_pd_proc_2theta_corrected\n"
            "_pd_proc_intensity_total\n" + rows + "\n")
    p = read_pattern(_write(tmp_path, body))
    assert p.x[0] == pytest.approx(20.0)
    assert p.metadata["columns"] == ["_pd_meas_2theta_scan", "_pd_proc_intensity_total"]


@pytest.mark.parametrize("body,match", [
    # only the refinement's model: no data to fit
    ("loop_\n_pd_proc_2theta_corrected\n_pd_calc_intensity_total\n20.0 5\n20.1 6\n", "no observed profile"),
    # time of flight: no 2θ
    ("loop_\n_pd_meas_time_of_flight\n_pd_meas_intensity_total\n1000 5\n1010 6\n", "time-of-flight"),
    # an even grid that does not match the loop
    ("_pd_meas_2theta_range_min 10\n_pd_meas_2theta_range_max 20\n_pd_meas_2theta_range_inc 0.1\n"
     "loop_\n_pd_meas_intensity_total\n1\n2\n3\n", "gives 101 points, but _pd_meas_intensity_total has 3"),
    ("loop_\n_pd_meas_2theta_scan\n_pd_meas_intensity_total\n20.0 5\n20.1 abc\n", "holds 'abc'"),
])
def test_no_usable_profile_is_refused_by_name(tmp_path, body, match):
    path = _write(tmp_path, body)
    with pytest.raises(InputError, match=match) as err:
        read_pattern(path)
    assert "p.cif" in str(err.value)


def test_structure_cif_is_named_not_read_as_columns(tmp_path):
    """A CIF without a profile (a structure, a phase block, a reflection list): its atom-site
    rows were read as pattern columns ('only 6 usable points'); it is named."""
    path = tmp_path / "pyrite.cif"
    path.write_text("data_pyrite\n_cell_length_a 5.4166\n_cell_angle_alpha 90\n"
                    "_symmetry_space_group_name_H-M 'P a -3'\nloop_\n_atom_site_label\n"
                    "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                    + "".join(f"A{i} 0.{i} 0.{i} 0.{i}\n" for i in range(1, 9)))
    with pytest.raises(InputError, match=r"pyrite\.cif: this CIF holds no powder profile.*--phase"):
        read_pattern(path)


def test_repeated_block_names_do_not_refuse_the_profile(tmp_path):
    """pdCIFplotter's COMCIFS examples repeat a block name; gemmi's strict check refused the
    whole file as unparsable. The first profile is read, and the note says there are more."""
    x = np.arange(20.0, 40.0, 0.01)
    loop = "loop_\n_pd_meas_2theta_scan\n_pd_meas_intensity_total\n" + "".join(
        f"{a:.2f} {b:.1f}\n" for a, b in zip(x, _gauss(x)))
    path = tmp_path / "p.cif"
    path.write_text(HEAD + loop + "data_test\n" + loop)
    p = read_pattern(path)
    assert p.x.size == x.size
    assert any("2 powder profiles" in n for n in p.reader_notes)


@pytest.mark.parametrize("text,value,su", [("119(17)", 119.0, 17.0), ("1.234(5)", 1.234, 0.005),
                                           ("1.23e-2(4)", 0.0123, 4e-4), ("-3.5E1(2)", -35.0, 2.0)])
def test_standard_uncertainty_in_units_of_the_last_digit(text, value, su):
    from dackit.io.pdcif import _numbers

    v, s = _numbers([text], "", "test")
    assert v[0] == pytest.approx(value) and s[0] == pytest.approx(su)
