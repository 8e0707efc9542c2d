"""An x column named in meV, Å or µm is converted, not read as eV or nm (issue 10: a misread
axis). Read as eV, "Energy (meV)" put a 650 nm band at 1907 nm; read as nm, "Wavelength (Å)"
put it at 6498 nm, both with quality ok. Files are built here with numpy.
"""
import json

import numpy as np
import pytest

from cli_helpers import run_dackit
from dackit.io import read_spectrum

NM = np.linspace(550.0, 750.0, 600)


def _band(seed=2):
    """Counts of a PL band Gaussian in photon energy at 650 nm, 90 meV FWHM, sampled on NM."""
    e, e0 = 1239.84 / NM, 1239.84 / 650.0
    mean = 200 + 5000 * np.exp(-4 * np.log(2) * ((e - e0) / 0.09) ** 2)
    return np.random.default_rng(seed).poisson(mean).astype(float)


def _write(tmp_path, header, x, y, name="s.txt"):
    path = tmp_path / name
    path.write_text(header + "\n" + "".join(f"{a:.6f}\t{b:.1f}\n" for a, b in zip(x, y)))
    return path


@pytest.mark.parametrize("header, x", [
    ("Energy (meV)\tCounts", 1e3 * 1239.84 / NM),
    ("Wavelength (A)\tCounts", 10 * NM),
    ("Wavelength [Å]\tCounts", 10 * NM),
    ("Wavelength (µm)\tCounts", NM / 1e3),
    ("lambda_um\tCounts", NM / 1e3),
])
def test_pl_band_at_its_wavelength(tmp_path, header, x):
    code, out, err = run_dackit("pl", _write(tmp_path, header, x, _band()), "--pressure", "0", "--json")
    assert code == 0, err
    row = json.loads(out)["peaks"][0]
    # the band's top is known to well under 1 nm (5000 counts, 90 meV wide); the misreads
    # were off by a factor of 3 to 10
    assert row["peak_nm"] == pytest.approx(650.0, abs=2.0), row


def test_ruby_r1_in_angstrom(tmp_path):
    lam = np.linspace(688.0, 700.0, 800)
    y = 200 + 6000 / (1 + ((lam - 694.60) / 0.25) ** 2) + 3000 / (1 + ((lam - 693.20) / 0.25) ** 2)
    y = np.random.default_rng(1).poisson(y).astype(float)
    code, out, err = run_dackit("ruby", _write(tmp_path, "Wavelength (Angstrom)  Intensity", 10 * lam, y),
                                "--json")
    assert code == 0, err
    assert json.loads(out)[0]["r1_nm"] == pytest.approx(694.60, abs=0.01)


def test_nm_and_ev_names_are_not_scaled(tmp_path):
    # "nm" wins over a stray "a" in the name; "eV" is not "meV"
    s = read_spectrum(_write(tmp_path, "Wavelength (nm) / A.U.\tCounts", NM, _band(), "n.txt"))
    assert s.x_unit == "nm" and s.x.min() == pytest.approx(550.0) and "x_scaled" not in s.metadata
    s = read_spectrum(_write(tmp_path, "Energy (eV)\tCounts", 1239.84 / NM, _band(), "e.txt"))
    assert s.x_unit == "eV" and s.x.max() == pytest.approx(1239.84 / 550.0)


def test_bare_wavelength_name_in_angstrom_is_refused(tmp_path):
    # "Wavelength" names the quantity, not the unit: 5500-7500 is no optical spectrum in nm
    path = _write(tmp_path, "Wavelength\tIntensity", 10 * NM, _band())
    code, out, _ = run_dackit("pl", path, "--pressure", "0", "--json")
    row = json.loads(out)["peaks"][0]
    assert code == 2 and "Å" in row["error"], row
    # the same name over a real nm axis is read as nm
    s = read_spectrum(_write(tmp_path, "Wavelength\tIntensity", NM, _band(), "ok.txt"))
    assert s.x_unit == "nm" and s.metadata.get("x_unit_bare")


