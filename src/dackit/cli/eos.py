"""`dackit eos`: equation-of-state fits and pressures from internal standards."""
from __future__ import annotations

from pathlib import Path

import click

from dackit.cli import _contract as contract
from dackit.cli._common import (dump_json, files_argument, finish, json_option, plot_option,
                                print_table, run_per_file)
from dackit.errors import InputError

FIX_KEYS = ("v0", "k0", "kp", "kpp")
FORMS = ("bm2", "bm3", "bm4", "vinet", "murnaghan", "natural", "tait")
STANDARD_NAMES = ("au", "au-fei2007-bm3", "au-dorogokupets2007", "pt", "pt-dorogokupets2007", "mgo",
                  "mgo-speziale2001", "mgo-dorogokupets2007", "nacl-b1", "nacl-b2",
                  "nacl-b2-dorogokupets2007", "ne")

FIT_COLUMNS = [("file", "file", ""), ("form", "form", ""), ("v0_a3", "V0 (Å³)", ".5f"),
               ("v0_a3_err", "±", ".5f"), ("k0_gpa", "K0 (GPa)", ".3f"), ("k0_gpa_err", "±", ".3f"),
               ("kp", "K'", ".4f"), ("kp_err", "±", ".4f"), ("chi2_red", "χ²red", ".3f"),
               ("max_residual_gpa", "max ΔP", "+.3f"), ("n", "n", "d")]


def parse_fix(items) -> dict[str, float]:
    """('kp=4', 'v0=112.9,k0=37') → {'kp': 4.0, 'v0': 112.9, 'k0': 37.0}, InputError if malformed."""
    out = {}
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            key, sep, val = part.partition("=")
            key = key.strip().lower()
            if not sep or key not in FIX_KEYS:
                raise InputError(f"--fix: expected NAME=VALUE with NAME one of {', '.join(FIX_KEYS)}, "
                                 f"got {part.strip()!r}")
            try:
                out[key] = float(val)
            except ValueError:
                raise InputError(f"--fix: {key} needs a number, got {val.strip()!r}") from None
    return out


@click.group("eos")
def command():
    """Equations of state: fit P-V data, pressure from a standard's volume.

    \b
    Examples:
      dackit eos fit PV_quartz.dat --form bm3 --json
      dackit eos pressure 60.0 61.2 --standard au
    """


@command.command("fit")
@files_argument
@click.option("--form", default="bm3", show_default=True, type=click.Choice(FORMS, case_sensitive=False),
              help="EoS form.")
@click.option("--fix", "fix_items", multiple=True, metavar="NAME=VALUE",
              help="Hold a parameter fixed: v0=, k0=, kp=, kpp= (repeat or comma-separate).")
@click.option("--method", default="effective-variance", show_default=True,
              type=click.Choice(["effective-variance", "odr"]),
              help="Errors-in-both-variables method (EosFit7's effective variance, or ODR).")
@click.option("--report", "show_report", is_flag=True,
              help="Print the full EosFit7-style report (correlations, implied K'') per file.")
@json_option
@plot_option
def fit_command(files, form, fix_items, method, show_report, as_json, plot_dir):
    """Fit an equation of state to P-V data with errors in P and V.

    FILE is a CSV with columns pressure_gpa,volume_a3[,pressure_gpa_err,volume_a3_err]
    or an EosFit7 .dat file (a FORMAT line such as 'FORMAT 1 P SIGP V SIGV', or the
    JOB/FORMAT/DATA layout). Points are weighted by the effective variance
    sigma(P)^2 + (K/V)^2 sigma(V)^2 as in EosFit7; without sigmas the fit is unweighted.
    Esd's are scaled by sqrt(chi2_red) when chi2_red > 1 (always when unweighted: the
    scatter is then the only error estimate). Sanity warnings (K' outside 2-10, a free V0
    far from the lowest-pressure volume, large chi2, scaled esd's resting on a few
    degrees of freedom) are printed, not fatal.
    --plot DIR writes <stem>_pv.png (fit and 1-sigma band), <stem>_ff.png (F-f) and
    <stem>_k0_kp.png (confidence ellipses).

    \b
    Example:
      dackit eos fit PV_quartz.dat --form bm3 --fix kp=6 --json --plot figs
    """
    fix = parse_fix(fix_items)

    def analyse(path: Path) -> dict:
        from dackit.eos.eosfit_io import read_pv
        from dackit.eos.fit import fit_eos

        data = read_pv(path)
        result = fit_eos(data.pressure_gpa, data.volume_a3, form=form.lower(),
                         pressure_err=data.pressure_err, volume_err=data.volume_err,
                         fix=fix, method=method, source=str(path))
        row = {"file": str(path), **contract.renamed(result.to_dict())}
        if plot_dir is not None:
            from dackit.eos.plots import save_eos_figures
            row["figures"] = [str(p) for p in save_eos_figures(result, plot_dir, path.stem)]
        if show_report and not as_json:
            click.echo(result.report() + "\n")
        for w in result.warnings:
            click.echo(f"warning: {path}: {w}", err=True)
        return row

    rows, status = run_per_file(files, analyse)
    if as_json:
        dump_json(rows[0] if len(rows) == 1 else rows)
    else:
        shown = [{**r, "file": Path(r["file"]).name} for r in rows]
        columns = FIT_COLUMNS
        if form.lower() == "bm4":
            columns = FIT_COLUMNS[:-3] + [("kpp_per_gpa", "K'' (1/GPa)", ".4f"),
                                          ("kpp_per_gpa_err", "±", ".4f")] + FIT_COLUMNS[-3:]
        print_table(shown, columns, title=f"EoS fit ({form.upper()}, {method})")
    finish(status)


