"""Name a file's format from its first bytes, so that a file no dackit reader takes is refused
with its name and what to do, instead of a parser's complaint about line 1294.

:func:`identify` knows the signatures (magic numbers, header markers) of the formats
scientists most often hand to the wrong command: containers (HDF5, netCDF, zip, OLE2, gzip), images
(TIFF, PNG, JPEG, CBF, EDF, SMV, Bruker frames, NumPy), electron-microscopy files (Gatan
DM3/DM4, FEI/TIA SER, MRC), spectra dackit does not read (Galactic/Thermo SPC, Renishaw
WDF, Origin projects, EMSA/MAS, Bruker EDS SPX) and 1D results of SAS programs (GNOM).
Each :class:`Signature` says what the file holds (``kind``) and how to get it into dackit
(``advice``). Magic numbers as documented by the formats' own readers (fabio, ncempy,
rosettasciio, spc-spectra, xylib) and file(1)'s magic database.

>>> identify("x.h5", b"\\x89HDF\\r\\n\\x1a\\n" + bytes(8)).name
'HDF5'
>>> identify("x.txt", b"1 2\\n3 4\\n") is None
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: bytes :func:`identify` looks at (the SPE/EDF/SMV headers name themselves within them)
HEAD_BYTES = 4096

_EXPORT_TEXT = ("export it from the instrument software as two-column text (x in nm, "
                "intensity), e.g. .txt or .csv")


@dataclass(frozen=True)
class Signature:
    """A recognised format: ``name``, what it holds (``kind``: ``"container"``, ``"image"``,
    ``"tem"``, ``"spectrum"``, ``"pattern"``, ``"document"``) and ``advice`` for the user."""

    name: str
    kind: str
    advice: str

    @property
    def a_name(self) -> str:
        """The name with its article: "an HDF5", "a TIFF image"."""
        vowel = self.name[0].upper() in "AEIOU" or self.name.startswith(("HDF", "MRC", "SMV", "FEI", "NXcanSAS"))
        return f"{'an' if vowel else 'a'} {self.name}"

    @property
    def a_file(self) -> str:
        """The name as a noun phrase: "an HDF5 file", "a gzip-compressed file", "a zip archive"."""
        return self.a_name if self.name.endswith(("file", "archive")) else f"{self.a_name} file"


def read_head(path, n: int = HEAD_BYTES) -> bytes:
    """The first ``n`` bytes of a regular file (empty on any OS error)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError:
        return b""


#: keys every GSAS-II image-controls file (.imctrl, ``key:value`` lines) holds; also what
#: :func:`dackit.xrd.geometry.foreign_calibration` reads from one
IMCTRL_KEYS = ("distance", "center", "tilt", "rotation", "wavelength")


