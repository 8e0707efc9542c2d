"""Figure of one peak fit: data, model, components and residuals (for ``--plot``)."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def plot_fit(x, y, fit, path, *, window=None, title: str = "", xlabel: str = "Wavelength (nm)",
             ylabel: str = "Counts", annotation: str = "") -> Path:
    """Write a two-panel figure (fit on top, residuals below) of a :class:`FitResult` to ``path``.

    ``window`` (lo, hi) is the fitted range shown; by default the whole spectrum.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, y = np.asarray(x), np.asarray(y)
    window = (x[0], x[-1]) if window is None else tuple(window)
    inside = (x >= window[0]) & (x <= window[1])
    xs = np.linspace(window[0], window[1], 2000)
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(6.4, 5.2), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1], "hspace": 0.05})
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
    ax.set_xlim(window)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return path
