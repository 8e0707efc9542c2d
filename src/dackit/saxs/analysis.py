"""One SAXS pattern (or image) → peaks, d-spacings, mesophase, lattice constant, thickness.

>>> from dackit.saxs.simulate import simulate_saxs
>>> res = analyse_saxs(simulate_saxs("bcc", 160.0, seed=2).pattern)
>>> res.mesophase, round(res.lattice_a)
('bcc', 160)
"""
from __future__ import annotations

import dataclasses
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dackit.core.pattern import Pattern
from dackit.core.quality import Judged, Verdict
from dackit.errors import DackitError, InputError, where
from dackit.io.kinds import xray_kind
from dackit.io.patterns import RECIPROCAL_UNIT
from dackit.saxs.formfactor import FormFactorFit, fit_form_factor
from dackit.saxs.laue import PRINCIPAL_FWHM, LaueFringes, stack_size_from_fringes
from dackit.saxs.mesophase import MESOPHASES, Indexing, index_peaks
from dackit.saxs.peaks import PeakSet, find_peaks
from dackit.saxs.qstep import q_unit_from_pixel_step
from dackit.saxs.scherrer import ScherrerResult, scherrer_thickness
from dackit.saxs.wavelength import WavelengthMismatchWarning



@dataclass(frozen=True)
class SaxsResult(Judged):
    """Everything measured on one pattern. With a single peak ``indexing`` is that of
    :func:`~dackit.saxs.oneline.index_one_line` (method "one line"), or None when nothing
    decides."""

    source: str
    peakset: PeakSet
    indexing: Indexing | None
    verdict: Verdict = field(default_factory=Verdict)
    form_factor: FormFactorFit | None = None


    def to_dict(self) -> dict:
        """The per-file row: peaks, d of the first, mesophase, lattice (each with its
        standard error), verdict."""
        row = {"peaks": [{"q_inv_a": p.q_inv_a, "q_inv_a_err": p.q_err, "d_a": p.d_a,
                          "fwhm_inv_a": p.fwhm_inv_a} for p in self.peaks],
               "d_first_a": self.d_first_a,
               "d_first_a_err": self.d_first_err,
               "mesophase": self.mesophase,
               "lattice_a": None if self.indexing is None else self.lattice_a,
               "lattice_a_err": None if self.indexing is None else self.lattice_a_err}
        if self.indexing is not None and len(self.indexing.tie) > 1:
            row["mesophase_tie"] = list(self.indexing.tie)
        row.update(self.verdict.to_dict())
        return row

    @property
    def peaks(self):
        return self.peakset.peaks

    @property
    def first_peak(self):
        """The lowest-q peak the indexing explains (the mesophase's first line); the lowest
        peak when nothing is indexed. A stray low-q peak (a beamstop edge, a shoulder) that
        the indexing leaves unexplained is named in the quality notes, not reported as d₁."""
        if self.indexing is not None:
            for peak, label in zip(self.peaks, self.indexing.best.assignment):
                if label:
                    return peak
        return self.peaks[0]

    @property
    def d_first_a(self) -> float:
        return self.first_peak.d_a

    @property
    def d_first_err(self) -> float:
        return self.first_peak.d_err

    @property
    def mesophase(self) -> str | None:
        return None if self.indexing is None else self.indexing.mesophase

    @property
    def lattice_a(self) -> float:
        return float("nan") if self.indexing is None else self.indexing.best.lattice_a

    @property
    def lattice_a_err(self) -> float:
        return float("nan") if self.indexing is None else self.indexing.best.lattice_a_err

    @property
    def centre_distance_a(self) -> float:
        """Centre-to-centre distance for the identified lattice (NaN for Pn3m/Ia3d/unindexed)."""
        if self.indexing is None:
            return float("nan")
        return self.indexing.best.centre_distance_a


