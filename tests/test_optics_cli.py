"""`dackit pl`, `dackit tauc`, `dackit plqy`: JSON contracts, tables, figures, failures → exit 2."""
import json

import numpy as np
import pytest

from dackit.cli import main
from dackit.io.spectra import write_spectrum
from dackit.optics.absorption import simulate_absorption
from dackit.optics.pl import simulate_pl

PEAK_KEYS = {"file", "pressure_gpa", "peak_ev", "peak_ev_err", "peak_nm", "fwhm_mev", "area", "cie_x", "cie_y",
             "quality", "quality_notes"}  # issue 10: verdict added
FIT_KEYS = {"e0_ev", "e0_ev_err", "alpha_mev_per_gpa", "alpha_mev_per_gpa_err", "beta_mev_per_gpa2",
            "beta_mev_per_gpa2_err", "chi2_red"}
PRESSURES = [0.0, 0.6, 1.7, 2.5, 3.5, 4.6, 5.6]


def run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in argv])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.fixture(scope="module")
def pl_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("pl")
    files, truth = [], []
    for k, p in enumerate(PRESSURES):
        s = simulate_pl(p, peak_counts=4000, seed=k)
        files.append(write_spectrum(s, d / f"pl_{k}.txt"))
        truth.append(s.metadata["truth"]["peak_ev"])
    return d, files, truth


def test_pl_json_contract(pl_files, capsys, tmp_path):
    d, files, truth = pl_files
    code, out, err = run(["pl", *files, "--pressure", ",".join(map(str, PRESSURES)), "--json", "--plot", tmp_path],
                         capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"peaks", "fit"}
    assert set(doc["fit"]) == FIT_KEYS
    for row, e_true, p in zip(doc["peaks"], truth, PRESSURES):
        assert set(row) == PEAK_KEYS
        assert row["pressure_gpa"] == p
        assert abs(row["peak_ev"] - e_true) < 1e-3
        assert 0 < row["cie_x"] < 0.75 and 0 < row["cie_y"] < 0.85
    fit = doc["fit"]
    assert abs(fit["e0_ev"] - 2.012) < 4 * fit["e0_ev_err"] + 1e-4
    assert abs(fit["alpha_mev_per_gpa"] - 53) < 4 * fit["alpha_mev_per_gpa_err"] + 0.1
    assert abs(fit["beta_mev_per_gpa2"] + 2) < 4 * fit["beta_mev_per_gpa2_err"] + 0.02
    # red → green: x falls, y rises with pressure
    xs = [r["cie_x"] for r in doc["peaks"]]
    assert xs[0] > 0.6 and xs[-1] < 0.4 and np.all(np.diff(xs) < 0)
    pngs = {p.name for p in tmp_path.glob("*.png")}
    assert pngs == {"pl_stack.png", "pl_energy_vs_pressure.png", "pl_cie1931.png"}


def test_pl_bad_file_and_linear_fallback(pl_files, capsys, tmp_path):
    d, files, _ = pl_files
    bad = tmp_path / "broken.txt"
    bad.write_text("wavelength,counts\n500,1\n501,abc\n")
    code, out, err = run(["pl", files[0], bad, files[3], files[6], "--pressure", "0,1,2.5,5.6", "--json"], capsys)
    assert code == 2
    doc = json.loads(out)
    failed = doc["peaks"][1]
    assert set(failed) == {"file", "error"} and "broken.txt" in failed["error"]
    assert "linear" in err
    assert doc["fit"]["beta_mev_per_gpa2"] is None and doc["fit"]["alpha_mev_per_gpa"] > 0


def test_pl_runsheet_table(pl_files, capsys):
    d, files, _ = pl_files
    sheet = d / "run.csv"
    sheet.write_text("file,pressure_gpa,pressure_gpa_err\n" +
                     "".join(f"{f.name},{p},0.05\n" for f, p in zip(files, PRESSURES)))
    code, out, err = run(["pl", "--runsheet", sheet], capsys)
    assert code == 0, err
    assert "pl_6.txt" in out and "E(P) fit (7 points, quadratic)" in out


