"""Emission colour: CIE chromaticity, dominant wavelength and an sRGB swatch.

For an *emission* spectrum S(λ) (spectral density per nm, background removed) the
tristimulus values are the plain colour-matching-function integrals X = ∫S x̄ dλ, … ; there is
no illuminant (that belongs to reflective objects). colour-science's
``sd_to_XYZ(..., illuminant=None, method="Integration")`` uses the equal-energy illuminant E
(S_E ≡ 1) and a normalisation k, so XYZ ∝ Σ S x̄ Δλ exactly and x, y are the CMF-integral
ratios (checked in tests against a direct numpy sum over colour's CMFs).

Sampling: the spectrum is linearly interpolated onto the 1 nm grid of the CMFs (linear,
not Sprague/cubic, so noise and sharp lines never overshoot into negative light) and set to
zero outside the measured range. No energy Jacobian: the CMFs are per-wavelength.

Negative emission: a spectrum with its baseline removed scatters around zero where there is
no light, and negative light has no colour. Negative values at noise level (at most
:data:`NEGATIVE_SIGMAS` σ of the white noise or :data:`NEGATIVE_PEAK_FRACTION` of the peak deep,
within the CMFs' 360–830 nm, and an X+Y+Z at most :data:`NEGATIVE_XYZ_FRACTION` of the
positive part's) are clipped to zero and the result says so in its ``notes``; anything
deeper is a wrong baseline and a :class:`NegativeEmissionError` (an InputError) naming the
spectrum.

Dominant wavelength uses the equal-energy white point E (x = y = 1/3) by default, the
natural neutral for self-luminous emission normalised with illuminant E; ``white="D65"``
gives the display-white convention. A negative value is colour's convention for a purple
(complementary wavelength).

>>> import numpy as np
>>> wl = np.arange(450.0, 700.0, 0.5)
>>> c = chromaticity_xy(wl, np.exp(-0.5 * ((wl - 619) / 21.7) ** 2))
>>> round(float(c.x), 3), round(float(c.y), 3)
(0.648, 0.351)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.errors import InputError

#: observer name → colour-science CMF table key
OBSERVERS = {
    "CIE 1931 2 Degree Standard Observer": "CIE 1931 2 Degree Standard Observer",
    "cie1931": "CIE 1931 2 Degree Standard Observer",
    "2": "CIE 1931 2 Degree Standard Observer",
    "CIE 1964 10 Degree Standard Observer": "CIE 1964 10 Degree Standard Observer",
    "cie1964": "CIE 1964 10 Degree Standard Observer",
    "10": "CIE 1964 10 Degree Standard Observer",
}

#: negative emission this many white-noise σ deep (or less) is noise; 5σ is reached by
#: Gaussian noise with probability ~3e-7 a point, so seldom in a spectrum of a few thousand
NEGATIVE_SIGMAS = 5.0
#: ... or this fraction of the peak (a detector's dark-count step after a baseline fit)
NEGATIVE_PEAK_FRACTION = 0.02
#: clipping adds the negative part back as light: its X+Y+Z, as a fraction of the positive
#: part's, whitens x, y by about half that fraction (a 620 nm band with white noise: 0.5 % →
#: 0.003, 2.3 % → 0.013 in x). Not clipping is no cure: noise under z̄ or ȳ alone can put x, y
#: outside the spectral locus. Above 2 % (a shift ≈ 0.01) the spectrum is to be fixed instead.
NEGATIVE_XYZ_FRACTION = 0.02

#: white points for the dominant wavelength (CIE 1931 2° chromaticity)
WHITE_POINTS = {"E": (1 / 3, 1 / 3), "D65": (0.3127, 0.3290)}


class NegativeEmissionError(InputError):
    """Emission negative beyond noise (a wrong baseline): it has no colour."""


def cmfs(observer: str = "CIE 1931 2 Degree Standard Observer"):
    """colour-science MultiSpectralDistributions of the observer's CMFs (1 nm, 360–830 nm)."""
    import colour

    key = OBSERVERS.get(observer)
    if key is None:
        raise InputError(f"observer: unknown {observer!r}; use one of {', '.join(OBSERVERS)}")
    return colour.MSDS_CMFS[key]


