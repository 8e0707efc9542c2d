"""``dackit model``: forward physics models (the core–shell nanocrystal under pressure)."""
from __future__ import annotations

import math

import click

from dackit.cli._common import dump_json, json_option, parse_float_list, plot_option, print_table
from dackit.errors import InputError


@click.group(name="model")
def command():
    """Forward models: predict what an experiment should measure.

    \b
    Example:
      dackit model pl --core InP --core-diameter 2.5 --shell ZnSe --shell-thickness 1.9 \\
          --pressure 0,1,2,3,4,5.6 --json
    """


@command.command(name="pl")
@click.option("--core", default="InP", show_default=True,
              help="Core material: InP, GaP, ZnSe, ZnS, CdSe or CdS.")
@click.option("--core-diameter", "core_diameter", type=float, required=True, help="Core diameter (nm).")
@click.option("--core-shape", "core_shape", type=click.Choice(["sphere", "tetrahedron"]), default="sphere",
              show_default=True,
              help="How to read --core-diameter: a sphere diameter, or the edge length of a tetrahedral "
                   "core (InP; modelled as the sphere of equal volume, outer size kept).")
@click.option("--shell", default="ZnSe", show_default=True,
              help="Shell material, or 'none' for a bare core.")
@click.option("--shell-thickness", "shell_thickness", type=float, default=0.0, show_default=True,
              help="Shell thickness (nm).")
@click.option("--pressure", "pressure", required=True,
              help="Comma-separated pressures (GPa), e.g. 0,1,2,5.6.")
@click.option("--stokes-shift-mev", type=float, default=None,
              help="PL = absorption − Stokes shift. Default: computed (ensemble shift of a 10 % "
                   "core-size dispersion, see --size-dispersion); 0 switches it off.")
@click.option("--size-dispersion", type=float, default=0.10, show_default=True,
              help="Relative SD of the core size used by the computed Stokes shift.")
@click.option("--relaxation", type=float, default=0.0, show_default=True,
              help="Misfit relaxation: 0 coherent … 1 fully relaxed.")
@click.option("--temperature", type=float, default=300.0, show_default=True, help="Temperature (K).")
@click.option("--barrier-ev", type=float, default=3.0, show_default=True,
              help="Ligand/vacuum barrier above the outer band edges (eV); 'inf' = hard wall.")
@click.option("--hole-model", "hole_model", type=click.Choice(["luttinger6", "luttinger", "heavy"]),
              default="luttinger6", show_default=True,
              help="Hole: 6-band spherical (Γ8 + split-off Γ7), 4-band Luttinger (Γ8 only) or a "
                   "single heavy-hole band.")
@click.option("--hole-ordering", "hole_ordering", type=click.Choice(["burt-foreman", "symmetric", "divergence"]),
              default="burt-foreman", show_default=True,
              help="Interface ordering of the hole's heavy/light coupling term; matters at the ligand "
                   "surface of a bare core (see dackit.nanocrystal.luttinger).")
@click.option("--fit-range", default="0,5.6", show_default=True,
              help="Pressure range (GPa) of the quadratic fit giving E0, alpha, beta.")
@click.option("--strict", is_flag=True,
              help="Error (instead of a warning) if a pressure is past a layer's bulk ZB→RS transition.")
