"""SAXS background, peak finding (significance against noise) and peak fitting.

Background (``method=`` of :func:`estimate_background`, registry :data:`BACKGROUNDS`):

* ``"loglog"`` (default): a Whittaker smoother (Eilers, Anal. Chem. 75, 3631 (2003)) of
  log I on a uniform log q grid, with peak stripping: points more than 2 σ (noise) above the
  current baseline get no weight, repeated to convergence; runs of such points longer than
  ``smooth_decades`` keep their weight (they are background curvature, not peaks). A power law, Guinier roll-off and
  the slow parts of a form factor are smooth in log–log; Bragg peaks are narrower than
  ``smooth_decades`` (default 0.15, i.e. ±40 % in q) in log q and stay above the baseline;
  give a larger value (or ``"powerlaw"``) for peaks broader than ~10 % of their q. Where
  the baseline lies more than 20 % (and 3 σ) above the data over a stretch — a form-factor
  minimum it bridged, which would hide the weak lines there — it is made locally softer
  (down to ``MIN_SMOOTH_DECADES``) until it follows the dip. The
  baseline is subtracted (as in the study), or, with ``mode="divide"``, divided out
  (I/B − 1 ≈ S(q) − 1 when B is the form factor: exact peak shapes even where P(q) falls
  steeply across a broad peak). (arPLS, Baek et al. 2015, was tried first: with
  low noise it sinks below curved Guinier regions.)
* ``"powerlaw"``: A·q^(−n) + c fitted to the lower envelope (iterative asymmetric weights,
  points above the model get weight 0.01), e.g. Porod scattering of large aggregates.
* ``"none"``: the pattern is already background-subtracted.

Peaks: the residual is smoothed by a 1.5-point Gaussian; a local maximum counts if its
height is ``min_significance`` × the noise of that smoothed residual (noise from the
pattern's sigma, or a running median absolute deviation of second differences) and its
prominence within ±20 % of its q is as large (so noise on a broad hump left by the
background does not count). Overlapping peaks are fitted together,
pseudo-Voigt (or Lorentzian/Gaussian) plus a local linear baseline, by weighted least
squares (scipy ``least_squares``); standard errors from the covariance scaled by χ²_ν
(as lmfit does); d = 2π/q.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dackit.core.lineshapes import pseudo_voigt, pseudo_voigt_area, pseudo_voigt_derivatives
from dackit.core.noise import running_noise_sigma
from dackit.core.pattern import Pattern
from dackit.errors import FitError, InputError, where
from dackit.saxs.formfactor import FormFactorFit, fit_form_factor

SHAPES = {"pseudo_voigt": None, "lorentzian": 1.0, "gaussian": 0.0}  # fixed eta (None = free)


def _background_loglog(q, y, smooth_decades=0.15, noise=None):
    pos = y[y > 0]
    if pos.size < 10:
        raise InputError("too few positive intensities for a log-log background; use background='none'")
    floor = max(pos.min(), 1e-6 * np.median(pos))
    yc = np.maximum(y, floor)
    lq = np.log10(q)
    n = max(q.size, 256)
    grid = np.linspace(lq[0], lq[-1], n)
    ly = np.interp(grid, lq, np.log10(yc))
    sig = running_noise_sigma(y) if noise is None else np.asarray(noise, float)
    sig_log = np.interp(grid, lq, sig / (yc * np.log(10)))
    per_decade = (n - 1) / max(lq[-1] - lq[0], 1e-9)
    period = 2 * smooth_decades * per_decade  # points of the slowest feature left to peaks
    lam = (period / np.pi) ** 4
    # Whittaker smoother (Eilers, Anal. Chem. 75, 3631 (2003); a banded solve, see _whittaker)
    # with peak stripping (the stripping rule is ours): points more than 2 σ above the
    # current baseline are peaks and get (almost) no weight.
    # A run of points above the baseline longer than ``smooth_decades`` is background
    # curvature the smoother has not followed yet (a Guinier roll-off), not a peak: it keeps
    # its weight, which stops the baseline from sinking under concave regions.
    max_run = max(3, int(smooth_decades * per_decade))
    lam_i = np.full(n - 2, lam)
    z = _strip_smooth(ly, sig_log, lam_i, max_run)
    # A background cannot lie above the data over a stretch: a run of points more than 3 σ
    # and 20 % below it is a form-factor minimum the stiff smoother bridged (its weak lines then sit
    # at negative residual and are lost). There, and a quarter of the run's length on either
    # side, the smoother is softened (period halved, down to MIN_SMOOTH_DECADES) until no such run
    # is left; elsewhere it keeps its stiffness, so no hump grows under strong lines. The
    # peak-stripping run length stays that of ``smooth_decades``: a cluster of lines is
    # still stripped, not taken for background curvature.
    lam_min = (2 * MIN_SMOOTH_DECADES * per_decade / np.pi) ** 4
    for _ in range(8):
        runs = _bridged(ly, z, sig_log, max(5, int(0.02 * per_decade)), grid=grid, lq=lq)
        if not runs:
            break
        soft = np.zeros(n - 2, bool)
        for start, stop in runs:
            span = stop - start
            soft[max(0, start - span // 4):min(n - 2, stop + span // 4)] = True
        if np.all(lam_i[soft] <= lam_min):
            break
        lam_i[soft] = np.maximum(lam_i[soft] / 16, lam_min)
        z = _strip_smooth(ly, sig_log, lam_i, max_run)
    return 10 ** np.interp(lq, grid, z)


#: a bridged dip must reach this far below the baseline (log10 of 1.2: 20 %). Shallower
#: misfits are left alone: softening there (between the broad orders of a lamellar
#: pattern) lets the baseline bend up under the neighbouring strong peaks
BRIDGE_DEPTH = np.log10(1.2)
#: a bridged dip must hold at least this many measured points (not grid points)
BRIDGE_MIN_DATA_POINTS = 2
#: softest loglog background (decades): lines narrower than ~5 % of q stay above it
MIN_SMOOTH_DECADES = 0.04


def _whittaker(y, lam_i, w):
    """Whittaker smoother with a penalty λᵢ per second difference (Eilers 2003, eq. 5 with
    a diagonal Λ): solves (W + Dᵀ Λ D) z = W y.

    The matrix is symmetric, positive definite (w > 0) and pentadiagonal: a banded
    Cholesky solve is ~10× faster than a general sparse LU on 20 000 points and no less
    accurate (on a 20 000-point grid λ reaches 10¹³ and both leave ~10⁻³ in log₁₀ I)."""
    from scipy.linalg import solveh_banded

    # upper band storage: row 0 the second superdiagonal, row 1 the first, row 2 the
    # diagonal; row k of D = (1, −2, 1) at columns k…k+2 adds λₖ·(1, −2, 1)ᵀ(1, −2, 1)
    ab = np.zeros((3, y.size))
    ab[0, 2:] = lam_i
    ab[1, 1:-1] -= 2 * lam_i
    ab[1, 2:] -= 2 * lam_i
    ab[2] = w
    ab[2, :-2] += lam_i
    ab[2, 1:-1] += 4 * lam_i
    ab[2, 2:] += lam_i
    return solveh_banded(ab, w * y)


def _strip_smooth(ly, sig_log, lam_i, max_run):
    """Whittaker smoother of ``ly`` with peak stripping (see :func:`_background_loglog`)."""
    n = ly.size
    w = np.ones(n)
    z = ly
    for _ in range(50):
        z = _whittaker(ly, lam_i, w)
        above = ly - z > 2 * sig_log
        w_new = np.where(above, 1e-6, 1.0)
        edges = np.flatnonzero(np.diff(np.r_[0, above.astype(int), 0]))
        for start, stop in zip(edges[::2], edges[1::2]):
            if stop - start > max_run:
                w_new[start:stop] = 1.0
        if np.array_equal(w_new, w):
            break
        w = w_new
    return z


def _bridged(ly, z, sig_log, min_len, *, grid=None, lq=None) -> list:
    """(start, stop) of runs where ``z`` lies more than 3 σ (and BRIDGE_DEPTH) above ``ly``
    for ``min_len`` or more consecutive points of the log grid and, given the data's log q
    ``lq`` and the ``grid``, over at least BRIDGE_MIN_DATA_POINTS measured points: at the
    low-q end of a linear q axis one measured point spans a dozen grid points, so a single
    point under the baseline (the curvature of a beam-stop edge) is no bridged minimum."""
    below = (z - ly > np.maximum(3 * sig_log, BRIDGE_DEPTH)).astype(int)
    edges = np.flatnonzero(np.diff(np.r_[0, below, 0]))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2]) if b - a >= min_len]
    if grid is not None and lq is not None:
        runs = [(a, b) for a, b in runs
                if np.count_nonzero((lq >= grid[a]) & (lq <= grid[b - 1])) >= BRIDGE_MIN_DATA_POINTS]
    return runs


def _background_powerlaw(q, y):
    from scipy.optimize import least_squares

    pos = y > 0
    if pos.sum() < 10:
        raise InputError("too few positive intensities for a power-law background")
    n0 = -np.polyfit(np.log(q[pos]), np.log(y[pos]), 1)[0]
    a0 = np.median(y[pos] * q[pos] ** n0)
    p = np.array([np.log(a0), n0, max(y.min(), 0.0)])
    w = np.ones_like(y)
    scale = np.median(np.abs(y)) or 1.0
    for _ in range(30):
        def resid(p, w=w):
            return w * (np.exp(p[0]) * q ** -p[1] + p[2] - y) / scale
        p = least_squares(resid, p, bounds=([-np.inf, -1, 0], [np.inf, 8, np.inf])).x
        model = np.exp(p[0]) * q ** -p[1] + p[2]
        w_new = np.where(y > model, 0.01, 1.0)
        if np.array_equal(w_new, w):
            break
        w = w_new
    return np.exp(p[0]) * q ** -p[1] + p[2]


#: background methods for :func:`estimate_background` (see module docstring)
BACKGROUNDS: dict[str, Callable[..., np.ndarray]] = {
    "loglog": _background_loglog,
    "powerlaw": lambda q, y, **kw: _background_powerlaw(q, y),
    "none": lambda q, y, **kw: np.zeros_like(y),
}


def estimate_background(q, intensity, method="loglog", **kw) -> np.ndarray:
    """Background under the Bragg peaks, same length as ``q`` (see :data:`BACKGROUNDS`).

    Parameters
    ----------
    q : array_like
        q grid in Å⁻¹.
    intensity : array_like
        Intensities.
    method : str, default 'loglog'
        A key of :data:`~dackit.saxs.BACKGROUNDS`.
    **kw : | Keywords of that background method.
    """
    if method not in BACKGROUNDS:
        raise InputError(f"background method {method!r} unknown; use one of {tuple(BACKGROUNDS)}")
    q = np.asarray(q, float)
    y = np.asarray(intensity, float)
    if np.any(q <= 0):
        keep = q > 0
        if kw.get("noise") is not None:
            kw = {**kw, "noise": np.asarray(kw["noise"])[keep]}
        out = np.zeros_like(y)
        out[keep] = BACKGROUNDS[method](q[keep], y[keep], **kw)
        out[~keep] = out[keep][0]
        return out
    return BACKGROUNDS[method](q, y, **kw)


#: a leading run this many times fainter than the brightest point of the low-q third is
#: the beamstop shadow (SAXSess/SAXSquant curves keep those bins at 1e-5-1e-12 of the
#: signal); a power law over the low-q third of a SAXS curve does not reach 1000× within
#: the first points, and a Bragg peak on a background this low still has its flanks kept
SHADOW_DEPTH = 1e3


def usable_low_q(q, y) -> int:
    """Index of the first usable point: past the beamstop shadow and its edge.

    Near the beamstop the intensity *rises* with q (shadow, then the half-shadowed edge)
    before the sample's scattering, which falls with q, takes over. A background through
    that rise bends up under the first Bragg peak (a hump that shifts and swallows it), so
    the rise and the edge maximum are cut: a run that rises from the first point by more
    than a factor 2 to a maximum is an edge, cut at the maximum plus the width of the rise
    (the penumbra is about as wide on both sides). A maximum that falls back below its
    half-rise level within twice the rise width is a peak, not an edge, and is kept.
    Leading non-positive intensities (fully masked bins) are cut as well, and so is a
    leading deep shadow (points :data:`SHADOW_DEPTH` times fainter than the brightest of the
    low-q third) before the rise is looked for.
    """
    from scipy.ndimage import gaussian_filter1d

    n = q.size
    pos = np.flatnonzero(y > 0)
    if pos.size < 10:
        return 0
    start = int(pos[0])
    # a deep shadow first: leading points more than SHADOW_DEPTH below the brightest point
    # of the low-q third. Sample scattering never rises that much with q there, but a
    # reduced curve that keeps the beamstop's bins (tiny positive counts, noisy, falling
    # or flat) would hide the rise from the test below, which starts at the first point.
    # A background-subtracted curve (near zero) under a strong first Bragg peak looks the
    # same up to the peak: the rise is a shadow's only if it does not fall back.
    first = start
    look0 = start + max(10, (n - start) // 3)
    ly0 = np.log(np.maximum(y[start:look0], 1e-300))
    deep = np.flatnonzero(ly0 >= ly0.max() - np.log(SHADOW_DEPTH))
    if deep.size and deep[0] > 0:
        j = int(deep[0])
        low = float(np.median(ly0[:j]))
        k = int(np.argmax(ly0))  # the brightest point, which made the run deep
        mid = 0.5 * (low + ly0[k])
        after = ly0[k:k + max(5, 2 * (k - j + 1)) + 1]
        if after.min() >= mid:  # else a peak on a faint baseline, not a shadow's edge
            start += j
    ly = np.log(np.maximum(y[start:], y[pos].min()))
    ls = gaussian_filter1d(ly, 2.0, mode="nearest")
    look = max(10, (n - start) // 3)  # an edge sits in the low-q third of the data
    d = np.diff(ls[:look])
    if d.size < 3 or d[:3].mean() <= 0:
        return start
    k = int(np.argmax(d <= 0)) if np.any(d <= 0) else d.size  # first maximum
    if k < 2 or ls[k] - ls[0] < np.log(2):
        return start
    half = int(np.argmax(ls[:k + 1] >= 0.5 * (ls[0] + ls[k])))
    width = max(2, k - half)
    after = ls[k:k + 2 * width + 1]
    if after.size > width and after.min() < 0.5 * (ls[0] + ls[k]):
        return first  # symmetric: a Bragg peak sitting on the shadow's rise
    return int(min(start + k + width, n - 10))


#: a trailing run this many times fainter than the median of the high-q third is past the
#: detector's edge: even Porod's q⁻⁴ falls only 11 % over the last 3 % of q
EDGE_DROP = 30.0
#: fraction of q before a detector edge's deep drop that is cut with it (the half-lit
#: pixels at the edge of the sensitive area or of a mask bump the curve up before it falls)
EDGE_MARGIN = 0.03


def usable_high_q(q, y) -> int:
    """End (exclusive) of the usable points: before a trailing detector edge.

    A reduced curve that keeps the bins past the detector's sensitive area ends in a run of
    points :data:`EDGE_DROP` times fainter than the median of its high-q third (the
    sample's scattering does not fall that much within a few bins); that run, its fall from
    the median level and as much again before it (at least :data:`EDGE_MARGIN` of q: the
    half-lit bins bump the curve up) are cut. Trailing non-positive intensities are cut as
    well.
    """
    n = q.size
    pos = np.flatnonzero(y > 0)
    if pos.size < 10:
        return n
    end = int(pos[-1]) + 1
    third = y[max(0, end - max(10, end // 3)):end]
    level = np.median(third[third > 0])
    faint = y[:end] < level / EDGE_DROP
    if not faint[-1]:
        return end
    bright = np.flatnonzero(~faint)
    if bright.size == 0:
        return end
    j = int(bright[-1]) + 1  # first point of the trailing faint run
    # the fall from the median level to the faint run is the edge's penumbra; the half-lit
    # bins before it are about as wide (and at least EDGE_MARGIN of q)
    k = int(np.flatnonzero(y[:j] >= level)[-1]) if np.any(y[:j] >= level) else j
    cut = int(np.searchsorted(q, q[k] - max(EDGE_MARGIN * q[k], q[j] - q[k])))
    return max(cut, min(end, 10))


#: a stated σ more than this many times the scatter the points show is not their noise
SIGMA_CAP = 3.0
#: lag-1 autocorrelation of second differences (detrended, in units of the local scatter):
#: −0.57 for white noise, −0.4 after a 3- or 5-point running mean, ≈ 0 after a [1, 2, 1]
#: smoothing; above this the scatter estimate is not trusted
WHITE_AC_MAX = -0.2


def stated_noise(y, sigma) -> np.ndarray:
    """The noise to weigh a pattern by when its file states σ: σ, capped at
    :data:`SIGMA_CAP` times the scatter the points show (:func:`~dackit.core.noise.running_noise_sigma`).

    Some reductions write an error column that is not the points' noise: Anton Paar
    SAXSquant ``.pdh`` curves carry σ of 30–70 % of I, up to 10× the scatter around a
    Bragg line, which then never rises 5 σ. The cap is safe for lightly smoothed data: a
    3- or 5-point running mean makes :func:`~dackit.core.noise.running_noise_sigma` 0.37–0.47 of the smoothed
    curve's true σ, so 3× stays above it. Smoother curves (lag-1 autocorrelation of the
    second differences above :data:`WHITE_AC_MAX`) keep σ as stated.

    Parameters
    ----------
    y : array_like
        Intensities.
    sigma : array_like
        Their stated standard errors.

    Returns
    -------
    numpy.ndarray
        The standard errors to use.
    """
    y = np.asarray(y, float)
    sigma = np.maximum(np.asarray(sigma, float), 1e-12 * np.max(np.abs(y)))
    if y.size < 30:
        return sigma
    from scipy.ndimage import median_filter

    from dackit.core.noise import robust_sigma

    scatter = running_noise_sigma(y)
    # second differences in units of the local scatter, their slow trend (background
    # curvature) removed and the lines' curvature (outliers) left out
    z = np.diff(y, 2) / scatter[1:-1]
    z = z - median_filter(z, 11, mode="nearest")
    ok = np.abs(z) <= 5 * robust_sigma(z)
    pair = ok[1:] & ok[:-1]
    denom = float(np.sum(z[ok] ** 2))
    if denom <= 0 or float(np.sum((z[1:] * z[:-1])[pair])) / denom > WHITE_AC_MAX:
        return sigma
    return np.minimum(sigma, SIGMA_CAP * scatter)


@dataclass(frozen=True)
class SaxsPeak:
    """One fitted peak: position, FWHM (Å⁻¹), height above background, Lorentzian fraction."""

    q_inv_a: float
    q_err: float
    fwhm_inv_a: float
    fwhm_err: float
    amplitude: float
    amplitude_err: float
    eta: float
    eta_err: float
    significance: float

    @property
    def d_a(self) -> float:
        return 2 * np.pi / self.q_inv_a

    @property
    def d_err(self) -> float:
        return 2 * np.pi * self.q_err / self.q_inv_a**2

    @property
    def area(self) -> float:
        return float(pseudo_voigt_area(self.amplitude, self.fwhm_inv_a, self.eta))


@dataclass(frozen=True)
class PeakSet:
    """Background, residual, noise and the fitted peaks (sorted by q) of one pattern."""

    q: np.ndarray
    intensity: np.ndarray
    background: np.ndarray
    noise: np.ndarray
    peaks: tuple
    shape: str
    background_method: str
    source: str = ""
    fits: tuple = field(default=(), repr=False)  # per cluster: (values, covariance, window)
    mode: str = "subtract"
    #: the particle form factor fitted under the peaks (:mod:`dackit.saxs.formfactor`)
    form_factor: FormFactorFit | None = field(default=None, repr=False)
    #: the first data point's q when the first peak is a line cut by the beam stop, fitted
    #: on its far flank (:func:`_cut_first_line`); None otherwise
    cut_at: float | None = None

    @property
    def residual(self) -> np.ndarray:
        """What the peaks were fitted to: I − B (``subtract``) or I/B − 1 (``divide``)."""
        if self.mode == "divide":
            return self.intensity / self.background - 1
        return self.intensity - self.background

    def fitted_intensity(self, q=None) -> np.ndarray:
        """Background with the fitted peaks put back, in intensity units."""
        q = self.q if q is None else np.asarray(q, float)
        bg = np.interp(q, self.q, self.background)
        return bg * (1 + self.model(q)) if self.mode == "divide" else bg + self.model(q)

    def model(self, q=None) -> np.ndarray:
        """Sum of the fitted peaks at ``q``, in the units of :attr:`residual`."""
        q = self.q if q is None else np.asarray(q, float)
        out = np.zeros_like(q)
        for p in self.peaks:
            out += pseudo_voigt(q, p.amplitude, p.q_inv_a, p.fwhm_inv_a, p.eta)
        return out


#: Evaluation limit of a local peak-cluster fit. In the corpus and the sasmodels curves 9 of
#: ~400 cluster fits reach it, all on noise (19 spikes of a low-q tail, flat humps), and
#: none of their peaks is kept: a fit that stops there is not confirmed (:func:`_fit_cluster`).
CLUSTER_FIT_MAX_NFEV = 2000


def _fit_cluster(q, r, sig, cands, shape, pre):
    from scipy.optimize import least_squares

    eta_fixed = SHAPES[shape]
    lo = max(q[0], min(c - WINDOW_FWHM * w for c, w, _ in cands))
    hi = min(q[-1], max(c + WINDOW_FWHM * w for c, w, _ in cands))
    m = (q >= lo) & (q <= hi)
    if m.sum() < 3 * len(cands) + 4:  # too few points: widen to the nearest neighbours
        idx = np.flatnonzero(m)
        if idx.size == 0:  # a window narrower than the point spacing: around its nearest point
            idx = np.array([int(np.argmin(np.abs(q - 0.5 * (lo + hi))))])
        i0 = max(0, idx[0] - 5)
        i1 = min(q.size, idx[-1] + 6)
        m[:] = False
        m[i0:i1] = True
    x, y, s = q[m], r[m], sig[m]
    xref = 0.5 * (x[0] + x[-1])
    dx = np.median(np.diff(x)) if x.size > 1 else 1e-4
    # the widest width allowed spans the points fitted: on a log-spaced q axis (USAXS) a
    # width guess from a narrow low-q line, at high q, gives a window narrower than one
    # point step, and the bounds crossed (scipy: 'each lower bound must be strictly less')
    w_max = 2 * max(hi - lo, x[-1] - x[0], dx)
    npk = len(cands)
    per = 3 if eta_fixed is not None else 4
    p0, lb, ub = [], [], []
    for c, w, h in cands:
        p0 += [max(h, 1e-9 * np.max(np.abs(y))), c, min(max(w, dx), w_max)]
        lb += [0, max(lo, c - w), dx * 0.5]
        ub += [np.inf, min(hi, c + w), w_max]
        if eta_fixed is None:
            p0.append(0.5)
            lb.append(0.0)
            ub.append(1.0)
    p0 += [0.0, 0.0]
    lb += [-np.inf, -np.inf]
    ub += [np.inf, np.inf]
    p0 = np.clip(p0, lb, ub)

    def model(p):
        out = p[-2] + p[-1] * (x - xref)
        for i in range(npk):
            a, c, w = p[i * per: i * per + 3]
            eta = p[i * per + 3] if eta_fixed is None else eta_fixed
            out = out + pseudo_voigt(x, a, c, w, eta)
        return out

    res = least_squares(lambda p: (model(p) - y) / s, p0, bounds=(lb, ub), x_scale="jac",
                        max_nfev=CLUSTER_FIT_MAX_NFEV)
    if not np.all(np.isfinite(res.x)):
        raise FitError(f"{pre}peak fit near q = {cands[0][0]:.4g} Å⁻¹ gave non-finite values")
    from dackit.core.lsq import covariance_from_jacobian, covariance_to_stderr

    cov = np.full((len(p0), len(p0)), np.nan)
    # a fit stopped at its evaluation limit is at no minimum: its curvature is no
    # covariance, and its peaks, with no errors, are not confirmed (:func:`_confirmed`)
    if res.status > 0:
        try:
            cov = covariance_from_jacobian(res.jac, res.fun, scale=True).matrix
        except np.linalg.LinAlgError:
            pass
    err = covariance_to_stderr(cov)
    out = []
    for i in range(npk):
        a, c, w = res.x[i * per: i * per + 3]
        ea, ec, ew = err[i * per: i * per + 3]
        eta = res.x[i * per + 3] if eta_fixed is None else eta_fixed
        eeta = err[i * per + 3] if eta_fixed is None else 0.0
        out.append((a, ea, c, ec, w, ew, eta, eeta))
    return out, res.x, cov, (x[0], x[-1])


def _smoothed_residual(r):
    """The residual smoothed over 1.5 steps (Gaussian, radius 6 steps) and the factor by which
    the smoothing reduces uncorrelated noise."""
    from scipy.ndimage import gaussian_filter1d

    kern = np.exp(-0.5 * (np.arange(-6, 7) / 1.5) ** 2)
    gain = float(np.sqrt(np.sum((kern / kern.sum()) ** 2)))
    return gaussian_filter1d(r, 1.5, mode="nearest"), gain


def _detect(q, r, noise, min_significance):
    """Candidate maxima of the residual: indices, S/N curve, smoothed residual, FWHM guesses.
    Maxima of the 1.5-step smoothed residual, and those a lighter smoothing resolves beside
    them (:func:`_resolved_maxima`)."""
    from scipy.signal import find_peaks as sp_find_peaks
    from scipy.signal import peak_prominences, peak_widths

    rs, gain = _smoothed_residual(r)
    sig_s = noise * gain
    snr = rs / sig_s
    # maxima of the smoothed residual itself: dividing by a noise estimate first would turn
    # the estimate's own fluctuations into maxima wherever the residual is large
    idx, _ = sp_find_peaks(rs)
    idx = idx[(idx >= 3) & (idx <= q.size - 4)]  # the ends cannot be told from a background edge
    idx = idx[snr[idx] >= min_significance]
    dq = np.gradient(q)
    keep, widths = [], []
    for i in idx:
        # prominence within ±20 % of q: a peak counts by how far it rises above its own
        # surroundings, not above a broad hump left by the background
        wlen = max(7, 2 * int(0.2 * q[i] / dq[i]) + 1)
        prom = peak_prominences(rs, [i], wlen=wlen)
        if prom[0][0] < min_significance * sig_s[i]:
            continue
        keep.append(i)
        widths.append(peak_widths(rs, [i], rel_height=0.5, prominence_data=prom)[0][0])
    widths = [max(w * dq[i], 2 * dq[i]) for i, w in zip(keep, widths)]
    for i, w in _resolved_maxima(q, r, noise, min_significance, keep):
        keep.append(i)
        widths.append(w)
    order = np.argsort(keep)
    idx = np.array(keep, dtype=int)[order]
    if idx.size == 0:
        return idx, snr, rs, np.array([])
    return idx, snr, rs, np.array(widths)[order]


#: Gaussian σ, in sampling steps, of the second, light smoothing of :func:`_resolved_maxima`
FINE_SMOOTH_STEPS = 0.7


def _resolved_maxima(q, r, noise, min_significance, coarse):
    """Maxima that the 1.5-step smoothing of :func:`_detect` merges into a neighbour but the
    data resolve: on a pattern sampled with 2–3 points per FWHM, lines 5 steps apart (hcp
    100/002/101 of a nanocrystal superlattice, 6 % apart in q: xrsdkit_modeling R5_201611)
    come out of that smoothing as one maximum with two shoulders, and the fits never see
    the two lower lines. Found on a residual smoothed over :data:`FINE_SMOOTH_STEPS`,
    a maximum counts when it stands ``min_significance`` σ of the *unsmoothed* noise above
    the background and above the deeper of the dips beside it (a measured dip, not a noise
    ripple: the light smoothing leaves 0.64 σ of noise a point, so the bar is ~8 of its σ)
    and lies farther than its own FWHM from every maximum in ``coarse`` (indices already
    found). Returns [(index, FWHM in q)]."""
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks as sp_find_peaks
    from scipy.signal import peak_prominences, peak_widths

    rf = gaussian_filter1d(r, FINE_SMOOTH_STEPS, mode="nearest")
    idx, _ = sp_find_peaks(rf)
    idx = idx[(idx >= 3) & (idx <= q.size - 4)]
    idx = idx[rf[idx] >= min_significance * noise[idx]]
    dq = np.gradient(q)
    out = []
    for i in idx:
        wlen = max(7, 2 * int(0.2 * q[i] / dq[i]) + 1)
        prom = peak_prominences(rf, [i], wlen=wlen)
        if prom[0][0] < min_significance * noise[i]:
            continue
        w = max(float(peak_widths(rf, [i], rel_height=0.5, prominence_data=prom)[0][0] * dq[i]),
                2 * float(dq[i]))
        if all(abs(q[i] - q[j]) > w for j in coarse):
            out.append((int(i), w))
    return out


#: half-width of a fit window in FWHM of its peaks; beyond it the local linear baseline
#: takes up the remaining Lorentzian wings (6 % of the height at 2 FWHM)
WINDOW_FWHM = 2.0

#: widest accepted peak, FWHM/q: Δq = q/2 means a coherent domain of 2πK/Δq ≈ 1.8 periods;
#: anything broader is background structure, not a Bragg peak of a superlattice.
MAX_REL_FWHM = 0.5


def _merge(cands):
    """Merge maxima closer than the FWHM of the narrower one (noise on one peak's top).

    Two maxima of the smoothed residual further apart than the narrower one's width are
    two features: a narrow Bragg peak on a broad form-factor hump must survive the hump
    (the broad one is dropped later by :func:`_consistent_widths`)."""
    out = []
    for c in sorted(cands, key=lambda c: -c[3]):
        if all(abs(c[0] - o[0]) > min(o[1], c[1]) for o in out):
            out.append(c)
    return sorted(out)


def _refine_joint(q, y, noise, bg, peaks, shape, mode, degree=4):
    """Fit background and all peaks together over [q0, last peak + 3 FWHM].

    Background: log B = polynomial of ``degree`` in log q; peaks added to it (``subtract``)
    or multiplying it as B·(1 + Σ peaks) (``divide``, the form of P(q)·S(q)). Sharing the
    wings of overlapping peaks between explicit line shapes instead of a baseline is what
    makes the widths of broad peaks right. Returns new peaks and the fit, or None if the
    joint fit fails or is worse than the local fits.
    """
    from scipy.optimize import least_squares

    last = peaks[-1]
    lo = min(p.q_inv_a - 4 * p.fwhm_inv_a for p in peaks)
    m = (q <= last.q_inv_a + 3 * last.fwhm_inv_a) & (q >= lo)
    x, yy, s = q[m], y[m], noise[m]
    if x.size < 4 * len(peaks) + degree + 10 or np.any(bg[m] <= 0) or np.any(x <= 0):
        return None
    lx = np.log(x)
    u = (lx - lx.mean()) / (np.ptp(lx) / 2 or 1.0)
    V = np.vander(u, degree + 1)
    coef0 = np.linalg.lstsq(V, np.log(bg[m]), rcond=None)[0]
    eta_fixed = SHAPES[shape]
    per = 3 if eta_fixed is not None else 4
    dx = float(np.median(np.diff(x)))
    p0, lb, ub = list(coef0), [-np.inf] * (degree + 1), [np.inf] * (degree + 1)
    for pk in peaks:
        p0 += [pk.amplitude, pk.q_inv_a, pk.fwhm_inv_a]
        lb += [0.0, pk.q_inv_a - pk.fwhm_inv_a, dx]
        ub += [np.inf, pk.q_inv_a + pk.fwhm_inv_a, MAX_REL_FWHM * pk.q_inv_a * 1.5]
        if eta_fixed is None:
            p0.append(pk.eta)
            lb.append(0.0)
            ub.append(1.0)
    p0 = np.clip(p0, lb, ub)
    npk = len(peaks)

    def evaluate(p, want_jac=False):
        b = np.exp(V @ p[:degree + 1])
        tot = np.zeros_like(x)
        jmat = np.empty((x.size, len(p))) if want_jac else None
        for i in range(npk):
            o = degree + 1 + i * per
            eta = p[o + 3] if eta_fixed is None else eta_fixed
            f, shp, dc, dw, de = pseudo_voigt_derivatives(x, p[o], p[o + 1], p[o + 2], eta)
            tot = tot + f
            if jmat is not None:
                for j, d in enumerate((shp, dc, dw, de)[:per]):
                    jmat[:, o + j] = d * b if mode == "divide" else d
        model = b * (1 + tot) if mode == "divide" else b + tot
        if jmat is None:
            return model
        jmat[:, :degree + 1] = (b * (1 + tot) if mode == "divide" else b)[:, None] * V
        return model, jmat

    # On an oversampled window (a fine detector grid: tens of points per FWHM) the fit
    # runs on bins of k neighbouring points: bin means of the data (σ propagated) against
    # bin means of the model and its Jacobian, so the binning biases nothing; with at least
    # JOINT_POINTS_PER_FWHM bins per FWHM of the narrowest line the lines' information is
    # kept (the trust-region SVD, ∝ points, dominated the time). Covariance and χ² are
    # then taken on every point at the solution, as without binning.
    k = _joint_bin(x, peaks)
    whole, rest = divmod(x.size, k)

    def binned(a):
        if k == 1:
            return a
        head = a[:whole * k].reshape(whole, k, *a.shape[1:]).mean(axis=1)
        return np.concatenate([head, a[whole * k:].mean(axis=0, keepdims=True)]) if rest else head

    yb = binned(yy)
    sb = s if k == 1 else np.sqrt(binned(s**2) / np.r_[np.full(whole, k), [rest] * bool(rest)])

    def resid(p):
        return (binned(evaluate(p)) - yb) / sb

    def jac(p):
        return binned(evaluate(p, True)[1]) / sb[:, None]

    try:
        res = least_squares(resid, p0, jac=jac, bounds=(lb, ub), x_scale="jac", max_nfev=300)
    except (ValueError, np.linalg.LinAlgError):
        return None
    if not (res.success and np.all(np.isfinite(res.x))):
        return None
    from dackit.core.lsq import covariance_from_jacobian, covariance_to_stderr

    fun, jmat = res.fun, res.jac
    if k > 1:
        full, jfull = evaluate(res.x, True)
        fun, jmat = (full - yy) / s, jfull / s[:, None]
    cov = covariance_from_jacobian(jmat, fun, scale=True).matrix
    err = covariance_to_stderr(cov)
    out = []
    for i, pk in enumerate(peaks):
        o = degree + 1 + i * per
        a, c, w = res.x[o:o + 3]
        ea, ec, ew = err[o:o + 3]
        eta = res.x[o + 3] if eta_fixed is None else eta_fixed
        eeta = err[o + 3] if eta_fixed is None else 0.0
        out.append(SaxsPeak(float(c), float(ec), float(w), float(ew), float(a), float(ea),
                            float(eta), float(eeta), pk.significance))
    return out, res.x, cov, _spliced(q, bg, m, np.exp(V @ res.x[:degree + 1])), float(np.sum(fun**2)), m


#: fewest bins per FWHM of the narrowest line in the joint fit (:func:`_joint_bin`): a
#: bin a tenth of a Gaussian's FWHM wide costs its centre's variance (b/σ)²/12 ≈ 0.5 %
JOINT_POINTS_PER_FWHM = 10


def _joint_bin(x, peaks) -> int:
    """Points per bin of the joint fit over ``x``: the largest k leaving every peak the
    local fits confirmed (finite height error) at least :data:`JOINT_POINTS_PER_FWHM` bins
    per FWHM at its own sampling step; 1 (no binning) without such a peak, and usually
    below ~20 points per FWHM. Unconfirmed guesses do not limit it: on a fine grid the
    detector's 1.5-point smoothing passes noise spikes a few points wide, which no lattice
    line of a pattern sampled 50 times per FWHM is; the binned fit still models them
    exactly as bin means."""
    sure = [p for p in peaks if np.isfinite(p.amplitude_err)]
    if not sure:
        return 1
    step = np.interp([p.q_inv_a for p in sure], x[1:], np.diff(x))
    per_fwhm = np.array([p.fwhm_inv_a for p in sure]) / step
    if not np.all(np.isfinite(per_fwhm) & (per_fwhm > 0)):
        return 1
    return max(1, int(per_fwhm.min() // JOINT_POINTS_PER_FWHM))


def _spliced(q, bg, m, inner):
    """``bg`` with ``inner`` in the window ``m`` and no step at its edges: outside, ``bg``
    is scaled by the ratio the two have at the nearer edge, fading (linearly in log q) to
    one over :data:`SPLICE_DECADES`. The joint fit's background and the smoother's differ
    at the window's edge by as much as the smoother misses the pattern there (20 % beside a
    steep form-factor bend); a step that size is narrower than any line, and the pick-up
    of missed lines fitted a 10σ 'line' on it (form-factor sweep seed 102 case 1: a
    hexagonal pattern then indexed sc)."""
    out = bg.copy()
    out[m] = inner
    idx = np.flatnonzero(m)
    lq = np.log10(q)
    for edge, side in ((idx[0], q < q[idx[0]]), (idx[-1], q > q[idx[-1]])):
        if not side.any() or bg[edge] <= 0:
            continue
        fade = np.clip(1 - np.abs(lq[side] - lq[edge]) / SPLICE_DECADES, 0.0, 1.0)
        out[side] = bg[side] * (inner[edge - idx[0]] / bg[edge]) ** fade
    return out


#: span (decades of q) over which the joint fit's background joins the smoother's outside
#: its window (:func:`_spliced`): the stiffness of the default ``loglog`` background
SPLICE_DECADES = 0.15


@dataclass(frozen=True)
class _Mark:
    """A detected (not yet fitted) peak: where the form-factor fit must not look."""

    q_inv_a: float
    fwhm_inv_a: float


def _form_factor_background(q, y, noise, bg, min_significance, smooth_decades):
    """The background of a pattern with a particle form factor: I = P·S + background.

    A smoother of log I (the ``loglog`` background) cannot follow the form-factor
    oscillations closely without also following broad Bragg lines: it bridges the minima
    and cuts the maxima, so a line on the steep flank of a form-factor maximum becomes a
    shoulder of a broad residual hump and is lost. Where a form factor is needed to
    describe the data (peaks found on the ``loglog`` residual masked), its fitted model M(q)
    carries the oscillations, and the ``loglog`` smoother of I/M supplies only the slow
    correction the five-parameter model misses (a smooth factor, as stiff as the default
    background): B = M · smooth(I/M), blended into the smoother's background below the
    first form-factor minimum (Guinier region). B replaces the smoother's background only if it
    describes the pattern away from the detected peaks better (smaller χ²); otherwise, or
    without an accepted form factor, the background is unchanged.
    Returns (B, the form-factor fit or None).
    """
    if np.any(bg <= 0):
        return bg, None
    idx, _, _, fw = _detect(q, y / bg - 1, noise / bg, min_significance)
    marks = [_Mark(float(q[i]), float(w)) for i, w in zip(idx, fw)]
    try:
        ff = fit_form_factor(q, y, noise, marks)
    except (ValueError, np.linalg.LinAlgError):
        return bg, None
    if ff is None or not ff.accepted:
        return bg, ff
    m = ff.model(q)
    if not np.all(np.isfinite(m)) or np.any(m <= 0):
        return bg, ff
    try:
        corr = _background_loglog(q, y / m, smooth_decades=smooth_decades, noise=noise / m)
    except InputError:
        return bg, ff
    new = m * corr
    # below the first form-factor minimum P(q) is smooth (Guinier) and the smoother follows
    # it to the noise, better than the model; the model takes over from 0.6 to 0.85 of the
    # first dip's q (geometric blend), where the oscillations begin
    dips = ff.dips(q[0], q[-1])
    if dips:
        lq = np.log(q / dips[0])
        w = np.clip((lq - np.log(0.6)) / (np.log(0.85) - np.log(0.6)), 0.0, 1.0)
        new = np.exp((1 - w) * np.log(bg) + w * np.log(new))
    # it must describe the pattern away from the peaks better than the smoother it replaces
    # (a form factor that misses a low-q upturn leaves a hump there, taken for a peak)
    away = np.ones(q.size, bool)
    for mk in marks:
        away &= np.abs(q - mk.q_inv_a) > 2.5 * mk.fwhm_inv_a
    if np.sum(((y - new) / noise)[away] ** 2) >= np.sum(((y - bg) / noise)[away] ** 2):
        return bg, ff
    return new, ff


def _confirmed(pk: SaxsPeak, q) -> bool:
    """A fitted peak is kept if its height is resolved (> 3σ), its width bounded (error below
    the width, at least one sampling step — narrower is a noise spike — and at most
    MAX_REL_FWHM·q) and its centre inside the data."""
    dx = np.interp(pk.q_inv_a, q[1:], np.diff(q))
    return bool(pk.amplitude > 3 * pk.amplitude_err and np.isfinite(pk.q_err)
                and pk.fwhm_err <= pk.fwhm_inv_a and pk.fwhm_inv_a >= dx
                and pk.fwhm_inv_a <= MAX_REL_FWHM * pk.q_inv_a and q[0] < pk.q_inv_a < q[-1])


def _determination(p) -> float:
    """How well a fitted peak is determined: its height over the height's error (its
    significance when the error is not known)."""
    return p.amplitude / p.amplitude_err if p.amplitude_err > 0 else p.significance


def _residual_of(q, y, bg, noise, mode, peaks, shape):
    """(residual, its σ) of the data after the background and ``peaks``, relative to the
    background in "divide" mode; None where the background leaves it undefined."""
    if mode == "divide":
        safe = np.where(bg > 0, bg, np.nan)
        r, sig = y / safe - 1, noise / safe
    else:
        r, sig = y - bg, noise
    if not np.all(np.isfinite(r)):
        return None
    return r - PeakSet(q, y, bg, noise, tuple(peaks), shape, "", mode=mode).model(q), sig


def _consistent_widths(peaks, ratio, min_significance=5.0):
    """Size broadening gives every reflection the same Δq (strain broadening ∝ q stays within
    a few times): a peak much broader than the most significant one is background."""
    if not peaks:
        return peaks
    # the reference is the best-determined peak of the fit (height / its error): the
    # smoothed-residual significance favours broad humps over narrow Bragg peaks
    # a broad hump (a form-factor maximum left by the background) can be better determined
    # than the Bragg line on its flank: the narrowest peak determined at least a quarter as
    # well as the best sets the domain-size width, so the hump cannot. A peak determined
    # under the detection threshold sets no width: a two-step noise spike fitted at 3.5σ
    # beside a 14σ line dropped every line of a hexagonal pattern (sweep seed 11, case 105)
    top = max(_determination(p) for p in peaks)
    floor = min(max(0.25 * top, min_significance), top)
    ref = min(p.fwhm_inv_a for p in peaks if _determination(p) >= floor)
    return [p for p in peaks if p.fwhm_inv_a <= ratio * ref
            and not any(_determination(o) >= floor and _broader_below(p, o) for o in peaks)]


#: a peak may be at most this many times broader than a better-determined line above it
#: (Williamson–Hall, see :func:`_broader_below`; the margin covers partly resolved
#: doublets and the widths' errors beyond their 2σ)
LOW_Q_WIDTH_RATIO = 2.0


def _broader_below(p, other) -> bool:
    """``p`` lies below a better-determined peak ``other`` and is more than
    :data:`LOW_Q_WIDTH_RATIO` times broader than it, both widths taken 2σ towards each
    other. Lines of one lattice broaden as Δq = 2πK/D + ε·q (Williamson & Hall, Acta
    Metall. 1, 22 (1953); paracrystalline disorder adds ∝ q²): never less at higher q, so
    ``p`` is no line of that lattice but background structure, e.g. the foot of a
    form-factor or precursor hump the background left: a 0.012 Å⁻¹ 'line' at 0.046 Å⁻¹
    below a 0.0037 Å⁻¹ fcc 111 (xrsdkit R4_cool_0022 in tests/corpus/saxs)."""
    e_p = p.fwhm_err if np.isfinite(p.fwhm_err) else np.inf
    e_o = other.fwhm_err if np.isfinite(other.fwhm_err) else np.inf
    return bool(p.q_inv_a < other.q_inv_a and _determination(p) < _determination(other)
                and p.fwhm_inv_a - 2 * e_p > LOW_Q_WIDTH_RATIO * (other.fwhm_inv_a + 2 * e_o))


def _drop_spikes(peaks, min_significance, ratio):
    """Drop peaks both under the detection threshold in their own fit (height below
    ``min_significance`` times its error; kept so far by the looser 3σ of
    :func:`_confirmed`) and more than ``ratio`` times narrower than the best-determined
    peak: every line of one lattice is at least as broad as the domain size makes it
    (Δq the same for all lines; strain only broadens the higher ones), so a line that
    narrow and that weak is a noise spike, not an order of the lattice."""
    if len(peaks) < 2:
        return list(peaks)

    ref = max(peaks, key=_determination).fwhm_inv_a
    return [p for p in peaks
            if not (_determination(p) < min_significance and p.fwhm_inv_a * ratio < ref)]


def _rescue(q, y, bg, noise, mode, peaks, cands, shape, pre, min_significance, ratio):
    """Detected candidates lost only because they were fitted in one cluster with a broad
    background hump (the hump's width guess spans the window, the shared fit fails and
    both are dropped), or on top of one: each candidate away from every kept peak is
    fitted alone, on the residual with the kept peaks removed, with a width guess no
    broader than the best-determined kept peak's. It is kept when confirmed (see :func:`_confirmed`), its
    height at least ``min_significance`` times its error — the detection threshold, not
    the looser 3σ of the first pass — and its width within ``ratio`` of the best-determined
    kept peak (one domain size for all lines)."""
    residual = _residual_of(q, y, bg, noise, mode, peaks, shape) if peaks else None
    if residual is None:
        return []
    r, sig = residual

    ref = max(peaks, key=_determination).fwhm_inv_a
    out: list = []
    for c in cands:
        # a narrow line on a broad hump (a form-factor maximum) gets the hump's width as
        # its guess: it is fitted with the kept peaks' width in a window that narrow,
        # where the hump is a linear baseline
        qc, w = c[0], min(c[1], ref)
        if any(abs(qc - p.q_inv_a) <= 2 * max(p.fwhm_inv_a, w) for p in (*peaks, *out)):
            continue
        try:
            vals, *_ = _fit_cluster(q, r, sig, [(qc, w, c[2])], shape, pre)
        except FitError:
            continue
        a, ea, cq, ec, fw, efw, eta, eeta = vals[0]
        pk = SaxsPeak(float(cq), float(ec), float(fw), float(efw), float(a), float(ea),
                      float(eta), float(eeta), float(c[3]))
        if (_confirmed(pk, q) and ea > 0 and a >= min_significance * ea
                and fw <= ratio * ref and ref <= ratio * fw
                and abs(cq - qc) <= max(fw, w)):
            out.append(pk)
    return out


def _fit_fixed_width(q, r, sig, qc, w, eta, pre, min_points=7):
    """One line of known width and shape at about ``qc`` on a linear baseline: amplitude,
    centre and the baseline free (the width is that of the lattice's best-determined line).

    A line sampled by a few points per FWHM leaves amplitude, width and Lorentzian fraction
    degenerate when all are free (a narrow tall profile and a broad low one fit the same
    points), so a line standing 15σ out of the residual can come out at 1σ. Every line of
    one lattice has the same size broadening Δq, so the width need not be fitted again."""
    from scipy.optimize import least_squares

    from dackit.core.lsq import covariance_from_jacobian

    m = np.abs(q - qc) <= max(WINDOW_FWHM * w, 0.0)
    if m.sum() < min_points:  # too few points: the nearest ``min_points``
        m = np.zeros(q.size, bool)
        m[np.argsort(np.abs(q - qc))[:min_points]] = True
    x, y, s = q[m], r[m], sig[m]
    xref = float(qc)
    h0 = max(float(np.interp(qc, x, y)), 1e-12)

    def resid(p):
        return (pseudo_voigt(x, p[0], p[1], w, eta) + p[2] + p[3] * (x - xref) - y) / s

    res = least_squares(resid, [h0, qc, 0.0, 0.0], x_scale="jac", max_nfev=500,
                        bounds=([0.0, qc - w, -np.inf, -np.inf], [np.inf, qc + w, np.inf, np.inf]))
    if not np.all(np.isfinite(res.x)):
        raise FitError(f"{pre}line fit near q = {qc:.4g} Å⁻¹ gave non-finite values")
    try:
        err = covariance_from_jacobian(res.jac, res.fun, scale=True).stderr
    except np.linalg.LinAlgError:
        raise FitError(f"{pre}line fit near q = {qc:.4g} Å⁻¹ is singular") from None
    return float(res.x[0]), float(err[0]), float(res.x[1]), float(err[1])


#: a line picked up from the residual must stand this many times the detection threshold
#: out of its fit error: every residual maximum is a trial, and what the background
#: leaves in the residual (its misfit under a form-factor dip, a few σ over a line's
#: width) is fitted there too; the lines worth rescuing stand 15–30σ
PICK_UP_FACTOR = 2.0


def _pick_up(q, y, bg, noise, mode, peaks, shape, pre, min_significance):
    """Lines the search left in the residual: maxima of data − fit at least
    ``min_significance`` σ out of the noise (the detection threshold of the first pass),
    smoothed over 1.5 points or fitted with the best-determined peak's width
    (:func:`_matched_scan`, for finely sampled patterns), no broader than three times the best-determined peak (a broad hump left by the
    background is not a line), away from every fitted peak, that a fit with that peak's
    width and shape (:func:`_fit_fixed_width`) confirms at :data:`PICK_UP_FACTOR` ×
    ``min_significance`` times its error. Undersampled lines on a form-factor flank are
    lost by the first pass (free width, degenerate) though they stand out of the noise
    as clearly as the lines kept. Only above the lowest fitted peak: below it the
    residual is the low-q background's misfit (the Porod–Guinier knee, a beamstop rim),
    where a narrow fit finds "lines" the first pass rightly left, and a line there would
    move d₁ on that evidence alone."""
    residual = _residual_of(q, y, bg, noise, mode, peaks, shape) if peaks else None
    if residual is None:
        return []
    r, sig = residual

    ref = max(peaks, key=_determination)
    q_first = min(p.q_inv_a for p in peaks)
    idx, snr, _, fw = _detect(q, r, sig, min_significance)
    # the 1.5-point smoothing of _detect is a matched filter only for lines a few points
    # wide: on a finely sampled pattern (tens of points per FWHM) a 20σ line is a few σ
    # per point and never detected; a scan with the kept lines' width finds it
    mi, mz = _matched_scan(q, r, sig, q_first, ref.fwhm_inv_a, ref.eta, min_significance)
    idx = np.r_[idx, mi].astype(int)
    snr = snr.copy()
    snr[mi] = np.maximum(snr[mi], mz)
    fw = np.r_[fw, np.full(mi.size, ref.fwhm_inv_a)]
    order = np.argsort(-snr[idx], kind="stable")  # strongest first: they claim their place
    idx, fw = idx[order], fw[order]
    out: list = []
    for i, wd in zip(idx, fw):
        qc = float(q[i])
        if qc <= q_first or wd > 3 * ref.fwhm_inv_a or any(abs(qc - p.q_inv_a) <= 2 * max(p.fwhm_inv_a, ref.fwhm_inv_a)
                                          for p in (*peaks, *out)):
            continue
        try:
            a, ea, cq, ec = _fit_fixed_width(q, r, sig, qc, ref.fwhm_inv_a, ref.eta, pre)
        except FitError:
            continue
        pk = SaxsPeak(cq, ec, ref.fwhm_inv_a, ref.fwhm_err, a, ea, ref.eta, ref.eta_err,
                      float(snr[i]))
        if (ea > 0 and a >= PICK_UP_FACTOR * min_significance * ea and _confirmed(pk, q)
                and abs(cq - qc) < ref.fwhm_inv_a and a > _tail_bound(peaks, cq)):
            out.append(pk)
    return out


def _tail_bound(peaks, qc) -> float:
    """The largest Lorentzian tail of ``peaks`` at ``qc`` (in the peaks' height units): a
    fitted pseudo-Voigt's wing lies between its Gaussian and its Lorentzian limit, so a
    residual bump no higher than the neighbour's full Lorentzian wing there may be the
    profile's misfit, not a line. A 'line' picked up at 3 % of a 108σ hcp 101, 2.5 FWHM
    above it (the Lorentzian wing: 3.8 %), turned three xrsdkit_modeling hcp curves fcc."""
    return max((p.amplitude / (1 + (2 * (qc - p.q_inv_a) / p.fwhm_inv_a) ** 2) for p in peaks),
               default=0.0)


#: a detected line no broader than this many sampling steps (FWHM of the smoothed
#: residual, which the 1.5-point smoothing widens to ~3.5 steps) is undersampled: its
#: width is not determined by the data (:func:`_undersampled_line`)
UNDERSAMPLED_STEPS = 4.0
#: points fitted around an undersampled line: seven (±3 steps) leave three degrees of
#: freedom, and its error scaled by that χ² is no measure of the line
UNDERSAMPLED_WINDOW = 15
#: FWHM, in sampling steps, given to an undersampled line: a line sampled that coarsely
#: has a FWHM between ~0.5 and ~2.5 steps; its area and centre depend little on the choice
UNDERSAMPLED_FWHM_STEPS = 1.05


def _undersampled_line(q, r, sig, cand, shape, pre, min_significance):
    """A detected line whose free-width fit failed because the pattern samples it with one
    or two points per FWHM (coarse binning: amplitude, width and shape are degenerate
    there, and the fit comes out at 0–2σ though the line stands 20σ out of the noise).
    Refitted with its width fixed at :data:`UNDERSAMPLED_FWHM_STEPS` sampling steps
    (:func:`_fit_fixed_width`), it is kept when its height is :data:`PICK_UP_FACTOR` ×
    ``min_significance`` times its error (as a line picked up at a fixed width) and its
    centre stays within a step of the detected maximum; the width error is the width
    itself (unresolved). None otherwise."""
    qc, w_det = float(cand[0]), float(cand[1])
    dx = float(np.interp(qc, q[1:], np.diff(q)))
    if not (dx > 0 and w_det <= UNDERSAMPLED_STEPS * dx):
        return None
    w = UNDERSAMPLED_FWHM_STEPS * dx
    eta = SHAPES[shape] if SHAPES[shape] is not None else 0.5
    try:
        a, ea, cq, ec = _fit_fixed_width(q, r, sig, qc, w, eta, pre,
                                         min_points=UNDERSAMPLED_WINDOW)
    except FitError:
        return None
    if not (ea > 0 and a >= PICK_UP_FACTOR * min_significance * ea and abs(cq - qc) <= dx):
        return None
    return SaxsPeak(cq, ec, w, w, a, ea, eta, 0.0, float(cand[3]))


def _cut_first_line(q, y, bg, noise, mode, peaks, shape, min_significance):
    """A line whose maximum lies within a FWHM of the data's first point (a beam stop or its
    mask cutting into the first line), which :func:`_detect` leaves out: there the ends
    cannot be told from a background edge by a maximum alone. Admitted on the evidence of
    its far flank, on the residual after the fitted peaks:

    * the smoothed residual's largest value within one reference FWHM of the start stands
      ``min_significance`` σ out of the noise, and no fitted peak lies within 2 FWHM of it;
    * from there it falls to under half that value within :data:`LOW_Q_WIDTH_RATIO`
      reference FWHM (a line's half maximum lies at most one HWHM beyond its centre; a
      Porod–Guinier tail or a beam-stop rim the background did not follow falls over a
      much wider range of q);
    * a pseudo-Voigt of the reference line's shape (the best-determined peak's η) with its
      centre between a FWHM below the first point and half a FWHM above the maximum, width
      free, on a constant baseline, is determined at
      :data:`PICK_UP_FACTOR` × ``min_significance`` times its height error (one more trial,
      as for the lines picked up), its centre off both bounds (a centre at the bound is not
      determined by the data: no position, no line);
    * its centre lies inside the data within twice its error (a fall from below the data is
      all a background edge shows too), and where it is not clear of the first point by
      that much, the background does not rise over the flank (:func:`_falls_in_data`);
    * its FWHM lies within
      :data:`LOW_Q_WIDTH_RATIO` of the reference's either way, both taken 2σ towards each
      other (one domain size gives every line of a lattice about the same Δq);
    * its area, in intensity units, is at least :func:`_first_line_floor` of the strongest
      line determined at ``min_significance`` (a lattice's first line is never much weaker
      than its higher ones: a bend the background left at the data's start, 0.009 of the
      FCC 111's area in xrsdkit R4_cool_0022, passed the tests above).

    Its position error adds in quadrature the shift of the centre when the width is held at
    the reference's: on a half-seen line the centre trades against the width, and the fit's
    own error does not cover that. Returns the line or None."""
    from scipy.optimize import least_squares

    from dackit.core.lsq import covariance_from_jacobian

    residual = _residual_of(q, y, bg, noise, mode, peaks, shape) if peaks else None
    if residual is None:
        return None
    r, sig = residual
    ref = max(peaks, key=_determination)
    w, eta = ref.fwhm_inv_a, ref.eta
    q0 = float(q[0])
    lead = np.flatnonzero(q <= q0 + w)
    if lead.size == 0 or q.size < 12:
        return None
    rs, gain = _smoothed_residual(r)
    j = int(lead[np.argmax(rs[lead])])
    if rs[j] < min_significance * gain * sig[j]:
        return None
    if any(abs(p.q_inv_a - q[j]) <= 2 * max(p.fwhm_inv_a, w) for p in peaks):
        return None
    fall = rs[j:int(np.searchsorted(q, q[j] + LOW_Q_WIDTH_RATIO * w)) + 1]
    if fall.size < 2 or fall.min() > 0.5 * rs[j]:
        return None
    m = q <= q[j] + WINDOW_FWHM * LOW_Q_WIDTH_RATIO * w
    x, yy, s = q[m], r[m], sig[m]
    if x.size < 8:
        return None
    dx = float(np.median(np.diff(x)))
    # the centre is free down to a FWHM below the data: a line centred on the first point is
    # then fitted off the bound, and whether its maximum lies inside the data is judged
    # from the centre and its error below
    c_lo, c_hi = q0 - w, float(q[j]) + 0.5 * w
    w_lo, w_hi = dx, 2 * LOW_Q_WIDTH_RATIO * w

    def fit(free_width):
        def resid(p):
            fw = p[2] if free_width else w
            return (pseudo_voigt(x, p[0], p[1], fw, eta) + p[3] - yy) / s

        p0 = [max(float(yy.max()), 1e-12), float(np.clip(q[j], c_lo, c_hi)), w, 0.0]
        lb, ub = [0.0, c_lo, w_lo, -np.inf], [np.inf, c_hi, w_hi, np.inf]
        if not free_width:
            lb[2], ub[2] = w * (1 - 1e-9), w * (1 + 1e-9)
            p0[2] = w
        res = least_squares(resid, p0, bounds=(lb, ub), x_scale="jac", max_nfev=2000)
        jac = res.jac if free_width else np.delete(res.jac, 2, axis=1)
        err = covariance_from_jacobian(jac, res.fun, scale=True).stderr
        if not free_width:
            err = np.insert(err, 2, 0.0)
        return res.x, err

    try:
        (a, c, fw, _), (ea, ec, efw, _) = fit(True)
        c_fixed = fit(False)[0][1]
    except (np.linalg.LinAlgError, ValueError):
        return None
    span = c_hi - c_lo
    if not (np.all(np.isfinite([a, ea, c, ec, fw, efw])) and ea > 0
            and a >= PICK_UP_FACTOR * min_significance * ea
            and c_lo + 1e-3 * span < c < c_hi - 1e-3 * span and c > 0):
        return None
    e_c = float(np.hypot(ec, c - c_fixed))
    # the maximum must lie inside the data, and where the data do not show it clear of the
    # first point, the fall from there must be the data's (:func:`_falls_in_data`): a lamellar
    # curve starting 0.87 q₁ in, whose background estimate rose over its first points, showed
    # a 109σ 'line' there, indexed FCC 241 Å against lamellar 121 Å
    if c < q0 - 2 * e_c or (c < q0 + 2 * e_c and not _falls_in_data(q, bg, noise, c + fw)):
        return None
    e_ref = ref.fwhm_err if np.isfinite(ref.fwhm_err) else np.inf
    if (fw - 2 * efw > LOW_Q_WIDTH_RATIO * (w + 2 * e_ref)
            or w - 2 * e_ref > LOW_Q_WIDTH_RATIO * (fw + 2 * efw)):
        return None

    def strength(amp, cq, fwhm, eta_):  # area in intensity units: the background put back
        scale = float(np.interp(cq, q, bg)) if mode == "divide" else 1.0
        return float(pseudo_voigt_area(amp, fwhm, eta_)) * scale

    top = max((strength(p.amplitude, p.q_inv_a, p.fwhm_inv_a, p.eta) for p in peaks
               if _determination(p) >= min_significance), default=0.0)
    if strength(a, c, fw, eta) < _first_line_floor() * top:
        return None
    return SaxsPeak(float(c), e_c, float(fw), float(efw), float(a),
                    float(ea), float(eta), float(ref.eta_err), float(rs[j] / (gain * sig[j])))


def _falls_in_data(q, bg, noise, q_end) -> bool:
    """Whether the smooth background ``bg`` rises from the data's first point up to
    ``q_end`` by no more than twice the noise there. A line whose maximum the data do not
    show is seen only by its fall from the first point, and that fall must be in the data:
    where the background estimate rises over it (bending at the edge of the data), the
    residual falls by itself. Across a lattice's first line the smooth SAXS intensity
    (Guinier, Porod, the particles' first form-factor lobe: a sphere's first minimum,
    qR = 4.49, lies beyond the first line even for touching spheres, q₁R ≤ 3.9) falls
    with q.

    Parameters
    ----------
    q, bg, noise : ndarray
        The pattern's q (Å⁻¹, ascending), its smooth background and the data's noise σ.
    q_end : float
        End of the flank (Å⁻¹).
    """
    flank = slice(0, int(np.searchsorted(q, q_end)) + 1)
    return bool(np.max(bg[flank]) - bg[0] <= 2 * noise[0])


def _first_line_floor() -> float:
    """Least area of a lattice's first line as a fraction of the strongest line seen above
    it. The first line lies in the particles' first form-factor lobe, where the form factor
    is at least that at every higher line for spheres and sheets and 0.81 of it for touching
    rods (:func:`dackit.saxs.oneline._first_line_absent`), and disorder only weakens the
    higher orders; so its area is at least the weakest ratio, over the registered
    mesophases, of the first line's weight (multiplicity·|F|²/s²) to the largest up to
    4 s₁ (HCP: 100 against 101, 0.21), times 0.81 and the strength scatter
    (:data:`dackit.saxs.mesophase.STRENGTH_SCATTER`) twice."""
    from dackit.saxs.mesophase import MESOPHASES, STRENGTH_SCATTER

    ratios = []
    for ph in MESOPHASES.values():
        refl = ph.reflections(4 * ph.s_first)
        wt = refl.weight / refl.s ** 2
        ratios.append(float(wt[0] / wt.max()))
    return 0.81 * min(ratios) * float(np.exp(-2 * STRENGTH_SCATTER))


#: most trial centres of the matched scan (:func:`_matched_scan`)
MAX_SCAN = 4000
#: a scan maximum fitted more significantly at this many times the line width is broad
#: structure (background misfit), not a line
BROAD_FACTOR = 3.0


def _matched_scan(q, r, sig, q_lo, w, eta, min_significance):
    """Maxima of a matched filter for lines of FWHM ``w`` and shape ``eta`` above ``q_lo``:
    the height of such a line, fitted at fixed centre on a local linear baseline
    (:func:`dackit.saxs.oneline._line_fit`, ±2 FWHM), over its error, on centres a
    quarter FWHM apart. A maximum that a fit :data:`BROAD_FACTOR` times broader describes
    more significantly is broad structure and left out. Returns (indices into ``q`` of
    the centres where that ratio is a local maximum and at least ``min_significance``,
    the ratios)."""
    from dackit.saxs.oneline import _line_fit

    if not (w > 0 and np.isfinite(w)):
        return np.array([], int), np.array([])
    lo, hi = q_lo + 2 * w, q[-1] - 2 * w
    if hi <= lo:
        return np.array([], int), np.array([])
    centres = np.arange(lo, hi, max(w / 4, (hi - lo) / MAX_SCAN))
    z = np.full(centres.size, np.nan)
    for k, c in enumerate(centres):
        a, e = _line_fit(q, r, sig, c, w, eta)
        if np.isfinite(a) and e > 0:
            z[k] = a / e
    zz = np.nan_to_num(z, nan=-np.inf)
    top = np.flatnonzero((zz[1:-1] >= zz[:-2]) & (zz[1:-1] > zz[2:])
                         & (zz[1:-1] >= min_significance)) + 1
    # a line of this width stands out better at its own width than at three times it; a
    # shoulder of the background's misfit (a slope that bends) is fitted better broad
    broad = []
    for k in top:
        a3, e3 = _line_fit(q, r, sig, centres[k], BROAD_FACTOR * w, eta)
        broad.append(np.isfinite(a3) and e3 > 0 and a3 / e3 > z[k])
    top = top[~np.array(broad, bool)] if top.size else top
    idx = np.clip(np.searchsorted(q, centres[top]), 0, q.size - 1)
    return idx, z[top]


def find_peaks(pattern: Pattern, *, background="loglog", min_significance=5.0, shape="pseudo_voigt",
               max_peaks=30, q_range=None, max_width_ratio=5.0, mode="divide", refine=True,
               form_factor=True, screen=None, **bg_kw) -> PeakSet:
    """Background-subtract a SAXS pattern, find significant peaks and fit them.

    ``pattern`` may be on a 2θ axis if its wavelength is known (converted to q). Peaks
    broader than ``max_width_ratio`` × the FWHM of the most significant peak are dropped.
    Raises :class:`InputError` if no peak is significant.

    Parameters
    ----------
    pattern : Pattern
        A SAXS pattern on a q axis (or 2θ with its wavelength).
    background : str, default 'loglog'
        Background method, a key of :data:`~dackit.saxs.BACKGROUNDS`.
    min_significance : float, default 5.0
        Peaks below this many σ above the background are ignored.
    shape : {"pseudo_voigt", "lorentzian", "gaussian"}, default 'pseudo_voigt'
        Peak shape.
    max_peaks : int, default 30
        Most peaks kept (the most significant).
    q_range : tuple of float, optional
        (lo, hi) in Å⁻¹ to analyse.
    max_width_ratio : float, default 5.0
        Peaks broader than this many times the FWHM of the most significant one are dropped.
    mode : str, default 'divide'
        ``"divide"``: the background is divided out (I/B − 1, exact peak shapes under a
        steep form factor); any other value subtracts it.
    refine : bool, default True
        Refit the peaks together after the search.
    form_factor : bool, default True
        With the ``loglog`` background: where a particle form factor is needed to describe
        the pattern (:func:`dackit.saxs.formfactor.fit_form_factor`), its model times a
        smooth correction becomes the background (see :func:`_form_factor_background`).
    screen : callable, optional
        Called with the q (Å⁻¹) of the peaks the local fits confirm, before the joint fit of
        all peaks with the background, the rescue and the pick-up; it may raise (e.g.
        :func:`dackit.io.kinds.refuse_diffraction_for_saxs`) to refuse the pattern before
        the joint fit, the costliest step on long patterns (bench/saxs_speed.py).
    **bg_kw : | Keywords of the background method.

    Examples
    --------
    >>> from dackit.saxs.simulate import simulate_saxs
    >>> sim = simulate_saxs("lamellar", 120.0, seed=1)
    >>> ps = find_peaks(sim.pattern)
    >>> round(ps.peaks[0].d_a)
    120
    """
    pre = where(pattern.source)
    if mode not in ("subtract", "divide"):
        raise InputError(f"{pre}mode {mode!r}: use 'subtract' or 'divide'")
    if shape not in SHAPES:
        raise InputError(f"{pre}peak shape {shape!r} unknown; use one of {tuple(SHAPES)}")
    q = np.asarray(pattern.q_inv_a, float)
    y = np.asarray(pattern.intensity, float)
    sigma = None if pattern.sigma is None else np.asarray(pattern.sigma, float)
    if pattern.axis != "q_A^-1":
        order = np.argsort(q)
        q, y = q[order], y[order]
        sigma = None if sigma is None else sigma[order]
    if q_range is not None:
        m = (q >= q_range[0]) & (q <= q_range[1])
        if m.sum() < 10:
            raise InputError(f"{pre}fewer than 10 points inside q_range {q_range}")
        q, y = q[m], y[m]
        sigma = None if sigma is None else sigma[m]
    n_nonpos = int(np.sum(q <= 0))
    if n_nonpos:
        # 2θ ≤ 0 (the other side of the beam, or a wrong zero): q = 0 has no d-spacing
        unit = "2θ" if pattern.axis == "2th_deg" else "q"
        keep = q > 0
        if keep.sum() < 10 or n_nonpos > keep.sum():
            raise InputError(f"{pre}{n_nonpos} of {q.size} points have {unit} ≤ 0 "
                             f"({unit} runs {np.min(pattern.x):g}…{np.max(pattern.x):g}); SAXS "
                             f"needs {unit} > 0: mirror the axis (use |{unit}|) or integrate again")
        q, y = q[keep], y[keep]
        sigma = None if sigma is None else sigma[keep]
    q_stop = pattern.metadata.get("beamstop_q_min")  # a reader that knows the stop's shadow
    if q_range is None and q_stop is not None:
        keep = q >= q_stop
        if keep.sum() < 10:
            raise InputError(f"{pre}only {int(keep.sum())} of {q.size} points lie beyond the beam "
                             f"stop's shadow (q ≥ {q_stop:.4g} Å⁻¹, as the file's ShadowFactor "
                             "column says): too few to search for peaks; the curve lies almost "
                             "wholly behind the stop (find_peaks' q_range analyses the shadowed "
                             "rows anyway)")
        q, y = q[keep], y[keep]
        sigma = None if sigma is None else sigma[keep]
    if background != "none" and q_range is None:
        i0 = usable_low_q(q, y)
        i1 = usable_high_q(q, y)
        if i1 - i0 >= 10 and (i0 or i1 < q.size):
            q, y = q[i0:i1], y[i0:i1]
            sigma = None if sigma is None else sigma[i0:i1]
    noise = running_noise_sigma(y) if sigma is None else stated_noise(y, sigma)
    if background == "loglog":
        bg_kw = {"noise": noise, **bg_kw}
    bg = estimate_background(q, y, background, **bg_kw)
    ff = None
    if background == "loglog" and form_factor:
        bg, ff = _form_factor_background(q, y, noise, bg, min_significance,
                                         bg_kw.get("smooth_decades", 0.15))
    if background == "none":
        mode = "subtract"  # nothing to divide by
    if mode == "divide":
        safe = np.where(bg > 0, bg, np.nan)
        r, noise_r = y / safe - 1, noise / safe
        if not np.all(np.isfinite(r)):
            raise InputError(f"{pre}background is not positive everywhere; use mode='subtract'")
    else:
        r, noise_r = y - bg, noise
    idx, snr, rs, fw = _detect(q, r, noise_r, min_significance)
    if idx.size == 0:
        raise InputError(f"{pre}no peak rises {min_significance:g} σ above the background; "
                         "check the q range, the background method or lower min_significance")
    if idx.size > max_peaks:
        keep = np.sort(np.argsort(snr[idx])[::-1][:max_peaks])
        idx, fw = idx[keep], fw[keep]
    cands = _merge([(q[i], w, max(rs[i], 0.0), snr[i]) for i, w in zip(idx, fw)])
    clusters, cur = [], [cands[0]]
    for c in cands[1:]:
        if c[0] - WINDOW_FWHM * c[1] < cur[-1][0] + WINDOW_FWHM * cur[-1][1]:
            cur.append(c)
        else:
            clusters.append(cur)
            cur = [c]
    clusters.append(cur)
    peaks, guesses, fits = [], [], []
    for cl in clusters:
        vals, p, cov, win = _fit_cluster(q, r, noise_r, [c[:3] for c in cl], shape, pre)
        fits.append((p, cov, win))
        for (a, ea, c, ec, w, ew, eta, eeta), cand in zip(vals, cl):
            pk = SaxsPeak(float(c), float(ec), float(w), float(ew), float(a), float(ea),
                          float(eta), float(eeta), float(cand[3]))
            coarse = None if _confirmed(pk, q) else _undersampled_line(
                q, r, noise_r, cand, shape, pre, min_significance)
            if coarse is not None:
                pk = coarse
            if _confirmed(pk, q):
                peaks.append(pk)
                guesses.append(pk)
            else:  # a poor local fit (e.g. on a wing) may still be a peak of the joint fit
                fixed_eta = SHAPES[shape]
                guesses.append(SaxsPeak(cand[0], np.nan, cand[1], np.nan, cand[2], np.nan,
                                        0.5 if fixed_eta is None else fixed_eta, np.nan,
                                        float(cand[3])))
    peaks = _consistent_widths(peaks, max_width_ratio, min_significance)
    if screen is not None:
        screen([p.q_inv_a for p in peaks])
    if refine and guesses:
        guesses.sort(key=lambda p: p.q_inv_a)
        for _ in range(3):  # drop what the joint fit does not confirm, and fit again
            joint = _refine_joint(q, y, noise, bg, guesses, shape, mode)
            if joint is None:
                break
            ok = [pk for pk in joint[0] if _confirmed(pk, q)]
            ok = _consistent_widths(ok, max_width_ratio, min_significance)
            if len(ok) == len(joint[0]):
                jpeaks, p, cov, jbg, chi2, win = joint
                # keep the joint fit only if it describes the data at least as well as the
                # smooth background with the local fits
                local = PeakSet(q, y, bg, noise, tuple(peaks), shape, background, mode=mode)
                chi2_local = float(np.sum(((local.fitted_intensity() - y) / noise)[win] ** 2))
                # ... and only if it keeps every peak the local fits confirmed: a joint fit
                # over a window that ends before a confirmed peak cannot vote it away
                kept = all(any(abs(j.q_inv_a - pk.q_inv_a) <= pk.fwhm_inv_a for j in jpeaks)
                           for pk in peaks)
                if chi2 <= chi2_local and kept:
                    peaks, bg = jpeaks, jbg
                    fits = [(p, cov, (q[win][0], q[win][-1]))]
                break
            if not ok:
                break
            guesses = ok
    if not peaks:
        raise InputError(f"{pre}candidate peaks were found but none survived fitting "
                         "(height not resolved from noise)")
    extra = _rescue(q, y, bg, noise, mode, peaks, cands, shape, pre, min_significance,
                    max_width_ratio)
    peaks = _drop_spikes([*peaks, *extra], min_significance, max_width_ratio)
    peaks = [*peaks, *_pick_up(q, y, bg, noise, mode, peaks, shape, pre, min_significance)]
    cut = _cut_first_line(q, y, bg, noise, mode, peaks, shape, min_significance)
    peaks = sorted([*peaks, *([cut] if cut is not None else [])], key=lambda p: p.q_inv_a)
    return PeakSet(q, y, bg, noise, tuple(peaks), shape, background, pattern.source, tuple(fits),
                   mode, ff, None if cut is None else float(q[0]))
