"""Cosmic-ray spikes on CCD spectra (ruby, Sm, PL): one or two pixels far above their
neighbours. Before dackit removed them, a spike beside the ruby doublet made the fit fail
("doublet fit failed") or moved R1 by 0.05 GPa with quality ok.

Spectra are built here with numpy (pseudo-Voigt R lines with a Poisson count noise, a
Gaussian PL band), not with dackit's simulators.
"""
import numpy as np
import pytest

from dackit.core.spectrum import make_spectrum, remove_spikes
from dackit.gauge.ruby import fit_ruby, r1_from_pressure
from dackit.optics.pl import fit_pl

HC = 1239.84193


def _pv(x, c, w, eta=0.6):
    return eta / (1 + 4 * ((x - c) / w) ** 2) + (1 - eta) * np.exp(-4 * np.log(2) * ((x - c) / w) ** 2)


def _ruby(pressure, step=0.05, fwhm=0.6, seed=0, spike_at=None, amp=0.0):
    r1 = float(r1_from_pressure(pressure, lambda0_nm=694.24))
    r2 = 1e7 / (1e7 / r1 + 29.7)
    x = np.arange(680.0, 720.0, step)
    y = 20000 * (_pv(x, r1, fwhm) + 0.6 * _pv(x, r2, fwhm)) + 500
    y = np.random.default_rng(seed).poisson(y).astype(float)
    if spike_at is not None:
        i = int(np.searchsorted(x, r1 + spike_at))
        y[i] += amp * 20000
        y[i + 1] += 0.3 * amp * 20000          # cosmic rays often light a second pixel
    return make_spectrum(x, y, source="ruby.txt")


@pytest.mark.parametrize("pressure", [0.0, 10.0])
@pytest.mark.parametrize("spike_at, amp", [(-3.0, 5.0), (1.0, 3.0), (8.0, 20.0), (-0.3, 1.5)])
def test_spike_near_the_ruby_doublet_is_removed(pressure, spike_at, amp):
    clean = fit_ruby(_ruby(pressure, seed=1), lambda0_nm=694.24)
    hit = fit_ruby(_ruby(pressure, seed=1, spike_at=spike_at, amp=amp), lambda0_nm=694.24)
    # the spike-free fit of the same noise: anything beyond a tenth of its error is the spike
    assert hit.pressure_gpa == pytest.approx(clean.pressure_gpa, abs=0.1 * clean.pressure_gpa_err + 0.003)
    assert hit.quality == "ok", hit.quality_notes
    assert any("2 cosmic-ray spike pixel(s)" in n for n in hit.quality_notes)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("fwhm, step", [(0.6, 0.05), (0.35, 0.02), (1.5, 0.1)])
def test_clean_ruby_spectra_lose_no_pixel(seed, fwhm, step):
    res = fit_ruby(_ruby(5.0, step=step, fwhm=fwhm, seed=seed), lambda0_nm=694.24)
    assert not any("spike" in n for n in res.quality_notes), res.quality_notes


def test_coarse_spectrum_is_left_alone():
    # 0.25 nm per pixel: the 0.6 nm lines are 2.4 pixels wide and look like spikes; nothing
    # may be removed (the narrowest line would be under 3 pixels)
    s = _ruby(5.0, step=0.25)
    res = fit_ruby(s, lambda0_nm=694.24)
    assert not any("spike" in n for n in res.quality_notes)
    assert res.pressure_gpa == pytest.approx(5.0, abs=3 * res.pressure_gpa_err + 0.02)


def _pl(seed=0, spike_ev=None, amp=0.0):
    x = np.arange(450.0, 750.0, 0.5)
    y = 5000 * np.exp(-0.5 * ((HC / x - 2.1) / 0.06) ** 2) + 100
    y = np.random.default_rng(seed).poisson(y).astype(float)
    if spike_ev is not None:
        y[int(np.searchsorted(x, HC / spike_ev))] += amp * 5000
    return make_spectrum(x, y, source="pl.txt")


@pytest.mark.parametrize("spike_ev, amp", [(2.08, 1.0), (2.15, 2.0), (1.9, 3.0)])
def test_spike_on_a_pl_band_is_removed(spike_ev, amp):
    clean = fit_pl(_pl(seed=4))
    hit = fit_pl(_pl(seed=4, spike_ev=spike_ev, amp=amp))
    assert hit.peak_ev == pytest.approx(clean.peak_ev, abs=0.2 * clean.peak_ev_err + 1e-4)
    assert hit.quality == "ok", hit.quality_notes
    assert any("1 cosmic-ray spike pixel(s)" in n for n in hit.quality_notes)


@pytest.mark.parametrize("seed", range(8))
def test_clean_pl_band_loses_no_pixel(seed):
    # shot noise on the band is 7× the baseline's: judged against one global σ, 19 noise
    # pixels of the band's top were "spikes"
    res = fit_pl(_pl(seed=seed))
    assert not any("spike" in n for n in res.quality_notes), res.quality_notes


@pytest.mark.parametrize("width_px", [3.0, 4.0, 8.0])
def test_lines_as_narrow_as_the_narrowest_allowed_stay(width_px):
    x = np.arange(400.0)
    y = 1e5 * (_pv(x, 100.3, width_px, eta=1.0) + _pv(x, 250.6, width_px, eta=0.0)) + 10
    clean, spikes = remove_spikes(y, min_line_px=width_px, noise=1.0)
    assert spikes.size == 0
    np.testing.assert_array_equal(clean, y)


def test_spike_on_the_top_of_the_band_is_not_removed_but_not_ok():
    # the main line's width is measured on the data, so a spike on its very top makes it
    # look narrow and no spike is searched for; the fit then misses the top, and says so
    res = fit_pl(_pl(seed=4, spike_ev=2.1, amp=1.0))
    assert res.quality == "doubtful"
