"""BCC read as SC a/√2 was marked ok (found by sweep17, issue 10): typical BCC superlattice
patterns (saxs_ff_synth.typical_params ranges except q_max) whose data start on the first
line (0.2–1 % of q1 below its centre, under one FWHM: a beam stop or mask edge) and end
before the BCC 321 line at √7 q1 (q_max 2.4–2.5 q1, e.g. a = 80 Å on a camera reaching
0.26 Å⁻¹). Below √7 q1 every BCC line is an SC line of a/√2, so the two tie by position
and only the line strengths (mesophase.index_peaks, STRENGTH_DECISIVE) tell them apart.
With the background unpinned below the first line the fitted areas are off (the 310 at
3× its height on the same data started at 0.6 q1) and neither phase fits them (strength
χ² 21 and 31 for 5 lines, 16 and 26 for 6), yet SC left BCC out of the tie by the
difference, and the first-peak-at-the-edge note was information only
(quality._edge_harmless checks the first peak's position, not its strength). Now the
note is a doubt with the reason named (quality._unfit_strengths_decided). The same data
from 0.6 q1 read BCC, ok. Patterns built with numpy (tests/saxs_ff_synth.py), not with
dackit's simulator.
"""
import pytest
from saxs_ff_sweep import run_case

CASES = [
    {"name": "bcc", "a": 80.68, "r_over_nn": 0.3239888327240207, "poly": 0.07324169670907406,
     "counts": 271474.15361296583, "q_min_rel": 0.9907146383524018,
     "q_max_rel": 2.3972423224101385, "porod": 0.06267914720359191, "porod_exp": 4.0,
     "flat": 0.0017792377693850716, "fwhm_rel": 0.01297588177828387,
     "peak_gain": 6.948925187266969, "npts": 1104, "log_grid": True, "with_sigma": False,
     "seed": 1161205535},
    {"name": "bcc", "a": 163.93, "r_over_nn": 0.31907945710493607, "poly": 0.08935767424545188,
     "counts": 152242.9723161763, "q_min_rel": 0.997901627713532,
     "q_max_rel": 2.4871811711809024, "porod": 0.060901979239793735, "porod_exp": 4.0,
     "flat": 0.010255453234951434, "fwhm_rel": 0.01394153995893398,
     "peak_gain": 4.946123146123384, "npts": 1042, "log_grid": True, "with_sigma": True,
     "seed": 2062777804},
]


@pytest.mark.parametrize("p", CASES, ids=[f"bcc{p['a']:g}" for p in CASES])
def test_bcc_cut_at_first_line_is_right_or_doubtful(p):
    out = run_case(p)
    assert out["right"] or out["quality"] == "doubtful", (out["found"], out["lattice_a"],
                                                          out["notes"])
    if not out["right"]:
        assert any("line strengths that fit neither" in n for n in out["notes"]), out["notes"]


@pytest.mark.parametrize("p", CASES, ids=[f"bcc{p['a']:g}" for p in CASES])
def test_same_data_from_lower_q_read_bcc(p):
    """The control: the first line whole (data from 0.6 q1), the strengths pick BCC. Its
    211 sits at the sphere zero (visibility 0.03–0.1): the SC/BCC choice rests on that line's
    strength as corrected by the fitted form factor, which a few % in R turns over (ffprobe19
    found BCC read as SC that way), so doubtful with the dip named is as right as ok."""
    out = run_case({**p, "q_min_rel": 0.6})
    assert out["right"], (out["found"], out["lattice_a"], out["notes"])
    assert out["quality"] == "ok" or any("dip at q" in n for n in out["notes"]), out["notes"]
