"""NXcanSAS (HDF5) reader for reduced 1D SAS curves.

NXcanSAS is the NeXus application definition of canSAS (https://manual.nexusformat.org/
classes/applications/NXcanSAS.html): an ``NXentry``/``SASentry`` holds one or more
``NXdata``/``SASdata`` groups whose ``signal`` attribute names the intensity dataset (``I``)
and whose ``I_axes`` attribute names its axis (``Q``); ``Idev`` is the intensity's standard
error. Units are the dataset's ``units`` attribute: ``1/A``, ``1/angstrom`` and ``1/nm``
(also ``A^-1``, ``nm^-1``) are understood. It is what SAS beamlines (DLS, ISIS, APS Nika,
ESRF) and SasView write; sasdata's ``nxcansas`` reader is the reference implementation.

Only 1D SASdata is read (the first one found, in file order); 2D data (Qx, Qy) is refused
with a message. Any other HDF5 content is an :class:`~dackit.errors.InputError` that names
the format.
"""
from __future__ import annotations

import os

from pathlib import Path

import numpy as np

from dackit.core.pattern import Pattern, make_pattern
from dackit.errors import InputError, where

#: file endings that are HDF5 containers (NeXus, NXcanSAS, plain HDF5)
HDF5_SUFFIXES = (".h5", ".hdf", ".hdf5", ".nxs", ".nx", ".nx5", ".he5")

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"

# Q unit → factor to Å⁻¹
_Q_UNITS = {
    "1/a": 1.0, "1/angstrom": 1.0, "a^-1": 1.0, "a-1": 1.0, "1/å": 1.0, "å^-1": 1.0,
    "angstrom^-1": 1.0, "1/ang": 1.0,
    "1/nm": 0.1, "nm^-1": 0.1, "nm-1": 0.1, "1/nanometer": 0.1, "nanometer^-1": 0.1,
    "1/m": 1e-10, "m^-1": 1e-10,
}


def is_hdf5(path) -> bool:
    """True if the file starts with the HDF5 signature (at offset 0; user blocks are rare).

    Only a regular file is opened: opening a FIFO would block for ever (issue 17).
    """
    import stat

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as fh:
            return fh.read(8) == _HDF5_MAGIC
    except OSError:
        return False


def _attr(obj, name):
    v = obj.attrs.get(name)
    if v is None:
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray):
        v = v.ravel()
        if v.size == 0:
            return None
        v = v[0] if v.size == 1 else [x.decode() if isinstance(x, bytes) else str(x) for x in v]
        if isinstance(v, bytes):
            return v.decode("utf-8", "replace")
    return v if isinstance(v, list) else str(v)


def _find_sasdata(h5):
    """All groups tagged SASdata (canSAS_class) or, inside an SASentry, NXdata with signal I."""
    found = []

    def visit(name, obj):
        import h5py

        if not isinstance(obj, h5py.Group):
            return
        cls = _attr(obj, "canSAS_class")
        if cls == "SASdata" or _attr(obj, "NX_class") == "SASdata":  # the latter: canSAS 2016 drafts
            found.append(obj)
        elif cls is None and _attr(obj, "NX_class") == "NXdata":
            parent = obj.parent
            if _attr(parent, "canSAS_class") == "SASentry" or _attr(parent, "NX_class") == "NXentry":
                if "I" in obj and "Q" in obj:
                    found.append(obj)

    h5.visititems(visit)
    return found


def _q_factor(units, pre, name):
    if units is None:
        return 1.0, "1/A (no units attribute; assumed)"
    key = str(units).strip().lower().replace(" ", "")
    if key not in _Q_UNITS:
        raise InputError(f"{pre}NXcanSAS {name} has units {units!r}; expected 1/A or 1/nm")
    return _Q_UNITS[key], str(units)


