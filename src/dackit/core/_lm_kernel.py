"""Compiled per-spectrum Levenberg–Marquardt and starting values (numba), for large batches.

The numpy engine in :mod:`dackit.core.fitting` runs every step as a few array operations over
the whole batch; its speed is that of numpy's elementwise passes over memory (about 0.7 ns per
element and operation), and the per-call overhead of ~60 small operations per iteration. Here
each spectrum is fitted start to finish by one compiled loop (``prange`` spreads the spectra
over the cores): model, analytic Jacobian and normal matrix in one pass over the points, the
damped normal equations solved in small per-spectrum arrays, no temporaries over the batch.

The algorithm, its constants and its decisions are those of ``fitting._lm_chunk`` (Marquardt
1963 with MINPACK column scaling and Nielsen's damping update; bounds by projection; the same
convergence tests), and the starting values those of ``fitting._guess_rows`` — the numpy code
stays the reference. The two agree to rounding (the sums are taken in another order): 6e-15
relative on the benchmark's 10^4 ruby doublets. Where rounding tips a convergence test (0.15 %
of hard random multi-peak fits) a fit stops one step apart, within its convergence tolerance
(< 2e-4 standard errors). The tests in tests/test_fitting.py run on both.

Imported lazily by ``fit_batch`` for batches of ``fitting.NUMBA_MIN_BATCH`` spectra or more
(importing numba and loading the kernels take ~0.45 s; compiling them ~15-20 s). Compiled
code is cached on disk: in ``__pycache__`` next to this file, or, when the package directory
is not writable, in ``NUMBA_CACHE_DIR`` or numba's user cache directory (~/.cache/numba);
with no writable place at all the kernels are compiled once per process (checked with a
read-only copy of the package, as a user without write access).
"""
from __future__ import annotations

import os

import numba
import numpy as np
from numba import njit, prange

from dackit.core.lineshapes import LN2

# numba's default thread pool is GNU OpenMP where libgomp is found (here), which is not
# fork-safe: a process forked after a parallel fit (multiprocessing's default on Linux)
# aborts on its own first one ("fork() called from a process already using GNU OpenMP").
# Ask for a fork-safe pool instead (TBB if installed, else numba's workqueue; same speed
# here, measured). The workqueue must not be entered by two threads at once: fitting.py
# holds a lock around every call. A layer chosen through the environment stands.
if "NUMBA_THREADING_LAYER" not in os.environ:
    # numba.config fills its settings into globals() at import time, so mypy cannot see them
    numba.config.THREADING_LAYER = "forksafe"  # type: ignore[attr-defined]


def _compiled(**options):
    """``numba.njit`` with numba's on-disk cache, or without it when numba finds no writable
    place for one (package directory, NUMBA_CACHE_DIR, user cache directory): it then raises
    RuntimeError at decoration, and the kernels are compiled once per process instead."""
    def decorate(func):
        try:
            return njit(cache=True, **options)(func)
        except RuntimeError:
            return njit(**options)(func)
    return decorate


#: Line-shape codes understood by the kernels.
SHAPE_CODE = {"gaussian": 0, "lorentzian": 1, "pseudo_voigt": 2}
# Status codes, as in fitting.py.
_CONVERGED, _MAXITER, _NONFINITE = 1, 2, 3


# ----------------------------------------------------------------------------- model

@_compiled(fastmath={"reassoc", "contract"})
def _dot(a, b, n):
    """sum(a[:n] * b[:n]); reassociation lets the compiler vectorise the sum."""
    s = 0.0
    for j in range(n):
        s += a[j] * b[j]
    return s


