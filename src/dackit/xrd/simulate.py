"""Simulated 2D powder-diffraction detector images, through pyFAI's geometry.

Each reflection is a Debye–Scherrer ring: a pseudo-Voigt in 2θ of given height and FWHM,
rendered at the 2θ pyFAI computes for every pixel (so tilts, orientation and pixel size are
exactly those the integrator will undo), on a smooth background, scaled by the pixel's
solid angle and (optionally) the polarisation factor, then Poisson-sampled. Pilatus-like
module gaps can be added as negative dummy pixels.

>>> from dackit.xrd.geometry import Geometry
>>> g = Geometry(dist_m=0.2, poni1_m=0.03, poni2_m=0.03, wavelength_a=0.4,
...              pixel1_m=1e-4, pixel2_m=1e-4, shape=(600, 600))
>>> img = simulate_image([(8.0, 100.0, 0.2)], g, seed=0)
>>> img.shape, bool(img.min() >= 0)
((600, 600), True)
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from dackit.core import units
from dackit.core.lineshapes import pseudo_voigt
from dackit.errors import InputError
from dackit.xrd.geometry import Geometry

#: Pilatus module layout: 195 × 487 pixels, gaps of 17 rows and 7 columns between modules
#: (Dectris PILATUS technical specification; e.g. the 1M is 1043 × 981 = 5×195+4×17 by 2×487+7).
PILATUS_MODULE = (195, 487)
PILATUS_GAP = (17, 7)


def pilatus_gaps(shape) -> np.ndarray:
    """True on the inter-module gaps of a Pilatus-like detector of ``shape``.

    Parameters
    ----------
    shape : tuple of int
        Detector (rows, columns).
    """
    rows, cols = (int(n) for n in shape)
    gap = np.zeros((rows, cols), dtype=bool)
    for axis, (module, width) in enumerate(zip(PILATUS_MODULE, PILATUS_GAP)):
        n = (rows, cols)[axis]
        idx = np.arange(n) % (module + width) >= module
        if axis == 0:
            gap[idx, :] = True
        else:
            gap[:, idx] = True
    return gap


def _reflections(reflections, position, wavelength_a):
    rows = []
    for k, ref in enumerate(reflections):
        try:
            pos, height, fwhm = (float(v) for v in ref)
        except (TypeError, ValueError):
            raise InputError(f"reflection {k}: expected (position, intensity, fwhm_deg), got {ref!r}") from None
        if position == "d_a":
            if pos <= 0:
                raise InputError(f"reflection {k}: d-spacing {pos} Å must be positive")
            pos = float(units.d_to_twotheta(pos, wavelength_a))
            if not np.isfinite(pos):
                continue  # beyond 2θ = 180°: not reachable at this wavelength
        if not 0 < pos < 180:
            raise InputError(f"reflection {k}: 2θ = {pos}° is outside (0, 180)")
        if not fwhm > 0 or height < 0:
            raise InputError(f"reflection {k}: need fwhm_deg > 0 and intensity ≥ 0, got {fwhm}, {height}")
        rows.append((pos, height, fwhm))
    return rows


def simulate_image(reflections: Iterable, geometry: Geometry, *, shape=None,
                   background: float | Callable = 20.0, seed=None, noise: bool = True,
                   eta: float = 0.5, polarization: float | None = None,
                   position: str = "2th_deg", gaps: bool = False) -> np.ndarray:
    """A detector image of powder rings.

    Parameters
    ----------
    reflections : iterable of (position, intensity, fwhm_deg)
        Ring position (2θ in degrees, or d in Å with ``position="d_a"``), peak height in
        counts per pixel at normal incidence, and FWHM in degrees 2θ.
    geometry : Geometry
        Detector geometry (distance, PONI, rotations, pixel size, wavelength).
    shape : (rows, columns), optional
        Defaults to ``geometry.shape``.
    background : float or callable
        Counts per pixel at normal incidence: a constant, or a function of 2θ (degrees).
    seed : int, optional
        Seed of the Poisson noise.
    noise : bool
        Poisson-sample the expected counts (True) or return them (False).
    eta : float
        Lorentzian fraction of the pseudo-Voigt (0 Gaussian … 1 Lorentzian).
    polarization : float, optional
        pyFAI polarisation factor applied to the intensities (integrate with the same
        factor to undo it).
    position : {"2th_deg", "d_a"}
        What the first number of each reflection is: 2θ in degrees, or d in Å.
    gaps : bool
        Set Pilatus-like module gaps (:func:`pilatus_gaps`) to −1, as Dectris detectors do.

    Returns
    -------
    ndarray (rows, columns) of float counts.
    """
    shape = tuple(shape or geometry.shape or ())
    if len(shape) != 2:
        raise InputError("simulate_image: give the image shape (rows, columns)")
    if position not in ("2th_deg", "d_a"):
        raise InputError(f"position={position!r}: use '2th_deg' or 'd_a'")
    if not 0.0 <= eta <= 1.0:
        raise InputError(f"eta={eta} must lie in [0, 1]")
    refs = _reflections(reflections, position, geometry.wavelength_a)
    ai = geometry.with_shape(shape).azimuthal_integrator()
    tth = ai.center_array(shape, unit="2th_deg", scale=True)
    # Render the 1D profile on a grid far finer than any peak, then look it up per pixel:
    # one interpolation over the image instead of one profile evaluation per reflection.
    lo, hi = float(tth.min()), float(tth.max())
    step = min([geometry.pixel_angle_deg / 20] + [f / 40 for _, _, f in refs])
    grid = np.arange(lo - step, hi + 2 * step, step)
    profile = np.zeros_like(grid)
    for pos, height, fwhm in refs:
        profile += pseudo_voigt(grid, height, pos, fwhm, eta)
    if callable(background):
        profile += np.asarray(background(grid), dtype=float)
    else:
        profile += float(background)
    if np.any(profile < 0):
        raise InputError("simulate_image: background is negative somewhere")
    counts = np.interp(tth, grid, profile)
    counts *= ai.solidAngleArray(shape)
    if polarization is not None:
        counts *= ai.polarization(shape, factor=float(polarization))
    if noise:
        rng = np.random.default_rng(seed)
        counts = rng.poisson(counts).astype(float)
    if gaps:
        counts[pilatus_gaps(shape)] = -1.0
    return counts
