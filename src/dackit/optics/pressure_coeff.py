"""Pressure coefficients of an optical transition: E(P) = E0 + αP + βP².

Weighted linear least squares in the polynomial coefficients. Pressure uncertainties enter
through the *effective variance* method (Orear, Am. J. Phys. 50, 912 (1982)):
σ_i² = σ_E,i² + (dE/dP)_i² σ_P,i², with dE/dP taken from the current fit and the fit repeated
until the coefficients stop changing (they converge in a few passes for smooth E(P)).

Covariances: with no energy errors σ is unknown and the covariance is scaled by χ²_ν
(lmfit's convention). With energy errors, ``scale_covar=None`` (default) scales only when
χ²_ν > 1 — the Birge ratio (Birge, Phys. Rev. 40, 207 (1932)): points scattering more than
their errors say widen the coefficient errors, points scattering less do not shrink them;
``True``/``False`` force scaling on or off.

Compression and decompression points are never mixed silently: pass ``direction`` (one
label per point) and the fit uses the ``branch`` points only; :func:`fit_branches` fits each
branch apart, :func:`infer_direction` labels a series measured in order, and
:func:`reversibility` compares the released sample with the ambient start.

>>> import numpy as np
>>> p = np.linspace(0, 5.6, 8)
>>> e = 2.012 + 0.053 * p - 0.002 * p**2
>>> f = fit_energy_vs_pressure(p, e + 1e-4 * np.cos(7 * p), e_err=1e-4)
>>> round(f.e0_ev, 3), round(f.alpha_mev_per_gpa), round(f.beta_mev_per_gpa2)
(2.012, 53, -2)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from dackit.core.lsq import covariance_from_jacobian, covariance_to_correlation, covariance_to_stderr
from dackit.errors import FitError, InputError

COMPRESSION = "compression"
DECOMPRESSION = "decompression"
_ALIASES = {"compression": COMPRESSION, "up": COMPRESSION, "c": COMPRESSION, "comp": COMPRESSION,
            "decompression": DECOMPRESSION, "down": DECOMPRESSION, "d": DECOMPRESSION,
            "decomp": DECOMPRESSION, "release": DECOMPRESSION}


def _vector(values, name: str, n: int | None = None) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected numbers, got {values!r}") from None
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name}: contains NaN or infinite values; remove those points")
    if n is not None and arr.size != n:
        raise InputError(f"{name}: has {arr.size} values but there are {n} points")
    return arr


def direction_labels(direction, n: int) -> np.ndarray:
    """Normalise per-point labels (compression/up/c, decompression/down/d/release).

    Parameters
    ----------
    direction : str or array_like of str
        One label for all points or one per point: compression/up/c/comp,
        decompression/down/d/release.
    n : int
        Number of points.
    """
    labels = np.asarray([str(d).strip().lower() for d in direction], dtype=object)
    if labels.size != n:
        raise InputError(f"direction: has {labels.size} labels but there are {n} points")
    unknown = sorted({d for d in labels if d not in _ALIASES})
    if unknown:
        raise InputError(f"direction: unknown label(s) {unknown}; use 'compression' or 'decompression'")
    return np.asarray([_ALIASES[d] for d in labels], dtype=object)


def infer_direction(pressure_gpa) -> np.ndarray:
    """Label points of a series *in measurement order*: up to the highest pressure is
    compression, after it decompression.

    Parameters
    ----------
    pressure_gpa : array_like
        Pressures in GPa, in measurement order.

    Examples
    --------
    >>> list(infer_direction([0, 2, 5, 3, 0.1]))
    ['compression', 'compression', 'compression', 'decompression', 'decompression']
    """
    p = _vector(pressure_gpa, "pressure_gpa")
    top = int(np.argmax(p))
    return np.asarray([COMPRESSION] * (top + 1) + [DECOMPRESSION] * (p.size - top - 1), dtype=object)


@dataclass(frozen=True)
class PressureFit:
    """E(P) polynomial fit. Coefficient order in ``params``/``covariance``: E0 (eV),
    α (eV/GPa), β (eV/GPa²) — SI-like units; the named attributes give meV forms."""

    order: int
    params: np.ndarray
    covariance: np.ndarray
    chi2: float
    redchi: float
    dof: int
    pressure_gpa: np.ndarray
    energy_ev: np.ndarray
    sigma_ev: np.ndarray        # effective σ of each point used in the final pass
    residuals_mev: np.ndarray
    absolute_sigma: bool        # True when the covariance was not scaled by χ²_ν
    branch: str | None
    n_iter: int

    @property
    def stderr(self) -> np.ndarray:
        return covariance_to_stderr(self.covariance)

    @property
    def e0_ev(self) -> float:
        return float(self.params[0])

    @property
    def e0_ev_err(self) -> float:
        return float(self.stderr[0])

    @property
    def alpha_mev_per_gpa(self) -> float:
        return float(self.params[1] * 1e3) if self.order >= 1 else float("nan")

    @property
    def alpha_mev_per_gpa_err(self) -> float:
        return float(self.stderr[1] * 1e3) if self.order >= 1 else float("nan")

    @property
    def beta_mev_per_gpa2(self) -> float:
        return float(self.params[2] * 1e3) if self.order >= 2 else float("nan")

    @property
    def beta_mev_per_gpa2_err(self) -> float:
        return float(self.stderr[2] * 1e3) if self.order >= 2 else float("nan")

    @property
    def correlation(self) -> np.ndarray:
        return covariance_to_correlation(self.covariance)

    def energy(self, pressure_gpa) -> np.ndarray:
        """Fitted E (eV) at the given pressures."""
        return np.polynomial.polynomial.polyval(np.asarray(pressure_gpa, dtype=float), self.params)

    def predict(self, pressure_gpa, *, level: float = 0.95, kind: str = "prediction"):
        """(E, lower, upper) at ``pressure_gpa``: the ``level`` confidence band of the curve
        (``kind="confidence"``) or the prediction band of a new measurement
        (``kind="prediction"``: curve variance plus the scatter of one point, χ²_ν·⟨σ²⟩ or
        ⟨σ²⟩ with absolute σ), using Student's t with the fit's degrees of freedom."""
        if kind not in ("prediction", "confidence"):
            raise InputError(f"kind: use 'prediction' or 'confidence', not {kind!r}")
        p = np.asarray(pressure_gpa, dtype=float)
        jac = np.stack([p ** k for k in range(self.order + 1)], axis=-1)
        var = np.einsum("...i,ij,...j->...", jac, self.covariance, jac)
        if kind == "prediction":
            point_var = float(np.mean(self.sigma_ev ** 2))
            var = var + (point_var if self.absolute_sigma else self.redchi * point_var)
        t = stats.t.ppf(0.5 + level / 2, max(self.dof, 1))
        e = self.energy(p)
        half = t * np.sqrt(var)
        return e, e - half, e + half

    def to_dict(self) -> dict:
        return {"e0_ev": self.e0_ev, "e0_ev_err": self.e0_ev_err,
                "alpha_mev_per_gpa": self.alpha_mev_per_gpa,
                "alpha_mev_per_gpa_err": self.alpha_mev_per_gpa_err,
                "beta_mev_per_gpa2": self.beta_mev_per_gpa2,
                "beta_mev_per_gpa2_err": self.beta_mev_per_gpa2_err,
                "redchi": self.redchi}



def ep_fit_order(n_points: int, max_order: int = 2) -> int | None:
    """The polynomial order of E(P) that ``n_points`` support, or None when too few.

    The highest order up to ``max_order`` that leaves at least one degree of freedom
    (n ≥ order + 2), so the scatter can check the fit: a quadratic from 4 points, a
    straight line from 3, no fit below. ``dackit pl`` and ``dackit run`` both use this rule.

    >>> [ep_fit_order(n) for n in (2, 3, 4, 9)], ep_fit_order(9, max_order=1)
    ([None, 1, 2, 2], 1)
    """
    if max_order < 1:
        raise InputError(f"max_order: an E(P) fit needs order 1 or more, got {max_order}")
    for order in range(max_order, 0, -1):
        if n_points >= order + 2:
            return order
    return None

def _wls(p, e, sigma, order):
    design = np.stack([p ** k for k in range(order + 1)], axis=1)
    w = 1.0 / sigma
    a = design * w[:, None]
    b = e * w
    coef, *_ = np.linalg.lstsq(a, b, rcond=None)
    # unscaled (JᵀJ)⁻¹ of the weighted design; the caller decides on χ² scaling
    cov = covariance_from_jacobian(a, scale=False).matrix
    return coef, cov


def fit_energy_vs_pressure(pressure_gpa, energy_ev, *, e_err=None, pressure_err=None, order: int = 2,
                           direction=None, branch: str = COMPRESSION, scale_covar: bool | None = None,
                           max_iter: int = 50, tol: float = 1e-12) -> PressureFit:
    """Fit E(P) = Σ c_k P^k (k ≤ ``order``; 1 linear, 2 quadratic) by weighted least squares.

    ``e_err``/``pressure_err``: standard errors of energies (eV) and pressures (GPa), scalars or
    per point. Without ``e_err`` the points get equal weight and the covariance is scaled by
    χ²_ν; if ``pressure_err`` is then given, σ_E is first estimated from the scatter of an
    unweighted fit so that the two error sources can be combined. ``direction``: one label
    per point (``"compression"``/``"decompression"``); only the ``branch`` points are fitted.

    Parameters
    ----------
    pressure_gpa : array_like
        Pressures in GPa.
    energy_ev : array_like
        Peak energies in eV.
    e_err : float or array_like, optional
        Standard error(s) of the energies in eV, one value or one per point.
    pressure_err : float or array_like, optional
        Standard error(s) of the pressures in GPa, one value or one per point.
    order : {1, 2, 3}, default 2
        Polynomial order: 1 linear, 2 quadratic.
    direction : array_like of str, optional
        One label per point; with it only the ``branch`` points are fitted.
    branch : str, default 'compression'
        Which branch to fit when ``direction`` is given: ``"compression"`` or
        ``"decompression"``.
    scale_covar : bool, optional
        Scale the covariance by χ²_ν; None scales only without energy errors or when χ²_ν >
        1.
    max_iter : int, default 50
        Most passes of the effective-variance iteration (with pressure errors).
    tol : float, default 1e-12
        Convergence tolerance on the coefficients of that iteration.
    """
    p = _vector(pressure_gpa, "pressure_gpa")
    e = _vector(energy_ev, "energy_ev", p.size)
    if order not in (1, 2, 3):
        raise InputError(f"order: use 1 (linear), 2 (quadratic) or 3, got {order!r}")
    se = None if e_err is None else np.broadcast_to(_vector(e_err, "e_err"), p.shape).astype(float)
    sp = None if pressure_err is None else np.broadcast_to(_vector(pressure_err, "pressure_err"), p.shape).astype(float)
    if direction is not None:
        labels = direction_labels(direction, p.size)
        want = _ALIASES.get(str(branch).lower())
        if want is None:
            raise InputError(f"branch: use 'compression' or 'decompression', not {branch!r}")
        keep = labels == want
        p, e = p[keep], e[keep]
        se = None if se is None else se[keep]
        sp = None if sp is None else sp[keep]
    else:
        want = None
    n = p.size
    if n < order + 1:
        raise InputError(f"pressure_gpa: {n} point(s) cannot fix a degree-{order} polynomial; "
                         f"need at least {order + 1} (use a lower order)")
    if se is not None and np.any(se <= 0):
        raise InputError("e_err: energy standard errors must be positive")
    if sp is not None and np.any(sp < 0):
        raise InputError("pressure_err: pressure standard errors cannot be negative")
    if np.ptp(p) == 0:
        raise InputError("pressure_gpa: all points are at the same pressure; nothing to fit")
    absolute = se is not None
    sigma_e = se if se is not None else np.ones(n)
    coef, cov = _wls(p, e, sigma_e, order)
    if se is None and sp is not None:
        dof0 = n - order - 1
        if dof0 < 1:
            raise InputError("pressure_err: with no e_err, at least order+2 points are needed to estimate "
                             "the energy scatter; give e_err")
        resid = e - np.polynomial.polynomial.polyval(p, coef)
        sigma_e = np.full(n, max(np.sqrt(np.sum(resid ** 2) / dof0), 1e-12))
    sigma = sigma_e
    n_iter = 1
    if sp is not None and np.any(sp > 0):
        for n_iter in range(1, max_iter + 1):  # noqa: B007 - the count is reported after the loop
            slope = np.polynomial.polynomial.polyval(p, np.polynomial.polynomial.polyder(coef))
            sigma = np.sqrt(sigma_e ** 2 + (slope * sp) ** 2)
            new, cov = _wls(p, e, sigma, order)
            done = np.all(np.abs(new - coef) <= tol + 1e-9 * np.abs(coef))
            coef = new
            if done:
                break
        else:
            raise FitError(f"effective-variance iteration did not converge in {max_iter} passes; "
                           "check pressure errors")
    resid = e - np.polynomial.polynomial.polyval(p, coef)
    chi2 = float(np.sum((resid / sigma) ** 2))
    dof = n - order - 1
    redchi = chi2 / dof if dof > 0 else float("nan")
    scale = (not absolute or redchi > 1) if scale_covar is None else bool(scale_covar)
    if scale:
        cov = cov * redchi if dof > 0 else np.full_like(cov, np.nan)
    absolute = not scale
    return PressureFit(order=order, params=coef, covariance=cov, chi2=chi2, redchi=redchi,
                       dof=dof, pressure_gpa=p, energy_ev=e, sigma_ev=sigma,
                       residuals_mev=resid * 1e3, absolute_sigma=absolute, branch=want,
                       n_iter=n_iter)


def fit_branches(pressure_gpa, energy_ev, direction, **kw) -> dict[str, PressureFit]:
    """One :class:`PressureFit` per branch present in ``direction`` (with enough points).

    Parameters
    ----------
    pressure_gpa : array_like
        Pressures in GPa, in measurement order.
    energy_ev : array_like
        Peak energies in eV.
    direction : array_like of str
        One label per point (``"compression"``/``"decompression"``).
    **kw : | Keywords of :func:`fit_energy_vs_pressure` (``e_err``, ``order``, …).
    """
    p = _vector(pressure_gpa, "pressure_gpa")
    labels = direction_labels(direction, p.size)
    out = {}
    for name in (COMPRESSION, DECOMPRESSION):
        count = int(np.sum(labels == name))
        if count >= kw.get("order", 2) + 1:
            out[name] = fit_energy_vs_pressure(p, energy_ev, direction=labels, branch=name, **kw)
    return out


@dataclass(frozen=True)
class Reversibility:
    """Peak after release versus the ambient start of the same run."""

    start_pressure_gpa: float
    start_ev: float
    released_pressure_gpa: float
    released_ev: float
    max_pressure_gpa: float
    max_shift_mev: float          # E(top) − E(start): how far the compression moved the peak
    residual_shift_mev: float     # E(released) − E(start)
    residual_shift_mev_err: float
    recovered_fraction: float     # 1 − residual / max shift (1 = fully reversible)

    @property
    def reversible(self) -> bool:
        """Residual shift within 3 standard errors of zero (or no error known and < 10 %)."""
        if np.isfinite(self.residual_shift_mev_err) and self.residual_shift_mev_err > 0:
            return abs(self.residual_shift_mev) <= 3 * self.residual_shift_mev_err
        return self.recovered_fraction >= 0.9


def reversibility(pressure_gpa, energy_ev, *, e_err=None, direction=None) -> Reversibility:
    """Compare the last decompression point with the first compression point.

    ``direction`` defaults to :func:`infer_direction` (points in measurement order).

    Parameters
    ----------
    pressure_gpa : array_like
        Pressures in GPa, in measurement order.
    energy_ev : array_like
        Peak energies in eV.
    e_err : float or array_like, optional
        Standard error(s) of the energies in eV, one value or one per point.
    direction : array_like of str, optional
        One label per point, ``"compression"`` or ``"decompression"`` (aliases
        ``up``/``down``); None infers them from the order of the pressures.

    Examples
    --------
    >>> r = reversibility([0, 2, 5.6, 2, 0], [2.012, 2.11, 2.27, 2.11, 2.014], e_err=0.001)
    >>> round(r.residual_shift_mev, 1), r.reversible
    (2.0, True)
    """
    p = _vector(pressure_gpa, "pressure_gpa")
    e = _vector(energy_ev, "energy_ev", p.size)
    se = np.full(p.size, np.nan) if e_err is None else np.broadcast_to(
        _vector(e_err, "e_err"), p.shape).astype(float)
    labels = infer_direction(p) if direction is None else direction_labels(direction, p.size)
    comp = np.flatnonzero(labels == COMPRESSION)
    dec = np.flatnonzero(labels == DECOMPRESSION)
    if comp.size == 0 or dec.size == 0:
        raise InputError("direction: reversibility needs compression and decompression points "
                         "(measure after releasing the pressure)")
    i0, i1 = comp[0], dec[-1]
    top = comp[np.argmax(p[comp])]
    max_shift = (e[top] - e[i0]) * 1e3
    resid = (e[i1] - e[i0]) * 1e3
    err = float(np.hypot(se[i0], se[i1]) * 1e3)
    frac = 1 - abs(resid) / abs(max_shift) if max_shift != 0 else float("nan")
    return Reversibility(start_pressure_gpa=float(p[i0]), start_ev=float(e[i0]),
                         released_pressure_gpa=float(p[i1]), released_ev=float(e[i1]),
                         max_pressure_gpa=float(p[top]), max_shift_mev=float(max_shift),
                         residual_shift_mev=float(resid), residual_shift_mev_err=err,
                         recovered_fraction=float(frac))