def read_nxcansas(path, *, wavelength_a=None) -> Pattern:
    """Read the first 1D SASdata group of an NXcanSAS file as a q pattern (Å⁻¹).

    ``metadata`` records the entry/data group names, the original Q and I units and, when
    the file states it, the incident wavelength.
    """
    import h5py

    path = Path(path)
    pre = where(path)
    if not is_hdf5(path):
        raise InputError(f"{pre}not an HDF5 file (no HDF5 signature); NXcanSAS files are HDF5")
    try:
        h5 = h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        raise InputError(f"{pre}unreadable HDF5 file ({exc})") from None
    with h5:
        groups = _find_sasdata(h5)
        if not groups:
            raise InputError(f"{pre}HDF5 file without an NXcanSAS SASdata group; dackit reads "
                             "NXcanSAS 1D curves (SASentry/SASdata with I and Q) from HDF5, or "
                             "detector images from HDF5 with --poni")
        errors = []
        for grp in groups:
            signal = _attr(grp, "signal") or "I"
            axes = _attr(grp, "I_axes") or "Q"
            if isinstance(axes, list):
                axes = axes[-1] if axes else "Q"
            axes = str(axes).split(",")[-1].strip()
            if signal not in grp or axes not in grp:
                errors.append(f"{grp.name}: signal {signal!r} or axis {axes!r} missing")
                continue
            i_ds, q_ds = grp[signal], grp[axes]
            if i_ds.ndim != 1 or q_ds.ndim != 1:
                errors.append(f"{grp.name}: {i_ds.ndim}D data (only 1D curves are analysed)")
                continue
            if i_ds.shape != q_ds.shape:
                errors.append(f"{grp.name}: {signal} has {i_ds.shape[0]} values, {axes} {q_ds.shape[0]}")
                continue
            try:
                q = np.asarray(q_ds[()], dtype=float)
                y = np.asarray(i_ds[()], dtype=float)
                sig = None
                dev = _attr(i_ds, "uncertainties") or ("Idev" if "Idev" in grp else None)
                if dev and dev in grp and grp[dev].shape == i_ds.shape:
                    sig = np.asarray(grp[dev][()], dtype=float)
            except (TypeError, ValueError) as exc:
                errors.append(f"{grp.name}: values are not numbers ({exc})")
                continue
            factor, q_units = _q_factor(_attr(q_ds, "units"), pre, f"{grp.name}/{axes}")
            q = q * factor
            if sig is not None and not np.all(np.isfinite(sig) & (sig >= 0)):
                bad = ~(np.isfinite(sig) & (sig >= 0))
                sig = np.where(bad, np.nan, sig)
            lam = wavelength_a
            if lam is None:
                lam = _wavelength(grp.parent)
            meta = {"format": "NXcanSAS", "entry": grp.parent.name, "sasdata": grp.name,
                    "q_units": q_units, "i_units": _attr(i_ds, "units") or "",
                    "title": _text(grp.parent, "title")}
            if _attr(q_ds, "units") is None:
                # read as Å⁻¹ like an unlabelled text column, and said so: a lamellar d = 100 Å
                # curve in nm⁻¹ came out d = 10.0 Å, quality ok, without a word on the unit
                meta["q_unit_assumed"] = True
            keep = q > 0
            if sig is not None:
                # a zero or missing error would give that point infinite weight
                keep &= ~(np.isfinite(sig) & (sig <= 0))
            return make_pattern(q[keep], y[keep], axis="q_A^-1", wavelength_a=lam,
                                sigma=None if sig is None else sig[keep], metadata=meta,
                                source=str(path))
        raise InputError(f"{pre}no usable 1D NXcanSAS SASdata group: " + "; ".join(errors))


def _text(group, name):
    if name not in group:
        return ""
    v = group[name][()]
    if isinstance(v, np.ndarray):
        v = v.ravel()[0] if v.size else b""
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _wavelength(entry):
    """Incident wavelength in Å if the entry states one (SASinstrument/SASsource)."""
    import h5py

    found = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and name.split("/")[-1] in ("incident_wavelength", "wavelength"):
            found.append(obj)

    try:
        entry.visititems(visit)
    except Exception:  # noqa: BLE001 - metadata only; never fail the read for it
        return None
    for ds in found:
        try:
            v = float(np.asarray(ds[()], dtype=float).ravel()[0])
        except (TypeError, ValueError, IndexError):
            continue
        u = (_attr(ds, "units") or "A").strip().lower()
        v = v * {"nm": 10.0, "m": 1e10}.get(u, 1.0)
        if 0.01 < v < 10:
            return v
    return None
