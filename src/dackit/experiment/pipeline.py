"""``dackit run``: from experiment.toml and its run sheet to results.json, tables, figures, report.

Stages: validate the description → analyse every file (cached, through Dask) → step
pressures → series fits across pressure → outputs. A file that fails is recorded with its
reason and the run goes on; only an invalid description stops it.

One run at a time writes into an output folder: a second one finds the lock
(``OUT/.dackit.lock``, released by the kernel when its holder exits, even killed) and stops
with a message instead of mixing its files with the first one's.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path

from dackit import __version__
from dackit.errors import ConfigError, DackitError, OutputError
from dackit.experiment.analyses import ANALYSES, key_settings, settings_for, settings_with_override
from dackit.experiment.description import load_experiment, read_runsheet
from dackit.experiment.execute import Task, run_tasks
from dackit.experiment.steps import gauge_readings, step_pressures
from dackit.core.files import output_error
from dackit.experiment.store import FileHashes, ResultCache, cache_normalise, settings_key


@dataclass(frozen=True)
class RunSummary:
    """What a run did: where results are, how many steps and failures, how long it took."""

    results_path: Path
    report_path: Path | None
    steps: int
    failures: list = field(default_factory=list)
    computed: int = 0
    cached: int = 0
    wall_time_s: float = 0.0
    waiting: list = field(default_factory=list)  # run-sheet rows not analysable yet (allow_missing)
    warnings: list = field(default_factory=list)  # damaged cache entries recomputed, cache not written

    def to_dict(self) -> dict:
        return {"results": str(self.results_path),
                "report": None if self.report_path is None else str(self.report_path),
                "steps": self.steps, "failures": len(self.failures), "computed": self.computed,
                "cached": self.cached, "wall_time_s": round(self.wall_time_s, 3),
                "warnings": list(self.warnings)}

    @property
    def exit_status(self) -> int:
        """2 when any file failed (its results are still written), else 0: as every command."""
        return 2 if self.failures else 0


#: relative cost of one file of each technique (measured on the virtual experiment)
COST = {"xrd_frames": 9, "saxs": 5, "xrd": 4, "tem": 3, "pl": 2, "absorption": 1, "diamond": 1, "ruby": 0,
        "sm": 0}
#: techniques whose analysis writes a file of its own into OUT/<folder>
SIDE_OUTPUTS = {"xrd_frames": "xrd_series"}


def analyse_files(sheet, exp, out_dir: Path, *, workers=None, scheduler=None, progress=None,
                  client=None, dashboard=False, overrides=None):
    """Outcome of every run-sheet row, from the cache or computed; plus (computed, cached) counts.

    ``progress(done, total, label)`` is called as files finish. ``overrides`` (an
    :class:`~dackit.experiment.overrides.Overrides`) changes the settings of single files.

    Parameters
    ----------
    sheet : pandas.DataFrame
        The run sheet, from :func:`~dackit.experiment.read_runsheet`.
    exp : Experiment
        The validated experiment description, from
        :func:`~dackit.experiment.load_experiment`.
    out_dir : Path
        Output folder; the cache lives in ``out_dir/.cache``.
    workers : int, optional
        Run on a local Dask cluster of this many processes; None uses threads in this
        process.
    scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler (``tcp://host:8786``) to run on
        instead.
    progress : callable, optional
        Called as ``progress(done, total)`` after each file; None for silence.
    client : distributed.Client, optional
        An open Dask client to run on (wins over ``workers`` and ``scheduler``).
    dashboard : bool, default False
        With ``workers``, serve the Dask dashboard (off by default: a private cluster).
    overrides : Overrides, optional
        Per-file settings and exclusions from ``overrides.toml``.
    """
    from dackit.io.guard import regular_file

    cache = ResultCache(out_dir / ".cache")
    hashes = FileHashes(cache.folder / "file-hashes.json")
    # once per technique: the settings hash the PONI, mask and phase files
    settings = {t: settings_for(t, exp) for t in sheet["technique"].unique()}
    outcomes, tasks, keys, provenance, unreadable = {}, {}, {}, {}, 0
    for row in sheet.itertuples():
        own = settings_with_override(settings[row.technique], overrides.settings(row.file) if overrides else {})
        try:  # hashing a FIFO would block for ever, /dev/zero never end
            regular_file(row.path)
            sha = hashes.sha256(row.path)
        except (DackitError, OSError) as exc:
            msg = str(exc) if isinstance(exc, DackitError) else f"{row.path}: cannot be read ({exc.strerror})"
            key = f"unreadable:{row.row}"
            keys[row.row] = key
            outcomes[key] = {"ok": False, "error": msg, "kind": "InputError"}
            unreadable += 1
            provenance[row.row] = {"file": row.file, "sha256": None, "technique": row.technique,
                                   "method": own}
            continue
        key = settings_key(row.technique, key_settings(own), sha)
        keys[row.row] = key
        provenance[row.row] = {"file": row.file, "sha256": sha, "technique": row.technique,
                               "method": own}
        hit = cache.get(key)
        # A failure is served from the cache only when the file and settings alone decide it
        # (a fit that does not converge); one that a limit, a permission or a file next to
        # this one may have caused is tried again, so fixing the cause is enough.
        if hit is not None and (hit["ok"] or hit.get("kind") == "FitError"):
            outcomes[key] = hit
        elif key not in tasks:
            args = own
            if row.technique in SIDE_OUTPUTS:  # not in the cache key: the cache lives in OUT too
                args = {**args, "series_dir": str(out_dir / SIDE_OUTPUTS[row.technique])}
            tasks[key] = (COST[row.technique], Task(key, ANALYSES[row.technique][0],
                                                    (row.path, args), label=row.file))
    try:  # before any analysis, so that a run killed later still skips the hashing next time
        hashes.save()
    except OutputError as exc:
        cache.warnings.append(f"file hashes not remembered: {exc}")
    # Longest first, so that no slow image is left for the end while other workers idle.
    tasks = [task for _, task in sorted(tasks.values(), key=lambda ct: -ct[0])]
    done = [len(outcomes)]
    total = len(set(keys.values()))

    def finished(task, outcome):
        try:
            if not outcome.pop("stored", False):  # else a worker wrote it there already
                cache.put(task.key, outcome)
        except OutputError as exc:  # the result is kept in memory; results.json says so too
            if not cache.warnings or not cache.warnings[-1].startswith("cache not written"):
                cache.warnings.append(f"cache not written: {exc}")
        done[0] += 1
        if progress:
            progress(done[0], total, task.label)

    computed = run_tasks(tasks, on_done=finished, workers=workers, scheduler=scheduler, client=client,
                         dashboard=dashboard, cache_folder=cache.folder)
    outcomes.update({k: cache_normalise(v) for k, v in computed.items()})
    by_row = {r: outcomes[k] for r, k in keys.items()}
    return by_row, provenance, len(tasks), total - len(tasks) - unreadable, cache.warnings


@contextmanager
def output_lock(out_dir: Path):
    """Hold ``out_dir/.dackit.lock`` for a run; a second run into the same folder stops with a
    message. flock is released by the kernel when the holder exits, also when killed, so a
    stale lock file never blocks anyone."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; runs are not serialised there
        yield
        return
    path = out_dir / ".dackit.lock"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            raise ConfigError(f"{out_dir}: another dackit run is writing to this folder ({holder}); "
                              "wait for it to finish or choose another --out") from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
                      .encode(), 0)
        except OSError:
            pass  # the lock holds without its note
        yield
    finally:
        os.close(fd)


