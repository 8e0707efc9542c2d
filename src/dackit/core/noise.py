"""Noise models for detector counts, so that fits weight each point by its real variance.

A CCD spectrum's variance grows with the signal (shot noise) on top of a floor (read and
dark noise). An unweighted fit then misjudges the error of a peak position: the reduced
χ² averages the quiet baseline with the noisy peak. :func:`counting_sigma` estimates
σ² = floor + gain·signal from a first fit's residuals, for a second, weighted fit.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    from dackit.core.fitting import FitResult


def counting_sigma(x: ArrayLike, y: ArrayLike, fit: FitResult, window: tuple[float, float]) -> np.ndarray:
    """σ of each point of ``y`` from a first fit: σ² = a + g·max(signal, 0), a > 0, g >= 0.

    ``signal`` is the fitted peaks above the fitted baseline, ``(a, g)`` a least-squares
    fit of the squared residuals inside ``window`` against it. Points outside the window get
    the floor σ. With too few points or no signal, the residual variance is used throughout.

    Parameters
    ----------
    x : array_like
        Abscissa of the spectrum.
    y : array_like
        Measured counts.
    fit : FitResult
        A first, unweighted fit of the spectrum; its model is the signal.
    window : tuple of float
        (lo, hi) range of ``x`` that was fitted; the noise model is estimated there.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    comps = fit.components(x)
    signal = np.clip(sum(v for k, v in comps.items() if k != "baseline"), 0, None)
    inside = (x >= window[0]) & (x <= window[1])
    r2 = (y - fit.eval(x))[inside] ** 2
    s = signal[inside]
    floor = float(np.mean(r2)) if r2.size else 1.0
    gain = 0.0
    if r2.size > 8 and np.ptp(s) > 0:
        design = np.stack([np.ones_like(s), s], axis=1)
        (a, g), *_ = np.linalg.lstsq(design, r2, rcond=None)
        if g > 0 and a > 0:
            floor, gain = float(a), float(g)
        elif g > 0:  # floor not resolved: keep it at the baseline's own scatter
            quiet = s < 0.05 * s.max()
            floor = float(np.mean(r2[quiet])) if quiet.sum() > 3 else floor
            gain = float(np.sum(s * (r2 - floor)) / np.sum(s * s))
    floor = max(floor, 1e-12 * max(1.0, float(np.max(np.abs(y)))) ** 2)
    return np.sqrt(floor + max(gain, 0.0) * signal)


#: MAD → standard deviation for a normal distribution: 1 / Φ⁻¹(3/4).
MAD_TO_SIGMA = 1.482602218505602


def robust_sigma(values: ArrayLike) -> float:
    """Robust standard deviation of ``values``: 1.4826 × median absolute deviation.

    The one place dackit writes this constant (Rousseeuw & Croux, J. Am. Stat. Assoc. 88,
    1273 (1993)). NaNs are ignored; fewer than three finite values give 0.0.

    Parameters
    ----------
    values : array_like
        Sample values (NaNs ignored).

    Examples
    --------
    >>> round(robust_sigma([1.0, 2.0, 3.0, 4.0, 100.0]), 4)
    1.4826
    """
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size < 3:
        return 0.0
    return float(MAD_TO_SIGMA * np.median(np.abs(v - np.median(v))))


def white_noise_sigma(y: ArrayLike, order: int = 1) -> float:
    """White-noise σ of a sampled curve from the robust spread of its ``order``-th differences.

    Differencing cancels smooth signal (peaks wider than a few points, slopes); for white
    noise of SD σ the n-th difference has SD σ·√C(2n, n) (√2 for first, √6 for second
    differences). ``order=2`` also cancels straight-line slopes and is the safer choice under
    peaks; ``order=1`` has lower variance on a flat baseline.

    Parameters
    ----------
    y : array_like
        A sampled curve (evenly spaced or nearly so).
    order : {1, 2}, default 1
        Order of the differences: 2 removes a linear trend between neighbours (use it on
        steep peaks).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> abs(white_noise_sigma(rng.normal(0, 2.0, 20000), order=2) - 2.0) < 0.05
    True
    """
    from math import comb

    d = np.diff(np.asarray(y, dtype=float), n=order)
    return robust_sigma(d) / float(np.sqrt(comb(2 * order, order)))


#: how many times the point-to-point scatter of the intensities a σ column may be: the
#: corpus's real σ columns reach 30× (slit-smeared SANS, GSAS-II exports of smoothed data)
SIGMA_COLUMN_MAX_SCATTER = 100.0


