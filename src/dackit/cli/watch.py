"""`dackit watch`: follow an experiment during a beamtime and keep results and report current."""
from pathlib import Path

import click


def _line(cycle) -> str:
    from datetime import datetime

    stamp = datetime.now().strftime("%H:%M:%S")
    if cycle.status == "analysed":
        s = cycle.summary.to_dict()
        text = (f"{stamp} cycle {cycle.number}: {s['steps']} steps, {s['computed']} files analysed, "
                f"{s['cached']} from cache, {s['failures']} failed, {len(cycle.waiting)} waiting, "
                f"{s['wall_time_s']:.1f} s")
    elif cycle.status == "waiting":
        text = f"{stamp} cycle {cycle.number}: nothing to analyse yet, {len(cycle.waiting)} files waiting"
    else:
        text = f"{stamp} cycle {cycle.number}: {cycle.status}"
    if cycle.waiting:
        names = [w["file"] for w in cycle.waiting]
        text += "\n  waiting: " + ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    return text


@click.command("watch")
@click.argument("experiment", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Output folder (results.json, tables, figures, report.html).")
@click.option("--interval", type=click.FloatRange(min=0, min_open=True), default=2.0, show_default=True,
              help="Seconds between two polls of the folder.")
@click.option("--once", is_flag=True, help="One cycle, then exit (exit 2 if the description is invalid).")
@click.option("--max-cycles", type=click.IntRange(1), default=None, help="Stop after N cycles.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Analyse files on a local Dask cluster of N processes, kept for the session.")
@click.option("--dashboard", is_flag=True,
              help="With --workers: serve the Dask dashboard on 127.0.0.1:8787 (off by default).")
@click.option("--quiet", is_flag=True, help="Print only errors, failures and the final line.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per cycle that did something (JSON Lines).")
def command(experiment, out_dir, interval, once, max_cycles, workers, dashboard, quiet, as_json):
    """Follow an experiment folder during a beamtime and keep results and report current.

    Every INTERVAL seconds the folder is polled (mtime and size of experiment.toml, the run
    sheet and every file it lists: polling works on NFS and other network filesystems where
    file-change notifications never arrive). When something changed, the experiment is
    re-analysed as `dackit run` would, but run-sheet rows whose file has not arrived yet are
    listed as waiting instead of failing; only new or changed files are computed (cache) and
    report.html is redrawn only when the results changed. An invalid experiment.toml or run
    sheet is reported and watching goes on. Ctrl-C stops cleanly.

    \b
    Example:
      dackit watch /data/beamtime/experiment.toml --out /data/beamtime/results
      dackit watch exp.toml --out res --interval 10 --workers 2
      dackit watch exp.toml --out res --once --json
    """
    import json

    from dackit.experiment.watch import watch_experiment

    seen_failures: set = set()
    invalid = [False]  # is the description invalid as of the last cycle that acted?

    def report(cycle):
        if cycle.status == "unchanged":
            return
        invalid[0] = cycle.status == "error"
        if as_json:
            click.echo(json.dumps(cycle.to_dict(), allow_nan=False))
            return
        if cycle.status == "error":
            click.echo(f"cycle {cycle.number}: error: {cycle.error} (still watching)", err=True)
            return
        if not quiet:
            click.echo(_line(cycle))
        for f in cycle.summary.failures if cycle.summary else ():
            if (f["file"], f["error"]) not in seen_failures:
                seen_failures.add((f["file"], f["error"]))
                click.echo(f"  failed: {f['file']} ({f['technique']}): {f['error']}", err=True)

    interrupted = False
    try:
        cycles = watch_experiment(experiment, out_dir, interval_s=interval, max_cycles=1 if once else max_cycles,
                                  workers=workers, on_cycle=report, dashboard=dashboard)
        ending = f"done after {cycles} cycle{'s' * (cycles != 1)}"
    except KeyboardInterrupt:
        interrupted, ending = True, "stopped watching (Ctrl-C)"
    results = out_dir / "results.json"
    click.echo(f"{ending}; results: {results if results.exists() else 'none yet'}", err=True)
    if invalid[0] and not interrupted:
        raise SystemExit(2)  # a scripted --once/--max-cycles run ended on an invalid description
