"""A fixed subset of the Tauc sweep (bench/tauc_sweep.py, issue 10): absorption spectra of
direct- and indirect-gap semiconductors built with numpy in tests/tauc_synth.py (not with
dackit's simulator): Urbach or Gaussian broadened edges, excitons, sub-gap bands and tails,
λ⁻⁴ / λ⁻¹ / flat scattering, thin-film fringes, stray-light saturation, nm or eV grids.

Each case must be right (within tauc_synth.tolerance_ev of the E_g it was built with),
doubtful, or refused with a DackitError: a wrong gap marked ok fails the test. The share of
right-and-ok answers is checked against a floor well under what the sweep measures, so a
change that makes everything doubtful fails too.
"""
from functools import cache

import pytest

from tauc_sweep import run_case
from tauc_synth import sweep_params

N_CASES = 40
PARAMS = sweep_params(N_CASES, seed=1)  # the first 40 of the dev sweep (same seed)


@cache
def _outcome(i):
    return run_case(PARAMS[i])


@pytest.mark.parametrize("i", range(N_CASES))
def test_never_wrong_and_ok(i):
    out = _outcome(i)
    p = PARAMS[i]
    if not out["right"]:
        assert out["quality"] in ("doubtful", "refused"), (p["gap_ev"], out["gap"], out["tol"], out["notes"])


def test_right_and_ok_share():
    rows = [_outcome(i) for i in range(N_CASES)]
    right_ok = sum(r["right"] and r["quality"] == "ok" for r in rows)
    # the 200-case sweeps measure 54 % (dev, seed 1) and 48 % (held out, seed 777) right and
    # ok, this subset 23 of 40; 30 % is the floor
    assert right_ok >= 0.3 * N_CASES, right_ok
