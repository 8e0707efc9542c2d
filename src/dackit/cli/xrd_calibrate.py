"""`dackit xrd calibrate`: detector geometry (PONI) from a calibrant image, automatically."""
from pathlib import Path

import click

from dackit.cli._common import dump_json, finish, json_option, print_table, run_per_file
from dackit.cli.xrd import command

CALIBRATE_COLUMNS = [("file", "image", ""), ("distance_mm", "distance (mm)", ".3f"),
                     ("poni1_mm", "PONI1 (mm)", ".3f"), ("poni2_mm", "PONI2 (mm)", ".3f"),
                     ("rot1_rad", "rot1 (rad)", ".5f"), ("rot2_rad", "rot2 (rad)", ".5f"),
                     ("rings", "rings", "d"), ("rms_deg", "rms (°)", ".4f"), ("quality", "quality", "")]


@command.command("calibrate")
@click.argument("image", type=click.Path(path_type=Path))
@click.option("--calibrant", required=True,
              help="pyFAI calibrant name, any case (CeO2, LaB6, Si, …) or a .D file of d-spacings.")
@click.option("--wavelength", "wavelength_a", type=float, default=None, help="X-ray wavelength (Å).")
@click.option("--energy", "energy_kev", type=float, default=None, help="X-ray energy (keV), instead of --wavelength.")
@click.option("--detector", default=None, help="pyFAI detector name, any case (Pilatus1M, Eiger2_4M, …).")
@click.option("--pixel-um", type=float, default=None, help="Pixel size (µm) of a detector pyFAI does not know.")
@click.option("--distance-mm", type=float, default=None,
              help="Rough sample-detector distance (mm); the search stays within ±30 % of it.")
@click.option("--mask", "mask_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Mask image (Dioptas .mask, tif, edf, .npy); nonzero pixels are ignored.")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="PONI file to write; a figure of the fitted rings is written beside it (.png).")
@json_option
def calibrate(image, calibrant, wavelength_a, energy_kev, detector, pixel_um, distance_mm, mask_path,
              out_path, as_json):
    """Calibrate the detector geometry from a calibrant IMAGE; write a PONI file.

    Fully automatic: the beam centre, distance and tilts are found from the rings (no
    clicked point). The PONI describes the image as stored, so
    `dackit xrd integrate IMAGE --poni OUT` needs no --flip-ud. JSON keys: file, poni,
    distance_mm, poni1_mm, poni2_mm, rot1_rad, rot2_rad, rot3_rad, wavelength_a, rings,
    rms_deg, quality, quality_notes. A doubtful calibration (few rings, large residuals,
    rings that are not the calibrant's) is still written, with a warning on stderr.

    \b
    Example:
      dackit xrd calibrate CeO2_Pilatus1M.tif --calibrant CeO2 --wavelength 0.4066 \\
          --detector Pilatus1M --out cal.poni --json
      dackit xrd calibrate lab6.tif --calibrant lab6 --energy 30 --pixel-um 200 --distance-mm 300 --out lab6.poni
    """
    from dackit.core.figures import save_figure
    from dackit.errors import InputError
    from dackit.io.images import read_image
    from dackit.xrd.calibrate import calibrate as run_calibration
    from dackit.xrd.calibrate import plot_calibration
    from dackit.xrd.geometry import write_poni

    if out_path.suffix.lower() != ".poni":
        raise InputError(f"--out {out_path}: give a file name ending in .poni")

    def one(path: Path) -> dict:
        img = read_image(path)
        result = run_calibration(img, calibrant, wavelength_a=wavelength_a, energy_kev=energy_kev,
                                 detector=detector, pixel_um=pixel_um, distance_mm=distance_mm,
                                 mask=mask_path, source=str(path))
        try:
            out_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{out_path.parent}: cannot create the output folder ({exc})") from None
        write_poni(result.geometry, out_path)
        save_figure(plot_calibration(img, result, title=f"{path.name}: {result.calibrant}, "
                                     f"{result.rings} rings, rms {result.rms_deg:.4f}°"),
                    out_path.with_suffix(".png"), dpi=120)
        row = result.to_dict()
        return {"file": row.pop("file"), "poni": str(out_path), **row}

    rows, status = run_per_file([image], one)
    if as_json:
        dump_json(rows[0])
    else:
        print_table(rows, CALIBRATE_COLUMNS, title=f"Calibration ({calibrant})")
    finish(status)
