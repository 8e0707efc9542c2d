"""Batched peak fitting: one peak model fitted to many spectra at once.

Why this is hand-written: PL and ruby mapping fit the same small model (a few peaks plus a
baseline, ~10 parameters, a few hundred points) to 10^4 spectra. scipy.optimize.least_squares
and lmfit solve one problem per call, so a batch becomes a Python loop of ~10^4 MINPACK calls
with Python-level model callbacks (≈ 100 spectra/s). No maintained library runs many small
Levenberg–Marquardt problems side by side; doing so here turns every step into a few numpy
operations over the whole batch (model and analytic Jacobian on an (n, m) grid, normal
equations by stacked matrix products, an (n, P, P) batched solve).

The algorithm is Marquardt's (SIAM J. Appl. Math. 11, 431 (1963)) with MINPACK's column
scaling (Moré, Lect. Notes Math. 630, 105 (1978)) — the normal equations are scaled by
sqrt(diag(JᵀWJ)) before damping, so the damping is invariant to parameter units — and
Nielsen's damping update (Madsen, Nielsen & Tingleff, "Methods for non-linear least squares
problems", DTU 2004, eq. 3.16): each spectrum has its own damping, accepts or rejects its own
steps, and stops updating when it has converged. Bounds are enforced by projecting each trial
point onto the box; a parameter on a bound that chi-square pushes outward is held out of the
step. A spectrum has converged when the undamped Gauss–Newton step would lower chi-square by
less than ``tol * chi2`` (so no trial is wasted on confirming it), or, as in MINPACK, when an
accepted step changed chi-square and the parameters by less than ``tol`` (relative). The
covariance is (JᵀWJ)⁻¹ at the optimum, scaled by the reduced chi-square as lmfit does by
default (``scale_covar=True``).

Performance notes (measured, 2-core Xeon): the model and Jacobian are written into
preallocated rows with ``out=`` (allocation dominated otherwise); JᵀWJ, JᵀWr and chi-square
come from one stacked ``np.matmul`` of [J; r] with itself (2-3x faster than ``einsum``);
the batch is cut into chunks of ``CHUNK_BYTES`` run on a thread pool (numpy releases the GIL),
and spectra that have converged are dropped from the working arrays. For 10^4 ruby doublets
(~390 points each, 4.2 evaluations per spectrum) the kernel takes ~40 % of the time, the
matrix product ~15 %, starting values and windowing ~25 %: about 30x a per-spectrum lmfit
loop (bench/fit_spectra.py). That is the speed of numpy's elementwise passes, so large
batches go to a compiled twin of this engine (:mod:`dackit.core._lm_kernel`, numba): one
spectrum per loop iteration, the same steps and decisions, windows and starting values
included, ~3x less CPU time and both cores (10^4 doublets in ~0.3 s, ~150x lmfit). Its
results equal these to rounding (6e-15 relative on the benchmark); only where rounding tips a
convergence test (0.15 % of hard random multi-peak fits) does a fit stop one step apart,
within its convergence tolerance (< 2e-4 standard errors). ``backend=`` chooses.

>>> import numpy as np
>>> x = np.linspace(-5, 5, 201)
>>> model = PeakModel("gaussian", n_peaks=1, baseline_degree=0)
>>> y = model.evaluate(x, [3.0, 0.2, 1.5, 0.1])
>>> fit = fit_spectrum(x, y, model, guess_peaks(x, y, model)[0])
>>> round(fit.params["center0"], 6), fit.success
(0.2, True)
"""
from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from dackit.core.lineshapes import LN2, SHAPES
from dackit.core.lsq import covariance_to_correlation
from dackit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

#: Working memory of one chunk of spectra (Jacobian and temporaries), bytes. Small chunks stay
#: in cache across the iterations of the chunk; the batch is cut into as many as needed.
CHUNK_BYTES = 8_000_000
#: Initial damping of the column-scaled normal equations (Nielsen's tau).
LAMBDA0 = 1e-3
#: Above this damping no step can lower chi-square any more: the spectrum has converged.
LAMBDA_MAX = 1e16
#: Running-mean width (points) applied to the data before guessing starting values.
GUESS_SMOOTH_POINTS = 5
#: A column-scaled JᵀWJ whose eigenvalue ratio is below this is treated as singular.
SINGULAR_RCOND = 1e-13
#: ``backend="auto"`` uses the compiled kernel (dackit.core._lm_kernel) from this many spectra
#: on. Its one-time cost in a process, importing numba and loading the cached kernels, is
#: ~0.45 s (measured, 2-core Xeon; compiling them when the cache is empty takes ~15-20 s, once);
#: it saves ~0.3 ms per spectrum, so a first call breaks even near 1500 spectra.
NUMBA_MIN_BATCH = 1024
BACKENDS = ("auto", "numpy", "numba")


# ----------------------------------------------------------------------------- the model

