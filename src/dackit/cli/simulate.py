"""`dackit simulate`: write virtual experiments with known truth."""
from __future__ import annotations

from pathlib import Path

import click

from dackit.cli._common import dump_json


@click.group("simulate")
def command():
    """Simulate raw data with known truth (instrument simulators driven by the physics).

    \b
    Example:
      dackit simulate experiment virtual_inp --preset inp-znse --seed 1
    """


@command.command("experiment")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--preset", "preset_name", default="inp-znse", show_default=True,
              help="Named virtual experiment (inp-znse: the reference InP/ZnSe study).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed; the same seed writes identical files.")
@click.option("--steps", type=click.IntRange(6, 200), default=None,
              help="Number of pressure steps (default 16: 13 up to 21.5 GPa, 3 down).")
@click.option("--standard", "pressure_standard", default=None,
              type=click.Choice(["au", "pt", "mgo", "nacl-b1", "nacl-b2", "ne"], case_sensitive=False),
              help="Mix an X-ray pressure standard with the sample (its rings in every XRD image; "
                   "experiment.toml names it as xrd.pressure_standard).")
@click.option("--sm", "sm_chip", is_flag=True, help="Put a Sm:SrB4O7 chip in the cell (one spectrum a step).")
@click.option("--json", "as_json", is_flag=True, help="Print paths and truth summary as JSON.")
def experiment(outdir, preset_name, seed, steps, pressure_standard, sm_chip, as_json):
    """Write a whole virtual DAC experiment into OUTDIR.

    Raw files as the instruments write them (ruby before/after each step, PL, absorption,
    XRD and SAXS detector TIFFs with PONI files, calibrated TEM TIFFs), runsheet.csv,
    experiment.toml (read by `dackit run`) and truth.json (every true value, under the keys of
    the pipeline's results.json).

    \b
    Example:
      dackit simulate experiment virtual_inp --steps 12 --seed 3
      dackit simulate experiment virtual_au --steps 6 --standard au --sm
      dackit run virtual_inp/experiment.toml --out virtual_inp/results
    """
    import time

    from dackit.virtual.description import preset
    from dackit.virtual.experiment import write_experiment

    t0 = time.perf_counter()
    import dataclasses

    description = preset(preset_name, steps=steps, seed=seed)
    if pressure_standard or sm_chip:
        description = dataclasses.replace(description, pressure_standard=pressure_standard and
                                          pressure_standard.lower(), sm_chip=sm_chip)
    written = write_experiment(outdir, description)
    seconds = time.perf_counter() - t0
    truth = written.truth
    summary = {
        "experiment_toml": str(written.experiment_toml.resolve()),
        "truth_json": str(written.truth_json.resolve()),
        "runsheet_csv": str(written.runsheet_csv.resolve()),
        "preset": preset_name, "seed": seed, "steps": len(truth["steps"]), "files": len(written.files),
        "wall_time_s": round(seconds, 2),
        "pl_fit": truth["pl_fit"], "transition_pressure_gpa": truth["transition_pressure_gpa"],
        "tem": truth["tem"],
    }
    if as_json:
        dump_json(summary)
        return
    click.echo(f"wrote {summary['files']} files for {summary['steps']} pressure steps in {seconds:.1f} s")
    click.echo(f"experiment: {summary['experiment_toml']}")
    click.echo(f"truth:      {summary['truth_json']}")
