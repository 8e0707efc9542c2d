"""Columns of numbers in a text file: the parser every text spectrum format shares.

Written by hand because no maintained library reads the mix found in labs in one pass:
tab, space, comma or semicolon delimiters, decimal commas (``694,24;1234,5``), header
and comment lines, quoted names (``"Wavelength","Intensity"``), extra columns and trailing
junk (Andor's ``.asc`` appends its settings after the data). ``numpy.loadtxt`` and
``pandas.read_csv`` need the dialect and the header length to be known in advance.

The data block is the first run of lines holding at least two numbers each. Inside it,
a line that starts with a number but has text in another column is an error naming the
line ("non-numeric at line N"), never silently dropped; after it, text lines end the block,
and numbers appearing again after such text are an error too (words inside the data).

>>> t = parse_table(["# wavelength;intensity", "694,24;1234,5", "694,30;1240"], "demo.csv")
>>> t.data.tolist(), t.delimiter, t.decimal
([[694.24, 1234.5], [694.3, 1240.0]], ';', ',')
"""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from dackit.core.spectrum import Spectrum, make_spectrum
from dackit.errors import InputError, where

#: (delimiter, decimal separator) tried in this order; ``None`` splits on any whitespace.
DIALECTS = (("\t", "."), ("\t", ","), (";", "."), (";", ","), (",", "."), (None, "."), (None, ","))

COMMENT_PREFIXES = ("#", "%", ";", "//", "!")

_QUOTES = "\"'"


@dataclass(frozen=True)
class Table:
    """Numbers found in a text file.

    Attributes
    ----------
    data : ndarray, shape (rows, columns)
    names : tuple of str
        Column names from the header line just above the data ("" when absent).
    header, trailer : tuple of str
        Lines before and after the data block (comments included, markers stripped).
    first_line : int
        1-based line number of the first data row in the file.
    delimiter, decimal : str
        Dialect found (``"whitespace"`` for runs of spaces).
    """

    data: np.ndarray
    names: tuple
    header: tuple
    trailer: tuple
    first_line: int
    delimiter: str
    decimal: str


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Deleting these from bytes leaves only the control characters text should not hold.
_NOT_CONTROL = bytes([9, 10, 12, 13]) + bytes(range(32, 256))


def looks_like_text(head: bytes) -> bool:
    """True when ``head`` reads as text: no NUL byte and almost no control characters."""
    if head.startswith(_UTF16_BOMS):
        head = decode_text(head[: len(head) // 2 * 2]).encode("utf-8")
    if not head or b"\x00" in head:
        return False
    return len(head.translate(None, _NOT_CONTROL)) <= 0.01 * len(head)


def decode_text(raw: bytes) -> str:
    """Decode file bytes: UTF-16 with a BOM, UTF-8 (with or without BOM), else Latin-1
    (what Windows programs write without saying so)."""
    if raw.startswith(_UTF16_BOMS):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_lines(path: Path) -> list[str]:
    """The text lines of ``path`` (any of \\n, \\r\\n, \\r endings)."""
    from dackit.io.guard import read_text_bytes

    return decode_text(read_text_bytes(path)).splitlines()


#: a number with thousands separators, as spreadsheets quote it in a CSV ("12,345.6")
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def _tokens(line: str, delimiter: str | None) -> list[str]:
    if delimiter and '"' in line:
        # quoted fields may hold the delimiter: Excel writes counts above 999 as "1,234.5";
        # split on it, they broke each such row into two columns (R1 read 14 nm off)
        parts = next(csv.reader([line], delimiter=delimiter))
        if delimiter == ",":
            parts = [p.replace(",", "") if _THOUSANDS.fullmatch(p.strip()) else p for p in parts]
    else:
        parts = line.split(delimiter) if delimiter else line.split()
    parts = [p.strip().strip(_QUOTES).strip() for p in parts]
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _number(token: str, decimal: str) -> float | None:
    if decimal == ",":
        if "." in token:
            return None
        token = token.replace(",", ".")
    try:
        return float(token)
    except ValueError:
        return None


def row_numbers(line: str, dialect: tuple) -> list[float] | None:
    """The numbers of one data row in ``dialect`` (delimiter, decimal), or None when a field
    is not a number in it.

    >>> row_numbers("20,515;1234,5", (";", ","))
    [20.515, 1234.5]
    """
    values = []
    for token in _tokens(line, dialect[0]):
        value = _number(token, dialect[1])
        if value is None:
            return None
        values.append(value)
    return values


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith(COMMENT_PREFIXES)


def _leading_numbers(line: str, dialect) -> int:
    toks = _tokens(line, dialect[0])
    n = 0
    for t in toks:
        if _number(t, dialect[1]) is None:
            break
        n += 1
    return n


def choose_dialect(lines: list[str]) -> tuple:
    """The (delimiter, decimal) that turns most lines into rows of >= 2 numbers.

    Scores a sample of at most 150 lines spread evenly over the file (headers and
    trailers are short next to the data, so the data dominate); ties go to the earlier
    entry of :data:`DIALECTS` (tab before semicolon before comma before spaces, and a
    decimal point before a decimal comma).
    """
    if len(lines) > 150:
        step = len(lines) / 150
        lines = [lines[int(i * step)] for i in range(150)]
    content = [ln for ln in lines if ln.strip() and not _is_comment(ln)]
    best, best_score = DIALECTS[0], -1
    for dialect in DIALECTS:
        score = sum(1 for ln in content if _leading_numbers(ln, dialect) >= 2)
        if score > best_score:
            best, best_score = dialect, score
    return best


def _names_from(line: str, delimiter: str | None, ncols: int) -> tuple:
    text = line.strip()
    for prefix in COMMENT_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):].strip()
            break
    candidates = [_tokens(text, delimiter)]
    if delimiter is None:
        candidates.append([t.strip(_QUOTES) for t in re.split(r"\t|\s{2,}", text) if t.strip()])
    for names in candidates:
        if len(names) == ncols and any(re.search(r"[A-Za-zλ]", n) for n in names):
            return tuple(names)
    return ("",) * ncols


