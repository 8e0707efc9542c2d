"""Tabulated emission spectra (vendor viewers, dye databases): zero padding outside the band,
an excitation column beside the emission, a tabulation that starts at the band's foot.

Built with numpy only (issue 10: the Resonator corpus files failed for these reasons)."""
import numpy as np
import pytest

from dackit.core.spectrum import Spectrum
from dackit.errors import DackitError
from dackit.io import read_spectrum
from dackit.optics import pl

HC = 1239.84198


def _band(x_nm, peak_nm=588.0, fwhm_mev=100.0, tail=0.25):
    """A noise-free emission band: Gaussian in energy plus a weak broad red tail."""
    e, e0 = HC / x_nm, HC / peak_nm
    s = fwhm_mev * 1e-3 / 2.3548
    return 100 * (np.exp(-0.5 * ((e - e0) / s) ** 2) + tail * np.exp(-0.5 * ((e - e0 + 0.12) / (3 * s)) ** 2))


def _padded(lo=555.0, hi=640.0, x0=300.0, x1=950.0):
    """Zeros outside [lo, hi], where the tabulated band still stands at a few % of its peak."""
    x = np.arange(x0, x1)
    y = np.where((x >= lo) & (x <= hi), _band(x, tail=0.0), 0.0)
    return x, y


def test_zero_padding_is_left_out_and_the_peak_is_right():
    x, y = _padded()
    fit = pl.fit_pl(Spectrum(x, y))
    top = x[np.argmax(y)]
    assert abs(fit.peak_nm - top) < 1.5
    assert fit.quality == "ok"
    assert any("constant padding left out" in n for n in fit.quality_notes)


def test_padding_kept_breaks_the_fit(monkeypatch):
    # the failure class itself: with the zero runs kept their zero scatter outweighs the band
    x, y = _padded()
    monkeypatch.setattr(pl, "MIN_PADDING_RUN", 10 ** 6)
    with pytest.raises(DackitError, match="no significant PL peak"):
        pl.fit_pl(Spectrum(x, y))


def test_drop_padding_keeps_measured_data():
    rng = np.random.default_rng(1)
    x = np.arange(400.0, 700.0)
    y = _band(x, 550.0) + rng.normal(0, 0.5, x.size)       # noise: no value repeats
    trimmed, note = pl.drop_padding(Spectrum(x, y))
    assert trimmed.x.size == x.size and note == ""
    # a short run (a few clipped pixels) is not padding
    y2 = y.copy()
    y2[:3] = 0.0
    assert pl.drop_padding(Spectrum(x, y2))[0].x.size == x.size


@pytest.mark.parametrize("header, sep", [("Wavelength\tExcitation\tEmission", "\t"),
                                         ("wavelength,EGFP ex,EGFP em,EGFP 2p", ",")])
def test_the_emission_column_is_read_not_the_excitation(tmp_path, header, sep):
    x = np.arange(400.0, 700.0)
    ex = _band(x, 480.0)
    em = _band(x, 590.0)
    cols = [x, ex, em] + ([np.zeros_like(x)] if header.count(sep) == 3 else [])
    path = tmp_path / "spectrum.txt"
    path.write_text(header + "\n" + "\n".join(sep.join(f"{c[i]:.6g}" for c in cols) for i in range(x.size)) + "\n")
    s = read_spectrum(path)
    assert np.allclose(s.y, em, rtol=1e-5, atol=1e-4)
    assert "em" in s.metadata["y_column"].lower()


def test_perkinelmer_ascii_header_of_bare_numbers_is_skipped(tmp_path):
    # PE FL/UV WinLab ASCII: settings one or three numbers a line ("1 0 0", "-1"), then #DATA;
    # those rows used to end the data at once ("line 41 has a single value '-1'")
    x = np.arange(405.0, 495.5, 0.5)
    y = _band(x, 446.0, fwhm_mev=500.0, tail=0.0)
    header = ["PE FL       SPECTRUM    ASCII       PEDS        1.60", "  -1", "STD6B#01.TXT",
              "LS50-B", "350.00", "4.50", "405 350 NORM", "1 0 0", "#HDR", "-1", "-1", "#GR", "NM",
              "", "405.000000", "0.500000", f"{x.size}", "#DATA"]
    path = tmp_path / "flu.txt"
    path.write_text("\n".join(header + [f"{a:.6f}\t{b:.6f} " for a, b in zip(x, y)]) + "\n")
    s = read_spectrum(path)
    assert s.x.size == x.size and np.allclose(s.y, y, atol=1e-5)
    assert s.metadata["first_data_line"] == len(header) + 1


@pytest.mark.parametrize("second, split_ev", [(0.4, 0.15), (0.6, 0.15), (0.8, 0.15), (0.8, 0.10)])
def test_a_top_one_gaussian_misses_is_never_ok_off_its_maximum(second, split_ev):
    # a dye/vibronic band: two overlapping energy-space Gaussians; the top refit leans toward
    # the shoulder by up to 4.7 nm (8 % of the FWHM); bright enough that this is not noise
    x = np.arange(420.0, 700.0)
    sig = 0.07

    def dens_ev(e):
        return np.exp(-0.5 * ((e - 2.36) / sig) ** 2) + second * np.exp(-0.5 * ((e - 2.36 + split_ev) / sig) ** 2)

    rng = np.random.default_rng(0)
    # bright (noise 0.05 % of the peak): the data's own maximum is known to < 1 nm
    y = 1000 * dens_ev(HC / x) * (540.0 / x) ** 2 + rng.normal(0, 0.5, x.size) + 50
    fine = np.linspace(420.0, 700.0, 28001)
    true_max = fine[np.argmax(dens_ev(HC / fine) / fine ** 2)]
    fit = pl.fit_pl(Spectrum(x, y))
    if abs(fit.peak_nm - true_max) > pl.MAX_TOP_DISAGREEMENT_FWHM * fit.fwhm_nm:
        assert fit.quality == "doubtful", (fit.peak_nm, true_max, fit.quality_notes)


def test_data_maximum_follows_a_noisy_band_top():
    rng = np.random.default_rng(3)
    x = np.arange(450.0, 650.0)
    y = 500 * np.exp(-0.5 * ((x - 551.4) / 20) ** 2) + rng.normal(0, 5, x.size)
    m, spread = pl.data_maximum_nm(x, y, 550.0, 47.0)
    # noise 1 % of the height: the maximum is known to a nanometre or two
    assert abs(m - 551.4) < 2 * spread and 0.3 < spread < 3.0
