"""Neutron powder layouts of FullProf's instrument formats that dackit recognises only to name.

The layouts are those CrysFML08 reads (``Src/CFML_DiffPatt/DiffP_ReadPatt_ILL.f90`` and
``DiffP_ReadPatt_PSI.f90``; the instrument codes are those of its ``Testing/test_diffpatt``
buffer, which are FullProf's ``INSTRM`` values):

- **ILL D1A/D2B, LLB 3T2** (``INSTRM=6``): a title, a line with the step in columns 17–24,
  the start angle, the monitors, then ten ``(I2, F6.0)`` pairs a line (the number of detector
  cells summed, then the counts) up to a ``-1000`` record.
- **ILL D1B/D20** (``INSTRM=3``): five header lines (monitor, start and step on the fourth,
  the count of points on the fifth), then ten ``(I2, F8.0)`` pairs a line up to ``-1000``.
- **PSI DMC/HRPT** (``INSTRM=8``): two title lines, ``start step end`` (then settings text),
  then the counts and, optionally, their σ, in ``10F8.0`` lines.

The counts are normalised by the number of cells summed and the first two need the monitor
ratio for σ; the wavelength is in none of them. Read as columns they were "line 3 has 1
column(s)" or "line 1 is not numeric", which names neither the format nor the way out.
"""
from __future__ import annotations

import math

from dackit.errors import InputError, where

#: how to get a file dackit reads out of one of these layouts
_EXPORT = ("dackit does not read it; export 2θ, I, σ as .xye (FullProf or CrysFML write "
           "x, y, σ files) and give the neutron wavelength with --wavelength")

#: (width of one (cells, counts) pair, the layout's name) for the two ILL pair formats
_PAIR_LAYOUTS = (
    (8, "an ILL D1A/D2B or LLB 3T2 powder file (FullProf INSTRM=6: title, step, start and "
        "monitor lines, then (cells, counts) pairs ten a line up to -1000)"),
    (10, "an ILL D1B/D20 powder file (FullProf INSTRM=3: five header lines, then (cells, "
         "counts) pairs ten a line up to -1000)"),
)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _pairs_line(line: str, width: int) -> bool:
    """Is ``line`` up to ten (I2 cells, F counts) fields of ``width`` characters?"""
    line = line.rstrip()
    if not line or len(line) > 10 * width or len(line) % width:
        return False
    for i in range(0, len(line), width):
        cells, counts = line[i:i + 2].strip(), line[i + 2:i + width]
        if not cells.isdigit() or _number(counts) is None:
            return False
    return True


def _ill_pairs(lines: list[str]) -> str | None:
    end = next((i for i, ln in enumerate(lines) if ln.strip() == "-1000"), None)
    if end is None:
        return None
    for width, name in _PAIR_LAYOUTS:
        body = lines[:end]
        first = next((i for i, ln in enumerate(body) if _pairs_line(ln, width)), None)
        # four or five header lines, then nothing but pairs: a 2θ/I column file has no
        # -1000 record and no digit pair glued to each count
        if first in (4, 5) and end - first >= 3 and all(_pairs_line(ln, width) for ln in body[first:]):
            return name
    return None


def _psi_dmc(lines: list[str]) -> str | None:
    # two title lines: a first line of numbers is a DBWS or column file's, not DMC's
    if len(lines) < 6 or _number(lines[0].split()[0]) is not None:
        return None
    head = [_number(t) for t in lines[2].split()[:3]]
    if len(head) < 3 or None in head:
        return None
    start, step, end = (float(v) for v in head)  # type: ignore[arg-type]
    n = (end - start) / step + 1 if step > 0 else math.nan
    if not (n >= 20 and abs(n - round(n)) < 1e-3):
        return None
    values = [_number(ln[i:i + 8]) for ln in lines[3:] for i in range(0, len(ln.rstrip()), 8)]
    if any(v is None for v in values) or len(values) not in (round(n), 2 * round(n)):
        return None
    return ("a PSI DMC/HRPT powder file (FullProf INSTRM=8: two title lines, 'start step end', "
            "then the counts (and their σ) ten a line)")


def refuse_ill_powder(path, lines: list[str]) -> None:
    """Raise a named error when ``lines`` are an ILL or PSI neutron powder file (layouts above).

    Parameters
    ----------
    path : str or Path
        The file (named in the error).
    lines : list of str
        Its lines.

    Raises
    ------
    InputError
        Naming the file, the layout and the export dackit reads.

    Examples
    --------
    >>> pairs = " 1   220" * 10
    >>> text = ["PbSO4 D1A", "     100       0   0.050      10", "  10.000", "  10000.      0."]
    >>> refuse_ill_powder("pbso4.dat", text + [pairs] * 3 + ["   -1000"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dackit.errors.InputError: pbso4.dat: an ILL D1A/D2B or LLB 3T2 powder file ...
    """
    lines = [ln for ln in lines if ln.strip()]
    name = _ill_pairs(lines) or _psi_dmc(lines)
    if name is not None:
        raise InputError(f"{where(path)}{name}: {_EXPORT}")
