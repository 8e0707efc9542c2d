"""Wall and CPU time of the automatic calibration of the real Dioptas CeO2 Pilatus 1M image
(shared/data/real/dioptas/CeO2_Pilatus1M.tif, λ = 0.4066 Å), and its 2θ agreement with
Dioptas' own PONI. Prints JSON.

Target (issue 12): calibration of a Pilatus 1M image <= 10 s.

    python bench/calibrate.py [--rounds 3] [--image PATH]
"""
import argparse
import json
import os
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "dioptas" / "CeO2_Pilatus1M.tif"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--image", type=Path, default=DEFAULT)
    args = ap.parse_args()

    import numpy as np

    from dackit.io.images import read_image
    from dackit.xrd.calibrate import calibrate
    from dackit.xrd.geometry import read_poni

    image = read_image(args.image)
    calibrate(image, "CeO2", wavelength_a=0.4066, detector="Pilatus1M")  # imports, pyFAI set-up
    walls, cpus = [], []
    for _ in range(args.rounds):
        t, c = time.perf_counter(), time.process_time()
        result = calibrate(image, "CeO2", wavelength_a=0.4066, detector="Pilatus1M")
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    out = {"image": str(args.image), "shape": list(image.shape), "rounds": args.rounds,
           "wall_s_best": round(min(walls), 2), "wall_s_all": [round(w, 2) for w in walls],
           "cpu_s_best": round(min(cpus), 2), "target_s": 10.0,
           "rings": result.rings, "rms_deg": round(result.rms_deg, 5), "quality": result.quality,
           "cpu_count": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]}
    poni = args.image.with_suffix(".poni")
    if poni.is_file():  # Dioptas calibrated this image upside down: compare on the flipped geometry
        ref = read_poni(poni).with_shape(image.shape).flipped_ud().azimuthal_integrator()
        mine = result.geometry.azimuthal_integrator()
        diff = np.degrees(np.abs(mine.center_array(image.shape, unit="2th_rad", scale=False)
                                 - ref.center_array(image.shape, unit="2th_rad", scale=False)))
        out.update(dioptas_tth_median_deg=round(float(np.median(diff)), 5),
                   dioptas_tth_max_deg=round(float(diff.max()), 5))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
