"""Where the tutorials find their real data files.

The preferred files are the real-data corpus in ``tests/corpus/`` (kept in the repository,
so the docs build on a clean clone). A few tutorials can also use the larger files of the
shared real-data folder, found the way the tests find it (``tests/conftest.py``): the folder
``shared/data/real`` beside the clone.
"""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"
REAL = REPO.parent / "shared" / "data" / "real"


def corpus(relative: str) -> Path:
    """A file of the test corpus, e.g. ``corpus("optics/pruby_test_data1.txt")``."""
    path = CORPUS / relative
    if not path.is_file():
        raise FileNotFoundError(f"{path}: corpus file missing (tests/corpus is part of the repository)")
    return path


def real(relative: str) -> Path | None:
    """A file of the shared real-data folder, or None when that folder is not beside the clone."""
    path = REAL / relative
    return path if path.is_file() else None
