"""Size and strain broadening of diffraction peaks: Scherrer and Williamson–Hall, once.

Convention (used by every dackit technique)
-------------------------------------------
* The width is the **full width at half maximum** (FWHM) of the peak, not the integral
  breadth; in angle form it is given in degrees of 2θ and converted to radians here, in q
  form in Å⁻¹.
* Angle form (Scherrer, Nachr. Ges. Wiss. Göttingen 26, 98 (1918)): D = K λ / (β cos θ), β
  the FWHM in radians of 2θ, θ half the scattering angle.
* q form: q = 4π sin θ / λ gives dq = (2π/λ) cos θ d(2θ), so β = λ Δq / (2π cos θ) to first
  order and D = 2π K / Δq, independent of λ (the form used for SAXS and for Bragg peaks
  indexed in q). Both forms are the same law: with β the exact 2θ breadth of q ± Δq/2 they
  agree to second order in the width (relative difference ~ (λΔq/4π)²).
* K depends on the crystallite shape and on the width measure (FWHM or integral breadth):
  Langford & Wilson, J. Appl. Cryst. 11, 102 (1978) tabulate it; Scherrer's own value for
  cubes and the FWHM is 2√(ln 2/π) ≈ 0.94. There is no default here: each caller states its
  K (the XRD lattice fit uses 0.9, the customary FWHM value for near-spherical crystallites;
  the SAXS thickness uses 0.89, the value of the reference study), so a result names the K
  it was computed with.
* Instrumental broadening is removed before the law is applied: in quadrature for Gaussian
  profiles (variances add under convolution, β² = β_obs² − β_inst²), linearly for
  Lorentzian ones (β = β_obs − β_inst). A peak not broader than the instrument has no
  measurable size (NaN, or :class:`~dackit.errors.FitError` where a single number is asked).
* Williamson & Hall, Acta Metall. 1, 22 (1953): β cos θ = K λ / D + 4 ε sin θ, a weighted
  straight line in 4 sin θ whose intercept gives the size and slope the microstrain ε.

>>> round(float(scherrer_size_q_nm(2 * 3.141592653589793 * 0.89 / 275.0, k=0.89)[0]), 3)
27.5
>>> w = scherrer_fwhm_deg(30.0, 0.6199, 10.0, k=0.9)
>>> round(float(scherrer_size_nm(30.0, w, 0.6199, k=0.9)[0]), 9)
10.0
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from dackit.core.lsq import covariance_from_jacobian
from dackit.errors import InputError

#: how instrumental broadening is removed, by profile shape (see the module docstring)
INSTRUMENT_CORRECTIONS = {"gaussian": "quadrature", "lorentzian": "linear"}


class WilliamsonHall(NamedTuple):
    """Williamson–Hall result: size (nm) ± error and microstrain ε ± error (NaN if not fitted)."""

    size_nm: float
    size_nm_err: float
    strain: float
    strain_err: float


def remove_instrumental(fwhm: ArrayLike, instrumental_fwhm: ArrayLike = 0.0, *,
                        shape: str = "gaussian") -> np.ndarray:
    """Sample FWHM after removing the instrument's (same units): quadrature for Gaussian
    profiles, linear for Lorentzian ones; NaN where the peak is not broader than the instrument.

    Parameters
    ----------
    fwhm : float or array_like
        Measured FWHM.
    instrumental_fwhm : float or array_like, default 0.0
        FWHM of the instrument function, same units.
    shape : {"gaussian", "lorentzian"}, default 'gaussian'
        Profile shape: Gaussian widths subtract in quadrature, Lorentzian widths linearly.
    """
    if shape not in INSTRUMENT_CORRECTIONS:
        raise InputError(f"instrument shape {shape!r}: use one of {tuple(INSTRUMENT_CORRECTIONS)}")
    fw = np.asarray(fwhm, float)
    inst = np.asarray(instrumental_fwhm, float)
    if INSTRUMENT_CORRECTIONS[shape] == "quadrature":
        beta2 = fw**2 - inst**2
        return np.sqrt(np.where(beta2 > 0, beta2, np.nan))
    return np.where(fw > inst, fw - inst, np.nan)


def scherrer_size_nm(twotheta_deg: ArrayLike, fwhm_deg: ArrayLike, wavelength_a: float, *, k: float,
                     fwhm_err: ArrayLike = 0.0,
                     instrumental_fwhm_deg: ArrayLike = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Scherrer size D = Kλ/(β cosθ) in nm per peak (angle form, FWHM in degrees 2θ).

    β is the FWHM with the instrumental FWHM removed in quadrature, in radians. Returns
    ``(size_nm, size_nm_err)``, the error propagated from ``fwhm_err``; NaN where the peak
    is not broader than the instrument.

    Parameters
    ----------
    twotheta_deg : array_like
        Peak positions in degrees 2θ.
    fwhm_deg : array_like
        Measured peak FWHM in degrees 2θ.
    wavelength_a : float
        X-ray wavelength in Å.
    k : float
        Scherrer shape factor K (0.89–0.94 for spheres and cubes; 0.9 is usual).
    fwhm_err : float or array_like, default 0.0
        Standard error(s) of the FWHM, same units; 0 when unknown.
    instrumental_fwhm_deg : float or array_like, default 0.0
        Instrumental FWHM in degrees 2θ, removed from the measured FWHM (0 for none).
    """
    fw = np.asarray(fwhm_deg, float)
    beta = np.radians(remove_instrumental(fw, instrumental_fwhm_deg))
    cos_t = np.cos(np.radians(np.asarray(twotheta_deg) / 2))
    size = k * wavelength_a / (beta * cos_t) / 10.0
    # dβ = FWHM·σ_FWHM/β (derivative of the quadrature difference), in radians
    dbeta = np.radians(fw * np.asarray(fwhm_err, float)) / np.maximum(np.degrees(beta), 1e-12)
    return size, size * dbeta / beta