@command.command("pressure")
@click.argument("volumes", nargs=-1, required=True, type=float)
@click.option("--standard", default="au", show_default=True,
              type=click.Choice(STANDARD_NAMES, case_sensitive=False),
              help="Internal standard and its scale.")
@click.option("--err", "volume_err", type=float, default=0.0, show_default=True,
              help="1-sigma of each volume (Å³), propagated to the pressure.")
@click.option("--temperature", "temperature_k", type=float, default=None,
              help="Temperature (K); without it the 300 K isotherm is used. With it the scale's "
                   "P-V-T equation of state (Mie-Grüneisen thermal pressure) is used.")
@click.option("--convert-to", "convert_to", default=None,
              type=click.Choice(STANDARD_NAMES, case_sensitive=False),
              help="Also give each pressure on another scale of the same material (same volume).")
@json_option
def pressure_command(volumes, standard, volume_err, temperature_k, convert_to, as_json):
    """Pressure from the unit-cell volume (Å³, conventional cell) of an internal standard.

    Uses the standard's published 300 K isotherm (Au, Pt, NaCl-B2, Ne: Fei et al. 2007;
    MgO: Tange et al. 2009 or Speziale et al. 2001; NaCl-B1: Dorogokupets & Dewaele 2007;
    *-dorogokupets2007: Dorogokupets & Dewaele 2007), or with --temperature the same
    papers' P-V-T equations of state.

    \b
    Example:
      dackit eos pressure 60.0 61.2 --standard au --err 0.02 --json
      dackit eos pressure 160.0 --standard nacl-b1 --temperature 1500 --json
      dackit eos pressure 62.0 --standard au --temperature 1000 --convert-to au-dorogokupets2007
    """
    import numpy as np

    from dackit.eos.standards import get_standard, pressure_from_volume

    std = get_standard(standard)
    if temperature_k is None:
        p, sp = pressure_from_volume(list(volumes), standard, [volume_err] * len(volumes), source="VOLUMES")
        t_used = 300.0
    else:
        from dackit.eos.thermal import pressure_at_temperature

        p, sp = pressure_at_temperature(list(volumes), standard, temperature_k, volume_err)
        t_used = temperature_k
    rows = [{"volume_a3": v, "pressure_gpa": float(pi), "pressure_gpa_err": float(si),
             "standard": std.name} for v, pi, si in zip(volumes, p, sp)]
    if temperature_k is not None:
        for r in rows:
            r["temperature_k"] = float(temperature_k)
    if convert_to is not None:
        from dackit.eos.thermal import convert_pressure, get_thermal, material_of

        if material_of(convert_to) != material_of(standard):
            raise InputError(f"--convert-to {convert_to}: not a scale of {material_of(standard)}; a "
                             "pressure converts between scales of the same material")
        get_thermal(convert_to)
        conv = convert_pressure(np.asarray(p), from_standard=standard, to_standard=convert_to,
                                temperature_k=t_used)
        for r, c in zip(rows, conv):
            r["converted_standard"] = convert_to
            r["converted_pressure_gpa"] = float(c)
    if as_json:
        dump_json(rows)
    else:
        cols = [("volume_a3", "V (Å³)", ".4f"), ("pressure_gpa", "P (GPa)", ".3f"),
                ("pressure_gpa_err", "±", ".3f"), ("standard", "standard", "")]
        if convert_to is not None:
            cols.append(("converted_pressure_gpa", f"P {convert_to} (GPa)", ".3f"))
        when = "300 K isotherm" if temperature_k is None else f"{temperature_k:g} K"
        print_table(rows, cols, title=f"{std.name}: {when} — {std.citation.split(':')[0]}")