def load_saxs(path, *, poni=None, wavelength_a=None, mask=None, bins=None) -> Pattern:
    """Read a SAXS input as a q pattern.

    canSAS XML → :func:`dackit.io.cansas.read_cansas`; NXcanSAS HDF5 (``.h5``, ``.hdf``,
    ``.hdf5``, ``.nxs`` or any file with the HDF5 signature) →
    :func:`dackit.io.nxcansas.read_nxcansas` (an HDF5 file without SASdata is read as a
    detector image only with ``poni``, otherwise an InputError names the format); detector images (with ``poni``) →
    pyFAI integration in q (Å⁻¹) through :class:`dackit.xrd.integrate.Integrator`; any other
    file → :func:`dackit.io.patterns.read_pattern` (Anton Paar / PCG ``.pdh`` through
    :func:`dackit.io.pdh.read_pdh`, NIST/IGOR ``.ABS`` through
    :func:`dackit.io.nistabs.read_nist_abs`), whose header decides the axis (q in
    nm⁻¹/Å⁻¹ or 2θ); a header-less two-column file is taken as q in Å⁻¹.
    A ``wavelength_a`` different from the PONI's by > 0.5 % replaces it, with a warning.

    Parameters
    ----------
    path : str or Path
        canSAS XML, NXcanSAS HDF5, a detector image (with ``poni``) or a 1D text pattern.
    poni : str or Path, optional
        PONI file to integrate a detector image.
    wavelength_a : float, optional
        X-ray wavelength in Å; replaces the PONI's when they differ by more than 0.5 % (with
        a warning).
    mask : array_like, str or Path, optional
        Mask of a detector image (nonzero = masked).
    bins : int, optional
        Number of q points of an integrated image.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    from dackit.io.nxcansas import HDF5_SUFFIXES, is_hdf5, read_nxcansas

    if suffix in HDF5_SUFFIXES or is_hdf5(path):
        # an HDF5 file is a reduced NXcanSAS curve unless a PONI says it is a detector image
        # and it holds no SASdata group
        try:
            return read_nxcansas(path, wavelength_a=wavelength_a)
        except InputError as exc:
            if poni is None or "without an NXcanSAS SASdata group" not in str(exc):
                raise
    if suffix == ".xml":
        from dackit.io.cansas import read_cansas

        pat = read_cansas(path)
        if wavelength_a is not None:
            pat = dataclasses.replace(pat, wavelength_a=float(wavelength_a))
        return pat
    if xray_kind(path) == "image":
        if poni is None:
            from dackit.io.images import check_image_file, needs_poni_message

            check_image_file(Path(path))  # a format dackit recognises is named, as xrd does
            raise InputError(f"{where(path)}{needs_poni_message(Path(path))}")
        from dackit.io.images import read_image
        from dackit.xrd.geometry import read_poni
        from dackit.xrd.integrate import Integrator

        geom = read_poni(poni)
        if wavelength_a is not None and abs(geom.wavelength_a - wavelength_a) > 0.005 * wavelength_a:
            warnings.warn(f"{path}: --wavelength {wavelength_a:g} Å differs from the PONI's "
                          f"{geom.wavelength_a:g} Å; using {wavelength_a:g} Å",
                          WavelengthMismatchWarning, stacklevel=2)
            geom = dataclasses.replace(geom, wavelength_a=float(wavelength_a))
        image = np.load(path) if suffix == ".npy" else read_image(path)
        return Integrator(geom, mask=mask, bins=bins, unit="q_A^-1").integrate(image, source=str(path))
    from dackit.io.nistabs import looks_like_nist_abs, read_nist_abs
    from dackit.io.patterns import read_pattern
    from dackit.io.textcols import read_lines

    lines = read_lines(path)
    head = lines[:80]
    if any(_QX_QY.search(line) for line in head):
        raise InputError(f"{where(path)}2D data (columns Qx, Qy, I): dackit analyses 1D curves I(q); "
                         "average it to I(q) first (e.g. SasView's circular average), or give "
                         "the detector image with --poni")
    # the NIST/IGOR header's value lines ('1e+08 6 25 1 0.5667 0.2C 1') defeat the column sniffer
    if looks_like_nist_abs(head[:40]):
        return read_nist_abs(path, wavelength_a=wavelength_a)
    try:
        pat = read_pattern(path, wavelength_a=wavelength_a)
    except InputError:
        # e.g. a header-less q column running past 180: not 2θ, so read it as q
        try:
            pat = read_pattern(path, wavelength_a=wavelength_a, axis="q_A^-1")
        except InputError as exc:
            if _raster_first_column(lines[:5000]):
                raise InputError(f"{where(path)}the first two columns are a raster of negative and "
                                 "positive (Qx, Qy): this is 2D data (Qx, Qy, I) without a header, not a 1D curve; "
                                 "average it to I(q) first (e.g. SasView's circular average)") from None
            raise exc from None
        if pat.metadata.get("format") == "chi":
            # a Fit2D-style header whose axis line names no unit ('Scattering vector', 'Energy=
            # 11.5 keV'): read as Å⁻¹ like any unlabelled column, and said so (a lamellar d = 100 Å
            # curve in nm⁻¹ came out d = 10.0 Å, quality ok, without a word on the unit)
            pat.metadata["q_unit_assumed"] = True
        return pat
    if pat.metadata.get("axis_assumed") and (_names_two_theta(pat.metadata.get("header") or [])
                                             or _states_two_theta_range(pat.metadata.get("header") or [], pat.x)):
        # a column title '2theta' / '2θ' states the axis even without a unit: reading it as q
        # put an AgBeh curve at q = 0.26…10 'Å⁻¹' (and called it wide-angle diffraction)
        pat.metadata.pop("axis_assumed")
        pat.metadata["axis_from_title"] = "2th_deg"
        return pat
    if pat.metadata.get("axis_assumed"):  # no unit read from the header: SAXS curves are in q
        header = pat.metadata.get("header") or []
        pat = read_pattern(path, wavelength_a=wavelength_a, axis="q_A^-1")
        scale = _q_scale_from_title(header)
        if _S_TITLE.match(_first_title(header)):
            pat.metadata["s_convention_assumed"] = True
        if scale is None:  # nothing stated: Å⁻¹, and the row says so, unless the pixel step decides
            note = q_unit_from_pixel_step(header, pat.x)
            if note is None:
                pat.metadata["q_unit_assumed"] = True
            else:
                pat.metadata["reader_notes"] = [*pat.reader_notes, note]
        elif scale != 1.0:
            # 's, nm^-1' (ATSAS), 'q_nm^-1,I' (CSV), 'scattering vector (nm^-1)': read as Å⁻¹
            # these put every d 10x too small, on a superlattice without a warning
            pat = dataclasses.replace(pat, x=pat.x * scale,
                                      metadata={**pat.metadata, "q_unit_from_title": "nm^-1"})
    return pat


_QX_QY = re.compile(r"\bq_?x\b.*\bq_?y\b", re.I)


def _raster_first_column(lines: list[str]) -> bool:
    """A first column with negative values that later restarts lower (Qx of a 2D raster), or
    that holds each value over a row of Qy bins repeating from one value to the next (Qx the
    slow axis, as ORNL EQSANS writes its Iq2d text): a 1D curve's q is positive and, once
    sorted, never runs back nor repeats a value row after row."""
    rows = []
    for line in lines:
        tok = line.replace(",", " ").split()
        try:
            rows.append((float(tok[0]), float(tok[1])))
        except (IndexError, ValueError):
            continue
    if len(rows) <= 3:
        return False
    x, y = np.asarray(rows).T
    if not np.any(x < 0):
        return False
    if np.any(np.diff(x) > 0) and np.any(np.diff(x) < 0):
        return True
    starts = np.flatnonzero(np.r_[True, np.diff(x) != 0])
    run = int(np.median(np.diff(starts))) if starts.size > 2 else 1
    return run >= 4 and x.size >= 2 * run and bool(np.allclose(y[:run], y[run:2 * run]))


# 'Ɵ' (U+019F) stands for θ in some instrument exports ("2Ɵ 0.61-20.00 by 0.020")
_TWO_THETA_TITLE = re.compile(r"(2-?theta|two.?theta|2\s*[θƟ]|2th|tth)(?![a-z])", re.I)
_RANGE_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
#: a header line stating the 2θ scan range: "2Ɵ 0.61-20.00 by 0.020", "2theta: 0.5 to 10"
_TWO_THETA_RANGE = re.compile(r"(?:2-?theta|two.?theta|2\s*[θƟ]|2th)(?![a-z])\s*(?:range)?\s*[:=]?\s*"
                              + _RANGE_NUMBER + r"\s*(?:-|–|to|\.\.\.?|…)\s*" + _RANGE_NUMBER, re.I)


def _title_line(header: list[str]) -> str:
    """The column-title line: the last non-empty header line ("" without one)."""
    return next((h for h in reversed(header) if h.strip()), "")


def _names_two_theta(header: list[str]) -> bool:
    """The column-title line names 2θ as the first column."""
    return bool(_TWO_THETA_TITLE.match(_first_title(header)))


def _states_two_theta_range(header: list[str], x) -> bool:
    """A header line gives a 2θ scan range whose ends are the first column's own (within 1.5
    steps): that column is 2θ, whatever the title line says. A lab diffractometer's AgBeh scan
    ('/* ; 2Ɵ 0.61-20.00 by 0.020, …; KAlpha1 1.540593; */' over a '/* 985 */' count line)
    was read as q and refused as wide-angle diffraction."""
    x = np.sort(np.asarray(x, float))
    if x.size < 3:
        return False
    step = 1.5 * float(np.median(np.diff(x)))
    for line in header:
        m = _TWO_THETA_RANGE.search(line)
        if m and abs(float(m.group(1)) - x[0]) <= step and abs(float(m.group(2)) - x[-1]) <= step:
            return True
    return False


def _first_title(header: list[str]) -> str:
    """The column-title line without its comment mark and quotes: it starts with the first
    column's title."""
    return _title_line(header).strip().lstrip("#;!%").strip().strip('"\'')


