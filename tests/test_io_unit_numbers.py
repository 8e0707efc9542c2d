"""Header unit text against the numbers (issue 10): for pl/tauc the numbers win or the file
fails with a clear error — a wavelength axis labelled eV is never read as photon energies."""
import json
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli
from dackit.errors import InputError
from dackit.io import read_spectrum
from dackit.io.spectra import UnitMismatchWarning


def _write(path, header, x, y):
    path.write_text(header + "\n" + "".join(f"{a:.6g}\t{b:.6g}\n" for a, b in zip(x, y)))
    return path


def _pl_band(x_nm):
    return 1000 * np.exp(-0.5 * ((x_nm - 550.0) / 12.0) ** 2) + 10


def test_nm_numbers_under_an_ev_header_are_read_as_nm(tmp_path):
    x = np.linspace(400, 800, 401)
    f = _write(tmp_path / "pl.txt", "Energy (eV)\tIntensity", x, _pl_band(x))
    with pytest.warns(UnitMismatchWarning, match="read as nm"):
        s = read_spectrum(f)
    assert s.x_unit == "nm"
    assert s.metadata["x_unit_from"] == "numbers"


def test_pl_cli_finds_the_band_in_nm_despite_the_ev_header(tmp_path):
    x = np.linspace(400, 800, 401)
    f = _write(tmp_path / "pl.txt", "Energy (eV)\tIntensity", x, _pl_band(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnitMismatchWarning)
        out = CliRunner().invoke(cli, ["pl", str(f), "--pressure", "0", "--json"])
    assert out.exit_code == 0, out.output
    row = json.loads(out.stdout)["peaks"][0]
    assert row["peak_nm"] == pytest.approx(550.0, abs=0.5)


def test_ev_numbers_under_an_nm_header_fail_clearly(tmp_path):
    # 1.55–3.1 could be µm or eV: no guess, a named error
    e = np.linspace(1.55, 3.1, 301)
    f = _write(tmp_path / "pl.txt", "Wavelength (nm)\tIntensity", e, _pl_band(1239.84 / e))
    with pytest.raises(InputError, match="µm or eV"):
        read_spectrum(f)
    out = CliRunner().invoke(cli, ["tauc", str(f), "--json"])
    assert out.exit_code == 2 and "Traceback" not in out.output


def test_ev_header_with_values_beyond_any_optical_unit_fails(tmp_path):
    x = np.linspace(5000, 9000, 200)
    f = _write(tmp_path / "a.txt", "Energy (eV)\tAbsorbance", x, np.linspace(0.1, 1, 200))
    with pytest.raises(InputError, match="above any optical photon energy"):
        read_spectrum(f)


def test_consistent_headers_are_untouched(tmp_path):
    e = np.linspace(1.55, 3.1, 301)
    f = _write(tmp_path / "pl.txt", "Energy (eV)\tIntensity", e, _pl_band(1239.84 / e))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnitMismatchWarning)
        s = read_spectrum(f)
    assert s.x_unit == "eV" and s.metadata["x_unit_from"] == "file"
