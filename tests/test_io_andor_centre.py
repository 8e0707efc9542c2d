"""An Andor Solis ``.asc`` names no column, but its settings give the spectrograph's centre
wavelength: an x axis that misses it is not in nm (issue 10: a misread axis is a silent
wrong number). The files are built here with numpy, in Andor's layout: data, then settings.
"""
import json

import numpy as np
import pytest

from cli_helpers import run_dackit
from dackit.io import read_spectrum

SETTINGS = ("Date and Time:                Wed May 10 18:15:18.000 2023\n"
            "Exposure Time (secs):         2\n"
            "Wavelength (nm):              {centre}\n"
            "Grating Groove Density (l/mm):1200.03\n"
            "Grating Blaze:                750nm\n")


def _asc(tmp_path, x, y, centre, name="spec.asc"):
    path = tmp_path / name
    rows = "".join(f"{a:.5f}\t{b:.1f}\n" for a, b in zip(x, y))
    path.write_text(rows + "\n\n" + SETTINGS.format(centre=centre))
    return path


def _band(x_nm, centre_nm, fwhm_ev=0.09, seed=0):
    """A PL band Gaussian in photon energy, with counting noise."""
    e, e0 = 1239.84 / x_nm, 1239.84 / centre_nm
    mean = 200 + 5000 * np.exp(-4 * np.log(2) * ((e - e0) / fwhm_ev) ** 2)
    return np.random.default_rng(seed).poisson(mean).astype(float)


def test_pl_band_in_raman_shift_is_not_read_as_nm(tmp_path):
    # a PL band recorded with the spectrograph at 610 nm, exported as Raman shift 1300-2300
    # cm-1: read as nm it looked like a clean band at 1800 nm with quality ok
    x = np.linspace(1300, 2300, 1024)
    path = _asc(tmp_path, x, _band(x, 1800.0), centre="610.00")
    spectrum = read_spectrum(path)
    assert spectrum.x_unit == "raman_cm-1" and "610" in spectrum.metadata["x_unit_note"]
    code, out, err = run_dackit("pl", path, "--pressure", "0", "--json")
    row = json.loads(out)["peaks"][0]
    assert code == 2 and "Raman shift" in row["error"] and "610" in row["error"], (row, err)


def test_ruby_in_raman_shift_converts_with_the_laser(tmp_path):
    # ruby R1 694.60 nm / R2 693.20 nm excited at 660 nm, exported as Raman shift
    laser = 660.0
    lam = np.linspace(688.0, 700.0, 800)
    y = (200 + 6000 / (1 + ((lam - 694.60) / 0.25) ** 2) + 3000 / (1 + ((lam - 693.20) / 0.25) ** 2))
    y = np.random.default_rng(1).poisson(y).astype(float)
    shift = 1e7 / laser - 1e7 / lam
    path = _asc(tmp_path, shift[::-1], y[::-1], centre="694.00")
    # without the laser: a named refusal, not R1 read at 'shift nm'
    code, out, _ = run_dackit("ruby", path, "--json")
    assert code == 2 and "--laser-nm" in json.loads(out)[0]["error"]
    code, out, err = run_dackit("ruby", path, "--laser-nm", str(laser), "--json")
    assert code == 0, err
    row = json.loads(out)[0]
    # counting noise on 6000 counts puts R1 within a few 1e-3 nm
    assert row["r1_nm"] == pytest.approx(694.60, abs=0.01)


def test_wavelength_axis_through_the_centre_stays_nm(tmp_path):
    x = np.linspace(560.0, 660.0, 1024)
    path = _asc(tmp_path, x, _band(x, 600.0), centre="610.00")
    spectrum = read_spectrum(path)
    assert spectrum.x_unit == "nm" and "x_unit_note" not in spectrum.metadata


def test_pixel_and_absolute_wavenumber_axes(tmp_path):
    pix = np.arange(1024, dtype=float)
    spectrum = read_spectrum(_asc(tmp_path, pix, _band(600 + pix / 10, 650.0), centre="650.0", name="p.asc"))
    assert spectrum.x_unit == "pixel"
    wn = np.linspace(15000, 16500, 1024)   # 606-667 nm, through 1e7/650 = 15385 cm-1
    spectrum = read_spectrum(_asc(tmp_path, wn, _band(1e7 / wn, 640.0), centre="650.0", name="w.asc"))
    assert spectrum.x_unit == "cm-1"


def test_wavelength_without_a_grating_is_not_a_centre(tmp_path):
    # "Wavelength (nm): 532" alone may be the laser; no grating setting, no inference
    x = np.linspace(560.0, 660.0, 512)
    path = tmp_path / "s.txt"
    path.write_text("Wavelength (nm): 532\n" + "".join(f"{a:.4f}\t{b:.1f}\n" for a, b in zip(x, _band(x, 600.0))))
    assert read_spectrum(path).x_unit == "nm"