def test_pl_argument_errors(pl_files, capsys):
    _, files, _ = pl_files
    code, _, err = run(["pl", files[0], files[1], "--pressure", "0"], capsys)
    assert code == 2 and "--pressure has 1 value" in err
    code, _, err = run(["pl", files[0]], capsys)
    assert code == 2 and "--pressure" in err


@pytest.fixture(scope="module")
def abs_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("abs")
    gaps = [1.99, 2.2, 2.45]
    files = [write_spectrum(simulate_absorption(gap_ev=g, scattering=0.15, noise=0.003, seed=k), d / f"abs_{k}.txt")
             for k, g in enumerate(gaps)]
    return files, gaps


def test_tauc_json_contract(abs_files, capsys, tmp_path, real_data):
    files, gaps = abs_files
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    pbse = real_data / "spectra" / "PbSe_batch1_JASCO_absorbance.txt"
    code, out, err = run(["tauc", *files, empty, pbse, "--json", "--plot", tmp_path], capsys)
    assert code == 2
    rows = json.loads(out)
    for row, g in zip(rows[:3], gaps):
        assert set(row) == {"file", "gap_ev", "gap_ev_err", "window_ev", "quality", "quality_notes"}
        assert abs(row["gap_ev"] - g) < 0.02
        lo, hi = row["window_ev"]
        assert row["gap_ev"] < lo < hi
    assert set(rows[3]) == {"file", "error"} and "empty.txt" in rows[3]["error"]
    assert 0.75 < rows[4]["gap_ev"] < 0.86
    assert len(list(tmp_path.glob("*_tauc.png"))) == 4


def test_tauc_table(abs_files, capsys):
    files, _ = abs_files
    code, out, _ = run(["tauc", files[0], "--transition", "direct"], capsys)
    assert code == 0 and "abs_0.txt" in out and "Tauc band gaps" in out


TABLE_S1 = """pressure_gpa,intensity_ratio,volume_ratio
0.0,1.000,1.000
0.6,0.836,0.992
1.7,0.616,0.979
2.5,0.524,0.970
3.5,0.417,0.958
6.6,0.192,0.924
7.7,0.139,0.911
"""
PLQY_S1 = [30.09, 26.72, 21.83, 20.18, 17.92, 12.94, 11.96]


