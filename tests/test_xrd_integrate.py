"""Images → patterns: PONI files, image reading, masks, flips, simulator round trips, CLI."""
import json

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.optimize import curve_fit

from dackit.cli import cli
from dackit.core import units
from dackit.core.lineshapes import pseudo_voigt
from dackit.errors import DackitError, InputError
from dackit.io.images import read_image, read_mask
from dackit.io.patterns import read_pattern
from dackit.xrd.geometry import Geometry, read_poni, write_poni
from dackit.xrd.integrate import Integrator, default_bins, hot_pixel_mask, integrate_image
from dackit.xrd.simulate import pilatus_gaps, simulate_image

LAM = 0.4066
CEO2_A = 5.41165  # NIST SRM 674b


def small_geometry(**kw):
    """A 400×400 Pilatus-pixel detector, beam near the centre, slightly tilted."""
    args = dict(dist_m=0.15, poni1_m=200.3 * 172e-6, poni2_m=190.7 * 172e-6, rot1=0.01, rot2=-0.005,
                wavelength_a=LAM, pixel1_m=172e-6, pixel2_m=172e-6, shape=(400, 400))
    args.update(kw)
    return Geometry(**args)


# -- PONI files ---------------------------------------------------------------------------

def test_read_poni_all_versions(real_data):
    d = real_data / "dioptas"
    g = read_poni(d / "CeO2_Pilatus1M.poni")                      # v1, PixelSize lines
    assert (g.pixel1_m, g.pixel2_m, g.wavelength_a) == (172e-6, 172e-6, 0.4066)
    assert g.dist_m == pytest.approx(0.208651380603) and g.orientation == 3
    v1 = read_poni(d / "LaB6_40keV_MarCCD.poni")                  # v1 holding two calibrations
    assert v1.dist_m == pytest.approx(0.196711580484)             # the last one counts, as in pyFAI
    assert v1.wavelength_a == pytest.approx(0.31) and v1.pixel1_m == 79e-6
    v21 = read_poni(d / "LaB6_40keV_MarCCD_new_with_orientation.poni")
    assert v21.orientation == 2 and v21.pixel2_m == 79e-6
    assert (v21.dist_m, v21.poni1_m, v21.rot1) == (v1.dist_m, v1.poni1_m, v1.rot1)


def test_poni_write_read_round_trip(tmp_path, real_data):
    for name in ("CeO2_Pilatus1M.poni", "LaB6_40keV_MarCCD_new_with_orientation.poni"):
        g = read_poni(real_data / "dioptas" / name).with_shape((1043, 981))
        back = read_poni(write_poni(g, tmp_path / name))
        for field in ("dist_m", "poni1_m", "poni2_m", "rot1", "rot2", "rot3", "wavelength_a",
                      "pixel1_m", "pixel2_m"):
            assert getattr(back, field) == pytest.approx(getattr(g, field), rel=1e-12), field
        assert (back.shape, back.orientation, back.detector) == (g.shape, g.orientation, g.detector)


GOOD_PONI = ("PixelSize1: 0.000172\nPixelSize2: 0.000172\nDistance: 0.2\nPoni1: 0.08\nPoni2: 0.08\n"
             "Rot1: 0\nRot2: 0\nRot3: 0\nWavelength: 4.066e-11\n")


@pytest.mark.parametrize("text,match", [
    (GOOD_PONI.replace("Wavelength: 4.066e-11\n", ""), "lacks Wavelength"),
    (GOOD_PONI.replace("Poni2: 0.08\n", ""), "lacks Poni2"),
    (GOOD_PONI.replace("4.066e-11", "0.4066"), "metres"),
    (GOOD_PONI.replace("Distance: 0.2", "Distance: 200"), "metres"),
    (GOOD_PONI.replace("PixelSize1: 0.000172\nPixelSize2: 0.000172\n", ""), "pixel size"),
    (GOOD_PONI.replace("Rot1: 0", "Rot1: zero"), "malformed"),
    ("", "lacks"),
])
def test_bad_poni(tmp_path, text, match):
    f = tmp_path / "bad.poni"
    f.write_text(text)
    with pytest.raises(InputError, match=match):
        read_poni(f)


