"""PDH (Anton Paar SAXSquant / Glatter PCG) reader: the real SAXSess files of
tests/corpus/saxs, and broken files ending in a named InputError."""
import pytest
from click.testing import CliRunner

from corpus_manifest import CORPUS
from dackit.cli import cli
from dackit.errors import InputError
from dackit.io.pdh import read_pdh
from dackit.saxs.analysis import load_saxs

CHOLPAL = CORPUS / "saxs" / "CholPal_20220214_5.pdh"


def test_real_pdh_q_in_nm_is_converted():
    pat = read_pdh(CHOLPAL)
    # header line 3 announces 1114 points; first row 1.012064E-01 nm^-1 (sasdata reads q in
    # 1/nm, the XML block says n_m^-1); wavelength 0.1542 nm (Cu K-alpha)
    assert pat.x.size == 1114
    assert pat.axis == "q_A^-1"
    assert pat.x[0] == pytest.approx(0.01012064, rel=1e-9)
    assert pat.intensity[0] == pytest.approx(7.059894e-13, rel=1e-9)
    assert pat.sigma[0] == pytest.approx(2.169163e-03, rel=1e-9)
    assert pat.wavelength_a == pytest.approx(1.542)
    assert load_saxs(CHOLPAL).x.size == 1114


def _pdh(tmp_path, n_declared, rows, unit="n_m^-1"):
    head = ["title", "keywords", f"{n_declared:9d}" + "         0" * 7,
            "  0.0E+00 3.068E+02 0.0E+00 1.0E+03 1.542000E-01",
            "  2.52E+01 1.06E+00 0.0E+00 0.0E+00 0.0E+00"]
    xml = ['<?xml version="1.0"?>', '<fileinfo>', '<column key="X">',
           f'<value key="unit">{unit}</value>', '</column>', '</fileinfo>']
    f = tmp_path / "x.pdh"
    f.write_text("\n".join(head + rows + xml) + "\n")
    return f


ROWS = [f"{0.1 * (i + 1):.6E} {100.0 / (i + 1):.6E} {1.0:.6E}" for i in range(40)]


def test_xml_unit_a_is_honoured(tmp_path):
    pat = read_pdh(_pdh(tmp_path, 40, ROWS, unit="A^-1"))
    assert pat.x[0] == pytest.approx(0.1)
    assert read_pdh(_pdh(tmp_path, 40, ROWS)).x[0] == pytest.approx(0.01)


@pytest.mark.parametrize("n_declared, rows, unit, message", [
    (80, ROWS, "n_m^-1", "truncated"),
    (40, ROWS[:5] + ["1.0 abc 1.0"] + ROWS[6:], "n_m^-1", "not numeric"),
    (40, ROWS, "furlong^-1", "not understood"),
])
def test_broken_pdh_is_a_named_error(tmp_path, n_declared, rows, unit, message):
    f = _pdh(tmp_path, n_declared, rows, unit)
    with pytest.raises(InputError, match=message):
        read_pdh(f)
    out = CliRunner().invoke(cli, ["saxs", "peaks", str(f), "--json"])
    assert out.exit_code == 2 and "Traceback" not in out.output


def test_not_a_pdh_is_named(tmp_path):
    f = tmp_path / "y.pdh"
    f.write_text("q I\n0.1 2\n0.2 3\n")
    with pytest.raises(InputError, match="not a PDH file"):
        read_pdh(f)
