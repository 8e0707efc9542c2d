"""A first order the peak list lost must not leave an ok first d (issue 10, helper blindhunt).

pyNika's APS 12-ID-E AgBeh frame (tests/corpus/saxs/pynika_SAXS_AgBe_LaB6.hdf, MIT) is binned
0.0113 Å⁻¹ from q = 0.058: its 001 line, 18× the level around it, sits four points from the
low-q edge. Its 002 was lost too: the log-log background was softened into a 'dip' of one
measured point (one point spans a dozen points of the log grid there) and then followed
the lines. A curve built here with numpy the same way lost its 001 and 003 and gave
d₁ = 30.3 Å (the 002) with quality ok."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from corpus_manifest import CORPUS
from dackit.cli import cli

PYNIKA = CORPUS / "saxs" / "pynika_SAXS_AgBe_LaB6.hdf"


def _row(path):
    out = CliRunner().invoke(cli, ["saxs", "peaks", str(path), "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)[0]


def _coarse_agbeh(path, d=60.7, seed=0):
    """AgBeh-like lamellar orders on a coarse linear q grid starting just below the 001, with
    a steep low-q edge and σ growing faster than I (the spread of pixels in a ring bin)."""
    rng = np.random.default_rng(seed)
    q = 0.0579 + 0.011328 * np.arange(200)
    heights = [18, 3.0, 1.7, 0.5, 0.35, 0.12, 0.13, 0.05, 0.05, 0.03, 0.03]
    lines = sum(h * np.exp(-0.5 * ((q - 2 * np.pi * n / d) / 0.0055) ** 2)
                for n, h in enumerate(heights, start=1))
    i = 0.2 + 0.03 / q + 2.9 * np.exp(-(q - 0.0579) / 0.02) + lines
    sigma = 0.006 * i + 0.0023 * i ** 2
    np.savetxt(path, np.column_stack([q, i + rng.normal(0, sigma), sigma]), header="q_A^-1 I sigma")
    return path


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lost_first_order_is_never_ok(tmp_path, seed):
    row = _row(_coarse_agbeh(tmp_path / "agbeh.dat", seed=seed))
    assert row["mesophase"] == "lamellar"
    assert row["lattice_angstrom"] == pytest.approx(60.7, rel=0.01)
    if abs(row["d_first_angstrom"] / 60.7 - 1) > 0.01:
        assert row["quality"] == "doubtful"
        assert any("001" in n and "not among the peaks" in n for n in row["quality_notes"]), row


def test_pynika_frame_keeps_its_002_and_is_doubtful():
    q = np.asarray(__import__("h5py").File(PYNIKA, "r")["entry/AgBe_Lab6/sasdata/Q"][()])
    i = np.asarray(__import__("h5py").File(PYNIKA, "r")["entry/AgBe_Lab6/sasdata/I"][()])
    # the orders' spacing on this file's own (uncalibrated) q axis, from the data's maxima
    orders = [float(q[np.argmax(np.where(np.abs(q - 0.1035 * n) < 0.03, i, -np.inf))]) for n in range(1, 10)]
    step = float(np.polyfit(np.arange(1, 10), orders, 1)[0])
    row = _row(PYNIKA)
    assert row["mesophase"] == "lamellar"
    assert row["lattice_angstrom"] == pytest.approx(2 * np.pi / step, rel=0.01)
    assert any(abs(p["q_inv_a"] - orders[1]) < 0.01 for p in row["peaks"]), row["peaks"][:3]
    assert row["quality"] == "doubtful"
