"""PDH reader: the 1D SAXS text format of Otto Glatter's PCG programs, written by Anton Paar
SAXSess/SAXSpace instruments (SAXSquant) and read by SasView.

Layout (sasdata's ``anton_paar_saxs_reader`` is the reference reader): line 1 a title,
line 2 keywords, line 3 sixteen (SAXSquant: eight) integers whose first is the number of points N, lines 4–5
ten reals whose fifth is the wavelength in nm, then N rows ``q  I  σ`` and, in files of
SAXSquant 3 and later, an XML ``<fileinfo>`` block whose ``<column key="X">`` gives the q
unit (``n_m^-1``) and whose ``Wavelength`` parameter the wavelength. q is in nm⁻¹ unless
that block says otherwise (the PCG convention).

Rows whose intensity is exactly zero at the ends (the beam-stop shadow, the detector edge)
are kept: they are data the instrument wrote; the SAXS analysis finds the usable range.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from dackit.core.pattern import Pattern, make_pattern
from dackit.errors import InputError, where

# q unit of the XML block (SAXSquant writes the unit with '_' between prefix and unit)
_Q_UNITS = {"nm^-1": 0.1, "1/nm": 0.1, "a^-1": 1.0, "1/a": 1.0, "å^-1": 1.0, "m^-1": 1e-10}
# wavelength unit → Å
_LEN_UNITS = {"nm": 10.0, "a": 1.0, "å": 1.0, "m": 1e10, "pm": 0.01}


def looks_like_pdh(lines: list[str]) -> bool:
    """True if lines 3–5 have the PDH shape: 8 or 16 integers, then two lines of 5 reals."""
    if len(lines) < 6:
        return False
    try:
        ints = lines[2].split()
        reals = lines[3].split() + lines[4].split()
        if len(ints) not in (8, 16) or len(reals) != 10:
            return False
        [int(t) for t in ints]
        [float(t) for t in reals]
    except ValueError:
        return False
    return int(lines[2].split()[0]) > 0


def _xml_value(xml: str, key: str, field: str) -> str | None:
    m = re.search(rf'key="{key}".*?<value key="{field}">([^<]*)</value>', xml, re.S)
    return None if m is None else m.group(1).strip()


def read_pdh(path, *, wavelength_a=None) -> Pattern:
    """Read a PDH file as a pattern on q (Å⁻¹).

    Parameters
    ----------
    path : str or Path
        A ``.pdh`` file.
    wavelength_a : float, optional
        X-ray wavelength in Å; replaces the file's.

    Returns
    -------
    Pattern
        q in Å⁻¹ (converted from the file's nm⁻¹), intensity, σ (third column), the
        wavelength in Å when the file states it, and ``metadata["format"] = "pdh"``.

    Raises
    ------
    InputError
        If the file is not in the PDH layout, is truncated, or holds non-numeric rows.
    """
    path = Path(path)
    pre = where(path)
    given_wavelength = wavelength_a
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{pre}cannot read the file ({exc.strerror})") from exc
    lines = text.splitlines()
    if not looks_like_pdh(lines):
        raise InputError(f"{pre}not a PDH file: lines 3-5 must hold 8 or 16 integers (the first the "
                         "number of points) and 10 reals; export it again from SAXSquant")
    n = int(lines[2].split()[0])
    rows = lines[5:5 + n]
    if len(rows) < n:
        raise InputError(f"{pre}the header announces {n} points but the file has {len(rows)} "
                         "data rows: is it truncated?")
    try:
        data = np.array([[float(t) for t in row.split()[:3]] for row in rows], dtype=float)
    except ValueError as exc:
        raise InputError(f"{pre}a data row of the PDH file is not numeric ({exc}); "
                         "is it truncated?") from exc
    if data.ndim != 2 or data.shape[1] < 2:
        raise InputError(f"{pre}PDH data rows need q and I columns")
    xml = "\n".join(lines[5 + n:])
    scale = 0.1
    unit = _xml_value(xml, "X", "unit")
    if unit is not None:
        u = unit.replace("_", "").lower()
        if u not in _Q_UNITS:
            raise InputError(f"{pre}q unit {unit!r} of the PDH file is not understood; "
                             "expected nm^-1 or A^-1")
        scale = _Q_UNITS[u]
    wavelength_a = None
    wl, wl_unit = _xml_value(xml, "Wavelength", "value"), _xml_value(xml, "Wavelength", "unit")
    try:
        if wl is not None and wl_unit is not None and wl_unit.replace("_", "").lower() in _LEN_UNITS:
            wavelength_a = float(wl) * _LEN_UNITS[wl_unit.replace("_", "").lower()]
        elif float(lines[3].split()[4]) > 0:
            wavelength_a = float(lines[3].split()[4]) * 10.0  # PCG header: nm
    except ValueError:
        wavelength_a = None
    if wavelength_a is not None and not 0.1 < wavelength_a < 30:
        wavelength_a = None
    if given_wavelength is not None:
        wavelength_a = float(given_wavelength)
    keep = data[:, 0] > 0  # q = 0 rows (beam centre) have no place on a log-q analysis
    data = data[keep]
    sigma = data[:, 2] if data.shape[1] >= 3 else None
    if sigma is not None and not np.all(sigma > 0):
        sigma = None  # a zero error would give its point infinite weight
    return make_pattern(data[:, 0] * scale, data[:, 1], axis="q_A^-1", wavelength_a=wavelength_a,
                        sigma=sigma, metadata={"format": "pdh", "title": lines[0].strip()},
                        source=str(path))
