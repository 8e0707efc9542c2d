"""Scale-out of `dackit run` (issue 15): threads vs 1 and 2 local worker processes vs an
external scheduler with two worker processes, on virtual experiments of 16/64/200 steps.

Each run is a fresh Python process (clean memory, cold imports, cold cache) that prints one
JSON line: wall time of the whole run and of the analysis alone (`run_tasks`), CPU seconds
of every process of the run (client, scheduler, workers), peak RSS summed over those
processes (sampled every 0.1 s), and the cost per file. Figures are off (numbers only).

    python bench/scale.py [--steps 16 64 200] [--modes threads w1 w2 scheduler] [--rounds 1]

The machine is usually shared: the load average before and after each run is recorded, and
a run is only comparable with runs made under the same load.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Sampler:
    """Peak summed RSS and total CPU of a set of process trees (psutil), sampled in a thread."""

    def __init__(self, pids, interval=0.1):
        import psutil

        self.roots = [psutil.Process(p) for p in pids]
        self.peak_rss = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _procs(self):
        import psutil

        out = []
        for root in self.roots:
            try:
                out += [root, *root.children(recursive=True)]
            except psutil.Error:
                pass
        return out

    def _sample(self):
        import psutil

        rss = 0
        for p in self._procs():
            try:
                with p.oneshot():
                    rss += p.memory_info().rss
                    t = p.cpu_times()
                    self.cpu[p.pid] = t.user + t.system
            except psutil.Error:
                pass
        self.peak_rss = max(self.peak_rss, rss)

    def _run(self, interval):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def one(args):
    """Inside the measured process: one run, JSON on stdout."""
    import resource

    from dackit.experiment import pipeline

    spent = {}
    real = pipeline.run_tasks

    def timed_tasks(*a, **kw):
        t = time.perf_counter()
        try:
            return real(*a, **kw)
        finally:
            spent["analyse_s"] = time.perf_counter() - t
    pipeline.run_tasks = timed_tasks
    kw = {"workers": {"w1": 1, "w2": 2}.get(args.mode), "scheduler": args.scheduler}
    t0 = time.perf_counter()
    summary = pipeline.run_experiment(args.exp, args.out, report=False, **kw)
    wall = time.perf_counter() - t0
    self_ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"wall_s": wall, "analyse_s": spent.get("analyse_s", 0.0), "files": summary.computed,
                      "cached": summary.cached, "failures": len(summary.failures),
                      "client_cpu_s": self_ru.ru_utime + self_ru.ru_stime}))


def external_cluster(tmp: Path, n_workers: int = 2):
    """A scheduler and ``n_workers`` single-threaded worker processes, as a facility would run
    them (here on 127.0.0.1, plain TCP: a bench, not a deployment)."""
    sched_file = tmp / "scheduler.json"
    py = sys.executable
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "NUMBA_NUM_THREADS": "1"}
    procs = [subprocess.Popen([py, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sched_file)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    deadline = time.monotonic() + 120
    while not sched_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    address = json.loads(sched_file.read_text())["address"]
    for _ in range(n_workers):
        procs.append(subprocess.Popen([py, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                       "--nworkers", "1", "--no-dashboard", "--no-nanny"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from distributed import Client

    with Client(address, timeout=120) as c:
        c.wait_for_workers(n_workers, timeout=120)
    return address, procs


def measure(mode, exp, out, scheduler=None, cluster_pids=()):
    cmd = [sys.executable, __file__, "--one", mode, "--exp", str(exp), "--out", str(out)]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    with Sampler([proc.pid, *cluster_pids]) as s:
        cpu_before = {}
        if cluster_pids:  # the external workers have been up since before this run
            s._sample()
            cpu_before = dict(s.cpu)
        stdout, _ = proc.communicate()
    wall_outer = time.perf_counter() - t0
    row = json.loads(stdout.strip().splitlines()[-1])
    cpu = sum(v - cpu_before.get(pid, 0.0) for pid, v in s.cpu.items())
    row.update(mode=mode, process_wall_s=wall_outer, cpu_s=cpu, peak_rss_mb=s.peak_rss / 2**20,
               per_file_s=row["wall_s"] / max(row["files"], 1),
               per_file_analyse_s=row["analyse_s"] / max(row["files"], 1),
               load_before=load0, load_after=os.getloadavg()[0])
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, nargs="+", default=[16, 64, 200])
    ap.add_argument("--modes", nargs="+", default=["threads", "w1", "w2", "scheduler"],
                    choices=["threads", "w1", "w2", "scheduler"])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--keep", type=Path, default=None, help="keep experiments in this folder")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--exp", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--scheduler", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        args.mode = args.one
        return one(args)

    from dackit.virtual.description import preset
    from dackit.virtual.experiment import write_experiment

    root = args.keep or Path(tempfile.mkdtemp(prefix="dackit-scale-"))
    cluster = None
    try:
        if "scheduler" in args.modes:
            cluster = external_cluster(root)
        for steps in args.steps:
            exp_dir = root / f"exp{steps}"
            if not (exp_dir / "experiment.toml").exists():
                write_experiment(exp_dir, preset("inp-znse", steps=steps, seed=args.seed))
            for r in range(args.rounds):
                for mode in args.modes:
                    out = root / f"out{steps}-{mode}-{r}"
                    shutil.rmtree(out, ignore_errors=True)
                    sched, pids = (cluster[0], [p.pid for p in cluster[1]]) if mode == "scheduler" else (None, [])
                    row = measure(mode, exp_dir / "experiment.toml", out, sched, pids)
                    row.update(steps=steps, round=r, cpu_count=os.cpu_count())
                    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}),
                          flush=True)
                    shutil.rmtree(out, ignore_errors=True)
    finally:
        if cluster is not None:
            for p in cluster[1]:
                p.terminate()
            for p in cluster[1]:
                p.wait(timeout=30)
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