# the first reciprocal length on the column-title line is the first column's (q); an
# intensity in absolute units (cm⁻¹) comes after it, and is no unit of q
_TITLE_UNITS = re.compile("|".join([
    rf"(?P<nm>{RECIPROCAL_UNIT.format(u='nm')})",
    rf"(?P<a>{RECIPROCAL_UNIT.format(u='(?:a|å|ang|angstroms?)')})(?![a-z])",
    rf"(?P<cm>{RECIPROCAL_UNIT.format(u='cm')})",
]), re.I)


def _q_scale_from_title(header: list[str]) -> float | None:
    """Factor to Å⁻¹ stated by the column-title line (:func:`_title_line`): 0.1 for
    a first reciprocal length in nm, 1 in Å; None when it states no unit of q."""
    m = _TITLE_UNITS.search(_title_line(header))
    if m is None or m.group("cm"):
        return None
    return 0.1 if m.group("nm") else 1.0


#: an unlabelled q column starting at or above this (Å⁻¹ as read) starts at ≥ 0.02 nm⁻¹ if it
#: is nm⁻¹, within a lab SAXS camera's reach, wherever it ends: a superlattice of a = 400 Å
#: measured to 4 q₁ spans 0.1-0.9 nm⁻¹ and read as Å⁻¹ indexed as well as ever at a = 40 Å,
#: ok (an upper bound of 1.0 on the range let it through)
Q_NM_LOW = 0.02


#: a first column titled s: ATSAS's s = 4π sin θ / λ (= q), or the crystallographers'
#: s = 2 sin θ / λ (= 1/d, fibre and polymer SAXS, e.g. Strobl, *The Physics of Polymers*)
_S_TITLE = re.compile(r"s(?![a-z0-9_])", re.I)


def _assumed_unit_doubt(pattern: Pattern) -> list[str]:
    """A doubt when the unstated q unit is as likely nm⁻¹ as Å⁻¹ from the range itself: a lab
    curve in nm⁻¹ read as Å⁻¹ gives every d 10× too small, and indexes as well as ever; and
    when the first column is titled s, whose two conventions differ by 2π."""
    doubts = []
    if pattern.metadata.get("s_convention_assumed") and pattern.axis == "q_A^-1":
        # a lamellar d = 58.4 Å curve saved as 's (1/nm)' = 1/d came out d = 366 Å, ok
        doubts.append("the first column is titled s and read as ATSAS's s = 4π sin θ/λ (= q); if it "
                      "is s = 2 sin θ/λ (= 1/d), every d here is 2π× too large: title the column q "
                      "(or multiply s by 2π) to settle it")
    return doubts + _unstated_range_doubt(pattern)


def _unstated_range_doubt(pattern: Pattern) -> list[str]:
    if not pattern.metadata.get("q_unit_assumed") or pattern.axis != "q_A^-1":
        return []
    lo, hi = float(np.min(pattern.x)), float(np.max(pattern.x))
    if lo < Q_NM_LOW:
        return []
    return [f"the file does not state the q unit and its range, {lo:.3g}-{hi:.3g} read as Å⁻¹, "
            "is a lab SAXS range in nm⁻¹: if q is in nm⁻¹ every d here is 10× too small; state "
            "the unit in a header line ('# q_nm^-1 I' or '# q_A^-1 I')"]


def _reading_notes(pattern: Pattern) -> list[str]:
    if not pattern.metadata.get("q_unit_assumed") or _unstated_range_doubt(pattern):
        return pattern.reader_notes  # the doubt already says it, with the range
    # nm⁻¹ read as Å⁻¹ puts q 10× too high: every d 10× too small
    return pattern.reader_notes + [
        "the file does not state the q unit: read as Å⁻¹ (if it is nm⁻¹, every d is 10× too "
        "small: add a header line '# q_nm^-1 I')"]


def analyse_saxs(pattern: Pattern, *, background="loglog", min_significance=5.0,
                 shape="pseudo_voigt", phases=None, **peak_kw) -> SaxsResult:
    """Find and fit the peaks of one pattern and index them (≥ 2 peaks) against ``phases``;
    with one peak, weigh the phases by weak lines at their predicted positions and the
    form factor (:func:`~dackit.saxs.oneline.index_one_line`; always doubtful).

    Parameters
    ----------
    pattern : Pattern
        A SAXS pattern on a q axis (or 2θ with its wavelength).
    background : str, default 'loglog'
        Background method, a key of :data:`~dackit.saxs.BACKGROUNDS`.
    min_significance : float, default 5.0
        Peaks below this many σ above the background are ignored.
    shape : {"pseudo_voigt", "lorentzian", "gaussian"}, default 'pseudo_voigt'
        Peak shape.
    phases : sequence of str, optional
        Mesophases to try (keys of :data:`~dackit.saxs.MESOPHASES`); all when None.
    **peak_kw : | Further keywords of :func:`find_peaks`.
    """
    ps = find_peaks(pattern, background=background, min_significance=min_significance,
                    shape=shape, **peak_kw)
    idx, ff = None, None
    if len(ps.peaks) >= 2:
        # the particle form factor under the peaks: lines in its minima are not expected
        ff = ps.form_factor if ps.form_factor is not None else fit_form_factor(
            ps.q, ps.intensity, ps.noise, ps.peaks)
        vis = ff.visibility if ff is not None and ff.accepted else None
        st, st_err = line_strengths(ps, ff)
        kw = dict(fwhm_inv_a=[p.fwhm_inv_a for p in ps.peaks], q_min=float(ps.q[0]),
                  phases=phases or tuple(MESOPHASES), visibility=vis,
                  strengths=st, strength_err=st_err)
        idx = index_peaks([p.q_inv_a for p in ps.peaks], [p.q_err for p in ps.peaks], **kw)
        idx = _clear_peaks_first(ps.peaks, idx, kw, min_significance)
    elif len(ps.peaks) == 1:
        # one line: no indexing by position; weak lines at each phase's predicted positions
        # and the particles' shape may still favour one (always doubtful)
        from dackit.saxs.oneline import index_one_line

        ff = ps.form_factor
        idx = index_one_line(ps, ff, phases=phases or tuple(MESOPHASES))
    from dackit.saxs.quality import saxs_verdict

    res = SaxsResult(pattern.source, ps, idx, form_factor=ff)
    verdict = saxs_verdict(res, min_significance=min_significance)
    if idx is not None and idx.method == "positions":
        # weak lines (under the detection threshold) at a close rival's unobserved
        # positions, or the particles' shape, may favour it: then it is put first and the
        # result is doubtful (a hexagonal 10/20 pair with 11 at 4σ is no lamellar 001/002)
        from dackit.saxs.oneline import reorder_by_weak_lines

        again = reorder_by_weak_lines(ps, ff, idx, min_significance)
        if again is idx:
            # a lead that rests on one noise spike (under the detection threshold and narrower
            # than the lines) is no lead: the phase that explains every other peak goes first
            # (a lamellar 001/002 pattern was called bcc through a 3.7σ spike at bcc 321), and
            # the result is doubtful. A weak line of normal width may be real: it keeps the lead.
            from dackit.saxs.quality import marginal_hinge

            hinge = marginal_hinge(idx, ps.peaks, min_significance=min_significance, spike_only=True)
            if hinge is not None:
                rival, spike = hinge
                again = Indexing((rival, *[c for c in idx.candidates if c is not rival]), (rival.name,),
                                 method="positions, spike set aside", set_aside=spike)
        if again is idx:
            # last, a weak line that only a supercell missing its own first line explains
            again = _foreign_line_aside(ps, idx, kw)
        if again is idx:
            # or a marginal bump no line of the lattice's width, which only a larger cell explains
            again = _bump_aside(ps, idx, kw, min_significance)
        if again is idx:
            # or marginal lines too narrow for the lattice, which only a larger cell explains
            again = _narrow_marginals_aside(ps, idx, kw, min_significance)
        if again is idx:
            # or a peak broader than any line of a lattice at its q: a form-factor hump
            again = _broad_peak_aside(ps, idx, kw)
        if again is idx:
            # or a thin stack's Laue fringes, which a lamellar supercell reads as its orders
            again = _laue_fringes_aside(ps, idx, kw)
        if again is idx:
            # or the best's first line, its strongest, measured absent where a rival that
            # explains as many peaks has its own
            again = _absent_first_line_aside(ps, ff, idx, min_significance)
        if again is not idx:
            res = dataclasses.replace(res, indexing=again)
            verdict = saxs_verdict(res, min_significance=min_significance)
    verdict = verdict.plus(doubts=_assumed_unit_doubt(pattern), info=_reading_notes(pattern))
    return dataclasses.replace(res, verdict=verdict)


