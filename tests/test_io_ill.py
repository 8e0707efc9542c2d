"""FullProf's neutron instrument layouts (ILL D1A/D2B/3T2, ILL D1B/D20, PSI DMC) are named, not
misread: they were refused as 'line 3 has 1 column(s)' or 'line 1 is not numeric', which named
neither the format nor the way out (issue 10: a clean named error for an unsupported format)."""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli
from dackit.errors import InputError
from dackit.io.patterns import read_pattern

COUNTS = np.round(200 + 50 * np.sin(np.arange(400) / 7.0)).astype(int)


def _pairs(width):
    cells = [f"{1:2d}{c:{width - 2}d}" for c in COUNTS]
    return "".join("".join(cells[i:i + 10]) + "\n" for i in range(0, len(cells), 10))


def _d1a():
    # CrysFML Read_Pattern_D1A_D2B: title, step in columns 17–24, start, monitors, (I2, F6.0) pairs
    return (" PbSO4 D1A(ILL) round robin\n     100       0   0.050      10       0       0\n"
            "  10.000\n  10000.      0.    0.00    0.00\n" + _pairs(8) + "   -1000\n  -10000\n")


def _d1b():
    # CrysFML Read_Pattern_D1B_D20: five header lines, then (I2, F8.0) pairs
    return ("    1\n 31-MAR-88 17:08:25  PUCHE JUAN  LA2NIO4.00\n  1  18359    1 numors summed:\n"
            "      503745.     180.   18.000  263.770    0.000    0.000    0.000    0.000    0.200\n"
            " 400     0.000     0.000     0.000     0.000     0.000 CALIBRATED WITH VANA\n"
            + _pairs(10) + "     -1000\n")


def _dmc():
    # CrysFML Read_Pattern_DMC: two title lines, start step end (then settings), counts and σ in 10F8.0
    values = [f"{c:7d}." for c in COUNTS] + [f"{np.sqrt(c):8.1f}" for c in COUNTS]
    body = "".join("".join(values[i:i + 10]) + "\n" for i in range(0, len(values), 10))
    return (" DY11S.DAT;1         31-MAR-1993 04:58\nDYMN6GE6 CTI, 1.7037 A      WL: 1.7013\n"
            "    3.00    0.10   42.90   TEMP:   11.33+/- 0.01\n" + body)


@pytest.mark.parametrize("build, name", [
    (_d1a, "an ILL D1A/D2B or LLB 3T2 powder file (FullProf INSTRM=6"),
    (_d1b, "an ILL D1B/D20 powder file (FullProf INSTRM=3"),
    (_dmc, "a PSI DMC/HRPT powder file (FullProf INSTRM=8"),
])
def test_neutron_instrument_layout_is_named(build, name, tmp_path):
    path = tmp_path / "scan.dat"
    path.write_text(build())
    with pytest.raises(InputError) as err:
        read_pattern(path)
    message = str(err.value)
    assert str(path) in message and name in message and ".xye" in message and "--wavelength" in message
    out = CliRunner().invoke(cli, ["xrd", "lattice", "--phase", "si", "--wavelength", "1.9", str(path)])
    assert out.exit_code == 2 and name in out.output


def test_pairs_without_the_end_record_are_not_named_ill(tmp_path):
    """Without the -1000 record the pairs are no ILL file: the column reader's own error stands."""
    path = tmp_path / "scan.dat"
    path.write_text(_d1a().replace("   -1000\n  -10000\n", ""))
    with pytest.raises(InputError) as err:
        read_pattern(path)
    assert "ILL" not in str(err.value)


def test_dmc_counts_short_of_the_header_are_not_named_dmc(tmp_path):
    """The DMC header's count of points must match the counts (or counts and σ) that follow."""
    path = tmp_path / "scan.dat"
    path.write_text(_dmc().replace("42.90", "43.00"))
    with pytest.raises(InputError) as err:
        read_pattern(path)
    assert "DMC" not in str(err.value)
