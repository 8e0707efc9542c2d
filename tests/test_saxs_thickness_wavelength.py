"""`dackit saxs thickness` takes the wavelength the file states when --wavelength is absent,
says so, and refuses clearly when neither the file nor the options give one."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli

CORPUS = Path(__file__).parent / "corpus" / "saxs"


def _curve():
    """A lamellar-like first peak on a power-law background (q in Å⁻¹)."""
    q = np.linspace(0.02, 0.4, 800)
    y = 50 * (q / 0.02) ** -2 + 300 * np.exp(-0.5 * ((q - 0.1) / 0.004) ** 2) + 3
    return q, y


def _run(*args):
    return CliRunner().invoke(cli, ["saxs", "thickness", *map(str, args), "--json"])


def test_pdh_header_wavelength_used_and_named():
    f = CORPUS / "CholPal_20220214_5.pdh"  # header states λ = 0.1542 nm (Cu Kα)
    out = _run(f)
    assert out.exit_code == 0, out.output
    row = json.loads(out.stdout)
    assert any("1.542 Å as the file states it" in n for n in row["quality_notes"])
    given = json.loads(_run(f, "--wavelength", "1.542").stdout)
    assert row["thickness_nm"] == pytest.approx(given["thickness_nm"], rel=1e-9)
    assert not any("as the file states it" in n for n in given["quality_notes"])


def test_nxcansas_wavelength_used(tmp_path):
    h5py = pytest.importorskip("h5py")
    q, y = _curve()
    f = tmp_path / "curve.h5"
    with h5py.File(f, "w") as h:
        entry = h.create_group("sasentry01")
        entry.attrs["NX_class"] = "NXentry"
        entry.attrs["canSAS_class"] = "SASentry"
        data = entry.create_group("sasdata01")
        data.attrs.update({"NX_class": "NXdata", "canSAS_class": "SASdata", "signal": "I", "I_axes": "Q"})
        data.create_dataset("Q", data=q).attrs["units"] = "1/angstrom"
        data.create_dataset("I", data=y).attrs["units"] = "1/cm"
        src = entry.create_group("sasinstrument/sassource")
        src.create_dataset("incident_wavelength", data=0.1).attrs["units"] = "nm"
    out = _run(f)
    assert out.exit_code == 0, out.output
    row = json.loads(out.stdout)
    assert any("wavelength 1 Å as the file states it" in n for n in row["quality_notes"]), row
    # the q form of Scherrer does not depend on λ: D = 2πK/Δq with Δq = 2.3548·0.004 Å⁻¹
    assert row["thickness_nm"] == pytest.approx(2 * np.pi * 0.89 / (2.3548 * 0.004) / 10, rel=0.05)


def test_no_wavelength_anywhere_is_a_clear_error(tmp_path):
    q, y = _curve()
    f = tmp_path / "bare.dat"
    np.savetxt(f, np.c_[q, y], header="q_A^-1 I")
    out = _run(f)
    assert out.exit_code == 2
    assert str(f) in out.output and "--wavelength" in out.output and "states no X-ray wavelength" in out.output
    assert "Traceback" not in out.output


def test_energy_alone_is_enough(tmp_path):
    q, y = _curve()
    f = tmp_path / "bare.dat"
    np.savetxt(f, np.c_[q, y], header="q_A^-1 I")
    out = _run(f, "--energy", "12.39842")
    assert out.exit_code == 0, out.output
    row = json.loads(out.stdout)
    assert not any("as the file states it" in n for n in row["quality_notes"])
