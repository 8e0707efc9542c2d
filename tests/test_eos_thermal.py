"""P–V–T pressure standards against the papers' own tables.

Expected values are copied from the published tables (images of them are kept in
SHDShim/pytheos, Apache-2.0, ``examples/6-pressure-scale-test/tables/``, commit b524b34):

* Tange, Nishihara & Tsuchiya, J. Geophys. Res. 114, B03208 (2009), Table 5 "P–V–T states of
  MgO", Vinet columns (GPa) at V/V0 and T;
* Dorogokupets & Dewaele, High Press. Res. 27, 431 (2007), Table 10 "Isochors for NaCl-B1".

The issue's tolerance is 1 %; the implementation reproduces both to ≤ 0.25 %.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli
from dackit.errors import InputError
from dackit.eos.standards import pressure_from_volume
from dackit.eos.thermal import THERMAL, convert_pressure, thermal_pressure, volume_at

MGO_V0 = 74.698
NACL_V0 = 179.44
# Tange et al. (2009) Table 5, Vinet: V/V0 → P at 300, 1000, 1500, 2000 K
TANGE = {
    1.02: (None, 1.04, 4.17, 7.33),
    1.00: (0.00, 4.09, 7.22, 10.39),
    0.95: (9.21, 13.31, 16.49, 19.71),
    0.90: (21.24, 25.38, 28.64, 31.94),
    0.85: (36.96, 41.17, 44.53, 47.94),
    0.80: (57.57, 61.87, 65.36, 68.91),
    0.75: (84.71, 89.12, 92.77, 96.49),
    0.70: (120.69, 125.22, 129.06, 132.99),
}
# Dorogokupets & Dewaele (2007) Table 10: V/V0 → P at 298.15, 1000, 1500, 2000 K
DD_NACL = {
    1.00: (0.000, 1.962, 3.281, 4.524),
    0.95: (1.392, 3.356, 4.705, 5.998),
    0.90: (3.271, 5.250, 6.630, 7.972),
    0.85: (5.807, 7.813, 9.231, 10.623),
    0.80: (9.233, 11.282, 12.746, 14.193),
    0.75: (13.881, 15.991, 17.511, 19.022),
    0.70: (20.226, 22.416, 24.007, 25.593),
    0.65: (28.965, 31.257, 32.935, 34.613),
}


def _check(table, v0, standard, temps, rel, abs_floor):
    bad = []
    for x, row in table.items():
        for t, want in zip(temps, row):
            if want is None:
                continue
            got = float(thermal_pressure(v0 * x, t, standard=standard))
            if abs(got - want) > max(rel * abs(want), abs_floor):
                bad.append((x, t, want, round(got, 3)))
    return bad


def test_mgo_tange2009_table5():
    # 0.01 GPa: the table's last digit
    assert not _check(TANGE, MGO_V0, "mgo", (300, 1000, 1500, 2000), 0.0025, 0.011)


def test_nacl_b1_dorogokupets_dewaele2007_table10():
    assert not _check(DD_NACL, NACL_V0, "nacl-b1", (298.15, 1000, 1500, 2000), 0.0025, 0.005)


def test_einstein_variant_is_worse_for_dd2007():
    """The Debye energy reproduces D&D's table; an Einstein one with the same θ0 misses by
    ~1 % at V0 and 1000 K — the test that chose the oscillator can fail."""
    from dataclasses import replace

    ein = replace(THERMAL["nacl-b1"], oscillator="einstein")
    assert abs(float(ein.pressure(NACL_V0, 1000.0)) - 1.962) > 0.015
    assert abs(float(THERMAL["nacl-b1"].pressure(NACL_V0, 1000.0)) - 1.962) < 0.005


def test_300k_limit_matches_the_isotherm():
    for name, model in THERMAL.items():
        v = np.linspace(0.7, 1.0, 4) * pressure_from_volume.__globals__["get_standard"](model.isotherm).v0_a3
        iso = pressure_from_volume(v, model.isotherm)
        assert np.allclose(model.pressure(v, model.t_ref_k), iso, atol=1e-9), name


def test_thermal_pressure_grows_with_temperature_everywhere():
    for name, model in THERMAL.items():
        v0 = pressure_from_volume.__globals__["get_standard"](model.isotherm).v0_a3
        p = [float(model.pressure(0.85 * v0, t)) for t in (300, 1000, 2000)]
        assert p[0] < p[1] < p[2], name


def test_volume_inverse_and_conversion():
    v = volume_at(50.0, 1500.0, standard="mgo")
    assert float(thermal_pressure(v, 1500.0, standard="mgo")) == pytest.approx(50.0, abs=1e-6)
    same = convert_pressure([20.0, 80.0], from_standard="au", to_standard="au", temperature_k=1200)
    assert np.allclose(same, [20.0, 80.0])
    other = convert_pressure(100.0, from_standard="au", to_standard="au-dorogokupets2007")
    # the two gold scales differ by ~1 % at 100 GPa, 300 K (Fei 2007 vs D&D 2007)
    assert 97.0 < other[0] < 100.0
    with pytest.raises(InputError, match="same material"):
        convert_pressure(10.0, from_standard="au", to_standard="pt")
    with pytest.raises(InputError, match="isotherm only"):
        thermal_pressure(60.0, 1000.0, standard="mgo-speziale2001")


def test_cli_temperature_and_convert():
    r = CliRunner().invoke(cli, ["eos", "pressure", str(NACL_V0 * 0.8), "--standard", "nacl-b1",
                                 "--temperature", "1500", "--json"])
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout)[0]
    assert row["pressure_gpa"] == pytest.approx(12.746, rel=0.0025)
    assert row["temperature_k"] == 1500.0
    r = CliRunner().invoke(cli, ["eos", "pressure", "62.0", "--standard", "au", "--temperature", "1000",
                                 "--convert-to", "au-dorogokupets2007", "--json"])
    row = json.loads(r.stdout)[0]
    assert row["converted_standard"] == "au-dorogokupets2007" and row["converted_pressure_gpa"] > 0
    # without --temperature: the 300 K isotherm, unchanged contract (no temperature key)
    r = CliRunner().invoke(cli, ["eos", "pressure", "60.0", "--standard", "au", "--json"])
    assert "temperature_k" not in json.loads(r.stdout)[0]
    r = CliRunner().invoke(cli, ["eos", "pressure", "60.0", "--standard", "au", "--temperature", "-5"])
    assert isinstance(r.exception, InputError) and "temperature" in str(r.exception)


def test_real_high_temperature_au_and_mgo_in_one_cell_agree(real_data):
    """Real data: Au and MgO unit-cell volumes measured together at 1300-2400 K (SHDShim/
    cider2018_tutorial data/Au_MgO_HiT.csv, Apache-2.0, commit e46f2e4; 141 points). The
    Dorogokupets & Dewaele (2007) scales are internally consistent, so the two pressures of each
    point must agree: median |ΔP|/P 0.6 % measured; < 1.5 % required. Without the thermal
    pressure (both read on their 300 K isotherms) they differ by ~2.8 %, so the check can fail."""
    import pandas as pd

    d = pd.read_csv(real_data / "cider2018_eos" / "Au_MgO_HiT.csv")
    t = d["T"].to_numpy(float)
    au = thermal_pressure(d["V(Au)"].to_numpy(float), t, standard="au-dorogokupets2007")
    mgo = thermal_pressure(d["V(MgO)"].to_numpy(float), t, standard="mgo-dorogokupets2007")
    assert np.median(np.abs(au - mgo) / mgo) < 0.015
    cold_au = thermal_pressure(d["V(Au)"].to_numpy(float), 300.0, standard="au-dorogokupets2007")
    cold_mgo = thermal_pressure(d["V(MgO)"].to_numpy(float), 300.0, standard="mgo-dorogokupets2007")
    assert np.median(np.abs(cold_au - cold_mgo) / cold_mgo) > 0.02
