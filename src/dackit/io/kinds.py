"""What kind of data a file holds, from its name: the one table every reader and command uses.

An X-ray row of a run sheet, or a FILE given to ``dackit xrd``/``dackit saxs``, is either a
1D pattern (read with :func:`dackit.io.patterns.read_pattern`, or canSAS XML) or a detector
image (integrated with a PONI); optical spectra are recognised by their content
(:func:`dackit.io.read_spectrum`), and only their vendor-specific endings are listed here.

>>> kind_of("step3.xye"), kind_of("frame_0001.cbf"), kind_of("ruby.ProcSpec")
('pattern', 'image', 'spectrum')

An ending in none of the tables (``.rad``, ``.int``, ``frame.0001``) is decided by the
file's content when it exists: text with numeric columns is a pattern, binary data an image
(fabio recognises many formats by content), and text without numeric columns is refused
with the list of formats dackit reads.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from dackit.errors import InputError

Kind = Literal["pattern", "image", "spectrum"]

#: 1D patterns: text columns (pyFAI/Dioptas .xy/.chi, .xye, GSAS .gsas/.gsa/.gss/.fxye, Rigaku .ras,
#: Bruker .uxd, PANalytical .xrdml and .udf, Anton Paar .pdh, SAXSLAB/Xenocs .grad, q-space .qxy,
#: step scans (Sietronics .cpi, MDI Jade .mdi, DBWS .dbw/.rit/.neu), generic
#: .dat/.txt/.csv) and canSAS 1D XML
PATTERN_SUFFIXES = (".xy", ".xye", ".qxy", ".chi", ".dat", ".txt", ".csv", ".xml", ".gsas", ".gsa", ".gss",
                    ".fxye", ".fxy", ".ras", ".xrdml", ".udf", ".uxd", ".pdh", ".grad", ".cpi", ".mdi", ".dbw",
                    ".rit", ".neu")
#: area-detector images readable by fabio/h5py (and .npy arrays); a file with another
#: ending is sniffed (:func:`kind_of`)
IMAGE_SUFFIXES = (".tif", ".tiff", ".edf", ".cbf", ".mccd", ".img", ".h5", ".hdf5", ".hdf", ".nxs",
                  ".nx5", ".nexus", ".spe", ".mar3450", ".sfrm", ".npy")
#: optical spectra in vendor formats that no pattern or image uses
SPECTRUM_SUFFIXES = (".procspec", ".sif", ".scope", ".jdx", ".dx")


#: bytes read to decide the kind of a file with an unknown ending
SNIFF_BYTES = 65536


def _numeric_row(line: str) -> bool:
    parts = line.replace(",", " ").replace(";", " ").replace("\t", " ").split()
    if len(parts) < 2:
        return False
    try:
        [float(p) for p in parts[:2]]
    except ValueError:
        return False
    return True


def _sniff(path: Path) -> Kind:
    """Kind of an existing file with an unknown ending, from its first bytes."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}); check the path") from exc
    # NUL bytes mark binary data; text in a legacy code page (Rigaku .ras headers are
    # Shift-JIS) is still text
    text = head.decode("latin-1") if b"\0" not in head else None
    if text is None:
        return "image"
    lines = [ln.strip() for ln in text.splitlines()]
    if len(head) == SNIFF_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut by the read
    data = [ln for ln in lines if ln and not ln.startswith(("#", "!", ";", "%", "*"))]
    numeric = sum(_numeric_row(ln) for ln in data)
    if numeric >= 5 and numeric >= 0.5 * len(data):
        return "pattern"
    # a GSAS pdCIF's profile rows carry esds ("119(17)  0.00277  101.9  ."), so no row reads
    # as numeric columns (pdCIFplotter's ALUMINA.cif): a powder CIF is a pattern
    from dackit.io.pdcif import looks_like_pdcif

    if looks_like_pdcif(lines):
        return "pattern"
    raise InputError(
        f"{path}: ending {path.suffix or '(none)'!r} is not a known format and the file is text "
        "without numeric columns; dackit reads 1D patterns as text columns "
        f"({', '.join(PATTERN_SUFFIXES)}), detector images ({', '.join(IMAGE_SUFFIXES)}) and "
        f"spectra ({', '.join(SPECTRUM_SUFFIXES)}): convert the file or rename it")


