"""`dackit eos fit` / `dackit eos pressure`: JSON contract, tables, figures, failures → exit 2."""
import json

import numpy as np
import pytest

from dackit.cli import main
from dackit.eos import EOS_FORMS

CONTRACT_KEYS = {"form", "v0_a3", "v0_a3_err", "k0_gpa", "k0_gpa_err", "kp", "kp_err", "chi2_red", "n"}


def run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_fit_real_dat_json(real_data, capsys):
    code, out, err = run(["eos", "fit", str(real_data / "quantas_eos" / "PV_quartz.dat"), "--json"], capsys)
    assert code == 0, err
    row = json.loads(out)
    assert CONTRACT_KEYS <= set(row)
    assert row["form"] == "bm3" and row["n"] == 22
    assert row["k0_gpa"] == pytest.approx(37.126, abs=0.002)     # EosFit7: 37.12600(9104)
    assert row["kp"] == pytest.approx(5.988, abs=0.001)           # EosFit7: 5.98823(4530)
    assert row["warnings"] == []


def test_fit_csv_with_fix_form_and_plot(tmp_path, capsys):
    v = np.linspace(100.0, 85.0, 10)
    p = EOS_FORMS["vinet"].pressure(v, 100.0, 150.0, 5.0)
    csv = tmp_path / "run1.csv"
    rows = "\n".join(f"{pi:.6f},{vi:.6f},0.02,0.01" for pi, vi in zip(p, v))
    csv.write_text("pressure_gpa,volume_a3,pressure_gpa_err,volume_a3_err\n" + rows + "\n")
    code, out, err = run(["eos", "fit", str(csv), "--form", "vinet", "--fix", "kp=5", "--json",
                          "--plot", str(tmp_path / "figs")], capsys)
    assert code == 0, err
    row = json.loads(out)
    assert row["form"] == "vinet" and row["kp"] == 5.0 and row["kp_err"] == 0.0
    assert row["k0_gpa"] == pytest.approx(150.0, abs=0.1)
    pngs = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert pngs == ["run1_ff.png", "run1_pv.png"]          # no ellipse: K′ is fixed
    assert all((tmp_path / "figs" / n).stat().st_size > 10_000 for n in pngs)


def test_plot_writes_all_three_figures(real_data, tmp_path, capsys):
    code, _, err = run(["eos", "fit", str(real_data / "quantas_eos" / "PV_topaz.dat"),
                        "--plot", str(tmp_path)], capsys)
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PV_topaz_ff.png", "PV_topaz_k0_kp.png",
                                                           "PV_topaz_pv.png"]
    assert "chi2_red" in err          # the sanity warning goes to stderr


def test_table_and_report(real_data, capsys):
    code, out, _ = run(["eos", "fit", str(real_data / "quantas_eos" / "PV_quartz.dat"), "--report"], capsys)
    assert code == 0
    assert "Correlation matrix" in out and "PV_quartz.dat" in out and "K0 (GPa)" in out


def test_bad_file_is_named_and_others_still_fitted(real_data, tmp_path, capsys):
    bad = tmp_path / "broken.dat"
    bad.write_text("this is not an EosFit file\n")
    good = real_data / "quantas_eos" / "PV_quartz.dat"
    code, out, err = run(["eos", "fit", str(bad), str(good), "--json"], capsys)
    assert code == 2
    rows = json.loads(out)
    assert "error" in rows[0] and "broken.dat" in rows[0]["error"] and "FORMAT" in rows[0]["error"]
    assert rows[1]["k0_gpa"] == pytest.approx(37.126, abs=0.002)
    assert "broken.dat" in err


@pytest.mark.parametrize("fix,match", [("kq=4", "NAME=VALUE"), ("kp=four", "needs a number")])
def test_bad_fix_option(real_data, capsys, fix, match):
    code, _, err = run(["eos", "fit", str(real_data / "quantas_eos" / "PV_quartz.dat"), "--fix", fix], capsys)
    assert code == 2 and match in err


def test_fixing_a_parameter_the_form_lacks_fails_cleanly(real_data, capsys):
    code, out, err = run(["eos", "fit", str(real_data / "quantas_eos" / "PV_quartz.dat"),
                          "--fix", "kpp=-0.2", "--json"], capsys)
    assert code == 2 and "no parameter 'kpp'" in err


def test_pressure_from_standard(capsys):
    code, out, err = run(["eos", "pressure", "67.85", "60.0", "--standard", "au", "--err", "0.02",
                          "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert rows[0]["pressure_gpa"] == pytest.approx(0.0, abs=1e-9)
    assert rows[1]["pressure_gpa"] == pytest.approx(29.51, abs=0.01)
    assert rows[1]["pressure_gpa_err"] > 0
    code, _, err = run(["eos", "pressure", "200", "--standard", "au"], capsys)
    assert code == 2 and "outside" in err
