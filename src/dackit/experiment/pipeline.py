"""``dackit run``: from experiment.toml and its run sheet to results.json, tables, figures, report.

Stages: validate the description → analyse every file (cached, through Dask) → step
pressures → series fits across pressure → outputs. A file that fails is recorded with its
reason and the run goes on; only an invalid description stops it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from dackit import __version__
from dackit.core.results import to_jsonable
from dackit.core.schema import validate_results
from dackit.errors import ConfigError
from dackit.experiment.analyses import ANALYSES, settings_for
from dackit.experiment.description import load_experiment, read_runsheet
from dackit.experiment.execute import Task, run_tasks
from dackit.experiment.steps import step_pressures
from dackit.experiment.store import (ResultCache, atomic_write_json, cache_normalise, settings_key,
                                     sha256_file)


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

    def to_dict(self) -> dict:
        return {"results": str(self.results_path),
                "report": None if self.report_path is None else str(self.report_path),
                "steps": self.steps, "failures": len(self.failures), "computed": self.computed,
                "cached": self.cached, "wall_time_s": round(self.wall_time_s, 3)}


#: relative cost of one file of each technique (measured on the virtual experiment)
COST = {"saxs": 5, "xrd": 4, "tem": 3, "pl": 2, "absorption": 1, "ruby": 0}


def analyse_files(sheet, exp, out_dir: Path, *, workers=None, scheduler=None, progress=None):
    """Outcome of every run-sheet row, from the cache or computed; plus (computed, cached) counts.

    ``progress(done, total, label)`` is called as files finish.
    """
    cache = ResultCache(out_dir / ".cache")
    # once per technique: the settings hash the PONI and mask files
    settings = {t: settings_for(t, exp) for t in sheet["technique"].unique()}
    outcomes, tasks, keys, provenance = {}, {}, {}, {}
    for row in sheet.itertuples():
        sha = sha256_file(row.path)
        key = settings_key(row.technique, settings[row.technique], sha)
        keys[row.row] = key
        provenance[row.row] = {"file": row.file, "sha256": sha, "technique": row.technique,
                               "method": settings[row.technique]}
        hit = cache.get(key)
        if hit is not None:
            outcomes[key] = hit
        elif key not in tasks:
            tasks[key] = (COST[row.technique], Task(key, ANALYSES[row.technique][0],
                                                    (row.path, settings[row.technique]), label=row.file))
    # Longest first, so that no slow image is left for the end while other workers idle.
    tasks = [task for _, task in sorted(tasks.values(), key=lambda ct: -ct[0])]
    done = [len(outcomes)]
    total = len(set(keys.values()))

    def finished(task, outcome):
        cache.put(task.key, outcome)
        done[0] += 1
        if progress:
            progress(done[0], total, task.label)

    computed = run_tasks(tasks, on_done=finished, workers=workers, scheduler=scheduler)
    outcomes.update({k: cache_normalise(v) for k, v in computed.items()})
    by_row = {r: outcomes[k] for r, k in keys.items()}
    return by_row, provenance, len(tasks), total - len(tasks)


def run_experiment(experiment_path, out_dir, *, workers: int | None = None,
                   scheduler: str | None = None, progress=None, report: bool = True,
                   allow_missing: bool = False) -> RunSummary:
    """Run the whole analysis of an experiment; see :mod:`dackit.experiment`.

    ``allow_missing=True`` analyses what is there during a beamtime: run-sheet rows whose
    file has not arrived yet (see :func:`read_runsheet`) are left out, listed in
    ``RunSummary.waiting`` and in results.json under ``waiting``.
    """
    from dackit.experiment.series import assemble_results
    from dackit.experiment.outputs import write_outputs

    start = time.perf_counter()
    out_dir = Path(out_dir)
    exp = load_experiment(experiment_path)
    sheet = read_runsheet(exp, allow_missing=allow_missing)
    waiting = sheet.attrs.pop("waiting", [])
    if sheet.empty:
        raise ConfigError(f"{exp.path(exp.runsheet)}: none of the {len(waiting)} files of the run sheet "
                          "can be analysed yet")
    by_row, provenance, computed, cached = analyse_files(sheet, exp, out_dir, workers=workers,
                                                         scheduler=scheduler, progress=progress)
    failures = [{"file": r.file, "technique": r.technique, "step": int(r.step),
                 "error": by_row[r.row]["error"]}
                for r in sheet.itertuples() if not by_row[r.row]["ok"]]
    ruby_ok = {r.row: by_row[r.row]["value"] for r in sheet.itertuples()
               if r.technique == "ruby" and by_row[r.row]["ok"]}
    steps = step_pressures(sheet, ruby_ok)
    results = assemble_results(exp, sheet, steps, by_row)
    results["failures"] = failures
    if allow_missing:
        results["waiting"] = waiting
    results["provenance"] = {
        "dackit_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "experiment": str(Path(experiment_path).resolve()),
        "files": [provenance[r] for r in sorted(provenance)],
    }
    report_path = write_outputs(results, exp, sheet, by_row, out_dir, report=report)
    document = to_jsonable(results)
    validate_results(document)  # what results.json says is what `dackit schema` describes
    results_path = atomic_write_json(out_dir / "results.json", document)
    return RunSummary(results_path=results_path, report_path=report_path, steps=len(steps),
                      failures=failures, computed=computed, cached=cached,
                      wall_time_s=time.perf_counter() - start, waiting=waiting)
