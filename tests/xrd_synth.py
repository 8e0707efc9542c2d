"""Detector images for the XRD front-end tests, rendered with numpy from a pyFAI geometry.

Independent of dackit's own simulator: the 2θ of each pixel comes from pyFAI's
``twoThetaArray`` of the geometry, rings are Gaussians in 2θ, single-crystal spots small 2D
Gaussians in pixel space and zingers single hot pixels.
"""
import numpy as np

from dackit.xrd.geometry import Geometry

SHAPE = (300, 320)


def geometry(shape=SHAPE):
    return Geometry(dist_m=0.12, poni1_m=148.3 * 172e-6, poni2_m=161.6 * 172e-6, rot1=0.008, rot2=-0.004,
                    wavelength_a=0.4066, pixel1_m=172e-6, pixel2_m=172e-6, shape=shape)


#: (2θ in degrees, peak counts, Gaussian σ in degrees)
RINGS = [(4.5, 800.0, 0.035), (6.2, 400.0, 0.035), (8.1, 1200.0, 0.04), (10.3, 300.0, 0.04),
         (12.0, 600.0, 0.045)]


def ring_image(geom=None, rings=RINGS, background=40.0, azimuth_weight=None):
    """Noise-free expected counts: rings on a background falling off with 2θ.

    ``azimuth_weight(chi_rad)`` multiplies each ring's intensity (texture) when given.
    """
    geom = geom or geometry()
    ai = geom.azimuthal_integrator()
    tth = np.degrees(ai.center_array(geom.shape, unit="2th_rad"))
    img = background * np.exp(-tth / 20.0)
    chi = ai.center_array(geom.shape, unit="chi_rad") if azimuth_weight is not None else None
    for centre, height, width in rings:
        ring = height * np.exp(-0.5 * ((tth - centre) / width) ** 2)
        img = img + (ring * azimuth_weight(chi) if chi is not None else ring)
    return img


def add_spots(img, rng, n=25, height=30000.0, sigma_px=1.2):
    out = img.copy()
    rows, cols = np.indices(img.shape)
    for _ in range(n):
        r0, c0 = rng.uniform(5, img.shape[0] - 5), rng.uniform(5, img.shape[1] - 5)
        box = (np.abs(rows - r0) < 6) & (np.abs(cols - c0) < 6)
        out[box] += height * rng.uniform(0.3, 1.0) * np.exp(
            -0.5 * ((rows[box] - r0) ** 2 + (cols[box] - c0) ** 2) / sigma_px**2)
    return out


def add_zingers(img, rng, n=300, low=5000.0, high=60000.0):
    out = img.copy()
    flat = out.reshape(-1)
    idx = rng.choice(flat.size, n, replace=False)
    flat[idx] += rng.uniform(low, high, n)
    return out