@_compiled()
def _peak_rows(shape, acc, x, sw, a, c, w, eta, n, G, ra, rc_, rw_, re_, res):
    """One peak's rows of J (cf. fitting._peak_rows), minus the peak from the residual row.

    ``acc`` adds to the width rows (shared by every peak) instead of writing them. The
    exponentials go first into ``G`` so that the arithmetic loop can be vectorised.
    """
    s = 4.0 / (w * w)
    inv_w = 1.0 / w
    sa2 = 2.0 * s * a
    if shape != 1:
        for j in range(n):
            d = x[j] - c
            G[j] = np.exp(d * d * s * -LN2)
    if shape == 0:
        kc = (2.0 * LN2) * s * a
        for j in range(n):
            d = x[j] - c
            rw = G[j] * sw[j]
            rc = d * rw * kc
            ra[j] = rw
            rc_[j] = rc
            rw_[j] = rw_[j] + rc * d * inv_w if acc else rc * d * inv_w
            res[j] -= rw * a
    elif shape == 1:
        for j in range(n):
            d = x[j] - c
            lz = 1.0 / (d * d * s + 1.0)
            rw = lz * sw[j]
            rc = lz * rw * d * sa2
            ra[j] = rw
            rc_[j] = rc
            rw_[j] = rw_[j] + rc * d * inv_w if acc else rc * d * inv_w
            res[j] -= rw * a
    else:
        kl = eta * sa2
        kg = ((1.0 - eta) * LN2) * sa2
        if acc:
            for j in range(n):
                d = x[j] - c
                gw = G[j] * sw[j]
                lz = 1.0 / (d * d * s + 1.0)
                lw = lz * sw[j]
                rc = (lz * lw * kl + gw * kg) * d
                lmg = lw - gw
                rw = lmg * eta + gw
                ra[j] = rw
                rc_[j] = rc
                rw_[j] += rc * d * inv_w
                re_[j] += lmg * a
                res[j] -= rw * a
        else:
            for j in range(n):
                d = x[j] - c
                gw = G[j] * sw[j]
                lz = 1.0 / (d * d * s + 1.0)
                lw = lz * sw[j]
                rc = (lz * lw * kl + gw * kg) * d
                lmg = lw - gw
                rw = lmg * eta + gw
                ra[j] = rw
                rc_[j] = rc
                rw_[j] = rc * d * inv_w
                re_[j] = lmg * a
                res[j] -= rw * a


@_compiled()
def _jac_resid(shape, peaks, base, shared, x, swy, sw, xref, p, n, J):
    """J[:P, :n] = sqrt(w) d model / d param, J[P, :n] = sqrt(w) (y - model); J[P + 1] scratch."""
    P = p.size
    nb = base.size
    res = J[P]
    for j in range(n):
        t = sw[j]
        dx = x[j] - xref
        s = 0.0
        for k in range(nb):
            J[base[k], j] = t
            s += p[base[k]] * t
            t *= dx
        res[j] = swy[j] - s
    for i in range(peaks.shape[0]):
        ia, ic, iw, ie = peaks[i, 0], peaks[i, 1], peaks[i, 2], peaks[i, 3]
        eta = p[ie] if ie >= 0 else 0.0
        _peak_rows(shape, shared and i > 0, x, sw, p[ia], p[ic], p[iw], eta, n, J[P + 1],
                   J[ia], J[ic], J[iw], J[ie if ie >= 0 else P + 1], res)


@_compiled()
def _normal(shape, peaks, base, shared, x, swy, sw, xref, p, n, J, M):
    """M = [[JᵀWJ, JᵀWr], [., χ²]]; returns whether every entry is finite."""
    _jac_resid(shape, peaks, base, shared, x, swy, sw, xref, p, n, J)
    Q = M.shape[0]          # P + 1: J's row P + 1 is scratch
    finite = True
    for a in range(Q):
        for b in range(a, Q):
            v = _dot(J[a], J[b], n)
            M[a, b] = v
            M[b, a] = v
            if not np.isfinite(v):
                finite = False
    return finite


@_compiled()
def _solve(A, shift, g, out, work):
    """out = (A + shift I)⁻¹ g by Gaussian elimination with partial pivoting (as LAPACK gesv);
    a zero pivot leaves its component at 0: a least-squares solution, where the numpy path
    falls back to the minimum-norm one."""
    P = g.size
    for r in range(P):
        for k in range(P):
            work[r, k] = A[r, k]
        work[r, r] += shift
        out[r] = g[r]
    for k in range(P):
        piv = k
        big = abs(work[k, k])
        for r in range(k + 1, P):
            if abs(work[r, k]) > big:
                big = abs(work[r, k])
                piv = r
        if piv != k:
            for m in range(P):
                t = work[k, m]
                work[k, m] = work[piv, m]
                work[piv, m] = t
            t = out[k]
            out[k] = out[piv]
            out[piv] = t
        if work[k, k] == 0.0:
            continue        # the column is degenerate with earlier ones: see the back-substitution
        inv = 1.0 / work[k, k]
        for r in range(k + 1, P):
            f = work[r, k] * inv
            if f != 0.0:
                for m in range(k + 1, P):
                    work[r, m] -= f * work[k, m]
                out[r] -= f * out[k]
    for k in range(P - 1, -1, -1):
        s = out[k]
        for m in range(k + 1, P):
            s -= work[k, m] * out[m]
        # an exactly singular matrix (a parameter degenerate with others, e.g. a peak over a
        # flat clipped top) gets no step along that parameter instead of a division by zero
        out[k] = s / work[k, k] if work[k, k] != 0.0 else 0.0


