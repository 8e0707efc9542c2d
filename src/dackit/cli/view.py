"""`dackit view`: a local review app over a results folder."""
import json
from pathlib import Path

import click


@click.command("view")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (default: a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback requires the token printed in the URL.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the URL.")
@click.option("--json", "as_json", is_flag=True, help='First line as JSON: {"url": ..., "out": ...}.')
def command(out_dir, port, host, no_browser, as_json):
    """Look at every fit of a run, exclude a file, watch results arrive.

    OUT_DIR is the --out folder of `dackit run` (or `dackit watch`). The first line printed is
    the app's URL. Pages: an overview of every series (click a point to open its measurement)
    and each measurement's raw data with its fit and residual. "Exclude" writes
    overrides.toml in the experiment folder and re-runs; `dackit run` then gives the same results.

    \b
    Example:
      dackit view demo_output/results --no-browser
      dackit view res --host 0.0.0.0 --port 5006     # prints a URL with ?token=...
      dackit view res --no-browser --json            # {"url": "http://127.0.0.1:.../", ...}
    """
    from dackit.errors import InputError

    try:
        from dackit.view.app import serve
    except ImportError as exc:
        raise InputError(f"dackit view needs Panel and Bokeh ({exc.name} is missing); "
                         "install them with: pip install 'dackit[view]'") from None

    def ready(url):
        click.echo(json.dumps({"url": url, "out": str(out_dir.resolve())}) if as_json else url)
        import sys
        sys.stdout.flush()

    serve(out_dir, port=port, host=host, show=not no_browser, on_ready=ready)
