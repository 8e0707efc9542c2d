"""Seconds per micrograph: ``detect_particles`` (what ``dackit tem size`` runs) against the
bare pipeline a user would otherwise script or click in ImageJ's Analyze Particles (Otsu
threshold, label, equivalent diameters; no background, no cluster split, no edge fit, no
verdict).

    PYTHONPATH=src:tests OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/tem_size.py [--sizes 1024,2048]

Images: the TEM corpus frames (real, 0.1-1 Mpx) and synthetic bright-field frames of
``tests/tem_synth.py`` (20 px particles covering 5 % of the field) at the sizes given, where the cost per
particle shows. Prints one JSON line per image, in CPU seconds (run with
OPENBLAS_NUM_THREADS=1: one core, so CPU time is the time a user waits on an idle machine).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from corpus_manifest import load_cases  # noqa: E402
from tem_synth import micrograph, typical_params  # noqa: E402

from dackit.tem.detect import detect_particles  # noqa: E402
from dackit.tem.io import TemImage, read_tem_image  # noqa: E402


def bare(img: np.ndarray) -> float:
    """Mean equivalent diameter (px) of the objects of an Otsu threshold, as Analyze Particles."""
    from scipy import ndimage as ndi
    from skimage.filters import threshold_otsu

    mask = img < threshold_otsu(img)
    lab, n = ndi.label(mask)
    area = np.bincount(lab.ravel())[1:]
    area = area[area >= 9]
    return float(np.mean(2 * np.sqrt(area / np.pi))) if area.size else float("nan")


def timed(fn, *args):
    # CPU seconds of this process: on a shared machine the wall clock measures the neighbours
    t0 = time.process_time()
    out = fn(*args)
    return out, time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1024,2048", help="synthetic frame sizes (px), comma-separated")
    ap.add_argument("--no-corpus", action="store_true", help="synthetic frames only")
    a = ap.parse_args()
    if not a.no_corpus:
        for case in load_cases("tem"):
            args = case.get("args", [])
            px = float(args[args.index("--pixel-nm") + 1]) if "--pixel-nm" in args else None
            bar = float(args[args.index("--scale-bar-nm") + 1]) if "--scale-bar-nm" in args else None
            img = read_tem_image(case["path_on_disk"], pixel_nm=px, scale_bar_nm=bar)
            det, t = timed(detect_particles, img)
            _, tb = timed(bare, img.data)
            print(json.dumps({"image": case["id"], "pixels": int(img.data.size), "n": det.n,
                              "dackit_s": round(t, 2), "bare_s": round(tb, 3)}), flush=True)
    rng = np.random.default_rng(11)
    for size in (int(s) for s in a.sizes.split(",") if s):
        p = typical_params(rng)
        # 20 px particles covering 5 % of the field, as a dispersed sample at a working magnification
        p.update(size_px=size, mean_d_px=20.0, n=int(0.05 * size * size / (np.pi * 100)),
                 bright=False, scale_bar=False)
        data, _, _ = micrograph(p)
        img = TemImage(data=data, pixel_nm=1.0, source=f"synthetic {size}²")
        det, t = timed(detect_particles, img)
        _, tb = timed(bare, data)
        print(json.dumps({"image": f"synthetic {size}x{size}", "pixels": size * size, "n": det.n,
                          "dackit_s": round(t, 2), "bare_s": round(tb, 3)}), flush=True)


if __name__ == "__main__":
    main()
