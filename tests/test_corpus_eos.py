"""Real-data corpus for `dackit eos fit` / `dackit eos pressure` (tests/corpus/eos/manifest.toml).

Every expected value comes from outside dackit: a published table, or the fit the source package
(pytheos, QUANTAS) printed with its own tool. The real CLI runs in a subprocess, as a user runs it.
"""
import csv
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_json
from corpus_manifest import load_cases, within

CASES = load_cases("eos")


def _table(path: Path) -> list[dict]:
    """Rows of a CSV whose header may be preceded by '#' comment lines."""
    with open(path, newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def _write_pv(path: Path, pressures, volumes) -> Path:
    # No sigma columns on purpose: the references are unweighted fits (see manifest header).
    rows = "\n".join(f"{float(p)!r},{float(v)!r}" for p, v in zip(pressures, volumes))
    path.write_text("pressure_gpa,volume_a3\n" + rows + "\n")
    return path


def _fit_input(case: dict, tmp_path: Path) -> Path:
    rows = _table(case["path_on_disk"])
    cols = case["columns"]
    volumes = [float(r[cols["volume"]]) for r in rows if r[cols["volume"]].strip()]
    if case["kind"] == "fit":
        pressures = [float(r[cols["pressure"]]) for r in rows if r[cols["volume"]].strip()]
    else:
        std_volumes = [r[cols["standard_volume"]] for r in rows if r[cols["volume"]].strip()]
        code, out, err = run_json("eos", "pressure", *std_volumes, "--standard", case["standard"])
        assert code == 0, err
        assert len(out) == len(volumes)
        pressures = [row["pressure_gpa"] for row in out]
    return _write_pv(tmp_path / f"{case['id']}.csv", pressures, volumes)


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] in ("fit", "fit-standard", "file")],
                         ids=lambda c: c["id"])
def test_fit_matches_independent_reference(case, tmp_path):
    # kind "file": dackit reads the corpus file itself, sigma columns and all
    path = case["path_on_disk"] if case["kind"] == "file" else _fit_input(case, tmp_path)
    code, row, err = run_json("eos", "fit", path, *case["args"])
    assert code == 0, err
    # V0 is either held at its measured value or free with data from ~0 GPa: no "V0 extrapolated"
    # warning may appear
    assert not any("V0 =" in w for w in row["warnings"]), row["warnings"]
    tol = case["tolerance"]
    for key, expected in case["expected"].items():
        assert within(row[key], expected, key, tol), (
            f"{case['id']}: {key} = {row[key]!r}, expected {expected} ({case['expected_source']})")
    # a reference that scales its covariance by chi2_red in both directions (dackit only inflates)
    for key, expected in case.get("expected_esd_scaled", {}).items():
        scaled = row[key] * np.sqrt(row["chi2_red"])
        assert within(scaled, expected, key, tol), f"{case['id']}: {key} x sqrt(chi2_red) = {scaled!r}"


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "pressure"], ids=lambda c: c["id"])
def test_pressure_standard_reproduces_published_table(case):
    rows = _table(case["path_on_disk"])
    column = case["expected"]["table_column"]
    volumes = [repr(float(r["v_over_v0"]) * case["v0_a3"]) for r in rows]
    code, out, err = run_json("eos", "pressure", *volumes, "--standard", case["standard"])
    assert code == 0, err
    bad = [(r["v_over_v0"], got["pressure_gpa"], float(r[column])) for r, got in zip(rows, out)
           if not within(got["pressure_gpa"], float(r[column]), "pressure_gpa", case["tolerance"])]
    assert not bad, f"{case['id']}: (V/V0, dackit, table) outside tolerance: {bad}"


def test_manifest_cases_are_distinct_and_within_size_budget():
    assert len({c["id"] for c in CASES}) == len(CASES)
    files = {c["path_on_disk"] for c in CASES}
    assert sum(f.stat().st_size for f in files) < 1_000_000


