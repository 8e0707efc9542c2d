"""One entry point for every spectrum file: :func:`read_spectrum`, and :func:`write_spectrum`.

The format is found from the content (the extension is only a hint for binary formats):
each entry of :data:`FORMATS` has a ``sniff(path, head_bytes)`` test and a reader, tried
in order from the most specific (binary magic numbers, vendor markers) to the generic
column parser. Every reader builds its spectrum through
:func:`dackit.core.spectrum.make_spectrum`, so the result is sorted by x and validated
(empty, NaN/inf, too short, duplicate x, all-zero → :class:`~dackit.errors.InputError`
naming the file).

>>> import tempfile, numpy as np
>>> from dackit.core.spectrum import make_spectrum
>>> s = make_spectrum(np.linspace(690, 700, 50), np.arange(1, 51), metadata={"exposure_s": 0.5})
>>> path = write_spectrum(s, tempfile.mkdtemp() + "/ruby.txt")
>>> back = read_spectrum(path)
>>> back.metadata["format"], back.metadata["exposure_s"], bool((back.y == s.y).all())
('dackit', 0.5, True)
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from collections.abc import Callable

import numpy as np

from dackit.core.spectrum import OPTICAL_NM, X_UNITS, Spectrum
from dackit.errors import DackitError, InputError, where
from dackit.io import oceanoptics, textcols, vendor

#: Bytes read for sniffing: enough for the 4100-byte SPE header.
HEAD_BYTES = 8192

_EXPORT_TEXT = ("export the spectrum from the instrument software as two-column text (x in nm, "
                "intensity: .txt or .csv)")


@dataclass(frozen=True)
class SpectrumFormat:
    """One readable format: ``sniff(path, head) -> bool`` and ``read(path[, frame]) -> Spectrum``."""

    name: str
    description: str
    sniff: Callable[[Path, bytes], bool]
    read: Callable[..., Spectrum]
    frames: bool = False  # reader takes ``frame=``


FORMATS: tuple[SpectrumFormat, ...] = (
    SpectrumFormat("procspec", "Ocean Optics .ProcSpec (zip of ps_N.xml)",
                   oceanoptics.sniff_procspec, oceanoptics.read_procspec),
    SpectrumFormat("spe", "Princeton Instruments SPE 2.x/3.0 (rows summed, frame=)",
                   vendor.sniff_spe, vendor.read_spe, frames=True),
    SpectrumFormat("sif", "Andor SIF (rows summed, frame=)", vendor.sniff_sif, vendor.read_sif,
                   frames=True),
    SpectrumFormat("labspec-xml", "Horiba LabSpec XML export", vendor.sniff_labspec,
                   vendor.read_labspec, frames=True),
    SpectrumFormat("dackit", "dackit two-column text (write_spectrum's default flavour)",
                   textcols.sniff_dackit, textcols.read_dackit),
    SpectrumFormat("oceanoptics", "Ocean Optics SpectraSuite/OceanView/OOIBase32 text (.txt, .scope)",
                   oceanoptics.sniff_text, oceanoptics.read_text),
    SpectrumFormat("jcamp", "JCAMP-DX with an uncompressed XYDATA/XYPOINTS table",
                   vendor.sniff_jcamp, vendor.read_jcamp),
    SpectrumFormat("jasco", "JASCO text with XUNITS/XYDATA", vendor.sniff_jasco, vendor.read_jasco),
    SpectrumFormat("craic", "CRAIC-style text with a SciMode line", vendor.sniff_craic,
                   vendor.read_craic),
    SpectrumFormat("text", "columns of numbers (tab, spaces, comma or semicolon; decimal comma; "
                   "named columns)", textcols.sniff_text, textcols.read_columns),
)

_WRAPPED = (ValueError, KeyError, IndexError, TypeError, OSError, EOFError, UnicodeError,
            zipfile.BadZipFile, ET.ParseError)


def supported_formats() -> str:
    """One line per readable format, for messages and ``--help``."""
    return "; ".join(f"{f.name}: {f.description}" for f in FORMATS)


def detect_format(path, head: bytes | None = None) -> SpectrumFormat:
    """The first entry of :data:`FORMATS` whose sniff accepts the file.

    Raises :class:`InputError` listing the supported formats when none does (binary
    data of an unknown kind).

    Parameters
    ----------
    path : str or Path
        The file.
    head : bytes, optional
        The file's first bytes, when already read.
    """
    path = Path(path)
    if head is None:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    from dackit.io.signatures import identify

    for fmt in FORMATS:
        if fmt.name == "text":
            # before the generic column parser: a named format that is no optical spectrum
            # (HDF5, an image, EMSA, GNOM…) must not be read as columns of numbers
            known = identify(path, head)
            if known is not None:
                raise InputError(f"{where(str(path))}this is {known.a_file}, not an optical "
                                 f"spectrum dackit reads; {known.advice}")
            from dackit.io.gsas import looks_like_gsas

            if looks_like_gsas(head.decode("latin-1", errors="replace").splitlines()):
                # its x (centidegrees 2θ, 50–2600 on an 11-BM scan) falls in the optical nm
                # range: read as columns, `dackit pl` gave a 1660 nm "band" (doubtful)
                raise InputError(f"{where(str(path))}this is a GSAS powder diffraction file (a BANK record "
                                 "after the title), not an optical spectrum; analyse it with dackit xrd "
                                 "lattice or phases")
        if fmt.sniff(path, head):
            return fmt
    raise InputError(f"{where(str(path))}unknown spectrum format (binary data no reader recognises); "
                     f"{_EXPORT_TEXT}. Supported: {supported_formats()}")


def _open_check(path: Path) -> bytes:
    from dackit.io.guard import regular_file

    pre = where(str(path))
    regular_file(path, "spectrum file")  # a FIFO would block the open below for ever
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"{pre}cannot be read ({exc.strerror or exc}); check its permissions") from None
    if not head:
        raise InputError(f"{pre}file is empty (0 bytes); export the spectrum again")
    return head


def read_spectrum(path, *, x_unit: str | None = None, frame: int = 0) -> Spectrum:
    """Read one spectrum from any supported file; the format is detected from its content.

    Parameters
    ----------
    path : str or Path
        The spectrum file.
    x_unit : str, optional
        Unit of x when the file does not state one (plain columns without names); by
        default such x is taken as nm. Asking for a unit other than the one the file
        states is an error — convert with :mod:`dackit.core.units` instead.
    frame : int
        Frame of a multi-frame SPE/SIF file or row of a LabSpec map (default 0).

    Returns
    -------
    Spectrum
        Sorted by x with ``source=str(path)`` and metadata: ``format``, ``n_frames`` and,
        where the file says, ``exposure_s``, ``instrument``, ``serial``, ``date``;
        ``x_unit_from`` is ``"file"``, ``"assumed"`` or ``"argument"``.

    Raises
    ------
    InputError
        Naming the file, for a missing file, a folder, an empty, truncated or unreadable
        file, non-numeric/NaN/duplicate/all-zero data, fewer than 10 points, or an unknown
        format (the message lists the supported ones).
    """
    if x_unit is not None and x_unit not in X_UNITS:
        raise InputError(f"x_unit={x_unit!r} is not a known unit; use one of {', '.join(X_UNITS)}")
    path = Path(path)
    src = str(path)
    head = _open_check(path)
    fmt = detect_format(path, head)
    if frame != 0 and not fmt.frames:
        raise InputError(f"{where(src)}frame={frame} given but a {fmt.name} file holds one spectrum; "
                         "drop the frame argument")
    try:
        spectrum = fmt.read(path, frame=frame) if fmt.frames else fmt.read(path)
    except DackitError:
        raise
    except _WRAPPED as exc:
        raise InputError(f"{where(src)}cannot be read as {fmt.description} "
                         f"({type(exc).__name__}: {exc})") from None
    meta = dict(spectrum.metadata)
    meta["format"] = fmt.name
    if x_unit is None:
        return _plausible(replace(spectrum, metadata=meta), src)
    if x_unit != spectrum.x_unit and meta.get("x_unit_from") == "file":
        raise InputError(f"{where(src)}the file gives x in {spectrum.x_unit} but x_unit={x_unit!r} "
                         "was asked; drop x_unit, or convert with dackit.core.units")
    if meta.get("x_unit_from") != "file":
        meta["x_unit_from"] = "argument"
    return _plausible(replace(spectrum, x_unit=x_unit, metadata=meta), src)


class UnitMismatchWarning(UserWarning):
    """The numbers of a file contradict the x unit its header states; the numbers were used."""


#: optical spectra (UV to NIR) in nm and in photon energy (eV): the two ranges are disjoint
OPTICAL_EV_MAX = 20.0


def _plausible(spectrum: Spectrum, src: str) -> Spectrum:
    """Check the x unit against the numbers of an optical spectrum (UV to NIR, 150–3000 nm).

    An x axis in nm that ends at or below 150 nm (the far-UV edge of :data:`OPTICAL_NM`) is
    in another unit (µm or eV — 0.4–3 could be either, so no guess — or the 2θ degrees of a
    diffraction pattern, 5–150) under an nm label or assumption: a clear error; so is one
    that reaches 0 or below (no wavelength is; a 2θ, q or pixel axis starts there). Before,
    `dackit pl` read a 2θ pattern's 5–150° as nm and reported a 26 eV "band" (doubtful);
    a 0–150° axis was refused only as "wavelengths must be positive nm". An axis labelled eV
    whose numbers all lie within 150–3000 can only be wavelengths in nm (issue 10: the
    header text must not override the numbers): it is read as nm, with a
    :class:`UnitMismatchWarning` and ``metadata["x_unit_from"] = "numbers"``. Any other eV
    axis above 20 eV is an error.
    """
    import warnings

    lo, hi = float(np.min(spectrum.x)), float(np.max(spectrum.x))
    if spectrum.x_unit == "nm" and (hi <= OPTICAL_NM[0] or lo <= 0):
        where_x = "below any optical spectrum" if hi <= OPTICAL_NM[0] else "reaching 0, which no wavelength does"
        raise InputError(f"{where(src)}x runs {lo:g}…{hi:g} "
                         f"taken as nm, {where_x}: is it in µm or eV, or a diffraction pattern (2θ in degrees, "
                         "q) or pixel numbers? Write the unit in the column name (wavelength_nm, energy_eV) or "
                         "convert it; a diffraction pattern goes to dackit xrd or dackit saxs")
    if spectrum.x_unit == "eV" and hi > OPTICAL_EV_MAX:
        if OPTICAL_NM[0] <= lo and hi <= OPTICAL_NM[1]:
            said = spectrum.metadata.get("x_unit_from", "file")
            warnings.warn(f"{where(src)}x is labelled eV ({said}) but runs {lo:g}…{hi:g}, which "
                          "are wavelengths in nm, not photon energies; read as nm",
                          UnitMismatchWarning, stacklevel=3)
            meta = dict(spectrum.metadata, x_unit_from="numbers",
                        x_unit_note=f"labelled eV, values {lo:g}–{hi:g} read as nm")
            return replace(spectrum, x_unit="nm", metadata=meta)
        raise InputError(f"{where(src)}x runs {lo:g}…{hi:g} taken as eV, above any optical photon "
                         "energy: give x in nm or eV and write the unit in the column name "
                         "(wavelength_nm, energy_eV)")
    return spectrum


# --- writing -------------------------------------------------------------------------

_X_NAMES = {"nm": "wavelength_nm", "eV": "energy_eV", "cm-1": "wavenumber_cm-1",
            "raman_cm-1": "raman_shift_cm-1", "pixel": "pixel"}


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _write_dackit(spectrum: Spectrum, path: Path) -> Path:
    meta = {k: v for k, v in spectrum.metadata.items() if k not in ("format", "x_unit_from")}
    if spectrum.source and "original_source" not in meta:
        meta["original_source"] = spectrum.source
    lines = [textcols.DACKIT_MAGIC + " 1",
             f"# x_unit: {json.dumps(spectrum.x_unit)}",
             f"# y_unit: {json.dumps(spectrum.y_unit)}",
             f"# metadata: {json.dumps(meta, default=_jsonable, ensure_ascii=False)}",
             f"{_X_NAMES[spectrum.x_unit]}\t{spectrum.y_unit.replace(' ', '_') or 'y'}"]
    lines += [f"{float(a)!r}\t{float(b)!r}" for a, b in zip(spectrum.x, spectrum.y)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_csv(spectrum: Spectrum, path: Path) -> Path:
    lines = [f"{_X_NAMES[spectrum.x_unit]},{spectrum.y_unit.replace(',', ' ') or 'y'}"]
    lines += [f"{float(a)!r},{float(b)!r}" for a, b in zip(spectrum.x, spectrum.y)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


WRITERS: dict[str, Callable[[Spectrum, Path], Path]] = {
    "text": _write_dackit,
    "csv": _write_csv,
    "oceanoptics": oceanoptics.write_text,
}


def write_spectrum(spectrum: Spectrum, path, *, flavour: str = "text") -> Path:
    """Write ``spectrum`` to a text file that :func:`read_spectrum` reads back.

    Flavours
    --------
    ``"text"`` (default)
        ``# dackit spectrum`` header with x/y units and metadata as JSON, a column-name
        line, then tab-separated x and y; units and metadata come back exactly (read
        back as format ``"dackit"``).
    ``"csv"``
        Named columns (``wavelength_nm,counts``), comma-separated; metadata is dropped.
    ``"oceanoptics"``
        SpectraSuite-style export (header, ``>>>>>Begin Processed Spectral Data<<<<<``,
        rows, end marker); keeps exposure and serial. nm only.

    Values are written in their shortest exact decimal form, so x and y read back
    unchanged. Returns the path written.

    Parameters
    ----------
    spectrum : Spectrum
        The spectrum to write.
    path : str or Path
        Output file.
    flavour : str, default 'text'
        A key of :data:`~dackit.io.spectra.WRITERS`: ``"text"`` (dackit's own header),
        ``"csv"`` or ``"oceanoptics"``.
    """
    if flavour not in WRITERS:
        raise InputError(f"flavour={flavour!r} is not known; use one of {', '.join(WRITERS)}")
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file name to write the spectrum to")
    return WRITERS[flavour](spectrum, path)
