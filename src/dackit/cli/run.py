"""`dackit run`: the whole analysis of an experiment, from experiment.toml to report.html."""
from pathlib import Path

import click

from dackit.cli._common import dump_json, finish


@click.command("run")
@click.argument("experiment", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Output folder (results.json, tables, figures, report.html).")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Analyse files on a private local Dask cluster of N processes (TLS with "
                   "credentials made for this run; default: threads).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Address of a running dask.distributed scheduler, e.g. tls://10.0.0.5:8786 "
                   "(TLS files from the dask config, see README 'Running on several cores or a cluster').")
@click.option("--dashboard", is_flag=True,
              help="With --workers: serve the Dask dashboard on 127.0.0.1:8787 (off by default).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--no-report", is_flag=True, help="Skip figures and report.html (numbers only).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def command(experiment, out_dir, workers, scheduler, dashboard, quiet, no_report, as_json):
    """Analyse every file of an experiment and write results, tables, figures and a report.

    EXPERIMENT is an experiment.toml naming its run sheet. Results are cached per input file
    (content hash + settings), so a re-run only computes what changed or was not finished.
    A file that fails is listed with its reason; the rest is analysed and written, and the
    exit status is 2 (as for every command). An invalid description, an output folder that
    cannot be written or another run writing to it: one line, exit 2, nothing half-written.

    \b
    Example:
      dackit run demo_output/experiment/experiment.toml --out demo_output/results
      dackit run exp.toml --out res --workers 2 --json
    """
    from dackit.experiment.pipeline import run_experiment

    if quiet or as_json:
        summary = run_experiment(experiment, out_dir, workers=workers, scheduler=scheduler,
                                 report=not no_report, dashboard=dashboard)
    else:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            job = bar.add_task("analysing files", total=None)

            def progress(done, total, label):
                bar.update(job, completed=done, total=total, description=f"analysing {label}")

            summary = run_experiment(experiment, out_dir, workers=workers, scheduler=scheduler,
                                     progress=progress, report=not no_report, dashboard=dashboard)
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        dump_json(summary.to_dict())
        finish(summary.exit_status)
        return
    s = summary.to_dict()
    click.echo(f"{s['steps']} steps, {s['computed']} files analysed, {s['cached']} from cache, "
               f"{s['failures']} failed, {s['wall_time_s']:.1f} s")
    for f in summary.failures:
        click.echo(f"  failed: {f['file']} ({f['technique']}): {f['error']}", err=True)
    click.echo(f"results: {s['results']}")
    if s["report"]:
        click.echo(f"report:  {s['report']}")
    finish(summary.exit_status)
