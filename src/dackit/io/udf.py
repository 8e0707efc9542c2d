"""Philips/PANalytical UDF reader: the text export of PC-APD and X'Pert Data Collector.

Layout (as xylib's ``philips_udf`` reader takes it): header lines ``Key,value[,value…],/``
(``SampleIdent``, ``Anode``, ``LabdaAlpha1``, ``LabdaAlpha2``, ``RatioAlpha21``,
``DataAngleRange,start,end``, ``ScanStepSize``…), then the line ``RawScan`` and the counts,
comma-separated, several a line, the last followed by ``/``. 2θ is start + i × step.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dackit.core.pattern import Pattern, make_pattern
from dackit.errors import InputError, where


def looks_like_udf(lines: list[str]) -> bool:
    """True for a UDF file: ``Key,…,/`` header lines, then a line ``RawScan``.

    Parameters
    ----------
    lines : list of str
        The file's lines.
    """
    head = [ln.strip() for ln in lines[:200]]
    return (bool(head) and head[0].split(",", 1)[0] == "SampleIdent" and head[0].endswith("/")
            and "RawScan" in head)


def read_udf(path, lines: list[str], wavelength_a=None) -> Pattern:
    """Read a Philips UDF scan: 2θ from ``DataAngleRange`` and ``ScanStepSize``, counts after
    ``RawScan``, wavelength ``LabdaAlpha1`` (Å) unless given.

    Parameters
    ----------
    path : str or Path
        The file (named in errors).
    lines : list of str
        Its lines.
    wavelength_a : float, optional
        X-ray wavelength in Å; overrides ``LabdaAlpha1``.
    """
    pre = where(Path(path))
    header: dict[str, list[str]] = {}
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "RawScan")
    for line in lines[:start]:
        parts = [p.strip() for p in line.strip().rstrip("/").split(",")]
        if parts and parts[0]:
            header[parts[0]] = [p for p in parts[1:] if p]
    body = " ".join(lines[start + 1:])
    if "/" not in body:
        raise InputError(f"{pre}UDF counts do not end with '/': the file is truncated")
    try:
        y = np.array([float(t) for t in body.split("/", 1)[0].replace(",", " ").split()])
        first, last = (float(v) for v in header["DataAngleRange"][:2])
        step = float(header["ScanStepSize"][0])
    except (KeyError, ValueError, IndexError, TypeError):
        raise InputError(f"{pre}UDF file without numeric DataAngleRange, ScanStepSize and counts "
                         "after RawScan; export it again") from None
    if step <= 0 or y.size < 2:
        raise InputError(f"{pre}UDF scan with step {step:g}° and {y.size} count(s): no pattern")
    # the header rounds start and end to 4 decimals; the count of points must still agree
    expected = (last - first) / step + 1
    if abs(expected - y.size) > 1.5:
        raise InputError(f"{pre}UDF DataAngleRange {first:g}–{last:g}° at {step:g}° steps means "
                         f"{expected:.0f} points but {y.size} counts follow RawScan; the file is damaged")
    lam = wavelength_a
    meta: dict = {"format": "philips-udf", "header": [f"{k},{','.join(v)}" for k, v in header.items()]}
    try:
        meta["kalpha1_a"] = float(header["LabdaAlpha1"][0])
        meta["kalpha2_ratio"] = float(header["RatioAlpha21"][0])
    except (KeyError, ValueError, IndexError):
        pass
    if lam is None:
        lam = meta.get("kalpha1_a")
    return make_pattern(first + step * np.arange(y.size), y, axis="2th_deg", wavelength_a=lam,
                        source=str(path), metadata=meta)
