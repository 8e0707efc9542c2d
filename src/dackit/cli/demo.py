"""`dackit demo`: simulate the virtual InP/ZnSe experiment, analyse it, compare with truth."""
from pathlib import Path

import click

from dackit.cli._common import dump_json, print_table


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo_output"), show_default=True,
              help="Folder: raw data go to OUT/experiment, results and report to OUT/results.")
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed of the simulation.")
@click.option("--steps", type=click.IntRange(6, 200), default=None,
              help="Number of pressure steps (default: the preset's).")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Analyse on a local Dask cluster of N processes (default: threads).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary and comparison as JSON.")
def command(out_dir, seed, steps, workers, as_json):
    """Simulate a virtual DAC experiment and analyse it end to end.

    Equivalent to `dackit simulate experiment OUT/experiment --preset inp-znse` followed by
    `dackit run OUT/experiment/experiment.toml --out OUT/results`, then prints, key by key,
    the results against the simulation's truth with the deviation in units of σ.

    \b
    Example:
      dackit demo --out demo_output
      dackit demo --out /tmp/demo --steps 20 --seed 7 --json
    """
    import json
    import time

    from dackit.experiment.compare import compare_with_truth
    from dackit.experiment.pipeline import run_experiment
    from dackit.virtual.description import preset
    from dackit.virtual.experiment import write_experiment

    t0 = time.perf_counter()
    written = write_experiment(out_dir / "experiment", preset("inp-znse", steps=steps, seed=seed))
    t_sim = time.perf_counter() - t0
    summary = run_experiment(written.experiment_toml, out_dir / "results", workers=workers)
    results = json.loads(summary.results_path.read_text())
    table = compare_with_truth(results, written.truth)
    out = {"simulate_s": round(t_sim, 2), "analyse_s": round(summary.wall_time_s, 2),
           **summary.to_dict(), "truth": str(written.truth_json),
           "comparison": table.to_dict("records")}
    if as_json:
        dump_json(out)
        return
    rows = table.to_dict("records")
    print_table(rows, [("key", "quantity", ""), ("truth", "truth", ".5g"), ("result", "result", ".5g"),
                       ("uncertainty", "± σ", ".2g"), ("sigma", "Δ/σ", "+.2f")], title="Results against truth")
    n = table["sigma"].notna().sum()
    within = int((table["sigma"].abs() <= 3).sum())
    labels = table[table["truth"].map(lambda v: isinstance(v, str))]
    same = int((labels["truth"] == labels["result"]).sum())
    click.echo(f"simulated in {t_sim:.1f} s, analysed in {summary.wall_time_s:.1f} s; "
               f"{within}/{n} numbers within 3σ of truth, {same}/{len(labels)} labels (phases) right; "
               f"{len(summary.failures)} files failed")
    click.echo(f"report: {summary.report_path}")