@dataclass(frozen=True)
class PeakModel:
    """A sum of ``n_peaks`` peaks of one shape plus a polynomial baseline.

    Parameters, in order: per peak ``amplitude{i}``, ``center{i}`` and (unless
    ``shared_width``) ``fwhm{i}`` (and ``eta{i}`` for the pseudo-Voigt); with ``shared_width``
    a single ``fwhm`` (and ``eta``) after all peaks; then the baseline ``b0``, ``b1``, ...
    of ``sum_k b_k (x - x_ref)**k``, ``x_ref`` being the fit window's centre.

    >>> PeakModel("pseudo_voigt", 2, shared_width=True).param_names
    ('amplitude0', 'center0', 'amplitude1', 'center1', 'fwhm', 'eta', 'b0', 'b1')
    """

    shape: str = "pseudo_voigt"
    n_peaks: int = 1
    shared_width: bool = False
    baseline_degree: int = 1

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise InputError(f"model shape {self.shape!r} is unknown; use one of "
                             f"{', '.join(SHAPES)}")
        if int(self.n_peaks) != self.n_peaks or self.n_peaks < 0:
            raise InputError(f"model n_peaks must be a whole number >= 0, got {self.n_peaks!r}")
        if int(self.baseline_degree) != self.baseline_degree or self.baseline_degree < -1:
            raise InputError("model baseline_degree must be -1 (no baseline) or a degree >= 0, "
                             f"got {self.baseline_degree!r}")
        if self.n_peaks == 0 and self.baseline_degree < 0:
            raise InputError("model has no peaks and no baseline: nothing to fit")

    @property
    def width_names(self) -> tuple[str, ...]:
        """Width parameters of one peak: ``("fwhm",)`` or ``("fwhm", "eta")``."""
        return SHAPES[self.shape].width_params

    @cached_property
    def param_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for i in range(self.n_peaks):
            names += [f"amplitude{i}", f"center{i}"]
            if not self.shared_width:
                names += [f"{w}{i}" for w in self.width_names]
        if self.shared_width and self.n_peaks:
            names += list(self.width_names)
        names += [f"b{k}" for k in range(self.baseline_degree + 1)]
        return tuple(names)

    @cached_property
    def _index(self) -> dict:
        """Column of each parameter role: per peak (amplitude, center, fwhm, eta|None)."""
        pos = {n: i for i, n in enumerate(self.param_names)}
        peaks = []
        for i in range(self.n_peaks):
            suffix = "" if self.shared_width else str(i)
            peaks.append((pos[f"amplitude{i}"], pos[f"center{i}"], pos["fwhm" + suffix],
                          pos.get("eta" + suffix)))
        base = [pos[f"b{k}"] for k in range(self.baseline_degree + 1)]
        return {"peaks": peaks, "baseline": base}

    def _as_params(self, params) -> np.ndarray:
        p = _float_array("params", params)
        if p.ndim not in (1, 2) or p.shape[-1] != len(self.param_names):
            raise InputError(f"params has shape {p.shape}; this model needs "
                             f"{len(self.param_names)} values per spectrum "
                             f"({', '.join(self.param_names)})")
        return p

    def components(self, x: ArrayLike, params: ArrayLike, x_ref: ArrayLike = 0.0) -> dict[str, np.ndarray]:
        """Each peak (``"peak0"``, ...) and the ``"baseline"`` evaluated on ``x``."""
        p = self._as_params(params)
        xa = _float_array("x", x)
        single = p.ndim == 1 and xa.ndim == 1
        p2 = np.atleast_2d(p)[:, :, None]
        x2 = np.atleast_2d(xa)
        ref = np.reshape(np.asarray(x_ref, dtype=float), (-1, 1))
        func = SHAPES[self.shape].func
        out = {}
        for i, (ia, ic, iw, ie) in enumerate(self._index["peaks"]):
            args = (p2[:, ia], p2[:, ic], p2[:, iw]) + (() if ie is None else (p2[:, ie],))
            out[f"peak{i}"] = func(x2, *args)
        if self._index["baseline"]:
            dx = x2 - ref
            base = np.zeros(np.broadcast_shapes(dx.shape, p2[:, 0].shape))
            for ib in reversed(self._index["baseline"]):
                base = base * dx + p2[:, ib]
            out["baseline"] = base
        if single:
            out = {k: v[0] for k, v in out.items()}
        return out

    def evaluate(self, x: ArrayLike, params: ArrayLike, x_ref: ArrayLike = 0.0) -> np.ndarray:
        """The model on ``x``: params ``(P,)`` or ``(N, P)``, x ``(M,)`` or ``(N, M)``."""
        return np.asarray(sum(self.components(x, params, x_ref).values()))

    # -- the hot path: weighted Jacobian and residual, written into out (n, P + 1, m) --
    def _jac_resid(self, out, x, swy, sw, bj, p, tmp):
        """Rows 0..P-1 of ``out``: sqrt(w) * d model / d param; row P: sqrt(w) * (y - model).

        ``tmp`` holds five scratch arrays shaped like ``x``; every operation writes into a
        preallocated array because allocation, not arithmetic, dominates at these sizes.
        """
        P = p.shape[1]
        resid = out[:, P]
        ib = self._index["baseline"]
        if ib:
            out[:, ib[0]:ib[-1] + 1] = bj
            np.matmul(p[:, None, ib[0]:ib[-1] + 1], bj, out=tmp[0][:, None, :])
            np.subtract(swy, tmp[0], out=resid)
        else:
            resid[...] = swy
        shared = self.shared_width and self.n_peaks > 1
        for i, cols in enumerate(self._index["peaks"]):
            _peak_rows(self.shape, out, cols, x, sw, p, resid, tmp,
                       accumulate=shared and i > 0)


def _peak_rows(shape, out, cols, x, sw, p, resid, tmp, accumulate):
    """One peak's weighted Jacobian rows (see lineshapes.*_derivatives), minus it from resid.

    ``sw`` is sqrt(weights) or None when every weight is 1. With ``accumulate`` the width
    rows (shared by all peaks) are added to, not overwritten.
    """
    ia, ic, iw, ie = cols
    a = p[:, ia, None]
    c = p[:, ic, None]
    w = p[:, iw, None]
    s = 4.0 / (w * w)
    t0, t1, t2, t3, t4 = tmp
    rw, rc = out[:, ia], out[:, ic]
    # rw: sqrt(w) dF/da (the unit-height profile); rc: sqrt(w) dF/dc; dF/dfwhm = dF/dc * d / w.
    d = np.subtract(x, c, out=t0)
    q = np.multiply(d, d, out=t1)
    q *= s
    if shape == "gaussian":
        np.multiply(q, -LN2, out=rw)
        np.exp(rw, out=rw)
        if sw is not None:
            rw *= sw
        np.multiply(d, rw, out=rc)
        rc *= (2.0 * LN2) * s * a
    elif shape == "lorentzian":
        lz = np.add(q, 1.0, out=t1)
        np.reciprocal(lz, out=lz)
        if sw is None:
            np.multiply(lz, lz, out=rc)
            rw[...] = lz
        else:
            np.multiply(lz, sw, out=rw)
            np.multiply(lz, rw, out=rc)
        rc *= d
        rc *= 2.0 * s * a
    else:
        eta = p[:, ie, None]
        gw = np.multiply(q, -LN2, out=t2)
        np.exp(gw, out=gw)
        lz = np.add(q, 1.0, out=t1)
        np.reciprocal(lz, out=lz)
        if sw is None:
            lw = lz
        else:
            gw *= sw
            lw = np.multiply(lz, sw, out=t3)
        # d shape / dc = 2 s d (eta L^2 + (1 - eta) ln2 G)
        np.multiply(lz, lw, out=rc)
        rc *= eta * (2.0 * s * a)
        rc += np.multiply(gw, ((1.0 - eta) * LN2) * (2.0 * s * a), out=t4)
        rc *= d
        lmg = np.subtract(lw, gw, out=t1)
        if accumulate:
            out[:, ie] += np.multiply(lmg, a, out=t4)
        else:
            np.multiply(lmg, a, out=out[:, ie])
        np.multiply(lmg, eta, out=rw)
        rw += gw
    if accumulate:
        dw = np.multiply(rc, d, out=t0)
        dw *= 1.0 / w
        out[:, iw] += dw
    else:
        np.multiply(rc, d, out=out[:, iw])
        out[:, iw] *= 1.0 / w
    resid -= np.multiply(rw, a, out=t0)


# ----------------------------------------------------------------------------- results

def _fmt(v: float, e: float) -> str:
    if not np.isfinite(e):
        return f"{v:.8g} +/- (not determined)"
    rel = f" ({abs(e / v) * 100:.2f}%)" if v != 0 else ""
    return f"{v:.8g} +/- {e:.3g}{rel}"


