"""A virtual DAC experiment: instrument simulators driven with known truth, writing raw files.

>>> from dackit.virtual import preset
>>> preset("inp-znse").steps[0].pressure_gpa
0.0

``write_experiment(outdir, preset("inp-znse"))`` writes the raw files, ``runsheet.csv``,
``experiment.toml`` and ``truth.json`` (the CLI: ``dackit simulate experiment OUTDIR``).
"""
from dackit.virtual.description import PRESETS, VirtualExperiment, preset, pressure_steps
from dackit.virtual.experiment import Plan, WrittenExperiment, plan_experiment, write_experiment

__all__ = ["PRESETS", "VirtualExperiment", "preset", "pressure_steps", "Plan", "WrittenExperiment",
           "plan_experiment", "write_experiment"]
