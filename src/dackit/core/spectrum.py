"""The :class:`Spectrum` every optical technique works on, and its validation.

A spectrum is x (with its unit) and y, sorted by x, finite, with enough points to fit.
Readers build one through :func:`make_spectrum`, which is the single place where raw
numbers are checked; whatever passes it can be analysed without further guards.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from dackit.errors import InputError, where

#: Fewer points than this cannot constrain a peak plus baseline.
MIN_POINTS = 10

X_UNITS = ("nm", "eV", "cm-1", "raman_cm-1", "pixel")
#: Optical spectra (UV to the end of extended-InGaAs NIR detectors) lie within these
#: wavelengths (nm); a header-less axis wholly beyond the upper end is not in nm.
OPTICAL_NM = (150.0, 3000.0)


@dataclass(frozen=True)
class Spectrum:
    """One measured spectrum.

    Attributes
    ----------
    x, y : ndarray
        Abscissa (strictly increasing) and counts/intensity, same length.
    x_unit : str
        One of ``"nm"``, ``"eV"``, ``"cm-1"`` (absolute wavenumber), ``"raman_cm-1"``
        (shift from the laser line), ``"pixel"`` (uncalibrated).
    y_unit : str
        Free text (``"counts"``, ``"absorbance"``, ...).
    metadata : dict
        What the file says: exposure time (``exposure_s``), instrument, date, ...
    source : str
        File the spectrum came from ("" when built in memory).
    """

    x: np.ndarray
    y: np.ndarray
    x_unit: str = "nm"
    y_unit: str = "counts"
    metadata: dict = field(default_factory=dict)
    source: str = ""

    def __len__(self) -> int:
        return len(self.x)

    @property
    def name(self) -> str:
        """File name without folders (or ``"<memory>"``)."""
        return Path(self.source).name if self.source else "<memory>"

    def crop(self, lo: float, hi: float) -> Spectrum:
        """The part of the spectrum with ``lo <= x <= hi``."""
        keep = (self.x >= lo) & (self.x <= hi)
        return replace(self, x=self.x[keep], y=self.y[keep])


def make_spectrum(x: ArrayLike, y: ArrayLike, *, x_unit: str = "nm", y_unit: str = "counts",
                  metadata: dict | None = None, source: str | Path = "",
                  min_points: int = MIN_POINTS) -> Spectrum:
    """Check raw numbers and build a :class:`Spectrum` sorted by x.

    Raises :class:`~dackit.errors.InputError` naming ``source`` when the data are empty,
    of unequal length, non-finite, too short, have duplicate x, or are all zero.

    Parameters
    ----------
    x : array_like
        Abscissa (wavelength, energy or wavenumber, see ``x_unit``).
    y : array_like
        Intensities, same length as ``x``.
    x_unit : str, default 'nm'
        Unit of ``x``: ``"nm"``, ``"eV"``, ``"cm-1"`` or ``"raman_cm-1"``.
    y_unit : str, default 'counts'
        Unit or quantity of ``y`` (``"counts"``, ``"absorbance"``, …).
    metadata : dict, optional
        Anything worth keeping (exposure, instrument, format).
    source : str, default ''
        Where the data came from (usually the file path); kept in the result for messages
        and tables.
    min_points : int, default 10
        Fewer points than this is an InputError.

    Examples
    --------
    >>> s = make_spectrum([3, 1, 2] + list(range(4, 12)), range(11), source="demo.txt")
    >>> s.x[:3].tolist(), s.y[:3].tolist()
    ([1.0, 2.0, 3.0], [1.0, 2.0, 0.0])
    """
    src = str(source)
    pre = where(src)
    if x_unit not in X_UNITS:
        raise InputError(f"{pre}unknown x unit {x_unit!r}; use one of {', '.join(X_UNITS)}")
    try:
        x = np.asarray(x, dtype=float).ravel()
        y = np.asarray(y, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise InputError(f"{pre}spectrum values are not numbers ({exc})") from None
    if x.size == 0 or y.size == 0:
        raise InputError(f"{pre}no data points found; is this a spectrum file?")
    if x.size != y.size:
        raise InputError(f"{pre}x has {x.size} values but y has {y.size}; the file looks truncated")
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(f"{pre}{int(bad.sum())} value(s) are NaN or infinite "
                         f"(first at data row {first + 1}); remove or repair them")
    if x.size < min_points:
        raise InputError(f"{pre}only {x.size} data points; at least {min_points} are needed to fit a peak")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    dup = np.diff(x) == 0
    if dup.any():
        raise InputError(f"{pre}{int(dup.sum())} duplicate x value(s) (first {x[1:][dup][0]:g} {x_unit}); "
                         "the file may hold two spectra or a corrupted axis")
    if not np.any(y):
        raise InputError(f"{pre}all intensities are zero; the detector recorded nothing")
    return Spectrum(x=x, y=y, x_unit=x_unit, y_unit=y_unit,
                    metadata=dict(metadata or {}), source=src)


def clipped_top(y: ArrayLike, *, rise_min: float) -> int:
    """Pixels of a clipped (saturated) maximum, or 0 when the maximum is not clipped.

    A detector that saturates writes the same top value to neighbouring pixels. Three or more
    pixels at exactly the maximum, two of them adjacent, standing more than ``rise_min`` above
    the median, are a clipped line. A flat or quantised spectrum also repeats its maximum,
    but that plateau stands above nothing: it is "no line", not "saturated".

    Parameters
    ----------
    y : array_like
        Intensities, in the order of the spectrum's x.
    rise_min : float
        How far (in y units, typically a multiple of the noise) the top must stand above the
        median to count as a line.

    Returns
    -------
    int
        Number of pixels at the clipped maximum (0: not clipped).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.minimum(1000 * np.exp(-0.5 * (np.arange(50) - 25.0) ** 2 / 9), 600)
    >>> clipped_top(y, rise_min=50)
    7
    >>> clipped_top(np.exp(-0.5 * (np.arange(50) - 25.0) ** 2 / 9), rise_min=0.1)
    0
    """
    y = np.asarray(y, float)
    top = float(np.max(y))
    at_top = np.flatnonzero(y == top)
    if (at_top.size >= 3 and np.any(np.diff(at_top) == 1) and top > 0
            and top - float(np.median(y)) > rise_min):
        return int(at_top.size)
    return 0


#: A spike must rise this many standard deviations above the straight line through the
#: points beside it (the SD of that excess is √1.5 σ: the chord carries the neighbours'
#: noise). Cosmic-ray hits are hundreds of counts; 8 SD keeps the false alarms of a
#: thousand-pixel spectrum, with σ misjudged by a third, below one in ten thousand.
SPIKE_MIN_SNR = 8.0
#: ... and stand further above that chord, relative to its height above the spectrum's lower
#: envelope, than this many times any line of the spectrum can: a line of FWHM W pixels
#: rises at most 4/(W² + 4) of its height above the chord of its two neighbours (a
#: Lorentzian at its top; a Gaussian 1 − exp(−4 ln2/W²), less), a one-pixel hit nearly 100 %.
SPIKE_CURVATURE_MARGIN = 1.5


def remove_spikes(y: ArrayLike, *, min_line_px: float, noise: float | ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Replace cosmic-ray spikes (runs of one or two pixels) by the chord of their neighbours.

    A CCD hit by a cosmic ray records one or two pixels far above their neighbours, narrower
    than any spectral line the spectrometer resolves. A run counts as a spike when it stands
    :data:`SPIKE_MIN_SNR` noise σ above the chord through the pixels on either side, further
    (relative to its height) than the narrowest line could (:data:`SPIKE_CURVATURE_MARGIN`).
    Nothing is touched when the narrowest real line (``min_line_px`` pixels FWHM) is under
    3 pixels: a line sampled that coarsely looks like a spike (Whitaker & Hayes, Chemom.
    Intell. Lab. Syst. 179, 82 (2018) flag spikes by the same narrowness).

    Parameters
    ----------
    y : array_like
        Intensities on an evenly spaced axis.
    min_line_px : float
        FWHM, in pixels, below which no real line of this spectrum can be.
    noise : float or array_like
        White-noise σ of ``y`` (one value, or one per point).

    Returns
    -------
    y : numpy.ndarray
        A copy with spikes replaced.
    spikes : numpy.ndarray
        Indices of the replaced pixels.

    Examples
    --------
    >>> import numpy as np
    >>> y = 100 * np.exp(-0.5 * ((np.arange(200) - 100) / 8.0) ** 2) + 10
    >>> y[40] += 500
    >>> y[120:122] += [300, 200]
    >>> clean, spikes = remove_spikes(y, min_line_px=10, noise=1.0)
    >>> spikes.tolist(), round(float(clean[40]), 1)
    ([40, 120, 121], 10.0)
    """
    y = np.array(y, dtype=float)
    hit = np.zeros(y.size, bool)
    sig = np.broadcast_to(np.asarray(noise, dtype=float), y.shape)
    if min_line_px < 3 or y.size < 8 or not np.all(sig > 0):
        return y, np.flatnonzero(hit)
    # the lower envelope: minimum over a window wider than any line's core
    from scipy.ndimage import minimum_filter1d

    half = int(np.ceil(2 * min_line_px))
    floor = minimum_filter1d(y, 2 * half + 1, mode="nearest")
    # two-pixel runs first: judged one pixel at a time, the brighter pixel of a pair would be
    # replaced by a chord through its lit neighbour and the neighbour left standing
    for _ in range(3):
        found = False
        for run in (2, 1):
            # the chord spans run + 1 pixels: a line of FWHM W rises 4h²/(W² + 4h²) of its
            # height above a chord spanning ±h around its top (Lorentzian)
            h2 = ((run + 1) / 2) ** 2
            fraction = min(1.0, SPIKE_CURVATURE_MARGIN * 4 * h2 / (min_line_px ** 2 + 4 * h2))
            i = np.arange(1, y.size - run)
            left, right = y[i - 1], y[i + run]
            spike = np.ones(i.size, bool)
            chords = []
            for k in range(run):
                chord = left + (right - left) * (k + 1) / (run + 1)
                excess = y[i + k] - chord
                spike &= ((excess > SPIKE_MIN_SNR * np.sqrt(1.5) * sig[i + k])
                          & (excess > fraction * (y[i + k] - floor[i + k])))
                chords.append(chord)
            for k in range(run):
                y[i[spike] + k] = chords[k][spike]
                hit[i[spike] + k] = True
            found |= bool(spike.any())
        if not found:
            break
    return y, np.flatnonzero(hit)


