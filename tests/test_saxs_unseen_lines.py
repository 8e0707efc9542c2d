"""A lead that rests on a rival's unseen lines (saxs.quality._lead_on_unseen_lines) is
doubtful while the weakest line seen is weak — unless the data show those lines absent:
with an accepted form factor, a line fitted at the rival's position falls far short of
the height the rival predicts there (saxs.quality._measured_absent). Patterns built with
numpy (tests/saxs_ff_synth.py), not with dackit's simulator."""
import numpy as np
import pytest

from saxs_ff_synth import synth

from dackit.core.pattern import make_pattern
from dackit.saxs import analyse_saxs
from dackit.saxs.quality import _measured_absent

# 2D hexagonal rods, a = 81.17 Å: 10/11/20/21 are BCC 110/211/220/321 of a = 99.4 Å with
# BCC 200 (and 310) unseen; the rods' cylinder form factor is strong enough to be accepted
HEX = dict(r_over_nn=0.352, poly=0.12, counts=1.76e5, fwhm_rel=0.0286, peak_gain=6.2,
           porod=0.126, porod_exp=3.1, flat=0.00123)
A_HEX = 81.17


def _hex_pattern(seed, extra=None):
    q1 = 4 * np.pi / (np.sqrt(3) * A_HEX)
    q = np.linspace(0.182 * q1, 4.92 * q1, 610)
    q, y, s = synth("hexagonal", A_HEX, q=q, seed=seed, **HEX)
    if extra is not None:
        y = y + extra(q, y)
    return q, y


def _bcc_200(q1):
    return q1 * np.sqrt(2)


@pytest.mark.parametrize("seed", [1634148129, 3, 11])
def test_hexagonal_with_bcc_200_measured_absent_is_ok(seed):
    q, y = _hex_pattern(seed)
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1"))
    assert res.mesophase == "hexagonal" and abs(res.lattice_a / A_HEX - 1) < 0.01
    bcc = res.indexing.candidate("bcc")
    # the rule is exercised: BCC explains every peak and trails only by lines not seen
    assert bcc.n_unexplained == res.indexing.best.n_unexplained and bcc.missing_hkl
    assert res.form_factor is not None and res.form_factor.accepted
    assert _measured_absent(res, bcc)
    assert not any("only through" in n for n in res.quality_notes), res.quality_notes


def test_a_rival_line_that_is_there_is_not_measured_absent():
    """The hexagonal pattern with a line of the lines' width put at each unseen BCC
    position, 4σ high (under the detection threshold, so no peak the finder would fit):
    the check must not call any of them absent."""
    import dataclasses

    from dackit.saxs.oneline import _line_fit
    from dackit.saxs.peaks import _residual_of
    from dackit.core.lineshapes import pseudo_voigt

    q, y = _hex_pattern(1634148129)
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1"))
    bcc = res.indexing.candidate("bcc")
    assert _measured_absent(res, bcc)
    ps = res.peakset
    r, sig = _residual_of(ps.q, ps.intensity, ps.background, ps.noise, ps.mode, ps.peaks, ps.shape)
    w = float(np.median([p.fwhm_inv_a for p in ps.peaks]))
    eta = ps.peaks[0].eta
    k = 2 * np.pi / bcc.lattice_a
    from dackit.saxs.mesophase import MESOPHASES

    refl = MESOPHASES["bcc"].reflections(float(ps.q[-1]) / k)
    added = np.zeros_like(ps.q)
    for label in bcc.missing_hkl:
        qc = float(refl.s[list(refl.hkl).index(label)] * k)
        _, e = _line_fit(ps.q, r, sig, qc, w, eta)
        if np.isfinite(e):
            added += 4.0 * e * pseudo_voigt(ps.q, 1.0, qc, w, eta)
    scale = ps.background if ps.mode == "divide" else 1.0
    faint = dataclasses.replace(res, peakset=dataclasses.replace(ps, intensity=ps.intensity + added * scale))
    assert not _measured_absent(faint, bcc)


@pytest.mark.parametrize("seed", [1871958875, 7, 8, 9])
def test_bcc_with_200_in_a_form_factor_minimum_is_never_wrong_and_ok(seed):
    """BCC, a = 124.91 Å, spheres of R/nn 0.374: 200 sits at the sphere's first minimum,
    the 110/211/220 left are hexagonal 10/11/20, at 2300 counts over a flat background.
    Whether or not the form factor is accepted, the 200 must not be taken as measured
    absent: the answer is bcc, or doubtful (these noise seeds give hexagonal/bcc and
    sc/bcc ties, bcc by weak lines, bcc without an sc-forbidden line)."""
    a = 124.91
    q1 = 2 * np.pi * np.sqrt(2) / a
    q = np.linspace(0.807 * q1, 6.86 * q1, 923)
    q, y, s = synth("bcc", a, q=q, seed=seed, r_over_nn=0.374, poly=0.109, counts=2315,
                    fwhm_rel=0.0497, peak_gain=3.55, porod=0.00294, porod_exp=3.44, flat=0.0354)
    res = analyse_saxs(make_pattern(q, y, axis="q_A^-1"))
    right = res.mesophase == "bcc" and abs(res.lattice_a / a - 1) < 0.01
    assert right or res.quality == "doubtful", (res.mesophase, res.quality_notes)