def _names_above(header, delimiter: str | None, ncols: int) -> tuple:
    for line in reversed(header):
        if line.strip():
            return _names_from(line, delimiter, ncols)
    return ("",) * ncols


def _parse_clean(lines, delimiter, decimal, first_lineno, whole) -> Table | None:
    """Bulk numpy parse of a block that runs cleanly to the end of ``lines``, or None.

    Finds the first data row line by line (headers are short), then converts the rest in
    one call. Anything the careful path would treat specially (comments or text inside
    or after the data, ragged rows, quotes, a point in a decimal-comma file, a partial
    line before the data) returns None so that path handles it: results are identical,
    only ~10× faster for the usual clean export.
    """
    start = None
    for i, line in enumerate(lines):
        toks = _tokens(line, delimiter)
        if not toks or _is_comment(line):
            continue
        if _number(toks[0], decimal) is None:
            if whole:
                return None
            continue
        if len(toks) >= 2 and all(_number(t, decimal) is not None for t in toks):
            start, ncols = i, len(toks)
            break
        return None
    if start is None:
        return None
    text = "\n".join(lines[start:])
    if decimal == ",":
        if "." in text:
            return None
        text = text.replace(",", ".")
    rows = [ln.split(delimiter) if delimiter else ln.split() for ln in text.split("\n") if ln.strip()]
    if any(len(r) != ncols for r in rows):
        return None
    try:
        data = np.array(rows, dtype=float)
    except ValueError:
        return None
    header = tuple(lines[:start])
    return Table(data=data, names=_names_above(header, delimiter, ncols), header=header, trailer=(),
                 first_line=first_lineno + start, delimiter=delimiter or "whitespace", decimal=decimal)