def test_plqy_table_s1(tmp_path, capsys):
    t = tmp_path / "s1.csv"
    t.write_text(TABLE_S1)
    code, out, err = run(["plqy", t, "--qy0", "30.09", "--n0", "4.489", "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert [set(r) for r in rows] == [{"pressure_gpa", "n_squared", "plqy"}] * 7
    for r, q in zip(rows, PLQY_S1):
        assert abs(r["plqy"] - q) / q <= 0.015
    code, out, _ = run(["plqy", t, "--qy0", "30.09", "--n0", "4.489"], capsys)
    assert code == 0 and "20.151" in out


@pytest.mark.parametrize("text, match", [
    ("pressure_gpa,intensity_ratio\n0,1\n", "volume_ratio"),
    ("pressure_gpa,intensity_ratio,volume_ratio\n0,1,1\n30,0.1,0.80\n", "V/V0"),
    ("pressure_gpa,intensity_ratio,volume_ratio\n0,abc,1\n", "non-numeric"),
    ("pressure_gpa,intensity_ratio,volume_ratio\n", "no rows"),
])
def test_plqy_bad_tables(tmp_path, capsys, text, match):
    t = tmp_path / "bad.csv"
    t.write_text(text)
    code, _, err = run(["plqy", t, "--qy0", "30", "--n0", "4.489"], capsys)
    assert code == 2
    assert match in err and "bad.csv" in err


@pytest.mark.parametrize("cmd", ["pl", "tauc", "plqy"])
def test_help_has_example(cmd, capsys):
    code, out, _ = run([cmd, "--help"], capsys)
    assert code == 0 and "Example" in out and "--json" in out


def test_pl_runsheet_direction_keeps_branches_apart(pl_files, capsys):
    """Decompression points (here deliberately mislabelled pressures) must not enter the fit."""
    d, files, _ = pl_files
    sheet = d / "run_dir.csv"
    rows = [f"{f.name},{p},compression\n" for f, p in zip(files, PRESSURES)]
    rows.append(f"{files[6].name},2.0,decompression\n")       # same spectrum, wrong branch
    sheet.write_text("file,pressure_gpa,direction\n" + "".join(rows))
    code, out, err = run(["pl", "--runsheet", sheet, "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert len(doc["peaks"]) == 8
    assert abs(doc["fit"]["alpha_mev_per_gpa"] - 53) < 4 * doc["fit"]["alpha_mev_per_gpa_err"] + 0.1


def test_tauc_kind_alpha_gives_the_gap_of_the_absorbance(abs_files, capsys, tmp_path):
    """--kind alpha: a file of α in cm⁻¹ (here the absorbance of a 100 nm film converted,
    α = ln(10)·A/d) gives the same gap as the absorbance file itself."""
    from dackit.io import read_spectrum

    files, _ = abs_files
    s = read_spectrum(files[0])
    alpha = tmp_path / "alpha.txt"
    np.savetxt(alpha, np.column_stack([s.x, s.y * np.log(10) / 100e-7]), header="wavelength_nm value")
    rows = []
    for argv in (["tauc", files[0], "--json"], ["tauc", alpha, "--kind", "alpha", "--json"]):
        code, out, _ = run(argv, capsys)
        assert code == 0
        rows.append(json.loads(out)[0])
    assert rows[1]["gap_ev"] == pytest.approx(rows[0]["gap_ev"], abs=1e-3)
    assert rows[1]["quality"] == rows[0]["quality"]


def _band_then_edge(path, gap_ev=2.80, seed=3):
    """Absorbance of a film whose weak sub-gap band (0.03 at 1.75 eV, flat above it) lies
    more than reach_ev below a direct edge (A·E ∝ √(E − E_g), Gaussian-broadened by 15 meV),
    like LiamWilbraham/taucauto's example/spectrum_1.txt: built here with numpy, 1 nm steps."""
    rng = np.random.default_rng(seed)
    nm = np.arange(250.0, 801.0)
    e = 1239.84193 / nm
    fine = np.linspace(1.4, 5.2, 8000)
    edge = 0.2 * np.sqrt(np.clip(fine - gap_ev, 0, None)) / fine
    kernel = np.exp(-0.5 * ((fine - fine.mean()) / 0.015) ** 2)
    edge = np.convolve(edge, kernel / kernel.sum(), mode="same")
    a = 0.03 / (1 + np.exp(-(e - 1.75) / 0.05)) + np.interp(e, fine, edge) + rng.normal(0, 5e-4, e.size)
    np.savetxt(path, np.column_stack([nm, a]), header="wavelength_nm absorbance")
    return path


def test_tauc_range_reaches_an_edge_behind_a_subgap_band(tmp_path, capsys):
    """A sub-gap band ahead of the edge puts the absorbance onset 1 eV below the gap: the
    default search must not call a stretch of the band the gap with quality ok (it refuses and
    names --range); --range LO HI then gives the edge's gap."""
    path = _band_then_edge(tmp_path / "band_then_edge.txt")
    code, out, err = run(["tauc", path, "--json"], capsys)
    row = json.loads(out)[0]
    if "error" in row:
        assert code == 2 and "--range LO HI" in row["error"]
    else:
        assert row["quality"] == "doubtful" or abs(row["gap_ev"] - 2.80) < 0.03, row
    code, out, _ = run(["tauc", path, "--range", "2.3", "5.0", "--json"], capsys)
    row = json.loads(out)[0]
    assert code == 0, row
    # the 15 meV broadening moves a √ edge's Tauc intercept by about its width
    assert row["gap_ev"] == pytest.approx(2.80, abs=0.03), row
    code, out, err = run(["tauc", path, "--range", "3.0", "2.0", "--json"], capsys)
    assert code == 2 and "lower end must come first" in out + err
