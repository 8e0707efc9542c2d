"""Scherrer domain size (thickness) from a peak width (the formulas and their convention:
:mod:`dackit.core.broadening`).

Angle form (Scherrer 1918; Patterson, Phys. Rev. 56, 978 (1939)): D = K λ / (B cos θ), B the
FWHM in radians of 2θ, θ half the scattering angle of the peak. q form: since
q = 4π sin θ / λ, dq = (2π/λ) cos θ d(2θ), so B = λ Δq / (2π cos θ) to first order and
D = 2π K / Δq, independent of λ. :func:`scherrer_thickness` evaluates both; B is computed
exactly as 2θ(q + Δq/2) − 2θ(q − Δq/2), and the two agree to O((qλ/4π)²) (< 10⁻⁵ in SAXS).

K = 0.89 (the study; spherical crystallites, FWHM) by default. Instrumental broadening
(``instrument_fwhm_inv_a``) is removed in quadrature for Gaussian profiles
(Δq² = Δq_obs² − Δq_inst², since Gaussians convolve by adding variances) or linearly for
Lorentzian ones (Δq = Δq_obs − Δq_inst, Lorentzian widths add).

The study's nanosheet thickness: first peak d = 120 Å, λ = 0.4859 Å, D ≈ 27.5 nm
requires Δq = 2π·0.89/275 Å = 0.02033 Å⁻¹, i.e. B = 0.0901° of 2θ (θ = 0.116°); the
paper does not state the FWHM, only this result.

>>> r = scherrer_thickness(2 * 3.141592653589793 / 120, 0.020335, wavelength_a=0.4859)
>>> round(r.thickness_nm, 1), round(r.thickness_angle_nm, 1)
(27.5, 27.5)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.core import broadening, units
from dackit.errors import FitError, InputError

#: instrumental-broadening corrections by profile shape
CORRECTIONS = broadening.INSTRUMENT_CORRECTIONS


@dataclass(frozen=True)
class ScherrerResult:
    """Thickness (nm) ± error from the q form, the angle-form value, and the inputs used."""

    thickness_nm: float
    thickness_nm_err: float
    thickness_angle_nm: float
    q_inv_a: float
    fwhm_inv_a: float
    fwhm_2theta_deg: float
    k: float
    wavelength_a: float | None


def scherrer_thickness(q_inv_a, fwhm_inv_a, *, fwhm_err=0.0, k=0.89, wavelength_a=None,
                       instrument_fwhm_inv_a=0.0, instrument_shape="gaussian") -> ScherrerResult:
    """Domain thickness from a peak at ``q_inv_a`` with FWHM ``fwhm_inv_a`` (Å⁻¹).

    ``thickness_angle_nm`` (and ``fwhm_2theta_deg``) need ``wavelength_a``; NaN otherwise.
    Raises :class:`FitError` if the peak is not broader than the instrument.

    Parameters
    ----------
    q_inv_a : float
        Peak position in Å⁻¹.
    fwhm_inv_a : float
        Peak FWHM in Å⁻¹.
    fwhm_err : float, default 0.0
        Standard error of the FWHM in Å⁻¹.
    k : float, default 0.89
        Scherrer shape factor K (0.89–0.94 for spheres and cubes; 0.9 is usual).
    wavelength_a : float, optional
        X-ray wavelength in Å (only to report the angle form).
    instrument_fwhm_inv_a : float, default 0.0
        Instrumental FWHM in Å⁻¹, removed first.
    instrument_shape : {"gaussian", "lorentzian"}, default 'gaussian'
        Profile shape of the instrument function: Gaussian widths subtract in quadrature,
        Lorentzian widths linearly.
    """
    q, fw = float(q_inv_a), float(fwhm_inv_a)
    if not (q > 0 and fw > 0 and np.isfinite(q) and np.isfinite(fw)):
        raise InputError(f"peak position {q} and FWHM {fw} Å⁻¹ must be positive")
    if not k > 0:
        raise InputError(f"Scherrer constant K = {k} must be positive")
    if instrument_shape not in CORRECTIONS:
        raise InputError(f"instrument_shape {instrument_shape!r}: use one of {tuple(CORRECTIONS)}")
    inst = float(instrument_fwhm_inv_a or 0.0)
    if inst > 0 and fw <= inst:
        raise FitError(f"peak FWHM {fw:.4g} Å⁻¹ is not broader than the instrumental "
                       f"{inst:.4g} Å⁻¹: the domain size is not measurable")
    d_nm, d_err = broadening.scherrer_size_q_nm(fw, k=k, fwhm_err=float(fwhm_err or 0.0),
                                                instrumental_fwhm_inv_a=inst,
                                                instrument_shape=instrument_shape)
    if inst > 0:
        fw = float(broadening.remove_instrumental(fw, inst, shape=instrument_shape))
    angle_nm, b_deg = float("nan"), float("nan")
    if wavelength_a is not None:
        lam = float(wavelength_a)
        # the angle form with the exact 2θ breadth of q ± Δq/2, as a check of the q form
        tth = units.q_to_twotheta(np.array([q - fw / 2, q, q + fw / 2]), lam)
        if np.all(np.isfinite(tth)):
            b_deg = float(tth[2] - tth[0])
            angle_nm = float(broadening.scherrer_size_nm(tth[1], b_deg, lam, k=k)[0])
    return ScherrerResult(float(d_nm), float(d_err), angle_nm, q, fw, b_deg, float(k),
                          None if wavelength_a is None else float(wavelength_a))
