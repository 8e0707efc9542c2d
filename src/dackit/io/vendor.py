"""Spectra from instrument vendors' own files: Princeton SPE, Andor SIF, Horiba LabSpec XML,
JASCO text, CRAIC-style microspectrophotometer text, and the JCAMP-DX exchange format.

SPE goes through ``spexread`` and SIF through ``sif_parser`` (the maintained readers);
this module turns their output into a :class:`~dackit.core.spectrum.Spectrum`: it picks a
frame, sums the detector rows of the region of interest into one spectrum, takes the
wavelength calibration stored in the file and collects exposure, instrument and date.
The text and XML formats are small enough to read here with :mod:`xml.etree` and the
shared column parser.
"""
from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from datetime import datetime, UTC
from pathlib import Path

import numpy as np

from dackit.core.spectrum import Spectrum, make_spectrum
from dackit.errors import InputError, where
from dackit.io.textcols import decode_text, looks_like_text, parse_table, read_lines

SPE_HEADER_BYTES = 4100
_SPE_MAGIC_OFFSET, _SPE_MAGIC = 2996, 0x01234567  # WinView_id of every SPE 2.x/3.0 header


def _pick_frame(frame: int, n_frames: int, src: str) -> int:
    if not isinstance(frame, (int, np.integer)) or isinstance(frame, bool):
        raise InputError(f"{where(src)}frame must be an integer, got {frame!r}")
    if not -n_frames <= frame < n_frames:
        raise InputError(f"{where(src)}frame {frame} does not exist; the file holds {n_frames} "
                         f"frame(s), numbered 0 to {n_frames - 1}")
    return int(frame) % n_frames


# --- Princeton Instruments SPE ----------------------------------------------------------

def sniff_spe(path: Path, head: bytes) -> bool:
    """``.spe`` by extension, or the WinView id 0x01234567 at byte 2996 of the header."""
    if path.suffix.lower() == ".spe":
        return True
    return (len(head) >= SPE_HEADER_BYTES
            and struct.unpack_from("<i", head, _SPE_MAGIC_OFFSET)[0] == _SPE_MAGIC)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root, *names):
    """First element reached by the chain of local tag names, at any depth for the first."""
    for el in root.iter():
        if _local(el.tag) != names[0]:
            continue
        node = el
        for name in names[1:]:
            node = next((c for c in node if _local(c.tag) == name), None)
            if node is None:
                break
        if node is not None:
            return node
    return None


def _spe3_footer_metadata(path: Path, xml_offset: int) -> dict:
    """Exposure, camera, spectrometer and grating from the XML footer of an SPE 3.0 file."""
    with open(path, "rb") as fh:
        fh.seek(xml_offset)
        root = ET.fromstring(fh.read())
    meta: dict[str, float | str] = {}
    exposure = _find(root, "Cameras", "Camera", "ShutterTiming", "ExposureTime")
    if exposure is not None and exposure.text:
        meta["exposure_s"] = float(exposure.text) / 1e3  # LightField stores milliseconds
    for el in root.iter():
        if _local(el.tag) == "Camera" and (model := el.get("model")):
            meta["instrument"] = model
            if serial := el.get("serialNumber"):
                meta["serial"] = serial
            break
    for el in root.iter():
        if _local(el.tag) == "Spectrometer" and (model := el.get("model")):
            meta["spectrometer"] = model
            break
    grating = _find(root, "Spectrometers", "Spectrometer", "Grating", "Selected")
    if grating is not None and grating.text:
        # LightField writes "[860nm,300][1][0]": blaze and grooves, then turret positions.
        inner = re.match(r"\[([^\]]*)\]", grating.text.strip())
        meta["grating"] = inner.group(1) if inner else grating.text.strip()
    center = _find(root, "Spectrometers", "Spectrometer", "Grating", "CenterWavelength")
    if center is not None and center.text:
        meta["center_wavelength_nm"] = float(center.text)
    return meta


