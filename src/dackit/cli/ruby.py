"""`dackit ruby`: pressure from ruby fluorescence spectra."""
import click

from dackit.cli import _contract as contract
from dackit.cli._common import files_argument, finish, json_option, plot_option
from dackit.cli._gauge import laser_option, ref_file_option, reference_from_file, run_gauge
from dackit.gauge import ruby

COLUMNS = [("file", "file", ""), ("pressure_gpa", "P (GPa)", ".3f"), ("pressure_gpa_err", "±", ".3f"),
           ("r1_nm", "R1 (nm)", ".4f"), ("r1_nm_err", "±", ".4f"), ("r2_nm", "R2 (nm)", ".4f"),
           ("scale", "scale", ""), ("model", "model", ""), ("quality", "quality", "")]


@click.command("ruby")
@files_argument
@click.option("--scale", default=ruby.DEFAULT_SCALE, show_default=True,
              type=click.Choice(sorted(ruby.RUBY_SCALES)), help="Ruby calibration scale.")
@click.option("--ref", "ref_nm", type=float, default=ruby.DEFAULT_R1_0_NM, show_default=True,
              help="Ambient R1 wavelength (nm) of the same ruby, measured at room temperature.")
@click.option("--ref-err", "ref_err_nm", type=float, default=ruby.DEFAULT_R1_0_ERR_NM, show_default=True,
              help="Uncertainty of --ref (nm), propagated into the pressure error.")
@click.option("--temperature", "temperature_k", type=float, default=None,
              help="Sample temperature (K): correct R1 back to 296 K.")
@click.option("--t-correction", type=click.Choice(sorted(ruby.TEMPERATURE_CORRECTIONS)),
              default="datchi2007", show_default=True, help="Temperature correction of R1.")
@ref_file_option("R1")
@laser_option
@json_option
@plot_option
def command(files, scale, ref_nm, ref_err_nm, temperature_k, t_correction, ref_file, laser_nm, as_json, plot_dir):
    """Pressure from ruby R1/R2 fluorescence spectra.

    Fits the R1/R2 doublet (two pseudo-Voigts on a linear baseline; shared or free widths,
    as an F-test on the data decides) of every FILE in one batch, takes R1 at its maximum
    and converts it to pressure with the chosen scale. Each row says which model was used
    and carries quality ok/doubtful with notes (a doubtful row warns on stderr). Reads
    two-column text, CSV, Ocean Optics, SPE and SIF files. A file that cannot be measured
    is reported (exit status 2) and the others are still measured.

    \b
    Example:
      dackit ruby p01.txt p02.txt --scale mao1986-hydrostatic --ref 694.22 --json
      dackit ruby raman_export.txt --laser-nm 532 --ref 694.24 --json

    Give --ref, the ambient R1 of your ruby on your spectrometer: the default
    694.24 nm is not a measurement of your setup (the rows say so in their notes).
    """
    if ref_file is not None:
        ref_nm, ref_err_nm = reference_from_file(ref_file, ruby.reference_from_spectrum, laser_nm)

    def fit(spectra):
        return ruby.fit_ruby(spectra, scale=scale, lambda0_nm=ref_nm, lambda0_err_nm=ref_err_nm,
                             temperature_k=temperature_k, t_correction=t_correction,
                             laser_nm=laser_nm)

    def to_nm(spectrum):
        from dackit.gauge.lines import spectrum_in_nm
        return spectrum_in_nm(spectrum, "ruby", ruby.R1_SEARCH_NM, laser_nm=laser_nm)[:2]

    finish(run_gauge(files, fit, COLUMNS, keys=contract.RUBY, as_json=as_json, plot_dir=plot_dir,
                     title=f"Ruby pressure ({scale}, λ0 = {ref_nm} nm)",
                     to_nm=to_nm, annotate=lambda r: f"R1 = {r.r1_nm:.3f} nm\nP = {r.pressure_gpa:.2f} ± "
                                        f"{r.pressure_gpa_err:.2f} GPa"))

