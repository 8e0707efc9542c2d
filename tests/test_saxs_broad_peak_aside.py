"""A peak broader than any line of a lattice can be at its q is a form-factor hump, not a
line (issue 10). Lines of one lattice broaden with q at most as a paracrystal's, as q²; the
patterns are built with numpy in tests/saxs_ff_synth.py, not with dackit's simulator."""
from saxs_ff_sweep import run_case
from saxs_ff_synth import sweep_params, typical_params, with_paracrystal


def test_lamellar_not_read_fcc_through_a_broad_hump():
    """Form-factor sweep ``--n 60 --seed 2027`` case 32: lamellar a = 102.17 Å of sheets
    2R = 50 Å, 001 at 609σ (FWHM 0.0026 Å⁻¹) and 002 at 4.5σ, and the sheets' form-factor
    lobe left a 5.3σ hump at 1.62 q₁, FWHM 0.0118 ± 0.0012 Å⁻¹ — 4.1σ above the 2.64 × 0.0026
    a paracrystal's line could reach there. Read as FCC 220 it made the stack 'fcc 177 Å'
    (doubtful, lamellar named); set aside, lamellar explains the rest: right, doubtful."""
    out = run_case(sweep_params(60, seed=2027)[32])
    assert out["found"] == "lamellar" and out["right"], (out["found"], out["lattice_a"], out["notes"])
    assert out["quality"] == "doubtful"
    assert any("broader than a line" in n for n in out["notes"]), out["notes"]


def test_paracrystal_lines_are_not_set_aside():
    """Lines that broaden as a paracrystal's (widths growing as q², Lorentzian tails) stay
    lines: typical paracrystalline patterns of every mesophase keep their right reading."""
    for p in with_paracrystal(typical_params(8, seed=5151), seed=5151):
        out = run_case({**p, "width_growth": 0.1})
        assert out["right"], (p["name"], out["found"], out["lattice_a"], out["notes"])
        assert not any("broader than a line" in n for n in out["notes"])
