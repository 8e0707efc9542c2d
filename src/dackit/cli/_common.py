"""Helpers every command shares: per-file batch runs, JSON/table output, option parsing."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import click
import numpy as np

from dackit.core.results import to_jsonable
from dackit.errors import DackitError, InputError

json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print machine-readable JSON instead of a table.")
plot_option = click.option("--plot", "plot_dir", type=click.Path(file_okay=False, path_type=Path),
                           default=None, help="Write a figure per input into this folder.")
files_argument = click.argument("files", nargs=-1, required=True,
                                type=click.Path(path_type=Path))  # a folder fails per file, not the call


def dump_json(obj) -> None:
    click.echo(json.dumps(to_jsonable(obj), indent=2))


def run_per_file(files: Iterable, analyse: Callable[[Path], dict | list[dict]]) -> tuple[list[dict], int]:
    """Analyse each file; a failure becomes ``{"file", "error"}`` and the rest go on.

    ``analyse`` gives one row, or a list of rows (one per frame of a multi-frame file).
    Returns the rows (in input order, flattened) and the exit status: 0, or 2 if any file
    failed. The reason for each failure, and for each doubtful row, goes to stderr as it happens.
    """
    rows, status = [], 0
    for path in files:
        try:
            out = analyse(Path(path))
            for row in out if isinstance(out, list) else [out]:
                rows.append(row)
                warn_if_doubtful(row)
        except DackitError as exc:
            # a library error raised far from the reader may not name the file: a batch must
            msg = str(exc) if str(path) in str(exc) else f"{path}: {exc}"
            rows.append({"file": str(path), "error": msg})
            click.echo(f"error: {msg}", err=True)
            status = 2
        except Exception as exc:  # noqa: BLE001 - a batch must survive any one bad file
            msg = f"{path}: unexpected {type(exc).__name__}: {exc} (please report this)"
            rows.append({"file": str(path), "error": msg})
            click.echo(f"error: {msg}", err=True)
            status = 2
    return rows, status


def warn_if_doubtful(row: dict) -> None:
    """A doubtful result still prints (exit status 0), with its reasons on stderr."""
    if isinstance(row, dict) and row.get("quality") == "doubtful":
        notes = "; ".join(str(n) for n in row.get("quality_notes", [])) or "no reason given"
        label = row.get("file", "result")
        frame = f" frame {row['frame']}" if "frame" in row else ""
        click.echo(f"warning: {label}{frame}: doubtful result: {notes}", err=True)


def print_table(rows: Sequence[dict], columns: Sequence[tuple[str, str, str]], title: str = "") -> None:
    """Rich table of ``rows``; ``columns`` are (key, header, format spec). Failed rows show their error."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title or None)
    for _, header, _ in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        if "file" in row:  # folders make tables unreadable; JSON keeps the full path
            row = {**row, "file": Path(str(row["file"])).name}
        if "error" in row:
            table.add_row(escape(str(row.get("file", ""))), "[red]failed (reason on stderr)[/red]",
                          *[""] * (len(columns) - 2))
            continue
        cells = []
        for key, _, fmt in columns:
            value = row.get(key)
            if value is None or (isinstance(value, (float, np.floating)) and not np.isfinite(value)):
                cells.append("")
            elif fmt and isinstance(value, (int, float, np.floating, np.integer)):
                cells.append(format(value, fmt))
            else:
                cells.append(escape(str(value)))  # "[step 3]" or a file name is text, not markup
        table.add_row(*cells)
    console = Console()
    # Piped output has no terminal width: let the table take its natural width, not 80 columns.
    console = console if console.is_terminal else Console(width=250)
    console.print(table)


def parse_float_list(text: str | None, option: str) -> list[float] | None:
    """'1,2.5,3' → [1.0, 2.5, 3.0], with an InputError naming the option on bad text."""
    if text is None:
        return None
    try:
        return [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise InputError(f"{option}: expected comma-separated numbers, got {text!r}") from None


def read_csv_table(path: Path, required, expected: str):
    """A small CSV table given on the command line, with lower-cased column names.

    InputError names the file when it is missing, unreadable, empty or lacks ``required``
    columns (``expected`` shows the user the layout).
    """
    import io

    import pandas as pd

    from dackit.io.guard import read_text_bytes

    path = Path(path)
    raw = read_text_bytes(path, "CSV table")  # a FIFO, a folder, 5 GB of text: refused first
    try:
        table = pd.read_csv(io.BytesIO(raw), skipinitialspace=True, comment="#")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: cannot read as CSV ({msg})") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; expected {expected}")
    if table.empty:
        raise InputError(f"{path}: no rows")
    return table


def finish(status: int) -> None:
    if status:
        sys.exit(status)