def _clear_peaks_first(peaks, idx: Indexing, index_kw: dict, min_significance: float) -> Indexing:
    """The indexing again when its best phase leaves a clear peak (over the detection
    threshold) unexplained while only marginal peaks stand above the highest clear one:
    lines counted missing up to a marginal peak far up the pattern (noise, a stray) made
    every phase that explains it pay for each line below it, so a lamellar cell that
    matched one weak line and a 4σ bump at its 5th order beat the cubic lattice of the
    strong first lines (form-factor sweep seed 2026 cases 66 and 84: a 32σ SC 100 and a
    16σ FCC 111 left unexplained). The peaks are indexed again with no line above the
    highest clear peak counted missing (``index_peaks(missing_q_max=)``); when the new
    best explains every clear peak, it is taken, with method "positions, marginal top
    aside" (always doubtful: :func:`dackit.saxs.quality.saxs_verdict`). The strengths of
    the marginal peaks set aside are not weighed either. A best that explains every clear
    peak but leaves a marginal one unexplained is indexed again too, and the new best
    taken only when it leaves fewer peaks unexplained: since a phase pays for leaving out
    the strongest line (:func:`dackit.saxs.mesophase._charge_strongest_unexplained`), case
    66's lamellar cell matches the 32σ SC 100 as 001 and a bump as 007, five orders
    missing, and leaves the 4.6σ SC 110 unexplained."""
    z = np.array([p.amplitude / p.amplitude_err if p.amplitude_err > 0 else np.inf for p in peaks])
    q = np.array([p.q_inv_a for p in peaks])
    clear = z >= min_significance
    if not clear.any() or q[clear].max() >= q.max() or not idx.best.n_unexplained:
        return idx
    clear_explained = all(a for a, c in zip(idx.best.assignment, clear) if c)
    q_clear = float(q[clear].max())
    kw = dict(index_kw)
    if kw.get("strengths") is not None:  # the marginal peaks set aside weigh nothing
        kw["strengths"] = np.where(q > q_clear, np.nan, np.asarray(kw["strengths"], float))
    again = index_peaks(q, [p.q_err for p in peaks], **kw, missing_q_max=q_clear)
    if not all(a for a, c in zip(again.best.assignment, clear) if c):
        return idx
    if clear_explained and again.best.n_unexplained >= idx.best.n_unexplained:
        return idx
    return Indexing(again.candidates, again.tie, method="positions, marginal top aside")


def _foreign_line_aside(ps: PeakSet, idx: Indexing, index_kw: dict) -> Indexing:
    """The indexing without one weak peak, when the best cell needs that peak and has its
    own first line missing inside the usable range. A supercell (twice the true a) reads
    a weak foreign line as one of its lines and the real ones as its higher orders; its
    first line, the strongest of any mesophase here, is then absent. Each peak the best
    explains that is under :data:`~dackit.saxs.quality.FOREIGN_LINE_SHARE` of the strongest peak's height is set
    aside in turn (weakest first) and the rest indexed again; the first that leaves a best
    phase with its first line present, every other peak explained on its lattice (reduced
    χ² ≤ 9; three peaks or more for a 3D lattice) and no tie is taken, the
    weak peak counted unexplained (method "positions, foreign line aside", always
    doubtful). OTAC 70 wt% at 70 °C (SAXSess, tests/corpus/saxs): H1 10/11 at 0.2588 and
    0.4477 Å⁻¹ and a line 1/300 as strong at 0.2237 Å⁻¹ were 'hexagonal a = 56.1 Å'."""
    from dackit.saxs.quality import FOREIGN_LINE_SHARE, _first_line_missing

    peaks = ps.peaks
    q_lo = float(getattr(ps, "q_usable_min", ps.q[0]))
    if idx.method != "positions" or len(peaks) < 3 or not _first_line_missing(idx, q_lo):
        return idx
    amp = np.array([p.amplitude for p in peaks], float)
    top = float(np.nanmax(amp))
    weak = [i for i in np.argsort(amp) if idx.best.assignment[i] and amp[i] < FOREIGN_LINE_SHARE * top]
    for i in weak:
        again = _indexed_without(ps, int(i), index_kw, q_lo)
        if again is not None:
            return dataclasses.replace(again, method="positions, foreign line aside")
    return idx


