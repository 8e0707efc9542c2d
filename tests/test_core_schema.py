"""results.json and its schema: a real run validates against what `dackit schema` prints, the
schema rejects drift, and the report reads through it (issue 11)."""
from __future__ import annotations

import copy
import json
import re

import pytest

from cli_helpers import run_dackit
from dackit.core import schema
from dackit.errors import DackitError, InputError


# --------------------------------------------------------------------------- a small JSON Schema check
# Written here on purpose, independent of pydantic (which produced the schema): it walks the
# printed schema the way any other consumer would. It covers the keywords that schema uses.

def _resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].removeprefix("#/$defs/")
        node = root["$defs"][name]
    return node


_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _type_ok(value, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _TYPES[kind])


def check(value, node: dict, root: dict, where: str = "$") -> list[str]:
    """Problems of ``value`` against schema ``node`` (an empty list: valid)."""
    node = _resolve(node, root)
    if "anyOf" in node:
        tries = [check(value, sub, root, where) for sub in node["anyOf"]]
        return [] if any(not t for t in tries) else [f"{where}: matches none of anyOf ({tries})"]
    problems = []
    if "type" in node and not _type_ok(value, node["type"]):
        return [f"{where}: {type(value).__name__} is not {node['type']}"]
    if "const" in node and value != node["const"]:
        problems.append(f"{where}: {value!r} is not {node['const']!r}")
    if "enum" in node and value not in node["enum"]:
        problems.append(f"{where}: {value!r} not in {node['enum']}")
    if "pattern" in node and isinstance(value, str) and not re.search(node["pattern"], value):
        problems.append(f"{where}: {value!r} does not match {node['pattern']}")
    if isinstance(value, dict):
        props = node.get("properties", {})
        for key in node.get("required", []):
            if key not in value:
                problems.append(f"{where}: required key {key!r} missing")
        extra = node.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                problems += check(item, props[key], root, f"{where}.{key}")
            elif extra is False:
                problems.append(f"{where}: key {key!r} not in the schema")
            elif isinstance(extra, dict):
                problems += check(item, extra, root, f"{where}.{key}")
    if isinstance(value, list):
        if "minItems" in node and len(value) < node["minItems"]:
            problems.append(f"{where}: fewer than {node['minItems']} items")
        if "maxItems" in node and len(value) > node["maxItems"]:
            problems.append(f"{where}: more than {node['maxItems']} items")
        if "items" in node:
            for i, item in enumerate(value):
                problems += check(item, node["items"], root, f"{where}[{i}]")
    return problems


def test_the_checker_can_fail():
    root = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"],
            "additionalProperties": False}
    assert check({"a": 1}, root, root) == []
    assert check({"a": 1.5}, root, root) and check({}, root, root) and check({"a": 1, "b": 2}, root, root)