def run_experiment(experiment_path, out_dir, *, workers: int | None = None,
                   scheduler: str | None = None, progress=None, report: bool = True,
                   allow_missing: bool = False, client=None, dashboard: bool = False) -> RunSummary:
    """Run the whole analysis of an experiment; see :mod:`dackit.experiment`.

    Files are analysed on threads of this process, on a private local cluster of
    ``workers`` processes (its dashboard only with ``dashboard=True``), on the cluster of
    ``scheduler``, or on that of an open ``distributed.Client`` (see
    :func:`dackit.experiment.execute.dask_client`).

    ``allow_missing=True`` analyses what is there during a beamtime: run-sheet rows whose
    file has not arrived yet (see :func:`read_runsheet`) are left out, listed in
    ``RunSummary.waiting`` and in results.json under ``waiting``.

    Parameters
    ----------
    experiment_path : str or Path
        Path of ``experiment.toml``.
    out_dir : str or Path
        Folder for results.json, tables, figures, the report and the cache.
    workers : int, optional
        Run on a local Dask cluster of this many processes; None uses threads in this
        process.
    scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler (``tcp://host:8786``) to run on
        instead.
    progress : callable, optional
        Called as ``progress(done, total)`` after each file; None for silence.
    report : bool, default True
        Also write ``report.html``.
    allow_missing : bool, default False
        Leave out run-sheet rows whose file has not arrived yet (during a beamtime) instead
        of failing.
    client : distributed.Client, optional
        An open Dask client to run on (wins over ``workers`` and ``scheduler``).
    dashboard : bool, default False
        With ``workers``, serve the Dask dashboard (off by default: a private cluster).
    """
    start = time.perf_counter()
    out_dir = Path(out_dir)
    exp = load_experiment(experiment_path)
    sheet = read_runsheet(exp, allow_missing=allow_missing)
    waiting = sheet.attrs.pop("waiting", [])
    from dackit.experiment.overrides import apply_overrides, load_overrides, overrides_path
    overrides = load_overrides(exp, sheet, waiting=waiting)
    sheet, exclusions, changed = apply_overrides(sheet, overrides)
    if sheet.empty and exclusions:
        raise ConfigError(f"{overrides_path(exp)}: every file of the run sheet is excluded; delete an "
                          "[[exclude]] entry")
    if sheet.empty:
        raise ConfigError(f"{exp.path(exp.runsheet)}: none of the {len(waiting)} files of the run sheet "
                          "can be analysed yet")
    with output_lock(out_dir):
        return _run_locked(experiment_path, exp, sheet, waiting, out_dir, start, workers=workers,
                           scheduler=scheduler, progress=progress, report=report,
                           allow_missing=allow_missing, client=client, dashboard=dashboard,
                           overrides=(overrides, exclusions, changed))


