"""The q unit of a curve that does not name it, from the detector geometry its header states.

An integrated SAXS curve whose header gives the wavelength, the pixel size and the
sample-to-detector distance (BioXTAS RAW 2.x writes all three in its JSON footer, titling the
column only ``Q``) says its own unit: integrators bin q at about one bin per pixel, so the
file's q step, read as Å⁻¹, is the q of one pixel when the unit is Å⁻¹, and a tenth of it when
the unit is nm⁻¹. On a flat detector normal to the beam, r = L tan 2θ, so one pixel p spans

    δq = (2π/λ) cos θ cos² 2θ · p / L        (q = 4π sin θ / λ)

Only a close match decides (one bin per pixel within 25 %): a curve oversampled ten times in
nm⁻¹ would look like one bin per pixel in Å⁻¹, so anything else leaves the unit unstated.
"""
from __future__ import annotations

import re

import numpy as np

from dackit.errors import InputError
from dackit.io.patterns import _NUMBER, _wavelength_from_text

#: one bin per pixel within this factor decides Å⁻¹; a file in nm⁻¹ would have to be
#: oversampled 8-12.5 bins per pixel to pass (integrators' defaults bin at about one)
BINS_PER_PIXEL_TOL = 1.25

_LENGTH_M = {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "um": 1e-6, "µm": 1e-6, "micron": 1e-6, "microns": 1e-6}
_UNIT = r"(m|cm|mm|um|µm|microns?)"


def _length_m(key_unit: str | None, value: float, after_unit: str | None, small_unit: float,
              large_unit: float, threshold: float) -> float:
    """A length in metres from its stated unit, or from its size when none is stated."""
    unit = (after_unit or key_unit or "").lower()
    if unit in _LENGTH_M:
        return value * _LENGTH_M[unit]
    return value * (large_unit if value >= threshold else small_unit)


def _header_length(text: str, key: str, small_unit: float, large_unit: float,
                   threshold: float) -> list[float]:
    found = []
    # the unit after the value is looked for on its own line only: a next line starting
    # with 'm' is not the metre
    for m in re.finditer(rf"^[^\n:=]*?{key}[^\n:=]*?(?:[(\[][ \t]*{_UNIT}[ \t]*[)\]])?[ \t]*[:=][ \t]*({_NUMBER})"
                         rf"(?:[ \t]*[,;]?[ \t]*{_UNIT}\b)?", text, re.I | re.M):
        found.append(_length_m(m.group(1), float(m.group(2)), m.group(3), small_unit, large_unit, threshold))
    return found


def header_geometry(header: list[str]) -> tuple[float, float, float] | None:
    """Wavelength (Å), pixel size (m) and sample-to-detector distance (m) stated by a header,
    or None when one is missing or the pixel sizes disagree.

    Units are read from the key or after the value; without one, a pixel size ≥ 1 is in µm
    (RAW: 75.0), else in m (pyFAI: 7.5e-05), and a distance ≥ 50 is in mm, else in m.

    Parameters
    ----------
    header : list of str
        The file's comment lines (quotes of a JSON block are ignored).

    Examples
    --------
    >>> header_geometry(['"Detector_X_Pixel_Size": 75.0,', '"Sample-to-detector distance (mm)": 1644.7,',
    ...                  '"Wavelength (A)": 0.928964'])
    (0.928964, 7.5e-05, 1.6447)
    """
    text = "\n".join(line.replace('"', "").replace("'", "") for line in header)
    try:
        wavelength = _wavelength_from_text(text, "")
    except InputError:
        return None
    pixels = _header_length(text, r"pixel[ _-]?size", 1.0, 1e-6, 1.0)
    distances = _header_length(text, r"(?:sample[ _-]?to[ _-]?detector|detector[ _-]?distance|distance)",
                               1.0, 1e-3, 50.0)
    if wavelength is None or not pixels or len(set(distances)) != 1:
        return None
    if max(pixels) > 1.01 * min(pixels):  # non-square pixels: the step depends on direction
        return None
    return wavelength, pixels[0], distances[0]


def pixel_q_step(q, wavelength_a: float, pixel_m: float, distance_m: float) -> np.ndarray:
    """q (Å⁻¹) spanned by one pixel at each q, flat detector normal to the beam.

    Parameters
    ----------
    q : array_like
        Scattering vector in Å⁻¹.
    wavelength_a : float
        Wavelength in Å.
    pixel_m, distance_m : float
        Pixel size and sample-to-detector distance in metres.

    Examples
    --------
    >>> round(float(pixel_q_step(0.05, 0.928964, 75e-6, 1.6447)), 7)
    0.0003084
    """
    q = np.asarray(q, dtype=float)
    theta = np.arcsin(np.clip(q * wavelength_a / (4 * np.pi), 0.0, 1.0))
    return 2 * np.pi / wavelength_a * np.cos(theta) * np.cos(2 * theta) ** 2 * pixel_m / distance_m


def q_unit_from_pixel_step(header: list[str], q) -> str | None:
    """A reader note when the header's geometry shows that an unlabelled q column is in Å⁻¹
    (one bin per pixel); None when the header states no geometry or the step does not decide.

    Parameters
    ----------
    header : list of str
        The file's comment lines.
    q : array_like
        The q column as read (Å⁻¹ assumed), increasing.
    """
    geometry = header_geometry(header)
    q = np.asarray(q, dtype=float)
    if geometry is None or q.size < 20:
        return None
    steps = np.diff(q)
    step = float(np.median(steps))
    # log-spaced or merged bins change the step along the curve: no single bins-per-pixel
    if step <= 0 or np.percentile(steps, 90) > 1.1 * np.percentile(steps, 10):
        return None
    wavelength, pixel, distance = geometry
    one_pixel = float(np.median(pixel_q_step(q, wavelength, pixel, distance)))
    ratio = step / one_pixel
    if not 1 / BINS_PER_PIXEL_TOL <= ratio <= BINS_PER_PIXEL_TOL:
        return None
    return (f"the file does not name the q unit; its header's geometry (λ {wavelength:g} Å, pixel "
            f"{pixel * 1e6:g} µm, distance {distance * 1e3:g} mm) puts one pixel at {one_pixel:.3g} Å⁻¹ "
            f"and its q step is {step:.3g}: read as Å⁻¹ (in nm⁻¹ it would be {10 / ratio:.0f} bins per pixel)")
