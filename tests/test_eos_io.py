"""EosFit7 .dat and CSV reading/writing."""
import numpy as np
import pytest

from dackit.eos import read_eosfit, read_pv, write_eosfit
from dackit.errors import InputError


def test_reads_format_line_file(real_data):
    d = read_pv(real_data / "quantas_eos" / "PV_quartz.dat")
    assert d.title == "PV_Quartz"
    assert d.n == 22
    assert d.pressure_gpa[:3].tolist() == [0.0, 0.430, 0.794]
    assert d.volume_a3[-1] == 96.989
    assert d.pressure_err[0] == 1e-6 and d.volume_err[-1] == 0.017


def test_reads_job_format_data_file(real_data):
    d = read_pv(real_data / "quantas_eos" / "PV_topaz.dat")
    assert d.title == "Topaz (Gatta et al., 2014)"
    assert d.n == 25
    assert d.pressure_gpa[0] == 0.0001 and d.pressure_gpa[-1] == 45.33
    assert d.volume_a3[0] == 345.46 and d.volume_err[-1] == 0.20
    assert d.columns["a_a"][0] == 4.6627 and d.columns["c_a_err"][-1] == 0.003


def test_write_read_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    p = np.sort(rng.uniform(0, 20, 9))
    v = 100 - p
    sp, sv = rng.uniform(0.01, 0.1, 9), rng.uniform(0.01, 0.05, 9)
    a = v ** (1 / 3)
    path = write_eosfit(tmp_path / "rt.dat", p, v, sp, sv, title="round trip",
                        extra={"a_a": a, "a_a_err": np.full(9, 1e-4)})
    text = path.read_text().splitlines()
    assert text[0] == "TITLE round trip" and text[1] == "FORMAT 1 P SIGP V SIGV A SIGA"
    d = read_eosfit(path)
    np.testing.assert_allclose(d.pressure_gpa, p, rtol=1e-9)
    np.testing.assert_allclose(d.volume_err, sv, rtol=1e-9)
    np.testing.assert_allclose(d.columns["a_a"], a, rtol=1e-9)
    assert d.title == "round trip"


def test_two_lines_per_datum_comments_and_fortran_exponents(tmp_path):
    path = tmp_path / "two.dat"
    path.write_text("# comment\nTITLE two lines\nformat 2 P SigP V SigV\n"
                    "1.0 0.01\n99.0 0.02   ! trailing remark\n2.0D0 0.01\n98.1 2.0E-2\n")
    d = read_pv(path)
    assert d.pressure_gpa.tolist() == [1.0, 2.0] and d.volume_err.tolist() == [0.02, 0.02]


def test_csv(tmp_path):
    path = tmp_path / "pv.csv"
    path.write_text("pressure_gpa,volume_a3,pressure_gpa_err,volume_a3_err\n0,100,0.01,0.02\n1,99,0.01,0.02\n")
    d = read_pv(path)
    assert d.volume_a3.tolist() == [100.0, 99.0] and d.pressure_err.tolist() == [0.01, 0.01]
    path.write_text("pressure_gpa,volume_a3\n0,100\n1,99\n")
    assert read_pv(path).pressure_err is None


@pytest.mark.parametrize("text,match", [
    ("", "empty EosFit file"),
    ("TITLE x\n1 2 3 4\n", "no FORMAT line"),
    ("FORMAT 1 P SIGP V SIGV\n", "no data rows"),
    ("FORMAT 1 P SIGP V SIGV\n0 0.1 100 0.1\n1 0.1 99\n", "row 2 has 3 numbers"),
    ("FORMAT 1 P SIGP V SIGV\n0 0.1 abc 0.1\n", "row 1 has 2 numbers"),
    ("FORMAT 1 SIGP V SIGV\n0.1 100 0.1\n", "no P column"),
    ("FORMAT 2 P SIGP V SIGV\n0 0.1\n100 0.1\n1 0.1\n", "not a multiple"),
    ("JOB\nx\nFORMAT\n", "column names are missing"),
])
def test_bad_eosfit_files(tmp_path, text, match):
    path = tmp_path / "bad.dat"
    path.write_text(text)
    with pytest.raises(InputError, match=match) as exc:
        read_pv(path)
    assert "bad.dat" in str(exc.value)


@pytest.mark.parametrize("text,match", [
    ("", "not a readable CSV"),
    ("p,v\n1,2\n", "missing column 'pressure_gpa'"),
    ("pressure_gpa,volume_a3\n", "no data rows"),
    ("pressure_gpa,volume_a3\n0,100\n1,x\n", "row 2 is not a number"),
])
def test_bad_csv_files(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        read_pv(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_pv(tmp_path / "nope.dat")


def test_writer_rejects_unknown_columns(tmp_path):
    with pytest.raises(InputError, match="no EosFit column keyword"):
        write_eosfit(tmp_path / "x.dat", [0, 1], [100, 99], extra={"foo": [1, 2]})
