"""A user's judgement as data: ``overrides.toml`` beside experiment.toml.

Two kinds of entry, each naming one run-sheet file as the run sheet writes it::

    [[exclude]]
    file = "pl/step03.txt"
    reason = "beam hit the gasket"

    [[override]]
    file = "pl/step05.txt"
    n_peaks = 2
    window_nm = [520, 720]
    reason = "trap emission below the band edge"

An excluded file is left out of the run as if it were not in the run sheet (its step keeps
its other files); an overridden file is analysed with those settings in place of the
experiment's. The override enters that file's settings, hence its cache key, so after a
change only that file's analysis and the series are recomputed. ``dackit run`` and
``dackit view`` read and write this one file through :func:`load_overrides` and
:func:`write_overrides`, so a result seen in the app is reproduced without it.
"""
from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dackit.core.files import atomic_write_text
from dackit.errors import ConfigError

#: name of the file, in the folder of experiment.toml
OVERRIDES_FILE = "overrides.toml"


def _window(value) -> list[float]:
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            or not value[0] < value[1]):
        raise ValueError("must be two increasing numbers, e.g. [520, 720]")
    return [float(value[0]), float(value[1])]


def _choice(options):
    def check(value):
        if value not in options:
            raise ValueError(f"must be one of {', '.join(map(str, options))}")
        return value
    return check


def _number(lo=None, hi=None, integer=False):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
            raise ValueError("must be an integer" if integer else "must be a number")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ValueError(f"must lie between {lo} and {hi}")
        return value
    return check


def _phases(value):
    from dackit.errors import DackitError
    from dackit.xrd.phases import get_phase

    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError('must be a list of phase names, e.g. ["zincblende", "rocksalt"]')
    for spec in value:
        if Path(spec).suffix:  # a phase file would have to be hashed into the key: name it in experiment.toml
            raise ValueError(f"{spec!r}: name phase files in xrd.phases of experiment.toml, not here")
        try:
            get_phase(spec)
        except DackitError as exc:
            raise ValueError(str(exc)) from None
    return list(value)


def _keys() -> dict[str, dict[str, Any]]:
    """technique → {key: validator}: the settings of one file a user may change. Each maps
    to a keyword of that technique's analysis (see dackit.experiment.analyses)."""
    from dackit.gauge.ruby import RUBY_SCALES
    from dackit.optics.absorption import BACKGROUNDS
    from dackit.optics.pl import BASELINES

    return {
        "ruby": {"scale": _choice(sorted(RUBY_SCALES)), "lambda0_nm": _number(600, 800),
                 "temperature_k": _number(1, 3000)},
        "pl": {"n_peaks": _number(1, 4, integer=True), "window_nm": _window,
               "baseline": _choice(sorted(BASELINES))},
        "absorption": {"transition": _choice(["direct", "indirect"]),
                       "quantity": _choice(["absorbance", "transmittance", "od", "alpha"]),
                       "background": _choice(["auto", "none", *sorted(BACKGROUNDS)]),
                       "energy_range_ev": _window},
        "xrd": {"phases": _phases, "twotheta_range": _window},
        "saxs": {"k": _number(0.01, 2)},
        "tem": {"contrast": _choice(["dark", "bright", "auto"]), "pixel_nm": _number(1e-6, 1e6),
                "scale_bar_nm": _number(1e-6, 1e9)},
    }


@dataclass(frozen=True)
class Overrides:
    """The entries of overrides.toml: ``exclude`` and ``override`` lists of dicts, each with
    ``file`` and ``reason`` (override entries: plus their setting keys)."""

    exclude: list[dict] = field(default_factory=list)
    override: list[dict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.exclude or self.override)

    def excluded(self, file: str) -> dict | None:
        return next((e for e in self.exclude if _same(e["file"], file)), None)

    def settings(self, file: str) -> dict:
        """The setting changes for ``file`` (later entries win)."""
        out: dict = {}
        for entry in self.override:
            if _same(entry["file"], file):
                out.update({k: v for k, v in entry.items() if k not in ("file", "reason")})
        return out


