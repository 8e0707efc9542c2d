"""NIST/IGOR ``.ABS`` reader: the reduced 1D SANS/SAXS text format of the NCNR Igor macros
(also written by the old AUSANS and HFIR reductions and by SasView's own exports).

Layout (sasdata's ``abs_reader`` is the reference reader): a header of ``KEY: value`` lines,
a ``MON CNT  LAMBDA  DET ANG ...`` line with its values on the next line (the thickness field
may carry a unit letter, e.g. ``0.2C``, which is why a generic column reader trips on it), a
``BCENT(X,Y) ...`` line with its values, then — usually after
``The 6 columns are | Q (1/A) | I(Q) (1/cm) | std. dev. I(Q) (1/cm) | sigmaQ | meanQ | ShadowFactor|``
— rows of six numbers. Q is in Å⁻¹ (the Igor reduction writes nothing else). A negative
sigmaQ is the slit height of slit-smeared (USANS) data. The ShadowFactor is the fraction of
each row's resolution function not behind the beam stop (the factor f_s of Barker & Pedersen,
J. Appl. Cryst. 28, 105 (1995), with which the NCNR macros truncate the resolution there).
All rows are read, as sasdata reads them; the q where the leading run of rows whose factor is
under :data:`MIN_SHADOW_FACTOR` ends is kept as ``metadata["beamstop_q_min"]``, with a reader
note, and the SAXS peak search starts there (:func:`dackit.saxs.peaks.find_peaks`): more than
half of what those rows average lies behind the stop, so their intensity is the stop's
penumbra, not the sample's (an NCNR fibrin curve rises from 0 to its maximum across them, and
that edge was fitted as a Bragg line).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dackit.core.pattern import Pattern, make_pattern
from dackit.errors import InputError, where

_HEADER_MARKS = ("MON CNT", "The 6 columns are")

#: leading rows whose ShadowFactor (the unshadowed fraction of their resolution) is under
#: this are behind the beam stop: mostly penumbra, not sample
MIN_SHADOW_FACTOR = 0.5


def looks_like_nist_abs(lines: list[str]) -> bool:
    """True if the first 40 lines hold the NIST/IGOR header (``MON CNT`` or the column legend)."""
    return any(line.lstrip().startswith(mark) for line in lines[:40] for mark in _HEADER_MARKS)


def _floats(line: str) -> list[float] | None:
    try:
        return [float(t) for t in line.split()]
    except ValueError:
        return None


def read_nist_abs(path, *, wavelength_a=None) -> Pattern:
    """Read a NIST/IGOR ``.ABS`` reduced curve as a pattern on q (Å⁻¹).

    Parameters
    ----------
    path : str or Path
        An ``.ABS`` file (NCNR Igor reduction, AUSANS, SasView export).
    wavelength_a : float, optional
        X-ray wavelength in Å to attach to the pattern (the file's LAMBDA is usually a
        neutron wavelength and is not used).

    Returns
    -------
    Pattern
        q (first column, Å⁻¹), I, σ (third column, when all positive) and
        ``metadata["format"] = "nist-abs"``; ``metadata["slit_smeared"]`` is True when the
        sigmaQ column is negative (USANS slit height).

    Raises
    ------
    InputError
        If the header is missing, no data rows follow it, or the data rows stop before the
        end of the file at a line that is not a footer.
    """
    path = Path(path)
    pre = where(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise InputError(f"{pre}cannot read the file ({exc.strerror})") from exc
    if not looks_like_nist_abs(lines):
        raise InputError(f"{pre}not a NIST/IGOR .ABS file: no 'MON CNT' header or "
                         "'The 6 columns are' legend in the first 40 lines")
    # the value lines under 'MON CNT' and 'BCENT' look numeric (or nearly): data start after
    # the column legend, or else after the last header line
    start = 0
    for n, line in enumerate(lines[:60]):
        s = line.lstrip()
        if s.startswith("The 6 columns are"):
            start = n + 1
            break
        if s.startswith(("MON CNT", "BCENT")):
            start = n + 2
        elif ":" in s and _floats(s) is None:
            start = max(start, n + 1)
    rows: list[list[float]] = []
    for n, line in enumerate(lines[start:], start=start + 1):
        if not line.strip():
            if rows:
                break
            continue
        vals = _floats(line)
        if vals is None or len(vals) < 3 or (rows and len(vals) != len(rows[0])):
            if rows and all(not ln.strip() for ln in lines[n:]):
                break
            raise InputError(f"{pre}line {n} of the NIST .ABS data block is not a row of "
                             f"{len(rows[0]) if rows else 'at least 3'} numbers: {line.strip()[:60]!r}; "
                             "is the file truncated or two files joined? Export it again")
        rows.append(vals)
    if not rows:
        raise InputError(f"{pre}no data rows after the NIST .ABS header")
    data = np.array(rows, dtype=float)
    q, intensity = data[:, 0], data[:, 1]
    sigma = data[:, 2]
    if not np.all(np.isfinite(sigma) & (sigma > 0)):
        sigma = None  # a zero error would give its point infinite weight
    meta = {"format": "nist-abs", "title": lines[0].strip()[:200],
            "slit_smeared": bool(data.shape[1] >= 4 and np.any(data[:, 3] < 0))}
    keep = q > 0
    if data.shape[1] >= 6:
        shadowed = np.cumprod(data[:, 5] < MIN_SHADOW_FACTOR).astype(bool)  # the leading run only
        if shadowed.any() and not shadowed.all():
            meta["beamstop_q_min"] = float(q[~shadowed][0])
            meta["reader_notes"] = [
                f"{int(shadowed.sum())} row(s) below q = {meta['beamstop_q_min']:.4g} Å⁻¹ not analysed: their "
                f"ShadowFactor is under {MIN_SHADOW_FACTOR:g} (more than half of their resolution lies behind "
                "the beam stop)"]
    return make_pattern(q[keep], intensity[keep], axis="q_A^-1", wavelength_a=wavelength_a,
                        sigma=None if sigma is None else sigma[keep], metadata=meta,
                        source=str(path))
