"""Shared test fixtures: the real public data in ../shared/data/real."""
import os
from pathlib import Path

# as the dackit command does (dackit/cli/__init__.py): one BLAS thread, set before numpy
# loads, or the small SVDs of every fit crawl on shared CI cores (bench/saxs.py)
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import matplotlib  # noqa: E402  (after the BLAS setting: matplotlib loads numpy)
import pytest  # noqa: E402

matplotlib.use("Agg")

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of real public data files (see its SOURCES.txt); skips if absent."""
    if not REAL.is_dir():
        pytest.skip(f"real data folder {REAL} is absent (it sits beside the clone in CI)")
    return REAL