def despike(x: ArrayLike, y: ArrayLike, *, noise: float, unit: str = "nm") -> tuple[np.ndarray, str | None]:
    """y with cosmic-ray spikes replaced (:func:`remove_spikes`), and a note saying where.

    The narrowest possible line is taken as half the FWHM of the spectrum's main line
    (located on a 5-pixel running median, which a one- or two-pixel spike does not
    survive, and measured on the data): gauge lines narrow with temperature, and every spectrometer has its own
    resolution, so no fixed width would do; the lines of one spectrum share their width
    within a factor of two.

    Parameters
    ----------
    x : array_like
        The axis, evenly spaced (for the note only).
    y : array_like
        Intensities.
    noise : float
        Global white-noise σ of ``y``; spikes are judged against the local σ where that is
        larger (:func:`~dackit.core.noise.local_noise_sigma`: shot noise is larger on a line).
    unit : str, default 'nm'
        Unit of ``x``, for the note.

    Returns
    -------
    y : numpy.ndarray
        A copy with spikes replaced.
    note : str or None
        Where spikes were replaced; None when there were none.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(680.0, 700.0, 0.05)
    >>> y = 1000 * np.exp(-0.5 * ((x - 694.2) / 0.25) ** 2) + 50
    >>> y[100] += 3000
    >>> clean, note = despike(x, y, noise=5.0)
    >>> note
    '1 cosmic-ray spike pixel(s) at 685.00 nm replaced by the chord of their neighbours'
    """
    from scipy.ndimage import median_filter

    from dackit.core.noise import local_noise_sigma

    xx, yy = np.asarray(x, float), np.asarray(y, float)
    if yy.size < 16:
        return yy, None
    # the main line is located on the running median, which no spike survives, but measured
    # on the data: the median of lines only a few pixels wide (R1 and R2 of a coarse
    # spectrometer) is one wider hump. A spike on the line's very top makes the measured
    # width small and the search stops short of it: fewer spikes found, none invented.
    med = median_filter(yy, 5, mode="nearest")
    k = int(np.argmax(med))
    k = max(0, k - 2) + int(np.argmax(yy[max(0, k - 2):k + 3]))
    half = (yy[k] + float(np.min(med))) / 2
    lo, hi = k, k
    while lo > 0 and yy[lo] > half:
        lo -= 1
    while hi < yy.size - 1 and yy[hi] > half:
        hi += 1
    # the narrower side: on the other, a neighbour (R2 beside R1) may hold the level above half
    fwhm = 2 * min(k - lo, hi - k)
    sigma = np.maximum(local_noise_sigma(yy, noise, order=2), noise)
    clean, spikes = remove_spikes(yy, min_line_px=fwhm / 2, noise=sigma)
    if not spikes.size:
        return clean, None
    at = ", ".join(f"{xx[i]:.2f}" for i in spikes[:5]) + ("…" if spikes.size > 5 else "")
    return clean, f"{spikes.size} cosmic-ray spike pixel(s) at {at} {unit} replaced by the chord of their neighbours"