def _spe2_polynomial(header) -> np.ndarray:
    """The x-calibration polynomial's coefficients (lowest order first) of an SPE header."""
    cal = header.xcalibration
    return np.asarray(list(cal.polynom_coeff)[: int(cal.polynom_order) + 1], dtype=float)


def _spe2_wavelengths(header, pixels: np.ndarray, spexread_nm: np.ndarray) -> np.ndarray:
    """The SPE 2.x header polynomial evaluated at pixel numbers counted from 1.

    spexread evaluates it at 0-based indices, one pixel blue of the truth (0.2 nm on a
    300 g/mm grating, 0.55 GPa of ruby): LightField's own conversion of T-Rax's
    SPE_v2_converted.SPE lists wavelengths equal to the polynomial at 1, 2, …; spexread's
    step-and-glue file then runs exactly 150.000–850.000 nm (149.851–849.851 at 0-based);
    T-Rax's SpeFile also uses ``arange(xdim) + 1``. Only where spexread's values are that
    polynomial at ``pixels`` (else its axis is kept).
    """
    from numpy.polynomial.polynomial import polyval

    coeffs = _spe2_polynomial(header)
    if coeffs.size < 2 or not np.allclose(polyval(pixels, coeffs), spexread_nm, rtol=0, atol=1e-9):
        return spexread_nm
    return np.asarray(polyval(pixels + 1.0, coeffs), dtype=float)


#: SPE header ``datatype`` → numpy dtype of the pixels (Princeton SPE 2.x/3.0 specification)
_SPE_DTYPES = {0: "<f4", 1: "<i4", 2: "<i2", 3: "<u2", 5: "<f8", 6: "<u1", 8: "<u4"}


def _read_spe_binary_header(path: Path, header, frame: int, src: str) -> Spectrum | None:
    """A full-frame SPE read from its 4100-byte binary header alone, where spexread fails
    on a valid file (T-Rax's SPE_v2_converted.SPE: its XML footer lacks an attribute
    spexread requires; undefined_1.spe: an SPE 2.5 file). None unless the header's size,
    type and frame count account for the data exactly (anything else stays an error).
    x: the header polynomial at pixels counted from 1 (:func:`_spe2_wavelengths`)."""
    from numpy.polynomial.polynomial import polyval

    dtype = _SPE_DTYPES.get(int(header.datatype))
    nx, ny, nf = int(header.xdim), int(header.ydim), int(header.NumFrames)
    if dtype is None or min(nx, ny, nf) < 1:
        return None
    nbytes = nx * ny * nf * np.dtype(dtype).itemsize
    size = path.stat().st_size
    end = int(header.XMLOffset) if header.file_header_ver >= 3 and header.XMLOffset else size
    if SPE_HEADER_BYTES + nbytes != end or size < end:
        return None
    if end < size or header.file_header_ver >= 3:
        # an SPE 3.0 footer must be whole XML: a cut file is truncated, not a variant
        with open(path, "rb") as fh:
            fh.seek(end)
            try:
                ET.fromstring(fh.read())
            except ET.ParseError:
                return None
    k = _pick_frame(frame, nf, src)
    data = np.fromfile(path, dtype=dtype, count=nx * ny * nf, offset=SPE_HEADER_BYTES).reshape(nf, ny, nx)
    y = data[k].astype(float).sum(axis=0)
    coeffs = _spe2_polynomial(header)
    x, x_unit = np.arange(nx, dtype=float), "pixel"
    if coeffs.size >= 2 and header.xcalibration.calib_valid and not np.allclose(polyval(x, coeffs), x + 1):
        x, x_unit = np.asarray(polyval(x + 1.0, coeffs), dtype=float), "nm"
    meta = {"format": "spe", "spe_version": round(float(header.file_header_ver), 2), "n_frames": nf,
            "frame": k, "rows_summed": ny, "x_unit_from": "file", "exposure_s": float(f"{header.exp_sec:.7g}"),
            "spe_reader": "binary header (spexread could not parse the file)"}
    return make_spectrum(x, y, x_unit=x_unit, metadata=meta, source=src)


