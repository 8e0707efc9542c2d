"""XRD figures: per-pattern lattice/phase fits, a pressure waterfall with tick marks, a(P).

Every function draws into ``ax`` (``axes``: data and residual panels) or a new Figure and
returns the Figure (the convention of :mod:`dackit.core.figures`; no backend is selected);
save it with :func:`dackit.core.figures.save_figure` (the CLI and the run use ``dpi=150``).

Example
-------
>>> import numpy as np
>>> from dackit.xrd.phases import zincblende
>>> from dackit.xrd.structure_factor import simulate_pattern
>>> pats = [simulate_pattern(np.linspace(6, 30, 1201), [zincblende(a=a)], 0.6199,
...                          crystallite_size_nm=6, seed=1) for a in (5.87, 5.75)]
>>> fig = plot_waterfall(pats, [0.5, 8.0], phases=[zincblende()])
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from dackit.core.figures import axes_or_new, residual_axes
from dackit.xrd.structure_factor import reflections

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from dackit.core.pattern import Pattern
    from dackit.xrd.lattice import LatticeFit
    from dackit.xrd.phases import Phase
    from dackit.xrd.transitions import PhaseIdentification

#: dpi the CLI and the run save these figures with
DPI = 150

_TICK_COLOURS = ("tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange", "tab:brown")


def _ticks(ax, phase, wavelength_a, x_lo, x_hi, y_lo, y_hi, colour, label_strongest=6):
    table = reflections(phase, wavelength_a, min(179.0, x_hi + 1))
    table = table[(table.twotheta_deg >= x_lo) & (table.twotheta_deg <= x_hi)]
    ax.vlines(table.twotheta_deg, y_lo, y_hi, color=colour, lw=1.0, label=phase.name)
    for row in table.nlargest(label_strongest, "intensity").itertuples():
        ax.text(row.twotheta_deg, y_lo, row.hkl.split("/")[0], rotation=90, fontsize=6, color=colour,
                ha="center", va="top")


def plot_lattice_fit(fit: LatticeFit, *, axes: Sequence[Axes] | None = None, title: str = "") -> Figure:
    """Data, fitted model and background, the phase's tick marks, and residuals of a
    :class:`~dackit.xrd.lattice.LatticeFit`.

    Parameters
    ----------
    fit : LatticeFit
        The result of :func:`~dackit.xrd.fit_lattice`.
    axes : sequence of two matplotlib.axes.Axes, optional
        The data and residual Axes to draw on; a new figure when None.
    title : str, default ''
        Figure title; none when empty.
    """
    fig, ax, axr = residual_axes(axes, (7, 5))
    ax.plot(fit.x, fit.y, ".", ms=2, color="0.3", label="data")
    ax.plot(fit.x, fit.model, lw=1.2, color="crimson", label="peak fits")
    ax.plot(fit.x, fit.background, lw=0.8, ls="--", color="0.5", label="background")
    span = np.ptp(fit.y)
    y0 = float(np.min(fit.y)) - 0.08 * span
    _ticks(ax, fit.phase, fit.wavelength_a, fit.x.min(), fit.x.max(), y0 - 0.06 * span, y0, "tab:blue")
    ax.set_ylim(y0 - 0.2 * span, None)
    txt = f"a = {fit.a:.5f} ± {fit.a_err:.5f} Å\nV = {fit.volume_a3:.3f} ± {fit.volume_a3_err:.3f} Å³"
    if np.isfinite(fit.scherrer_size_nm):
        txt += f"\nScherrer {fit.scherrer_size_nm:.1f} nm"
    ax.text(0.98, 0.95, txt, transform=ax.transAxes, ha="right", va="top", fontsize=8)
    ax.set_ylabel("Intensity")
    ax.legend(fontsize=7, frameon=False, loc="upper center")
    ax.set_title(title or Path(fit.source).name or fit.phase.name, fontsize=9)
    axr.plot(fit.x, fit.y - fit.model, lw=0.6, color="0.3")
    axr.axhline(0, color="crimson", lw=0.6)
    axr.set_xlabel("2θ (°)")
    axr.set_ylabel("resid.")
    return fig


def plot_phase_fit(result: PhaseIdentification, *, axes: Sequence[Axes] | None = None,
                   title: str = "") -> Figure:
    """Whole-pattern fit of :func:`~dackit.xrd.transitions.identify_phases`: data, total
    model, each present phase's contribution, tick marks and residuals.

    Parameters
    ----------
    result : PhaseIdentification
        The result of :func:`~dackit.xrd.identify_phases`.
    axes : sequence of two matplotlib.axes.Axes, optional
        The data and residual Axes to draw on; a new figure when None.
    title : str, default ''
        Figure title; none when empty.
    """
    fig, ax, axr = residual_axes(axes, (7, 5))
    ax.plot(result.x, result.y, ".", ms=2, color="0.3", label="data")
    ax.plot(result.x, result.model, lw=1.2, color="k", label="model")
    span = np.ptp(result.y)
    y0 = float(np.min(result.y)) - 0.05 * span
    k = 0
    for pr in result.phases:
        if not pr.present:
            continue
        colour = _TICK_COLOURS[k % len(_TICK_COLOURS)]
        ax.plot(result.x, result.background + result.components[pr.name], lw=0.9, color=colour, alpha=0.8)
        _ticks(ax, pr.phase, result.wavelength_a, result.x.min(), result.x.max(), y0 - (k + 1) * 0.06 * span,
               y0 - k * 0.06 * span, colour, label_strongest=0)
        k += 1
    ax.set_ylim(y0 - (k + 1.5) * 0.06 * span, None)
    lines = [f"{p.name}: {'present' if p.present else 'absent'}"
             + (f", w = {p.fraction:.2f}, a = {p.a_a:.4f} Å" if p.present else "") for p in result.phases]
    ax.text(0.98, 0.95, "\n".join(lines), transform=ax.transAxes, ha="right", va="top", fontsize=7)
    ax.legend(fontsize=7, frameon=False, loc="upper center")
    ax.set_ylabel("Intensity")
    ax.set_title(title or Path(result.source).name, fontsize=9)
    axr.plot(result.x, result.y - result.model, lw=0.6, color="0.3")
    axr.axhline(0, color="k", lw=0.6)
    axr.set_xlabel("2θ (°)")
    axr.set_ylabel("resid.")
    return fig


def plot_waterfall(patterns: Sequence[Pattern], pressures: ArrayLike, *, ax: Axes | None = None,
                   phases: Sequence[Phase] = (), offset: float | None = None, normalise: bool = True,
                   wavelength_a: float | None = None, cmap: str = "viridis", title: str = "") -> Figure:
    """Patterns stacked by pressure, coloured by pressure (colour bar), with the reflections
    of ``phases`` as tick marks below (the layout of the reference study's Fig. 3a).

    ``offset``: vertical step between traces (default 0.8 of the normalised height).

    Parameters
    ----------
    patterns : sequence of Pattern
        The patterns, one per step.
    pressures : array_like
        Pressure of each pattern in GPa.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    phases : sequence of Phase, default ()
        Phases whose reflections are drawn as tick marks below the traces.
    offset : float, optional
        Vertical step between traces; 0.8 of the normalised height when None.
    normalise : bool, default True
        Scale each pattern to its maximum.
    wavelength_a : float, optional
        Wavelength for the tick marks; the patterns' own when None.
    cmap : str, default 'viridis'
        Matplotlib colour map of the pressure colours.
    title : str, default ''
        Figure title; none when empty.
    """
    from matplotlib import cm, colormaps, colors

    pressures = np.asarray(pressures, dtype=float)
    order = np.argsort(pressures, kind="stable")
    norm = colors.Normalize(vmin=float(pressures.min()), vmax=float(pressures.max()) or 1.0)
    cmap_ = colormaps[cmap]
    fig, ax = axes_or_new(ax, (5, 1.8 + 0.45 * len(patterns)))
    step = 0.8 if offset is None else offset
    x_lo, x_hi = np.inf, -np.inf
    for rank, i in enumerate(order):
        pat = patterns[i]
        x = np.asarray(pat.twotheta_deg)
        y = np.asarray(pat.intensity, dtype=float)
        if normalise:
            y = (y - np.percentile(y, 1)) / (np.ptp(y) or 1.0)
        colour = cmap_(norm(pressures[i]))
        ax.plot(x, y + rank * step, lw=0.8, color=colour)
        ax.text(x.max(), rank * step + 0.15 * step, f"{pressures[i]:.1f} GPa", fontsize=6, ha="right", color=colour)
        x_lo, x_hi = min(x_lo, x.min()), max(x_hi, x.max())
    wl = wavelength_a or next((p.wavelength_a for p in patterns if p.wavelength_a), None)
    if wl:
        for k, ph in enumerate(phases):
            colour = _TICK_COLOURS[k % len(_TICK_COLOURS)]
            _ticks(ax, ph, wl, x_lo, x_hi, -0.25 * (k + 1) - 0.05, -0.25 * k - 0.1, colour, label_strongest=5)
        if phases:
            ax.legend(fontsize=7, frameon=False, loc="upper left")
    ax.set_ylim(-0.3 * (len(phases) + 1) - 0.2, (len(patterns) - 1) * step + 1.3)
    ax.set_xlabel("2θ (°)")
    ax.set_ylabel("Intensity (normalised, offset)")
    ax.set_yticks([])
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap_), ax=ax, label="Pressure (GPa)", pad=0.02)
    if title:
        ax.set_title(title, fontsize=9)
    return fig


def plot_lattice_vs_pressure(series: Mapping[str, Sequence[Any]], *, ax: Axes | None = None,
                             ylabel: str = "a (Å)", title: str = "") -> Figure:
    """a(P) with error bars. ``series``: phase name → (pressure, a, a_err[, pressure_err]).

    Parameters
    ----------
    series : mapping
        Phase name → (pressure, a, a_err[, pressure_err]) sequences.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    ylabel : str, default 'a (Å)'
        Label of the y axis.
    title : str, default ''
        Figure title; none when empty.
    """
    fig, ax = axes_or_new(ax, (4.2, 3.2))
    markers = "osD^v<>"
    for k, (name, data) in enumerate(series.items()):
        p, a, a_err = (np.asarray(v, dtype=float) for v in data[:3])
        p_err = np.asarray(data[3], dtype=float) if len(data) > 3 and data[3] is not None else None
        ax.errorbar(p, a, yerr=a_err, xerr=p_err, fmt=markers[k % len(markers)], ms=4, capsize=2,
                    color=_TICK_COLOURS[k % len(_TICK_COLOURS)], label=name)
    ax.set_xlabel("Pressure (GPa)")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, frameon=False)
    if title:
        ax.set_title(title, fontsize=9)
    return fig
