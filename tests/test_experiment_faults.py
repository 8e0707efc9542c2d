"""`dackit run` under faults: damaged cache entries, full and read-only disks, duplicate
file names, phase files, concurrent runs, bad settings, paths leaving the experiment folder,
and exit status. Each test reproduces one defect of issue 17 first."""
import errno
import json
import os
import shutil
import threading

import pytest

from dackit.errors import ConfigError
from dackit.experiment.description import load_experiment, read_runsheet
from dackit.experiment.pipeline import output_lock, run_experiment
from dackit.experiment.store import CACHE_SCHEMA, ResultCache
from dackit.virtual.description import preset
from dackit.virtual.experiment import write_experiment


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return write_experiment(tmp_path_factory.mktemp("virtual") / "experiment", preset("inp-znse", steps=6, seed=5))


def _subset(written, folder, techniques, steps=None):
    shutil.copytree(written.experiment_toml.parent, folder)
    rows = (folder / "runsheet.csv").read_text().splitlines()
    keep = [r for r in rows[1:] if r.split(",")[2] in techniques
            and (steps is None or int(r.split(",")[0]) in steps)]
    (folder / "runsheet.csv").write_text("\n".join([rows[0], *keep]) + "\n")
    return folder / "experiment.toml"


def _stable(path):
    r = json.loads(path.read_text())
    r["provenance"] = {k: v for k, v in r["provenance"].items() if k != "created"}
    r.pop("warnings", None)
    return r


def _cli(argv, capsys):
    """Run the dackit CLI in this process (so faults can be injected); (code, stdout, stderr)."""
    from dackit.cli import main

    with pytest.raises(SystemExit) as ex:
        main(argv)
    out = capsys.readouterr()
    return ex.value.code, out.out, out.err


# --- 3: damaged cache entries --------------------------------------------------------------

def test_damaged_cache_entries_are_recomputed_with_a_warning(written, tmp_path):
    toml = _subset(written, tmp_path / "exp", {"ruby", "pl"})
    out = tmp_path / "out"
    first = run_experiment(toml, out, report=False)
    reference = _stable(first.results_path)
    entries = sorted((out / ".cache").glob("??/*.json"))
    assert len(entries) >= 5
    entries[0].write_bytes(os.urandom(300) + b"\xff\xfe")          # binary garbage
    entries[1].write_text("[]")                                    # another layout
    entries[2].write_text('{"ok": true}')                          # the old layout, no value
    altered = json.loads(entries[3].read_text())                   # valid-looking, one number changed
    value = altered["payload"]["value"]
    number_key = next(k for k, v in value.items() if isinstance(v, float))
    value[number_key] = value[number_key] * 1.01 + 0.5
    entries[3].write_text(json.dumps(altered))
    entries[4].write_text(json.dumps({"ok": True, "value": value}))  # schema 1 entry, not checked
    again = run_experiment(toml, out, report=False)
    assert again.computed == 5 and len(again.warnings) == 5
    assert all("damaged cache entry" in w and "recomputed" in w for w in again.warnings)
    assert _stable(again.results_path) == reference
    # and the entries are repaired: a third run computes nothing and warns of nothing
    third = run_experiment(toml, out, report=False)
    assert third.computed == 0 and third.warnings == []


def test_cache_entry_checksum_and_schema(tmp_path):
    cache = ResultCache(tmp_path)
    cache.put("ab" * 16, {"ok": True, "value": {"p": 1.5, "n": float("nan")}})
    hit = cache.get("ab" * 16)
    assert hit["value"]["p"] == 1.5 and cache.warnings == []
    entry = json.loads(cache._path("ab" * 16).read_text())
    assert entry["schema"] == CACHE_SCHEMA and len(entry["sha256"]) == 64
    # the same entry copied under another key is not this key's result
    other = cache._path("cd" * 16)
    other.parent.mkdir(parents=True)
    other.write_text(json.dumps(entry))
    assert cache.get("cd" * 16) is None and "another key" in cache.warnings[-1]


# --- 4: full and read-only disks -------------------------------------------------------------

def _no_partial_files(out):
    """Nothing half-written under a final name, no temporary files left behind."""
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".part")]
    assert leftovers == []
    if (out / "results.json").exists():
        json.loads((out / "results.json").read_text())


