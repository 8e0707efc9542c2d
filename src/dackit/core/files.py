"""Writing output files atomically: a temporary file in the same folder, then a rename.

A run killed at any moment must leave no half-written file under its final name. Every
writer of dackit outputs (the pipeline's tables and cache, the report) goes through these,
so they live in ``core`` where any layer may use them.
"""
from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path

from dackit.errors import OutputError

_UMASK = os.umask(0)
os.umask(_UMASK)


#: what a failed write needs, by errno (the one line a user reads); OSError.errno may be None
_NEEDS: dict[int | None, str] = {errno.ENOSPC: "no space left on the device: free some space or choose another --out",
          errno.EDQUOT: "disk quota exceeded: free some space or choose another --out",
          errno.EROFS: "the file system is read-only: choose another --out",
          errno.EACCES: "permission denied: make the folder writable or choose another --out",
          errno.EPERM: "permission denied: make the folder writable or choose another --out"}


def output_error(path, exc: OSError) -> OutputError:
    """One-line :class:`OutputError` naming the folder that could not be written and what it needs."""
    if isinstance(exc, OutputError):
        return exc
    folder = Path(path).parent
    need = _NEEDS.get(exc.errno, f"{exc.strerror or exc}")
    return OutputError(f"{folder}: cannot write {Path(path).name} ({need})")


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A failure to write (full disk, read-only folder) is an :class:`OutputError` naming the
    folder and what it needs; no partial file is left behind.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise output_error(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path, obj) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n")
