"""What `dackit ruby` and `dackit sm` share: read every file, fit them as one batch, report."""
from __future__ import annotations

from pathlib import Path

import click

from dackit.cli._common import dump_json, print_table, warn_if_doubtful
from dackit.cli._contract import gauge_row
from dackit.core.results import Failure
from dackit.errors import DackitError

laser_option = click.option(
    "--laser-nm", "laser_nm", type=float, default=None,
    help="Excitation laser wavelength (nm) when x is a Raman shift (cm-1), as Raman "
         "spectrometers record the gauge lines.")


def ref_file_option(line: str):
    """``--ref-file``: an ambient spectrum whose fitted ``line`` replaces --ref and --ref-err."""
    return click.option("--ref-file", "ref_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="Spectrum of the same crystal at ambient pressure on the same spectrometer: its "
                             f"fitted {line} replaces --ref and --ref-err (cancels a spectrometer offset).")


def reference_from_file(path: Path, reference_from_spectrum, laser_nm) -> tuple[float, float]:
    """(λ0, σλ0) from the ambient spectrum ``path`` through the gauge's
    ``reference_from_spectrum``; a bad reference ends the command (exit 2)."""
    from dackit.io import read_spectrum

    try:
        return reference_from_spectrum(read_spectrum(path), laser_nm=laser_nm)
    except DackitError as exc:
        raise click.ClickException(f"--ref-file: {exc}") from None


def run_gauge(files, fit, columns, *, keys, as_json: bool, plot_dir: Path | None, title: str,
              annotate, to_nm=None) -> int:
    """Read ``files``, call ``fit(list_of_spectra)``, print rows (the contract ``keys`` of each
    fit, see :mod:`dackit.cli._contract`); return the exit status. ``to_nm(spectrum)`` gives
    the (x in nm, y) the fit saw, for the figure (a Raman-shift or eV file is plotted in nm)."""
    from dackit.io import read_spectrum

    rows: list = [None] * len(files)
    spectra, index = [], []
    for i, path in enumerate(files):
        try:
            spectra.append(read_spectrum(path))
            index.append(i)
        except DackitError as exc:
            rows[i] = Failure.from_exception(path, exc)
    for i, spectrum, result in zip(index, spectra, fit(spectra) if spectra else []):
        rows[i] = result
        if plot_dir is not None and not isinstance(result, Failure):
            from dackit.core.figures import plot_fit, save_figure
            x, y = to_nm(spectrum) if to_nm is not None else (spectrum.x, spectrum.y)
            fig = plot_fit(x, y, result.fit, window=result.window_nm,
                           title=Path(spectrum.source).name, annotation=annotate(result))
            save_figure(fig, Path(plot_dir) / f"{Path(spectrum.source).stem}.png", dpi=150)
    out = [gauge_row(r, keys) for r in rows]
    for r, row in zip(rows, out):
        if isinstance(r, Failure):
            click.echo(f"error: {r.error}", err=True)
        else:
            warn_if_doubtful(row)
    if as_json:
        dump_json(out)
    else:
        print_table(out, columns, title=title)
    return 2 if any(isinstance(r, Failure) for r in rows) else 0
