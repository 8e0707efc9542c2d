"""GRAD reader: the 1D SAXS text export of SAXSLAB / Xenocs (Ganesha, Xeuss) reduction
software.

Layout (as written by the instruments and read by XRayScatterPy's ``read_grad_file``): three
count lines ``1,"Number of Datasets"``, ``3,"Number of Columns per Dataset"``,
``399,"Maximum Number of Rows for Any Dataset"``; a ``#DATASETS`` line naming the quantities
and their units (``q-units momentum transfer, q (A^-^1) I-units Absolute intensity
(cm^-1)``); a line of quoted dataset names; the column titles (``q,I,dI,``); comma-separated
rows, with ``NaN`` where a bin holds no pixel (the beam stop, detector gaps); then
``#HEADERS`` and one XML ``<ROOT>`` block per dataset with the instrument's settings
(``<wavelength>`` in Å).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from dackit.core.pattern import Pattern, make_pattern
from dackit.errors import InputError, where

_COUNT = re.compile(r'^\s*(\d+)\s*,\s*"Number of (Datasets|Columns per Dataset|Maximum Number of Rows)', re.I)
# the unit in brackets after 'q-units …'; '^' marks a superscript ('A^-^1')
_Q_UNIT = re.compile(r"q-units[^(]*\(([^)]*)\)", re.I)
_Q_SCALES = {"a-1": 1.0, "1/a": 1.0, "å-1": 1.0, "1/å": 1.0, "nm-1": 0.1, "1/nm": 0.1}
_WAVELENGTH = re.compile(r"<wavelength>\s*([0-9.eE+-]+)\s*</wavelength>")


def looks_like_grad(lines: list[str]) -> bool:
    """True if the first two lines are a GRAD file's dataset and column counts.

    Parameters
    ----------
    lines : list of str
        The file's lines.
    """
    return len(lines) > 6 and all(_COUNT.match(line) for line in lines[:2])


def read_grad(path, lines: list[str], *, wavelength_a=None) -> Pattern:
    """Read a one-dataset GRAD file as a pattern on q (Å⁻¹).

    Parameters
    ----------
    path : str or Path
        The ``.grad`` file (for messages and the pattern's source).
    lines : list of str
        Its lines.
    wavelength_a : float, optional
        X-ray wavelength in Å; replaces the XML block's.

    Returns
    -------
    Pattern
        q in Å⁻¹, intensity, σ (third column), the wavelength of the XML block and
        ``metadata["format"] = "grad"``; rows holding NaN (bins without pixels) are left out.

    Raises
    ------
    InputError
        If the file holds several datasets, its first quantity is not q in Å⁻¹ or nm⁻¹, or a
        data row is not numeric.
    """
    pre = where(Path(path))
    n_sets, n_cols = (int(line.split(",")[0]) for line in lines[:2])
    if n_sets != 1:
        # the curves stand side by side in each row; which one is meant is not for dackit to guess
        raise InputError(f"{pre}this GRAD file holds {n_sets} datasets side by side; export each "
                         "curve to its own file")
    start = next((i for i, ln in enumerate(lines[:10]) if ln.startswith("#DATASETS")), 0)
    unit = _Q_UNIT.search(lines[start])
    if unit is None:
        raise InputError(f"{pre}the GRAD file's #DATASETS line gives no q unit ('q-units … (A^-^1)'); "
                         "export the curve in q")
    key = unit.group(1).replace("^", "").replace(" ", "").lower()
    if key not in _Q_SCALES:
        raise InputError(f"{pre}q unit {unit.group(1)!r} of the GRAD file is not understood; "
                         "expected A^-1 or nm^-1")
    rows = []
    for ln in lines[start + 3:]:
        if ln.startswith("#"):
            break
        if not ln.strip():
            continue
        try:
            rows.append([float(t) for t in ln.split(",")[:n_cols]])
        except ValueError:
            raise InputError(f"{pre}GRAD data row {ln.strip()[:60]!r} is not numeric") from None
    data = np.array(rows, dtype=float)
    if data.ndim != 2 or data.shape[1] < 2:
        raise InputError(f"{pre}GRAD data rows need q and I columns")
    data = data[np.all(np.isfinite(data), axis=1) & (data[:, 0] > 0)]
    wavelength = None
    found = _WAVELENGTH.search("\n".join(lines))
    if found is not None and 0.1 < float(found.group(1)) < 30:
        wavelength = float(found.group(1))
    if wavelength_a is not None:
        wavelength = float(wavelength_a)
    sigma = data[:, 2] if data.shape[1] >= 3 and np.all(data[:, 2] > 0) else None
    names = lines[start + 1].split('","')
    title = names[1].strip('"') if len(names) > 1 else ""
    return make_pattern(data[:, 0] * _Q_SCALES[key], data[:, 1], axis="q_A^-1", wavelength_a=wavelength,
                        sigma=sigma, metadata={"format": "grad", "title": title}, source=str(path))
