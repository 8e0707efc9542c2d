"""Read and write 1D diffraction patterns: Dioptas/pyFAI ``.xy``, Fit2D ``.chi``, ``.dat``, two columns,
and (read only) GSAS powder files (STD, ESD, FXY, FXYE; :func:`dackit.io.gsas.read_gsas`),
Rigaku ``.ras``, Bruker ``.uxd`` (:func:`dackit.io.uxd.read_uxd`) and Philips ``.udf`` scans and
powder CIF profiles (:func:`dackit.io.pdcif.read_pdcif`).

Readers recognise the radial unit from the header — pyFAI column names (``2th_deg``,
``2th_rad``, ``q_nm^-1``, ``q_A^-1``), Fit2D axis titles (``2-Theta Angle (Degrees)``,
``Q (nm-1)``) — and convert q in nm⁻¹ to Å⁻¹ and 2θ in radians to degrees. The X-ray
wavelength comes from a ``Wavelength:`` header line (metres, as pyFAI and Dioptas write
it, or with an explicit Å/nm/m unit), or from the caller.

Writers produce Dioptas-style files: a ``#`` header with the pyFAI calibration block
(distance, PONI, rotations, pixel size, wavelength in m, polarisation factor), then
columns x, I and σ when known; ``.chi`` keeps Fit2D's four-line header.

>>> import numpy as np, tempfile
>>> from pathlib import Path
>>> from dackit.core.pattern import make_pattern
>>> p = make_pattern(np.linspace(5, 20, 50), np.ones(50) + np.arange(50), wavelength_a=0.4066)
>>> path = write_xy(p, Path(tempfile.mkdtemp()) / "p.xy")
>>> q = read_pattern(path)
>>> q.wavelength_a, q.axis, len(q.x)
(0.4066, '2th_deg', 50)
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from dackit.core.noise import sigma_column_problem
from dackit.core.pattern import make_pattern
from dackit.errors import InputError, where

# header text → (pattern axis, factor to multiply the column by)
_COLUMN_UNITS = {
    "2th_deg": ("2th_deg", 1.0),
    "2th_rad": ("2th_deg", 180.0 / math.pi),
    "q_nm^-1": ("q_A^-1", 0.1),
    "q_a^-1": ("q_A^-1", 1.0),
    # Dioptas integrates and saves patterns in d-spacing too ("# d_A  I"); put on 2θ on reading
    "d_a": ("d_A", 1.0),
    # NSLS-II XPD's pipeline (xpdAcq pdfstream) names its integrated columns chi_Q (q in Å⁻¹: it
    # saves them with dim1_unit="q_A^-1"), chi_2theta (degrees) and chi_I; read as 2θ, a chi_Q
    # column put LaB6 100 at "1.51°" (DanOlds/RoboMage examples/pdf_SRM_660b_q.chi)
    "chi_q": ("q_A^-1", 1.0),
    "chi_2theta": ("2th_deg", 1.0),
}
_FIT2D_TITLES = [
    (re.compile(r"2-?theta|two.?theta|2th", re.I), ("2th_deg", 1.0)),
    (re.compile(r"q\s*\(?\s*nm", re.I), ("q_A^-1", 0.1)),
    (re.compile(r"q\s*\(?\s*(a|å|angstrom)", re.I), ("q_A^-1", 1.0)),
    # Fit2D's own q titles spell the unit out: "Q (Inverse Nanometres)"
    (re.compile(r"\bq\b.*inverse\s+nanomet", re.I), ("q_A^-1", 0.1)),
    (re.compile(r"\bq\b.*inverse\s+(?:a\b|å|angstrom)", re.I), ("q_A^-1", 1.0)),
    (re.compile(r"d-?\s*spacing", re.I), ("d_A", 1.0)),
]
# the column title of a d-spacing pattern: "d (A)", "d-spacing [Å]", "d_spacing / nm", "dspacing"
_D_TITLE = re.compile(r"^\s*(?:d|d[-_ ]?spacing)\s*[\(\[/]?\s*(a|å|ang|angstrom|nm)?\b", re.I)
# a free-form column title naming q and a reciprocal length: "q (nm-1)", "Q [1/A]", "q / nm^-1"
#: a reciprocal length in unit {u}: "1/nm", "nm^-1", "nm-1", "nm⁻¹", "nm**-1", "inv. nm", and
#: the LaTeX of plotting scripts, "nm^{-1}", "nm$^{-1}$" (read as no unit, those left an nm⁻¹
#: curve to the unit doubt)
RECIPROCAL_UNIT = (r"(?:1\s*/\s*{u}|{u}\s*\$?\s*\^?\s*[({{]?\s*[-−]\s*1\s*[)}}]?\$?|{u}⁻¹"
                   r"|{u}\s*\*\*\s*\(?-1|inv(?:erse)?\.?\s*{u})")
_RECIPROCAL = r"\s*[\(\[,]?\s*(?:/|in)?\s*" + RECIPROCAL_UNIT
_Q_TITLES = [  # "q (nm-1)", "Q [1/A]", "q_nm^-1", "q, nm-1"
    (re.compile(r"\bq(?:_|\b)" + _RECIPROCAL.format(u="nm"), re.I), ("q_A^-1", 0.1)),
    (re.compile(r"\bq(?:_|\b)" + _RECIPROCAL.format(u="(?:a|å|ang|angstrom)"), re.I), ("q_A^-1", 1.0)),
]
#: a column title giving 2θ in radians ("2Theta (rad)", "two-theta [radians]", "2theta_rad"):
#: read as degrees it put every reflection at 1/57 of its angle
_RADIAN_2TH = re.compile(r"(?:2-?theta|two.?theta|2th|2θ)\s*[_(\[/]?\s*(?:in\s+)?rad(?:ians?)?\b", re.I)
#: a column title of an energy-dispersive spectrum ("Energy (keV)", "E_keV") or of detector
#: channels: read as 2θ, an EDXRD LaB6 scan at 10-120 keV gave a = 4.129 Å
_ENERGY_X = re.compile(r"^\s*(?:energy|e)\s*[_(\[/]?\s*(?:k?ev)\b|\benergy\b|\bk?ev\b|^\s*channels?\b|\bmca\b", re.I)
#: a column line whose first (x) title is θ, not 2θ ("Theta  Intensity", "theta(deg),counts",
#: "θ/°"): reflectivity and some θ–2θ goniometer exports give the sample angle θ there, while
#: home-made exports often write "theta" for 2θ. Read as 2θ, a θ column doubles every d;
#: halved, a mislabelled 2θ column halves it: the reader cannot tell, so it asks.
_THETA_TITLE = re.compile(r"^\s*(?:theta|θ)(?:\s*[_(\[/]?\s*(?:deg(?:rees?)?|°)\s*[)\]]?)?(?:[\s,;]|$)", re.I)
_UNSUPPORTED = re.compile(r"\b(r_mm|d\*2_a\^-2|d\*2_nm\^-2|chi_deg|chi_rad)\b", re.I)
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
#: columns a 1D pattern file may hold: x, I, σ and resolution/shadow columns (NIST .ABS
#: files have 6: q, I, σ(I), σ(q), mean q, shadow factor); more are several patterns
MAX_PATTERN_COLUMNS = 6


def _two_theta_title(line: str) -> bool:
    """Does a header line name 2θ (or q, d) as well, or set a value (not a column title)?"""
    # a setting ("Energy: 30 keV", "energy = 29.2") is no column title either
    return bool(re.search(r"2-?theta|two.?theta|2th|2θ|\bq\b|\bd\b|d-?spacing|[:=]\s*[-+]?\.?\d", line, re.I))


def _wavelength_from_text(text: str, pre: str):
    """Å from 'Wavelength: 3.344e-11 [m]' / '0.3344 A' / '0.03344 nm'; None if absent.

    A numbered line ('Wavelength 1: 1.540598', Kα1 before Kα2) and a unit in brackets
    before the value ('Wavelength (nm): 0.0413', 'Wavelength [Å] = 0.4133') are read too:
    the line number was taken for a 1 Å wavelength.

    >>> _wavelength_from_text("# Wavelength 1: 1.540598  # Wavelength 2: 1.544426", "")
    1.540598
    >>> _wavelength_from_text("Wavelength (nm): 0.04133", ""), _wavelength_from_text("wavelength 0.4 A", "")
    (0.4133, 0.4)

    The key–value lines of a PANalytical HighScore CSV export ('K-Alpha1 wavelength,1.5405980'
    in its [Measurement conditions]) are read too: the file was refused for an unknown wavelength.

    >>> _wavelength_from_text("Anode material,Cu\\nK-Alpha1 wavelength,1.5405980\\nK-Alpha2 wavelength,1.54443", "")
    1.540598
    >>> _wavelength_from_text("/* ; 2θ 0.61-20.00 by 0.020, dwell 4 s; KAlpha1 1.540593; */", "")
    1.540593
    """
    unit_re = r"m|nm|a|å|angstroms?"
    m = re.search(rf"wavelength(?:\s+is)?\s*(?:\d\s*(?=[:=(\[]))?(?:[(\[]\s*({unit_re})\s*[)\]])?"
                  rf"\s*[:=,;]?\s*({_NUMBER})\s*({unit_re})?\b", text, re.I)
    if not m:
        # Bruker/Siemens UXD: "_WL1=1.540600" (Kα1) in the unit of "_WL_UNIT='A'"
        uxd = re.search(rf"^\s*_(?:WL1|RANGE_WL)\s*=\s*({_NUMBER})\s*$", text, re.I | re.M)
        if uxd and re.search(r"^\s*_WL_UNIT\s*=\s*'?A'?\s*$", text, re.I | re.M) and 0.01 < float(uxd.group(1)) < 10:
            return float(uxd.group(1))
        # a tube's Kα1 line named without the word 'wavelength' ('KAlpha1 1.540593' in the
        # comment header of a lab .xye export): the AgBeh scan that carried it was refused
        # for want of a wavelength. Only values of X-ray tube lines (Ag 0.559 … Cr 2.290 Å)
        ka1 = re.search(rf"\bk[-_ ]?(?:alpha|α)[-_ ]?1(?![\d.])\s*[:=]?\s*({_NUMBER})\s*(?:a|å|angstroms?)?(?![\w.])",
                        text, re.I)
        if ka1 and 0.5 < float(ka1.group(1)) < 2.5:
            return float(ka1.group(1))
        return None
    value = float(m.group(2))
    unit = (m.group(3) or m.group(1) or "").lower()
    if unit == "m" or (not unit and value < 1e-6):
        value *= 1e10
    elif unit == "nm":
        value *= 10
    if not 0.01 < value < 10:
        raise InputError(f"{pre}header wavelength {m.group(0).strip()!r} is implausible "
                         f"({value:g} Å); fix the header or give the wavelength in Å")
    return float(f"{value:.12g}")


def _pyfai_geometry(lines) -> dict:
    """Geometry from a pyFAI/Dioptas '# == pyFAI calibration ==' block (keys as Geometry's)."""
    text = "\n".join(lines)
    out: dict[str, float] = {}

    def grab(pattern, n=1):
        m = re.search(pattern + r"\s*[:=]?\s*" + r"[,\s]+".join([f"({_NUMBER})"] * n), text, re.I)
        return None if m is None else [float(g) for g in m.groups()]

    dist = grab(r"Distance Sample to Detector")
    poni = grab(r"PONI", 2)
    rots = grab(r"Rotations", 3)
    pix = grab(r"PixelSize", 2)
    if dist and poni and rots:
        out.update(dist_m=dist[0], poni1_m=poni[0], poni2_m=poni[1],
                   rot1=rots[0], rot2=rots[1], rot3=rots[2])
        if pix:
            out.update(pixel1_m=pix[0], pixel2_m=pix[1])
    pol = re.search(rf"Polarization factor\s*:\s*({_NUMBER}|None)", text, re.I)
    if pol and pol.group(1).lower() != "none":
        out["polarization_factor"] = float(pol.group(1))
    return out


def _parse_rows(rows, pre):
    """Rows of text → float array (n, ≥2); a non-numeric row is an InputError naming its line.

    Comma, semicolon, tab or space separate the columns, unless the rows are written with a
    decimal comma (``20,515;1234,5``, a spreadsheet's export in many European locales): then
    the comma is the decimal separator (:func:`dackit.io.textcols.choose_dialect`). Split at
    every comma, such a pattern was refused as "not monotonic" (20 then 20) at best.
    """
    from dackit.io.textcols import choose_dialect, row_numbers

    dialect = choose_dialect([line for _, line in rows])
    data = []
    ncol = None
    for lineno, line in rows:
        if dialect[1] == ",":
            values = row_numbers(line, dialect)
        else:
            try:
                values = [float(v) for v in line.replace(",", " ").replace(";", " ").split()]
            except ValueError:
                values = None
        if values is None:
            raise InputError(f"{pre}line {lineno} is not numeric: {line.strip()[:60]!r}")
        if len(values) < 2:
            raise InputError(f"{pre}line {lineno} has {len(values)} column(s); "
                             "a pattern needs x and intensity")
        ncol = len(values) if ncol is None else min(ncol, len(values))
        data.append(values)
    if not data:
        raise InputError(f"{pre}no data rows in the file")
    return np.array([row[:ncol] for row in data], dtype=float)


def read_pattern(path, *, wavelength_a=None, axis=None):
    """Read a 1D pattern (.xy, .chi, .dat, .txt or any two/three-column text).

    Parameters
    ----------
    path : str or Path
        The pattern file.
    wavelength_a : float, optional
        X-ray wavelength in Å; overrides the header's.
    axis : ``"2th_deg"`` or ``"q_A^-1"``, optional
        Radial axis of files whose header does not say; plain two-column files are
        otherwise taken as 2θ in degrees (checked: values must lie in (−5, 180)).

    Returns
    -------
    Pattern
        A :class:`~dackit.core.pattern.Pattern` with ``metadata`` holding ``header``
        (comment lines), ``format`` and, for pyFAI/Dioptas headers, ``geometry`` (keys of
        :class:`~dackit.xrd.geometry.Geometry`) and ``polarization_factor``.
    """
    path = Path(path)
    pre = where(path)
    from dackit.io.guard import read_text_bytes

    from dackit.io.textcols import decode_text

    raw = read_text_bytes(path, "pattern file")
    head = raw[:4096]
    # control bytes other than tab, newlines, form feed and NUL: text has (almost) none
    control = len(head.translate(None, bytes([0, 9, 10, 12, 13]) + bytes(range(32, 256))))
    if (b"\0" in head or control > 0.02 * len(head)) and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Fit2D pads its blank third title line with NULs: only a known binary format,
        # mostly-NUL bytes or control bytes is binary
        from dackit.io.signatures import identify

        known = identify(path, head)
        if known is not None or head.count(b"\0") > 0.3 * len(head) or control > 0.02 * len(head):
            what = f"{known.a_file}" if known is not None else "binary data"
            advice = known.advice if known is not None else "export the pattern as text (x, I columns)"
            raise InputError(f"{pre}this is {what}, not a text pattern; {advice}")
        raw = raw.replace(b"\0", b" ")
    text = decode_text(raw)  # UTF-8 (BOM or not), UTF-16 with a BOM, else Latin-1
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise InputError(f"{pre}the file is empty")
    if axis is not None and axis not in ("2th_deg", "q_A^-1"):
        raise InputError(f"axis={axis!r}: use '2th_deg' or 'q_A^-1'")

    from dackit.io.gsas import looks_like_gsas, read_gsas

    if "<xrdMeasurements" in text[:4000]:
        return _read_xrdml(path, raw, wavelength_a, axis, pre)

    from dackit.io.pdh import looks_like_pdh, read_pdh

    if looks_like_pdh(lines):
        if axis not in (None, "q_A^-1"):
            raise InputError(f"{pre}an Anton Paar PDH curve is in q, not {axis!r}")
        return read_pdh(path, wavelength_a=wavelength_a)

    from dackit.io.grad import looks_like_grad, read_grad

    if looks_like_grad(lines):
        if axis not in (None, "q_A^-1"):
            raise InputError(f"{pre}a SAXSLAB/Xenocs GRAD curve is in q, not {axis!r}")
        return read_grad(path, lines, wavelength_a=wavelength_a)

    from dackit.io.udf import looks_like_udf, read_udf

    if looks_like_udf(lines):
        if axis not in (None, "2th_deg"):
            raise InputError(f"{pre}a Philips UDF scan is in 2θ, not {axis!r}")
        return read_udf(path, lines, wavelength_a=wavelength_a)

    from dackit.io.uxd import looks_like_uxd, read_uxd

    if looks_like_uxd(lines):
        if axis not in (None, "2th_deg"):
            raise InputError(f"{pre}a Bruker UXD scan is in 2θ, not {axis!r}")
        return read_uxd(path, lines, wavelength_a=wavelength_a)

    if lines[0].strip().startswith("*RAS_DATA_START"):
        return _read_ras(path, lines, wavelength_a, axis, pre)

    if looks_like_gsas(lines):
        if axis not in (None, "2th_deg"):
            raise InputError(f"{pre}GSAS constant-wavelength data are in 2θ, not {axis!r}")
        return read_gsas(path, wavelength_a=wavelength_a, lines=lines)
    from dackit.io.stepscan import read_step_scan

    step_scan = read_step_scan(path, lines, wavelength_a=wavelength_a)
    if step_scan is not None:
        if axis not in (None, "2th_deg"):
            raise InputError(f"{pre}a CPI/MDI/DBWS step scan is in 2θ, not {axis!r}")
        return step_scan
    from dackit.io.pdcif import looks_like_pdcif, read_pdcif

    if looks_like_pdcif(lines):
        if axis not in (None, "2th_deg"):
            raise InputError(f"{pre}a powder CIF profile is read in 2θ, not {axis!r}")
        return read_pdcif(path, wavelength_a=wavelength_a)
    _refuse_pair_distribution(path, lines, pre)
    _refuse_spec_scans(lines, pre)
    from dackit.io.ill import refuse_ill_powder

    refuse_ill_powder(path, lines)
    header, rows, fmt, unit, declared = [], [], "xy", None, None
    footer: list[str] = []
    separated: list[str] = []
    rule_line = 0
    title_lam = None
    if _looks_like_fit2d_chi(lines):
        fmt = "chi"
        header = lines[:3]
        declared = int(lines[3].split()[0])
        for pattern, found in _FIT2D_TITLES + _Q_TITLES:
            # Fit2D spells the unit out ("Q (Inverse Nanometres)"); other writers of the same
            # 4-line header put a column title there ("q [1/nm]"), which read as Å⁻¹ gave a
            # lamellar d = 100 Å curve as d = 10.0 Å, quality ok
            if pattern.search(lines[1]):
                unit = found
                break
        qchi = _GSAS2_QCHI_TITLE.match(lines[1])
        if unit is None and qchi:
            # GSAS-II's q-binned Fit2D export (.qchi): "Q" and the wavelength (Å; 0 for a
            # Kα1/Kα2 pattern) on the axis line, q = 2π/d in Å⁻¹ (G2export_FIT2D, G2pwd_xye)
            unit = ("q_A^-1", 1.0)
            title_lam = float(qchi.group(1)) or None
        if unit is None and axis is None:
            raise InputError(f"{pre}radial axis {lines[1].strip()!r} is not 2θ, q or d-spacing (Fit2D "
                             "titles '2-Theta Angle (Degrees)', 'Q (Inverse Nanometres)', 'D-spacing "
                             "(Angstroms)'); integrate the image to 2θ or q")
        rows = [(i + 1, ln) for i, ln in enumerate(lines[4:], start=4) if ln.strip()]
    else:
        from dackit.io.signatures import _FORTRAN_FORMAT

        # ISIS COLETTE 1D files: title, ranges, counts, then a Fortran format line ("3
        # (F12.5,2E16.6)") before the q, I, σ rows; the lines above it are header, not data
        fortran = next((i for i, ln in enumerate(lines[:8]) if _FORTRAN_FORMAT.match(ln)), -1)
        for i, line in enumerate(lines):
            stripped = line.strip()
            if not stripped:
                continue
            if rows and _SEPARATOR_LINE.match(stripped):
                # EMBL X33 / PRIMUS curves end the data with a '=====' rule over blocks of
                # run metadata (some of them numeric rows): the rule was refused as 'line 2111
                # is not numeric'. Everything below it is footer.
                separated = [ln.strip() for ln in lines[i:] if ln.strip()]
                rule_line = i + 1
                break
            if i <= fortran:
                header.append(stripped)
                continue
            if stripped[0] in "#!;%" or (not rows and not _starts_numeric(stripped)):
                header.append(stripped.lstrip("#!;% "))
            else:
                rows.append((i + 1, line))
        footer = _trailing_metadata(rows)
        rows = rows[:len(rows) - len(footer)]
        footer += separated
        if _is_point_count(rows):
            # BioXTAS RAW 1.x profiles put the number of points alone on the line under the
            # column titles ('### DATA:', 'Q I Error', '758'): the curve was refused as
            # 'line 25 has 1 column(s)'. Only a count that matches the rows below is skipped.
            header.append(rows[0][1].strip())
            rows = rows[1:]
        for line in reversed(header):  # the column line is the last comment
            tokens = [t.lower() for t in line.split()]
            found = [_COLUMN_UNITS[t] for t in tokens if t in _COLUMN_UNITS]
            if found:
                unit = found[0]
                break
            if _UNSUPPORTED.search(line):
                raise InputError(f"{pre}radial unit {_UNSUPPORTED.search(line).group(0)!r} is not "
                                 "supported; integrate to 2th_deg or q (nm^-1 or A^-1)")
        if unit is None and header and _RADIAN_2TH.search(header[-1]):
            unit = ("2th_deg", 180.0 / math.pi)
        if unit is None and header and _ENERGY_X.search(header[-1]) and not _two_theta_title(header[-1]):
            raise InputError(f"{pre}the column line {header[-1][:60]!r} names photon energy or detector "
                             "channels: an energy-dispersive spectrum, not an angle-dispersive pattern; "
                             "dackit analyses 2θ, q or d patterns — convert E to d with the detector's 2θ "
                             "(d = 6.19921 / (E sin θ), E in keV) and save a '# d_A I' file")
        if path.suffix.lower() == ".chi" and unit is None and header:
            for pattern, found in _FIT2D_TITLES:
                if any(pattern.search(h) for h in header):
                    unit = found
                    break
        if unit is None and header:
            # the column line (last comment): "d (A)  I", "d-spacing  intensity"
            m = _D_TITLE.match(header[-1])
            if m and (m.group(1) or "spacing" in header[-1].lower() or header[-1].split()[0].lower() == "d"):
                unit = ("d_A", 10.0 if (m.group(1) or "").lower() == "nm" else 1.0)
        if unit is None:
            unit = _mantid_axis(header, pre)
        if unit is None:
            unit = next((_SRX_UNITS[m.group(1).lower()] for h in header if (m := _SRX_SPACE.match(h))), None)
        if unit is None and path.suffix.lower() in _Q_SUFFIXES:
            unit = ("q_A^-1", 1.0)
        if unit is None:
            # without this a "q (nm-1)" column was taken for Å⁻¹: every d 10× too small
            unit = next((found for line in reversed(header) for pattern, found in _Q_TITLES
                         if pattern.search(line)), None)
        if unit is None:
            unit = _footer_q_unit(footer)
        if unit is None and axis is None and header and _THETA_TITLE.match(header[-1]):
            title = header[-1].split(",")[0].split()[0]
            raise InputError(f"{pre}the first column is titled {title!r} (in {header[-1][:60]!r}): θ, not 2θ. "
                             "Read as 2θ, θ values would make every d about twice too large. If the column "
                             "holds 2θ, title it '2theta'; if it holds θ, double it and title it '2th_deg'")
    data = _parse_rows(rows, pre)
    if data.shape[1] > MAX_PATTERN_COLUMNS:
        raise InputError(f"{pre}{data.shape[1]} columns of numbers: a 1D pattern has x, I and at most "
                         "σ and resolution columns; this looks like several patterns side by side. "
                         "Save x and one intensity column (and σ) as its own file")
    if data.shape[0] < 2:
        raise InputError(f"{pre}only {data.shape[0]} data row(s)")
    x, y = data[:, 0], data[:, 1]
    sigma = data[:, 2] if data.shape[1] >= 3 else None
    reader_notes = []
    if separated:
        # two scans joined by a rule would otherwise lose the second one without a word
        reader_notes.append(f"the data end at the '=====' rule on line {rule_line}; the {len(separated) - 1} "
                            "line(s) below it are read as metadata, not data")
    if sigma is not None and (problem := sigma_column_problem(y, sigma)):
        # a fitted curve read as σ put every peak under "the noise" ("no peak rises above 3×")
        sigma = None
        reader_notes.append(f"the third column is not used as the intensities' σ: {problem}")
    if not np.all(np.isfinite(x)):
        raise InputError(f"{pre}the radial column holds NaN or infinite values")
    if np.isinf(y).any():
        raise InputError(f"{pre}the intensity column holds infinite values (data row "
                         f"{int(np.argmax(np.isinf(y))) + 1}); export the pattern again")
    if np.isnan(y).mean() > 0.2:
        # a few empty (masked) bins are NaN in pyFAI's output and are dropped; most of them is no pattern
        raise InputError(f"{pre}{np.isnan(y).sum()} of {y.size} intensities are NaN; export the pattern again")
    if (n_nan := int(np.isnan(y).sum())):
        where_nan = x[np.isnan(y)]
        reader_notes.append(f"{n_nan} empty (NaN, masked) bin(s) dropped, between "
                            f"{where_nan.min():.4g} and {where_nan.max():.4g} on the radial axis")
    dx = np.diff(x)
    if np.all(dx < 0):
        x, y = x[::-1], y[::-1]
        sigma = None if sigma is None else sigma[::-1]
    elif not np.all(dx > 0):
        bad = int(np.argmax(dx <= 0)) + 1
        raise InputError(f"{pre}the radial column is not monotonic (data row {bad + 1}: "
                         f"{x[bad - 1]:g} then {x[bad]:g}); is the file truncated or two files joined?")

    converted_from_d = False
    if unit is not None and unit[0] == "d_A":
        # a d-spacing pattern: the lattice and phase fits work on 2θ, so put it there with the
        # wavelength (any consistent one returns the same d; the instrument's keeps the widths)
        lam = float(wavelength_a) if wavelength_a is not None else _wavelength_from_text("\n".join(header), pre)
        if lam is None:
            raise InputError(f"{pre}the pattern is in d-spacing (Å); give the X-ray wavelength "
                             "(--wavelength in Å) to put it on 2θ")
        d = x * unit[1]
        if np.any(d <= lam / 2):
            raise InputError(f"{pre}d-spacing column reaches {d.min():g} Å, below λ/2 = {lam / 2:g} Å "
                             "(no reflection can have it): is the column d in Å, and the wavelength right?")
        x = np.degrees(2 * np.arcsin(lam / (2 * d)))[::-1]
        y = y[::-1]
        sigma = None if sigma is None else sigma[::-1]
        unit = ("2th_deg", 1.0)
        converted_from_d = True
    if axis is not None:
        if unit is not None and unit[0] != axis:
            raise InputError(f"{pre}the header says the axis is {unit[0]} but axis={axis!r} was given")
        unit = unit or (axis, 1.0)
    assumed = unit is None
    if assumed:
        unit = ("2th_deg", 1.0)
        if x.min() < -5 or x.max() >= 180:
            tof = (" (values in the thousands: neutron time-of-flight in µs? dackit analyses 2θ or q "
                   "patterns of a fixed wavelength)") if x.min() > 500 else ""
            raise InputError(f"{pre}the radial column runs {x.min():g}…{x.max():g}, not 2θ in degrees{tof}; "
                             "state the unit in a column line above the data ('# 2th_deg I', '# q_A^-1 I', "
                             "'# d_A I')")
    x = x * unit[1]
    if unit[0] == "2th_deg" and not assumed and x.max() >= 180:
        raise InputError(f"{pre}the 2θ column runs up to {x.max():g}°, beyond 180°: is the unit right?")
    if unit[0] == "q_A^-1" and x.max() > 65:
        # q = 4π sinθ/λ < 4π/λ: 63 Å⁻¹ even at λ = 0.2 Å (62 keV)
        raise InputError(f"{pre}the q column runs up to {x.max():g} Å⁻¹, beyond 4π/λ of any X-ray "
                         "beam: is q in m⁻¹ or nm⁻¹ but labelled Å⁻¹?")
    meta = {"header": header, "format": fmt}
    if footer:
        meta["footer"] = footer
    if reader_notes:
        meta["reader_notes"] = reader_notes
    if converted_from_d:
        meta["converted_from"] = "d_A"
    if assumed:
        meta["axis_assumed"] = True
    if declared is not None and declared != x.size:
        meta["declared_points"] = declared
    header_text = "\n".join(header)
    wl_header = _wavelength_from_text(header_text, pre)
    if wl_header is None and title_lam is not None and 0.01 < title_lam < 10:
        wl_header = title_lam
    geometry = _pyfai_geometry(header)
    if "polarization_factor" in geometry:
        meta["polarization_factor"] = geometry.pop("polarization_factor")
    if geometry:
        if wl_header is not None:
            geometry["wavelength_a"] = wl_header
        meta["geometry"] = geometry
    if wavelength_a is not None:
        wavelength_a = float(wavelength_a)
        if not 0.01 < wavelength_a < 10:
            raise InputError(f"wavelength {wavelength_a:g} Å is implausible; give it in Å (e.g. 0.6199)")
        if wl_header is not None and abs(wavelength_a - wl_header) > 1e-4 * wl_header:
            meta["header_wavelength_a"] = wl_header
    wavelength = wavelength_a if wavelength_a is not None else wl_header
    return make_pattern(x, y, axis=unit[0], wavelength_a=wavelength, sigma=sigma,
                        metadata=meta, source=str(path))


#: suffixes of the PDFgetX3/xPDFsuite/diffpy reduced intensities I(Q), S(Q), F(Q): q in Å⁻¹
#: with no header (diffpy.srfit's ni.iq), which read as 2θ put Ni 111 at "3.08°"; GSAS-II's
#: q exports .qye (Topas-style columns) and .qchi are q in Å⁻¹ too (its G2pwd_xye reader)
_Q_SUFFIXES = (".iq", ".sq", ".fq", ".qye", ".qchi")
#: the axis line of GSAS-II's .qchi export: "Q" and the wavelength in Å
_GSAS2_QCHI_TITLE = re.compile(rf"^\s*q\s+({_NUMBER})\s*$", re.I)

#: Mantid's SaveFocusedXYE / SaveGSS comment "The X-axis unit is: <caption>"
_MANTID_AXIS = re.compile(r"X-axis unit is\s*:\s*(.+?)\s*$", re.I)
#: diffpy SrXplanar/SrXgui write their configuration above the data ("[Experiment]",
#: "integrationspace = qspace", "qstep = 0.02", "#### start data"): qspace is q in Å⁻¹, twotheta
#: 2θ in degrees. Billingegroup/pdfttp_data ch04GetPDF/datah/Ni.chi (qspace; PDFgetX3's template
#: beside it reads it as dataformat = QA) was read as 2θ: Ni 111 at q = 3.08 Å⁻¹ became "3.08°"
_SRX_SPACE = re.compile(r"^\s*integrationspace\s*=\s*(qspace|twotheta)\s*$", re.I)
_SRX_UNITS = {"qspace": ("q_A^-1", 1.0), "twotheta": ("2th_deg", 1.0)}


def _mantid_axis(header, pre):
    """The axis a Mantid export's ``The X-axis unit is:`` line names (unit captions of Mantid's
    UnitFactory: ``d-Spacing``, ``q``/``Momentum transfer`` in Å⁻¹), None without that line.
    Time-of-flight and other non-angular axes are refused by name: read as 2θ, a POWGEN scan
    (7004…102618 µs) was refused only for its range, with advice the command line cannot take."""
    caption = next((m.group(1) for line in header if (m := _MANTID_AXIS.search(line))), None)
    if caption is None:
        return None
    key = re.sub(r"[^a-z]", "", caption.lower())
    if key in ("dspacing", "d"):
        return ("d_A", 1.0)
    if key in ("q", "momentumtransfer"):
        return ("q_A^-1", 1.0)
    if key in ("timeofflight", "tof"):
        raise InputError(f"{pre}Mantid export with the X axis in time-of-flight (µs): neutron TOF data, "
                         "not angle-dispersive 2θ; dackit analyses 2θ or q patterns of a fixed wavelength — "
                         "convert the spectrum to d-spacing in Mantid (ConvertUnits, Target=dSpacing) and "
                         "save that, or refine the TOF data in GSAS-II or Mantid")
    raise InputError(f"{pre}Mantid export with the X axis in {caption!r}; dackit reads 2θ, q or "
                     "d-spacing patterns — convert the spectrum to d-spacing (ConvertUnits) and save that")


#: header marks of a G(r) file whatever its suffix: the PDFgetX3/xPDFsuite configuration
#: ("outputtype = gr"), an "#L r(Å) G(…)" column line, a "# r(Å)  G" column title (the I(Q)
#: files the same programs write keep a q axis and are patterns)
_PDF_HEADER = re.compile(r"outputtype\s*=\s*gr\b|^#L\s+r\b|^#\s*r\s*\(?\s*(?:å|a|angstrom)\s*\)?\s+g",
                         re.I | re.M)


def _refuse_pair_distribution(path, lines, pre) -> None:
    """A PDF G(r) file (``.gr``; PDFgetX3, xPDFsuite, GSAS-II, PDFgui) holds r in Å, not 2θ or q:
    read as a pattern, its r column became 2θ (xPDFsuite's Ni G(r) fitted as Ni gave a = 3.31 Å)
    or its element table a SPEC scan. Refused by name."""
    head = "\n".join(lines[:80])
    if path.suffix.lower() not in (".gr", ".fgr") and not _PDF_HEADER.search(head):
        return
    raise InputError(f"{pre}this is a pair distribution function G(r) (r in Å), not a diffraction "
                     "pattern; the lattice and phase fits need the integrated pattern I(2θ) or I(q) "
                     "(the .chi/.xy the PDF was computed from)")


def _refuse_spec_scans(lines, pre) -> None:
    """A SPEC data file (``#S`` scan headers, ``#L`` column labels) holds motor and counter
    columns in the beamline's order: read as x, I, σ, the second column (often θ or a monitor)
    became the intensity. Only a two-column scan is a pattern as it stands."""
    scans = [ln for ln in lines[:5000] if ln.startswith("#S ")]
    labels = next((ln[2:].split() for ln in lines[:5000] if ln.startswith("#L ")), None)
    if not scans or labels is None or len(labels) <= 2:
        return
    shown = " ".join(labels[:8]) + (" …" if len(labels) > 8 else "")
    raise InputError(f"{pre}this is a SPEC scan file ({len(scans)} scan(s), columns: {shown}); dackit "
                     "cannot tell which column is 2θ and which the detector: export those two as a "
                     "two-column pattern (e.g. with silx or xrayutilities' SPEC reader)")


def _read_ras(path, lines, wavelength_a, axis, pre):
    """Rigaku ``.ras`` (SmartLab/Ultima text export): ``*KEY "value"`` header lines, then the
    first scan's rows between ``*RAS_INT_START`` and ``*RAS_INT_END``: angle, counts and an
    attenuator factor (intensity = counts × factor, as Rigaku's own software reports it).
    The wavelength is ``*HW_XG_WAVE_LENGTH_ALPHA1`` (Kα1 of the tube) unless given."""
    header: dict[str, str] = {}
    rows = []
    inside = False
    end = len(lines)
    for i, line in enumerate(lines):
        text = line.strip()
        if text.startswith("*RAS_INT_START"):
            inside = True
            continue
        if text.startswith("*RAS_INT_END"):
            end = i
            break  # later scans of the file are not read
        if inside and text:
            rows.append((i + 1, text))
        elif text.startswith("*") and " " in text:
            key, value = text[1:].split(" ", 1)
            header.setdefault(key, value.strip().strip('"'))
    scan_axis = header.get("MEAS_SCAN_AXIS_X", "")
    unit = header.get("MEAS_SCAN_UNIT_X", "deg").lower()
    if unit != "deg" or not re.search(r"2-?theta|twotheta", scan_axis.replace(" ", ""), re.I):
        raise InputError(f"{pre}Rigaku scan axis {scan_axis!r} ({unit}) is not a 2θ scan; "
                         "a powder pattern needs 2θ/θ or 2θ/ω in degrees")
    if axis not in (None, "2th_deg"):
        raise InputError(f"{pre}a Rigaku 2θ scan is not on axis {axis!r}")
    data = _parse_rows(rows, pre)
    y = data[:, 1] * (data[:, 2] if data.shape[1] >= 3 else 1.0)
    lam = wavelength_a
    if lam is None and header.get("HW_XG_WAVE_LENGTH_ALPHA1"):
        try:
            lam = float(header["HW_XG_WAVE_LENGTH_ALPHA1"])
        except ValueError:
            lam = None
    meta: dict = {"format": "rigaku-ras", "header": [f"{k} {v}" for k, v in header.items()]}
    later = _later_ras_scans(lines[end + 1:])
    if later:
        # a SmartLab file with several ranges (InAs 002 and 004 radial scans of xrayutilities'
        # example) was read as its first range alone, without a word
        shown = ", ".join(later[:4]) + (" …" if len(later) > 4 else "")
        meta["reader_notes"] = [f"the file holds {len(later) + 1} scans; only the first "
                                f"({data[0, 0]:.2f}–{data[-1, 0]:.2f}°) is read, not {shown}: "
                                "export each range as its own file to fit it"]
    return make_pattern(data[:, 0], y, axis="2th_deg", wavelength_a=lam, source=str(path), metadata=meta)


def _later_ras_scans(lines) -> list[str]:
    """The ranges ("56.00–66.00°", or the axis name when it is no 2θ scan) of the scans of a
    Rigaku ``.ras`` file after its first one."""
    found, start, stop, axis = [], None, None, ""
    for line in lines:
        text = line.strip()
        key, _, value = text[1:].partition(" ")
        value = value.strip().strip('"')
        if key == "MEAS_SCAN_START":
            start = value
        elif key == "MEAS_SCAN_STOP":
            stop = value
        elif key == "MEAS_SCAN_AXIS_X":
            axis = value
        elif key == "RAS_INT_START":
            try:
                found.append(f"{float(start or ''):.2f}–{float(stop or ''):.2f}°"
                             + (f" ({axis})" if axis and not re.search(r"2-?theta", axis.replace(" ", ""), re.I)
                                else ""))
            except ValueError:
                found.append(axis or "a scan without a range")
            start = stop = None
            axis = ""
    return found


def _read_xrdml(path, raw: bytes, wavelength_a, axis, pre):
    """PANalytical ``.xrdml`` (XML; schema www.xrdml.com/XRDMeasurement/1.x–2.x): the first
    ``scan`` of the first ``xrdMeasurement``, 2θ from ``positions axis="2Theta"`` (start
    and end positions, or a ``listPositions``), intensities from ``intensities`` or
    ``counts``, wavelength from ``usedWavelength/kAlpha1`` (Å) unless given. The same fields
    GSAS-II's and yadg's PANalytical importers read."""
    import xml.etree.ElementTree as ET

    if axis not in (None, "2th_deg"):
        raise InputError(f"{pre}a PANalytical 2θ scan is not on axis {axis!r}")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise InputError(f"{pre}damaged or truncated XRDML file ({exc}); export it again") from None

    def local(el):
        return el.tag.rsplit("}", 1)[-1]

    def find(node, name):
        return next((el for el in node.iter() if local(el) == name), None)

    scans = [el for el in root.iter() if local(el) == "scan"]
    if not scans:
        raise InputError(f"{pre}XRDML file without a <scan>; no pattern in it")
    measurement = find(root, "xrdMeasurement")
    if measurement is not None and measurement.get("measurementType", "").lower().startswith("area"):
        # a reciprocal-space map or pole figure (xrayutilities' rsm_1, polefig_Ge113): its
        # first scan is one 2θ–ω line or a fixed 2θ, and ended in "no reflection fitted"
        # or "2Theta positions are missing"
        raise InputError(f"{pre}this XRDML is an area measurement ({len(scans)} scans stepped in "
                         f"{measurement.get('measurementStepAxis', '?')}: a reciprocal-space map or pole "
                         "figure), not a powder pattern; dackit reads 'Scan' and 'Repeated scan' measurements")
    points = find(scans[0], "dataPoints")
    if points is None:
        raise InputError(f"{pre}XRDML scan without <dataPoints>; the file is truncated")
    values_el = find(points, "intensities")  # (an Element with no children is falsy: no `or`)
    if values_el is None:
        values_el = find(points, "counts")
    if values_el is None or not (values_el.text or "").split():
        raise InputError(f"{pre}XRDML scan without intensities or counts")
    try:
        y = np.array(values_el.text.split(), dtype=float)
    except ValueError:
        raise InputError(f"{pre}non-numeric intensity in the XRDML scan") from None
    tth = next((el for el in points if local(el) == "positions" and el.get("axis", "").lower() == "2theta"), None)
    if tth is None:
        raise InputError(f"{pre}XRDML scan without 2Theta positions (an omega or chi scan is no powder pattern)")
    listed = find(tth, "listPositions")
    try:
        if listed is not None:
            x = np.array(listed.text.split(), dtype=float)
        else:
            start, end = float(find(tth, "startPosition").text), float(find(tth, "endPosition").text)
            x = np.linspace(start, end, y.size)
    except (AttributeError, TypeError, ValueError):
        raise InputError(f"{pre}XRDML 2Theta positions are missing or not numbers") from None
    if x.size != y.size:
        raise InputError(f"{pre}XRDML scan has {x.size} positions but {y.size} intensities; the file is damaged")
    lam = wavelength_a
    meta = {"format": "panalytical-xrdml", "header": [], "n_scans": len(scans)}
    ka1 = find(root, "kAlpha1")
    if ka1 is not None and ka1.text:
        meta["kalpha1_a"] = float(ka1.text)
        if lam is None:
            lam = float(ka1.text)
    ratio = find(root, "ratioKAlpha2KAlpha1")
    if ratio is not None and ratio.text:
        meta["kalpha2_ratio"] = float(ratio.text)
    return make_pattern(x, y, axis="2th_deg", wavelength_a=lam, source=str(path), metadata=meta)


def _starts_numeric(line: str) -> bool:
    return re.match(rf"\s*{_NUMBER}([\s,;]|$)", line) is not None


#: a 'key: value' metadata line ('range-from: 5', 'Detector Distance [m]: 3.0')
_META_LINE = re.compile(r"^[A-Za-z][^:=]{0,80}[:=]")
#: a rule of '=' that closes the data of EMBL X33 / PRIMUS curves
_SEPARATOR_LINE = re.compile(r"^={10,}$")
#: the unit of the angular axis in an ATSAS footer ('angular-unit: nanometer', i.e. s in 1/nm)
_ANGULAR_UNIT = re.compile(r"^angular[-_ ]units?\s*[:=]\s*(.+?)\s*$", re.I)


def _is_point_count(rows) -> bool:
    """True if the first data row is one integer equal to the number of rows after it."""
    if len(rows) < 3:
        return False
    fields = rows[0][1].split()
    return len(fields) == 1 and fields[0].isdigit() and int(fields[0]) == len(rows) - 1


def _trailing_metadata(rows) -> list[str]:
    """The 'key: value' lines after the last data row, as ATSAS/SASFLOW curves end (EMBL P12
    exports and SASBDB downloads: 'range-from: 5', 'angular-unit: nanometer', 'creator: datop'):
    read as data, the first of them refused the whole curve ('line 2633 is not numeric').
    A non-numeric line between data rows is still an error."""
    n = 0
    for _, line in reversed(rows):
        text = line.strip()
        if _starts_numeric(text) or not _META_LINE.match(text):
            break
        n += 1
    return [line.strip() for _, line in rows[len(rows) - n:]] if n else []


def _footer_q_unit(footer: list[str]):
    """(axis, factor) from an ATSAS footer's 'angular-unit' line: q in nm⁻¹ ('nanometer',
    '1/nm') or Å⁻¹ ('angstrom', '1/A'); None without one or for another value."""
    for line in footer:
        m = _ANGULAR_UNIT.match(line)
        if m is None:
            continue
        value = m.group(1).lower().replace(" ", "")
        if value in ("nanometer", "nanometre", "nanometers", "nanometres", "nm", "1/nm", "nm^-1", "nm-1"):
            return ("q_A^-1", 0.1)
        if value in ("angstrom", "angstroms", "å", "a", "1/a", "1/å", "a^-1", "å^-1", "a-1"):
            return ("q_A^-1", 1.0)
    return None


def _looks_like_fit2d_chi(lines) -> bool:
    """Fit2D: title, x-axis title, y-axis title, a line holding only the point count."""
    if len(lines) < 5:
        return False
    count = lines[3].split()
    return (len(count) == 1 and count[0].isdigit() and not _starts_numeric(lines[1])
            and not lines[0].lstrip().startswith("#"))


# -- writers ---------------------------------------------------------------------------

def _header_lines(pattern) -> list[str]:
    meta = pattern.metadata or {}
    geo = meta.get("geometry") or {}
    out = []
    if {"dist_m", "poni1_m", "poni2_m", "rot1", "rot2", "rot3"} <= set(geo):
        out += ["== pyFAI calibration =="]
        if geo.get("pixel1_m") is not None:
            out.append(f"PixelSize: {geo['pixel1_m']:.3e}, {geo['pixel2_m']:.3e} m")
        out += [f"PONI: {geo['poni1_m']:.6e}, {geo['poni2_m']:.6e} m",
                f"Distance Sample to Detector: {geo['dist_m']!r} m",
                f"Rotations: {geo['rot1']:.6f} {geo['rot2']:.6f} {geo['rot3']:.6f} rad"]
        if geo.get("detector"):
            out.append(f"Detector: {geo['detector']}  orientation: {geo.get('orientation', 3)}")
        out.append("")
    if pattern.wavelength_a:
        out.append(f"Wavelength: {pattern.wavelength_a * 1e-10:.10g} m")
    pol = meta.get("polarization_factor", "missing")
    if pol != "missing":
        out.append(f"Polarization factor: {pol}")
    if meta.get("flip_ud"):
        out.append("Image flipped up-down (--flip-ud): True")
    if meta.get("mask_file"):
        out.append(f"Mask applied: {meta['mask_file']}")
    if pattern.source:
        out.append(f"--> {pattern.source}")
    out.append("written by dackit")
    return out


def write_xy(pattern, path) -> Path:
    """Write a Dioptas-style ``.xy``: ``#`` header (geometry, wavelength in m), then x, I[, σ].

    Parameters
    ----------
    pattern : Pattern
        The pattern to write.
    path : str or Path
        Output file.
    """
    path = Path(path)
    head = _header_lines(pattern)
    cols = [pattern.axis, "I"] + (["sigma"] if pattern.sigma is not None else [])
    head.append("")
    head.append("\t ".join(cols))
    body = np.column_stack([pattern.x, pattern.intensity]
                           + ([pattern.sigma] if pattern.sigma is not None else []))
    import io

    from dackit.core.files import atomic_write_text

    buf = io.StringIO()
    np.savetxt(buf, body, fmt="%.9E", delimiter="  ", header="\n".join(head), comments="# ")
    return atomic_write_text(path, buf.getvalue())  # never half-written under its name


def write_chi(pattern, path) -> Path:
    """Write a Fit2D ``.chi``: title (source, wavelength), axis titles, point count, x I.

    Fit2D's header has no room for the calibration; the title line carries the wavelength
    so :func:`read_pattern` gets it back.

    Parameters
    ----------
    pattern : Pattern
        The pattern to write.
    path : str or Path
        Output file.
    """
    path = Path(path)
    title = pattern.source or "dackit pattern"
    if pattern.wavelength_a:
        title += f"  wavelength: {pattern.wavelength_a!r} A"
    xtitle = "2-Theta Angle (Degrees)" if pattern.axis == "2th_deg" else "Q (A-1)"
    lines = [title, xtitle, "Intensity", f"{pattern.x.size:>11d}"]
    lines += [f"{x: .7E} {y: .7E}" for x, y in zip(pattern.x, pattern.intensity)]
    from dackit.core.files import atomic_write_text

    return atomic_write_text(path, "\n".join(lines) + "\n")