@dataclass(frozen=True)
class Chromaticity:
    """Chromaticity of one spectrum (scalars) or a series (arrays of length N)."""

    x: np.ndarray
    y: np.ndarray
    XYZ: np.ndarray                     # (…, 3), relative (Y of each spectrum, unnormalised)
    dominant_wavelength_nm: np.ndarray  # on the CMF 1 nm grid; negative: complementary (purple)
    srgb: np.ndarray                    # (…, 3) in [0, 1], gamma-encoded, max channel 1
    observer: str
    white: str
    notes: tuple[str, ...] = ()         # negative emission clipped to zero, and how much

    @property
    def hex(self) -> list[str] | str:
        """Swatch as '#rrggbb' (a list for a series)."""
        rgb = np.atleast_2d(self.srgb)
        codes = ["#" + "".join(f"{int(round(c * 255)):02x}" for c in row) for row in rgb]
        return codes[0] if np.ndim(self.srgb) == 1 else codes


def resample_to_cmfs(wavelength_nm, intensity, shape) -> np.ndarray:
    """Linear interpolation of ``intensity`` (M,) or (N, M) onto the CMF grid, 0 outside."""
    wl = np.asarray(wavelength_nm, dtype=float)
    y = np.atleast_2d(np.asarray(intensity, dtype=float))
    grid = np.asarray(shape.wavelengths, dtype=float)
    return np.stack([np.interp(grid, wl, row, left=0.0, right=0.0) for row in y])


def _check(wavelength_nm, intensity):
    try:
        wl = np.asarray(wavelength_nm, dtype=float).ravel()
        y = np.asarray(intensity, dtype=float)
    except (TypeError, ValueError):
        raise InputError("intensity/wavelength_nm: expected numbers") from None
    if wl.size < 2:
        raise InputError("wavelength_nm: need at least two wavelengths")
    if y.shape[-1] != wl.size or y.ndim > 2:
        raise InputError(f"intensity: shape {y.shape} does not match {wl.size} wavelengths "
                         "(give (M,) or (N, M))")
    if not (np.all(np.isfinite(wl)) and np.all(np.isfinite(y))):
        raise InputError("intensity/wavelength_nm: contain NaN or infinite values")
    if np.any(np.diff(wl) <= 0):
        raise InputError("wavelength_nm: must be strictly increasing (sort the spectrum)")
    if wl[-1] < 360 or wl[0] > 830:
        raise InputError(f"wavelength_nm: {wl[0]:g}–{wl[-1]:g} nm lies outside the visible "
                         "360–830 nm; chromaticity needs a visible emission spectrum in nm")
    return wl, y


