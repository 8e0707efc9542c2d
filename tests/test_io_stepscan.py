"""Step-scan text formats (Sietronics CPI, MDI Jade, DBWS): start/step/end in a header, then
counts only. Read as columns they were refused ("line 402 has 1 column") or, with every line
full, taken as ten unnamed columns (issue 10: read what the lab software writes)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli
from dackit.errors import InputError
from dackit.io.patterns import read_pattern

LAM = 1.540562  # Cu Kα1 (Å), as CPI and MDI headers state it
START, STEP, N = 20.0, 0.02, 4000
SI_A = 5.431179  # NIST SRM 640e certificate (Å)


def _si_counts():
    tt = START + STEP * np.arange(N)
    y = np.full(N, 150.0)
    for hkl, height in (((1, 1, 1), 3000), ((2, 2, 0), 1800), ((3, 1, 1), 1000), ((4, 0, 0), 250),
                        ((3, 3, 1), 380), ((4, 2, 2), 450), ((5, 1, 1), 250)):
        d = SI_A / np.sqrt(sum(h * h for h in hkl))
        y += height / (1 + ((tt - 2 * np.degrees(np.arcsin(LAM / 2 / d))) / 0.05) ** 2)
    return tt, np.round(y).astype(int)


def _rows(values, per_line, width=8):
    return "".join("".join(f"{v:{width}d}" for v in values[i:i + per_line]) + "\n"
                   for i in range(0, len(values), per_line))


def _cpi(y):
    end = START + STEP * (N - 1)
    return (f"SIETRONICS XRD SCAN\n{START:.2f}\n{end:.2f}\n{STEP:.3f}\nCu\n{LAM}\n1-1-2026\n0.600\n"
            "Si 640e\nSCANDATA\n" + "".join(f"{v}\n" for v in y))


def _mdi(y):
    end = START + STEP * (N - 1)
    return f"12/01/26 10:00 Si 640e Cu-KA\n{START:.3f} {STEP:.3f} 2.0 CU {LAM} {end:.3f} {N}\n" + _rows(y, 8)


def _dbws(y):
    end = START + STEP * (N - 1)
    return f"{START:8.3f}{STEP:8.3f}{end:8.3f}  Si 640e\n" + _rows(y, 10)


@pytest.mark.parametrize("name, build, fmt, lam", [
    ("si.cpi", _cpi, "Sietronics CPI", LAM),
    ("si.mdi", _mdi, "MDI Jade", LAM),
    ("si.dbw", _dbws, "DBWS", None),
    ("si_dbws.dat", _dbws, "DBWS", None),  # ten counts a line fill every line: not 10 columns
])
def test_step_scan_reads_the_grid_and_counts(name, build, fmt, lam, tmp_path):
    tt, y = _si_counts()
    path = tmp_path / name
    path.write_text(build(y))
    pat = read_pattern(path)
    assert pat.metadata["format"] == fmt
    assert pat.x.size == N and np.allclose(pat.x, tt, atol=1e-9)
    assert np.array_equal(pat.intensity, y)
    assert pat.wavelength_a == lam
    assert np.allclose(pat.sigma, np.sqrt(y))  # whole numbers: the detector's counts


def test_scaled_intensities_get_no_poisson_sigma(tmp_path):
    """Decimal intensities are not counts: their σ is not √I (it is estimated downstream)."""
    _, y = _si_counts()
    path = tmp_path / "scaled.dbw"
    path.write_text(f"{START:8.3f}{STEP:8.3f}{START + STEP * (N - 1):8.3f}\n"
                    + "".join(f"{v / 7.3:10.4f}\n" for v in y))
    assert read_pattern(path).sigma is None


def test_cpi_scan_gives_the_silicon_cell(tmp_path):
    _, y = _si_counts()
    path = tmp_path / "si.cpi"
    path.write_text(_cpi(y))
    out = CliRunner().invoke(cli, ["xrd", "lattice", "--phase", "si", str(path), "--json"])
    assert out.exit_code == 0, out.output
    row = json.loads(out.stdout)[0]
    # the counts are rounded to integers on a 0.02° grid: the fitted cell carries ~1e-5 Å
    assert row["a_angstrom"] == pytest.approx(SI_A, abs=2e-4)


def test_counts_short_of_the_header_are_not_a_step_scan(tmp_path):
    _, y = _si_counts()
    path = tmp_path / "cut.dbw"
    path.write_text(_dbws(y[:-3]))  # the header promises 3 more counts: a truncated file
    with pytest.raises(InputError):
        read_pattern(path)


def test_three_column_file_is_not_taken_for_dbws(tmp_path):
    """A 2θ, I, σ file whose first row reads like start, step, end stays a column file."""
    tt, y = _si_counts()
    rows = np.c_[tt, y, np.sqrt(y)]
    rows[0] = (10.0, 0.5, 20.0)  # (20 − 10)/0.5 + 1 = 21 points: an integer, as DBWS needs
    path = tmp_path / "pattern.xye"
    np.savetxt(path, rows, fmt="%.4f")
    pat = read_pattern(path, wavelength_a=LAM)
    assert pat.metadata.get("format") != "DBWS" and pat.x.size == N


def test_fullprof_free_format_comment_lines_precede_the_header(tmp_path):
    """FullProf's free format (INSTRM=0) allows blank, '!' and '#' lines before 'start step end'
    (CrysFML's ceo2.dat); they were read as a column file: 'line 480 has 1 column(s)'."""
    tt, y = _si_counts()
    path = tmp_path / "si_free.dat"
    path.write_bytes(("\n\n! Diffraction pattern from Si CuKalpha\n#\n" + _dbws(y)).replace("\n", "\r\n").encode())
    pat = read_pattern(path)
    assert pat.metadata["format"] == "DBWS" and np.allclose(pat.x, tt, atol=1e-9)
    assert np.array_equal(pat.intensity, y)
    assert "! Diffraction pattern from Si CuKalpha" in pat.metadata["header"]


def test_commented_column_file_is_not_taken_for_free_format(tmp_path):
    """Comment lines skipped, a 2θ, I, σ file whose first row reads like start, step, end is
    still a column file: the header's count of points must match the counts."""
    tt, y = _si_counts()
    rows = np.c_[tt, y, np.sqrt(y)]
    rows[0] = (10.0, 0.5, 20.0)
    path = tmp_path / "pattern.xye"
    np.savetxt(path, rows, fmt="%.4f", header="2theta I sigma")
    pat = read_pattern(path, wavelength_a=LAM)
    assert pat.metadata.get("format") != "DBWS" and pat.x.size == N


@pytest.mark.parametrize("extra", [100, -3])
def test_header_disagreeing_with_the_counts_is_named(extra, tmp_path):
    """Counts one a line under a DBWS header that promises another number of points (CrysFML's
    rutana.dat: 7901 promised, 8001 given) were 'line 3 has 1 column(s)'; the error now says
    which numbers disagree, and nothing is read (which of header or counts is wrong is unknown)."""
    _, y = _si_counts()
    y = np.r_[y, y[:extra]] if extra > 0 else y[:extra]
    path = tmp_path / "scan.dat"
    path.write_text(f"{START:.2f} {STEP:.3f} {START + STEP * (N - 1):.2f}\n" + "".join(f"{v}.\n\n" for v in y))
    with pytest.raises(InputError, match=rf"{N} points\) disagrees with the {y.size} counts"):
        read_pattern(path)
