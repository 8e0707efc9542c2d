"""Humps as broad as a liquid's or a form factor's maxima are no lattice (saxs.quality
LIQUID_WIDTH).

A particle form factor oscillates: a sheet's or a sphere's maxima after the first zero are
humps of Δq/q ≈ 0.2–0.4, and two of them fall at ratios a lattice also has (a sheet of
R = 25 Å: 1 : 1.71, hexagonal 10/11 is 1 : 1.73). Bragg lines of ordered domains are far
narrower: Δq = 2πK/L, so even a domain of only six periods of the first spacing gives
Δq/q₁ ≈ 0.15. When every indexed peak is broader than that, the verdict must be doubtful
and say why.
"""
import numpy as np
import pytest

from saxs_ff_synth import sweep_params, sweep_pattern
from dackit.core.pattern import make_pattern
from dackit.saxs import analyse_saxs
from dackit.saxs.quality import LIQUID_WIDTH

BROAD = "every indexed peak is broad"


def _form_factor_only(shape, radius, poly, seed=1):
    """Polydisperse sheets or spheres, no structure factor at all, Porod and flat
    background, Poisson noise (numpy only)."""
    q = np.geomspace(0.03, 0.6, 1500)
    t = np.linspace(-3, 3, 41)
    w = np.exp(-0.5 * t**2)
    rs = radius * (1 + poly * t)
    x = np.outer(rs, q)
    if shape == "sheet":
        f, v = np.sinc(x / np.pi) ** 2 / q**2, rs
    else:
        f, v = (3 * (np.sin(x) - x * np.cos(x)) / x**3) ** 2, rs**3
    p = (w * v**2) @ f / np.sum(w * v**2)
    lam = 2e4 * p / p[300] + 50 * (q / q[300]) ** -3.5 + 5
    y = np.random.default_rng(seed).poisson(lam).astype(float)
    return make_pattern(q, y, axis="q_A^-1", sigma=np.sqrt(np.maximum(y, 1)))


@pytest.mark.parametrize("shape, radius", [("sheet", 25.0), ("sphere", 25.0), ("sphere", 40.0)])
def test_form_factor_maxima_indexed_as_lines_are_doubtful_and_named(shape, radius):
    res = analyse_saxs(_form_factor_only(shape, radius, 0.04))
    assert len(res.peaks) >= 2 and res.mesophase is not None
    assert res.quality == "doubtful"
    assert any(n.startswith(BROAD) for n in res.quality_notes)


def test_sweep_case_sheet_humps_read_as_hexagonal_is_not_ok():
    # form-factor sweep, seed 2026 case 200: a lamellar stack (d = 88.2 Å, first line
    # cut) whose Bragg lines are too weak to see; the sheet form factor's maxima at 0.179
    # and 0.305 Å⁻¹ (FWHM ≈ 0.05 Å⁻¹) were indexed as hexagonal 10/11, a = 40.7 Å, ok
    p = sweep_params(320, seed=2026)[200]
    assert p["name"] == "lamellar" and p["a"] == 88.2
    q, y, s = sweep_pattern(p)
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=s))
    assert res.mesophase != "lamellar"  # the lines are not in the data: no right answer here
    assert res.quality == "doubtful"
    assert any(n.startswith(BROAD) for n in res.quality_notes)


def test_narrow_lines_of_a_lattice_are_not_called_broad():
    # hexagonal 10/11/20/21 of FWHM 3 % of q10 (domains of ~30 periods) on a Porod slope
    a = 60.0
    q = np.linspace(0.04, 0.5, 1500)
    q10 = 4 * np.pi / (np.sqrt(3) * a)
    lam = 200 * (q / q[0]) ** -3.0 + 20.0
    for s, m in ((1, 6), (np.sqrt(3), 6), (2, 6), (np.sqrt(7), 12)):
        lam += 3e3 * m / 6 / s**2 * np.exp(-0.5 * ((q - s * q10) / (0.03 * q10 / 2.3548)) ** 2)
    y = np.random.default_rng(3).poisson(lam).astype(float)
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=np.sqrt(np.maximum(y, 1))))
    assert res.mesophase == "hexagonal" and res.lattice_a == pytest.approx(a, rel=0.01)
    assert not any(n.startswith(BROAD) for n in res.quality_notes)
    widths = [p.fwhm_inv_a / q10 for p in res.peaks]
    assert max(widths) < LIQUID_WIDTH
