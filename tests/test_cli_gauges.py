import numpy as np
import pytest

from cli_helpers import run_dackit, run_json
from dackit.gauge.ruby import simulate_ruby
from dackit.gauge.sm import simulate_sm
from dackit.io import write_spectrum

RUBY_KEYS = {"file", "pressure_gpa", "pressure_gpa_err", "r1_nm", "r1_nm_err", "r2_nm", "scale",
             "fwhm_nm", "model", "quality", "quality_notes"}  # issue 10: model and verdict added


@pytest.fixture()
def ruby_files(tmp_path):
    good = tmp_path / "good.txt"
    write_spectrum(simulate_ruby(12.5, scale="mao1986-hydrostatic", seed=4), good)
    oo = tmp_path / "oo.txt"
    write_spectrum(simulate_ruby(25.0, scale="mao1986-hydrostatic", seed=5), oo, flavour="oceanoptics")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    words = tmp_path / "words.txt"
    words.write_text("this is not\na spectrum at all\n" * 20)
    nan = tmp_path / "nan.txt"
    x = np.linspace(680, 710, 200)
    nan.write_text("\n".join(f"{a}\t{'nan' if i == 50 else 100.0}" for i, a in enumerate(x)))
    noise = tmp_path / "noise.txt"
    rng = np.random.default_rng(1)
    noise.write_text("\n".join(f"{a}\t{b}" for a, b in zip(np.linspace(680, 710, 1024),
                                                          500 + rng.normal(0, 10, 1024))))
    return {"good": good, "oo": oo, "empty": empty, "words": words, "nan": nan, "noise": noise}


def test_ruby_json_contract(ruby_files):
    code, rows, err = run_json("ruby", ruby_files["good"], ruby_files["oo"],
                               "--scale", "mao1986-hydrostatic", "--ref", "694.24")
    assert code == 0, err
    assert [set(r) for r in rows] == [RUBY_KEYS, RUBY_KEYS]
    assert rows[0]["pressure_gpa"] == pytest.approx(12.5, abs=0.1)
    assert rows[1]["pressure_gpa"] == pytest.approx(25.0, abs=0.1)
    assert rows[0]["scale"] == "mao1986-hydrostatic"


def test_ruby_bad_files_named_good_still_measured(ruby_files):
    names = ["empty", "good", "words", "nan", "noise"]
    code, rows, err = run_json("ruby", *[ruby_files[n] for n in names])
    assert code == 2
    assert "Traceback" not in err
    by_file = {r["file"]: r for r in rows}
    assert [r["file"] for r in rows] == [str(ruby_files[n]) for n in names]
    assert "error" not in by_file[str(ruby_files["good"])]
    for n in ("empty", "words", "nan", "noise"):
        row = by_file[str(ruby_files[n])]
        assert set(row) == {"file", "error"}
        assert str(ruby_files[n]) in row["error"] or ruby_files[n].name in row["error"]
        assert ruby_files[n].name in err


def test_ruby_table_and_plot(ruby_files, tmp_path):
    code, out, err = run_dackit("ruby", ruby_files["good"], "--scale", "mao1986-hydrostatic",
                                 "--plot", tmp_path / "figs")
    assert code == 0, err
    assert "good.txt" in out and "12.5" in out
    assert (tmp_path / "figs" / "good.png").stat().st_size > 10_000


def test_ruby_missing_file_and_bad_option(tmp_path):
    code, out, err = run_dackit("ruby", tmp_path / "absent.txt")
    assert code == 2 and "absent.txt" in err and "Traceback" not in err
    code, out, err = run_dackit("ruby", tmp_path / "absent.txt", "--scale", "nonsense")
    assert code == 2 and "nonsense" in err and "Traceback" not in err


@pytest.mark.parametrize("cmd", ["ruby", "sm", "pl", "tauc", "plqy", "eos", "eos fit", "xrd", "xrd integrate",
                                 "xrd lattice", "xrd phases", "saxs", "saxs peaks", "saxs thickness", "tem",
                                 "tem size", "model", "model pl", "simulate", "simulate experiment", "run",
                                 "watch", "demo"])
def test_every_command_help_has_an_example(cmd):
    code, out, _ = run_dackit(*cmd.split(), "--help")
    assert code == 0 and "Example" in out and f"dackit {cmd.split()[0]}" in out


def test_sm_cli(tmp_path):
    f = tmp_path / "sm.txt"
    write_spectrum(simulate_sm(40.0, seed=2), f)
    code, rows, err = run_json("sm", f)
    assert code == 0, err
    assert rows[0]["pressure_gpa"] == pytest.approx(40.0, abs=0.1)


def test_version():
    code, out, _ = run_dackit("--version")
    assert code == 0 and "dackit" in out
