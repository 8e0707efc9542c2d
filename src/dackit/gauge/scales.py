"""Calibration scales of optical pressure gauges: P(λ; λ0) and its exact inverse.

Every published line-shift gauge uses one of four algebraic forms in Δλ = λ − λ0 (nm),
P in GPa. Each has a closed-form inverse, so forward and inverse are exact and vectorised.

* ``"mao"`` — P = (A/B)[(λ/λ0)^B − 1] (Mao, Bell, Shaner & Steinberg, J. Appl. Phys. 49,
  3276 (1978)).
* ``"poly"`` — P = A·x(1 + B·x), x = Δλ/λ0 (Dorogokupets & Oganov, Phys. Rev. B 75, 024115
  (2007); Shen et al., High Press. Res. 40, 299 (2020)).
* ``"linear"`` — P = A·Δλ/λ0 (Piermarini et al., J. Appl. Phys. 46, 2774 (1975)).
* ``"rational"`` — P = A·Δλ(1 + B·Δλ)/(1 + C·Δλ), A in GPa/nm (Datchi et al.,
  J. Appl. Phys. 81, 3333 (1997), Sm:SrB4O7).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.errors import InputError


@dataclass(frozen=True)
class Scale:
    """One published calibration: its form, constants, and where they come from."""

    name: str
    form: str                 # "mao" | "poly" | "linear" | "rational"
    A: float
    B: float = 0.0
    C: float = 0.0
    lambda0_nm: float = 694.24  # λ0 the authors used (informational unless chosen as ref)
    citation: str = ""
    medium: str = ""
    max_pressure_gpa: float = np.inf

    def pressure(self, wavelength_nm, lambda0_nm):
        """P (GPa) at line wavelength λ for the reference λ0 (both nm)."""
        lam = np.asarray(wavelength_nm, dtype=float)
        lam0 = np.asarray(lambda0_nm, dtype=float)
        if self.form == "mao":
            return self.A / self.B * ((lam / lam0) ** self.B - 1.0)
        if self.form == "poly":
            x = (lam - lam0) / lam0
            return self.A * x * (1.0 + self.B * x)
        if self.form == "linear":
            return self.A * (lam - lam0) / lam0
        if self.form == "rational":
            d = lam - lam0
            return self.A * d * (1.0 + self.B * d) / (1.0 + self.C * d)
        raise InputError(f"scale {self.name!r}: unknown form {self.form!r}")

    def wavelength(self, pressure_gpa, lambda0_nm):
        """Exact inverse of :meth:`pressure`: line wavelength (nm) at P (GPa)."""
        p = np.asarray(pressure_gpa, dtype=float)
        lam0 = np.asarray(lambda0_nm, dtype=float)
        with np.errstate(invalid="ignore"):
            if self.form == "mao":
                return lam0 * (1.0 + self.B * p / self.A) ** (1.0 / self.B)
            if self.form == "poly":
                # B x² + x − P/A = 0, root continuous with x = P/A at small P
                x = 2 * (p / self.A) / (1.0 + np.sqrt(1.0 + 4 * self.B * p / self.A))
                return lam0 * (1.0 + x)
            if self.form == "linear":
                return lam0 * (1.0 + p / self.A)
            if self.form == "rational":
                # A B d² + (A − P C) d − P = 0
                b = self.A - p * self.C
                d = 2 * p / (b + np.sqrt(b * b + 4 * self.A * self.B * p))
                return lam0 + d
        raise InputError(f"scale {self.name!r}: unknown form {self.form!r}")

    def sensitivity(self, wavelength_nm, lambda0_nm):
        """(∂P/∂λ, ∂P/∂λ0) in GPa/nm, by central differences (exact enough: forms are smooth)."""
        h = 1e-4
        lam = np.asarray(wavelength_nm, dtype=float)
        lam0 = np.asarray(lambda0_nm, dtype=float)
        dp_dlam = (self.pressure(lam + h, lam0) - self.pressure(lam - h, lam0)) / (2 * h)
        dp_dlam0 = (self.pressure(lam, lam0 + h) - self.pressure(lam, lam0 - h)) / (2 * h)
        return dp_dlam, dp_dlam0


class ScaleRangeWarning(UserWarning):
    """A pressure outside the range a scale was calibrated over (extrapolated, not refused)."""


def warn_outside(scale, pressure, what: str):
    """Return ``pressure`` unchanged, warning (``ScaleRangeWarning``) where it leaves the
    scale's calibrated range: the public conversion functions never extrapolate silently.
    (Fits put the same fact in the result's quality notes instead.)"""
    import warnings

    p = np.asarray(pressure, dtype=float)
    top = getattr(scale, "max_pressure_gpa", np.inf)
    if np.any(p > top):
        warnings.warn(f"{float(np.max(p)):.1f} GPa is beyond the {scale.name} {what} scale's calibrated "
                      f"range (<= {top:g} GPa): extrapolated", ScaleRangeWarning, stacklevel=3)
    return pressure


def get_scale(registry: dict[str, Scale], name: str, what: str) -> Scale:
    """Look a scale up by name, with an error listing the valid names."""
    try:
        return registry[name]
    except KeyError:
        raise InputError(f"unknown {what} scale {name!r}; choose one of: "
                         f"{', '.join(sorted(registry))}") from None
