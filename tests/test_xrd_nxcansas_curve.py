"""A wide-angle curve stored as NXcanSAS goes to `dackit xrd lattice` (issue 10, helper
blindhunt). `dackit saxs peaks` sends a curve whose peaks all lie at interatomic spacings to
`dackit xrd lattice`, which refused NXcanSAS files as 'a 1D curve, analyse it with dackit saxs
peaks': the user went round in circles (pyNika's examples/WAXS.hdf, an APS 12-ID-E LaB6
curve). The curve here is built with numpy and h5py: LaB6 lines (NIST SRM 660c,
a = 4.15689 Å) on q."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli

h5py = pytest.importorskip("h5py")
A_LAB6 = 4.15689  # Å, NIST SRM 660c certificate


def _lab6_curve(path, a=A_LAB6, seed=0):
    rng = np.random.default_rng(seed)
    q = np.linspace(1.2, 5.5, 3000)
    i = 50 + 200 * np.exp(-q)
    hkls = [(1, 0, 0), (1, 1, 0), (1, 1, 1), (2, 0, 0), (2, 1, 0), (2, 1, 1), (2, 2, 0), (3, 0, 0),
            (3, 1, 0), (3, 1, 1), (2, 2, 2), (3, 2, 0), (3, 2, 1)]
    for h, k, m in hkls:
        qc = 2 * np.pi * np.sqrt(h * h + k * k + m * m) / a
        i = i + 400 / (h * h + k * k + m * m) * np.exp(-0.5 * ((q - qc) / 0.006) ** 2)
    i = rng.poisson(i * 20) / 20.0
    with h5py.File(path, "w") as f:
        entry = f.create_group("sasentry01")
        entry.attrs.update({"NX_class": "NXentry", "canSAS_class": "SASentry"})
        entry.create_dataset("definition", data="NXcanSAS")
        data = entry.create_group("sasdata01")
        data.attrs.update({"NX_class": "NXdata", "canSAS_class": "SASdata", "signal": "I", "I_axes": "Q"})
        data.create_dataset("Q", data=q).attrs["units"] = "1/angstrom"
        data.create_dataset("I", data=i).attrs["units"] = "1/cm"
        data.create_dataset("Idev", data=np.sqrt(i / 20.0))
    return path


def test_nxcansas_waxs_curve_is_a_pattern_for_xrd(tmp_path):
    path = _lab6_curve(tmp_path / "waxs.h5")
    out = CliRunner().invoke(cli, ["xrd", "lattice", str(path), "--phase", "lab6", "--wavelength", "0.4428",
                                   "--json"])
    assert out.exit_code == 0, out.output
    row = json.loads(out.stdout)[0]
    # issue 10: lattice a within 0.002 Å
    assert row["a_angstrom"] == pytest.approx(A_LAB6, abs=0.002), row
    out = CliRunner().invoke(cli, ["saxs", "peaks", str(path), "--json"])
    assert out.exit_code == 2 and "xrd lattice" in out.output