def wavelength_axis(spectrum: Spectrum, what: str, *, density: bool) -> Spectrum:
    """``spectrum`` with x in nm where x is in nm or absolute wavenumbers; else unchanged.

    Absolute wavenumbers (cm⁻¹) become nm; with ``density`` (an emission spectrum, counts per
    unit of x) y is rescaled by |dν̃/dλ| = ν̃²/10⁷ so that it is per nm; an absorbance is a
    value per point and is kept. An axis that no header named (``metadata["x_unit_from"]``
    "assumed") and lies wholly beyond :data:`OPTICAL_NM` is not in nm — a PL spectrum in
    wavenumbers without a header read as 13000–22000 "nm" gave a 0.07 eV peak marked ok
    (issue 10) — and is an :class:`~dackit.errors.InputError` naming the likely unit.

    Parameters
    ----------
    spectrum : Spectrum
        The spectrum as read.
    what : str
        The analysis, for messages ("PL", "absorption").
    density : bool
        True when y is an intensity per unit of x (emission), False for absorbance.

    Returns
    -------
    Spectrum
        The same spectrum, its x in nm if it was in nm or cm⁻¹.

    Examples
    --------
    >>> s = make_spectrum(np.linspace(15000, 20000, 50), np.ones(50), x_unit="cm-1")
    >>> t = wavelength_axis(s, "PL", density=False)
    >>> t.x_unit, round(float(t.x[0]), 1), round(float(t.x[-1]), 1)
    ('nm', 500.0, 666.7)
    """
    s = spectrum
    if s.x_unit == "raman_cm-1":
        # a Raman shift is a wavenumber relative to the laser: absolute only with the laser
        # line (a LabSpec text export states it), e.g. PL recorded on a Raman spectrometer
        laser = s.metadata.get("laser_nm")
        if not laser:
            why = s.metadata.get("x_unit_note")
            raise InputError(f"{where(s.source)}x is a Raman shift (cm⁻¹) and the file names no laser "
                             f"wavelength: {what} needs absolute wavelengths; export the spectrum in nm "
                             "(or absolute cm⁻¹) from the instrument software" + (f" ({why})" if why else ""))
        absolute = 1e7 / float(laser) - s.x
        if np.any(absolute <= 0):
            raise InputError(f"{where(s.source)}Raman shifts up to {float(np.max(s.x)):g} cm⁻¹ lie beyond "
                             f"the {laser:g} nm laser's wavenumber: not a Raman shift axis")
        order = np.argsort(absolute)
        s = replace(s, x=absolute[order], y=s.y[order], x_unit="cm-1")
        note = f"Raman shift (cm-1) from the {laser:g} nm laser converted to nm"
    else:
        note = "absolute wavenumbers (cm-1) converted to nm"
    if s.x_unit == "cm-1":
        if np.any(s.x <= 0):
            raise InputError(f"{where(s.source)}wavenumbers must be positive cm-1")
        wn = s.x[::-1]
        y = s.y[::-1] * wn**2 / 1e7 if density else s.y[::-1]
        return replace(s, x=1e7 / wn, y=y, x_unit="nm", metadata={**s.metadata, "x_unit_note": note})
    unnamed = s.metadata.get("x_unit_from") == "assumed" or s.metadata.get("x_unit_bare")
    if s.x_unit == "nm" and unnamed and float(s.x[0]) > OPTICAL_NM[1]:
        raise InputError(f"{where(s.source)}x runs {s.x[0]:g}…{s.x[-1]:g} with no unit named; as nm that is "
                         f"beyond any optical spectrum (≤ {OPTICAL_NM[1]:g} nm) for {what}: absolute wavenumbers "
                         "(cm-1) or Å? Write the unit in the column name (\"wavenumber (cm-1)\", wavelength_nm, "
                         "\"wavelength (Å)\", energy_eV)")
    return s
