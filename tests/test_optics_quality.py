"""PL and Tauc: spectra without a peak are refused, and every result carries a verdict.

Issue 17 item 1: ``dackit pl good flat good …`` made the flat file a "peak" at 1.81 eV
and dragged α to 53.8 ± 118. The flat spectra here are built with numpy.
"""
import json

import numpy as np
import pytest

from cli_helpers import run_dackit
from dackit.core.lineshapes import gaussian
from dackit.core.spectrum import make_spectrum
from dackit.errors import DackitError, InputError
from dackit.io import write_spectrum
from dackit.optics.absorption import simulate_absorption, tauc_gap
from dackit.optics.pl import fit_pl, fit_pl_series, simulate_pl

WL = np.linspace(450, 800, 1340)


def flat(kind, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "noise":
        y = 1000 + rng.normal(0, 5, WL.size)
    elif kind == "poisson":
        y = rng.poisson(300, WL.size).astype(float)
    elif kind == "curved":          # a smooth background the linear baseline leaves bent
        y = 300 + 1e-3 * (WL - 600) ** 2 + rng.normal(0, 4, WL.size)
    elif kind == "lamp":            # a broad lamp-like hump wider than the window
        y = 300 + 400 * np.exp(-((WL - 640) / 400) ** 2) + rng.normal(0, 3, WL.size)
    else:
        y = np.full(WL.size, 1000.0)
    return make_spectrum(WL, y, source=f"flat_{kind}.txt")


@pytest.mark.parametrize("kind", ["constant", "noise", "poisson", "curved"])
def test_flat_spectrum_has_no_pl_peak(kind):
    with pytest.raises(InputError, match="no emission peak above the noise"):
        fit_pl(flat(kind))


def test_lamp_hump_refused_or_doubtful():
    """A hump as broad as half the window is no emission band: never an ok peak."""
    try:
        f = fit_pl(flat("lamp"))
    except InputError as exc:
        assert "no emission peak" in str(exc)
    else:
        assert f.quality == "doubtful"


def test_series_with_flat_file_fits_e_of_p_without_it():
    spectra = [simulate_pl(p, seed=i) for i, p in enumerate([0.0, 1.0, 2.0, 3.0, 4.0])]
    spectra.insert(2, flat("curved"))
    series = fit_pl_series(spectra, [0.0, 1.0, 1.5, 2.0, 3.0, 4.0])
    assert series.fits[2] is None and "no emission peak" in series.errors[2]
    assert all(f is not None and f.quality == "ok" for k, f in enumerate(series.fits) if k != 2)


def test_cli_good_flat_good(tmp_path):
    """The audit's command: the flat file is refused (exit 2), α stays the truth (53 − 2·2βP)."""
    files = []
    for i, p in enumerate([0.0, 1.7, 3.5, 5.6]):
        f = tmp_path / f"good{i}.txt"
        write_spectrum(simulate_pl(p, seed=i), f)
        files.append(f)
    bad = tmp_path / "flat.txt"
    write_spectrum(flat("curved"), bad)
    code, out, err = run_dackit("pl", files[0], bad, files[1], files[2], files[3],
                                "--pressure", "0,1,1.7,3.5,5.6", "--json")
    assert code == 2 and "Traceback" not in err
    res = json.loads(out)
    assert "error" in res["peaks"][1] and "no emission peak above the noise" in res["peaks"][1]["error"]
    assert all(r["quality"] == "ok" for k, r in enumerate(res["peaks"]) if k != 1)
    assert res["fit"]["alpha_mev_per_gpa"] == pytest.approx(53.0, abs=3 * res["fit"]["alpha_mev_per_gpa_err"] + 1)
    assert res["fit"]["alpha_mev_per_gpa_err"] < 5


def test_weak_real_band_still_found():
    """The flat-file test must not refuse a real but weak band (SNR ≈ 15 at the top)."""
    s = simulate_pl(0.0, peak_counts=150.0, seed=3)
    f = fit_pl(s)
    assert f.peak_ev == pytest.approx(s.metadata["truth"]["peak_ev"], abs=0.01)


def test_peak_at_window_edge_is_doubtful():
    rng = np.random.default_rng(4)
    wl = np.linspace(450, 640, 800)
    e = 1239.84198 / wl
    y = 200 + 2000 * gaussian(e, 1.0, 1.95, 0.16) + rng.normal(0, 5, wl.size)  # maximum at 636 nm
    f = fit_pl(make_spectrum(wl, y, source="edge.txt"))
    assert f.quality == "doubtful"
    assert any("window edge" in n for n in f.verdict.notes)


def test_two_bands_fitted_with_one_is_doubtful():
    rng = np.random.default_rng(5)
    e = 1239.84198 / WL
    y = 300 + 2000 * gaussian(e, 1.0, 2.0, 0.12) + 1500 * gaussian(e, 1.0, 2.25, 0.12)
    y = rng.poisson(y).astype(float)
    f = fit_pl(make_spectrum(WL, y))
    assert f.quality == "doubtful"
    assert any("another band" in n for n in f.verdict.notes)


def test_clean_pl_ok():
    f = fit_pl(simulate_pl(2.0, seed=7))
    assert f.quality == "ok"
    assert f.to_dict()["quality"] == "ok"


def test_tauc_clean_ok_and_edge_doubtful():
    good = tauc_gap(simulate_absorption(gap_ev=2.0, scattering=0.05, noise=0.001, seed=1))
    assert good.quality == "ok", good.verdict.notes
    assert good.to_dict()["quality"] == "ok" and good.r_squared > 0.99
    # a spectrum that starts right at the edge: no transparent region below the gap
    s = simulate_absorption(gap_ev=2.0, scattering=0.0, noise=0.001, seed=2,
                            wavelength_nm=np.linspace(400, 622, 600))
    try:
        cut = tauc_gap(s, background="none")
    except DackitError:  # refusing (with a named reason) is an acceptable answer too
        return
    assert cut.quality == "doubtful", (cut.gap_ev, cut.verdict.notes)
