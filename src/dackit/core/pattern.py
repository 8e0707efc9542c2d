"""The :class:`Pattern`: a 1D diffraction or scattering pattern (2θ or q, intensity).

Produced by integration of detector images (:mod:`dackit.xrd.integrate`) or read from
``.xy``/``.chi``/``.dat`` files; consumed by lattice fits, phase identification and SAXS.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from dackit.core import units
from dackit.errors import InputError, where

AXES = ("2th_deg", "q_A^-1")


@dataclass(frozen=True)
class Pattern:
    """One 1D pattern.

    Attributes
    ----------
    x : ndarray
        Radial axis, strictly increasing: 2θ in degrees (``axis="2th_deg"``) or q in Å⁻¹
        (``axis="q_A^-1"``).
    intensity : ndarray
        Integrated intensity, same length as ``x``.
    axis : str
        ``"2th_deg"`` or ``"q_A^-1"``.
    wavelength_a : float or None
        X-ray wavelength in Å, needed to convert between 2θ, d and q.
    sigma : ndarray or None
        Standard error of each intensity (Poisson propagated through integration), if known.
    metadata : dict
        Geometry, detector, header lines of the file; ``"reader_notes"``: what the reader
        set aside or assumed, which the analyses repeat in their ``quality_notes``.
    source : str
        File (image or pattern) it came from.
    """

    x: np.ndarray
    intensity: np.ndarray
    axis: str = "2th_deg"
    wavelength_a: float | None = None
    sigma: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)
    source: str = ""

    @property
    def name(self) -> str:
        return Path(self.source).name if self.source else "<memory>"

    @property
    def reader_notes(self) -> list[str]:
        return list(self.metadata.get("reader_notes", ()))

    def _need_wavelength(self):
        if not self.wavelength_a:
            # said "X-ray" for any file: a neutron GSAS scan without its .ins is neutron data
            raise InputError(f"{where(self.source)}the wavelength (X-ray or neutron) is unknown; "
                             "give it (--wavelength in Å) or use a pattern whose header states it")
        return self.wavelength_a

    @property
    def twotheta_deg(self) -> np.ndarray:
        if self.axis == "2th_deg":
            return self.x
        return units.q_to_twotheta(self.x, self._need_wavelength())

    @property
    def q_inv_a(self) -> np.ndarray:
        if self.axis == "q_A^-1":
            return self.x
        return units.twotheta_to_q(self.x, self._need_wavelength())

    @property
    def d_a(self) -> np.ndarray:
        return units.q_to_d(self.q_inv_a)


def make_pattern(x: ArrayLike, intensity: ArrayLike, *, axis: str = "2th_deg", wavelength_a: float | None = None,
                 sigma: ArrayLike | None = None, metadata: dict | None = None, source: str | Path = "",
                 min_points: int = 10) -> Pattern:
    """Check raw numbers and build a :class:`Pattern` sorted by x.

    Non-finite intensities (masked bins) are dropped; a non-finite or duplicate axis value,
    too few points or an all-zero pattern is an :class:`~dackit.errors.InputError`.

    Parameters
    ----------
    x : array_like
        Radial axis: 2θ in degrees or q in Å⁻¹ (see ``axis``).
    intensity : array_like
        Intensities, same length as ``x``.
    axis : {"2th_deg", "q_A^-1"}, default '2th_deg'
        What ``x`` is.
    wavelength_a : float, optional
        X-ray wavelength in Å, needed to convert between 2θ and q.
    sigma : array_like, optional
        Standard errors of the intensities.
    metadata : dict, optional
        Anything worth keeping (header, format, geometry).
    source : str, default ''
        Where the data came from (usually the file path); kept in the result for messages
        and tables.
    min_points : int, default 10
        Fewer points than this is an InputError.
    """
    pre = where(source)
    if axis not in AXES:
        raise InputError(f"{pre}unknown pattern axis {axis!r}; use one of {AXES}")
    try:
        x = np.asarray(x, dtype=float).ravel()
        intensity = np.asarray(intensity, dtype=float).ravel()
        sigma = None if sigma is None else np.asarray(sigma, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise InputError(f"{pre}pattern values are not numbers ({exc})") from None
    if x.size != intensity.size:
        raise InputError(f"{pre}axis has {x.size} values but intensity has {intensity.size}")
    if not np.all(np.isfinite(x)):
        raise InputError(f"{pre}the radial axis holds NaN or infinite values")
    keep = np.isfinite(intensity)
    if sigma is not None:
        keep &= np.isfinite(sigma)
    x, intensity = x[keep], intensity[keep]
    sigma = None if sigma is None else sigma[keep]
    if x.size < min_points:
        raise InputError(f"{pre}only {x.size} usable points in the pattern; at least {min_points} needed")
    order = np.argsort(x, kind="stable")
    x, intensity = x[order], intensity[order]
    sigma = None if sigma is None else sigma[order]
    if np.any(np.diff(x) == 0):
        raise InputError(f"{pre}duplicate values on the radial axis")
    if not np.any(intensity):
        raise InputError(f"{pre}all intensities are zero")
    if wavelength_a is not None and not (0.01 < float(wavelength_a) < 10):
        raise InputError(f"{pre}X-ray wavelength {wavelength_a} Å is implausible; give it in Å (e.g. 0.6199)")
    return Pattern(x=x, intensity=intensity, axis=axis,
                   wavelength_a=None if wavelength_a is None else float(wavelength_a),
                   sigma=sigma, metadata=dict(metadata or {}), source=str(source))
