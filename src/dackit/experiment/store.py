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
from dackit.core.files import atomic_write_text
from dackit.core.results import to_jsonable


def safe_name(text: str) -> str:
    """``text`` as one file name inside an output folder: a phase named by a path
    (``../phases/x.cif``) must not write next to that path."""
    import re

    name = Path(str(text)).name if Path(str(text)).suffix else str(text)
    name = re.sub(r"[^A-Za-z0-9._+-]+", "_", name).strip("._")
    return name or "unnamed"


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


#: layout of a cache entry; entries of another schema are recomputed
CACHE_SCHEMA = 2


def _payload_digest(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, allow_nan=True).encode()).hexdigest()


def _valid_outcome(payload) -> bool:
    if not isinstance(payload, dict) or not isinstance(payload.get("ok"), bool):
        return False
    if payload["ok"]:
        return "value" in payload
    return isinstance(payload.get("error"), str)


class ResultCache:
    """Per-file results as JSON files under ``folder``, keyed by :func:`settings_key`.

    Each entry is ``{"schema", "key", "sha256", "payload"}``: the SHA-256 of the payload's
    canonical JSON is checked on every read, so a damaged or edited entry (binary garbage,
    a truncated file, an altered number, another layout) is never used: :meth:`get`
    returns None, the result is recomputed, and the reason is kept in :attr:`warnings`.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.warnings: list[str] = []

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def _bad(self, path: Path, why: str) -> None:
        self.warnings.append(f"{path}: damaged cache entry ({why}); recomputed")

    def get(self, key: str):
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:  # a folder, a FIFO cannot be here unless put there by hand
            self._bad(path, exc.strerror or str(exc))
            return None
        try:
            entry = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            self._bad(path, "not JSON")
            return None
        if not isinstance(entry, dict) or entry.get("schema") != CACHE_SCHEMA or "payload" not in entry:
            self._bad(path, f"not a schema-{CACHE_SCHEMA} entry")
            return None
        if entry.get("key") != key:
            self._bad(path, "stored under another key")
            return None
        payload = entry["payload"]
        if entry.get("sha256") != _payload_digest(payload):
            self._bad(path, "checksum does not match its content")
            return None
        if not _valid_outcome(payload):
            self._bad(path, "not an analysis outcome")
            return None
        return payload

    def put(self, key: str, value) -> None:
        payload = json.loads(cache_encode(value))
        entry = {"schema": CACHE_SCHEMA, "key": key, "sha256": _payload_digest(payload),
                 "payload": payload}
        atomic_write_text(self._path(key), json.dumps(entry, allow_nan=True))
