"""SAXS figures: one pattern with its fit and indexing, a waterfall against pressure with
indexed peaks, and d-spacing against pressure for compression and decompression (the
reference study's Fig. 3d–e). Every ``plot_*`` draws into ``ax`` (a new Figure when None)
and returns the Figure (the convention of :mod:`dackit.core.figures`)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dackit.core.figures import axes_or_new, save_figure
from dackit.saxs.analysis import SaxsResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _labels(res: SaxsResult):
    if res.indexing is None:
        return [""] * len(res.peaks)
    return list(res.indexing.best.assignment)


def plot_pattern(res: SaxsResult, ax: Axes | None = None) -> Figure:
    """Data, background, background + fitted peaks (log–log), peaks marked with their index."""
    fig, ax = axes_or_new(ax, (6, 4))
    ps = res.peakset
    ax.loglog(ps.q, np.clip(ps.intensity, 1e-12, None), ".", ms=2, color="0.4", label="data")
    ax.loglog(ps.q, np.clip(ps.background, 1e-12, None), "-", color="tab:orange", label="background")
    ax.loglog(ps.q, np.clip(ps.fitted_intensity(), 1e-12, None), "-", color="tab:red", lw=0.8,
              label="fit")
    for p, lab in zip(res.peaks, _labels(res)):
        y = np.interp(p.q_inv_a, ps.q, ps.intensity)
        ax.annotate(lab or f"{p.d_a:.0f} Å", (p.q_inv_a, y), textcoords="offset points",
                    xytext=(0, 6), ha="center", fontsize=7)
    title = f"d₁ = {res.d_first_a:.1f} Å"
    if res.indexing is not None:
        tie = res.indexing.tie
        title += f", {'/'.join(tie) if len(tie) > 1 else res.mesophase} a = {res.lattice_a:.1f} Å"
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("q (Å⁻¹)")
    ax.set_ylabel("intensity")
    ax.legend(fontsize=7)
    return fig


def save_pattern_figure(res: SaxsResult, path: str | Path) -> Path:
    """:func:`plot_pattern` written to ``path`` (format from the suffix)."""
    fig = plot_pattern(res)
    fig.tight_layout()
    return save_figure(fig, path, dpi=120)


def plot_waterfall(results: Sequence[SaxsResult], pressures_gpa: Sequence[float] | np.ndarray,
                   ax: Axes | None = None, *,
                   offset: float = 1.0, log: bool = True) -> Figure:
    """Patterns stacked by pressure (lowest at the bottom), each normalised to its first peak,
    with its indexed peaks marked. ``offset`` is in decades when ``log`` else in units of
    the normalised intensity."""
    fig, ax = axes_or_new(ax, (5, 7))
    order = np.argsort(pressures_gpa, kind="stable")
    for k, i in enumerate(order):
        res, p = results[i], pressures_gpa[i]
        ps = res.peakset
        norm = np.interp(res.first_peak.q_inv_a, ps.q, ps.intensity)
        y = ps.intensity / norm
        y = np.log10(np.clip(y, 1e-6, None)) + k * offset if log else y + k * offset
        line, = ax.plot(ps.q, y, lw=0.8)
        ax.text(ps.q[-1], y[-1], f" {p:.1f} GPa", fontsize=7, va="center", color=line.get_color())
        for pk, lab in zip(res.peaks, _labels(res)):
            yy = np.interp(pk.q_inv_a, ps.q, y)
            ax.plot([pk.q_inv_a] * 2, [yy + 0.05 * offset, yy + 0.25 * offset], color="k", lw=0.6)
            if lab:
                ax.text(pk.q_inv_a, yy + 0.3 * offset, lab, fontsize=5, ha="center")
    ax.set_xlabel("q (Å⁻¹)")
    ax.set_ylabel("log₁₀ I/I(q₁) + offset" if log else "I/I(q₁) + offset")
    ax.set_yticks([])
    return fig


def plot_d_vs_pressure(pressures_gpa: ArrayLike, d_a: ArrayLike, d_err: ArrayLike | None = None,
                       directions: Sequence[str] | None = None, ax: Axes | None = None) -> Figure:
    """First-peak d against pressure; ``directions`` ("compression"/"decompression") per point
    chooses filled black vs open magenta markers, as in the study's Fig. 3e."""
    fig, ax = axes_or_new(ax, (5, 4))
    p = np.asarray(pressures_gpa, float)
    d = np.asarray(d_a, float)
    e = None if d_err is None else np.asarray(d_err, float)
    dirs = np.asarray(["compression"] * p.size if directions is None else directions)
    styles = {"compression": ("s-", "k", "k"), "decompression": ("o--", "m", "none")}
    for name, (fmt, colour, mfc) in styles.items():
        m = dirs == name
        if m.any():
            ax.errorbar(p[m], d[m], yerr=None if e is None else e[m], label=name, ms=5, capsize=2, fmt=fmt,
                        color=colour, mfc=mfc)
    ax.set_xlabel("pressure (GPa)")
    ax.set_ylabel("d (Å)")
    ax.legend(fontsize=8)
    return fig
