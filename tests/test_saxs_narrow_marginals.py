"""Marginal lines narrower than a lattice's lines must not choose a larger cell (issue 10,
helper saxs4).

FCC lines of a are Ia3d lines of a√2 (N → 2N: 111, 200, 220, 311 … are Ia3d 211, 220,
400, 332 …), so two foreign lines that fall near Ia3d's own 431 and 521 turn an FCC
superlattice into 'ia3d' of the larger cell. A real case: xrsdkit R3_SAXS_0042
(tests/corpus/saxs), FCC a = 94.9 Å with a precursor population's two sharp lines at 0.2421
and 0.2598 Å⁻¹. Here the same geometry is built with numpy only (tests/saxs_ff_synth.py):
an FCC pattern with lines 5 % of q₁ broad, plus two Gaussian lines 0.0032 Å⁻¹ broad (half
the lattice's width: larger domains, another population) at 3.5–4σ. Their width, not
their height, tells them from the lattice: one domain size and strain give every line of a
lattice a breadth in q that does not fall with the order (Williamson–Hall).

When that rule does not apply (the foreign lines as broad as the lattice's, or one of them
over 5σ), the family of 8 seeds × {narrow, broad} must still not read 'ia3d, ok' (helper
saxs5): FCC explains every peak that decides, and the Ia3d reading rests on its own lines
431 and 521: marginal, narrower than the lines below, where a chance line would match, or
above Ia3d's own 420 missing (``saxs.quality._rests_on_extra_peaks``). On main at 48477b2,
6 of the 16 were ia3d and ok (narrow seeds 1 and 7, broad seeds 1, 2, 4 and 7).
"""
import numpy as np
import pytest

from dackit.core.pattern import make_pattern
from dackit.saxs import analyse_saxs
from saxs_ff_synth import sweep_params, synth, typical_params

from saxs_ff_sweep import run_case

FOREIGN_Q = (0.2421, 0.2598)  # Å⁻¹, as in R3_SAXS_0042


#: FWHM (Å⁻¹) of the foreign lines: half the lattice's (another population's larger
#: domains), and the lattice's own 0.0059 Å⁻¹ (5 % of q₁ = 0.1147 Å⁻¹)
NARROW, BROAD = 0.0032, 0.0059


def _pattern(seed, foreign_fwhm):
    q = np.linspace(0.05, 0.6, 540)
    qq, lam, _ = synth("fcc", 94.9, r_over_nn=0.37, q=q, fwhm_rel=0.05, counts=3e3,
                       peak_gain=3.0, seed=seed, per_line=True)
    for qc in FOREIGN_Q:
        # about 3.5σ of the Poisson noise at the line's top over a few points
        lam = lam + 5.6 * np.sqrt(np.interp(qc, qq, lam)) * np.exp(
            -0.5 * ((qq - qc) / (foreign_fwhm / 2.3548)) ** 2)
    y = np.random.default_rng(seed).poisson(lam).astype(float)
    return make_pattern(qq, y, axis="q_A^-1", sigma=np.sqrt(np.maximum(y, 1.0)))


def test_narrow_foreign_lines_do_not_make_fcc_ia3d():
    res = analyse_saxs(_pattern(2, NARROW))
    assert res.mesophase == "fcc", (res.mesophase, res.lattice_a, res.quality_notes)
    assert res.lattice_a == pytest.approx(94.9, rel=0.01)
    # the foreign lines are still peaks fcc leaves unexplained: the result says so
    assert res.quality == "doubtful"
    assert any("narrower than the lines" in n for n in res.quality_notes), res.quality_notes


def test_marginal_lines_of_the_lattice_width_are_not_set_aside():
    # the same lines as broad as the lattice's: nothing tells them from its lines, and
    # the rule leaves the indexing as it is
    res = analyse_saxs(_pattern(2, BROAD))
    assert res.indexing.method != "positions, narrow marginals aside", res.quality_notes


@pytest.mark.parametrize("foreign_fwhm", [NARROW, BROAD], ids=["narrow", "broad"])
@pytest.mark.parametrize("seed", range(1, 9))
def test_fcc_with_foreign_lines_on_ia3d_positions_is_never_ia3d_ok(seed, foreign_fwhm):
    res = analyse_saxs(_pattern(seed, foreign_fwhm))
    right = res.mesophase == "fcc" and res.lattice_a == pytest.approx(94.9, rel=0.01)
    assert right or res.quality == "doubtful", (res.mesophase, res.lattice_a, res.quality_notes)
    if res.mesophase == "ia3d" and res.indexing.tie == ("ia3d",):
        # the doubt names the simpler reading, with its lattice constant
        assert any(n.startswith("fcc a = 9") and "ia3d reading rests on" in n
                   for n in res.quality_notes), res.quality_notes


def _ia3d_own_lines_scaled(seed, share):
    """A true Ia3d, a = 133.5 Å (the family's a·√2), its own lines — those FCC of a/√2 lacks
    (321, 420, 431, 521 …: N/2 no FCC N) — at ``share`` of their height."""
    fcc_n = {h * h + k * k + m * m for h in range(7) for k in range(7) for m in range(7)
             if len({h % 2, k % 2, m % 2}) == 1}
    q = np.linspace(0.05, 0.6, 540)
    qq, lam, per = synth("ia3d", 133.5, r_over_nn=0.37, q=q, fwhm_rel=0.05, counts=3e3,
                         peak_gain=3.0, seed=seed, per_line=True)
    for s, _, line in per:
        if round(s * s) // 2 not in fcc_n:  # Ia3d's N = h²+k²+l² is even
            lam = lam - (1 - share) * line
    y = np.random.default_rng(seed).poisson(lam).astype(float)
    return make_pattern(qq, y, axis="q_A^-1", sigma=np.sqrt(np.maximum(y, 1.0)))


@pytest.mark.parametrize("seed", [2, 3, 4, 6, 8])
def test_true_ia3d_with_a_weak_but_clear_321_stays_ok(seed):
    # 321 at a third of its height stands at 5.4–6.7σ among sparse low orders: a position
    # no chance line takes, so the FCC of a/√2 (211, 220 = its 111, 200) does not make
    # the result doubtful
    res = analyse_saxs(_ia3d_own_lines_scaled(seed, 0.3))
    assert res.mesophase == "ia3d" and res.lattice_a == pytest.approx(133.5, rel=0.01)
    assert res.quality == "ok", res.quality_notes


@pytest.mark.parametrize("kind, seed, i", [("sweep", 7, 19), ("typical", 7, 11), ("typical", 7, 35)])
def test_bcc_whose_own_lines_stand_clear_stays_ok(kind, seed, i):
    # BCC 200, 310 and 321 are lines hexagonal 10/11/20/21 (and SC at a/√2) lack; clear
    # and on sparse own lines they decide, though fitted widths of one lattice scatter by
    # ~15 % (case 19: 200 at 0.0023 Å⁻¹ beside 110 at 0.0027 Å⁻¹, both ±0.0001)
    p = (typical_params if kind == "typical" else sweep_params)(40, seed=seed)[i]
    out = run_case(p)
    assert p["name"] == "bcc" and out["right"] and out["quality"] == "ok", out["notes"]