def _binary(head: bytes, suffix: str) -> Signature | None:
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        if suffix == ".emd":
            return Signature("Velox/EMD micrograph file", "tem", "read micrographs with dackit tem size")
        return Signature("HDF5", "container", "HDF5 files hold NXcanSAS 1D curves (dackit saxs peaks) "
                         "or detector images (dackit xrd integrate/saxs peaks with --poni)")
    if head.startswith((b"II*\0", b"MM\0*")):
        return Signature("TIFF image", "image", "a TIFF is a detector image (dackit xrd integrate "
                         "--poni) or a micrograph (dackit tem size)")
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        return Signature("PNG/JPEG picture", "image", "a picture is read as a micrograph by dackit tem size")
    if head.startswith(b"\x93NUMPY"):
        return Signature("NumPy .npy array", "image", "a 2D .npy array is read as a detector image")
    if head.startswith(b"###CBF") or b"_array_data.data" in head[:4096]:
        return Signature("CBF detector image", "image", "integrate it with dackit xrd integrate --poni")
    if head.startswith(b"{") and (b"EDF_" in head[:2048] or b"HeaderID" in head[:2048]):
        return Signature("ESRF EDF detector image", "image", "integrate it with dackit xrd integrate --poni")
    if head.startswith(b"{\nHEADER_BYTES=") or head.startswith(b"{\r\nHEADER_BYTES="):
        return Signature("SMV/ADSC detector image", "image", "integrate it with dackit xrd integrate --poni")
    if head.startswith(b"FORMAT :") and suffix in (".sfrm", ".gfrm", ".000", ".001"):
        return Signature("Bruker frame (.sfrm)", "image", "integrate it with dackit xrd integrate --poni")
    if head[:4] in (b"\0\0\0\x03", b"\0\0\0\x04") and suffix in (".dm3", ".dm4"):
        # DM3/DM4 also hold EELS, EDS and cathodoluminescence spectra (rosettasciio's
        # test-MonoCL_spectrum-ccd.dm4): say what to do with both
        return Signature("Gatan DigitalMicrograph DM3/DM4", "tem",
                         "read micrographs with dackit tem size; a spectrum saved in DigitalMicrograph "
                         "(cathodoluminescence, EELS) must be exported as text (x in nm, intensity) for dackit pl")
    if head.startswith(b"II\x97\x01") or head.startswith(b"II\x97\x03"):
        return Signature("FEI/TIA SER", "tem", "read micrographs with dackit tem size")
    if suffix in (".mrc", ".mrcs", ".st", ".rec") and head[208:212] in (b"MAP ", b"MAP\0"):
        return Signature("MRC image stack", "tem", "read micrographs with dackit tem size (first section), "
                         "or pass a diffraction frame to dackit xrd integrate --poni as an image")
    from dackit.io.kinds import BINARY_PATTERN_MAGIC

    for magic, name in BINARY_PATTERN_MAGIC:
        if head.startswith(magic):
            return Signature(name, "pattern", "export the scan as text (2θ and intensity columns: .xy, "
                             ".xye or GSAS .fxye) from the instrument software, or convert it (GSAS-II, "
                             "PowDLL, xylib), then use dackit xrd")
    if head.startswith(b"WDF1"):
        return Signature("Renishaw WiRE .wdf", "spectrum", "export the spectrum from WiRE as text "
                         "(File > Save As > .txt), then use dackit ruby/pl/tauc")
    # FTIR/Raman vendor binaries (spectrochempy_data holds real ones): Bruker OPUS writes
    # 0x0A0A FEFE first, Thermo OMNIC .spa/.spg a 'Spectral Data File'/'Spectral Exported
    # File' title; a MATLAB .mat holds arrays of unknown meaning
    if head.startswith(b"\x0a\x0a\xfe\xfe"):
        return Signature("Bruker OPUS spectrum", "spectrum", "export it from OPUS as text (Save As "
                         "> Data Point Table, x in nm), then use dackit ruby/pl/tauc")
    binary = b"\x00" in head[:512]
    if head.startswith((b"Spectral Data File", b"Spectral Exported File")) or (
            suffix in (".spa", ".spg", ".srs") and binary):
        return Signature("Thermo OMNIC spectrum (.spa/.spg/.srs)", "spectrum", "export it from OMNIC "
                         "as text (.csv), then use dackit ruby/pl/tauc")
    if head.startswith(b"MATLAB") or (suffix == ".mat" and binary):
        return Signature("MATLAB .mat file", "document", "save a spectrum or pattern as two columns "
                         "of text (writematrix to .csv), a micrograph as a TIFF (imwrite), and give that file")
    if head.startswith(b"CPYA"):
        return Signature("Origin project (.opj)", "document", "export the worksheet columns from Origin "
                         "as text (.csv or .txt) and give that file")
    if len(head) >= 2 and head[1] in (0x4B, 0x4C, 0x4D) and suffix == ".spc":
        return Signature("Galactic/Thermo SPC spectrum", "spectrum", "export it as text (.csv or .txt) "
                         "from GRAMS, OMNIC or the instrument software, then use dackit ruby/pl/tauc")
    if head.startswith(b"PK\x03\x04"):
        if suffix == ".procspec" or head[30:33] == b"ps_":
            return Signature("Ocean Optics .ProcSpec spectrum", "spectrum", "analyse it with dackit ruby, pl or tauc")
        if suffix in (".xlsx", ".xlsm", ".ods"):
            return Signature("spreadsheet (xlsx/ods)", "document", "save the sheet as .csv (one x "
                             "column, one y column) and give that file")
        if suffix == ".brml":
            return Signature("Bruker BRML", "pattern", "export the scan as text (.xy) from DIFFRAC.EVA "
                             "or convert it with PowDLL/GSAS-II, then use dackit xrd")
        if suffix == ".rasx":
            # Data0/Profile*.txt inside holds 2θ, counts and an attenuator factor the counts
            # must be multiplied by: "unzip it" alone would hand dackit a wrong third column
            return Signature("Rigaku SmartLab .rasx", "pattern", "export the scan as text (.xy or .ras) "
                             "from SmartLab Studio II, then use dackit xrd")
        if suffix == ".opju":
            return Signature("Origin project (.opju)", "document", "export the worksheet columns "
                             "from Origin as text (.csv) and give that file")
        if suffix == ".emd":
            return Signature("zip archive (.emd)", "tem", "unzip it first; Velox EMD is HDF5")
        return Signature("zip archive", "container", "unzip it and give the data file inside")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Signature("Microsoft OLE2 document (.xls/.doc/old Origin)", "document",
                         "save the data as .csv (one x column, one y column) and give that file")
    if head[:4] in (b"CDF\x01", b"CDF\x02", b"CDF\x05"):
        # netCDF classic (ANDI/AIA exports, some beamline 1D files); netCDF-4 is HDF5, above
        return Signature("netCDF (classic) file", "container", "export the curve from the program that "
                         "wrote it as text (two or three columns), or save it as HDF5/NXcanSAS")
    if head.startswith(b"\x1f\x8b"):
        return Signature("gzip-compressed file", "container", "decompress it (gunzip) and give the file inside")
    if head.startswith(b"%PDF"):
        return Signature("PDF document", "document", "give the data file the figure was made from")
    return None


