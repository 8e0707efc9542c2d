"""A header-less ruby spectrum whose wavelengths are in Å, as peak-o-mat's example ruby files
store them (6920–6957, R1 at 6944.3). As nm the axis is beyond any optical spectrometer and is
refused; the refusal named Raman shifts, wavenumbers and eV but not Å, the unit the numbers
are in, so the user had no word of the header ("wavelength (Å)") that reads the file. The
numbers are not read as Å unasked: a Raman shift from a ~470 nm laser lands on the same range.
"""
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import run_json

R1_NM, R2_NM = 694.43, 693.015   # 0.5 GPa ruby; R2 1.415 nm below R1


def _doublet_in_angstrom(tmp_path: Path, header: str = "") -> Path:
    lam_a = np.arange(6920.0, 6957.0, 0.2)
    lam = lam_a / 10.0

    def line(c: float, w: float = 0.2) -> np.ndarray:
        return 1.0 / (1.0 + ((lam - c) / (w / 2)) ** 2)

    counts = 200.0 + 3000.0 * line(R1_NM) + 1500.0 * line(R2_NM)
    noisy = np.random.default_rng(3).poisson(counts).astype(float)
    out = tmp_path / "ruby_angstrom.txt"
    np.savetxt(out, np.c_[lam_a, noisy], fmt="%.3f\t%g", header=header, comments="")
    return out


def test_a_headerless_angstrom_axis_is_refused_naming_the_angstrom_header(tmp_path):
    code, out, _ = run_json("ruby", _doublet_in_angstrom(tmp_path))
    assert code == 2, out
    assert "wavelength (Å)" in out[0]["error"], out


def test_the_named_header_reads_the_angstrom_axis(tmp_path):
    code, out, err = run_json("ruby", _doublet_in_angstrom(tmp_path, "wavelength (Å)\tintensity"))
    assert code == 0, err
    assert out[0]["r1_nm"] == pytest.approx(R1_NM, abs=0.005)


def test_a_raman_shift_far_from_the_line_as_angstrom_gets_no_angstrom_hint(tmp_path):
    # ruby R1 from a 532 nm laser sits near 4400 cm-1: /10 is 440 "nm", nowhere near the line
    shift = np.arange(4000.0, 4800.0, 1.0)
    counts = 200.0 + 3000.0 / (1.0 + ((shift - 4395.0) / 5.0) ** 2)
    path = tmp_path / "raman_532.txt"
    np.savetxt(path, np.c_[shift, counts], fmt="%.1f\t%g")
    code, out, _ = run_json("ruby", path)
    assert code == 2 and "--laser-nm" in out[0]["error"] and "Å" not in out[0]["error"], out
