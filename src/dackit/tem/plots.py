"""TEM figures: overlay of what was counted, and the size histogram with ML fits.

Every ``plot_*`` draws into ``ax`` (a new Figure when None) and returns the Figure (the
convention of :mod:`dackit.core.figures`).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dackit.core.figures import axes_or_new, new_figure, save_figure
from dackit.tem.detect import Detection
from dackit.tem.stats import FORMS, fit_size_distribution, size_statistics


if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def plot_overlay(det: Detection, ax: Axes | None = None) -> Figure:
    """Image in grey with the contours of counted particles (red) and rejected ones (blue)."""
    fig, ax = axes_or_new(ax, (5, 5))
    h, w = det.image.shape
    extent = (0, w * det.pixel_nm, h * det.pixel_nm, 0)
    ax.imshow(det.image, cmap="gray", extent=extent)
    from skimage.segmentation import find_boundaries

    edges = find_boundaries(det.labels, mode="inner")  # per particle, so touching ones show apart
    ax.imshow(np.ma.masked_where(~edges, edges), cmap="autumn", extent=extent, interpolation="nearest")
    rej = det.table.loc[~det.table["accepted"]]
    ax.plot(rej["col"] * det.pixel_nm, rej["row"] * det.pixel_nm, "x", color="tab:blue", ms=4,
            label=f"rejected ({len(rej)})")
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
    ax.set_title(f"{det.n} particles counted")
    if len(rej):
        ax.legend(loc="upper right", fontsize=7)
    return fig


def plot_histogram(diameters_nm: ArrayLike, ax: Axes | None = None, bins: int | str = "auto") -> Figure:
    """Histogram (as density) with the ML Gaussian and log-normal fits and their AIC."""
    fig, ax = axes_or_new(ax, (5, 4))
    d = np.asarray(diameters_nm, float)
    s = size_statistics(d)
    ax.hist(d, bins=bins, density=True, color="0.75", edgecolor="0.4")
    if d.size >= 3 and np.ptp(d) > 0:
        grid = np.linspace(d.min() * 0.8, d.max() * 1.2, 300)
        for form, style in zip(FORMS, ("-", "--")):
            fit = fit_size_distribution(d, form)
            ax.plot(grid, fit.pdf(grid), style, label=f"{form} (AIC {fit.aic:.1f})")
        ax.legend(fontsize=8)
    ax.set_xlabel("diameter (nm)")
    ax.set_ylabel("probability density")
    ax.set_title(f"N = {s.n}, {s.mean_nm:.2f} ± {s.se_nm:.2f} nm (SE), SD {s.sd_nm:.2f} nm", fontsize=9)
    return fig


def save_tem_figure(det: Detection, path: str | Path) -> Path:
    """Overlay and histogram side by side, written to ``path`` (PNG/PDF/SVG by extension)."""
    fig, (a, b) = new_figure((10, 4.5), 1, 2)
    plot_overlay(det, a)
    plot_histogram(det.diameters_nm, b)
    fig.tight_layout()
    return save_figure(fig, path, dpi=120)
