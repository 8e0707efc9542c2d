"""Benchmark: a 2048×2048 HDF5 frame stack integrated by dackit vs bare pyFAI (issue 12).

Writes an Eiger-like stack to a temporary folder: ``/entry/data/data`` (frames × 2048 × 2048,
uint32, one bitshuffle-LZ4 chunk a frame, hdf5plugin), four distinct Poisson frames of CeO2-like
rings cycled to ``--frames``. Each contender runs in its own process (so each peak RSS is its
own), reads every frame from the file and integrates it with the same geometry, method (full
pixel splitting, CSR, Cython), bins, unit (2θ°), Poisson error model and negative-pixel rule:

* ``pyfai``: ``h5py`` ``dset[i]`` then ``ai.integrate1d(frame, …)`` in a plain loop;
* ``dackit``: :func:`dackit.xrd.frames.write_pattern_series` — frames streamed through one
  :class:`~dackit.xrd.integrate.Integrator`, patterns written to one NeXus file.

Both build the sparse matrix on a warm-up frame that is not timed. ``--rounds`` alternating
runs each, best round counts (shared machine); ``alternating_*``: both integrations in one
process on the same frames, order swapped each frame (no I/O), the fairest per-frame ratio
when the machine's load changes between runs. Peak RSS (``VmHWM``) of dackit is also
measured on a quarter of the frames: flat memory means the two agree. Targets: rate ratio
dackit/pyFAI ≥ 0.95, peak RSS ≤ 1.5 GB. Prints JSON.

    .venv/bin/python bench/xrd_stack.py --frames 100 --rounds 2
    .venv/bin/python bench/xrd_stack.py --frames 1000 --rounds 1
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SHAPE = (2048, 2048)
METHOD = ("full", "csr", "cython")
BINS = 2896


def geometry():
    from dackit.xrd.geometry import Geometry

    return Geometry(dist_m=0.3, poni1_m=1030.4 * 172e-6, poni2_m=1019.7 * 172e-6, rot1=0.012, rot2=-0.008,
                    wavelength_a=0.4066, pixel1_m=172e-6, pixel2_m=172e-6, shape=SHAPE)


def make_stack(path: Path, frames: int, seed: int = 1) -> None:
    import h5py
    import hdf5plugin

    g = geometry()
    ai = g.azimuthal_integrator()
    tth = np.degrees(ai.center_array(SHAPE, unit="2th_rad"))
    mu = 30.0 * np.exp(-tth / 15.0)
    for hkl2, height in ((3, 400), (4, 150), (8, 250), (11, 200), (12, 60), (16, 40), (19, 80)):
        d = 5.41165 / np.sqrt(hkl2)
        centre = np.degrees(2 * np.arcsin(0.4066 / (2 * d)))
        mu += height * np.exp(-0.5 * ((tth - centre) / 0.03) ** 2)
    rng = np.random.default_rng(seed)
    distinct = [rng.poisson(mu).astype(np.uint32) for _ in range(4)]
    for f in distinct:
        f[1020:1028, :] = np.iinfo(np.uint32).max  # a module gap, Eiger style
    with h5py.File(path, "w") as h:
        dset = h.create_dataset("entry/data/data", shape=(frames, *SHAPE), dtype=np.uint32,
                                chunks=(1, *SHAPE), **hdf5plugin.Bitshuffle(nelems=0, cname="lz4"))
        for i in range(frames):
            dset[i] = distinct[i % 4]


def run_pyfai(path: str, frames: int) -> dict:
    import h5py
    import hdf5plugin  # noqa: F401

    ai = geometry().azimuthal_integrator()
    kw = dict(unit="2th_deg", method=METHOD, dummy=-float(2**20), delta_dummy=float(2**20) - 0.5,
              error_model="poisson", correctSolidAngle=True)
    ai.empty = float("nan")
    with h5py.File(path, "r") as h:
        dset = h["entry/data/data"]
        invalid = np.iinfo(dset.dtype).max
        warm = dset[0]
        ai.integrate1d(np.where(warm == invalid, -1, warm.astype(np.int64)), BINS, **kw)
        t0 = time.perf_counter()
        for i in range(frames):
            f = dset[i]
            if f.max() == invalid:  # the same gap rule dackit applies
                f = np.where(f == invalid, -1, f.astype(np.int64))
            ai.integrate1d(f, BINS, **kw)
        dt = time.perf_counter() - t0
    return {"seconds": dt}


def run_dackit(path: str, frames: int, out: str) -> dict:
    from dackit.io.frames import open_frames
    from dackit.xrd.frames import write_pattern_series
    from dackit.xrd.integrate import Integrator

    integ = Integrator(geometry(), bins=BINS)
    with open_frames(path) as src:  # warm-up: pyFAI's sparse matrix, not timed
        integ.integrate_arrays(src.frame(0))
    t0 = time.perf_counter()
    write_pattern_series(integ, path, out, frames=f"0:{frames}")
    return {"seconds": time.perf_counter() - t0}


def alternating(path: str, frames: int) -> dict:
    """Both integrations in one process on the same frame, order swapped every frame: the
    fairest per-frame comparison on a shared machine (reading and writing left out)."""
    from dackit.io.frames import open_frames
    from dackit.xrd.integrate import Integrator

    integ = Integrator(geometry(), bins=BINS)
    ai = geometry().azimuthal_integrator()
    ai.empty = float("nan")
    kw = dict(unit="2th_deg", method=METHOD, dummy=-float(2**20), delta_dummy=float(2**20) - 0.5,
              error_model="poisson", correctSolidAngle=True)
    td = tp = 0.0
    with open_frames(path) as src:
        f0 = src.frame(0)
        integ.integrate_arrays(f0)
        ai.integrate1d(f0, BINS, **kw)
        for i, f in src.frames(range(frames)):
            order = ("d", "p") if i % 2 else ("p", "d")
            for who in order:
                t = time.perf_counter()
                if who == "d":
                    integ.integrate_arrays(f)
                    td += time.perf_counter() - t
                else:
                    ai.integrate1d(f, BINS, **kw)
                    tp += time.perf_counter() - t
    return {"alternating_pyfai_s_per_frame": round(tp / frames, 4),
            "alternating_dackit_s_per_frame": round(td / frames, 4),
            "alternating_rate_ratio": round(tp / td, 3)}


def peak_rss_mb() -> float:
    """This process's own peak RSS. Not ``ru_maxrss``: Linux carries it over ``execve``, so a
    child spawned by a parent that had grown (``alternating`` holds two integrators) reported
    the parent's 1.6 GB peak as its own."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child(kind: str, path: str, frames: int, out: str) -> None:
    res = run_pyfai(path, frames) if kind == "pyfai" else run_dackit(path, frames, out)
    res["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(res))


def spawn(kind: str, path: Path, frames: int, out: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, "--stack", str(path),
                           "--frames", str(frames), "--out", str(out)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--child", choices=["pyfai", "dackit"])
    ap.add_argument("--stack")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.stack, args.frames, args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        stack = Path(tmp) / "stack_master.h5"
        t0 = time.perf_counter()
        make_stack(stack, args.frames)
        gen = time.perf_counter() - t0
        out = Path(tmp) / "series.nxs"
        best = {"pyfai": None, "dackit": None}
        rss = {"pyfai": 0.0, "dackit": 0.0}
        for _ in range(args.rounds):
            for kind in ("pyfai", "dackit"):
                r = spawn(kind, stack, args.frames, out)
                best[kind] = r["seconds"] if best[kind] is None else min(best[kind], r["seconds"])
                rss[kind] = max(rss[kind], r["peak_rss_mb"])
        alt = alternating(str(stack), args.frames)
        quarter = max(1, args.frames // 4)
        rss_quarter = spawn("dackit", stack, quarter, out)["peak_rss_mb"]
        size_mb = stack.stat().st_size / 2**20
    rate = {k: args.frames / v for k, v in best.items()}
    print(json.dumps({
        "frames": args.frames, "shape": list(SHAPE), "method": list(METHOD), "bins": BINS,
        "stack_mb_compressed": round(size_mb, 1), "generate_seconds": round(gen, 1),
        "pyfai_frames_per_s": round(rate["pyfai"], 3), "dackit_frames_per_s": round(rate["dackit"], 3),
        "rate_ratio": round(rate["dackit"] / rate["pyfai"], 3),
        "pyfai_peak_rss_mb": round(rss["pyfai"], 1), "dackit_peak_rss_mb": round(rss["dackit"], 1),
        f"dackit_peak_rss_mb_{quarter}_frames": round(rss_quarter, 1),
        **alt,
        "cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 1),
    }, indent=2))


if __name__ == "__main__":
    main()
