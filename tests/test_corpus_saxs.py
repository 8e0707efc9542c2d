"""SAXS real-data corpus (tests/corpus/saxs/manifest.toml): NXcanSAS files from SasView/sasdata
with the values sasdata's own tests assert, read through the saxs CLI's loader; and calibrant
frames analysed by the default ``dackit saxs peaks`` against the published lattice."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from corpus_manifest import load_cases, within
from dackit.cli import cli
from dackit.errors import InputError
from dackit.saxs.analysis import load_saxs

pytest.importorskip("h5py")
CASES = load_cases("saxs")


ANALYSED = [c for c in CASES if "mesophase" in c["expected"]]
READ = [c for c in CASES if "mesophase" not in c["expected"]]
_ROWS: dict = {}


def _row(case) -> dict:
    """The default command's JSON row for a case (run once per session)."""
    if case["id"] not in _ROWS:
        folder = case["path_on_disk"].parent
        args = [str(folder / a) if (folder / a).is_file() else a for a in case.get("args", [])]
        out = CliRunner().invoke(cli, ["saxs", "peaks", str(case["path_on_disk"]), *args, "--json"])
        assert out.exit_code == 0, out.output
        _ROWS[case["id"]] = json.loads(out.stdout)[0]
    return _ROWS[case["id"]]


def _mesophase(exp):
    return None if exp["mesophase"] == "none" else exp["mesophase"]


def _param(case):
    # a known miss keeps its right answer as a strict xfail: the test turns red when fixed
    marks = [pytest.mark.xfail(strict=True, reason=case["known_miss"])] if "known_miss" in case else []
    return pytest.param(case, marks=marks, id=case["id"])


@pytest.mark.parametrize("case", [_param(c) for c in ANALYSED])
def test_corpus_saxs_peaks(case):
    """The default command on a real curve or frame: right mesophase and lattice, and a
    first d that is either right or not called ok."""
    row = _row(case)
    exp, tol = case["expected"], case["tolerance"]
    assert row["mesophase"] == _mesophase(exp), row["quality_notes"]
    if "lattice_a" in exp:
        assert within(row["lattice_angstrom"], exp["lattice_a"], "lattice_a", tol), row["lattice_angstrom"]
    assert row["quality"] == case["expect_quality"], row["quality_notes"]
    if row["quality"] == "ok" or exp["mesophase"] == "none":
        assert within(row["d_first_angstrom"], exp["d_first_a"], "d_first_a", tol), row["d_first_angstrom"]
    elif not within(row["d_first_angstrom"], exp["d_first_a"], "d_first_a", tol):
        # a wrong first d may stand only in a doubtful row whose notes name that peak
        q1 = f"{row['peaks'][0]['q_inv_a']:.4g}"
        assert any(q1 in note for note in row["quality_notes"]), (q1, row["quality_notes"])


@pytest.mark.parametrize("case", ANALYSED, ids=[c["id"] for c in ANALYSED])
def test_corpus_saxs_wrong_is_never_ok(case):
    """Issue 10: no wrong mesophase, lattice or first d may carry quality ok (known misses
    included)."""
    row = _row(case)
    exp, tol = case["expected"], case["tolerance"]
    right = (row["mesophase"] == _mesophase(exp)
             and within(row["d_first_angstrom"], exp["d_first_a"], "d_first_a", tol)
             and ("lattice_a" not in exp
                  or within(row["lattice_angstrom"] or float("nan"), exp["lattice_a"], "lattice_a", tol)))
    assert right or row["quality"] == "doubtful", (row["mesophase"], row["lattice_angstrom"],
                                                   row["quality_notes"])


@pytest.mark.parametrize("case", READ, ids=[c["id"] for c in READ])
def test_corpus_saxs(case):
    exp = case["expected"]
    if "error" in exp:
        if case.get("refused_at") != "analysis":  # else the curve reads and has nothing to index
            with pytest.raises(InputError, match=exp["error"]):
                load_saxs(case["path_on_disk"])
        out = CliRunner().invoke(cli, ["saxs", "peaks", str(case["path_on_disk"]), "--json"])
        assert out.exit_code == 2 and "Traceback" not in out.output and "unexpected" not in out.output
        assert exp["error"] in out.output
        return
    pat = load_saxs(case["path_on_disk"])
    assert pat.axis == "q_A^-1"
    assert pat.x.size == exp["n_points"]
    for key, value in exp.items():
        if key == "n_points":
            continue
        what, i = key.split("_")
        arr = {"q": pat.x, "i": pat.intensity, "dy": pat.sigma}[what]
        assert within(float(np.asarray(arr)[int(i)]), value, key, case["tolerance"]), key


def test_corpus_size_budget():
    from corpus_manifest import CORPUS

    total = sum(p.stat().st_size for p in (CORPUS / "saxs").iterdir())
    assert total < 10e6
