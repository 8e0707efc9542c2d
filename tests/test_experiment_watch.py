"""Live mode on a tiny ruby + PL experiment whose files arrive between polls."""
import json
import os

import pytest

from cli_helpers import run_dackit
from dackit.errors import ConfigError
from dackit.experiment.description import load_experiment, read_runsheet
from dackit.experiment.pipeline import run_experiment
from dackit.experiment.watch import Watcher, snapshot, watch_experiment
from dackit.gauge.ruby import simulate_ruby
from dackit.io import write_spectrum
from dackit.optics.pl import simulate_pl

PRESSURES = (0.5, 2.0, 3.5)  # GPa, one step each
ALL_STEPS = range(len(PRESSURES))
TOML = 'name = "live test"\nrunsheet = "runsheet.csv"\n\n[ruby]\nscale = "shen2020"\nlambda0_nm = 694.24\n'


def _sheet(folder, steps=ALL_STEPS):
    rows = ["step,direction,technique,file,pressure_gpa,pressure_gpa_err,note"]
    for s in steps:
        rows += [f"{s},compression,ruby,ruby/step{s:02d}.txt,,,ruby before",
                 f"{s},compression,pl,pl/step{s:02d}.txt,,,PL"]
    (folder / "runsheet.csv").write_text("\n".join(rows) + "\n")


def _write_step(folder, s, techniques=("ruby", "pl")):
    p = PRESSURES[s]
    if "ruby" in techniques:
        write_spectrum(simulate_ruby(p, seed=10 + s), folder / "ruby" / f"step{s:02d}.txt")
    if "pl" in techniques:
        write_spectrum(simulate_pl(p, peak_counts=5e3, seed=20 + s), folder / "pl" / f"step{s:02d}.txt")


@pytest.fixture
def folder(tmp_path):
    exp = tmp_path / "exp"
    (exp / "ruby").mkdir(parents=True)
    (exp / "pl").mkdir()
    (exp / "experiment.toml").write_text(TOML)
    _sheet(exp)
    return exp


def test_without_allow_missing_a_missing_file_is_still_an_error(folder):
    _write_step(folder, 0)
    exp = load_experiment(folder / "experiment.toml")
    with pytest.raises(ConfigError, match=r"row 4: file 'ruby/step01.txt' does not exist"):
        read_runsheet(exp)
    with pytest.raises(ConfigError, match="does not exist"):
        run_experiment(folder / "experiment.toml", folder.parent / "out")
    sheet = read_runsheet(exp, allow_missing=True)
    assert list(sheet["file"]) == ["ruby/step00.txt", "pl/step00.txt"]
    assert [w["file"] for w in sheet.attrs["waiting"]] == [f"{t}/step{s:02d}.txt" for s in (1, 2)
                                                            for t in ("ruby", "pl")]


def test_a_step_without_its_ruby_yet_is_held_back(folder):
    _write_step(folder, 0)
    _write_step(folder, 1, techniques=("pl",))  # PL saved, ruby of that step not yet
    sheet = read_runsheet(load_experiment(folder / "experiment.toml"), allow_missing=True)
    assert set(sheet["step"]) == {0}
    held = {w["file"]: w["reason"] for w in sheet.attrs["waiting"]}
    assert "no pressure yet" in held["pl/step01.txt"]
    assert held["ruby/step01.txt"] == "file not there yet"
    summary = run_experiment(folder / "experiment.toml", folder.parent / "out", report=False,
                             allow_missing=True)
    assert summary.failures == [] and summary.steps == 1 and len(summary.waiting) == 4
    results = json.loads(summary.results_path.read_text())
    assert len(results["waiting"]) == 4 and results["steps"][0]["source"].startswith("ruby")


def test_files_arriving_between_cycles_are_analysed_on_the_next(folder):
    _write_step(folder, 0)
    cycles, arriving = [], iter(range(1, len(PRESSURES)))

    def beamtime(seconds):  # the "sleep" between polls: the next step is measured
        assert seconds == 0.5
        s = next(arriving, None)
        if s is not None:
            _write_step(folder, s)

    n = watch_experiment(folder / "experiment.toml", folder.parent / "out", interval_s=0.5, max_cycles=4,
                         report=False, on_cycle=cycles.append, sleep=beamtime)
    assert n == 4
    assert [c.status for c in cycles] == ["analysed", "analysed", "analysed", "unchanged"]
    assert [c.summary.computed for c in cycles[:3]] == [2, 2, 2]      # only the new files
    assert [c.summary.cached for c in cycles[:3]] == [0, 2, 4]
    assert [len(c.waiting) for c in cycles] == [4, 2, 0, 0]
    results = json.loads((folder.parent / "out" / "results.json").read_text())
    assert results["failures"] == [] and results["waiting"] == []
    measured = [s["pressure_gpa"] for s in results["steps"]]
    errs = [s["pressure_gpa_err"] for s in results["steps"]]
    # each ruby spectrum recovers its simulated pressure within a few of its fit errors
    assert all(abs(m - p) < max(5 * e, 0.05) for m, p, e in zip(measured, PRESSURES, errs))


