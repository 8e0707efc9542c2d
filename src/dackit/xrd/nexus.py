"""The NeXus skeleton shared by the files dackit's XRD writes (a pattern series, a cake):
the file created with its parent folders, ``/entry`` (NXentry) with its default plot and
source file, and the name and units of the radial axis."""
from __future__ import annotations

from pathlib import Path

from dackit.errors import InputError


def radial_axis(unit: str) -> tuple[str, str]:
    """NXdata axis name and units of a pattern unit: ``("twotheta", "degrees")`` for
    ``2th_deg``, ``("q", "1/angstrom")`` for ``q_A^-1``.

    Parameters
    ----------
    unit : str
        The pattern's radial unit (``"2th_deg"`` or ``"q_A^-1"``).

    Returns
    -------
    tuple of str
        (axis name, units).

    Examples
    --------
    >>> radial_axis("2th_deg")
    ('twotheta', 'degrees')
    """
    return ("twotheta", "degrees") if unit == "2th_deg" else ("q", "1/angstrom")


def create_nexus(path, *, default: str, source, what: str):
    """A new NeXus/HDF5 file at ``path`` (overwritten; parent folders created) holding
    ``/entry`` (NXentry) whose default plot is ``default``, with ``entry/source_file``.

    Parameters
    ----------
    path : str or Path
        The file to write.
    default : str
        Name of the entry's NXdata group to plot by default.
    source : str or Path
        The input the file was computed from (``entry/source_file``).
    what : str
        What the file holds, for the error message ("the cake").

    Returns
    -------
    tuple
        (the open ``h5py.File``, to be closed by the caller — use it in ``with`` — and the
        entry group).

    Raises
    ------
    InputError
        The file or its folder cannot be written.
    """
    import h5py

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        h5 = h5py.File(path, "w")
    except OSError as exc:
        raise InputError(f"{path}: cannot write {what} ({exc})") from None
    h5.attrs["default"] = "entry"
    entry = h5.create_group("entry")
    entry.attrs.update(NX_class="NXentry", default=default)
    entry["source_file"] = str(source)
    return h5, entry
