"""Typical SAXS experiments with the particle form factor (issue 10): well-measured
nanocrystal superlattices, built with numpy in tests/saxs_ff_synth.py (not with dackit's
simulator) — counts 10^4–10^5.5, polydispersity 5–10 %, R/nn 0.3–0.45, FWHM 1–2 % of q1,
the first lines inside the data, Porod q⁻⁴ (``typical_params``; the whole set runs in
``bench/saxs_ff_sweep.py --typical``).

SC and BCC share their first six line positions (1 : √2 : √3 : 2 : √5 : √6); with a form
factor hiding lines, the positions alone often tie. The line strengths tell them apart
(SC's second line is as strong as its first, BCC's a quarter of it), so every such case
must be right, and nearly all ok.
"""
from functools import cache

import numpy as np
import pytest

from saxs_ff_sweep import run_case
from saxs_ff_synth import typical_params

from dackit.saxs.mesophase import MESOPHASES, index_peaks, strength_misfit

PARAMS = typical_params(80, seed=1)  # the first typical set of the bench (same seed)
CUBIC = [i for i, p in enumerate(PARAMS) if p["name"] in ("sc", "bcc")]


@cache
def _outcome(i):
    return run_case(PARAMS[i])


@pytest.mark.parametrize("i", CUBIC)
def test_sc_bcc_typical_right(i):
    out = _outcome(i)
    p = PARAMS[i]
    assert out["right"], (p["name"], p["a"], out["found"], out["lattice_a"], out["notes"])


def test_sc_bcc_typical_mostly_ok():
    rows = [_outcome(i) for i in CUBIC]
    # before the strength criterion: 11 of 20 ok (SC/BCC ties, "lines that weak may be
    # missed"); measured after: 20 of 20
    assert sum(r["right"] and r["quality"] == "ok" for r in rows) >= 18


def _lines(name, a, n):
    refl = MESOPHASES[name].reflections(8.0)
    return 2 * np.pi * refl.s[:n] / a, refl.weight[:n] / refl.s[:n] ** 2


@pytest.mark.parametrize("name,other,a", [("sc", "bcc", 200.0), ("bcc", "sc", 200.0 * np.sqrt(2))])
def test_strengths_break_the_sc_bcc_tie(name, other, a):
    # five lines at identical positions for both phases; strengths as the lattice gives them
    q, w = _lines(name, a, 5)
    rng = np.random.default_rng(3)
    st = w * np.exp(rng.normal(0, 0.1, w.size))
    plain = index_peaks(q)
    assert set(plain.tie) >= {"sc", "bcc"}  # by position alone they tie
    idx = index_peaks(q, strengths=st, strength_err=0.05 * st)
    assert idx.mesophase == name and other not in idx.tie
    assert idx.candidate(other).strength_chi2 > idx.best.strength_chi2 + 9


def test_strength_misfit_allows_a_debye_waller_decay():
    q = np.array([0.03, 0.045, 0.06, 0.075])
    w = np.array([6.0, 4.0, 3.0, 2.0])
    decayed = w * np.exp(-400.0 * q**2)  # paracrystalline disorder damps high orders
    assert strength_misfit(q, decayed, 0.01 * decayed, w) < 1e-6
    grown = w * np.exp(+400.0 * q**2)  # no disorder makes high orders stronger
    assert strength_misfit(q, grown, 0.01 * grown, w) > 9
    assert np.isnan(strength_misfit(q[:1], w[:1], w[:1], w[:1]))


def test_bcc_behind_a_beamstop_shadow_is_not_ok_as_hexagonal():
    # a typical BCC superlattice (R/nn 0.44: 200 and 310 in form-factor minima) seen
    # through a beam-stop shadow on a flat dark floor and a strong Porod q⁻⁴: the form
    # factor is not found, the positions read hexagonal 10/11/21 with 20 missing; the line
    # strengths say BCC. Whatever is reported, a wrong answer must not be ok (before the
    # strength check: hexagonal, ok).
    from saxs_ff_synth import lines, synth

    from dackit.core.pattern import make_pattern
    from dackit.saxs import analyse_saxs

    a = 143.11
    q1 = 2 * np.pi * lines("bcc")[0][0] / a
    q = np.linspace(0.1 * q1, 5.36 * q1, 1706)
    _, lam, _ = synth("bcc", a, r_over_nn=0.44, poly=0.062, q=q, fwhm_rel=0.0194, counts=16600,
                      peak_gain=2.37, porod=1.0, flat=0.0037, per_line=True)
    lam = lam / (1 + np.exp(-(q - 0.35 * q1) / (0.03 * q1))) + 16.6
    y = np.random.default_rng(11).poisson(lam).astype(float)
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1"))
    right = res.mesophase == "bcc" and abs(res.lattice_a / a - 1) < 0.01
    assert right or res.quality == "doubtful", (res.mesophase, res.lattice_a, res.quality_notes)


def test_strengths_rule_out_a_phase_tied_only_without_the_credits():
    # typical seed 2 case 42: SC (a = 224.35 Å) with 220 and 221/300 in a form-factor dip;
    # BCC (a√2) explains the same seven lines and trails by just over the tie margin with
    # the match credits, within it without them. The three lines with a measured strength
    # (100 : 110 : 111 = 1 : 1 : 0.44, SC's) rule BCC (1 : 0.25 : 0.67) out there too.
    a = 224.35
    s = np.sqrt([1, 2, 3, 4, 5, 6, 10])
    q = 2 * np.pi * s / a
    st = np.array([2.79, 2.48, 1.11, np.nan, np.nan, np.nan, np.nan]) * 1e-3
    err = np.array([0.17, 0.20, 0.22, np.nan, np.nan, np.nan, np.nan]) * 1e-3
    plain = index_peaks(q, fwhm_inv_a=np.full(q.size, 3e-4), q_min=0.0104)
    assert plain.mesophase == "sc" and "bcc" in plain.tie
    idx = index_peaks(q, fwhm_inv_a=np.full(q.size, 3e-4), q_min=0.0104, strengths=st,
                      strength_err=err)
    assert idx.mesophase == "sc" and idx.tie == ("sc",)
