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


# --- the wider families (core-shell, Im3m, nm⁻¹ files through the CLI, smearing) ----------

def test_core_shell_form_factor_reduces_to_plain_spheres():
    """The generator's core–shell amplitude is the plain sphere's when the shell matches the
    solvent (a sphere of the core radius) or the core (a sphere of the outer radius)."""
    import numpy as np

    from saxs_ff_synth import form_factor

    q, r, t = np.linspace(0.005, 0.3, 400), 60.0, 0.3
    np.testing.assert_allclose(form_factor("fcc", q, r, 0.05, shell=(t, 1.0, 1.0)),
                               form_factor("fcc", q, r, 0.05), rtol=1e-10)
    np.testing.assert_allclose(form_factor("fcc", q, r, 0.05, shell=(t, 1.0, 0.0)),
                               form_factor("fcc", q, r / (1 + t), 0.05), rtol=1e-10)


def test_im3m_lines_are_bcc_positions_with_network_weights():
    """The P-surface film's transform has BCC's lines only (h+k+l even) and a network's
    weights: 110 strongest, 200 weaker than 211 (not a sphere lattice's falling series)."""
    from saxs_ff_synth import lines

    ls = lines("im3m")
    assert [round(s**2) for s, _, _ in ls[:5]] == [2, 4, 6, 8, 10]
    w = {round(s**2): m * f2 / s**2 for s, m, f2 in ls}
    assert w[2] == max(w.values()) and w[4] < w[6]


def test_wider_families_never_wrong_and_ok():
    """A case each of core–shell spheres, Im3m (expected "bcc"), Lorentzian lines with
    resolution smearing and a beam stop on the first line: never wrong with quality ok."""
    from saxs_ff_synth import (with_beamstop, with_core_shell, with_im3m, with_lineshape,
                               with_smear)

    base = sweep_params(8, seed=31337)
    cases = (with_core_shell(base, seed=31337)[:1] + with_im3m(base[:1], seed=31337)
             + with_smear(with_lineshape(base[2:3], "lorentz", seed=31337), seed=31337)
             + with_beamstop(base[4:5], seed=31337))
    for p in cases:
        out = run_case(p)
        assert out["right"] or out["quality"] == "doubtful", (p, out["found"], out["notes"])


@pytest.mark.parametrize("variant", ["header", "bare"])
def test_nm_file_through_the_cli(tmp_path, variant):
    """A well-measured BCC a = 400 Å in nm⁻¹ written to a .dat file, run through
    ``dackit saxs peaks --json``: with the unit in a header it is read right; without, it is
    read as Å⁻¹ (a = 40 Å) and must then be doubtful."""
    from saxs_ff_sweep import run_case_cli
    from saxs_ff_synth import typical_params

    p = next(p for p in typical_params(40, seed=5) if p["name"] == "bcc")
    out = run_case_cli({**p, "a": 400.0, "q_max_rel": 4.0}, variant, tmp_path)
    if variant in ("header", "sigma_unit"):
        assert out["right"], (out["found"], out["lattice_a"], out["notes"])
    else:
        assert out["quality"] == "doubtful" and abs(out["lattice_a"] - 40.0) < 0.4, out