# --------------------------------------------------------------------------- a real run


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The demo pipeline on the smallest virtual experiment (6 steps, every technique), with its
    report; and the schema as `dackit schema` prints it."""
    from dackit.experiment.pipeline import run_experiment
    from dackit.virtual.description import preset
    from dackit.virtual.experiment import write_experiment

    root = tmp_path_factory.mktemp("schema")
    written = write_experiment(root / "experiment", preset("inp-znse", steps=6, seed=3))
    summary = run_experiment(written.experiment_toml, root / "results")
    code, out, err = run_dackit("schema")
    assert code == 0, err
    return summary, json.loads(summary.results_path.read_text()), json.loads(out)


def test_results_json_validates_against_dackit_schema(run):
    summary, results, printed = run
    assert printed["$schema"].endswith("2020-12/schema")
    assert check(results, printed, printed) == []
    # every technique of the demo is there, so the check covered each section's model
    for key in ("steps", "ruby", "pl", "pl_fit", "tauc", "xrd", "eos", "transition", "saxs", "tem",
                "tem_by_step", "doubtful", "failures", "provenance"):
        assert key in results, key
    assert schema.read_results(summary.results_path).experiment == results["experiment"]


def test_one_name_for_reduced_chi2(run):
    _, results, printed = run
    text = json.dumps(results) + json.dumps(printed)
    assert "chi2_red" not in text
    assert "redchi" in results["pl_fit"] and all("redchi" in e for e in results["eos"].values())


def test_unreadable_file_has_null_hash(run):
    # the pipeline records sha256 None for a file it could not read (tests/test_experiment_faults.py)
    _, results, printed = run
    unread = copy.deepcopy(results)
    unread["provenance"]["files"][0]["sha256"] = None
    assert check(unread, printed, printed) == []
    schema.validate_results(unread)


@pytest.mark.parametrize("mutate, problem", [
    (lambda r: r["pl_fit"].update(chi2_red=1.0), "chi2_red"),
    (lambda r: r["steps"][0].pop("pressure_gpa"), "pressure_gpa"),
    (lambda r: r["xrd"][0].update(present="yes"), "present"),
    (lambda r: r["steps"][0].update(direction="upwards"), "direction"),
    (lambda r: r["provenance"]["files"][0].update(sha256="abc"), "sha256"),
    (lambda r: r.update(unknown_section=[]), "unknown_section"),
])
def test_drift_is_caught_by_both(run, mutate, problem):
    _, results, printed = run
    bad = copy.deepcopy(results)
    mutate(bad)
    assert any(problem in p for p in check(bad, printed, printed))
    with pytest.raises(schema.ResultsSchemaError, match=problem) as exc:
        schema.validate_results(bad)
    assert isinstance(exc.value, DackitError) and "a bug in dackit" in str(exc.value)


def test_dackit_run_refuses_to_write_what_the_schema_does_not_describe(tmp_path, monkeypatch):
    from dackit.experiment import pipeline, series
    from dackit.virtual.description import preset
    from dackit.virtual.experiment import write_experiment

    written = write_experiment(tmp_path / "experiment", preset("inp-znse", steps=6, seed=3))
    assemble = series.assemble_results

    def drifted(*args):
        out = assemble(*args)
        out["pl_fit_typo"] = 1.0
        return out

    monkeypatch.setattr(series, "assemble_results", drifted)
    with pytest.raises(schema.ResultsSchemaError, match="pl_fit_typo"):
        pipeline.run_experiment(written.experiment_toml, tmp_path / "out", report=False)
    assert not (tmp_path / "out" / "results.json").exists()


def test_schema_command(run):
    _, _, printed = run
    code, out, err = run_dackit("schema", "--json")
    assert code == 0 and json.loads(out) == printed
    code, out, _ = run_dackit("schema", "--help")
    assert code == 0 and "Example" in out and "--json" in out
    assert printed == schema.json_schema()


def test_read_results_names_the_file(tmp_path):
    bad = tmp_path / "results.json"
    bad.write_text('{"experiment": 3}')
    with pytest.raises(InputError, match=r"results.json: not a results.json of this dackit version"):
        schema.read_results(bad)
    bad.write_text("{")
    with pytest.raises(InputError, match="not valid JSON"):
        schema.read_results(bad)


def test_keys_fail_loudly():
    assert schema.keys(schema.Results).pl_fit == "pl_fit"
    with pytest.raises(AttributeError, match="has no key 'chi2_red'"):
        _ = schema.keys(schema.PlFit).chi2_red


# --------------------------------------------------------------------------- the report reads through it


def test_report_reads_the_schema_keys(run):
    from dackit.report.html import render_report

    _, results, _ = run
    doc = copy.deepcopy(results)
    doc["doubtful"] = [{"file": "pl_3.txt", "technique": "pl", "step": 3,
                        "quality_notes": ["peak at the edge of the spectrum"]}]
    schema.validate_results(doc)
    html = render_report(doc)
    assert "χ²_red" in html and "E0 (eV)" in html and "K0 (GPa)" in html
    assert 'id="doubtful"' in html and "peak at the edge of the spectrum" in html
    assert 'href="#doubtful"' in html
    # the onset's error comes from results["transition"], where a run writes it
    t = results["transition"]
    from dackit.report.html import format_value_err
    assert format_value_err(t["transition_pressure_gpa"], t["transition_pressure_gpa_err"]) in html
