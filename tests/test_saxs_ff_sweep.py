"""A fixed subset of the form-factor sweep (bench/saxs_ff_sweep.py, issue 10): SAXS patterns
with the particle form factor, built with numpy in tests/saxs_ff_synth.py (not with dackit's
simulator), varied in R/nn (form-factor minima on different lines), polydispersity, counts,
q range (the first line sometimes cut), background and grid.

Each case must be right (mesophase, lattice within 1 %, d₁ a Bragg spacing within 1 %) or
doubtful: a wrong answer marked ok fails the test. The share of right-and-ok answers is
checked against a floor well under what the sweep measures, so a change that makes
everything doubtful fails too.
"""
from functools import cache

import pytest

from saxs_ff_sweep import run_case
from saxs_ff_synth import sweep_params

N_CASES = 40
PARAMS = sweep_params(N_CASES, seed=2026)  # the first 40 of the bench sweep (same seed)


@cache
def _outcome(i):
    return run_case(PARAMS[i])


@pytest.mark.parametrize("i", range(N_CASES))
def test_never_wrong_and_ok(i):
    out = _outcome(i)
    p = PARAMS[i]
    if not out["right"]:
        assert out["quality"] == "doubtful", (p["name"], p["a"], out["found"], out["lattice_a"],
                                              out["notes"])


def test_right_and_ok_share():
    rows = [_outcome(i) for i in range(N_CASES)]
    right_ok = sum(r["right"] and r["quality"] == "ok" for r in rows)
    # the bench sweep measures ~53 % right and ok over all cases (many have one visible
    # line only); half of that is the floor
    assert right_ok >= 0.3 * N_CASES, right_ok


def test_a_noise_spike_does_not_outvote_the_lattice_that_explains_every_line():
    """A well-measured lamellar pattern (the typical sweep's case 32: a = 121.33 Å, 001 and
    002 at 386σ and 44σ) with a two-point noise spike of 3.7σ, half as wide as the lines, at
    bcc 321 of a doubled cell: bcc led lamellar by that spike alone and was reported. A peak
    under the detection threshold and narrower than the lines is no evidence against the
    phase that explains every other line: lamellar, the right cell, doubtful with the reason.
    (Weak peaks of normal width keep their weight: setting those aside too turned 4–6 right
    answers per 160-case sweep wrong.)"""
    from saxs_ff_synth import typical_params

    out = run_case(typical_params(160, seed=2026)[32])
    assert out["found"] == "lamellar" and out["right"], (out["found"], out["lattice_a"], out["notes"])
    assert out["quality"] == "doubtful"
    assert any("weak spike" in n for n in out["notes"]), out["notes"]