def test_missing_poni_and_wrong_units_in_code(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_poni(tmp_path / "none.poni")
    with pytest.raises(InputError, match="looks like metres"):
        small_geometry(wavelength_a=4.066e-11)
    with pytest.raises(InputError, match="looks like nm"):
        small_geometry(wavelength_a=0.04066)
    with pytest.raises(InputError, match="pixel size"):
        small_geometry(pixel1_m=172.0)


# -- images --------------------------------------------------------------------------------

def test_read_real_images(real_data):
    d = real_data / "dioptas"
    img = read_image(d / "CeO2_Pilatus1M.tif")
    assert img.shape == (1043, 981) and img.dtype == float
    assert img.min() == -2                                  # Pilatus gaps and bad pixels
    spe = read_image(d / "CeO2_PI_CCD_Mo.SPE")              # Princeton SPE via fabio
    assert spe.shape == (1042, 1042) and spe.max() > 1000
    fe = read_image(d / "map_Fe3O4C" / "Fe3O4C_M1_map_1_P1_E1_001.tif")
    assert fe.shape == (1043, 981)


def test_read_hdf5_frames_and_edf(tmp_path):
    import fabio
    import h5py

    stack = np.arange(3 * 20 * 30, dtype=np.uint16).reshape(3, 20, 30)
    f = tmp_path / "scan.h5"
    with h5py.File(f, "w") as h5:
        h5.create_dataset("entry/instrument/detector/data", data=stack)
        h5.create_dataset("entry/other", data=np.zeros(5))
    np.testing.assert_array_equal(read_image(f, frame=2), stack[2])
    np.testing.assert_array_equal(read_image(f"{f}::/entry/instrument/detector/data", frame=1), stack[1])
    with pytest.raises(InputError, match="frame 3 out of range"):
        read_image(f, frame=3)
    with pytest.raises(InputError, match="no dataset"):
        read_image(f"{f}::/entry/nothing")
    edf = tmp_path / "x.edf"
    fabio.edfimage.EdfImage(data=stack[0].astype(np.float32)).write(str(edf))
    np.testing.assert_array_equal(read_image(edf), stack[0])


def test_bad_images(tmp_path, real_data):
    with pytest.raises(InputError, match="not found"):
        read_image(tmp_path / "none.tif")
    (tmp_path / "empty.tif").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_image(tmp_path / "empty.tif")
    (tmp_path / "text.tif").write_text("this is not an image\n" * 10)
    with pytest.raises(InputError, match="cannot read"):
        read_image(tmp_path / "text.tif")
    raw = (real_data / "dioptas" / "CeO2_Pilatus1M.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(raw[: len(raw) // 3])
    with pytest.raises(InputError):
        read_image(tmp_path / "cut.tif")


def test_mask_files(tmp_path):
    import fabio

    m = np.zeros((40, 50), dtype=np.uint8)
    m[5:9, 10:20] = 1
    np.save(tmp_path / "m.npy", m)
    fabio.tifimage.TifImage(data=m).write(str(tmp_path / "m.mask"))    # Dioptas masks are tifs
    for name in ("m.npy", "m.mask"):
        got = read_mask(tmp_path / name, shape=(40, 50))
        assert got.dtype == bool and got.sum() == 40
    with pytest.raises(InputError, match="shape"):
        read_mask(tmp_path / "m.npy", shape=(50, 40))


# -- integration of real data -----------------------------------------------------------

def test_ceo2_pilatus_matches_dioptas_only_when_flipped(real_data):
    d = real_data / "dioptas"
    ref = read_pattern(d / "CeO2_Pilatus1M.xy")            # Dioptas: 2th_deg, 1512 points
    image = read_image(d / "CeO2_Pilatus1M.tif")
    geometry = read_poni(d / "CeO2_Pilatus1M.poni")
    corr = {}
    for flip in (True, False):
        p = Integrator(geometry, shape=image.shape, bins=ref.x.size, flip_ud=flip).integrate(image)
        assert p.wavelength_a == 0.4066 and p.sigma is not None
        corr[flip] = np.corrcoef(np.interp(ref.x, p.x, p.intensity), ref.intensity)[0, 1]
    assert corr[True] >= 0.995
    assert corr[False] < 0.5


def test_integrate_image_one_call_and_default_bins(real_data):
    d = real_data / "dioptas"
    p = integrate_image(d / "CeO2_Pilatus1M.tif", d / "CeO2_Pilatus1M.poni", flip_ud=True)
    g = read_poni(d / "CeO2_Pilatus1M.poni")
    # Dioptas' rule: centre (Fit2D) x=487.26, y=512.55, shape (1043, 981) → sides 555.7 and
    # 512.6 px → int(2 × 756.0) = 1512, the length of Dioptas' own pattern of this image
    ref = read_pattern(d / "CeO2_Pilatus1M.xy")
    assert p.metadata["bins"] == default_bins(g, (1043, 981)) == ref.x.size == 1512
    # same image, default settings → Dioptas' pattern (0.988 with the former pixel-count rule)
    corr = np.corrcoef(np.interp(ref.x, p.x, p.intensity), ref.intensity)[0, 1]
    assert corr >= 0.995
    assert p.metadata["flip_ud"] is True
    # CeO2 (111) is the first strong ring: d = a/√3
    peak = p.x[np.argmax(np.where(p.x < 8, p.intensity, 0))]
    expected = units.d_to_twotheta(CEO2_A / np.sqrt(3), LAM)
    assert abs(peak - expected) < 2 * g.pixel_angle_deg


# -- simulator round trips -------------------------------------------------------------------

def _fit_peak(p, center, half_width):
    sel = np.abs(p.x - center) < half_width

    def model(x, c, h, w, eta, b0, b1):
        return pseudo_voigt(x, h, c, w, eta) + b0 + b1 * (x - c)

    popt, pcov = curve_fit(model, p.x[sel], p.intensity[sel], sigma=p.sigma[sel], absolute_sigma=True,
                           p0=[center, p.intensity[sel].max(), half_width / 3, 0.5, p.intensity[sel].min(), 0],
                           bounds=([-np.inf, 0, 1e-4, 0, -np.inf, -np.inf], [np.inf, np.inf, 5, 1, np.inf, np.inf]))
    return popt[0], np.sqrt(pcov[0, 0])


def test_tilted_cubic_rings_round_trip():
    """CeO2 rings through a tilted Pilatus 1M geometry come back at their Bragg angles."""
    geometry = Geometry(dist_m=0.2, poni1_m=0.09, poni2_m=0.08, rot1=0.03, rot2=-0.02,
                        wavelength_a=LAM, pixel1_m=172e-6, pixel2_m=172e-6, shape=(1043, 981))
    hkl = [(1, 1, 1), (2, 0, 0), (2, 2, 0), (3, 1, 1), (4, 0, 0)]
    tth = [float(units.d_to_twotheta(CEO2_A / np.sqrt(h * h + k * k + l * l), LAM)) for h, k, l in hkl]
    image = simulate_image([(t, 800.0, 0.08) for t in tth], geometry, seed=3, gaps=True)
    pix = geometry.pixel_angle_deg
    p = Integrator(geometry, bins=1500).integrate(image)
    for t in tth:
        c, err = _fit_peak(p, t, 0.3)
        # sub-pixel accuracy: a twentieth of a pixel, and consistent with the fit's noise
        assert abs(c - t) < 0.05 * pix
        assert abs(c - t) < 5 * err + 0.01 * pix
    # control: ignoring the tilt puts rings off by more than that, so the test can fail
    untilted = Geometry(**{**geometry.to_dict(), "rot1": 0.0, "rot2": 0.0})
    q = Integrator(untilted, bins=1500).integrate(image)
    assert max(abs(_fit_peak(q, t, 0.3)[0] - t) for t in tth) > 0.05 * pix


def test_flip_ud_is_np_flipud():
    g = small_geometry()
    img = simulate_image([(6.0, 300, 0.1), (9.0, 200, 0.1)], g, seed=5)
    plain = Integrator(g, bins=300).integrate(img)
    flipped = Integrator(g, bins=300, flip_ud=True).integrate(np.flipud(img))
    np.testing.assert_allclose(flipped.x, plain.x)
    np.testing.assert_allclose(flipped.intensity, plain.intensity, rtol=1e-5)
    wrong = Integrator(g, bins=300).integrate(np.flipud(img))
    assert np.max(np.abs(wrong.intensity - plain.intensity)) > 10


def test_sigma_is_poisson():
    """On a flat background the scatter of the pattern matches its σ (χ²/dof ≈ 1)."""
    g = small_geometry()
    p = Integrator(g, bins=200).integrate(simulate_image([], g, background=100.0, seed=11))
    inner = p.x < 0.8 * p.x.max()            # full bins only
    chi2 = np.mean(((p.intensity[inner] - 100.0) / p.sigma[inner]) ** 2)
    n = inner.sum()
    # Pixel splitting shares pixels between neighbouring bins, which only lowers the scatter
    assert 1 - 5 * np.sqrt(2 / n) < chi2 < 1 + 5 * np.sqrt(2 / n)


def test_q_axis():
    g = small_geometry()
    img = simulate_image([(8.0, 500, 0.1)], g, seed=2, noise=False)
    p = Integrator(g, bins=300, unit="q_A^-1").integrate(img)
    assert p.axis == "q_A^-1"
    assert abs(p.x[np.argmax(p.intensity)] - units.twotheta_to_q(8.0, LAM)) < 0.01


# -- masks ------------------------------------------------------------------------------------

def test_negative_gap_pixels_are_masked():
    g = small_geometry()
    rings = [(6.0, 300, 0.1)]
    img = simulate_image(rings, g, seed=7)
    gapped = img.copy()
    gaps = pilatus_gaps(img.shape)
    assert gaps.any()
    gapped[gaps] = -1
    # same radial range: pyFAI sets the default range from the pixels of the static mask only
    auto = Integrator(g, bins=250, radial_range=(0.5, 12)).integrate(gapped)
    explicit = Integrator(g, bins=250, mask=gaps, radial_range=(0.5, 12)).integrate(img)
    np.testing.assert_allclose(auto.intensity, explicit.intensity, rtol=1e-5)
    exact = Integrator(g, bins=250, radial_range=(0.5, 12), dummy=-1).integrate(gapped)
    np.testing.assert_allclose(exact.intensity, explicit.intensity, rtol=1e-5)
    unmasked = Integrator(g, bins=250, dummy=-999).integrate(gapped)   # the -1 pixels now count
    assert np.mean(unmasked.intensity) < np.mean(auto.intensity)


def test_saturated_pixels_are_masked():
    g = small_geometry()
    img = simulate_image([(6.0, 300, 0.1)], g, seed=8)
    rng = np.random.default_rng(0)
    hot = np.zeros(img.shape, bool)
    hot[rng.integers(0, 400, 30), rng.integers(0, 400, 30)] = True
    spoiled = np.where(hot, 1e7, img)
    clean = Integrator(g, bins=250, mask=hot, radial_range=(0.5, 12)).integrate(img)
    got = Integrator(g, bins=250, saturation=1e6, radial_range=(0.5, 12)).integrate(spoiled)
    np.testing.assert_allclose(got.intensity, clean.intensity, rtol=1e-5)
    assert Integrator(g, bins=250).integrate(spoiled).intensity.max() > 10 * clean.intensity.max()


def test_hot_pixel_mask_finds_isolated_outliers_not_rings():
    g = small_geometry()
    # a sharp ring (FWHM 0.1° = 1.5 pixels, like a calibrant on a Pilatus) and a broad one
    img = simulate_image([(6.0, 3000, 0.1), (9.0, 2000, 0.3)], g, seed=9)
    rng = np.random.default_rng(1)
    rows, cols = rng.integers(5, 395, 25), rng.integers(5, 395, 25)
    img[rows, cols] += 5e4
    found = hot_pixel_mask(img)
    assert found[rows, cols].all()
    assert found.sum() == len(set(zip(rows, cols)))           # and nothing else
    # a single-pixel grain spot in one frame only is not a detector defect
    other = simulate_image([(7.0, 1000, 0.2)], g, seed=10)
    other[rows, cols] += 5e4
    img[100, 100] += 5e4
    both = hot_pixel_mask(np.stack([img, other]))
    assert both[rows, cols].all() and not both[100, 100]


def test_ranges_and_user_mask_file(tmp_path):
    g = small_geometry()
    img = simulate_image([(6.0, 300, 0.1)], g, seed=4)
    p = Integrator(g, bins=100, radial_range=(4.0, 8.0)).integrate(img)
    assert p.x.min() >= 4.0 and p.x.max() <= 8.0
    half = np.zeros(img.shape, np.uint8)
    half[:, :200] = 1
    np.save(tmp_path / "half.npy", half)
    a = Integrator(g, bins=100, mask=tmp_path / "half.npy").integrate(img)
    assert a.metadata["masked_pixels"] == half.sum()
    b = Integrator(g, bins=100, azimuth_range=(-60.0, 60.0)).integrate(img)
    assert b.x.size > 50


def test_integrator_from_poni_path_learns_shape_from_first_frame(tmp_path):
    g = small_geometry()
    poni = write_poni(Geometry(**{**g.to_dict(), "shape": None}), tmp_path / "g.poni")
    integ = Integrator(poni, bins=120)
    assert integ.shape is None
    p = integ.integrate(simulate_image([(6.0, 300, 0.1)], g, seed=1), source="a.tif")
    assert integ.shape == (400, 400) and p.source == "a.tif" and p.x.size > 100
    with pytest.raises(InputError, match=r"a\.tif.*\(200, 200\)"):
        integ.integrate(np.ones((200, 200)), source="a.tif")


def test_integrator_errors():
    g = small_geometry()
    integ = Integrator(g, bins=100)
    with pytest.raises(InputError, match=r"\(300, 400\).*\(400, 400\)"):
        integ.integrate(np.ones((300, 400)), source="frame.tif")
    with pytest.raises(InputError, match="unit"):
        Integrator(g, unit="r_mm")
    with pytest.raises(InputError, match="polarization"):
        Integrator(g, polarization=2)
    with pytest.raises(InputError, match="bins"):
        Integrator(g, bins=3)
    with pytest.raises(InputError, match="every pixel"):
        Integrator(g, mask=np.ones((400, 400)))
    with pytest.raises(DackitError, match="usable points"):
        integ.integrate(-np.ones((400, 400)))        # every pixel a dead (negative) one


def test_polarisation_correction():
    g = small_geometry(dist_m=0.05)                    # reach 2θ ≈ 45°, where polarisation matters
    img = simulate_image([], g, background=200.0, polarization=0.99, noise=False)
    right = Integrator(g, bins=200, polarization=0.99).integrate(img)
    none = Integrator(g, bins=200).integrate(img)
    high = right.x > 30
    np.testing.assert_allclose(right.intensity, 200.0, rtol=1e-3)
    assert np.all(none.intensity[high] < 0.95 * 200.0)


# -- CLI ----------------------------------------------------------------------------------

def test_cli_integrate(tmp_path, real_data):
    d = real_data / "dioptas"
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["xrd", "integrate", str(d / "CeO2_Pilatus1M.tif"),
                                   str(tmp_path / "missing.tif"), "--poni", str(d / "CeO2_Pilatus1M.poni"),
                                   "--flip-ud", "--bins", "1512", "--out", str(out), "--json"])
    assert res.exit_code == 2
    rows = json.loads(res.stdout)
    assert set(rows[0]) == {"file", "output", "points", "wavelength_a", "quality", "quality_notes"}
    assert rows[0]["quality"] == "ok"
    assert rows[0]["wavelength_a"] == 0.4066 and rows[0]["points"] > 1400
    assert set(rows[1]) == {"file", "error"} and "not found" in rows[1]["error"]
    p = read_pattern(out / "CeO2_Pilatus1M.xy")
    ref = read_pattern(d / "CeO2_Pilatus1M.xy")
    assert np.corrcoef(np.interp(ref.x, p.x, p.intensity), ref.intensity)[0, 1] >= 0.995
    assert p.wavelength_a == 0.4066 and p.sigma is not None


def test_cli_help_and_bad_poni(tmp_path):
    res = CliRunner().invoke(cli, ["xrd", "integrate", "--help"])
    assert res.exit_code == 0 and "Example" in res.output and "--flip-ud" in res.output
    bad = tmp_path / "bad.poni"
    bad.write_text(GOOD_PONI.replace("Wavelength: 4.066e-11\n", ""))
    img = tmp_path / "x.npy"
    res = CliRunner().invoke(cli, ["xrd", "integrate", str(img), "--poni", str(bad), "--out", str(tmp_path)])
    assert res.exit_code != 0 and isinstance(res.exception, InputError)