def read_spe(path, frame: int = 0) -> Spectrum:
    """Read a Princeton Instruments SPE 2.x / 3.0 file (WinSpec, LightField) with ``spexread``.

    The rows of the first region of interest are summed into one spectrum; ``frame``
    selects the frame of a multi-frame file. x is the file's wavelength calibration (nm),
    or pixel numbers when the file has none. Metadata: ``exposure_s`` (v2 header
    ``exp_sec``; v3 footer ``ExposureTime``), ``instrument`` (camera), ``serial``,
    ``spectrometer``, ``grating``, ``center_wavelength_nm``, ``date``, ``n_frames``,
    ``rows_summed``, ``spe_version``.
    """
    from spexread.parsing import parse_spe_data, parse_spe_metadata
    from spexread.structdef import SPEInfoHeader

    src = str(path)
    pre = where(src)
    path = Path(path)
    size = path.stat().st_size
    if size < SPE_HEADER_BYTES:
        raise InputError(f"{pre}only {size} bytes, shorter than the {SPE_HEADER_BYTES}-byte SPE "
                         "header; the file is truncated or not an SPE file")
    header = SPEInfoHeader()
    with open(path, "rb") as fh:
        fh.readinto(header)
    if header.WinView_id != _SPE_MAGIC:
        raise InputError(f"{pre}not a Princeton Instruments SPE file (header id "
                         f"{header.WinView_id:#x}, expected {_SPE_MAGIC:#x})")
    try:
        info = parse_spe_metadata(path)
        expected = SPE_HEADER_BYTES + info.FrameInfo.count * info.FrameInfo.stride
        if size < expected:
            raise InputError(f"{pre}the SPE header announces {info.FrameInfo.count} frame(s) "
                             f"({expected} bytes) but the file has {size} bytes; it is truncated")
        rois = parse_spe_data(path, info)
    except InputError:
        raise
    except Exception as exc:  # spexread raises many types (lxml, pydantic, numpy) on bad files
        fallback = _read_spe_binary_header(path, header, frame, src)
        if fallback is None:
            raise InputError(f"{pre}cannot read this SPE file ({type(exc).__name__}: {exc}); "
                             "it is truncated or corrupt") from None
        return fallback
    if not rois:  # spexread found no region of interest (an SPE 2.5 file of T-Rax's tests)
        fallback = _read_spe_binary_header(path, header, frame, src)
        if fallback is None:
            raise InputError(f"{pre}the SPE file holds no region of interest spexread can read")
        return fallback
    roi = rois[0]
    n_frames = int(roi.sizes["frame"])
    k = _pick_frame(frame, n_frames, src)
    axis = roi.coords["wavelength"].dims[0] if "wavelength" in roi.coords else "x"
    pixels = np.asarray(roi.coords[axis].values, dtype=float)
    x, x_unit = pixels, "pixel"
    if "wavelength" in roi.coords:
        wavelength = np.asarray(roi.coords["wavelength"].values, dtype=float)
        # WinSpec writes the identity polynomial (1 + 1·pixel) when nobody calibrated:
        # those are pixel numbers, not nm.
        if not (np.allclose(wavelength, pixels + 1) or np.allclose(wavelength, pixels)):
            x, x_unit = wavelength, "nm"
            if header.file_header_ver < 3:
                x = _spe2_wavelengths(header, pixels, wavelength)
    image = roi.isel(frame=k).transpose(..., axis).values.astype(float)
    y = image.reshape(-1, image.shape[-1]).sum(axis=0)

    meta = {"format": "spe", "spe_version": round(float(header.file_header_ver), 2),
            "n_frames": n_frames, "frame": k, "rows_summed": int(image.size // image.shape[-1]),
            "x_unit_from": "file"}  # uncalibrated SPE x is pixels for sure, not a guess
    if len(rois) > 1:
        meta["n_rois"] = len(rois)
    created = info.GeneralInfo.created if info.GeneralInfo is not None else None
    if created is not None:
        # SPE 2.x stores local time without a zone (spexread's derived offset can wrap a day).
        meta["date"] = (created if header.file_header_ver >= 3 else created.replace(tzinfo=None)).isoformat()
    if header.file_header_ver >= 3:
        try:
            meta.update(_spe3_footer_metadata(path, header.XMLOffset))
        except (ET.ParseError, ValueError) as exc:
            raise InputError(f"{pre}damaged XML footer in the SPE 3.0 file ({exc})") from None
    else:
        meta["exposure_s"] = float(f"{header.exp_sec:.7g}")  # float32 in the header
        if header.SpecGrooves:
            meta["grating"] = f"{header.SpecGrooves:g}"
        if header.SpecCenterWlNm:
            meta["center_wavelength_nm"] = float(header.SpecCenterWlNm)
    return make_spectrum(x, y, x_unit=x_unit, metadata=meta, source=src)


# --- Andor SIF --------------------------------------------------------------------------

_SIF_MAGIC = b"Andor Technology Multi-Channel File"
#: FrameAxis → unit of the calibration polynomial. "Raman shift" is only how Solis displays the
#: axis: the polynomial is still in nm and the shift is computed from RamanExWavelength (sif_parser's
#: Fe2O3/785 nm and Ru(bpy)3-in-ethanol/354.67 nm test files: read as nm, ethanol's lines land at
#: 433, 883, 1051, 1094, 1454 cm⁻¹; as cm⁻¹ they would span 22 cm⁻¹ over 1024 pixels; SIFKit and
#: other readers convert the same way).
_SIF_AXES = {"wavelength": "nm", "raman shift": "nm", "wavenumber": "cm-1",
             "pixel number": "pixel", "energy": "eV"}


def sniff_sif(path: Path, head: bytes) -> bool:
    """Andor SIF: its magic first line, or the ``.sif`` extension."""
    return head.startswith(_SIF_MAGIC) or path.suffix.lower() == ".sif"


def read_sif(path, frame: int = 0) -> Spectrum:
    """Read an Andor SIF file with ``sif_parser``.

    Rows (tracks) of the selected frame are summed; x is the file's calibration polynomial
    in the unit its ``FrameAxis`` names (Wavelength and Raman shift → nm: Solis keeps the
    polynomial in nm and only displays a shift), pixels when uncalibrated. Metadata: ``exposure_s``, ``instrument`` (detector model),
    ``date`` (UTC), ``accumulations``, ``laser_nm`` (Raman excitation, when set).
    """
    import sif_parser

    src = str(path)
    pre = where(src)
    with open(path, "rb") as fh:
        if not fh.read(len(_SIF_MAGIC)) == _SIF_MAGIC:
            raise InputError(f"{pre}not an Andor SIF file (its first line is not "
                             f"{_SIF_MAGIC.decode()!r})")
    try:
        data, info = sif_parser.np_open(str(path))
        calibration = sif_parser.utils.extract_calibration(info)
    except Exception as exc:  # sif_parser raises bare ValueError/SyntaxError/struct.error
        raise InputError(f"{pre}cannot read this SIF file ({type(exc).__name__}: {exc}); "
                         "it is truncated or corrupt") from None
    n_frames = int(data.shape[0])
    if n_frames == 0:
        raise InputError(f"{pre}the SIF file holds no frames")
    k = _pick_frame(frame, n_frames, src)
    y = np.asarray(data[k], dtype=float).sum(axis=0)

    def text(value):
        return value.decode("latin-1") if isinstance(value, bytes) else str(value)

    if calibration is None:
        x, x_unit = np.arange(y.size, dtype=float), "pixel"
    else:
        calibration = np.asarray(calibration, dtype=float)
        x = calibration[k] if calibration.ndim == 2 else calibration
        axis = text(info.get("FrameAxis", "Wavelength")).strip().lower()
        if axis not in _SIF_AXES:
            raise InputError(f"{pre}unknown SIF calibration axis {axis!r}; known: "
                             f"{', '.join(_SIF_AXES)}")
        x_unit = _SIF_AXES[axis]
        if x.size == data.shape[1] * data.shape[2] and data.shape[1] > 1:
            # sif_parser evaluates the polynomial over ImageLength, every pixel of an image
            # (a 256×256 frame gave 65536 x for 256 columns); a row's columns are its first values
            x = x[: y.size]
    meta = {"format": "sif", "n_frames": n_frames, "frame": k, "rows_summed": int(data.shape[1]),
            "x_unit_from": "file"}
    if "ExposureTime" in info:
        meta["exposure_s"] = float(info["ExposureTime"])
    if "DetectorType" in info:
        meta["instrument"] = f"Andor {text(info['DetectorType'])}"
    if info.get("ExperimentTime"):
        meta["date"] = datetime.fromtimestamp(int(info["ExperimentTime"]), UTC).isoformat()
    if "AccumulatedCycles" in info:
        meta["accumulations"] = int(info["AccumulatedCycles"])
    if info.get("RamanExWavelength"):
        meta["laser_nm"] = float(info["RamanExWavelength"])
    return make_spectrum(x, y, x_unit=x_unit, y_unit=text(info.get("DataType", "counts")).lower(),
                         metadata=meta, source=src)


# --- Horiba LabSpec XML -----------------------------------------------------------------

# LabSpec tags every node with a numeric ID; these name the ones a spectrum needs.
_LSX_AXES, _LSX_NAME, _LSX_UNIT, _LSX_VALUES = "0x7B697861", "0x6D707974", "0x7C696E75", "0x7D6CD4DB"
_LSX_PARAM_NAME, _LSX_PARAM_VALUE, _LSX_PARAM_NUMBER = "0x6D6D616E", "0x7D6C61DB", "0x8736F70"
# "1/cm abs" is how LabSpec 6 writes absolute wavenumbers (rosettasciio's
# jobinyvon_test_spec_3s_abs-cm-1.xml, read there as 'Wavenumber', 1/cm)
_LSX_UNITS = {"nm": "nm", "1/cm": "raman_cm-1", "cm-1": "raman_cm-1", "abs 1/cm": "cm-1",
              "1/cm abs": "cm-1", "ev": "eV", "pixel": "pixel", "pixels": "pixel"}


def sniff_labspec(path: Path, head: bytes) -> bool:
    """Horiba LabSpec XML export: an ``<LSX_Data>`` root."""
    return looks_like_text(head) and b"<LSX_Data" in head


def _numbers(text: str | None) -> np.ndarray:
    return np.array([float(t) for t in (text or "").split()])


def read_labspec(path, frame: int = 0) -> Spectrum:
    """Read a Horiba LabSpec 5/6 XML spectrum export (``<LSX_Data>``).

    x is the spectral axis (unit ``nm``, or ``1/cm`` read as Raman shift), y a row of
    ``LSX_Matrix`` (``frame`` selects the row of a map or series). Metadata:
    ``exposure_s`` (``Acq. time (s)``), ``accumulations``, ``instrument``, ``laser_nm``,
    ``grating``, ``date`` as written by LabSpec.
    """
    src = str(path)
    pre = where(src)
    try:
        from dackit.io.guard import read_text_bytes

        root = ET.fromstring(read_text_bytes(path))
    except ET.ParseError as exc:
        raise InputError(f"{pre}LabSpec XML is damaged or truncated ({exc})") from None
    rows = [r for r in root.iter("LSX_Row")]
    if not rows:
        raise InputError(f"{pre}LabSpec XML without an LSX_Matrix row; no spectrum in it")
    k = _pick_frame(frame, len(rows), src)
    try:
        y = _numbers(rows[k].text)
    except ValueError as exc:
        raise InputError(f"{pre}non-numeric intensity in LSX_Row {k} ({exc})") from None

    # unit is set together with x; without an x the file is rejected below
    x: np.ndarray | None = None
    unit = ""
    for axes in root.iter("LSX"):
        if axes.get("ID") != _LSX_AXES:
            continue
        for axis in axes:
            values = next((c for c in axis if c.get("ID") == _LSX_VALUES and c.get("Format") == "6"), None)
            if values is None:
                continue
            candidate = _numbers(values.text)
            if candidate.size == y.size:
                x = candidate
                unit_el = next((c for c in axis if c.get("ID") == _LSX_UNIT), None)
                unit = (unit_el.text or "").strip() if unit_el is not None else ""
                break
        if x is not None:
            break
    if x is None:
        raise InputError(f"{pre}LabSpec XML has no spectral axis with {y.size} values")
    if unit.lower() not in _LSX_UNITS:
        raise InputError(f"{pre}unknown LabSpec axis unit {unit!r}; known: {', '.join(_LSX_UNITS)}")

    # Each parameter node holds a name, a display text and, for numbers, the exact value.
    params: dict[str, tuple[str, str]] = {}
    for node in root.iter("LSX"):
        name = next((c.text for c in node if c.get("ID") == _LSX_PARAM_NAME), None)
        if name is None:
            continue
        text = next((c.text for c in node if c.get("ID") == _LSX_PARAM_VALUE), None)
        number = next((c.text for c in node if c.get("ID") == _LSX_PARAM_NUMBER), None)
        params.setdefault(name.strip(), ((text or "").strip(), (number or "").strip()))
    meta = {"format": "labspec-xml", "n_frames": len(rows), "frame": k, "x_unit_from": "file"}
    for name, key, kind in (("Acq. time (s)", "exposure_s", float), ("Accumulations", "accumulations", int),
                            ("Instrument", "instrument", str), ("Laser (nm)", "laser_nm", float),
                            ("Grating", "grating", str), ("Acquired", "date", str),
                            ("Date", "date", str), ("Title", "title", str)):
        if name not in params or key in meta:
            continue
        text, number = params[name]
        try:
            meta[key] = kind(number or text) if kind is not str else text
        except ValueError:
            meta[key] = text
    return make_spectrum(x, y, x_unit=_LSX_UNITS[unit.lower()], metadata=meta, source=src)


# --- JASCO text (JCAMP-like header, XYDATA) -----------------------------------------------

_JASCO_X = {"NANOMETERS": "nm", "NM": "nm", "1/CM": "cm-1", "WAVENUMBER": "cm-1", "EV": "eV"}


def sniff_jasco(path: Path, head: bytes) -> bool:
    """JASCO Spectra Manager text: ``XUNITS`` header line and an ``XYDATA`` line."""
    if not looks_like_text(head):
        return False
    lines = [line.strip().upper() for line in decode_text(head).splitlines()]
    return "XYDATA" in lines and any(line.startswith("XUNITS") for line in lines)


def read_jasco(path) -> Spectrum:
    """Read a JASCO text export: ``KEY<tab>value`` header, ``XYDATA``, then x/y rows.

    x unit from ``XUNITS`` (NANOMETERS → nm), ``y_unit`` from ``YUNITS`` (lower case,
    e.g. ``absorbance``). A file with fewer rows than ``NPOINTS`` is truncated.
    """
    src = str(path)
    pre = where(src)
    lines = read_lines(path)
    upper = [line.strip().upper() for line in lines]
    start = upper.index("XYDATA")
    header = {}
    for line in lines[:start]:
        key, _, value = line.partition("\t")
        header[key.strip().upper()] = value.strip()
    xunits = header.get("XUNITS", "").upper()
    if xunits not in _JASCO_X:
        raise InputError(f"{pre}unknown JASCO XUNITS {xunits!r}; known: {', '.join(_JASCO_X)}")
    if not any(line.strip() for line in lines[start + 1:]):
        raise InputError(f"{pre}JASCO header without data after XYDATA; the file is truncated")
    table = parse_table(lines[start + 1:], src, first_lineno=start + 2)
    meta = {"format": "jasco", "n_frames": 1, "x_unit_from": "file"}
    for key, name in (("SPECTROMETER/DATA SYSTEM", "instrument"), ("TITLE", "title")):
        if header.get(key):
            meta[name] = header[key]
    if header.get("DATE"):
        meta["date"] = f"{header['DATE']} {header.get('TIME', '')}".strip()
    npoints = header.get("NPOINTS", "")
    if npoints.isdigit() and len(table.data) < int(npoints):
        raise InputError(f"{pre}the header announces {npoints} points but {len(table.data)} "
                         "follow XYDATA; the file is truncated")
    y_unit = header.get("YUNITS", "").lower() or "counts"
    return make_spectrum(table.data[:, 0], table.data[:, 1], x_unit=_JASCO_X[xunits],
                         y_unit=y_unit, metadata=meta, source=src)


# --- CRAIC-style microspectrophotometer text ----------------------------------------------

_SCIMODE = re.compile(r"^\s*SciMode:", re.IGNORECASE)


def sniff_craic(path: Path, head: bytes) -> bool:
    """CRAIC-style text (e.g. rf2gpa test files): a ``SciMode:`` line in the first lines."""
    if not looks_like_text(head):
        return False
    return any(_SCIMODE.match(line) for line in decode_text(head).splitlines()[:6])


def read_craic(path) -> Spectrum:
    """Read CRAIC-style text: name line, y label line, ``SciMode:IT1=100.00ms:NS1=50:...``
    line, then wavelength/intensity rows. Metadata: ``exposure_s`` (IT1),
    ``scans_averaged`` (NS1), ``objective``, ``date`` as written."""
    src = str(path)
    lines = read_lines(path)
    table = parse_table(lines, src)
    header = [line.strip() for line in table.header if line.strip()]
    meta = {"format": "craic", "n_frames": 1, "x_unit_from": "assumed"}
    y_unit = "counts"
    for line in header:
        if _SCIMODE.match(line):
            fields = dict(f.split("=", 1) for f in line.split(":") if "=" in f)
            it = re.match(r"([\d.]+)\s*(ms|s|us)?", fields.get("IT1", ""))
            if it:
                meta["exposure_s"] = float(it.group(1)) / {"ms": 1e3, "us": 1e6}.get(it.group(2), 1.0)
            if fields.get("NS1", "").isdigit():
                meta["scans_averaged"] = int(fields["NS1"])
            if "Obj" in fields:
                meta["objective"] = fields["Obj"]
            date = re.search(r"\(([^()]*\d{4}[^()]*)\)", line)
            if date:
                meta["date"] = date.group(1)
        elif line.lower() in ("counts", "intensity", "absorbance", "transmittance", "reflectance"):
            y_unit = line.lower() if line.lower() != "intensity" else "counts"
        elif "title" not in meta:
            meta["title"] = line
    return make_spectrum(table.data[:, 0], table.data[:, 1], x_unit="nm", y_unit=y_unit,
                         metadata=meta, source=src)


# --- JCAMP-DX (IUPAC exchange format), uncompressed AFFN data ------------------------------

_JCAMP_X = {"NANOMETERS": "nm", "NM": "nm", "1/CM": "cm-1", "EV": "eV", "PIXELS": "pixel",
            "POINTS": "pixel"}
_JCAMP_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# ASDF compression replaces digits and signs by letters (SQZ @A-I a-i, DIF %J-R j-r,
# DUP S-Z s); E/e only appear inside exponents.
_JCAMP_ASDF = re.compile(r"[@A-DF-Za-df-z%]")


def sniff_jcamp(path: Path, head: bytes) -> bool:
    """JCAMP-DX: ``##TITLE=``/``##JCAMP-DX=`` labelled records."""
    if not looks_like_text(head):
        return False
    text = decode_text(head).upper()
    return "##JCAMP" in text or ("##TITLE=" in text and "##XUNITS=" in text)


def read_jcamp(path) -> Spectrum:
    """Read a JCAMP-DX spectrum (McDonald & Wilks 1988, Appl. Spectrosc. 42, 151) whose
    ``##XYDATA=(X++(Y..Y))`` or ``##XYPOINTS=(XY..XY)`` table is written in plain numbers
    (AFFN). x follows ``FIRSTX + k·(LASTX − FIRSTX)/(NPOINTS − 1)``; y is scaled by
    ``YFACTOR``. Compressed tables (ASDF: SQZ/DIF/DUP letters) raise :class:`InputError`
    asking for an uncompressed export, as does a table shorter than ``NPOINTS``.
    """
    src = str(path)
    pre = where(src)
    labels: dict[str, str] = {}
    table: list[tuple[int, str]] = []
    form: str | None = None
    start = 0
    for i, line in enumerate(read_lines(path)):
        text = line.split("$$", 1)[0].strip()
        if text.startswith("##"):
            if form is not None:
                break
            key, _, value = text[2:].partition("=")
            key = re.sub(r"[\s\-/_]", "", key).upper()
            labels.setdefault(key, value.strip())
            if key in ("XYDATA", "XYPOINTS"):
                form, start = value.replace(" ", "").upper(), i + 2
        elif form is not None and text:
            table.append((i + 1, text))
    if form not in ("(X++(Y..Y))", "(XY..XY)"):
        raise InputError(f"{pre}JCAMP-DX file without an XYDATA=(X++(Y..Y)) or XYPOINTS=(XY..XY) "
                         "table (peak tables and NMR blocks are not spectra dackit reads)")
    if not table:
        raise InputError(f"{pre}JCAMP-DX table at line {start - 1} holds no data; the file is truncated")
    for lineno, text in table:
        if _JCAMP_ASDF.search(text):
            raise InputError(f"{pre}compressed JCAMP-DX data (ASDF) at line {lineno}; export it "
                             "uncompressed (AFFN) or as two-column text")

    def number(key, default=None):
        try:
            return float(labels[key]) if key in labels else default
        except ValueError:
            raise InputError(f"{pre}JCAMP-DX label ##{key}={labels[key]!r} is not a number") from None

    xfactor, yfactor = number("XFACTOR", 1.0), number("YFACTOR", 1.0)
    values = [[float(t) for t in _JCAMP_NUMBER.findall(text)] for _, text in table]
    if form == "(XY..XY)":
        flat = np.array([v for row in values for v in row])
        if flat.size % 2:
            raise InputError(f"{pre}odd number of values in the XYPOINTS table; an (x, y) pair is cut")
        x, y = flat[0::2] * xfactor, flat[1::2] * yfactor
    else:
        y = np.array([v for row in values for v in row[1:]]) * yfactor
        first, last, npoints = number("FIRSTX"), number("LASTX"), number("NPOINTS")
        if first is None or last is None or npoints is None:
            raise InputError(f"{pre}JCAMP-DX XYDATA needs ##FIRSTX, ##LASTX and ##NPOINTS")
        if y.size != int(npoints):
            raise InputError(f"{pre}##NPOINTS={int(npoints)} but the table holds {y.size} values; "
                             "the file is truncated or damaged")
        step = (last - first) / (npoints - 1) if npoints > 1 else 0.0
        x = first + np.arange(y.size) * step
        if abs(values[0][0] * xfactor - first) > 0.5 * abs(step):
            raise InputError(f"{pre}the first XYDATA line starts at x = {values[0][0] * xfactor:g}, "
                             f"not at ##FIRSTX={first:g}; the header and table disagree")
    xunits = labels.get("XUNITS", "").upper()
    if xunits not in _JCAMP_X:
        raise InputError(f"{pre}unknown JCAMP-DX XUNITS {xunits!r}; known: {', '.join(_JCAMP_X)}")
    x_unit = _JCAMP_X[xunits]
    if x_unit == "cm-1" and "RAMAN" in labels.get("DATATYPE", "").upper():
        x_unit = "raman_cm-1"
    meta = {"format": "jcamp", "n_frames": 1, "x_unit_from": "file"}
    for key, name in (("TITLE", "title"), ("SPECTROMETERDATASYSTEM", "instrument"),
                      ("DATE", "date"), ("LONGDATE", "date"), ("DATATYPE", "data_type")):
        if labels.get(key) and name not in meta:
            meta[name] = labels[key]
    return make_spectrum(x, y, x_unit=x_unit, y_unit=labels.get("YUNITS", "counts").lower() or "counts",
                         metadata=meta, source=src)
