"""Azimuthal integration of detector images into 1D patterns (pyFAI).

An :class:`Integrator` is built once per geometry, image shape and mask — pyFAI's
expensive step, the sparse pixel-splitting matrix, happens on its first frame — and then
integrates any number of frames with nothing but pyFAI's own work per frame.

Masking
-------
* **static** (set once): the user mask (array or file, nonzero = masked), the detector's
  own mask when pyFAI knows one (module gaps of a named Pilatus/Eiger), the 2θ and
  azimuth ranges;
* **per frame, inside pyFAI's preprocessing** (no extra pass over the image):
  negative pixels (Pilatus/Eiger gaps −1, bad pixels −2, any value ≤ −0.5 down to −2²¹)
  or, when ``dummy`` is given, exactly the pixels equal to ``dummy``;
* **saturation**: pixels at or above ``saturation`` counts (one reduction per frame, and a
  copy only of frames that hold such pixels);
* **hot pixels**: :func:`hot_pixel_mask` finds isolated outliers on a frame (a pixel far
  above all its neighbours) for the static mask.

Default number of bins (:func:`default_bins`): Dioptas' own rule (about two bins per pixel
of the beam-centre-to-corner distance), so an image integrated by dackit and by Dioptas with
the same calibration gives the same pattern.

>>> from dackit.xrd.geometry import Geometry
>>> from dackit.xrd.simulate import simulate_image
>>> g = Geometry(dist_m=0.2, poni1_m=0.0516, poni2_m=0.0516, wavelength_a=0.4,
...              pixel1_m=172e-6, pixel2_m=172e-6, shape=(600, 600))
>>> img = simulate_image([(8.0, 500.0, 0.1)], g, seed=1)
>>> pattern = Integrator(g).integrate(img)
>>> abs(float(pattern.x[pattern.intensity.argmax()]) - 8.0) < g.pixel_angle_deg
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dackit.core.pattern import Pattern, make_pattern
from dackit.errors import InputError, where
from dackit.xrd.geometry import Geometry, read_poni

#: dackit pattern axis → pyFAI unit name
UNITS = {"2th_deg": "2th_deg", "q_A^-1": "q_A^-1"}

# Negative pixels are masked by pyFAI's dummy test |v − dummy| ≤ delta_dummy with a band
# [−2²¹, −0.5]: float32 resolves 0.125 at 2²⁰, so the band edge sits at −0.5 ± 0.125.
_NEG_DUMMY = -float(2 ** 20)
_NEG_DELTA = float(2 ** 20) - 0.5


#: Dioptas' oversampling of the beam-centre-to-corner distance (``max_dist_factor=2`` in
#: ``CalibrationModel.integrate_1d``, Dioptas/Dioptas ``dioptas/model/CalibrationModel.py``,
#: commit 82adbfab, v0.7.1).
DIOPTAS_BIN_FACTOR = 2.0


def default_bins(geometry: Geometry, shape=None) -> int:
    """Number of bins as Dioptas chooses it, so the same image gives the same pattern.

    Dioptas (``CalibrationModel.calculate_number_of_pattern_points(img_shape, 2)``,
    Dioptas/Dioptas ``dioptas/model/CalibrationModel.py`` at commit 82adbfab, v0.7.1) takes the
    Fit2D beam centre (centerX, centerY) of the calibration, the larger distance from it to
    either image edge along each axis — pairing, as its code does, the first array dimension
    (rows) with centerX and the second with centerY; a centre outside the image counts the
    whole dimension — and returns ``int(2 × √(side1² + side2²))``: about two bins per pixel of
    the longest radius. Computed on the geometry as calibrated (before any ``flip_ud``), which
    is the frame Dioptas integrates in.

    Parameters
    ----------
    geometry : Geometry
        The detector geometry.
    shape : tuple of int, optional
        Image (rows, columns); the geometry's detector shape when None.

    Examples
    --------
    >>> from dackit.xrd.geometry import Geometry
    >>> g = Geometry(dist_m=0.2, poni1_m=0.0516, poni2_m=0.0516, wavelength_a=0.4,
    ...              pixel1_m=172e-6, pixel2_m=172e-6, shape=(600, 600))
    >>> default_bins(g)      # centre (300, 300): 2 × √(300² + 300²)
    848
    """
    shape = tuple(shape or geometry.shape or ())
    if len(shape) != 2:
        raise InputError(f"{where(geometry.source)}the image shape is needed to choose the number of bins")
    ai = geometry.with_shape(shape).azimuthal_integrator()
    fit2d = ai.getFit2D()
    center_x, center_y = fit2d["centerX"], fit2d["centerY"]
    width, height = shape
    side1 = max(abs(width - center_x), center_x) if 0 < center_x < width else width
    side2 = max(abs(height - center_y), center_y) if 0 < center_y < height else height
    return max(10, int(math.hypot(side1, side2) * DIOPTAS_BIN_FACTOR))


def hot_pixel_mask(images, *, nsigma: float = 10.0, ratio: float = 2.0) -> np.ndarray:
    """Hot pixels: True where a pixel towers over all 8 neighbours (in every frame given).

    In one frame a pixel is a spike when it exceeds the brightest of its eight
    neighbours both by more than ``nsigma`` Poisson standard deviations of that
    neighbour (√max(n, 1)) and by a factor ``ratio``. A powder ring about a pixel wide or
    wider always has bright neighbours along the ring, and a spot spread over several
    pixels has too, so neither is a spike. On a detector without point spread (Pilatus),
    a coarse grain can light a single pixel and look exactly like a hot pixel: pass a
    stack of frames (n, rows, cols) — taken at different pressures or sample positions —
    and only pixels that spike in *every* frame, i.e. defects of the detector, are
    returned. Two adjacent hot pixels are not found (use ``saturation`` or a mask file).
    Use the result as (part of) the static ``mask`` of an :class:`Integrator`.

    Parameters
    ----------
    images : array_like
        One frame (rows, cols) or a stack (n, rows, cols); a pixel is hot only when it
        spikes in every frame.
    nsigma : float, default 10.0
        A spike exceeds its brightest neighbour by more than this many Poisson σ of that
        neighbour.
    ratio : float, default 2.0
        ... and by at least this factor.
    """
    from scipy import ndimage

    stack = np.asarray(images, dtype=float)
    if stack.ndim == 2:
        stack = stack[None]
    if stack.ndim != 3 or stack.shape[0] == 0:
        raise InputError(f"images: expected one 2D frame or a stack (n, rows, cols), got shape {stack.shape}")
    ring = np.ones((3, 3), bool)
    ring[1, 1] = False
    hot = np.ones(stack.shape[1:], bool)
    for img in stack:
        brightest = ndimage.maximum_filter(img, footprint=ring, mode="nearest")
        floor = np.clip(brightest, 1.0, None)
        hot &= ((img - brightest) > nsigma * np.sqrt(floor)) & (img > ratio * floor)
    return hot


def _as_mask(mask, shape, pre: str) -> np.ndarray | None:
    if mask is None:
        return None
    if isinstance(mask, (str, Path)):
        from dackit.io.images import read_mask

        return read_mask(mask, shape)
    arr = np.asarray(mask)
    if arr.shape != tuple(shape):
        raise InputError(f"{pre}mask has shape {arr.shape} but the images have shape {tuple(shape)}")
    return arr != 0


class Integrator:
    """pyFAI azimuthal integration of many frames with one set-up.

    Parameters
    ----------
    geometry : Geometry or path of a PONI file
    shape : (rows, columns), optional
        Image shape; defaults to the geometry's detector shape, else the first frame's.
    mask : array, path or None
        Static mask, nonzero = masked (any fabio-readable image, a Dioptas ``.mask``, ``.npy``).
        Given in the pixel frame of the image file as stored.
    bins : int, optional
        Number of output points; :func:`default_bins` when omitted.
    unit : ``"2th_deg"`` or ``"q_A^-1"``
    method : pyFAI method (splitting, algorithm, implementation)
        Default full pixel splitting with a CSR sparse matrix, as Dioptas uses.
    polarization : float or None
        pyFAI polarisation factor (−1 … 1; ≈0.99 for horizontally polarised synchrotron
        beams); None applies no correction.
    flip_ud : bool
        The PONI was calibrated on the image flipped upside down (Dioptas before it wrote
        detector orientation). Done by moving the detector origin (no per-frame flip).
    radial_range : (min, max) in ``unit``, optional
    azimuth_range : (min, max) degrees, optional
    dummy : float, optional
        Value of dead pixels; replaces the default rule "negative pixels are masked".
    saturation : float, optional
        Pixels at or above this value are masked, frame by frame.
    solid_angle : bool
        Correct each pixel for the solid angle it subtends (pyFAI ``correctSolidAngle``).
    dark, flat : array or path, optional
        Dark image (subtracted) and flat field (divided by), in the pixel frame of the image
        file. A multi-frame file is averaged frame by frame.
    background : array or path, optional
        Empty-cell (or empty-gasket) image measured with the same detector and dark.
        What is integrated is ``(image − dark − s·(background − dark)) / flat``.
    background_scale : float, optional
        The scale ``s``. None (default): fitted to each image by :func:`fit_background_scale`
        over ``background_region`` (2θ or q range; default the whole pattern with the
        sample's own peaks left out).
    sigma_clip : float, optional
        Use pyFAI's sigma-clipping integrator (``sigma_clip_ng``, ``error_model="azimuthal"``):
        pixels more than this many standard deviations of their ring from the ring mean are
        discarded, iteratively (``sigma_clip_iterations``), so single-crystal (diamond) spots
        and zingers do not reach the pattern. pyFAI's clipping works on unsplit pixels; the
        pixels it discards are then masked and the frame integrated with ``method`` as
        without clipping, so a clean image gives the same pattern either way.
    """

    def __init__(self, geometry, *, shape=None, mask=None, bins=None, unit="2th_deg",
                 method=("full", "csr", "cython"), polarization=None, flip_ud=False,
                 radial_range=None, azimuth_range=None, dummy=None, saturation=None,
                 solid_angle=True, dark=None, flat=None, background=None, background_scale=None,
                 background_region=None, sigma_clip=None, sigma_clip_iterations=5):
        if isinstance(geometry, (str, Path)):
            geometry = read_poni(geometry)
        if not isinstance(geometry, Geometry):
            raise InputError(f"geometry must be a dackit Geometry or a PONI path, got {type(geometry).__name__}")
        self._pre = where(geometry.source)
        if unit not in UNITS:
            raise InputError(f"unit {unit!r} is not supported; use one of {tuple(UNITS)}")
        if polarization is not None and not -1.0 <= float(polarization) <= 1.0:
            raise InputError(f"polarization factor {polarization} must lie between -1 and 1 "
                             "(0.99 for a horizontally polarised synchrotron beam)")
        if bins is not None and int(bins) < 10:
            raise InputError(f"bins={bins}: at least 10 bins are needed")
        for name, rng in (("radial_range", radial_range), ("azimuth_range", azimuth_range)):
            if rng is not None and (len(rng) != 2 or not float(rng[0]) < float(rng[1])):
                raise InputError(f"{name}={rng!r} must be (min, max) with min < max")
        if sigma_clip is not None and not float(sigma_clip) > 0:
            raise InputError(f"sigma_clip={sigma_clip}: give a positive number of standard deviations (e.g. 3)")
        if background_scale is not None and not math.isfinite(float(background_scale)):
            raise InputError(f"background_scale={background_scale} must be a finite number")
        if background_region is not None and (len(background_region) != 2
                                              or not float(background_region[0]) < float(background_region[1])):
            raise InputError(f"background_region={background_region!r} must be (min, max) with min < max")
        self.geometry = geometry
        self.unit = unit
        method = tuple(method) if not isinstance(method, str) else method
        self.sigma_clip = None if sigma_clip is None else float(sigma_clip)
        self.sigma_clip_iterations = int(sigma_clip_iterations)
        self.method = method
        # sigma_clip_ng is written for unsplit pixels: it finds the outliers, the pattern is
        # then integrated with ``method`` without them (same peak shapes as an unclipped run)
        self._clip_method = ("no", "csr", "cython") if isinstance(method, str) else ("no", *method[1:])
        self.solid_angle = bool(solid_angle)
        self._dark_arg, self._flat_arg, self._background_arg = dark, flat, background
        self.background_scale = None if background_scale is None else float(background_scale)
        self.background_region = None if background_region is None else tuple(map(float, background_region))
        self.polarization = None if polarization is None else float(polarization)
        self.flip_ud = bool(flip_ud)
        self.radial_range = None if radial_range is None else tuple(map(float, radial_range))
        self.azimuth_range = None if azimuth_range is None else tuple(map(float, azimuth_range))
        self.saturation = None if saturation is None else float(saturation)
        if dummy is None:
            self._dummy, self._delta_dummy = _NEG_DUMMY, _NEG_DELTA
        else:
            self._dummy, self._delta_dummy = float(dummy), 0.0
        self._replacement = self._dummy if dummy is not None else -1.0
        self._mask_arg = mask
        self._extra_mask: np.ndarray | None = None
        self.last_clipped = 0
        self._bins_arg = None if bins is None else int(bins)
        self.shape = None
        self._ai = None
        shape = shape or geometry.shape
        if shape is not None:
            self._setup(tuple(int(n) for n in shape))

    def _setup(self, shape):
        geometry = self.geometry
        if geometry.shape is not None and tuple(geometry.shape) != shape:
            raise InputError(self._shape_message(shape, geometry.shape))
        geometry = geometry.with_shape(shape)
        if self.flip_ud:
            geometry = geometry.flipped_ud()
        ai = geometry.azimuthal_integrator()
        det_shape = ai.detector.max_shape
        if det_shape is not None and tuple(det_shape) != shape:
            raise InputError(self._shape_message(shape, det_shape))
        mask = _as_mask(self._mask_arg, shape, self._pre)
        if self._extra_mask is not None:
            if self._extra_mask.shape != shape:
                raise InputError(f"{self._pre}the file's pixel mask has shape {self._extra_mask.shape}, "
                                 f"the images {shape}")
            mask = self._extra_mask if mask is None else (mask | self._extra_mask)
        det_mask = ai.detector.mask
        if det_mask is not None:
            det_mask = det_mask != 0
            mask = det_mask if mask is None else (mask | det_mask)
        if mask is not None:
            if mask.all():
                raise InputError(f"{self._pre}the mask covers every pixel")
            # Set on the detector, pyFAI checksums it once instead of on every frame.
            ai.detector.mask = mask.astype(np.int8)
        ai.empty = float("nan")  # bins without pixels → NaN → dropped from the Pattern
        self._dark = _as_reference(self._dark_arg, shape, "dark", self._pre)
        self._flat = _as_reference(self._flat_arg, shape, "flat", self._pre)
        if self._flat is not None and not (np.isfinite(self._flat) & (self._flat > 0)).any():
            raise InputError(f"{self._pre}the flat field has no positive pixel")
        self._background = _as_reference(self._background_arg, shape, "background", self._pre)
        self._background_pattern = None
        # the calibrated (unflipped) frame, as Dioptas counts it
        self.bins = self._bins_arg or default_bins(self.geometry.with_shape(shape), shape)
        self.shape = shape
        self._ai = ai
        self._kwargs = dict(unit=UNITS[self.unit], method=self.method,
                            polarization_factor=self.polarization, correctSolidAngle=self.solid_angle,
                            radial_range=self.radial_range, azimuth_range=self.azimuth_range,
                            dummy=self._dummy, delta_dummy=self._delta_dummy, flat=self._flat)
        self._kwargs["error_model"] = "poisson"
        self._clip_index = None
        if self.sigma_clip is not None:
            self._clip_kwargs = {**self._kwargs, "method": self._clip_method, "error_model": "azimuthal",
                                 "thres": self.sigma_clip, "max_iter": self.sigma_clip_iterations}
            # per-pixel normalisation pyFAI divides by (flat × solid angle × polarisation)
            norm = np.ones(shape, dtype=np.float32)
            if self._flat is not None:
                norm = norm * self._flat.astype(np.float32)
            if self.solid_angle:
                norm = norm * ai.solidAngleArray(shape).astype(np.float32)
            if self.polarization is not None:
                norm = norm * ai.polarization(shape, self.polarization).astype(np.float32)
            self._clip_norm = norm
            self._clip_position = ai.center_array(shape, unit=UNITS[self.unit]).astype(np.float32)
        self.metadata = {
            "geometry": self.geometry.to_dict(),
            "flip_ud": self.flip_ud,
            "bins": self.bins,
            "unit": self.unit,
            "method": list(self.method) if not isinstance(self.method, str) else self.method,
            "polarization_factor": self.polarization,
            "masked_pixels": int(mask.sum()) if mask is not None else 0,
            "mask_file": str(self._mask_arg) if isinstance(self._mask_arg, (str, Path)) else None,
            "radial_range": self.radial_range,
            "azimuth_range": self.azimuth_range,
            "saturation": self.saturation,
            "solid_angle": self.solid_angle,
            "sigma_clip": self.sigma_clip,
            "dark": _reference_name(self._dark_arg),
            "flat": _reference_name(self._flat_arg),
            "background": _reference_name(self._background_arg),
        }

    def _shape_message(self, image_shape, det_shape) -> str:
        hint = ""
        if tuple(det_shape) == tuple(image_shape)[::-1]:
            hint = " (transposed: the image is rotated by 90° relative to the calibration)"
        elif all(d % i == 0 for d, i in zip(det_shape, image_shape)):
            hint = " (the image looks binned; use a PONI calibrated on binned images)"
        return (f"{self._pre}image shape {tuple(image_shape)} differs from the detector shape "
                f"{tuple(det_shape)} of the calibration{hint}; use the PONI of this detector "
                "and binning (--flip-ud only fixes an upside-down image, it keeps the shape)")

    def add_mask(self, mask) -> None:
        """Mask these pixels too (True = masked), e.g. the pixel mask of an Eiger master file.

        The pyFAI set-up is redone only when the mask differs from the one already added.
        """
        mask = np.asarray(mask, dtype=bool)
        if self._extra_mask is not None and np.array_equal(mask, self._extra_mask):
            return
        self._extra_mask = mask
        if self._ai is not None:
            self._setup(self.shape)

    @property
    def azimuthal_integrator(self):
        """The underlying pyFAI integrator (None until the shape is known)."""
        return self._ai

    def _check_frame(self, image, source, n_frames: int = 1):
        image = np.asarray(image)
        if self._ai is None:
            if image.ndim != 2:
                raise InputError(f"{where(source)}expected a 2D image, got shape {image.shape}")
            self._setup(image.shape)
        if image.shape != self.shape:
            raise InputError(f"{where(source)}" + self._shape_message(image.shape, self.shape)
                             .removeprefix(self._pre))
        # a sum of frames had its saturated pixels masked frame by frame (xrd.frames.sum_frames)
        if self.saturation is not None and n_frames == 1 and image.max() >= self.saturation:
            image = np.where(image >= self.saturation, self._replacement, image)
        return image

    def _run(self, image, dark):
        if self.sigma_clip is not None:
            image = self._clipped(image, dark)
        return self._ai.integrate1d(image, self.bins, dark=dark, **self._kwargs)

    def _clipped(self, image, dark):
        """The frame with pyFAI's sigma-clipping outliers replaced by the dead-pixel value.

        ``sigma_clip_ng`` (azimuthal error model) iterates to the mean and standard deviation
        of each ring's pixels without outliers; a pixel whose corrected value lies more than
        ``sigma_clip`` of those standard deviations from its ring's mean is what it discarded
        in its last pass, and is masked here.
        """
        res = self._ai.sigma_clip_ng(image, self.bins, dark=dark, **self._clip_kwargs)
        mean, std = np.asarray(res.intensity), np.asarray(res.std)
        if self._clip_index is None:
            radial = np.asarray(res.radial)
            edges = 0.5 * (radial[1:] + radial[:-1])
            self._clip_index = np.searchsorted(edges, self._clip_position).astype(np.int32)
        value = image - dark if dark is not None else image
        value = value / self._clip_norm
        deviation = np.abs(value - mean[self._clip_index])
        outliers = deviation > self.sigma_clip * std[self._clip_index]  # NaN (empty bin) → False
        self.last_clipped = int(np.count_nonzero(outliers))
        if not self.last_clipped:
            return image
        return np.where(outliers, self._replacement, image)

    def _scaled_dark(self, n_frames: int, scale: float | None):
        """What pyFAI subtracts: n·dark + s·(background − dark) (None when nothing is)."""
        dark = None if self._dark is None else n_frames * self._dark
        if scale is None or self._background is None:
            return dark
        empty = self._background if self._dark is None else self._background - self._dark
        return scale * empty if dark is None else dark + scale * empty

    def background_pattern(self):
        """The background image integrated as the frames are (radial, intensity, σ), cached."""
        if self._background is None:
            return None
        if self._background_pattern is None:
            res = self._run(self._background, self._dark)
            self._background_pattern = (np.asarray(res.radial), np.asarray(res.intensity),
                                        np.asarray(res.sigma))
        return self._background_pattern

    def integrate_arrays(self, image, *, n_frames: int = 1, source=""):
        """One frame (or a sum of ``n_frames`` frames) integrated on the full radial grid.

        Returns ``(radial, intensity, sigma, info)``: arrays of ``bins`` values, NaN in bins
        no pixel reaches (so frames of a series share one grid), and ``info`` a dict with
        ``background_scale``, ``background_scale_err`` and ``doubts`` (reasons to doubt).
        """
        image = self._check_frame(image, source, n_frames)
        info: dict = {"background_scale": None, "background_scale_err": None, "doubts": []}
        scale = None
        if self._background is not None:
            if self.background_scale is not None:
                scale, scale_err = n_frames * self.background_scale, 0.0
            else:
                plain = self._run(image, self._scaled_dark(n_frames, None))
                bx, bi, bs = self.background_pattern()
                fit = fit_background_scale(plain.radial, plain.intensity, plain.sigma, bi, bs,
                                           region=self.background_region, source=source)
                scale, scale_err = fit.scale, fit.scale_err
                info["doubts"].extend(fit.doubts)
            info["background_scale"] = scale / n_frames
            info["background_scale_err"] = scale_err / n_frames
        res = self._run(image, self._scaled_dark(n_frames, scale))
        intensity, sigma = np.asarray(res.intensity), np.asarray(res.sigma)
        if scale is not None:
            info["doubts"].extend(_over_subtraction(intensity, sigma))
        return np.asarray(res.radial), intensity, sigma, info

    def integrate(self, image, *, source="", n_frames: int = 1) -> Pattern:
        """Integrate one frame into a :class:`~dackit.core.pattern.Pattern` with its σ.

        ``n_frames`` > 1 says ``image`` is the sum of that many frames (dark and a fixed
        background scale are then subtracted that many times). The pattern's metadata
        gains ``background_scale`` (per frame) and ``quality_notes`` when a background is used.
        """
        radial, intensity, sigma, info = self.integrate_arrays(image, n_frames=n_frames, source=source)
        metadata = self.metadata
        if self._background is not None:
            metadata = {**metadata, "background_scale": info["background_scale"],
                        "background_scale_err": info["background_scale_err"],
                        "quality_notes": list(info["doubts"])}
        return make_pattern(radial, intensity, axis=self.unit,
                            wavelength_a=self.geometry.wavelength_a, sigma=sigma,
                            metadata=metadata, source=str(source))

    def integrate2d(self, image, *, azimuth_bins: int = 360, radial_bins: int | None = None,
                    source="", n_frames: int = 1):
        """The cake: ``(radial, azimuth_deg, intensity[azimuth, radial], sigma)`` (pyFAI ``integrate2d_ng``).

        Same geometry, mask and corrections as the 1D patterns (a fitted background scale is
        fitted on the 1D pattern; sigma-clipped pixels are left out). Empty bins are NaN.
        """
        image = self._check_frame(image, source, n_frames)
        scale = None
        if self._background is not None:
            scale = (n_frames * self.background_scale if self.background_scale is not None
                     else self.integrate_arrays(image, n_frames=n_frames)[3]["background_scale"] * n_frames)
        dark = self._scaled_dark(n_frames, scale)
        if self.sigma_clip is not None:
            image = self._clipped(image, dark)
        res = self._ai.integrate2d_ng(image, int(radial_bins or self.bins), int(azimuth_bins),
                                      dark=dark, **self._kwargs)
        return (np.asarray(res.radial), np.asarray(res.azimuthal), np.asarray(res.intensity),
                np.asarray(res.sigma))


@dataclass(frozen=True)
class BackgroundScale:
    """A fitted background scale with its standard error and the reasons to doubt it."""

    scale: float
    scale_err: float
    points: int
    doubts: tuple[str, ...] = ()


def fit_background_scale(x, intensity, sigma, bg_intensity, bg_sigma, *, region=None,
                         source="") -> BackgroundScale:
    """Scale ``s`` of an empty-cell background pattern under a sample pattern, by least squares.

    Minimises Σ ((I − s·B) / σ)² with σ² = σ_I² + s²σ_B², over the bins of ``region`` (x range,
    where the user knows the sample does not scatter) or, without one, over all bins from
    which the sample's own scattering is removed iteratively: bins more than 3σ *above*
    s·B (the sample's peaks only ever add to the background) are left out and ``s``
    refitted until the set is stable. That is a lower-envelope fit: a sample with smooth
    scattering of its own everywhere gets a slightly high ``s`` — give ``region`` then.

    Parameters
    ----------
    x, intensity, sigma : arrays
        The sample's pattern on the integrator's grid (NaN in empty bins).
    bg_intensity, bg_sigma : arrays
        The background image's pattern on the same grid.
    region : (min, max), optional
        Range of ``x`` used for the fit.
    source : str
        File name for messages.

    Returns
    -------
    BackgroundScale
        ``scale``, ``scale_err`` (from the fit's covariance), ``points`` used, ``doubts``.

    Examples
    --------
    >>> x = np.linspace(5, 30, 200); bg = 100 + 0 * x; sample = 0.7 * bg
    >>> round(fit_background_scale(x, sample, np.ones(200), bg, np.ones(200)).scale, 3)
    0.7
    """
    from dackit.core.lsq import covariance_from_jacobian

    pre = where(source)
    x, y, sy, b, sb = (np.asarray(a, dtype=float) for a in (x, intensity, sigma, bg_intensity, bg_sigma))
    use = np.isfinite(y) & np.isfinite(b) & np.isfinite(sy) & np.isfinite(sb) & (b > 0)
    if region is not None:
        use &= (x >= region[0]) & (x <= region[1])
    if use.sum() < 3:
        where_text = f"in the background region {tuple(region)}" if region is not None else ""
        raise InputError(f"{pre}the background image has fewer than 3 usable bins {where_text}; "
                         "check the background image and --background-region")
    keep = use.copy()
    scale = 0.0
    for _ in range(20):
        w = 1.0 / np.clip(sy[keep] ** 2 + scale**2 * sb[keep] ** 2, 1e-300, None)
        scale = float(np.sum(w * y[keep] * b[keep]) / np.sum(w * b[keep] ** 2))
        if region is not None:
            break
        z = (y - scale * b) / np.sqrt(np.clip(sy**2 + scale**2 * sb**2, 1e-300, None))
        new = use & (z <= 3.0)
        if new.sum() < 3 or np.array_equal(new, keep):
            break
        keep = new
    sig = np.sqrt(sy[keep] ** 2 + scale**2 * sb[keep] ** 2)
    cov = covariance_from_jacobian((b[keep] / sig)[:, None], (y[keep] - scale * b[keep]) / sig)
    scale_err = float(cov.stderr[0])
    doubts = []
    if scale <= 0:
        doubts.append(f"fitted background scale {scale:.3g} is not positive: the background image "
                      "does not match this image (wrong file, or give --background-scale)")
    elif not scale_err < 0.1 * scale:
        doubts.append(f"background scale {scale:.3g} ± {scale_err:.2g} is poorly determined; "
                      "give --background-region where only the cell scatters, or --background-scale")
    if region is None and keep.sum() < 0.2 * use.sum():
        doubts.append(f"only {int(keep.sum())} of {int(use.sum())} bins look like background; "
                      "the fitted background scale may be wrong (give --background-region)")
    return BackgroundScale(scale=scale, scale_err=scale_err, points=int(keep.sum()), doubts=tuple(doubts))


def _over_subtraction(intensity, sigma) -> list[str]:
    """A background subtracted too strongly leaves a negative pattern: say so."""
    ok = np.isfinite(intensity) & np.isfinite(sigma) & (sigma > 0)
    if not ok.any():
        return []
    negative = float(np.mean(intensity[ok] < -3 * sigma[ok]))
    if negative > 0.05:
        return [f"{100 * negative:.0f} % of the pattern lies more than 3σ below zero after the "
                "background subtraction: the background scale is too large"]
    return []


def _reference_name(arg):
    if arg is None:
        return None
    return str(arg) if isinstance(arg, (str, Path)) else "array"


def _as_reference(arg, shape, what: str, pre: str):
    """A dark/flat/background image (array, or a file averaged over its frames) as float64."""
    if arg is None:
        return None
    if isinstance(arg, (str, Path)):
        from dackit.io.frames import mean_image

        data = mean_image(arg)
        label = f"{arg}: "
    else:
        data = np.asarray(arg, dtype=np.float64)
        label = pre
    if data.shape != tuple(shape):
        raise InputError(f"{label}the {what} image has shape {data.shape} but the images have shape "
                         f"{tuple(shape)}; use a {what} taken with the same detector and binning")
    if not np.isfinite(data).all():
        raise InputError(f"{label}the {what} image holds NaN or infinite pixels")
    return data


def integrate_image(image_path, poni_path, *, mask=None, flip_ud=False, bins=None,
                    unit="2th_deg", polarization=None) -> Pattern:
    """Read one image and its PONI file and integrate it: the one-call path.

    For many frames build one :class:`Integrator` and call its ``integrate`` instead.

    Parameters
    ----------
    image_path : str or Path
        Detector image (any fabio-readable format, or ``file.h5::/dataset``).
    poni_path : str or Path
        PONI file of the calibration.
    mask : array_like, str or Path, optional
        Static mask, nonzero = masked (array or mask file).
    flip_ud : bool, default False
        Flip the image up–down first (for calibrations made on the flipped image, as old
        Dioptas did).
    bins : int, optional
        Number of output points; :func:`default_bins` when None.
    unit : {"2th_deg", "q_A^-1"}, default '2th_deg'
        Radial unit of the pattern.
    polarization : float, optional
        Polarisation factor for pyFAI's correction (−1 to 1); none when None.
    """
    from dackit.io.images import read_image

    image = read_image(image_path)
    integrator = Integrator(read_poni(poni_path), shape=image.shape, mask=mask, bins=bins,
                            unit=unit, polarization=polarization, flip_ud=flip_ud)
    return integrator.integrate(image, source=str(image_path))


@dataclass(frozen=True)
class IntegrationSettings:
    """Everything that decides how an image becomes a pattern, apart from the geometry.

    The one description of integration choices shared by ``xrd integrate``, ``xrd cake``,
    ``xrd lattice``, ``xrd phases`` and ``dackit run`` (experiment.toml): build it once,
    then :meth:`integrator` for each geometry. Field meanings as in :class:`Integrator`.

    Examples
    --------
    >>> IntegrationSettings(sigma_clip=3.0, polarization=0.99).kwargs()["sigma_clip"]
    3.0
    """

    mask: object = None
    flip_ud: bool = False
    polarization: float | None = None
    solid_angle: bool = True
    saturation: float | None = None
    dark: object = None
    flat: object = None
    background: object = None
    background_scale: float | None = None
    background_region: tuple[float, float] | None = None
    sigma_clip: float | None = None
    azimuth_range: tuple[float, float] | None = None

    def kwargs(self) -> dict:
        """Keyword arguments of :class:`Integrator`."""
        from dataclasses import asdict

        return asdict(self)

    def integrator(self, geometry, **extra) -> Integrator:
        """An :class:`Integrator` for ``geometry`` with these settings (``extra``: bins, unit, shape, …)."""
        return Integrator(geometry, **{**self.kwargs(), **extra})
