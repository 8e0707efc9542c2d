"""Emission chromaticity: against a direct CMF integration, the spectral locus, series, errors."""
import colour
import numpy as np
import pytest

from dackit.errors import InputError
from dackit.optics.colour import chromaticity_xy, spectral_locus_xy, srgb_swatch

CIE1931 = "CIE 1931 2 Degree Standard Observer"
CIE1964 = "CIE 1964 10 Degree Standard Observer"


def direct_xy(wl_int, s, observer=CIE1931):
    """x, y as the plain CMF integral ratio, by numpy over colour's tabulated CMFs."""
    cmfs = colour.MSDS_CMFS[observer]
    grid = np.asarray(cmfs.wavelengths)
    full = np.zeros(grid.size)
    full[np.searchsorted(grid, wl_int)] = s
    xyz = full @ np.asarray(cmfs.values)
    return xyz[0] / xyz.sum(), xyz[1] / xyz.sum()


def gauss(wl, centre, fwhm):
    return np.exp(-4 * np.log(2) * ((wl - centre) / fwhm) ** 2)


@pytest.mark.parametrize("centre, fwhm", [(619.0, 51.0), (546.0, 30.0), (480.0, 20.0)])
def test_matches_direct_cmf_integration(centre, fwhm):
    wl = np.arange(380.0, 781.0)        # on the CMF grid: no interpolation involved
    s = gauss(wl, centre, fwhm)
    c = chromaticity_xy(wl, s)
    x, y = direct_xy(wl, s)
    assert abs(c.x - x) < 1e-4 and abs(c.y - y) < 1e-4


def test_off_grid_sampling_is_resampled_to_1nm():
    """A spectrometer grid of 0.37 nm: linear resampling of a 51 nm band changes x, y by far
    less than 1e-4 (interpolation error ~ (Δλ/FWHM)² ≈ 1e-4 of the curvature term)."""
    wl = np.arange(400.0, 800.0, 0.37)
    c = chromaticity_xy(wl, gauss(wl, 600.0, 51.0))
    wl1 = np.arange(400.0, 800.0)
    x, y = direct_xy(wl1, gauss(wl1, 600.0, 51.0))
    assert abs(c.x - x) < 1e-4 and abs(c.y - y) < 1e-4


def test_narrow_line_on_spectral_locus():
    wl = np.arange(500.0, 600.0, 0.05)
    c = chromaticity_xy(wl, gauss(wl, 546.0, 0.3))
    lw, lx, ly = spectral_locus_xy()
    i = int(np.flatnonzero(lw == 546)[0])
    # after 1 nm resampling the line is a mix of 545/546/547 nm light: it lies in their hull
    tol = max(np.hypot(lx[i - 1] - lx[i], ly[i - 1] - ly[i]), np.hypot(lx[i + 1] - lx[i], ly[i + 1] - ly[i]))
    assert np.hypot(c.x - lx[i], c.y - ly[i]) <= tol
    assert c.dominant_wavelength_nm == pytest.approx(546, abs=1)
    assert c.srgb[1] == pytest.approx(1.0)               # green is the brightest channel


def test_cie1964_option():
    wl = np.arange(380.0, 781.0)
    s = gauss(wl, 560.0, 40.0)
    c10 = chromaticity_xy(wl, s, observer=CIE1964)
    x, y = direct_xy(wl, s, CIE1964)
    assert abs(c10.x - x) < 1e-4 and abs(c10.y - y) < 1e-4
    c2 = chromaticity_xy(wl, s)
    assert abs(c2.x - c10.x) > 1e-3                       # the observers do differ


def test_series_vectorised():
    wl = np.arange(450.0, 750.0, 0.5)
    centres = [619.0, 600.0, 580.0, 546.0]
    stack = np.stack([gauss(wl, c, 50.0) for c in centres])
    many = chromaticity_xy(wl, stack)
    assert many.x.shape == (4,) and many.srgb.shape == (4, 3)
    for k in range(len(centres)):
        one = chromaticity_xy(wl, stack[k])
        assert one.x == pytest.approx(many.x[k]) and one.y == pytest.approx(many.y[k])
    assert np.all(np.diff(many.x) < 0)                    # blue shift: x falls
    assert len(many.hex) == 4 and many.hex[0].startswith("#")


def test_zero_outside_measured_range_and_scale_free():
    wl = np.arange(560.0, 700.0, 1.0)
    s = gauss(wl, 619.0, 51.0)
    a = chromaticity_xy(wl, s)
    b = chromaticity_xy(wl, 1000 * s)
    assert a.x == pytest.approx(b.x) and a.y == pytest.approx(b.y)
    x, y = direct_xy(wl, s)                              # nothing added outside 560–700 nm
    assert abs(a.x - x) < 1e-4


def test_srgb_swatch_bounds():
    rgb = srgb_swatch(np.array([[0.6, 0.3, 0.0], [0.3, 0.6, 0.1], [1 / 3, 1 / 3, 1 / 3]]))
    assert np.all((rgb >= 0) & (rgb <= 1))
    assert np.allclose(rgb.max(axis=1), 1.0)


@pytest.mark.parametrize("wl, s, match", [
    (np.arange(900.0, 1000.0), np.ones(100), "outside the visible"),
    (np.arange(500.0, 600.0), np.ones(99), "does not match"),
    (np.arange(500.0, 600.0), np.r_[np.nan, np.ones(99)], "NaN"),
    (np.arange(600.0, 500.0, -1.0), np.ones(100), "increasing"),
    (np.arange(500.0, 600.0), np.zeros(100), "no positive"),
])
def test_bad_input(wl, s, match):
    with pytest.raises(InputError, match=match):
        chromaticity_xy(wl, s)


