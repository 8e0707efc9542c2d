"""How far a SAXS result can be trusted: the checks behind its ``quality`` verdict.

Each check names what it saw, in words a user can act on. Doubts (the result may be wrong):

* fewer than two peaks (no mesophase can be indexed from one d-spacing; the phase given,
  if any, is the one weak lines at its predicted positions or the form factor's shape
  favour: :func:`dackit.saxs.oneline.index_one_line`);
* a phase put ahead of the indexing's best by weak lines under the detection threshold at
  its predicted positions (:func:`dackit.saxs.oneline.reorder_by_weak_lines`), or weak lines
  favouring a rival kept second because its first line is measured absent;
* the indexing cannot separate two mesophases (scores within the tie margin): the tie is
  named; SC and BCC cannot be told apart before the √7 line of SC's sequence: BCC is
  only taken as shown when a peak sits on a line SC forbids (h²+k²+l² of BCC's 321, 521 …
  over 2 = 4ᵃ(8b+7)) or the strengths of the lines seen rule SC out (the second line of
  SC is as strong as the first, that of BCC a quarter); otherwise its lead over SC rests
  on the weights of lines not seen, which a form-factor minimum can hide in either phase;
* too few peaks to fix a 3D lattice (fewer than 3 for a cubic or HCP assignment);
* observed peaks the chosen mesophase does not explain, or position residuals far above
  their errors (reduced χ² of the indexing > 9, i.e. 3σ on average);
* more than half of the lines the mesophase predicts as strong are missing;
* the first peak within 10 % of the usable low-q limit (beamstop edge or data start),
  unless the other peaks fix the lattice and the first sits on it (see :func:`_edge_harmless`)
  and no tie by position was broken by line strengths the best does not fit either
  (:func:`_unfit_strengths_decided`: the areas there rest on an unpinned background);
* a background hump (local maximum of the background) under a peak, unless the accepted
  particle form factor has its own maximum there (real scattering, not an artefact);
* significant structure left in the residual (a peak the fit did not take up), unless the
  indexing is confident and either the structure lies above the first peak or, taken as
  extra lines, it leaves the mesophase and lattice as they are (:func:`_left_keeps_result`).

* only two indexed peaks and a line the mesophase predicts between or beside them missing:
  one ratio of d-spacings is shared by many mesophases (1 : 2 is lamellar 001/002,
  hexagonal 10/20, cubic 100/200 …); only the lines seen and not seen tell them apart;
* a rival mesophase would tie with the best were one marginal observed peak it leaves
  unexplained not there (height under 5σ of its fit, or narrower than half the others):
  one such peak (noise, a stray) is too little to decide;
* a marginal peak set aside (:func:`dackit.saxs.analysis._bump_aside`): under the
  detection threshold and, fitted with the lines' width, under 3σ (a background bend), it
  alone put a cell whose lines include all of the reported one's first;
* a lead over the runner-up (which explains the same peaks) of less than one line the
  runner-up predicts and nobody sees, while the weakest line seen is under twice the
  detection threshold (a line that weak can be missed), unless the strengths of the lines
  seen rule the runner-up out or, with an accepted form factor, one of its unseen lines is
  measured absent (:func:`_measured_absent`);
* a runner-up that explains the same peaks, trails only by lines not seen (at most three)
  and fits the observed line strengths clearly better (:func:`_strengths_disagree`);
* a lead that rests on lines counted missing above the highest peak over the detection
  threshold, past which only marginal peaks stand (:func:`_lead_beyond_clear_lines`);
* a simpler cell, whose lines are all among the best's, that explains every peak that
  decides: the best rests on peaks of its own lines that are marginal, narrower than the
  lines below them, where another population's line would match by chance, or above a
  missing own line as strong (:func:`_rests_on_extra_peaks`);
* weak side maxima, narrower than the orders, read as Laue fringes of a thin stack of the
  lamellar cell reported rather than as orders of a cell k times larger
  (:func:`dackit.saxs.analysis._laue_fringes_aside`; the stack size is named);
* indexed peaks whose widths no single domain size and strain can give (see
  :data:`WIDTH_RATIO`): a background hump or a second phase indexed as a line.
* every indexed peak as broad as a dense liquid's structure-factor maximum or a form
  factor's hump (:data:`LIQUID_WIDTH`): a coherence length of a few periods shows no
  lattice (two maxima of a sheet's form factor at 1 : 1.71 read as hexagonal 10/11).

Lines the particle form factor hides (``visibility`` of
:func:`dackit.saxs.formfactor.fit_form_factor`) are not counted as missing; a phase that
leads only because its rival's lines fall in a form-factor minimum is then tied with it.

Information (kept with an ok verdict): peaks found vs expected, figure of merit and margin
over the runner-up, the usable low-q limit.
"""
from __future__ import annotations

import numpy as np

from dackit.core.quality import Verdict

#: a peak weaker than this share of the strongest may be a foreign line (an impurity, a
#: second phase) rather than a line of the lattice that needs it
#: (:func:`dackit.saxs.analysis._foreign_line_aside`)
FOREIGN_LINE_SHARE = 0.05

#: relative floor on a line's position error: how far real lines sit off their ideal lattice
#: positions (background, overlap, paracrystal shifts); the indexing's ``rel_floor``
#: (:func:`dackit.saxs.mesophase.index_peaks`)
REL_POSITION_FLOOR = 0.003

#: phases whose lattice a 3D cell needs at least three peaks to fix
_THREE_D = ("sc", "bcc", "fcc", "hcp", "pn3m", "ia3d")


#: The first two reflections of the bicontinuous cubic phases, their strongest and the pair
#: by which they are identified (Ia3d √6:√8, Pn3m √2:√3; Kulkarni et al., Phys. Chem. Chem.
#: Phys. 13, 3004 (2011)). Without them the lines seen are a subset of another cubic
#: lattice's (Ia3d's are bcc's): xrsdkit R3_SAXS_0042, an fcc superlattice, was "ia3d, ok"
#: on 211, 332, 431, 521 with 220 missing beside a 134σ 211.
_BICONTINUOUS_SIGNATURE = {"ia3d": ("211", "220"), "pn3m": ("110", "111")}


def _local_maxima(y) -> np.ndarray:
    """Indices where a sampled curve stops rising (the first point of a flat top)."""
    d = np.diff(y)
    return np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0)) + 1


def _background_humps(ps):
    """q of local maxima of the background lying under a fitted peak (within 2 FWHM)."""
    bg = np.asarray(ps.background, float)
    q = np.asarray(ps.q, float)
    if bg.size < 5:
        return []
    tops = _local_maxima(bg)
    # a maximum of an accepted particle form factor is real scattering, not an artefact of
    # the background: the background rightly follows it (module docstring of formfactor)
    ff = getattr(ps, "form_factor", None)
    ff_tops = q[_local_maxima(ff.model(q))] if ff is not None and ff.accepted else np.empty(0)
    out = []
    for i in tops:
        for p in ps.peaks:
            if abs(q[i] - p.q_inv_a) <= 2 * p.fwhm_inv_a:
                if np.any(np.abs(ff_tops - q[i]) <= 2 * p.fwhm_inv_a):
                    break
                # a hump that matters: the background rises by more than the peak's noise
                lo = max(0, i - 20)
                rise = bg[i] - bg[lo:i + 1].min()
                if rise > 3 * float(np.median(ps.noise[lo:i + 1])):
                    out.append(float(q[i]))
                break
    return out


def _left_structure(ps, min_significance):
    """q of significant maxima left in data − fit (peaks the fit did not take up)."""
    from dackit.saxs.peaks import _detect

    r = ps.intensity - ps.fitted_intensity()
    try:
        idx, snr, _, fw = _detect(ps.q, r, ps.noise, max(min_significance, 5.0) * 1.6)
    except Exception:  # noqa: BLE001 - a check must not break the measurement
        return []
    if not ps.peaks or idx.size == 0:
        return []
    # only structure as narrow as the Bragg peaks counts: broad form-factor oscillations
    # left by a smooth background are not missed reflections
    ref = float(np.median([p.fwhm_inv_a for p in ps.peaks]))
    # a small misfit on a strong line's flank is its profile's asymmetry (slit smearing,
    # an asymmetric instrument function), not a line: a line that close and that weak
    # would not be resolved from the profile anyway
    height = ps.fitted_intensity() - ps.background
    wing = []
    for p in ps.peaks:
        top = float(np.interp(p.q_inv_a, ps.q, height))
        wing.append((p.q_inv_a, WING_FWHM * p.fwhm_inv_a, LINE_SHAPE_FRACTION * top))
    return [float(ps.q[i]) for i, w in zip(idx, fw) if w <= 3 * ref
            and not any(abs(ps.q[i] - c) <= span and r[i] <= lim for c, span, lim in wing)]


