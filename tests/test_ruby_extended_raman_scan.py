"""A header-less ruby spectrum from an extended Raman scan: 100 cm⁻¹ up to the ruby lines
(~4430 cm⁻¹ from a 532 nm laser), as Raman spectrometers record a whole range in one file.

Its numbers cover 688–760 too, so the axis was read as nm even with ``--laser-nm 532``: R1
was searched among 688–760 cm⁻¹, where a sample band gave R1 = 705.0 nm and 31.7 GPa (doubtful
only through its shape) beside the ruby's 3.1 GPa. An axis reaching beyond any optical
spectrometer (> 1700 "nm") is no wavelength axis: with the laser it is a Raman shift; without
one it is refused, naming ``--laser-nm``. The ruby lines are real (alexisforestier/myPRL R7.txt
of the optics corpus, a 532 nm Raman shift); the low-shift part is flat counting noise at the
file's baseline with one sharp band at 705 cm⁻¹.
"""
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import run_json

R7 = Path(__file__).parent / "corpus" / "optics" / "myprl_R7.txt"


def _extended_scan(tmp_path: Path) -> Path:
    shift, counts = np.loadtxt(R7, unpack=True)
    step = float(np.median(np.diff(shift)))
    low = np.arange(100.0, shift[0] - step / 2, step)
    base = float(np.median(counts[:50]))
    band = 3000.0 / (1 + ((low - 705.0) / 1.0) ** 2)  # a sample Raman band, FWHM 2 cm⁻¹
    noisy = np.random.default_rng(11).poisson(base + band).astype(float)
    out = tmp_path / "ruby_extended_532.txt"
    np.savetxt(out, np.c_[np.r_[low, shift], np.r_[noisy, counts]], fmt="%.2f\t%g")
    return out


def test_the_laser_reads_an_extended_scan_as_raman_shift(tmp_path):
    _, ref, _ = run_json("ruby", R7, "--laser-nm", "532")
    code, out, err = run_json("ruby", _extended_scan(tmp_path), "--laser-nm", "532")
    assert code == 0, err
    assert out[0]["r1_nm"] == pytest.approx(ref[0]["r1_nm"], abs=1e-3)
    assert out[0]["pressure_gpa"] == pytest.approx(ref[0]["pressure_gpa"], abs=0.01)
    assert any("Raman shift" in n for n in out[0]["quality_notes"])


def test_without_the_laser_an_extended_scan_is_refused_naming_it(tmp_path):
    code, out, _ = run_json("ruby", _extended_scan(tmp_path))
    assert code == 2 and "--laser-nm" in out[0]["error"], out
