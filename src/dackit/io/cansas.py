"""Reader of canSAS 1D XML files (SASroot/SASentry/SASdata/Idata, versions 1.0 and 1.1).

Format: canSAS Working Group, "canSAS 1D data format" (cansas1d/1.0, 1.1),
https://www.cansas.org/formats/canSAS1d/1.1/doc/. Q is converted to Å⁻¹ from its ``unit``
attribute (1/A, A^-1, 1/nm, nm^-1, 1/m); ``Idev`` becomes the pattern's sigma; a
``SASsource/wavelength`` is read if present. Parsed with the standard library
``xml.etree`` (no external entities are resolved).

>>> import tempfile, pathlib
>>> text = ('<SASroot xmlns="urn:cansas1d:1.0"><SASentry><SASdata>'
...         + ''.join(f'<Idata><Q unit="1/nm">{0.1 * i}</Q><I>{100 - i}</I></Idata>'
...                   for i in range(1, 21)) + '</SASdata></SASentry></SASroot>')
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.xml"; _ = p.write_text(text)
>>> pat = read_cansas(p)
>>> round(float(pat.x[0]), 3), pat.axis
(0.01, 'q_A^-1')
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from dackit.core.pattern import Pattern, make_pattern
from dackit.errors import InputError

#: Q unit → factor to Å⁻¹
Q_UNITS = {"1/a": 1.0, "a^-1": 1.0, "a^{-1}": 1.0, "1/angstrom": 1.0, "angstrom^-1": 1.0,
           "\u00e5^-1": 1.0, "1/\u00e5": 1.0, "1/nm": 0.1, "nm^-1": 0.1, "nm^{-1}": 0.1,
           "1/m": 1e-10, "m^-1": 1e-10}
#: wavelength unit → factor to Å
LENGTH_TO_A = {"a": 1.0, "\u00e5": 1.0, "angstrom": 1.0, "nm": 10.0, "m": 1e10}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(elem, name):
    for child in elem.iter():
        if _local(child.tag) == name:
            return child
    return None


def merge_repeated_q(q, intensity, sigma=None):
    """Merge points that share one Q value (overlapping detector banks or frames written
    one after the other) into one: the inverse-variance weighted mean when σ is known,
    otherwise the plain mean (σ of the mean then unknown, so none).

    Parameters
    ----------
    q, intensity : ndarray
        Q and I of the points, any order.
    sigma : ndarray, optional
        Standard errors of I (all positive) or None.

    Returns
    -------
    q, intensity, sigma, n_merged
        Sorted by q, one point per distinct Q; ``n_merged`` is how many points were folded
        into others (0: the input is returned sorted and otherwise unchanged).

    Examples
    --------
    >>> import numpy as np
    >>> merge_repeated_q(np.array([1.0, 2.0, 2.0]), np.array([5.0, 1.0, 3.0]))[1].tolist()
    [5.0, 2.0]
    """
    order = np.argsort(q, kind="stable")
    q, intensity = np.asarray(q, float)[order], np.asarray(intensity, float)[order]
    sigma = None if sigma is None else np.asarray(sigma, float)[order]
    uq, idx, counts = np.unique(q, return_inverse=True, return_counts=True)
    if uq.size == q.size:
        return q, intensity, sigma, 0
    if sigma is not None:
        w = 1.0 / sigma ** 2
        wsum = np.bincount(idx, weights=w)
        merged_i = np.bincount(idx, weights=w * intensity) / wsum
        merged_s = 1.0 / np.sqrt(wsum)
    else:
        merged_i = np.bincount(idx, weights=intensity) / counts
        merged_s = None
    return uq, merged_i, merged_s, int(q.size - uq.size)


def read_cansas(path, *, entry: int = 0, q_unit: str | None = None) -> Pattern:
    """Read SASentry number ``entry`` of a canSAS 1D XML file as a q-axis :class:`Pattern`.

    ``q_unit`` overrides (or supplies, when the file has none) the unit of Q.

    Parameters
    ----------
    path : str or Path
        The canSAS 1D XML file.
    entry : int, default 0
        Index of the SASentry to read.
    q_unit : str, optional
        Unit of Q when the file does not state it (``"1/A"`` or ``"1/nm"``).
    """
    path = Path(path)
    from dackit.io.guard import text_file

    if text_file(path, "canSAS file").st_size == 0:
        raise InputError(f"{path}: file is empty")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise InputError(f"{path}: not valid XML ({exc}); is it truncated?") from None
    if _local(root.tag) != "SASroot":
        raise InputError(f"{path}: not a canSAS 1D file (root element is {_local(root.tag)!r}, "
                         "expected SASroot)")
    entries = [e for e in root if _local(e.tag) == "SASentry"]
    if not entries:
        raise InputError(f"{path}: no SASentry in the file")
    if not 0 <= entry < len(entries):
        raise InputError(f"{path}: entry {entry} requested but the file has {len(entries)}")
    ent = entries[entry]
    rows = [e for e in ent.iter() if _local(e.tag) == "Idata"]
    if not rows:
        raise InputError(f"{path}: SASentry has no Idata points")
    q, i, di = [], [], []
    unit = q_unit
    for n, row in enumerate(rows):
        vals = {_local(c.tag): c for c in row}
        if "Q" not in vals or "I" not in vals:
            raise InputError(f"{path}: Idata point {n + 1} lacks Q or I")
        try:
            # an empty element has text None: float("") fails the same way as any non-number
            q.append(float(vals["Q"].text or ""))
            i.append(float(vals["I"].text or ""))
            di.append(float(vals["Idev"].text or "") if "Idev" in vals else np.nan)
        except (TypeError, ValueError):
            raise InputError(f"{path}: Idata point {n + 1} holds a non-numeric Q, I or Idev") from None
        if unit is None:
            unit = vals["Q"].get("unit")
    if unit is None:
        raise InputError(f"{path}: Q has no unit attribute; give q_unit ('1/A' or '1/nm')")
    key = unit.strip().lower().replace(" ", "")
    if key not in Q_UNITS:
        raise InputError(f"{path}: Q unit {unit!r} not recognised; use one of {sorted(Q_UNITS)}")
    q = np.asarray(q) * Q_UNITS[key]
    order_note = bool(np.any(np.diff(q) < 0))
    di = np.asarray(di)
    # a partial or non-positive Idev column cannot weight a fit: use none
    sigma = di if np.all(np.isfinite(di)) and np.all(di > 0) else None
    q, i_arr, sigma, n_merged = merge_repeated_q(q, np.asarray(i, dtype=float), sigma)
    wl = None
    wel = _find(ent, "wavelength")
    if wel is not None and wel.text and wel.text.strip():
        try:
            wl = float(wel.text) * LENGTH_TO_A.get((wel.get("unit") or "A").strip().lower(), np.nan)
            wl = wl if np.isfinite(wl) else None
        except ValueError:
            wl = None
    title = _find(ent, "Title")
    meta = {"format": "canSAS1D", "title": title.text if title is not None else "",
            "q_unit_in_file": unit}
    if order_note:
        meta["note"] = "Q values were unsorted in the file and have been sorted"
    if n_merged:
        meta["merged_repeated_q"] = n_merged
    return make_pattern(q, i_arr, axis="q_A^-1", wavelength_a=wl, sigma=sigma, metadata=meta,
                        source=str(path))
