"""`dackit xrd`: X-ray diffraction — images to patterns, and what follows from them.

A click group; each subcommand is a function below decorated with ``@command.command(...)``.
"""
from pathlib import Path

import click

from dackit.cli._common import dump_json, finish, json_option, print_table, run_per_file


@click.group("xrd")
def command():
    """X-ray diffraction: integrate detector images into 1D patterns, and analyse them.

    \b
    Example:
      dackit xrd integrate frames/*.tif --poni geometry.poni --out patterns --json
      dackit xrd lattice patterns/*.xy --phase zincblende --json
      dackit xrd phases patterns/*.xy --candidates zincblende,rocksalt
    """


INTEGRATE_COLUMNS = [("file", "image", ""), ("output", "pattern", ""), ("points", "points", "d"),
                     ("wavelength_a", "λ (Å)", ".5f")]


@command.command("integrate")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--poni", "poni_path", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="pyFAI/Dioptas calibration (PONI v1, v2 or v2.1).")
@click.option("--mask", "mask_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Mask image (Dioptas .mask, tif, edf, .npy); nonzero pixels are ignored.")
@click.option("--flip-ud", is_flag=True,
              help="The PONI was calibrated on the image flipped upside down "
                   "(Dioptas PONI files without detector orientation).")
@click.option("--bins", type=click.IntRange(min=10), default=None,
              help="Number of points [default: pixels along the longest radius].")
@click.option("--polarization", type=click.FloatRange(-1, 1), default=None,
              help="Polarisation factor (0.99 for a horizontally polarised synchrotron beam) "
                   "[default: no correction].")
@click.option("--saturation", type=float, default=None,
              help="Mask pixels at or above this count (saturated or hot).")
@click.option("--unit", type=click.Choice(["2th_deg", "q_A^-1"]), default="2th_deg", show_default=True,
              help="Radial axis of the patterns.")
@click.option("--format", "fmt", type=click.Choice(["xy", "chi", "fxye"]), default="xy", show_default=True,
              help="Output format: Dioptas .xy, Fit2D .chi, or GSAS-II .fxye (with a matching .instprm).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the patterns (created if needed).")
@json_option
def integrate(images, poni_path, mask_path, flip_ud, bins, polarization, saturation, unit, fmt,
              out_dir, as_json):
    """Integrate detector IMAGES azimuthally into 1D patterns (pyFAI).

    Reads any image fabio reads (tif, edf, cbf, mar3450, mccd, SPE, HDF5/NeXus frames).
    The integrator is set up once and reused for every image of the same shape. Negative
    pixels (Pilatus gaps) are masked. Writes OUT/<image stem>.xy (2θ in degrees, intensity,
    σ; a '#' header with wavelength and geometry, as Dioptas writes). An image that cannot be
    integrated is reported (exit status 2) and the others are still integrated.

    \b
    Example:
      dackit xrd integrate CeO2_Pilatus1M.tif --poni CeO2_Pilatus1M.poni --flip-ud --out patterns
      dackit xrd integrate run/*.tif --poni cal.poni --mask cal.mask --polarization 0.99 --out xy --json
    """
    from dackit.errors import InputError
    from dackit.io.images import read_image
    from dackit.io.patterns import write_chi, write_xy
    from dackit.xrd.geometry import read_poni
    from dackit.xrd.integrate import Integrator

    geometry = read_poni(poni_path)
    integrator = Integrator(geometry, mask=mask_path, bins=bins, unit=unit, polarization=polarization,
                            flip_ud=flip_ud, saturation=saturation)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the output folder ({exc})") from None
    writer = {"xy": write_xy, "chi": write_chi}.get(fmt) or _fxye_writer(polarization)
    written = {}

    def one(path: Path) -> dict:
        output = out_dir / f"{path.stem}.{fmt}"
        if output in written:
            raise InputError(f"{path}: same name as {written[output]}; its pattern would overwrite "
                             f"{output} (integrate them into different --out folders)")
        image = read_image(path)
        pattern = integrator.integrate(image, source=str(path))
        writer(pattern, output)
        written[output] = path
        return {"file": str(path), "output": str(output), "points": int(pattern.x.size),
                "wavelength_a": pattern.wavelength_a}

    rows, status = run_per_file(images, one)
    if as_json:
        dump_json(rows)
    else:
        print_table(rows, INTEGRATE_COLUMNS, title=f"Integrated with {poni_path.name}"
                    + (" (flipped up-down)" if flip_ud else ""))
    finish(status)


def _fxye_writer(polarization):
    from dackit.io.gsas import write_fxye

    return lambda pattern, output: write_fxye(pattern, output, polarization=polarization)


import dackit.cli.xrd_analysis  # noqa: E402,F401  (registers the `lattice` and `phases` subcommands)
import dackit.cli.xrd_calibrate  # noqa: E402,F401  (registers the `calibrate` subcommand)