def sigma_column_problem(y: ArrayLike, sigma: ArrayLike) -> str | None:
    """Why a column offered as the uncertainty of ``y`` cannot be one, or None when it can.

    A text pattern's third column is read as σ by convention (``.xye``, ``.dat`` of SAXS),
    but exports also put a fitted curve, a background or GSAS-II's weights 1/σ² there.
    Used as σ, a fitted curve (σ ≈ I) hides every peak under "the noise", and weights make
    the noise look thousands of times smaller than it is. An uncertainty cannot be negative,
    grows with the signal (counting statistics) or stays constant, and at the strongest
    points of a measured curve is a small fraction of it; this function names the first of
    those that the column breaks:

    - a negative value (a difference curve);
    - a rank correlation with the intensity below -0.5 (falls as the signal rises: weights);
    - at the strongest 1 % of points (at least 5) a median of at least half the intensity,
      while three times the point-to-point scatter of ``y`` (:func:`white_noise_sigma`,
      second differences): a curve that follows the intensity;
    - a median over :data:`SIGMA_COLUMN_MAX_SCATTER` times that scatter: real curves reach
      30× (a smeared SANS curve, a GSAS-II export of a smoothed pattern), a constant
      background column 1000×.

    Counting data reach σ/I = 0.5 only below 4 counts, where the scatter matches σ.

    Parameters
    ----------
    y : array_like
        The intensities.
    sigma : array_like
        The column offered as their standard uncertainties.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> y = rng.poisson(100 + 900 * np.exp(-0.5 * ((np.arange(200) - 100) / 4.0) ** 2)).astype(float)
    >>> sigma_column_problem(y, np.sqrt(y)) is None
    True
    >>> sigma_column_problem(y, 1 / y)[:36]
    'it falls as the intensity rises (ran'
    >>> sigma_column_problem(y, 0.98 * y)[:34]
    'at the strongest points it is 98 %'
    """
    y = np.asarray(y, dtype=float).ravel()
    s = np.asarray(sigma, dtype=float).ravel()
    ok = np.isfinite(y) & np.isfinite(s)
    y, s = y[ok], s[ok]
    if y.size < 10:
        return None
    if np.any(s < 0):
        return f"it holds {int(np.sum(s < 0))} negative value(s) (a difference curve?)"
    scatter = white_noise_sigma(y, order=2)
    pos = (y > 0) & (s > 0)
    if pos.sum() >= 10 and np.ptp(s[pos]) > 0:
        from scipy.stats import spearmanr

        rho = float(spearmanr(y[pos], s[pos]).statistic)
        if rho < -0.5:
            return (f"it falls as the intensity rises (rank correlation {rho:.2f}), which no "
                    "uncertainty does: weights 1/σ²?")
    top = np.argsort(y)[-max(5, y.size // 100):]
    top = top[y[top] > 0]
    ratio = float(np.median(s[top] / y[top])) if top.size >= 5 else 0.0
    # noise-free (simulated) or mostly-equal integer counts leave no scatter to judge by
    times = float(np.median(s)) / scatter if scatter > 0 else 0.0
    if ratio >= 0.5 and times > 3:
        return (f"at the strongest points it is {100 * ratio:.0f} % of the intensity and "
                f"{times:.0f}× the point-to-point scatter: a fitted or background curve, not σ?")
    if times > SIGMA_COLUMN_MAX_SCATTER:
        return (f"it is {times:.0f}× the point-to-point scatter of the intensities (a "
                "background or a second intensity, not σ?)")
    return None


def local_noise_sigma(y: ArrayLike, sigma_global: float, window: int = 41, order: int = 1) -> np.ndarray:
    """σ of each point of a sampled curve: running median of |Δy|/√2 over ``window`` points
    (|Δ²y|/√6 with ``order=2``, which a line's steep flank inflates less).

    Shot noise is larger on a band than on its baseline, so one global σ misjudges both.
    The median of |N(0, σ)| is 0.6745 σ. The result is floored at half ``sigma_global`` (a
    flat stretch must not get an infinite weight) and at 10⁻¹² of the largest |y|.

    Parameters
    ----------
    y : array_like
        A sampled curve.
    sigma_global : float
        Its global white-noise σ (e.g. :func:`white_noise_sigma`).
    window : int, default 41
        Points in the running median (at most a quarter of the curve).
    order : {1, 2}, default 1
        Order of the differences.

    Returns
    -------
    numpy.ndarray
        σ at each point.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).poisson(np.r_[np.full(500, 100), np.full(500, 10000)])
    >>> s = local_noise_sigma(y, 10.0)
    >>> [bool(0.8 < np.median(s[k]) / sd < 1.25) for k, sd in ((slice(100, 400), 10), (slice(600, 900), 100))]
    [True, True]
    """
    from scipy.ndimage import median_filter

    y = np.asarray(y, dtype=float)
    if order == 2:
        d = np.abs(np.diff(y, n=2)) / np.sqrt(6)
        d = np.concatenate([d[:1], d, d[-1:]])
    else:
        d = np.abs(np.diff(y)) / np.sqrt(2)
        d = np.concatenate([d[:1], 0.5 * (d[1:] + d[:-1]), d[-1:]])
    size = min(window, (y.size // 4) | 1)
    local = median_filter(d, size=max(size, 3), mode="nearest") / 0.6745
    floor = max(0.5 * sigma_global, 1e-12 * float(np.max(np.abs(y))))
    return np.maximum(local, floor)


def running_noise_sigma(y: ArrayLike, window: int = 41) -> np.ndarray:
    """σ of each point of a curve whose level spans decades (a SAXS pattern): running
    median absolute deviation of its second differences about their running median.

    For white noise σ the second difference has SD √6 σ. Taking the deviations about the
    running median removes the smooth part of the curvature (a line's own, a steep power
    law), so lines do not inflate the estimate as they do :func:`local_noise_sigma`'s; the
    running MAD is then averaged over ``window`` (the noise level varies slowly). Unlike
    :func:`local_noise_sigma` there is no floor at a global σ: on a curve falling over
    decades that floor would be the high-count end's noise everywhere. The filters reflect
    the curve at its ends (``mode="mirror"``): repeating the end value instead
    (``"nearest"``) fills the last half-window with the end point's own second differences
    (one value) and put σ up to 5× too low there.

    Parameters
    ----------
    y : array_like
        A sampled curve (at least three points).
    window : int, default 41
        Points in the running filters.

    Returns
    -------
    numpy.ndarray
        σ at each point (positive).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(1).normal(0.0, 3.0, 4000)
    >>> s = running_noise_sigma(y)
    >>> bool(0.9 < np.median(s) / 3.0 < 1.1), [bool(0.5 < v / 3.0 < 2.0) for v in (s[0], s[-1])]
    (True, [True, True])
    """
    from scipy.ndimage import median_filter, uniform_filter1d

    y = np.asarray(y, dtype=float)
    d2 = np.zeros_like(y)
    d2[1:-1] = y[2:] - 2 * y[1:-1] + y[:-2]
    d2[0], d2[-1] = d2[1], d2[-2]
    mad = median_filter(np.abs(d2 - median_filter(d2, window, mode="mirror")), window, mode="mirror")
    sig = MAD_TO_SIGMA * mad / np.sqrt(6)
    pos = sig[sig > 0]
    if pos.size:  # average out the estimate's own scatter
        sig = uniform_filter1d(np.maximum(sig, np.median(pos) * 1e-3), window, mode="mirror")
        pos = sig[sig > 0]
    floor = pos.min() if pos.size else (np.std(y) * 1e-3 or 1.0)
    return np.maximum(sig, floor)


def savgol_noise_gain(window: int, polyorder: int, deriv: int = 0, delta: float = 1.0) -> float:
    """How much a Savitzky–Golay filter scales white noise: σ_out = gain · σ_in.

    Each output point is a linear combination Σ cᵢ yᵢ of the window, so for independent
    noise of SD σ its SD is σ·√Σcᵢ² (the norm of the filter's coefficients). Used to judge
    a smoothed curve or derivative against the noise that is left in it.

    Parameters
    ----------
    window : int
        Window length in points (odd).
    polyorder : int
        Order of the fitted polynomial.
    deriv : int, default 0
        Order of the derivative the filter computes.
    delta : float, default 1.0
        Sample spacing (for derivatives in x units).

    Returns
    -------
    float
        The gain √Σcᵢ².

    Examples
    --------
    >>> round(savgol_noise_gain(5, 2), 3)
    0.697
    """
    from scipy.signal import savgol_coeffs

    return float(np.linalg.norm(savgol_coeffs(window, polyorder, deriv=deriv, delta=delta)))
