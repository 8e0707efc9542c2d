"""Shared test fixtures: the real public data in ../shared/data/real."""
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of real public data files (see its SOURCES.txt); skips if absent."""
    if not REAL.is_dir():
        pytest.skip(f"real data folder {REAL} is absent (it sits beside the clone in CI)")
    return REAL
