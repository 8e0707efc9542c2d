"""A cell whose first line is missing inside the measured range must not be ok (issue 10,
helper blindsaxs).

OTAC 70 wt% at 70 °C (Giess 2022 SAXSess set, tests/corpus/saxs/OTAC_070wtp_T070_5.pdh, MIT):
the H1 10 and 11 lines (q = 0.2588 and 0.4477 Å⁻¹, ratio √3) and a sharp line 1/300 as
strong as the 10 at 0.2237 Å⁻¹, which H1 does not explain. Doubling the hexagonal cell
explains all three (11, 20, 22 of a = 56.1 Å) with its own 10 and 21 missing, and was
reported 'hexagonal, a = 56.1 Å, ok'. The same three lines built here with numpy. Now the
first line missing is a doubt (quality._first_line_missing) and the weak line is set aside
(analysis._foreign_line_aside): H1, a = 28.05 Å, doubtful."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli


def _row(path):
    out = CliRunner().invoke(cli, ["saxs", "peaks", str(path), "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)[0]


def _h1_with_foreign_line(path, a=28.05, weak=0.003, seed=0):
    """H1 10/11 lines of lattice ``a`` (11 at 1 % of 10, as measured) and a foreign line
    ``weak`` × the 10 at q10·√3/2 — the 11 line of the cell twice as large — on a smooth
    falling background, counting noise, q in Å⁻¹ from 0.01."""
    rng = np.random.default_rng(seed)
    q = np.linspace(0.01, 0.68, 1100)
    q10 = 4 * np.pi / (np.sqrt(3) * a)
    lines = [(q10, 1.0, 0.0012), (np.sqrt(3) * q10, 0.008, 0.0014),
             (q10 * np.sqrt(3) / 2, weak, 0.0010)]
    i = 0.3 * (q / 0.1) ** -2.0 + 0.2 + sum(50 * h * np.exp(-0.5 * ((q - c) / w) ** 2) for c, h, w in lines)
    sigma = 0.01 * np.sqrt(i) + 0.005 * i
    np.savetxt(path, np.column_stack([q, i + rng.normal(0, sigma), sigma]), header="q_A^-1 I sigma")
    return path


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_supercell_reading_a_foreign_line_is_never_ok(tmp_path, seed):
    """The weak line is set aside: H1 with its own lattice and first d, doubtful."""
    row = _row(_h1_with_foreign_line(tmp_path / "h1.dat", seed=seed))
    assert row["mesophase"] == "hexagonal"
    # a and d₁ to 0.3 %, the position floor of the indexing; the doubled cell is 100 % off
    assert row["lattice_angstrom"] == pytest.approx(28.05, rel=0.003)
    assert row["d_first_angstrom"] == pytest.approx(28.05 * np.sqrt(3) / 2, rel=0.003)
    assert row["quality"] == "doubtful"
    assert any("set aside as a foreign line" in n for n in row["quality_notes"]), row["quality_notes"]


def test_first_line_check_alone_flags_a_supercell():
    """Without the re-indexing, the doubled cell's missing first line is named."""
    from dackit.saxs.mesophase import index_peaks
    from dackit.saxs.quality import _first_line_missing

    q10 = 4 * np.pi / (np.sqrt(3) * 28.05)
    idx = index_peaks([q10 * np.sqrt(3) / 2, q10, np.sqrt(3) * q10], q_min=0.01)
    assert idx.mesophase == "hexagonal" and idx.best.lattice_a == pytest.approx(2 * 28.05, rel=0.003)
    assert "first hexagonal line (10" in _first_line_missing(idx, 0.01)
    assert _first_line_missing(idx, q10 * 0.6) == ""  # the 10 line below the usable range


def test_first_line_seen_leaves_h1_ok(tmp_path):
    """The check must not touch a plain H1 pattern: 10 and 11 seen, nothing foreign."""
    row = _row(_h1_with_foreign_line(tmp_path / "h1.dat", weak=0.0))
    assert row["mesophase"] == "hexagonal"
    assert row["lattice_angstrom"] == pytest.approx(28.05, rel=0.01)
    assert not any("first hexagonal line" in n for n in row["quality_notes"])
