"""`dackit schema`: the JSON Schema of results.json."""
from __future__ import annotations

import json

import click


@click.command("schema")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON (the default already is JSON; accepted like every command's --json).")
def command(as_json):
    """Print the JSON Schema (draft 2020-12) of the results.json that `dackit run` writes.

    Every key of results.json is described here, with its type, whether it is required,
    and its unit in its name; `dackit run` validates each results.json against it before
    writing. Use it to check results in another language or to generate readers.

    \b
    Example:
      dackit schema > results.schema.json
      dackit schema --json | python -m json.tool
    """
    from dackit.core.schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
