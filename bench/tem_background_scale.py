"""The support scale of dackit.tem.background on lumpy-support images, as JSON lines.

For each image: D(r), the top-hat's area-weighted median object diameter for each opening radius
r, the radius chosen (smallest r with D(r) <= r) and the mean diameter dackit measures on the
top-hat (contrast bright) against the reference. Images: the ArdaGen STEM corpus cases and the
numpy-built lumpy field of tests/test_tem_lumpy_background.py (truth 16 px).
Run: PYTHONPATH=src:tests python bench/tem_background_scale.py
"""
import json
import sys

import numpy as np
from scipy import ndimage as ndi

sys.path.insert(0, "tests")
from corpus_manifest import load_cases  # noqa: E402
from test_tem_lumpy_background import _lumpy_field  # noqa: E402

from dackit.tem.background import SCALE_RADII, _tophat_diameter, particle_scale, subtract_support  # noqa: E402
from dackit.tem.detect import detect_particles  # noqa: E402
from dackit.tem.io import read_tem_image  # noqa: E402


def _normalised(data):
    data = np.asarray(data, float)
    return (data - np.median(data)) / (np.percentile(data, 99.5) - np.percentile(data, 0.5))


images = [(f"lumpy-seed{s}-amp{a}", _normalised(_lumpy_field(s, a)[0]), 16.0) for s, a in ((0, 0.6), (1, 1.0))]
for case in load_cases("tem"):
    if case["id"].startswith("stem-arda"):
        img = read_tem_image(case["path_on_disk"], pixel_nm=1.0).data
        images.append((case["id"], _normalised(img), case["expected"]["mean_px"]))
for name, img, expected in images:
    sm = ndi.gaussian_filter(img, 1.0)
    radius = particle_scale(img)
    row = {"image": name, "expected_px": expected, "radius_px": radius,
           "D_of_r": {r: round(_tophat_diameter(sm, r), 1) for r in SCALE_RADII}}
    if radius is not None:
        det = detect_particles(subtract_support(img, radius), 1.0, contrast="bright")
        mean = float(det.diameters_nm.mean())
        row.update(n=det.n, mean_px=round(mean, 2), error_pct=round(100 * (mean / expected - 1), 1))
    print(json.dumps(row), flush=True)
