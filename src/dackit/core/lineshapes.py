"""Peak line shapes in the height/FWHM parametrisation, their areas and analytic derivatives.

Every shape is written with the *peak height* ``amplitude`` (the value at ``center``) and the
full width at half maximum ``fwhm``, so that amplitudes and widths of different shapes can be
compared directly and read off a plot. (lmfit's built-in models use the area and a
HWHM-like ``sigma`` instead; see :mod:`dackit.core.fitting` for the conversion.)

The pseudo-Voigt is the weighted sum of a Lorentzian and a Gaussian of the *same* FWHM,
``eta`` being the Lorentzian fraction (Wertheim, Butler, West & Buchanan, Rev. Sci. Instrum.
45, 1369 (1974); Thompson, Cox & Hastings, J. Appl. Cryst. 20, 79 (1987), eq. 3).

>>> import numpy as np
>>> float(pseudo_voigt(np.array([1.0]), 2.0, 1.0, 0.5, 0.3)[0])
2.0
>>> round(float(gaussian(np.array([1.25]), 1.0, 1.0, 0.5)[0]), 12)   # half maximum at ±fwhm/2
0.5
>>> round(float(SHAPES["lorentzian"].area(1.0, 2.0)), 6)           # pi * fwhm / 2
3.141593
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dackit.core.types import FloatOrArray

LN2 = float(np.log(2.0))
#: Gaussian area / (height * FWHM) = sqrt(pi / (4 ln 2)).
GAUSS_AREA_FACTOR = float(np.sqrt(np.pi / (4.0 * LN2)))
#: Lorentzian area / (height * FWHM) = pi / 2.
LORENTZ_AREA_FACTOR = float(np.pi / 2.0)


def gaussian(x: ArrayLike, amplitude: FloatOrArray, center: FloatOrArray, fwhm: FloatOrArray) -> np.ndarray:
    """Gaussian of height ``amplitude`` at ``center`` with full width at half maximum ``fwhm``.

    ``amplitude * exp(-4 ln2 (x - center)**2 / fwhm**2)``.

    Parameters
    ----------
    x : array_like
        Where to evaluate the line.
    amplitude : float or array_like
        Peak height (the value at the centre).
    center : float or array_like
        Peak centre, in the units of ``x``.
    fwhm : float or array_like
        Full width at half maximum, in the units of ``x``.
    """
    d = (np.asarray(x, dtype=float) - center) / fwhm
    return amplitude * np.exp(-4.0 * LN2 * d * d)


def lorentzian(x: ArrayLike, amplitude: FloatOrArray, center: FloatOrArray, fwhm: FloatOrArray) -> np.ndarray:
    """Lorentzian (Cauchy) of height ``amplitude`` at ``center`` with FWHM ``fwhm``.

    ``amplitude / (1 + 4 (x - center)**2 / fwhm**2)``.

    Parameters
    ----------
    x : array_like
        Where to evaluate the line.
    amplitude : float or array_like
        Peak height (the value at the centre).
    center : float or array_like
        Peak centre, in the units of ``x``.
    fwhm : float or array_like
        Full width at half maximum, in the units of ``x``.
    """
    d = (np.asarray(x, dtype=float) - center) / fwhm
    return amplitude / (1.0 + 4.0 * d * d)


def pseudo_voigt(x: ArrayLike, amplitude: FloatOrArray, center: FloatOrArray, fwhm: FloatOrArray,
                 eta: FloatOrArray) -> np.ndarray:
    """Pseudo-Voigt: ``amplitude * (eta * L + (1 - eta) * G)``, L and G of unit height, same FWHM.

    ``eta`` in [0, 1] is the Lorentzian fraction (Wertheim et al. 1974; Thompson, Cox &
    Hastings 1987). The height is ``amplitude`` for every ``eta``.

    Parameters
    ----------
    x : array_like
        Where to evaluate the line.
    amplitude : float or array_like
        Peak height (the value at the centre).
    center : float or array_like
        Peak centre, in the units of ``x``.
    fwhm : float or array_like
        Full width at half maximum, in the units of ``x``.
    eta : float or array_like
        Lorentzian fraction of the pseudo-Voigt: 0 is a Gaussian, 1 a Lorentzian.
    """
    d = (np.asarray(x, dtype=float) - center) / fwhm
    q = 4.0 * d * d
    g = np.exp(-LN2 * q)
    return amplitude * (g + eta * (1.0 / (1.0 + q) - g))


def gaussian_area(amplitude: FloatOrArray, fwhm: FloatOrArray) -> np.ndarray:
    """Integrated area of :func:`gaussian`: ``amplitude * fwhm * sqrt(pi / (4 ln 2))``."""
    return np.asarray(amplitude) * np.asarray(fwhm) * GAUSS_AREA_FACTOR


def lorentzian_area(amplitude: FloatOrArray, fwhm: FloatOrArray) -> np.ndarray:
    """Integrated area of :func:`lorentzian`: ``amplitude * fwhm * pi / 2``."""
    return np.asarray(amplitude) * np.asarray(fwhm) * LORENTZ_AREA_FACTOR


def pseudo_voigt_area(amplitude: FloatOrArray, fwhm: FloatOrArray, eta: FloatOrArray) -> np.ndarray:
    """Integrated area of :func:`pseudo_voigt`: ``eta`` times the Lorentzian area plus the rest.

    Parameters
    ----------
    amplitude : float or array_like
        Peak height (the value at the centre).
    fwhm : float or array_like
        Full width at half maximum.
    eta : float or array_like
        Lorentzian fraction of the pseudo-Voigt: 0 is a Gaussian, 1 a Lorentzian.
    """
    eta = np.asarray(eta)
    return np.asarray(amplitude) * np.asarray(fwhm) * (
        eta * LORENTZ_AREA_FACTOR + (1.0 - eta) * GAUSS_AREA_FACTOR)


def pseudo_voigt_unit_area(x: ArrayLike, center: FloatOrArray, fwhm: FloatOrArray, eta: FloatOrArray) -> np.ndarray:
    """Area-normalised pseudo-Voigt (integral 1 over x), for forward powder patterns.

    ``eta * L + (1 - eta) * G`` with L and G each of *unit area* and the same FWHM, so here
    ``eta`` is the Lorentzian fraction of the area (Thompson, Cox & Hastings, J. Appl. Cryst.
    20, 79 (1987), eq. 3), whereas in :func:`pseudo_voigt` it is the fraction of the height.
    Not to be confused with :func:`pseudo_voigt_area`, the integral of :func:`pseudo_voigt`.

    Parameters
    ----------
    x : array_like
        Where to evaluate the line.
    center : float or array_like
        Peak centre, in the units of ``x``.
    fwhm : float or array_like
        Full width at half maximum, in the units of ``x``.
    eta : float or array_like
        Lorentzian fraction of the pseudo-Voigt: 0 is a Gaussian, 1 a Lorentzian.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(-400.0, 400.0, 800001)
    >>> round(float(np.sum(pseudo_voigt_unit_area(x, 0.0, 1.0, 0.0)) * (x[1] - x[0])), 6)
    1.0
    """
    dx = np.asarray(x) - center
    sig = fwhm / (2 * np.sqrt(2 * np.log(2)))
    gauss = np.exp(-0.5 * (dx / sig) ** 2) / (sig * np.sqrt(2 * np.pi))
    hw = fwhm / 2
    lor = hw / (np.pi * (dx**2 + hw**2))
    return eta * lor + (1 - eta) * gauss


# Derivatives. Each returns (value, d/d amplitude, d/d center, d/d fwhm[, d/d eta]); the
# parameters broadcast against x (the fitter passes x of shape (n, m), parameters (n, 1)).
# With d = x - c, q = 4 d^2 / w^2:  G = exp(-ln2 q), dG/dc = G * 8 ln2 d / w^2,
# dG/dw = dG/dc * d / w;  L = 1 / (1 + q), dL/dc = L^2 * 8 d / w^2, dL/dw = dL/dc * d / w.

def gaussian_derivatives(x: np.ndarray, amplitude: FloatOrArray, center: FloatOrArray,
                         fwhm: FloatOrArray) -> tuple[np.ndarray, ...]:
    """:func:`gaussian` and its partial derivatives (amplitude, center, fwhm)."""
    d = x - center
    s = 4.0 / (fwhm * fwhm)
    g = np.exp(-LN2 * s * d * d)
    f = amplitude * g
    dc = (2.0 * LN2) * s * d * f
    dw = dc * d / fwhm
    return f, g, dc, dw


def lorentzian_derivatives(x: np.ndarray, amplitude: FloatOrArray, center: FloatOrArray,
                           fwhm: FloatOrArray) -> tuple[np.ndarray, ...]:
    """:func:`lorentzian` and its partial derivatives (amplitude, center, fwhm)."""
    d = x - center
    s = 4.0 / (fwhm * fwhm)
    lz = 1.0 / (1.0 + s * d * d)
    f = amplitude * lz
    dc = 2.0 * s * d * f * lz
    dw = dc * d / fwhm
    return f, lz, dc, dw


def pseudo_voigt_derivatives(x: np.ndarray, amplitude: FloatOrArray, center: FloatOrArray, fwhm: FloatOrArray,
                             eta: FloatOrArray) -> tuple[np.ndarray, ...]:
    """:func:`pseudo_voigt` and its partial derivatives (amplitude, center, fwhm, eta)."""
    d = x - center
    s = 4.0 / (fwhm * fwhm)
    q = s * d * d
    g = np.exp(-LN2 * q)
    lz = 1.0 / (1.0 + q)
    lmg = lz - g
    shape = g + eta * lmg
    f = amplitude * shape
    # d shape / dc = 2 s d (eta L^2 + (1 - eta) ln2 G)
    dc = (2.0 * s * amplitude) * d * (eta * lz * lz + ((1.0 - eta) * LN2) * g)
    dw = dc * d / fwhm
    de = amplitude * lmg
    return f, shape, dc, dw, de


@dataclass(frozen=True)
class LineShape:
    """One registry entry: the profile, its derivatives, its area and its width parameters.

    Calling the entry evaluates the profile: ``SHAPES["gaussian"](x, 1.0, 0.0, 2.0)``.
    """

    name: str
    func: Callable
    derivatives: Callable
    area: Callable
    #: Parameters after amplitude and center: ("fwhm",) or ("fwhm", "eta").
    width_params: tuple[str, ...]
    doc: str

    def __call__(self, x: ArrayLike, *params: ArrayLike) -> np.ndarray:
        return self.func(x, *params)


SHAPES: dict[str, LineShape] = {
    "gaussian": LineShape(
        "gaussian", gaussian, gaussian_derivatives, gaussian_area, ("fwhm",),
        "Gaussian, height and FWHM (Doppler/instrumental broadening)."),
    "lorentzian": LineShape(
        "lorentzian", lorentzian, lorentzian_derivatives, lorentzian_area, ("fwhm",),
        "Lorentzian, height and FWHM (lifetime broadening)."),
    "pseudo_voigt": LineShape(
        "pseudo_voigt", pseudo_voigt, pseudo_voigt_derivatives, pseudo_voigt_area,
        ("fwhm", "eta"),
        "eta*Lorentzian + (1-eta)*Gaussian of the same FWHM: Wertheim et al., Rev. Sci. "
        "Instrum. 45, 1369 (1974); Thompson, Cox & Hastings, J. Appl. Cryst. 20, 79 (1987)."),
}