def _text(head: bytes) -> Signature | None:
    text = head[:HEAD_BYTES].decode("latin-1", errors="replace")
    upper = text.upper()
    if "#FORMAT" in upper and "EMSA/MAS" in upper:
        return Signature("EMSA/MAS spectral data (.msa, EDS/EELS)", "spectrum-xray",
                         "an EDS/EELS spectrum has x in eV or keV of X-rays or electrons, not an "
                         "optical spectrum or a diffraction pattern; dackit has no analysis for it")
    if "<TRTSPECTRUM" in upper or "<TRTSPECTRUMDATABASE" in upper:
        return Signature("Bruker Esprit EDS spectrum (.spx)", "spectrum-xray",
                         "an EDS spectrum (X-ray energies), not an optical spectrum or a diffraction "
                         "pattern; dackit has no analysis for it")
    if upper.startswith("<<PMCA SPECTRUM>>") or ("\n#@MCA" in upper and "\n#L " not in upper):
        # Amptek DPP/PMCA and SPEC MCA blocks: energy-dispersive detector channels, the raw
        # data of an EDXRD beamline (e.g. HPCAT 16-BM-B), not an angle-dispersive pattern. A
        # SPEC scan whose header only describes an MCA (#@MCADEV) lists its motor and counter
        # columns (#L): the ID10B angle scan of the xrd corpus is named as a SPEC scan file
        return Signature("multichannel-analyser spectrum (Amptek .mca / SPEC @MCA)", "spectrum-xray",
                         "an energy-dispersive spectrum (detector channels or keV), not an angle-dispersive "
                         "pattern; convert E to d with the detector's 2θ (d = 6.19921 / (E sin θ), E in keV) "
                         "and save a '# d_A I' file for dackit xrd")
    if "PONI1:" in upper and "DISTANCE:" in upper and ("ROT1:" in upper or "PONI_VERSION" in upper):
        return Signature("pyFAI/Dioptas PONI calibration", "calibration",
                         "a PONI file is the geometry of a detector image: give it with --poni, "
                         "and the image or pattern as FILE")
    if all(f"\n{key}:" in f"\n{text.lower()}" for key in IMCTRL_KEYS):
        return Signature("GSAS-II image controls (.imctrl) calibration", "calibration",
                         "it is the detector geometry of an image in GSAS-II's terms, which dackit does "
                         "not convert; make a PONI (dackit xrd calibrate on the calibrant image) and give "
                         "it with --poni")
    if "<XRDMEASUREMENTS" in upper:
        return Signature("PANalytical XRDML scan", "pattern", "analyse it with dackit xrd lattice or phases")
    lines = text.splitlines()
    if len(lines) > 5 and re.fullmatch(r"\s*(-?\d+\s+){7}-?\d+\s*", lines[2] or "x") \
            and len(lines[3].split()) == 5:
        return Signature("Anton Paar PDH SAXS curve", "pattern", "analyse it with dackit saxs peaks")
    if any(_FORTRAN_FORMAT.match(line) for line in lines[1:8]):
        return Signature("ISIS COLETTE 1D SANS curve (LOQ)", "pattern", "analyse it with dackit saxs peaks")
    if "G N O M" in upper[:2000]:
        return Signature("GNOM output (.out, ATSAS)", "saxs-result",
                         "it holds the P(r) fit of a SAS curve; give dackit saxs peaks the measured "
                         "curve (.dat: q, I, σ) instead")
    return None


#: the Fortran format line of ISIS COLETTE 1D files ("3 (F12.5,2E16.6)"): column count, format
_FORTRAN_FORMAT = re.compile(r"^\s*\d+\s+\(\s*\d*[FEGI]\d+(\.\d+)?\s*,")


def identify(path, head: bytes | None = None) -> Signature | None:
    """The :class:`Signature` of a format dackit names but may not read, or None.

    Parameters
    ----------
    path : str or Path
        The file (its ending breaks ties between formats that share a magic number).
    head : bytes, optional
        Its first bytes (read when not given; :data:`HEAD_BYTES` are enough).

    Returns
    -------
    Signature or None
        None for plain text without a known marker, and for binary data of no known format.
    """
    suffix = Path(str(path)).suffix.lower()
    if head is None:
        head = read_head(path)
    if not head:
        return None
    return _binary(head, suffix) or _text(head)


