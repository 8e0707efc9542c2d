"""SAXS real-data corpus: NXcanSAS files from SasView/sasdata with the values sasdata's own
tests assert (tests/corpus/saxs/manifest.toml), read through the saxs CLI's loader."""
import numpy as np
import pytest
from click.testing import CliRunner

from corpus_manifest import load_cases, within
from dackit.cli import cli
from dackit.errors import InputError
from dackit.saxs.analysis import load_saxs

pytest.importorskip("h5py")
CASES = load_cases("saxs")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_corpus_saxs(case):
    exp = case["expected"]
    if "error" in exp:
        with pytest.raises(InputError, match=exp["error"]):
            load_saxs(case["path_on_disk"])
        out = CliRunner().invoke(cli, ["saxs", "peaks", str(case["path_on_disk"]), "--json"])
        assert out.exit_code == 2 and "Traceback" not in out.output and "unexpected" not in out.output
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