def clip_negative_emission(wavelength_nm, intensity, *, source: str = "intensity",
                           observer: str = "CIE 1931 2 Degree Standard Observer") -> tuple[np.ndarray, list[str]]:
    """Emission with its noise-level negative values set to zero, and a note per spectrum
    clipped; an InputError when the negative part is more than noise (a wrong baseline).

    Only the part inside the CMFs' 360–830 nm is judged (the rest never enters XYZ). The
    noise σ is :func:`dackit.core.noise.white_noise_sigma` (second differences, blind to
    the peak). Negative values are noise when the deepest is at most
    ``NEGATIVE_SIGMAS`` σ or ``NEGATIVE_PEAK_FRACTION`` of the peak; they are clipped when,
    in addition, their X+Y+Z is at most ``NEGATIVE_XYZ_FRACTION`` of the positive part's.

    Parameters
    ----------
    wavelength_nm : array_like
        Wavelength grid in nm, increasing.
    intensity : array_like
        Emission with background removed, (M,) or (N, M).
    source : str, default "intensity"
        What to name in notes and errors (the file).
    observer : str
        CIE standard observer (weights of the negative and positive parts).

    Returns
    -------
    clipped : ndarray
        ``intensity`` with negative values set to zero (same shape).
    notes : list of str
        One per spectrum that had negative values clipped.

    Raises
    ------
    NegativeEmissionError
        (an InputError) when a spectrum's negative part is deeper or larger than noise.

    Examples
    --------
    >>> import numpy as np
    >>> wl = np.arange(450.0, 750.0, 0.5)
    >>> y = np.exp(-0.5 * ((wl - 620) / 20) ** 2) + np.random.default_rng(0).normal(0, 0.003, wl.size)
    >>> clipped, notes = clip_negative_emission(wl, y, source="a.txt")
    >>> bool(clipped.min() >= 0), notes[0].startswith("a.txt: negative emission")
    (True, True)
    """
    from dackit.core.noise import white_noise_sigma

    wl, y = _check(wavelength_nm, intensity)
    rows = np.atleast_2d(y)
    visible = (wl >= 360.0) & (wl <= 830.0)
    # what clipping adds, in the units the colour is made of: X+Y+Z of the negative part
    # against X+Y+Z of the positive part (CMF-weighted, so noise under a strong ȳ or z̄ weighs
    # more than under the red tail of a red line)
    below = xyz_from_spectra(wl, np.clip(-rows, 0, None), observer=observer).sum(axis=1)
    above = xyz_from_spectra(wl, np.clip(rows, 0, None), observer=observer).sum(axis=1)
    notes = []
    for k, row in enumerate(rows):
        name = source if y.ndim == 1 else f"{source}[{k}]"
        v = row[visible]
        if v.size < 2 or not np.any(v < 0):
            continue
        peak = float(np.max(v))
        if peak <= 0 or above[k] <= 0:
            continue  # no light at all: chromaticity_xy says so
        depth = float(-np.min(v))
        sigma = white_noise_sigma(v, order=2) if v.size >= 5 else 0.0
        share = float(below[k] / above[k])
        said = (f"deepest {-depth:.3g} = {depth / sigma if sigma > 0 else np.inf:.1f} σ of the noise "
                f"= {100 * depth / peak:.1f} % of the peak; negative X+Y+Z {100 * share:.1f} % of the positive")
        if depth > max(NEGATIVE_SIGMAS * sigma, NEGATIVE_PEAK_FRACTION * peak):
            raise NegativeEmissionError(f"{name}: the emission is negative beyond noise ({said}); negative light "
                                        "has no colour: the baseline removed is too high somewhere, fix the "
                                        "baseline (or the dark/background) before computing the chromaticity")
        if share > NEGATIVE_XYZ_FRACTION:
            raise NegativeEmissionError(f"{name}: the noise around zero is a large part of the emission ({said}); "
                                        "clipping it would whiten the colour: restrict the spectrum to the band "
                                        "or measure longer before computing the chromaticity")
        notes.append(f"{name}: negative emission clipped to 0 for the colour "
                     f"({int(np.sum(v < 0))} of {v.size} points; {said})")
    return np.clip(y, 0, None), notes


def xyz_from_spectra(wavelength_nm, intensity, *, observer="CIE 1931 2 Degree Standard Observer"):
    """Relative XYZ (N, 3) of emission spectra via ``colour.sd_to_XYZ`` with no illuminant."""
    import colour

    wl, y = _check(wavelength_nm, intensity)
    table = cmfs(observer)
    values = resample_to_cmfs(wl, y, table.shape)
    return np.asarray(colour.sd_to_XYZ(values, table, illuminant=None, method="Integration",
                                       shape=table.shape)).reshape(-1, 3)