def _bump_aside(ps: PeakSet, idx: Indexing, index_kw: dict, min_significance: float) -> Indexing:
    """The indexing without one marginal peak that is no line of the lattice, when the
    rest index cleanly on a lattice whose lines the best's include.

    A peak under the detection threshold (fitted height < ``min_significance`` σ) that,
    fitted again as a line of the width and shape of the clear lines, stands under
    :data:`~dackit.saxs.oneline.MIN_WEAK_Z` σ owes its height to a breadth no line of
    the lattice has (one domain size and strain give every line about that width): it is
    a bend of the background between strong lines, not a line. If the best phase needs
    it, and without it the other peaks index cleanly (:func:`_indexed_without`) on
    another cell whose lines within the observed range are all among the best's, the best
    is a larger or denser lattice that only the bump supports, and the simpler one goes
    first — the smallest consistent cell, as in powder indexing (method "positions, bump
    aside", always doubtful). A typical form-factor sweep pattern (tests/saxs_ff_synth.py,
    ``--typical --seed 7``, case 58): SC a = 110.6 Å, a 3.5σ bump twice the lines' width
    between 100 and 110 (the smooth background sagging under them) read as Pn3m 111 of
    a = √2·110.6 Å, every real line its 110, 200, 211 …"""
    from dackit.saxs.oneline import MIN_WEAK_Z, _line_fit
    from dackit.saxs.peaks import _determination, _residual_of

    peaks = ps.peaks
    if idx.method != "positions" or len(peaks) < 3:
        return idx
    z = np.array([_determination(p) for p in peaks])
    clear = z >= min_significance
    if not clear.any():
        return idx
    w = float(np.median([p.fwhm_inv_a for p, c in zip(peaks, clear) if c]))
    eta = peaks[int(np.argmax(z))].eta
    q = np.asarray(ps.q, float)
    q_lo = float(getattr(ps, "q_usable_min", q[0]))
    for i in np.argsort(z):
        if clear[i] or not idx.best.assignment[i]:
            continue
        others = [p for j, p in enumerate(peaks) if j != i]
        resid = _residual_of(q, ps.intensity, ps.background, ps.noise, ps.mode, others, ps.shape)
        if resid is None:
            return idx
        r, sig = resid
        a, e = _line_fit(q, r, sig, peaks[i].q_inv_a, w, eta)
        if np.isfinite(a) and e > 0 and a >= MIN_WEAK_Z * e:
            continue  # a line of the lattice's width stands there: it may be real
        again = _indexed_without(ps, int(i), index_kw, q_lo)
        if again is not None and _lines_among(again.best, idx.best, float(max(p.q_inv_a for p in peaks)), 0.5 * w):
            return dataclasses.replace(again, method="positions, bump aside")
    return idx


#: a peak is broader than any line of the lattice when its FWHM exceeds the bound this many σ
BROAD_SIGMA = 3.0


def _broad_peak_aside(ps: PeakSet, idx: Indexing, index_kw: dict) -> Indexing:
    """The indexing without one peak broader than any line of a lattice can be at its q,
    when the rest index cleanly on a lattice whose lines the best's include.

    Lines of one lattice broaden with q at most as a paracrystal's do, as q² (disorder of
    the second kind, Hosemann; strain gives q, size none): a peak whose FWHM exceeds
    w_j·(q/q_j)² of a clear, well-determined line j below it by :data:`BROAD_SIGMA` σ is no
    line of that lattice but a hump of the particles' form factor or a liquid-like order.
    If the best phase needs it, and without it the other peaks index cleanly
    (:func:`_indexed_without`) on a cell whose lines within the observed range are all among
    the best's, that cell goes first (method "positions, broad peak aside", always
    doubtful). Form-factor sweep ``--n 60 --seed 2027`` case 32: lamellar a = 102.2 Å, 001
    at 609σ (FWHM 0.0026 Å⁻¹) and 002 at 4.5σ, read FCC 111/220/222 through a 5.3σ peak at
    1.62 q₁ of FWHM 0.0118 ± 0.0012 Å⁻¹, 4.1σ above the paracrystal's 2.64 × 0.0026."""
    from dackit.saxs.peaks import _determination

    peaks = ps.peaks
    if idx.method != "positions" or len(peaks) < 3:
        return idx
    ok_w = [j for j, p in enumerate(peaks)
            if _determination(p) >= 5.0 and 0 < p.fwhm_err < 0.25 * p.fwhm_inv_a]
    q = np.asarray(ps.q, float)
    q_lo = float(getattr(ps, "q_usable_min", q[0]))
    for i, p in enumerate(peaks):
        if not idx.best.assignment[i] or not np.isfinite(p.fwhm_err) or p.fwhm_err <= 0:
            continue
        refs = [peaks[j] for j in ok_w if peaks[j].q_inv_a < p.q_inv_a]
        if not refs:
            continue
        excess = min((p.fwhm_inv_a - r.fwhm_inv_a * (p.q_inv_a / r.q_inv_a) ** 2)
                     / np.hypot(p.fwhm_err, r.fwhm_err * (p.q_inv_a / r.q_inv_a) ** 2) for r in refs)
        if excess < BROAD_SIGMA:
            continue
        again = _indexed_without(ps, i, index_kw, q_lo)
        w = min(r.fwhm_inv_a for r in refs)
        if again is not None and _lines_among(again.best, idx.best, float(max(pk.q_inv_a for pk in peaks)), 0.5 * w):
            return dataclasses.replace(again, method="positions, broad peak aside")
    return idx


#: a Laue fringe is at most 1/9 of its order in S(q) (N = 3; 5 % for N ≥ 9:
#: :mod:`dackit.saxs.laue`); sitting on the order's wing once resolution smears both, and
#: over a smooth background that does not follow the stack's envelope, its fitted height
#: can be a few times that (0.26 of the order in tests/test_saxs_laue_fringes.py's N = 6),
#: but a side maximum half as strong as the order beside it is none
FRINGE_SHARE = 0.5


def _laue_fringes_aside(ps: PeakSet, idx: Indexing, index_kw: dict) -> Indexing:
    """The lamellar cell 1/k of the best one, when every peak it does not explain is a Laue
    fringe of a thin stack of it.

    A stack of N layers puts N − 2 weak side maxima between consecutive orders
    (:mod:`dackit.saxs.laue`); fitted as lines they index as orders of a lamellar
    supercell. For each k ≥ 2 dividing the order the best lamellar cell gives its
    strongest peak, smallest k first (a real supercell whose weak extra orders stand among
    its own fringes keeps them as orders), the peaks on orders that are multiples of k are
    the orders of d = a/k: two or more, indexing on their own as lamellar at d. Every other
    peak must be a fringe of one stack of d: above q₁/2, weaker than :data:`FRINGE_SHARE`
    of the nearest order and than the Laue function allows for the fringe it is read as
    (:data:`~dackit.saxs.laue.FRINGE_HEIGHT_SLACK`); together narrower than the nearest
    orders by :data:`NARROW_SIGMA` σ (a fringe is 0.50·2π/(Nd) wide, an order
    0.89·2π/(Nd); inverse-variance mean of the differences: the
    fringes of one stack share one width, and no line of one lattice is narrower than its
    neighbours in q, so a real supercell's extra orders are as broad as the rest); and, for
    one N near 0.886·q₁/FWHM(orders), each within a quarter of the fringe spacing of a
    subsidiary maximum (:func:`~dackit.saxs.laue.stack_size_from_fringes`). Then d goes
    first, the fringes counted unexplained, the :class:`~dackit.saxs.laue.LaueFringes` as
    ``set_aside`` (method "positions, Laue fringes aside", always doubtful). sasmodels
    ``lamellar_stack_paracrystal`` of 9 layers, d = 107.0 Å (tests/sasmodels_curves
    case 7): side maxima at 0.60 q₁ and 2.84 q₁ had made it a 533.5 Å cell."""

    peaks = ps.peaks
    best = idx.best
    if idx.method != "positions" or best.name != "lamellar" or len(peaks) < 3:
        return idx
    order = [int(a[2:]) if a else 0 for a in best.assignment]
    top = int(np.argmax([p.amplitude for p in peaks]))
    for k in range(2, order[top] + 1):
        if order[top] % k:
            continue
        main = [i for i, h in enumerate(order) if h and h % k == 0]
        side = [i for i in range(len(peaks)) if i not in main]
        if len(main) < 2 or not side:
            continue
        again = _index_subset(ps, main, index_kw)
        if again is None:
            continue
        sub = again.candidate("lamellar")
        if not all(sub.assignment) or abs(sub.lattice_a * k / best.lattice_a - 1) > 0.01:
            continue
        reading = _fringe_reading(peaks, main, side, sub.lattice_a)
        if reading is None:
            continue
        return _led_by(again, sub, side, method="positions, Laue fringes aside",
                       set_aside=LaueFringes(reading[0], sub.lattice_a, best.lattice_a,
                                             tuple(peaks[i] for i in side), tuple(reading[1])))
    return idx


