"""ATSAS/SASFLOW curves end with 'key: value' metadata after the data (issue 10, helper hunts).

EMBL P12's pipeline (datop) and SASBDB downloads write three title lines, the s, I, σ rows,
then a footer ('range-from: 5', ..., 'angular-unit: nanometer', 'creator: datop'). dackit
refused the whole curve at the footer's first line ('line 2633 is not numeric: 'range-from:
5''; lipmix_utils' SASDG72/SASDG82 DMPC curves, tests/corpus/saxs). The footer's
'angular-unit' is the only statement of the q unit in such a file: s in nm⁻¹ read as Å⁻¹
puts every d 10× too small."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli
from dackit.errors import InputError
from dackit.saxs.analysis import load_saxs

D_A = 62.7  # a fluid DMPC bilayer's repeat distance, the order of SASDG82's


def _lamellar_nm(seed=0):
    """q (nm⁻¹), I, σ of a lamellar stack with d = D_A on a P12-like s range."""
    rng = np.random.default_rng(seed)
    s = np.linspace(0.03, 3.0, 900)
    q1 = 2 * np.pi / (D_A / 10)  # nm⁻¹
    lines = sum(h * np.exp(-0.5 * ((s - n * q1) / 0.02) ** 2) for n, h in ((1, 40.0), (2, 6.0), (3, 2.0)))
    i = 5.0 / s ** 2 + 1.0 + lines
    sigma = 0.01 * i
    return s, i + rng.normal(0, sigma), sigma


def _write(path, s, i, sigma, footer):
    head = ["Sample description: DMPC_test", "Sample: DMPC_test  c= 1 mg/ml  Code: DMPC_test_water",
            "Parent(s): analysis/processed/subtracted/DMPC_test_0001_sub.dat"]
    rows = [f"  {a:.6e}   {b:.6e}   {c:.6e}" for a, b, c in zip(s, i, sigma)]
    path.write_text("\n".join(head + rows + footer) + "\n")
    return path


FOOTER = ["range-from: 5", "range-to: 900", "Detector Distance [m]: 3.0", "Detector Name: pilatus6m",
          "Timestamp (begin): 2018-07-09 01:55:14.894", "angular-unit: nanometer", "creator: datop",
          "working-directory: /dataInt/p12/test/BatchMode"]


def test_footer_is_read_and_states_nm(tmp_path):
    s, i, sigma = _lamellar_nm()
    pat = load_saxs(_write(tmp_path / "c.dat", s, i, sigma, FOOTER))
    assert pat.axis == "q_A^-1" and pat.x.size == s.size
    assert pat.x[-1] == pytest.approx(s[-1] / 10, rel=1e-9)
    assert "angular-unit: nanometer" in pat.metadata["footer"]
    assert not pat.metadata.get("q_unit_assumed")


def test_footer_curve_gives_the_lamellar_d(tmp_path):
    s, i, sigma = _lamellar_nm()
    path = _write(tmp_path / "c.dat", s, i, sigma, FOOTER)
    out = CliRunner().invoke(cli, ["saxs", "peaks", str(path), "--json"])
    assert out.exit_code == 0, out.output
    row = json.loads(out.stdout)[0]
    assert row["mesophase"] == "lamellar"
    # issue 10's SAXS tolerance: d within 1 %
    assert row["lattice_angstrom"] == pytest.approx(D_A, rel=0.01)


def test_footer_in_angstrom_is_not_scaled(tmp_path):
    s, i, sigma = _lamellar_nm()
    footer = [ln if not ln.startswith("angular-unit") else "angular-unit: angstrom" for ln in FOOTER]
    pat = load_saxs(_write(tmp_path / "c.dat", s / 10, i, sigma, footer))
    assert pat.x[-1] == pytest.approx(s[-1] / 10, rel=1e-9)
    assert not pat.metadata.get("q_unit_assumed")


def test_footer_without_unit_leaves_q_unstated(tmp_path):
    s, i, sigma = _lamellar_nm()
    footer = [ln for ln in FOOTER if not ln.startswith("angular-unit")]
    pat = load_saxs(_write(tmp_path / "c.dat", s / 10, i, sigma, footer))
    assert pat.x.size == s.size and pat.metadata.get("q_unit_assumed")


def test_text_between_data_rows_is_still_refused(tmp_path):
    s, i, sigma = _lamellar_nm()
    path = _write(tmp_path / "c.dat", s, i, sigma, FOOTER)
    lines = path.read_text().splitlines()
    lines.insert(100, "Detector Name: pilatus6m")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="not numeric"):
        load_saxs(path)
