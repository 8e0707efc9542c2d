"""The q unit of an unlabelled curve read from the detector geometry in its header
(`dackit.saxs.qstep`): BioXTAS RAW 2.x titles its column only 'Q' and writes λ, pixel size and
distance in a JSON footer; one bin per pixel there means Å⁻¹."""
import json

import numpy as np
import pytest

from dackit.saxs.analysis import analyse_saxs, load_saxs
from dackit.saxs.qstep import header_geometry, pixel_q_step

D_A = 58.38  # silver behenate d001 (Blanton et al., Powder Diffr. 10, 91 (1995))
WAVELENGTH_A, PIXEL_M, DISTANCE_M = 1.0, 172e-6, 2.0


def _raw2_file(path, q_written, q_true, seed=3):
    """A RAW 2.x-style .dat of a three-order lamellar curve: the data, then the JSON footer."""
    rng = np.random.default_rng(seed)
    q1 = 2 * np.pi / D_A
    lines = sum(h * np.exp(-0.5 * ((q_true - n * q1) / 0.0015) ** 2) for n, h in ((1, 400.0), (2, 60.0), (3, 20.0)))
    i = 0.05 / q_true ** 2 + 2.0 + lines
    sigma = 0.01 * i
    i = i + rng.normal(0, sigma)
    footer = {"calibration_params": {"Detector_X_Pixel_Size": PIXEL_M * 1e6, "Detector_Y_Pixel_Size": PIXEL_M * 1e6,
                                     "Sample-to-detector distance (mm)": DISTANCE_M * 1e3,
                                     "Wavelength (A)": WAVELENGTH_A},
              "raw_version": "2.2.1", "unit": ""}
    body = "\n".join(f"{a:.8E}  {b:.8E}  {c:.8E}" for a, b, c in zip(q_written, i, sigma))
    footer_lines = "\n".join("#" + line for line in json.dumps(footer, indent=4).splitlines())
    path.write_text(f"### DATA:\n#\n# {q_true.size}\n#      Q             I(Q)           Error\n{body}\n\n"
                    f"### HEADER:\n#\n{footer_lines}\n")


def _one_bin_per_pixel(lo, hi, bins_per_pixel=1.0):
    step = float(pixel_q_step(0.5 * (lo + hi), WAVELENGTH_A, PIXEL_M, DISTANCE_M)) / bins_per_pixel
    return np.arange(lo, hi, step)


def test_raw2_footer_geometry_is_read():
    header = ['"calibration_params": {', '"Detector_X_Pixel_Size": 75.0,', '"Detector_Y_Pixel_Size": 75.0,',
              '"Sample-to-detector distance (mm)": 1644.7,', '"Wavelength (A)": 0.928964', '},']
    assert header_geometry(header) == pytest.approx((0.928964, 75e-6, 1.6447))
    # pyFAI's header: metres, the distance key before 'Sample to Detector'
    pyfai = ["Distance Sample to Detector: 2.0 m", "PixelSize: 1.72e-04, 1.72e-04 m", "Wavelength: 1e-10 m"]
    assert header_geometry(pyfai) == pytest.approx((1.0, 172e-6, 2.0))
    # a unit is read after the value on its own line only ('mask_file' below is no metre)
    assert header_geometry(['"Detector_X_Pixel_Size": 75.0,', 'm ask_file: x'] + header[3:]) == pytest.approx(
        (0.928964, 75e-6, 1.6447))
    # no distance, or two pixel sizes that differ: nothing is decided
    assert header_geometry(header[:3] + header[4:]) is None
    assert header_geometry(['"Detector_X_Pixel_Size": 75.0,', '"Detector_Y_Pixel_Size": 150.0,'] + header[3:]) is None


def test_one_bin_per_pixel_in_inverse_angstrom_states_the_unit(tmp_path):
    # on main the file was 'doubtful: the file does not state the q unit' for a range
    # (0.03-0.4) that could be nm⁻¹, though its q step is exactly one pixel's in Å⁻¹
    q = _one_bin_per_pixel(0.03, 0.4)
    path = tmp_path / "agbeh_raw2.dat"
    _raw2_file(path, q, q)
    pat = load_saxs(path)
    assert not pat.metadata.get("q_unit_assumed")
    assert any("one pixel" in n and "read as Å⁻¹" in n for n in pat.reader_notes)
    res = analyse_saxs(pat)
    assert res.mesophase == "lamellar"
    assert res.lattice_a == pytest.approx(D_A, rel=0.005)
    assert not any("does not state the q unit" in n for n in res.quality_notes)


@pytest.mark.parametrize("bins_per_pixel", [1.0, 3.0])
def test_curve_in_inverse_nm_stays_unstated(tmp_path, bins_per_pixel):
    # the same geometry with q written in nm⁻¹: read as Å⁻¹ the step is 10 (or 3.3) pixels'
    # worth, which decides nothing, so the unit doubt stays
    q = _one_bin_per_pixel(0.03, 0.4, bins_per_pixel)
    path = tmp_path / "agbeh_raw2_nm.dat"
    _raw2_file(path, q * 10, q)
    pat = load_saxs(path)
    assert pat.metadata.get("q_unit_assumed")
    res = analyse_saxs(pat)
    assert res.quality == "doubtful"
    assert any("does not state the q unit" in n for n in res.quality_notes)
