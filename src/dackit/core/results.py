"""Small result types shared by every technique."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dackit.errors import DackitError


#: library key → key of the CLI's JSON output (lengths in Å are ``_a`` in the library, ``_angstrom``
#: in the SAXS and XRD contracts and in results.json)
RENAMED = {"redchi": "chi2_red", "d_first_a": "d_first_angstrom", "d_first_a_err": "d_first_angstrom_err",
           "lattice_a": "lattice_angstrom", "lattice_a_err": "lattice_angstrom_err",
           "d_a": "d_angstrom", "a_a": "a_angstrom", "a_a_err": "a_angstrom_err"}


@dataclass(frozen=True)
class Failure:
    """One input that could not be analysed in a batch: which, and why (in words a user can act on)."""

    source: str
    error: str
    kind: str = "InputError"

    @classmethod
    def from_exception(cls, source: str | Path, exc: Exception) -> Failure:
        msg = str(exc) if isinstance(exc, DackitError) else f"unexpected {type(exc).__name__}: {exc}"
        return cls(source=str(source), error=msg, kind=type(exc).__name__)

    def to_dict(self) -> dict:
        return {"file": self.source, "error": self.error}


def to_jsonable(obj: Any, *, keep_nan: bool = False) -> Any:
    """numpy scalars/arrays → Python containers and numbers, paths → str.

    NaN/inf become None (JSON has no NaN) unless ``keep_nan``, for files only dackit reads
    back (the result cache), where a number must come back as the same number.

    Parameters
    ----------
    obj : object
        Any nesting of dicts, lists, tuples, numpy scalars and arrays, paths and plain
        values.
    keep_nan : bool, default False
        Keep NaN and infinities as floats; by default they become None (JSON has no NaN).
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, keep_nan=keep_nan) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v, keep_nan=keep_nan) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist(), keep_nan=keep_nan)
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj) and not keep_nan:
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def renamed(row: dict) -> dict:
    """``row`` with library keys renamed to their CLI contract names, order kept (nested rows too)."""
    def value(v):
        return [renamed(x) if isinstance(x, dict) else x for x in v] if isinstance(v, list) else v

    return {RENAMED.get(k, k): value(v) for k, v in row.items()}
