"""Small PNG thumbnails of each measurement's fit, for the rows of the static report.

Each is drawn from :func:`dackit.experiment.measurement.measurement_plot` with matplotlib's Agg
backend (no display, no script in the page), :data:`WIDTH_PX` × :data:`HEIGHT_PX` pixels,
reduced to a 16-colour palette, so a report of a few hundred measurements grows by well
under a megabyte. The data are grey, the fit red, markers (peaks, phase ticks, gap) thin
coloured lines, and the residual a strip along the bottom.
"""
from __future__ import annotations

import io

import numpy as np

from dackit.errors import DackitError

WIDTH_PX, HEIGHT_PX = 160, 90
#: colours of the marker groups (Okabe–Ito), the same order as the app's
_MARKER_COLOURS = ("#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#0072B2", "#D55E00")


def thumbnail_png(plot, *, width_px: int = WIDTH_PX, height_px: int = HEIGHT_PX) -> bytes:
    """A PNG of a :class:`~dackit.experiment.measurement.MeasurementPlot`: data, fit, markers,
    and the residual in a strip below (when there is one). No axes: it sits next to the
    row that holds the numbers.

    Parameters
    ----------
    plot : MeasurementPlot
        What to draw.
    width_px, height_px : int, default 160, 90
        Size of the image in pixels.

    Returns
    -------
    bytes
        The PNG file.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    dpi = 40  # 1 px = 1.8 pt: line widths below are about one pixel
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    has_res = plot.residual is not None and np.size(plot.residual.x) > 0
    main = fig.add_axes((0.0, 0.25 if has_res else 0.0, 1.0, 0.75 if has_res else 1.0))
    x, y = np.asarray(plot.data.x, float), np.asarray(plot.data.y, float)
    ok = np.isfinite(x) & np.isfinite(y) & ((y > 0) if plot.log_y else True)
    x, y = x[ok], y[ok]
    if plot.log_y:
        main.set_yscale("log")
    main.plot(x, y, color="0.55", lw=1.4)
    if plot.fit is not None:
        main.plot(plot.fit.x, plot.fit.y, color="#d62728", lw=2.0)
    groups: dict[str, str] = {}
    for m in plot.markers:
        colour = groups.setdefault(m.group, _MARKER_COLOURS[len(groups) % len(_MARKER_COLOURS)])
        main.axvline(m.x, color=colour, lw=1.2, ymax=0.15 if plot.technique == "xrd" else 1.0)
    if x.size:
        main.set_xlim(float(x.min()), float(x.max()))
    if has_res:
        res = fig.add_axes((0.0, 0.0, 1.0, 0.23), sharex=main)
        res.plot(plot.residual.x, plot.residual.y, color="0.35", lw=1.2)
        res.axhline(0.0, color="#d62728", lw=1.8)
        span = np.nanmax(np.abs(plot.residual.y)) if np.size(plot.residual.y) else 0.0
        # on the data's scale: a good fit leaves a flat line, a bad one a visible wiggle
        scale = max(float(span), 0.05 * float(np.ptp(y)) if y.size else 1.0, 1e-300)
        res.set_ylim(-scale, scale)
        res.set_axis_off()
    main.set_axis_off()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB").quantize(colors=16)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def run_thumbnails(results: dict, patterns=None) -> dict[str, bytes]:
    """A thumbnail of every file of a run that has a fit to draw (spectra refitted, XRD and
    SAXS patterns drawn with their reported ticks and peaks: refitting them would take
    seconds to tens of seconds a file). A file that cannot be drawn is left out.

    Parameters
    ----------
    results : dict
        The content of results.json (its provenance names files and settings).
    patterns : dict, optional
        file → Pattern already integrated by the run (saves integrating images again).

    Returns
    -------
    dict
        file → PNG bytes.
    """
    from dackit.experiment.measurement import PLOTS, locate, measurement_plot

    out: dict[str, bytes] = {}
    failed = {f.get("file") for f in results.get("failures") or []}
    excluded = {e.get("file") for e in results.get("exclusions") or []}
    for entry in (results.get("provenance") or {}).get("files") or []:
        file = entry.get("file")
        if entry.get("technique") not in PLOTS or file in failed or file in excluded or file in out:
            continue
        try:
            found = locate(results, file)
            plot = measurement_plot(found.technique, found.path, found.settings, found.rows, refit=False,
                                    pattern=(patterns or {}).get(file))
            out[file] = thumbnail_png(plot)
        except DackitError:
            continue  # the report still shows the row; a failed fit is in the results already
        except Exception:  # noqa: BLE001 - a thumbnail must never cost the user the report
            continue
    return out


__all__ = ["HEIGHT_PX", "WIDTH_PX", "run_thumbnails", "thumbnail_png"]
