"""A header-less ruby spectrum recorded as a Raman shift from a He-Ne (632.8 nm) laser.

R1 then lies near 1400 cm⁻¹, numbers that pass for wavelengths (nm) of a NIR spectrometer;
dackit refused the file as "spans 1267–1540 nm ... wrong file or wrong wavelength
calibration?" without a word of --laser-nm (a 532 nm shift, ~4400 cm⁻¹, did name it). The
spectrum is real (alexisforestier/myPRL R7.txt of the optics corpus, a 532 nm Raman shift),
moved to the axis a 632.816 nm laser gives for the same wavelengths.
"""
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import run_json

R7 = Path(__file__).parent / "corpus" / "optics" / "myprl_R7.txt"
HENE_NM = 632.816


def _hene_file(tmp_path: Path) -> Path:
    shift_532, counts = np.loadtxt(R7, unpack=True)
    nm = 1e7 / (1e7 / 532.0 - shift_532)
    out = tmp_path / "ruby_hene.txt"
    np.savetxt(out, np.c_[1e7 / HENE_NM - 1e7 / nm, counts], fmt="%.5f\t%g")
    return out


def test_default_command_names_the_laser_option(tmp_path):
    code, out, err = run_json("ruby", _hene_file(tmp_path))
    assert code == 2 and "error" in out[0]
    msg = out[0]["error"]
    assert "--laser-nm" in msg and "632.8" in msg and "Raman shift" in msg


def test_with_the_laser_the_he_ne_axis_gives_the_532_nm_r1(tmp_path):
    _, ref, _ = run_json("ruby", R7, "--laser-nm", "532")
    code, out, err = run_json("ruby", _hene_file(tmp_path), "--laser-nm", str(HENE_NM))
    assert code == 0, err
    # the same wavelengths on another shift axis (rounded to 1e-5 cm-1 = 5e-7 nm)
    assert out[0]["r1_nm"] == pytest.approx(ref[0]["r1_nm"], abs=1e-4)
    assert out[0]["quality"] == "ok"


def test_an_axis_in_nm_that_misses_the_line_gets_no_laser_hint(tmp_path):
    # a PL band at 500-560 nm can be no Raman shift of the ruby line from these lasers
    x = np.linspace(500.0, 560.0, 600)
    y = 100 + 1000 * np.exp(-0.5 * ((x - 530.0) / 8.0) ** 2)
    f = tmp_path / "pl.txt"
    np.savetxt(f, np.c_[x, y], fmt="%.4f\t%.3f")
    code, out, _ = run_json("ruby", f)
    assert code == 2 and "--laser-nm" not in out[0]["error"]
