"""USAXS-range curves (issue 10): q on a log grid from 1e-4 Å⁻¹ to 0.3 Å⁻¹, as the APS 9-ID
NXcanSAS files of pyIrena's test data are. Two failures seen on those files, rebuilt here with
numpy: a single line near the low end made the one-line search enumerate cubic lines up to
s = q_max·a/2π ≈ 100-2000 (the command did not return), and a width guess from a narrow
low-q line, tried at high q where the log grid is coarse, crossed the fit's bounds (scipy's
ValueError, reported as 'unexpected')."""
import json

import numpy as np
from click.testing import CliRunner

from dackit.cli import cli
from dackit.saxs import mesophase
from dackit.saxs.peaks import _fit_cluster


def _usaxs_curve(path, q_line, fwhm, seed=3):
    rng = np.random.default_rng(seed)
    q = np.logspace(-4, np.log10(0.3), 528)
    y = 1e-7 * q ** -4 + 2e-3 * q ** -1.5 + 0.05
    y = y + 3.0 * y * np.exp(-4 * np.log(2) * ((q - q_line) / fwhm) ** 2)
    sigma = 0.01 * y
    y = y + rng.normal(0.0, sigma)
    np.savetxt(path, np.c_[q, y, sigma], header="q_A^-1 I sigma", comments="# ")
    return path


def test_one_line_at_the_low_end_of_a_usaxs_range_returns(tmp_path, monkeypatch):
    """One line at q = 0.0026 Å⁻¹ on data to 0.3 Å⁻¹: a doubtful one-line row, and no line
    list asked beyond s = 32 (past it the search never ended)."""
    asked = []
    real = mesophase._reflections_cached

    def guarded(name, s_max):
        asked.append(s_max)
        assert s_max <= 32, f"{name}: lines up to s = {s_max} asked for"
        return real(name, s_max)

    monkeypatch.setattr(mesophase, "_reflections_cached", guarded)
    path = _usaxs_curve(tmp_path / "usaxs.dat", 0.0026, 0.00066)
    out = CliRunner().invoke(cli, ["saxs", "peaks", str(path), "--json"])
    assert out.exit_code == 0, out.output
    row = json.loads(out.stdout)[0]
    assert row["quality"] == "doubtful"
    assert abs(row["peaks"][0]["q_inv_a"] - 0.0026) < 0.0001
    assert asked and max(asked) <= 32


def test_narrow_width_guess_on_a_coarse_log_grid_keeps_its_bounds_ordered():
    """A candidate at q = 0.1 Å⁻¹ (log step 0.0016 Å⁻¹) with the 4e-5 Å⁻¹ width of a low-q
    line: its fit window holds one point and is widened, and the widest width allowed must
    still exceed the narrowest (half a step); it was 2·(window) = 4.8e-4 < 8e-4 Å⁻¹."""
    q = np.logspace(-4, np.log10(0.3), 514)
    rng = np.random.default_rng(0)
    r = rng.normal(0.0, 1.0, q.size)
    j = int(np.argmin(np.abs(q - 0.1)))
    r[j - 1:j + 2] += [5.0, 20.0, 5.0]
    vals, *_ = _fit_cluster(q, r, np.ones_like(q), [(q[j], 4e-5, 20.0)], "pseudo_voigt", "")
    assert np.isfinite(vals[0][2]) and abs(vals[0][2] - q[j]) < 4e-5
