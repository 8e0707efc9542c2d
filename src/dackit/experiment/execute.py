"""Run many independent per-file analyses through Dask, caching each result as it finishes.

Three ways to run, same results: the threaded scheduler in this process (default), a local
cluster of ``workers`` processes, or an existing ``dask.distributed`` scheduler at
``scheduler``. Each finished task's result is written to the cache at once, so a run that is
killed keeps everything done so far; a restarted run only computes what is missing.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dackit.core.results import Failure


@dataclass(frozen=True)
class Task:
    """One per-file analysis: ``func(*args)`` whose JSON-able result is cached under ``key``."""

    key: str
    func: Callable
    args: tuple
    label: str = ""


def _safe(func, *args):
    """Run one analysis; any error becomes a Failure-shaped dict instead of killing the run."""
    try:
        return {"ok": True, "value": func(*args)}
    except Exception as exc:  # noqa: BLE001 - a batch records a failure and carries on
        return {"ok": False, "error": Failure.from_exception("", exc).error, "kind": type(exc).__name__}


def run_tasks(tasks: list[Task], *, on_done: Callable[[Task, dict], None],
              workers: int | None = None, scheduler: str | None = None) -> dict[str, dict]:
    """Compute every task; call ``on_done(task, outcome)`` as each finishes; return all outcomes.

    ``outcome`` is ``{"ok": True, "value": ...}`` or ``{"ok": False, "error": "..."}``.
    """
    if not tasks:
        return {}
    if scheduler or workers:
        return _run_distributed(tasks, on_done, workers=workers, scheduler=scheduler)
    import dask
    from dask.callbacks import Callback

    by_key = {t.key: t for t in tasks}
    outcomes: dict[str, dict] = {}

    class _Done(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):
            task = by_key.get(key)
            if task is not None and task.key not in outcomes:
                outcomes[task.key] = result
                on_done(task, result)

    graph = [dask.delayed(_safe, pure=False)(t.func, *t.args, dask_key_name=t.key) for t in tasks]
    with _Done():
        results = dask.compute(*graph, scheduler="threads")
    for t, r in zip(tasks, results):
        if t.key not in outcomes:
            outcomes[t.key] = r
            on_done(t, r)
    return outcomes


def _run_distributed(tasks, on_done, *, workers, scheduler):
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        futures = {client.submit(_safe, t.func, *t.args, key=t.key, pure=False): t for t in tasks}
        outcomes = {}
        for fut in as_completed(futures):
            t = futures[fut]
            outcomes[t.key] = fut.result()
            on_done(t, outcomes[t.key])
        return outcomes
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
