"""How sure a result is: the verdict every per-file result carries.

A result is ``"ok"`` when every check its analysis makes passes, ``"doubtful"`` when at
least one does not; ``quality_notes`` says which and why, in words a user can act on
("3 of 9 expected reflections found", "peaks 4× broader than the instrument"). A doubtful
result is still returned (the number may be right), but the CLI warns on stderr and
``dackit run`` leaves it out of series fits and lists it in the report. Informational
notes (which model was chosen) may accompany an ``"ok"`` verdict.

>>> v = Verdict.from_checks(["R1 and R2 not resolved"], info=["shared width"])
>>> v.quality, v.notes
('doubtful', ('R1 and R2 not resolved', 'shared width'))
>>> Verdict.from_checks([]).quality
'ok'
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

OK: Final = "ok"
DOUBTFUL: Final = "doubtful"
QualityLabel = Literal["ok", "doubtful"]


@dataclass(frozen=True)
class Verdict:
    """``quality`` ("ok" | "doubtful") and the notes that explain it."""

    quality: QualityLabel = OK
    notes: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_checks(cls, doubts: Iterable[str], info: Iterable[str] = ()) -> Verdict:
        """Doubtful iff any of ``doubts``; the notes list the doubts first, then ``info``."""
        d = tuple(str(s) for s in doubts if s)
        return cls(quality=DOUBTFUL if d else OK, notes=d + tuple(str(s) for s in info if s))

    @property
    def ok(self) -> bool:
        return self.quality == OK

    def plus(self, doubts: Iterable[str] = (), info: Iterable[str] = ()) -> Verdict:
        """This verdict with more checks folded in (a doubt makes it doubtful)."""
        d = tuple(str(s) for s in doubts if s)
        quality: QualityLabel = DOUBTFUL if (d or self.quality == DOUBTFUL) else OK
        return Verdict(quality=quality, notes=d + self.notes + tuple(str(s) for s in info if s))

    def to_dict(self) -> dict[str, Any]:
        return {"quality": self.quality, "quality_notes": list(self.notes)}


class Judged:
    """Mixin of a result dataclass with a ``verdict`` field: ``quality`` and ``quality_notes``."""

    verdict: Verdict

    @property
    def quality(self) -> str:
        return self.verdict.quality

    @property
    def quality_notes(self) -> tuple[str, ...]:
        return self.verdict.notes


def is_ok(row: Mapping[str, Any]) -> bool:
    """True for a result row whose ``quality`` is "ok" or absent (older cached results).

    Parameters
    ----------
    row : mapping
        A per-file result row (a dict with an optional ``"quality"`` key).
    """
    return row.get("quality", OK) == OK
