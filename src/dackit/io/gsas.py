"""GSAS-II powder data: FXYE files and the matching ``.instprm`` instrument parameters.

FXYE is the column variant of the GSAS powder format that GSAS-II imports directly
(reader ``GSASII/imports/G2pwd_fxye.py``, exporter ``GSASII/exports/G2export_pwdr.py`` of
AdvancedPhotonSource/GSAS-II at commit 0e93ff7a):

* line 1: a title;
* line 2 (optional): ``Instrument parameter file:NAME.instprm`` — GSAS-II offers that file
  when the data are imported;
* ``#`` comment lines;
* a bank record ``BANK 1 NCHAN NREC CONS START STEP 0 0 FXYE`` (START, STEP in centidegrees);
* one line per point: 2θ in **centidegrees**, intensity, its standard uncertainty (esd).
  GSAS-II gives zero weight to points whose intensity or esd is ≤ 0.

The ``.instprm`` file (``GSASIIfiles.ReadInstprm``) starts with a line holding ``GSAS-II``
and lists ``name:value`` pairs. For constant-wavelength X-ray data (``Type:PXC``) dackit
writes ``Lam`` (Å) from the pattern, ``Zero`` 0, ``Polariz.`` and ``Azimuth`` 0, and
starting profile coefficients to be refined in GSAS-II:

* ``U``, ``V``, ``W`` (centideg²; Gaussian FWHM² = U tan²θ + V tanθ + W) = 1.163, −0.126,
  0.063 and ``X``, ``Y``, ``Z`` = 0 (Lorentzian, centideg), ``SH/L`` = 0.002 (axial
  divergence): GSAS-II's own defaults for synchrotron data at about 30 keV ("APS 30keV
  11BM" entry of ``GSASII/defaultIparms.py``), a reasonable start for area-detector data;
* ``Polariz.`` = 0.99 (a horizontally polarised synchrotron beam) unless given. GSAS-II
  applies it in its model, so integrate without ``--polarization`` for GSAS-II refinement.

>>> import numpy as np, tempfile
>>> from pathlib import Path
>>> from dackit.core.pattern import make_pattern
>>> p = make_pattern(np.linspace(5, 10, 11), np.full(11, 100.0), sigma=np.full(11, 10.0),
...                  wavelength_a=0.4066)
>>> path = write_fxye(p, Path(tempfile.mkdtemp()) / "p.fxye")
>>> print(path.read_text().splitlines()[3])
BANK 1 11 11 CONS 500.00 50.00 0 0 FXYE
>>> read_fxye(path).x[:3].tolist()
[5.0, 5.5, 6.0]
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from dackit.errors import InputError, where

#: Starting profile coefficients (GSAS-II ``defaultIparms.py``, "APS 30keV 11BM").
PROFILE_DEFAULTS = {"U": 1.163, "V": -0.126, "W": 0.063, "X": 0.0, "Y": 0.0, "Z": 0.0, "SH/L": 0.002}
#: Polarisation fraction of a horizontally polarised synchrotron beam.
SYNCHROTRON_POLARIZATION = 0.99


def write_instprm(path, wavelength_a: float, *, polarization: float | None = None, zero_deg: float = 0.0,
                  profile: dict | None = None) -> Path:
    """Write a GSAS-II ``.instprm`` for constant-wavelength X-ray data (``Type:PXC``).

    Parameters
    ----------
    path : str or Path
    wavelength_a : float
        X-ray wavelength (Å), written as ``Lam``.
    polarization : float, optional
        ``Polariz.``; 0.99 (synchrotron) when None.
    zero_deg : float
        ``Zero`` (2θ zero shift, degrees).
    profile : dict, optional
        Overrides of :data:`PROFILE_DEFAULTS` (``U``, ``V``, ``W``, ``X``, ``Y``, ``Z``, ``SH/L``).

    Returns
    -------
    Path
    """
    from dackit.core.files import atomic_write_text

    if not wavelength_a or not np.isfinite(wavelength_a) or wavelength_a <= 0:
        raise InputError(f"{where(path)}a GSAS-II instrument file needs the X-ray wavelength "
                         "(the pattern has none; integrate with a PONI that gives it)")
    pol = SYNCHROTRON_POLARIZATION if polarization is None else float(polarization)
    prof = {**PROFILE_DEFAULTS, **(profile or {})}
    lines = ["#GSAS-II instrument parameter file; do not add/delete items!  (written by dackit)",
             "Type:PXC", "Bank:1.0", f"Lam:{float(wavelength_a)!r}", f"Polariz.:{pol!r}", "Azimuth:0.0",
             f"Zero:{float(zero_deg)!r}"]
    lines += [f"{key}:{float(value)!r}" for key, value in prof.items()]
    return atomic_write_text(Path(path), "\n".join(lines) + "\n")


def write_fxye(pattern, path, *, instprm: bool | str | Path = True, polarization: float | None = None) -> Path:
    """Write a 2θ pattern as a GSAS-II FXYE file (2θ in centidegrees, intensity, esd).

    Parameters
    ----------
    pattern : Pattern
        A pattern on the ``2th_deg`` axis (GSAS-II's constant-wavelength data are in 2θ).
    path : str or Path
    instprm : bool or path
        Write the matching ``.instprm`` beside the data (``True``: same stem) and name it on
        line 2, so GSAS-II picks it up on import; ``False`` writes none.
    polarization : float, optional
        ``Polariz.`` of the ``.instprm`` (see :func:`write_instprm`).

    Returns
    -------
    Path
        The FXYE file.

    Notes
    -----
    The esd is the pattern's σ (pyFAI's Poisson propagation) or, without one, √max(I, 1).
    A point with σ ≤ 0 gets the largest σ of the pattern, as GSAS-II's own exporter does.
    """
    from dackit.core.files import atomic_write_text

    path = Path(path)
    if pattern.axis != "2th_deg":
        raise InputError(f"{where(path)}GSAS-II FXYE data are in 2θ; integrate with --unit 2th_deg "
                         f"(this pattern is in {pattern.axis})")
    x = np.asarray(pattern.x, dtype=float)
    y = np.asarray(pattern.intensity, dtype=float)
    if x.size < 2:
        raise InputError(f"{where(path)}a pattern needs at least 2 points to be written as FXYE")
    if pattern.sigma is not None:
        s = np.asarray(pattern.sigma, dtype=float).copy()
    else:
        s = np.sqrt(np.maximum(y, 1.0))
    bad = ~(np.isfinite(s) & (s > 0))
    if bad.all():
        s = np.sqrt(np.maximum(np.abs(y), 1.0))
    elif bad.any():
        s[bad] = s[~bad].max()
    cdeg = x * 100.0
    lines = [(pattern.source or "dackit pattern").replace("\n", " ")[:80]]
    prm_path = None
    if instprm:
        prm_path = path.with_suffix(".instprm") if instprm is True else Path(instprm)
        lines.append(f"Instrument parameter file:{prm_path.name}")
    if pattern.wavelength_a:
        lines.append(f"# wavelength {pattern.wavelength_a!r} A; 2-theta in centidegrees, intensity, esd")
    lines.append(f"BANK 1 {x.size} {x.size} CONS {cdeg[0]:.2f} {cdeg[1] - cdeg[0]:.2f} 0 0 FXYE")
    lines += [f"{a:15.6f} {b:15.6g} {c:15.6g}" for a, b, c in zip(cdeg, y, s)]
    if prm_path is not None:
        write_instprm(prm_path, pattern.wavelength_a, polarization=polarization)
    return atomic_write_text(path, "\n".join(lines) + "\n")


def read_fxye(path, *, wavelength_a: float | None = None):
    """Read a GSAS FXYE file (first bank) into a :class:`~dackit.core.pattern.Pattern` (2θ in °).

    The wavelength comes from ``wavelength_a``, else from the ``.instprm`` named on line 2
    (``Lam`` or ``Lam1``), else from a ``# wavelength`` comment.

    Parameters
    ----------
    path : str or Path
        The ``.fxye`` file.
    wavelength_a : float, optional
        X-ray wavelength (Å); overrides the one the file or its ``.instprm`` gives.

    Returns
    -------
    Pattern
        2θ (°), intensity and σ of the first FXYE bank.
    """
    import re

    from dackit.core.pattern import make_pattern
    from dackit.io.guard import text_file

    path = Path(path)
    pre = where(path)
    text_file(path, "FXYE file")
    lines = path.read_text(errors="replace").splitlines()
    lam = wavelength_a
    rows: list[list[float]] = []
    in_bank = False
    for i, line in enumerate(lines):
        if i == 1 and line[:4].lower() == "inst" and ":" in line and lam is None:
            prm = path.parent / line.split(":", 1)[1].strip().strip("[]").strip()
            if prm.is_file():
                for item in prm.read_text(errors="replace").replace(";", "\n").splitlines():
                    key, _, value = item.partition(":")
                    if key.strip() in ("Lam", "Lam1"):
                        lam = float(value)
            continue
        if i == 0 or not line.strip():
            continue
        if line.startswith("#"):
            m = re.search(r"wavelength\s+([0-9.eE+-]+)", line)
            if m and lam is None:
                lam = float(m.group(1))
            if in_bank:
                break
            continue
        if line.startswith("BANK"):
            if in_bank:
                break
            if "FXYE" not in line:
                raise InputError(f"{pre}bank record {line.strip()!r} is not FXYE")
            in_bank = True
            continue
        if in_bank:
            try:
                rows.append([float(v) for v in line.split()[:3]])
            except ValueError:
                raise InputError(f"{pre}line {i + 1} is not three numbers: {line.strip()!r}") from None
    if not in_bank or not rows:
        raise InputError(f"{pre}no FXYE BANK with data found")
    data = np.asarray(rows, dtype=float)
    if data.shape[1] < 3:
        raise InputError(f"{pre}FXYE lines need 2θ, intensity and esd")
    return make_pattern(data[:, 0] / 100.0, data[:, 1], axis="2th_deg", wavelength_a=lam,
                        sigma=data[:, 2], source=str(path))


#: GSAS powder-data layouts dackit reads (GSAS manual, "Powder data file format"; the same
#: ones GSAS-II imports in ``GSASII/imports/G2pwd_GSAS.py``)
GSAS_LAYOUTS = ("STD", "ESD", "FXY", "FXYE")


#: a GSAS BANK record: ``BANK n NCHAN NREC BINTYP …`` (GSAS manual, "Powder data file format")
_BANK_RECORD = re.compile(r"^BANK\s+\d+\s+\d+\s+\d+\s+(CONST|CONS|SLOG|TIME_MAP|RALF)\b", re.I)


def looks_like_gsas(lines) -> bool:
    """A GSAS powder file: a title line, then (before any data) a ``BANK`` record.

    Header lines before the BANK may be ``#`` comments, an ``Instrument parameter`` line, or
    free text such as the ``Monitor: 1`` Mantid writes into its GSAS exports (POWGEN
    time-of-flight files, read before as a 2-column pattern of TOF in µs)."""
    for line in lines[1:200]:
        if line.startswith("BANK"):
            return True
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not stripped.lower().startswith("instrument parameter"):
            if stripped[0].isdigit() or stripped[0] in "+-.":
                return False
            if not any(_BANK_RECORD.match(ln) for ln in lines[1:200]):
                return False
    return False


def _gsas_wavelength(path: Path, lines, pre: str):
    """Å from the ``.instprm``/``.prm`` named on line 2 (``Lam``/``Lam1``, ``ICONS``), else None."""
    if len(lines) < 2 or not lines[1].lower().startswith("instrument parameter") or ":" not in lines[1]:
        return None
    prm = path.parent / lines[1].split(":", 1)[1].strip().strip("[]").strip()
    if not prm.is_file():
        return None
    for item in prm.read_text(errors="replace").replace(";", "\n").splitlines():
        key, _, value = item.partition(":")
        if key.strip() in ("Lam", "Lam1"):
            return float(value)
        fields = item.split()
        if len(fields) >= 4 and fields[0] == "INS" and fields[2] == "ICONS":
            return float(fields[3])  # GSAS .prm: INS  1 ICONS  λ1  λ2 ...
    return None


def _gsas_radiation(path: Path, lines, bank_at: int) -> str | None:
    """"neutron" when the instrument file named on line 2 has a neutron histogram type
    (GSAS ``INS HTYPE PN…``, GSAS-II ``Type:PN…``) or the title/comments before the BANK say
    neutron (the D1A PbSO4 file of the GSAS-II tutorials: 'PbSO4 1.909A neutron data');
    "xray" for an X-ray type (``PX…``); None when nothing says."""
    if len(lines) > 1 and lines[1].lower().startswith("instrument parameter") and ":" in lines[1]:
        prm = path.parent / lines[1].split(":", 1)[1].strip().strip("[]").strip()
        if prm.is_file():
            m = re.search(r"(?:HTYPE\s+|Type\s*:\s*)P([NX])", prm.read_text(errors="replace"))
            if m:
                return "neutron" if m.group(1) == "N" else "xray"
    if re.search(r"\bneutrons?\b", "\n".join(lines[:bank_at]), re.I):
        return "neutron"
    return None


def read_gsas(path, *, wavelength_a: float | None = None, lines=None):
    """Read the first constant-wavelength bank of a GSAS powder file (STD, ESD, FXY, FXYE).

    Layouts (GSAS manual; GSAS-II ``G2pwd_GSAS.py``): a title line, optional ``Instrument
    parameter file:NAME`` line and ``#`` comments, then ``BANK n NCHAN NREC CONST|CONS START
    STEP 0 0 LAYOUT`` with START and STEP in centidegrees 2θ.

    * ``STD``: 10 points per record, each 8 characters: number of counters (2, blank = 1)
      and counts (6); σ = √(counts / counters);
    * ``ESD``: 5 (intensity, σ) pairs per record, 8 characters each;
    * ``FXY``/``FXYE``: one point per line, 2θ in centidegrees, intensity (and σ).

    Parameters
    ----------
    path : str or Path
        The file (``.gsas``, ``.gsa``, ``.gss``, ``.fxye``, ``.raw``…).
    wavelength_a : float, optional
        X-ray wavelength (Å); else from the instrument file named on line 2, else from a
        ``wavelength`` comment.
    lines : list of str, optional
        The file's lines when already read.

    Returns
    -------
    Pattern
        2θ (°), intensity and σ; ``metadata["format"]`` is ``"gsas-<layout>"``, and
        ``metadata["radiation"]`` is ``"neutron"`` when the file or its instrument file says
        so (:func:`_gsas_radiation`).
    """
    import re

    from dackit.core.pattern import make_pattern
    from dackit.io.guard import read_text_bytes

    path = Path(path)
    pre = where(path)
    if lines is None:
        lines = read_text_bytes(path, "GSAS powder file").decode("utf-8", errors="replace").splitlines()
    bank_at = next((i for i, ln in enumerate(lines) if ln.startswith("BANK")), None)
    if bank_at is None:
        raise InputError(f"{pre}no GSAS BANK record found")
    fields = lines[bank_at].split()
    layout = fields[-1].upper() if len(fields) > 1 else ""
    if len(fields) > 1 and re.fullmatch(r"[-+.\dEe]+", layout):
        # no TYPE after the binning coefficients: GSAS's default, STD (as GSAS-II's
        # G2pwd_fxye.py reads it; the D1A garnet file of the GSAS-II neutron tutorial)
        layout = "STD"
    if len(fields) < 7 or fields[4].upper() not in ("CONST", "CONS"):
        binning = fields[4].upper() if len(fields) > 4 else ""
        if binning in ("SLOG", "TIME_MAP", "RALF"):
            raise InputError(f"{pre}GSAS bank record {lines[bank_at].strip()!r} holds neutron time-of-flight "
                             f"data ({binning} binning), not angle-dispersive 2θ; dackit analyses 2θ or q "
                             "patterns of a fixed wavelength — reduce the TOF data to d-spacing and refine "
                             "them in GSAS-II or Mantid")
        raise InputError(f"{pre}GSAS bank record {lines[bank_at].strip()!r} is not constant-step 2θ data "
                         "(CONST/CONS); time-of-flight and other binnings are not read")
    if layout not in GSAS_LAYOUTS:
        raise InputError(f"{pre}GSAS data layout {layout!r} is not read (dackit reads "
                         f"{', '.join(GSAS_LAYOUTS)}); export the pattern as FXYE or .xy")
    try:
        start, step = float(fields[5]) / 100.0, float(fields[6]) / 100.0
        nchan = int(fields[2])
    except ValueError:
        raise InputError(f"{pre}GSAS bank record {lines[bank_at].strip()!r}: START/STEP/NCHAN "
                         "are not numbers") from None
    body = []
    for ln in lines[bank_at + 1:]:
        if ln.startswith("BANK"):
            break  # only the first bank
        if ln.strip() and not ln.startswith("#"):
            body.append(ln)
    y: list[float] = []
    s: list[float] = []
    x: list[float] = []
    try:
        if layout == "STD":
            for ln in body:
                ln = ln.rstrip("\n").ljust(80)
                for k in range(0, 80, 8):
                    cell = ln[k:k + 8]
                    if not cell.strip():
                        continue
                    counters = int(cell[:2]) if cell[:2].strip() else 1
                    value = float(cell[2:])
                    y.append(value)
                    s.append(np.sqrt(max(value, 0.0) / max(counters, 1)))
        elif layout == "ESD":
            for ln in body:
                ln = ln.rstrip("\n").ljust(80)
                for k in range(0, 80, 16):
                    if not ln[k:k + 16].strip():
                        continue
                    y.append(float(ln[k:k + 8]))
                    s.append(float(ln[k + 8:k + 16]))
        else:
            for ln in body:
                vals = ln.split()
                x.append(float(vals[0]) / 100.0)
                y.append(float(vals[1]))
                if layout == "FXYE":
                    s.append(float(vals[2]))
    except (ValueError, IndexError):
        raise InputError(f"{pre}GSAS {layout} data: a record is not in the {layout} layout "
                         "(numbers in fixed columns); is the file truncated or edited?") from None
    if not y:
        raise InputError(f"{pre}GSAS bank has no data points")
    if layout in ("STD", "ESD"):
        y = y[:nchan] if nchan > 0 else y
        s = s[:len(y)]
        x = list(start + step * np.arange(len(y)))
    lam = wavelength_a
    if lam is None:
        lam = _gsas_wavelength(path, lines, pre)
    if lam is None:
        m = re.search(r"wavelength\s*(?:is)?\s*[:=]?\s*([0-9]*\.[0-9]+(?:[eE][-+]?\d+)?)",
                      "\n".join(lines[:bank_at]), re.I)
        lam = float(m.group(1)) if m else None
    if lam is not None and not 0.01 < lam < 10:
        raise InputError(f"{pre}wavelength {lam:g} Å from the file is implausible; give --wavelength in Å")
    sig = np.asarray(s, dtype=float) if s else None
    if sig is not None and not np.any(sig > 0):
        sig = None
    meta = {"format": f"gsas-{layout.lower()}", "header": lines[:bank_at]}
    radiation = _gsas_radiation(path, lines, bank_at)
    if radiation:
        meta["radiation"] = radiation
    return make_pattern(np.asarray(x, dtype=float), np.asarray(y, dtype=float), axis="2th_deg",
                        wavelength_a=lam, sigma=sig, source=str(path), metadata=meta)
