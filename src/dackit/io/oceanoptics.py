"""Ocean Optics spectrometer files: SpectraSuite / OceanView / OOIBase32 text and .ProcSpec.

Written by hand (the design guide lists the Ocean Optics text parser among the few things
no maintained library does): the text exports are a ``key: value`` header, a
``>>>>>Begin ... Spectral Data<<<<<`` marker line (localised by SpectraSuite, e.g. Spanish
``>>>>> Comienza Data<<<<< Espectral Procesado Del EL``), tab-separated wavelength and
intensity (decimal comma in some locales) and an optional ``>>>>>End ...<<<<<`` line.
``.ProcSpec`` files are zip archives of an XStream-serialised Java object (``ps_N.xml``),
read here with :mod:`zipfile` and :mod:`xml.etree` only — never evaluated or unpickled.
"""
from __future__ import annotations

import re
import zipfile
import xml.etree.ElementTree as ET
from datetime import datetime, UTC
from pathlib import Path

import numpy as np

from dackit.core.spectrum import Spectrum, make_spectrum
from dackit.errors import InputError, where
from dackit.io.textcols import (decode_text, exposure_seconds, header_pairs, looks_like_text,
                                parse_table)

_MARKER = re.compile(r">{3,}.*<{3,}")
_SERIAL_KEY = re.compile(r"^(spectrometers?( serial number)?|espectr\w*metros?)$", re.IGNORECASE)
_DATE_KEY = re.compile(r"^(date|fecha|datum|data|date de création)$", re.IGNORECASE)


def sniff_text(path: Path, head: bytes) -> bool:
    """An Ocean Optics text export: text with a ``>>>>> ... <<<<<`` marker line."""
    return looks_like_text(head) and _MARKER.search(decode_text(head)) is not None


def _flavour(first_line: str) -> str:
    if "OOIBase32" in first_line:
        return "OOIBase32"
    if "SpectraSuite" in first_line:
        return "SpectraSuite"
    return "OceanView"


def _x_unit(mode: str | None) -> str:
    low = (mode or "wavelength").lower()
    if "raman" in low:
        return "raman_cm-1"
    if "wavenumber" in low:
        return "cm-1"
    if "pixel" in low:
        return "pixel"
    return "nm"


def read_text(path) -> Spectrum:
    """Read an Ocean Optics SpectraSuite / OceanView / OOIBase32 text export (.txt, .scope).

    Metadata: ``exposure_s`` from ``Integration Time (sec|msec|usec)`` (or its localised
    form), ``serial`` (spectrometer), ``date`` as written, ``scans_averaged``, ``flavour``.

    Raises :class:`InputError` when the header has no data after the begin marker, when
    the end marker is missing and fewer pixels follow than the header announces
    (truncated export), or for a non-numeric line between the markers.
    """
    src = str(path)
    pre = where(src)
    from dackit.io.guard import read_text_bytes

    lines = decode_text(read_text_bytes(path)).splitlines()
    markers = [i for i, line in enumerate(lines) if _MARKER.search(line)]
    if not markers:
        raise InputError(f"{pre}no '>>>>>Begin Spectral Data<<<<<' line; not an Ocean Optics export")
    begin = markers[0]
    end = markers[1] if len(markers) > 1 else len(lines)
    pairs = header_pairs(lines[:begin])
    block = lines[begin + 1:end]
    if not any(line.strip() for line in block):
        raise InputError(f"{pre}Ocean Optics header found but no spectral data after the begin "
                         f"marker at line {begin + 1}; the export is truncated — export it again")
    table = parse_table(block, src, first_lineno=begin + 2, whole=True)

    meta = {"format": "oceanoptics", "flavour": _flavour(lines[0] if lines else ""), "n_frames": 1,
            "x_unit_from": "file"}
    n_pixels = None
    mode = None
    for key, value in pairs.items():
        low = key.lower()
        if re.search(r"integra", low) and "exposure_s" not in meta:
            seconds = exposure_seconds(key, value)
            if seconds is not None:
                meta["exposure_s"] = seconds
        elif _SERIAL_KEY.match(key) and value:
            meta["serial"] = value.split("(")[0].strip()
        elif _DATE_KEY.match(key) and value:
            meta["date"] = value
        elif re.search(r"averag|promedio", low):
            m = re.match(r"\s*(\d+)", value)
            if m:
                meta["scans_averaged"] = int(m.group(1))
        elif re.search(r"p[ií]xel", low):
            m = re.match(r"\s*(\d+)", value)
            if m:
                n_pixels = int(m.group(1))
        elif "xaxis" in low.replace(" ", ""):
            mode = value
    if "serial" in meta:
        meta["instrument"] = f"Ocean Optics {meta['serial']}"
    n = len(table.data)
    if n_pixels is not None:
        meta["n_pixels_header"] = n_pixels
        if len(markers) < 2 and n < n_pixels:
            raise InputError(f"{pre}the header announces {n_pixels} pixels but only {n} data rows "
                             "follow and there is no end marker; the export is truncated")
    return make_spectrum(table.data[:, 0], table.data[:, 1], x_unit=_x_unit(mode),
                         metadata=meta, source=src)


