"""`dackit view` on a 100-step experiment: first paint and the override round trip (issue 14).

Builds a 100-step experiment (one ruby and one PL spectrum a step, 0–8 GPa, simulated with a
fixed seed), runs it, starts `dackit view OUT --no-browser` and drives headless Chromium:

* ``first_paint_s``: from ``page.goto`` to the Bokeh document rendered with its plots;
* ``measurement_page_s``: from a click on the Measurement tab to its fit and residual drawn;
* ``override_write_rerun_s``: writing an exclusion to overrides.toml and re-running (cache);
* ``override_round_trip_s``: from the exclusion to the page showing it (live reload included).

Targets: both ≤ 2 s. Prints one JSON object.

    .venv/bin/python bench/view.py --steps 100
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def build(folder: Path, steps: int) -> Path:
    from dackit.gauge.ruby import simulate_ruby
    from dackit.io import write_spectrum
    from dackit.optics.pl import simulate_pl

    (folder / "ruby").mkdir(parents=True)
    (folder / "pl").mkdir()
    rows = ["step,direction,technique,file"]
    for i, p in enumerate(np.linspace(0.0, 8.0, steps)):
        write_spectrum(simulate_ruby(float(p), seed=i), folder / f"ruby/s{i:03d}.txt")
        write_spectrum(simulate_pl(float(p), seed=10_000 + i, intensity_efold_gpa=None), folder / f"pl/s{i:03d}.txt")
        rows += [f"{i},compression,ruby,ruby/s{i:03d}.txt", f"{i},compression,pl,pl/s{i:03d}.txt"]
    (folder / "runsheet.csv").write_text("\n".join(rows) + "\n")
    (folder / "experiment.toml").write_text('name = "bench"\nrunsheet = "runsheet.csv"\n[sample]\n'
                                            'name = "bench sample"\n')
    return folder / "experiment.toml"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100)
    args = ap.parse_args()
    from browser_check import _FLAGS, find_chromium
    from playwright.sync_api import sync_playwright

    from dackit.experiment.pipeline import run_experiment
    from dackit.view.app import exclude_and_rerun

    root = Path(tempfile.mkdtemp(prefix="dackit-bench-view-"))
    toml = build(root / "experiment", args.steps)
    t = time.perf_counter()
    run_experiment(toml, root / "out", report=False)
    first_run = time.perf_counter() - t
    results = json.loads((root / "out/results.json").read_text())
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-m", "dackit", "view", str(root / "out"), "--no-browser"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = proc.stdout.readline().strip()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), args=_FLAGS)
            page = browser.new_page()
            page.goto(url, timeout=300_000)  # warm-up: imports and the first session of the server
            page.wait_for_selector("text=bench sample", timeout=300_000)
            paints = []
            for _ in range(3):
                t = time.perf_counter()
                page.goto(url, timeout=300_000)
                page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && [...Bokeh.documents[0]"
                                       ".all_models].filter(m => m.constructor.__name__ === 'Figure').length >= 3",
                                       timeout=300_000)
                page.wait_for_selector("text=bench sample", timeout=300_000)
                paints.append(time.perf_counter() - t)
            # the measurement page: the first file refitted from its raw file and drawn
            t = time.perf_counter()
            page.click("text=Measurement")
            page.wait_for_function("() => [...Bokeh.documents[0].all_models].some(m => m.constructor.__name__ "
                                   "=== 'Figure' && m.title && m.title.text === 'residual')", timeout=300_000)
            measurement = time.perf_counter() - t
            victim = next(r["file"] for r in results["pl"] if r["quality"] == "ok")
            t = time.perf_counter()
            exclude_and_rerun(root / "out", victim, "bench")
            rerun = time.perf_counter() - t
            page.wait_for_selector("text=1 excluded", timeout=300_000)
            round_trip = time.perf_counter() - t
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    after = json.loads((root / "out/results.json").read_text())
    print(json.dumps({"steps": args.steps, "files": 2 * args.steps, "first_run_s": round(first_run, 2),
                      "first_paint_s": round(min(paints), 3), "first_paint_rounds_s": [round(x, 3) for x in paints],
                      "measurement_page_s": round(measurement, 3), "override_write_rerun_s": round(rerun, 3),
                      "override_round_trip_s": round(round_trip, 3),
                      "pl_fit_points_before": results["pl_fit"]["n"], "pl_fit_points_after": after["pl_fit"]["n"],
                      "load_average": os.getloadavg()[0], "target_s": 2.0}))


if __name__ == "__main__":
    main()