@dataclass(frozen=True)
class FitResult:
    """The fit of one spectrum, readable like an lmfit ``ModelResult``."""

    model: PeakModel
    params: dict[str, float]
    stderr: dict[str, float]
    covar: np.ndarray
    correl: np.ndarray
    chi2: float
    redchi: float
    ndata: int
    nvarys: int
    nfev: int
    success: bool
    message: str
    x_ref: float

    def _vector(self) -> np.ndarray:
        return np.array([self.params[n] for n in self.model.param_names])

    def eval(self, x: ArrayLike) -> np.ndarray:
        """The fitted model on ``x``."""
        return self.model.evaluate(x, self._vector(), self.x_ref)

    def components(self, x: ArrayLike) -> dict[str, np.ndarray]:
        """The fitted peaks and baseline on ``x``."""
        return self.model.components(x, self._vector(), self.x_ref)

    def report(self) -> str:
        """Values ± standard errors, correlations above 0.5 and goodness of fit."""
        names = self.model.param_names
        lines = ["[[Fit Statistics]]",
                 f"    success            = {self.success} ({self.message})",
                 f"    function evals     = {self.nfev}",
                 f"    data points        = {self.ndata}",
                 f"    variables          = {self.nvarys}",
                 f"    chi-square         = {self.chi2:.6g}",
                 f"    reduced chi-square = {self.redchi:.6g}",
                 "[[Variables]]"]
        width = max(len(n) for n in names)
        for n in names:
            lines.append(f"    {n:<{width}} = {_fmt(self.params[n], self.stderr[n])}")
        pairs = [(abs(self.correl[i, j]), names[i], names[j], self.correl[i, j])
                 for i in range(len(names)) for j in range(i + 1, len(names))
                 if np.isfinite(self.correl[i, j]) and abs(self.correl[i, j]) > 0.5]
        if pairs:
            lines.append("[[Correlations]] (|C| > 0.5)")
            for _, a, b, c in sorted(pairs, reverse=True):
                lines.append(f"    C({a}, {b}) = {c:+.4f}")
        return "\n".join(lines)


@dataclass(frozen=True)
class BatchFit:
    """Fits of N spectra with one model: arrays with one row per spectrum.

    ``params``/``stderr`` ``(N, P)`` in the order of ``model.param_names``; ``covar``
    ``(N, P, P)``; ``chi2``, ``redchi``, ``x_ref`` ``(N,)``; ``ndata``, ``nfev`` ``(N,)`` int;
    ``success`` ``(N,)`` bool; ``message`` one string per spectrum. A failed spectrum keeps
    its best parameters, with NaN errors when the covariance is undetermined.
    """

    model: PeakModel
    params: np.ndarray
    stderr: np.ndarray
    covar: np.ndarray
    chi2: np.ndarray
    redchi: np.ndarray
    ndata: np.ndarray
    nfev: np.ndarray
    success: np.ndarray
    message: tuple[str, ...]
    x_ref: np.ndarray

    def _col(self, name: str) -> int:
        try:
            return self.model.param_names.index(name)
        except ValueError:
            raise InputError(f"no parameter {name!r} in this model; it has "
                             f"{', '.join(self.model.param_names)}") from None

    def value(self, name: str) -> np.ndarray:
        """Fitted value of parameter ``name`` for every spectrum, ``(N,)``."""
        return self.params[:, self._col(name)]

    def error(self, name: str) -> np.ndarray:
        """Standard error of parameter ``name`` for every spectrum, ``(N,)``."""
        return self.stderr[:, self._col(name)]

    def __len__(self) -> int:
        return len(self.params)

    def __getitem__(self, i: int) -> FitResult:
        i = range(len(self))[i]
        names = self.model.param_names
        cov = self.covar[i]
        correl = covariance_to_correlation(cov)
        return FitResult(
            model=self.model,
            params=dict(zip(names, map(float, self.params[i]))),
            stderr=dict(zip(names, map(float, self.stderr[i]))),
            covar=cov.copy(), correl=correl, chi2=float(self.chi2[i]),
            redchi=float(self.redchi[i]), ndata=int(self.ndata[i]), nvarys=len(names),
            nfev=int(self.nfev[i]), success=bool(self.success[i]), message=self.message[i],
            x_ref=float(self.x_ref[i]))

    def to_frame(self) -> pd.DataFrame:
        """One row per spectrum: each parameter and ``<param>_err``, fit statistics."""
        import pandas as pd

        cols: dict[str, np.ndarray | list[str]] = {}
        for j, n in enumerate(self.model.param_names):
            cols[n] = self.params[:, j]
            cols[f"{n}_err"] = self.stderr[:, j]
        cols.update(chi2=self.chi2, redchi=self.redchi, ndata=self.ndata, nfev=self.nfev,
                    success=self.success, message=list(self.message), x_ref=self.x_ref)
        return pd.DataFrame(cols)


# ----------------------------------------------------------------------------- input packing

@dataclass
class _Packed:
    """Spectra as equal-length rows: points outside the window or past the end weigh zero."""

    x: np.ndarray        # (N, L) (may be a broadcast view)
    y: np.ndarray        # (N, L)
    w: np.ndarray        # (N, L) weights 1/sigma^2 (0 = ignored)
    x_ref: np.ndarray    # (N,)
    ndata: np.ndarray    # (N,)
    bad: np.ndarray      # (N,) bool: non-finite x, y or sigma (or sigma <= 0) in the window


def _float_array(name, a) -> np.ndarray:
    try:
        return np.asarray(a, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numbers (an array of floats); it could not be "
                         "converted") from None


def _as_2d(name, a):
    a = _float_array(name, a)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise InputError(f"{name} must be 1-D or 2-D (spectra x points), got shape {a.shape}")
    return a


def _pack(x, y, sigma, window, kernel=None) -> _Packed:
    ragged = isinstance(x, (list, tuple)) or isinstance(y, (list, tuple))
    if ragged:
        # A shared 1-D x with a list of spectra, or a list of x with a 2-D y, is fine too.
        if not isinstance(x, (list, tuple)):
            if np.ndim(x) != 1:
                raise InputError("x must be a list of 1-D arrays, or one 1-D array shared by "
                                 "all spectra, when y is a list")
            x = [x] * len(y)
        if not isinstance(y, (list, tuple)):
            if np.ndim(y) != 2:
                raise InputError("y must be a list of 1-D arrays, or 2-D, when x is a list")
            y = list(y)
        if len(x) != len(y) or len(x) == 0:
            raise InputError(f"x and y must be lists of the same non-zero length, got "
                             f"{len(x)} and {len(y)}")
        xs = [_float_array(f"x[{i}]", a).ravel() for i, a in enumerate(x)]
        ys = [_float_array(f"y[{i}]", a).ravel() for i, a in enumerate(y)]
        for i, (a, b) in enumerate(zip(xs, ys)):
            if a.shape != b.shape:
                raise InputError(f"x[{i}] has {a.size} points but y[{i}] has {b.size}")
        if sigma is not None:
            if not isinstance(sigma, (list, tuple)) or len(sigma) != len(xs):
                raise InputError("sigma must be a list like y when spectra have different "
                                 "lengths")
            ss = [_float_array(f"sigma[{i}]", a).ravel() for i, a in enumerate(sigma)]
            for i, (s, b) in enumerate(zip(ss, ys)):
                if s.shape != b.shape:
                    raise InputError(f"sigma[{i}] has {s.size} points but y[{i}] has {b.size}")
        n, L = len(xs), max(a.size for a in xs)
        X = np.zeros((n, L))
        Y = np.zeros((n, L))
        S = np.ones((n, L))
        inside = np.zeros((n, L), bool)
        for i, (a, b) in enumerate(zip(xs, ys)):
            X[i, :a.size], Y[i, :a.size], inside[i, :a.size] = a, b, True
            if a.size:
                X[i, a.size:] = a[-1]
            if sigma is not None:
                S[i, :a.size] = ss[i]
        return _pack_arrays(X, Y, S if sigma is not None else None, window, inside)
    Y = _as_2d("y", y)
    X = _float_array("x", x)
    if X.ndim == 1:
        if X.size != Y.shape[1]:
            raise InputError(f"x has {X.size} points but y has {Y.shape[1]} per spectrum")
    elif X.ndim == 2:
        if X.shape != Y.shape:
            raise InputError(f"x has shape {X.shape} but y has shape {Y.shape}")
    else:
        raise InputError(f"x must be 1-D (shared) or 2-D like y, got shape {X.shape}")
    S = None
    if sigma is not None:
        S = _float_array("sigma", sigma)
        if S.shape not in (Y.shape, Y.shape[1:]):
            raise InputError(f"sigma has shape {S.shape}; it must match y {Y.shape} or one "
                             f"spectrum {Y.shape[1:]}")
    return _pack_arrays(X, Y, S, window, None, kernel)


