"""A cell loaded with both gauges: ruby R1/R2 and the Sm:SrB4O7 0-0 line in one spectrum
(`dackit sm` and `dackit ruby` each find their own line).

`dackit sm` took the strongest line in 683-740 nm, the ruby R1, and said "doubtful, 35 GPa,
is this a ruby spectrum?" while the Sm line stood in the same spectrum at 0.4x R1's height.
The spectrum is built here with numpy; the line positions come from the published scales
(Datchi et al. 1997 for Sm, Shen et al. 2020 for ruby), not from dackit's simulators.
"""
import numpy as np
import pytest
from scipy.optimize import brentq

from cli_helpers import run_json

P_GPA = 20.0


def _sm_nm(p):  # Datchi, LeToullec & Loubeyre, J. Appl. Phys. 81, 3333 (1997), lambda0 685.41 nm
    return 685.41 + brentq(lambda d: 4.032 * d * (1 + 9.29e-3 * d) / (1 + 2.32e-2 * d) - p, 0, 60)


def _r1_nm(p):  # Shen et al., High Press. Res. 40, 299 (2020), lambda0 694.24 nm
    return 694.24 * (1 + brentq(lambda d: 1870 * d * (1 + 5.63 * d) - p, 0, 0.2))


def _lorentz(x, c, fwhm):
    return 1.0 / (1.0 + ((x - c) / (0.5 * fwhm)) ** 2)


def _two_gauges(tmp_path, sm_fraction, seed=3):
    rng = np.random.default_rng(seed)
    x = np.arange(680.0, 715.0, 0.02)
    r1 = _r1_nm(P_GPA)
    r2 = 1e7 / (1e7 / r1 + 29.7)  # R2 lies 29.7 cm-1 above R1
    mean = (300 + 10000 * _lorentz(x, r1, 0.6) + 6000 * _lorentz(x, r2, 0.6)
            + sm_fraction * 10000 * _lorentz(x, _sm_nm(P_GPA), 0.25))
    f = tmp_path / f"two_gauges_{sm_fraction}.txt"
    np.savetxt(f, np.c_[x, rng.poisson(mean)], fmt="%.3f\t%d")
    return f


def test_sm_reads_its_line_beside_a_stronger_ruby_doublet(tmp_path):
    f = _two_gauges(tmp_path, 0.4)
    code, out, err = run_json("sm", f)
    assert code == 0, err
    row = out[0]
    assert row["line_nm"] == pytest.approx(_sm_nm(P_GPA), abs=0.01)
    # 0.01 nm of line is 0.04 GPa; the reference error (0.01 nm) is in pressure_gpa_err
    assert row["pressure_gpa"] == pytest.approx(P_GPA, abs=0.1)
    assert row["quality"] == "ok", row["quality_notes"]
    assert any("set aside" in n for n in row["quality_notes"])
    # the ruby in the same file still reads the same pressure
    _, ruby, _ = run_json("ruby", f)
    assert ruby[0]["pressure_gpa"] == pytest.approx(P_GPA, abs=0.1)


def test_a_faint_line_beside_ruby_is_not_taken_for_the_sm_line(tmp_path):
    # 5 % of R1: below what can be told from the ruby's own weak bands; the ruby R1 stays
    # the line found, which is doubtful as before, never an ok pressure
    code, out, err = run_json("sm", _two_gauges(tmp_path, 0.05))
    row = out[0]
    assert "error" in row or row["quality"] == "doubtful"


@pytest.mark.parametrize("sm_fraction", [1.2, 2.0])
def test_ruby_reads_its_doublet_beside_a_stronger_sm_line(tmp_path, sm_fraction):
    # above ~10 GPa the Sm 0-0 line enters ruby's 688-760 nm window; brighter than R1 it was
    # fitted as R1 (-9.2 GPa, doubtful) beside a clean 20 GPa ruby doublet
    code, out, err = run_json("ruby", _two_gauges(tmp_path, sm_fraction))
    assert code == 0, err
    row = out[0]
    assert row["r1_nm"] == pytest.approx(_r1_nm(P_GPA), abs=0.01)
    assert row["pressure_gpa"] == pytest.approx(P_GPA, abs=0.1)
    assert row["quality"] == "ok", row["quality_notes"]
    assert any("singlet" in n and "set aside" in n for n in row["quality_notes"])


def test_ruby_past_two_neon_lines_is_located_and_not_ok_with_one_on_r2(tmp_path):
    # a neon lamp left on: 703.241 nm and 692.947 nm (NIST ASD), narrow and 3x R1's height;
    # the first was fitted as R1 (26 GPa, doubtful). R1 (695.00 nm) is found; the 692.9 nm
    # line on R2's flank leaves a misfit, so the reading stays doubtful
    rng = np.random.default_rng(5)
    x = np.arange(685.0, 715.0, 0.02)
    r1 = 695.0
    r2 = 1e7 / (1e7 / r1 + 29.7)
    mean = (300 + 10000 * _lorentz(x, r1, 0.5) + 6000 * _lorentz(x, r2, 0.5)
            + 30000 * (_lorentz(x, 703.241, 0.08) + 0.6 * _lorentz(x, 692.947, 0.08)))
    f = tmp_path / "ruby_neon.txt"
    np.savetxt(f, np.c_[x, rng.poisson(mean)], fmt="%.3f\t%d")
    code, out, err = run_json("ruby", f)
    row = out[0]
    assert row["r1_nm"] == pytest.approx(r1, abs=0.01)
    assert row["quality"] == "doubtful"
