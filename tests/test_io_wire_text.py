"""Renishaw WiRE text exports of map, depth and time-series data: ``#X #Y #Wave #Intensity``.

WiRE names its spectral axis ``#Wave`` without a unit and writes the point's coordinates
before it. dackit took column 0 (the stage X) as x and refused the file as "1023 duplicate x
values (first -1.5 nm)"; with the axis found, ``#Y`` (a coordinate) was taken for the signal.
The spectrum here is a real ruby spectrum (alexisforestier/myPRL R7.txt in the optics corpus,
Raman shift from a 532 nm laser), laid out the way WiRE writes it (descending shift).
"""
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import run_json
from dackit.io import read_spectrum

R7 = Path(__file__).parent / "corpus" / "optics" / "myprl_R7.txt"


def _wire(path: Path, points: list[tuple[float, float]], names="#X\t#Y\t#Wave\t#Intensity"):
    shift, counts = np.loadtxt(R7, unpack=True)
    with open(path, "w") as fh:
        fh.write(names + "\n")
        for k, (x, y) in enumerate(points):
            for s, c in zip(shift[::-1], counts[::-1] * (1 + 0.1 * k)):
                fh.write(f"{x:.1f}\t{y:.1f}\t{s:.4f}\t{c:.6f}\n")
    return path


def test_single_point_map_export_reads_wave_and_intensity(tmp_path):
    sp = read_spectrum(_wire(tmp_path / "map1.txt", [(-1.5, 2.0)]))
    shift, counts = np.loadtxt(R7, unpack=True)
    assert sp.metadata["x_column"] == "#Wave" and sp.metadata["y_column"] == "#Intensity"
    assert np.allclose(np.sort(sp.x), np.sort(shift), atol=1e-4)
    assert np.allclose(np.sort(sp.y), np.sort(counts), rtol=1e-6)


def test_single_point_map_export_gives_the_two_column_pressure(tmp_path):
    f = _wire(tmp_path / "map1.txt", [(-1.5, 2.0)])
    _, plain, _ = run_json("ruby", R7, "--laser-nm", "532")
    code, out, err = run_json("ruby", f, "--laser-nm", "532")
    assert code == 0, err
    # the same numbers in another layout: the same R1 (0.0001 nm is the file's rounding)
    assert out[0]["r1_nm"] == pytest.approx(plain[0]["r1_nm"], abs=1e-3)
    assert out[0]["quality"] == plain[0]["quality"] == "ok"


def test_time_series_export_with_one_spectrum_reads_wave(tmp_path):
    f = _wire(tmp_path / "series.txt", [(12.0, 0.0)], names="#Time\t#Z\t#Wave\t#Intensity")
    sp = read_spectrum(f)
    assert sp.metadata["x_column"] == "#Wave" and sp.metadata["y_column"] == "#Intensity"


def test_map_export_with_several_spectra_is_refused_by_name(tmp_path):
    f = _wire(tmp_path / "map2.txt", [(-1.5, 2.0), (-0.5, 2.0)])
    code, out, err = run_json("ruby", f, "--laser-nm", "532")
    assert code == 2 and "error" in out[0]
    assert "2 spectra" in out[0]["error"] and "one spectrum per file" in out[0]["error"]