def _fringe_reading(peaks, main, side, d_a):
    """(N, u) when every ``side`` peak is weak, narrow and placed as a Laue fringe of the
    orders ``main`` of a cell ``d_a`` (see :func:`_laue_fringes_aside`); None otherwise."""
    q1 = 2 * np.pi / d_a
    q_main = np.array([peaks[i].q_inv_a for i in main])
    off, err, narrower, narrower_err, rel = [], [], [], [], []
    for i in side:
        p = peaks[i]
        ref = peaks[main[int(np.argmin(np.abs(q_main - p.q_inv_a)))]]
        # below q₁/2 the nearest order is the forward beam's (h = 0), unseen and the
        # strongest of all: no height to compare with
        rel.append(p.amplitude / ref.amplitude if p.q_inv_a > 0.5 * q1 else np.nan)
        if rel[-1] > FRINGE_SHARE:
            return None
        narrower.append(ref.fwhm_inv_a - p.fwhm_inv_a)
        narrower_err.append(np.hypot(p.fwhm_err, ref.fwhm_err))
        x = p.q_inv_a / q1
        off.append(abs(x - round(x)))
        err.append(p.q_err / q1 if np.isfinite(p.q_err) else np.inf)
    # the fringes of one stack are all 0.50·2π/(Nd) wide: their narrowing is weighed together
    wt = 1 / np.square(narrower_err)
    if not (np.all(np.isfinite(wt)) and np.sum(wt * narrower) / np.sum(wt)
            > NARROW_SIGMA / np.sqrt(np.sum(wt))):
        return None
    n_width = PRINCIPAL_FWHM * q1 / float(np.median([peaks[i].fwhm_inv_a for i in main]))
    return stack_size_from_fringes(off, err, n_width, rel)


#: marginal peaks are narrower than the lattice's lines when their mean FWHM falls this
#: many σ (combined) under the narrowest clear line below them
NARROW_SIGMA = 3.0


def _narrow_marginals_aside(ps: PeakSet, idx: Indexing, index_kw: dict,
                            min_significance: float) -> Indexing:
    """The indexing of the clear peaks alone, when the best phase needs marginal peaks
    that are narrower than its clear lines and a smaller cell, whose lines the best's
    include, explains every clear peak.

    One domain size and strain set the breadth of every line of a lattice, and in q it
    does not fall with the order (Williamson–Hall: Δq = 2πK/D + ε·q; the SAXS resolution
    does not fall either). Peaks under the detection threshold (fitted height <
    ``min_significance`` σ) whose inverse-variance mean FWHM lies :data:`NARROW_SIGMA` σ
    under the narrowest clear line at lower q come from larger domains: another
    population, not this lattice. If the best phase needs them, the other peaks are
    indexed without them; the first phase of that indexing's tie that explains every clear
    peak and
    whose lines up to the highest peak are all among the best's (:func:`_lines_among`)
    goes first, the marginal peaks unexplained and paid for (method "positions, narrow
    marginals aside", always doubtful). FCC lines of a are Ia3d lines of a√2 (N → 2N),
    so two narrow foreign lines at Ia3d's own 431 and 521 made an FCC superlattice
    'ia3d' (xrsdkit R3_SAXS_0042, tests/corpus/saxs: FCC 111 and 311 at 49σ and 5σ,
    two lines at 3.3σ and 3.4σ half as broad)."""
    from dackit.saxs.peaks import _determination

    peaks = ps.peaks
    if idx.method != "positions" or len(peaks) < 3:
        return idx
    clear = np.array([_determination(p) >= min_significance for p in peaks])
    need = [i for i in np.flatnonzero(~clear) if idx.best.assignment[i]]
    if clear.sum() < 2 or not need:
        return idx
    w = np.array([peaks[i].fwhm_inv_a for i in need])
    e = np.array([peaks[i].fwhm_err for i in need])
    if not np.all(np.isfinite(e) & (e > 0)):
        return idx
    w_mean, e_mean = np.sum(w / e**2) / np.sum(1 / e**2), 1 / np.sqrt(np.sum(1 / e**2))
    q_need = min(peaks[i].q_inv_a for i in need)
    below = [p for p, c in zip(peaks, clear) if c and p.q_inv_a < q_need and np.isfinite(p.fwhm_err)]
    if not below:
        return idx
    ref = min(below, key=lambda p: p.fwhm_inv_a)
    if ref.fwhm_inv_a - w_mean <= NARROW_SIGMA * np.hypot(e_mean, ref.fwhm_err):
        return idx
    keep = [j for j in range(len(peaks)) if j not in need]
    again = _index_subset(ps, keep, index_kw)
    if again is None:
        return idx
    q_max = float(max(p.q_inv_a for p in peaks))
    tol = 0.5 * float(np.median([p.fwhm_inv_a for p, c in zip(peaks, clear) if c]))
    for name in again.tie:
        c = again.candidate(name)
        if (not all(a for a, j in zip(c.assignment, keep) if clear[j])
                or not _lines_among(c, idx.best, q_max, tol)):
            continue
        return _led_by(again, c, need, method="positions, narrow marginals aside")
    return idx


def _lines_among(small, big, q_max: float, tol: float) -> bool:
    """Every line of candidate ``small`` up to ``q_max`` lies within ``tol`` (Å⁻¹; half a
    line width: closer lines are one peak) of a line of candidate ``big``, and ``big`` has
    a line there that ``small`` has not: ``big`` predicts the same lines and more (the
    same phase at a lattice constant a fraction of a line width away is no other cell)."""
    from dackit.saxs.mesophase import MESOPHASES

    k_s, k_b = 2 * np.pi / small.lattice_a, 2 * np.pi / big.lattice_a
    qs = MESOPHASES[small.name].reflections(q_max / k_s + 1e-6).s * k_s
    qb = MESOPHASES[big.name].reflections(q_max / k_b + 1e-6).s * k_b
    if not (qs.size and qb.size):
        return False
    dist = np.abs(qs[:, None] - qb[None, :])
    return bool(np.all(dist.min(axis=1) <= tol) and np.any(dist.min(axis=0) > tol))


