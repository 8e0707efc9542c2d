"""Unit conversions used across dackit.

Optical: wavelength (nm) ↔ photon energy (eV) ↔ wavenumber (cm⁻¹), plus the Jacobian that
turns a spectral density per nm into one per eV. Diffraction: 2θ (degrees) ↔ d (Å) ↔ q (Å⁻¹)
for an X-ray wavelength in Å, and X-ray energy (keV) ↔ wavelength (Å).

Constants are CODATA 2018 (exact SI values for h, c, e), via :mod:`scipy.constants`.

>>> round(float(nm_to_ev(619.0)), 4)
2.003
>>> round(float(twotheta_to_d(10.0, 0.6199)), 4)
3.5563
"""
import numpy as np
from numpy.typing import ArrayLike
from scipy import constants as _c

#: hc in eV·nm (1239.841984… eV nm), CODATA 2018.
HC_EV_NM = _c.h * _c.c / _c.e * 1e9
#: hc in keV·Å (12.398419… keV Å).
HC_KEV_A = HC_EV_NM / 100  # 1 eV·nm = 1e-3 keV × 10 Å


def nm_to_ev(wavelength_nm: ArrayLike) -> np.ndarray:
    """Photon energy (eV) of a vacuum wavelength (nm)."""
    return HC_EV_NM / np.asarray(wavelength_nm, dtype=float)


def ev_to_nm(energy_ev: ArrayLike) -> np.ndarray:
    """Vacuum wavelength (nm) of a photon energy (eV)."""
    return HC_EV_NM / np.asarray(energy_ev, dtype=float)


def nm_to_wavenumber(wavelength_nm: ArrayLike) -> np.ndarray:
    """Wavenumber (cm⁻¹) of a wavelength (nm)."""
    return 1e7 / np.asarray(wavelength_nm, dtype=float)


def wavenumber_to_nm(wavenumber_cm: ArrayLike) -> np.ndarray:
    """Wavelength (nm) of a wavenumber (cm⁻¹)."""
    return 1e7 / np.asarray(wavenumber_cm, dtype=float)


def raman_shift_to_nm(shift_cm: ArrayLike, excitation_nm: float) -> np.ndarray:
    """Absolute wavelength (nm) of a Stokes Raman shift (cm⁻¹) from a laser line (nm)."""
    return 1e7 / (1e7 / float(excitation_nm) - np.asarray(shift_cm, dtype=float))


def nm_to_raman_shift(wavelength_nm: ArrayLike, excitation_nm: float) -> np.ndarray:
    """Stokes Raman shift (cm⁻¹) of a wavelength (nm) from a laser line (nm)."""
    return 1e7 / float(excitation_nm) - 1e7 / np.asarray(wavelength_nm, dtype=float)


def intensity_per_nm_to_per_ev(wavelength_nm: ArrayLike, intensity: ArrayLike) -> np.ndarray:
    """Spectral density per nm → per eV: I(E) = I(λ)·λ²/(hc).

    The Jacobian |dλ/dE| = λ²/hc; without it, peaks of broad emission measured on a
    wavelength-linear spectrometer are shifted in energy (Mooney & Kambhampati,
    J. Phys. Chem. Lett. 4, 3316 (2013)).
    """
    lam = np.asarray(wavelength_nm, dtype=float)
    return np.asarray(intensity, dtype=float) * lam**2 / HC_EV_NM


def kev_to_angstrom(energy_kev: ArrayLike) -> np.ndarray:
    """X-ray wavelength (Å) of a photon energy (keV)."""
    return HC_KEV_A / np.asarray(energy_kev, dtype=float)


def angstrom_to_kev(wavelength_a: ArrayLike) -> np.ndarray:
    """X-ray photon energy (keV) of a wavelength (Å)."""
    return HC_KEV_A / np.asarray(wavelength_a, dtype=float)


def twotheta_to_q(twotheta_deg: ArrayLike, wavelength_a: float) -> np.ndarray:
    """Scattering vector q = 4π sin θ / λ (Å⁻¹) of a 2θ (degrees)."""
    theta = np.radians(np.asarray(twotheta_deg, dtype=float)) / 2
    return 4 * np.pi * np.sin(theta) / float(wavelength_a)


def q_to_twotheta(q_inv_a: ArrayLike, wavelength_a: float) -> np.ndarray:
    """2θ (degrees) of a scattering vector q (Å⁻¹); NaN where q·λ/4π > 1."""
    s = np.asarray(q_inv_a, dtype=float) * float(wavelength_a) / (4 * np.pi)
    with np.errstate(invalid="ignore"):
        return np.degrees(2 * np.arcsin(np.where(np.abs(s) <= 1, s, np.nan)))


def twotheta_to_d(twotheta_deg: ArrayLike, wavelength_a: float) -> np.ndarray:
    """Bragg d-spacing (Å): d = λ / (2 sin θ)."""
    theta = np.radians(np.asarray(twotheta_deg, dtype=float)) / 2
    return float(wavelength_a) / (2 * np.sin(theta))


def d_to_twotheta(d_a: ArrayLike, wavelength_a: float) -> np.ndarray:
    """2θ (degrees) of a d-spacing (Å); NaN where λ/2d > 1 (reflection not reachable)."""
    s = float(wavelength_a) / (2 * np.asarray(d_a, dtype=float))
    with np.errstate(invalid="ignore"):
        return np.degrees(2 * np.arcsin(np.where(np.abs(s) <= 1, s, np.nan)))


def q_to_d(q_inv_a: ArrayLike) -> np.ndarray:
    """d = 2π/q (Å)."""
    return 2 * np.pi / np.asarray(q_inv_a, dtype=float)


def d_to_q(d_a: ArrayLike) -> np.ndarray:
    """q = 2π/d (Å⁻¹)."""
    return 2 * np.pi / np.asarray(d_a, dtype=float)
