"""The CLI and `dackit run` apply the same library rules (issue 11): E(P) order, run sheets,
absorbance conversion, and CLI JSON rows built from the library's to_dict."""
from __future__ import annotations

import json
import types

import numpy as np
import pandas as pd
import pytest

from cli_helpers import run_dackit
from dackit.core.spectrum import make_spectrum
from dackit.errors import ConfigError, DackitError, InputError
from dackit.io import write_spectrum
from dackit.optics.pressure_coeff import ep_fit_order

# --------------------------------------------------------------------------- E(P) order


@pytest.mark.parametrize("n, order", [(0, None), (1, None), (2, None), (3, 1), (4, 2), (12, 2)])
def test_ep_fit_order(n, order):
    assert ep_fit_order(n) == order
    assert ep_fit_order(n, max_order=1) == (None if n < 3 else 1)


def test_ep_fit_order_needs_an_order():
    with pytest.raises(InputError, match="max_order"):
        ep_fit_order(5, max_order=0)


def _pl_series(pressures):
    """pl_series of dackit run on compression rows at ``pressures`` (E linear in P, exact)."""
    from dackit.experiment.series import pl_series

    rows = [{"file": f"pl{k}.txt", "step": k, "direction": "compression", "pressure_gpa": p,
             "pressure_gpa_err": 0.05, "peak_ev": 2.0 + 0.05 * p, "peak_ev_err": 0.002}
            for k, p in enumerate(pressures)]
    sheet = pd.DataFrame([{"row": k, "step": k, "technique": "pl", "direction": "compression"}
                          for k in range(len(pressures))])
    steps = pd.DataFrame([{"step": k, "pressure_gpa": p} for k, p in enumerate(pressures)])
    by_row = {k: {"ok": True} for k in range(len(pressures))}
    exp = types.SimpleNamespace(pl=types.SimpleNamespace(order=2, fit_max_pressure_gpa=None))
    return pl_series(rows, sheet, steps, by_row, exp)


@pytest.fixture(scope="module")
def pl_files(tmp_path_factory):
    from dackit.optics.pl import simulate_pl

    d = tmp_path_factory.mktemp("pl_rules")
    return [write_spectrum(simulate_pl(p, peak_counts=4000, seed=k), d / f"pl_{k}.txt")
            for k, p in enumerate((0.0, 2.5, 5.0, 5.6))]


@pytest.mark.parametrize("n, order", [(2, None), (3, 1), (4, 2)])
def test_cli_and_pipeline_fit_the_same_order(pl_files, n, order):
    pressures = [0.0, 2.5, 5.0, 5.6][:n]
    out, notes = _pl_series(pressures)
    assert out.get("pl_fit", {}).get("order") == order
    code, text, err = run_dackit("pl", *pl_files[:n], "--pressure", ",".join(map(str, pressures)), "--json")
    assert code == 0, err
    fit = json.loads(text)["fit"]
    if order is None:
        assert all(v is None for v in fit.values()) and "at least 3 are needed" in err
        assert any("no E(P) fit" in note for note in notes)
    else:
        assert fit["alpha_mev_per_gpa"] is not None
        assert (fit["beta_mev_per_gpa2"] is None) == (order == 1)


# --------------------------------------------------------------------------- run sheets


def test_pl_runsheet_is_read_by_the_experiments_rules(pl_files, tmp_path):
    from dackit.experiment.description import read_pressure_sheet

    sheet = tmp_path / "run.csv"
    names = [str(f) for f in pl_files]
    sheet.write_text("File, Pressure_GPa, direction\n" + "".join(
        f"{n},{p},{d}\n" for n, p, d in zip(names, (0, 2.5, 5.0, 5.6), ("up", "c", "compression", "up"))))
    table = read_pressure_sheet(sheet)
    assert list(table["direction"]) == ["compression"] * 4
    assert table["pressure_gpa_err"].isna().all()
    code, text, err = run_dackit("pl", "--runsheet", sheet, "--json")
    assert code == 0, err
    assert json.loads(text)["fit"]["beta_mev_per_gpa2"] is not None


@pytest.mark.parametrize("body, match", [
    ("file,pressure_gpa\na.txt,abc\n", "row 2: pressure is not a number"),
    ("file,pressure_gpa\na.txt,1\nb.txt,\n", "row 3: pressure_gpa is missing"),
    ("file,pressure_gpa,direction\na.txt,1,sideways\n", "row 2: direction 'sideways'"),
    ("file\na.txt\n", "missing column"),
])
def test_bad_runsheet_rows_are_named(tmp_path, body, match):
    from dackit.experiment.description import read_pressure_sheet

    sheet = tmp_path / "run.csv"
    sheet.write_text(body)
    with pytest.raises(ConfigError, match=match):
        read_pressure_sheet(sheet)
    code, _, err = run_dackit("pl", "--runsheet", sheet)
    assert code == 2 and match.split(":")[-1].strip() in err and "Traceback" not in err


