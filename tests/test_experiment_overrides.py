"""overrides.toml: exclusions and per-file settings, reproducible in `dackit run`, listed in the
report, recomputing only what they touch; bad entries end in a ConfigError naming the entry."""
import json
import shutil
from dataclasses import replace

import pytest

from dackit.errors import ConfigError
from dackit.experiment.description import load_experiment, read_runsheet
from dackit.experiment.overrides import (Overrides, add_exclusion, load_overrides, render_overrides,
                                         set_override)
from dackit.experiment.pipeline import run_experiment
from dackit.virtual.description import Step, preset
from dackit.virtual.experiment import write_experiment


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A virtual experiment of five compression steps below the PL quenching, cut down to ruby
    and PL, run once without overrides."""
    root = tmp_path_factory.mktemp("overrides")
    steps = tuple(Step(i, "compression", p) for i, p in enumerate((0.0, 1.5, 3.0, 4.5, 6.0)))
    written = write_experiment(root / "experiment", replace(preset("inp-znse", seed=3), steps=steps))
    folder = written.experiment_toml.parent
    rows = (folder / "runsheet.csv").read_text().splitlines()
    keep = [r for r in rows[1:] if r.split(",")[2] in ("ruby", "pl")]
    (folder / "runsheet.csv").write_text("\n".join([rows[0], *keep]) + "\n")
    shutil.rmtree(folder / "absorption")
    shutil.rmtree(folder / "tem")
    for image in [*(folder / "xrd").glob("*.tif"), *(folder / "saxs").glob("*.tif")]:
        image.unlink()  # the PONI files stay: experiment.toml names them
    summary = run_experiment(written.experiment_toml, root / "out", report=True)
    return folder, root / "out", json.loads(summary.results_path.read_text())


@pytest.fixture
def experiment(base, tmp_path):
    """A fresh copy of the experiment and of its results (cache included) for one test."""
    folder, out, _ = base
    shutil.copytree(folder, tmp_path / "experiment")
    shutil.copytree(out, tmp_path / "out", ignore=shutil.ignore_patterns(".dackit.lock"))
    return tmp_path / "experiment" / "experiment.toml", tmp_path / "out"


def _compression_pl(results):
    return [r for r in results["pl"] if r["direction"] == "compression" and r["quality"] == "ok"]


def test_excluding_one_pl_file_drops_one_point_and_the_report_names_it(base, experiment):
    _, _, before = base
    toml, out = experiment
    victim = _compression_pl(before)[1]["file"]
    (toml.parent / "overrides.toml").write_text(
        f'[[exclude]]\nfile = "{victim}"\nreason = "laser <b>refocused</b> mid-scan"\n')
    summary = run_experiment(toml, out)
    after = json.loads(summary.results_path.read_text())
    assert after["pl_fit"]["n"] == before["pl_fit"]["n"] - 1
    assert victim not in [r["file"] for r in after["pl"]]
    assert after["exclusions"] == [{"file": victim, "technique": "pl", "step": _compression_pl(before)[1]["step"],
                                    "reason": "laser <b>refocused</b> mid-scan"}]
    # nothing was recomputed: an exclusion only removes a cached result from the series
    assert summary.computed == 0
    report = (out / "report.html").read_text()
    assert victim in report
    assert "laser &lt;b&gt;refocused&lt;/b&gt; mid-scan" in report  # escaped, as every user string


def test_override_recomputes_only_that_file_and_is_recorded(base, experiment):
    toml, out = experiment
    exp = load_experiment(toml)
    sheet = read_runsheet(exp)
    target = sheet[sheet["technique"] == "pl"]["file"].iloc[2]
    set_override(exp, sheet, target, {"n_peaks": 2}, reason="trap emission")
    text = (toml.parent / "overrides.toml").read_text()
    assert "n_peaks = 2" in text and target in text
    summary = run_experiment(toml, out)
    assert summary.computed == 1  # the overridden file; every other result comes from the cache
    results = json.loads(summary.results_path.read_text())
    assert results["overrides"] == [{"file": target, "technique": "pl", "step": int(
        sheet.set_index("file").loc[target, "step"]), "settings": {"n_peaks": 2}, "reason": "trap emission"}]
    methods = {f["file"]: f["method"] for f in results["provenance"]["files"]}
    assert methods[target]["n_peaks"] == 2
    assert "n_peaks" in (out / "report.html").read_text()
    # the same file again: everything from the cache
    assert run_experiment(toml, out).computed == 0


def test_writer_round_trips_through_the_reader(experiment):
    toml, _ = experiment
    exp = load_experiment(toml)
    sheet = read_runsheet(exp)
    pl = list(sheet[sheet["technique"] == "pl"]["file"])
    add_exclusion(exp, sheet, pl[0], 'quote " and backslash \\ kept')
    set_override(exp, sheet, pl[1], {"window_nm": [500, 750], "baseline": "snip"})
    back = load_overrides(exp, sheet)
    assert back.exclude == [{"file": pl[0], "reason": 'quote " and backslash \\ kept'}]
    assert back.settings(pl[1]) == {"window_nm": [500.0, 750.0], "baseline": "snip"}
    assert render_overrides(back) == (toml.parent / "overrides.toml").read_text()


@pytest.mark.parametrize("text, words", [
    ('[[exclude]]\nfile = "pl/nope.txt"\n', ["[[exclude]] entry 1", "pl/nope.txt", "no such file"]),
    ('[[override]]\nfile = "{pl}"\nwindow = [1, 2]\n', ["[[override]] entry 1", "unknown key 'window'",
                                                        "window_nm"]),
    ('[[override]]\nfile = "{pl}"\nn_peaks = 9\n', ["n_peaks = 9", "between 1 and 4"]),
    ('[[override]]\nfile = "{pl}"\nwindow_nm = [700, 500]\n', ["window_nm", "increasing"]),
    ('[[override]]\nfile = "{ruby}"\nn_peaks = 2\n', ["unknown key 'n_peaks' for ruby", "lambda0_nm"]),
    ('[[override]]\nfile = "{pl}"\nreason = "nothing"\n', ["no setting to change"]),
    ('[[exclude]]\nreason = "x"\n', ["needs file"]),
    ('[[exclude]]\nfile = "{pl}"\nwhy = "x"\n', ["unknown key(s) why"]),
    ("[exclusions]\n", ["unknown table(s) exclusions"]),
    ("[[exclude]\n", ["not valid TOML"]),
])
def test_bad_entries_name_the_file_the_entry_and_what_to_do(experiment, text, words):
    toml, out = experiment
    sheet = read_runsheet(load_experiment(toml))
    pl = sheet[sheet["technique"] == "pl"]["file"].iloc[0]
    ruby = sheet[sheet["technique"] == "ruby"]["file"].iloc[0]
    (toml.parent / "overrides.toml").write_text(text.replace("{pl}", pl).replace("{ruby}", ruby))
    with pytest.raises(ConfigError) as info:
        run_experiment(toml, out.parent / "fresh")
    message = str(info.value)
    assert "overrides.toml" in message
    for word in words:
        assert word in message


def test_excluding_everything_is_refused(experiment):
    toml, out = experiment
    sheet = read_runsheet(load_experiment(toml))
    (toml.parent / "overrides.toml").write_text(
        "".join(f'[[exclude]]\nfile = "{f}"\n' for f in sheet["file"]))
    with pytest.raises(ConfigError, match="every file of the run sheet is excluded"):
        run_experiment(toml, out)


def test_no_overrides_is_falsy():
    assert not Overrides()
