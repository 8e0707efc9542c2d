"""A detector calibration that is not a PONI (GSAS-II .imctrl, Fit2D geometry) given to --poni
is refused with its name and what to do, never integrated with guessed axes or pixel size."""
import numpy as np
import pytest

from cli_helpers import run_dackit, run_json
from corpus_manifest import CORPUS
from dackit.errors import InputError
from dackit.xrd.geometry import foreign_calibration, read_poni

IMCTRL = CORPUS / "xrd" / "si_free_dc800_gsas2tutorial.imctrl"  # GSAS-II tutorial, unchanged


def _ring_image(path):
    """A 256×256 TIFF with one ring about the centre (numpy, not dackit's simulator)."""
    import fabio

    y, x = np.mgrid[:256, :256]
    r = np.hypot(y - 128.0, x - 128.0)
    img = 50.0 + 1000.0 * np.exp(-0.5 * ((r - 60.0) / 1.5) ** 2)
    fabio.tifimage.TifImage(data=img.astype(np.float32)).write(str(path))
    return path


def test_real_gsas2_imctrl_is_named_with_its_values(tmp_path):
    with pytest.raises(InputError) as exc:
        read_poni(IMCTRL)
    msg = str(exc.value)
    assert "GSAS-II image controls" in msg and "799.996" in msg and "0.241591903732" in msg
    assert "dackit xrd calibrate" in msg and "--pixel-um" in msg  # the .imctrl has no pixel size


@pytest.mark.parametrize("command", [["xrd", "integrate"], ["xrd", "lattice"]])
def test_imctrl_as_poni_is_a_clean_refusal_on_the_command_line(tmp_path, command):
    image = _ring_image(tmp_path / "ring.tif")
    extra = ["--out", tmp_path / "out"] if command[1] == "integrate" else ["--phase", "si"]
    code, out, err = run_dackit(*command, image, "--poni", IMCTRL, *extra)
    assert code == 2, (code, out, err)
    assert "GSAS-II image controls" in err and "Traceback" not in err


def test_imctrl_given_as_the_data_file_is_named():
    code, rows, err = run_json("xrd", "lattice", IMCTRL, "--phase", "si")
    assert code == 2 and "GSAS-II image controls" in rows[0]["error"], (rows, err)


@pytest.mark.parametrize("text", [
    # Fit2D's calibration report, as users copy it into a text file
    "Refined Beam centre = 1021.5 1024.3 (pixels)\nRefined sample to detector distance = 200.1 mm\n"
    "Refined wavelength = 0.4066 Angstroms\nRefined tilt plane rotation angle = 30.0 degrees\n"
    "Refined tilt angle = 0.3 degrees\n",
    # pyFAI's getFit2D() dictionary saved as JSON
    '{"directDist": 200.1, "centerX": 1021.5, "centerY": 1024.3, "tilt": 0.3, '
    '"tiltPlanRotation": 30.0, "pixelX": 172.0, "pixelY": 172.0}',
])
def test_fit2d_geometry_is_named(tmp_path, text):
    path = tmp_path / "geometry.txt"
    path.write_text(text)
    with pytest.raises(InputError, match="Fit2D geometry"):
        read_poni(path)


def test_real_ponis_are_not_taken_for_foreign_calibrations(tmp_path):
    # PONI v1 and v2 texts (pyFAI writers), whose keys overlap the GSAS-II ones (Distance, Wavelength)
    v1 = ("PixelSize1: 0.000172\nPixelSize2: 0.000172\nDistance: 0.2086\nPoni1: 0.0873\n"
          "Poni2: 0.0800\nRot1: -0.0184\nRot2: 0.0041\nRot3: 0\nWavelength: 4.066e-11\n")
    v2 = ('poni_version: 2\nDetector: Detector\nDetector_config: {"pixel1": 1e-4, "pixel2": 1e-4, '
          '"max_shape": null}\nDistance: 0.2\nPoni1: 0.1\nPoni2: 0.1\nRot1: 0.01\nRot2: 0.02\n'
          "Rot3: 0\nWavelength: 4e-11\n")
    for i, text in enumerate((v1, v2)):
        assert foreign_calibration(text) is None
        path = tmp_path / f"{i}.poni"
        path.write_text(text)
        assert read_poni(path).dist_m > 0
