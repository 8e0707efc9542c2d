"""Calibration by a burned-in scale bar (`dackit tem size --scale-bar-nm`).

Real bars from two microscope makers, whose pixel size is known without the bar
(tests/corpus/tem/scalebars.toml), and bars drawn here with numpy in the styles software
uses: plain, capped, thick, with the label inside, vertical, blurred, beside text strokes
and on a framed banner.
"""
from __future__ import annotations

import numpy as np
import pytest
from corpus_manifest import load_cases, within
from scipy import ndimage as ndi

from dackit.errors import InputError
from dackit.tem.io import read_tem_image
from dackit.tem.scalebar import find_scale_bar, scale_bar_to_pixel_nm

CASES = load_cases("tem", "scalebars.toml")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_real_bars_give_the_known_pixel_size(case):
    img = read_tem_image(case["path_on_disk"], scale_bar_nm=case["bar_nm"])
    expected = case["expected"]["pixel_nm"]
    assert img.calibration == "scale bar"
    assert within(img.pixel_nm, expected, "pixel_nm", case["tolerance"]), (img.pixel_nm, expected)


def _field(shape=(400, 600), seed=0, background=150.0, particle=60.0):
    """Bright-field micrograph: dark blurred disks of ~20 px on a noisy grey film."""
    rng = np.random.default_rng(seed)
    rows, cols = np.indices(shape)
    img = np.full(shape, background)
    for _ in range(40):
        r, c = rng.uniform(20, shape[0] - 60), rng.uniform(20, shape[1] - 20)
        img[(rows - r) ** 2 + (cols - c) ** 2 < rng.uniform(8, 12) ** 2] = particle
    img = ndi.gaussian_filter(img, 1.0)
    return img + rng.normal(0, 4, shape)


def _blurred_bar(img, r0, r1, c0, c1, value, sigma=0.8):
    """Paint a bar with sub-pixel ends c0, c1 (float) and blur it as a JPEG export does."""
    layer = np.zeros_like(img)
    cols = np.arange(img.shape[1])
    cover = np.clip(np.minimum(cols + 1 - c0, c1 - cols), 0, 1)
    layer[r0:r1] = cover
    layer = ndi.gaussian_filter(layer, sigma)
    return img * (1 - layer) + value * layer


def test_plain_bar_length_to_a_fraction_of_a_pixel():
    img = _blurred_bar(_field(), 370, 376, 400.3, 520.6, 255.0)
    bar = find_scale_bar(img)
    assert bar.orientation == "horizontal" and bar.polarity == "bright"
    assert bar.length_px == pytest.approx(120.3, abs=0.3)
    pixel, _ = scale_bar_to_pixel_nm(img, 100.0)
    assert pixel == pytest.approx(100.0 / 120.3, rel=0.003)


def test_capped_bar_on_a_framed_banner_runs_between_the_caps_centres():
    img = _field(seed=1)
    img[340:, :] = 0.0                        # banner
    img[340, :] = img[-1, :] = 255.0          # its frame touches the border
    img[:, 0] = img[:, -1] = 255.0
    img[365:367, 30:110] = 255.0              # the line, 2 px thick
    img[358:374, 30:32] = 255.0               # caps 2 px wide, centres 31 and 109
    img[358:374, 108:110] = 255.0
    bar = find_scale_bar(img)
    assert bar.cap_px == pytest.approx(2.0)
    assert bar.length_px == pytest.approx(78.0, abs=0.3)


def test_thick_bar_with_its_label_written_inside():
    img = _field(seed=2)
    img[370:384, 420:560] = 0.0               # black bar 140 x 14 (3.5 % of the height)
    for k in range(4):                        # white label strokes inside it
        img[373:381, 440 + 25 * k:444 + 25 * k] = 255.0
    bar = find_scale_bar(img)
    assert bar.polarity == "dark"
    assert bar.length_px == pytest.approx(140.0, abs=0.5)


def test_jeol_style_bar_of_aspect_under_four():
    img = _field(seed=3)
    img[372:385, 450:500] = 255.0             # 50 x 13
    assert find_scale_bar(img).length_px == pytest.approx(50.0, abs=0.5)


def test_vertical_bar():
    img = _field(seed=4)
    img[90:260, 560:590] = 150.0              # the bar is drawn over the film
    img[100:250, 570:576] = 0.0
    bar = find_scale_bar(img)
    assert bar.orientation == "vertical"
    assert bar.length_px == pytest.approx(150.0, abs=0.5)


