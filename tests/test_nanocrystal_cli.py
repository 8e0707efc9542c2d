"""`dackit model pl`: JSON contract, table output, clear errors."""
import json

import pytest

from dackit.cli import main
from dackit.nanocrystal.coreshell import core_shell, pl_vs_pressure

BASE = ["model", "pl", "--core", "InP", "--core-diameter", "2.5", "--shell", "ZnSe",
        "--shell-thickness", "1.9"]


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_json_contract(capsys):
    code, out, _ = run(BASE + ["--pressure", "0,1,2.5,5.6", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    for key in ("energies_ev", "e0_ev", "alpha_mev_per_gpa", "beta_mev_per_gpa2", "electron_in_shell_fraction"):
        assert key in data
    assert len(data["energies_ev"]) == 4
    lib = pl_vs_pressure(core_shell("InP", 2.5, "ZnSe", 1.9), [0, 1, 2.5, 5.6])
    assert data["energies_ev"] == pytest.approx(list(lib.pl_ev), rel=1e-12)
    assert data["alpha_mev_per_gpa"] == pytest.approx(lib.alpha_mev_per_gpa, rel=1e-12)
    assert 0 <= data["electron_in_shell_fraction"] <= 1
    assert data["warnings"] == []


def test_table_by_default_and_bare_core(capsys):
    code, out, _ = run(["model", "pl", "--core-diameter", "3", "--shell", "none", "--pressure", "0,1"], capsys)
    assert code == 0
    assert "PL (eV)" in out and "InP 3 nm" in out


def test_stokes_shift_option(capsys):
    # the default Stokes shift is computed by the model; 0 switches it off
    _, out0, _ = run(BASE + ["--pressure", "0", "--json", "--stokes-shift-mev", "0"], capsys)
    _, out1, _ = run(BASE + ["--pressure", "0", "--json", "--stokes-shift-mev", "150"], capsys)
    assert json.loads(out0)["energies_ev"][0] - json.loads(out1)["energies_ev"][0] == pytest.approx(0.15)


def test_transition_warns_and_strict_errors(capsys):
    code, out, err = run(BASE + ["--pressure", "0,12", "--json"], capsys)
    assert code == 0 and "zinc-blende" in err
    assert json.loads(out)["warnings"]
    code, _, err = run(BASE + ["--pressure", "0,12", "--strict"], capsys)
    assert code == 2 and "transition" in err


@pytest.mark.parametrize("args,match", [
    (["model", "pl", "--core", "Kryptonite", "--core-diameter", "2", "--pressure", "0"], "unknown"),
    (["model", "pl", "--core-diameter", "-2", "--pressure", "0"], "--core-diameter"),
    (["model", "pl", "--core-diameter", "2", "--shell-thickness", "-1", "--pressure", "0"], "--shell-thickness"),
    (["model", "pl", "--core-diameter", "2", "--pressure", "0,x"], "--pressure"),
    (["model", "pl", "--core-diameter", "2", "--pressure", ","], "--pressure"),
    (["model", "pl", "--core-diameter", "2", "--pressure", "-3"], "negative"),
    (["model", "pl", "--core-diameter", "2", "--pressure", "nan"], "NaN"),
    (["model", "pl", "--core-diameter", "2", "--pressure", "0", "--fit-range", "5"], "--fit-range"),
])
def test_clear_errors(args, match, capsys):
    code, _, err = run(args, capsys)
    assert code == 2
    assert match in err


def test_help_has_example(capsys):
    code, out, _ = run(["model", "pl", "--help"], capsys)
    assert code == 0 and "Example" in out and "--json" in out


def test_new_keys_bare_core_and_tetrahedral_core(capsys):
    code, out, _ = run(["model", "pl", "--core-diameter", "2.5", "--shell-thickness", "0", "--pressure", "0,1",
                        "--json"], capsys)
    assert code == 0
    bare = json.loads(out)
    assert bare["shell_thickness_nm"] == 0.0 and bare["electron_in_shell_fraction"] == 0.0
    assert len(bare["stokes_shift_ev"]) == 2 and 0 < bare["stokes_shift_ev"][0] < 0.1
    assert bare["energies_ev"][0] == pytest.approx(bare["absorption_ev"][0] - bare["stokes_shift_ev"][0])
    assert bare["lowest_conduction_valley"] == ["Γ", "Γ"]
    code, out, _ = run(["model", "pl", "--core-diameter", "2.5", "--shell-thickness", "0", "--pressure", "0",
                        "--core-shape", "tetrahedron", "--json"], capsys)
    tet = json.loads(out)
    # same nominal size, smaller volume-equivalent sphere (0.608 × 2.5 nm) ⇒ bluer
    assert tet["core_diameter_nm"] == 2.5 and tet["model_core_diameter_nm"] == pytest.approx(1.521, abs=1e-3)
    assert tet["absorption_ev"][0] > bare["absorption_ev"][0] + 0.3
    code, _, err = run(["model", "pl", "--core-diameter", "2.5", "--pressure", "0", "--core-shape", "cube"], capsys)
    assert code == 2 and "core-shape" in err


def test_hole_model_and_ordering_options(capsys):
    from dackit.nanocrystal.coreshell import ModelOptions

    args = ["model", "pl", "--core-diameter", "2.5", "--shell", "none", "--pressure", "0",
            "--stokes-shift-mev", "0", "--json"]
    code, out, _ = run(args + ["--hole-model", "luttinger", "--hole-ordering", "symmetric"], capsys)
    assert code == 0
    four_sym = json.loads(out)["absorption_ev"][0]
    lib = pl_vs_pressure(core_shell("InP", 2.5, None, 0.0), [0.0],
                         ModelOptions(stokes_shift_ev=0.0, hole_model="luttinger", hole_ordering="symmetric"))
    assert four_sym == pytest.approx(lib.absorption_ev[0], rel=1e-12)
    assert four_sym == pytest.approx(2.116, abs=2e-3)      # the earlier default model's bare 2.5 nm core
    code, out, _ = run(args, capsys)
    assert json.loads(out)["absorption_ev"][0] == pytest.approx(2.165, abs=0.01)   # 6-band, Burt–Foreman
    code, _, err = run(args + ["--hole-model", "nope"], capsys)
    assert code != 0 and "hole-model" in err


def test_hole_choices_are_the_library_s():
    # the CLI spells its choices out (importing the solver would slow every dackit start-up);
    # they must stay the library's, default first
    from dackit.cli.model import command
    from dackit.nanocrystal.coreshell import HOLE_MODELS, ModelOptions
    from dackit.nanocrystal.luttinger import ORDERINGS

    params = {p.name: p for p in command.commands["pl"].params}
    assert tuple(params["hole_model"].type.choices) == HOLE_MODELS
    assert set(params["hole_ordering"].type.choices) == set(ORDERINGS)
    assert params["hole_model"].default == ModelOptions().hole_model
    assert params["hole_ordering"].default == ModelOptions().hole_ordering


def test_plot_writes_the_model_figures_beside_the_study(capsys, tmp_path):
    """--plot: band diagram, PL(P) and the model-vs-study figure (issue 16: the study's points
    beside the model); the JSON is the same as without it."""
    code, out, err = run(BASE + ["--pressure", "0,5.6", "--json", "--plot", str(tmp_path)], capsys)
    assert code == 0, err
    assert json.loads(out)["energies_ev"]
    for name in ("band_diagram.png", "pl_vs_pressure.png", "study_comparison.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    # one pressure only: the band diagram still gets two panels
    code, _, err = run(BASE + ["--pressure", "0", "--plot", str(tmp_path / "one")], capsys)
    assert code == 0 and (tmp_path / "one" / "band_diagram.png").exists(), err
