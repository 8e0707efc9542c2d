"""Bokeh figures of one measurement: what :mod:`dackit.experiment.measurement` and
:mod:`dackit.experiment.measurement_images` say to draw, zoomable, nothing computed here.

* :func:`measurement_figures`: data, fit and extra curves, markers (peaks, phase ticks,
  gap) and the residual below on the same x range;
* :func:`image_figure`: a detector or TEM image with its mask and outlines (rings,
  particles);
* :func:`cake_figure`: the cake (radial × azimuth) with the phase ticks as vertical lines.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

TOOLS = "pan,wheel_zoom,box_zoom,reset,tap,hover"
#: one colour per marker group or curve (Okabe–Ito, readable by colour-blind readers)
PALETTE = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def new_figure(title: str, x: str, y: str, **kw):
    """A stretch-width Bokeh figure with pan, zoom, tap and hover."""
    from bokeh.plotting import figure

    kw.setdefault("height", 300)
    kw.setdefault("sizing_mode", "stretch_width")
    return figure(title=title, x_axis_label=x, y_axis_label=y, tools=TOOLS, **kw)


def _finite(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok]


def _markers(fig, markers, y_lo: float, y_hi: float) -> None:
    """Vertical segments, one colour per group; hovering one shows its label."""
    from bokeh.models import ColumnDataSource

    groups: dict[str, list] = defaultdict(list)
    for m in markers:
        if np.isfinite(m.x):
            groups[m.group or "marker"].append(m)
    for i, (group, ms) in enumerate(groups.items()):
        src = ColumnDataSource({"x": [m.x for m in ms], "y0": [y_lo] * len(ms), "y1": [y_hi] * len(ms),
                                "label": [m.label for m in ms]})
        fig.segment("x", "y0", "x", "y1", source=src, color=PALETTE[(i + 2) % len(PALETTE)], line_width=1.5,
                    line_dash="dashed", legend_label=group)


def measurement_figures(plot) -> list:
    """The figures of a :class:`~dackit.experiment.measurement.MeasurementPlot`: the main one
    (data, fit, extra curves, markers) and, when there is a residual, a residual figure
    sharing its x range.

    Parameters
    ----------
    plot : MeasurementPlot
        What to draw.

    Returns
    -------
    list of bokeh.plotting.figure
    """
    from bokeh.models import HoverTool

    kw = {"y_axis_type": "log"} if plot.log_y else {}
    fig = new_figure(f"{plot.file} · {plot.technique}", plot.x_label, plot.y_label, **kw)
    x, y = _finite(plot.data.x, plot.data.y)
    if plot.log_y:
        x, y = x[y > 0], y[y > 0]
    fig.scatter(x, y, size=3, color="grey", legend_label=plot.data.label)
    for i, curve in enumerate(plot.extra):
        cx, cy = _finite(curve.x, curve.y)
        if plot.log_y:
            cx, cy = cx[cy > 0], cy[cy > 0]
        fig.line(cx, cy, color=PALETTE[(i + 3) % len(PALETTE)], line_width=1, line_alpha=0.7, legend_label=curve.label)
    if plot.fit is not None:
        fx, fy = _finite(plot.fit.x, plot.fit.y)
        if plot.log_y:
            fx, fy = fx[fy > 0], fy[fy > 0]
        fig.line(fx, fy, color="crimson", line_width=2, legend_label=plot.fit.label)
    if y.size:
        lo, hi = float(np.min(y)), float(np.max(y))
        _markers(fig, plot.markers, lo if not plot.log_y else max(lo, 1e-300), hi)
    fig.legend.click_policy = "hide"
    fig.legend.location = "top_right"
    hover = fig.select_one(HoverTool)
    if hover is not None:
        hover.tooltips = [("x", "$x{0.0000}"), ("y", "$y{0.000}"), ("", "@label")]
    figures = [fig]
    if plot.residual is not None:
        res = new_figure("residual", plot.x_label, "data − fit", x_range=fig.x_range, height=170)
        rx, ry = _finite(plot.residual.x, plot.residual.y)
        res.scatter(rx, ry, size=2, color="grey")
        res.line([float(np.min(x)) if x.size else 0.0, float(np.max(x)) if x.size else 1.0], [0, 0], color="crimson")
        figures.append(res)
    return figures


def image_figure(view, title: str = "", hidden=()):
    """A :class:`~dackit.experiment.measurement_images.ImageView`: the image (grey, intensity
    clipped to its 1st–99.5th percentile), the mask in red and each outline as a line.

    Parameters
    ----------
    view : ImageView
        What to draw.
    title : str, optional
        Figure title (default: the file).
    hidden : collection of str, default ()
        Outline groups drawn hidden (shown by a click on their legend entry).

    Returns
    -------
    bokeh.plotting.figure
    """
    from bokeh.models import ColumnDataSource, LinearColorMapper

    image = np.asarray(view.image, float)
    finite = image[np.isfinite(image)]
    lo, hi = (np.percentile(finite, [1, 99.5]) if finite.size else (0.0, 1.0))
    h, w = view.shape
    side = 560  # square pixels: a fixed frame in the image's aspect ratio
    fig = new_figure(title or view.file, "x (px)", "y (px)", sizing_mode="fixed", frame_height=side,
                     frame_width=max(1, int(round(side * w / h))), height=None,
                     x_range=(0, w), y_range=(h, 0))   # row 0 at the top, as on the detector
    # row i of the array spans y = i·step … (i+1)·step, which the inverted range puts downwards
    fig.image(image=[image], x=0, y=0, dw=w, dh=h, color_mapper=LinearColorMapper(palette="Greys256", low=lo, high=hi))
    if view.mask is not None and np.any(view.mask):
        rgba = np.zeros(view.mask.shape, dtype=np.uint32)
        rgba[view.mask] = 0x80_30_30_E0  # ABGR: half-transparent red
        fig.image_rgba(image=[rgba], x=0, y=0, dw=w, dh=h)
    groups: dict[str, list] = defaultdict(list)
    for o in view.outlines:
        groups[o.group].append(o)
    for i, (group, outlines) in enumerate(groups.items()):
        src = ColumnDataSource({"xs": [o.x for o in outlines], "ys": [o.y for o in outlines],
                                "label": [o.label for o in outlines]})
        fig.multi_line("xs", "ys", source=src, color=PALETTE[i % len(PALETTE)], line_width=1.5, legend_label=group,
                       visible=group not in hidden)
    if fig.legend:
        fig.legend.click_policy = "hide"
    return fig


def cake_figure(cake, markers=()):
    """A :class:`~dackit.experiment.measurement_images.CakeView` as an image (radial × azimuth)
    with ``markers`` (phase ticks) as vertical lines.

    Parameters
    ----------
    cake : CakeView
        What to draw.
    markers : sequence of Marker, default ()
        Positions on the radial axis.

    Returns
    -------
    bokeh.plotting.figure
    """
    from bokeh.models import LinearColorMapper

    data = np.asarray(cake.intensity, float)
    finite = data[np.isfinite(data)]
    lo, hi = (np.percentile(finite, [1, 99.5]) if finite.size else (0.0, 1.0))
    r0, r1 = float(cake.radial[0]), float(cake.radial[-1])
    a0, a1 = float(cake.azimuth_deg[0]), float(cake.azimuth_deg[-1])
    x_label = "2θ (°)" if cake.unit == "2th_deg" else "q (Å⁻¹)"
    fig = new_figure(f"cake · {cake.file}", x_label, "azimuth (°)", height=360, x_range=(r0, r1), y_range=(a0, a1))
    fig.image(image=[np.nan_to_num(data, nan=lo)], x=r0, y=a0, dw=r1 - r0, dh=a1 - a0,
              color_mapper=LinearColorMapper(palette="Viridis256", low=lo, high=hi))
    _markers(fig, markers, a0, a1)
    return fig


__all__ = ["cake_figure", "image_figure", "measurement_figures", "new_figure"]
