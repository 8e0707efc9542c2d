"""`dackit pl`, `dackit tauc`, `dackit plqy`: optical spectroscopy under pressure.

Three commands live here; ``cli/pl.py``, ``cli/tauc.py`` and ``cli/plqy.py`` export them as
``command`` for the lazy group.
"""
from __future__ import annotations

import math
from pathlib import Path

import click

from dackit.cli import _contract as contract
from dackit.cli._common import (dump_json, finish, json_option, parse_float_list, plot_option, print_table,
                               read_csv_table, warn_if_doubtful)
from dackit.errors import DackitError, InputError


PL_COLUMNS = [("file", "file", ""), ("pressure_gpa", "P (GPa)", ".2f"), ("peak_ev", "E (eV)", ".4f"),
              ("peak_ev_err", "±", ".4f"), ("peak_nm", "λ (nm)", ".1f"), ("fwhm_mev", "FWHM (meV)", ".1f"),
              ("area", "area", ".4g"), ("cie_x", "x", ".4f"), ("cie_y", "y", ".4f"), ("quality", "quality", "")]


def _read_runsheet(path: Path) -> list:
    """Rows (name, pressure, pressure error or NaN, direction or None, path) of a run sheet,
    read by the experiment's run-sheet rules."""
    from dackit.experiment.description import read_pressure_sheet

    sheet = read_pressure_sheet(path)
    return [(r.file, r.pressure_gpa, r.pressure_gpa_err, r.direction, Path(r.path)) for r in sheet.itertuples()]


def _pressures(files, pressure, runsheet):
    """(files, pressures, pressure errors, directions) from --pressure or --runsheet."""
    if pressure is not None and runsheet is not None:
        raise InputError("give either --pressure or --runsheet, not both")
    if runsheet is not None:
        sheet = _read_runsheet(Path(runsheet))
        if not files:
            vals = sheet
            files = [v[4] for v in sheet]
        else:
            vals = []
            for f in files:
                hit = next((v for v in sheet if v[0] == str(f)), None) or next(
                    (v for v in sheet if Path(v[0]).name == Path(f).name), None)
                if hit is None:
                    raise InputError(f"--runsheet {runsheet}: no row for file {f}")
                vals.append(hit)
        dirs = [v[3] for v in vals]
        return list(files), [v[1] for v in vals], [v[2] for v in vals], (None if None in dirs else dirs)
    if not files:
        raise InputError("no FILE given (or give --runsheet with a file column)")
    if pressure is None:
        raise InputError("give the pressure of each file with --pressure P1,P2,... or --runsheet CSV")
    values = parse_float_list(pressure, "--pressure")
    if len(values) != len(files):
        raise InputError(f"--pressure has {len(values)} value(s) for {len(files)} file(s); give one per file")
    return list(files), values, [math.nan] * len(files), None


@click.command("pl")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--pressure", default=None, help="Comma-separated pressures (GPa), one per FILE.")
@click.option("--runsheet", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="CSV with columns file,pressure_gpa[,pressure_gpa_err][,direction].")
@click.option("--n-peaks", type=click.IntRange(1, 3), default=1, show_default=True,
              help="Peaks per spectrum: 2 adds broad trap emission below the band edge.")
@click.option("--shape", type=click.Choice(["gaussian", "pseudo_voigt"]), default="gaussian", show_default=True,
              help="Line shape in energy space.")
@click.option("--baseline", type=click.Choice(["imodpoly", "snip", "asls", "none"]), default="imodpoly",
              show_default=True, help="Baseline removed before the fit.")
@click.option("--peak", type=click.Choice(["top", "center"]), default="top", show_default=True,
              help="Peak energy from a refit of the band's top (its maximum) or the whole-band centre.")