def parse_table(lines: list[str], source, first_lineno: int = 1, whole: bool = False,
                fast: bool = True) -> Table:
    """Find and parse the block of numeric rows in ``lines``.

    Parameters
    ----------
    lines : list of str
        Text lines (without line endings).
    source : str or Path
        Named in error messages.
    first_lineno : int
        File line number of ``lines[0]`` (for messages when ``lines`` is a slice).
    whole : bool
        Every non-blank, non-comment line must be data (used between begin/end markers).
    fast : bool
        Try the bulk parse of a clean block first (same result; False forces the
        line-by-line path, for tests).

    Raises :class:`InputError` naming the line for a non-numeric value inside the data,
    a row with a missing column, or when no numeric data is found.
    """
    pre = where(source)
    delimiter, decimal = choose_dialect(lines)
    if fast:
        table = _parse_clean(lines, delimiter, decimal, first_lineno, whole)
        if table is not None:
            return table
    kinds = []
    for line in lines:
        toks = _tokens(line, delimiter)
        if not toks or _is_comment(line):
            kinds.append(("skip", toks))
        elif _number(toks[0], decimal) is None:
            kinds.append(("text", toks))
        elif len(toks) >= 2 and all(_number(t, decimal) is not None for t in toks):
            kinds.append(("row", toks))
        else:
            kinds.append(("partial", toks))

    def lineno(i):
        return first_lineno + i

    def bad_row(i, toks):
        if len(toks) < 2:
            return InputError(f"{pre}line {lineno(i)} has a single value {toks[0]!r}; each data row "
                              "needs at least two columns (x and y)")
        word = next(t for t in toks if _number(t, decimal) is None)
        return InputError(f"{pre}non-numeric at line {lineno(i)}: {word!r} in a data row "
                          f"({lines[i].strip()[:60]!r}); fix or remove that line")

    rows_at = [i for i, (k, _) in enumerate(kinds) if k == "row"]
    if whole:
        for i, (k, toks) in enumerate(kinds):
            if k == "text":
                raise InputError(f"{pre}non-numeric at line {lineno(i)}: {lines[i].strip()[:60]!r} "
                                 "inside the data block; fix or remove that line")
            if k == "partial":
                raise bad_row(i, toks)
        start = rows_at[0] if rows_at else len(lines)
    else:
        if not rows_at:
            partial = [i for i, (k, _) in enumerate(kinds) if k == "partial"]
            if partial:
                raise bad_row(partial[0], kinds[partial[0]][1])
            raise InputError(f"{pre}no rows of numbers found; a spectrum file needs two columns "
                             "(x, y) of numbers, optionally after header lines")
        start = rows_at[0]
    if not rows_at:
        raise InputError(f"{pre}no data rows found; the file holds a header but no spectrum "
                         "(is it truncated?)")

    ncols = len(kinds[start][1])
    rows, end = [], len(lines)
    for i in range(start, len(lines)):
        kind, toks = kinds[i]
        if kind == "skip":
            continue
        if kind == "text":
            end = i
            break
        if kind == "partial":
            raise bad_row(i, toks)
        values = [_number(t, decimal) for t in toks]
        if len(values) < ncols:
            raise InputError(f"{pre}line {lineno(i)} has {len(values)} columns but the data "
                             f"started with {ncols}; the row is incomplete")
        rows.append(values[:ncols])
    for j in range(end, len(lines)):
        if kinds[j][0] == "row":
            raise InputError(f"{pre}non-numeric at line {lineno(end)}: {lines[end].strip()[:60]!r} "
                             f"inside the data (numbers continue at line {lineno(j)}); "
                             "fix or remove that line")

    header = tuple(lines[:start])
    names = _names_above(header, delimiter, ncols)
    return Table(data=np.asarray(rows, dtype=float), names=names, header=header,
                 trailer=tuple(lines[end:]), first_line=lineno(start),
                 delimiter=delimiter or "whitespace", decimal=decimal)


# Column names → x unit, most specific first ("Raman shift (cm-1)" is a shift, not cm-1).
_X_NAMES = (
    ("raman_cm-1", r"raman|shift"),
    ("cm-1", r"wave\s*number|wavenumber|cm-1|cm\^-1|cm⁻¹|1/cm|cm\*\*-1"),
    ("eV", r"energy|\bm?ev\b|_m?ev\b|\(m?ev\)"),
    ("nm", r"wave\s*length|wavelength|lambda|λ|\bnm\b|_nm\b|\(nm\)|\bwl\b"),
    ("pixel", r"pixel|\bpx\b|channel"),
)
_Y_NAMES = (r"intens|count|cts|absorb|\babs\b|\bod\b|transm|reflect|signal|\bpl\b|\by\b|\bi\b|\bint\b|a\.u\.|arb"
            r"|emiss|\bem\b|fluor|lumin")
#: an excitation (PLE) spectrum: fluorometer, dye-database and SpectraViewer exports list it
#: beside the emission ("Wavelength, Excitation, Emission"; FPbase "EGFP ex, EGFP em");
#: no dackit analysis reads one, so the emission beside it is the signal
_EXCITATION_NAME = r"excit|\bex\b|\bple\b"


#: auxiliary columns beside a spectrum: dark, reference/lamp, background, blank, baseline, errors
_AUX_NAME = (r"\bdark|reference|\bref\b|background|\bbkg\b|\bbg\b|blank|baseline|\blamp\b|\berr"
             r"|sigma|uncert|std\.?\s*dev|\bstd\b")


def x_unit_from_name(name: str) -> str | None:
    """The x unit a column name states, or None: ``"Raman shift (cm-1)"`` → ``"raman_cm-1"``.

    >>> x_unit_from_name("Wavelength (nm)"), x_unit_from_name("Energy/eV"), x_unit_from_name("I")
    ('nm', 'eV', None)
    """
    low = name.strip().lower()
    for unit, pattern in _X_NAMES:
        if re.search(pattern, low):
            return unit
    return None


#: sub-units a column name may state for x, with the factor to dackit's unit (nm or eV):
#: "Energy (meV)" read as eV put a 650 nm band at "1907 nm"; "Wavelength (Å)" read as nm at
#: "6498 nm", both with quality ok. Checked only when the name does not say nm or eV itself.
_X_SCALES = (
    ("eV", 1e-3, "meV", r"\bmev\b|_mev\b|\(mev\)|\[mev\]"),
    ("nm", 0.1, "Å", r"å|angstr|[(\[/]\s*a\s*[)\]]|[(\[/]\s*a\s*$|_a$"),
    ("nm", 1e3, "µm", r"µm|μm|\bum\b|_um\b|micron"),
)


