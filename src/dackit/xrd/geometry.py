"""Detector geometry of an X-ray diffraction set-up: a frozen wrapper around a pyFAI PONI.

A :class:`Geometry` holds what a PONI file holds — sample–detector distance, point of
normal incidence (PONI), three rotations, X-ray wavelength and the detector (pyFAI name,
pixel sizes, shape, orientation) — in explicit units (metres, radians, Å). pyFAI does the
geometry itself: :meth:`Geometry.azimuthal_integrator` builds its integrator.

PONI files of every version are read with pyFAI's own parser (:class:`pyFAI.io.ponifile.PoniFile`):
v1 (``PixelSize1/2`` lines), v2 (``Detector_config`` JSON) and v2.1 (detector orientation).

>>> g = Geometry(dist_m=0.2, poni1_m=0.1, poni2_m=0.1, wavelength_a=0.4066,
...              pixel1_m=172e-6, pixel2_m=172e-6, shape=(1043, 981))
>>> round(g.pixel_angle_deg, 4)
0.0493
>>> g.flipped_ud().orientation
2
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from dackit.errors import InputError, where

#: pyFAI detector orientations (origin corner of pixel (0, 0)): 1 top-left, 2 top-right,
#: 3 bottom-right (pyFAI's default, what PONI files before v2.1 mean), 4 bottom-left.
#: Flipping an image upside down (``np.flipud``) swaps 3↔2 and 4↔1.
_FLIP_UD = {1: 4, 2: 3, 3: 2, 4: 1}

# Plausible ranges used to catch values written in the wrong unit.
# 0.05 Å (248 keV, beyond the hardest diffraction beamlines) … 10 Å (1.2 keV): a wavelength
# in nm by mistake (0.04066 for 0.4066 Å) falls below the range for every λ under 0.5 Å.
_WAVELENGTH_A = (0.05, 10.0)
_DIST_M = (1e-3, 20.0)
_PIXEL_M = (1e-7, 0.05)


@dataclass(frozen=True, kw_only=True)
class Geometry:
    """Calibrated geometry of one detector (pyFAI convention, see its PONI documentation).

    Attributes
    ----------
    dist_m : float
        Sample to PONI distance (m).
    poni1_m, poni2_m : float
        Point of normal incidence on the detector, along the slow (row) and fast (column)
        axes (m).
    rot1, rot2, rot3 : float
        Detector rotations (rad), pyFAI convention.
    wavelength_a : float
        X-ray wavelength (Å).
    detector : str
        pyFAI detector name (``"Detector"`` for a generic one defined by pixel sizes,
        ``"Pilatus1M"``, ``"Perkin"``, ...).
    pixel1_m, pixel2_m : float or None
        Pixel size along rows / columns (m); None lets a named detector use its own.
    shape : tuple of int or None
        Image shape (rows, columns) when known.
    orientation : int
        pyFAI detector orientation 1–4 (3 = pyFAI default, used by PONI files < v2.1).
    splinefile : str or None
        Distortion spline of old image-plate/CCD detectors.
    source : str
        PONI file it was read from.
    """

    dist_m: float
    poni1_m: float
    poni2_m: float
    rot1: float = 0.0
    rot2: float = 0.0
    rot3: float = 0.0
    wavelength_a: float
    detector: str = "Detector"
    pixel1_m: float | None = None
    pixel2_m: float | None = None
    shape: tuple[int, int] | None = None
    orientation: int = 3
    splinefile: str | None = None
    source: str = ""

    def __post_init__(self):
        pre = where(self.source)
        for name in ("dist_m", "poni1_m", "poni2_m", "rot1", "rot2", "rot3", "wavelength_a"):
            value = getattr(self, name)
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise InputError(f"{pre}geometry value {name}={value!r} is not a number") from None
            if not math.isfinite(value):
                raise InputError(f"{pre}geometry value {name}={value!r} is not finite")
            object.__setattr__(self, name, value)
        lo, hi = _WAVELENGTH_A
        if not lo < self.wavelength_a < hi:
            hint = ""
            if self.wavelength_a < 1e-6:
                hint = f" (it looks like metres: {self.wavelength_a * 1e10:.6g} Å?)"
            elif self.wavelength_a < lo:
                hint = f" (it looks like nm: {self.wavelength_a * 10:.6g} Å?)"
            elif self.wavelength_a > hi:
                hint = " (keV or pm by mistake?)"
            raise InputError(f"{pre}X-ray wavelength {self.wavelength_a:g} Å is implausible{hint}; "
                             f"give it in Å, between {lo} and {hi}")
        lo, hi = _DIST_M
        if not lo < self.dist_m < hi:
            hint = " (millimetres by mistake?)" if self.dist_m >= hi else ""
            raise InputError(f"{pre}sample-detector distance {self.dist_m:g} m is implausible{hint}; "
                             "PONI distances are in metres (e.g. 0.2)")
        for name in ("pixel1_m", "pixel2_m"):
            value = getattr(self, name)
            if value is None:
                continue
            value = float(value)
            if not _PIXEL_M[0] < value < _PIXEL_M[1]:
                raise InputError(f"{pre}pixel size {name}={value:g} m is implausible; "
                                 "pixel sizes are in metres (e.g. 172e-6)")
            object.__setattr__(self, name, value)
        if self.detector == "Detector" and (self.pixel1_m is None or self.pixel2_m is None):
            raise InputError(f"{pre}a generic detector needs both pixel sizes "
                             "(PixelSize1/PixelSize2 in a v1 PONI, pixel1/pixel2 in Detector_config)")
        if self.shape is not None:
            shape = tuple(int(n) for n in self.shape)
            if len(shape) != 2 or min(shape) < 1:
                raise InputError(f"{pre}detector shape {self.shape} is not (rows, columns)")
            object.__setattr__(self, "shape", shape)
        orientation = int(self.orientation) or 3  # pyFAI reads 0 ("unspecified") as 3
        if orientation not in _FLIP_UD:
            raise InputError(f"{pre}detector orientation {self.orientation} is not 1, 2, 3 or 4")
        object.__setattr__(self, "orientation", orientation)

    # -- derived -----------------------------------------------------------------------

    @property
    def pixel_angle_deg(self) -> float:
        """Angle (degrees) one pixel subtends at normal incidence: atan(pixel / distance)."""
        if self.pixel1_m is None or self.pixel2_m is None:
            det = self._pyfai_detector()
            p1, p2 = det.pixel1, det.pixel2
        else:
            p1, p2 = self.pixel1_m, self.pixel2_m
        return math.degrees(math.atan(min(p1, p2) / self.dist_m))

    def with_shape(self, shape) -> Geometry:
        """The same geometry with the image shape set."""
        # __post_init__ rejects a shape that is not (rows, columns)
        return dataclasses.replace(self, shape=cast(tuple[int, int], tuple(int(n) for n in shape)))

    def flipped_ud(self) -> Geometry:
        """Geometry for the image as stored when this PONI was calibrated on it flipped upside down.

        Dioptas before 0.6 showed (and calibrated) images flipped vertically and wrote PONI
        files without orientation. Integrating ``np.flipud(image)`` with the old PONI is
        the same as integrating ``image`` with the detector origin moved to the other
        vertical corner (orientation 3 ↔ 2, 4 ↔ 1) — which costs nothing per frame. This
        is the same change Dioptas makes when it converts old PONI files to v2.1.
        """
        if self.shape is None and self._pyfai_detector().max_shape is None:
            raise InputError(f"{where(self.source)}flipping needs the detector shape; "
                             "give the image shape (Geometry.with_shape)")
        return dataclasses.replace(self, orientation=_FLIP_UD[self.orientation])

    def to_dict(self) -> dict:
        """Plain dict (JSON-ready) of every field."""
        out = dataclasses.asdict(self)
        out["shape"] = None if self.shape is None else list(self.shape)
        return out

    # -- pyFAI -------------------------------------------------------------------------

    def _pyfai_detector(self):
        from pyFAI import detectors

        pre = where(self.source)
        if self.detector == "Detector":
            try:
                return detectors.Detector(pixel1=self.pixel1_m, pixel2=self.pixel2_m,
                                          splinefile=self.splinefile, max_shape=self.shape,
                                          orientation=self.orientation)
            except (OSError, ValueError, RuntimeError) as exc:
                raise InputError(f"{pre}cannot build the detector ({exc}); "
                                 "check the spline file") from None
        config = {"orientation": self.orientation}
        try:
            det = detectors.detector_factory(self.detector, config)
        except (RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{pre}unknown pyFAI detector {self.detector!r} ({exc}); "
                             "use a pyFAI detector name or 'Detector' with pixel sizes") from None
        if self.pixel1_m is not None and det.force_pixel is False:
            det.pixel1, det.pixel2 = self.pixel1_m, self.pixel2_m
        return det

    def azimuthal_integrator(self):
        """A new :class:`pyFAI.integrator.azimuthal.AzimuthalIntegrator` for this geometry."""
        from pyFAI.integrator.azimuthal import AzimuthalIntegrator

        return AzimuthalIntegrator(dist=self.dist_m, poni1=self.poni1_m, poni2=self.poni2_m,
                                   rot1=self.rot1, rot2=self.rot2, rot3=self.rot3,
                                   wavelength=self.wavelength_a * 1e-10,
                                   detector=self._pyfai_detector())


def _float_or_none(value):
    return None if value is None else float(value)


def _quiet_ponifile(PoniFile, path):
    """pyFAI logs a full traceback (logger.error(..., exc_info)) for a damaged Detector_config
    before raising; the user must see dackit's one-line message only."""
    import logging
    import warnings

    loggers = [logging.getLogger(name) for name in ("pyFAI", "pyFAI.detectors", "pyFAI.io")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.CRITICAL + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return PoniFile(str(path))
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


_CALIBRATE_HINT = ("make a PONI from the calibrant image with dackit xrd calibrate IMAGE --calibrant NAME "
                   "--wavelength {wl} --distance-mm {dist} --pixel-um SIZE (or --detector NAME) "
                   "--out cal.poni (or save one from pyFAI-calib2 or Dioptas), then give --poni cal.poni")


def _imctrl_values(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


def foreign_calibration(text: str) -> str | None:
    """What to do with a detector calibration that is not a PONI, or None for anything else.

    GSAS-II image controls (``.imctrl``) and Fit2D geometries describe the same detector
    with other parameters (beam centre, tilt and tilt-plane rotation instead of PONI and
    three rotations). They are not converted: an ``.imctrl`` holds no pixel size (GSAS-II
    takes it, and sometimes an up–down flip, from its own image readers), so a conversion
    could put every ring at a wrong 2θ without any sign of it. The message quotes the
    wavelength and distance the file gives, to start a calibration with.

    Parameters
    ----------
    text : str
        The calibration file's text.

    Examples
    --------
    >>> "GSAS-II image controls" in foreign_calibration(
    ...     "wavelength:0.2416\\ndistance:800.0\\ncenter:[207.2, 204.7]\\ntilt:-0.2\\nrotation:3.4\\n")
    True
    >>> foreign_calibration("Distance: 0.2\\nPoni1: 0.1\\n") is None
    True
    """
    lower = text.lower()
    from dackit.io.signatures import IMCTRL_KEYS

    values = _imctrl_values(text)
    if all(k in values for k in IMCTRL_KEYS) and "poni1" not in values:
        hint = _CALIBRATE_HINT.format(wl=values["wavelength"], dist=values["distance"])
        return ("this is a GSAS-II image controls file (.imctrl: distance "
                f"{values['distance']} mm, beam centre {values['center']} mm, tilt {values['tilt']}°, "
                f"wavelength {values['wavelength']} Å), not a pyFAI PONI; dackit does not convert it "
                "(it holds no pixel size, and GSAS-II's image axes depend on its image reader): "
                + hint)
    fit2d = ("tiltplanrotation" in lower or "tilt plane" in lower or "tilt rotation" in lower
             or "directdist" in lower or "beam centre" in lower or "beam center" in lower)
    if fit2d and "tilt" in lower and "poni1" not in lower:
        return ("this looks like a Fit2D geometry (beam centre, tilt, tilt-plane rotation), not a "
                "pyFAI PONI; dackit does not read Fit2D geometries: convert it with pyFAI "
                "(pyFAI.geometry.Geometry.setFit2D, then save the PONI) or "
                + _CALIBRATE_HINT.format(wl="WAVELENGTH", dist="DISTANCE"))
    return None


def read_poni(path) -> Geometry:
    """Read a pyFAI/Dioptas PONI file (v1, v2, v2.1, v3) into a :class:`Geometry`.

    Distances in the file are metres, the wavelength is metres (converted to Å here).
    A missing file, a missing key (distance, PONI, rotations, wavelength, pixel size)
    or a value in the wrong unit is an :class:`~dackit.errors.InputError`.

    Parameters
    ----------
    path : str or Path
        The PONI file.

    Examples
    --------
    >>> from pathlib import Path; import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.poni"
    >>> _ = p.write_text("PixelSize1: 1e-4\\nPixelSize2: 1e-4\\nDistance: 0.2\\nPoni1: 0.1\\n"
    ...                  "Poni2: 0.1\\nRot1: 0\\nRot2: 0\\nRot3: 0\\nWavelength: 4e-11\\n")
    >>> read_poni(p).wavelength_a
    0.4
    """
    from pyFAI.io.ponifile import PoniFile

    from dackit.io.guard import text_file

    path = Path(path)
    pre = where(path)
    text_file(path, "PONI file")
    try:
        text = path.read_text(errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{pre}cannot read the PONI file as text ({exc})") from None
    foreign = foreign_calibration(text)
    if foreign:
        raise InputError(f"{pre}{foreign}")
    keys = {line.split(":", 1)[0].strip().lower() for line in text.splitlines()
            if ":" in line and not line.lstrip().startswith("#")}
    required = {"distance": "Distance", "poni1": "Poni1", "poni2": "Poni2", "rot1": "Rot1",
                "rot2": "Rot2", "rot3": "Rot3", "wavelength": "Wavelength"}
    if "dist" in keys:
        keys.add("distance")
    missing = [label for key, label in required.items() if key not in keys]
    if missing:
        raise InputError(f"{pre}PONI file lacks {', '.join(missing)}; "
                         "re-save the calibration from pyFAI or Dioptas (a wavelength is needed "
                         "to convert pixel positions to 2θ)")
    try:
        poni = _quiet_ponifile(PoniFile, path)
    except Exception as exc:  # noqa: BLE001 - pyFAI raises anything for a damaged file
        raise InputError(f"{pre}malformed PONI file ({type(exc).__name__}: {exc})") from None
    det = poni.detector
    name = det.__class__.__name__ if det is not None else "Detector"
    pixel1 = _float_or_none(getattr(det, "pixel1", None))
    pixel2 = _float_or_none(getattr(det, "pixel2", None))
    shape = getattr(det, "max_shape", None)
    orientation = int(getattr(det, "orientation", 3) or 3)
    spline = getattr(det, "splinefile", None) or None
    if name == "Detector" and (pixel1 is None or pixel2 is None):
        raise InputError(f"{pre}PONI file gives no pixel size (PixelSize1/PixelSize2 or Detector_config)")
    wavelength_m = poni.wavelength
    if wavelength_m is not None and not 1e-12 < wavelength_m < 1e-9:
        raise InputError(f"{pre}Wavelength {wavelength_m:g} is implausible: PONI wavelengths are in "
                         f"metres (0.4066 Å is 4.066e-11); a value of {wavelength_m:g} looks like Å or nm")
    if poni.dist is not None and poni.dist >= _DIST_M[1]:
        raise InputError(f"{pre}Distance {poni.dist:g} is implausible: PONI distances are in metres "
                         "(200 mm is 0.2)")
    return Geometry(dist_m=poni.dist, poni1_m=poni.poni1, poni2_m=poni.poni2,
                    rot1=poni.rot1, rot2=poni.rot2, rot3=poni.rot3,
                    wavelength_a=float(f"{wavelength_m * 1e10:.12g}"), detector=name,
                    pixel1_m=pixel1, pixel2_m=pixel2,
                    # __post_init__ rejects a shape that is not (rows, columns)
                    shape=None if shape is None else cast(tuple[int, int], tuple(int(n) for n in shape)),
                    orientation=orientation, splinefile=spline, source=str(path))


def write_poni(geometry: Geometry, path) -> Path:
    """Write ``geometry`` as a PONI v2.1 file (with detector orientation), pyFAI's writer.

    Returns the path written. ``read_poni(write_poni(g, p))`` gives ``g`` back.

    Parameters
    ----------
    geometry : Geometry
        The geometry to write.
    path : str or Path
        Output file.
    """
    from pyFAI.io.ponifile import PoniFile

    path = Path(path)
    poni = PoniFile(geometry.azimuthal_integrator())
    try:
        with path.open("w") as fd:
            poni.write(fd)
    except OSError as exc:
        raise InputError(f"{where(path)}cannot write the PONI file ({exc})") from None
    return path