#: a residual maximum within this many FWHM of a fitted line ...
WING_FWHM = 2.5
#: ... and below this fraction of its height is the line's profile misfit (see
#: :func:`_left_structure`)
LINE_SHAPE_FRACTION = 0.05


#: FWHM ratio allowed between two indexed peaks beyond what broadening can explain: size
#: broadening gives every line the same Δq, strain broadening Δq ∝ q, so a line may be at
#: most (q_hi/q_lo) times broader than a lower one and no broader than a higher one; the
#: factor 5 (that of ``max_width_ratio`` in the peak finder) leaves room for unresolved
#: multiplets (HCP 002/101) and overlapping wings
WIDTH_RATIO = 5.0


def _inconsistent_widths(peaks, assignment) -> str:
    """A note if two peaks of one indexing cannot share one domain size / strain."""
    pk = [p for p, a in zip(peaks, assignment) if a]
    for i, lo in enumerate(pk):
        for hi in pk[i + 1:]:
            # ratios taken 2σ towards each other: a poorly fitted width proves nothing
            e_lo, e_hi = (np.nan_to_num(p.fwhm_err, nan=np.inf) for p in (lo, hi))
            wider_hi = (hi.fwhm_inv_a - 2 * e_hi) / (lo.fwhm_inv_a + 2 * e_lo)
            wider_lo = (lo.fwhm_inv_a - 2 * e_lo) / (hi.fwhm_inv_a + 2 * e_hi)
            if wider_hi > WIDTH_RATIO * hi.q_inv_a / lo.q_inv_a or wider_lo > WIDTH_RATIO:
                return (f"peak widths inconsistent with one lattice: FWHM {lo.fwhm_inv_a:.3g} Å⁻¹ "
                        f"at q = {lo.q_inv_a:.4g} and {hi.fwhm_inv_a:.3g} Å⁻¹ at "
                        f"q = {hi.q_inv_a:.4g} Å⁻¹ (a background hump or another phase)")
    return ""


#: Narrowest indexed line (FWHM, 2σ towards narrower) over the q of the first indexed line
#: at or above which no lattice is shown: the coherence length 2πK/Δq is then under ~6
#: periods of the first spacing, and the humps are as broad as the first maximum of a
#: dense liquid's structure factor (Δq/q ≈ 0.2; Hansen & McDonald, *Theory of Simple
#: Liquids*, 3rd ed. 2006, ch. 4) or a maximum of a polydisperse particle form factor.
#: Size broadening gives every line the same Δq, so the narrowest line bounds the domain.
LIQUID_WIDTH = 0.15


def _too_broad_for_lattice(peaks, assignment) -> str:
    """A note when even the narrowest indexed peak is as broad as a liquid's or a form
    factor's hump (:data:`LIQUID_WIDTH` of the first indexed line's q): two broad maxima
    of a sheet's form factor at 1 : 1.71 were read as hexagonal 10/11, ok (sweep seed
    2026 case 200, a lamellar stack whose Bragg lines were too weak to see)."""
    pk = [p for p, a in zip(peaks, assignment) if a]
    if len(pk) < 2:
        return ""
    q1 = min(p.q_inv_a for p in pk)
    narrow = min(p.fwhm_inv_a - 2 * (p.fwhm_err if np.isfinite(p.fwhm_err) else np.inf) for p in pk)
    if not narrow >= LIQUID_WIDTH * q1:
        return ""
    return (f"every indexed peak is broad (narrowest FWHM ≥ {narrow:.3g} Å⁻¹, "
            f"{narrow / q1:.0%} of the first line's q = {q1:.4g} Å⁻¹): a coherence length "
            f"of {2 * np.pi / narrow:.0f} Å, a few periods; humps this broad may be maxima of "
            "the particle form factor or of a liquid-like structure factor, not Bragg lines")


def _sc_forbidden(m: int) -> bool:
    """True if m is not a sum of three squares (m = 4ᵃ(8b + 7), Legendre): no SC line."""
    while m and m % 4 == 0:
        m //= 4
    return m % 8 == 7


def _strengths_decide(best, rival) -> bool:
    """The observed line strengths rule ``rival`` out against ``best`` (strength χ² worse
    by :data:`~dackit.saxs.mesophase.STRENGTH_DECISIVE`; see
    :func:`~dackit.saxs.mesophase.strength_misfit`)."""
    return _decisive(best.strength_chi2, rival.strength_chi2)


def _decisive(chi2_best, chi2_rival) -> bool:
    """A strength χ² worse than the best's by :data:`~dackit.saxs.mesophase.STRENGTH_DECISIVE`
    rules the rival out (both finite)."""
    from dackit.saxs.mesophase import STRENGTH_DECISIVE

    return bool(np.isfinite(chi2_best) and np.isfinite(chi2_rival) and chi2_rival >= chi2_best + STRENGTH_DECISIVE)


def _margin(best, rival) -> float:
    """The rival's score minus the best's, the smaller of with and without the match
    credits (:attr:`~dackit.saxs.mesophase.Candidate.match_credit`): the credits favour
    the sparser lattice, an Occam preference the checks below do not take as proof that
    the lines a rival predicts but nobody sees decide between them."""
    full = rival.score - best.score
    return min(full, full + rival.match_credit - best.match_credit)


def _strengths_disagree(idx) -> str:
    """A note when a rival that explains the same peaks and trails the best only by lines
    not seen (at most :data:`STRENGTH_OVERRULED_LINES` missing lines' worth of score)
    describes the observed line strengths clearly better (strength χ² lower by 4, 2σ):
    the two kinds of evidence disagree — e.g. a BCC pattern whose 200, 220 and 310 lines
    sit in form-factor minima the form-factor fit did not find, read as hexagonal
    10/11/21 (1 : √3 : √7) with 20 missing."""
    from dackit.saxs.mesophase import MISSING_PENALTY

    best = idx.best
    if not np.isfinite(best.strength_chi2):
        return ""
    for c in idx.candidates[1:]:
        if (c.n_unexplained <= best.n_unexplained and np.isfinite(c.strength_chi2)
                and _margin(best, c) <= STRENGTH_OVERRULED_LINES * MISSING_PENALTY
                and c.strength_chi2 <= best.strength_chi2 - 4.0):
            return (f"the line strengths fit {c.name} better than {best.name} (strength χ² "
                    f"{c.strength_chi2:.1f} against {best.strength_chi2:.1f}); {best.name} "
                    f"leads only through {c.name} lines not seen "
                    f"({', '.join(c.missing_hkl[:3]) or 'none'})")
    return ""


#: how many missing lines' worth of indexing score the line strengths may call into doubt
STRENGTH_OVERRULED_LINES = 3

#: a line where the form factor fitted under the pattern keeps under this share of its
#: strength (:meth:`~dackit.saxs.formfactor.FormFactorFit.visibility`) may be weakened by it
DIP_VISIBILITY = 0.5


#: Lorentz-factor exponents besides the powder 1/q² (k = 2) under which a strength decision
#: must hold: 1/q (rods, or a pattern integrated differently) and none (areas ∝ m|F|²)
LORENTZ_ALTERNATIVES = (1, 0)


def _rivals_out_by_strength(result, tie_margin: float) -> list:
    """The candidates that tie with the best by position (within ``tie_margin``, explaining
    as many peaks) and that the line strengths alone rule out, each with a predicted strength
    for every peak; empty when the best has none."""
    idx = result.indexing
    if idx is None or idx.best.line_weight is None:
        return []
    best, n_peaks = idx.best, len(result.peakset.peaks)
    if len(best.line_weight) != n_peaks:
        return []
    return [c for c in idx.candidates[1:]
            if _margin(best, c) <= tie_margin and c.name not in idx.tie
            and c.n_unexplained <= best.n_unexplained and _strengths_decide(best, c)
            and c.line_weight is not None and len(c.line_weight) == n_peaks]


