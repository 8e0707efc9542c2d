"""``dackit tem``: particle sizing in TEM/STEM images."""
from __future__ import annotations

import click

from dackit.cli._common import files_argument, finish, json_option, plot_option


@click.group(name="tem")
def command():
    """TEM/STEM image analysis: particle counting and size statistics.

    \b
    Example:
      dackit tem size area1.dm4 area2.dm4 --contrast bright --json
    """


@command.command(name="size")
@files_argument
@click.option("--pixel-nm", type=float, default=None,
              help="Pixel size in nm (overrides the file's calibration; needed for TIFF/PNG without one).")
@click.option("--scale-bar-nm", type=float, default=None,
              help="Calibrate by the image's burned-in scale bar: the length written on it, in nm. "
                   "The bar's length in pixels is measured; the file's own calibration, if any, is "
                   "checked against it.")
@click.option("--contrast", type=click.Choice(["auto", "dark", "bright"]), default="auto",
              show_default=True, help="dark: bright-field (dark particles); bright: HAADF.")
@click.option("--level", type=float, default=None,
              help="Boundary at this fraction of the particle contrast (0.2 for projected spheres). "
                   "Default: each particle is measured at the edge of a fit of its radial profile "
                   "(blurred disk or sphere), and the result is doubtful when the mean depends on "
                   "the edge level by more than 5 %; giving --level states the edge and thresholds there.")
@click.option("--min-diameter-nm", type=float, default=None,
              help="Smallest particle counted (default 3 pixels).")
@json_option
@plot_option
def size(files, pixel_nm, scale_bar_nm, contrast, level, min_diameter_nm, as_json, plot_dir):
    """Count particles and measure their diameters (equivalent-area circle).

    Touching particles are split by a distance/intensity watershed. Not counted, and
    listed in quality_notes: objects touching the edge, scale bars with their labels and
    information bars, fragments below 25 % of the median area, clusters that could not be
    split. Prints N, mean, SD, standard error, median diameter and quality per image.

    \b
    Example:
      dackit tem size JEOL_HAADF.dm4 SiO2_HAADF.hspy --json
      dackit tem size image.tif --pixel-nm 0.25 --contrast dark --plot figures
      dackit tem size figure3a.png --scale-bar-nm 100
    """
    from dackit.cli._common import dump_json, print_table, run_per_file
    from dackit.tem.detect import detect_particles
    from dackit.tem.io import read_tem_image
    from dackit.tem.stats import size_statistics

    def analyse(path):
        img = read_tem_image(path, pixel_nm=pixel_nm, scale_bar_nm=scale_bar_nm)
        det = detect_particles(img, contrast=contrast, level=level, min_diameter_nm=min_diameter_nm)
        s = size_statistics(det.diameters_nm)
        if plot_dir is not None:
            from dackit.tem.plots import save_tem_figure

            save_tem_figure(det, plot_dir / f"{path.stem}_tem.png")
        return {"file": str(path), "n": s.n, "mean_nm": s.mean_nm, "sd_nm": s.sd_nm,
                "se_nm": s.se_nm, "median_nm": s.median_nm, **det.verdict.to_dict()}

    rows, status = run_per_file(files, analyse)
    if as_json:
        dump_json(rows)
    else:
        print_table(rows, [("file", "file", ""), ("n", "N", "d"), ("mean_nm", "mean (nm)", ".2f"),
                           ("sd_nm", "SD (nm)", ".2f"), ("se_nm", "SE (nm)", ".2f"),
                           ("median_nm", "median (nm)", ".2f"), ("quality", "quality", "")], title="TEM particle sizes")
    finish(status)