def _window(window, n):
    if window is None:
        return None
    wdw = _float_array("window", window)
    if wdw.shape not in ((2,), (n, 2)):
        raise InputError(f"window must be (lo, hi) or one (lo, hi) per spectrum ({n}, 2), "
                         f"got shape {wdw.shape}")
    if np.any(~np.isfinite(wdw)) or np.any(wdw[..., 1] <= wdw[..., 0]):
        raise InputError("window must be finite with lo < hi")
    return wdw


def _pack_windows_kernel(kernel, X, Y, S, wdw, start, counts, L) -> _Packed:
    """The per-spectrum-window branch of _pack_arrays, one compiled pass (same arrays)."""
    n = len(Y)
    if S is None:
        S2 = np.empty((1, 0))
    else:
        S2 = _c_array(S[None, :] if S.ndim == 1 else S)
    xs, ys, w = np.empty((n, L)), np.empty((n, L)), np.empty((n, L))
    bad = np.zeros(n, np.bool_)
    with _KERNEL_LOCK:
        kernel.gather_windows(_c_array(X), _c_array(Y), S2, start.astype(np.int64),
                              counts.astype(np.int64), xs, ys, w, bad)
    ref = 0.5 * (wdw[:, 0] + wdw[:, 1])
    return _Packed(xs, ys, w, np.asarray(ref, float), counts, bad)


def _pack_arrays(X, Y, S, window, inside, kernel=None) -> _Packed:
    n, m = Y.shape
    if n == 0 or m == 0:
        raise InputError(f"y holds no data (shape {Y.shape}): give at least one spectrum "
                         "with points")
    wdw = _window(window, n)
    if X.ndim == 1 and inside is None and (wdw is None or wdw.ndim == 1):
        # Shared x and a common window: crop once; every row sees the same points.
        keep = np.ones(m, bool) if wdw is None else (X >= wdw[0]) & (X <= wdw[1])
        xs = X[keep]
        if xs.size == 0:
            raise InputError(f"window {tuple(wdw)} contains no x values "
                             f"(x spans {X.min():g} to {X.max():g})")
        ys = Y[:, keep]
        if S is None:
            w = np.ones_like(ys)
            sbad = np.zeros(n, bool)
        else:
            sk = np.broadcast_to(S[..., keep], ys.shape)
            sbad = ~np.all(np.isfinite(sk) & (sk > 0), axis=1)
            with np.errstate(divide="ignore"):
                w = 1.0 / np.square(sk)
        bad = sbad | ~np.all(np.isfinite(ys), axis=1) | (not np.all(np.isfinite(xs)))
        ref = 0.5 * (wdw[0] + wdw[1]) if wdw is not None else 0.5 * (xs.min() + xs.max())
        return _Packed(np.broadcast_to(xs, ys.shape), ys, w, np.full(n, float(ref)),
                       np.full(n, xs.size), bad)
    if X.ndim == 1 and inside is None and np.all(np.diff(X) > 0):
        # Shared increasing x, one window per spectrum: each window is a run of columns.
        start = np.searchsorted(X, wdw[:, 0], "left")
        counts = np.searchsorted(X, wdw[:, 1], "right") - start
        L = max(int(counts.max()), 1)
        if kernel is not None:
            return _pack_windows_kernel(kernel, X, Y, S, wdw, start, counts, L)
        idx = np.minimum(start[:, None] + np.arange(L), m - 1)
    else:
        mask = np.ones((n, m), bool) if inside is None else inside
        if wdw is not None:
            w2 = np.broadcast_to(wdw, (n, 2))
            Xb = np.broadcast_to(X, Y.shape)
            mask = mask & (Xb >= w2[:, :1]) & (Xb <= w2[:, 1:])
        counts = mask.sum(axis=1)
        L = max(int(counts.max()), 1)
        # Pack each row's points to the left (order kept), so rows are as short as the
        # longest window rather than the whole spectrum.
        rows, cols = np.nonzero(mask)
        idx = np.zeros((n, L), int)
        idx[rows, (np.cumsum(mask, axis=1) - 1)[rows, cols]] = cols
    pad = np.arange(L)[None, :] >= counts[:, None]
    xs = X[idx] if X.ndim == 1 else np.take_along_axis(X, idx, axis=1)
    ys = np.take_along_axis(Y, idx, axis=1)
    finite = np.isfinite(xs) & np.isfinite(ys)
    if S is None:
        w = np.ones((n, L))
    else:
        sk = S[idx] if S.ndim == 1 else np.take_along_axis(S, idx, axis=1)
        finite &= np.isfinite(sk) & (sk > 0)
        with np.errstate(divide="ignore"):
            w = 1.0 / np.square(sk)
    bad = ~np.all(finite | pad, axis=1)
    # Padding repeats the row's last x so that the model stays finite there (weight is 0).
    last = xs[np.arange(n), np.maximum(counts - 1, 0)]
    xs = np.where(pad, last[:, None], xs)
    ys[pad] = 0.0
    w[pad] = 0.0
    xs[bad] = 0.0
    ys[bad] = 0.0
    w[bad] = 0.0
    if wdw is not None:
        ref = np.broadcast_to(0.5 * (wdw[..., 0] + wdw[..., 1]), (n,)).astype(float)
    else:
        with np.errstate(invalid="ignore"):
            lo = np.where(pad, np.inf, xs).min(axis=1)
            hi = np.where(pad, -np.inf, xs).max(axis=1)
        ref = np.where(counts > 0, 0.5 * (lo + hi), 0.0)
    return _Packed(xs, ys, w, np.asarray(ref, float), counts, bad)


# ----------------------------------------------------------------------------- bounds

