"""Peak-finder cases from the form-factor sweep (tests/saxs_ff_synth.py, numpy only; issue 10)
that lost a visible line or kept a false one, each the cause of a wrong mesophase or lattice:

* 208, 48: lamellar, 002 at a matched-filter S/N of 92 and 38 lost — fitted in one cluster
  with a broad form-factor hump (48) or riding on one (208, its width guess the hump's): only
  one peak, no mesophase;
* 9: hexagonal, two form-factor maxima (FWHM 20× the lines') better determined than the 11
  line set the width reference and were kept as peaks: indexed with a 273 Å cell (a = 157.6);
* 232: lamellar, a 4.5σ spike 9× narrower than the lines indexed as a third line: Ia3d.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from saxs_ff_synth import sweep_params, sweep_pattern  # noqa: E402

from dackit.core.pattern import make_pattern  # noqa: E402
from dackit.saxs import analyse_saxs  # noqa: E402

PARAMS = sweep_params(320, seed=2026)


@pytest.mark.parametrize("i, name", [(208, "lamellar"), (48, "lamellar"), (9, "hexagonal"),
                                     (232, "lamellar")])
def test_lost_or_false_line(i, name):
    p = PARAMS[i]
    assert p["name"] == name
    q, y, s = sweep_pattern(p)
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=s))
    assert res.mesophase == name
    assert res.lattice_a == pytest.approx(p["a"], rel=0.01)
    # every peak is a Bragg line of the true lattice: none is a hump or a spike
    widths = [pk.fwhm_inv_a for pk in res.peaks]
    assert max(widths) < 5 * min(widths)
    assert all(res.indexing.best.assignment)


def test_undersampled_line_on_a_form_factor_flank_is_picked_up():
    """Typical sweep (seed 2) case 51: BCC, a = 152.7 Å, lines ~3 points per FWHM. The 211
    line stands 19σ out of the residual but its free-width fit is degenerate (amplitude 1σ):
    lost, the pattern read as SC 100/110/200/210. Fitted with the width of the lattice's
    best line (one domain size) it is kept, and BCC follows."""
    from saxs_ff_synth import typical_params

    p = typical_params(80, seed=2)[51]
    assert p["name"] == "bcc"
    q, y, s = sweep_pattern(p)
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=s))
    q211 = 2 * np.pi * np.sqrt(6) / p["a"]
    assert min(abs(pk.q_inv_a / q211 - 1) for pk in res.peaks) < 0.005
    assert res.mesophase == "bcc"
    assert res.lattice_a == pytest.approx(p["a"], rel=0.01)


def test_no_line_picked_up_below_the_first_line():
    """Sweep seed 7 case 19: BCC, a = 165.2 Å, a steep low-q background. Below the 110 line
    the residual keeps the background's misfit; fitted with the lines' width it passes as a
    17σ 'line' (0.78 q₁) that no BCC line explains. The pick-up of missed lines stays
    above the lowest fitted peak, so every peak is a BCC line."""
    p = sweep_params(160, seed=7)[19]
    assert p["name"] == "bcc"
    q, y, s = sweep_pattern(p)
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=s))
    assert res.mesophase == "bcc"
    assert res.lattice_a == pytest.approx(p["a"], rel=0.01)
    assert all(res.indexing.best.assignment)


def _finely_sampled_hexagonal(seed):
    """Hexagonal a = 120 Å (10, 11, 20 at 1 : √3 : 2), 8000 points: ~145 per FWHM. The 11
    and 20 lines are ~2σ per point, so the 1.5-point smoothing of the search never lifts
    them to 5σ, yet a fit of a line of the 10 line's width stands ~15σ (matched filter:
    the S/N grows with √(points per FWHM))."""
    rng = np.random.default_rng(seed)
    q = np.linspace(0.03, 0.25, 8000)
    q10 = 4 * np.pi / (np.sqrt(3) * 120.0)
    sg = 0.004 / 2.3548
    lam = 3000 * (q / q10) ** -3 + 600
    for rel, h in ((1.0, 1500.0), (np.sqrt(3), 70.0), (2.0, 60.0)):
        lam = lam + h * np.exp(-0.5 * ((q - rel * q10) / sg) ** 2)
    y = rng.poisson(lam).astype(float)
    return make_pattern(q, y, axis="q_A^-1", sigma=np.sqrt(y)), q10


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finely_sampled_weak_lines_are_found(seed):
    pat, q10 = _finely_sampled_hexagonal(seed)
    res = analyse_saxs(pat)
    rel = sorted(pk.q_inv_a / q10 for pk in res.peaks)
    for want in (np.sqrt(3), 2.0):  # position error of a ~15σ line: well under 0.5 %
        assert min(abs(r / want - 1) for r in rel) < 0.005, rel
    assert len(rel) == 3  # and no noise picked up on a scan of ~200 trial centres
    assert res.mesophase == "hexagonal"
    assert res.lattice_a == pytest.approx(120.0, rel=0.01)


def _coarse_fcc(seed):
    """FCC a = 300 Å, 111, 200, 220, 311 on a grid of 400 points (step 5.5·10⁻⁴ Å⁻¹) with
    lines narrower than one step: each line is one or two points high, so its free-width
    fit is degenerate (height 0–3σ for a line standing 15–30σ out of the noise)."""
    rng = np.random.default_rng(seed)
    a = 300.0
    q = np.linspace(0.02, 0.24, 400)
    sg = 0.0005 / 2.3548
    lam = 2000 * (q / 0.03) ** -3.5 + 20
    for n, h in ((3, 1500.0), (4, 700.0), (8, 200.0), (11, 150.0)):
        lam = lam + h * np.exp(-0.5 * ((q - 2 * np.pi * np.sqrt(n) / a) / sg) ** 2)
    y = rng.poisson(lam).astype(float)
    return make_pattern(q, y, axis="q_A^-1", sigma=np.sqrt(y))


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_undersampled_lines_are_kept(seed):
    """Before: no peak survived fitting (an error), or a lost 111 left 200/311 read as a
    450 Å lamellar stack. Refitted at the width of one sampling step, 111 and 200 are kept
    and index as FCC (doubtful: two or three lines)."""
    res = analyse_saxs(_coarse_fcc(seed))
    assert len(res.peaks) >= 2
    assert res.mesophase == "fcc"
    assert res.lattice_a == pytest.approx(300.0, rel=0.01)
    assert all(res.indexing.best.assignment)


def test_matched_scan_takes_no_background_shoulder_for_a_line():
    """Sweep seed 2026 case 74: SC, a = 273.4 Å, the background well under a broad
    residual hump around the strong 100 and 110 lines. Where the hump's slope bends
    (0.0264 Å⁻¹) a fit at the lines' width stood 10σ, a 'line' SC leaves unexplained; a
    fit three times broader describes it better, so it is background, not a line."""
    p = sweep_params(160, seed=2026)[74]
    assert p["name"] == "sc"
    q, y, s = sweep_pattern(p)
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=s))
    assert res.mesophase == "sc"
    assert res.lattice_a == pytest.approx(p["a"], rel=0.01)
    assert all(res.indexing.best.assignment)
