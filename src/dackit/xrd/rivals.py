"""A second cell of the same phase that indexes the pattern: two phases of one structure type.

The coarse search of :func:`~dackit.xrd.lattice.fit_lattice` takes the cell scale whose
calculated pattern matches the data best, over −12 %…+5 % of the nominal cell so that
compressed cells are found. When the pattern holds two phases of the same structure type —
NaCl and KCl (rock salt, a = 5.64 and 6.29 Å) in a salt mixture — the stronger one wins even
when the user named the other: the PANalytical NaCl + KCl scan of mliszcz/uj-2pf fitted as
KCl (a = 6.29 Å nominal) gave a = 5.6398 Å, the NaCl cell, with quality ok, the KCl lines
standing beside it unexplained.

:func:`with_rival_check` looks for a local maximum of the coarse score nearer the nominal
cell than the chosen one and fits the phase there. When that cell indexes lines of its own
(:func:`credible`) the pattern does not say which cell is meant: the chosen fit is kept,
marked doubtful and naming the other. (The KCl cell itself is doubtful there: the NaCl
lines are the strongest of the pattern.)
"""
from __future__ import annotations

import dataclasses

import numpy as np

from dackit.errors import FitError

#: Least score of a rival local maximum, relative to the best, worth a fit: a KCl pattern 17 %
#: the height of its NaCl neighbour scored 0.043 of it.
MIN_RIVAL_SCORE = 0.01
#: A rival cell differs from the chosen one by more than this (relative): closer maxima are
#: the same lines' shoulders.
MIN_RIVAL_SEPARATION = 0.02
#: Half-width (relative) of the search window put around a rival maximum for its fit.
RIVAL_WINDOW = 0.01
#: Rival maxima fitted at most (strongest first).
MAX_RIVALS = 2


def _scale_of(fit, phase) -> float:
    """Cell scale of a fit relative to the nominal cell (cube root of the volume ratio)."""
    return float((fit.volume_a3 / phase.volume_a3) ** (1 / 3))


def rival_scales(pattern, phase, fit, twotheta_range, kw) -> list[float]:
    """Scales (relative to the nominal cell) of the coarse-score maxima nearer the nominal
    cell than ``fit``'s by more than :data:`MIN_RIVAL_SEPARATION`, with a score of at least
    :data:`MIN_RIVAL_SCORE` of the best, strongest first.

    Parameters
    ----------
    pattern : Pattern
        The pattern fitted.
    phase : Phase
        The phase at its nominal cell.
    fit : LatticeFit
        The fit the search chose.
    twotheta_range : tuple of float or None
        The 2θ range fitted.
    kw : dict
        The keyword arguments of the fit (``a_search``, ``polarization``, ``radiation``).
    """
    from scipy.signal import argrelmax

    from dackit.xrd.lattice import coarse_scores, pattern_arrays, prepare

    chosen = _scale_of(fit, phase)
    if abs(chosen - 1) <= MIN_RIVAL_SEPARATION:
        return []
    x, y, sig, _ = pattern_arrays(pattern, twotheta_range)
    _, net, fwhm, _ = prepare(x, y, sig)
    try:
        grid, scores, *_ = coarse_scores(x, net, phase, fit.wavelength_a, fwhm, a_search=kw["a_search"],
                                         weights=None if sig is None else 1 / sig**2,
                                         polarization=kw["polarization"], radiation=kw["radiation"])
    except FitError:
        return []
    best = float(scores.max())
    peaks = argrelmax(scores, order=3)[0]
    keep = [j for j in peaks if scores[j] >= MIN_RIVAL_SCORE * best
            and abs(grid[j] - 1) < abs(chosen - 1) - MIN_RIVAL_SEPARATION]
    keep.sort(key=lambda j: -scores[j])
    return [float(grid[j]) for j in keep[:MAX_RIVALS]]


def with_rival_check(pattern, phase, fit, twotheta_range, kalpha2: bool, kw: dict):
    """``fit``, or the fit at a rival cell nearer the nominal one, doubtful when both index
    the pattern with quality ok (see the module docstring).

    Parameters
    ----------
    pattern : Pattern
        The pattern fitted.
    phase : Phase
        The phase at its nominal cell.
    fit : LatticeFit
        The fit the coarse search chose.
    twotheta_range : tuple of float or None
        The 2θ range fitted.
    kalpha2 : bool
        Whether Kα2 lines are looked for (as :func:`~dackit.xrd.lattice.fit_lattice`).
    kw : dict
        The keyword arguments of the fit.
    """
    from dackit.xrd.lattice import _fit_lattice_core

    if not fit.verdict.ok:
        return fit
    chosen = _scale_of(fit, phase)
    for s in rival_scales(pattern, phase, fit, twotheta_range, kw):
        try:
            rival = _fit_lattice_core(pattern, phase, twotheta_range, kalpha2,
                                      {**kw, "a_search": (s - 1 - RIVAL_WINDOW, s - 1 + RIVAL_WINDOW)})
        except FitError:
            continue
        found = _scale_of(rival, phase)
        if abs(found / chosen - 1) <= MIN_RIVAL_SEPARATION or not credible(rival):
            continue
        doubt = (f"a second cell of this phase, nearer the nominal one, indexes lines of its own: a = "
                 f"{rival.phase.a:.5f} Å ({found - 1:+.1%} of the nominal cell, {len(rival.peaks)} lines fitted) besides "
                 f"the reported a = {fit.phase.a:.5f} Å ({chosen - 1:+.1%}, the stronger lines): the sample holds "
                 "two phases of this structure type (NaCl and KCl, a compressed and a relaxed part), and which "
                 "one is meant the pattern does not say; give a --range holding only the lines of the one meant")
        return dataclasses.replace(fit, verdict=fit.verdict.plus(doubts=[doubt]))
    return fit


#: Least lines a rival cell must index on their calculated positions to count (cubic: four
#: lines of one cell are no coincidence).
MIN_RIVAL_LINES = 4


def credible(rival) -> bool:
    """A rival fit that indexes lines of its own: at least :data:`MIN_RIVAL_LINES` (and the
    cell parameters + 3) of its fitted lines within MAX_RESIDUAL_FWHM of their calculated
    positions, and those at least half of its lines. Its other checks are not asked: the
    lines of the stronger phase beside it fail "the strongest peaks are this phase's" (the
    KCl cell of the NaCl + KCl scan: 10 lines, 4 of 6 on the XRDML export of the same scan).

    Parameters
    ----------
    rival : LatticeFit
        The fit at the rival cell.
    """
    from dackit.xrd.lattice import MAX_RESIDUAL_FWHM

    if rival.peaks.empty:
        return False
    off = np.abs(rival.peaks["residual_deg"].to_numpy()) / rival.peaks["fwhm_deg"].to_numpy()
    on = int(np.sum(off <= MAX_RESIDUAL_FWHM))
    return on >= max(MIN_RIVAL_LINES, len(rival.param_names) + 3) and on >= 0.5 * off.size