def srgb_swatch(XYZ) -> np.ndarray:
    """Displayable sRGB (gamma-encoded, in [0, 1]) of the chromaticity of ``XYZ``.

    Emission lines are more saturated than the sRGB gamut: negative linear channels are
    clipped to 0 and the colour is scaled so that its largest channel is 1 (hue kept,
    brightness normalised). XYZ are converted without chromatic adaptation, so the
    equal-energy point maps near display white.

    Parameters
    ----------
    XYZ : array_like
        CIE XYZ tristimulus values, (3,) or (N, 3).
    """
    import colour

    xyz = np.atleast_2d(np.asarray(XYZ, dtype=float))
    total = xyz.sum(axis=1, keepdims=True)
    total[total == 0] = 1.0
    lin = np.asarray(colour.XYZ_to_RGB(xyz / total, "sRGB", apply_cctf_encoding=False))
    lin = np.clip(lin, 0, None)
    peak = lin.max(axis=1, keepdims=True)
    peak[peak == 0] = 1.0
    enc = np.asarray(colour.models.eotf_inverse_sRGB(lin / peak))
    return np.clip(enc, 0, 1)


def chromaticity_xy(wavelength_nm, intensity, *, observer: str = "CIE 1931 2 Degree Standard Observer",
                    white: str = "E", source: str = "intensity") -> Chromaticity:
    """CIE x, y (and dominant wavelength, sRGB swatch) of emission spectra.

    ``intensity`` is (M,) for one spectrum or (N, M) for a series on a shared wavelength
    grid (nm); the result then holds scalars or arrays of length N. Background must be
    removed first (the dark offset would otherwise add white light).

    Parameters
    ----------
    wavelength_nm : array_like
        Wavelength grid in nm, shared by all spectra.
    intensity : array_like
        Emission, (M,) for one spectrum or (N, M) for a series, background removed.
    observer : str
        CIE standard observer, a name known to colour-science (default the CIE 1931 2°
        observer).
    white : {"E", "D65"}, default 'E'
        White point for the dominant wavelength.
    source : str, default "intensity"
        The spectrum's name (its file) in notes and errors.

    Returns
    -------
    Chromaticity
        Its ``notes`` say which spectra had noise-level negative emission clipped to zero
        (:func:`clip_negative_emission`, which raises a NegativeEmissionError when it is more
        than noise).
    """
    import colour

    if white not in WHITE_POINTS:
        raise InputError(f"white: use one of {', '.join(WHITE_POINTS)}, not {white!r}")
    clipped, notes = clip_negative_emission(wavelength_nm, intensity, source=source, observer=observer)
    xyz = xyz_from_spectra(wavelength_nm, clipped, observer=observer)
    total = xyz.sum(axis=1)
    if np.any(total <= 0):
        raise InputError(f"{source}: no positive visible emission (X+Y+Z ≤ 0); is the background "
                         "removed correctly and the spectrum in nm?")
    x, y = xyz[:, 0] / total, xyz[:, 1] / total
    table = cmfs(observer)
    dom = np.asarray([colour.dominant_wavelength(np.array([xi, yi]), np.array(WHITE_POINTS[white]),
                                                 table)[0] for xi, yi in zip(x, y)], dtype=float)
    rgb = srgb_swatch(xyz)
    single = np.asarray(intensity).ndim == 1
    pick = (lambda a: a[0]) if single else (lambda a: a)
    return Chromaticity(x=pick(x), y=pick(y), XYZ=pick(xyz), dominant_wavelength_nm=pick(dom),
                        srgb=pick(rgb), observer=OBSERVERS[observer], white=white, notes=tuple(notes))


def spectral_locus_xy(observer: str = "CIE 1931 2 Degree Standard Observer"):
    """(wavelength_nm, x, y) of the monochromatic locus from colour's CMFs.

    Parameters
    ----------
    observer : str
        CIE standard observer, a name known to colour-science (default the CIE 1931 2°
        observer).
    """
    table = cmfs(observer)
    v = np.asarray(table.values)
    s = v.sum(axis=1)
    ok = s > 0
    return (np.asarray(table.wavelengths)[ok], v[ok, 0] / s[ok], v[ok, 1] / s[ok])