def _index_subset(ps: PeakSet, keep: list[int], index_kw: dict) -> Indexing | None:
    """The peaks ``keep`` (indices into ``ps.peaks``) indexed on their own, with the per-peak
    keywords of ``index_kw`` cut to them; None when they cannot be indexed."""
    peaks = ps.peaks
    kw = dict(index_kw)
    for key in ("fwhm_inv_a", "strengths", "strength_err"):
        if kw.get(key) is not None:
            kw[key] = np.asarray(kw[key], float)[keep]
    try:
        return index_peaks([peaks[j].q_inv_a for j in keep], [peaks[j].q_err for j in keep], **kw)
    except DackitError:
        return None


def _indexed_without(ps: PeakSet, i: int, index_kw: dict, q_lo: float) -> Indexing | None:
    """The peaks but ``i`` indexed again, when they index cleanly on their own (one best
    phase, no tie, every peak explained, its first line present, reduced χ² ≤ 9, three
    peaks or more for a 3D lattice: what :func:`dackit.saxs.quality.saxs_verdict` asks
    of an ok result); peak ``i`` is put back unexplained and paid for, and is the
    indexing's ``set_aside``. None otherwise."""
    from dackit.saxs.quality import _THREE_D, _first_line_missing

    peaks = ps.peaks
    keep = [j for j in range(len(peaks)) if j != i]
    again = _index_subset(ps, keep, index_kw)
    if again is None:
        return None
    b = again.best
    n = len(keep)
    if (len(again.tie) > 1 or b.n_unexplained or _first_line_missing(again, q_lo)
            or b.chi2 > 9 * (n - 1) or (b.name in _THREE_D and n < 3)):
        return None
    return _led_by(again, b, [i], set_aside=peaks[i])


def _led_by(again: Indexing, lead, put_back, **kw) -> Indexing:
    """``again``, an indexing of some of the peaks, with candidate ``lead`` first and
    ahead of its tie, and the peaks ``put_back`` (indices into the whole set) back in
    place, unexplained and paid for; ``kw`` go to :class:`Indexing` (method, set_aside)."""
    from dackit.saxs.mesophase import UNEXPLAINED_PENALTY

    cands = (lead, *[o for o in again.candidates if o is not lead])
    for i in sorted(int(j) for j in put_back):  # ascending: each index is that of the whole set
        cands = tuple(dataclasses.replace(
            c, assignment=(*c.assignment[:i], "", *c.assignment[i:]),
            residual_inv_a=np.insert(c.residual_inv_a, i, np.nan),
            line_weight=None if c.line_weight is None else np.insert(c.line_weight, i, np.nan),
            n_unexplained=c.n_unexplained + 1, score=c.score + UNEXPLAINED_PENALTY) for c in cands)
    return Indexing(cands, (lead.name, *[n for n in again.tie if n != lead.name]), **kw)


def _rise_in_data(ps: PeakSet, r, qc: float, w: float) -> float:
    """How far the data less the fitted peaks rise at ``qc`` (the most within ±w/2) over
    the straight line through them at qc ± 2w, in the units of the residual ``r`` at qc.

    A bound on a line there that does not rest on the smooth background: a background
    that swallowed a line (coarse binning, a steep low-q edge) leaves no trace in the
    residual, but the line still stands over the chord (as in
    :func:`~dackit.saxs.quality._missed_lower_line`, which looks at the raw data without
    the fitted peaks' wings taken off)."""
    q = np.asarray(ps.q, float)
    bg = np.asarray(ps.background, float)
    per = bg if ps.mode == "divide" else np.ones_like(bg)  # residual units → intensity
    data = (r + (1.0 if ps.mode == "divide" else bg)) * per
    ends = np.interp([qc - 2 * w, qc + 2 * w], q, data)
    near = np.abs(q - qc) <= max(0.5 * w, 0.6 * float(np.median(np.diff(q))))
    chord = np.interp(q[near], [qc - 2 * w, qc + 2 * w], ends)
    return float(np.max(data[near] - chord)) / float(np.interp(qc, q, per))


@dataclass(frozen=True)
class AbsentFirstLine:
    """The first line of a phase measured absent (:func:`_absent_first_line_aside`): the
    phase, the line, its q (Å⁻¹), the height fitted there and the least height the phase's
    own peaks predict for it, both in units of the fit's error."""

    phase: str
    hkl: str
    q_inv_a: float
    z: float
    want_z: float


def _absent_first_line_aside(ps: PeakSet, ff, idx: Indexing, min_significance: float) -> Indexing:
    """The runner-up first when the best phase's first line is measured absent and the
    runner-up, which explains as many peaks, has its own first line.

    The first line of a lattice of particles that do not overlap lies in the first lobe of
    their form factor, and disorder only weakens the higher orders, so it is at least as
    strong as any higher line of no greater Lorentz weight, less twice the strength scatter
    (:func:`~dackit.saxs.oneline._first_line_absent`). Where a line of the lattice's width
    fitted at its position (on the residual after the fitted peaks, fully inside the data)
    stands under :data:`~dackit.saxs.quality.ABSENT_MAX_Z` σ and falls
    :data:`~dackit.saxs.quality.ABSENT_SIGMA` σ short of that least height, the data rule
    the line out: the absence is worth at least ABSENT_SIGMA² in χ², where the indexing
    charged the missing line :data:`~dackit.saxs.mesophase.MISSING_PENALTY` (it does not
    ask the data, and a line on a form-factor minimum can be absent for real). The first
    candidate after the best that explains as many peaks, trails it by less than that
    (with and without the match credits), has its first line present (or below the data),
    is not ruled out by the line strengths (:func:`~dackit.saxs.quality._strengths_decide`)
    and has no line measured absent (:func:`~dackit.saxs.quality.measured_absent_line`)
    goes first, the best charged ABSENT_SIGMA² behind it, the phases within 1 of it whose
    first line is not absent tied with it (method "positions, absent line", always
    doubtful; ``set_aside`` the :class:`AbsentFirstLine`). The data less the fitted peaks
    must not rise at the line over the chord beside it by as much as that least height
    (:func:`_rise_in_data`): the residual alone cannot show a line the smooth background
    swallowed. The first-lobe argument holds for particles of one sign of contrast; a
    core–shell particle whose shell cancels its core can put a form-factor zero anywhere,
    and only an accepted form factor (which then does not count the line missing) says so.
    sasmodels' ``bcc_paracrystal`` (tests/sasmodels_curves case 12, a = 126.2 Å, high
    orders 1–2 % low) was read FCC 179.0 Å, its 111 at 0.0608 Å⁻¹ fitted at 0.9σ where the
    FCC 200 seen at 68σ predicts at least 167σ."""
    from dackit.saxs.oneline import first_line_measured
    from dackit.saxs.peaks import _determination, _residual_of
    from dackit.saxs.quality import (ABSENT_MAX_Z, ABSENT_SIGMA, _strengths_decide,
                                     measured_absent_line, missing_first_line)

    peaks = ps.peaks
    best = idx.best
    q = np.asarray(ps.q, float)
    q_lo = float(getattr(ps, "q_usable_min", q[0]))
    if idx.method != "positions" or len(peaks) < 2 or missing_first_line(best, q_lo) is None:
        return idx
    resid = _residual_of(q, ps.intensity, ps.background, ps.noise, ps.mode, peaks, ps.shape)
    if resid is None:
        return idx
    r, sig = resid
    w = float(np.median([p.fwhm_inv_a for p in peaks]))
    eta = max(peaks, key=_determination).eta

    def absent(c) -> AbsentFirstLine | None:
        m = first_line_measured(ps, r, sig, w, eta, c, min_significance)
        # the line and the baseline on both sides of it inside the data: a line on the
        # data's first points is not measured
        if m is None or m[1] < q[0] + 2 * w:
            return None
        hkl, qc, a, e, want = m
        if (a >= ABSENT_MAX_Z * e or want - a < ABSENT_SIGMA * e
                or _rise_in_data(ps, r, qc, w) > want - ABSENT_SIGMA * float(np.interp(qc, q, sig))):
            return None
        return AbsentFirstLine(c.name, hkl, qc, a / e, want / e)

    gone = absent(best)
    if gone is None:
        return idx
    for c in idx.candidates[1:]:
        lead = c.score - best.score
        if (c.n_unexplained > best.n_unexplained
                or max(lead, lead + c.match_credit - best.match_credit) >= ABSENT_SIGMA**2
                or missing_first_line(c, q_lo) is not None or _strengths_decide(best, c)
                or measured_absent_line(ps, ff, c)):
            continue
        rest = sorted([dataclasses.replace(best, score=best.score + ABSENT_SIGMA**2),
                       *[o for o in idx.candidates[1:] if o is not c]], key=lambda o: o.score)
        tie = (c.name, *[o.name for o in rest if o.name != best.name
                         and o.score <= c.score + 1.0 and absent(o) is None])
        return Indexing((c, *rest), tie, method="positions, absent line", set_aside=gone)
    return idx


