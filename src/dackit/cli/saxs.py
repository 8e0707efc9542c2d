"""``dackit saxs``: SAXS peaks, d-spacings, mesophase indexing and Scherrer thickness."""
from __future__ import annotations

import click

from dackit.cli._common import files_argument, finish, json_option, plot_option
from dackit.core.results import renamed


@click.group(name="saxs")
def command():
    """Small-angle X-ray scattering of nanocrystal superlattices.

    \b
    Example:
      dackit saxs peaks saxs_*.tif --poni saxs.poni --json
      dackit saxs thickness released.dat --wavelength 0.4859
    """


def _capture_warnings():
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        click.echo(f"warning: {message}", err=True)

    warnings.showwarning = show


@command.command(name="peaks")
@files_argument
@click.option("--poni", type=click.Path(exists=True, dir_okay=False), default=None,
              help="pyFAI PONI calibration, needed for 2D detector images.")
@click.option("--wavelength", "wavelength_a", type=float, default=None,
              help="X-ray wavelength in Å (overrides the file's).")
@click.option("--energy", "energy_kev", type=float, default=None,
              help="X-ray energy in keV (checked against --wavelength).")
@click.option("--background", type=click.Choice(["loglog", "powerlaw", "none"]), default="loglog",
              show_default=True, help="Background removed before peak finding.")
@click.option("--min-significance", type=float, default=5.0, show_default=True,
              help="Peak height above background in noise standard deviations.")
@json_option
@plot_option
def peaks(files, poni, wavelength_a, energy_kev, background, min_significance, as_json, plot_dir):
    """Find and fit SAXS peaks, give d = 2π/q and index the mesophase.

    Inputs: two-column q/I text (.dat, .xy, q in Å⁻¹ or nm⁻¹ from the header, the column
    title or an ATSAS footer's 'angular-unit'; Å⁻¹ if none; a '2theta' column with
    --wavelength), NIST/IGOR .ABS, Anton Paar .pdh, SAXSLAB/Xenocs .grad,
    canSAS XML, NXcanSAS HDF5 (.h5, .hdf, .hdf5, .nxs), or detector images with --poni
    (integrated in q by pyFAI). Every row carries quality ("ok" | "doubtful") and
    quality_notes (ties, missing or unexplained peaks, beamstop edge, background humps). The mesophase is
    the best of lamellar, hexagonal, bcc, fcc, sc, hcp, pn3m, ia3d; phases that fit equally
    well are listed in a tie. With one peak it is the phase favoured by weak lines at its
    predicted positions and the particle form factor's shape (always doubtful), or null
    when nothing under the threshold decides.

    \b
    Example:
      dackit saxs peaks step01.dat step02.dat --json
      dackit saxs peaks frame.tif --poni saxs.poni --wavelength 0.4859 --plot figs
    """
    from dackit.cli._common import dump_json, print_table, run_per_file
    from dackit.saxs.analysis import analyse_saxs, load_saxs

    _capture_warnings()
    lam = None
    if wavelength_a is not None or energy_kev is not None:
        from dackit.saxs.wavelength import resolve_wavelength

        lam, _ = resolve_wavelength(wavelength_a, energy_kev)

    def analyse(path):
        from dackit.errors import InputError
        from dackit.io.kinds import refuse_diffraction_for_saxs, refuse_micrograph

        refuse_micrograph(path, "dackit saxs peaks")
        pat = load_saxs(path, poni=poni, wavelength_a=lam)
        axis = pat.metadata.get("source_axis") or pat.axis

        def refuse_powder(q_values):
            try:
                refuse_diffraction_for_saxs(path, q_values, axis=axis)
            except InputError as exc:
                if not pat.metadata.get("q_unit_assumed"):
                    raise
                # a header-less nm⁻¹ (or 2θ) column read as Å⁻¹ lands every peak at q > 1 Å⁻¹
                raise InputError(f"{exc}. Or the unit is wrong: the file does not state it and was "
                                 "read as q in Å⁻¹; if the first column is q in nm⁻¹ add a header line "
                                 "'# q_nm^-1 I', if it is 2θ add '# 2theta I' and give --wavelength") from None

        # screened before the peak fits too: a 20 000-point powder pattern takes a minute to fit
        res = analyse_saxs(pat, background=background, min_significance=min_significance,
                           screen=refuse_powder)
        refuse_powder([p.q_inv_a for p in res.peakset.peaks])
        if plot_dir is not None:
            from dackit.saxs.plots import save_pattern_figure

            save_pattern_figure(res, plot_dir / f"{path.stem}_saxs.png")
        return {"file": str(path), **renamed(res.to_dict())}

    rows, status = run_per_file(files, analyse)
    if as_json:
        dump_json(rows)
    else:
        for r in rows:
            if "peaks" in r:
                r["n_peaks"] = len(r["peaks"])
                if "mesophase_tie" in r:
                    r["mesophase"] = "/".join(r["mesophase_tie"]) + " (tie)"
        print_table(rows, [("file", "file", ""), ("n_peaks", "peaks", "d"),
                           ("d_first_angstrom", "d₁ (Å)", ".2f"), ("mesophase", "mesophase", ""),
                           ("lattice_angstrom", "a (Å)", ".2f")], title="SAXS peaks")
    finish(status)