def test_text_strokes_are_not_the_bar():
    img = _field(seed=5)
    img[372:378, 300:400] = 255.0             # the bar, 100 px
    for c in (420, 450):                       # "=" signs of 22 px beside it
        img[371:373, c:c + 22] = 255.0
        img[376:378, c:c + 22] = 255.0
    bar = find_scale_bar(img)
    assert bar.length_px == pytest.approx(100.0, abs=0.5)
    assert len(bar.others) == 4


def test_coloured_bar_on_a_grey_rgb_export():
    grey = _field(seed=10)
    rgb = np.repeat(grey[..., None], 3, axis=-1)
    rgb[372:378, 300:410] = [230.0, 150.0, 70.0]  # orange: 150 in grey, the film's own level
    bar = find_scale_bar(rgb)
    assert bar.polarity == "coloured"
    assert bar.length_px == pytest.approx(110.0, abs=0.5)


def test_no_bar_is_a_named_error():
    with pytest.raises(InputError, match="no scale bar found"):
        find_scale_bar(_field(seed=6), source="particles.png")


def test_two_bars_of_different_lengths_are_ambiguous():
    img = _field(seed=7)
    img[372:378, 50:150] = 255.0
    img[372:378, 300:380] = 255.0
    with pytest.raises(InputError, match="bar-like objects of different lengths"):
        find_scale_bar(img)


def test_options_conflict_and_bad_length(tmp_path):
    from skimage import io

    path = tmp_path / "bar.png"
    img = _field(seed=8)
    img[372:378, 300:420] = 255.0
    io.imsave(path, np.clip(img, 0, 255).astype(np.uint8), check_contrast=False)
    with pytest.raises(InputError, match="not both"):
        read_tem_image(path, pixel_nm=1.0, scale_bar_nm=100.0)
    with pytest.raises(InputError, match="not a positive number"):
        read_tem_image(path, scale_bar_nm=-5.0)
    assert read_tem_image(path, scale_bar_nm=120.0).pixel_nm == pytest.approx(1.0, rel=0.01)


def _write_field_with_bar(tmp_path, length):
    from skimage import io

    rng = np.random.default_rng(9)
    rows, cols = np.indices((500, 700))
    img = np.full((500, 700), 160.0)
    for r in np.arange(40, 430, 45):
        for c in np.arange(40, 680, 45):
            img[(rows - r - rng.uniform(-3, 3)) ** 2 + (cols - c) ** 2 < 14 ** 2] = 50.0
    img = ndi.gaussian_filter(img, 1.0) + rng.normal(0, 3, img.shape)
    img[470:476, 600 - length:600] = 255.0
    path = tmp_path / f"bar{length}.png"
    io.imsave(path, np.clip(img, 0, 255).astype(np.uint8), check_contrast=False)
    return path


def test_size_through_the_bar_and_a_short_bar_is_doubtful(tmp_path):
    from dackit.tem.detect import detect_particles
    from dackit.tem.stats import size_statistics

    long_bar = read_tem_image(_write_field_with_bar(tmp_path, 140), scale_bar_nm=70.0)
    det = detect_particles(long_bar, contrast="dark")
    notes = " ".join(det.verdict.notes)
    assert "from the 70 nm" in notes and "scale bar is only" not in notes
    # disks of radius 14 px at 0.5 nm per pixel: 14 nm across, whatever the edge model
    assert size_statistics(det.diameters_nm).mean_nm == pytest.approx(14.0, rel=0.05)
    short = read_tem_image(_write_field_with_bar(tmp_path, 30), scale_bar_nm=15.0)
    det = detect_particles(short, contrast="dark")
    assert det.verdict.quality == "doubtful"
    assert any("scale bar is only 30" in n and "px long" in n for n in det.verdict.notes)


def test_bar_against_the_files_calibration():
    case = next(c for c in CASES if c["id"] == "zeiss-capped-bar-300nm")
    from dackit.tem.detect import detect_particles

    wrong_label = read_tem_image(case["path_on_disk"], scale_bar_nm=200.0)
    det = detect_particles(wrong_label)
    assert det.verdict.quality == "doubtful"
    assert any("the scale bar gives" in n and "file's calibration 4.466" in n for n in det.verdict.notes)


def test_a_files_override_replaces_the_runs_calibration():
    from dackit.experiment.analyses import settings_with_override

    run = {"pixel_nm": None, "scale_bar_nm": 100.0, "contrast": "auto"}
    own = settings_with_override(run, {"pixel_nm": 0.3})
    assert own["pixel_nm"] == 0.3 and own["scale_bar_nm"] is None
    run = {"pixel_nm": 0.3, "scale_bar_nm": None, "contrast": "auto"}
    own = settings_with_override(run, {"scale_bar_nm": 50.0})
    assert own["pixel_nm"] is None and own["scale_bar_nm"] == 50.0