def scherrer_fwhm_deg(twotheta_deg: ArrayLike, wavelength_a: float, size_nm: float, *,
                      k: float) -> np.ndarray:
    """Forward Scherrer: FWHM (degrees 2θ) of crystallites of size ``size_nm`` at 2θ.

    Parameters
    ----------
    twotheta_deg : array_like
        Peak positions in degrees 2θ.
    wavelength_a : float
        X-ray wavelength in Å.
    size_nm : float
        Crystallite size D in nm.
    k : float
        Scherrer shape factor K (0.89–0.94 for spheres and cubes; 0.9 is usual).
    """
    theta = np.radians(np.asarray(twotheta_deg) / 2)
    return np.degrees(k * wavelength_a / (size_nm * 10.0 * np.cos(theta)))


def scherrer_size_q_nm(fwhm_inv_a: ArrayLike, *, k: float, fwhm_err: ArrayLike = 0.0,
                       instrumental_fwhm_inv_a: ArrayLike = 0.0,
                       instrument_shape: str = "gaussian") -> tuple[np.ndarray, np.ndarray]:
    """Scherrer size in q form, D = 2πK/Δq, in nm (Δq the FWHM in Å⁻¹).

    The instrumental FWHM is removed first (``instrument_shape`` "gaussian": quadrature,
    "lorentzian": linear). Returns ``(size_nm, size_nm_err)``; NaN where the peak is not
    broader than the instrument.

    Parameters
    ----------
    fwhm_inv_a : float or array_like
        Measured peak FWHM Δq in Å⁻¹.
    k : float
        Scherrer shape factor K (0.89–0.94 for spheres and cubes; 0.9 is usual).
    fwhm_err : float or array_like, default 0.0
        Standard error(s) of the FWHM, same units; 0 when unknown.
    instrumental_fwhm_inv_a : float or array_like, default 0.0
        Instrumental FWHM in Å⁻¹, removed first (0 for none).
    instrument_shape : {"gaussian", "lorentzian"}, default 'gaussian'
        Profile shape of the instrument function: Gaussian widths subtract in quadrature,
        Lorentzian widths linearly.
    """
    fw_obs = np.asarray(fwhm_inv_a, float)
    err = np.asarray(fwhm_err, float)
    if np.any(np.asarray(instrumental_fwhm_inv_a, float) > 0):
        fw = remove_instrumental(fw_obs, instrumental_fwhm_inv_a, shape=instrument_shape)
        if INSTRUMENT_CORRECTIONS[instrument_shape] == "quadrature":
            err = err * fw_obs / fw
    else:
        fw = fw_obs
    d_nm = 2 * np.pi * k / fw / 10
    return d_nm, d_nm * err / fw