def x_scale_from_name(name: str, unit: str | None) -> tuple[float, str | None]:
    """(factor, sub-unit) that turns x named in meV, Å or µm into eV or nm; (1.0, None) otherwise.

    Parameters
    ----------
    name : str
        The x column's name (or the header line above unnamed columns).
    unit : str or None
        The unit :func:`x_unit_from_name` read from it.

    Examples
    --------
    >>> x_scale_from_name("Energy (meV)", "eV"), x_scale_from_name("Wavelength [Å]", "nm")
    ((0.001, 'meV'), (0.1, 'Å'))
    >>> x_scale_from_name("Wavelength (nm)", "nm"), x_scale_from_name("Wavelength (µm)", "nm")
    ((1.0, None), (1000.0, 'µm'))
    """
    low = name.strip().lower()
    if unit == "nm" and re.search(r"\bnm\b|_nm\b|\(nm\)", low):
        return 1.0, None
    if unit == "eV" and re.search(r"(?<!m)\bev\b|_ev\b|\(ev\)", low):
        return 1.0, None
    for target, factor, said, pattern in _X_SCALES:
        if unit == target and re.search(pattern, low):
            return factor, said
    return 1.0, None


def y_unit_from_name(name: str) -> str:
    """Free-text y unit from a column name: absorbance, absorption coefficient
    (``alpha_cm-1``), transmittance, reflectance or counts."""
    low = name.lower()
    if re.search(r"alpha|α|absorption\s*coef", low):
        return "alpha_cm-1"
    if re.search(r"absorb|\babs\b|\bod\b", low):
        return "absorbance"
    # "%T" / "T%" / "T (%)" is how UV-Vis instruments (PerkinElmer, Shimadzu, Agilent) head
    # a transmittance column; read as absorbance it has no rising edge, or a wrong one
    if "transm" in low or re.search(r"(^|[^a-z])%\s*t\b|(^|[^a-z])t\s*[\[(]?\s*%", low):
        return "transmittance"
    if "reflect" in low:
        return "reflectance"
    return "counts"


#: WiRE's name of the spectral axis column (Raman shift or wavelength, unit not written)
_WIRE_AXIS = r"#?\s*wave"
#: the coordinates WiRE writes before it in map, depth and time-series exports
_WIRE_COORDINATE = r"#?\s*(?:x|y|z|time)"


def pick_columns(names: tuple) -> tuple[int, int, str | None]:
    """Indices of the x and y columns and the x unit their names state.

    x is the first column whose name states a physical unit (a pixel column only when
    there is none: exports often list ``Pixel, Wavelength, Intensity``), else column 0;
    y is the first other column named like an intensity, else the first other column; a
    column named as an excitation spectrum is passed over when another column is named like
    a signal (``Wavelength, Excitation, Emission`` → Emission).

    >>> pick_columns(("Wavelength", "Excitation", "Emission"))
    (0, 2, 'nm')
    >>> pick_columns(("Wavelength", "Dark", "Reference", "Sample", "Processed"))
    (0, 4, 'nm')
    >>> pick_columns(("X", "#Y", "#Wave", "#Intensity"))
    (2, 3, None)
    """
    units = [x_unit_from_name(name) if name else None for name in names]
    physical = [i for i, u in enumerate(units) if u not in (None, "pixel")]
    pixel = [i for i, u in enumerate(units) if u == "pixel"]
    # Renishaw WiRE heads its spectral axis "#Wave" with no unit (the range tells) and puts a
    # map's or series' coordinates first ("#X #Y #Wave #Intensity"): column 0 was the stage X
    spectral = [i for i, name in enumerate(names) if name and re.fullmatch(_WIRE_AXIS, name.strip().lower())]
    x_idx = (physical or spectral or pixel or [0])[0]
    unit = units[x_idx]
    others = [i for i in range(len(names)) if i != x_idx]
    if x_idx in spectral:  # WiRE's map coordinates are no signal ("#Y" reads like a y column)
        others = [i for i in others if not re.fullmatch(_WIRE_COORDINATE, names[i].strip().lower())] or others
    # dark, reference and error columns are never the spectrum: an Ocean Optics "Wavelength,
    # Dark, Reference, Sample, Processed" export has its signal in the last columns
    plain = [i for i in others if not (names[i] and re.search(_AUX_NAME, names[i].lower()))]
    named = [i for i in plain if names[i] and re.search(_Y_NAMES, names[i].lower())]
    signal = [i for i in named if not re.search(_EXCITATION_NAME, names[i].lower())]
    processed = [i for i in plain if names[i] and re.search(r"process|corrected", names[i].lower())]
    sample = [i for i in plain if names[i] and re.search(r"\bsample\b", names[i].lower())]
    y_idx = (signal or processed or sample or named or plain or others)[0]
    return x_idx, y_idx, unit


