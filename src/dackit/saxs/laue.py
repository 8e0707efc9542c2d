"""Laue fringes of a thin lamellar stack: side maxima that are no lines of a larger cell.

A stack of N layers of period d scatters with the interference (Laue) function

    L(u) = sin²(πu) / (N² sin²(πu/N)),  u = N·q·d/2π − N·h (h the nearest order),

(Warren, *X-ray Diffraction*, Dover 1990, §3.4; the 1/N² makes the principal maxima 1).
Between two orders h and h + 1 it has N − 2 subsidiary maxima, at the roots of
tan(πu) = N·tan(πu/N) in (j, j + 1), j = 1 … N − 2: u₁ ≈ 1.430 → 1.5 (N = 3), then ≈ j + ½;
the first is 4.7 % of the principal maximum for large N (1/(1.430π)²), 5.1 % for N = 9,
11 % for N = 3 (:func:`subsidiary_maxima` computes them). In q the fringes lie
(u/N)·2π/d from the order, one every 2π/(Nd); the principal maximum is 0.89·2π/(Nd) wide
at half height, a subsidiary one 0.50·2π/(Nd) (computed here, both within 1 % for N ≥ 5).

So the side maxima of a stack of 5-20 layers (lipid multilayers, surfactant and
nanosheet stacks) are weak, narrower than the orders and placed at (h ± u_j/N)·q₁. Fitted
as lines they index as orders of a lamellar cell k times too large (a sasmodels
``lamellar_stack_paracrystal`` of 9 layers, d = 107 Å, read as 533.5 Å). A real supercell
of period k·d has its extra orders at exactly h/k and as broad as its other lines (one
domain size and strain set the width of every line of a lattice, and it does not fall with
the order in q: Williamson-Hall); fringes are about half as broad as the orders, unless the
resolution smears both alike, and then it washes the fringes out too.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq

#: principal maximum of L(u): FWHM in units of 2π/(Nd) for large N (0.886; 0.90 at N = 5)
PRINCIPAL_FWHM = 0.886
#: a fringe may sit this far (in units of the fringe spacing 2π/(Nd)) from the maximum of
#: L(u): half its own FWHM (0.50), the shift the slope of the envelope (form factor,
#: Lorentz factor, a neighbouring order's wing) gives a maximum that narrow
FRINGE_U_TOL = 0.25
#: the stack's N lies between these multiples of 0.886·q₁/FWHM(orders), which is N when the
#: orders have the Laue width alone: resolution or disorder broaden them and lower it, but
#: broadening by more than the fringe spacing leaves no fringe to see, so N stays within
#: 1.5× of it; below, only the width's fit error and a line shape fitted as pseudo-Voigt
#: (a few %, 25 % allowed)
N_RANGE = (0.75, 1.5)
#: a fringe's fitted height (units of S(q) − 1, against the order beside it) may exceed
#: L(u) by this factor: the order's wing it sits on and a smooth background that does not
#: follow the stack's envelope lift it up to 11× in the stacks measured (tests/sasmodels_curves
#: cases 7 and 15, tests/test_saxs_laue_fringes.py), 16 leaves a margin. An empirical bound,
#: not a derived one; what it separates is far apart: a supercell's extra order read as the
#: midpoint fringe (L = 1/N²) stands 30-200× over it
FRINGE_HEIGHT_SLACK = 16.0


@lru_cache(maxsize=64)
def subsidiary_maxima(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions u_j and heights L(u_j) of the subsidiary maxima of an ``n``-layer stack.

    Parameters
    ----------
    n : int
        Number of layers (≥ 3; fewer have no subsidiary maximum).

    Returns
    -------
    (ndarray, ndarray)
        u_j in (j, j + 1), j = 1 … n − 2 (units of the fringe spacing 2π/(n·d) from the
        order), and L(u_j) relative to the principal maximum.

    Examples
    --------
    >>> u, h = subsidiary_maxima(100)
    >>> round(float(u[0]), 3), round(float(h[0]), 4)
    (1.43, 0.0472)
    """
    # maxima of sin²(πu)/sin²(πu/n): zeros of tan(πu)/n − tan(πu/n)
    def f(u):
        return np.sin(np.pi * u) * np.cos(np.pi * u / n) - n * np.cos(np.pi * u) * np.sin(np.pi * u / n)

    u = np.array([brentq(f, j + 1e-9, j + 1 - 1e-9, xtol=1e-12) for j in range(1, n - 1)])
    heights = np.sin(np.pi * u) ** 2 / (n * n * np.sin(np.pi * u / n) ** 2)
    return u, heights


@dataclass(frozen=True)
class LaueFringes:
    """Peaks read as Laue fringes of an ``n_layers`` stack of period ``d_a`` (Å)."""

    n_layers: int
    d_a: float
    #: the lamellar cell that read them as its orders (Å)
    supercell_a: float
    #: the peaks (:class:`~dackit.saxs.peaks.Peak`) read as fringes
    peaks: tuple
    #: their distances from the nearest order in units of the fringe spacing 2π/(N·d)
    u: tuple


def stack_size_from_fringes(offsets, offset_err, n_width: float,
                            heights=None) -> tuple[int, np.ndarray] | None:
    """The one stack size N whose subsidiary maxima sit at every offset, or None.

    Parameters
    ----------
    offsets : array_like
        Distances of the side maxima from their nearest order, in units of q₁ = 2π/d
        (between 0 and ½).
    offset_err : array_like
        Their standard errors (same units).
    n_width : float
        0.886·q₁/FWHM of the orders (:data:`PRINCIPAL_FWHM`): N for orders of the Laue
        width alone; N is sought within :data:`N_RANGE` of it.
    heights : array_like, optional
        Height of each side maximum over that of the order beside it (NaN: not compared);
        each must be under :data:`FRINGE_HEIGHT_SLACK` × L(u) of the fringe it is read as.

    Returns
    -------
    (int, ndarray) or None
        N and the offsets in units of the fringe spacing (u = offset·N), when each lies
        within :data:`FRINGE_U_TOL` (plus 3σ) of a subsidiary maximum of N layers, and no
        stronger than it allows: the N
        with the smallest squared misfit in tolerance units; None when no N in range fits
        them all.

    Examples
    --------
    >>> n, u = stack_size_from_fringes([1.436 / 9, 3.487 / 9], [1e-4, 1e-4], 8.5)
    >>> n
    9
    """
    off = np.asarray(offsets, float)
    err = np.asarray(offset_err, float)
    rel = np.full(off.size, np.nan) if heights is None else np.asarray(heights, float)
    if off.size == 0 or not np.isfinite(n_width) or n_width <= 0:
        return None
    lo = max(3, int(np.floor(N_RANGE[0] * n_width)))
    hi = int(np.ceil(N_RANGE[1] * n_width))
    best = None
    for n in range(lo, hi + 1):
        u_max, h_max = subsidiary_maxima(n)
        u = off * n
        tol = FRINGE_U_TOL + 3 * err * n
        near = np.argmin(np.abs(u[:, None] - u_max[None, :]), axis=1)
        miss = np.abs(u - u_max[near]) / tol
        too_strong = np.isfinite(rel) & (rel > FRINGE_HEIGHT_SLACK * h_max[near])
        if np.all(miss <= 1) and not too_strong.any() and (best is None or np.sum(miss**2) < best[0]):
            best = (float(np.sum(miss**2)), n, u)
    return None if best is None else (best[1], best[2])
