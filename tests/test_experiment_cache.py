"""The per-file cache of `dackit run` (issue 15, item 4): results kept as they finish (a run
killed by SIGKILL keeps them), keys free of paths (a moved experiment folder recomputes
nothing), and input hashes remembered by (size, mtime_ns, inode) so unchanged files are not
read again."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dackit.experiment import store
from dackit.experiment.pipeline import run_experiment
from dackit.experiment.store import FileHashes, settings_key
from dackit.virtual.description import preset
from dackit.virtual.experiment import write_experiment

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return write_experiment(tmp_path_factory.mktemp("virtual") / "experiment", preset("inp-znse", steps=6, seed=7))


def _subset(written, folder, techniques):
    shutil.copytree(written.experiment_toml.parent, folder)
    rows = (folder / "runsheet.csv").read_text().splitlines()
    keep = [r for r in rows[1:] if r.split(",")[2] in techniques]
    (folder / "runsheet.csv").write_text("\n".join([rows[0], *keep]) + "\n")
    return folder / "experiment.toml"


def _age(folder, seconds=120):
    """Files written a while ago: hashes of files modified in the last 2 s are not remembered."""
    past = time.time() - seconds
    for p in Path(folder).rglob("*"):
        if p.is_file():
            os.utime(p, (past, past))


def _entries(out):
    return [p for p in (out / ".cache").glob("*/*.json")]


def _numbers(results_path):
    r = json.loads(Path(results_path).read_text())
    return {k: v for k, v in r.items() if k not in ("provenance", "warnings")}


def test_moving_the_experiment_folder_recomputes_nothing_and_reads_nothing(written, tmp_path, monkeypatch):
    # XRD images need the PONI: its path was in the key before; now its content is
    toml = _subset(written, tmp_path / "a" / "exp", {"ruby", "xrd"})
    _age(toml.parent)
    first = run_experiment(toml, toml.parent / "results", report=False)
    assert first.computed > 5 and first.failures == []
    numbers = _numbers(first.results_path)
    moved = tmp_path / "b" / "renamed"
    moved.parent.mkdir()
    os.rename(toml.parent, moved)  # results inside move along, as when a beamtime folder is archived
    reads = []
    real = store.sha256_file
    monkeypatch.setattr(store, "sha256_file", lambda p, *a: reads.append(Path(p).name) or real(p, *a))
    again = run_experiment(moved / "experiment.toml", moved / "results", report=False)
    assert again.computed == 0 and again.cached == first.computed
    # no input file was read again: only the PONI, which the settings hash directly (small)
    assert reads == ["geometry.poni"]
    assert _numbers(again.results_path) == numbers
    # the PONI enters by content: other bytes, same geometry, and the XRD rows are recomputed
    poni = moved / "xrd" / "geometry.poni"
    poni.write_text(poni.read_text() + "# edited: same geometry, other bytes\n")
    n_xrd = sum(1 for line in (moved / "runsheet.csv").read_text().splitlines() if ",xrd," in line)
    edited = run_experiment(moved / "experiment.toml", moved / "results", report=False)
    assert edited.computed == n_xrd and edited.cached == first.computed - n_xrd


def test_a_copy_elsewhere_reads_its_files_once_and_recomputes_nothing(written, tmp_path):
    toml = _subset(written, tmp_path / "exp", {"ruby", "pl"})
    first = run_experiment(toml, tmp_path / "out", report=False)
    shutil.copytree(toml.parent, tmp_path / "copy")  # new inodes: hashed again, same keys
    again = run_experiment(tmp_path / "copy" / "experiment.toml", tmp_path / "out", report=False)
    assert again.computed == 0 and again.cached == first.computed


def test_file_hashes_reread_only_what_changed(tmp_path):
    data = tmp_path / "data.bin"
    data.write_bytes(b"a" * 1000)
    _age(tmp_path)
    index = tmp_path / "cache" / "file-hashes.json"
    h = FileHashes(index)
    sha = h.sha256(data)
    assert h.reads == 1 and sha == store.sha256_file(data)
    h.save()
    h2 = FileHashes(index)
    assert h2.sha256(data) == sha and h2.reads == 0  # remembered across runs
    # same size, new content, mtime moved: read again, new hash
    data.write_bytes(b"b" * 1000)
    os.utime(data, (time.time() - 60, time.time() - 60))
    assert h2.sha256(data) != sha and h2.reads == 1
    # same content, only touched: read again (the map is by stat, not by guess)
    os.utime(data, (time.time() - 30, time.time() - 30))
    h2.sha256(data)
    assert h2.reads == 2


def test_file_hashes_do_not_remember_a_file_modified_just_now(tmp_path):
    data = tmp_path / "fresh.txt"
    data.write_text("still being written?")
    h = FileHashes(tmp_path / "index.json")
    h.sha256(data)
    h.sha256(data)
    assert h.reads == 2  # within the mtime tick another write could leave size and mtime alike


def test_damaged_hash_index_is_ignored(tmp_path):
    data = tmp_path / "d.txt"
    data.write_text("x")
    (tmp_path / "index.json").write_bytes(b"\xff\x00 not json")
    h = FileHashes(tmp_path / "index.json")
    assert h.sha256(data) == store.sha256_file(data) and h.reads == 1
    (tmp_path / "index.json").write_text('{"files": {"1:2:3": 5}}')
    assert FileHashes(tmp_path / "index.json")._known == {}


def test_settings_with_an_absolute_path_cannot_make_a_key():
    with pytest.raises(ValueError, match="absolute paths"):
        settings_key("xrd", {"poni": "/beamtime/exp/geometry.poni"}, "0" * 64)
    assert settings_key("xrd", {"poni_sha256": "ab"}, "0" * 64) != settings_key("xrd", {"poni_sha256": "cd"}, "0" * 64)


def test_sigkill_mid_run_keeps_every_finished_result(written, tmp_path):
    # XRD images take ~0.5 s each: slow enough to kill the run in the middle
    toml = _subset(written, tmp_path / "exp", {"ruby", "xrd"})
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen([sys.executable, "-m", "dackit", "run", str(toml), "--out", str(out),
                             "--quiet", "--no-report"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(_entries(out)) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    kept = len(_entries(out))
    assert kept >= 3
    assert not (out / "results.json").exists()
    resumed = run_experiment(toml, out, report=False)
    assert resumed.cached >= kept  # nothing finished before the kill is computed again
    rows = len((toml.parent / "runsheet.csv").read_text().splitlines()) - 1
    assert resumed.computed + resumed.cached == rows and resumed.failures == []


def test_correction_files_enter_the_key_by_content_only(tmp_path):
    """dark/flat/background images of [xrd] are absolute paths in the analysis settings; the
    key takes their hashes (geometry_sha256), so a run with corrections can be keyed and moved."""
    from dackit.experiment.analyses import key_settings

    where = str(tmp_path / "dark.tif")
    settings = {"poni": str(tmp_path / "a.poni"), "geometry_sha256": ["ab", None, "cd", None, None],
                "corrections": {"dark": where, "flat": None, "background": None, "sigma_clip": 3.0}}
    keyed = key_settings(settings)
    assert keyed["corrections"] == {"sigma_clip": 3.0} and "poni" not in keyed
    settings_key("xrd", keyed, "0" * 64)          # no absolute path left: no ValueError
    assert settings["corrections"]["dark"] == where   # the analysis still finds the file
