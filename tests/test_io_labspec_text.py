"""Horiba LabSpec text exports (issue 10, helper blindhunt): the '#Key=<tab>value' header
states the x unit on its '#Spectro (...)=' line and the laser on '#Laser...='. A Raman-shift
export read as nm put the 520 cm⁻¹ silicon line at '523 nm', an ok PL band; now x is the
Raman shift, converted with the laser where an analysis needs wavelengths."""
import json

import numpy as np
import pytest

from cli_helpers import run_dackit
from dackit.errors import InputError
from dackit.io import read_spectrum

HC = 1e7  # nm·cm⁻¹


def _labspec(path, x, y, spectro="cm-\xb9", laser="#Laser=\t532nm_Edge"):
    """A LabSpec 6 text export as the LabRAM HR writes it (Latin-1, '#Key=<tab>value')."""
    head = ["#Acq. time (s)=\t1", "#Accumulations=\t1", "#Instrument=\tLabRAM HR Evol",
            "#Grating=\t600 (500nm)", laser, f"#Spectro ({spectro})=\t940.815", "#Title=\tsynthetic"]
    body = [f"{a:.4f}\t{b:.1f}" for a, b in zip(x, y)]
    path.write_bytes("\n".join(head + body).encode("latin-1") + b"\n")
    return path


def _silicon(tmp_path, **kw):
    rng = np.random.default_rng(4)
    shift = np.linspace(46.6, 1754.5, 1000)
    y = 40 + 3000 / (1 + ((shift - 520.7) / 2.0) ** 2) + rng.normal(0, 3, shift.size)
    return _labspec(tmp_path / "si.txt", shift, y, **kw)


def test_raman_shift_header_gives_the_unit_and_the_laser(tmp_path):
    s = read_spectrum(_silicon(tmp_path))
    assert s.x_unit == "raman_cm-1" and s.metadata["laser_nm"] == 532.0
    assert s.metadata["x_unit_from"] == "file"
    s = read_spectrum(_silicon(tmp_path, laser="#Laser (nm)=\t632.817 "))
    assert s.metadata["laser_nm"] == pytest.approx(632.817)


def test_pl_of_a_raman_shift_export_is_at_the_emitted_wavelength(tmp_path):
    """The silicon line 520.7 cm⁻¹ from 532 nm is emitted at 1e7/(1e7/532 − 520.7) = 547.2 nm,
    not at '520.7 nm'."""
    code, out, err = run_dackit("pl", _silicon(tmp_path), "--pressure", "0", "--json")
    row = json.loads(out)["peaks"][0]
    assert row["peak_nm"] == pytest.approx(HC / (HC / 532.0 - 520.7), abs=0.05), row


def test_raman_shift_without_a_laser_is_refused_for_pl(tmp_path):
    path = _silicon(tmp_path, laser="#Filter=\t10%")
    code, out, err = run_dackit("pl", path, "--pressure", "0", "--json")
    assert code == 2 and "Raman shift" in out + err and path.name in out + err


def test_nm_header_and_unknown_unit(tmp_path):
    x = np.linspace(680, 710, 600)
    y = 100 + 5000 * np.exp(-0.5 * ((x - 694.3) / 0.2) ** 2)
    s = read_spectrum(_labspec(tmp_path / "ruby.txt", x, y, spectro="nm"))
    assert s.x_unit == "nm" and s.metadata["x_unit_from"] == "file"
    with pytest.raises(InputError, match="LabSpec header"):
        read_spectrum(_labspec(tmp_path / "odd.txt", x, y, spectro="furlong"))


def test_range_line_names_the_unit_as_spectro_does(tmp_path):
    """Some LabSpec versions write the axis unit on '#Range (cm-1)=' (WrightTools' from_LabRAM
    reads either line); '#Range=<tab>Visible' has no unit and is passed over."""
    path = _silicon(tmp_path)
    text = path.read_bytes().replace(b"#Spectro (cm-\xb9)=", b"#Range (cm-1)=")
    path.write_bytes(b"#Range=\tVisible\n" + text)
    assert read_spectrum(path).x_unit == "raman_cm-1"


def test_ruby_in_raman_shift_from_a_labram(tmp_path):
    """A ruby spectrum a LabRAM saved in Raman shift (R1 at 4395 cm⁻¹ from 532 nm) is measured
    with the header's laser, no --laser-nm needed: before, x was read as 4300-4500 'nm'."""
    rng = np.random.default_rng(1)
    nm = np.linspace(688, 700, 800)
    line = lambda c: 1 / (1 + ((nm - c) / 0.25) ** 2)  # noqa: E731
    y = rng.poisson(100 + 8000 * line(694.24) + 4500 * line(694.24 - 1.42)).astype(float)
    path = _labspec(tmp_path / "ruby.txt", HC / 532.0 - HC / nm, y, laser="#Laser (nm)=\t532.00")
    code, out, err = run_dackit("ruby", path, "--json")
    row = json.loads(out)[0]
    # counting noise on an 8000-count line: R1 to ~0.003 nm, 0.01 GPa
    assert row["r1_nm"] == pytest.approx(694.24, abs=0.01), row
    assert row["pressure_gpa"] == pytest.approx(0.0, abs=0.05), row
