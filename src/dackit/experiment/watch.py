"""Live mode: follow an experiment folder during a beamtime and keep results and report current.

Each *cycle* takes a cheap signature of the folder — ``(path, mtime, size)`` of
experiment.toml, the run sheet, the PONI/mask files and every file the run sheet lists —
and, when it differs from the last analysed one, re-runs the pipeline with
``allow_missing=True``: rows whose file has not arrived yet are *waiting*, not errors. The
per-file cache (content hash + settings) makes a re-run compute only new or changed files,
and figures/report are redrawn only when the results changed, so a cycle costs little more
than the files that arrived.

Why polling and not inotify (watchdog's native observers): beamline data land on network
filesystems (NFS, SMB, GPFS, Lustre) where the writes are made by another machine — the
detector or spectrometer PC — and the kernel of the analysis machine never sees them, so
inotify does not fire. A ``stat`` of the few hundred files of a run sheet every couple of
seconds works everywhere, is far cheaper than an analysis, and only looks at files the run
sheet names, so an output folder inside the experiment folder cannot trigger itself.

A file caught half-written is analysed (and most likely fails); when its writer finishes,
its size and mtime change, and the next cycle analyses the complete file — the cache is
keyed by content, so the failed attempt is never reused.

    >>> from dackit.experiment.watch import Watcher
    >>> w = Watcher("experiment.toml", "results")            # doctest: +SKIP
    >>> w.poll().status                                      # doctest: +SKIP
    'analysed'
    >>> w.poll().status                                      # nothing changed since # doctest: +SKIP
    'unchanged'
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dackit.errors import ConfigError
from dackit.experiment.description import load_experiment, read_runsheet
from dackit.experiment.pipeline import RunSummary, run_experiment

#: what a cycle did
STATUSES = ("analysed", "unchanged", "waiting", "error")


@dataclass(frozen=True)
class Snapshot:
    """What a cycle sees of the folder: its signature, the rows waiting, or why it is invalid."""

    signature: tuple
    ready: int = 0
    waiting: list = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class Cycle:
    """One poll: ``status`` is one of :data:`STATUSES`; ``summary`` is set when it analysed."""

    number: int
    status: str
    summary: RunSummary | None = None
    waiting: list = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict:
        out = {"cycle": self.number, "status": self.status,
               "waiting": [{k: w[k] for k in ("step", "technique", "file", "reason")} for w in self.waiting]}
        if self.summary is not None:
            out.update(self.summary.to_dict())
            out["failed"] = [{k: f[k] for k in ("file", "technique", "step", "error")}
                             for f in self.summary.failures]
        if self.error is not None:
            out["error"] = self.error
        return out


def _stat(path) -> tuple:
    try:
        st = Path(path).stat()
    except OSError:
        return (str(path), None, None)
    return (str(path), st.st_mtime_ns, st.st_size)


def snapshot(experiment_path) -> Snapshot:
    """The folder as the next analysis would see it; never raises for a bad description.

    The signature grows as validation goes, so that whatever is fixed (the toml, the run
    sheet, a PONI file copied in) changes it.
    """
    parts = [_stat(experiment_path)]
    try:
        exp = load_experiment(experiment_path)
        for relative in (exp.runsheet, exp.xrd.poni, exp.xrd.mask, exp.saxs.poni, exp.saxs.mask):
            if relative is not None:
                parts.append(_stat(exp.path(relative)))
        sheet = read_runsheet(exp, allow_missing=True)
    except ConfigError as exc:
        return Snapshot(signature=tuple(parts), error=str(exc))
    waiting = sheet.attrs.get("waiting", [])
    parts += [_stat(p) for p in sheet["path"]]
    parts += [_stat(exp.path(w["file"])) for w in waiting]
    return Snapshot(signature=tuple(parts), ready=len(sheet), waiting=list(waiting))


class Watcher:
    """Polls one experiment and re-analyses it when its folder changed.

    The state kept between polls is the signature and error last acted on, so an unchanged
    folder (or an unchanged invalid toml) costs one :func:`snapshot` and prints nothing new.
    """

    def __init__(self, experiment_path, out_dir, *, workers: int | None = None,
                 scheduler: str | None = None, report: bool = True, client=None):
        self.experiment_path = Path(experiment_path)
        self.out_dir = Path(out_dir)
        self.workers, self.scheduler, self.report, self.client = workers, scheduler, report, client
        self.cycles = 0
        self._last: tuple | None = None  # (signature, error) of the last cycle that acted

    def poll(self) -> Cycle:
        """One cycle: snapshot, and analyse if something changed since the last one."""
        self.cycles += 1
        snap = snapshot(self.experiment_path)
        state = (snap.signature, snap.error)
        if state == self._last:
            return Cycle(self.cycles, "unchanged", waiting=snap.waiting)
        self._last = state
        if snap.error is not None:
            return Cycle(self.cycles, "error", error=snap.error)
        if snap.ready == 0:
            return Cycle(self.cycles, "waiting", waiting=snap.waiting)
        try:
            summary = run_experiment(self.experiment_path, self.out_dir, workers=self.workers,
                                     scheduler=self.scheduler, report=self.report, allow_missing=True,
                                     client=self.client)
        except Exception as exc:  # noqa: BLE001 - a live session reports and keeps watching
            # e.g. a file removed or the toml rewritten between snapshot and run: the next
            # change of the folder retries
            kind = "" if isinstance(exc, ConfigError) else f"{type(exc).__name__}: "
            return Cycle(self.cycles, "error", error=f"{kind}{exc}")
        return Cycle(self.cycles, "analysed", summary=summary, waiting=summary.waiting)


def watch_experiment(experiment_path, out_dir, *, interval_s: float = 2.0, max_cycles: int | None = None,
                     workers: int | None = None, scheduler: str | None = None, report: bool = True,
                     on_cycle: Callable[[Cycle], None] | None = None,
                     sleep: Callable[[float], None] = time.sleep, dashboard: bool = False) -> int:
    """Poll every ``interval_s`` seconds until ``max_cycles`` (forever if None); return the
    number of cycles. ``on_cycle`` sees every :class:`Cycle`; ``sleep`` is called between
    cycles (tests pass one that writes the next files instead of waiting).

    With ``workers`` or ``scheduler``, one client (and with ``workers`` one private local
    cluster, see :func:`~dackit.experiment.execute.dask_client`) serves the whole session,
    not one per cycle, and is closed at the end, also on Ctrl-C.

    Parameters
    ----------
    experiment_path : str or Path
        Path of ``experiment.toml``.
    out_dir : str or Path
        Folder for results, report and cache.
    interval_s : float, default 2.0
        Seconds between polls.
    max_cycles : int, optional
        Stop after this many cycles; None runs until interrupted.
    workers : int, optional
        Run on a local Dask cluster of this many processes; None uses threads in this
        process.
    scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler (``tcp://host:8786``) to run on
        instead.
    report : bool, default True
        Also write ``report.html``.
    dashboard : bool, default False
        With ``workers``, serve the Dask dashboard (off by default: a private cluster).
    on_cycle : callable, optional
        Called with every :class:`~dackit.experiment.watch.Cycle`.
    sleep : callable
        Called with ``interval_s`` between cycles (tests pass one that writes the next
        files).
    """
    from contextlib import nullcontext

    from dackit.experiment.execute import dask_client

    session = dask_client(workers=workers, scheduler=scheduler, dashboard=dashboard) \
        if workers or scheduler else nullcontext()
    with session as client:
        watcher = Watcher(experiment_path, out_dir, report=report, client=client)
        while True:
            cycle = watcher.poll()
            if on_cycle is not None:
                on_cycle(cycle)
            if max_cycles is not None and watcher.cycles >= max_cycles:
                return watcher.cycles
            sleep(interval_s)