def describe(path, signature: Signature, wanted: str) -> str:
    """Message for a file of format ``signature`` handed to a command that wants ``wanted``."""
    return f"{path}: this is {signature.a_file}, not {wanted}; {signature.advice}"


#: TIFF tags that only microscope software writes (codes as tifffile names them): Zeiss SmartSEM,
#: FEI/Thermo Fisher SEM/FIB (xT), Olympus SIS
MICROSCOPE_TIFF_TAGS = {34118: "Zeiss SEM (CZ_SEM tag)", 34680: "FEI/Thermo Fisher SEM (FEI_SFEG tag)",
                        34682: "FEI/Thermo Fisher SEM/FIB (FEI_HELIOS tag)", 33560: "Olympus SIS (OlympusSIS tag)"}
#: ImageJ spatial calibrations of a micrograph ("unit=nm" in the ImageDescription)
_IMAGEJ_LENGTH_UNIT = re.compile(r"^unit=(nm|nanometer|um|µm|micron|microns|\u00b5m|a|angstrom)\s*$",
                                 re.I | re.M)


def micrograph_evidence(path) -> tuple[list[str], list[str]]:
    """Why an image file looks like a micrograph or a picture rather than detector counts.

    Returns ``(strong, weak)`` lists of reasons. Strong: a JPEG or PNG picture (display
    formats: lossy or 8-bit; detectors write TIFF, CBF, EDF or HDF5 counts), a colour
    (RGB or palette) image, microscope metadata (Zeiss/FEI/Olympus TIFF tags, an ImageJ
    length calibration in nm or µm). Weak: 8-bit grey levels (X-ray detectors count in
    16 or 32 bits), which alone does not refuse a file.

    Parameters
    ----------
    path : str or Path
        The image file.

    Returns
    -------
    tuple of (list of str, list of str)
        Strong and weak reasons; both empty for a file with nothing of a micrograph.

    Examples
    --------
    >>> micrograph_evidence("missing.tif")
    ([], [])
    """
    head = read_head(path, 16)
    strong: list[str] = []
    weak: list[str] = []
    if head.startswith(b"\xff\xd8\xff"):
        strong.append("a JPEG picture (lossy display format; X-ray detectors write TIFF, CBF, EDF or HDF5 counts)")
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        strong.append("a PNG picture (display format; X-ray detectors write TIFF, CBF, EDF or HDF5 counts)")
    if not head.startswith((b"II*\0", b"MM\0*")):
        return strong, weak
    import logging

    log = logging.getLogger("tifffile")
    disabled = log.disabled
    log.disabled = True  # a truncated TIFF is named by the reader; tifffile's own log is noise here
    try:
        import tifffile

        with tifffile.TiffFile(str(path)) as tif:
            page = tif.pages[0]
            codes = {tag.code for tag in page.tags.values()}  # type: ignore[union-attr]
            photometric = int(page.photometric)  # type: ignore[union-attr]
            dtype = page.dtype
            samples = int(page.samplesperpixel)  # type: ignore[union-attr]
            description = str(page.description or "")  # type: ignore[union-attr]
            xres = page.tags.get(282)  # type: ignore[union-attr]
            per_unit = (xres.value[0] / xres.value[1]) if xres is not None and xres.value[1] else 0.0
    except Exception:  # noqa: BLE001 - evidence only; the reader names a broken file
        return strong, weak
    finally:
        log.disabled = disabled
    strong += [f"microscope metadata: {name}" for code, name in MICROSCOPE_TIFF_TAGS.items() if code in codes]
    unit = _IMAGEJ_LENGTH_UNIT.search(description) if description.startswith("ImageJ=") else None
    # a detector image calibrated in ImageJ has pixels of 50–200 µm; a micrograph's are smaller
    detector_pixels = (unit is not None and unit.group(1).lower() not in ("nm", "nanometer", "a", "angstrom")
                       and per_unit > 0 and 1.0 / per_unit >= 10.0)
    if unit is not None and not detector_pixels:
        strong.append(f"an ImageJ length calibration (unit={unit.group(1)})")
    if photometric == 3 or (photometric == 2 and samples >= 3):
        strong.append("a colour picture (" + ("palette" if photometric == 3 else "RGB") + "), not detector counts")
    if dtype is not None and dtype.itemsize == 1 and not strong:
        weak.append("8-bit grey levels (X-ray detectors count in 16 or 32 bits)")
    return strong, weak
