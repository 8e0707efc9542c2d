"""A first line whose maximum sits on the data's first point (the beam stop cutting the
data 0.05 FWHM below the hexagonal 10): the flank fit's centre, bounded at the first point,
came out on that bound and the 227σ line was refused as undetermined, so the 11/20 read as
FCC 111/200 (a = 61.1 Å for 70.5 Å, doubtful). The centre is now free below the data and
judged with its error; where the data do not show the maximum clear of the first point, the
fall must be the data's, not the background estimate's (the lamellar curve of
tests/test_saxs_absent_rival.py, whose background rises over its first points, keeps no cut
line). Patterns built with numpy (tests/saxs_ff_synth.py, the ``--typical --beamstop --n 30
--seed 7`` sweep case 9), not with dackit's simulator."""
import numpy as np
from saxs_ff_sweep import run_case
from saxs_ff_synth import synth, typical_params, with_beamstop
from test_saxs_absent_rival import A as LAM_A
from test_saxs_absent_rival import LAM

from dackit.core.pattern import make_pattern
from dackit.saxs.peaks import find_peaks

CASE = with_beamstop(typical_params(30, seed=7), seed=7)[9]


def test_line_centred_on_the_first_point_is_read():
    p = CASE
    assert p["name"] == "hexagonal" and 1 - p["q_min_rel"] < 0.1 * p["fwhm_rel"]
    out = run_case(p)
    assert out["found"] == "hexagonal" and abs(out["lattice_a"] / p["a"] - 1) < 0.01, (
        out["found"], out["lattice_a"], out["notes"])
    assert out["right"]
    assert any("cut by the beam stop" in n for n in out["notes"]), out["notes"]
    # three peaks, one of them the cut line: the lattice rests on it, so not ok
    assert out["quality"] == "doubtful"


def test_background_rising_at_the_start_is_no_cut_line():
    """The residual falls from the first point only because the background estimate rises
    there (the raw counts fall by a fifth where it rises by a quarter): no line."""
    q1 = 2 * np.pi / LAM_A
    q = np.linspace(0.8663 * q1, 6.431 * q1, 1260)
    q, y, s = synth("lamellar", LAM_A, q=q, seed=87569347, **LAM)
    ps = find_peaks(make_pattern(q, y, axis="q_A^-1", sigma=s))
    assert ps.cut_at is None, [(pk.q_inv_a, pk.amplitude) for pk in ps.peaks]
