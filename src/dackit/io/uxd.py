"""Bruker/Siemens UXD reader: the text export of DIFFRAC (AT, plus) and XCH conversions.

Layout (as xylib's ``bruker_uxd`` reader and DIFFRAC's documentation give it): ``;`` starts a
comment, header lines are ``_KEY=value`` (file-wide keys such as ``_WL1`` first, then each
range's ``_DRIVE``, ``_START``, ``_STEPSIZE``, ``_STEPTIME``), and a range's data follow one
of four markers: ``_COUNTS`` or ``_CPS`` (intensities only, several a line, 2θ = start +
i × step) or ``_2THETACOUNTS`` or ``_2THETACPS`` (position and intensity a line). The
``_2THETA`` prefix only says that a position column is present; the column holds whatever
``_DRIVE`` moves.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from dackit.core.pattern import Pattern, make_pattern
from dackit.errors import InputError, where

_MARKERS = ("_COUNTS", "_CPS", "_2THETACOUNTS", "_2THETACPS")
_KEY = re.compile(r"^_([A-Z0-9+_]+)\s*=\s*(.*?)\s*$", re.I)

#: ``_DRIVE`` values that move 2θ (a coupled θ–2θ scan, a detector scan, a PSD frame);
#: a rocking curve ('OMEGA', 'THETA') or a texture drive ('PHI', 'CHI') has no d spacing
_TWO_THETA_DRIVES = ("COUPLED", "TWOTHETA", "2THETA", "DETECTOR", "PSD", "LOCKED")


def looks_like_uxd(lines: list[str]) -> bool:
    """True for a UXD file: ``_KEY=value`` header lines and a data marker (``_COUNTS``,
    ``_CPS``, ``_2THETACOUNTS`` or ``_2THETACPS``) on a line of its own.

    Parameters
    ----------
    lines : list of str
        The file's lines.
    """
    head = [ln.strip() for ln in lines[:400]]
    keys = sum(bool(_KEY.match(ln)) for ln in head)
    return keys >= 2 and any(ln.upper() in _MARKERS for ln in head)


def read_uxd(path, lines: list[str], wavelength_a=None) -> Pattern:
    """Read the first range of a UXD file: 2θ from the position column or from ``_START``
    (``_2THETA`` in old files) and ``_STEPSIZE``; counts per step (a ``*CPS`` range times
    ``_STEPTIME``, so that the counting noise is the data's); wavelength ``_WL1`` (Å) unless
    given.

    Parameters
    ----------
    path : str or Path
        The file (named in errors).
    lines : list of str
        Its lines.
    wavelength_a : float, optional
        X-ray wavelength in Å; overrides ``_WL1``.
    """
    pre = where(Path(path))
    keys: dict[str, str] = {}  # the file's and the first range's: only the first range is read
    ranges: list[tuple[str, list[tuple[int, str]]]] = []
    rows: list[tuple[int, str]] | None = None
    for lineno, line in enumerate(lines, 1):
        text = line.split(";", 1)[0].strip()
        if not text:
            continue
        if text.upper() in _MARKERS:
            rows = []
            ranges.append((text.upper(), rows))
            continue
        m = _KEY.match(text)
        if m:
            rows = None  # a key after data opens the next range's header
            if not ranges:
                keys[m.group(1).upper()] = m.group(2).strip().strip("'\"")
        elif rows is not None:
            rows.append((lineno, text))
        else:
            raise InputError(f"{pre}line {lineno} of the UXD file is neither a _KEY=value line nor "
                             f"data after a _COUNTS/_CPS marker: {text[:60]!r}")
    if not ranges:
        raise InputError(f"{pre}UXD file without a data marker (_COUNTS, _CPS, _2THETACOUNTS or "
                         "_2THETACPS); export it again from DIFFRAC")
    marker, data_rows = ranges[0]
    drive = keys.get("DRIVE", "COUPLED").upper().replace(" ", "")
    if not any(d in drive for d in _TWO_THETA_DRIVES):
        raise InputError(f"{pre}the UXD range drives {keys['DRIVE']!r}, not 2θ: a powder pattern "
                         "needs a coupled θ–2θ or a detector (2θ) scan")
    if not data_rows:
        raise InputError(f"{pre}the first UXD range has no data after {marker}: the file is truncated")
    values = []
    for lineno, text in data_rows:
        try:
            values.append([float(v) for v in text.replace(",", " ").split()])
        except ValueError:
            raise InputError(f"{pre}line {lineno} is not numeric: {text[:60]!r}") from None
    if marker.startswith("_2THETA"):
        if min(len(v) for v in values) < 2:
            raise InputError(f"{pre}{marker} data need a 2θ and an intensity on each line")
        arr = np.array([v[:2] for v in values])
        x, y = arr[:, 0], arr[:, 1]
    else:
        y = np.array([c for v in values for c in v])
        try:
            start = float(keys.get("START", keys.get("2THETA", "")))
            step = float(keys["STEPSIZE"])
        except (KeyError, ValueError):
            raise InputError(f"{pre}a {marker} range needs numeric _START and _STEPSIZE to place "
                             "its counts in 2θ; export it again") from None
        if step <= 0:
            raise InputError(f"{pre}UXD _STEPSIZE={step:g}: no pattern")
        x = start + step * np.arange(y.size)
    meta: dict = {"format": "bruker-uxd", "header": [f"_{k}={v}" for k, v in keys.items()]}
    notes = []
    if marker.endswith("CPS"):
        try:
            steptime = float(keys["STEPTIME"])
        except (KeyError, ValueError):
            steptime = 0.0
        if steptime > 0:
            y = y * steptime
            notes.append(f"counts per second × _STEPTIME {steptime:g} s = counts per step")
        else:
            notes.append("intensities in counts per second, without a _STEPTIME to turn them into counts")
    if len(ranges) > 1:
        notes.append(f"the file holds {len(ranges)} ranges; only the first ({x[0]:.2f}–{x[-1]:.2f}°) "
                     "is read: export each range as its own file to fit it")
    if notes:
        meta["reader_notes"] = notes
    for key, name in (("WL1", "kalpha1_a"), ("WLRATIO", "kalpha2_ratio")):
        try:
            meta[name] = float(keys[key])
        except (KeyError, ValueError):
            pass
    lam = wavelength_a
    if lam is None and 0.01 < meta.get("kalpha1_a", 0.0) < 10:
        lam = meta["kalpha1_a"]
    return make_pattern(x, y, axis="2th_deg", wavelength_a=lam, source=str(path), metadata=meta)