# ----------------------------------------------------------------------------- the solver

@_compiled()
def _lm_one(shape, peaks, base, shared, x, swy, sw, xref, p, lo, hi, n, max_iter, tol,
            lam0, lam_max, M, J):
    """Levenberg–Marquardt for one spectrum, step for step as fitting._lm_chunk.

    Updates p and M (the normal matrix at p) in place; returns (nfev, status).
    """
    P = p.size
    for k in range(P):
        p[k] = min(max(p[k], lo[k]), hi[k])
    if not _normal(shape, peaks, base, shared, x, swy, sw, xref, p, n, J, M):
        return 1, _NONFINITE
    nfev = 1
    lam = lam0
    nu = 2.0
    Mt = np.empty_like(M)
    d = np.empty(P)
    Ah = np.empty((P, P))
    gh = np.empty(P)
    gn = np.empty(P)
    step = np.empty(P)
    pt = np.empty(P)
    held = np.zeros(P, np.bool_)
    work = np.empty((P, P))
    for _ in range(max_iter):
        chi2 = M[P, P]
        for k in range(P):
            dk = np.sqrt(M[k, k])
            d[k] = dk if dk > 0 else 1.0
        for k in range(P):
            g = M[k, P]
            held[k] = (p[k] <= lo[k] and g < 0) or (p[k] >= hi[k] and g > 0)
        for r in range(P):
            for k in range(P):
                if held[r] or held[k]:
                    Ah[r, k] = 1.0 if r == k else 0.0
                else:
                    Ah[r, k] = M[r, k] / d[r] / d[k]
            gh[r] = 0.0 if held[r] else M[r, P] / d[r]
        # Converged before a trial: the undamped Gauss–Newton step would lower chi-square by
        # less than tol * chi2.
        _solve(Ah, 1e-12, gh, gn, work)
        gain = 0.0
        for r in range(P):
            gain += gn[r] * gh[r]
        if gain <= tol * chi2:
            return nfev, _CONVERGED
        _solve(Ah, lam, gh, step, work)
        for k in range(P):
            pt[k] = min(max(p[k] + step[k] / d[k], lo[k]), hi[k])
            step[k] = pt[k] - p[k]
        pred = 0.0
        for r in range(P):
            As = 0.0
            for k in range(P):
                As += M[r, k] * step[k]
            pred += step[r] * (2.0 * M[r, P] - As)
        finite = _normal(shape, peaks, base, shared, x, swy, sw, xref, pt, n, J, Mt)
        nfev += 1
        chi2t = Mt[P, P]
        ok = finite and chi2t <= chi2
        rho = (chi2 - chi2t) / pred if pred > 0 else 0.0
        small_f = (chi2 - chi2t <= tol * chi2t) and (pred <= tol * chi2t)
        small_x = True
        for k in range(P):
            if not abs(step[k]) <= tol * (abs(p[k]) + tol):
                small_x = False
        if ok:
            for k in range(P):
                p[k] = pt[k]
            M[:, :] = Mt
            lam *= max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
            nu = 2.0
            if small_f or small_x:
                return nfev, _CONVERGED
        else:
            lam *= nu
            nu *= 2.0
        if lam > lam_max:
            return nfev, _CONVERGED
    return nfev, _MAXITER


