"""Weak lines under the detection threshold never put first a rival with a line the data
show absent (saxs.oneline.reorder_by_weak_lines with saxs.quality.measured_absent_line).

A lamellar stack of sheets whose form-factor lobe, left in the residual by the smooth
background, stood as 4σ bumps at the HCP 102 and 103 positions of a cell that puts HCP
100 and 112 on the lamellar 001 and 002: HCP was reported, though its 110, 101 and 103
lines are missing and HCP 110 is measured at −4σ where its matched 100 (39σ) predicts
12σ. Built with numpy (tests/saxs_ff_synth.py), not with dackit's simulator: the
form-factor sweep's seed 5151 case 40."""
import numpy as np

from saxs_ff_synth import synth

from dackit.core.pattern import make_pattern
from dackit.saxs import analyse_saxs
from dackit.saxs.quality import measured_absent_line

A = 121.02
LAM = dict(r_over_nn=0.3862, poly=0.0927, counts=28834.0, porod=0.003467, porod_exp=3.054,
           flat=0.06945, fwhm_rel=0.02686, peak_gain=2.617)


def _result(seed=87569347):
    q1 = 2 * np.pi / A
    q = np.linspace(0.8663 * q1, 6.431 * q1, 1260)
    q, y, s = synth("lamellar", A, q=q, seed=seed, **LAM)
    return analyse_saxs(make_pattern(q, y, axis="q_A^-1", sigma=s))


def test_weak_bumps_do_not_put_first_a_rival_with_a_line_measured_absent():
    res = _result()
    assert res.mesophase == "lamellar" and abs(res.lattice_a / A - 1) < 0.01, (
        res.mesophase, res.lattice_a, res.quality_notes)
    # the weak lines still speak for HCP: the result stays doubtful and says why
    assert res.quality == "doubtful"
    assert res.indexing.method == "positions, weak lines overruled"
    hcp = res.indexing.candidate("hcp")
    assert measured_absent_line(res.peakset, res.form_factor, hcp)
    assert any("measured absent" in n and "hcp" in n for n in res.quality_notes), res.quality_notes
    assert not measured_absent_line(res.peakset, res.form_factor, res.indexing.best)