def sniff_procspec(path: Path, head: bytes) -> bool:
    """``.ProcSpec`` by extension, or a zip archive (the reader checks for ``ps_N.xml``),
    except zips whose ending names another format (xlsx, BRML, Origin .opju…), which
    :mod:`dackit.io.signatures` names."""
    if path.suffix.lower() == ".procspec":
        return True
    return head.startswith(b"PK\x03\x04") and path.suffix.lower() not in _OTHER_ZIPS


#: zip-based formats that are not spectra (named by dackit.io.signatures)
_OTHER_ZIPS = (".xlsx", ".xlsm", ".ods", ".docx", ".brml", ".opju", ".emd")


def _parse_xml(raw: bytes) -> ET.Element:
    try:
        return ET.fromstring(raw)
    except ET.ParseError:
        # SpectraSuite writes Latin-1 (e.g. a no-break space as grouping separator)
        # without declaring it; re-read as such.
        text = raw.decode("latin-1")
        return ET.fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", text))


def _doubles(element) -> np.ndarray:
    return np.array([float(d.text) for d in element if d.tag == "double"])


def _text(root, tag):
    el = root.find(f".//{tag}")
    return el.text.strip() if el is not None and el.text else None


_Y_UNITS = {"Transmission": "transmittance", "Absorbance": "absorbance", "Reflection": "reflectance",
            "Counts": "counts", "Irradiance": "irradiance"}