@_compiled(parallel=True)
def lm_batch(shape, peaks, base, shared, x, y, w, xref, rows, p, lo, hi, max_iter, tol,
             lam0, lam_max, M, nfev, status):
    """Fit the spectra ``rows`` of the packed batch; fills p, M, nfev, status in place.

    ``x`` is (N, L) or (1, L) when every spectrum shares it. Points of zero weight after the
    last weighted one are skipped (they add exact zeros).
    """
    L = y.shape[1]
    P = p.shape[1]
    for t in prange(rows.size):
        i = rows[t]
        xi = x[0] if x.shape[0] == 1 else x[i]
        n = L
        while n > 0 and w[i, n - 1] == 0.0:
            n -= 1
        sw = np.empty(n)
        swy = np.empty(n)
        for j in range(n):
            sw[j] = np.sqrt(w[i, j])
            swy[j] = sw[j] * y[i, j]
        J = np.empty((P + 2, max(n, 1)))
        nfev[i], status[i] = _lm_one(shape, peaks, base, shared, xi, swy, sw, xref[i], p[i],
                                     lo[i], hi[i], n, max_iter, tol, lam0, lam_max, M[i], J)


# ----------------------------------------------------------------------------- starting values

@_compiled()
def _profile(shape, x, h, c, fwhm):
    """lineshapes.gaussian / lorentzian / pseudo_voigt (eta 0.5) at one x, same operations."""
    d = (x - c) / fwhm
    if shape == 0:
        return h * np.exp(-4.0 * LN2 * d * d)
    if shape == 1:
        return h / (1.0 + 4.0 * d * d)
    q = 4.0 * d * d
    g = np.exp(-LN2 * q)
    return h * (g + 0.5 * (1.0 / (1.0 + q) - g))


@_compiled()
def _pairwise_sum(a):
    """numpy's pairwise summation of a short (8 < n <= 128) row, bit for bit."""
    n = a.size
    r = a[:8].copy()
    i = 8
    while i < n - (n % 8):
        for k in range(8):
            r[k] += a[i + k]
        i += 8
    s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        s += a[i]
        i += 1
    return s


@_compiled()
def _median(a):
    s = np.sort(a)
    m = s.size // 2
    return s[m] if s.size % 2 else (s[m - 1] + s[m]) / 2.0