# --------------------------------------------------------------------------- absorbance


def _absorbance_and_transmittance(tmp_path):
    from dackit.optics.absorption import simulate_absorption

    a = simulate_absorption(gap_ev=2.2, scattering=0.1, noise=0.002, seed=4)
    abs_file = write_spectrum(a, tmp_path / "abs.txt")
    t = make_spectrum(a.x, 100.0 * 10.0 ** (-a.y), x_unit=a.x_unit, y_unit="percent")  # T in %
    return abs_file, write_spectrum(t, tmp_path / "trans.txt")


def test_absorbance_spectrum(tmp_path):
    from dackit.io import read_spectrum
    from dackit.optics.absorption import absorbance_spectrum

    abs_file, trans_file = _absorbance_and_transmittance(tmp_path)
    a = read_spectrum(abs_file)
    back = absorbance_spectrum(read_spectrum(trans_file), quantity="transmittance")
    assert back.y_unit == "absorbance"
    assert np.allclose(back.y, a.y, atol=1e-6)
    assert absorbance_spectrum(a) is a
    assert np.array_equal(absorbance_spectrum(a, quantity="od").y, a.y)
    with pytest.raises(InputError, match="quantity"):
        absorbance_spectrum(a, quantity="reflectance")


def test_dackit_run_honours_absorption_quantity(tmp_path):
    """experiment.toml's absorption.quantity reaches the analysis (it was accepted and ignored)."""
    from dackit.experiment.analyses import analyse_absorption, settings_for
    from dackit.experiment.description import load_experiment

    abs_file, trans_file = _absorbance_and_transmittance(tmp_path)
    (tmp_path / "runsheet.csv").write_text("step,direction,technique,file,pressure_gpa\n"
                                           f"0,compression,absorption,{trans_file.name},0\n")
    (tmp_path / "experiment.toml").write_text('runsheet = "runsheet.csv"\n[absorption]\n'
                                              'quantity = "transmittance"\n')
    settings = settings_for("absorption", load_experiment(tmp_path / "experiment.toml"))
    assert settings["quantity"] == "transmittance"
    from_t = analyse_absorption(str(trans_file), settings)
    from_a = analyse_absorption(str(abs_file), {**settings, "quantity": "absorbance"})
    assert from_t["gap_ev"] == pytest.approx(from_a["gap_ev"], abs=1e-4)
    assert abs(from_a["gap_ev"] - 2.2) < 0.1
    # the same transmittance file read as if it were absorbance gives something else entirely
    try:
        wrong = analyse_absorption(str(trans_file), {**settings, "quantity": "absorbance"})["gap_ev"]
    except DackitError:        # no edge at all: refused, also not the gap
        wrong = None
    assert wrong is None or abs(wrong - from_a["gap_ev"]) > 0.05


# --------------------------------------------------------------------------- CLI rows from to_dict


def test_ruby_cli_row_is_picked_from_the_library_dict(tmp_path):
    from dackit.cli import _contract as contract
    from dackit.gauge.ruby import fit_ruby, simulate_ruby
    from dackit.io import read_spectrum

    f = write_spectrum(simulate_ruby(12.5, scale="mao1986-hydrostatic", seed=4), tmp_path / "r.txt")
    lib = fit_ruby(read_spectrum(f), scale="mao1986-hydrostatic").to_dict()
    assert set(contract.RUBY) < set(lib) and "r2_nm_err" in lib and "redchi" in lib
    code, text, err = run_dackit("ruby", f, "--scale", "mao1986-hydrostatic", "--json")
    assert code == 0, err
    row = json.loads(text)[0]
    # contract keys, in their order, then the verdict every per-file row carries (issue 10)
    assert list(row) == list(contract.RUBY) + list(contract.VERDICT)
    assert row["pressure_gpa"] == pytest.approx(lib["pressure_gpa"], rel=1e-12)


def test_eos_cli_keeps_chi2_red_mapped_from_redchi(tmp_path):
    from dackit.eos.fit import fit_eos

    p = np.array([0.0, 2.0, 4.0, 6.0, 8.0, 10.0])
    v = 160.0 * (1 + 4.0 * p / 60.0) ** (-1 / 4.0)       # Murnaghan, exact
    f = tmp_path / "pv.csv"
    f.write_text("pressure_gpa,volume_a3,pressure_gpa_err,volume_a3_err\n" +
                 "".join(f"{a},{b},0.05,0.05\n" for a, b in zip(p, v)))
    code, text, err = run_dackit("eos", "fit", f, "--json")
    assert code == 0, err
    row = json.loads(text)
    lib = fit_eos(p, v, pressure_err=np.full(6, 0.05), volume_err=np.full(6, 0.05)).to_dict()
    assert "chi2_red" in row and "redchi" not in row and "redchi" in lib and "chi2_red" not in lib
    assert row["chi2_red"] == pytest.approx(lib["redchi"], rel=1e-9)