@command.command(name="thickness")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--wavelength", "wavelength_a", type=float, default=None,
              help="X-ray wavelength in Å (default: the one the file or the PONI states).")
@click.option("--energy", "energy_kev", type=float, default=None,
              help="X-ray energy in keV (checked against --wavelength, or used alone).")
@click.option("--k", "k", type=float, default=0.89, show_default=True, help="Scherrer constant K.")
@click.option("--poni", type=click.Path(exists=True, dir_okay=False), default=None,
              help="pyFAI PONI calibration, needed for 2D detector images.")
@click.option("--instrument-fwhm", type=float, default=0.0,
              help="Instrumental FWHM in Å⁻¹ to remove (Gaussian: in quadrature).")
@click.option("--background", type=click.Choice(["loglog", "powerlaw", "none"]), default="loglog",
              show_default=True, help="Background removed before fitting the peak.")
@click.option("--peak", type=click.Choice(["first", "strongest"]), default="first", show_default=True)
@json_option
def thickness(file, wavelength_a, energy_kev, k, poni, instrument_fwhm, background, peak, as_json):
    """Domain (sheet) thickness from the first peak's width: D = Kλ/(B cos θ) = 2πK/Δq.

    B is the FWHM in radians of 2θ of the background-subtracted peak (pseudo-Voigt fit).
    The wavelength is --wavelength (or --energy); without either, the one the file states
    (.pdh header, NXcanSAS SASsource, canSAS XML) or the PONI's, said in the quality notes.

    \b
    Example:
      dackit saxs thickness released.dat --wavelength 0.4859 --k 0.89 --json
      dackit saxs thickness sample.pdh --json
    """
    from pathlib import Path

    from dackit.cli._common import dump_json, print_table, run_per_file
    from dackit.saxs.analysis import load_saxs, thickness_with_verdict
    from dackit.saxs.wavelength import resolve_wavelength

    from dackit.errors import InputError

    _capture_warnings()
    given = wavelength_a is not None or energy_kev is not None
    lam = resolve_wavelength(wavelength_a, energy_kev)[0] if given else None

    def analyse(path):
        from dackit.io.kinds import refuse_micrograph

        refuse_micrograph(path, "dackit saxs thickness")
        pat = load_saxs(path, poni=poni, wavelength_a=lam)
        used = lam
        stated = []
        if used is None:
            used = pat.wavelength_a
            if used is None or not float(used) > 0:
                raise InputError(f"{path}: the file states no X-ray wavelength"
                                 f"{' and neither does the PONI' if poni else ''}; "
                                 "give --wavelength (Å) or --energy (keV)")
            stated = [f"wavelength {float(used):g} Å as the {'PONI' if poni else 'file'} states it "
                      "(no --wavelength given)"]
        r, verdict = thickness_with_verdict(pat, wavelength_a=used, k=k, peak=peak,
                                            background=background,
                                            instrument_fwhm_inv_a=instrument_fwhm)
        verdict = verdict.plus(info=stated)
        return {"file": str(path), "thickness_nm": r.thickness_nm,
                "thickness_nm_err": r.thickness_nm_err, **verdict.to_dict()}

    rows, status = run_per_file([Path(file)], analyse)
    if as_json:
        dump_json(rows[0])
    else:
        print_table(rows, [("file", "file", ""), ("thickness_nm", "thickness (nm)", ".2f"),
                           ("thickness_nm_err", "± (nm)", ".2f")], title="Scherrer thickness")
    finish(status)
