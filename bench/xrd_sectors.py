"""Benchmark: what the azimuth-sector check adds to `xrd lattice` on a detector image.

The Dioptas CeO2 Pilatus 1M image with its PONI (flipped up-down, as its v1 PONI needs): times
the 1D integration, the lattice fit, and :func:`dackit.xrd.sectors.lattice_by_sector` (the
cake at the 1D pattern's radial bins × 360 azimuth bins, then every line's centre in eight
sectors) on the first image, when pyFAI builds its 2D engine, and on the next ones, which reuse
it. The anchor is bare pyFAI's ``integrate2d_ng`` of the same image and bins, the step a user
checking ring positions by hand would start from. Best of ``--rounds``; prints JSON.

    .venv/bin/python bench/xrd_sectors.py --rounds 3
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "dioptas"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    from dackit.xrd.frames import summed_image
    from dackit.xrd.integrate import Integrator
    from dackit.xrd.lattice import fit_lattice
    from dackit.xrd.phases import get_phase
    from dackit.xrd.sectors import lattice_by_sector

    integ = Integrator(DATA / "CeO2_Pilatus1M.poni", flip_ud=True)
    image, _ = summed_image(integ, DATA / "CeO2_Pilatus1M.tif")
    t0 = time.perf_counter()
    pattern = integ.integrate(image)
    t1 = time.perf_counter()
    fit = fit_lattice(pattern, get_phase("ceo2"))
    t2 = time.perf_counter()
    judged = lattice_by_sector(fit, integ, image)
    t3 = time.perf_counter()
    again, bare = [], []
    for _ in range(args.rounds):
        s = time.perf_counter()
        lattice_by_sector(fit, integ, image)
        again.append(time.perf_counter() - s)
        s = time.perf_counter()
        integ._ai.integrate2d_ng(image, integ.bins, 360, **integ._kwargs)  # noqa: SLF001 - the same engine
        bare.append(time.perf_counter() - s)
    print(json.dumps({"integrate_1d_s": round(t1 - t0, 3), "fit_lattice_s": round(t2 - t1, 3),
                      "sectors_first_image_s": round(t3 - t2, 3), "sectors_next_images_s": round(min(again), 3),
                      "bare_pyfai_integrate2d_s": round(min(bare), 3), "a": fit.a, "quality": judged.quality,
                      "sector_note": [n for n in judged.verdict.notes if "azimuth" in n]}, indent=1))


if __name__ == "__main__":
    main()
