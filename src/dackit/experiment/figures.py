"""Figures of a run (PNG + SVG): the study's Figs. 2-3 and S-figure equivalents.

Each figure is drawn by the technique's own plotting function; this module only gathers
the data from the results and names the files. A figure that cannot be drawn is skipped
with a note in the results' inconsistencies, never fatal.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dackit.core.figures import axes_or_new, save_figure
from dackit.experiment.series import fit_phase_eos, fit_pl_branch

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

from dackit.experiment.store import safe_name


def plot_steps(steps: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Pressure of every step, compression filled and decompression open."""
    fig, ax = axes_or_new(ax, (4.2, 3.0))
    for direction, mfc in (("compression", "crimson"), ("decompression", "white")):
        part = steps[steps["direction"] == direction]
        if len(part):
            ax.errorbar(part["step"], part["pressure_gpa"], yerr=part["pressure_gpa_err"], fmt="o",
                        color="crimson", ms=5, label=direction, mfc=mfc)
    ax.set_xlabel("Step")
    ax.set_ylabel("Pressure (GPa)")
    ax.legend(frameon=False, fontsize=8)
    return fig


def plot_gap_vs_pressure(rows: list[dict[str, Any]], *, ax: Axes | None = None) -> Figure:
    """Tauc gap vs pressure, compression filled and decompression open."""
    df = pd.DataFrame(rows)
    fig, ax = axes_or_new(ax, (4.2, 3.2))
    for direction, mfc in (("compression", "navy"), ("decompression", "white")):
        part = df[df["direction"] == direction]
        if len(part):
            ax.errorbar(part["pressure_gpa"], part["gap_ev"], yerr=part["gap_ev_err"], fmt="s", color="navy",
                        mfc=mfc, ms=5, label=direction)
    ax.set_xlabel("Pressure (GPa)")
    ax.set_ylabel("Tauc gap (eV)")
    ax.legend(frameon=False, fontsize=8)
    return fig


def _pl_figures(results, exp, sheet, by_row, folder: Path) -> list:
    from dackit.io import read_spectrum
    from dackit.optics.plots import DPI, plot_cie, plot_energy_vs_pressure, plot_pl_stack
    from dackit.optics.pl import fit_pl

    rows = results["pl"]
    df = pd.DataFrame(rows)
    figs = []
    pressure = dict(zip(df["file"], df["pressure_gpa"]))
    fits = []
    for r in sheet[sheet["technique"] == "pl"].itertuples():
        if by_row[r.row]["ok"]:
            f = fit_pl(read_spectrum(r.path), n_peaks=exp.pl.n_peaks)
            fits.append(type(f)(**{**f.__dict__, "pressure_gpa": pressure.get(r.file, np.nan)}))
    comp = [f for f, d in zip(fits, df["direction"]) if d == "compression"]
    figs.append(("PL spectra under compression, each in its emission colour",
                 save_figure(plot_pl_stack(comp or fits, title="PL under pressure"), folder / "pl_stack",
                             dpi=DPI)))
    fit = None
    if "pl_fit" in results:
        c = df[df["direction"] == "compression"]
        rng = results["pl_fit"]["pressure_range_gpa"]
        c = c[(c["pressure_gpa"] >= rng[0]) & (c["pressure_gpa"] <= rng[1])]
        fit = fit_pl_branch(c, results["pl_fit"]["order"])  # the fit results.json reports
    figs.append(("PL peak energy vs pressure with the E(P) fit and its 95 % prediction band",
                 save_figure(plot_energy_vs_pressure(df["pressure_gpa"], df["peak_ev"], e_err=df["peak_ev_err"],
                                                     fit=fit,
                                                     decompression=(df["direction"] == "decompression").to_numpy()),
                             folder / "pl_energy", dpi=DPI)))
    cie = df[pd.to_numeric(df["cie_x"], errors="coerce").notna() & pd.to_numeric(df["cie_y"], errors="coerce").notna()]
    if len(cie):  # a spectrum whose colour was not computed (negative light) has no point
        figs.append(("CIE 1931 chromaticity of the emission along the pressure path",
                     save_figure(plot_cie(cie["cie_x"].astype(float), cie["cie_y"].astype(float),
                                          pressure_gpa=cie["pressure_gpa"]), folder / "pl_cie", dpi=DPI)))
    return figs


def _xrd_figures(results, patterns, exp, folder: Path) -> list:
    from dackit.eos.plots import plot_ff, plot_pv
    from dackit.xrd.phases import get_phase
    from dackit.xrd.plots import DPI, plot_lattice_vs_pressure, plot_waterfall

    figs = []
    if patterns:
        phases = [get_phase(exp.phase_spec(p)) for p in exp.xrd.phases]
        fig = plot_waterfall([p for _, _, p in patterns], [pr for _, pr, _ in patterns], phases=phases,
                             title="XRD patterns under pressure")
        figs.append(("XRD patterns coloured by pressure, with phase reflections",
                     save_figure(fig, folder / "xrd_waterfall", dpi=DPI)))
    df = pd.DataFrame(results.get("xrd", []))
    if len(df):
        present = df[df["present"]]
        series = {ph: (g["pressure_gpa"], g["a_angstrom"], g["a_angstrom_err"])
                  for ph, g in present.groupby("phase", sort=False)}
        figs.append(("Lattice parameter of each phase vs pressure",
                     save_figure(plot_lattice_vs_pressure(series), folder / "xrd_lattice", dpi=DPI)))
    for phase, e in results.get("eos", {}).items():
        fit = fit_phase_eos(e["points"], e["form"], {k: e[k] for k in e.get("fixed", [])})
        figs.append((f"{phase}: P-V with the {e['form'].upper()} fit and its 1σ band",
                     save_figure(plot_pv(fit), folder / f"eos_{safe_name(phase)}_pv")))
        figs.append((f"{phase}: normalised stress vs Eulerian strain",
                     save_figure(plot_ff(fit), folder / f"eos_{safe_name(phase)}_ff")))
    return figs


def draw_figures(results: dict, exp, sheet, by_row, patterns, folder) -> list[tuple[str, Path]]:
    """Draw every figure the results support; returns (caption, PNG path) pairs.

    Parameters
    ----------
    results : dict
        The results dict (see :func:`assemble_results`).
    exp : Experiment
        The validated experiment description, from
        :func:`~dackit.experiment.load_experiment`.
    sheet : pandas.DataFrame
        The run sheet, from :func:`~dackit.experiment.read_runsheet`.
    by_row : dict
        Outcome of each run-sheet row (row number → result dict or failure), from
        :func:`~dackit.experiment.analyse_files`.
    patterns : list of (str, float, Pattern)
        (file, pressure in GPa, pattern) of each integrated XRD pattern, for the waterfall
        figure.
    folder : str or Path
        Folder the PNG files are written to.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figs = [("Pressure of each step (ruby, mean of before and after)",
             save_figure(plot_steps(pd.DataFrame(results["steps"])), folder / "steps"))]
    notes = results.setdefault("inconsistencies", [])
    groups = [("pl", lambda: _pl_figures(results, exp, sheet, by_row, folder)),
              ("tauc", lambda: [("Tauc band gap vs pressure",
                                 save_figure(plot_gap_vs_pressure(results["tauc"]), folder / "tauc_gap"))]),
              ("xrd", lambda: _xrd_figures(results, patterns, exp, folder))]
    for key, draw in groups:
        if results.get(key):
            try:
                figs.extend(draw())
            except Exception as exc:  # noqa: BLE001 - a figure must not sink the run
                notes.append(f"figures of {key} could not be drawn: {type(exc).__name__}: {exc}")
    return figs
