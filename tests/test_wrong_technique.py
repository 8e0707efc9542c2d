"""A file of the wrong technique is named, not analysed into a doubtful number: a micrograph
given to `dackit xrd integrate`/`xrd lattice`/`saxs peaks`, a wide-angle diffraction pattern
given to `dackit saxs peaks`. Only strong evidence refuses: detector images and SAXS curves
(the corpora of those commands stay as they are) go through."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import run_json
from dackit.errors import InputError
from dackit.io.kinds import refuse_diffraction_for_saxs, refuse_micrograph
from dackit.io.signatures import micrograph_evidence
from dackit.xrd.geometry import Geometry, write_poni

CORPUS = Path(__file__).parent / "corpus"
JPEG = CORPUS / "tem" / "stem_arda_Cu4.jpg"        # HAADF-STEM micrograph (tem corpus)
SEM_TIFF = CORPUS / "tem" / "sem_gm59_20.tif"      # Zeiss SEM TIFF (CZ_SEM tag, palette)
XRD_XY = CORPUS / "xrd" / "lab6_p49_001_pyfai.xy"  # pyFAI .xy of LaB6, 2θ in degrees


@pytest.fixture
def poni(tmp_path):
    g = Geometry(dist_m=0.2, poni1_m=0.05, poni2_m=0.05, wavelength_a=0.4066, pixel1_m=1e-4, pixel2_m=1e-4,
                 shape=(640, 640))
    return write_poni(g, tmp_path / "cal.poni")


@pytest.mark.parametrize("micrograph", [JPEG, SEM_TIFF], ids=["stem-jpeg", "zeiss-sem-tiff"])
def test_micrograph_to_xrd_integrate_is_named(tmp_path, poni, micrograph):
    code, rows, err = run_json("xrd", "integrate", micrograph, "--poni", poni, "--out", tmp_path / "xy")
    assert code == 2
    msg = rows[0]["error"]
    assert str(micrograph) in msg and "micrograph" in msg and "dackit tem size" in msg
    assert "Traceback" not in err
    assert not list((tmp_path / "xy").glob("*"))


def test_micrograph_to_xrd_lattice_and_saxs_peaks_is_named(poni):
    code, rows, _ = run_json("xrd", "lattice", JPEG, "--poni", poni, "--phase", "si")
    assert code == 2 and "micrograph" in rows[0]["error"] and "dackit xrd lattice" in rows[0]["error"]
    code, rows, _ = run_json("saxs", "peaks", SEM_TIFF, "--poni", poni)
    assert code == 2 and "Zeiss SEM" in rows[0]["error"] and "dackit tem size" in rows[0]["error"]


def test_grey_8bit_tiff_is_integrated_but_doubtful(tmp_path, poni):
    """8-bit grey levels alone are weak evidence (no metadata): integrated, with a doubt."""
    tifffile = pytest.importorskip("tifffile")
    from dackit.io.images import read_image

    grey = tmp_path / "grey.tif"
    tifffile.imwrite(grey, read_image(JPEG).astype(np.uint8))
    assert micrograph_evidence(grey)[0] == [] and micrograph_evidence(grey)[1]
    code, rows, err = run_json("xrd", "integrate", grey, "--poni", poni, "--out", tmp_path / "xy")
    assert code == 0, err
    assert rows[0]["quality"] == "doubtful"
    assert any("8-bit" in n and "tem size" in n for n in rows[0]["quality_notes"])


@pytest.mark.parametrize("dtype", [np.uint16, np.int32, np.float32])
def test_detector_image_is_not_refused(tmp_path, poni, dtype):
    """Powder rings in 16/32-bit counts (numpy-built): no evidence, no doubt from this check."""
    tifffile = pytest.importorskip("tifffile")
    yy, xx = np.mgrid[0:640, 0:640]
    r = np.hypot(yy + 0.5 - 500, xx + 0.5 - 500)
    img = 50 + sum(4000 * np.exp(-0.5 * ((r - r0) / 2.0) ** 2) for r0 in (120, 200, 260, 330))
    f = tmp_path / "rings.tif"
    tifffile.imwrite(f, np.random.default_rng(0).poisson(img).astype(dtype))
    assert micrograph_evidence(f) == ([], [])
    assert refuse_micrograph(f) == []
    code, rows, err = run_json("xrd", "integrate", f, "--poni", poni, "--out", tmp_path / "xy")
    assert code == 0, err
    assert not any("micrograph" in n for n in rows[0]["quality_notes"])


def test_real_pilatus_image_has_no_micrograph_evidence():
    f = Path(__file__).parents[3] / "shared" / "data" / "real" / "dioptas" / "CeO2_Pilatus1M.tif"
    if not f.exists():
        f = Path("/work/shared/data/real/dioptas/CeO2_Pilatus1M.tif")
    if not f.exists():
        pytest.skip("shared real data absent")
    assert micrograph_evidence(f) == ([], [])


def test_xrd_pattern_to_saxs_peaks_is_named():
    """LaB6 (pyFAI .xy in 2θ) was indexed 'sc' with quality ok by saxs peaks. (The 11-BM
    Si + Al2O3 .fxye, 'ia3d' doubtful before, is refused the same way: see
    test_powder_pattern_refused_before_the_joint_fit.)"""
    pattern = XRD_XY
    code, rows, err = run_json("saxs", "peaks", pattern)
    assert code == 2, rows
    msg = rows[0]["error"]
    assert str(pattern) in msg and "wide-angle X-ray diffraction" in msg and "dackit xrd" in msg
    assert "on a 2θ axis" in msg


def test_powder_pattern_refused_before_the_joint_fit():
    """The screen of find_peaks sees the locally confirmed peaks before the joint fit of all
    peaks with the background (a minute on this 20 000-point 11-BM pattern; the refusal now
    comes after the local fits, ~7 s)."""
    from dackit.saxs.analysis import load_saxs
    from dackit.saxs.peaks import find_peaks

    f = CORPUS / "xrd" / "si640d_al2o3_676a_11bmb_8341_to20deg.fxye"
    seen = []

    class Stop(Exception):
        pass

    def screen(qs):
        seen.extend(qs)
        raise Stop

    with pytest.raises(Stop):
        find_peaks(load_saxs(f), screen=screen)
    assert len(seen) >= 10 and min(seen) > 1.0  # Si 111 at 2.00 Å⁻¹, Al2O3 012 at 1.81 Å⁻¹
    with pytest.raises(InputError, match="wide-angle X-ray diffraction"):
        refuse_diffraction_for_saxs(f, seen)


def test_saxs_curves_are_not_refused(tmp_path):
    """Silver-behenate-like lamellar orders (q = 0.1076·n Å⁻¹) in q, and the same curve on a
    Cu Kα 2θ axis, are SAXS: analysed, not refused."""
    q = np.linspace(0.02, 0.7, 1400)
    y = 30 * (q / 0.02) ** -2.5 + 2
    for n in range(1, 7):
        y += 400 / n * np.exp(-0.5 * ((q - 0.1076 * n) / 0.002) ** 2)
    y = np.random.default_rng(2).poisson(y * 50) / 50
    f = tmp_path / "agbeh.dat"
    np.savetxt(f, np.c_[q, y, np.sqrt(y / 50 + 1e-4)], header="q_A^-1 I sigma")
    code, rows, err = run_json("saxs", "peaks", f)
    assert code == 0, err
    assert rows[0]["mesophase"] == "lamellar"
    lam = 1.5406
    tth = np.degrees(2 * np.arcsin(q * lam / (4 * np.pi)))
    g = tmp_path / "agbeh_2th.xy"
    np.savetxt(g, np.c_[tth, y], header=f"wavelength_a = {lam}\n2th_deg I")
    code, rows, err = run_json("saxs", "peaks", g, "--wavelength", str(lam))
    assert code == 0, err


def test_refuse_diffraction_rule():
    refuse_diffraction_for_saxs("a.dat", [1.2, 1.5])             # two peaks: not enough evidence
    refuse_diffraction_for_saxs("a.dat", [0.9, 1.5, 2.0, 2.5])   # one mesoscale peak: SAXS/WAXS
    refuse_diffraction_for_saxs("a.dat", [])
    with pytest.raises(InputError, match="a.dat: all 3 peaks"):
        refuse_diffraction_for_saxs("a.dat", [1.2, 1.5, 2.4])


def test_imagej_length_calibration_is_a_micrograph(tmp_path, poni):
    """16-bit counts, but ImageJ says the pixels are nanometres: a micrograph."""
    tifffile = pytest.importorskip("tifffile")
    f = tmp_path / "calibrated.tif"
    tifffile.imwrite(f, np.zeros((64, 64), np.uint16), imagej=True, metadata={"unit": "nm"})
    with pytest.raises(InputError, match=r"calibrated.tif: this looks like a micrograph.*unit=nm"):
        refuse_micrograph(f)


def test_detector_image_calibrated_in_microns_is_not_a_micrograph(tmp_path):
    """A Pilatus frame saved from ImageJ with its 172 µm pixel pitch as the calibration is
    detector counts; the same file with 20 nm pixels in µm is a micrograph."""
    tifffile = pytest.importorskip("tifffile")
    counts = np.random.default_rng(0).poisson(50, (64, 64)).astype(np.float32)
    f = tmp_path / "pilatus_fiji.tif"
    tifffile.imwrite(f, counts, imagej=True, resolution=(1 / 172.0, 1 / 172.0), metadata={"unit": "micron"})
    assert refuse_micrograph(f) == []
    g = tmp_path / "sem_fiji.tif"
    tifffile.imwrite(g, counts, imagej=True, resolution=(50.0, 50.0), metadata={"unit": "micron"})
    with pytest.raises(InputError, match="unit=micron"):
        refuse_micrograph(g)


@pytest.mark.parametrize("command", [("pl", "--pressure", "1"), ("tauc",), ("ruby",)], ids=["pl", "tauc", "ruby"])
@pytest.mark.parametrize("pattern", ["cpd1a_fluorite_zincite_corundum_pyobjcryst.prn", "al2o3_si_mythen_30c_pdcifplotter.xye"],
                         ids=["2theta-5-150", "2theta-0-150"])
def test_diffraction_pattern_to_optics_is_named(command, pattern):
    """A 2θ pattern with no unit header is read as 'nm': 5–150° gave `dackit pl` a 26 eV "band"
    (doubtful), 0–150° only "wavelengths must be positive nm". No optical spectrum ends at or
    below 150 nm or reaches 0 nm: refused, naming the diffraction pattern (cross19)."""
    f = CORPUS / "xrd" / pattern
    code, rows, err = run_json(command[0], f, *command[1:])
    assert code == 2
    row = (rows["peaks"] if isinstance(rows, dict) else rows)[0]
    assert "quality" not in row
    msg = row["error"]
    assert str(f) in msg and "taken as nm" in msg and "diffraction pattern" in msg, msg


def test_q_pattern_beyond_the_wavelengths_reach_is_named():
    """A q pattern (Ni xPDF, Fit2D .chi, q to 34.95 Å⁻¹, no wavelength in the file) given a
    wavelength whose 4π/λ (30.4 Å⁻¹ at 0.4133 Å) is shorter than its q range: 2θ is NaN there,
    and `xrd lattice` ended in "unexpected ValueError: cannot convert float NaN to integer".
    Now a named error; at the file's own λ = 0.1 Å (4π/λ = 125.7 Å⁻¹) the check stays silent."""
    f = CORPUS / "xrd" / "ni_xpdf_fit2d_q_pyscattdata.chi"
    code, rows, err = run_json("xrd", "lattice", f, "--phase", "ceo2", "--wavelength", "0.4133")
    assert code == 2
    msg = rows[0]["error"]
    assert str(f) in msg and "beyond 4π/λ = 30.4" in msg and "unexpected" not in msg, msg
    _, rows, err = run_json("xrd", "lattice", f, "--phase", "ceo2", "--wavelength", "0.1")
    assert "4π/λ" not in json.dumps(rows) and "unexpected" not in err


@pytest.mark.parametrize("command", [("pl", "--pressure", "1"), ("tauc",), ("ruby",)], ids=["pl", "tauc", "ruby"])
@pytest.mark.parametrize("pattern", ["cucr2o4_cuo_11bm_7k_gsas2seqtut.fxye", "lab6_nist660_cu_gsas2tutorial.gsas"])
def test_gsas_pattern_to_optics_is_named(command, pattern):
    """A GSAS powder file's x (2θ in centidegrees, 50–2600 on an 11-BM scan) falls in the
    optical nm range: read as columns, `dackit pl` gave a 1660 nm "band" (doubtful). The BANK
    record after the title names it."""
    f = CORPUS / "xrd" / pattern
    code, rows, err = run_json(command[0], f, *command[1:])
    assert code == 2
    msg = (rows["peaks"] if isinstance(rows, dict) else rows)[0]["error"]
    assert str(f) in msg and "GSAS powder diffraction file" in msg and "dackit xrd" in msg, msg