def test_unknown_observer_and_white():
    wl = np.arange(500.0, 600.0)
    with pytest.raises(InputError, match="observer"):
        chromaticity_xy(wl, np.ones(100), observer="cat")
    with pytest.raises(InputError, match="white"):
        chromaticity_xy(wl, np.ones(100), white="D50")


WL_VIS = np.arange(400.0, 800.0, 0.5)


def _noisy_band(sigma, seed=3):
    """A 620 nm band of height 1 with its baseline removed: white noise around zero."""
    return gauss(WL_VIS, 620.0, 50.0) + np.random.default_rng(seed).normal(0.0, sigma, WL_VIS.size)


def test_noise_level_negative_emission_is_clipped_with_a_note():
    s = _noisy_band(0.005)                       # 0.5 % of the peak: deepest ≈ 3.5 σ ≈ 1.7 %
    assert s.min() < 0
    c = chromaticity_xy(WL_VIS, s, source="s.txt")
    (note,) = c.notes
    assert note.startswith("s.txt: negative emission clipped to 0") and "σ of the noise" in note
    clipped = chromaticity_xy(WL_VIS, np.clip(s, 0, None))
    assert (c.x, c.y) == (clipped.x, clipped.y) and clipped.notes == ()
    clean = chromaticity_xy(WL_VIS, gauss(WL_VIS, 620.0, 50.0))
    assert abs(c.x - clean.x) < 0.005 and abs(c.y - clean.y) < 0.005   # the clipped noise whitens it a little


@pytest.mark.parametrize("extra, match", [
    (-0.05, "baseline removed is too high"),                                   # over-subtracted offset
    (-0.3 * gauss(WL_VIS, 532.0, 7.0), "baseline removed is too high"),         # a laser line over-subtracted
])
def test_negative_emission_beyond_noise_is_an_error_naming_the_file(extra, match):
    from dackit.optics.colour import NegativeEmissionError

    with pytest.raises(NegativeEmissionError, match=match) as info:
        chromaticity_xy(WL_VIS, _noisy_band(0.005) + extra, source="s.txt")
    assert str(info.value).startswith("s.txt: ") and isinstance(info.value, InputError)


def test_noise_that_is_much_of_the_light_is_an_error():
    # each negative point is noise (5 σ is not reached) but noise of 4 % of the peak over
    # 400 nm has an X+Y+Z below zero of ~4.5 % of the band's: clipping would whiten x by ~0.025
    with pytest.raises(InputError, match="large part of the emission"):
        chromaticity_xy(WL_VIS, _noisy_band(0.04), source="s.txt")


def test_noise_weighs_by_the_colour_matching_functions():
    """The same white noise (0.1 % of the peak) beside a 620 nm band is clipped, beside a
    680 nm line (tiny ȳ, z̄ there; large where the noise is) it is most of the colour: an
    error, not a whitened x (nor, unclipped, an x beyond the spectral locus)."""
    noise = np.random.default_rng(1).normal(0.0, 0.001, WL_VIS.size)
    assert chromaticity_xy(WL_VIS, gauss(WL_VIS, 620.0, 50.0) + noise).notes
    with pytest.raises(InputError, match="large part of the emission"):
        chromaticity_xy(WL_VIS, gauss(WL_VIS, 680.0, 12.0) + noise, source="line.txt")


def test_series_names_the_spectrum_at_fault():
    series = np.stack([_noisy_band(0.005), _noisy_band(0.005, seed=4) - 0.05])
    with pytest.raises(InputError, match=r"^s\.txt\[1\]: "):
        chromaticity_xy(WL_VIS, series, source="s.txt")
    c = chromaticity_xy(WL_VIS, series[:1], source="s.txt")
    assert c.notes[0].startswith("s.txt[0]: ")


def test_pipeline_pl_clips_noise_and_doubts_an_over_subtracted_line(tmp_path):
    """analyse_pl (dackit run): a noisy band on an offset, its baseline removed by the fit, is ok
    with the clipping noted; the same band with a laser line over-subtracted at 532 nm keeps
    its peak (judged by its own checks) but gets no colour, with a note naming the file."""
    from dackit.experiment.analyses import analyse_pl

    wl = np.arange(450.0, 800.0, 0.25)
    rng = np.random.default_rng(1)
    band = 1000 * gauss(wl, 620.0, 45.0) + 50 + rng.normal(0, 5, wl.size)
    np.savetxt(tmp_path / "clean.txt", np.c_[wl, band])
    np.savetxt(tmp_path / "notch.txt", np.c_[wl, band - 300 * gauss(wl, 532.0, 7.0)])
    clean = analyse_pl(str(tmp_path / "clean.txt"), {"n_peaks": 1})
    assert clean["quality"] == "ok" and clean["cie_x"] == pytest.approx(chromaticity_xy(wl, gauss(wl, 620.0, 45.0)).x,
                                                                       abs=0.005)
    assert any("clean.txt: negative emission clipped" in n for n in clean["quality_notes"])
    notch = analyse_pl(str(tmp_path / "notch.txt"), {"n_peaks": 1})
    assert notch["cie_x"] is None and notch["cie_y"] is None and notch["colour_hex"] == ""
    assert any(n.startswith("colour not computed: notch.txt: the emission is negative") for n in notch["quality_notes"])
    assert notch["peak_nm"] == pytest.approx(620.0, abs=1.0)