def test_unchanged_folder_recomputes_nothing_and_keeps_the_report(folder):
    for s in range(len(PRESSURES)):
        _write_step(folder, s)
    out = folder.parent / "out"
    w = Watcher(folder / "experiment.toml", out)
    first = w.poll()
    assert first.status == "analysed" and first.summary.computed == 6
    report, results = out / "report.html", out / "results.json"
    stamps = (report.stat().st_mtime_ns, results.stat().st_mtime_ns)
    assert w.poll().status == "unchanged"
    assert (report.stat().st_mtime_ns, results.stat().st_mtime_ns) == stamps
    # a file touched but not changed: re-run from the cache, results the same, report kept
    ruby = folder / "ruby" / "step01.txt"
    os.utime(ruby, ns=(ruby.stat().st_atime_ns, ruby.stat().st_mtime_ns + 10**9))
    again = w.poll()
    assert again.status == "analysed" and (again.summary.computed, again.summary.cached) == (0, 6)
    assert report.stat().st_mtime_ns == stamps[0]


def test_nothing_arrived_yet_is_waiting_not_an_error(folder):
    w = Watcher(folder / "experiment.toml", folder.parent / "out", report=False)
    cycle = w.poll()
    assert cycle.status == "waiting" and len(cycle.waiting) == 6 and cycle.error is None
    assert not (folder.parent / "out" / "results.json").exists()
    assert w.poll().status == "unchanged"


def test_invalid_toml_mid_watch_is_reported_and_watching_goes_on(folder):
    _write_step(folder, 0)
    toml = folder / "experiment.toml"
    w = Watcher(toml, folder.parent / "out", report=False)
    assert w.poll().status == "analysed"
    toml.write_text(TOML + "[ruby\n")                     # the user is mid-edit
    bad = w.poll()
    assert bad.status == "error" and "not valid TOML" in bad.error and str(toml) in bad.error
    assert w.poll().status == "unchanged"                  # reported once, not every cycle
    toml.write_text(TOML.replace("live test", "live test, fixed"))
    fixed = w.poll()
    assert fixed.status == "analysed" and fixed.summary.computed == 0  # same files, same settings
    assert json.loads(fixed.summary.results_path.read_text())["experiment"] == "live test, fixed"


def test_signature_sees_a_bad_run_sheet_and_its_fix(folder):
    _write_step(folder, 0)
    (folder / "runsheet.csv").write_text("step,direction,technique,file\n0,compression,raman,x.txt\n")
    snap = snapshot(folder / "experiment.toml")
    assert "unknown technique 'raman'" in snap.error
    _sheet(folder)
    fixed = snapshot(folder / "experiment.toml")
    assert fixed.error is None and fixed.ready == 2 and fixed.signature != snap.signature


def test_cli_once(folder, tmp_path):
    _write_step(folder, 0)
    code, out, err = run_dackit("watch", folder / "experiment.toml", "--out", tmp_path / "out", "--once", "--json")
    assert code == 0, err
    cycle = json.loads(out)
    assert cycle["status"] == "analysed" and cycle["computed"] == 2 and len(cycle["waiting"]) == 4
    (folder / "experiment.toml").write_text("name = [\n")
    code, out, err = run_dackit("watch", folder / "experiment.toml", "--out", tmp_path / "out", "--once")
    assert code == 2 and "not valid TOML" in err and "Traceback" not in err


def test_ctrl_c_ends_cleanly(folder, tmp_path):
    import signal
    import subprocess
    import sys

    _write_step(folder, 0)
    env = dict(os.environ, MPLBACKEND="Agg")
    # a shell's background jobs ignore SIGINT; give the child the default, as a terminal would
    proc = subprocess.Popen([sys.executable, "-m", "dackit", "watch", str(folder / "experiment.toml"),
                             "--out", str(tmp_path / "out"), "--interval", "0.1", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        first = json.loads(proc.stdout.readline())   # blocks until the first cycle is done
        assert first["status"] == "analysed"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err and "stopped watching (Ctrl-C)" in err
    assert out == ""  # nothing changed after the first cycle