def test_disk_full_while_writing_outputs_exit_2_one_line(written, tmp_path, capsys, monkeypatch):
    toml = _subset(written, tmp_path / "exp", {"ruby", "pl"})
    out = tmp_path / "out"
    real_replace = os.replace

    def full(src, dst, *a, **k):  # every write outside the cache finds the disk full
        if ".cache" not in str(dst) and "results.json" not in str(dst):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", full)
    code, _, err = _cli(["run", str(toml), "--out", str(out), "--quiet"], capsys)
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert str(out) in lines[0] and "no space left" in lines[0]
    # results.json comes first: every number is safe although the tables could not be written
    assert json.loads((out / "results.json").read_text())["steps"]
    _no_partial_files(out)


def test_disk_full_when_drawing_figures_keeps_results(written, tmp_path, capsys, monkeypatch):
    toml = _subset(written, tmp_path / "exp", {"ruby", "pl"})
    out = tmp_path / "out"
    import dackit.experiment.figures as figures

    def no_space(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "figures" / "x.png"))

    monkeypatch.setattr(figures, "draw_figures", no_space)
    code, _, err = _cli(["run", str(toml), "--out", str(out), "--quiet"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "figures" in err and "no space left" in err
    assert (out / "results.json").exists() and (out / "tables" / "steps.csv").exists()
    assert not (out / "report.html").exists()
    _no_partial_files(out)


def test_read_only_output_folder_exit_2_one_line(written, tmp_path, capsys, monkeypatch):
    toml = _subset(written, tmp_path / "exp", {"ruby"}, steps={0, 1})
    out = tmp_path / "out"
    out.mkdir()
    if os.geteuid() != 0:
        out.chmod(0o555)
    else:  # root writes anywhere: make the kernel's answer for this folder EROFS
        real_open = os.open

        def read_only(path, flags, *a, **k):
            if str(path).startswith(str(out)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                raise OSError(errno.EROFS, "Read-only file system", str(path))
            return real_open(path, flags, *a, **k)
        monkeypatch.setattr(os, "open", read_only)
    try:
        code, _, err = _cli(["run", str(toml), "--out", str(out), "--quiet"], capsys)
    finally:
        out.chmod(0o755)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert str(out) in err and ("read-only" in err or "permission denied" in err)
    assert list(out.iterdir()) == []


def test_real_full_disk(written, tmp_path, capsys):
    """A real 256 kB tmpfs (needs mount rights: root in a container; skipped otherwise)."""
    import subprocess

    toml = _subset(written, tmp_path / "exp", {"ruby", "pl"})
    out = tmp_path / "small"
    out.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(out)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (not root); the simulated ENOSPC tests cover it")
    try:
        (out / "filler").write_bytes(b"\0" * (256 * 1024 - 8192 * 3))  # leave a few blocks
        code, _, err = _cli(["run", str(toml), "--out", str(out), "--quiet"], capsys)
        assert code == 2 and "Traceback" not in err
        assert "no space left" in err.splitlines()[-1]
        _no_partial_files(out)
    finally:
        subprocess.run(["umount", str(out)], check=False)


# --- 6: two files with the same name in different folders -------------------------------------

def test_same_file_name_in_two_folders(written, tmp_path):
    toml = _subset(written, tmp_path / "exp", {"ruby", "xrd"}, steps={0, 1})
    folder = toml.parent
    for sub in ("a", "b"):
        (folder / "xrd" / sub).mkdir()
    shutil.copy(folder / "xrd" / "step00.tif", folder / "xrd" / "a" / "frame.tif")
    shutil.copy(folder / "xrd" / "step01.tif", folder / "xrd" / "b" / "frame.tif")
    sheet = (folder / "runsheet.csv").read_text()
    sheet = sheet.replace("xrd/step00.tif", "xrd/a/frame.tif").replace("xrd/step01.tif", "xrd/b/frame.tif")
    (folder / "runsheet.csv").write_text(sheet)
    out = tmp_path / "out"
    summary = run_experiment(toml, out, report=False)
    assert summary.failures == []
    xy = sorted(p.name for p in (out / "patterns").glob("*.xy"))
    assert xy == ["xrd_a_frame.xy", "xrd_b_frame.xy"]
    from dackit.io.patterns import read_pattern
    a, b = (read_pattern(out / "patterns" / n) for n in xy)
    assert not (a.intensity.shape == b.intensity.shape and (a.intensity == b.intensity).all())
    import h5py
    with h5py.File(out / "reduced.nxs") as h5:
        assert sorted(h5["entry/xrd_patterns"]) == ["xrd_a_frame", "xrd_b_frame"]


# --- 7: phase files ---------------------------------------------------------------------------

_CUBIC_CIF = """data_zb
_cell_length_a {a}
_cell_length_b {a}
_cell_length_c {a}
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'F -4 3 m'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
In1 In 0 0 0
P1 P 0.25 0.25 0.25
"""


def test_phase_file_resolved_in_experiment_folder_hashed_and_outputs_inside_out(written, tmp_path,
                                                                                 monkeypatch):
    toml = _subset(written, tmp_path / "exp", {"ruby", "xrd"})
    folder = toml.parent
    (folder / "phases").mkdir()
    cif = folder / "phases" / "inp_zb.cif"
    cif.write_text(_CUBIC_CIF.format(a=5.8687))
    text = toml.read_text().replace('phases = ["zincblende", "rocksalt"]',
                                    'phases = ["phases/inp_zb.cif", "rocksalt"]')
    toml.write_text(text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the phase file must not be looked for here
    out = tmp_path / "out"
    first = run_experiment(toml, out)
    assert first.failures == []
    results = json.loads(first.results_path.read_text())
    assert "phases/inp_zb.cif" in results["eos"]
    assert (out / "eos" / "inp_zb.cif.dat").exists()
    made = {p for p in tmp_path.rglob("*") if p.is_file()}
    assert all(str(p).startswith(str(out)) or str(p).startswith(str(folder)) for p in made)
    assert not list(folder.rglob("*.dat")) and not list(elsewhere.iterdir())
    # editing the phase file recomputes every XRD row
    cif.write_text(_CUBIC_CIF.format(a=5.80))
    again = run_experiment(toml, out, report=False)
    n_xrd = sum(1 for r in (folder / "runsheet.csv").read_text().splitlines() if ",xrd," in r)
    assert again.computed == n_xrd


def test_failure_from_a_fixable_limit_is_not_served_from_the_cache(written, tmp_path, monkeypatch):
    toml = _subset(written, tmp_path / "exp", {"ruby", "pl"}, steps={0})
    folder = toml.parent
    ponis = max((folder / s / "geometry.poni").stat().st_size for s in ("xrd", "saxs"))
    assert min((folder / f).stat().st_size for f in ("ruby/step00_before.txt", "pl/step00.txt")) > ponis
    monkeypatch.setenv("DACKIT_MAX_TEXT_MB", str((ponis + 1) / 1e6))  # PONI files pass, spectra fail
    broken = run_experiment(toml, tmp_path / "out", report=False)
    assert broken.failures and all("DACKIT_MAX_TEXT_MB" in f["error"] for f in broken.failures)
    monkeypatch.delenv("DACKIT_MAX_TEXT_MB")
    fixed = run_experiment(toml, tmp_path / "out", report=False)
    assert fixed.failures == []


# --- 8: concurrent runs ------------------------------------------------------------------------

def test_second_run_into_the_same_folder_is_refused_while_the_first_holds_it(written, tmp_path):
    toml = _subset(written, tmp_path / "exp", {"ruby"}, steps={0})
    out = tmp_path / "out"
    with output_lock(out):
        with pytest.raises(ConfigError, match="another dackit run is writing to this folder"):
            run_experiment(toml, out, report=False)
    assert run_experiment(toml, out, report=False).failures == []  # released


def test_concurrent_runs_in_separate_processes(written, tmp_path):
    """Eight pairs of simultaneous runs into one folder: each either completes or is refused
    with the lock's message; none crashes, and the folder ends complete."""
    from cli_helpers import run_dackit

    toml = _subset(written, tmp_path / "exp", {"ruby", "pl"}, steps={0, 1})
    out = tmp_path / "out"
    outcomes = []

    def one():
        outcomes.append(run_dackit("run", toml, "--out", out, "--quiet", "--no-report"))

    for _ in range(4):
        pair = [threading.Thread(target=one) for _ in range(2)]
        [t.start() for t in pair]
        [t.join() for t in pair]
    for code, _, err in outcomes:
        assert "Traceback" not in err and "unexpected" not in err, err
        assert code == 0 or (code == 2 and "another dackit run is writing" in err), err
    assert any(code == 0 for code, _, _ in outcomes)
    _no_partial_files(out)


def test_nexus_temporary_name_is_unique(tmp_path):
    from dackit.experiment.outputs import write_nexus

    (tmp_path / ".reduced.nxs.part").write_text("another run's file")  # what used to collide
    path = write_nexus({"steps": [{"step": 0, "pressure_gpa": 1.0}]}, [], tmp_path)
    assert path.exists() and (tmp_path / ".reduced.nxs.part").read_text() == "another run's file"


# --- 10: exit status and settings checked up front ------------------------------------------------

def test_run_exits_2_when_a_file_failed_and_still_writes_results(written, tmp_path, capsys):
    toml = _subset(written, tmp_path / "exp", {"ruby", "pl"}, steps={0, 1})
    (toml.parent / "pl" / "step01.txt").write_text("not, a, spectrum\n")
    code, out, err = _cli(["run", str(toml), "--out", str(tmp_path / "out"), "--quiet"], capsys)
    assert code == 2 and "pl/step01.txt" in err and "Traceback" not in err
    assert json.loads((tmp_path / "out" / "results.json").read_text())["failures"]
    code, _, _ = _cli(["run", str(_subset(written, tmp_path / "ok", {"ruby"}, steps={0})),
                       "--out", str(tmp_path / "out2"), "--quiet"], capsys)
    assert code == 0


@pytest.mark.parametrize("what, edit, key", [
    ("negative distance", lambda p: p.write_text(p.read_text().replace("Distance: 0.", "Distance: -0.")),
     "xrd.poni"),
    ("malformed", lambda p: p.write_text("Detector_config: {broken\nDistance: x\n"), "xrd.poni"),
])
def test_bad_poni_is_a_config_error_naming_the_key(written, tmp_path, capsys, what, edit, key):
    toml = _subset(written, tmp_path / "exp", {"ruby", "xrd"}, steps={0})
    edit(toml.parent / "xrd" / "geometry.poni")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_experiment(toml)
    code, _, err = _cli(["run", str(toml), "--out", str(tmp_path / "out"), "--quiet"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_bad_phase_and_mask_settings_named_up_front(written, tmp_path):
    toml = _subset(written, tmp_path / "exp", {"ruby", "xrd"}, steps={0})
    text = toml.read_text()
    toml.write_text(text.replace('phases = ["zincblende", "rocksalt"]', 'phases = ["zincblende", "missing.cif"]'))
    with pytest.raises(ConfigError, match=r"xrd\.phases\[1\]"):
        load_experiment(toml)
    toml.write_text(text.replace('poni = "xrd/geometry.poni"', 'poni = "xrd/geometry.poni"\nmask = "runsheet.csv"'))
    with pytest.raises(ConfigError, match=r"xrd\.mask"):
        load_experiment(toml)


# --- 11: paths leaving the experiment folder -------------------------------------------------------

def test_runsheet_path_outside_the_folder_is_refused_unless_a_data_root_allows_it(written, tmp_path):
    toml = _subset(written, tmp_path / "exp", {"ruby"}, steps={0})
    outside = tmp_path / "beamline"
    outside.mkdir()
    shutil.copy(toml.parent / "ruby" / "step00_before.txt", outside / "r.txt")
    sheet = toml.parent / "runsheet.csv"
    sheet.write_text(sheet.read_text().replace("ruby/step00_before.txt", "../beamline/r.txt"))
    with pytest.raises(ConfigError, match="outside the experiment folder.*data_roots"):
        read_runsheet(load_experiment(toml))
    for bad in ("../../../../../../etc/passwd", "/etc/passwd"):
        sheet.write_text(sheet.read_text().replace("../beamline/r.txt", bad))
        with pytest.raises(ConfigError, match="outside the experiment folder"):
            read_runsheet(load_experiment(toml))
        sheet.write_text(sheet.read_text().replace(bad, "../beamline/r.txt"))
    toml.write_text('data_roots = ["../beamline"]\n' + toml.read_text())
    table = read_runsheet(load_experiment(toml))
    assert any(p.endswith("r.txt") for p in table["path"])
    assert run_experiment(toml, tmp_path / "out", report=False).failures == []


# --- watch: a FIFO, a /dev/zero link or a folder is a failure, not "not there yet" --------------------

def test_watch_reports_unreadable_rows_as_failures(written, tmp_path):
    from dackit.experiment.watch import Watcher

    toml = _subset(written, tmp_path / "exp", {"ruby", "pl"}, steps={0, 1})
    folder = toml.parent
    os.remove(folder / "pl" / "step00.txt")
    os.mkfifo(folder / "pl" / "step00.txt")
    os.remove(folder / "pl" / "step01.txt")
    os.symlink("/dev/zero", folder / "pl" / "step01.txt")
    (folder / "pl" / "a_folder").mkdir()
    sheet = folder / "runsheet.csv"
    sheet.write_text(sheet.read_text() + "1,compression,pl,pl/a_folder,,,a folder\n")
    cycle = Watcher(toml, tmp_path / "out", report=False).poll()
    assert cycle.status == "analysed" and cycle.waiting == []
    failed = {f["file"]: f["error"] for f in cycle.summary.failures}
    assert "named pipe" in failed["pl/step00.txt"]
    assert "character device" in failed["pl/step01.txt"]
    assert "folder" in failed["pl/a_folder"]
    assert len(json.loads((tmp_path / "out" / "results.json").read_text())["steps"]) == 2
