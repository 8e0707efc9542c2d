"""One line above the threshold (issue 10): weak lines at each phase's predicted positions
decide the mesophase, always doubtful; nothing under the threshold leaves it unnamed.
Patterns built here with numpy (Gaussian lines on a power law, Poisson noise)."""
from __future__ import annotations

import numpy as np
import pytest

from dackit.core.pattern import make_pattern
from dackit.saxs import analyse_saxs

Q1 = 0.08  # Å⁻¹: d = 78.5 Å


def _pattern(extra, seed=3, counts=1e5):
    """First line at Q1 (FWHM 2 % of Q1) plus weak lines at Q1·ratio with relative height h."""
    q = np.linspace(0.4 * Q1, 4.5 * Q1, 1100)
    sg = 0.02 * Q1 / 2.3548
    s = 1 + 3.0 * np.exp(-0.5 * ((q - Q1) / sg) ** 2)
    for ratio, h in extra:
        s += 3.0 * h * np.exp(-0.5 * ((q - ratio * Q1) / sg) ** 2)
    lam = counts * (q / Q1) ** -3 * s / 4
    y = np.random.default_rng(seed).poisson(lam).astype(float)
    return make_pattern(q, y, axis="q_A^-1", sigma=np.sqrt(np.maximum(y, 1)))


@pytest.mark.parametrize("extra, seed, phase", [
    ([(2.0, 0.014), (3.0, 0.011)], 5, "lamellar"),        # 002, 003 at 3–4σ: 1 : 2 : 3
    ([(np.sqrt(3), 0.012), (2.0, 0.009), (np.sqrt(7), 0.007)], 3, "hexagonal"),  # 1 : √3 : 2 : √7
])
def test_weak_orders_name_the_phase(extra, seed, phase):
    res = analyse_saxs(_pattern(extra, seed=seed))
    assert len(res.peaks) == 1  # the weak lines stay under the 5σ search threshold
    assert res.mesophase == phase
    d1 = 2 * np.pi / Q1
    from dackit.saxs.mesophase import MESOPHASES

    assert res.lattice_a == pytest.approx(d1 * MESOPHASES[phase].s_first, rel=0.01)
    assert res.quality == "doubtful"
    assert any("weak lines at its predicted positions" in n for n in res.quality_notes)


@pytest.mark.parametrize("seed", [3, 4])
def test_nothing_under_the_threshold_names_no_phase(seed):
    res = analyse_saxs(_pattern([], seed=seed))
    assert len(res.peaks) == 1
    assert res.mesophase is None and res.quality == "doubtful"
    assert res.to_dict()["mesophase"] is None


def test_weak_rival_line_reorders_and_doubts():
    """Two lines at 1 : 2 are lamellar 001/002 or hexagonal 10/20 with 11 unseen: an 11 line
    at ~4σ (under the 5σ search) puts hexagonal first, doubtful, tied with lamellar;
    without it lamellar stays, ok."""
    res = analyse_saxs(_pattern([(2.0, 0.2), (np.sqrt(3), 0.014)], seed=4))
    assert len(res.peaks) == 2
    assert res.mesophase == "hexagonal" and res.quality == "doubtful"
    assert res.lattice_a == pytest.approx(2 * np.pi / Q1 * 2 / np.sqrt(3), rel=0.01)
    assert res.to_dict()["mesophase_tie"] == ["hexagonal", "lamellar"]
    assert any("weak lines under the detection threshold" in n for n in res.quality_notes)
    plain = analyse_saxs(_pattern([(2.0, 0.2)], seed=4))
    assert plain.mesophase == "lamellar" and plain.quality == "ok", plain.quality_notes


def test_lines_fitted_as_one_group_get_a_short_label():
    """A huge cell puts dozens of predicted lines under one peak: the group's label names
    the first three and the count, so a quality note stays readable (hunt16 saw a
    1212-character note listing ~200 merged lines)."""
    from dackit.saxs.oneline import _weak_line_fits

    q = np.linspace(0.05, 0.15, 400)
    w = 0.004
    r = 5.0 * np.exp(-4 * np.log(2) * ((q - 0.1) / w) ** 2)
    pred = np.linspace(0.099, 0.101, 60)  # 60 lines inside one FWHM: one group
    hkl = tuple(f"{n}00" for n in range(60))
    fits = _weak_line_fits(q, r, np.full(q.size, 0.1), pred, np.ones(60), hkl,
                           np.ones(60, bool), w, 0.0, None)
    assert len(fits) == 1
    label = fits[0][0]
    assert label == "000/100/200/… (60 lines)"
    assert fits[0][2] == pytest.approx(0.1, abs=1e-4)  # the group's centre is unchanged