# Divisors to seconds (dividing keeps 200000 µs at exactly 0.2 s).
_EXPOSURE_UNITS = {"s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
                   "ms": 1e3, "msec": 1e3, "msecs": 1e3,
                   "us": 1e6, "usec": 1e6, "usecs": 1e6, "µs": 1e6, "μs": 1e6}


def exposure_seconds(key: str, value: str) -> float | None:
    """Exposure in seconds from a header pair such as ``Integration Time (usec): 20000``.

    The unit is read from the key's parentheses or from a suffix of the value; a key
    without any unit gives None rather than a guess.

    >>> exposure_seconds("Integration Time (usec)", "20000 (USB4A00428)")
    0.02
    >>> exposure_seconds("Tiempo de integración (usec)", "3000000 (JAZA1465)")
    3.0
    """
    m = re.match(r"\s*([-+]?\d+(?:[.,]\d*)?(?:[eE][-+]?\d+)?)\s*([a-zA-Zµμ]*)", value)
    if not m:
        return None
    number = float(m.group(1).replace(",", "."))
    unit = None
    par = re.search(r"\(([^)]+)\)", key)
    if par and par.group(1).strip().lower() in _EXPOSURE_UNITS:
        unit = par.group(1).strip().lower()
    elif m.group(2).lower() in _EXPOSURE_UNITS:
        unit = m.group(2).lower()
    return None if unit is None else number / _EXPOSURE_UNITS[unit]


def header_pairs(lines) -> dict:
    """``key: value`` pairs of header lines (comment prefixes stripped, first colon splits)."""
    pairs = {}
    for line in lines:
        text = line.strip()
        for prefix in COMMENT_PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix):].strip()
                break
        if ":" in text:
            key, value = text.split(":", 1)
            if key.strip() and key.strip() not in pairs:
                pairs[key.strip()] = value.strip()
    return pairs


def exposure_from_pairs(pairs: dict) -> float | None:
    """First exposure/integration time among header pairs, in seconds."""
    for key, value in pairs.items():
        if re.search(r"exposure|integra", key, re.IGNORECASE):
            seconds = exposure_seconds(key, value)
            if seconds is not None:
                return seconds
    return None


#: a line that ends a header of bare numbers and starts the data: PerkinElmer's ASCII export
#: (FL/UV WinLab, "PE FL SPECTRUM ASCII PEDS") writes dozens of instrument settings, one or
#: three numbers a line ("1 0 0", "-1"), before ``#DATA``; read as rows they end the data at once
DATA_MARKER = "#DATA"


def data_after_marker(lines: list[str], source) -> Table:
    """:func:`parse_table` of the lines after a ``#DATA`` marker line, or of all lines.

    >>> t = data_after_marker(["PE FL SPECTRUM ASCII", "1 0 0", "-1", "#DATA",
    ...                        "405.0\t198.4", "405.5\t209.5", "406.0\t215.8"], "x.txt")
    >>> t.data.shape, t.first_line, len(t.header)
    ((3, 2), 5, 4)
    """
    marks = [i for i, line in enumerate(lines) if line.strip().upper() == DATA_MARKER]
    if not marks:
        return parse_table(lines, source)
    k = marks[-1]
    table = parse_table(lines[k + 1:], source, first_lineno=k + 2)
    return replace(table, header=tuple(lines[:k + 1]) + table.header)


def sniff_text(path: Path, head: bytes) -> bool:
    """Any text file may hold columns of numbers."""
    return looks_like_text(head)


#: x column names of SAXS/XRD curves: q (alone or with an inverse-length unit), 2θ
_SCATTERING_X = re.compile(r"(^|[\s|,;#(])q\s*(\(|\[|_)?\s*(1/a|a\^?-1|1/nm|nm\^?-1|1/å|å\^?-1|1/angstrom)"
                           r"|^\s*q\s*$|^\s*q\s*[|,;\t]|^[\s#]*q\s+i\b|2\s*-?\s*theta|two.?theta|\b2th\b|2θ")

#: an x column of time or delay: a decay (TCSPC, lifetime, kinetics) curve, not a spectrum
#: (Becker & Hickl SPCM export "*BLOCK 1 ( Time[ns] No_of_photons )" was refused as "µm or eV?";
#: with a longer time range it would have been read as wavelengths in nm)
_TIME_X = re.compile(r"(^|[\s|,;#(])(time|delay|decay)\b|(^|[\s(])t\s*[\[(]\s*(ns|ps|fs|µs|us|ms|s)\s*[\])]"
                     r"|time\s*[\[(]\s*(ns|ps|fs|µs|us|ms|s)\s*[\])]")


