"""The figure convention of every ``plot_*`` function, and the one way figures are saved.

Every ``plot_*`` function in dackit takes ``ax=None`` (``axes=None`` where it draws on
several) and returns the :class:`matplotlib.figure.Figure` it drew on: given axes, it draws
into them (so a user can compose panels); without, it makes a new Figure with
:func:`new_figure`. Figures are plain :class:`~matplotlib.figure.Figure` objects, not pyplot
figures: no backend is selected and no global state is touched, so the library works
headless and leaves the backend to the user (or ``MPLBACKEND``). Saving goes through
:func:`save_figure`. :func:`plot_fit` draws one peak fit of the core fitter (``--plot``).

>>> import tempfile, pathlib
>>> fig, ax = new_figure((3, 2))
>>> _ = ax.plot([0, 1], [0, 1])
>>> png = save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "line")
>>> png.name, png.with_suffix(".svg").exists()
('line.png', True)
"""
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from dackit.core.fitting import FitResult

#: formats written when a figure path is given without a suffix (PNG for the report, SVG for papers)
FORMATS = (".png", ".svg")


def new_figure(figsize: tuple[float, float], nrows: int = 1, ncols: int = 1, *,
               layout: Literal["constrained", "compressed", "tight"] | None = None,
               **subplots_kw: Any) -> tuple[Figure, Any]:
    """A new (pyplot-free) Figure of ``figsize`` inches and its axes (``Figure.subplots``);
    ``layout`` as for :class:`~matplotlib.figure.Figure` (e.g. "constrained").

    Parameters
    ----------
    figsize : tuple of float
        Size (width, height) in inches of a new figure.
    nrows : int, default 1
        Rows of subplots.
    ncols : int, default 1
        Columns of subplots.
    layout : {"constrained", "compressed", "tight"} or None, default None
        Matplotlib layout engine of a new figure.
    **subplots_kw : | Passed on to :meth:`matplotlib.figure.Figure.subplots` (``sharex``, ``gridspec_kw``, …).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(nrows, ncols, **subplots_kw)


def figure_of(ax: Axes) -> Figure:
    """The (root) Figure an Axes belongs to, also when it sits in a SubFigure."""
    fig = ax.figure
    return cast("Figure", getattr(fig, "figure", fig))  # SubFigure.figure is the root; a Figure's is itself


def axes_or_new(ax: Axes | None, figsize: tuple[float, float], *,
                layout: Literal["constrained", "compressed", "tight"] | None = None) -> tuple[Figure, Axes]:
    """``(figure, ax)`` for a ``plot_*`` function: the caller's Axes and its Figure, or a new
    Figure of ``figsize`` with one Axes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        The caller's Axes; None makes a new figure.
    figsize : tuple of float
        Size (width, height) in inches of a new figure.
    layout : {"constrained", "compressed", "tight"} or None, default None
        Matplotlib layout engine of a new figure.
    """
    if ax is None:
        return new_figure(figsize, layout=layout)
    return figure_of(ax), ax


def residual_axes(axes: Sequence[Axes] | None, figsize: tuple[float, float], *,
                  layout: Literal["constrained", "compressed", "tight"] | None = None) -> tuple[Figure, Axes, Axes]:
    """``(figure, data_ax, residual_ax)`` for a fit figure: the caller's two Axes, or a new
    Figure with a data panel over a residual panel a third its height, sharing x.

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes or None
        The caller's data and residual Axes; None makes a new figure.
    figsize : tuple of float
        Size (width, height) in inches of a new figure.
    layout : {"constrained", "compressed", "tight"} or None, default None
        Matplotlib layout engine of a new figure.
    """
    if axes is not None:
        ax, axr = axes
        return figure_of(ax), ax, axr
    gridspec_kw: dict[str, Any] = {"height_ratios": [3, 1]}
    if layout is None:
        gridspec_kw["hspace"] = 0.05
    fig, (ax, axr) = new_figure(figsize, 2, 1, layout=layout, sharex=True, gridspec_kw=gridspec_kw)
    return fig, ax, axr


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 200) -> Path:
    """Save ``fig`` to ``path`` (format from the suffix); without a suffix, to ``path.png``
    and ``path.svg``. Returns the PNG (or the single) path.

    A figure that pyplot manages is closed afterwards, so long runs do not accumulate them.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save.
    path : str or Path
        Output path; the suffix chooses the format, none writes PNG and SVG.
    dpi : int, default 200
        Resolution of raster formats.
    """
    import io

    from dackit.core.files import atomic_write_bytes

    path = Path(path)
    targets = [path] if path.suffix else [path.with_suffix(s) for s in FORMATS]
    for target in targets:  # through memory and a rename: a full disk leaves no half PNG
        buf = io.BytesIO()
        fig.savefig(buf, dpi=dpi, bbox_inches="tight", format=target.suffix.lstrip(".") or None)
        atomic_write_bytes(target, buf.getvalue())
    if "matplotlib.pyplot" in sys.modules:  # never import pyplot just to close a figure
        sys.modules["matplotlib.pyplot"].close(fig)  # no-op for a Figure pyplot does not manage
    return targets[0]


def plot_fit(x: ArrayLike, y: ArrayLike, fit: FitResult, *, axes: Sequence[Axes] | None = None,
             window: tuple[float, float] | None = None, title: str = "", xlabel: str = "Wavelength (nm)",
             ylabel: str = "Counts", annotation: str = "") -> Figure:
    """One peak fit (a :class:`~dackit.core.fitting.FitResult`): data, model, components and
    baseline on top, residuals below (``axes``: the two Axes to draw on).

    ``window`` (lo, hi) is the fitted range shown; by default the whole spectrum.

    Parameters
    ----------
    x : array_like
        Abscissa of the data.
    y : array_like
        Data.
    fit : FitResult
        The fit to draw: model, components and baseline.
    axes : sequence of two matplotlib.axes.Axes, optional
        The data and residual Axes to draw on; a new figure when None.
    window : tuple of float, optional
        (lo, hi) fitted range to show; the whole data when None.
    title : str, default ''
        Figure title; none when empty.
    xlabel : str, default 'Wavelength (nm)'
        Label of the x axis.
    ylabel : str, default 'Counts'
        Label of the y axis of the data panel.
    annotation : str, default ''
        Text written in the upper left corner of the data panel.
    """
    x, y = np.asarray(x), np.asarray(y)
    lo, hi = (float(x[0]), float(x[-1])) if window is None else (float(window[0]), float(window[1]))
    inside = (x >= lo) & (x <= hi)
    xs = np.linspace(lo, hi, 2000)
    fig, ax, axr = residual_axes(axes, (6.4, 5.2))
    ax.plot(x[inside], y[inside], ".", ms=3, color="0.25", label="data")
    comps = fit.components(xs)
    base = comps.get("baseline", np.zeros_like(xs))
    for name, comp in comps.items():
        if name != "baseline":
            ax.plot(xs, comp + base, lw=1, alpha=0.8, label=name)
    if "baseline" in comps:
        ax.plot(xs, base, lw=1, ls="--", color="0.5", label="baseline")
    ax.plot(xs, fit.eval(xs), lw=1.6, color="crimson", label="fit")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    if annotation:
        ax.text(0.02, 0.95, annotation, transform=ax.transAxes, va="top", fontsize=9)
    resid = y[inside] - fit.eval(x[inside])
    axr.plot(x[inside], resid, ".", ms=2, color="0.25")
    axr.axhline(0, color="crimson", lw=1)
    axr.set_xlabel(xlabel)
    axr.set_ylabel("resid.")
    ax.set_xlim(lo, hi)
    return fig
