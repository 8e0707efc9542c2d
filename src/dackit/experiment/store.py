"""Files the pipeline writes: atomic writes, content hashes, and the per-file result cache.

A run killed at any moment must leave no half-written file under its final name and must,
when started again, recompute only what was not finished. So every output is written to a
temporary file in the same folder and renamed (atomic on POSIX), and each per-file result is
cached under a key made of the input's content hash, the technique, the analysis settings
and the dackit version.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dackit import __version__
from dackit.core.files import atomic_write_bytes, atomic_write_json, atomic_write_text  # noqa: F401  (re-exported)
from dackit.core.results import to_jsonable


def sha256_file(path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def settings_key(technique: str, settings: dict, file_sha256: str) -> str:
    """Cache key of one analysis: what was analysed, how, and by which dackit."""
    blob = json.dumps({"t": technique, "s": settings, "f": file_sha256, "v": __version__},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def cache_encode(value) -> str:
    return json.dumps(to_jsonable(value, keep_nan=True), allow_nan=True)


def cache_normalise(value):
    """What ``value`` becomes after a trip through the cache: computed and cached outcomes
    must be identical, so the pipeline always works on this form."""
    return json.loads(cache_encode(value))


class ResultCache:
    """Per-file results as JSON files under ``folder``, keyed by :func:`settings_key`."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str):
        path = self._path(key)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def put(self, key: str, value) -> None:
        atomic_write_text(self._path(key), cache_encode(value))
