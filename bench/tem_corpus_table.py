"""Print case / expected / dackit mean / error % / quality / notes for the TEM corpus."""
import sys
import time

sys.path.insert(0, "tests")
from corpus_manifest import load_cases  # noqa: E402

from dackit.tem.detect import detect_particles  # noqa: E402
from dackit.tem.io import read_tem_image  # noqa: E402
from dackit.tem.stats import size_statistics  # noqa: E402

only = sys.argv[1:]
for case in load_cases("tem"):
    if only and not any(o in case["id"] for o in only):
        continue
    exp = case["expected"]
    key = "mean_nm" if "mean_nm" in exp else "mean_px"
    # the case's own --pixel-nm or --scale-bar-nm (uncalibrated files), else the file's calibration
    args = case.get("args", [])
    px = float(args[args.index("--pixel-nm") + 1]) if "--pixel-nm" in args else None
    bar = float(args[args.index("--scale-bar-nm") + 1]) if "--scale-bar-nm" in args else None
    t0 = time.time()
    img = read_tem_image(case["path_on_disk"], pixel_nm=px, scale_bar_nm=bar)
    det = detect_particles(img)
    s = size_statistics(det.diameters_nm)
    err = 100 * (s.mean_nm / exp[key] - 1)
    v = det.verdict.to_dict()
    flag = "IN " if abs(err) <= 5 else "OUT"
    print(f"{case['id']:18s} exp {exp[key]:7.2f} got {s.mean_nm:7.2f} n {s.n:4d} err {err:+6.1f}% {flag} "
          f"{v['quality']:8s} {time.time()-t0:5.1f}s | {v['quality_notes']}", flush=True)