def _is_time_axis(name: str) -> bool:
    """Does a column name (or the header line above unnamed columns) say x is time? Not
    for a setting that mentions a time ("Integration time (ms): 100", "Exposure time 1 s")."""
    low = name.lower()
    setting = (re.search(r"(integration|exposure|acquisition|accumulat|dwell|collection|scan|cycle)\s*time", low)
               or re.search(r"time[^:=]*[:=]\s*[-+\d.]", low))
    return bool(_TIME_X.search(low)) and not setting


#: Planck's constant in eV·s (exact in the SI since 2019; CODATA 2018)
PLANCK_EV_S = 4.135667696e-15
_FREQUENCY_X = re.compile(r"frequen|\b[tgmkp]?hz\b", re.I)
_FREQUENCY_UNITS = {"phz": 1e15, "thz": 1e12, "ghz": 1e9, "mhz": 1e6, "khz": 1e3, "hz": 1.0}


def _frequency_axis(xname: str, src: str, named: bool) -> tuple[str | None, float, str | None]:
    """(unit, factor, sub-unit) of an x column named as a frequency: THz or PHz become eV
    (E = hν); a named column in another unit or none is refused. "Frequency (THz)" was read
    as nm and put a 650 nm band at "461 nm", ok. (None, 1, None) when the name is no
    frequency. A header line above unnamed columns (``named`` False) counts only when it
    starts with the frequency and gives THz or PHz: prose there ("Frequency-doubled
    Nd:YAG") or a setting ("Repetition frequency: 80 MHz") names no axis."""
    low = xname.lower()
    if not _FREQUENCY_X.search(low) or re.search(r"[:=]\s*[-+\d.]", low):
        return None, 1.0, None
    unit = next((u for u in _FREQUENCY_UNITS if re.search(rf"\b{u}\b", low)), None)
    if not named and not (re.match(r"\W*(?:freq|[tp]hz\b)", low) and unit in ("thz", "phz")):
        return None, 1.0, None
    if unit in ("thz", "phz"):
        return "eV", PLANCK_EV_S * _FREQUENCY_UNITS[unit], "THz" if unit == "thz" else "PHz"
    said = f"in {unit[:-2].upper()}Hz" if unit else "without a unit"
    raise InputError(f"{where(src)}the x column {xname.strip()[:40]!r} is a frequency {said}: give x as "
                     "wavelength (nm), energy (eV) or wavenumber (cm-1), or as a frequency in THz")


#: unnamed columns a spectrum file may have: x, y and at most an error and a reference/dark
#: column (x y, x y σ, pixel x y); beyond that the file holds several spectra
MAX_UNNAMED_COLUMNS = 4


def read_columns(path) -> Spectrum:
    """Read a text file of numeric columns (tab, spaces, comma, semicolon; decimal commas).

    Named columns pick x and y and the x unit (wavelength/nm/lambda → nm, energy/eV → eV,
    wavenumber/cm-1 → cm-1, Raman shift → raman_cm-1, pixel → pixel); without names the
    first two columns are x and y and x is assumed to be in nm (``metadata["x_unit_from"]``
    says ``"assumed"``). ``key: value`` header or trailer lines are searched for an
    exposure time (Andor ``.asc``: ``Exposure Time (secs): 0.1``).
    """
    src = str(path)
    table = data_after_marker(read_lines(path), src)
    x_idx, y_idx, unit = pick_columns(table.names)
    above = next((line for line in reversed(table.header) if line.strip()), "")
    xname = table.names[x_idx] if any(table.names) else above
    if _SCATTERING_X.search(xname.lower()):
        # a SAXS/XRD curve (columns Q, I(Q), Error; "2theta"): its x is no wavelength, and a
        # unit named for I ("I(Q) (1/cm)") must not be taken for x's
        what = (f"the x column is {xname.strip()[:40]!r}" if any(table.names)
                else f"the column header {above.strip()[:60]!r} names q or 2θ")
        raise InputError(f"{where(src)}{what}: a scattering or diffraction pattern, not an optical "
                         "spectrum; analyse it with dackit saxs peaks or dackit xrd")
    if _is_time_axis(xname):
        what = (f"the x column is {xname.strip()[:40]!r}" if any(table.names)
                else f"the column header {above.strip()[:60]!r} names time")
        raise InputError(f"{where(src)}{what}: a decay or kinetics curve over time, not a spectrum over "
                         "wavelength; dackit analyses spectra (x in nm, eV or cm-1)")
    ncols = table.data.shape[1]
    if re.fullmatch(_WIRE_AXIS, xname.strip().lower()):
        n_spectra = len(table.data) // max(len(np.unique(table.data[:, x_idx])), 1)
        if n_spectra > 1:
            coords = [n for n in table.names if re.fullmatch(_WIRE_COORDINATE, n.strip().lower())]
            raise InputError(f"{where(src)}a map or series export holding {n_spectra} spectra (columns "
                             f"{', '.join(coords) or 'before #Wave'}); dackit measures one spectrum per file: "
                             "export each point's spectrum on its own")
    if ncols > MAX_UNNAMED_COLUMNS and not any(table.names):
        # several spectra side by side (a map or series export): columns 0 and 1 would be a guess
        raise InputError(f"{where(src)}{ncols} columns of numbers without names: which is x and which "
                         "is the spectrum? Add a header line naming them (e.g. wavelength_nm counts) "
                         "or save x and the one spectrum as two columns")
    if unit is None and not any(table.names):
        # Names that do not split into the columns ("Raman Shift Intensity") still say
        # what x is.
        unit = x_unit_from_name(above)
    pairs = header_pairs(table.header + table.trailer)
    labspec_unit, laser_nm = labspec_text_axis(table.header, src)
    if unit is None and labspec_unit is not None:
        unit = labspec_unit
    centre_note = None
    if unit is None:
        unit, centre_note = centre_wavelength_axis(pairs, table.data[:, x_idx])
    meta = {"format": "text", "delimiter": table.delimiter, "decimal": table.decimal,
            "first_data_line": table.first_line, "n_frames": 1,
            "x_unit_from": "file" if unit else "assumed"}
    if centre_note:
        meta["x_unit_note"] = centre_note
    if laser_nm is not None:
        meta["laser_nm"] = laser_nm
    if any(table.names):
        meta["columns"] = list(table.names)
        meta["x_column"], meta["y_column"] = table.names[x_idx], table.names[y_idx]
    exposure = exposure_from_pairs(pairs)
    if exposure is not None:
        meta["exposure_s"] = exposure
    factor, sub_unit = x_scale_from_name(xname, unit)
    if unit is None:
        unit, factor, sub_unit = _frequency_axis(xname, src, any(table.names))
    if sub_unit:
        meta["x_scaled"] = f"x named in {sub_unit}: multiplied by {factor:g} to {unit}"
    elif unit == "nm" and not re.search(r"\bnm\b|_nm\b|\(nm\)|nanomet", xname.lower()):
        # "Wavelength" alone names the quantity, not the unit (old spectrometers write Å)
        meta["x_unit_bare"] = True
    return make_spectrum(table.data[:, x_idx] * factor, table.data[:, y_idx], x_unit=unit or "nm",
                         y_unit=y_unit_from_name(table.names[y_idx]), metadata=meta, source=src)


