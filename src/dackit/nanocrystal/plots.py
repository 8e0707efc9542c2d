"""Figures of the core–shell model (every ``plot_*`` draws into ``ax``/``axes`` or a new
Figure and returns the Figure: the convention of :mod:`dackit.core.figures`).

* :func:`plot_band_diagram` — band edges of core | shell | outside at two pressures with
  the confined electron and hole levels and their radial densities (like the study's Fig. S14);
* :func:`plot_wavefunctions` — radial functions u(r) = rψ of electron and hole;
* :func:`plot_pl_vs_pressure` — model E(P), its quadratic fit, optional measured points;
* :func:`alpha_design_map` + :func:`plot_design_map` — α vs core diameter and shell thickness.

Example
-------
>>> from dackit.nanocrystal.coreshell import core_shell
>>> fig = plot_band_diagram(core_shell("InP", 2.5, "ZnSe", 1.9), pressures_gpa=(0.0, 5.6))
>>> len(fig.axes)
2
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dackit.core.figures import axes_or_new, figure_of, new_figure, save_figure
from dackit.errors import InputError
from dackit.nanocrystal.coreshell import (STUDY, CoreShell, ModelOptions, core_shell, exciton_state,
                                          pl_vs_pressure)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_band_diagram", "plot_wavefunctions", "plot_pl_vs_pressure", "plot_study_comparison", "DesignMap",
           "alpha_design_map", "plot_design_map", "save_figure"]

_E_COLOR, _H_COLOR = "#1f5fa8", "#b8321a"


def _profile(state, r_out):
    """Mirror-symmetric band-edge profile across the particle: x from −r_out to r_out."""
    a, b = state.core_radius_nm, state.outer_radius_nm
    core, shell = state.core_bands, state.shell_bands
    x = np.linspace(-r_out, r_out, 2001)
    ax = np.abs(x)
    ec = np.full_like(x, np.nan)
    ev = np.full_like(x, np.nan)
    ec[ax <= a], ev[ax <= a] = core.ec_ev, core.ev_ev
    if shell is not None:
        m = (ax > a) & (ax <= b)
        ec[m], ev[m] = shell.ec_ev, shell.ev_ev
    return x, ec, ev


def plot_band_diagram(geometry: CoreShell, pressures_gpa: Sequence[float] = (0.0, 5.6),
                      options: ModelOptions | None = None, density_scale_ev: float = 0.25, *,
                      axes: Sequence[Axes] | None = None) -> Figure:
    """Band edges (solid), confined levels (dashed) and |ψ(r)|² (shaded, scaled) at two pressures.

    The ligand/vacuum barrier outside the particle is off the scale and not drawn.
    """
    if len(pressures_gpa) != 2:
        raise InputError(f"band diagram: give exactly two pressures, got {pressures_gpa}")
    if axes is None:
        fig, axes = new_figure((7.2, 3.6), 1, 2, layout="constrained", sharey=True)
    else:
        fig = figure_of(axes[0])
    r_out = geometry.outer_radius_nm * 1.35
    for ax, p in zip(axes, pressures_gpa):
        s = exciton_state(geometry, p, options)
        x, ec, ev = _profile(s, r_out)
        ax.plot(x, ec, color="k", lw=1.4)
        ax.plot(x, ev, color="k", lw=1.4)
        for level, st, color, sign in ((s.electron_level_ev, s.electron, _E_COLOR, 1),
                                       (s.hole_level_ev, s.hole, _H_COLOR, -1)):
            ax.axhline(level, color=color, ls="--", lw=0.9)
            psi2 = np.empty_like(st.u)                  # |ψ|² = (u/r)², finite at the centre
            psi2[1:] = (st.u[1:] / st.r_nm[1:]) ** 2
            psi2[0] = psi2[1]
            rr = np.concatenate([-st.r_nm[::-1], st.r_nm])
            dens = np.concatenate([psi2[::-1], psi2])
            dens = dens / dens.max() * density_scale_ev
            keep = np.abs(rr) <= r_out
            ax.fill_between(rr[keep], level, level + sign * dens[keep], color=color, alpha=0.3, lw=0)
        ax.axvspan(-s.core_radius_nm, s.core_radius_nm, color="0.92", zorder=-1)
        ax.set_title(f"P = {p:g} GPa: E$_X$ = {s.absorption_ev:.3f} eV", fontsize=10)
        ax.set_xlabel("r (nm)")
        ax.set_xlim(-r_out, r_out)
    axes[0].set_ylabel("energy (eV, natural band-offset scale)")
    shell = geometry.shell if geometry.has_shell else None
    label = geometry.core.name + (f"/{shell.name}" if shell is not None else "")
    fig.suptitle(f"{label}: band edges, confined levels and |ψ|²", fontsize=10)
    return fig


def plot_wavefunctions(geometry: CoreShell, pressure_gpa: float = 0.0, options: ModelOptions | None = None, *,
                       ax: Axes | None = None) -> Figure:
    """Radial functions u(r) = rψ(r) (normalised ∫u² dr = 1) of electron and hole."""
    s = exciton_state(geometry, pressure_gpa, options)
    fig, ax = axes_or_new(ax, (4.2, 3.2), layout="constrained")
    ax.plot(s.electron.r_nm, s.electron.u, color=_E_COLOR,
            label=f"electron ({s.electron_in_shell_fraction:.0%} in shell)")
    ax.plot(s.hole.r_nm, s.hole.u, color=_H_COLOR, label=f"hole ({s.hole_in_shell_fraction:.0%} in shell)")
    ax.axvline(s.core_radius_nm, color="0.5", lw=0.8)
    ax.axvline(s.outer_radius_nm, color="0.5", lw=0.8, ls=":")
    ax.set_xlim(0, s.outer_radius_nm * 1.5)
    ax.set_xlabel("r (nm)")
    ax.set_ylabel(r"u(r) = r$\psi$(r) (nm$^{-1/2}$)")
    ax.set_title(f"P = {pressure_gpa:g} GPa, overlap {s.overlap:.3f}", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_pl_vs_pressure(geometry: CoreShell, pressures_gpa: ArrayLike | None = None,
                        options: ModelOptions | None = None, measured_pressure_gpa: ArrayLike | None = None,
                        measured_energy_ev: ArrayLike | None = None,
                        fit_range_gpa: tuple[float, float] = (0.0, 5.6), *, measured_label: str = "measured",
                        ax: Axes | None = None) -> Figure:
    """Model PL energy vs pressure with its quadratic fit; optional measured points (``measured_label``)."""
    p = np.linspace(0.0, 8.0, 17) if pressures_gpa is None else np.asarray(pressures_gpa, dtype=float)
    series = pl_vs_pressure(geometry, p, options, fit_range_gpa=fit_range_gpa, on_transition="ignore")
    fig, ax = axes_or_new(ax, (4.4, 3.3), layout="constrained")
    ax.plot(p, series.pl_ev, color="k", lw=1.6, label="model")
    pf = np.linspace(*fit_range_gpa, 50)
    fit = series.e0_ev + series.alpha_mev_per_gpa * 1e-3 * pf + series.beta_mev_per_gpa2 * 1e-3 * pf ** 2
    ax.plot(pf, fit, color="C1", ls="--", lw=1.0,
            label=f"fit: α = {series.alpha_mev_per_gpa:.1f} meV/GPa, β = {series.beta_mev_per_gpa2:.2f} meV/GPa²")
    if measured_pressure_gpa is not None and measured_energy_ev is not None:
        ax.plot(measured_pressure_gpa, measured_energy_ev, "o", ms=4, mfc="none", color="C0", label=measured_label)
    ax.set_xlabel("pressure (GPa)")
    ax.set_ylabel("PL energy (eV)")
    ax.legend(fontsize=7, frameon=False)
    return fig


def plot_study_comparison(options: ModelOptions | None = None, *, axes: Sequence[Axes] | None = None) -> Figure:
    """The model beside the reference study and the independent InP sizing curve (two panels).

    Left: first absorption vs volume-equivalent sphere diameter — the model (bare InP sphere),
    the Almeida et al. (2023) sizing curve over its data range, and the study's bare core
    (518 nm) placed at 2.5 nm (sphere reading) and at 1.52 nm (2.5 nm tetrahedron edge), plus
    the model's InP/ZnSe absorption beside the study's 576 nm. Right: model PL(P) for the
    study geometry beside the study's fit E0 + αP + βP² (0–5.6 GPa) and its 619/546 nm ends.
    """
    from dackit.nanocrystal.sizing import (EDGE_RANGE_NM, TETRAHEDRON_VOLUME_PER_EDGE3,
                                           almeida_e1s_from_volume, equivalent_sphere_diameter_nm)

    if axes is None:
        fig, axes = new_figure((8.4, 3.4), 1, 2, layout="constrained")
    else:
        fig = figure_of(axes[0])
    ax1, ax2 = axes
    plain = ModelOptions(size_dispersion=0.0) if options is None else options
    d = np.linspace(0.9, 4.0, 14)
    ax1.plot(d, [exciton_state(core_shell("InP", x, None, 0.0), 0.0, plain).absorption_ev for x in d],
             color="k", lw=1.5, label="model, bare InP sphere")
    edges = np.linspace(*EDGE_RANGE_NM, 30)
    vol = TETRAHEDRON_VOLUME_PER_EDGE3 * edges ** 3
    ax1.plot(equivalent_sphere_diameter_nm(vol), almeida_e1s_from_volume(vol), color="C2", lw=1.5,
             label="Almeida et al. 2023 (sizing curve)")
    e_core = 1239.84 / STUDY["absorption_core_nm"]
    d_eq = 2.5 * (1.0 / (np.sqrt(2.0) * np.pi)) ** (1.0 / 3.0)
    ax1.plot([2.5, d_eq], [e_core, e_core], "s", mfc="none", color="C3",
             label="study core, 518 nm (2.5 nm as sphere / as tetrahedron edge)")
    cs = exciton_state(core_shell("InP", 2.5, "ZnSe", 1.9), 0.0, options)
    ax1.plot([2.5], [cs.absorption_ev], "^", color="k", label="model InP/ZnSe 2.5/1.9 nm")
    ax1.plot([2.5], [1239.84 / STUDY["absorption_nm"]], "^", mfc="none", color="C3", label="study InP/ZnSe, 576 nm")
    ax1.set_xlabel("volume-equivalent core diameter (nm)")
    ax1.set_ylabel("first absorption (eV)")
    ax1.legend(fontsize=6.5, frameon=False)
    p = np.linspace(0.0, 8.0, 17)
    nc = core_shell("InP", STUDY["core_diameter_nm"], "ZnSe", STUDY["shell_thickness_nm"])
    series = pl_vs_pressure(nc, p, options, on_transition="ignore")
    ax2.plot(p, series.pl_ev, color="k", lw=1.5,
             label=f"model PL: α = {series.alpha_mev_per_gpa:.1f} meV/GPa")
    ax2.plot(p, series.absorption_ev, color="0.5", lw=1.0, ls=":", label="model absorption")
    pf = np.linspace(*STUDY["fit_range_gpa"], 30)
    ax2.plot(pf, STUDY["e0_ev"] + 1e-3 * (STUDY["alpha_mev_per_gpa"] * pf + STUDY["beta_mev_per_gpa2"] * pf ** 2),
             color="C3", lw=1.5, label=f"study fit: α = {STUDY['alpha_mev_per_gpa']:g} meV/GPa")
    ax2.plot([0.0, 5.6], [1239.84 / 619.0, 1239.84 / 546.0], "o", mfc="none", color="C3", label="study PL 619 / 546 nm")
    ax2.set_xlabel("pressure (GPa)")
    ax2.set_ylabel("energy (eV)")
    ax2.legend(fontsize=6.5, frameon=False)
    fig.suptitle("InP/ZnSe: model (literature parameters, nothing fitted) vs the study", fontsize=10)
    return fig


@dataclass(frozen=True)
class DesignMap:
    """Pressure coefficient α (meV/GPa) and E0 (eV) on a grid of core diameter × shell thickness."""

    core_diameters_nm: np.ndarray
    shell_thicknesses_nm: np.ndarray
    alpha_mev_per_gpa: np.ndarray = field(repr=False)    #: shape (n_shell, n_core)
    e0_ev: np.ndarray = field(repr=False)
    core: str
    shell: str


def alpha_design_map(core: str = "InP", shell: str = "ZnSe", core_diameters_nm: ArrayLike | None = None,
                     shell_thicknesses_nm: ArrayLike | None = None, options: ModelOptions | None = None,
                     fit_range_gpa: tuple[float, float] = (0.0, 5.6), n_fit: int = 6) -> DesignMap:
    """α and E0 over a (coarse) grid of geometries; cost ≈ n_core × n_shell × n_fit model calls."""
    cd = np.linspace(1.5, 5.0, 8) if core_diameters_nm is None else np.asarray(core_diameters_nm, float)
    st = np.linspace(0.0, 4.0, 9) if shell_thicknesses_nm is None else np.asarray(shell_thicknesses_nm, float)
    alpha = np.empty((len(st), len(cd)))
    e0 = np.empty_like(alpha)
    for i, t in enumerate(st):
        for j, d in enumerate(cd):
            s = pl_vs_pressure(core_shell(core, d, shell, t), [0.0], options, fit_range_gpa=fit_range_gpa,
                               n_fit=n_fit, on_transition="ignore")
            alpha[i, j], e0[i, j] = s.alpha_mev_per_gpa, s.e0_ev
    return DesignMap(cd, st, alpha, e0, str(core), str(shell))


def plot_design_map(design: DesignMap, mark_study: bool = True, *, ax: Axes | None = None) -> Figure:
    """Filled contours of α with E0 contour lines; the study's sample marked."""
    fig, ax = axes_or_new(ax, (4.8, 3.6), layout="constrained")
    x, y = np.meshgrid(design.core_diameters_nm, design.shell_thicknesses_nm)
    cf = ax.contourf(x, y, design.alpha_mev_per_gpa, levels=12, cmap="viridis")
    fig.colorbar(cf, ax=ax, label="α (meV/GPa)")
    cs = ax.contour(x, y, design.e0_ev, levels=6, colors="w", linewidths=0.7)
    ax.clabel(cs, fmt="%.2f eV", fontsize=7)
    if mark_study:
        ax.plot(STUDY["core_diameter_nm"], STUDY["shell_thickness_nm"], "r*", ms=10, label="reference study")
        ax.legend(fontsize=7, loc="upper right")
    ax.set_xlabel(f"{design.core} core diameter (nm)")
    ax.set_ylabel(f"{design.shell} shell thickness (nm)")
    ax.set_title("pressure coefficient of the PL (0–5.6 GPa fit)", fontsize=10)
    return fig
