"""Wall time of `dackit demo`: simulate, analyse with threads, with 1 and 2 worker processes,
and a warm re-run from the cache. Prints JSON.

Targets on a 2-core machine (issue 7): demo <= 60 s, warm re-run <= 5 s, 2 workers >= 1.7x one.

    python bench/demo.py [--steps 16] [--seed 2026] [--skip-workers]
"""
import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path


def timed(func, *args, **kw):
    t = time.perf_counter()
    out = func(*args, **kw)
    return out, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--skip-workers", action="store_true", help="skip the 1- and 2-process runs")
    args = ap.parse_args()

    from dackit.experiment.pipeline import run_experiment
    from dackit.virtual.description import preset
    from dackit.virtual.experiment import write_experiment

    root = Path(tempfile.mkdtemp(prefix="dackit-bench-"))
    try:
        written, t_sim = timed(write_experiment, root / "experiment", preset("inp-znse", steps=args.steps,
                                                                             seed=args.seed))
        toml = written.experiment_toml
        first, t_threads = timed(run_experiment, toml, root / "threads")
        _, t_warm = timed(run_experiment, toml, root / "threads")
        out = {"steps": len(written.truth["steps"]), "files": first.computed,
               "simulate_s": round(t_sim, 2), "analyse_threads_s": round(t_threads, 2),
               "demo_s": round(t_sim + t_threads, 2), "warm_rerun_s": round(t_warm, 2),
               "cpu_count": os.cpu_count(), "load_average": os.getloadavg()}
        if not args.skip_workers:
            # numbers only: figures are the same work whichever way the files were analysed
            _, t1 = timed(run_experiment, toml, root / "w1", workers=1, report=False)
            _, t2 = timed(run_experiment, toml, root / "w2", workers=2, report=False)
            out.update(analyse_1_worker_s=round(t1, 2), analyse_2_workers_s=round(t2, 2),
                       speedup_2_workers=round(t1 / t2, 2))
        print(json.dumps(out, indent=2))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