@_compiled()
def _guess_one(shape, peaks, shared, deg, b0, b1, smooth, x, y, valid, x_ref, out):
    """Starting values of one spectrum, as fitting._guess_rows does for each row."""
    L = y.size
    counts = 0
    for j in range(L):
        counts += valid[j]
    # Rows must be increasing in x with their valid points first (as _guess_rows arranges).
    ordered = True
    for j in range(L - 1):
        if valid[j] and valid[j + 1] and not x[j + 1] - x[j] > 0:
            ordered = False
    if not ordered:
        key = np.where(valid, x, np.inf)
        order = np.argsort(key, kind="mergesort")
        x, y, valid = x[order], y[order], valid[order]
    else:
        x, y = x.copy(), y.copy()
    last = max(counts - 1, 0)
    ylast, xlast = y[last], x[last]
    for j in range(L):
        if not valid[j]:
            y[j] = ylast
            x[j] = xlast
        if not np.isfinite(y[j]):
            y[j] = 0.0
    # scipy.ndimage.uniform_filter1d(mode="nearest"), its running sum bit for bit
    ys = np.empty(L)
    if smooth <= 1:
        ys[:] = y
    else:
        s1 = smooth // 2
        tot = 0.0
        for k in range(smooth):
            tot += y[min(max(k - s1, 0), L - 1)]
        ys[0] = tot / smooth
        for j in range(1, L):
            tot += y[min(j + smooth - 1 - s1, L - 1)] - y[max(j - 1 - s1, 0)]
            ys[j] = tot / smooth

    ne = min(max(counts // 20, 2), 50)
    yl_ = np.empty(ne)
    yr_ = np.empty(ne)
    xl_ = np.zeros(50)
    xr_ = np.zeros(50)
    for j in range(ne):
        left = min(j, last)
        right = max(last - j, 0)
        yl_[j] = y[left]
        yr_[j] = y[right]
        xl_[j] = x[left]
        xr_[j] = x[right]
    yl, yr = _median(yl_), _median(yr_)
    xl, xr = _pairwise_sum(xl_) / ne, _pairwise_sum(xr_) / ne
    z = ys.copy()
    if deg >= 0:
        slope = 0.0
        if deg >= 1 and xr > xl:
            slope = (yr - yl) / (xr - xl)
        level = 0.5 * (yl + yr) if deg == 0 else yl + slope * (x_ref - xl)
        for j in range(L):
            z[j] = ys[j] - (level + slope * (x[j] - x_ref))
        out[b0] = level
        if deg >= 1:
            out[b1] = slope
    for j in range(L):
        if not valid[j]:
            z[j] = -np.inf
    span = x[last] - x[0] if counts > 1 else 1.0

    taken = np.zeros(L, np.bool_)
    first_fwhm = 0.0
    first_height = 0.0
    for i in range(peaks.shape[0]):
        ia, ic, iw, ie = peaks[i, 0], peaks[i, 1], peaks[i, 2], peaks[i, 3]
        top = 0
        h = -np.inf
        for j in range(L):
            zj = -np.inf if taken[j] else z[j]
            if zj > h:
                h = zj
                top = j
        if not np.isfinite(h):
            h = 0.0
        half = 0.5 * h
        jl = -1
        for j in range(top - 1, -1, -1):
            if z[j] < half or not valid[j]:
                jl = j
                break
        jr = L
        for j in range(top + 1, L):
            if z[j] < half or not valid[j]:
                jr = j
                break
        xc = x[top]
        hw = np.inf
        for side in range(2):
            jj = jl if side == 0 else jr
            stp = 1 if side == 0 else -1
            if jj < 0 or jj >= L:
                continue
            j0 = jj
            j1 = min(max(j0 + stp, 0), L - 1)
            za, zb = z[j0], z[j1]
            frac = (half - za) / (zb - za) if np.isfinite(za) and zb != za else 0.0
            xcross = x[j0] + min(max(frac, 0.0), 1.0) * (x[j1] - x[j0])
            hw = min(hw, abs(xc - xcross))
        spacing = span / max(counts - 1, 1)
        fwhm = 2.0 * hw if np.isfinite(hw) else 0.25 * span
        fwhm = max(fwhm, 2.0 * spacing)
        if i == 0:
            first_fwhm, first_height = fwhm, h
        elif not h > 0.01 * first_height:
            h = 0.01 * max(first_height, 0.0)
        out[ia] = h
        out[ic] = xc
        if not (shared and i > 0):
            out[iw] = first_fwhm if shared else fwhm
            if ie >= 0:
                out[ie] = 0.5
        if i + 1 < peaks.shape[0]:
            for j in range(L):
                z[j] = z[j] - _profile(shape, x[j], h, xc, fwhm)
                if abs(x[j] - xc) < 0.5 * fwhm:
                    taken[j] = True


@_compiled(parallel=True)
def guess_batch(shape, peaks, shared, deg, b0, b1, smooth, x, y, w, xref, out):
    """Starting values (N, P) of every spectrum of a packed batch into ``out``."""
    for i in prange(y.shape[0]):
        xi = x[0] if x.shape[0] == 1 else x[i]
        _guess_one(shape, peaks, shared, deg, b0, b1, smooth, xi, y[i], w[i] > 0, xref[i],
                   out[i])


# ----------------------------------------------------------------------------- packing

@_compiled(parallel=True)
def gather_windows(X, Y, S, start, counts, xs, ys, w, bad):
    """Rows ``start[i] : start[i] + counts[i]`` of a shared x, as fitting._pack_arrays packs them.

    ``S`` holds sigma as (N, M) or (1, M), or is (1, 0) for unit weights. Past ``counts[i]``
    a row is padded (x repeats its last value, y and weight 0); a row with a non-finite
    x, y or sigma (or sigma <= 0) in its window is flagged ``bad`` and zeroed.
    """
    n, L = ys.shape
    m = X.size
    has_sigma = S.shape[1] > 0
    for i in prange(n):
        srow = min(np.int64(i), S.shape[0] - 1)
        c = counts[i]
        ok = True
        for j in range(L):
            k = min(start[i] + j, m - 1)
            xv = X[k]
            yv = Y[i, k]
            fin = np.isfinite(xv) and np.isfinite(yv)
            wv = 1.0
            if has_sigma:
                sv = S[srow, k]
                fin = fin and np.isfinite(sv) and sv > 0
                wv = 1.0 / (sv * sv) if sv != 0 else np.inf
            xs[i, j] = xv
            ys[i, j] = yv
            w[i, j] = wv
            if j < c and not fin:
                ok = False
        bad[i] = not ok
        last = xs[i, max(c - 1, 0)]
        for j in range(c, L):
            xs[i, j] = last
            ys[i, j] = 0.0
            w[i, j] = 0.0
        if not ok:
            for j in range(L):
                xs[i, j] = 0.0
                ys[i, j] = 0.0
                w[i, j] = 0.0
