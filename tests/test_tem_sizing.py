"""TEM: reading, detection round trips, statistics, real HAADF images, CLI."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli
from dackit.errors import DackitError, InputError
from dackit.tem import (ZNSE_111_NM, detect_particles, fit_size_distribution, make_tem_image,
                        read_tem_image, shell_thickness, simulate_tem, size_statistics)


@pytest.mark.parametrize("contrast,seed", [("bright", 0), ("dark", 1), ("bright", 2)])
def test_round_trip_touching(contrast, seed):
    # 150 particles, 30 % in contact with another; the mean of 150 diameters with SD 0.6 nm
    # scatters by 0.05 nm (0.8 %), far inside the 3 % budget; count must be within 5 %.
    sim = simulate_tem(150, 6.2, 0.6, 0.25, touching_fraction=0.3, noise=0.1, contrast=contrast,
                       seed=seed)
    det = detect_particles(sim.image, 0.25, contrast="auto")
    assert abs(det.n - 150) <= 0.05 * 150
    assert det.diameters_nm.mean() == pytest.approx(sim.diameters_nm.mean(), rel=0.03)
    feret = det.table.loc[det.table.accepted]
    assert np.all(feret.feret_max_nm >= feret.feret_min_nm)
    # disks: Feret diameters bracket the equivalent diameter on average
    assert feret.feret_min_nm.mean() <= feret.diameter_nm.mean() <= feret.feret_max_nm.mean()


def test_projected_spheres_with_low_level():
    # HAADF of spheres: intensity ∝ chord, so the half-contrast edge under-sizes; level 0.2
    # puts the boundary at r = R·√(1 − 0.2²) ≈ 0.98 R before blur, which the PSF offsets
    sim = simulate_tem(150, 6.2, 0.6, 0.25, touching_fraction=0.3, noise=0.05, seed=1,
                       profile="sphere")
    half = detect_particles(sim.image, 0.25, contrast="bright", level=0.5)
    low = detect_particles(sim.image, 0.25, contrast="bright", level=0.2)
    assert half.diameters_nm.mean() < 0.93 * sim.diameters_nm.mean()
    # the default fits each radial profile (thickness^p, blurred) and finds the sphere's rim
    default = detect_particles(sim.image, 0.25, contrast="bright")
    assert default.diameters_nm.mean() == pytest.approx(sim.diameters_nm.mean(), rel=0.03)
    assert any("p = 0.4" in n or "p = 0.5" in n or "p = 0.6" in n for n in default.verdict.notes), \
        default.verdict.notes
    assert low.diameters_nm.mean() == pytest.approx(sim.diameters_nm.mean(), rel=0.03)
    assert abs(low.n - 150) <= 7


def test_small_particles():
    # 6 px across: the plateau level keeps the boundary at half contrast despite the blur
    sim = simulate_tem(150, 6.0, 0.6, 1.0, touching_fraction=0.3, noise=0.1, seed=3)
    det = detect_particles(sim.image, 1.0, contrast="bright")
    # unsplit pairs are now rejected (each holds two particles), not counted as one
    assert abs(det.n + 2 * (det.table.reason == "cluster").sum() - 150) <= 7
    assert det.verdict.quality == "doubtful"  # 6 px across: the level sets the size
    assert det.diameters_nm.mean() == pytest.approx(sim.diameters_nm.mean(), rel=0.03)


def test_watershed_needed_for_touching():
    sim = simulate_tem(80, 8.0, 0.5, 0.4, touching_fraction=0.6, noise=0.05, seed=5)
    split = detect_particles(sim.image, 0.4, contrast="bright")
    merged = detect_particles(sim.image, 0.4, contrast="bright", split=False, min_solidity=0)
    assert abs(split.n - 80) <= 4
    assert merged.n < split.n - 10  # without watershed touching pairs count as one


def test_edge_particles_rejected():
    sim = simulate_tem(20, 8.0, 0.3, 0.5, touching_fraction=0, noise=0.05, seed=4)
    img = sim.image[:, : sim.image.shape[1] // 2]  # cut through particles at the new edge
    det = detect_particles(img, 0.5, contrast="bright")
    assert (det.table.reason == "edge").sum() >= 1
    assert np.all(det.diameters_nm > 6.0)  # no half particle counted


def test_statistics_and_fits():
    rng = np.random.default_rng(0)
    d = rng.lognormal(np.log(6.0), 0.15, 2000)
    s = size_statistics(d)
    assert s.se_nm == pytest.approx(s.sd_nm / np.sqrt(2000))
    g, ln = fit_size_distribution(d, "gaussian"), fit_size_distribution(d, "lognormal")
    assert ln.aic < g.aic  # the true form wins
    assert ln.params["sigma_log"] == pytest.approx(0.15, abs=4 * ln.stderr["sigma_log"])
    from scipy import stats
    shape, _, scale = stats.lognorm.fit(d, floc=0)
    assert ln.params["sigma_log"] == pytest.approx(shape, rel=1e-6)
    assert np.exp(ln.params["mu_log"]) == pytest.approx(scale, rel=1e-6)


def test_shell_thickness_study_numbers():
    # study: core 2.5 ± 0.1 nm, core/shell 6.2 ± 0.1 nm (SE) → ≈ 1.9 nm ≈ 6 monolayers
    from dackit.tem.stats import SizeStats
    t = shell_thickness(SizeStats(300, 2.5, 1.7, 0.1, 2.5), SizeStats(300, 6.2, 1.7, 0.1, 6.2))
    assert t.thickness_nm == pytest.approx(1.85)
    assert t.thickness_nm_err == pytest.approx(np.hypot(0.1, 0.1) / 2)
    assert ZNSE_111_NM == pytest.approx(0.327, abs=5e-4)
    assert round(t.monolayers) == 6


def test_real_jeol_dm4(real_data):
    img = read_tem_image(real_data / "tem" / "JEOL_HAADF.dm4")
    assert img.pixel_nm == pytest.approx(1.249, abs=1e-3)
    det = detect_particles(img)
    assert det.contrast == "bright"
    assert 12 <= det.n <= 18
    assert 7 < np.median(det.diameters_nm) < 13


def test_real_sio2_hspy(real_data):
    img = read_tem_image(real_data / "tem" / "SiO2_HAADF.hspy")
    assert img.pixel_nm == pytest.approx(8.55, abs=0.01)
    det = detect_particles(img)
    # ~180 spheres of which ~20 cut by the edges; most touch their neighbours, and the
    # clumps the watershed cannot split are rejected and reported
    assert 100 <= det.n <= 190
    assert any("unsplit cluster" in n for n in det.verdict.notes)
    assert 40 < np.median(det.diameters_nm) < 70


def test_pixel_override_and_missing_calibration(tmp_path, real_data):
    img = read_tem_image(real_data / "tem" / "JEOL_HAADF.dm4", pixel_nm=2.0)
    assert img.pixel_nm == 2.0 and img.calibration == "given"
    from skimage import io as skio
    png = tmp_path / "plain.png"
    skio.imsave(png, (np.random.default_rng(0).random((40, 40)) * 255).astype(np.uint8),
                check_contrast=False)
    with pytest.raises(InputError, match="--pixel-nm"):
        read_tem_image(png)
    assert read_tem_image(png, pixel_nm=0.5).pixel_nm == 0.5


def test_tiff_with_imagej_calibration(tmp_path):
    import tifffile
    sim = simulate_tem(15, 8.0, 0.4, 0.5, seed=7)
    path = tmp_path / "cal.tif"
    tifffile.imwrite(path, sim.image.astype(np.float32), imagej=True, resolution=(2.0, 2.0),
                     metadata={"unit": "nm"})
    img = read_tem_image(path)
    assert img.pixel_nm == pytest.approx(0.5)
    assert detect_particles(img, contrast="bright").n == 15


def test_multipage_tiff_says_which_page_was_measured(tmp_path):
    """A 5-frame stack (ISO TR 19672's reference TIFFs) was measured on its first page without
    a word about the other four."""
    import tifffile
    first = simulate_tem(15, 8.0, 0.4, 0.5, seed=7).image.astype(np.float32)
    frames = [first, first[::-1], first[:, ::-1]]
    path = tmp_path / "stack.tif"
    for frame in frames:  # one page each (a (3, h, w) array would be one planar RGB page)
        tifffile.imwrite(path, frame, append=True)
    notes = detect_particles(read_tem_image(path, pixel_nm=0.5), contrast="bright").verdict.to_dict()
    assert any("holds 3 images" in n for n in notes["quality_notes"]), notes
    single = tmp_path / "one.tif"
    tifffile.imwrite(single, frames[0])
    notes = detect_particles(read_tem_image(single, pixel_nm=0.5), contrast="bright").verdict.to_dict()
    assert not any("images of this size" in n for n in notes["quality_notes"]), notes


@pytest.mark.parametrize("compression", ["tiff_lzw", "jpeg"])
def test_lzw_and_jpeg_tiff_read_without_imagecodecs(tmp_path, compression):
    # microscope software often writes LZW; tifffile alone needs imagecodecs for it
    from PIL import Image
    sim = simulate_tem(15, 8.0, 0.4, 0.5, seed=7)
    grey = np.clip((sim.image - sim.image.min()) / np.ptp(sim.image) * 255, 0, 255).astype(np.uint8)
    path = tmp_path / f"{compression}.tif"
    Image.fromarray(grey).save(path, compression=compression, dpi=(2.0 * 2.54e7, 2.0 * 2.54e7))
    img = read_tem_image(path, pixel_nm=0.5)
    error = np.abs(img.data - grey)
    if compression == "tiff_lzw":      # lossless
        assert error.max() == 0
    else:                              # lossy on pixel noise, right on average
        assert error.mean() < 8
    assert detect_particles(img, contrast="bright").n == 15


@pytest.mark.parametrize("tag, text, expected", [
    # Zeiss SmartSEM: an upper-case key line, then "label = value unit" (as in GM 59_20.tif
    # of biolographer/NanoparticlesSAM, whose resolution tags say 1 pixel per unit)
    (34118, "\r\nAP_IMAGE_PIXEL_SIZE\r\nImage Pixel Size = 4.466 nm\r\n", 4.466),
    (34118, "\r\nAP_IMAGE_PIXEL_SIZE\r\nImage Pixel Size = 2.5 \u00b5m\r\n", 2500.0),
    # FEI/Thermo Fisher Helios: an INI block, PixelWidth in metres
    (34682, "[User]\r\nDate=01/01/2020\r\n[Scan]\r\nPixelWidth=1.25e-009\r\nPixelHeight=1.25e-009\r\n", 1.25),
])
def test_tiff_with_sem_vendor_calibration(tmp_path, tag, text, expected):
    import tifffile
    path = tmp_path / "sem.tif"
    img = (np.random.default_rng(1).random((64, 64)) * 255).astype(np.uint8)
    tifffile.imwrite(path, img, resolution=(1, 1),
                     extratags=[(tag, "s", 0, text.encode("latin-1"), True)])
    got = read_tem_image(path)
    assert got.pixel_nm == pytest.approx(expected)
    assert got.calibration == "file"
    # a pixel size given by the user still wins
    assert read_tem_image(path, pixel_nm=0.7).pixel_nm == 0.7


@pytest.mark.parametrize("content", [b"", b"not an image at all"])
def test_bad_files(tmp_path, content):
    for ext in (".dm4", ".tif", ".png", ".hspy"):
        p = tmp_path / f"bad{ext}"
        p.write_bytes(content)
        with pytest.raises(DackitError, match="bad"):
            read_tem_image(p, pixel_nm=1.0)


def test_bad_arrays():
    with pytest.raises(InputError, match="NaN"):
        make_tem_image(np.full((32, 32), np.nan), 1.0)
    with pytest.raises(InputError, match="uniform"):
        make_tem_image(np.ones((32, 32)), 1.0)
    with pytest.raises(InputError, match="2D"):
        make_tem_image(np.ones(100), 1.0)
    with pytest.raises(InputError, match="positive"):
        make_tem_image(np.random.default_rng(0).random((32, 32)), -1.0)
    with pytest.raises(InputError, match="contrast"):
        detect_particles(np.random.default_rng(0).random((32, 32)), 1.0, contrast="grey")
    with pytest.raises(InputError):
        size_statistics([])
    with pytest.raises(InputError):
        size_statistics([1.0, np.nan])


def test_cli_size_json_and_failures(tmp_path, real_data):
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"xx")
    res = CliRunner().invoke(cli, ["tem", "size", str(real_data / "tem" / "JEOL_HAADF.dm4"),
                                   str(bad), "--json", "--plot", str(tmp_path / "fig")])
    assert res.exit_code == 2
    rows = json.loads(res.stdout[res.stdout.index("["):])
    assert set(rows[0]) == {"file", "n", "mean_nm", "sd_nm", "se_nm", "median_nm", "quality",
                            "quality_notes"}
    assert any("calibration" in n for n in rows[0]["quality_notes"])
    assert "bad.tif" in rows[1]["error"]
    assert (tmp_path / "fig" / "JEOL_HAADF_tem.png").is_file()


def test_cli_pixel_nm_and_contrast(tmp_path):
    import tifffile
    sim = simulate_tem(40, 6.0, 0.5, 0.25, touching_fraction=0.2, contrast="dark", seed=9)
    path = tmp_path / "bf.tif"
    tifffile.imwrite(path, sim.image.astype(np.float32))
    res = CliRunner().invoke(cli, ["tem", "size", str(path), "--pixel-nm", "0.25",
                                   "--contrast", "dark", "--json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout)[0]
    assert row["n"] == pytest.approx(40, abs=2)
    assert row["mean_nm"] == pytest.approx(sim.diameters_nm.mean(), rel=0.03)
