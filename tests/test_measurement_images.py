"""dackit.experiment.measurement_images: rings drawn where the PONI geometry puts that 2θ, a cake
whose ring sits at the 2θ it was painted at, and TEM outlines around the particles painted.

Images and geometry are built here with numpy and a hand-written PONI (flat detector, no
rotation: 2θ = atan(r / distance)), not with dackit's simulators.
"""
import numpy as np
import pytest

from dackit.experiment.measurement import Marker
from dackit.experiment.measurement_images import cake_view, detector_view, tem_view

PIXEL, DIST, SHAPE = 2.0e-4, 0.1, (300, 320)
PONI1, PONI2 = 0.0301, 0.0322


def _settings(tmp_path) -> dict:
    poni = tmp_path / "flat.poni"
    poni.write_text("poni_version: 2.1\nDetector: Detector\n"
                    f'Detector_config: {{"pixel1": {PIXEL}, "pixel2": {PIXEL}, "orientation": 3, '
                    f'"max_shape": [{SHAPE[0]}, {SHAPE[1]}]}}\n'
                    f"Distance: {DIST}\nPoni1: {PONI1}\nPoni2: {PONI2}\nRot1: 0\nRot2: 0\nRot3: 0\n"
                    "Wavelength: 6.199e-11\n")
    return {"poni": str(poni), "mask": None, "flip_ud": False, "bins": 400, "unit": "2th_deg",
            "corrections": {}, "wavelength_a": 0.6199}


def _twotheta(rows, cols):
    """2θ (deg) of pixel centres on a flat detector normal to the beam."""
    r = np.hypot((np.asarray(rows) + 0.5) * PIXEL - PONI1, (np.asarray(cols) + 0.5) * PIXEL - PONI2)
    return np.degrees(np.arctan(r / DIST))


def _image(tmp_path, ring_deg):
    import tifffile

    rows, cols = np.mgrid[0:SHAPE[0], 0:SHAPE[1]]
    image = 10.0 + 1000.0 * np.exp(-0.5 * ((_twotheta(rows, cols) - ring_deg) / 0.15) ** 2)
    path = tmp_path / "ring.tif"
    tifffile.imwrite(path, image.astype(np.float32))
    return path


def test_rings_follow_the_geometry(tmp_path):
    settings = _settings(tmp_path)
    path = _image(tmp_path, 12.0)
    view = detector_view(path, settings, [Marker(8.0, "a 111", "a"), Marker(12.0, "a 200", "a"),
                                          Marker(80.0, "off the detector", "a")])
    assert view.shape == SHAPE and view.image.shape == SHAPE and view.step == 1
    labels = {o.label for o in view.outlines}
    assert labels == {"a 111", "a 200"}       # a ring off the detector draws nothing
    for o in view.outlines:
        expected = float(o.label == "a 111") * 8.0 + float(o.label == "a 200") * 12.0
        # outline points are in pixel-index coordinates (x = column, y = row)
        assert np.allclose(_twotheta(o.y, o.x), expected, atol=0.02)


def test_cake_ring_sits_at_its_twotheta(tmp_path):
    settings = _settings(tmp_path)
    cake = cake_view(_image(tmp_path, 12.0), settings, azimuth_bins=36)
    assert cake.intensity.shape == (36, cake.radial.size) and cake.unit == "2th_deg"
    profile = np.nanmean(cake.intensity, axis=0)
    assert cake.radial[np.nanargmax(profile)] == pytest.approx(12.0, abs=0.1)
    # the ring is seen at every azimuth the detector covers
    covered = np.isfinite(cake.intensity).sum(axis=1) > 0
    peaks = cake.radial[np.nanargmax(np.where(np.isfinite(cake.intensity[covered]),
                                               cake.intensity[covered], -np.inf), axis=1)]
    assert np.allclose(peaks, 12.0, atol=0.15)


