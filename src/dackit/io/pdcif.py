"""Powder CIF (pdCIF) profiles: the measured powder pattern of a CIF data block.

GSAS-II, GSAS (GSAS2CIF), FullProf, TOPAS and EasyDiffraction export a refinement as CIF; the
block of a powder histogram holds the profile in a ``loop_`` of items from the IUCr powder
dictionary (Toby, "Powder diffraction data", in *International Tables for Crystallography*
Vol. G, ch. 4.2 (2006); dictionary ``cif_pd.dic``). dackit reads the measured profile:

* 2θ (degrees) from ``_pd_meas_2theta_scan``, else ``_pd_proc_2theta_corrected``, else the
  range items ``_pd_meas_2theta_range_min``/``_max``/``_inc`` (or the ``_pd_proc`` ones), which
  place an intensity-only loop on an even grid (GSAS2CIF writes this form);
* intensities from ``_pd_meas_counts_total``, else ``_pd_meas_intensity_total``, else
  ``_pd_proc_intensity_total``, else a background-subtracted ``…_intensity_net``; never a
  ``_pd_calc`` column (the model, not the data). Their
  standard uncertainties come from a ``…_su`` column, else from the values' own parentheses
  (``119(17)``), else, for counts, √counts;
* the wavelength from ``_diffrn_radiation_wavelength`` (the first, Kα1, of a loop).

Both spellings of the dictionary are read: DDL1 (``_pd_meas_2theta_scan``) and DDLm/CIF 2
(``_pd_meas.2theta_scan``). The measured 2θ is preferred to the refinement's zero-corrected one
so that dackit's own axis test decides the 2θ correction. Time-of-flight and energy-dispersive
profiles have no 2θ axis and are refused by name. Parsing is gemmi's (Wojdyr, J. Open Source
Softw. 7, 4200 (2022)).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from dackit.core.pattern import Pattern, make_pattern
from dackit.errors import InputError, where

#: a powder-CIF data item naming the measured or processed profile (DDL1 or DDLm spelling)
PDCIF_TAG = re.compile(r"^\s*_pd_(?:meas|proc|calc)[._]", re.I)

#: profile 2θ columns, in order of preference (DDL1 names; the DDLm ones are derived)
_TWO_THETA = ("_pd_meas_2theta_scan", "_pd_proc_2theta_corrected")
#: even-grid range items of an intensity-only loop: (min, max, inc) of the measured, then the
#: processed (zero-corrected) axis
_RANGES = (("_pd_meas_2theta_range_min", "_pd_meas_2theta_range_max", "_pd_meas_2theta_range_inc"),
           ("_pd_proc_2theta_range_min", "_pd_proc_2theta_range_max", "_pd_proc_2theta_range_inc"))
#: observed intensity columns, in order of preference; the first is raw counts
_INTENSITY = ("_pd_meas_counts_total", "_pd_meas_intensity_total", "_pd_proc_intensity_total",
              "_pd_meas_intensity_net", "_pd_proc_intensity_net")
#: profile axes that are not 2θ: a powder pattern for the lattice fits needs 2θ
_OTHER_AXES = {"_pd_meas_time_of_flight": "a time-of-flight", "_pd_proc_d_spacing": "a d-spacing",
               "_pd_meas_position": "a detector-position", "_pd_proc_energy_incident": "an energy-dispersive",
               "_pd_proc_energy_detection": "an energy-dispersive"}
_WAVELENGTH = ("_diffrn_radiation_wavelength", "_diffrn_radiation_wavelength.value",
               "_diffrn_radiation_wavelength.wavelength", "_pd_instr.wavelength", "_instr.wavelength")
_PROBE = ("_diffrn_radiation_probe", "_diffrn_radiation.probe", "_expt_type.radiation_probe")
_NUMBER_SU = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\((\d+)\)$")


#: a CIF data name at the start of a line (not a UXD ``_KEY=value`` line)
_CIF_TAG = re.compile(r"^\s*_[A-Za-z][\w.\[\]/-]*(?:\s|$)")


def looks_like_pdcif(lines: list[str]) -> bool:
    """True for a CIF: a ``data_`` block header and CIF data names. Whether it holds a powder
    profile (``_pd_meas``, ``_pd_proc`` items) :func:`read_pdcif` decides, and names the
    CIF that holds none (a structure, a phase block, a reflection list) rather than letting
    its atom-site rows be read as pattern columns.

    Parameters
    ----------
    lines : list of str
        The file's lines.
    """
    head = lines[:5000]
    return (any(ln.lstrip().lower().startswith("data_") for ln in head)
            and sum(bool(_CIF_TAG.match(ln)) for ln in head) >= 3)


def _spellings(tag: str) -> tuple[str, ...]:
    """The DDL1 name and its DDLm form (``_pd_meas_2theta_scan`` → ``_pd_meas.2theta_scan``)."""
    m = re.match(r"(_pd_(?:meas|proc|calc))_(.+)", tag)
    return (tag, f"{m.group(1)}.{m.group(2)}") if m else (tag,)


def _column(block, tag):
    """The loop column of ``tag`` (either spelling) as strings, or None."""
    for name in _spellings(tag):
        col = block.find_loop(name)
        if len(col):
            return [str(v) for v in col]
    return None


def _value(block, tags) -> str | None:
    """The value of the first of ``tags`` (either spelling) the block gives; of a loop (several
    wavelengths: Kα1, Kα2), its first row."""
    for tag in tags:
        for name in _spellings(tag):
            v = block.find_value(name)
            if v is None:
                col = block.find_loop(name)
                v = col[0] if len(col) else None
            if v is not None and v not in ("?", "."):
                return str(v)
    return None


def _numbers(values, pre, what) -> tuple[np.ndarray, np.ndarray]:
    """Values and their standard uncertainties (NaN where none) of CIF numbers such as
    ``119(17)`` or ``1.234(5)`` (the su in units of the last digit); ``.``/``?`` are NaN."""
    import gemmi

    out = np.full(len(values), np.nan)
    su = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        m = _NUMBER_SU.match(v)
        if m:
            out[i] = float(m.group(1))
            mantissa, _, exponent = m.group(1).lower().partition("e")
            decimals = len(mantissa.partition(".")[2])
            su[i] = int(m.group(2)) * 10.0 ** (int(exponent or 0) - decimals)
            continue
        if v not in (".", "?"):
            x = gemmi.cif.as_number(v)
            if np.isnan(x):
                raise InputError(f"{pre}the {what} column holds {v!r} (row {i + 1}), not a number")
            out[i] = x
    return out, su


def _refuse_other_axis(block, pre) -> None:
    """A named error when ``block`` holds a profile on another axis than 2θ."""
    other = next((t for t in _OTHER_AXES if _column(block, t) is not None), None)
    if other:
        raise InputError(f"{pre}this powder CIF holds {_OTHER_AXES[other]} profile ({other}), "
                         "not a 2θ scan: the lattice fits need 2θ (or q) at one wavelength")


def _tags(doc):
    """Every data name of ``doc``, of pairs and of loops."""
    for block in doc:
        for item in block:
            if item.pair is not None:
                yield item.pair[0]
            elif item.loop is not None:
                yield from item.loop.tags


def _profile_block(doc):
    """The first block with an observed intensity column, and how many blocks have one."""
    found = [b for b in doc if any(_column(b, t) is not None for t in _INTENSITY)]
    return (found[0] if found else None), len(found)


def read_pdcif(path, wavelength_a=None) -> Pattern:
    """Read the measured powder profile of a pdCIF file (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The CIF file.
    wavelength_a : float, optional
        Wavelength in Å; overrides ``_diffrn_radiation_wavelength``.

    Returns
    -------
    Pattern
        2θ in degrees, intensity and σ; ``metadata`` holds ``format`` ("pdcif"), ``block``,
        the columns read (``columns``), ``radiation`` ("xray" or "neutron", when the file's
        ``_diffrn_radiation_probe`` says so: the lattice fits then predict neutron line
        intensities) and ``reader_notes``.
    """
    import gemmi

    path = Path(path)
    pre = where(path)
    try:
        # check_level 0: a repeated block name or tag (written by hand-edited or concatenated
        # files, pdCIFplotter's COMCIFS examples) is no reason to refuse the profile
        doc = gemmi.cif.read_file(str(path), check_level=0)
    except (RuntimeError, ValueError) as exc:
        raise InputError(f"{pre}cannot parse the CIF ({exc}); is the file truncated?") from None
    block, n_profiles = _profile_block(doc)
    if block is None:
        for b in doc:
            _refuse_other_axis(b, pre)
        if not any(PDCIF_TAG.match(tag) for tag in _tags(doc)):
            raise InputError(f"{pre}this CIF holds no powder profile (a crystal structure, phase or "
                             "reflection list?): a pattern is needed here; a structure CIF is given "
                             "to --phase")
        raise InputError(f"{pre}this powder CIF has no observed profile (no {', '.join(_INTENSITY)} "
                         "loop; a _pd_calc column is the model, not the data): export the measured "
                         "pattern (2θ, I, σ: .xye) from the program that wrote it")
    notes = []
    y_tag = next(t for t in _INTENSITY if _column(block, t) is not None)
    y_raw = _column(block, y_tag)
    y, y_su = _numbers(y_raw, pre, y_tag)
    x_tag = next((t for t in _TWO_THETA if _column(block, t) is not None), None)
    if x_tag is not None:
        x_raw = _column(block, x_tag)
        if len(x_raw) != len(y_raw):
            raise InputError(f"{pre}{x_tag} ({len(x_raw)} values) and {y_tag} ({len(y_raw)}) are not "
                             "in one loop: the profile cannot be paired")
        x, _ = _numbers(x_raw, pre, x_tag)
    else:
        for lo, hi, inc in _RANGES:
            vals = [_value(block, [t]) for t in (lo, hi, inc)]
            if all(v is not None for v in vals):
                start, stop, step = (gemmi.cif.as_number(str(v)) for v in vals)
                if not np.all(np.isfinite([start, stop, step])):
                    raise InputError(f"{pre}{lo}/_max/_inc are {', '.join(map(str, vals))}: not numbers")
                break
        else:
            _refuse_other_axis(block, pre)
            raise InputError(f"{pre}the powder CIF's {y_tag} loop has no 2θ: neither a "
                             f"{' / '.join(_TWO_THETA)} column nor _pd_meas_2theta_range_min/max/inc")
        n = int(round((stop - start) / step)) + 1 if step > 0 else 0
        if n != len(y_raw):
            raise InputError(f"{pre}the 2θ range {start:g}–{stop:g}° in steps of {step:g}° gives {n} "
                             f"points, but {y_tag} has {len(y_raw)}: the file is inconsistent or truncated")
        x = start + step * np.arange(n)
        x_tag = lo.replace("_min", "_min/max/inc")
    su_col = _column(block, y_tag + "_su")
    if su_col is not None:
        y_su, _ = _numbers(su_col, pre, y_tag + "_su")
    if y_tag == "_pd_meas_counts_total" and np.all(np.isnan(y_su)):
        y_su = np.sqrt(np.clip(y, 1.0, None))  # counting statistics
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < len(y):
        notes.append(f"{len(y) - int(keep.sum())} point(s) without a value ('.' or '?') dropped")
    x, y, y_su = x[keep], y[keep], y_su[keep]
    sigma = y_su if np.all(np.isfinite(y_su) & (y_su > 0)) else None
    if n_profiles > 1:
        notes.append(f"the file holds {n_profiles} powder profiles; only block data_{block.name} is read")
    lam = wavelength_a
    if lam is None:  # the profile's block first, then any (GSAS-II keeps it with the histogram)
        found = next((v for b in (block, *doc) if (v := _value(b, _WAVELENGTH)) is not None), None)
        number = gemmi.cif.as_number(found) if found is not None else float("nan")
        lam = float(number) if np.isfinite(number) and 0.01 < number < 10 else None
    meta: dict = {"format": "pdcif", "block": block.name, "columns": [x_tag, y_tag]}
    probe = (_value(block, _PROBE) or "").lower().replace("-", "")
    if probe in ("neutron", "xray"):  # the line intensities of the lattice fits follow it
        meta["radiation"] = probe
    if notes:
        meta["reader_notes"] = notes
    return make_pattern(x, y, axis="2th_deg", wavelength_a=lam, sigma=sigma, source=str(path), metadata=meta)
