"""Read and write P–V data: EosFit7 ``.dat`` files and CSV.

EosFit7 data files (Angel, Alvaro & Gonzalez-Platas, Z. Kristallogr. 229, 405 (2014)) come
in two layouts, both read here:

* a ``FORMAT n COL COL ...`` line (``n`` = lines per datum) followed by the data, with
  ``#`` comment lines and an optional ``TITLE`` line before it;
* the ``JOB`` / ``FORMAT`` / ``DATA`` block layout: the title on the line after ``JOB``,
  the column names on the line after ``FORMAT``, rows after ``DATA``.

Column keywords are case-insensitive; ``SIGP``/``SIGMAP``/``ESDP`` all mean σ(P), and so on
for V, T and the cell parameters A, B, C, ALPHA, BETA, GAMMA. Trailing text after the
numbers of a row is ignored (EosFit7 allows comments there).
The writer emits ``TITLE`` and ``FORMAT 1 P SIGP V SIGV`` followed by the rows, which
EosFit7 loads and :func:`read_eosfit` reads back.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.dat"
>>> _ = write_eosfit(path, [0.0, 1.0, 2.0], [100.0, 99.0, 98.1], [0.01] * 3, [0.02] * 3, title="demo")
>>> read_pv(path).volume_a3.tolist()
[100.0, 99.0, 98.1]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dackit.errors import InputError

#: EosFit column keyword (upper case) → dackit column name
COLUMN_ALIASES = {
    "P": "pressure_gpa", "V": "volume_a3", "T": "temperature_k",
    "A": "a_a", "B": "b_a", "C": "c_a",
    "ALPHA": "alpha_deg", "BETA": "beta_deg", "GAMMA": "gamma_deg",
}
_SIGMA_PREFIXES = ("SIGMA", "SIG", "ESD", "S")
#: how EosFit7 spells the σ of each column when writing (its own FORMAT keywords)
_EOSFIT_NAMES = {"pressure_gpa": "P", "volume_a3": "V", "temperature_k": "T", "a_a": "A",
                 "b_a": "B", "c_a": "C", "alpha_deg": "ALPHA", "beta_deg": "BETA",
                 "gamma_deg": "GAMMA"}
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eEdD][-+]?\d+)?$")


@dataclass(frozen=True, eq=False)
class PVData:
    """P–V data of one file. ``pressure_err``/``volume_err`` are None when absent;
    ``columns`` holds every column read (cell parameters too), by dackit name."""

    pressure_gpa: np.ndarray
    volume_a3: np.ndarray
    pressure_err: np.ndarray | None = None
    volume_err: np.ndarray | None = None
    title: str = ""
    columns: dict = field(default_factory=dict)
    source: str = ""

    @property
    def n(self) -> int:
        return int(self.pressure_gpa.size)


def _column_name(keyword: str, source) -> str:
    key = keyword.strip().upper()
    if key in COLUMN_ALIASES:
        return COLUMN_ALIASES[key]
    for prefix in _SIGMA_PREFIXES:
        if key.startswith(prefix) and key[len(prefix):] in COLUMN_ALIASES:
            return COLUMN_ALIASES[key[len(prefix):]] + "_err"
    # EosFit7 abbreviates the angle sigmas (SIGAL, SIGBE, SIGGA)
    short = {"SIGAL": "alpha_deg_err", "SIGBE": "beta_deg_err", "SIGGA": "gamma_deg_err"}
    if key in short:
        return short[key]
    return key.lower()


def _to_float(token: str) -> float:
    return float(token.replace("D", "E").replace("d", "e"))


def _build(rows: list[list[str]], names: list[str], title: str, source: str) -> PVData:
    if not rows:
        raise InputError(f"{source}: no data rows after the FORMAT line")
    ncol = len(names)
    values = []
    for i, toks in enumerate(rows):
        nums = []
        for t in toks:
            if not _NUMBER.match(t):
                break
            nums.append(_to_float(t))
        if len(nums) < ncol:
            raise InputError(f"{source}: data row {i + 1} has {len(nums)} numbers but the FORMAT line "
                             f"names {ncol} columns ({' '.join(names)}): {' '.join(toks)!r}")
        values.append(nums[:ncol])
    arr = np.array(values, dtype=float)
    cols = {name: arr[:, j] for j, name in enumerate(names)}
    for need in ("pressure_gpa", "volume_a3"):
        if need not in cols:
            raise InputError(f"{source}: the FORMAT line has no {'P' if need[0] == 'p' else 'V'} column "
                             f"(columns: {' '.join(names)})")
    return PVData(pressure_gpa=cols["pressure_gpa"], volume_a3=cols["volume_a3"],
                  pressure_err=cols.get("pressure_gpa_err"), volume_err=cols.get("volume_a3_err"),
                  title=title, columns=cols, source=source)


def read_eosfit(path) -> PVData:
    """Read an EosFit7 ``.dat`` file (either layout, see the module docstring).

    Parameters
    ----------
    path : str or Path
        The EosFit7 ``.dat`` file.
    """
    path = Path(path)
    src = str(path)
    from dackit.io.guard import read_text_bytes

    text = read_text_bytes(path, "P–V data file").decode("utf-8", errors="replace")
    lines = [ln.split("#", 1)[0].split("!", 1)[0].strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise InputError(f"{src}: empty EosFit file (no data lines)")
    title, names, per_datum, start = "", None, 1, None
    i = 0
    while i < len(lines):
        toks = lines[i].split()
        key = toks[0].upper()
        if key == "JOB":
            title = " ".join(toks[1:]) or (lines[i + 1] if i + 1 < len(lines) else "")
            i += 1 if toks[1:] else 2
            continue
        if key == "TITLE":
            title = lines[i][len(toks[0]):].strip()
        elif key == "FORMAT":
            rest = toks[1:]
            if rest and rest[0].isdigit():
                per_datum, rest = int(rest[0]), rest[1:]
            if not rest:                       # JOB/FORMAT/DATA layout: names on the next line
                i += 1
                if i >= len(lines):
                    raise InputError(f"{src}: FORMAT is the last line; the column names are missing")
                rest = lines[i].split()
            names = [_column_name(t, src) for t in rest]
            start = i + 1
            if start < len(lines) and lines[start].split()[0].upper() == "DATA":
                start += 1
            break
        i += 1
    if names is None:
        raise InputError(f"{src}: no FORMAT line; an EosFit file names its columns with e.g. "
                         "'FORMAT 1 P SIGP V SIGV' before the data")
    data_lines = lines[start:]
    if per_datum < 1:
        raise InputError(f"{src}: FORMAT line says {per_datum} lines per datum")
    if len(data_lines) % per_datum:
        raise InputError(f"{src}: {len(data_lines)} data lines is not a multiple of {per_datum} "
                         "lines per datum (truncated file?)")
    rows = [" ".join(data_lines[k:k + per_datum]).split() for k in range(0, len(data_lines), per_datum)]
    return _build(rows, names, title, src)


def read_pv_csv(path) -> PVData:
    """CSV with columns ``pressure_gpa,volume_a3[,pressure_gpa_err,volume_a3_err]``.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    """
    import pandas as pd

    path = Path(path)
    src = str(path)
    try:
        df = pd.read_csv(path, comment="#", skipinitialspace=True)
    except FileNotFoundError:
        raise InputError(f"{src}: file not found") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{src}: not a readable CSV ({exc})") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    for need in ("pressure_gpa", "volume_a3"):
        if need not in df.columns:
            raise InputError(f"{src}: missing column {need!r}; expected header "
                             "pressure_gpa,volume_a3[,pressure_gpa_err,volume_a3_err] "
                             f"(found {', '.join(df.columns)})")
    if len(df) == 0:
        raise InputError(f"{src}: no data rows")
    cols = {}
    for name in df.columns:
        num = pd.to_numeric(df[name], errors="coerce")
        if num.isna().any() and name in ("pressure_gpa", "volume_a3", "pressure_gpa_err", "volume_a3_err"):
            bad = int(np.flatnonzero(num.isna().to_numpy())[0])
            raise InputError(f"{src}: column {name!r} row {bad + 1} is not a number ({df[name].iloc[bad]!r})")
        cols[name] = num.to_numpy(dtype=float)
    return PVData(pressure_gpa=cols["pressure_gpa"], volume_a3=cols["volume_a3"],
                  pressure_err=cols.get("pressure_gpa_err"), volume_err=cols.get("volume_a3_err"),
                  title=path.stem, columns=cols, source=src)


def read_pv(path) -> PVData:
    """P–V data from ``.csv`` (by extension) or any EosFit7 data file.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` file or an EosFit7 data file.
    """
    from dackit.io.guard import text_file

    path = Path(path)
    text_file(path, "P–V data file")
    if path.suffix.lower() == ".csv":
        return read_pv_csv(path)
    return read_eosfit(path)


def write_eosfit(path, pressure_gpa, volume_a3, pressure_err=None, volume_err=None, *,
                 title: str = "written by dackit", extra: dict | None = None) -> Path:
    """Write an EosFit7 data file: ``TITLE``, ``FORMAT 1 P SIGP V SIGV [...]`` and the rows.

    ``extra``: further columns by dackit name (``a_a``, ``a_a_err``, ...).
    Missing σ's are written as 0 (EosFit7 then treats that variable as exact).

    Parameters
    ----------
    path : str or Path
        Output file.
    pressure_gpa : array_like
        Pressures in GPa.
    volume_a3 : array_like
        Unit-cell volumes in Å³.
    pressure_err : float or array_like, optional
        Standard error(s) of the pressures in GPa, one value or one per point.
    volume_err : float or array_like, optional
        Standard error(s) of the volumes in Å³, one value or one per point.
    title : str, default 'written by dackit'
        The file's TITLE line.
    extra : dict, optional
        More columns by EosFit7 name (``"T"``, ``"A"``, …) → values.
    """
    p = np.asarray(pressure_gpa, dtype=float)
    n = p.size
    cols = {"pressure_gpa": p,
            "pressure_gpa_err": np.zeros(n) if pressure_err is None else np.asarray(pressure_err, float),
            "volume_a3": np.asarray(volume_a3, dtype=float),
            "volume_a3_err": np.zeros(n) if volume_err is None else np.asarray(volume_err, float)}
    cols.update({k: np.asarray(v, dtype=float) for k, v in (extra or {}).items()})
    keywords = []
    for name in cols:
        base = name[:-4] if name.endswith("_err") else name
        if base not in _EOSFIT_NAMES:
            raise InputError(f"write_eosfit: no EosFit column keyword for {name!r}")
        if cols[name].shape != (n,):
            raise InputError(f"write_eosfit: column {name!r} has {cols[name].size} values, expected {n}")
        keywords.append(("SIG" if name.endswith("_err") else "") + _EOSFIT_NAMES[base])
    path = Path(path)
    lines = [f"TITLE {title}".rstrip(), "FORMAT 1 " + " ".join(keywords)]
    table = np.column_stack(list(cols.values()))
    lines += ["  ".join(f"{x:.10g}" for x in row) for row in table]
    from dackit.core.files import atomic_write_text

    return atomic_write_text(path, "\n".join(lines) + "\n")
