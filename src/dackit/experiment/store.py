"""Files the pipeline writes: atomic writes, content hashes, and the per-file result cache.

A run killed at any moment must leave no half-written file under its final name and must,
when started again, recompute only what was not finished. So every output is written to a
temporary file in the same folder and renamed (atomic on POSIX), and each per-file result is
cached under a key made of the input's content hash, the technique, the analysis settings
and the dackit version.

The key holds no path: files the settings refer to (PONI, mask, phase files) enter it by
their content hash, so an experiment folder that is moved or copied elsewhere finds its
results again. Hashing a large input is the slowest part of a warm run, so
:class:`FileHashes` remembers ``(size, mtime_ns, inode) → sha256`` beside the cache and
reads a file again only when one of the three changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
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


#: a file modified this recently may still change within the same mtime tick (1-2 s on some
#: network and FAT file systems), so its hash is not remembered ("racy" files, as git does)
RACY_NS = 2_000_000_000


class FileHashes:
    """SHA-256 of input files, remembered by ``(size, mtime_ns, inode)`` in a JSON file.

    A file whose size, modification time and inode are those of a remembered hash is not
    read again; any of the three changing (a rewrite, a ``touch``, a copy over it) reads it.
    The index holds no path, so a folder moved within its file system (a rename keeps
    inodes and mtimes) still hits. ``reads`` counts the files actually read, for tests.

    Parameters
    ----------
    index_path : path-like
        JSON file the map is kept in (created by :meth:`save`; a damaged one is ignored).

    Examples
    --------
    >>> hashes = FileHashes("out/.cache/file-hashes.json")   # doctest: +SKIP
    >>> hashes.sha256("exp/xrd/step00.tif")                    # doctest: +SKIP
    '5f2c…'
    >>> hashes.save()                                          # doctest: +SKIP
    """

    def __init__(self, index_path) -> None:
        self.index_path = Path(index_path)
        self.reads = 0
        self._used: dict[str, str] = {}
        try:
            known = json.loads(self.index_path.read_text(encoding="utf-8"))
            self._known: dict[str, str] = {k: v for k, v in known.get("files", {}).items()
                           if isinstance(k, str) and isinstance(v, str) and len(v) == 64}
        except (OSError, ValueError, AttributeError):
            self._known = {}
        self._changed = False

    def sha256(self, path) -> str:
        """Hex SHA-256 of ``path``'s bytes (a regular file: callers check that first)."""
        before = os.stat(path)
        ident = f"{before.st_size}:{before.st_mtime_ns}:{before.st_ino}"
        sha = self._known.get(ident)
        if sha is None:
            sha = sha256_file(path)
            self.reads += 1
            after = os.stat(path)
            racy = time.time_ns() - after.st_mtime_ns < RACY_NS
            if racy or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                return sha  # changed while read, or may still change unseen: not remembered
            self._known[ident] = sha
        if self._used.get(ident) != sha:
            self._used[ident] = sha
            self._changed = True
        return sha

    def save(self) -> None:
        """Keep the hashes used since this object was made (and only those: the index does
        not grow with files that left the run sheet). OutputError when it cannot be written."""
        if self._changed or set(self._used) != set(self._known):
            atomic_write_text(self.index_path, json.dumps({"files": self._used}, sort_keys=True))
            self._known = dict(self._used)
            self._changed = False


def _absolute_paths(value) -> list[str]:
    if isinstance(value, str):
        return [value] if os.path.isabs(value) else []
    if isinstance(value, dict):
        return [p for v in value.values() for p in _absolute_paths(v)]
    if isinstance(value, (list, tuple)):
        return [p for v in value for p in _absolute_paths(v)]
    return []


def settings_key(technique: str, settings: dict, file_sha256: str) -> str:
    """Cache key of one analysis: what was analysed (content hash), how (``settings``), and
    by which dackit.

    ``settings`` must hold no absolute path: a file it depends on enters by its content
    hash, so the key survives moving the experiment folder. A path slipping in is a
    programming error (ValueError), not a silent loss of every cached result on a move.
    """
    paths = _absolute_paths(settings)
    if paths:
        raise ValueError(f"cache key settings of {technique} hold absolute paths {paths}; "
                         "put the file's content hash in the key instead")
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