@json_option
@plot_option
def pl_command(files, pressure, runsheet, n_peaks, shape, baseline, peak, as_json, plot_dir):
    """PL peak energies of a pressure series and the E(P) = E0 + αP + βP² fit.

    Each FILE is baseline-corrected, converted to energy (Jacobian λ²/hc) and fitted in
    energy space; the band edge's energy, wavelength-space peak, FWHM, area and CIE 1931
    x, y are listed. E(P) is fitted over the good files, weighted by the peak errors
    (quadratic from 4 points, linear below that). With a run sheet holding a direction
    column only the compression points enter the fit. A failed file is reported, the
    rest still analysed, and the exit status is 2.

    \b
    Example:
      dackit pl p0.txt p1.txt p2.txt p3.txt --pressure 0,1.7,3.5,5.6 --json
      dackit pl --runsheet steps.csv --plot figures
    """
    from dackit.io import read_spectrum
    from dackit.optics.colour import chromaticity_xy
    from dackit.optics.pl import fit_pl_series
    from dackit.optics.pressure_coeff import ep_fit_order, fit_energy_vs_pressure

    files, pressures, p_errs, directions = _pressures(files, pressure, runsheet)
    spectra, index, rows = [], [], [None] * len(files)
    for i, path in enumerate(files):
        try:
            spectra.append(read_spectrum(path))
            index.append(i)
        except DackitError as exc:
            rows[i] = {"file": str(path), "error": str(exc)}
    fits = [None] * len(files)
    if spectra:
        series = fit_pl_series(spectra, [pressures[i] for i in index], n_peaks=n_peaks, shape=shape,
                               baseline=baseline, peak=peak)
        for k, i in enumerate(index):
            f = series.fits[k]
            if f is None:
                rows[i] = {"file": str(files[i]), "error": series.errors[k]}
                continue
            fits[i] = f
            try:
                if f.truncated:   # a cut band's colour is that of its remaining part
                    raise InputError(f"{files[i]}: the band is cut at the {' and '.join(f.truncated)} "
                                     "end of the spectrum")
                c = chromaticity_xy(f.wavelength_nm, f.emission_nm(), source=str(files[i]))
                cx, cy, verdict = float(c.x), float(c.y), f.verdict.plus(info=c.notes)
            except DackitError as exc:  # negative light beyond noise, outside the visible: the fit stands
                cx = cy = math.nan
                verdict = f.verdict.plus(info=[f"colour not computed: {exc}"])
            rows[i] = {**f.to_dict(), "file": str(files[i]), "cie_x": cx, "cie_y": cy, **verdict.to_dict()}
    for r in rows:
        if "error" in r:
            click.echo(f"error: {r['error']}", err=True)
        else:
            warn_if_doubtful(r)
    # only results the checks trust enter E(P); doubtful ones are listed, not fitted
    good = [i for i, f in enumerate(fits) if f is not None and f.quality == "ok"]
    n_doubtful = sum(f is not None and f.quality != "ok" for f in fits)
    if n_doubtful:
        click.echo(f"note: {n_doubtful} doubtful file(s) left out of the E(P) fit", err=True)
    fit_out = {k: None for k in contract.PL_FIT}
    pfit = None
    if directions is not None:
        from dackit.optics.pressure_coeff import direction_labels
        labels = direction_labels([directions[i] for i in good], len(good))
    else:
        labels = None
    n_fit = len(good) if labels is None else int(sum(lbl == "compression" for lbl in labels))
    order = ep_fit_order(n_fit)
    if order is not None:
        if order == 1:
            click.echo(f"note: only {n_fit} point(s): linear E(P) fit (β not determined; "
                       "a quadratic needs at least 4)", err=True)
        pe = [p_errs[i] for i in good]
        try:
            pfit = fit_energy_vs_pressure([pressures[i] for i in good], [fits[i].peak_ev for i in good],
                                          e_err=[fits[i].peak_ev_err for i in good],
                                          pressure_err=None if any(math.isnan(v) for v in pe) else pe,
                                          order=order, direction=labels)
            fit_out = contract.pick(pfit.to_dict(), contract.PL_FIT)
        except DackitError as exc:
            click.echo(f"note: E(P) not fitted: {exc}", err=True)
    else:
        click.echo(f"note: E(P) not fitted: {n_fit} good point(s), at least 3 are needed", err=True)
    peaks = [contract.pick(r, contract.PL_PEAK) if "error" not in r else r for r in rows]
    if as_json:
        dump_json({"peaks": peaks, "fit": fit_out})
    else:
        print_table(peaks, PL_COLUMNS, title="PL peaks (band edge, fitted in energy)")
        if pfit is not None:
            text = (f"E(P) fit ({pfit.dof + pfit.order + 1} points, {'quadratic' if order == 2 else 'linear'}): "
                    f"E0 = {pfit.e0_ev:.4f} ± {pfit.e0_ev_err:.4f} eV, α = {pfit.alpha_mev_per_gpa:.2f} ± "
                    f"{pfit.alpha_mev_per_gpa_err:.2f} meV/GPa")
            if order == 2:
                text += f", β = {pfit.beta_mev_per_gpa2:.3f} ± {pfit.beta_mev_per_gpa2_err:.3f} meV/GPa²"
            click.echo(text + f", χ²_ν = {pfit.redchi:.3g}")
    if plot_dir is not None and good:
        from dackit.core.figures import save_figure
        from dackit.optics import plots
        plot_dir = Path(plot_dir)
        save_figure(plots.plot_pl_stack([fits[i] for i in good]), plot_dir / "pl_stack.png", dpi=plots.DPI)
        if pfit is not None:
            dec = None if labels is None else [lbl == "decompression" for lbl in labels]
            save_figure(plots.plot_energy_vs_pressure([pressures[i] for i in good],
                                                      [fits[i].peak_ev for i in good],
                                                      e_err=[fits[i].peak_ev_err for i in good], fit=pfit,
                                                      decompression=dec),
                        plot_dir / "pl_energy_vs_pressure.png", dpi=plots.DPI)
        xy = [(rows[i]["cie_x"], rows[i]["cie_y"], pressures[i]) for i in good
              if rows[i]["cie_x"] is not None and math.isfinite(rows[i]["cie_x"])]
        if xy:
            save_figure(plots.plot_cie([v[0] for v in xy], [v[1] for v in xy], pressure_gpa=[v[2] for v in xy]),
                        plot_dir / "pl_cie1931.png", dpi=plots.DPI)
    finish(2 if any("error" in r for r in rows) else 0)


