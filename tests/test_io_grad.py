"""GRAD reader (SAXSLAB / Xenocs 1D export): numpy-built files in the layout of the real
Ganesha curves of tests/corpus/saxs, and broken ones ending in a named InputError. Before
dackit.io.grad the files were refused ('line 1 is not numeric')."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from corpus_manifest import CORPUS
from dackit.cli import cli
from dackit.errors import InputError
from dackit.saxs.analysis import load_saxs

D_AGBEH = 58.38  # Å, silver behenate d001 (Huang et al., J. Appl. Cryst. 26, 180 (1993))


def _grad(tmp_path, q, i, di, *, unit="A^-^1", n_sets=1, name="x.grad"):
    rows = [f" {a:.6e}, {b:.6e}, {c:.6e}".replace("nan", "NaN") for a, b, c in zip(q, i, di)]
    text = [f'{n_sets},"Number of Datasets"', '3,"Number of Columns per Dataset"',
            f'{len(q)},"Maximum Number of Rows for Any Dataset"',
            f"#DATASETS q-units momentum transfer, q ({unit}) I-units Absolute intensity (cm^-1) ",
            '"frame_0001","AgBH test","",', "q,I,dI,", *rows, "#HEADERS", '"frame_0001","AgBH test"',
            '<?xml version="1.0" encoding="utf-8"?><ROOT>   <wavelength>1.5418</wavelength></ROOT> ']
    f = tmp_path / name
    f.write_text("\n".join(text) + "\n")
    return f


def _agbeh(q):
    """Lamellar orders 1-5 of silver behenate on a power-law slope, with Poisson-like σ."""
    i = 0.02 * q ** -2.0 + 0.5
    for n in range(1, 6):
        i += 40.0 / n * np.exp(-0.5 * ((q - 2 * np.pi * n / D_AGBEH) / 0.003) ** 2)
    return i, 0.02 * np.sqrt(i) + 0.01


def test_grad_curve_reads_in_q_and_drops_nan_bins(tmp_path):
    q = np.linspace(0.005, 0.6, 400)
    i, di = _agbeh(q)
    i[:5] = np.nan  # beam-stop bins without pixels
    di[:5] = np.nan
    di[200] = np.nan  # an empty bin in a detector gap (I written as 0, dI NaN)
    i[200] = 0.0
    pat = load_saxs(_grad(tmp_path, q, i, di))
    assert pat.axis == "q_A^-1" and pat.x.size == 394
    assert pat.x[0] == pytest.approx(q[5], rel=1e-6)
    assert pat.sigma is not None and np.all(pat.sigma > 0)
    assert pat.wavelength_a == pytest.approx(1.5418)
    assert pat.metadata["format"] == "grad"


def test_grad_nm_unit_is_converted(tmp_path):
    q = np.linspace(0.05, 6.0, 300)
    i, di = _agbeh(q / 10)
    pat = load_saxs(_grad(tmp_path, q, i, di, unit="nm^-^1"))
    assert pat.x[0] == pytest.approx(0.005, rel=1e-6)


def test_grad_agbeh_is_lamellar_at_its_d(tmp_path):
    q = np.linspace(0.005, 0.6, 400)
    f = _grad(tmp_path, q, *_agbeh(q))
    out = CliRunner().invoke(cli, ["saxs", "peaks", str(f), "--json"])
    assert out.exit_code == 0, out.output
    row = json.loads(out.stdout)[0]
    assert row["mesophase"] == "lamellar"
    assert row["lattice_angstrom"] == pytest.approx(D_AGBEH, rel=2e-3)


@pytest.mark.parametrize("kwargs, message", [
    ({"n_sets": 2}, "2 datasets side by side"),
    ({"unit": "deg"}, "not understood"),
])
def test_broken_grad_is_a_named_error(tmp_path, kwargs, message):
    q = np.linspace(0.005, 0.6, 100)
    f = _grad(tmp_path, q, *_agbeh(q), **kwargs)
    with pytest.raises(InputError, match=message):
        load_saxs(f)
    out = CliRunner().invoke(cli, ["saxs", "peaks", str(f), "--json"])
    assert out.exit_code == 2 and "Traceback" not in out.output


def test_real_ganesha_grad():
    pat = load_saxs(CORPUS / "saxs" / "xrsp_agbh_maxs_ganesha.grad")
    # 399 rows; six beam-stop rows and the last three (one '0.000000e+00, NaN') hold NaN;
    # the first finite row is ' 1.217608e-02, 1.859760e+03, 3.405405e+00'
    assert pat.x.size == 390
    assert pat.x[0] == pytest.approx(1.217608e-02, rel=1e-9)
    assert pat.intensity[0] == pytest.approx(1.859760e+03, rel=1e-9)
    assert pat.sigma[0] == pytest.approx(3.405405e+00, rel=1e-9)
    assert pat.wavelength_a == pytest.approx(1.5418)