#: Horiba LabSpec 6 text export: '#Key=<tab>value' header lines, among them the spectrometer
#: position written in the unit of the x axis ('#Spectro (cm-¹)=' when x is the Raman shift,
#: '#Spectro (nm)=' when x is the wavelength; some versions write '#Range (cm-¹)=' instead) and
#: the laser ('#Laser=532nm_Edge',
#: '#Laser (nm)=632.817'). The x column itself has no name.
_LABSPEC_SPECTRO = re.compile(r"^#\s*(?:spectro|range)\s*\(([^)]*)\)\s*=", re.IGNORECASE)
_LABSPEC_LASER = re.compile(r"^#\s*laser[^=]*=\s*([0-9]+(?:\.[0-9]+)?)\s*(nm)?", re.IGNORECASE)


def labspec_text_axis(header: Sequence[str], source: str = "") -> tuple[str | None, float | None]:
    """(x unit, laser wavelength in nm) from a LabSpec text export's header, or None each.

    The unit is that of the ``#Spectro (...)=`` line: ``cm-1`` (LabSpec writes ``cm-¹``) or
    ``1/cm`` is the Raman shift (``"raman_cm-1"``), ``abs cm-1`` the absolute wavenumber,
    ``nm`` and ``eV`` themselves; any other unit is refused (a Raman shift read as nm put
    the 520 cm⁻¹ silicon line at '523 nm', an ok PL band). Only lines of the ``#Key=value``
    form count, so other headers are not touched.

    Parameters
    ----------
    header : sequence of str
        The lines above the data.
    source : str, default ''
        The file, for messages.
    """
    unit = laser = None
    for line in header:
        text = line.strip()
        m = _LABSPEC_SPECTRO.match(text)
        if m and unit is None:
            raw = m.group(1).strip().lower().replace(" ", "")
            if raw.startswith("abs"):
                unit = "cm-1"
            elif raw.startswith(("cm", "1/cm")):
                unit = "raman_cm-1"
            elif raw in ("nm", "ev"):
                unit = "nm" if raw == "nm" else "eV"
            else:
                raise InputError(f"{where(source)}LabSpec header gives the spectral axis in "
                                 f"{m.group(1).strip()!r}, a unit dackit does not read; export the "
                                 "spectrum with x in nm (or Raman shift in cm-1)")
        m = _LABSPEC_LASER.match(text)
        if m and laser is None:
            value = float(m.group(1))
            laser = value if 150.0 <= value <= 3000.0 else None
    return unit, laser


