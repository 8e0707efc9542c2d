"""Step-scan text formats: a start, a step and an end angle in a header, then only the counts,
several a line or one a line. 2θ is start + i × step.

Three layouts of laboratory diffractometer software are read:

- **Sietronics Sieray CPI** (``.cpi``): ``SIETRONICS XRD SCAN``, then one value a line: start,
  end, step, anode, wavelength (Å), date, scan speed, title, then ``SCANDATA`` and one count a
  line (layout as xylib's ``cpi`` reader takes it).
- **MDI Jade** (``.mdi``): a title line, then ``start step rate anode wavelength end npoints``,
  then the counts, several a line.
- **DBWS / DMPLOT** (``.dbw``, ``.rit``, ``.neu``, often ``.dat``): ``start step end`` in
  Fortran ``3F8`` fields (an optional title after them), then the counts separated by blanks
  or commas (layout as xylib's ``dbws`` reader takes it; no wavelength). FullProf's free
  format (``INSTRM=0``) is the same layout after optional ``!`` or ``#`` comment lines (as
  CrysFML's ``Read_Pattern_FREE`` skips them); those lines are kept as header.

Read as plain columns, such a file was a "line 402 has 1 column" error, or, when the count of
points filled every line, eight or ten unnamed columns. Each layout is recognised only when
its header's count of points agrees with the counts that follow, so a column file is never
taken for one.
"""
from __future__ import annotations

import math
import re

import numpy as np

from dackit.core.pattern import Pattern, make_pattern
from dackit.errors import InputError, where
from dackit.io.patterns import MAX_PATTERN_COLUMNS

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _floats(tokens) -> list[float] | None:
    if not tokens or not all(_NUMBER.match(t) for t in tokens):
        return None
    return [float(t) for t in tokens]


def _counts(lines) -> list[float] | None:
    values: list[float] = []
    for line in lines:
        tokens = line.replace(",", " ").split()
        if not tokens:
            continue
        row = _floats(tokens)
        if row is None:
            return None
        values.extend(row)
    return values


def _n_points(start: float, step: float, end: float) -> float:
    return (end - start) / step + 1 if step > 0 else math.nan


def _cpi(lines):
    if not lines[0].strip().upper().startswith("SIETRONICS XRD SCAN"):
        return None
    try:
        start, end, step = (float(lines[i]) for i in (1, 2, 3))
        at = next(i for i, ln in enumerate(lines[:40]) if ln.strip().upper().startswith("SCANDATA"))
    except (ValueError, IndexError, StopIteration):
        return None
    try:
        lam = float(lines[5])
    except (ValueError, IndexError):
        lam = None
    return "Sietronics CPI", start, step, end, lam, lines[at + 1:], lines[:at]


def _mdi(lines):
    if len(lines) < 3:
        return None
    tokens = lines[1].split()
    if len(tokens) != 7 or not tokens[3].isalpha():
        return None
    numbers = _floats(tokens[:3] + tokens[4:])
    if numbers is None:
        return None
    start, step, _rate, lam, end, n = numbers
    if abs(_n_points(start, step, end) - n) > 1.5:
        return None
    return "MDI Jade", start, step, end, lam or None, lines[2:], lines[:2]


def _dbws(lines):
    first = lines[0].rstrip()
    fields = [first[i:i + 8].strip() for i in (0, 8, 16)] if len(first) >= 24 else []
    numbers = _floats(fields) or _floats(first.split()[:3])
    if numbers is None or len(numbers) != 3:
        return None
    start, step, end = numbers
    n = _n_points(start, step, end)
    if not (n >= 2 and abs(n - round(n)) < 1e-3):
        return None
    return "DBWS", start, step, end, None, lines[1:], lines[:1]