def test_spreadsheet_csv_with_quoted_thousands(tmp_path):
    # Excel quotes counts above 999 as "1,234.5": split on the comma, the ruby R1 came out
    # 14 nm off (doubtful) — the numbers must be read whole
    lam = np.linspace(688.0, 700.0, 800)
    y = 200 + 6000 / (1 + ((lam - 694.60) / 0.25) ** 2) + 3000 / (1 + ((lam - 693.20) / 0.25) ** 2)
    y = np.random.default_rng(3).poisson(y).astype(float)
    path = tmp_path / "excel.csv"
    path.write_text("nm,counts\n" + "".join(f'{a:.4f},"{b:,.1f}"\n' for a, b in zip(lam, y)))
    s = read_spectrum(path)
    assert s.y.max() == pytest.approx(y.max()) and s.x.size == lam.size
    code, out, err = run_dackit("ruby", path, "--json")
    assert code == 0, err
    assert json.loads(out)[0]["r1_nm"] == pytest.approx(694.60, abs=0.01)


def test_frequency_in_thz_is_read_as_energy(tmp_path):
    """'Frequency (THz)' was read as nm: a 650 nm band came out at '461 nm', ok. ν = c/λ:
    650 nm is 461.2 THz, and E = hν puts it back at 650 nm."""
    from dackit.io.textcols import read_columns

    nm = np.linspace(600.0, 720.0, 600)
    thz = 299792.458 / nm
    path = tmp_path / "pl.txt"
    np.savetxt(path, np.c_[thz, np.exp(-0.5 * ((nm - 650.0) / 10.0) ** 2)], header="Frequency (THz)\tCounts",
               delimiter="\t", comments="")
    sp = read_columns(path)
    assert sp.x_unit == "eV"
    top = float(sp.x[np.argmax(sp.y)])
    assert 1239.84198 / top == pytest.approx(650.0, abs=0.2)


@pytest.mark.parametrize("title", ["Frequency", "Frequency (GHz)"])
def test_frequency_without_an_optical_unit_is_refused(tmp_path, title):
    from dackit.errors import InputError
    from dackit.io.textcols import read_columns

    path = tmp_path / "pl.txt"
    np.savetxt(path, np.c_[np.linspace(400, 500, 50), np.ones(50)], header=f"{title}\tCounts",
               delimiter="\t", comments="")
    with pytest.raises(InputError, match="is a frequency"):
        read_columns(path)


def test_a_frequency_setting_above_unnamed_columns_is_no_axis(tmp_path):
    """'Repetition frequency: 80 MHz' as the last header line above unnamed wavelength and
    counts columns is a setting, not the x column's name: the spectrum is read in nm."""
    from dackit.io.textcols import read_columns

    path = tmp_path / "pl.txt"
    nm = np.linspace(600.0, 720.0, 50)
    np.savetxt(path, np.c_[nm, np.ones(50)], header="Repetition frequency: 80 MHz", comments="")
    sp = read_columns(path)
    assert sp.x_unit == "nm" and float(sp.x[0]) == pytest.approx(600.0)


@pytest.mark.parametrize("header, unit", [("Frequency-doubled Nd:YAG excitation", "nm"),
                                          ("Frequency (THz) Counts (a.u.)", "eV")])
def test_a_header_line_above_unnamed_columns(tmp_path, header, unit):
    """A header line that does not split into the columns names a frequency axis only when it
    starts with it and gives THz; prose about a frequency-doubled laser is no axis."""
    from dackit.io.textcols import read_columns

    path = tmp_path / "pl.txt"
    x = np.linspace(600.0, 720.0, 50) if unit == "nm" else 299792.458 / np.linspace(720.0, 600.0, 50)
    np.savetxt(path, np.c_[x, np.ones(50)], header=header, comments="")
    assert read_columns(path).x_unit == unit
