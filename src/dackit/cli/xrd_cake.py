"""`dackit xrd cake`: azimuth × 2θ images and the texture of each powder ring.

Registered on the ``xrd`` group of :mod:`dackit.cli.xrd` (imported at its end).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from dackit.cli._common import dump_json, finish, json_option, print_table, run_per_file
from dackit.cli.xrd import command
from dackit.cli.xrd_options import integration_options

CAKE_COLUMNS = [("file", "image", ""), ("frame", "frame", ""), ("output", "cake", ""), ("rings", "rings", ""),
                ("texture", "texture (2θ label index)", ""), ("quality", "quality", "")]


@command.command("cake")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--poni", "poni_path", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="pyFAI/Dioptas calibration (PONI v1, v2 or v2.1).")
@integration_options
@click.option("--frames", default=None,
              help="Frames of multi-frame files: all, sum, mean, N or N:M [default: the first frame].")
@click.option("--azimuth-bins", type=click.IntRange(min=4), default=360, show_default=True,
              help="Bins over 360° of azimuth.")
@click.option("--bins", type=click.IntRange(min=10), default=None,
              help="Radial (2θ) bins [default: about one per pixel of radius].")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for OUT/<stem>_cake.h5 (NeXus) and OUT/<stem>_cake.png.")
@json_option
def cake(images, poni_path, settings, frames, azimuth_bins, bins, out_dir, as_json):
    """Integrate IMAGES into cakes (azimuth × 2θ) and measure each ring's texture.

    Writes OUT/<stem>_cake.h5 (NeXus NXdata /entry/cake: intensity[azimuth, 2θ] with axes
    azimuth and twotheta in degrees; /entry/texture) and a PNG. For each powder ring found,
    a texture index: the coefficient of variation of the ring's background-subtracted
    intensity along the azimuth, beyond counting noise (0 for a fine powder; ≥ 0.1 textured
    or spotty; ≥ 1 single spots) — so recrystallisation or preferred orientation under
    pressure shows. JSON rows: file, output, png, rings [{twotheta_deg, texture_index,
    low_order_fraction, coverage, label, quality, quality_notes}], quality, quality_notes.

    \b
    Example:
      dackit xrd cake p*.tif --poni cal.poni --polarization 0.99 --out cakes --json
      dackit xrd cake scan_master.h5 --poni cal.poni --frames sum --azimuth-bins 180 --out cakes
    """
    from dackit.core.figures import save_figure
    from dackit.errors import InputError
    from dackit.io.frames import open_frames, parse_frames
    from dackit.xrd.cake import cake_image, cake_verdict, plot_cake, ring_texture, write_cake_nexus
    from dackit.xrd.frames import sum_frames
    from dackit.xrd.geometry import read_poni

    integrator = settings.integrator(read_poni(poni_path), bins=None if bins is None else 2 * bins)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the output folder ({exc})") from None
    written: dict = {}

    def one(path: Path) -> list[dict]:
        rows = []
        with open_frames(path) as src:
            selection = parse_frames(frames if frames is not None else "0", src.nframes, source=str(path))
            if src.mask is not None:
                integrator.add_mask(src.mask)
            if selection.combine is None:
                items = [(i, f, 1) for i, f in src.frames(selection.indices)]
            else:  # the summed counts (Poisson σ right for the texture); "mean" rescales below
                items = [(selection.combine, sum_frames(integrator, src, selection.indices),
                          len(selection.indices))]
            for label, image, n_frames in items:
                stem = path.stem if frames is None else (
                    f"{path.stem}_f{label:05d}" if isinstance(label, int) else f"{path.stem}_{label}")
                output = out_dir / f"{stem}_cake.h5"
                if output in written:
                    raise InputError(f"{path}: same name as {written[output]}; its cake would overwrite "
                                     f"{output} (use different --out folders)")
                c = cake_image(integrator, image, azimuth_bins=azimuth_bins, radial_bins=bins,
                               source=str(path), n_frames=n_frames)
                if label == "mean":
                    c = replace(c, intensity=c.intensity / n_frames, sigma=c.sigma / n_frames)
                rings = ring_texture(c)
                write_cake_nexus(c, output, rings)
                png = save_figure(plot_cake(c, rings), out_dir / f"{stem}_cake.png")
                written[output] = path
                row = {"file": str(path), **({} if frames is None else {"frame": label}),
                       "output": str(output), "png": str(png),
                       "azimuth_bins": int(c.azimuth_deg.size), "radial_bins": int(c.radial.size),
                       "rings": [r.to_dict(c.unit) for r in rings], **cake_verdict(c, rings).to_dict()}
                rows.append(row)
        return rows

    rows, status = run_per_file(images, one)
    if as_json:
        dump_json(rows)
    else:
        shown = [{**r, "rings": len(r.get("rings", [])),
                  "texture": "; ".join(f"{g['twotheta_deg']:.2f} {g['label']} {g['texture_index']:.2f}"
                                       for g in r.get("rings", []))} for r in rows]
        print_table(shown, CAKE_COLUMNS, title=f"Cakes with {poni_path.name}")
    finish(status)