#: Binary 1D-pattern formats of laboratory diffractometers, by their first bytes: dackit
#: does not read them (no maintained permissive reader), so they are named, not mistaken for
#: detector images. Magic numbers as xylib and GSAS-II's importers test them.
BINARY_PATTERN_MAGIC = (
    (b"RAW1.01", "Bruker/Siemens RAW version 3"), (b"RAW4.00", "Bruker RAW version 4"),
    (b"RAW2", "Siemens RAW version 2"), (b"RAW ", "Siemens RAW version 1"),
    (b"V3RD", "Philips RD"), (b"V5RD", "Philips RD"),
    # STOE WinXPOW binary scans: "RAW_1.06Powdat" (aimat-lab/xrdpattern's stoe.raw example)
    (b"RAW_1.", "STOE WinXPOW RAW"),
)


def binary_pattern_format(path) -> str | None:
    """Name of the laboratory binary pattern format of an existing file, or None."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return None
    for magic, name in BINARY_PATTERN_MAGIC:
        if head.startswith(magic):
            return name
    if head.startswith(b"PK") and Path(path).suffix.lower() == ".brml":
        return "Bruker BRML"
    return None


def refuse_binary_pattern(path) -> None:
    """InputError naming the format when ``path`` is a binary laboratory pattern dackit cannot read."""
    name = binary_pattern_format(path)
    if name is not None:
        raise InputError(f"{path}: {name} is a binary diffractometer format dackit does not read; "
                         "export the scan as text (2θ and intensity columns: .xy, .xye, or GSAS .fxye) "
                         "from the instrument software, or convert it (GSAS-II, PowDLL, xylib)")


def kind_of(path) -> Kind:
    """``"pattern"``, ``"image"`` or ``"spectrum"`` for a file, by its ending (case ignored).

    An ending in none of the tables is decided by the content of an existing file: text
    with at least five rows of two or more numbers (most of its non-comment lines) is a
    pattern, binary data an image; a file that does not exist (yet) is taken as an image.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    str
        ``"pattern"``, ``"image"`` or ``"spectrum"``.

    Raises
    ------
    InputError
        The ending is unknown and the file is text without numeric columns.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in PATTERN_SUFFIXES:
        return "pattern"
    if suffix in SPECTRUM_SUFFIXES:
        return "spectrum"
    if suffix in IMAGE_SUFFIXES or not path.is_file():
        return "image"
    refuse_binary_pattern(path)
    return _sniff(path)


def xray_kind(path) -> Kind:
    """:func:`kind_of` for a file given to an X-ray command: ``"pattern"`` or ``"image"``.

    A file whose ending or content says it is something else — an optical spectrum
    (``.ProcSpec``, ``.sif``, JCAMP-DX, Renishaw ``.wdf``, Galactic ``.spc``), an
    electron-microscopy file (DM3/DM4, SER), an EDS spectrum, an Origin project or a
    spreadsheet — is refused with its format named and what to do, instead of being
    taken for a detector image that "needs --poni" or a pattern whose "line 1 is not numeric".

    Parameters
    ----------
    path : str or Path
        The file given to ``dackit xrd`` or ``dackit saxs``.

    Returns
    -------
    str
        ``"pattern"`` or ``"image"``.

    Raises
    ------
    InputError
        The file is not an X-ray pattern or image (its format named).
    """
    from dackit.io.signatures import identify

    from dackit.io.images import gzipped_image

    path = Path(path)
    known = identify(path) if path.is_file() else None
    if known is not None and known.kind not in ("container", "image", "pattern"):
        raise InputError(f"{path}: this is {known.a_file}, not an X-ray pattern or detector "
                         f"image; {known.advice}")
    if known is not None and known.name == "gzip-compressed file" and gzipped_image(path):
        return "image"
    kind = kind_of(path)
    if kind == "spectrum":
        raise InputError(f"{path}: a {path.suffix} file is an optical spectrum, not an X-ray pattern or "
                         "detector image; use dackit ruby, pl or tauc for it")
    if not path.is_file():
        return kind
    if known is not None and known.kind not in ("container", "image", "pattern"):
        raise InputError(f"{path}: this is {known.a_file}, not an X-ray pattern or detector "
                         f"image; {known.advice}")
    if known is not None and known.kind == "image" and kind == "pattern":
        raise InputError(f"{path}: the ending {path.suffix!r} says text pattern but the content is a "
                         f"{known.name}; rename it to the image's own ending")
    if known is not None and known.kind == "container" and known.name != "HDF5":
        raise InputError(f"{path}: this is {known.a_name}, not an X-ray pattern or detector image; "
                         f"{known.advice}")
    return kind



