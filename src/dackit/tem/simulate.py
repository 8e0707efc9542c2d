"""Synthetic TEM/STEM images of nanoparticles with known diameters.

Particles are projected disks (uniform intensity, ``profile="disk"``: bright-field
mass-thickness contrast of faceted crystals) or projected spheres (intensity ∝ chord
length √(R² − r²), ``profile="sphere"``: HAADF of amorphous spheres), drawn with 4×4
sub-pixel sampling, blurred by a Gaussian probe/PSF, on a slowly varying background with
Gaussian noise. A fraction of particles is placed exactly in contact with another one so
that segmentation has to split them.

>>> sim = simulate_tem(20, 8.0, 0.8, 0.5, seed=1)
>>> sim.image.shape[0] > 0, len(sim.diameters_nm)
(True, 20)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.errors import InputError


@dataclass(frozen=True)
class SimulatedTEM:
    """Image (rows, cols), true diameters (nm), centres (row, col) in pixels, pixel size."""

    image: np.ndarray
    diameters_nm: np.ndarray
    centres_px: np.ndarray
    pixel_nm: float
    touching: np.ndarray


def simulate_tem(n=100, mean_nm=6.2, sd_nm=0.6, pixel_nm=0.25, touching_fraction=0.2,
                 noise=0.05, contrast="bright", seed=None, *, profile="disk",
                 psf_px=0.7, background_tilt=0.2, size_px=None) -> SimulatedTEM:
    """Simulate ``n`` particles with Gaussian diameters (mean_nm, sd_nm) on a noisy background.

    Parameters
    ----------
    n : int
        Number of particles.
    mean_nm : float
        Mean diameter in nm.
    sd_nm : float
        Standard deviation of the diameters in nm.
    pixel_nm : float
        Pixel size in nm.
    touching_fraction : float
        Fraction of particles placed in contact (centre distance R1 + R2) with an earlier one.
    noise : float
        Gaussian noise SD relative to the particle contrast (1).
    contrast : ``"bright"`` (HAADF: bright particles) or ``"dark"`` (bright-field).
    seed : int, optional
        Seed of the random placement, sizes and noise.
    profile : ``"disk"`` or ``"sphere"`` (see module docstring).
    psf_px : float
        σ in pixels of the Gaussian point-spread function blurring the particles.
    background_tilt : float
        Linear background ramp across the image, relative to the particle contrast.
    size_px : int, optional
        Image side; by default chosen so particles cover about 15 % of the area.
    """
    if n < 1 or mean_nm <= 0 or sd_nm < 0 or pixel_nm <= 0:
        raise InputError("simulate_tem: need n >= 1, mean_nm > 0, sd_nm >= 0, pixel_nm > 0")
    if contrast not in ("bright", "dark") or profile not in ("disk", "sphere"):
        raise InputError("simulate_tem: contrast must be 'bright' or 'dark', profile 'disk' or 'sphere'")
    if not 0 <= touching_fraction <= 1:
        raise InputError("simulate_tem: touching_fraction must lie in [0, 1]")
    rng = np.random.default_rng(seed)
    d_nm = np.clip(rng.normal(mean_nm, sd_nm, n), 0.3 * mean_nm, None)
    r_px = d_nm / 2 / pixel_nm
    if size_px is None:
        size_px = int(np.ceil(np.sqrt(np.sum(np.pi * r_px**2) / 0.15))) + int(4 * r_px.max())
    margin = r_px.max() + 3
    gap = 2.0 + 2 * psf_px  # keep untouching particles visibly apart
    centres = np.empty((n, 2))
    touching = np.zeros(n, bool)
    placed = 0
    for i in range(n):
        want_touch = placed > 0 and rng.random() < touching_fraction
        for _ in range(2000):
            if want_touch:
                j = rng.integers(placed)
                ang = rng.uniform(0, 2 * np.pi)
                c = centres[j] + (r_px[i] + r_px[j]) * np.array([np.sin(ang), np.cos(ang)])
            else:
                c = rng.uniform(margin, size_px - margin, 2)
            if np.any(c < margin) or np.any(c > size_px - margin):
                continue
            dist = np.hypot(*(centres[:placed] - c).T)
            need = r_px[:placed] + r_px[i] + gap
            if want_touch:
                need[j] = r_px[j] + r_px[i] - 1e-6
            if np.all(dist >= need):
                break
        else:
            raise InputError("simulate_tem: could not place all particles; give a larger size_px")
        centres[i] = c
        touching[i] = want_touch
        if want_touch:
            touching[j] = True
        placed += 1

    sub = 4
    img = np.zeros((size_px * sub, size_px * sub))
    for (cy, cx), r in zip(centres * sub + (sub - 1) / 2, r_px * sub):
        y0, y1 = int(max(cy - r - 1, 0)), int(min(cy + r + 2, img.shape[0]))
        x0, x1 = int(max(cx - r - 1, 0)), int(min(cx + r + 2, img.shape[1]))
        yy, xx = np.mgrid[y0:y1, x0:x1]
        rho2 = ((yy - cy) ** 2 + (xx - cx) ** 2) / r**2
        inside = rho2 < 1
        val = np.sqrt(np.clip(1 - rho2, 0, 1)) if profile == "sphere" else inside.astype(float)
        # touching particles do not overlap in projection beyond their contact point
        img[y0:y1, x0:x1] = np.maximum(img[y0:y1, x0:x1], np.where(inside, val, 0))
    img = img.reshape(size_px, sub, size_px, sub).mean(axis=(1, 3))
    if psf_px > 0:
        from scipy.ndimage import gaussian_filter

        img = gaussian_filter(img, psf_px)
    yy, xx = np.mgrid[0:size_px, 0:size_px] / size_px
    bg = 0.5 + background_tilt * (0.6 * xx + 0.4 * yy - 0.5)
    img = bg + (img if contrast == "bright" else -img) * 1.0
    img = img + rng.normal(0, noise, img.shape)
    return SimulatedTEM(img, d_nm, centres, float(pixel_nm), touching)
