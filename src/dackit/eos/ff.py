"""F–f plots: normalised stress against finite strain, with esd's, and (K0, K′) ellipses.

Strains (``shared/reference/physics.md`` §1.7, checked against CrysFML08
``Eos_NormPressure.f90``/``Eos_FfCalc.f90``), η = V/V0:

* ``"eulerian"`` (Birch–Murnaghan): f_E = ½(η^{−2/3} − 1), F_E = P / [3 f_E (1+2f_E)^{5/2}];
  a BM3 is a straight line with intercept K0 and slope (3/2)K0(K′ − 4).
* ``"natural"`` (Poirier–Tarantola): f_N = −⅓ ln η, F_N = P η / (3 f_N).
* ``"vinet"``: s = 1 − η^{1/3}, F_V = P η^{2/3} / (3 s); ln F_V = ln K0 + (3/2)(K′ − 1) s.

Esd's after Heinz & Jeanloz, J. Appl. Phys. 55, 885 (1984): σ_η = η√[(σV/V)² + (σV0/V0)²],
σ_f = |df/dη| σ_η, σ_F = F √[(σP/P)² + (∂lnF/∂η · σ_η)²]. F is 0/0 at f → 0, so points near
P = 0 carry huge relative errors: they are flagged (``valid`` False) when f ≤ 0, P ≤ 0 or
σ_F ≥ |F|, and plots leave them out.

>>> import numpy as np
>>> from dackit.eos.forms import EOS_FORMS
>>> v = np.array([98.0, 95.0, 92.0])
>>> ff = normalized_stress(EOS_FORMS["bm3"].pressure(v, 100.0, 150.0, 4.0), v, 100.0)
>>> np.round(ff.F_gpa, 6).tolist()        # BM2-like: F = K0 everywhere
[150.0, 150.0, 150.0]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from dackit.errors import InputError

STRAINS = ("eulerian", "natural", "vinet")
#: the strain whose F–f plot is linear for each EoS form
STRAIN_FOR_FORM = {"bm2": "eulerian", "bm3": "eulerian", "bm4": "eulerian", "natural": "natural",
                   "vinet": "vinet", "murnaghan": "eulerian", "tait": "eulerian"}


@dataclass(frozen=True, eq=False)
class FfData:
    """Strain ``f`` and normalised stress ``F_gpa`` per point with their 1σ; ``valid`` flags
    the points usable in a plot (not at or near P = 0)."""

    strain: str
    f: np.ndarray
    f_err: np.ndarray
    F_gpa: np.ndarray
    F_err: np.ndarray
    valid: np.ndarray
    pressure_gpa: np.ndarray
    volume_a3: np.ndarray
    v0_a3: float


def strain_from_eta(eta, strain: str):
    eta = np.asarray(eta, dtype=float)
    if strain == "eulerian":
        return 0.5 * (eta ** (-2.0 / 3.0) - 1.0)
    if strain == "natural":
        return -np.log(eta) / 3.0
    if strain == "vinet":
        return 1.0 - eta ** (1.0 / 3.0)
    raise InputError(f"strain: unknown strain {strain!r}; choose one of {', '.join(STRAINS)}")


def eta_from_strain(f, strain: str):
    f = np.asarray(f, dtype=float)
    if strain == "eulerian":
        return (1.0 + 2.0 * f) ** -1.5
    if strain == "natural":
        return np.exp(-3.0 * f)
    if strain == "vinet":
        return (1.0 - f) ** 3
    raise InputError(f"strain: unknown strain {strain!r}; choose one of {', '.join(STRAINS)}")


def _stress(p, eta, f, strain):
    with np.errstate(all="ignore"):
        if strain == "eulerian":
            return p / (3.0 * f * (1.0 + 2.0 * f) ** 2.5)
        if strain == "natural":
            return p * eta / (3.0 * f)
        return p * eta ** (2.0 / 3.0) / (3.0 * f)


def _derivatives(eta, f, strain):
    """|df/dη| and |∂lnF/∂η| (Heinz & Jeanloz 1984)."""
    with np.errstate(all="ignore"):
        if strain == "eulerian":
            dfdeta = eta ** (-5.0 / 3.0) / 3.0
            dlnF = (7.0 * eta ** (-2.0 / 3.0) - 5.0) / (3.0 * (1.0 - eta ** (-2.0 / 3.0)) * eta)
        elif strain == "natural":
            dfdeta = 1.0 / (3.0 * eta)
            dlnF = (1.0 - 1.0 / np.log(eta)) / eta
        else:
            dfdeta = eta ** (-2.0 / 3.0) / 3.0
            dlnF = (f * f - 1.0) / (f * (1.0 - f) ** 2) * dfdeta
    return np.abs(dfdeta), np.abs(dlnF)


def normalized_stress(pressure_gpa, volume_a3, v0_a3: float, *, strain: str = "eulerian",
                      pressure_err=None, volume_err=None, v0_err: float = 0.0) -> FfData:
    """F–f data of P–V points for a given V0 (and its esd), with Heinz–Jeanloz esd's.

    Parameters
    ----------
    pressure_gpa : array_like
        Pressures in GPa.
    volume_a3 : array_like
        Unit-cell volumes in Å³.
    v0_a3 : float
        Zero-pressure volume V0 in Å³.
    strain : {"eulerian", "natural"}, default 'eulerian'
        Finite-strain measure.
    pressure_err : float or array_like, optional
        Standard error(s) of the pressures in GPa, one value or one per point.
    volume_err : float or array_like, optional
        Standard error(s) of the volumes in Å³, one value or one per point.
    v0_err : float, default 0.0
        Standard error of V0 in Å³.
    """
    if strain not in STRAINS:
        raise InputError(f"strain: unknown strain {strain!r}; choose one of {', '.join(STRAINS)}")
    p = np.asarray(pressure_gpa, dtype=float)
    v = np.asarray(volume_a3, dtype=float)
    if p.shape != v.shape or p.ndim != 1:
        raise InputError("pressure_gpa and volume_a3 must be 1-D arrays of equal length")
    if not (np.isfinite(v0_a3) and v0_a3 > 0) or np.any(v <= 0):
        raise InputError("v0_a3 and volume_a3 must be > 0")
    sp = np.zeros_like(p) if pressure_err is None else np.asarray(pressure_err, dtype=float)
    sv = np.zeros_like(v) if volume_err is None else np.asarray(volume_err, dtype=float)
    eta = v / v0_a3
    f = strain_from_eta(eta, strain)
    F = _stress(p, eta, f, strain)
    s_eta = eta * np.sqrt((sv / v) ** 2 + (v0_err / v0_a3) ** 2)
    dfdeta, dlnF = _derivatives(eta, f, strain)
    with np.errstate(all="ignore"):
        f_err = dfdeta * s_eta
        F_err = np.abs(F) * np.sqrt((sp / p) ** 2 + (dlnF * s_eta) ** 2)
    valid = np.isfinite(F) & np.isfinite(F_err) & (f > 0) & (p > 0) & (F_err < np.abs(F))
    return FfData(strain=strain, f=f, f_err=f_err, F_gpa=F, F_err=F_err, valid=valid,
                  pressure_gpa=p, volume_a3=v, v0_a3=float(v0_a3))


def ff_from_fit(fit, strain: str | None = None) -> FfData:
    """F–f data of a fit's points, using its V0 and V0 esd; strain defaults to the one
    in which the fitted form is linear (Eulerian for BM, natural, Vinet).

    Parameters
    ----------
    fit : EosFit
        The fit whose points are converted.
    strain : {"eulerian", "natural"}, optional
        Finite-strain measure; the one in which the fitted form is linear when None.
    """
    strain = strain or STRAIN_FOR_FORM.get(fit.form, "eulerian")
    v0_err = fit.err("v0")
    return normalized_stress(fit.pressure_gpa, fit.volume_a3, fit.value("v0"), strain=strain,
                             pressure_err=fit.pressure_err, volume_err=fit.volume_err, v0_err=v0_err)


def ff_line(fit, f, strain: str | None = None):
    """Normalised stress F(f) of the fitted EoS, for drawing over the F–f points.

    Parameters
    ----------
    fit : EosFit
        The fit.
    f : array_like
        Strains at which to evaluate F.
    strain : {"eulerian", "natural"}, optional
        Finite-strain measure; the fit's own when None.
    """
    strain = strain or STRAIN_FOR_FORM.get(fit.form, "eulerian")
    eta = eta_from_strain(f, strain)
    p = fit.pressure(eta * fit.value("v0"))
    return _stress(p, eta, np.asarray(f, dtype=float), strain)


def confidence_ellipse(fit, params=("k0", "kp"), level: float = 0.683, n_points: int = 200):
    """Boundary (x, y) of the joint confidence region of two fitted parameters.

    Δχ² for 2 parameters: 2.30 at 68.3 %, 6.18 at 95.4 %, 11.8 at 99.73 % (χ² with 2 dof).
    Built from the (already scaled) covariance, so it is the region EosFit7 draws.

    Parameters
    ----------
    fit : EosFit
        The fit.
    params : tuple of str, default ('k0', 'kp')
        The two parameters (``"v0"``, ``"k0"``, ``"kp"``, ``"kpp"``).
    level : float, default 0.683
        Confidence level of the region.
    n_points : int, default 200
        Points on the boundary.
    """
    a, b = params
    if a in fit.fixed or b in fit.fixed:
        raise InputError(f"confidence ellipse: {a} and {b} must both be free parameters")
    if not 0 < level < 1:
        raise InputError(f"level: confidence level must be between 0 and 1, got {level}")
    i, j = fit.names.index(a), fit.names.index(b)
    cov = fit.covariance[np.ix_([i, j], [i, j])]
    radius = np.sqrt(chi2.ppf(level, 2))
    t = np.linspace(0.0, 2.0 * np.pi, n_points)
    L = np.linalg.cholesky(cov)
    xy = radius * (L @ np.vstack([np.cos(t), np.sin(t)]))
    return fit.values[i] + xy[0], fit.values[j] + xy[1]
