"""PL quantum yield under pressure, relative to the same sample at ambient.

The relative method (Würth, Grabolle, Pauli, Spieles & Resch-Genger, Nat. Protoc. 8, 1535
(2013), eq. 1) gives

    Φ = Φ_R · (F / F_R) · (A_R / A) · (n² / n_R²)

with F the integrated emission, A the absorptance (fraction of excitation absorbed) and n
the refractive index of the emitting medium. Under pressure the reference is the ambient
measurement of the same sample, and n follows from the density through the
Lorentz–Lorenz relation (n² − 1)/(n² + 2) · 1/ρ = const with ρ ∝ 1/V, so

    L(P) = L0 · V0/V,  L = (n² − 1)/(n² + 2),  n² = (1 + 2L)/(1 − L).

The reference study (InP/ZnSe, Table S1) uses n = 4.489 at ambient (InP) and A_R/A = 1.
L must stay below 1: a compression so strong that L0·V0/V ≥ 1 has no real n (the
Clausius–Mossotti catastrophe), and :func:`n_squared_lorentz_lorenz` raises InputError.

>>> r = plqy_under_pressure([0.0, 0.6], [1.0, 0.836], [1.0, 0.992], qy0=30.09, n0=4.489)
>>> [round(float(v), 2) for v in r.plqy]
[30.09, 26.66]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.errors import InputError


def _as_1d(values, name: str) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected numbers, got {values!r}") from None
    if arr.size == 0:
        raise InputError(f"{name}: no values given")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name}: contains NaN or infinite values; remove or repair them")
    return arr


def n_squared_lorentz_lorenz(volume_ratio, n0: float) -> np.ndarray:
    """n² at relative volume V/V0 from the ambient index ``n0`` (Lorentz–Lorenz, ρ ∝ 1/V).

    Parameters
    ----------
    volume_ratio : float or array_like
        Relative volume V/V0.
    n0 : float
        Refractive index at ambient pressure.

    Examples
    --------
    >>> round(float(n_squared_lorentz_lorenz(1.0, 4.489)[0]), 3)
    20.151
    """
    v = _as_1d(volume_ratio, "volume_ratio")
    if not np.isfinite(n0) or n0 < 1:
        raise InputError(f"n0: the ambient refractive index must be a number ≥ 1, got {n0!r}")
    if np.any(v <= 0):
        raise InputError("volume_ratio: V/V0 must be positive")
    n0_sq = n0 ** 2
    lorentz = (n0_sq - 1) / (n0_sq + 2) / v
    if np.any(lorentz >= 1):
        v_min = (n0_sq - 1) / (n0_sq + 2)
        bad = v[lorentz >= 1]
        raise InputError(
            f"volume_ratio: V/V0 = {bad.min():g} makes (n²−1)/(n²+2) = {lorentz.max():.4f} ≥ 1 "
            f"(Lorentz–Lorenz has no real index there; with n0 = {n0:g} V/V0 must exceed "
            f"{v_min:.4f}); check the volume column or n0")
    return (1 + 2 * lorentz) / (1 - lorentz)


@dataclass(frozen=True)
class PLQYResult:
    """PLQY per pressure step; ``plqy`` is in the unit of ``qy0`` (percent in the CLI)."""

    pressure_gpa: np.ndarray
    n_squared: np.ndarray
    plqy: np.ndarray

    def rows(self) -> list[dict]:
        return [{"pressure_gpa": float(p), "n_squared": float(n2), "plqy": float(q)}
                for p, n2, q in zip(self.pressure_gpa, self.n_squared, self.plqy)]


def plqy_under_pressure(pressure_gpa, intensity_ratio, volume_ratio, *, qy0: float, n0: float,
                        absorptance_ratio=None) -> PLQYResult:
    """Φ(P) = Φ0 · (I/I0) · (A0/A) · n²(P)/n0².

    ``absorptance_ratio`` is A/A0 (absorbed fraction of the excitation relative to ambient;
    1 when not given, as in the study's Table S1).

    Parameters
    ----------
    pressure_gpa : array_like
        Pressures in GPa.
    intensity_ratio : array_like
        Integrated PL intensity relative to ambient, I/I0.
    volume_ratio : array_like
        Relative volume V/V0 of the emitter at each pressure.
    qy0 : float
        Quantum yield Φ0 at ambient pressure.
    n0 : float
        Refractive index at ambient pressure.
    absorptance_ratio : array_like, optional
        Absorbed fraction of the excitation relative to ambient, A/A0; 1 when None.
    """
    p = _as_1d(pressure_gpa, "pressure_gpa")
    ratio = _as_1d(intensity_ratio, "intensity_ratio")
    v = _as_1d(volume_ratio, "volume_ratio")
    absr = np.ones_like(p) if absorptance_ratio is None else _as_1d(absorptance_ratio, "absorptance_ratio")
    if not (p.size == ratio.size == v.size == absr.size):
        raise InputError("pressure_gpa, intensity_ratio, volume_ratio (and absorptance_ratio) "
                         f"must have the same length, got {p.size}, {ratio.size}, {v.size}, {absr.size}")
    if np.any(ratio < 0):
        raise InputError("intensity_ratio: I/I0 cannot be negative")
    if np.any(absr <= 0):
        raise InputError("absorptance_ratio: A/A0 must be positive")
    if np.any((v <= 0) | (v > 1.5)):
        # compression gives V/V0 <= 1; 1.5 leaves room for any thermal expansion
        raise InputError(f"volume_ratio: V/V0 must lie in (0, 1.5], got {v.min():g}…{v.max():g}"
                         + ("; values like these look like percent: divide by 100" if v.max() > 10 else ""))
    if not np.isfinite(qy0) or qy0 < 0:
        raise InputError(f"qy0: the ambient quantum yield must be ≥ 0, got {qy0!r}")
    n_sq = n_squared_lorentz_lorenz(v, n0)
    return PLQYResult(pressure_gpa=p, n_squared=n_sq,
                      plqy=qy0 * ratio / absr * n_sq / n0 ** 2)