def _strengths_rest_on_lorentz(result, tie_margin: float) -> str:
    """A note when the line strengths put a rival that ties with the best by position out
    of the tie only under the powder Lorentz factor 1/q²: with the lines' predicted strengths
    taken ∝ m|F|²/q or m|F|² (:data:`LORENTZ_ALTERNATIVES`) the rival is no longer ruled out.
    A BCC pattern built without the Lorentz factor (4 lines, before √7 q₁) was read as SC
    a/√2 at strength χ² 6 against 17, with quality ok (issue 10, bench/saxs_judge_few_lines.py)."""
    from dackit.saxs.analysis import line_strengths
    from dackit.saxs.mesophase import strength_misfit

    rivals = _rivals_out_by_strength(result, tie_margin)
    if not rivals:
        return ""
    best, peaks = result.indexing.best, result.peakset.peaks
    q = np.array([p.q_inv_a for p in peaks], float)
    st, st_err = line_strengths(result.peakset, result.form_factor)
    w_best = np.asarray(best.line_weight, float)
    for c in rivals:
        for k in LORENTZ_ALTERNATIVES:
            f = q ** (2 - k)
            if _decisive(strength_misfit(q, st, st_err, w_best * f),
                         strength_misfit(q, st, st_err, np.asarray(c.line_weight, float) * f)):
                continue
            law = "m|F|²/q" if k == 1 else "m|F|²"
            return (f"{best.name} leads {c.name}, which places its lines on the same peaks, only by line "
                    f"strengths (χ² {best.strength_chi2:.1f} against {c.strength_chi2:.1f}) read with the "
                    f"powder Lorentz factor 1/q²; with strengths ∝ {law} they do not decide")
    return ""


def _strengths_decided_in_dip(result, tie_margin: float) -> str:
    """A note when the line strengths put a rival that ties with the best by position out
    of the tie, the form factor fitted under the pattern puts a dip on a peak, and without
    the peaks in dips the strengths no longer rule the rival out. A line in a dip looks
    weaker than its lattice predicts whatever the lattice, and its strength is not to be
    trusted either way: a fit the peak's own mask leaves unaccepted corrects nothing, and an
    accepted one divides by a dip whose depth rests on the fitted polydispersity. SC of
    touching spheres (R/nn 0.49–0.5, 110 at the first sphere zero) cut before 210 was read
    as BCC a·√2 (110/200/211, 200 weak by its structure) with quality ok."""
    from dataclasses import replace

    from dackit.saxs.analysis import line_strengths
    from dackit.saxs.mesophase import strength_misfit

    ff = result.form_factor
    rivals = _rivals_out_by_strength(result, tie_margin) if ff is not None else []
    if not rivals:
        return ""
    best, peaks = result.indexing.best, result.peakset.peaks
    q = np.array([p.q_inv_a for p in peaks], float)
    vis = (ff if ff.accepted else replace(ff, accepted=True, alternatives=())).visibility(q)
    keep = vis >= DIP_VISIBILITY
    if keep.all():
        return ""
    st, st_err = line_strengths(result.peakset, ff)
    w_best = np.asarray(best.line_weight, float)
    for c in rivals:
        # an uncorrected dip only weakens a line: it excuses the rival where the rival
        # predicts the line stronger, relative to the other peaks, than the best does; an
        # accepted form factor's correction in a dip may as well inflate it (fitted R a few %
        # off moves the zero onto the line: a BCC 200 came out at SC 110's strength)
        ratio = np.asarray(c.line_weight, float) / np.where(w_best > 0, w_best, np.nan)
        if not np.isfinite(ratio[keep]).any():
            continue
        drop = ~keep & (True if ff.accepted else np.isfinite(ratio) & (ratio > np.nanmedian(ratio[keep])))
        if not drop.any():
            continue
        use = ~drop
        if _decisive(strength_misfit(q[use], st[use], st_err[use], w_best[use]),
                     strength_misfit(q[use], st[use], st_err[use], np.asarray(c.line_weight, float)[use])):
            continue
        where = ", ".join(f"{v:.4g}" for v in q[drop])
        return (f"{best.name} leads {c.name}, which places its lines on the same peaks, only by line "
                f"strengths (χ² {best.strength_chi2:.1f} against {c.strength_chi2:.1f}), but the "
                f"{ff.shape} form factor fitted under the pattern (R = {ff.radius_a:.4g} Å"
                f"{'' if ff.accepted else ', not accepted'}) has a dip at q = {where} Å⁻¹ where a line's strength is not to be "
                "trusted; without it the strengths do not decide")
    return ""


