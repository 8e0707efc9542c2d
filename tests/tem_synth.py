"""Adversarial TEM/STEM micrographs with known particle sizes, built with numpy and scipy only.

On purpose not dackit.tem.simulate (it shares the assumptions under test). Each particle is a
sphere or a flat disc (slightly elliptical, random orientation) of known diameter; the image
is the projected thickness through Beer–Lambert absorption (bright field: dark particles) or
proportional to it (HAADF: bright particles), blurred by a Gaussian point-spread function,
on a background with a gradient, optional amorphous-film grain (Gaussian-correlated noise)
and Poisson-like noise. Particles may touch (drawn at centre distances down to 0.8 of the
sum of radii). Optional overlays: a scale bar in the image's extreme grey with a label
stroke above it, as microscopes burn them in.

The truth is the mean equivalent diameter (√(major·minor)) of the particles whose whole
disc lies inside the image — the particles an observer measures.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage


def random_params(rng) -> dict:
    """One random micrograph's parameters (the ranges a user's images span)."""
    return {
        "seed": int(rng.integers(2**31)),
        "size_px": int(rng.choice([384, 512, 768])),
        "n": int(rng.integers(15, 120)),
        "mean_d_px": float(np.exp(rng.uniform(np.log(8), np.log(60)))),
        "cv": float(rng.uniform(0.03, 0.20)),
        "aspect": float(rng.uniform(1.0, 1.25)),
        "shape": str(rng.choice(["sphere", "disc"])),
        "bright": bool(rng.random() < 0.3),
        "contrast": float(rng.uniform(0.15, 0.7)),
        "snr": float(np.exp(rng.uniform(np.log(4), np.log(40)))),
        "blur_px": float(rng.uniform(0.4, 2.0)),
        "gradient": float(rng.uniform(0.0, 0.25)),
        "grain": float(rng.choice([0.0, 0.0, rng.uniform(0.02, 0.25)])),
        "grain_px": float(rng.uniform(0.8, 3.0)),
        "touching": float(rng.choice([0.0, rng.uniform(0.1, 0.5)])),
        "scale_bar": bool(rng.random() < 0.4),
    }


def typical_params(rng) -> dict:
    """A well-measured micrograph: separated particles ≥ 12 px across, SNR ≥ 10, no film
    grain or touching; every one should be measured right."""
    p = random_params(rng)
    p.update(mean_d_px=float(rng.uniform(12, 50)), snr=float(rng.uniform(10, 40)), grain=0.0, touching=0.0,
             contrast=float(rng.uniform(0.3, 0.7)), blur_px=float(rng.uniform(0.5, 1.2)), cv=float(rng.uniform(0.05, 0.15)))
    return p


def _place(rng, p):
    size, out = p["size_px"], []
    d = np.clip(rng.normal(p["mean_d_px"], p["cv"] * p["mean_d_px"], p["n"]), 0.4 * p["mean_d_px"], None)
    for di in d:
        a = di * np.sqrt(rng.uniform(1.0, p["aspect"]))  # major = d√k, minor = d/√k: √(ab) = d
        b = di * di / a
        for _ in range(200):
            cx, cy = rng.uniform(-0.1 * size, 1.1 * size, 2)
            touching = rng.random() < p["touching"]
            gap = 0.8 if touching else 1.15
            if all(np.hypot(cx - x, cy - y) >= gap * (a + o[2]) / 2 for x, y, o in
                   ((q[0], q[1], q) for q in out)):
                out.append((cx, cy, a, b, rng.uniform(0, np.pi)))
                break
    return out


def micrograph(p) -> tuple[np.ndarray, float, dict]:
    """(image, true mean diameter in px, details) of parameters ``p``."""
    rng = np.random.default_rng(p["seed"])
    size = p["size_px"]
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    thickness = np.zeros((size, size))
    inside = []
    for cx, cy, a, b, th in _place(rng, p):
        u = ((xx - cx) * np.cos(th) + (yy - cy) * np.sin(th)) / (a / 2)
        v = (-(xx - cx) * np.sin(th) + (yy - cy) * np.cos(th)) / (b / 2)
        r2 = u * u + v * v
        if p["shape"] == "sphere":
            t = np.sqrt(np.clip(1 - r2, 0, None))
        else:
            t = (r2 <= 1).astype(float)
        thickness = np.maximum(thickness, t)  # overlapping particles: the thicker one shows
        # the whole particle (its bounding ellipse plus the blur) within the frame
        half = max(a, b) / 2 + 2
        if half <= cx <= size - 1 - half and half <= cy <= size - 1 - half:
            inside.append(np.sqrt(a * b))
    # 8× subsampling would be exact; a 1-px Gaussian after the hard edges is close enough
    # against the PSF of 0.4–2 px drawn here
    thickness = ndimage.gaussian_filter(thickness, p["blur_px"])
    c = p["contrast"]
    if p["bright"]:
        signal = 0.2 + c * thickness
    else:
        signal = 1.0 - c * thickness  # Beer–Lambert linearised: the edge at half contrast stays put
    ramp = 1 + p["gradient"] * (xx / size - 0.5)
    signal = signal * ramp
    if p["grain"]:
        grain = ndimage.gaussian_filter(rng.normal(0, 1, (size, size)), p["grain_px"])
        signal = signal + p["grain"] * c * grain / grain.std()
    noise_sd = c / p["snr"]
    img = signal + rng.normal(0, noise_sd, (size, size))
    if p["scale_bar"]:
        level = img.max() + 0.1 if not p["bright"] else img.min() - 0.1
        h, w = max(3, size // 80), size // 5
        y0, x0 = size - size // 14, size - w - size // 20
        img[y0:y0 + h, x0:x0 + w] = level
        img[y0 - 4 * h:y0 - 2 * h, x0 + w // 3:x0 + w // 3 + h] = level  # a label stroke
    details = {"n_inside": len(inside), "true_sd_px": float(np.std(inside)) if inside else None}
    return img, float(np.mean(inside)) if inside else float("nan"), details


def packed_monolayer(kind="square", radius_px=9.0, gap_px=1.0, blur_px=1.0, noise=0.02,
                     size_px=384, vacancies=0.02, domains=False, shape="disc",
                     seed=0) -> tuple[np.ndarray, float]:
    """(image, true mean diameter in px) of a close-packed monolayer of dark discs or spheres.

    A square or hexagonal lattice of period 2R + ``gap_px`` (bright-field: the bright support
    shows only in the gaps), a fraction ``vacancies`` of sites empty; ``domains`` rotates the
    right half's lattice by 20° and shifts it, a boundary across the frame. Radii scatter by
    3 %. The truth is the mean diameter of the spheres drawn wholly inside the frame.
    """
    rng = np.random.default_rng(seed)
    a = 2 * radius_px + gap_px
    n = int(size_px / a) + 4
    i, j = np.mgrid[-2:n, -2:n].reshape(2, -1).astype(float)
    if kind == "square":
        x, y = i * a, j * a
    else:
        x, y = (i + 0.5 * (j % 2)) * a, j * a * np.sqrt(3) / 2
    sites = [np.column_stack([x, y])]
    if domains:
        th = np.deg2rad(20)
        xr, yr = x * np.cos(th) - y * np.sin(th) + 0.37 * a, x * np.sin(th) + y * np.cos(th) + 0.21 * a
        left = sites[0][sites[0][:, 0] < size_px / 2 - radius_px]
        right = np.column_stack([xr, yr])
        right = right[right[:, 0] >= size_px / 2 + radius_px]
        sites = [left, right]
    pts = np.vstack(sites)
    pts = pts[rng.random(len(pts)) >= vacancies]
    yy, xx = np.mgrid[0:size_px, 0:size_px].astype(float)
    thick = np.zeros((size_px, size_px))
    inside = []
    for cx, cy in pts:
        r = radius_px * (1 + 0.03 * rng.standard_normal())
        if not (-r < cx < size_px + r and -r < cy < size_px + r):
            continue
        y0, y1 = max(int(cy - r) - 1, 0), min(int(cy + r) + 2, size_px)
        x0, x1 = max(int(cx - r) - 1, 0), min(int(cx + r) + 2, size_px)
        r2 = ((xx[y0:y1, x0:x1] - cx) ** 2 + (yy[y0:y1, x0:x1] - cy) ** 2) / r**2
        t = np.sqrt(np.clip(1 - r2, 0, None)) if shape == "sphere" else (r2 <= 1).astype(float)
        thick[y0:y1, x0:x1] = np.maximum(thick[y0:y1, x0:x1], t)
        if r + 2 <= cx <= size_px - 1 - r - 2 and r + 2 <= cy <= size_px - 1 - r - 2:
            inside.append(2 * r)
    img = 1.0 - 0.5 * ndimage.gaussian_filter(thick, blur_px)
    img = img + rng.normal(0, noise, img.shape)
    return img, float(np.mean(inside))
