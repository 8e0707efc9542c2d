"""Wavelength header lines as diffractometer exports write them (issue 10: a misread header is
a wrong lattice). 'Wavelength 1: 1.540598' was read as a 1 Å wavelength (its line number),
and a unit in brackets before the value ('Wavelength (nm): 0.15406') not at all.
"""
import pytest

from cli_helpers import run_json
from corpus_manifest import CORPUS
from dackit.io import read_pattern

# headerless Cu Kα LaB6 scan of the corpus (xrayutilities, Siemens D500): a = 4.15692 Å
LAB6 = CORPUS / "xrd" / "lab6_d500_si_psd_xrayutilities.xye"


@pytest.mark.parametrize("header, lam", [
    ("# Wavelength 1: 1.540598\n# Wavelength 2: 1.544426\n", 1.540598),
    ("# Wavelength (nm): 0.15406\n", 1.5406),
    ("# Wavelength [Å] = 1.5406\n", 1.5406),
    ("# Wavelength: 1.5406 Angstroms\n", 1.5406),
    ("# Wavelength 1.5406\n", 1.5406),
])
def test_header_wavelength(tmp_path, header, lam):
    path = tmp_path / "lab6.xye"
    path.write_text(header + LAB6.read_text())
    assert read_pattern(path).wavelength_a == pytest.approx(lam, rel=1e-9)


def test_numbered_wavelength_lines_give_the_lab6_cell(tmp_path):
    path = tmp_path / "lab6.xye"
    path.write_text("# Wavelength 1: 1.540598\n# Wavelength 2: 1.544426\n" + LAB6.read_text())
    code, rows, err = run_json("xrd", "lattice", path, "--phase", "lab6")
    assert code == 0, err
    # issue 10: a within 0.002 Å; read at 1 Å the cell came out 3.816 Å
    assert rows[0]["a_angstrom"] == pytest.approx(4.15692, abs=0.002)


@pytest.mark.parametrize("title", ["2Theta (rad)", "two-theta [radians]", "2theta_rad", "2θ / rad"])
def test_two_theta_in_radians_is_converted(tmp_path, title):
    # read as degrees, 2θ in radians put every reflection at 1/57 of its angle
    import numpy as np
    data = np.loadtxt(LAB6)
    path = tmp_path / "lab6_rad.xy"
    rows = "".join(f"{a:.10g} {b:.6g}\n" for a, b in zip(np.radians(data[:, 0]), data[:, 1]))
    path.write_text(f"# Wavelength: 1.5406 A\n# {title}  Intensity\n" + rows)
    p = read_pattern(path)
    assert p.axis == "2th_deg" and p.x[0] == pytest.approx(data[0, 0], rel=1e-8)


def _edxrd(tmp_path, header):
    """The LaB6 scan re-binned as an energy-dispersive spectrum at 2θ = 10°, E in keV."""
    import numpy as np
    data = np.loadtxt(LAB6)
    d = 1.5406 / (2 * np.sin(np.radians(data[:, 0] / 2)))
    e = 12.398419843 / (2 * d * np.sin(np.radians(5.0)))
    keep = (e > 10) & (e < 120)
    path = tmp_path / "edx.xy"
    path.write_text(header + "".join(f"{a:.5f} {b:.3f}\n" for a, b in zip(e[keep][::-1], data[keep, 1][::-1])))
    return path


@pytest.mark.parametrize("header", ["# Energy (keV)  Counts\n", "# E_keV I\n", "# channel counts\n"])
def test_energy_dispersive_spectrum_is_refused(tmp_path, header):
    # read as 2θ it gave LaB6 a = 4.129 Å (doubtful only by luck)
    code, rows, err = run_json("xrd", "lattice", _edxrd(tmp_path, header), "--phase", "lab6",
                               "--wavelength", "1.0")
    assert code == 2 and "energy-dispersive" in rows[0]["error"], rows


def test_an_energy_setting_line_is_not_a_column_title(tmp_path):
    path = tmp_path / "lab6.xye"
    path.write_text("# Energy: 8.04 keV\n" + LAB6.read_text())
    assert read_pattern(path, wavelength_a=1.5418).axis == "2th_deg"