def _run_locked(experiment_path, exp, sheet, waiting, out_dir, start, *, workers, scheduler, progress,
                report, allow_missing, client, dashboard, overrides=(None, [], [])) -> RunSummary:
    from dackit.experiment.outputs import write_outputs
    from dackit.experiment.series import assemble_results

    by_row, provenance, computed, cached, warnings = analyse_files(
        sheet, exp, out_dir, workers=workers, scheduler=scheduler, progress=progress, client=client,
        dashboard=dashboard, overrides=overrides[0])
    failures = [{"file": r.file, "technique": r.technique, "step": int(r.step),
                 "error": by_row[r.row]["error"]}
                for r in sheet.itertuples() if not by_row[r.row]["ok"]]
    ruby_ok = {r.row: by_row[r.row]["value"] for r in sheet.itertuples()
               if r.technique == "ruby" and by_row[r.row]["ok"]}
    steps = step_pressures(sheet, ruby_ok, gauges=gauge_readings(sheet, by_row, exp))
    results = assemble_results(exp, sheet, steps, by_row)
    results["failures"] = failures
    if allow_missing:
        results["waiting"] = waiting
    if overrides[1]:
        results["exclusions"] = overrides[1]
    if overrides[2]:
        results["overrides"] = overrides[2]
    results["provenance"] = {
        "dackit_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "experiment": str(Path(experiment_path).resolve()),
        "files": [provenance[r] for r in sorted(provenance)],
    }
    if warnings:
        results["warnings"] = list(warnings)
    try:
        report_path = write_outputs(results, exp, sheet, by_row, out_dir, report=report)
    except OSError as exc:  # h5py, matplotlib: anything not already an OutputError
        raise output_error(exc.filename or out_dir / "outputs", exc) from None
    return RunSummary(results_path=out_dir / "results.json", report_path=report_path, steps=len(steps),
                      failures=failures, computed=computed, cached=cached,
                      wall_time_s=time.perf_counter() - start, waiting=waiting, warnings=list(warnings))
