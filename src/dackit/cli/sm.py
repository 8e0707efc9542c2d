"""`dackit sm`: pressure from Sm:SrB4O7 fluorescence spectra."""
import click

from dackit.cli import _contract as contract
from dackit.cli._common import files_argument, finish, json_option, plot_option
from dackit.cli._gauge import laser_option, ref_file_option, reference_from_file, run_gauge
from dackit.gauge import sm

COLUMNS = [("file", "file", ""), ("pressure_gpa", "P (GPa)", ".3f"), ("pressure_gpa_err", "±", ".3f"),
           ("line_nm", "0-0 (nm)", ".4f"), ("line_nm_err", "±", ".4f"), ("scale", "scale", ""),
           ("quality", "quality", "")]


@click.command("sm")
@files_argument
@click.option("--scale", default=sm.DEFAULT_SCALE, show_default=True,
              type=click.Choice(sorted(sm.SM_SCALES)), help="Sm:SrB4O7 calibration scale.")
@click.option("--ref", "ref_nm", type=float, default=sm.DEFAULT_SM_0_NM, show_default=True,
              help="Ambient 0-0 line wavelength (nm) of the same crystal.")
@click.option("--ref-err", "ref_err_nm", type=float, default=sm.DEFAULT_SM_0_ERR_NM, show_default=True,
              help="Uncertainty of --ref (nm).")
@ref_file_option("0-0 line")
@laser_option
@json_option
@plot_option
def command(files, scale, ref_nm, ref_err_nm, ref_file, laser_nm, as_json, plot_dir):
    """Pressure from the Sm:SrB4O7 0-0 line (685.41 nm at ambient).

    \b
    Example:
      dackit sm hot_cell_01.txt --scale datchi1997 --json
    """
    if ref_file is not None:
        ref_nm, ref_err_nm = reference_from_file(ref_file, sm.reference_from_spectrum, laser_nm)

    def fit(spectra):
        return sm.fit_sm(spectra, scale=scale, lambda0_nm=ref_nm, lambda0_err_nm=ref_err_nm,
                        laser_nm=laser_nm)

    def to_nm(spectrum):
        from dackit.gauge.lines import spectrum_in_nm
        return spectrum_in_nm(spectrum, "Sm:SrB4O7", sm.SM_SEARCH_NM, laser_nm=laser_nm)[:2]

    finish(run_gauge(files, fit, COLUMNS, keys=contract.SM, as_json=as_json, plot_dir=plot_dir,
                     title=f"Sm:SrB4O7 pressure ({scale})",
                     to_nm=to_nm, annotate=lambda r: f"0-0 = {r.line_nm:.3f} nm\nP = {r.pressure_gpa:.2f} GPa"))

