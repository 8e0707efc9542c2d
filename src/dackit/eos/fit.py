"""Fit an isothermal equation of state to P–V data with uncertainties in both P and V.

Method (default ``"effective-variance"``) — the weighting EosFit7 uses (Angel, Alvaro &
Gonzalez-Platas, Z. Kristallogr. 229, 405 (2014)): the misfit is ΔP = P_obs − P(V_obs) and
each point is weighted by 1/σ_eff² with σ_eff² = σP² + (∂P/∂V)² σV² = σP² + (K/V)² σV²,
K evaluated with the current parameters; weights are re-computed and the weighted least
squares re-solved until the parameters stop changing. Chosen over orthogonal distance
regression as the default because it is what the peer program users compare against
(EosFit7), it needs no latent "true volume" per point, and scipy.odr is deprecated
(SciPy 1.17). ``method="odr"`` is also available as a cross-check: a true orthogonal
distance fit that solves for every point's true volume together with the EoS parameters
(scipy.optimize.least_squares on the augmented problem).

Covariance: (JᵀWJ)⁻¹, multiplied by χ²_red when χ²_red > 1 (inflate-only, as EosFit7
reports esd's); for unweighted data (no σ given) always by χ²_red (ordinary least squares).

>>> import numpy as np
>>> from dackit.eos.forms import EOS_FORMS
>>> v = np.linspace(100.0, 85.0, 12)
>>> p = EOS_FORMS["bm3"].pressure(v, 100.0, 150.0, 4.5)
>>> fit = fit_eos(p, v, form="bm3", pressure_err=np.full(12, 0.05), volume_err=np.full(12, 0.02))
>>> round(fit.value("k0"), 1), round(fit.value("kp"), 2)
(150.0, 4.5)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats
from scipy.optimize import least_squares

from dackit.eos.forms import EOS_FORMS, PARAM_ORDER, EosForm, get_form
from dackit.core.lsq import covariance_from_jacobian, covariance_to_correlation, covariance_to_stderr
from dackit.errors import FitError, InputError, where

METHODS = ("effective-variance", "odr")

#: (label, unit) of each parameter in tables and reports
PARAM_LABELS = {"v0": ("V0", "A^3"), "k0": ("K0", "GPa"), "kp": ("K'", ""), "kpp": ("K''", "GPa^-1")}

#: K′ outside this range is physically unusual for a solid (EosFit7 manual: 2–10 typical)
KP_RANGE = (2.0, 10.0)
#: V0 further than this (relative) from the lowest-pressure volume is flagged
V0_TOLERANCE = 0.03
#: weighted χ²_red above this suggests underestimated σ's or an inadequate form
CHI2_WARN = 3.0
#: esd's taken from the scatter of few residuals are themselves uncertain: with dof degrees
#: of freedom a 68.3 % interval is t₀.₈₄₁(dof) esd's wide (Student 1908), 1.84 for dof = 1,
#: 1.11 for dof = 5; beyond this factor the fit says so
T_FACTOR_WARN = 1.1


@dataclass(frozen=True, eq=False)
class EosFit:
    """Result of :func:`fit_eos`. Parameter arrays follow ``names`` (the form's parameters);
    fixed parameters have stderr 0 and zero covariance rows."""

    form: str
    method: str
    names: tuple[str, ...]
    values: tuple[float, ...]
    stderr: tuple[float, ...]
    fixed: tuple[str, ...]
    covariance: np.ndarray
    correlation: np.ndarray
    chi2_w: float
    redchi: float
    n: int
    dof: int
    residuals_gpa: np.ndarray
    max_residual_gpa: float
    weighted: bool
    error_scale: float
    pressure_gpa: np.ndarray
    volume_a3: np.ndarray
    pressure_err: np.ndarray
    volume_err: np.ndarray
    warnings: tuple[str, ...] = ()
    source: str = ""
    implied_kpp: float = float("nan")
    implied_kpp_err: float = float("nan")
    _form: EosForm | None = field(default=None, repr=False)

    # --- access ------------------------------------------------------------------------
    def value(self, name: str) -> float:
        return self.values[self._index(name)]

    def err(self, name: str) -> float:
        return self.stderr[self._index(name)]

    def _index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise InputError(f"{self.form} has no parameter {name!r} (it has {', '.join(self.names)})") from None

    @property
    def params(self) -> dict[str, float]:
        return dict(zip(self.names, self.values))

    @property
    def eos(self) -> EosForm:
        return self._form if self._form is not None else EOS_FORMS[self.form]

    # --- evaluation --------------------------------------------------------------------
    def pressure(self, volume_a3):
        """Fitted P(V) in GPa."""
        return self.eos.pressure(volume_a3, *self.values)

    def volume(self, pressure_gpa):
        """Fitted V(P) in Å³."""
        return self.eos.volume(pressure_gpa, *self.values)

    def bulk_modulus(self, pressure_gpa):
        """Fitted K(P) in GPa."""
        return self.eos.bulk_modulus_at_pressure(pressure_gpa, *self.values)

    def _band(self, fn, x):
        """1σ of fn(x, params) from the covariance (linear propagation, central differences)."""
        x = np.asarray(x, dtype=float)
        vals = np.asarray(self.values, dtype=float)
        grads = []
        for i in range(len(vals)):
            h = 1e-6 * max(abs(vals[i]), 1e-3)
            up, dn = vals.copy(), vals.copy()
            up[i] += h
            dn[i] -= h
            grads.append((fn(x, *up) - fn(x, *dn)) / (2 * h))
        g = np.stack(grads, axis=-1)
        return np.sqrt(np.einsum("...i,ij,...j->...", g, self.covariance, g))

    def pressure_band(self, volume_a3):
        """1σ of the fitted P at volume V (GPa), from the parameter covariance."""
        return self._band(self.eos.pressure, volume_a3)

    def volume_band(self, pressure_gpa):
        """1σ of the fitted V at pressure P (Å³), from the parameter covariance."""
        return self._band(self.eos.volume, pressure_gpa)

    # --- output ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Flat dict: ``<name>`` and ``<name>_err`` with units in the keys, χ², n, warnings."""
        keys = {"v0": "v0_a3", "k0": "k0_gpa", "kp": "kp", "kpp": "kpp_per_gpa"}
        out: dict[str, Any] = {"form": self.form, "method": self.method}
        for name in PARAM_ORDER:
            key = keys[name]
            if name in self.names:
                out[key], out[f"{key}_err"] = self.value(name), self.err(name)
            elif name == "kp" and self.form == "bm2":
                out[key], out[f"{key}_err"] = 4.0, 0.0
            else:
                out[key], out[f"{key}_err"] = None, None
        if np.isfinite(self.implied_kpp):
            out["kpp_implied_per_gpa"] = self.implied_kpp
        out.update(fixed=list(self.fixed), chi2_w=self.chi2_w, redchi=self.redchi, n=self.n,
                   dof=self.dof, max_residual_gpa=self.max_residual_gpa, weighted=self.weighted,
                   warnings=list(self.warnings))
        return out

    def report(self) -> str:
        """Plain-text summary laid out like EosFit7's fit output."""
        eos = self.eos
        weighting = ("weighted by sigma(P) and sigma(V), " + self.method) if self.weighted \
            else "unweighted (no sigmas given)"
        lines = [f"EoS fit: {self.form.upper()} — {eos.citation}",
                 f"Data: {self.source or '(arrays)'}: {self.n} points, {weighting}",
                 "",
                 f"  {'Parameter':<16}{'Value':>14}{'Esd':>12}"]
        for name, val, err in zip(self.names, self.values, self.stderr):
            label, unit = PARAM_LABELS[name]
            tag = f"{label} ({unit})" if unit else label
            esd = "fixed" if name in self.fixed else f"{err:.5g}"
            lines.append(f"  {tag:<16}{val:>14.8g}{esd:>12}")
        if np.isfinite(self.implied_kpp):
            tag = "K'' (GPa^-1)"
            lines.append(f"  {tag:<16}{self.implied_kpp:>14.5g}{self.implied_kpp_err:>12.3g}  (implied)")
        free = [i for i, n in enumerate(self.names) if n not in self.fixed]
        if len(free) > 1:
            lines += ["", "  Correlation matrix"]
            labels = [PARAM_LABELS[self.names[i]][0] for i in free]
            lines.append("  " + " " * 6 + "".join(f"{lab:>9}" for lab in labels))
            for r, i in enumerate(free):
                cells = "".join(f"{self.correlation[i, j]:>9.4f}" for j in free[:r + 1])
                lines.append(f"  {labels[r]:<6}{cells}")
        scale_note = f" (esd's scaled by {self.error_scale:.3g})" if self.error_scale != 1.0 else ""
        lines += ["",
                  f"  W-chi^2 = {self.chi2_w:.5g}, chi2_red = {self.redchi:.4g}, "
                  f"dof = {self.dof}{scale_note}",
                  f"  max |Pobs - Pcalc| = {self.max_residual_gpa:+.4g} GPa"]
        if self.warnings:
            lines += ["", "  Warnings:"] + [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)


def _as_column(values, name: str, n: int | None, src: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{src}{name}: expected numbers") from None
    if arr.ndim != 1:
        raise InputError(f"{src}{name}: expected a 1-D sequence, got shape {arr.shape}")
    if n is not None and arr.size != n:
        raise InputError(f"{src}{name}: has {arr.size} values but there are {n} pressures")
    if not np.all(np.isfinite(arr)):
        bad = (np.flatnonzero(~np.isfinite(arr))[:5] + 1).tolist()
        raise InputError(f"{src}{name}: NaN or infinite values at data rows {bad}; remove or fill them")
    return arr


def _start_values(p: np.ndarray, v: np.ndarray) -> dict[str, float]:
    """V0, K0 from a straight line P(V) through the lowest-pressure points, K′ = 4."""
    order = np.argsort(p)
    m = min(p.size, max(3, p.size // 3))
    ps, vs = p[order[:m]], v[order[:m]]
    slope = np.polyfit(vs, ps, 1)[0] if np.ptp(vs) > 0 else np.nan
    v_low, p_low = vs[0], ps[0]
    k0 = -v_low * slope if np.isfinite(slope) and slope < 0 else np.nan
    if not np.isfinite(k0) or k0 <= 0:
        # whole-range secant as a fallback
        k0 = max(-np.mean(v) * (p.max() - p.min()) / (v[order[-1]] - v[order[0]]), 1e-3)
    v0 = v_low * (1.0 + p_low / k0)
    return {"v0": float(v0), "k0": float(k0), "kp": 4.0, "kpp": float(-35.0 / (9.0 * k0))}


def fit_eos(pressure_gpa, volume_a3, *, form: str = "bm3", pressure_err=None, volume_err=None,
            fix: dict | None = None, p0: dict | None = None, method: str = "effective-variance",
            source: str | None = None) -> EosFit:
    """Fit ``form`` (a key of :data:`~dackit.eos.forms.EOS_FORMS`) to P–V data.

    ``pressure_err``/``volume_err``: 1σ per point (either, both or neither). ``fix``: values
    held fixed, e.g. ``{"v0": 112.98, "kp": 4}``. ``p0``: starting values overriding the
    automatic ones (V0 and K0 from a line through the lowest-pressure points, K′ = 4).
    ``method``: ``"effective-variance"`` (EosFit7's weighting) or ``"odr"``.

    Raises InputError for unusable data (NaN, V ≤ 0, V rising with P, fewer points than
    free parameters, bad fix names) and FitError when the fit does not converge or leaves a
    parameter undetermined. Physically odd results are reported in ``warnings``.

    Parameters
    ----------
    pressure_gpa : array_like
        Pressures in GPa.
    volume_a3 : array_like
        Unit-cell volumes in Å³.
    form : str, default 'bm3'
        EoS form, a key of :data:`~dackit.eos.EOS_FORMS`.
    pressure_err : float or array_like, optional
        Standard error(s) of the pressures in GPa, one value or one per point.
    volume_err : float or array_like, optional
        Standard error(s) of the volumes in Å³, one value or one per point.
    fix : dict, optional
        Parameters held fixed, e.g. ``{"v0": 112.98, "kp": 4}``.
    p0 : dict, optional
        Starting values overriding the automatic ones.
    method : {"effective-variance", "odr"}, default 'effective-variance'
        Weighting of the errors in P and V: EosFit7's effective variance, or orthogonal
        distance regression.
    source : str, optional
        Where the data came from, kept in the result.
    """
    src = where(source)
    eos = get_form(form)
    if method not in METHODS:
        raise InputError(f"method: unknown fit method {method!r}; choose one of {', '.join(METHODS)}")
    p = _as_column(pressure_gpa, "pressure_gpa", None, src)
    n = p.size
    if n == 0:
        raise InputError(f"{src}no P-V data points")
    v = _as_column(volume_a3, "volume_a3", n, src)
    if np.any(v <= 0):
        raise InputError(f"{src}volume_a3: volumes must be > 0 (data row {int(np.argmin(v)) + 1} is {v.min():g})")
    sp = np.zeros(n) if pressure_err is None else _as_column(pressure_err, "pressure_gpa_err", n, src)
    sv = np.zeros(n) if volume_err is None else _as_column(volume_err, "volume_a3_err", n, src)
    if np.any(sp < 0) or np.any(sv < 0):
        raise InputError(f"{src}uncertainties must be >= 0")
    weighted = bool(np.any(sp > 0) or np.any(sv > 0))
    if weighted and np.any((sp == 0) & (sv == 0)):
        rows = (np.flatnonzero((sp == 0) & (sv == 0))[:5] + 1).tolist()
        raise InputError(f"{src}data rows {rows} have sigma(P) = sigma(V) = 0 while others are weighted: "
                         "give every point an uncertainty, or none")

    fix = {str(k).lower(): float(val) for k, val in (fix or {}).items()}
    for k in fix:
        if k not in eos.params:
            raise InputError(f"fix: {form} has no parameter {k!r}; it has {', '.join(eos.params)}")
    if "v0" in fix and fix["v0"] <= 0 or "k0" in fix and fix["k0"] <= 0:
        raise InputError("fix: V0 and K0 must be > 0")
    free = [k for k in eos.params if k not in fix]
    if not free:
        raise InputError("fix: every parameter is fixed; leave at least one free")
    if n <= len(free):
        raise InputError(f"{src}{n} data points cannot determine {len(free)} free parameters "
                         f"({', '.join(free)}): give more points or fix some (--fix)")
    if np.ptp(p) <= 0:
        raise InputError(f"{src}pressure_gpa: all pressures are equal; an EoS needs a range of pressures")
    if np.polyfit(p, v, 1)[0] >= 0:
        raise InputError(f"{src}volume_a3 increases with pressure overall; check the column order "
                         "(pressure first, then volume) and units")

    start = _start_values(p, v)
    for k, val in (p0 or {}).items():
        if str(k).lower() not in eos.params:
            raise InputError(f"p0: {form} has no parameter {k!r}")
        start[str(k).lower()] = float(val)
    start.update(fix)

    def full(x):
        d = dict(zip(free, x))
        return [d[k] if k in d else fix[k] for k in eos.params]

    x0 = np.array([start[k] for k in free])
    if method == "odr":
        if not (np.all(sp > 0) and np.all(sv > 0)):
            raise InputError(f"{src}method odr needs sigma(P) > 0 and sigma(V) > 0 for every point")
        x, jac, chi2, resid = _solve_odr(eos, full, x0, p, v, sp, sv, src)
    else:
        x, jac, chi2, resid = _solve_effective_variance(eos, full, x0, p, v, sp, sv, weighted, src)

    dof = n - len(free)
    redchi = chi2 / dof
    # rcond √1e-15: a normal matrix JᵀJ with condition number above 1e15 does not determine
    # its parameters in double precision.
    c = covariance_from_jacobian(jac, scale=False, rcond=np.sqrt(1e-15))
    if c.singular or not np.all(np.isfinite(c.matrix)) or np.any(np.diag(c.matrix) <= 0):
        raise FitError(f"{src}{form} fit: parameters are not determined by these data; fix one of them")
    scale = (redchi if not weighted else max(1.0, redchi))

    k = len(eos.params)
    cov = np.zeros((k, k))
    idx = [eos.params.index(f) for f in free]
    cov[np.ix_(idx, idx)] = c.matrix * scale
    err = covariance_to_stderr(cov)
    corr = np.nan_to_num(covariance_to_correlation(cov), nan=0.0, posinf=0.0, neginf=0.0)
    np.fill_diagonal(corr, [1.0 if e > 0 else 0.0 for e in err])

    values = tuple(float(val) for val in full(x))
    i_max = int(np.argmax(np.abs(resid)))
    kpp, kpp_err = _implied_kpp(eos, values, cov)
    warn = _sanity_warnings(eos, values, p, v, redchi, weighted, scale, fixed=fix)
    return EosFit(form=eos.name, method=method, names=eos.params, values=values,
                  stderr=tuple(float(e) for e in err), fixed=tuple(k for k in eos.params if k in fix),
                  covariance=cov, correlation=corr, chi2_w=float(chi2), redchi=float(redchi),
                  n=n, dof=dof, residuals_gpa=resid, max_residual_gpa=float(resid[i_max]),
                  weighted=weighted, error_scale=float(np.sqrt(scale)),
                  pressure_gpa=p, volume_a3=v, pressure_err=sp, volume_err=sv,
                  warnings=tuple(warn), source=str(source or ""), implied_kpp=kpp,
                  implied_kpp_err=kpp_err, _form=eos)


def _solve_effective_variance(eos, full, x0, p, v, sp, sv, weighted, src):
    def sigma_eff(x):
        if not weighted:
            return np.ones_like(p)
        with np.errstate(all="ignore"):
            kv = eos.bulk_modulus(v, *full(x)) / v
        s = np.sqrt(sp**2 + (kv * sv) ** 2)
        if not np.all(np.isfinite(s)) or np.any(s <= 0):
            raise FitError(f"{src}effective sigma is zero or undefined for some points: give sigma(P) "
                           "or sigma(V) > 0 for every point, or none at all")
        return s

    def solve(x_start, s):
        def res(x):
            with np.errstate(all="ignore"):
                r = (p - eos.pressure(v, *full(x))) / s
            return np.where(np.isfinite(r), r, 1e10)
        return least_squares(res, x_start, x_scale="jac", method="lm", xtol=1e-14, ftol=1e-14,
                             gtol=1e-14, max_nfev=4000)

    x = x0.astype(float)
    for _ in range(100):
        s = sigma_eff(x)
        sol = solve(x, s)
        if not np.all(np.isfinite(sol.x)):
            break
        step = np.max(np.abs(sol.x - x) / np.maximum(np.abs(sol.x), 1e-12))
        x = sol.x
        if step < 1e-10:
            break
    else:
        raise FitError(f"{src}{eos.name} fit: effective-variance weights did not settle in 100 cycles")
    if not sol.success or not np.all(np.isfinite(x)) or np.max(np.abs(sol.fun)) >= 1e9:
        raise FitError(f"{src}{eos.name} fit did not converge ({sol.message}); try other starting "
                       "values (p0) or fix K' (--fix kp=4)")
    resid = p - eos.pressure(v, *full(x))
    return x, sol.jac, float(np.sum(sol.fun**2)), resid


def _solve_odr(eos, full, x0, p, v, sp, sv, src):
    m = x0.size

    def res(z):
        x, vt = z[:m], z[m:]
        with np.errstate(all="ignore"):
            rp = (p - eos.pressure(vt, *full(x))) / sp
        r = np.concatenate([rp, (v - vt) / sv])
        return np.where(np.isfinite(r), r, 1e10)

    sol = least_squares(res, np.concatenate([x0, v]), x_scale="jac", method="trf",
                        xtol=1e-14, ftol=1e-14, gtol=1e-14, max_nfev=20000)
    if not sol.success or np.max(np.abs(sol.fun)) >= 1e9:
        raise FitError(f"{src}{eos.name} ODR fit did not converge ({sol.message})")
    # Parameter covariance: the parameter block of the inverse of the full normal matrix,
    # i.e. marginalised over the fitted true volumes, returned as an effective Jacobian
    # whose JᵀJ is the inverse of that block.
    full_cov = np.linalg.pinv(sol.jac.T @ sol.jac)
    block = full_cov[:m, :m]
    jac_eff = np.linalg.cholesky(np.linalg.inv(block)).T
    x = sol.x[:m]
    resid = p - eos.pressure(v, *full(x))
    return x, jac_eff, float(np.sum(sol.fun**2)), resid


def _implied_kpp(eos, values, cov):
    if "k0" not in eos.params or not np.isfinite(eos.implied_kpp(1.0, 4.0)):
        return float("nan"), float("nan")
    k0 = values[eos.params.index("k0")]
    kp = values[eos.params.index("kp")] if "kp" in eos.params else 4.0
    val = float(eos.implied_kpp(k0, kp))
    g = np.zeros(len(eos.params))
    g[eos.params.index("k0")] = (eos.implied_kpp(k0 * (1 + 1e-6), kp) - eos.implied_kpp(k0 * (1 - 1e-6), kp)) \
        / (2e-6 * k0)
    if "kp" in eos.params:
        g[eos.params.index("kp")] = (eos.implied_kpp(k0, kp + 1e-6) - eos.implied_kpp(k0, kp - 1e-6)) / 2e-6
    return val, float(np.sqrt(g @ cov @ g))


def _sanity_warnings(eos, values, p, v, redchi, weighted, scale, fixed=()):
    d = dict(zip(eos.params, values))
    out = []
    if "kp" in d and not (KP_RANGE[0] <= d["kp"] <= KP_RANGE[1]):
        out.append(f"K' = {d['kp']:.3g} is outside the usual range {KP_RANGE[0]:g}-{KP_RANGE[1]:g} "
                   "for solids; check the data or fix K'")
    i_low = int(np.argmin(p))
    rel = d["v0"] / v[i_low] - 1.0
    # A V0 the user held fixed (measured at ambient, say) is not an extrapolation of these data.
    if "v0" not in fixed and abs(rel) > V0_TOLERANCE:
        out.append(f"V0 = {d['v0']:.6g} is {100 * rel:+.1f} % from the volume measured at the lowest "
                   f"pressure ({v[i_low]:.6g} at {p[i_low]:.3g} GPa): V0 is extrapolated far beyond the "
                   "data; consider measuring or fixing V0")
    if "k0" in d and d["k0"] <= 0:
        out.append(f"K0 = {d['k0']:.4g} GPa is not positive: the fit is unphysical")
    dof = p.size - (len(eos.params) - len(fixed))
    if dof > 0 and (not weighted or redchi > 1.0):
        t68 = float(stats.t.ppf(stats.norm.cdf(1.0), dof))
        if t68 > T_FACTOR_WARN:
            out.append(f"the esd's come from the scatter of only {dof} residual degree(s) of freedom: "
                       f"a 68 % interval is {t68:.2f} esd's wide (Student's t), and a 3-esd "
                       f"interval holds {100 * (2 * stats.t.cdf(3.0, dof) - 1):.0f} % instead of 99.7 %; "
                       "measure more pressures or fix a parameter")
    if weighted and redchi > CHI2_WARN:
        out.append(f"chi2_red = {redchi:.3g} > {CHI2_WARN:g}: the sigmas look underestimated or the "
                   f"form does not describe the data; esd's were scaled by {np.sqrt(scale):.3g}")
    return out
