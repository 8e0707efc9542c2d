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
    """

    def __init__(self, geometry, *, shape=None, mask=None, bins=None, unit="2th_deg",
                 method=("full", "csr", "cython"), polarization=None, flip_ud=False,
                 radial_range=None, azimuth_range=None, dummy=None, saturation=None):
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
        self.geometry = geometry
        self.unit = unit
        self.method = tuple(method) if not isinstance(method, str) else method
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
        # the calibrated (unflipped) frame, as Dioptas counts it
        self.bins = self._bins_arg or default_bins(self.geometry.with_shape(shape), shape)
        self.shape = shape
        self._ai = ai
        self._kwargs = dict(unit=UNITS[self.unit], method=self.method,
                            polarization_factor=self.polarization,
                            radial_range=self.radial_range, azimuth_range=self.azimuth_range,
                            dummy=self._dummy, delta_dummy=self._delta_dummy,
                            error_model="poisson")
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

    @property
    def azimuthal_integrator(self):
        """The underlying pyFAI integrator (None until the shape is known)."""
        return self._ai

    def integrate(self, image, *, source="") -> Pattern:
        """Integrate one frame into a :class:`~dackit.core.pattern.Pattern` with Poisson σ."""
        image = np.asarray(image)
        if self._ai is None:
            if image.ndim != 2:
                raise InputError(f"{where(source)}expected a 2D image, got shape {image.shape}")
            self._setup(image.shape)
        if image.shape != self.shape:
            raise InputError(f"{where(source)}" + self._shape_message(image.shape, self.shape)
                             .removeprefix(self._pre))
        if self.saturation is not None and image.max() >= self.saturation:
            image = np.where(image >= self.saturation, self._replacement, image)
        res = self._ai.integrate1d(image, self.bins, **self._kwargs)
        return make_pattern(res.radial, res.intensity, axis=self.unit,
                            wavelength_a=self.geometry.wavelength_a, sigma=res.sigma,
                            metadata=self.metadata, source=str(source))


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