def _bcc_not_shown(idx) -> bool:
    """BCC is best, SC explains the same peaks as well, and no peak is on an SC-forbidden line."""
    best = idx.best
    if best.name != "bcc":
        return False
    try:
        sc = idx.candidate("sc")
    except KeyError:
        return False
    if sc.n_unexplained > best.n_unexplained or sc.chi2 > best.chi2 + 1.0:
        return False
    if _strengths_decide(best, sc):
        return False
    for label in best.assignment:
        for hkl in label.split("/") if label else ():
            if hkl.isdigit() and _sc_forbidden(sum(int(c) ** 2 for c in hkl) // 2):
                return False
    return True


def marginal_hinge(idx, peaks, tie_margin=1.0, min_significance=5.0, *, spike_only=False):
    """(rival, peak) when a rival phase would tie with the best were one *marginal* observed
    peak it leaves unexplained not there, else None. A marginal peak's fitted height is under
    ``min_significance`` times its error, or it is under half the median width of the others
    (narrower than the domains allow); it is too little to decide between two lattices that
    agree on every other line. ``spike_only`` asks for both at once: a noise spike.

    Parameters
    ----------
    idx : Indexing
        The indexing of ``peaks``.
    peaks : sequence of SaxsPeak
        The observed peaks, in the indexing's order.
    tie_margin : float, default 1.0
        Score difference within which two phases tie.
    min_significance : float, default 5.0
        The detection threshold (peak height in units of its error).
    spike_only : bool, default False
        Only peaks both under the threshold and too narrow count.
    """
    from dackit.saxs.mesophase import UNEXPLAINED_PENALTY

    best = idx.best
    widths = np.array([p.fwhm_inv_a for p in peaks])
    for c in idx.candidates[1:]:
        if not (c.n_unexplained == best.n_unexplained + 1
                and _margin(best, c) - UNEXPLAINED_PENALTY <= tie_margin):
            continue
        for i, (p, a, b) in enumerate(zip(peaks, c.assignment, best.assignment)):
            if a or not b:
                continue
            others = np.delete(widths, i)
            weak = not p.amplitude_err > 0 or p.amplitude < min_significance * p.amplitude_err
            narrow = bool(others.size) and p.fwhm_inv_a < 0.5 * np.median(others)
            if (weak and narrow) if spike_only else (weak or narrow):
                return c, p
    return None


def _height(p) -> str:
    return f"{p.amplitude / p.amplitude_err:.1f}σ" if p.amplitude_err > 0 else "undetermined"


def _rests_on_one_peak(idx, peaks, tie_margin, min_significance=5.0) -> str:
    """A note if the best phase leads a rival only through one marginal peak (:func:`marginal_hinge`)."""
    hinge = marginal_hinge(idx, peaks, tie_margin, min_significance)
    if hinge is None:
        return ""
    c, p = hinge
    return (f"{idx.best.name} leads {c.name} only through one marginal peak "
            f"(q = {p.q_inv_a:.4g} Å⁻¹, height {_height(p)}) that {c.name} leaves unexplained")


#: a rival's unseen line is measured absent when a line fitted at its position (the
#: lines' width and shape) falls this many σ short of the height the rival predicts there
ABSENT_SIGMA = 5.0
#: ... and is itself under this many σ (nothing there that a noise bump could not be)
ABSENT_MAX_Z = 2.0


def _measured_absent(result, rival) -> str:
    """The first of ``rival``'s missing lines that the data of ``result`` show absent, ""
    if none (:func:`measured_absent_line` on its peaks and form factor)."""
    return measured_absent_line(result.peakset, getattr(result, "form_factor", None), rival)


def measured_absent_line(ps, ff, rival) -> str:
    """The first of ``rival``'s missing lines that the data show absent, "" if none.

    Only with an accepted form factor: without one, a line in an unseen form-factor
    minimum is hidden as surely as an absent one is missing (a BCC 200 at the sphere's
    first zero is a hexagonal 10/11/20 pattern). The rival's height at the line is
    predicted from its matched peaks (amplitude over Lorentz weight and particle share,
    the lowest of them: Debye–Waller decay only lowers lines, and the line may lie
    beyond the lowest), times the particle share there and the visibility (the lowest
    over the form factor and its alternatives), divided by the square of the strength
    scatter. A line fitted at that position with the lines' width falling
    :data:`ABSENT_SIGMA` σ short of it, and itself under :data:`ABSENT_MAX_Z` σ, is
    absent: no hiding the accepted form factor allows explains it.

    Parameters
    ----------
    ps : PeakSet
        The pattern's peaks (:func:`~dackit.saxs.peaks.find_peaks`).
    ff : FormFactorFit or None
        The form factor fitted under them; nothing is measured absent without an
        accepted one.
    rival : Candidate
        The phase whose missing lines are looked at.

    Returns
    -------
    str
        The line with its fitted and predicted heights in σ, or "".
    """
    from dackit.saxs.mesophase import MESOPHASES, STRENGTH_SCATTER
    from dackit.saxs.oneline import _line_fit
    from dackit.saxs.peaks import _determination, _residual_of

    if ff is None or not ff.accepted or rival.line_weight is None or len(ps.peaks) < 2:
        return ""
    q = np.asarray(ps.q, float)
    resid = _residual_of(q, ps.intensity, ps.background, ps.noise, ps.mode, ps.peaks, ps.shape)
    if resid is None:
        return ""
    r, sig = resid
    scales = [p.amplitude / (lw * max(float(ff.particle_fraction(np.array([p.q_inv_a]))[0]), 1e-3))
              for p, lab, lw in zip(ps.peaks, rival.assignment, rival.line_weight)
              if lab and np.isfinite(lw) and lw > 0 and p.amplitude > 0]
    if not scales:
        return ""
    scale = min(scales) * float(np.exp(-2 * STRENGTH_SCATTER))
    w = float(np.median([p.fwhm_inv_a for p in ps.peaks]))
    eta = max(ps.peaks, key=_determination).eta
    k = 2 * np.pi / rival.lattice_a
    refl = MESOPHASES[rival.name].reflections(float(q[-1]) / k + 1e-6)
    for label in rival.missing_hkl:
        j = [i for i, h in enumerate(refl.hkl) if h == label]
        if not j:
            continue
        qc = float(refl.s[j[0]] * k)
        if not q[0] + 2 * w < qc < q[-1] - 2 * w:
            continue
        want = (scale * refl.weight[j[0]] / refl.s[j[0]] ** 2
                * float(ff.particle_fraction(np.array([qc]))[0]) * float(ff.visibility(np.array([qc]))[0]))
        a, e = _line_fit(q, r, sig, qc, w, eta)
        if np.isfinite(a) and e > 0 and a < ABSENT_MAX_Z * e and want - a >= ABSENT_SIGMA * e:
            return f"{label} ({a / e:.1f}σ where {want / e:.0f}σ is predicted)"
    return ""


def _lead_on_unseen_lines(idx, peaks, min_significance=5.0, result=None) -> str:
    """A note when the best phase leads its runner-up by less than one full missing line
    (``MISSING_PENALTY``: one line the runner-up predicts and nobody sees, or a weaker
    one) while the runner-up explains every peak the best does, and the weakest line that
    *is* seen stands under twice the detection threshold (height < 2·min_significance σ):
    a predicted line of similar strength may then just as well be under the threshold,
    so its absence does not decide (two peaks at 1 : 2 are lamellar 001/002 or hexagonal
    10/20 with 11 not seen) — unless ``result`` is given and one of the runner-up's unseen
    lines is measured absent (:func:`_measured_absent`)."""
    best = idx.best
    matched = [p for p, a in zip(peaks, best.assignment) if a]
    if not matched or len(idx.candidates) < 2:
        return ""
    from dackit.saxs.mesophase import MISSING_PENALTY

    rival = idx.candidates[1]
    if (rival.n_unexplained > best.n_unexplained or not rival.missing_hkl
            or _margin(best, rival) >= MISSING_PENALTY or _strengths_decide(best, rival)):
        return ""
    weakest = min((p.amplitude / p.amplitude_err if p.amplitude_err > 0 else 0.0) for p in matched)
    if weakest >= 2 * min_significance or (result is not None and _measured_absent(result, rival)):
        return ""
    return (f"{best.name} leads {rival.name} only through {rival.name} lines not seen "
            f"({', '.join(rival.missing_hkl[:3])}) while the weakest line seen is "
            f"{weakest:.1f}σ: lines that weak may be missed")


#: a peak is *placed* on a line when a position drawn at random would fall within ±2σ of
#: one of the lines there at most this often (4σ/gap): a low order of a sparse lattice
PLACED_CHANCE = 0.1


def _placed(best, peaks) -> np.ndarray:
    """Per peak: matched by ``best`` where its lines are so sparse that a chance position
    hits one within ±2σ at most :data:`PLACED_CHANCE` of the time (the match ratio
    gap/(√(2π)σ) of :func:`~dackit.saxs.mesophase._match_ratios` over
    4/(√(2π)·PLACED_CHANCE)); a peak matched among dense high orders is not placed."""
    from dackit.saxs.mesophase import MESOPHASES, _match_ratios

    q = np.array([p.q_inv_a for p in peaks])
    sig = np.hypot(np.nan_to_num(np.array([p.q_err for p in peaks])), REL_POSITION_FLOOR * q)
    k = 2 * np.pi / best.lattice_a
    refl = MESOPHASES[best.name].reflections(float(q.max()) / k * 1.05 + 1e-6)
    index = {h: j for j, h in enumerate(refl.hkl)}
    assign = np.array([index.get(a, -1) if a else -1 for a in best.assignment])
    out = np.zeros(q.size, bool)
    out[assign >= 0] = _match_ratios(refl.s * k, assign, q, sig) >= 4 / (np.sqrt(2 * np.pi) * PLACED_CHANCE)
    return out


def _lead_beyond_clear_lines(result, min_significance=5.0) -> str:
    """A note when the best phase keeps its place only through lines counted missing above
    the highest *placed* peak — over the detection threshold, or matched by the best phase
    at a line sparser than its position error (:func:`_placed`): every peak past it is
    marginal (under ``min_significance`` σ) and matched only among dense high orders, if
    at all, and such a peak far up the pattern (noise, a stray) makes every line a
    rival predicts below it 'missing'. The peaks are indexed again with no line above
    the highest placed peak counted missing; another phase first, or tied, means the
    lead rested on those lines. (Low-count BCC 110/200/211/220/310 with two 4σ bumps at
    5 q₁ was 'sc, ok': the bumps, SC 431/510 and 432/520, made 14 BCC lines missing and
    6 of SC.)"""
    from dackit.saxs.analysis import line_strengths
    from dackit.saxs.mesophase import index_peaks

    idx = result.indexing
    peaks = result.peaks
    if idx is None or idx.method != "positions" or len(peaks) < 2:
        return ""
    placed = _placed(idx.best, peaks)
    clear = [p.q_inv_a for p, ok in zip(peaks, placed)
             if ok or (p.amplitude_err > 0 and p.amplitude >= min_significance * p.amplitude_err)]
    if not clear or max(clear) >= max(p.q_inv_a for p in peaks):
        return ""
    q_clear = max(clear)
    ff = getattr(result, "form_factor", None)
    vis = ff.visibility if ff is not None and ff.accepted else None
    st, st_err = line_strengths(result.peakset, ff)
    try:
        again = index_peaks([p.q_inv_a for p in peaks], [p.q_err for p in peaks],
                            fwhm_inv_a=[p.fwhm_inv_a for p in peaks],
                            q_min=float(result.peakset.q[0]),
                            phases=[c.name for c in idx.candidates], visibility=vis,
                            strengths=st, strength_err=st_err, missing_q_max=q_clear)
    except Exception:  # noqa: BLE001 - a check must not break the measurement
        return ""
    if again.mesophase == idx.mesophase and len(again.tie) <= 1:
        return ""
    rival = " / ".join(n for n in (again.mesophase, *again.tie) if n != idx.mesophase)
    rival = " / ".join(dict.fromkeys(rival.split(" / ")))
    weak = ", ".join(f"{p.q_inv_a:.4g} Å⁻¹ at {_height(p)}" for p in peaks if p.q_inv_a > q_clear)
    return (f"{idx.mesophase} leads {rival} only through lines counted missing above the "
            f"highest peak over the detection threshold or on a sparse line (q = {q_clear:.4g} "
            f"Å⁻¹); past it only marginal peaks among dense lines ({weak})")


def _rests_on_extra_peaks(idx, peaks, min_significance=5.0) -> str:
    """A note when a simpler cell explains every peak that decides and the best phase
    owes its lead only to peaks that do not.

    The simpler cell is a rival whose lines up to the highest peak are all among the
    best's (:func:`~dackit.saxs.analysis._lines_among`: FCC of a is Ia3d of a√2, N → 2N;
    lamellar d is hexagonal 10/20/30; hexagonal 10/11/20/21 is BCC 110/211/220/321 …) and
    which fits the peaks it explains (reduced χ² ≤ 9, as of an ok indexing). The best's
    own lines, those the rival lacks (:func:`_own_lines`), are then its only evidence, and
    a peak on one of them decides only when

    * it stands over the detection threshold (``min_significance`` σ);
    * it is no narrower than the clear lines below it that both explain
      (:func:`_narrower_than_lines`);
    * another population's line would not land there by chance: at most
      :data:`PLACED_CHANCE` of random positions fall within ±2σ of one of the own lines
      there (a foreign line on a shared line is the rival's and decides nothing);
    * no own line below it, predicted at least as strong (multiplicity·|F|²/s²), is
      counted missing: the lattice's intensities fall with the order (Debye–Waller,
      Lorentz), so a lower own line at least as strong must show where a higher one does;
      lines hidden by an accepted form factor are not counted missing
      (:func:`~dackit.saxs.mesophase.index_peaks`).

    FCC a = 94.9 Å with two lines of another population at Ia3d's 431 and 521 (3–6σ, as
    broad as the lattice's or half as broad; tests/test_saxs_narrow_marginals.py) was
    'ia3d a = 133.5 Å, ok', Ia3d's own 420 below them missing (its 321 on the spheres'
    first form-factor zero). A true Ia3d is
    known by its 321 line (N = 14: half of it the N = 7 no cubic lattice has), alone
    among sparse low orders: clear, it decides, and the result stays ok."""
    from dackit.saxs.analysis import _lines_among
    from dackit.saxs.peaks import _determination

    best = idx.best
    if not np.isfinite(best.lattice_a):
        return ""
    own = [i for i, a in enumerate(best.assignment) if a]
    z = np.array([_determination(p) for p in peaks])
    q_max = float(max(p.q_inv_a for p in peaks))
    tol = 0.5 * float(np.median([p.fwhm_inv_a for p in peaks]))
    for c in idx.candidates[1:]:
        mine = [i for i in own if c.assignment[i]]
        extra = [i for i in own if not c.assignment[i]]
        if (len(mine) < 2 or not extra or not np.isfinite(c.lattice_a)
                or c.chi2 > 9 * (len(mine) - 1) or not _lines_among(c, best, q_max, tol)):
            continue
        # lines a few orders past the highest peak: the spacing beside the top one
        own_lines = _own_lines(best, c, 1.3 * q_max, tol)
        shared = [peaks[i] for i in mine if z[i] >= min_significance]
        if any(z[i] >= min_significance and not _narrower_than_lines(peaks[i], shared)
               and _decides(peaks[i], own_lines, best.missing_hkl, tol) for i in extra):
            continue
        listed = ", ".join(f"{peaks[i].q_inv_a:.4g} Å⁻¹ ({best.assignment[i]}, {_height(peaks[i])})"
                           for i in extra)
        gone = [h for h in own_lines[2] if h in best.missing_hkl]
        return (f"{c.name} a = {c.lattice_a:.4g} Å, whose lines are all {best.name}'s, explains every "
                f"peak that decides; the {best.name} reading rests on {len(extra)} "
                f"peak{'s' * (len(extra) > 1)} only it explains ({listed}): "
                f"{'each' if len(extra) > 1 else 'it'} is under the detection threshold, narrower "
                f"than the lines below, where another population's line would match one of the "
                f"{best.name} lines {c.name} lacks by chance (at least {PLACED_CHANCE:.0%} of "
                f"positions there do), or above an own {best.name} line as strong that is missing"
                + (f" ({', '.join(gone[:3])})" if gone else ""))
    return ""


#: a peak this much narrower than a clear line of the lattice below it (and by 3σ) is not
#: the lattice's: fitted widths of one lattice's lines scatter by up to ~15 % beyond their
#: errors (pseudo-Voigt mixing against width, overlapping wings; form-factor sweep seed 7
#: case 19, BCC lines of one true width fitted 0.0023–0.0028 Å⁻¹)
NARROWER_RATIO = 0.75


def _narrower_than_lines(peak, lines) -> bool:
    """``peak`` is under :data:`NARROWER_RATIO` of the width of one of ``lines`` below it,
    and narrower by :data:`~dackit.saxs.analysis.NARROW_SIGMA` σ: one domain size and
    strain give every line of a lattice at least the breadth of the lower ones in q
    (Williamson–Hall), so it comes from larger domains, another population."""
    from dackit.saxs.analysis import NARROW_SIGMA

    return bool(np.isfinite(peak.fwhm_err) and any(
        o.q_inv_a < peak.q_inv_a and peak.fwhm_inv_a < NARROWER_RATIO * o.fwhm_inv_a
        and o.fwhm_inv_a - peak.fwhm_inv_a > NARROW_SIGMA * np.hypot(o.fwhm_err, peak.fwhm_err)
        for o in lines))


def _decides(peak, own_lines, missing_hkl, tol: float) -> bool:
    """``peak`` sits on one of ``own_lines`` (:func:`_own_lines`) where a line at a random
    position would fall within ±2σ of one at most :data:`PLACED_CHANCE` of the time (4σ
    over the mean spacing beside it, as :func:`~dackit.saxs.mesophase._match_ratios`
    measures a match; σ with the indexing's 0.3 % floor), and no own line below it
    predicted at least as strong is among ``missing_hkl``."""
    q_own, w_own, hkl_own = own_lines
    j = int(np.argmin(np.abs(q_own - peak.q_inv_a))) if q_own.size else -1
    if j < 0 or abs(q_own[j] - peak.q_inv_a) > tol:
        return False  # on a line the rival has too, where its cell just missed it
    gaps = [q_own[j] - (q_own[j - 1] if j > 0 else 0.0)]
    if j + 1 < q_own.size:
        gaps.append(q_own[j + 1] - q_own[j])
    sig = np.hypot(peak.q_err if np.isfinite(peak.q_err) else np.inf, REL_POSITION_FLOOR * peak.q_inv_a)
    if 4 * sig / np.mean(gaps) > PLACED_CHANCE:
        return False
    return not any(q < peak.q_inv_a and w >= w_own[j] and h in missing_hkl
                   for q, w, h in zip(q_own, w_own, hkl_own))


def _own_lines(best, rival, q_top: float, tol: float):
    """(q, multiplicity·|F|²/s², label) of the lines of candidate ``best`` up to ``q_top``
    that candidate ``rival`` lacks: farther than ``tol`` (Å⁻¹) from every line of it (the
    rival has lines there: :func:`~dackit.saxs.analysis._lines_among` holds)."""
    from dackit.saxs.mesophase import MESOPHASES

    k_b, k_r = 2 * np.pi / best.lattice_a, 2 * np.pi / rival.lattice_a
    rb = MESOPHASES[best.name].reflections(q_top / k_b)
    qr = MESOPHASES[rival.name].reflections(q_top / k_r).s * k_r
    qb = rb.s * k_b
    keep = np.abs(qb[:, None] - qr[None, :]).min(axis=1) > tol
    return qb[keep], (rb.weight / rb.s**2)[keep], tuple(h for h, k in zip(rb.hkl, keep) if k)


def _edge_harmless(idx, peaks) -> bool:
    """A first peak at the low-q edge leaves the result standing when the lattice is fixed
    without it and holds it: no tie, three or more peaks, every peak explained, and the
    first peak on its line within 3σ (its position is not pulled by the cut background)
    and within 3 × :data:`REL_POSITION_FLOOR` of it whatever its error: a peak on the flank
    of a steep rise has a large error, and a large offset from its line is then the cut
    background's pull on d₁, not lattice imperfection (canSAS collagen cut at its third
    order: d₁ 1.3 % off its line, 3.1σ of its own error, 2.5σ with the floor).
    A line missed below the edge is no further risk: the indexing has already tried every
    phase with its first lines below the usable range (anchoring the first peak on a
    phase's 2nd–4th line), and lines below the range are never counted missing, so a
    larger cell with a line there competed on equal terms and lost by the margin."""
    if idx is None or len(idx.tie) > 1 or len(peaks) < 3:
        return False
    best = idx.best
    if best.n_unexplained:
        return False
    p1 = peaks[0]
    sig = np.hypot(p1.q_err, REL_POSITION_FLOOR * p1.q_inv_a) if np.isfinite(p1.q_err) else np.inf
    off = abs(best.residual_inv_a[0])
    return bool(off <= 3 * sig and off <= 3 * REL_POSITION_FLOOR * p1.q_inv_a)


def _edge_offset(idx, peaks) -> str:
    """How far the first peak sits off its line of the indexed lattice, for the edge note."""
    if idx is None or not len(peaks) or not idx.best.assignment[0]:
        return ""
    off = float(idx.best.residual_inv_a[0])
    if not np.isfinite(off):
        return ""
    return (f"; its q lies {abs(100 * off / peaks[0].q_inv_a):.2g} % {'below' if off < 0 else 'above'} "
            f"its {idx.mesophase} line {idx.best.assignment[0]} as the other peaks place it (d₁ may "
            "be pulled by the cut background)")


#: a line-strength fit whose χ² is above this quantile for its degrees of freedom does not
#: describe the strengths (the 99 % point, as dackit.optics.absorption's fit check)
STRENGTH_FIT_LEVEL = 0.99


def _unfit_strengths_decided(result, tie_margin: float, edge: bool = True) -> str:
    """A note when the line strengths put a rival that ties with the best by position
    (within ``tie_margin``, with or without the match credits) out of the tie, while the
    best's own predicted strengths do not fit them either: strength χ² above the
    :data:`STRENGTH_FIT_LEVEL` point for n − 2 degrees of freedom (a scale and a decay
    fitted to n lines). A difference between two models the data reject is no evidence.
    Asked only when the data start on the first line (:func:`saxs_verdict`), which leaves
    the background under the lines, and so their areas, unpinned: BCC cut at its 110 and
    ending before √7 q₁ was read as SC a/√2 at strength χ² 21 for 5 lines against BCC's 31
    (tests/test_saxs_edge_strengths.py)."""
    from scipy.stats import chi2

    from dackit.saxs.analysis import line_strengths

    idx = result.indexing
    if idx is None:
        return ""
    best = idx.best
    out = [c for c in idx.candidates[1:] if _margin(best, c) <= tie_margin and c.name not in idx.tie]
    if not out or best.line_weight is None:
        return ""
    st, _ = line_strengths(result.peakset, result.form_factor)
    w = best.line_weight
    if len(w) != len(st):
        return ""
    n = int(np.sum(np.isfinite(st) & (st > 0) & np.isfinite(w) & (w > 0)))
    if n <= 2 or not best.strength_chi2 > chi2.ppf(STRENGTH_FIT_LEVEL, n - 2):
        return ""
    return (f"{best.name} leads {out[0].name}, which places its lines on the same peaks, only by "
            f"line strengths that fit neither (strength χ² {best.strength_chi2:.1f} for {n} "
            f"lines against {out[0].strength_chi2:.1f})"
            + (", measured where the data start on the first line" if edge else ""))


def _place_edge_note(note, enough, result, tie_margin, info, doubts) -> None:
    """Put the note on a first peak at the low-q edge (or cut by the beam stop) with the
    information when it is harmless (``enough`` peaks besides, :func:`_edge_harmless`, and no
    tie broken by unfit strengths, :func:`_unfit_strengths_decided`), else with the doubts,
    saying how far the peak lies off its line."""
    idx, peaks = result.indexing, result.peakset.peaks
    unfit = _unfit_strengths_decided(result, tie_margin)
    if enough and not unfit and _edge_harmless(idx, peaks):
        info.append(note)
    else:
        doubts.append(note + _edge_offset(idx, peaks))
    if unfit and not any("line strengths that fit neither" in d for d in doubts):
        doubts.append(unfit)


def saxs_verdict(result, *, min_significance=5.0, tie_margin=1.0) -> Verdict:
    """Verdict of a :class:`~dackit.saxs.analysis.SaxsResult` (see module docstring)."""
    ps = result.peakset
    doubts, info = [], []
    peaks = ps.peaks
    q_lo = float(getattr(ps, "q_usable_min", ps.q[0]))
    info.append(f"usable q from {q_lo:.4g} to {float(ps.q[-1]):.4g} Å⁻¹")
    idx = result.indexing
    if len(peaks) < 2 and idx is not None and idx.method == "one line":
        doubts.append(f"only one peak: the mesophase cannot be indexed from one d-spacing; "
                      f"{idx.mesophase} is favoured by "
                      + (f"weak lines at its predicted positions ({', '.join(idx.weak_lines[:4])})"
                         if idx.weak_lines else "the particle form factor's shape")
                      + ", not by indexing")
    elif len(peaks) < 2:
        doubts.append("only one peak: the mesophase cannot be indexed from one d-spacing")
    if idx is not None and idx.method == "positions, spike set aside":
        p = idx.set_aside
        doubts.append(f"{idx.mesophase} explains every peak but one weak spike (q = {p.q_inv_a:.4g} Å⁻¹, "
                      f"height {_height(p)}, under the detection threshold and narrower than the lines); "
                      f"{idx.candidates[1].name} explains it and leads by it alone")
    if idx is not None and idx.method == "positions, foreign line aside":
        p = idx.set_aside
        doubts.append(f"a weak peak (q = {p.q_inv_a:.4g} Å⁻¹, under "
                      f"{100 * FOREIGN_LINE_SHARE:g} % of the strongest) is set aside as a foreign line: the "
                      f"cell that explains it as well reads every other peak as a higher order, "
                      f"its own first line missing; {idx.mesophase} explains the rest")
    if idx is not None and idx.method == "positions, bump aside":
        p = idx.set_aside
        doubts.append(f"a marginal peak (q = {p.q_inv_a:.4g} Å⁻¹, height {_height(p)}) is set aside: "
                      "fitted with the width of the lines it is no line, and only a lattice whose "
                      f"lines include all of {idx.mesophase}'s explains it; {idx.mesophase} explains "
                      "the rest")
    if idx is not None and idx.method == "positions, broad peak aside":
        p = idx.set_aside
        doubts.append(f"a peak (q = {p.q_inv_a:.4g} Å⁻¹, FWHM {p.fwhm_inv_a:.3g} Å⁻¹) broader than a line "
                      "of a lattice can be there (a paracrystal's lines broaden as q²) is set aside as a "
                      "form-factor hump: only a lattice whose lines include all of "
                      f"{idx.mesophase}'s explains it; {idx.mesophase} explains the rest")
    if idx is not None and idx.method == "positions, Laue fringes aside":
        fr = idx.set_aside
        doubts.append(f"{len(fr.peaks)} weak peak(s) narrower than the orders (q = "
                      + ", ".join(f"{p.q_inv_a:.4g}" for p in fr.peaks)
                      + f" Å⁻¹) read as Laue fringes of a stack of about {fr.n_layers} layers "
                      f"(d = {fr.d_a:.4g} Å), not as orders of a lamellar cell of "
                      f"{fr.supercell_a:.4g} Å: the stack's side maxima sit there")
    if idx is not None and idx.method == "positions, absent line":
        gone = idx.set_aside
        doubts.append(f"the {gone.phase} reading led by position, but its first line ({gone.hkl}, "
                      f"q = {gone.q_inv_a:.4g} Å⁻¹) is measured absent ({gone.z:.1f}σ where its "
                      f"own lines predict at least {gone.want_z:.0f}σ); {idx.mesophase}, which "
                      "explains as many peaks with its first line seen, goes first")
    if idx is not None and idx.method == "positions, narrow marginals aside":
        doubts.append("marginal peaks narrower than the lines below them are "
                      f"set aside as another population: only a larger cell whose lines include all of "
                      f"{idx.mesophase}'s explains them; {idx.mesophase} explains every clear peak")
    if idx is not None and idx.method == "positions, marginal top aside":
        top = max((p.q_inv_a for p in peaks
                   if p.amplitude_err > 0 and p.amplitude >= min_significance * p.amplitude_err),
                  default=float("nan"))
        doubts.append(f"the phase that indexed every peak left a peak unexplained; {idx.mesophase} "
                      "explains every clear peak when no line is counted missing above the highest "
                      f"of them (q = {top:.4g} Å⁻¹): the peaks above are marginal and decide nothing")
    if idx is not None and idx.method == "positions + weak lines":
        doubts.append(f"{idx.mesophase} put ahead of {idx.tie[1]} by weak lines under the "
                      f"detection threshold at its predicted positions "
                      f"({', '.join(idx.weak_lines[:4])}), not by the peaks found")
    if idx is not None and idx.method == "positions, weak lines overruled":
        rival = idx.candidate(idx.tie[1])
        gone = missing_first_line(rival, q_lo)
        absent = measured_absent_line(ps, result.form_factor, rival)
        if absent:
            why = f"the {rival.name} line {absent} is measured absent"
        else:
            where_ = f" ({gone[0]}, q = {gone[1]:.4g} Å⁻¹)" if gone else ""
            why = (f"the first {rival.name} line{where_}, its strongest, is absent while a line "
                   "it predicts no stronger is seen")
        doubts.append(f"weak lines under the detection threshold at {rival.name}'s predicted positions "
                      f"({', '.join(idx.weak_lines[:4])}) favour it over {idx.mesophase}, but {why}: "
                      f"{idx.mesophase} stays first")
    if idx is not None:
        best = idx.best
        if len(idx.tie) > 1:
            doubts.append("indexing cannot separate " + " / ".join(idx.tie)
                          + f" (scores within {tie_margin:g}, with or without the match credits)")
        elif _bcc_not_shown(idx):
            doubts.append("bcc and sc explain the same peaks; no peak on a line sc forbids "
                          "(bcc 321, √7 q1): the choice rests on lines not seen")
        hinge = _rests_on_one_peak(idx, peaks, tie_margin, min_significance)
        if hinge and len(idx.tie) <= 1:
            doubts.append(hinge)
        unseen = _lead_on_unseen_lines(idx, peaks, min_significance, result)
        if unseen and len(idx.tie) <= 1:
            doubts.append(unseen)
        against = _strengths_disagree(idx)
        if against and len(idx.tie) <= 1:
            doubts.append(against)
        # a tie broken by strengths: the first of these doubts that applies. Unfit strengths
        # anywhere, not only where the data start on the first line: a BCC pattern simulated
        # without the powder Lorentz factor (areas ∝ m|F|²) was read as SC a/√2 on strength
        # χ² 28 against 44 for 5 lines, with quality ok
        by_strength = (_strengths_decided_in_dip(result, tie_margin)
                       or _unfit_strengths_decided(result, tie_margin, edge=False)
                       or _strengths_rest_on_lorentz(result, tie_margin)) if len(idx.tie) <= 1 else ""
        if by_strength:
            doubts.append(by_strength)
        beyond = _lead_beyond_clear_lines(result, min_significance) if len(idx.tie) <= 1 else ""
        if beyond:
            doubts.append(beyond)
        extra = _rests_on_extra_peaks(idx, peaks, min_significance) if len(idx.tie) <= 1 else ""
        if extra:
            doubts.append(extra)
        if len(idx.candidates) > 1:
            margin = idx.candidates[1].score - best.score
            info.append(f"indexing figure of merit {best.score:.2f} ({best.name}), margin "
                        f"{margin:.2f} over {idx.candidates[1].name}")
        n_obs = len(best.assignment)
        n_exp = n_obs - best.n_unexplained + len(best.missing_hkl)
        info.append(f"{n_obs - best.n_unexplained} of {n_exp} expected {best.name} lines found")
        signature = _BICONTINUOUS_SIGNATURE.get(best.name)
        if signature:
            seen = {h for a in best.assignment if a for h in str(a).split("/")}
            absent = [h for h in signature if h not in seen]
            if absent:
                doubts.append(f"{best.name} identified without its line{'s' * (len(absent) > 1)} "
                              f"{' and '.join(absent)}: a bicontinuous cubic phase is known by its first pair "
                              f"({signature[0]}, {signature[1]}); the lines seen are also those "
                              "of other cubic lattices")
        if best.name in _THREE_D and len(peaks) < 3:
            doubts.append(f"{len(peaks)} peaks cannot fix a {best.name} lattice (3 or more needed)")
        if best.n_unexplained:
            qs = [f"{p.q_inv_a:.4g}" for p, a in zip(peaks, best.assignment) if not a]
            doubts.append(f"{best.n_unexplained} peak(s) not explained by {best.name} "
                          f"(q = {', '.join(qs)} Å⁻¹)")
        n_match = n_obs - best.n_unexplained
        if n_match > 1:
            redchi = best.chi2 / (n_match - 1)
            if redchi > 9:
                doubts.append(f"peak positions off the {best.name} lattice: reduced χ² {redchi:.1f}")
        if n_match <= 2 and best.missing_hkl:
            doubts.append(f"only {n_match} {best.name} lines seen and a predicted line between "
                          f"or beside them missing ({', '.join(best.missing_hkl[:3])}): one "
                          "ratio of d-spacings does not fix the mesophase")
        odd = _inconsistent_widths(peaks, best.assignment)
        if odd:
            doubts.append(odd)
        broad = _too_broad_for_lattice(peaks, best.assignment)
        if broad:
            doubts.append(broad)
        n_strong = n_match + len(best.missing_hkl)
        if best.missing_hkl and len(best.missing_hkl) > 0.5 * n_strong:
            doubts.append(f"{len(best.missing_hkl)} of {n_strong} predicted {best.name} lines missing "
                          f"({', '.join(best.missing_hkl[:5])})")
    if peaks and ps.cut_at is not None:
        p1 = peaks[0]
        note = (f"first line cut by the beam stop: its maximum at q = {p1.q_inv_a:.4g} "
                f"± {p1.q_err:.2g} Å⁻¹ (data from {ps.cut_at:.4g} Å⁻¹), fitted on its far flank")
        # harmless only when the other peaks fix the lattice on their own (three of them)
        # and the cut line sits on it: then its less certain position moves nothing
        _place_edge_note(note, len(peaks) >= 4, result, tie_margin, info, doubts)
    elif peaks:
        p1 = peaks[0]
        if p1.q_inv_a - 2 * p1.fwhm_inv_a < q_lo or p1.q_inv_a < 1.1 * q_lo:
            note = (f"first peak (q = {p1.q_inv_a:.4g} Å⁻¹) at the edge of the usable "
                    f"range (from {q_lo:.4g} Å⁻¹): a peak below may be missed")
            _place_edge_note(note, True, result, tie_margin, info, doubts)
    lost = _missed_lower_line(idx, ps, q_lo, min_significance)
    if lost:
        doubts.append(lost)
    elif idx is not None:
        first = _first_line_missing(idx, q_lo)
        if first:
            doubts.append(first)
    humps = _background_humps(ps)
    if humps:
        doubts.append("background hump under a peak at q = "
                      + ", ".join(f"{h:.4g}" for h in humps) + " Å⁻¹")
    left = _left_structure(ps, min_significance)
    if left:
        # Above the first peak, under a confident indexing (no tie, every peak explained),
        # these are weak orders the finder left unfitted: they move neither the first d nor
        # the mesophase (too many missing lines is its own check). Below the first peak, or
        # without a confident indexing, they may be the missed line that would change both.
        note = ("unfitted peak-like structure in the residual at q = "
                + ", ".join(f"{v:.4g}" for v in left[:5]) + " Å⁻¹")
        q_first = min((p.q_inv_a for p in peaks), default=np.inf)
        confident = (idx is not None and len(idx.tie) <= 1 and len(peaks) >= 3
                     and idx.best.n_unexplained == 0)
        harmless = confident and (min(left) > q_first or _left_keeps_result(result, left))
        (info if harmless else doubts).append(note)
    return Verdict.from_checks(doubts, info)


#: half-width of the raw-data look at a missing line's predicted position, in FWHM of the
#: fitted lines, and the distance of the two points the local baseline is drawn through
MISSED_LINE_HALF_FWHM = 0.5
MISSED_LINE_BASE_FWHM = 2.0


def _missed_lower_line(idx, ps, q_lo, min_significance) -> str:
    """A note when a line the best indexing predicts below the first fitted peak, and lists
    as missing, stands in the measured intensity itself: its maximum within
    ±MISSED_LINE_HALF_FWHM FWHM of the predicted q rises ``min_significance`` noise σ and
    20 % above the straight line through the data MISSED_LINE_BASE_FWHM FWHM on either
    side. Judged on the raw data, so a background that swallowed the line (coarse binning,
    a steep low-q edge) cannot hide it: the peak list is incomplete and the first d is that
    of a higher order (a coarse AgBeh curve lost its 001, 18× the level around it, and gave
    d₁ = the 002 spacing with quality ok)."""
    if idx is None or not ps.peaks:
        return ""
    best = idx.best
    if not best.missing_hkl or not np.isfinite(best.lattice_a) or best.lattice_a <= 0:
        return ""
    from dackit.saxs.mesophase import MESOPHASES

    q1 = min(p.q_inv_a for p in ps.peaks)
    k = 2 * np.pi / best.lattice_a
    refl = MESOPHASES[best.name].reflections(q1 / k + 1e-9)
    fw = float(np.median([p.fwhm_inv_a for p in ps.peaks]))
    q, y, noise = ps.q, ps.intensity, ps.noise
    for hkl, s_line in zip(refl.hkl, refl.s):
        qc = float(s_line * k)
        if hkl not in best.missing_hkl or not q_lo <= qc < q1:
            continue
        lo, hi = qc - MISSED_LINE_BASE_FWHM * fw, qc + MISSED_LINE_BASE_FWHM * fw
        near = np.flatnonzero(np.abs(q - qc) <= max(MISSED_LINE_HALF_FWHM * fw, 0.6 * np.median(np.diff(q))))
        if near.size == 0 or lo < q[0] or hi > q[-1]:
            continue
        i = int(near[np.argmax(y[near])])
        base = float(np.interp(q[i], [lo, hi], [np.interp(lo, q, y), np.interp(hi, q, y)]))
        rise = float(y[i]) - base
        if rise > min_significance * float(noise[i]) and rise > 0.2 * abs(base):
            return (f"the {best.name} {hkl} line (q = {qc:.4g} Å⁻¹), below the first fitted peak, "
                    f"is not among the peaks, yet the data peak there ({rise / float(noise[i]):.0f} σ "
                    "above their surroundings): the peak list is incomplete and the first d is that "
                    "of a higher order")
    return ""


def _first_line_missing(idx, q_lo) -> str:
    """A note when the lowest-order line of the best phase lies inside the usable range,
    is expected (not hidden by an accepted form factor: it is then among ``missing_hkl``)
    and no peak stands there (:func:`missing_first_line`). The first line of every
    mesophase here is its strongest or nearly so (lamellar 001, hexagonal 10, BCC 110, FCC
    111, Pn3m 110, Ia3d 211 …); a cell whose peaks are all higher orders is a supercell of
    the lines seen, which explains a weak foreign line as one of its own (OTAC 70 wt% at
    70 °C, SAXSess: H1 10/11 at q = 0.2588/0.4482 Å⁻¹ and a line 1/300 as strong at
    0.2239 were 'hexagonal, a = 56.1 Å, ok', the 10 line at 0.129 Å⁻¹ absent, twice the
    true a = 28.0 Å)."""
    gone = missing_first_line(idx.best, q_lo)
    if gone is None:
        return ""
    hkl, q0 = gone
    return (f"the first {idx.best.name} line ({hkl}, q = {q0:.4g} Å⁻¹) lies inside the usable range "
            "but no peak stands there: every peak is read as a higher order, as a supercell of "
            "the lines seen (or another phase, leaving a weak peak unexplained) would read them")


def missing_first_line(cand, q_lo: float) -> tuple[str, float] | None:
    """(hkl, q in Å⁻¹) of candidate ``cand``'s lowest-order line when it lies at or above
    ``q_lo`` and is counted missing (expected, no peak there); None otherwise.

    Parameters
    ----------
    cand : Candidate
        One phase's indexing (:class:`~dackit.saxs.mesophase.Candidate`).
    q_lo : float
        The usable low-q limit in Å⁻¹.
    """
    if not cand.missing_hkl or not np.isfinite(cand.lattice_a) or cand.lattice_a <= 0:
        return None
    from dackit.saxs.mesophase import MESOPHASES

    phase = MESOPHASES[cand.name]
    refl = phase.reflections(phase.s_first + 1e-6)
    hkl, q0 = refl.hkl[0], float(refl.s[0] * 2 * np.pi / cand.lattice_a)
    if hkl not in cand.missing_hkl or q0 < q_lo:
        return None
    return hkl, q0


def _left_keeps_result(result, left) -> bool:
    """Would the mesophase and lattice stay the same were the unfitted structure real
    lines? The structure is added to the peaks (position error at the 0.3 % floor, width
    the median of the peaks) and the pattern indexed again: the same phase winning, with
    the same lattice within 0.5 % and no tie, means a missed line there changes nothing."""
    from dackit.saxs.mesophase import index_peaks

    peaks = result.peaks
    idx = result.indexing
    fw = float(np.median([p.fwhm_inv_a for p in peaks]))
    ff = getattr(result, "form_factor", None)
    vis = ff.visibility if ff is not None and ff.accepted else None
    q = [p.q_inv_a for p in peaks] + list(left)
    err = [p.q_err for p in peaks] + [0.0] * len(left)
    try:
        again = index_peaks(q, err, fwhm_inv_a=[p.fwhm_inv_a for p in peaks] + [fw] * len(left),
                            q_min=float(result.peakset.q[0]), phases=[c.name for c in idx.candidates],
                            visibility=vis)
    except Exception:  # noqa: BLE001 - a check must not break the measurement
        return False
    return bool(len(again.tie) <= 1 and again.mesophase == idx.mesophase
                and abs(again.best.lattice_a / idx.best.lattice_a - 1) < 0.005)


# Resolution FWHM (Å⁻¹) of a laboratory pinhole SAXS camera, the order of magnitude an unknown
# instrument may add; subtracted in quadrature from a peak of FWHM w it moves the width by
# more than 3 % when w < 4 × that (√(1 − 1/16) = 0.968), so such widths need the real one.
_LAB_RESOLUTION = 0.005
_UNKNOWN_INSTRUMENT_MAX_FWHM = 4 * _LAB_RESOLUTION


def thickness_verdict(peak, instrument_fwhm_inv_a=0.0, base: Verdict | None = None) -> Verdict:
    """Checks on a Scherrer width: resolved from the instrument, not implausibly broad.

    Without an instrument width, a peak narrower than 0.02 Å⁻¹ is doubtful: a laboratory
    camera's resolution (≈ 0.005 Å⁻¹) alone would move such a thickness by more than 3 %."""
    doubts, info = [], []
    w = peak.fwhm_inv_a
    if instrument_fwhm_inv_a and instrument_fwhm_inv_a > 0:
        if w < 1.2 * instrument_fwhm_inv_a:
            doubts.append(f"peak FWHM {w:.3g} Å⁻¹ is within 20 % of the instrument's "
                          f"{instrument_fwhm_inv_a:.3g} Å⁻¹: the thickness is only a lower bound")
    elif w < _UNKNOWN_INSTRUMENT_MAX_FWHM:
        doubts.append(f"peak FWHM {w:.3g} Å⁻¹ with no instrument width given: a laboratory "
                      f"camera's own {_LAB_RESOLUTION:g} Å⁻¹ would change the thickness by more "
                      "than 3 %, so it is only a lower bound (give --instrument-fwhm)")
    else:
        info.append("instrument broadening not removed (give --instrument-fwhm)")
    if w > 0.3 * peak.q_inv_a:
        doubts.append(f"peak FWHM is {w / peak.q_inv_a:.0%} of its q: fewer than ~3 periods "
                      "per domain, Scherrer does not apply")
    if not np.isfinite(peak.fwhm_err) or peak.fwhm_err > 0.3 * w:
        doubts.append(f"peak width poorly determined (±{peak.fwhm_err:.2g} Å⁻¹ on {w:.3g})")
    v = Verdict.from_checks(doubts, info)
    if base is not None:
        # the pattern-level doubts that bear on one peak's width
        keep = [n for n in base.notes if n.startswith(("background hump", "first peak", "unfitted"))]
        v = v.plus(keep) if base.quality == "doubtful" and keep else v
    return v
