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