def _tem_image(folder, radius=14.0):
    """16 dark discs of ``radius`` px on a bright film with white noise."""
    import tifffile

    rng = np.random.default_rng(2)
    rows, cols = np.mgrid[0:400, 0:400]
    centres = [(60 + 90 * i, 60 + 90 * j) for i in range(4) for j in range(4)]
    image = np.full((400, 400), 200.0)
    for r0, c0 in centres:
        image[np.hypot(rows - r0, cols - c0) <= radius] = 60.0
    image += rng.normal(0, 3.0, image.shape)
    path = folder / "tem.tif"
    tifffile.imwrite(path, image.astype(np.float32))
    return path, centres


TEM_SETTINGS = {"pixel_nm": 0.25, "contrast": "dark", "level": None}


def test_tem_outlines_surround_the_particles(tmp_path):
    radius = 14.0
    path, centres = _tem_image(tmp_path, radius)
    view = tem_view(path, TEM_SETTINGS)
    assert len(view.outlines) == len(centres)
    for o in view.outlines:
        cy, cx = np.mean(o.y), np.mean(o.x)
        nearest = min(centres, key=lambda c: np.hypot(c[0] - cy, c[1] - cx))
        assert np.hypot(nearest[0] - cy, nearest[1] - cx) < 1.0
        assert np.mean(np.hypot(o.y - cy, o.x - cx)) == pytest.approx(radius, abs=1.5)
    # the sizes are those of the discs painted: 2 × 14 px × 0.25 nm/px
    assert view.sizes_nm.size == len(centres)
    assert np.allclose(view.sizes_nm, 2 * radius * 0.25, rtol=0.06)


def test_mask_is_drawn_where_it_masks(tmp_path):
    mask = np.zeros(SHAPE, dtype=np.uint8)
    mask[10:40, 200:260] = 1      # a beam-stop shadow, off-centre so a transposed mask fails
    np.save(tmp_path / "mask.npy", mask)
    settings = {**_settings(tmp_path), "mask": str(tmp_path / "mask.npy")}
    view = detector_view(_image(tmp_path, 12.0), settings)
    assert view.mask is not None and view.mask.shape == view.image.shape
    assert np.array_equal(view.mask, mask.astype(bool))


# CeO2, NIST SRM 674b: a = 5.411651 Å (fluorite, Fm-3m: hkl all odd or all even)
CEO2_A = 5.411651
CEO2_HKL_SUM = (3, 4, 8, 11)          # 111, 200, 220, 311


def test_calibrant_rings_at_the_calibrants_d_spacings(tmp_path):
    from dackit.experiment.measurement_images import calibrant_markers

    lam = 0.6199
    d = CEO2_A / np.sqrt(CEO2_HKL_SUM)
    settings = {**_settings(tmp_path), "calibration": {"calibrant": "CeO2", "wavelength_a": lam}}
    markers = calibrant_markers(settings)
    assert [m.x for m in markers[:4]] == pytest.approx(np.degrees(2 * np.arcsin(lam / (2 * d))), abs=1e-6)
    assert {m.group for m in markers} == {"calibrant CeO2"}
    saxs = calibrant_markers({**settings, "unit": "q_A^-1"})
    assert [m.x for m in saxs[:4]] == pytest.approx(2 * np.pi / d, rel=1e-9)
    assert calibrant_markers(_settings(tmp_path)) == []          # a PONI file: no calibrant to draw
    # on the detector each ring is the contour of its 2θ
    view = detector_view(_image(tmp_path, 12.0), settings, markers)
    drawn = {o.label for o in view.outlines}
    corner = float(_twotheta(SHAPE[0] - 1, SHAPE[1] - 1))     # the detector reaches 23.7°
    assert drawn == {m.label for m in markers if m.x < corner} and len(drawn) == 5
    by_label = {m.label: m.x for m in markers}
    for o in view.outlines:
        assert np.allclose(_twotheta(o.y, o.x), by_label[o.label], atol=0.02)