def refuse_micrograph(path, command: str = "dackit xrd integrate") -> list[str]:
    """Refuse an image that is a micrograph or a picture, not X-ray detector counts.

    Raises :class:`InputError` naming the file, the evidence and ``dackit tem size`` when the
    evidence is strong (:func:`dackit.io.signatures.micrograph_evidence`: a JPEG/PNG picture,
    a colour image, microscope metadata); returns the weak evidence (8-bit grey levels) as
    notes for the result's quality, so a plausible detector image is never refused.

    Parameters
    ----------
    path : str or Path
        The image given to an X-ray command.
    command : str, default 'dackit xrd integrate'
        The command it was given to (named in the message).

    Returns
    -------
    list of str
        Doubts to carry in the result's quality notes (empty for an ordinary detector image).

    Examples
    --------
    >>> refuse_micrograph("missing.tif")
    []
    """
    from dackit.io.signatures import micrograph_evidence

    path = Path(path)
    if not path.is_file():
        return []
    strong, weak = micrograph_evidence(path)
    if strong:
        raise InputError(f"{path}: this looks like a micrograph or picture, not an X-ray detector image "
                         f"({'; '.join(strong)}), so {command} would turn it into a meaningless "
                         "pattern; measure particle sizes with dackit tem size, or give the "
                         "detector's own file (TIFF/CBF/EDF/HDF5 counts)")
    return [f"{w}: is it a micrograph (dackit tem size) rather than a detector image?" for w in weak]


#: Smallest q (Å⁻¹) of a SAXS structure: d = 2π/q ≥ 6.3 Å. Mesophases, lamellae and
#: superlattices (d ≈ 20–500 Å) put their first peak far below; interatomic spacings
#: (d ≈ 1–5 Å, the Bragg peaks of XRD and WAXS) far above.
Q_ATOMIC_INV_A = 1.0
#: Peaks, all above Q_ATOMIC_INV_A, that make a pattern wide-angle diffraction.
MIN_ATOMIC_PEAKS = 3


def refuse_diffraction_for_saxs(path, q_peaks, *, axis: str | None = None) -> None:
    """Refuse a wide-angle diffraction pattern (XRD/WAXS) handed to a SAXS analysis.

    When at least :data:`MIN_ATOMIC_PEAKS` peaks were found and every one lies at
    q ≥ :data:`Q_ATOMIC_INV_A` (d ≤ 6.3 Å: interatomic spacings, none at the mesoscale a SAXS
    curve is about), an :class:`InputError` names the file and ``dackit xrd``. Fewer peaks,
    or any peak below, leave the file to the SAXS analysis.

    Parameters
    ----------
    path : str or Path
        The file (named in the message).
    q_peaks : sequence of float
        Peak positions in Å⁻¹.
    axis : str, optional
        The file's own radial axis (``"2th_deg"`` is named in the message).

    Examples
    --------
    >>> refuse_diffraction_for_saxs("agbeh.dat", [0.1076, 0.2152, 0.3228])
    """
    q = np.asarray([v for v in q_peaks if np.isfinite(v)], dtype=float)
    if q.size < MIN_ATOMIC_PEAKS or not q.min() >= Q_ATOMIC_INV_A:
        return
    axis_note = " on a 2θ axis" if axis == "2th_deg" else ""
    raise InputError(f"{path}: all {q.size} peaks lie at q ≥ {q.min():.3g} Å⁻¹ (d ≤ {2 * np.pi / q.min():.3g} Å, "
                     f"interatomic spacings) and none at the mesoscale SAXS measures: this is a wide-angle "
                     f"X-ray diffraction (XRD/WAXS) pattern{axis_note}, not a SAXS curve; analyse it with "
                     "dackit xrd lattice --phase NAME or dackit xrd phases --candidates NAMES")
