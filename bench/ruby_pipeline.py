"""Benchmark: the whole ruby path (`fit_ruby` on a batch), and what cosmic-spike removal costs.

`bench/fit_spectra.py` times the batched fitting engine against an lmfit loop on arrays. A
user of `dackit ruby` also pays for what comes before the fit: the axis checks, the
cosmic-ray spike scan (:func:`dackit.core.spectrum.despike`) and the window choice, and for
the pressure conversion and the verdict after it. This times `fit_ruby` on N simulated
spectra (the same ruby-like simulation as fit_spectra.py, Poisson counts, a few with a
cosmic spike) twice: as shipped, and with `despike` replaced by a pass-through, so the
difference is the spike scan's cost. Best of ``--repeat`` rounds; prints JSON.

    .venv/bin/python bench/ruby_pipeline.py --n 1000 --points 1024
"""
from __future__ import annotations

import argparse
import json
import time
from unittest import mock

import numpy as np

from dackit.core.spectrum import make_spectrum
from dackit.gauge import lines
from dackit.gauge.ruby import fit_ruby
from fit_spectra import simulate


def spectra(n: int, points: int, spikes: float, seed: int = 1):
    x, y = simulate(n, points, seed)
    rng = np.random.default_rng(seed + 1)
    hit = rng.random(n) < spikes
    y[hit, rng.integers(10, points - 10, hit.sum())] += 5e4
    return [make_spectrum(x, row, source=f"sim{i}") for i, row in enumerate(y)]


def timed(batch, repeat: int, despike: bool) -> float:
    best = np.inf
    patch = (mock.patch.object(lines, "despike", lambda x, y, noise: (np.asarray(y, float), None))
             if not despike else mock.patch.object(lines, "despike", lines.despike))
    with patch:
        for _ in range(repeat):
            t0 = time.perf_counter()
            fit_ruby(batch)
            best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--points", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--spikes", type=float, default=0.0, help="fraction of spectra with a spike")
    args = ap.parse_args()
    batch = spectra(args.n, args.points, args.spikes)
    fit_ruby(batch[:5])                 # warm up: the compiled kernels load once
    with_spikes = timed(batch, args.repeat, despike=True)
    without = timed(batch, args.repeat, despike=False)
    print(json.dumps({
        "n": args.n, "points": args.points, "spike_fraction": args.spikes,
        "fit_ruby_seconds": round(with_spikes, 3),
        "fit_ruby_without_despike_seconds": round(without, 3),
        "despike_ms_per_spectrum": round(1e3 * (with_spikes - without) / args.n, 3),
        "ms_per_spectrum": round(1e3 * with_spikes / args.n, 3),
    }, indent=1))


if __name__ == "__main__":
    main()