def _layout(lines):
    lines = [ln for ln in lines if ln.strip()]
    # FullProf's free format (INSTRM=0) lets '!' and '#' comment lines precede the header:
    # CrysFML's ceo2.dat ("! Diffraction pattern from CeO2 CuKalpha") was refused as a
    # "line 480 has 1 column" column file
    comments = next((i for i, ln in enumerate(lines) if ln.lstrip()[:1] not in ("!", "#")), len(lines))
    notes, lines = lines[:comments], lines[comments:]
    if len(lines) < 2:
        return None
    for parse in (_cpi, _mdi, _dbws):
        found = parse(lines)
        if found is None:
            continue
        name, start, step, end, lam, body, header = found
        counts = _counts(body)
        if counts is None or len(counts) < 2:
            continue
        expected = _n_points(start, step, end)
        # CPI and MDI round the end to the step's digits; DBWS states it exactly
        if abs(expected - len(counts)) <= (1e-3 if name == "DBWS" else 1.5):
            return name, start, step, lam, np.asarray(counts), notes + header
    return None


def _refuse_count_mismatch(path, lines) -> None:
    """A DBWS header over counts only (one a line, or more than a column file holds) whose
    count of points disagrees with them: CrysFML's rutana.dat (20–99° by 0.01°: 7901 points,
    8001 counts) was 'line 3 has 1 column(s)', which hides the disagreement to be fixed."""
    lines = [ln for ln in lines if ln.strip() and ln.lstrip()[:1] not in ("!", "#")]
    found = _dbws(lines) if len(lines) > 2 else None
    if found is None:
        return
    _, start, step, end, _, body, _ = found
    widths = {len(ln.replace(",", " ").split()) for ln in body}
    counts = _counts(body)
    if counts is None or not all(w == 1 or w > MAX_PATTERN_COLUMNS for w in widths):
        return
    n = round(_n_points(start, step, end))
    raise InputError(f"{where(path)}a DBWS / FullProf free-format step scan whose header "
                     f"{lines[0].strip()!r} ({start:g}–{end:g}° by {step:g}: {n} points) disagrees "
                     f"with the {len(counts)} counts that follow; correct the header's end angle "
                     "or the counts (dackit does not guess which is wrong)")


def read_step_scan(path, lines: list[str], wavelength_a=None) -> Pattern | None:
    """Read a CPI, MDI or DBWS step scan: 2θ = start + i × step, the wavelength from the
    header (CPI, MDI) unless given. None when ``lines`` are no such scan (no layout whose
    header's count of points matches the counts that follow): the file is parsed once, by
    this call, whatever it turns out to be. A DBWS header over counts alone (one a line, or
    more a line than a column file has) whose count of points disagrees with them is an error.

    Parameters
    ----------
    path : str or Path
        The file (named in errors).
    lines : list of str
        Its lines.
    wavelength_a : float, optional
        X-ray wavelength in Å; overrides the header's.

    Raises
    ------
    InputError
        For a DBWS header whose count of points disagrees with the counts alone below it.

    Examples
    --------
    >>> counts = " ".join(str(100 + i) for i in range(11))
    >>> text = f"  10.000   0.010  10.100 LaB6\\n{counts}\\n"
    >>> p = read_step_scan("scan.dbw", text.splitlines(), wavelength_a=1.5406)
    >>> round(float(p.x[-1]), 3), p.metadata["format"]
    (10.1, 'DBWS')
    """
    found = _layout(lines)
    if found is None:
        _refuse_count_mismatch(path, lines)
        return None
    name, start, step, lam, y, header = found
    meta = {"format": name, "header": [ln.strip() for ln in header]}
    # whole numbers are the detector's counts: Poisson σ = √counts, as FullProf and GSAS-II
    # weigh these files (scaled intensities say nothing of their σ, which is then estimated
    # from the scatter downstream). The PbSO4 round-robin DBWS scan without σ put 7 of 178
    # lines > 0.25 FWHM off; with it, the cell of its GSAS copy
    counts = bool(np.all(y >= 0) and np.all(y == np.round(y)))
    return make_pattern(start + step * np.arange(y.size), y, axis="2th_deg",
                        wavelength_a=wavelength_a if wavelength_a is not None else lam,
                        sigma=np.sqrt(np.maximum(y, 1.0)) if counts else None,
                        source=str(path), metadata=meta)