TAUC_COLUMNS = [("file", "file", ""), ("gap_ev", "E_g (eV)", ".4f"), ("gap_ev_err", "±", ".4f"),
                ("window", "window (eV)", ""), ("baseline_intersection_ev", "baseline ∩ (eV)", ".4f"),
                ("background", "background", ""), ("quality", "quality", "")]


@click.command("tauc")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--transition", type=click.Choice(["direct", "indirect"]), default="direct", show_default=True,
              help="Allowed transition: direct → (αhν)², indirect → (αhν)^½.")
@click.option("--background", type=click.Choice(["auto", "none", "constant", "linear", "rayleigh", "power"]),
              default="auto", show_default=True, help="Sub-gap scattering background removed first.")
@click.option("--kind", type=click.Choice(["auto", "absorbance", "od", "transmittance", "alpha"]), default="auto",
              show_default=True, help="What the files hold (auto: from the file's y unit); alpha: "
              "absorption coefficient α in cm⁻¹, e.g. a film's 4πk/λ.")
@click.option("--range", "energy_range", nargs=2, type=float, default=None, metavar="LO HI",
              help="Analyse only photon energies LO–HI eV (leave out a sub-gap band the edge search "
              "would take for the edge, or a detector change-over).")
@json_option
@plot_option
def tauc_command(files, transition, background, kind, energy_range, as_json, plot_dir):
    """Band gaps from absorption spectra by the Tauc construction.

    The sub-gap scattering background is fitted below the edge and removed, then every
    straight stretch of the Tauc curve's first rising edge is tested and the most precise
    linear one extrapolated to zero. Lists the gap, its error (fit ⊕ spread over near-best
    windows) and the window.

    \b
    Example:
      dackit tauc abs_0GPa.txt abs_5GPa.txt --transition direct --json
      dackit tauc abs_*.txt --plot figures
      dackit tauc cds_film_alpha.txt --kind alpha
      dackit tauc film.txt --range 2.3 5.0
    """
    from dackit.cli._common import run_per_file
    from dackit.io import read_spectrum
    from dackit.optics.absorption import absorbance_spectrum, tauc_gap

    extras = {}

    def analyse(path: Path) -> dict:
        s = absorbance_spectrum(read_spectrum(path), quantity=kind)
        res = tauc_gap(s, transition=transition, background=background, energy_range_ev=energy_range)
        full = {**res.to_dict(), "file": str(path)}
        extras[str(path)] = full
        if plot_dir is not None:
            from dackit.core.figures import save_figure
            from dackit.optics.plots import DPI, plot_tauc
            save_figure(plot_tauc(res, title=path.name), Path(plot_dir) / f"{path.stem}_tauc.png", dpi=DPI)
        return contract.pick(full, contract.TAUC)

    rows, status = run_per_file(files, analyse)
    if as_json:
        dump_json(rows)
    else:
        table = [dict(extras[r["file"]], window=f"{r['window_ev'][0]:.3f}–{r['window_ev'][1]:.3f}")
                 if "error" not in r else r for r in rows]
        print_table(table, TAUC_COLUMNS, title=f"Tauc band gaps ({transition} allowed)")
    finish(status)