#: below this share of particle scattering in the smooth intensity a line's strength is
#: not used (the structure-factor modulation there is mostly hidden under other scattering)
MIN_PARTICLE_FRACTION = 0.1
#: share of the smooth intensity the form-factor fit may misattribute between particle
#: and other scattering: the strength's relative error gains this over the particle share
FRACTION_UNCERTAINTY = 0.05


def line_strengths(ps: PeakSet, ff: FormFactorFit | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Integrated peak areas in units of S(q) − 1, and their standard errors.

    The peaks of a ``divide``-mode fit are already in those units (pattern / smooth
    background − 1); ``subtract``-mode areas are divided by the background at the peak.
    With an accepted form factor the areas are divided by its share of the smooth
    intensity (:meth:`~dackit.saxs.formfactor.FormFactorFit.particle_fraction`): the
    structure factor modulates only the particle scattering, not the Porod or flat
    background. Their relative errors gain :data:`FRACTION_UNCERTAINTY` over that share. Peaks where
    it is under :data:`MIN_PARTICLE_FRACTION`, or with no
    finite area, get NaN (not used by the indexing).

    Parameters
    ----------
    ps : PeakSet
        Fitted peaks (:func:`~dackit.saxs.peaks.find_peaks`).
    ff : FormFactorFit, optional
        The form factor under the peaks.

    Returns
    -------
    (ndarray, ndarray)
        Strengths and their errors, one per peak of ``ps``.
    """
    q = np.array([p.q_inv_a for p in ps.peaks], float)
    area = np.array([p.area for p in ps.peaks], float)
    rel = np.array([np.hypot(p.amplitude_err / p.amplitude if p.amplitude > 0 else np.inf,
                             p.fwhm_err / p.fwhm_inv_a if p.fwhm_inv_a > 0 else np.inf)
                    for p in ps.peaks], float)
    if ps.mode != "divide":
        bg = np.interp(q, ps.q, ps.background)
        area = np.where(bg > 0, area / np.where(bg > 0, bg, 1.0), np.nan)
    if ff is not None and ff.accepted:
        frac = ff.particle_fraction(q)
        area = np.where(frac >= MIN_PARTICLE_FRACTION, area / np.maximum(frac, 1e-12), np.nan)
        rel = np.hypot(rel, FRACTION_UNCERTAINTY / np.maximum(frac, 1e-12))
    area = np.where(np.isfinite(area) & (area > 0), area, np.nan)
    return area, area * np.nan_to_num(rel, nan=np.inf, posinf=np.inf)


def thickness_from_pattern(pattern: Pattern, *, wavelength_a=None, k=0.89, peak="first",
                           instrument_fwhm_inv_a=0.0, instrument_shape="gaussian",
                           **peak_kw) -> ScherrerResult:
    """Scherrer thickness from the first (or ``peak="strongest"``) fitted peak.

    Parameters
    ----------
    pattern : Pattern
        A SAXS pattern.
    wavelength_a : float, optional
        X-ray wavelength in Å (only to report the angle form).
    k : float, default 0.89
        Scherrer shape factor K (0.89–0.94 for spheres and cubes; 0.9 is usual).
    peak : {"first", "strongest"}, default 'first'
        Which fitted peak gives the width.
    instrument_fwhm_inv_a : float, default 0.0
        Instrumental FWHM in Å⁻¹, removed first.
    instrument_shape : {"gaussian", "lorentzian"}, default 'gaussian'
        Profile shape of the instrument function: Gaussian widths subtract in quadrature,
        Lorentzian widths linearly.
    **peak_kw : | Keywords of :func:`find_peaks`.
    """
    return thickness_with_verdict(pattern, wavelength_a=wavelength_a, k=k, peak=peak,
                                  instrument_fwhm_inv_a=instrument_fwhm_inv_a,
                                  instrument_shape=instrument_shape, **peak_kw)[0]


def thickness_with_verdict(pattern: Pattern, *, wavelength_a=None, k=0.89, peak="first",
                           instrument_fwhm_inv_a=0.0, instrument_shape="gaussian",
                           **peak_kw) -> tuple[ScherrerResult, Verdict]:
    """:func:`thickness_from_pattern` and the verdict on it (width vs instrument, width
    determined, and the pattern-level checks on background and usable range)."""
    from dackit.saxs.quality import saxs_verdict, thickness_verdict

    if peak not in ("first", "strongest"):
        raise InputError(f"peak={peak!r}: use 'first' or 'strongest'")
    ps = find_peaks(pattern, **peak_kw)
    p = ps.peaks[0] if peak == "first" else max(ps.peaks, key=lambda p: p.area)
    lam = wavelength_a if wavelength_a is not None else pattern.wavelength_a
    r = scherrer_thickness(p.q_inv_a, p.fwhm_inv_a, fwhm_err=p.fwhm_err, k=k, wavelength_a=lam,
                           instrument_fwhm_inv_a=instrument_fwhm_inv_a,
                           instrument_shape=instrument_shape)
    base = saxs_verdict(SaxsResult(pattern.source, ps, None)).plus(
        doubts=_assumed_unit_doubt(pattern), info=_reading_notes(pattern))
    return r, thickness_verdict(p, instrument_fwhm_inv_a, base)
