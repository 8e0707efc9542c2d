"""`dackit xrd`: X-ray diffraction — images to patterns, and what follows from them.

A click group; each subcommand is a function below decorated with ``@command.command(...)``.
"""
from pathlib import Path

import click

from dackit.cli._common import dump_json, finish, json_option, print_table, run_per_file
from dackit.cli.xrd_options import integration_options


@click.group("xrd")
def command():
    """X-ray diffraction: integrate detector images into 1D patterns, and analyse them.

    \b
    Example:
      dackit xrd integrate frames/*.tif --poni geometry.poni --out patterns --json
      dackit xrd lattice patterns/*.xy --phase zincblende --json
      dackit xrd phases patterns/*.xy --candidates zincblende,rocksalt
    """


INTEGRATE_COLUMNS = [("file", "image", ""), ("frame", "frame", ""), ("output", "pattern", ""),
                     ("points", "points", "d"), ("wavelength_a", "λ (Å)", ".5f"), ("quality", "quality", "")]


@command.command("integrate")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--poni", "poni_path", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="pyFAI/Dioptas calibration (PONI v1, v2 or v2.1).")
@integration_options
@click.option("--frames", default=None,
              help="Frames of multi-frame files (HDF5/Eiger stacks, EDF, CBF, SPE): all (one pattern a "
                   "frame), sum, mean, N or N:M (frames N to M-1) [default: the first frame].")
@click.option("--bins", type=click.IntRange(min=10), default=None,
              help="Number of points [default: pixels along the longest radius].")
@click.option("--unit", type=click.Choice(["2th_deg", "q_A^-1"]), default="2th_deg", show_default=True,
              help="Radial axis of the patterns.")
@click.option("--format", "fmt", type=click.Choice(["xy", "chi", "fxye"]), default="xy", show_default=True,
              help="Output format: Dioptas .xy, Fit2D .chi, or GSAS-II .fxye (with a matching .instprm).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the patterns (created if needed).")
@json_option
def integrate(images, poni_path, settings, frames, bins, unit, fmt, out_dir, as_json):
    """Integrate detector IMAGES azimuthally into 1D patterns (pyFAI).

    Reads any image fabio reads (tif, edf, cbf, mar3450, mccd, SPE, HDF5/NeXus/Eiger stacks).
    The integrator is set up once and reused for every image and frame of the same shape.
    Negative pixels (Pilatus gaps) are masked. Writes OUT/<image stem>.xy (2θ in degrees,
    intensity, σ; a '#' header with wavelength and geometry, as Dioptas writes); with
    --frames all or N:M, OUT/<stem>_f<frame>.xy per frame (JSON rows gain `frame`), with
    sum or mean OUT/<stem>_sum.xy (rows gain `frames`, the number combined). Frames are read
    one at a time. Corrections: --dark, --flat, --background (empty cell, scale fixed or
    fitted), --polarization, solid angle, --sigma-clip. An image that cannot be integrated is
    reported (exit status 2) and the others are still integrated.

    \b
    Example:
      dackit xrd integrate CeO2_Pilatus1M.tif --poni CeO2_Pilatus1M.poni --flip-ud --out patterns
      dackit xrd integrate run/*.tif --poni cal.poni --mask cal.mask --polarization 0.99 --out xy --json
      dackit xrd integrate scan_master.h5 --poni cal.poni --frames all --sigma-clip 3 --out xy
      dackit xrd integrate p12.tif --poni cal.poni --background empty.tif --azimuth-range -30 30 --out xy
    """
    from dackit.errors import InputError
    from dackit.io.patterns import write_chi, write_xy
    from dackit.xrd.frames import iter_frame_patterns
    from dackit.xrd.geometry import read_poni

    geometry = read_poni(poni_path)
    integrator = settings.integrator(geometry, bins=bins, unit=unit)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the output folder ({exc})") from None
    writer = {"xy": write_xy, "chi": write_chi}.get(fmt) or _fxye_writer(settings.polarization)
    written: dict = {}

    def one(path: Path) -> list[dict]:
        from dackit.io.kinds import refuse_micrograph

        rows = []
        picture_doubts = refuse_micrograph(path)
        for fp in iter_frame_patterns(integrator, path, frames if frames is not None else "0"):
            if frames is None:
                stem, extra = path.stem, {}
            elif isinstance(fp.frame, int):
                stem, extra = f"{path.stem}_f{fp.frame:05d}", {"frame": fp.frame}
            else:
                stem, extra = f"{path.stem}_{fp.frame}", {"frame": fp.frame, "frames": fp.n_frames}
            output = out_dir / f"{stem}.{fmt}"
            if output in written:
                raise InputError(f"{path}: same name as {written[output]}; its pattern would overwrite "
                                 f"{output} (integrate them into different --out folders)")
            writer(fp.pattern, output)
            written[output] = path
            notes = picture_doubts + list(fp.pattern.metadata.get("quality_notes", []))
            row = {"file": str(path), **extra, "output": str(output), "points": int(fp.pattern.x.size),
                   "wavelength_a": fp.pattern.wavelength_a,
                   "quality": "doubtful" if notes else "ok", "quality_notes": notes}
            if settings.background is not None:
                row["background_scale"] = fp.pattern.metadata.get("background_scale")
            rows.append(row)
            if frames is None and fp.file_frames > 1:  # do not hide the other frames
                click.echo(f"note: {path}: holds {fp.file_frames} frames; only frame 0 was integrated "
                           "(use --frames all, sum, mean or N:M)", err=True)
        return rows

    rows, status = run_per_file(images, one)
    if as_json:
        dump_json(rows)
    else:
        print_table(rows, INTEGRATE_COLUMNS, title=f"Integrated with {poni_path.name}"
                    + (" (flipped up-down)" if settings.flip_ud else ""))
    finish(status)


def _fxye_writer(polarization):
    from dackit.io.gsas import write_fxye

    return lambda pattern, output: write_fxye(pattern, output, polarization=polarization)


import dackit.cli.xrd_analysis  # noqa: E402,F401  (registers the `lattice` and `phases` subcommands)
import dackit.cli.xrd_cake  # noqa: E402,F401  (registers the `cake` subcommand)
import dackit.cli.xrd_calibrate  # noqa: E402,F401  (registers the `calibrate` subcommand)
