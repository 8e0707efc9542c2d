"""Run many independent per-file analyses through Dask, caching each result as it finishes.

Three ways to run, same results: the threaded scheduler in this process (default), a local
cluster of ``workers`` processes, or an existing ``dask.distributed`` scheduler at
``scheduler``. Each finished task's result is written to the cache at once, so a run that is
killed keeps everything done so far; a restarted run only computes what is missing.

The local cluster is private: its scheduler, workers and dackit's client talk TLS with a
certificate made for this run (``Security.temporary()``, kept in memory), so another user of
the machine who connects a ``Client`` to its port cannot run code as dackit's user; it
listens on 127.0.0.1 only and starts no dashboard unless asked. An external ``scheduler``
is secured by its operator: dackit's client takes the TLS files from the dask configuration
(``distributed.comm.tls.*``, see the README).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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


def _safe_stored(folder: str, key: str, func, *args):
    """Run one analysis on a worker that sees the cache: the worker writes the result there
    and only a few bytes travel back through the scheduler (an XRD row carries its pattern:
    tens of kB, which the client would otherwise receive, unpickle and write itself)."""
    from dackit.errors import OutputError
    from dackit.experiment.store import ResultCache

    outcome = _safe(func, *args)
    try:
        ResultCache(folder).put(key, outcome)
    except OutputError:  # cache not writable from this worker: the result travels back whole
        return outcome
    return {"stored": True, "ok": outcome["ok"]}


def _sees(path: str, token: str) -> bool:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read() == token
    except OSError:
        return False


def workers_see(client, folder) -> bool:
    """Whether every worker of ``client`` sees ``folder`` as this process does (one shared
    file system, same path): a file with a random token written here is read there."""
    import secrets

    from dackit.core.files import atomic_write_text

    token = secrets.token_hex(16)
    probe = Path(folder) / f".probe-{token}"
    try:
        atomic_write_text(probe, token)
    except OSError:
        return False
    try:
        seen = client.run(_sees, str(probe), token)
        return bool(seen) and all(seen.values())
    except Exception:  # noqa: BLE001 - a worker that cannot answer does not share the folder
        return False
    finally:
        probe.unlink(missing_ok=True)


#: one thread per worker process for every numeric library: a worker is one core's worth of
#: work, and BLAS/OpenMP/numba pools of their own in each of N workers oversubscribe the cores
#: N-fold (distributed sets the first three itself; numba's pool it does not)
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}


@contextmanager
def dask_client(*, workers: int | None = None, scheduler: str | None = None,
                dashboard: bool = False) -> Iterator:
    """A ``distributed.Client``: to ``scheduler`` when given, else to a private local cluster
    of ``workers`` single-threaded processes (TLS with temporary credentials, 127.0.0.1
    only, a dashboard only with ``dashboard=True``). Closed (and the cluster stopped) on exit.

    Parameters
    ----------
    workers : int, optional
        Worker processes of the local cluster (ignored with ``scheduler``).
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tls://10.0.0.5:8786``; TLS files come from the
        dask configuration (``DASK_DISTRIBUTED__COMM__TLS__CA_FILE`` …).
    dashboard : bool
        Start the local cluster's dashboard on 127.0.0.1:8787 (or the next free port).

    Examples
    --------
    >>> with dask_client(workers=2) as client:          # doctest: +SKIP
    ...     client.submit(sum, [1, 2]).result()
    3
    """
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    import dask

    if dashboard:
        web: dict = {"dashboard_address": "127.0.0.1:8787"}
        routes: dict = {}
    else:
        # distributed serves status pages, task names and metrics over plain HTTP even with
        # the dashboard off (on :8787); without it, its HTTP servers have no pages at all
        web = {"dashboard_address": None, "scheduler_kwargs": {"dashboard": False,
                                                               "dashboard_address": "127.0.0.1:0"}}
        routes = {"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}
    with dask.config.set(routes), \
            LocalCluster(n_workers=int(workers or 1), threads_per_worker=1, processes=True,
                         host="127.0.0.1", security=True, env=dict(WORKER_ENV), **web) as cluster, \
            Client(cluster) as client:
        yield client


def run_tasks(tasks: list[Task], *, on_done: Callable[[Task, dict], None],
              workers: int | None = None, scheduler: str | None = None, client=None,
              dashboard: bool = False, cache_folder=None) -> dict[str, dict]:
    """Compute every task; call ``on_done(task, outcome)`` as each finishes; return all outcomes.

    ``outcome`` is ``{"ok": True, "value": ...}`` or ``{"ok": False, "error": "..."}``.
    With a ``client`` the tasks run on its cluster (a watch session keeps one for all its
    cycles); with ``workers`` or ``scheduler`` one is opened for this call
    (:func:`dask_client`); otherwise they run on threads of this process.

    On a cluster whose workers all see ``cache_folder`` (a local cluster, or a facility's
    shared file system), workers write each result into the cache themselves and send back
    a few bytes; ``outcome`` then has ``"stored": True`` and comes from the cache.
    """
    if not tasks:
        return {}
    if client is not None:
        return _run_distributed(tasks, on_done, client, cache_folder)
    if scheduler or workers:
        with dask_client(workers=workers, scheduler=scheduler, dashboard=dashboard) as opened:
            return _run_distributed(tasks, on_done, opened, cache_folder)
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


def _run_distributed(tasks, on_done, client, cache_folder=None):
    from distributed import as_completed

    from dackit.experiment.store import ResultCache

    cache = ResultCache(cache_folder) if cache_folder is not None and workers_see(client, cache_folder) else None

    def submit(t, stored):
        if stored:
            return client.submit(_safe_stored, str(cache.folder), t.key, t.func, *t.args, key=t.key, pure=False)
        return client.submit(_safe, t.func, *t.args, key=f"{t.key}-whole" if cache else t.key, pure=False)

    futures = {submit(t, cache is not None): t for t in tasks}
    outcomes: dict[str, dict] = {}
    pending = as_completed(futures)
    for fut in pending:
        t = futures[fut]
        outcome = fut.result()
        fut.release()  # the worker may drop it: results live in the cache and here, not twice
        if outcome.get("stored"):
            outcome = cache.get(t.key) if cache is not None else None
            if outcome is None:  # written but not readable here after all: ask for it whole
                again = submit(t, False)
                futures[again] = t
                pending.add(again)
                continue
            outcome = {**outcome, "stored": True}
        outcomes[t.key] = outcome
        on_done(t, outcome)
    return outcomes