def _same(a: str, b: str) -> bool:
    return os.path.normpath(str(a).strip()) == os.path.normpath(str(b).strip())


def overrides_path(exp) -> Path:
    """Where the overrides of an experiment live."""
    return Path(exp.base_dir) / OVERRIDES_FILE


def load_overrides(exp, sheet: pd.DataFrame | None = None, *, waiting: list[dict] | None = None) -> Overrides:
    """Read and check ``overrides.toml`` of ``exp`` (none there: no overrides).

    ``sheet`` (the run sheet, :func:`read_runsheet`) lets every entry be checked against it: a
    file it does not list, or a key that file's technique does not have, is a ConfigError
    naming overrides.toml, the entry and what to do. ``waiting``: run-sheet rows held back
    by ``allow_missing`` (their files are known too).

    Parameters
    ----------
    exp : Experiment
        The experiment, from :func:`~dackit.experiment.load_experiment`.
    sheet : pandas.DataFrame, optional
        Its run sheet, to check every entry against; unchecked when None.
    waiting : list of dict, optional
        Run-sheet rows whose files have not arrived yet.
    """
    path = overrides_path(exp)
    if sheet is not None and waiting:
        sheet = pd.concat([sheet[["file", "technique"]], pd.DataFrame(waiting, columns=["file", "technique"])])
    if not path.is_file():
        return Overrides()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); correct it or delete the file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    unknown = sorted(set(raw) - {"exclude", "override"})
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {', '.join(unknown)}; only [[exclude]] and [[override]] "
                          "entries belong here")
    return check_overrides(path, raw.get("exclude", []), raw.get("override", []), sheet)


def check_overrides(path, exclude, override, sheet: pd.DataFrame | None) -> Overrides:
    """Validated :class:`Overrides` from plain lists of dicts; ConfigError names ``path`` and the entry."""
    techniques = None if sheet is None else {os.path.normpath(f): t for f, t in zip(sheet["file"], sheet["technique"])}
    keys = _keys()
    checked: dict[str, list[dict]] = {"exclude": [], "override": []}
    for kind, entries in (("exclude", exclude), ("override", override)):
        if not isinstance(entries, list):
            raise ConfigError(f"{path}: {kind} must be a list of [[{kind}]] tables")
        for i, entry in enumerate(entries, 1):
            where = f"{path}: [[{kind}]] entry {i}"
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) or not entry["file"].strip():
                raise ConfigError(f"{where}: needs file = \"…\", a file of the run sheet")
            where += f" (file = {entry['file']!r})"
            reason = entry.get("reason", "")
            if not isinstance(reason, str):
                raise ConfigError(f"{where}: reason must be text")
            technique = None
            if techniques is not None:
                technique = techniques.get(os.path.normpath(entry["file"].strip()))
                if technique is None:
                    raise ConfigError(f"{where}: the run sheet has no such file; write it as in the "
                                      "run sheet's file column, or delete the entry")
            clean = {"file": entry["file"].strip(), "reason": reason}
            if kind == "exclude":
                extra = sorted(set(entry) - {"file", "reason"})
                if extra:
                    raise ConfigError(f"{where}: unknown key(s) {', '.join(extra)}; an exclusion has "
                                      "only file and reason")
            else:
                settings = {k: v for k, v in entry.items() if k not in ("file", "reason")}
                if not settings:
                    raise ConfigError(f"{where}: no setting to change; add one (e.g. n_peaks = 2) or "
                                      "delete the entry")
                allowed: dict[str, Any] = (keys[technique] if technique in keys
                                           else {k: v for t in keys.values() for k, v in t.items()})
                for key, value in settings.items():
                    if key not in allowed:
                        raise ConfigError(f"{where}: unknown key {key!r} for "
                                          f"{technique or 'any technique'}; use one of {', '.join(sorted(allowed))}")
                    try:
                        clean[key] = allowed[key](value)
                    except ValueError as exc:
                        raise ConfigError(f"{where}: {key} = {value!r} {exc}") from None
            checked[kind].append(clean)
    return Overrides(exclude=checked["exclude"], override=checked["override"])


