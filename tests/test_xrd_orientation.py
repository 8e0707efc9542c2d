"""Images whose PONI gives no detector orientation (PONI v1/v2, old Dioptas): `xrd lattice`
tries the image flipped up–down when the image as read does not index (issue 10: the default
command on Dioptas' CeO2 Pilatus image and PONI gave a = 5.152 Å, doubtful).

The test image is built here with numpy and pyFAI's own pixel 2θ (not dackit's simulator):
CeO2 rings (Bragg's law at a = 5.411651 Å; relative line intensities from dackit's
structure-factor table) on the geometry of the PONI, stored upside down as old Dioptas saw it.
"""
import numpy as np
import pytest

from cli_helpers import run_json
from conftest import REAL

A_CEO2 = 5.411651
LAM = 0.4
PONI_V1 = ("PixelSize1: 0.0002\nPixelSize2: 0.0002\nDistance: 0.1\nPoni1: 0.025\nPoni2: 0.04\n"
           "Rot1: 0.0\nRot2: 0.0\nRot3: 0.0\nWavelength: 4e-11\n")


def _stored_upside_down(tmp_path):
    import tifffile
    from pyFAI.integrator.azimuthal import AzimuthalIntegrator
    from pyFAI.detectors import Detector

    from dackit.xrd.phases import fluorite
    from dackit.xrd.structure_factor import reflections

    det = Detector(pixel1=2e-4, pixel2=2e-4, max_shape=(400, 400))
    ai = AzimuthalIntegrator(dist=0.1, poni1=0.025, poni2=0.04, detector=det, wavelength=LAM * 1e-10)
    tth = np.degrees(ai.twoThetaArray((400, 400)))
    img = np.full((400, 400), 50.0)
    table = reflections(fluorite(a=A_CEO2), LAM, float(tth.max()))
    for row in table.itertuples():
        centre = np.degrees(2 * np.arcsin(LAM / (2 * row.d_a)))
        img += 3000.0 * row.intensity / table.intensity.max() * np.exp(-0.5 * ((tth - centre) / 0.03) ** 2)
    img = np.random.default_rng(0).poisson(img).astype(np.float32)
    path = tmp_path / "ceo2_upside_down.tif"
    tifffile.imwrite(path, np.flipud(img))
    return path


def _old_dioptas(tmp_path):
    """The upside-down image and a PONI v1 (no orientation) calibrated on it flipped."""
    poni = tmp_path / "old_dioptas.poni"
    poni.write_text(PONI_V1)
    return _stored_upside_down(tmp_path), poni


def test_image_calibrated_flipped_is_indexed_flipped_with_a_note(tmp_path):
    image, poni = _old_dioptas(tmp_path)
    code, rows, err = run_json("xrd", "lattice", image, "--poni", poni, "--phase", "ceo2")
    assert code == 0, err
    row = rows[0]
    assert row["quality"] == "ok" and abs(row["a_angstrom"] - A_CEO2) < 0.002, row
    assert any("integrated flipped up-down" in n for n in row["quality_notes"])
    # the wrong phase is not rescued by the flip: still never ok
    code, rows, err = run_json("xrd", "lattice", image, "--poni", poni, "--phase", "lab6")
    assert code == 2 or rows[0]["quality"] == "doubtful", rows


def test_a_poni_with_orientation_is_taken_at_its_word(tmp_path):
    """PONI v2.1 states the orientation: no flipped retry, the mismatch stays a failure."""
    image = _stored_upside_down(tmp_path)
    poni = tmp_path / "v21.poni"
    poni.write_text('poni_version: 2.1\nDetector: Detector\nDetector_config: {"pixel1": 0.0002, '
                    '"pixel2": 0.0002, "max_shape": [400, 400], "orientation": 3}\nDistance: 0.1\n'
                    "Poni1: 0.025\nPoni2: 0.04\nRot1: 0.0\nRot2: 0.0\nRot3: 0.0\nWavelength: 4e-11\n")
    code, rows, err = run_json("xrd", "lattice", image, "--poni", poni, "--phase", "ceo2")
    assert code == 2 or rows[0]["quality"] == "doubtful", rows
    if code == 0:
        assert not any("flipped" in n for n in rows[0]["quality_notes"])


def test_dioptas_ceo2_image_default_command(tmp_path):
    """The Dioptas CeO2 Pilatus 1M image with its own PONI and no --flip-ud (NIST SRM 674b)."""
    if not REAL.is_dir():
        pytest.skip(f"real data folder {REAL} is absent")
    d = REAL / "dioptas"
    code, rows, err = run_json("xrd", "lattice", d / "CeO2_Pilatus1M.tif", "--poni", d / "CeO2_Pilatus1M.poni",
                               "--phase", "ceo2")
    assert code == 0, err
    assert rows[0]["quality"] == "ok" and abs(rows[0]["a_angstrom"] - 5.411651) < 0.002, rows[0]


def test_phases_on_an_image_calibrated_flipped(tmp_path):
    image, poni = _old_dioptas(tmp_path)
    code, rows, err = run_json("xrd", "phases", image, "--poni", poni, "--candidates", "ceo2,lab6")
    assert code == 0, err
    ce, la = rows[0]["phases"]
    assert ce["present"] and abs(ce["a_angstrom"] - A_CEO2) < 0.002 and not la["present"], rows[0]
    assert any("integrated flipped up-down" in n for n in rows[0]["quality_notes"])