#: a spectrograph's centre wavelength among a text export's settings: Andor Solis ``.asc``
#: writes "Wavelength (nm): 734.84" beside "Grating Groove Density (l/mm)"; others write
#: "Center Wavelength (nm)". Only trusted next to a grating setting, so that a laser or
#: filter wavelength is not taken for it.
_CENTRE_KEY = re.compile(r"^(?:cent(?:er|re)\s+)?wavelength\s*\(nm\)$|^cent(?:er|re)\s+wavelength$",
                         re.IGNORECASE)
_GRATING_KEY = re.compile(r"grating|groove", re.IGNORECASE)


def centre_wavelength_axis(pairs: dict, x: np.ndarray) -> tuple[str | None, str | None]:
    """(x unit, why) when the spectrograph's centre wavelength rules out x in nm, else (None, None).

    The middle pixel of a wavelength axis sees the wavelength the spectrograph was centred
    on. An unnamed x whose middle is far from it is not in nm: an axis through
    1e7/centre is absolute wavenumbers (cm⁻¹), anything else a Raman shift (cm⁻¹) whose
    laser the file does not state; pixel numbers (0 or 1 onwards in steps of 1) are never
    wavelengths. Read as nm, the Raman shift of a PL band recorded at 610 nm gave an "ok"
    band at 1800 nm.

    Parameters
    ----------
    pairs : dict
        ``key: value`` settings of the file (:func:`header_pairs`).
    x : ndarray
        The x column as read, in file order.

    Examples
    --------
    >>> pairs = {"Wavelength (nm)": "610.00", "Grating Groove Density (l/mm)": "1200"}
    >>> centre_wavelength_axis(pairs, np.linspace(1300, 2300, 50))[0]
    'raman_cm-1'
    >>> centre_wavelength_axis(pairs, np.linspace(590, 630, 50))
    (None, None)
    """
    if not any(_GRATING_KEY.search(key) for key in pairs):
        return None, None
    centre = None
    for key, value in pairs.items():
        m = re.match(r"\s*([0-9]+(?:\.[0-9]+)?)", value)
        if _CENTRE_KEY.match(key.strip()) and m:
            centre = float(m.group(1))
            break
    if centre is None or not 150.0 <= centre <= 3000.0:
        return None, None
    lo, hi = float(np.min(x)), float(np.max(x))
    if lo in (0.0, 1.0) and np.all(np.abs(np.diff(x)) == 1):
        return "pixel", f"x runs {lo:g}–{hi:g} in steps of 1: pixel numbers, not nm"
    middle = float(x[len(x) // 2])
    # the middle pixel sees the spectrograph's setting to within its calibration (about a nm;
    # 15 % of the window allows for a cropped export). Merely lying inside the axis is not
    # enough: the Raman shifts of ruby excited at 660 nm run 620-870 cm-1, around 694.
    if abs(middle - centre) <= 0.15 * (hi - lo):
        return None, None
    said = (f"the spectrograph was centred at {centre:g} nm but x runs {lo:g}–{hi:g} "
            f"({middle:g} at the middle pixel)")
    if lo <= 1e7 / centre <= hi:
        return "cm-1", f"{said}: x is absolute wavenumbers (cm-1), which pass through 1e7/{centre:g}"
    why = f"{said}, not wavelengths in nm: x read as a Raman shift (cm-1)"
    if middle + 1e7 / centre > 0:
        why += f" (the centre suggests a laser near {1e7 / (middle + 1e7 / centre):.0f} nm)"
    return "raman_cm-1", why


# The format written by dackit.io.write_spectrum: a magic first line, JSON-valued header.
DACKIT_MAGIC = "# dackit spectrum"


def sniff_dackit(path: Path, head: bytes) -> bool:
    """Files written by :func:`dackit.io.write_spectrum` (default flavour)."""
    return head.lstrip(b"\xef\xbb\xbf").startswith(DACKIT_MAGIC.encode())


def read_dackit(path) -> Spectrum:
    """Read a file written by :func:`dackit.io.write_spectrum`: units and metadata exactly."""
    src = str(path)
    pre = where(src)
    table = parse_table(read_lines(path), src)
    pairs = header_pairs(line for line in table.header if line.startswith("#"))
    try:
        x_unit = json.loads(pairs.get("x_unit", '"nm"'))
        y_unit = json.loads(pairs.get("y_unit", '"counts"'))
        meta = json.loads(pairs.get("metadata", "{}"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{pre}damaged dackit header ({exc}); rewrite the file with "
                         "dackit.io.write_spectrum") from None
    if not isinstance(meta, dict):
        raise InputError(f"{pre}damaged dackit header: metadata is not a mapping")
    meta.update({"format": "dackit", "n_frames": 1, "x_unit_from": "file"})
    return make_spectrum(table.data[:, 0], table.data[:, 1], x_unit=x_unit, y_unit=y_unit,
                         metadata=meta, source=src)