@click.command("plqy")
@click.argument("table", type=click.Path(path_type=Path))
@click.option("--qy0", type=float, required=True, help="PL quantum yield at ambient, in percent.")
@click.option("--n0", type=float, required=True, help="Refractive index at ambient (e.g. 4.489 for InP).")
@json_option
def plqy_command(table, qy0, n0, as_json):
    """PL quantum yield under pressure (relative method, Lorentz–Lorenz n²).

    TABLE is a CSV with columns pressure_gpa,intensity_ratio,volume_ratio and optionally
    absorptance_ratio (A/A0). Φ = Φ0 · (I/I0) · (A0/A) · n²/n0², with n² from
    (n²−1)/(n²+2) ∝ 1/V. The plqy column is in percent, like --qy0.

    \b
    Example:
      dackit plqy table_s1.csv --qy0 30.09 --n0 4.489 --json
    """
    import pandas as pd

    from dackit.optics.plqy import plqy_under_pressure

    need = ("pressure_gpa", "intensity_ratio", "volume_ratio")
    df = read_csv_table(table, need, "pressure_gpa,intensity_ratio,volume_ratio[,absorptance_ratio]")
    cols = {}
    for c in need + (("absorptance_ratio",) if "absorptance_ratio" in df.columns else ()):
        values = pd.to_numeric(df[c], errors="coerce")
        if values.isna().any():
            row = int(values.isna().to_numpy().argmax()) + 2
            raise InputError(f"{table}: column {c} has a missing or non-numeric value at line {row}")
        cols[c] = values.to_numpy(float)
    try:
        res = plqy_under_pressure(cols["pressure_gpa"], cols["intensity_ratio"], cols["volume_ratio"],
                                  qy0=qy0, n0=n0, absorptance_ratio=cols.get("absorptance_ratio"))
    except InputError as exc:
        raise InputError(f"{table}: {exc}") from None
    rows = res.rows()
    if as_json:
        dump_json(rows)
    else:
        print_table(rows, [("pressure_gpa", "P (GPa)", ".2f"), ("n_squared", "n²", ".3f"),
                           ("plqy", "PLQY (%)", ".2f")], title=f"PLQY (Φ0 = {qy0} %, n0 = {n0})")