# QUANTAS quartz and topaz P-V files sit in the shared real-data folder (not copied into the
# repo); the references are EosFit7's output and QUANTAS's own ODR fit, all with sigma weights.
# esd None: the source gives no esd for that fit.
QUANTAS = [
    # EosFit7 BM3, effective variance, esd's scaled by sqrt(chi2_red) = sqrt(18.55): QUANTAS
    # tests/modules/eos/test_eosfit_reference.py @ 3ebcaa7ac53ed82fddf27de638d0a1052345c0fb.
    pytest.param("PV_topaz.dat", ["--method", "effective-variance"],
                 {"v0_a3": (345.50726, 0.08266), "k0_gpa": (161.99034, 2.55519), "kp": (2.97647, 0.16348)},
                 id="topaz-eosfit7-ev"),
    # QUANTAS's ODR (odrpack), printed in docs/source/tutorials/eos_tutorial.rst @ e0f6964 (BSD-3).
    pytest.param("PV_topaz.dat", ["--method", "odr"],
                 {"v0_a3": (345.50950, 0.08264), "k0_gpa": (161.71746, 2.53414), "kp": (3.00184, 0.16220)},
                 id="topaz-quantas-odr"),
    pytest.param("PV_topaz.dat", ["--method", "odr", "--fix", "kp=4"],
                 {"v0_a3": (345.65545, 0.12009), "k0_gpa": (149.57006, 1.83762)},
                 id="topaz-quantas-odr-kp4"),
    # QUANTAS's ODR on quartz, tests/modules/eos/test_odr.py @ 3ebcaa7 (values only); the 1 %-of-esd
    # tolerance uses EosFit7's esd's for the same data and weights (test_eosfit_reference.py).
    pytest.param("PV_quartz.dat", ["--method", "odr"],
                 {"v0_a3": (112.980885, None, 0.00199), "k0_gpa": (37.12518, None, 0.09104),
                  "kp": (5.98867, None, 0.04530)},
                 id="quartz-quantas-odr"),
]


@pytest.mark.parametrize("name, args, expected", QUANTAS)
def test_quantas_files_match_eosfit7_and_quantas(real_data, name, args, expected):
    code, row, err = run_json("eos", "fit", real_data / "quantas_eos" / name, *args)
    assert code == 0, err
    for key, (value, esd, *scale) in expected.items():
        # Same data, weights and esd scaling as the reference: 1 % of its esd, 1 % on the esd.
        assert row[key] == pytest.approx(value, abs=0.01 * (esd or scale[0])), key
        if esd is not None:
            assert row[f"{key}_err"] == pytest.approx(esd, rel=0.01), key
    if name == "PV_topaz.dat":
        # chi2_red ~ 18 and the warning says so: the file's sigmas are too small for a BM3.
        assert row["chi2_red"] > 3 and any("chi2_red" in w for w in row["warnings"])


def _bm3_pressure(v, v0, k0, kp):
    """Birch (1947) third-order isotherm, written out here independently of dackit.eos.forms."""
    x = (v0 / v) ** (2.0 / 3.0)
    return 1.5 * k0 * (x**3.5 - x**2.5) * (1.0 + 0.75 * (kp - 4.0) * (x - 1.0))


@pytest.mark.parametrize("noise_gpa", [0.02, 2.0])
def test_unweighted_esd_follows_the_scatter_even_when_chi2_is_below_one(tmp_path, noise_gpa):
    """Without sigmas the only error estimate is the residual scatter, so the esd of K0 must scale
    with it in both directions (the en91 case has chi2_red = 0.42). An esd left unscaled below
    chi2_red = 1 would report the same K0 esd for 0.02 and 2 GPa of noise."""
    rng = np.random.default_rng(7)
    v = np.linspace(160.0, 128.0, 17)
    p = _bm3_pressure(v, 162.3, 260.0, 4.0) + rng.normal(0.0, noise_gpa, v.size)
    code, row, err = run_json("eos", "fit", _write_pv(tmp_path / "syn.csv", p, v),
                              "--form", "bm3", "--fix", "v0=162.3,kp=4")
    assert code == 0, err
    # Analytic one-parameter least squares: P is linear in K0 when V0 and K' are fixed.
    g = _bm3_pressure(v, 162.3, 1.0, 4.0)
    k0 = float(g @ p / (g @ g))
    s2 = float(np.sum((p - k0 * g) ** 2) / (v.size - 1))
    assert row["k0_gpa"] == pytest.approx(k0, rel=1e-6)
    assert row["k0_gpa_err"] == pytest.approx(np.sqrt(s2 / (g @ g)), rel=1e-3)
