"""Figures of an EoS fit: P–V with the curve and its 1σ band, F–f, (K0, K′) ellipses.

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot state, no GUI
backend needed), sized for a journal column. Every ``plot_*`` draws into ``ax`` (``axes``
for P–V and its residuals) or a new Figure and returns the Figure (the convention of
:mod:`dackit.core.figures`).

>>> import numpy as np, tempfile
>>> from dackit.eos.forms import EOS_FORMS
>>> from dackit.eos.fit import fit_eos
>>> v = np.linspace(100.0, 85.0, 10)
>>> fit = fit_eos(EOS_FORMS["bm3"].pressure(v, 100.0, 150.0, 4.5) + 0.01 * np.sin(v), v,
...               pressure_err=np.full(10, 0.01))
>>> [p.name for p in save_eos_figures(fit, tempfile.mkdtemp(), "demo")]
['demo_pv.png', 'demo_ff.png', 'demo_k0_kp.png']
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dackit.core.figures import axes_or_new, residual_axes, save_figure
from dackit.eos.ff import STRAIN_FOR_FORM, confidence_ellipse, ff_from_fit, ff_line

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from dackit.eos.fit import EosFit

_STRAIN_LABELS = {"eulerian": ("Eulerian strain $f_E$", "Normalised stress $F_E$ (GPa)"),
                  "natural": ("Natural strain $f_N$", "Normalised stress $F_N$ (GPa)"),
                  "vinet": ("Vinet strain $1-\\eta^{1/3}$", "Normalised stress $F_V$ (GPa)")}


def _style(ax: Axes) -> None:
    ax.tick_params(direction="in", top=True, right=True, labelsize=8)
    ax.xaxis.label.set_fontsize(9)
    ax.yaxis.label.set_fontsize(9)


def plot_pv(fit: EosFit, *, axes: Sequence[Axes] | None = None) -> Figure:
    """V against P: data with esd bars, the fitted V(P) and its 1σ band, and ΔP residuals
    (``axes``: the data and residual Axes to draw on)."""
    fig, ax, axr = residual_axes(axes, (3.5, 3.4), layout="constrained")
    p, v = fit.pressure_gpa, fit.volume_a3
    pgrid = np.linspace(min(0.0, p.min()), p.max() * 1.05, 300)
    vfit = fit.volume(pgrid)
    band = fit.volume_band(pgrid)
    ax.fill_between(pgrid, vfit - band, vfit + band, color="C0", alpha=0.3, lw=0, label="1σ band")
    ax.plot(pgrid, vfit, color="C0", lw=1.2, label=f"{fit.form.upper()} fit")
    ax.errorbar(p, v, xerr=fit.pressure_err, yerr=fit.volume_err, fmt="o", ms=3, color="k",
                elinewidth=0.8, capsize=1.5, label="data")
    ax.set_ylabel("Volume (Å$^3$)")
    ax.legend(fontsize=7, frameon=False)
    k0, kp = fit.value("k0"), (fit.value("kp") if "kp" in fit.names else 4.0)
    kp_text = f"{kp:.3g} ± {fit.err('kp'):.2g}" if "kp" in fit.names and "kp" not in fit.fixed \
        else f"{kp:.3g} (fixed)"
    ax.text(0.97, 0.6, f"$K_0$ = {k0:.4g} ± {fit.err('k0'):.2g} GPa\n$K'$ = {kp_text}",
            transform=ax.transAxes, ha="right", va="top", fontsize=7)
    axr.axhline(0.0, color="0.5", lw=0.8)
    axr.errorbar(p, fit.residuals_gpa, yerr=fit.pressure_err, fmt="o", ms=2.5, color="k",
                 elinewidth=0.8)
    axr.set_xlabel("Pressure (GPa)")
    axr.set_ylabel("ΔP (GPa)")
    _style(ax)
    _style(axr)
    return fig


def plot_ff(fit: EosFit, strain: str | None = None, *, ax: Axes | None = None) -> Figure:
    """F–f: the points with Heinz–Jeanloz error bars and the fitted EoS as a line."""
    strain = strain or STRAIN_FOR_FORM.get(fit.form, "eulerian")
    ff = ff_from_fit(fit, strain)
    fig, ax = axes_or_new(ax, (3.5, 2.8), layout="constrained")
    ok = ff.valid
    ax.errorbar(ff.f[ok], ff.F_gpa[ok], xerr=ff.f_err[ok], yerr=ff.F_err[ok], fmt="o", ms=3,
                color="k", elinewidth=0.8, capsize=1.5, label="data")
    top = ff.f[ok].max() if ok.any() else max(float(np.nanmax(ff.f)), 1e-3)
    fgrid = np.linspace(top * 1e-3, top * 1.05, 200)
    ax.plot(fgrid, ff_line(fit, fgrid, strain), color="C0", lw=1.2, label=f"{fit.form.upper()} fit")
    if strain == "vinet":                     # ln F_V is the linear quantity
        from matplotlib.ticker import ScalarFormatter

        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(ScalarFormatter())
    xl, yl = _STRAIN_LABELS[strain]
    ax.set_xlabel(xl)
    ax.set_ylabel(yl)
    if (~ok).any():
        ax.text(0.02, 0.02, f"{int((~ok).sum())} point(s) near P = 0 not shown",
                transform=ax.transAxes, fontsize=6, color="0.4")
    ax.legend(fontsize=7, frameon=False)
    _style(ax)
    return fig


def plot_ellipse(fit: EosFit, params: tuple[str, str] = ("k0", "kp"),
                 levels: Sequence[float] = (0.683, 0.954), *, ax: Axes | None = None) -> Figure:
    """Joint confidence ellipses of two parameters (default K0 and K′)."""
    fig, ax = axes_or_new(ax, (3.2, 2.8), layout="constrained")
    for k, level in enumerate(levels):
        x, y = confidence_ellipse(fit, params, level)
        ax.plot(x, y, color=f"C{k}", lw=1.1, label=f"{100 * level:.1f} %")
    i, j = fit.names.index(params[0]), fit.names.index(params[1])
    ax.plot(fit.values[i], fit.values[j], "k+", ms=8)
    labels = {"v0": "$V_0$ (Å$^3$)", "k0": "$K_0$ (GPa)", "kp": "$K'$", "kpp": "$K''$ (GPa$^{-1}$)"}
    ax.set_xlabel(labels[params[0]])
    ax.set_ylabel(labels[params[1]])
    ax.legend(fontsize=7, frameon=False)
    _style(ax)
    return fig


def save_eos_figures(fit: EosFit, out_dir: str | Path, stem: str) -> list[Path]:
    """Write ``<stem>_pv.png``, ``<stem>_ff.png`` and (if K0 and K′ are free)
    ``<stem>_k0_kp.png`` into ``out_dir``; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figs = [("pv", plot_pv(fit)), ("ff", plot_ff(fit))]
    if {"k0", "kp"} <= set(fit.names) and not {"k0", "kp"} & set(fit.fixed):
        figs.append(("k0_kp", plot_ellipse(fit)))
    return [save_figure(fig, out / f"{stem}_{tag}.png", dpi=300) for tag, fig in figs]
