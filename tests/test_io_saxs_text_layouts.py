"""Two SAXS text layouts dackit refused for a wrong reason (issue 10, helper hunts4).

BioXTAS RAW 1.x '.dat' profiles (lqhuang/SAXS-tools test/frames/*.dat: MagR protein solution,
SSRF, December 2016) are a '### HEADER:' block of JSON, '### DATA:', the column line 'Q I Error',
then a line holding only the point count ('758') over the q, I, σ rows: refused at the count
('line 25 has 1 column(s); a pattern needs x and intensity'). The count is now skipped when it
equals the number of rows below it; any other lone number is still an error.

EMBL X33 / PRIMUS curves (emblsaxs/saxsview testsuite: bsa.dat, bsa-sub.dat, SASDAB2.dat) end
the data with a '=====' rule over blocks of run metadata, some with numeric rows: refused at the
rule ('line 2111 is not numeric'). A rule of ten or more '=' now closes the data."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli
from dackit.errors import InputError
from dackit.io.patterns import read_pattern

D_A = 58.38  # silver behenate d001 (Huang et al., J. Appl. Cryst. 26, 180 (1993))


def _lamellar_curve(seed):
    """q (1/A), noisy I and its σ of three silver-behenate orders on a Porod slope."""
    rng = np.random.default_rng(seed)
    q = np.linspace(0.01, 0.45, 700)
    q1 = 2 * np.pi / D_A
    lines = sum(h * np.exp(-0.5 * ((q - n * q1) / 0.002) ** 2) for n, h in ((1, 400.0), (2, 60.0), (3, 20.0)))
    i = 0.05 / q ** 2 + 2.0 + lines
    sigma = 0.01 * i
    i = i + rng.normal(0, sigma)
    return q, i, sigma


def _raw1_profile(path, count_offset=0):
    """A RAW 1.x-style file of a lamellar curve (q in 1/A), its count line off by count_offset."""
    q, i, sigma = _lamellar_curve(seed=1)
    header = {"filename": "AgBeh_00001.tiff", "counters": {"exposure_time": 1.0}, "wavelength": 1.0332}
    body = "\n".join(f"{a:.8E} {b:.8E} {c:.8E}" for a, b, c in zip(q, i, sigma))
    path.write_text("### HEADER:\n\n" + json.dumps(header, indent=4) + "\n\n### DATA:\n\n"
                    "         Q               I              Error\n"
                    f"{q.size + count_offset}\n{body}\n")
    return q


def test_raw1_point_count_line_is_skipped(tmp_path):
    path = tmp_path / "AgBeh_00001.dat"
    q = _raw1_profile(path)
    pattern = read_pattern(path)
    assert pattern.x.size == q.size
    np.testing.assert_allclose(pattern.x[[0, -1]], q[[0, -1]], rtol=1e-7)


def test_raw1_profile_is_analysed(tmp_path):
    path = tmp_path / "AgBeh_00001.dat"
    _raw1_profile(path)
    out = CliRunner().invoke(cli, ["saxs", "peaks", str(path), "--json"])
    assert out.exit_code == 0, out.output
    row = json.loads(out.stdout)[0]
    assert row["mesophase"] == "lamellar"
    assert row["lattice_angstrom"] == pytest.approx(D_A, rel=0.003)


def test_a_lone_number_that_is_not_the_row_count_is_still_an_error(tmp_path):
    path = tmp_path / "AgBeh_00001.dat"
    _raw1_profile(path, count_offset=5)
    with pytest.raises(InputError, match="has 1 column"):
        read_pattern(path)


def _x33_curve(path, rule="=" * 40):
    """An EMBL X33 / PRIMUS-style curve of the same lamellar lines (s in 1/A here), closed by
    a rule over blocks of run metadata, one of them with a numeric row."""
    q, i, sigma = _lamellar_curve(seed=2)
    body = "\n".join(f"  {a:.6E}  {b:.6E}  {c:.6E}" for a, b, c in zip(q, i, sigma))
    footer = (f" {rule}\nDescription:                            AgBeh\nExposure time (sec):   15.000\n"
              "     Evaluated chi-value factors\n    1  0.00000E+00\n"
              f" {rule}\nDescription:                            buffer\n")
    path.write_text(" 20-Sep-2012       (agbeh_125.dat)\n agbeh_125.dat  Conc = 0.0d+0   N1 =    1  N2 = 700\n"
                    f"{body}\n{footer}")
    return q


def test_x33_rule_ends_the_data(tmp_path):
    # was: 'line 703 is not numeric: '========================================''
    path = tmp_path / "agbeh_125.dat"
    q = _x33_curve(path)
    pattern = read_pattern(path)
    assert pattern.x.size == q.size
    assert "Exposure time (sec):   15.000" in pattern.metadata["footer"]
    assert any("rule on line 703" in note for note in pattern.reader_notes)
    out = CliRunner().invoke(cli, ["saxs", "peaks", str(path), "--json"])
    row = json.loads(out.stdout)[0]
    assert row["mesophase"] == "lamellar"
    assert row["lattice_angstrom"] == pytest.approx(D_A, rel=0.003)


def test_a_short_rule_between_rows_is_still_an_error(tmp_path):
    # only a rule of ten or more '=' closes the data; a stray '===' stays a named error
    path = tmp_path / "agbeh_125.dat"
    _x33_curve(path, rule="===")
    with pytest.raises(InputError, match="is not numeric"):
        read_pattern(path)
