"""Adversarial curves (numpy only) for the failure classes of the Anton Paar SAXSess curves in
tests/corpus/saxs: a reduced curve that keeps the beam-stop shadow's bins (tiny, noisy,
falling), the bins past the detector edge, and a σ column far larger than the points'
scatter. Each must give the lattice, not an edge or nothing."""
import numpy as np
import pytest

from dackit.core.pattern import make_pattern
from dackit.saxs.analysis import analyse_saxs
from dackit.saxs.peaks import stated_noise, usable_high_q, usable_low_q

D_LAM = 40.0  # Å
A_HEX = 28.7  # Å


def _lines(q, qs, heights, fwhm=0.004):
    out = np.zeros_like(q)
    for c, h in zip(qs, heights):
        out += h * np.exp(-4 * np.log(2) * ((q - c) / fwhm) ** 2)
    return out


def _lamellar_with_shadow(seed=0, rel_noise=0.05):
    """Lamellar orders on a steep power law, as SAXSquant writes a SAXSess curve (OTAC 94 wt%
    at 68 °C in tests/corpus/saxs): 25 bins of beam-stop shadow at 1e-9-1e-7 whose σ is
    1e-3, a five-bin edge, the beam stop's rim 40 % above the sample's scattering."""
    rng = np.random.default_rng(seed)
    q = np.linspace(0.01, 0.75, 1100)
    clean = 0.25 * (q / 0.03) ** -3 + 0.02
    clean += _lines(q, [2 * np.pi * n / D_LAM for n in (1, 2, 3)], [2.0, 0.5, 0.2])
    clean += _lines(q, [0.0294], [0.2], fwhm=0.002)
    y = clean * (1 + rel_noise * rng.standard_normal(q.size))
    sigma = 0.15 * clean + 1e-3
    edge = 25
    y[:edge] = 1e-7 * np.exp(-(q[:edge] - q[0]) / 0.005) * rng.lognormal(0, 1, edge)
    y[edge:edge + 5] *= [1e-4, 6e-3, 0.03, 0.4, 0.9]
    return q, y, sigma


def test_deep_shadow_edge_is_not_the_first_peak():
    q, y, sigma = _lamellar_with_shadow()
    assert q[usable_low_q(q, y)] > q[30]  # past the shadow and its edge
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=sigma))
    assert res.peaks[0].q_inv_a > 0.1, [p.q_inv_a for p in res.peaks]
    assert res.mesophase == "lamellar"
    assert res.lattice_a == pytest.approx(D_LAM, rel=0.01)
    assert res.d_first_a == pytest.approx(D_LAM, rel=0.01)


def test_faint_baseline_before_a_strong_peak_is_kept():
    """A background-subtracted curve is near zero below a strong first line, as faint as a
    shadow: its points are data (a line below would show there), not a shadow to cut."""
    rng = np.random.default_rng(1)
    q = np.linspace(0.02, 0.5, 900)
    qs = [2 * np.pi * n / 60.0 for n in (1, 2, 3)]
    y = 2e-3 + _lines(q, qs, [100.0, 20.0, 5.0], fwhm=0.003)
    y = np.abs(y + 2e-4 * rng.standard_normal(q.size))
    assert usable_low_q(q, y) == 0
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1"))
    assert res.mesophase == "lamellar"
    assert res.d_first_a == pytest.approx(60.0, rel=0.01)


def test_detector_edge_drop_is_not_a_peak():
    """The last bins past the sensitive area fall 1e4-fold; the half-lit bins before them
    bump the curve up by 2x: neither is a line."""
    q, y, sigma = _lamellar_with_shadow(seed=2)
    end = q > 0.73
    y[(q > 0.715) & ~end] *= 2.0
    y[end] = 1e-6 * np.random.default_rng(3).lognormal(0, 1, end.sum())
    assert q[usable_high_q(q, y) - 1] < 0.715
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=sigma))
    assert max(p.q_inv_a for p in res.peaks) < 0.6, [p.q_inv_a for p in res.peaks]
    assert res.mesophase == "lamellar"
    assert res.lattice_a == pytest.approx(D_LAM, rel=0.01)


def _hexagonal(seed=4):
    """p6mm with the 11 line 80x weaker than the 10 (as in OTAB 82 wt%), white noise of 2 %
    of the background plus 2 % of I."""
    rng = np.random.default_rng(seed)
    q = np.linspace(0.03, 0.7, 1000)
    q10 = 4 * np.pi / (np.sqrt(3) * A_HEX)
    clean = 0.1 * (q / 0.03) ** -1.5 + 0.02 + _lines(q, [q10, np.sqrt(3) * q10], [10.0, 0.12])
    sd = 0.002 + 0.02 * clean
    return q, clean + sd * rng.standard_normal(q.size), sd


def test_inflated_sigma_does_not_hide_a_weak_line():
    """A σ column of 50 % of I (10x the scatter at the weak line) must not hide it."""
    q, y, sd = _hexagonal()
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=0.5 * np.abs(y)))
    assert res.mesophase == "hexagonal", res.quality_notes
    assert res.lattice_a == pytest.approx(A_HEX, rel=0.01)
    # with the honest σ the same answer: the cap only removes what σ overstates
    honest = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=sd))
    assert honest.mesophase == "hexagonal"
    assert honest.lattice_a == pytest.approx(res.lattice_a, rel=0.002)


def test_stated_sigma_of_smoothed_data_is_kept():
    """A [1, 2, 1]-smoothed curve scatters less than its true σ between neighbours: its
    stated σ stays as it is (correlated noise, no cap)."""
    q, y, sd = _hexagonal(seed=5)
    ys = np.convolve(y, [0.25, 0.5, 0.25], mode="same")
    sigma = np.full(ys.size, 0.5 * np.median(ys))
    assert np.array_equal(stated_noise(ys, sigma), sigma)
    # white noise, σ 10x its scatter: capped to 3x the scatter
    capped = stated_noise(y, 10 * sd)
    assert np.median(capped / sd) < 4
