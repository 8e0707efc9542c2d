"""Detector images kept gzip-compressed (.cbf.gz, .edf.gz, as synchrotron archives store them)
are integrated as they are; a gzip file holding anything else is still refused by name."""
import gzip
import time

import numpy as np
import pytest

from cli_helpers import run_json


def _ring_image(path):
    """A 300×300 CBF or TIFF (fabio's writers) with two rings about the centre, built with numpy."""
    import fabio

    y, x = np.mgrid[:300, :300]
    r = np.hypot(y - 150.0, x - 150.0)
    img = (20 + 800 * np.exp(-0.5 * ((r - 60) / 1.5) ** 2) + 400 * np.exp(-0.5 * ((r - 100) / 1.5) ** 2)).astype(np.int32)
    kind = fabio.cbfimage.CbfImage if path.suffix == ".cbf" else fabio.tifimage.TifImage
    kind(data=img).write(str(path))
    return path


def _poni(path):
    path.write_text('poni_version: 2\nDetector: Detector\nDetector_config: {"pixel1": 0.000172, '
                    '"pixel2": 0.000172, "max_shape": [300, 300]}\nDistance: 0.2\nPoni1: 0.0258\n'
                    "Poni2: 0.0258\nRot1: 0\nRot2: 0\nRot3: 0\nWavelength: 4e-11\n")
    return path


@pytest.mark.parametrize("suffix", [".cbf", ".tif"])
def test_gzipped_image_integrates_like_the_plain_file(tmp_path, suffix):
    # a gzipped TIFF once made fabio print to stdout, which broke --json
    plain = _ring_image(tmp_path / f"rings{suffix}")
    packed = tmp_path / f"rings_gz{suffix}.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    poni = _poni(tmp_path / "g.poni")
    outs = []
    for src in (plain, packed):
        code, rows, err = run_json("xrd", "integrate", src, "--poni", poni, "--out", tmp_path / "out")
        assert code == 0, err
        outs.append(np.loadtxt(rows[0]["output"]))
    assert np.array_equal(outs[0], outs[1])


def test_gzipped_text_is_still_refused_by_name(tmp_path):
    packed = tmp_path / "pattern.xy.gz"
    packed.write_bytes(gzip.compress(b"# 2theta I\n1.0 2.0\n1.1 3.0\n" * 50))
    code, rows, err = run_json("xrd", "integrate", packed, "--poni", _poni(tmp_path / "g.poni"),
                               "--out", tmp_path / "out")
    assert code == 2 and "gzip" in rows[0]["error"], rows


def test_muting_fabio_from_threads_leaves_stdout_alone(tmp_path):
    """redirect_stdout swaps the process-wide sys.stdout: readers in thread workers entering and
    leaving it out of order left stdout redirected for good (`dackit run` with threads lost its
    JSON summary). Plain files are not muted at all; compressed ones one at a time."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from dackit.io.images import fabio_stdout_muted

    before = sys.stdout

    def enter(name):
        with fabio_stdout_muted(tmp_path / name):
            time.sleep(0.01)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(enter, [f"f{i}.{'tif.gz' if i % 2 else 'tif'}" for i in range(64)]))
    assert sys.stdout is before