def scherrer_fwhm_q(size_nm: ArrayLike, *, k: float) -> np.ndarray:
    """Forward Scherrer in q form: FWHM Δq = 2πK/D (Å⁻¹) of domains of size ``size_nm``.

    Parameters
    ----------
    size_nm : float or array_like
        Domain size D in nm.
    k : float
        Scherrer shape factor K (0.89–0.94 for spheres and cubes; 0.9 is usual).
    """
    return 2 * np.pi * k / (np.asarray(size_nm, float) * 10)


def williamson_hall(twotheta_deg: ArrayLike, fwhm_deg: ArrayLike, fwhm_err: ArrayLike,
                    wavelength_a: float, *, k: float,
                    instrumental_fwhm_deg: ArrayLike = 0.0) -> WilliamsonHall:
    """Williamson–Hall fit β cosθ = Kλ/D + 4ε sinθ, weighted by the FWHM errors.

    β is the FWHM with the instrumental FWHM removed in quadrature (radians). Needs at
    least 3 peaks at distinct angles and 2 distinct widths, else all NaN; a non-positive
    intercept (width falling with angle) gives a NaN size with the fitted strain.

    Parameters
    ----------
    twotheta_deg : array_like
        Peak positions in degrees 2θ.
    fwhm_deg : array_like
        Measured peak FWHM in degrees 2θ.
    fwhm_err : array_like
        Standard errors of the FWHM in degrees (the fit's weights).
    wavelength_a : float
        X-ray wavelength in Å.
    k : float
        Scherrer shape factor K (0.89–0.94 for spheres and cubes; 0.9 is usual).
    instrumental_fwhm_deg : float or array_like, default 0.0
        Instrumental FWHM in degrees 2θ, removed from the measured FWHM (0 for none).
    """
    tth = np.asarray(twotheta_deg, float)
    fw = np.asarray(fwhm_deg, float)
    beta2 = fw**2 - np.asarray(instrumental_fwhm_deg, float) ** 2
    ok = beta2 > 0
    nan = float("nan")
    if np.unique(np.round(tth[ok], 3)).size < 3 or np.unique(np.round(fw[ok], 6)).size < 2:
        return WilliamsonHall(nan, nan, nan, nan)
    theta = np.radians(tth[ok] / 2)
    beta = np.radians(np.sqrt(beta2[ok]))
    yv = beta * np.cos(theta)
    ye = np.radians(np.asarray(fwhm_err, float)[ok]) * fw[ok] / np.sqrt(beta2[ok]) * np.cos(theta)
    # a peak without an error takes the typical one (weight 1 if none has an error)
    ye = np.where(ye > 0, ye, np.nanmedian(ye[ye > 0]) if np.any(ye > 0) else 1.0)
    xv = 4 * np.sin(theta)
    a_mat = np.stack([np.ones_like(xv), xv], 1) / ye[:, None]
    coef, *_ = np.linalg.lstsq(a_mat, yv / ye, rcond=None)
    resid = (yv - (coef[0] + coef[1] * xv)) / ye
    cov = covariance_from_jacobian(a_mat, resid, scale=True).matrix
    inter, slope = coef
    if inter <= 0:
        return WilliamsonHall(nan, nan, float(slope), float(np.sqrt(cov[1, 1])))
    size = k * wavelength_a / inter / 10.0
    return WilliamsonHall(float(size), float(size * np.sqrt(cov[0, 0]) / inter), float(slope),
                          float(np.sqrt(cov[1, 1])))