@json_option
@plot_option
def pl(core, core_diameter, core_shape, shell, shell_thickness, pressure, stokes_shift_mev, size_dispersion,
       relaxation, temperature, barrier_ev, hole_model, hole_ordering, fit_range, strict, as_json, plot_dir):
    """Predict PL energies E(P) of a core/shell nanocrystal and fit E0 + αP + βP².

    Literature parameters only (nothing fitted to data); see dackit.nanocrystal.materials
    for every number and its source. Past a layer's bulk zinc-blende→rock-salt transition
    the model extrapolates the zinc-blende phase and prints a warning (--strict: error).

    \b
    JSON keys: energies_ev (PL, one per pressure), wavelengths_nm, absorption_ev (first
    excitonic absorption), e0_ev, alpha_mev_per_gpa, beta_mev_per_gpa2 (+ *_err),
    electron_in_shell_fraction (at the first pressure), electron_in_shell_fractions, overlap,
    warnings, stokes_shift_ev, lowest_conduction_valley ("Γ" or "X" per pressure), core_shape,
    model_core_diameter_nm (the sphere actually modelled).

    \b
    Physics (dackit.nanocrystal): 8-band energy-dependent electron mass with BenDaniel–Duke
    matching, 6-band spherical 1S3/2 hole (heavy/light/split-off mixing; --hole-model) on a radial grid,
    coherent misfit strain and BM3 compression through deformation potentials, Coulomb term,
    computed ensemble Stokes shift, X-valley electron level. --shell-thickness 0 = bare core.

    \b
    --plot DIR writes band_diagram.png (edges, levels and densities at the lowest and highest
    pressure), pl_vs_pressure.png (with the reference study's E0 + αP + βP² when this is its
    InP/ZnSe 2.5/1.9 nm geometry) and study_comparison.png (the model beside the study's numbers and
    the independent Almeida et al. 2023 InP sizing curve, whatever the geometry asked for).

    \b
    Example:
      dackit model pl --core InP --core-diameter 2.5 --shell ZnSe --shell-thickness 1.9 \\
          --pressure 0,2,4,5.6 --json
      dackit model pl --core-diameter 2.5 --shell-thickness 1.9 --pressure 0,5.6 --plot figs
    """
    from dackit.core.units import ev_to_nm
    from dackit.nanocrystal.coreshell import ModelOptions, core_shell, pl_vs_pressure

    pressures = parse_float_list(pressure, "--pressure")
    if not pressures:
        raise InputError("--pressure: give at least one pressure in GPa, e.g. --pressure 0,1,2")
    window = parse_float_list(fit_range, "--fit-range")
    if not window or len(window) != 2:
        raise InputError(f"--fit-range: expected two numbers 'low,high' in GPa, got {fit_range!r}")
    if not core_diameter > 0:
        raise InputError(f"--core-diameter: must be > 0 nm, got {core_diameter}")
    if shell_thickness < 0:
        raise InputError(f"--shell-thickness: must be ≥ 0 nm, got {shell_thickness}")
    shell_name = None if str(shell).strip().lower() in ("none", "", "-") else shell
    geometry = core_shell(core, core_diameter, shell_name, shell_thickness if shell_name else 0.0,
                          core_shape=core_shape)
    options = ModelOptions(temperature_k=temperature, relaxation=relaxation,
                           outside_barrier_ev=math.inf if math.isinf(barrier_ev) else barrier_ev,
                           stokes_shift_ev=None if stokes_shift_mev is None else stokes_shift_mev * 1e-3,
                           size_dispersion=size_dispersion, hole_model=hole_model,
                           hole_ordering=hole_ordering)
    series = pl_vs_pressure(geometry, pressures, options, fit_range_gpa=tuple(window),
                            on_transition="error" if strict else "warn")
    for msg in series.warnings:
        click.echo(f"warning: {msg}", err=True)
    shell_mat = geometry.shell if geometry.has_shell else None
    wavelengths_nm = ev_to_nm(series.pl_ev)
    result = {
        "core": geometry.core.name, "core_diameter_nm": float(core_diameter), "core_shape": core_shape,
        "model_core_diameter_nm": geometry.core_diameter_nm,
        "shell": shell_mat.name if shell_mat is not None else None,
        "shell_thickness_nm": geometry.shell_thickness_nm,
        "pressures_gpa": series.pressures_gpa, "energies_ev": series.pl_ev,
        "wavelengths_nm": wavelengths_nm, "absorption_ev": series.absorption_ev,
        "e0_ev": series.e0_ev, "e0_ev_err": series.e0_ev_err,
        "alpha_mev_per_gpa": series.alpha_mev_per_gpa, "alpha_mev_per_gpa_err": series.alpha_mev_per_gpa_err,
        "beta_mev_per_gpa2": series.beta_mev_per_gpa2, "beta_mev_per_gpa2_err": series.beta_mev_per_gpa2_err,
        "fit_range_gpa": list(series.fit_range_gpa),
        "electron_in_shell_fraction": float(series.electron_in_shell_fraction[0]),
        "electron_in_shell_fractions": series.electron_in_shell_fraction,
        "overlap": series.overlap, "warnings": list(series.warnings),
        "stokes_shift_ev": series.stokes_shift_ev,
        "lowest_conduction_valley": list(series.lowest_valley),
    }
    if plot_dir is not None:
        _write_figures(plot_dir, geometry, options, pressures, tuple(window))
    if as_json:
        dump_json(result)
        return
    rows = [{"p": p, "e": e, "nm": nm, "abs": a, "fs": f}
            for p, e, nm, a, f in zip(series.pressures_gpa, series.pl_ev, wavelengths_nm,
                                      series.absorption_ev, series.electron_in_shell_fraction)]
    title = (f"{geometry.core.name} {geometry.core_diameter_nm:g} nm"
             + (f" / {shell_mat.name} {geometry.shell_thickness_nm:g} nm" if shell_mat is not None else "")
             + f": E0 = {series.e0_ev:.4f} eV, α = {series.alpha_mev_per_gpa:.2f} meV/GPa, "
             f"β = {series.beta_mev_per_gpa2:.3f} meV/GPa² (fit {window[0]:g}–{window[1]:g} GPa)")
    print_table(rows, [("p", "P (GPa)", ".2f"), ("e", "PL (eV)", ".4f"), ("nm", "PL (nm)", ".1f"),
                       ("abs", "absorption (eV)", ".4f"), ("fs", "electron in shell", ".3f")], title=title)


def _write_figures(plot_dir, geometry, options, pressures, window) -> None:
    """The model's figures, the reference study beside them (issue 16)."""
    import numpy as np

    from dackit.core.figures import save_figure
    from dackit.nanocrystal import plots
    from dackit.nanocrystal.coreshell import STUDY

    lo, hi = min(pressures), max(pressures)
    save_figure(plots.plot_band_diagram(geometry, (lo, hi if hi > lo else lo + 5.6), options),
                plot_dir / "band_diagram.png")
    p = e = None
    if (geometry.core.name, geometry.shell.name if geometry.has_shell else None) == ("InP", "ZnSe") and \
            np.allclose([geometry.core_diameter_nm, geometry.shell_thickness_nm],
                        [STUDY["core_diameter_nm"], STUDY["shell_thickness_nm"]]):
        p = np.linspace(*STUDY["fit_range_gpa"], 8)   # the study's own quadratic over its fit range
        e = STUDY["e0_ev"] + 1e-3 * (STUDY["alpha_mev_per_gpa"] * p + STUDY["beta_mev_per_gpa2"] * p ** 2)
    save_figure(plots.plot_pl_vs_pressure(geometry, np.linspace(0.0, max(8.0, hi), 17), options,
                                          measured_pressure_gpa=p, measured_energy_ev=e, fit_range_gpa=window,
                                          measured_label="reference study (its E0 + αP + βP²)"),
                plot_dir / "pl_vs_pressure.png")
    save_figure(plots.plot_study_comparison(options), plot_dir / "study_comparison.png")
