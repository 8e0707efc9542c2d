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