def _bounds(model: PeakModel, bounds, n: int, packed: _Packed):
    """Lower/upper bound arrays (N, P): defaults fwhm > 0, 0 <= eta <= 1, then the user's."""
    names = model.param_names
    P = len(names)
    lo = np.full((n, P), -np.inf)
    hi = np.full((n, P), np.inf)
    # "fwhm > 0" as a projection needs a positive floor: a millionth of the window span.
    valid = packed.w > 0
    with np.errstate(invalid="ignore"):
        width = (np.where(valid, packed.x, -np.inf).max(axis=1)
                 - np.where(valid, packed.x, np.inf).min(axis=1))
    floor = np.where(np.isfinite(width) & (width > 0), width * 1e-6, 1e-12)
    for j, name in enumerate(names):
        if name.startswith("fwhm"):
            lo[:, j] = floor
        elif name.startswith("eta"):
            lo[:, j], hi[:, j] = 0.0, 1.0
    for key, pair in (bounds or {}).items():
        cols = [j for j, nm in enumerate(names)
                if nm == key or (key.isalpha() and nm.rstrip("0123456789") == key)]
        if not cols:
            raise InputError(f"bounds names {key!r}, which is not a parameter of this model "
                             f"({', '.join(names)}; a name without its number applies to "
                             "every peak)")
        try:
            b_lo, b_hi = pair
            b_lo = np.broadcast_to(np.asarray(-np.inf if b_lo is None else b_lo, float), (n,))
            b_hi = np.broadcast_to(np.asarray(np.inf if b_hi is None else b_hi, float), (n,))
        except (TypeError, ValueError):
            raise InputError(f"bounds[{key!r}] must be (lo, hi) with scalars or one value per "
                             f"spectrum ({n}), got {pair!r}") from None
        if np.any(b_lo >= b_hi):
            raise InputError(f"bounds[{key!r}]: lower bound must be below the upper bound")
        for j in cols:
            lo[:, j] = np.maximum(lo[:, j], b_lo)
            hi[:, j] = np.minimum(hi[:, j], b_hi)
            if np.any(lo[:, j] >= hi[:, j]):
                raise InputError(f"bounds[{key!r}] leave no room for {names[j]} "
                                 f"(its built-in limits are fwhm > 0, 0 <= eta <= 1)")
    return lo, hi


# ----------------------------------------------------------------------------- the solver

_ACTIVE, _CONVERGED, _MAXITER, _NONFINITE = 0, 1, 2, 3


def _normal(model, x, swy, sw, bj, p, buf, tmp):
    """[[JᵀWJ, JᵀWr], [., χ²]] (n, P + 1, P + 1) from one stacked matrix product."""
    n = len(p)
    jr = buf[:n]
    model._jac_resid(jr, x, swy, sw, bj, p, [t[:n] for t in tmp])
    return np.matmul(jr, jr.transpose(0, 2, 1))


def _weighted(model, x, y, w, xref):
    """(all weights 1?, sqrt(w), sqrt(w) y, sqrt(w) (x - x_ref)**k): fixed during the fit."""
    n, L = y.shape
    unit = bool(np.all(w == 1.0))
    sw = np.ones_like(y) if unit else np.sqrt(w)
    swy = y if unit else sw * y
    deg = model.baseline_degree
    bj = None
    if deg >= 0:
        dx = x - xref[:, None]
        bj = np.empty((n, deg + 1, L))
        bj[:, 0] = sw
        for k in range(1, deg + 1):
            bj[:, k] = bj[:, k - 1] * dx
    return unit, sw, swy, bj


