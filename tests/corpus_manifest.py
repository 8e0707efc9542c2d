"""The real-data corpus: public files from other labs and packages, with independent answers.

Each technique has ``tests/corpus/<technique>/manifest.toml``, a list of ``[[case]]`` tables::

    [[case]]
    id = "agbeh-lab-image"                # unique, used as the pytest id
    file = "agbeh_lab.edf"                # relative to the manifest's folder
    sha256 = "…"                          # of that file, checked before use
    source = "silx-kit/pyFAI"             # public repository (or URL-free citation)
    path = "src/pyFAI/resources/…"        # path inside the source
    commit = "40-hex commit"              # the version taken
    licence = "MIT"
    expected = { d_a = 58.38, mesophase = "lamellar" }
    expected_source = "Blanton et al., Powder Diffr. 10, 91 (1995): d001 = 58.380 Å"
    tolerance = { d_a = 0.01 }            # relative unless the key ends in _abs
    why_tolerance = "issue 10: SAXS d within 1 %"
    args = ["--wavelength", "1.5418"]     # extra CLI options a user must give (instrument facts)
    expect_quality = "ok"                 # or "doubtful" for a case the data cannot support

``expected_source`` must be independent of dackit: a published value, or the value the
source package's own tool computes. Nothing here is produced by dackit.
"""
from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"


def load_cases(technique: str, manifest: str = "manifest.toml") -> list[dict]:
    """Cases of one technique with ``path`` resolved; a missing or altered file fails loudly."""
    folder = CORPUS / technique
    with open(folder / manifest, "rb") as fh:
        cases = tomllib.load(fh)["case"]
    for case in cases:
        for key in ("id", "file", "sha256", "source", "commit", "licence", "expected", "expected_source"):
            assert key in case, f"{technique}/manifest.toml case {case.get('id')}: missing {key}"
        case["path_on_disk"] = folder / case["file"]
        digest = hashlib.sha256(case["path_on_disk"].read_bytes()).hexdigest()
        assert digest == case["sha256"], f"{case['path_on_disk']}: sha256 differs from the manifest"
    return cases


def within(value: float, expected: float, key: str, tolerance: dict) -> bool:
    """``value`` matches ``expected`` within the case's tolerance for ``key``."""
    if f"{key}_abs" in tolerance:
        return abs(value - expected) <= tolerance[f"{key}_abs"]
    return abs(value - expected) <= tolerance.get(key, 0.0) * abs(expected)
