"""Facility recipe (issue 15, item 3): a scheduler and worker processes started apart from
dackit, inputs and the cache on one shared folder; dackit connects with --scheduler, workers
write results into the shared cache and only a few bytes travel back."""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dackit.experiment.execute import Task, run_tasks
from dackit.experiment.pipeline import run_experiment
from dackit.virtual.description import preset
from dackit.virtual.experiment import write_experiment

pytest.importorskip("distributed")
SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`dask scheduler` + two `dask worker` processes, as a batch system would start them."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("cluster")
    # the tests folder too: the test functions below are shipped to the workers by reference
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(Path(__file__).parent),
                                                        os.environ.get("PYTHONPATH", "")])}
    sched_file = folder / "scheduler.json"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", "0", "--no-dashboard", "--scheduler-file", str(sched_file)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 120
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                           "--nthreads", "1", "--no-dashboard"],
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(address, timeout=120) as c:
            c.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)


def _pattern(n):
    return {"intensity": np.linspace(0.0, 1.0, n).tolist()}


def _fails():
    raise ValueError("no peak")


def test_workers_write_the_shared_cache_and_send_back_a_few_bytes(cluster, tmp_path):
    from distributed import Client

    shared = tmp_path / "shared" / ".cache"
    tasks = [Task(f"{i:02d}" * 16, _pattern, (100_000 + i,), label=str(i)) for i in range(4)]
    tasks.append(Task("ff" * 16, _fails, (), label="bad"))
    seen = {}
    with Client(cluster) as client:
        outcomes = run_tasks(tasks, on_done=lambda t, o: seen.update({t.key: o}), client=client,
                             cache_folder=shared)
        # what the workers kept for the client: nothing, once the scheduler has processed the
        # releases of the gathered futures (asynchronous: on a loaded machine one task was
        # still listed right after run_tasks returned)
        def held():
            return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))

        deadline = time.monotonic() + 30
        while held() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert held() == 0
    assert all(o.get("stored") for o in seen.values())  # every result came through the cache
    assert len(list(shared.glob("*/*.json"))) == 5
    assert len(outcomes[tasks[2].key]["value"]["intensity"]) == 100_002
    assert not outcomes["ff" * 16]["ok"] and "no peak" in outcomes["ff" * 16]["error"]


def test_cache_the_workers_cannot_see_travels_back_whole(cluster, tmp_path, monkeypatch):
    from distributed import Client

    from dackit.experiment import execute

    monkeypatch.setattr(execute, "workers_see", lambda client, folder: False)
    seen = {}
    with Client(cluster) as client:
        run_tasks([Task("aa" * 16, _pattern, (10,))], on_done=lambda t, o: seen.update({t.key: o}),
                  client=client, cache_folder=tmp_path / "local-only")
    assert "stored" not in seen["aa" * 16] and len(seen["aa" * 16]["value"]["intensity"]) == 10


def test_experiment_on_a_shared_folder_through_the_scheduler_equals_threads(cluster, tmp_path):
    written = write_experiment(tmp_path / "shared" / "experiment", preset("inp-znse", steps=6, seed=3))
    folder = written.experiment_toml.parent
    rows = (folder / "runsheet.csv").read_text().splitlines()
    keep = [r for r in rows[1:] if r.split(",")[2] in {"ruby", "pl", "absorption"}]
    (folder / "runsheet.csv").write_text("\n".join([rows[0], *keep]) + "\n")
    remote = run_experiment(written.experiment_toml, tmp_path / "shared" / "results", scheduler=cluster,
                            report=False)
    local = run_experiment(written.experiment_toml, tmp_path / "local", report=False)
    assert remote.failures == [] and remote.computed == len(keep)
    a, b = (json.loads(s.results_path.read_text()) for s in (remote, local))
    for r in (a, b):
        r.pop("provenance")
    assert a == b
    # and a re-run through the scheduler takes everything from the shared cache
    again = run_experiment(written.experiment_toml, tmp_path / "shared" / "results", scheduler=cluster,
                           report=False)
    assert again.computed == 0 and again.cached == len(keep)
    shutil.rmtree(tmp_path / "local")
