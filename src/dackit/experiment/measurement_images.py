"""What to draw for one image measurement: a detector image with its mask and the rings of
the present phases (and of the calibrant, :func:`calibrant_markers`), its cake (2θ ×
azimuth), a TEM image with the outlines of the particles counted.

Shared by ``dackit view`` and any static drawing; it imports neither Panel nor Bokeh. The
geometry, mask and corrections are the run's (the pyFAI integrator of
:mod:`dackit.experiment.analyses`, built from the settings in results.json's provenance);
particles come from :func:`dackit.tem.detect.detect_particles` with the run's settings.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.errors import InputError

#: the longest side of an image as drawn (a screen's worth of pixels)
MAX_SIDE_PX = 512


@dataclass(frozen=True)
class Outline:
    """A closed line on an image, in full-resolution pixel coordinates (``x`` = column,
    ``y`` = row); ``group`` names what it outlines (a phase, "particle")."""

    label: str
    group: str
    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class ImageView:
    """An image to draw: ``image`` sampled every ``step`` pixels (so pixel (i, j) of it is
    pixel (i·step, j·step) of the file), the ``mask`` on the same grid (True = masked, or
    None), and outlines in full-resolution pixels."""

    file: str
    technique: str
    image: np.ndarray
    step: int
    shape: tuple[int, int]
    mask: np.ndarray | None = None
    outlines: tuple[Outline, ...] = ()
    notes: tuple[str, ...] = ()
    #: TEM: the equivalent-circle diameter (nm) of each particle counted
    sizes_nm: np.ndarray | None = None


@dataclass(frozen=True)
class CakeView:
    """The cake of a detector image: ``intensity[azimuth, radial]`` (NaN: no pixel), the
    radial axis (2θ in degrees or q in Å⁻¹, as ``unit`` says) and the azimuth in degrees."""

    file: str
    radial: np.ndarray
    azimuth_deg: np.ndarray
    intensity: np.ndarray
    unit: str


def _step(shape) -> int:
    return max(1, int(np.ceil(max(shape) / MAX_SIDE_PX)))


def _image_and_integrator(path, settings: dict):
    """The image as the run integrated it (a stack: the sum of its frames) and its integrator."""
    from dackit.experiment.analyses import _INTEGRATOR_LOCK, _integrator
    from dackit.io.frames import open_frames
    from dackit.xrd.frames import sum_frames

    if not settings.get("poni") and not settings.get("geometry"):
        raise InputError(f"{path}: no detector geometry in the run's settings (xrd.poni or a calibrant image)")
    with open_frames(str(path)) as src:
        integ = _integrator(str(path), settings, src.shape)
        with _INTEGRATOR_LOCK:
            image = src.frame(0) if src.nframes == 1 else sum_frames(integ, src, range(src.nframes))
    return np.asarray(image, dtype=float), integ


def _contours(field: np.ndarray, level: float, step: int, label: str, group: str) -> list[Outline]:
    from skimage.measure import find_contours

    return [Outline(label, group, c[:, 1] * step, c[:, 0] * step)
            for c in find_contours(field, level) if len(c) > 2]


def detector_view(path, settings: dict, rings=(), *, file: str | None = None) -> ImageView:
    """A detector image with its mask and rings at the given 2θ (or q) positions.

    Parameters
    ----------
    path : str or Path
        The image file.
    settings : dict
        The run's XRD or SAXS settings for this file (``provenance.files[i].method``).
    rings : sequence of Marker
        Positions in the integrator's radial unit (2θ in degrees for XRD, q in Å⁻¹ for SAXS),
        e.g. the phase ticks of :func:`dackit.experiment.measurement.measurement_plot`; each
        becomes the contour of that 2θ (q) on the detector, from the PONI geometry.
    file : str, optional
        The name to show (default: ``path``).

    Returns
    -------
    ImageView
    """
    image, integ = _image_and_integrator(path, settings)
    ai = integ.azimuthal_integrator
    step = _step(image.shape)
    mask = None if ai.detector.mask is None else np.asarray(ai.detector.mask, bool)[::step, ::step]
    outlines: list[Outline] = []
    if rings:
        from dackit.xrd.integrate import UNITS

        # each pixel's centre in the integrator's radial unit, as pyFAI bins it
        radial = np.asarray(ai.center_array(image.shape, unit=UNITS[integ.unit]), float)[::step, ::step]
        lo, hi = float(np.nanmin(radial)), float(np.nanmax(radial))
        for m in rings:
            if lo < m.x < hi:
                outlines += _contours(radial, float(m.x), step, m.label, m.group)
    return ImageView(file=str(file or path), technique="xrd" if integ.unit != "q_A^-1" else "saxs",
                     image=image[::step, ::step], step=step, shape=tuple(image.shape), mask=mask,
                     outlines=tuple(outlines))


def calibrant_markers(settings: dict) -> list:
    """The rings of the calibrant the run's geometry was calibrated with (``xrd.calibrant_image``
    + ``calibrant``), as markers in the run's radial unit: 2θ (°) from pyFAI's calibrant
    d-spacings at the calibration's wavelength (:func:`dackit.xrd.calibrate.calibrant_rings`),
    or q = 4π sin θ / λ (Å⁻¹) for SAXS. None without a calibration in ``settings``.

    Drawn on a detector image (:func:`detector_view`) they show whether the geometry still
    fits: on the calibrant's own image each ring lies on the contour; on a sample they mark
    where the calibrant's rings would be.

    Parameters
    ----------
    settings : dict
        The run's XRD or SAXS settings for a file (``provenance.files[i].method``).

    Returns
    -------
    list of Marker
        One per distinct ring, group ``"calibrant <name>"``; empty without a calibrant.
    """
    from dackit.experiment.measurement import Marker
    from dackit.xrd.calibrate import calibrant_rings

    cal = settings.get("calibration") or {}
    name = cal.get("calibrant") if isinstance(cal, dict) else None
    wavelength = (cal.get("wavelength_a") if isinstance(cal, dict) else None) or settings.get("wavelength_a")
    if not name or not wavelength:
        return []
    tth = calibrant_rings(str(name), float(wavelength))
    group = f"calibrant {name}"
    if settings.get("unit") == "q_A^-1":
        q = 4 * np.pi * np.sin(np.radians(tth) / 2) / float(wavelength)
        return [Marker(float(v), f"{name} ring {i + 1}: q = {v:.4f} Å⁻¹", group) for i, v in enumerate(q)]
    return [Marker(float(v), f"{name} ring {i + 1}: 2θ = {v:.3f}°", group) for i, v in enumerate(tth)]


def cake_view(path, settings: dict, *, azimuth_bins: int = 360, file: str | None = None) -> CakeView:
    """The cake (radial × azimuth) of a detector image with the run's geometry, mask and
    corrections (:meth:`dackit.xrd.integrate.Integrator.integrate2d`).

    Parameters
    ----------
    path : str or Path
        The image file.
    settings : dict
        The run's XRD or SAXS settings for this file.
    azimuth_bins : int, default 360
        Number of azimuthal bins.
    file : str, optional
        The name to show (default: ``path``).

    Returns
    -------
    CakeView
    """
    from dackit.experiment.analyses import _INTEGRATOR_LOCK

    image, integ = _image_and_integrator(path, settings)
    with _INTEGRATOR_LOCK:
        radial, azimuth, intensity, _ = integ.integrate2d(image, azimuth_bins=azimuth_bins, source=str(path))
    return CakeView(file=str(file or path), radial=radial, azimuth_deg=azimuth, intensity=intensity,
                    unit=integ.unit)


def tem_view(path, settings: dict, *, file: str | None = None) -> ImageView:
    """A TEM image with the outline of every particle counted, detected as the run did
    (:func:`dackit.tem.detect.detect_particles` with the run's ``pixel_nm``, ``contrast``
    and ``level``).

    Parameters
    ----------
    path : str or Path
        The image file.
    settings : dict
        The run's TEM settings for this file.
    file : str, optional
        The name to show (default: ``path``).

    Returns
    -------
    ImageView
        ``outlines`` holds one closed line per accepted particle (group "particle"),
        ``sizes_nm`` their diameters.
    """
    from skimage.measure import find_contours, regionprops

    from dackit.tem.detect import detect_particles
    from dackit.tem.io import read_tem_image

    det = detect_particles(read_tem_image(path, pixel_nm=settings.get("pixel_nm"),
                                          scale_bar_nm=settings.get("scale_bar_nm")),
                           contrast=settings.get("contrast", "auto"), level=settings.get("level"))
    image = np.asarray(det.image, float)
    step = _step(image.shape)
    outlines = []
    for region in regionprops(np.asarray(det.labels)):
        r0, c0, _, _ = region.bbox
        padded = np.pad(region.image.astype(float), 1)   # a particle at the border still closes
        for c in find_contours(padded, 0.5):
            outlines.append(Outline(f"particle {region.label}", "particle",
                                    c[:, 1] - 1 + c0, c[:, 0] - 1 + r0))
    return ImageView(file=str(file or path), technique="tem", image=image[::step, ::step], step=step,
                     shape=tuple(image.shape), outlines=tuple(outlines),
                     notes=(f"{det.n} particles counted, pixel {det.pixel_nm:g} nm",),
                     sizes_nm=np.asarray(det.diameters_nm, float))


__all__ = ["CakeView", "ImageView", "Outline", "cake_view", "calibrant_markers", "detector_view", "tem_view"]
