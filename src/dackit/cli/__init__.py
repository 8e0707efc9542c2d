"""The ``dackit`` command line: a thin layer over the library.

Each command lives in its own module of this package and is imported only when it runs,
so ``dackit --help`` stays fast. To add a command, write ``cli/<name>.py`` with a click
command or group named ``command`` and list it in :data:`COMMANDS`.
"""
from __future__ import annotations

import importlib
import os
import sys

import click

from dackit import __version__
from dackit.errors import DackitError

# Every fit dackit runs is a small dense least-squares problem (a SAXS joint fit: a 1200 × 30
# Jacobian and one SVD per iteration). OpenBLAS's thread pool makes such an SVD ~100× slower
# on a machine whose cores are shared (measured, bench/saxs.py: 775 ms vs 4 ms with one
# thread; a SAXS pattern 150–250 s vs 2–3 s). numpy is not imported yet here, so the
# setting takes effect for the command and the worker processes it starts; a value the
# user set wins.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

#: command name → module (under dackit.cli) defining ``command``
COMMANDS = {
    "ruby": "ruby",
    "sm": "sm",
    "diamond": "diamond",
    "demo": "demo",
    "run": "run",
    "watch": "watch",
    "model": "model",
    "eos": "eos",
    "saxs": "saxs",
    "tem": "tem",
    "xrd": "xrd",
    "pl": "pl",
    "tauc": "tauc",
    "plqy": "plqy",
    "simulate": "simulate",
    "schema": "schema",
    "view": "view",
}

#: one-line help shown by ``dackit --help`` without importing the module
SUMMARIES = {
    "ruby": "Pressure from ruby R1/R2 fluorescence spectra.",
    "sm": "Pressure from Sm:SrB4O7 0-0 line spectra.",
    "diamond": "Pressure from the Raman edge of a stressed diamond anvil.",
    "demo": "Simulate a virtual DAC experiment and analyse it end to end.",
    "run": "Analyse a whole experiment (experiment.toml + run sheet) into results and a report.",
    "watch": "Follow an experiment folder during a beamtime; keep results and report current.",
    "model": "Forward models: core-shell nanocrystal PL energy vs pressure.",
    "eos": "Fit equations of state to P-V data; pressure from a standard's volume.",
    "saxs": "SAXS peaks, d-spacings, mesophase indexing and Scherrer thickness.",
    "tem": "TEM/STEM particle counting and size statistics.",
    "xrd": "X-ray diffraction: integrate detector images to patterns (lattice, phases).",
    "pl": "PL peak energies vs pressure, E(P) fit and CIE colour.",
    "tauc": "Band gaps from absorption spectra (Tauc, background removed).",
    "plqy": "PL quantum yield under pressure (Lorentz-Lorenz n).",
    "simulate": "Write a virtual DAC experiment (raw files, run sheet, truth.json).",
    "schema": "Print the JSON Schema of results.json (what `dackit run` writes).",
    "view": "Review app over a results folder: every fit, exclusions, live updates.",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"dackit.cli.{COMMANDS[name]}")
        return module.command

    def format_commands(self, ctx, formatter):
        rows = [(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dackit")
def cli():
    """dackit: diamond-anvil-cell data to results, with uncertainties.

    \b
    Examples:
      dackit ruby spectrum.txt --scale mao1986-hydrostatic --json
      dackit demo --out demo_output
    """


def main(argv=None):
    """Console entry point: run the CLI, turning a DackitError into a message and exit 2."""
    try:
        cli.main(args=argv, prog_name="dackit", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except DackitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except SystemExit:
        raise
    sys.exit(0)