def read_procspec(path) -> Spectrum:
    """Read an Ocean Optics ``.ProcSpec`` file (SpectraSuite's zip of ``ps_N.xml``).

    x is ``channelWavelengths`` (nm); y the processed spectrum (``processedPixels`` of the
    last processing step that stores it), else the raw ``pixelValues`` of the source
    spectrum. Metadata: ``exposure_s`` (from ``integrationTime`` in µs), ``serial``,
    ``instrument``, ``date`` (acquisition time, UTC), ``scans_averaged``, ``boxcar``.
    """
    from dackit.io.guard import UNZIPPED_MB_ENV, check_text_size, regular_file

    src = str(path)
    pre = where(src)
    regular_file(path, ".ProcSpec file")
    if not zipfile.is_zipfile(path):
        raise InputError(f"{pre}not a zip archive, so not a readable .ProcSpec file (it may be "
                         "truncated); export it again or save it as text from SpectraSuite")
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if re.fullmatch(r"ps_\d+\.xml", n))
            if not names:
                raise InputError(f"{pre}zip archive without a ps_N.xml spectrum; not a .ProcSpec file")
            # the declared size bounds what zipfile inflates: a 1.5 MB zip bomb stops here
            check_text_size(src, archive.getinfo(names[0]).file_size, env=UNZIPPED_MB_ENV,
                            kind=f"XML inflated from {names[0]}")
            raw = archive.read(names[0])
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{pre}damaged .ProcSpec archive ({exc}); export it again") from None
    try:
        root = _parse_xml(raw)
    except ET.ParseError as exc:
        raise InputError(f"{pre}{names[0]} inside the .ProcSpec is not valid XML ({exc})") from None

    # XStream writes each array once and refers to it elsewhere: keep the elements that
    # hold values. The processing step that stores processedPixels also names the y unit.
    wavelengths = [e for e in root.iter("channelWavelengths") if len(e)]
    steps = [c for c in root.iter() if any(k.tag == "processedPixels" and len(k) for k in c)]
    source_pixels = [e for e in root.iter("pixelValues") if len(e)]
    if not wavelengths or not (steps or source_pixels):
        raise InputError(f"{pre}the .ProcSpec holds no wavelengths or pixel values")
    processed = steps[-1].find("processedPixels") if steps else None
    try:
        x = _doubles(wavelengths[0])
        y = _doubles(processed if processed is not None else source_pixels[0])
    except (TypeError, ValueError) as exc:
        raise InputError(f"{pre}non-numeric value in the .ProcSpec spectrum ({exc})") from None

    meta = {"format": "procspec", "n_frames": 1, "x_unit_from": "file",
            "spectrum": "processed" if processed is not None else "source"}
    integration = _text(root, "integrationTime")
    if integration:
        meta["exposure_s"] = float(integration) / 1e6
    serial = _text(root, "spectrometerSerialNumber")
    if serial:
        meta["serial"] = serial
        firmware = _text(root, "spectrometerFirmwareVersion")
        meta["instrument"] = f"Ocean Optics {firmware or ''} {serial}".replace("  ", " ").strip()
    millis = _text(root, "acquisitionTime/milliTime")
    if millis:
        meta["date"] = datetime.fromtimestamp(int(millis) / 1000, UTC).isoformat()
    for tag, key in (("scansToAverage", "scans_averaged"), ("boxcarWidth", "boxcar")):
        value = _text(root, tag)
        if value is not None:
            meta[key] = int(value)
    y_unit = "counts"
    y_units = steps[-1].find("yUnits") if steps else None
    if y_units is not None:
        kind = y_units.get("class", "").rsplit(".", 1)[-1].replace("IntensityDescriptor", "")
        y_unit = _Y_UNITS.get(kind, "counts")
    return make_spectrum(x, y, x_unit="nm", y_unit=y_unit, metadata=meta, source=src)


def write_text(spectrum: Spectrum, path) -> Path:
    """Write ``spectrum`` as a SpectraSuite-style text export that :func:`read_text` reads.

    Header with date, spectrometer, integration time (µs) when ``exposure_s`` is known
    and pixel count, then ``>>>>>Begin Processed Spectral Data<<<<<``, tab-separated
    wavelength/intensity rows (shortest exact decimal form) and the end marker.
    Only nm spectra: Ocean Optics exports hold wavelengths.
    """
    path = Path(path)
    if spectrum.x_unit != "nm":
        raise InputError(f"{where(spectrum.source)}the Ocean Optics flavour holds wavelengths in nm, "
                         f"this spectrum is in {spectrum.x_unit}; convert it or use the default flavour")
    meta = spectrum.metadata
    serial = str(meta.get("serial", "DACKIT0001"))
    date = meta.get("date") or datetime.now(UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    lines = ["SpectraSuite Data File", "+" * 36, f"Date: {date}", "User: dackit",
             "Dark Spectrum Present: No", "Reference Spectrum Present: No",
             "Number of Sampled Component Spectra: 1", f"Spectrometers: {serial}"]
    if meta.get("exposure_s") is not None:
        lines.append(f"Integration Time (usec): {round(float(meta['exposure_s']) * 1e6)} ({serial})")
    lines += [f"Spectra Averaged: {int(meta.get('scans_averaged', 1))} ({serial})",
              f"Boxcar Smoothing: 0 ({serial})",
              f"Number of Pixels in Processed Spectrum: {len(spectrum)}",
              ">>>>>Begin Processed Spectral Data<<<<<"]
    lines += [f"{float(a)!r}\t{float(b)!r}" for a, b in zip(spectrum.x, spectrum.y)]
    lines.append(">>>>>End Processed Spectral Data<<<<<")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
