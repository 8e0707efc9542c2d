"""The Elliott cross-check of a Tauc gap (issue 10): α of a crystal or film whose edge carries
a broadened exciton that merges into the continuum without a maximum. The Tauc line then runs
on the bent foot and extrapolates 40-80 meV below the gap, which was reported with quality
"ok" (before this check: Eb = 10 meV with FWHM 80-120 meV, Eb = 25 meV with FWHM 120 meV).

The edges are built here with numpy, independently of dackit's elliott_alpha: bound lines as
δ-spikes and the Sommerfeld continuum on a 0.5 meV grid, convolved numerically with a Gaussian
and with an exponential (Urbach) tail; Elliott, Phys. Rev. 108, 1384 (1957).
"""
import time

import numpy as np
import pytest

from dackit.core.spectrum import make_spectrum
from dackit.optics import absorption
from dackit.optics.absorption import elliott_alpha, tauc_gap

HC = 1239.84193
GAP = 2.0
#: as tests/test_optics_tauc_film_artefacts.py: a clean edge's Tauc intercept moves by less
#: than its tail width
GAP_TOL_EV = 0.02


def elliott_edge(e, gap, eb, fwhm, urbach=0.01, amp=1e5):
    h = 5e-4
    g = np.arange(e.min() - 0.5, e.max() + 0.5, h)
    s = np.zeros_like(g)
    if eb > 0:
        for n in range(1, 200):
            s[np.searchsorted(g, gap - eb / n ** 2)] += 4 * np.pi * eb ** 1.5 / n ** 3 / h
    d = g - gap
    with np.errstate(divide="ignore", invalid="ignore"):
        if eb > 0:
            cont = 2 * np.pi * np.sqrt(eb) / (1 - np.exp(-2 * np.pi * np.sqrt(eb / d)))
        else:
            cont = np.sqrt(d)
    s += np.where(d > 0, cont, 0.0)
    sig = fwhm / (2 * np.sqrt(2 * np.log(2)))
    k = np.arange(-6 * sig, 6 * sig + h, h)
    ker = np.exp(-0.5 * (k / sig) ** 2)
    s = np.convolve(s, ker / ker.sum(), mode="same")
    if urbach:
        k = np.arange(-10 * urbach, 10 * urbach + h, h)
        ker = np.exp(-np.abs(k) / urbach)
        s = np.convolve(s, ker / ker.sum(), mode="same")
    return amp * np.interp(e, g, s) / e


def _spectrum(eb, fwhm, seed=0, noise=30.0):
    e = HC / np.arange(400.0, 1000.0, 1.0)
    a = elliott_edge(e, GAP, eb, fwhm) + np.random.default_rng(seed).normal(0, noise, e.size)
    return make_spectrum(HC / e, a, x_unit="nm", y_unit="alpha_cm-1")


def _elliott_note(res):
    notes = [n for n in res.quality_notes if n.startswith("Elliott fit of the edge")]
    return notes[0] if notes else None


# (0.005, 0.05): 1.975 ± 0.013 eV was ok while the Tauc error counted the edge's bending,
# the very bias the Elliott fit measures, as an uncertainty that excused it
@pytest.mark.parametrize("eb, fwhm", [(0.005, 0.05), (0.01, 0.08), (0.01, 0.12), (0.025, 0.12)])
def test_merged_exciton_makes_a_low_tauc_gap_doubtful(eb, fwhm):
    res = tauc_gap(_spectrum(eb, fwhm))
    assert res.gap_ev < GAP - GAP_TOL_EV               # the Tauc bias this check is about
    assert res.quality == "doubtful"
    assert any("below the band gap of an Elliott fit" in n for n in res.quality_notes), res.quality_notes
    note = _elliott_note(res)
    eg = float(note.split("E_g = ")[1].split(" ")[0])
    eb_mev = float(note.split("E_b = ")[1].split(" ")[0])
    assert eg == pytest.approx(GAP, abs=0.005)
    assert eb_mev == pytest.approx(1e3 * eb, abs=3)


@pytest.mark.parametrize("fwhm", [0.03, 0.08])
@pytest.mark.parametrize("seed", [0, 1])
def test_clean_parabolic_edge_stays_ok(fwhm, seed):
    res = tauc_gap(_spectrum(0.0, fwhm, seed))
    assert res.gap_ev == pytest.approx(GAP, abs=GAP_TOL_EV)
    assert res.quality == "ok", res.quality_notes
    assert "no resolved exciton" in _elliott_note(res)


def test_clean_edge_with_a_wide_tail_stays_ok():
    # E_U = 50 meV (the widest tail dackit accepts) lifts the Tauc intercept by ~16 meV above
    # E_g while the Elliott fit stays at E_g: a shift within the tolerance is no doubt
    e = HC / np.arange(400.0, 1000.0, 1.0)
    a = elliott_edge(e, GAP, 0.0, 0.005, urbach=0.05) + np.random.default_rng(2).normal(0, 30.0, e.size)
    res = tauc_gap(make_spectrum(HC / e, a, x_unit="nm", y_unit="alpha_cm-1"))
    assert res.gap_ev == pytest.approx(GAP, abs=GAP_TOL_EV)
    assert res.quality == "ok", res.quality_notes


def test_absorbance_of_a_dispersion_gets_no_elliott_check():
    # a nanocrystal's absorbance: the Tauc flank convention applies, no bulk-edge model
    sp = _spectrum(0.01, 0.08)
    res = tauc_gap(make_spectrum(sp.x, sp.y / 1e5, x_unit="nm", y_unit="absorbance"))
    assert _elliott_note(res) is None


def test_elliott_alpha_matches_the_numerical_convolution():
    e = np.linspace(1.85, 2.3, 91)
    for eb, fwhm in [(0.0, 0.05), (0.025, 0.06)]:
        ref = elliott_edge(e, GAP, eb, fwhm, urbach=0.0, amp=1.0)
        got = elliott_alpha(e, gap_ev=GAP, binding_ev=eb, broadening_ev=fwhm / 2.3548)
        assert np.max(np.abs(got - ref)) < 0.01 * np.max(ref)


def test_elliott_check_is_fast():
    sp = _spectrum(0.01, 0.08)
    res = tauc_gap(sp)
    e = res.energy_ev
    a = np.sqrt(res.tauc_raw) / e - res.background(e)
    t0 = time.perf_counter()
    for _ in range(3):
        absorption._elliott_check(e, a, res.gap_ev, res.gap_ev_err, res.window_ev)
    # < 50 ms on an idle core; the bound leaves room for a shared CI machine
    assert (time.perf_counter() - t0) / 3 < 0.25


def test_exciton_above_its_broadening_with_the_window_below_the_gap_is_named():
    # E_b = 50 meV, σ = 21 meV: the n = 1 line stands apart from the continuum; a Tauc line
    # ending below the Elliott gap is on the exciton even where its intercept agrees
    e = np.sort(HC / np.arange(400.0, 1000.0, 1.0))
    a = elliott_edge(e, GAP, 0.05, 0.05) + np.random.default_rng(4).normal(0, 30.0, e.size)
    doubts, notes = absorption._elliott_check(e, a, GAP, 0.01, (1.90, 1.96))
    assert float(notes[0].split("E_b = ")[1].split(" ")[0]) == pytest.approx(50, abs=3)
    assert len(doubts) == 1 and "the line is on the exciton" in doubts[0]
    # and with the window above the gap (on the continuum) nothing is said
    doubts, _ = absorption._elliott_check(e, a, GAP, 0.01, (2.01, 2.08))
    assert doubts == []