def _solve_stack(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x[i] = a[i]⁻¹ b[i] for a stack of damped normal matrices; (n, P, P), (n, P, 1) → (n, P).

    A spectrum whose parameters are exactly degenerate (a flat stretch fitted by a peak) makes
    its matrix singular; one such spectrum must not stop the batch, so the stack falls back
    to the least-squares (pseudo-inverse) step, which leaves the degenerate direction alone."""
    try:
        return np.linalg.solve(a, b)[:, :, 0]
    except np.linalg.LinAlgError:
        return np.matmul(np.linalg.pinv(a), b)[:, :, 0]


def _lm_chunk(model, x, y, w, xref, p, lo, hi, max_iter, tol):
    """Levenberg–Marquardt on one chunk of n spectra; returns (p, M, nfev, status)."""
    n, L = y.shape
    P = p.shape[1]
    unit, sw, swy, bj = _weighted(model, x, y, w, xref)
    buf = np.empty((n, P + 1, L))
    tmp = [np.empty((n, L)) for _ in range(5)]
    eye = np.eye(P)

    def normal(rows_x, rows_swy, rows_sw, rows_bj, pp):
        return _normal(model, rows_x, rows_swy, None if unit else rows_sw, rows_bj, pp, buf,
                       tmp)

    p = np.clip(p, lo, hi)
    M = normal(x, swy, sw, bj, p)
    nfev = np.ones(n, int)
    status = np.zeros(n, int)
    status[~np.isfinite(M).all(axis=(1, 2))] = _NONFINITE
    lam = np.full(n, LAMBDA0)
    nu = np.full(n, 2.0)

    work = np.flatnonzero(status == _ACTIVE)       # rows currently carried in the work arrays
    wx, wswy, wsw, wbj = x[work], swy[work], sw[work], None if bj is None else bj[work]
    for _ in range(max_iter):
        active = status[work] == _ACTIVE
        if not active.any():
            break
        if active.sum() < 0.75 * len(work):
            # Converged spectra stop costing time: drop them from the work arrays.
            keep = np.flatnonzero(active)
            work = work[keep]
            wx, wswy, wsw = wx[keep], wswy[keep], wsw[keep]
            wbj = None if wbj is None else wbj[keep]
            active = np.ones(len(work), bool)
        Mw = M[work]
        A = Mw[:, :P, :P]
        g = Mw[:, :P, P]
        chi2 = Mw[:, P, P]
        d = np.sqrt(np.diagonal(A, axis1=1, axis2=2))
        d = np.where(d > 0, d, 1.0)
        Ahat = A / d[:, :, None] / d[:, None, :]
        ghat = (g / d)[:, :, None]
        pw = p[work]
        # A parameter on a bound that chi-square pushes outward is held there: it leaves the
        # step (its row and column become the identity), so the others move freely.
        held = ((pw <= lo[work]) & (g < 0)) | ((pw >= hi[work]) & (g > 0))
        if held.any():
            Ahat = np.where(held[:, :, None] | held[:, None, :], 0.0, Ahat) + held[:, :, None] * eye
            ghat = np.where(held[:, :, None], 0.0, ghat)
        # Converged before trying a step: even the undamped Gauss–Newton step would lower
        # chi-square by less than tol * chi2 (its predicted reduction is gᵀA⁻¹g).
        gn = _solve_stack(Ahat + 1e-12 * eye, ghat)
        done = active & (np.einsum("ij,ij->i", gn, ghat[:, :, 0]) <= tol * chi2)
        status[work[done]] = _CONVERGED
        active &= ~done
        if not active.any():
            break
        step = _solve_stack(Ahat + lam[work, None, None] * eye, ghat) / d
        pt = np.clip(pw + step, lo[work], hi[work])
        pt = np.where(active[:, None], pt, pw)
        step = pt - pw
        pred = np.einsum("ij,ij->i", step, 2.0 * g - np.matmul(A, step[:, :, None])[:, :, 0])
        Mt = normal(wx, wswy, wsw, wbj, pt)
        nfev[work[active]] += 1
        chi2t = Mt[:, P, P]
        ok = active & np.isfinite(Mt).all(axis=(1, 2)) & (chi2t <= chi2)
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.where(pred > 0, (chi2 - chi2t) / pred, 0.0)
        rows_ok = work[ok]
        rows_no = work[active & ~ok]
        p[rows_ok] = pt[ok]
        M[rows_ok] = Mt[ok]
        lam[rows_ok] *= np.maximum(1.0 / 3.0, 1.0 - (2.0 * rho[ok] - 1.0) ** 3)
        nu[rows_ok] = 2.0
        lam[rows_no] *= nu[rows_no]
        nu[rows_no] *= 2.0
        # MINPACK's ftol test on actual and predicted reduction, and its xtol test on the step.
        small_f = (chi2 - chi2t <= tol * chi2t) & (pred <= tol * chi2t)
        small_x = np.all(np.abs(step) <= tol * (np.abs(pw) + tol), axis=1)
        done = ok & (small_f | small_x)
        status[work[done]] = _CONVERGED
        status[work[active & (lam[work] > LAMBDA_MAX)]] = _CONVERGED
    status[status == _ACTIVE] = _MAXITER
    return p, M, nfev, status


# numba's workqueue thread pool (the fork-safe one _lm_kernel asks for when TBB is missing)
# must not be entered from two threads at once; each call uses every core anyway.
_KERNEL_LOCK = threading.Lock()


def _n_spectra(y) -> int:
    """Number of spectra in y as fit_batch takes it (before any validation)."""
    if isinstance(y, (list, tuple)):
        return len(y)
    return np.shape(y)[0] if np.ndim(y) == 2 else 1


def _kernel(backend: str, n: int):
    """The compiled kernel module for this call, or None for the numpy engine."""
    if backend == "numpy" or (backend == "auto" and n < NUMBA_MIN_BATCH):
        return None
    try:
        from dackit.core import _lm_kernel
    except ImportError:
        if backend == "numba":
            raise InputError("backend='numba' needs the numba package: pip install numba "
                             "(or use backend='numpy')") from None
        return None
    return _lm_kernel


def _kernel_model(model: PeakModel):
    """The model's parameter columns as integer arrays: per peak (a, c, fwhm, eta or -1)."""
    peaks = np.array([[ia, ic, iw, -1 if ie is None else ie]
                      for ia, ic, iw, ie in model._index["peaks"]], np.int64).reshape(-1, 4)
    return peaks, np.array(model._index["baseline"], np.int64)


def _c_array(a) -> np.ndarray:
    """A writable C-ordered float64 array: one compiled signature for every call."""
    if a.dtype == np.float64 and a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.array(a, dtype=np.float64, order="C")


def _kernel_x(packed: _Packed) -> np.ndarray:
    """x as the kernels take it: (N, L), or its one row (1, L) when shared by every spectrum."""
    x = packed.x
    if x.ndim == 2 and x.shape[0] > 1 and x.strides[0] == 0:
        return np.array(x[:1])
    return _c_array(x)


def _covariance(M, P, scale):
    """(JᵀWJ)⁻¹ (times ``scale``) through the column-scaled matrix; NaN where singular.

    The scaled matrix has a unit diagonal, so its largest eigenvalue is at most P and the
    largest diagonal element of its inverse lies between 1/(P λmin) and 1/λmin: that element
    above 1/(P * SINGULAR_RCOND) marks an undetermined combination of parameters. (A batched
    Cholesky test and inverse cost a fifth of a batched eigendecomposition.)
    """
    A = M[:, :P, :P]
    d = np.sqrt(np.diagonal(A, axis1=1, axis2=2))
    finite = np.isfinite(A).all(axis=(1, 2))
    zero_col = ~(d > 0).all(axis=1)
    usable = finite & ~zero_col
    cov = np.full(A.shape, np.nan)
    singular = ~usable
    if usable.any():
        dd = d[usable]
        Ahat = A[usable] / dd[:, :, None] / dd[:, None, :]
        try:
            np.linalg.cholesky(Ahat)
            pd = np.ones(len(Ahat), bool)
        except np.linalg.LinAlgError:           # some matrix is not positive definite
            pd = np.linalg.eigvalsh(Ahat)[:, 0] > SINGULAR_RCOND * P
        inv = np.full(Ahat.shape, np.nan)
        try:
            inv[pd] = np.linalg.inv(Ahat[pd])
        except np.linalg.LinAlgError:
            # Cholesky can pass a matrix that is singular but for rounding (a peak collapsed
            # onto one point: three identical columns); LU then meets an exact zero pivot.
            # Invert one by one; such a matrix stays NaN and is flagged singular below.
            for j in np.flatnonzero(pd):
                try:
                    inv[j] = np.linalg.inv(Ahat[j])
                except np.linalg.LinAlgError:
                    pass
        big = np.diagonal(inv, axis1=1, axis2=2).max(axis=1)
        sing = ~(big < 1.0 / (P * SINGULAR_RCOND))
        c = inv / dd[:, :, None] / dd[:, None, :] * scale[usable, None, None]
        c[sing] = np.nan
        cov[usable] = c
        singular[np.flatnonzero(usable)[sing]] = True
    return cov, singular


def fit_batch(x: ArrayLike, y: ArrayLike, model: PeakModel, p0: ArrayLike | None = None, *,
              sigma: ArrayLike | None = None, window: ArrayLike | None = None,
              bounds: Mapping[str, tuple[ArrayLike, ArrayLike]] | None = None, max_iter: int = 200,
              tol: float = 1e-10, scale_covar: bool = True,
              backend: str = "auto") -> BatchFit:
    """Fit ``model`` to every spectrum of a batch; never raises for one bad spectrum.

    Parameters
    ----------
    x : (M,) shared by all spectra, (N, M), or a list of 1-D arrays of different lengths
        (then ``y`` and ``sigma`` are lists too; shorter spectra are padded with zero weight).
    y : (N, M) (or (M,) for one spectrum), or a list of 1-D arrays (with a shared 1-D x or a
        list of x).
    model : PeakModel
    p0 : (N, P) or (P,) starting values in the order of ``model.param_names``;
        ``None`` takes them from :func:`guess_peaks` on the same window.
    sigma : (N, M) or (M,) standard errors of y; ``None`` fits unweighted (lmfit's default).
    window : (lo, hi) or (N, 2): the x-range fitted per spectrum; the baseline is expanded
        about the window's centre ``x_ref``.
    bounds : {name: (lo, hi)}; lo/hi scalars or one value per spectrum; a name without its
        number (``"center"``) applies to every peak. Always: fwhm > 0, 0 <= eta <= 1.
    max_iter : iterations (trial steps) per spectrum before giving up.
    tol : relative change of chi-square and of the parameters that counts as converged.
    scale_covar : scale the covariance by the reduced chi-square (lmfit's default).
    backend : ``"numpy"`` (the vectorised reference), ``"numba"`` (the compiled twin in
        :mod:`dackit.core._lm_kernel`: same algorithm, ~3x faster on 10^4 spectra, results
        equal to rounding) or ``"auto"``: numba from ``NUMBA_MIN_BATCH`` (1024) spectra on,
        when numba is installed.

    Failures are per spectrum: ``success`` False and ``message`` "non-finite values ...",
    "singular Jacobian ...", "did not converge in N iterations" or "fewer points ...".

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 10, 300)
    >>> m = PeakModel("lorentzian", 1, baseline_degree=-1)
    >>> y = np.stack([m.evaluate(x, [1.0, c, 0.8]) for c in (4.0, 5.0, 6.0)])
    >>> fit = fit_batch(x, y, m, guess_peaks(x, y, m))
    >>> np.round(fit.value("center0"), 6).tolist()
    [4.0, 5.0, 6.0]
    """
    if not isinstance(model, PeakModel):
        raise InputError(f"model must be a PeakModel, got {type(model).__name__}")
    if int(max_iter) < 1:
        raise InputError(f"max_iter must be >= 1, got {max_iter!r}")
    if not (0 < tol < 1):
        raise InputError(f"tol must be between 0 and 1, got {tol!r}")
    if backend not in BACKENDS:
        raise InputError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    kernel = _kernel(backend, _n_spectra(y))
    packed = _pack(x, y, sigma, window, kernel)
    n = len(packed.y)
    names = model.param_names
    P = len(names)
    if p0 is None:
        p0 = _guess(packed, model, kernel)
    p0 = _float_array("p0", p0)
    if p0.ndim == 1:
        p0 = np.broadcast_to(p0, (n, p0.size))
    if p0.shape != (n, P):
        raise InputError(f"p0 has shape {p0.shape}; it must be ({P},) or ({n}, {P}) for the "
                         f"parameters {', '.join(names)}")
    lo, hi = _bounds(model, bounds, n, packed)

    bad_p0 = ~np.isfinite(p0).all(axis=1)
    few = packed.ndata <= P
    fit_rows = np.flatnonzero(~packed.bad & ~bad_p0 & ~few)
    params = np.array(p0, dtype=float)
    M = np.full((n, P + 1, P + 1), np.nan)
    nfev = np.zeros(n, np.int64)
    status = np.full(n, _NONFINITE, np.int64)

    if kernel is not None:
        peaks, base = _kernel_model(model)
        with _KERNEL_LOCK:
            kernel.lm_batch(kernel.SHAPE_CODE[model.shape], peaks, base,
                            model.shared_width and model.n_peaks > 1, _kernel_x(packed),
                            _c_array(packed.y), _c_array(packed.w), _c_array(packed.x_ref),
                            fit_rows.astype(np.int64), params, _c_array(lo), _c_array(hi),
                            int(max_iter), float(tol), LAMBDA0, LAMBDA_MAX, M, nfev, status)
    else:
        L = packed.y.shape[1]
        chunk = max(1, int(CHUNK_BYTES // ((P + 12) * max(L, 1) * 8)))
        pieces = [fit_rows[i:i + chunk] for i in range(0, len(fit_rows), chunk)]

        def run(rows):
            xc = np.ascontiguousarray(packed.x[rows])
            out = _lm_chunk(model, xc, packed.y[rows], np.asarray(packed.w[rows]),
                            packed.x_ref[rows], params[rows].copy(), lo[rows], hi[rows],
                            int(max_iter), float(tol))
            return rows, out

        workers = min(len(pieces), os.cpu_count() or 1)
        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                results = list(pool.map(run, pieces))
        else:
            results = [run(r) for r in pieces]
        for rows, (pc, Mc, fc, sc) in results:
            params[rows], M[rows], nfev[rows], status[rows] = pc, Mc, fc, sc

    chi2 = M[:, P, P].copy()
    dof = packed.ndata - P
    with np.errstate(divide="ignore", invalid="ignore"):
        redchi = np.where(dof > 0, chi2 / dof, np.nan)
    scale = redchi if scale_covar else np.ones(n)
    cov, singular = _covariance(M, P, scale)
    stderr = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))

    success = (~packed.bad & ~bad_p0 & ~few & (status == _CONVERGED) & ~singular
               & np.isfinite(stderr).all(axis=1))
    messages = ["converged"] * n
    for i in np.flatnonzero(~success):
        if packed.bad[i] or bad_p0[i]:
            what = "p0" if bad_p0[i] and not packed.bad[i] else "x, y or sigma (or sigma <= 0)"
            msg = f"non-finite values in {what}"
        elif few[i]:
            msg = (f"fewer points in the fit window ({packed.ndata[i]}) than parameters + 1 "
                   f"({P + 1})")
        elif status[i] == _NONFINITE:
            msg = "non-finite values: the model or its Jacobian is not finite at p0"
        elif singular[i]:
            d = np.sqrt(np.abs(np.diagonal(M[i, :P, :P])))
            undetermined = [names[j] for j in range(P) if not d[j] > 0]
            msg = "singular Jacobian" + (f": {', '.join(undetermined)} not determined"
                                         if undetermined else ": parameters are degenerate")
        elif status[i] == _MAXITER:
            msg = f"did not converge in {int(max_iter)} iterations"
        else:
            msg = "non-finite values in the covariance"
        messages[i] = msg
    return BatchFit(model=model, params=params, stderr=stderr, covar=cov, chi2=chi2,
                    redchi=redchi, ndata=packed.ndata.astype(int), nfev=nfev, success=success,
                    message=tuple(messages), x_ref=packed.x_ref.astype(float))


def fit_spectrum(x: ArrayLike, y: ArrayLike, model: PeakModel, p0: ArrayLike | None = None,
                 **kw: Any) -> FitResult:
    """Fit one spectrum (``fit_batch`` with N = 1); same keywords.

    Parameters
    ----------
    x : array_like
        Abscissa of the spectrum (1D).
    y : array_like
        Intensities, same length as ``x``.
    model : PeakModel
        Line shape, number of peaks, baseline degree and constraints.
    p0 : array_like, optional
        Starting parameters in the order of ``model.param_names``; guessed by
        :func:`guess_peaks` when None.
    **kw : | Any keyword of :func:`fit_batch` (``window``, ``sigma``, ``bounds``, …).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(690, 698, 400)
    >>> m = PeakModel("pseudo_voigt", 1, baseline_degree=1)
    >>> y = m.evaluate(x, [1000.0, 694.2, 0.6, 0.4, 50.0, 2.0], x_ref=694.0)
    >>> r = fit_spectrum(x, y, m, window=(690, 698))
    >>> round(r.params["center0"], 6), round(r.params["b0"], 4)
    (694.2, 50.0)
    """
    x, y = _float_array("x", x), _float_array("y", y)
    if x.ndim != 1 or y.ndim != 1:
        raise InputError("fit_spectrum fits one spectrum: give x and y as 1-D arrays "
                         "(use fit_batch for several)")
    if p0 is not None:
        p0 = _float_array("p0", p0)
        if p0.ndim == 2 and len(p0) == 1:       # straight from guess_peaks
            p0 = p0[0]
        if p0.ndim != 1:
            raise InputError(f"p0 must be 1-D for one spectrum, got shape {p0.shape}")
    if kw.get("sigma") is not None and np.ndim(kw["sigma"]) != 1:
        raise InputError("sigma must be 1-D like y for one spectrum")
    if kw.get("window") is not None and np.shape(kw["window"]) != (2,):
        raise InputError("window must be (lo, hi) for one spectrum")
    return fit_batch(x, y[None, :], model, p0, **kw)[0]


# ----------------------------------------------------------------------------- starting values

def _smooth(y, k):
    """Running mean over k points along the rows, edges replicated."""
    if k <= 1:
        return y
    from scipy.ndimage import uniform_filter1d

    return uniform_filter1d(y, size=k, axis=1, mode="nearest")


def _guess(packed: _Packed, model: PeakModel, kernel=None) -> np.ndarray:
    n, L = packed.y.shape
    out = np.zeros((n, len(model.param_names)))
    if kernel is not None:
        peaks, _ = _kernel_model(model)
        names = model.param_names
        b0 = names.index("b0") if "b0" in names else -1
        b1 = names.index("b1") if "b1" in names else -1
        with _KERNEL_LOCK:
            kernel.guess_batch(kernel.SHAPE_CODE[model.shape], peaks, model.shared_width,
                               model.baseline_degree, b0, b1, GUESS_SMOOTH_POINTS,
                               _kernel_x(packed), _c_array(packed.y), _c_array(packed.w),
                               _c_array(packed.x_ref), out)
        return out
    step = max(1, 250_000 // max(L, 1))      # rows per piece: keeps the temporaries in cache
    for i in range(0, n, step):
        sl = slice(i, i + step)
        out[sl] = _guess_rows(np.array(packed.x[sl], dtype=float), np.array(packed.y[sl]),
                              packed.w[sl] > 0, packed.x_ref[sl], model)
    return out


def _guess_rows(x, y, valid, x_ref, model: PeakModel) -> np.ndarray:
    n, L = y.shape
    names = model.param_names
    out = np.zeros((n, len(names)))
    counts = valid.sum(axis=1)
    # Rows are packed (valid points first) unless the window only zeroed weights; make
    # every row increasing in x with its valid points first so that neighbours are neighbours.
    both = valid[:, 1:] & valid[:, :-1]
    if not np.all((np.diff(x, axis=1) > 0) | ~both):
        order = np.argsort(np.where(valid, x, np.inf), axis=1, kind="stable")
        x, y, valid = (np.take_along_axis(a, order, axis=1) for a in (x, y, valid))
    cols = np.arange(L)[None, :]
    last = np.maximum(counts - 1, 0)
    rows = np.arange(n)
    # Padding repeats the last valid value so the smoothing does not see a step.
    y = np.where(valid, y, y[rows, last][:, None])
    y = np.where(np.isfinite(y), y, 0.0)
    x = np.where(valid, x, x[rows, last][:, None])
    # Everything below depends on the row alone, never on its companions in the batch.
    ys = _smooth(y, GUESS_SMOOTH_POINTS)

    # Baseline from the window edges: a line through the medians of the first and last 5 %
    # (2 to 50 points) of each row.
    ne = np.clip(counts // 20, 2, 50)
    j = np.arange(50)[None, :]
    use = j < ne[:, None]
    left = np.minimum(j, last[:, None])
    right = np.maximum(last[:, None] - j, 0)
    yl = np.nanmedian(np.where(use, y[rows[:, None], left], np.nan), axis=1)
    yr = np.nanmedian(np.where(use, y[rows[:, None], right], np.nan), axis=1)
    xl = np.nanmean(np.where(use, x[rows[:, None], left], np.nan), axis=1)
    xr = np.nanmean(np.where(use, x[rows[:, None], right], np.nan), axis=1)
    deg = model.baseline_degree
    z = ys.copy()
    if deg >= 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(xr > xl, (yr - yl) / (xr - xl), 0.0) if deg >= 1 else np.zeros(n)
        level = 0.5 * (yl + yr) if deg == 0 else yl + slope * (x_ref - xl)
        z = ys - (level[:, None] + slope[:, None] * (x - x_ref[:, None]))
        out[:, names.index("b0")] = level
        if deg >= 1:
            out[:, names.index("b1")] = slope
    z = np.where(valid, z, -np.inf)
    span = np.where(counts > 1, x[rows, last] - x[:, 0], 1.0)

    # Peel the peaks off one at a time: the highest point of what is left, its half-maximum
    # width (the narrower side, so that a shoulder does not inflate it), then subtract it,
    # so that a shoulder of the first peak shows up as the next maximum.
    func = SHAPES[model.shape].func
    taken = np.zeros((n, L), bool)
    first_fwhm: np.ndarray | None = None
    first_height: np.ndarray | None = None
    for i, (ia, ic, iw, ie) in enumerate(model._index["peaks"]):
        zi = np.where(taken, -np.inf, z)
        top = np.argmax(zi, axis=1)
        h = zi[rows, top]
        h = np.where(np.isfinite(h), h, 0.0)
        half = 0.5 * h
        below = (z < half[:, None]) | ~valid
        jl = np.max(np.where(below & (cols < top[:, None]), cols, -1), axis=1)
        jr = np.min(np.where(below & (cols > top[:, None]), cols, L), axis=1)
        xc = x[rows, top]
        hw = np.full(n, np.inf)
        for j, step in ((jl, 1), (jr, -1)):
            has = (j >= 0) & (j < L)
            j0 = np.clip(j, 0, L - 1)
            j1 = np.clip(j0 + step, 0, L - 1)
            za, zb = z[rows, j0], z[rows, j1]
            with np.errstate(divide="ignore", invalid="ignore"):
                frac = np.where(np.isfinite(za) & (zb != za), (half - za) / (zb - za), 0.0)
            xcross = x[rows, j0] + np.clip(frac, 0, 1) * (x[rows, j1] - x[rows, j0])
            hw = np.where(has, np.minimum(hw, np.abs(xc - xcross)), hw)
        spacing = span / np.maximum(counts - 1, 1)
        fwhm = np.where(np.isfinite(hw), 2.0 * hw, 0.25 * span)
        fwhm = np.maximum(fwhm, 2.0 * spacing)
        if i == 0:
            first_fwhm, first_height = fwhm, h
        else:
            assert first_height is not None  # set by the first peak (i == 0)
            # A peak that is not there still needs a small positive height to be found.
            h = np.where(h > 0.01 * first_height, h, 0.01 * np.maximum(first_height, 0.0))
        out[:, ia] = h
        out[:, ic] = xc
        if not (model.shared_width and i > 0):
            out[:, iw] = fwhm if not model.shared_width else first_fwhm
            if ie is not None:
                out[:, ie] = 0.5
        if i + 1 < model.n_peaks:
            args = (h[:, None], xc[:, None], fwhm[:, None]) + ((0.5,) if ie is not None else ())
            z = z - func(x, *args)
            taken |= np.abs(x - xc[:, None]) < 0.5 * fwhm[:, None]
    return out


def guess_peaks(x: ArrayLike, y: ArrayLike, model: PeakModel, *, window: ArrayLike | None = None) -> np.ndarray:
    """Starting values (N, P) for :func:`fit_batch`, vectorised over the batch.

    The data are smoothed with a 5-point running mean; the baseline is the line through the
    medians of the first and last 5 % of the window; peaks are peeled off highest first
    (position of the maximum, FWHM from the half-maximum crossing on the narrower side,
    eta 0.5), each subtracted before the next is looked for, so a shoulder is found as the
    second peak. ``peak0`` is the tallest. ``x``, ``y`` and ``window`` are as in
    :func:`fit_batch`; pass the same window so that the baseline refers to the same ``x_ref``.

    Parameters
    ----------
    x : array_like
        Abscissa, (M,) shared by the batch or (N, M).
    y : array_like
        Intensities, (M,) or (N, M).
    model : PeakModel
        The model whose parameters are guessed.
    window : array_like, optional
        (lo, hi) or one (lo, hi) per spectrum: look for peaks only there.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 10, 500)
    >>> m = PeakModel("gaussian", 2, baseline_degree=-1)
    >>> y = m.evaluate(x, [1.0, 4.0, 0.5, 0.5, 6.0, 0.5])
    >>> np.round(guess_peaks(x, y, m)[0], 1).tolist()
    [1.0, 4.0, 0.5, 0.5, 6.0, 0.5]
    """
    if not isinstance(model, PeakModel):
        raise InputError(f"model must be a PeakModel, got {type(model).__name__}")
    kernel = _kernel("auto", _n_spectra(y))
    return _guess(_pack(x, y, None, window, kernel), model, kernel)
