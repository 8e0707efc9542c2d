"""`dackit diamond`: pressure from the Raman edge of a stressed diamond anvil."""
from __future__ import annotations

from pathlib import Path

import click

from dackit.cli._common import dump_json, files_argument, finish, json_option, print_table, run_per_file

#: the JSON keys of each row (issue 13) and the verdict (issue 10)
KEYS = ("file", "pressure_gpa", "pressure_gpa_err", "edge_cm1", "edge_cm1_err", "scale",
        "quality", "quality_notes")
COLUMNS = [("file", "file", ""), ("pressure_gpa", "P (GPa)", ".2f"), ("pressure_gpa_err", "±", ".2f"),
           ("edge_cm1", "edge (cm⁻¹)", ".1f"), ("edge_cm1_err", "±", ".1f"), ("scale", "scale", ""),
           ("quality", "quality", "")]


@click.command("diamond")
@files_argument
@click.option("--scale", default="akahama2006", show_default=True,
              type=click.Choice(["akahama2006", "akahama2010"]),
              help="Diamond-edge calibration (Akahama & Kawamura 2006, to 310 GPa; 2010, to 410 GPa).")
@click.option("--laser-nm", "laser_nm", type=float, default=None,
              help="Laser line (nm), when x is in wavelength or absolute wavenumber.")
@click.option("--nu0", "nu0_cm1", type=float, default=None,
              help="Ambient edge of these anvils (cm⁻¹); default the scale's 1334.")
@json_option
def command(files, scale, laser_nm, nu0_cm1, as_json):
    """Pressure from the high-frequency edge of the stressed diamond Raman band.

    x is Raman shift (cm⁻¹), or wavelength in nm with --laser-nm. The edge is the minimum
    of the smoothed derivative above the unstressed 1333 cm⁻¹ line; its error comes from the
    noise (bootstrap) and the smoothing, and the pressure error adds the scale's own.

    \b
    Example:
      dackit diamond anvil_tip_*.txt --scale akahama2006 --json
      dackit diamond tip.txt --laser-nm 532 --json
    """
    from dackit.gauge.diamond import fit_diamond_edge
    from dackit.io import read_spectrum

    def analyse(path: Path) -> dict:
        r = fit_diamond_edge(read_spectrum(path), scale=scale, laser_nm=laser_nm, nu0_cm1=nu0_cm1)
        d = r.to_dict()
        return {k: d[k] for k in KEYS}

    rows, status = run_per_file(files, analyse)
    if as_json:
        dump_json(rows)
    else:
        print_table([{**r, "file": Path(r["file"]).name} for r in rows if "error" not in r], COLUMNS,
                    title=f"Diamond Raman edge pressure ({scale})")
    finish(status)
