"""The real-data corpus as one table: case, source, expected, dackit, quality, pass (issue 10).

    PYTHONPATH=src:tests OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/corpus_table.py [--kinds optics,xrd,...]

Not a timing benchmark. Every case of ``tests/corpus/<kind>/manifest.toml`` that asks a number
of an analysis (ruby/Sm/PL/Tauc in optics, lattice parameters in xrd, mesophase and lattice in
saxs, mean particle size in tem, EoS fits in eos) is run through the default command a user
types, as the corpus tests run it, and compared with the manifest's independent value at its
tolerance. Cases whose expected value is a named refusal count as passing when the command ends
in that error. The formats corpus (readers and refusals) is summarised by its tests, not here.

Columns: pass = the number is within the tolerance (or the refusal is the named one);
"WRONG & ok" in the verdict column is the failure issue 10 forbids outright. A doubtful row
outside the tolerance is a miss the user was warned about.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from cli_helpers import run_dackit  # noqa: E402
from corpus_manifest import CORPUS, load_cases, within  # noqa: E402

KINDS = ("optics", "xrd", "saxs", "tem", "eos")


def _json(args) -> tuple[int, list, str]:
    code, out, err = run_dackit(*args, "--json")
    try:
        rows = json.loads(out)
    except json.JSONDecodeError:
        rows = []
    return code, rows if isinstance(rows, list) else [rows], err


def _local(case, args) -> list[str]:
    folder = case["path_on_disk"].parent
    return [str(folder / a) if (folder / a).is_file() else str(a) for a in args]


def _optics(case):
    command = [case["command"]] if isinstance(case["command"], str) else list(case["command"])
    code, rows, err = _json([*command, case["path_on_disk"], *_local(case, case.get("args", []))])
    if not rows:
        return None, err
    row = rows[0]
    if command == ["pl"] and "peaks" in row:
        row = row["peaks"][0]
    return row, None


def _xrd(case):
    args = list(case.get("args", []))
    if "poni" in case:
        args += ["--poni", (CORPUS / "xrd" / case["poni"]).resolve()]
    if "phase_file" in case:
        args += ["--phase", (CORPUS / "xrd" / case["phase_file"]).resolve()]
    code, rows, err = _json(["xrd", "lattice", case["path_on_disk"], *args])
    return (rows[0] if rows else None), err


def _saxs(case):
    code, rows, err = _json(["saxs", "peaks", case["path_on_disk"], *_local(case, case.get("args", []))])
    if not rows:
        return None, err
    row = dict(rows[0])
    # the manifest's names for the row's keys
    row.update(lattice_a=row.get("lattice_angstrom"), d_first_a=row.get("d_first_angstrom"),
               mesophase=row.get("mesophase") or "none")
    return row, err


def _tem(case):
    code, rows, err = _json(["tem", "size", case["path_on_disk"], *case.get("args", [])])
    if not rows:
        return None, err
    row = dict(rows[0])
    # uncalibrated images run with --pixel-nm 1: the mean in nm is the mean in pixels
    row["mean_px"] = row.get("mean_nm")
    return row, err


def _eos(case):
    from test_corpus_eos import _fit_input, _table

    if case["kind"] == "pressure":  # a published P(V) table of a pressure standard, row by row
        rows = _table(case["path_on_disk"])
        column = case["expected"]["table_column"]
        volumes = [repr(float(r["v_over_v0"]) * case["v0_a3"]) for r in rows]
        code, out, err = _json(["eos", "pressure", *volumes, "--standard", case["standard"]])
        if code != 0:
            return None, err
        good = sum(within(got["pressure_gpa"], float(r[column]), "pressure_gpa", case["tolerance"])
                   for r, got in zip(rows, out))
        return {"table_rows": len(rows), "table_good": good, "quality": "ok"}, err

    with tempfile.TemporaryDirectory() as tmp:
        path = case["path_on_disk"] if case["kind"] == "file" else _fit_input(case, Path(tmp))
        code, row, err = run_dackit("eos", "fit", path, *case["args"], "--json")
    row = json.loads(row) if code == 0 else None
    if isinstance(row, dict):
        row.setdefault("quality", "ok" if not row.get("warnings") else "doubtful")
    return row, err


RUNNERS = {"optics": _optics, "xrd": _xrd, "saxs": _saxs, "tem": _tem, "eos": _eos}


def _fmt(v) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def judge(case, row) -> tuple[str, str, bool | None]:
    """(expected text, dackit text, pass) of one case; pass None when the case asks no number."""
    exp, tol = case["expected"], case.get("tolerance", {})
    if "error" in exp:
        got = (row or {}).get("error", "no error")
        return f"error: {exp['error']}", got[:80], exp["error"] in got
    if "table_column" in exp and row is not None and "table_rows" in row:
        return (f"{row['table_rows']} rows of the published table", f"{row['table_good']} rows within "
                "the tolerance", row["table_good"] == row["table_rows"])
    if row is None or "error" in row:
        return ", ".join(f"{k} = {_fmt(v)}" for k, v in exp.items()), (row or {}).get("error", "failed")[:80], False
    keys = [k for k in exp if k in tol or f"{k}_abs" in tol or k == "mesophase"]
    if not keys:
        return "", "", None
    ok = True
    got = []
    for k in keys:
        value = row.get(k)
        if k == "mesophase":
            ok &= value == exp[k]
        elif isinstance(value, (int, float)):
            ok &= within(value, exp[k], k, tol)
        else:
            ok = False
        got.append(f"{k} = {_fmt(value)}")
    return ", ".join(f"{k} = {_fmt(exp[k])}" for k in keys), ", ".join(got), bool(ok)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated corpus folders")
    ap.add_argument("--json", dest="json_out", help="also write the rows to this JSON file")
    ns = ap.parse_args(argv)
    out, totals = [], {}
    print("| kind | case | source @ commit (licence) | expected | dackit | quality | pass |")
    print("|---|---|---|---|---|---|---|")
    for kind in ns.kinds.split(","):
        for case in load_cases(kind):
            if kind == "saxs" and "mesophase" not in case["expected"] and "error" not in case["expected"]:
                continue  # reader checks (the formats tests)
            row, _ = RUNNERS[kind](case)
            expected, got, passed = judge(case, row)
            if passed is None:
                continue
            quality = (row or {}).get("quality", "refused" if "error" in case["expected"] else "failed")
            verdict = "yes" if passed else ("WRONG & ok" if quality == "ok" else "no")
            t = totals.setdefault(kind, {"cases": 0, "pass": 0, "wrong_ok": 0, "ok": 0})
            t["cases"] += 1
            t["pass"] += bool(passed)
            t["ok"] += quality == "ok"
            t["wrong_ok"] += verdict == "WRONG & ok"
            licence = str(case["licence"]).split(" (")[0]
            print(f"| {kind} | {case['id']} | {case['source']} @ {str(case['commit'])[:7]} ({licence}) | "
                  f"{expected} | {got} | {quality} | {verdict} |", flush=True)
            out.append({"kind": kind, "id": case["id"], "expected": expected, "dackit": got,
                        "quality": quality, "pass": passed})
    print()
    print("| kind | cases | pass | ok | wrong & ok |")
    print("|---|---|---|---|---|")
    for kind, t in totals.items():
        print(f"| {kind} | {t['cases']} | {t['pass']} | {t['ok']} | {t['wrong_ok']} |")
    if ns.json_out:
        Path(ns.json_out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