def _toml_value(value) -> str:
    # JSON strings, numbers and flat lists are valid TOML: one escaping for both
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, (int, float, str)):
        return json.dumps(value)
    raise ConfigError(f"overrides: cannot write {value!r} ({type(value).__name__}) to TOML")


def render_overrides(overrides: Overrides) -> str:
    """The TOML text of ``overrides`` (what :func:`write_overrides` writes)."""
    lines = ["# dackit overrides: exclusions and per-file settings; read by `dackit run`, written by "
             "`dackit view`", ""]
    for kind in ("exclude", "override"):
        for entry in getattr(overrides, kind):
            lines.append(f"[[{kind}]]")
            for key in ("file", *[k for k in entry if k not in ("file", "reason")], "reason"):
                if key in entry:
                    lines.append(f"{key} = {_toml_value(entry[key])}")
            lines.append("")
    return "\n".join(lines)


def write_overrides(exp, overrides: Overrides) -> Path:
    """Write ``overrides`` to the experiment's overrides.toml (atomically); return its path.

    Parameters
    ----------
    exp : Experiment
        The experiment, from :func:`~dackit.experiment.load_experiment`.
    overrides : Overrides
        Exclusions and per-file settings to write.
    """
    path = overrides_path(exp)
    atomic_write_text(path, render_overrides(overrides))
    return path


def add_exclusion(exp, sheet: pd.DataFrame, file: str, reason: str) -> Overrides:
    """Exclude ``file`` (checked against ``sheet``), write overrides.toml, return the new overrides."""
    current = load_overrides(exp, sheet)
    exclude = [e for e in current.exclude if not _same(e["file"], file)] + [{"file": file, "reason": reason}]
    new = check_overrides(overrides_path(exp), exclude, current.override, sheet)
    write_overrides(exp, new)
    return new


def remove_exclusion(exp, sheet: pd.DataFrame, file: str) -> Overrides:
    """Take ``file`` back into the run; write overrides.toml."""
    current = load_overrides(exp, sheet)
    new = Overrides([e for e in current.exclude if not _same(e["file"], file)], current.override)
    write_overrides(exp, new)
    return new


def set_override(exp, sheet: pd.DataFrame, file: str, settings: dict, reason: str = "") -> Overrides:
    """Change settings of ``file`` (merged into its existing override), write overrides.toml."""
    current = load_overrides(exp, sheet)
    merged = {**current.settings(file), **settings}
    override = [e for e in current.override if not _same(e["file"], file)]
    if merged:
        override.append({"file": file, **merged, "reason": reason})
    new = check_overrides(overrides_path(exp), current.exclude, override, sheet)
    write_overrides(exp, new)
    return new


def apply_overrides(sheet: pd.DataFrame, overrides: Overrides) -> tuple[pd.DataFrame, list[dict], list[dict]]:
    """(the run sheet without excluded rows, the exclusions, the overrides) as results.json lists them."""
    if not overrides:
        return sheet, [], []
    keep, exclusions, changed = [], [], []
    for r in sheet.itertuples():
        ex = overrides.excluded(r.file)
        keep.append(ex is None)
        if ex is not None:
            exclusions.append({"file": r.file, "technique": r.technique, "step": int(r.step), "reason": ex["reason"]})
        elif settings := overrides.settings(r.file):
            reason = "; ".join(e["reason"] for e in overrides.override if _same(e["file"], r.file) and e["reason"])
            changed.append({"file": r.file, "technique": r.technique, "step": int(r.step),
                            "settings": settings, "reason": reason})
    kept = sheet[pd.Series(keep, index=sheet.index)].reset_index(drop=True)
    kept.attrs.update(sheet.attrs)
    return kept, exclusions, changed
