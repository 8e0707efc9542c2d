"""What kind of data a file holds, from its name: the one table every reader and command uses.

An X-ray row of a run sheet, or a FILE given to ``dackit xrd``/``dackit saxs``, is either a
1D pattern (read with :func:`dackit.io.patterns.read_pattern`, or canSAS XML) or a detector
image (integrated with a PONI); optical spectra are recognised by their content
(:func:`dackit.io.read_spectrum`), and only their vendor-specific endings are listed here.

>>> kind_of("step3.xye"), kind_of("frame_0001.cbf"), kind_of("ruby.ProcSpec")
('pattern', 'image', 'spectrum')
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

Kind = Literal["pattern", "image", "spectrum"]

#: 1D patterns: text columns (pyFAI/Dioptas .xy/.chi, GSAS .xye, q-space .qxy, generic
#: .dat/.txt/.csv) and canSAS 1D XML
PATTERN_SUFFIXES = (".xy", ".xye", ".qxy", ".chi", ".dat", ".txt", ".csv", ".xml")
#: area-detector images readable by fabio/h5py (and .npy arrays); anything not listed in
#: either table is taken as an image too, since fabio recognises many more by content
IMAGE_SUFFIXES = (".tif", ".tiff", ".edf", ".cbf", ".mccd", ".img", ".h5", ".hdf5", ".hdf", ".nxs",
                  ".nx5", ".nexus", ".spe", ".mar3450", ".sfrm", ".npy")
#: optical spectra in vendor formats that no pattern or image uses
SPECTRUM_SUFFIXES = (".procspec", ".sif", ".scope", ".jdx", ".dx")


def kind_of(path) -> Kind:
    """``"pattern"``, ``"image"`` or ``"spectrum"`` for a file, by its ending (case ignored).

    Parameters
    ----------
    path : str or Path
        The file (only its name is used).
    """
    suffix = Path(path).suffix.lower()
    if suffix in PATTERN_SUFFIXES:
        return "pattern"
    if suffix in SPECTRUM_SUFFIXES:
        return "spectrum"
    return "image"
