"""Figures of the optical analyses: the study's Fig. 2 and Tauc plots.

Every function takes the result objects of :mod:`dackit.optics`, draws into ``ax`` (a new
Figure when None) and returns the Figure (the convention of :mod:`dackit.core.figures`);
save it with :func:`dackit.core.figures.save_figure` (the CLI uses ``dpi=300``).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from dackit.core.figures import axes_or_new

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: dpi the CLI and the run save these figures with
DPI = 300


def plot_pl_stack(fits: Iterable[Any], *, ax: Axes | None = None, offset: float = 1.1,
                  title: str = "") -> Figure:
    """PL spectra (per nm, baseline removed, each normalised to its fitted maximum) stacked
    upward with pressure; each line drawn in the sRGB colour of its own chromaticity.

    Parameters
    ----------
    fits : iterable of PLFit
        The fits to draw, in the order to stack them.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    offset : float, default 1.1
        Vertical step between spectra, in units of each spectrum's maximum.
    title : str, default ''
        Figure title; none when empty.
    """
    from dackit.optics.colour import chromaticity_xy

    fits = sorted([f for f in fits if f is not None], key=lambda f: (np.nan_to_num(f.pressure_gpa), f.source))
    fig, ax = axes_or_new(ax, (4.2, 1.2 + 0.55 * max(len(fits), 1)))
    for k, f in enumerate(fits):
        emission = f.emission_nm()
        model = f.model_nm()
        top = float(np.max(model)) or 1.0
        try:
            colour = chromaticity_xy(f.wavelength_nm, emission).srgb
        except Exception:  # noqa: BLE001 - a spectrum outside the visible keeps a grey line
            colour = (0.3, 0.3, 0.3)
        ax.plot(f.wavelength_nm, emission / top + k * offset, color=colour, lw=1.2)
        ax.plot(f.wavelength_nm, model / top + k * offset, color="0.2", lw=0.6, ls="--")
        label = f"{f.pressure_gpa:.1f} GPa" if np.isfinite(f.pressure_gpa) else Path(f.source).name
        ax.text(f.wavelength_nm[-1], k * offset + 0.15, label, ha="right", fontsize=7)
    ax.set_xlabel("Wavelength (nm)")
    ax.set_ylabel("Normalised PL intensity (offset)")
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return fig


def plot_energy_vs_pressure(pressure_gpa: ArrayLike, energy_ev: ArrayLike, *, ax: Axes | None = None,
                            e_err: ArrayLike | None = None, fit: Any = None,
                            decompression: ArrayLike | None = None, level: float = 0.95) -> Figure:
    """Peak energy vs pressure with error bars, the E(P) fit and its prediction band;
    decompression points (boolean mask) drawn open.

    Parameters
    ----------
    pressure_gpa : array_like
        Pressures in GPa.
    energy_ev : array_like
        Peak energies in eV.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    e_err : float or array_like, optional
        Standard error(s) of the energies in eV, one value or one per point.
    fit : PressureFit, optional
        The E(P) fit to draw with its prediction band.
    decompression : array_like of bool, optional
        True for decompression points (drawn open).
    level : float, default 0.95
        Confidence level of the prediction band.
    """
    p = np.asarray(pressure_gpa, float)
    e = np.asarray(energy_ev, float)
    err = None if e_err is None else np.asarray(e_err, float)
    dec = np.zeros(p.size, bool) if decompression is None else np.asarray(decompression, bool)
    fig, ax = axes_or_new(ax, (4.2, 3.4))
    for mask, mfc, label in ((~dec, "k", "compression"), (dec, "w", "decompression")):
        if mask.any():
            ax.errorbar(p[mask], e[mask], yerr=None if err is None else err[mask], fmt="o", color="k",
                        ms=4, capsize=2, label=label, mfc=mfc)
    if fit is not None:
        grid = np.linspace(min(0.0, p.min()), p.max() * 1.05, 200)
        ec, lo, hi = fit.predict(grid, level=level)
        ax.fill_between(grid, lo, hi, color="tab:blue", alpha=0.2, lw=0,
                        label=f"{int(level * 100)} % prediction band")
        text = f"E0 = {fit.e0_ev:.4f} ± {fit.e0_ev_err:.4f} eV\nα = {fit.alpha_mev_per_gpa:.1f} ± {fit.alpha_mev_per_gpa_err:.1f} meV/GPa"
        if fit.order >= 2:
            text += f"\nβ = {fit.beta_mev_per_gpa2:.2f} ± {fit.beta_mev_per_gpa2_err:.2f} meV/GPa²"
        ax.plot(grid, ec, color="tab:blue", lw=1.4, label="fit")
        ax.text(0.03, 0.97, text, transform=ax.transAxes, va="top", fontsize=7)
    ax.set_xlabel("Pressure (GPa)")
    ax.set_ylabel("PL peak energy (eV)")
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    return fig


def plot_cie(x: ArrayLike, y: ArrayLike, *, ax: Axes | None = None, pressure_gpa: ArrayLike | None = None,
             observer: str = "CIE 1931 2 Degree Standard Observer") -> Figure:
    """CIE 1931 chromaticity diagram: spectral locus from colour's CMFs (with wavelength
    ticks), purple line, equal-energy white, and the trajectory of the emission with pressure.

    Parameters
    ----------
    x : array_like
        CIE x chromaticity of each point.
    y : array_like
        CIE y chromaticity of each point.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    pressure_gpa : array_like, optional
        Pressure of each point, used to colour and label the trajectory.
    observer : str
        CIE standard observer, a name known to colour-science (default the CIE 1931 2°
        observer).
    """
    from dackit.optics.colour import spectral_locus_xy

    wl, lx, ly = spectral_locus_xy(observer)
    keep = (wl >= 380) & (wl <= 700)
    wl, lx, ly = wl[keep], lx[keep], ly[keep]
    fig, ax = axes_or_new(ax, (4.0, 4.2))
    ax.plot(np.append(lx, lx[0]), np.append(ly, ly[0]), color="k", lw=1)
    for w in (460, 480, 490, 500, 510, 520, 540, 560, 580, 600, 620, 650):
        i = int(np.argmin(np.abs(wl - w)))
        ax.annotate(f"{w}", (lx[i], ly[i]), fontsize=6, xytext=(3, 2), textcoords="offset points")
    ax.plot([1 / 3], [1 / 3], "+", color="0.4")
    x, y = np.atleast_1d(x), np.atleast_1d(y)
    ax.plot(x, y, "-", color="0.3", lw=0.8)
    sc = ax.scatter(x, y, c=np.arange(x.size) if pressure_gpa is None else np.asarray(pressure_gpa, float),
                    cmap="viridis", s=18, zorder=3)
    fig.colorbar(sc, ax=ax, shrink=0.7, label="Pressure (GPa)" if pressure_gpa is not None else "index")
    ax.set_xlim(0, 0.8)
    ax.set_ylim(0, 0.9)
    ax.set_aspect("equal")
    ax.set_xlabel("CIE x")
    ax.set_ylabel("CIE y")
    return fig


def plot_tauc(res: Any, *, ax: Axes | None = None, title: str = "") -> Figure:
    """Tauc plot: corrected curve, the chosen window highlighted, the line extrapolated to the
    gap, the raw (uncorrected) curve faint.

    Parameters
    ----------
    res : TaucFit
        The result of :func:`~dackit.optics.tauc_gap`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title : str, default ''
        Figure title; none when empty.
    """
    e, t = res.energy_ev, res.tauc
    lo, hi = res.window_ev
    fig, ax = axes_or_new(ax, (4.2, 3.4))
    ax.plot(e, res.tauc_raw, color="0.75", lw=0.8, label="raw")
    ax.plot(e, t, color="k", lw=1.0, label="background removed")
    win = (e >= lo) & (e <= hi)
    ax.plot(e[win], t[win], color="tab:orange", lw=2.5, label="window")
    grid = np.linspace(res.gap_ev, hi + 0.3 * (hi - res.gap_ev), 50)
    ax.plot(grid, res.line(grid), color="tab:red", lw=1, ls="--", label="extrapolation")
    ax.axvline(res.gap_ev, color="tab:red", lw=0.6)
    top = float(np.max(t[e <= hi + 0.5 * (hi - lo)])) if np.any(e <= hi) else float(np.max(t))
    ax.set_ylim(-0.05 * top, 1.3 * top)
    xmin = max(e[0], res.gap_ev - 4 * (hi - res.gap_ev) - 0.1)
    ax.set_xlim(xmin, min(e[-1], hi + 4 * (hi - lo) + 0.2))
    ylabel = "(αhν)²" if res.transition == "direct" else "(αhν)^½"
    ax.set_ylabel(f"{ylabel} (arb. units)")
    ax.set_xlabel("Photon energy (eV)")
    ax.text(0.03, 0.97, f"E_g = {res.gap_ev:.4f} ± {res.gap_ev_err:.4f} eV", transform=ax.transAxes,
            va="top", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="center left")
    if title:
        ax.set_title(title, fontsize=9)
    return fig
