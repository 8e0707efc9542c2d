"""A mesophase for a pattern with one line above the detection threshold.

One d-spacing fixes no mesophase by position: every phase can put its first line there.
What is left to decide between them is evidence under the threshold and the particles'
shape:

* **weak lines at the predicted positions.** With the observed line taken as each
  phase's first line, every further line the phase predicts inside the data is fitted at
  its predicted position, with the observed line's width and shape (one domain size for
  all lines) and a local linear baseline, on the residual left after the observed line.
  A line's height is unknown between nothing (Debye–Waller decay, a form-factor
  minimum) and :data:`MAX_OVER_PREDICTED` × the height the phase predicts from the
  observed line (multiplicity × |F|²/s², the powder Lorentz factor, times the share of
  particle scattering where an accepted form factor was divided out); a scale-free
  (log-uniform) prior over three decades below that is weighed against no line by the
  Bayes factor B of the fitted height. Each
  predicted line is present with prior probability 1/2 (times the form factor's
  visibility there), so a phase's log evidence is ``Σ ln(½·v·B + 1 − ½·v)``. A phase
  whose lines sit on weak bumps of the data gains; a line predicted well above the
  noise and not seen costs up to ln 2 (less the prior's share of heights under the noise; an Occam factor: of two phases equally
  unsupported, the one predicting fewer unseen lines is preferred); a line predicted
  under the noise costs nothing.
* **the particle form factor**, when one is accepted under the pattern
  (:func:`dackit.saxs.formfactor.fit_form_factor`): sheets stack into lamellae,
  cylinders pack into the 2D hexagonal phase, compact objects (spheres) into the 3D
  lattices; the shape found adds to the phases it can build its lead over the best
  other shape (:meth:`~dackit.saxs.formfactor.FormFactorFit.shape_margin`), at most
  :data:`SHAPE_EVIDENCE` (:func:`shape_evidence`): a polydisperse sphere fitted as well
  as a rod decides nothing.

Without a weak line at :data:`MIN_WEAK_Z` σ or more at any phase's positions and without
an accepted form factor whose shape leads the other shapes by :data:`MIN_SHAPE_EVIDENCE`,
nothing decides and no mesophase is given. The result is always
doubtful (one line).
"""
from __future__ import annotations

import numpy as np

from dackit.core.lineshapes import pseudo_voigt

#: log evidence (natural units) the accepted form-factor shape gives the phases it can
#: build (sheet → lamellar, cylinder → hexagonal, sphere → 3D lattices): a likelihood
#: ratio of e², moderate, because the shape fit may confuse a polydisperse sphere with a
#: cylinder over a short q range
SHAPE_EVIDENCE = 2.0
#: a weak line this many σ out of its fit error at some phase's predicted position is
#: evidence worth deciding on (below it the Bayes factors are all near one)
MIN_WEAK_Z = 3.0
#: prior probability that a predicted line is visible (before the form factor)
LINE_PRIOR = 0.5
#: a line may be up to this many times the height the phase predicts from the observed
#: line (strength scatter; see :data:`dackit.saxs.mesophase.STRENGTH_SCATTER`)
MAX_OVER_PREDICTED = 2.0
#: range of a line's height below the prediction (Debye–Waller and paracrystalline decay
#: span orders of magnitude; the prior on the height is scale-free, log-uniform, over it)
DECAY_RANGE = 1e3
#: most predicted line groups weighed per phase (the lowest ones: higher orders fade)
MAX_GROUPS = 8

_SHAPE_PHASES = {"sheet": ("lamellar",), "cylinder": ("hexagonal",),
                 "sphere": ("sc", "bcc", "fcc", "hcp", "pn3m", "ia3d")}
#: shape evidence under this (natural log units) is not named as a reason for a phase
MIN_SHAPE_EVIDENCE = 1.0


def shape_evidence(ff, name) -> float:
    """Log evidence the fitted particle shape gives mesophase ``name``: the shape's lead
    over the best other shape (:meth:`~dackit.saxs.formfactor.FormFactorFit.shape_margin`,
    a log-likelihood ratio), capped at :data:`SHAPE_EVIDENCE`, for the phases that shape
    builds (sheet → lamellar, cylinder → hexagonal, sphere → the 3D lattices); 0 for the
    others and without an accepted form factor. A hexagonal pattern of polydisperse rods
    whose peak-masked curve a sphere fits as well (χ² 253.6 against 255.7) was put in
    Ia3d on the 'sphere' shape alone.

    Parameters
    ----------
    ff : FormFactorFit or None
        The form factor fitted under the pattern.
    name : str
        Mesophase key.

    Examples
    --------
    >>> from dackit.saxs.formfactor import FormFactorFit
    >>> rod = FormFactorFit("cylinder", 20.0, 0.1, 100.0, 900.0, True, n_points=107)
    >>> sphere = FormFactorFit("sphere", 30.0, 0.1, 98.0, 900.0, True, alternatives=(rod,),
    ...                        n_points=107)
    >>> shape_evidence(sphere, "fcc"), shape_evidence(sphere, "hexagonal")
    (1.0, 0.0)
    """
    if ff is None or not ff.accepted or name not in _SHAPE_PHASES.get(ff.shape, ()):
        return 0.0
    return float(min(SHAPE_EVIDENCE, ff.shape_margin()))


#: fewest points a fixed line is fitted on (height and a linear baseline: four degrees
#: of freedom left)
LINE_FIT_POINTS = 7


def _line_fit(q, r, sig, qc, w, eta):
    """Height (and its error) of a line of fixed centre, width and shape on a linear
    baseline, by weighted linear least squares within ±2 FWHM; the error is scaled up by
    the reduced χ² when that exceeds one (background misfit in the window)."""
    m = np.abs(q - qc) <= 2 * w
    if m.sum() < LINE_FIT_POINTS:
        # a line sampled at a step or two per FWHM: the nearest points (as
        # peaks._fit_fixed_width), else the undersampled lines are never weighed
        m = np.zeros(q.size, bool)
        m[np.argsort(np.abs(q - qc))[:LINE_FIT_POINTS]] = True
    x, y, s = q[m], r[m], sig[m]
    a = np.column_stack([pseudo_voigt(x, 1.0, qc, w, eta), np.ones_like(x), x - qc]) / s[:, None]
    b = y / s
    try:
        coef, *_ = np.linalg.lstsq(a, b, rcond=None)
        cov = np.linalg.inv(a.T @ a)
    except np.linalg.LinAlgError:
        return np.nan, np.nan
    dof = x.size - 3
    redchi = float(np.sum((a @ coef - b) ** 2) / dof) if dof > 0 else 1.0
    err = float(np.sqrt(max(cov[0, 0], 0.0) * max(redchi, 1.0)))
    return float(coef[0]), err


def _log_evidence(z, err, a_max, prior):
    """ln of the odds-weighted Bayes factor of one predicted line (see module docstring):
    a height log-uniform on [a_max/:data:`DECAY_RANGE`, a_max] against no line, for a
    fitted height z·err ± err (the marginal likelihood on a grid of log height)."""
    if not (np.isfinite(z) and err > 0 and a_max > 0 and prior > 0):
        return 0.0
    a = np.geomspace(a_max / DECAY_RANGE, a_max, 400) / err
    ln_b = float(np.logaddexp.reduce(-0.5 * (a - z) ** 2 + 0.5 * z * z) - np.log(a.size))
    return float(np.logaddexp(np.log(prior) + ln_b, np.log1p(-prior)))


def _weak_line_fits(q, r, sig, pred, lorentz, hkl, keep, w, eta, ff):
    """Fit a line of the observed width at each predicted position ``keep`` selects, lines
    closer than one FWHM to each other as one group (one peak would stand for both), the
    first :data:`MAX_GROUPS` groups: (label, Σ Lorentz weight, centre, height, its error,
    form-factor visibility (1 without an accepted form factor ``ff``)) for each that fits."""
    groups: list = []
    for j in np.flatnonzero(keep):
        if groups and pred[j] - groups[-1][-1][0] < w:
            groups[-1].append((pred[j], lorentz[j], hkl[j]))
        else:
            groups.append([(pred[j], lorentz[j], hkl[j])])
    fits = []
    for g in groups[:MAX_GROUPS]:
        wt = np.array([v[1] for v in g])
        qc = float(np.sum(wt * np.array([v[0] for v in g])) / wt.sum())
        a, e = _line_fit(q, r, sig, qc, w, eta)
        if not (np.isfinite(a) and e > 0):
            continue
        vis = float(np.clip(ff.visibility(np.array([qc]))[0], 0.0, 1.0)) if ff is not None else 1.0
        fits.append((_group_label([v[2] for v in g]), float(wt.sum()), qc, a, e, vis))
    return fits


def _group_label(labels, shown=3):
    """One label for lines fitted as one group; a huge cell puts hundreds of lines under one
    peak, and a note naming them all would bury the rest (hunt16: 1212 characters)."""
    if len(labels) <= shown + 1:
        return "/".join(labels)
    return "/".join(labels[:shown]) + f"/… ({len(labels)} lines)"


def index_one_line(ps, ff=None, phases=None, tie_margin=1.0):
    """Mesophase of a pattern with one fitted line, from weak lines and the form factor.

    Parameters
    ----------
    ps : PeakSet
        The pattern's peaks (:func:`dackit.saxs.peaks.find_peaks`), exactly one.
    ff : FormFactorFit, optional
        The form factor fitted under the pattern.
    phases : sequence of str, optional
        Mesophases to weigh; all of :data:`~dackit.saxs.MESOPHASES` when None.
    tie_margin : float, default 1.0
        Phases within this (χ² units: twice the log evidence) of the best are tied.

    Returns
    -------
    Indexing or None
        Candidates sorted by score (−2 × log evidence), ``method`` "one line"; None when
        nothing decides (see module docstring).
    """
    from dackit.saxs.mesophase import MESOPHASES, Candidate, Indexing
    from dackit.saxs.peaks import _residual_of

    if len(ps.peaks) != 1:
        return None
    p = ps.peaks[0]
    q = np.asarray(ps.q, float)
    resid = _residual_of(q, ps.intensity, ps.background, ps.noise, ps.mode, ps.peaks, ps.shape)
    if resid is None or not (p.amplitude > 0 and p.fwhm_inv_a > 0):
        return None
    r, sig = resid
    q1, w, eta = p.q_inv_a, p.fwhm_inv_a, p.eta
    accepted = ff is not None and ff.accepted
    frac1 = float(ff.particle_fraction(np.array([q1]))[0]) if accepted else 1.0
    names = list(MESOPHASES) if phases is None else list(phases)
    rows, z_best = [], 0.0
    for name in names:
        phase = MESOPHASES[name]
        s1 = phase.s_first
        refl = phase.reflections(s1 * q[-1] / q1 + 1e-6)
        pred = refl.s * q1 / s1
        lorentz = refl.weight / refl.s**2
        # lines under the observed one (within 1.5 FWHM) are part of it
        keep = (pred > q1 + 1.5 * w) & (pred < q[-1] - 2 * w)
        log_e, seen, unseen = 0.0, [], []
        for label, wsum, qc, a, e, vis in _weak_line_fits(q, r, sig, pred, lorentz, refl.hkl, keep,
                                                           w, eta, ff if accepted else None):
            z = a / e
            # the height the phase predicts relative to the observed line: Lorentz-weighted
            # multiplicity × |F|² (S(q) − 1 areas, one width), times the share of particle
            # scattering in the background divided out; up to twice that (strength
            # scatter), down to nothing (Debye–Waller decay, a form-factor minimum)
            frac = float(ff.particle_fraction(np.array([qc]))[0]) / frac1 if accepted and frac1 > 0 else 1.0
            a_max = MAX_OVER_PREDICTED * p.amplitude * wsum / lorentz[0] * frac
            log_e += _log_evidence(z, e, a_max, LINE_PRIOR * vis)
            if z >= MIN_WEAK_Z:
                seen.append(f"{label} {z:.1f}σ")
            elif vis > 0.5:
                unseen.append(label)
            z_best = max(z_best, z)
        log_e += shape_evidence(ff, name)
        a_lat = 2 * np.pi * s1 / q1
        rows.append((Candidate(name, float(a_lat), float(a_lat * p.q_err / q1),
                               (refl.hkl[0],), np.array([0.0]), 0.0, 0, tuple(unseen),
                               float(-2 * log_e), np.array([lorentz[0]])), tuple(seen)))
    shaped = accepted and shape_evidence(ff, _SHAPE_PHASES[ff.shape][0]) >= MIN_SHAPE_EVIDENCE
    if not rows or (z_best < MIN_WEAK_Z and not shaped):
        return None
    rank = {n: i for i, n in enumerate(MESOPHASES)}
    rows.sort(key=lambda t: (round(t[0].score, 6), rank[t[0].name]))
    cands = tuple(c for c, _ in rows)
    tie = tuple(c.name for c in cands if c.score <= cands[0].score + tie_margin)
    return Indexing(cands, tie, method="one line", weak_lines=rows[0][1])


#: how far (indexing score) behind the best a phase explaining as many peaks may be for the
#: weak lines at its unobserved positions to put it first: two missing strong lines'
#: worth (:data:`~dackit.saxs.mesophase.MISSING_PENALTY`), i.e. a lead that rests only on
#: lines not seen
WEAK_REORDER_MARGIN = 6.0


#: how much (χ² units) the rival's combined score must beat the best's
REORDER_MIN = 2.0


#: how much more significant (σ) a fit :data:`~dackit.saxs.peaks.BROAD_FACTOR` times
#: broader must be for a weak line to count as broad structure: a true line of the
#: width fitted that broad keeps ~0.8 of its significance, so a weak line's noise alone
#: puts the broad fit ahead one time in ten
BROAD_MARGIN = 2.0


def _weak_gain(ps, r, sig, cand, ff, w, eta):
    """(Σ ln(1 + odds·B), labels of lines seen at ≥ MIN_WEAK_Z) over the lines ``cand``
    predicts inside the data where no peak was fitted (heights predicted from the matched
    peaks; see :func:`index_one_line` for B and the odds)."""
    from dackit.saxs.mesophase import MESOPHASES

    q = np.asarray(ps.q, float)
    peaks = ps.peaks
    accepted = ff is not None and ff.accepted
    k = 2 * np.pi / cand.lattice_a
    refl = MESOPHASES[cand.name].reflections(q[-1] / k + 1e-6)
    pred = refl.s * k
    lorentz = refl.weight / refl.s**2

    def frac(x):
        return float(ff.particle_fraction(np.array([x]))[0]) if accepted else 1.0

    scales = [p.amplitude / (lw * max(frac(p.q_inv_a), 1e-3))
              for p, lab, lw in zip(peaks, cand.assignment, cand.line_weight)
              if lab and np.isfinite(lw) and lw > 0 and p.amplitude > 0]
    if not scales:
        return 0.0, ()
    scale = float(np.median(scales))
    qp = np.array([p.q_inv_a for p in peaks])
    # only above the lowest fitted peak: below it the residual is the low-q background's
    # misfit (the Porod-Guinier knee), where a line fitted at a rival's position finds a
    # 'line' as readily as the pick-up of missed lines would (peaks._pick_up)
    keep = ((pred > max(q[0], qp.min()) + 2 * w) & (pred < q[-1] - 2 * w)
            & (np.min(np.abs(qp[:, None] - pred[None, :]), axis=0) > 1.5 * w))
    from dackit.saxs.peaks import BROAD_FACTOR

    gain, seen = 0.0, []
    for label, wsum, qc, a, e, vis in _weak_line_fits(q, r, sig, pred, lorentz, refl.hkl, keep,
                                                       w, eta, ff if accepted else None):
        prior = LINE_PRIOR * vis
        if prior <= 0:
            continue
        # a 'line' that a fit BROAD_FACTOR times broader describes more significantly is
        # the flank of an unfitted line or a background bend (as in peaks._matched_scan):
        # a lamellar 004 just past the fitted lines stood 8.5σ at hexagonal 22/31
        a3, e3 = _line_fit(q, r, sig, qc, BROAD_FACTOR * w, eta)
        if a > 0 and np.isfinite(a3) and e3 > 0 and a3 / e3 > a / e + BROAD_MARGIN:
            continue
        # ln(π·B + 1 − π) − ln(1 − π): what a line seen there adds; an unseen line is
        # already charged by the indexing's missing-line penalty
        gain += _log_evidence(a / e, e, MAX_OVER_PREDICTED * scale * wsum * frac(qc), prior) \
            - float(np.log1p(-prior))
        if a / e >= MIN_WEAK_Z:
            seen.append(f"{label} {a / e:.1f}σ")
    return gain, tuple(seen)


def _first_line_absent(ps, r, sig, w, eta, cand, min_significance) -> bool:
    """``cand``'s first line lies inside the data, is counted missing
    (:func:`~dackit.saxs.quality.missing_first_line`: expected, not hidden by an accepted
    form factor, no peak there) and is measured absent: a line of the observed width
    fitted at its position on the residual ``r`` stands under
    :data:`~dackit.saxs.quality.ABSENT_MAX_Z` σ and falls
    :data:`~dackit.saxs.quality.ABSENT_SIGMA` σ short of the height a peak over the
    detection threshold (``min_significance`` σ) on a line of ``cand`` predicts for it.

    The first line of a lattice of particles that do not overlap (R ≤ nn/2) cannot be
    much weaker than a higher line of no greater multiplicity × |F|²/s² (the powder
    Lorentz factor; SC 100 ties with 110): it lies inside the first lobe of the particles'
    form factor (the first zero of a sphere is at qR = 4.49, past SC 100 at qR ≤ π, BCC 110
    and FCC 111 at 3.85, HCP 100 at 3.63; a cylinder's, at 3.83, past hexagonal 10 at
    3.63), and Debye–Waller and paracrystalline disorder and strain broadening only lower
    the higher orders. Over R/nn 0.05–0.5 and polydispersity 0–20 %
    (tests/saxs_ff_synth.py's form factors, lines up to 4 s₁) the form factor at the first
    line is at least that at every such line for spheres and sheets, and 0.81 of it for
    touching monodisperse rods. Its height in the intensity is therefore at least that
    line's scaled by the ratio of their weights, less the strength scatter
    (:data:`~dackit.saxs.mesophase.STRENGTH_SCATTER`) twice (0.55, as in
    :func:`~dackit.saxs.quality._measured_absent`). A bicontinuous cubic phase is known by
    its first two lines (:data:`~dackit.saxs.quality._BICONTINUOUS_SIGNATURE`). A real Pn3m
    110/111/200/211 with nothing at SC 100 and a 4σ bump at SC 210 was read SC
    (tests/corpus/saxs, gordeev-lipid-pn3m-075777)."""
    from dackit.saxs.quality import ABSENT_MAX_Z, ABSENT_SIGMA

    measured = first_line_measured(ps, r, sig, w, eta, cand, min_significance)
    if measured is None:
        return False
    a, e, want = measured[2:]
    return bool(a < ABSENT_MAX_Z * e and want - a >= ABSENT_SIGMA * e)


def first_line_measured(ps, r, sig, w, eta, cand, min_significance):
    """(hkl, q, height, its error, least height predicted) of ``cand``'s first line when it
    lies inside the data and is counted missing
    (:func:`~dackit.saxs.quality.missing_first_line`); None otherwise or when the fit fails.

    The height is that of a line of width ``w`` and shape ``eta`` fitted at its position
    on the residual ``r`` (errors ``sig``); the least height predicted is the largest the
    peaks over ``min_significance`` σ on lines of ``cand`` no stronger than the first
    imply, less the strength scatter twice, in the residual's units (the physics is in
    :func:`_first_line_absent`).

    Parameters
    ----------
    ps : PeakSet
        The pattern's peaks.
    r, sig : ndarray
        The residual after the fitted peaks and its errors
        (:func:`~dackit.saxs.peaks._residual_of`).
    w, eta : float
        Width (FWHM, Å⁻¹) and pseudo-Voigt mixing of the line fitted.
    cand : Candidate
        The phase whose first line is measured.
    min_significance : float
        The detection threshold (peak height in units of its error).
    """
    from dackit.saxs.mesophase import MESOPHASES, STRENGTH_SCATTER
    from dackit.saxs.peaks import _determination
    from dackit.saxs.quality import missing_first_line

    q = np.asarray(ps.q, float)
    gone = missing_first_line(cand, float(getattr(ps, "q_usable_min", q[0])))
    if gone is None or cand.line_weight is None:
        return None
    phase = MESOPHASES[cand.name]
    refl = phase.reflections(phase.s_first + 1e-6)
    first = float(refl.weight[0] / refl.s[0] ** 2)
    bg = np.asarray(ps.background, float)

    def scale(x):  # residual units to intensity: the background divided out, or not
        return float(np.interp(x, q, bg)) if ps.mode == "divide" else 1.0

    want = max((p.amplitude * scale(p.q_inv_a) * first / lw
                for p, lab, lw in zip(ps.peaks, cand.assignment, cand.line_weight)
                if lab and np.isfinite(lw) and 0 < lw <= first * (1 + 1e-9)
                and _determination(p) >= min_significance), default=0.0)
    want *= float(np.exp(-2 * STRENGTH_SCATTER)) / scale(gone[1])
    a, e = _line_fit(q, r, sig, gone[1], w, eta)
    if not (np.isfinite(a) and e > 0):
        return None
    return gone[0], gone[1], a, e, want


def reorder_by_weak_lines(ps, ff, idx, min_significance=5.0):
    """Put first, among the phases that explain as many peaks and trail the best by at most
    :data:`WEAK_REORDER_MARGIN` (with or without the match credits, whichever is smaller:
    :func:`~dackit.saxs.quality._margin`), the one the weak lines at their unobserved predicted
    positions and the accepted form factor's shape favour (score − 2·(Σ ln(1 + odds·B) +
    :func:`shape_evidence`), see :func:`index_one_line`).

    The lead such weak lines give is evidence under the detection threshold, so a changed
    order is named in ``tie`` (the verdict becomes doubtful) and ``method`` becomes
    "positions + weak lines". They never put first a phase whose first line is absent
    while the best's is seen (:func:`_first_line_absent`), nor one with a line measured
    absent (:func:`~dackit.saxs.quality.measured_absent_line`: well under what its
    matched peaks predict there, the accepted form factor's hiding allowed for) while the
    best has none: the best stays first, the rival is named in ``tie`` and ``method`` is
    "positions, weak lines overruled" (doubtful too: the weak lines still speak for the
    rival).

    Parameters
    ----------
    ps : PeakSet
        The pattern's peaks (two or more).
    ff : FormFactorFit, optional
        The form factor fitted under the pattern.
    idx : Indexing
        The indexing by positions (:func:`~dackit.saxs.mesophase.index_peaks`).
    min_significance : float, default 5.0
        The detection threshold (peak height in units of its error): only a peak over it
        shows that a rival's first line should be seen.

    Returns
    -------
    Indexing
        ``idx`` itself when the order stands.
    """
    from dackit.saxs.mesophase import Indexing
    from dackit.saxs.peaks import _determination, _residual_of

    from dackit.saxs.quality import (_margin, _strengths_decide, measured_absent_line,
                                     missing_first_line)

    best = idx.best
    # the lead is judged as the quality checks judge it (:func:`~dackit.saxs.quality._margin`):
    # the match credits favour the sparser lattice, an Occam preference, not lines seen
    # a rival the observed line strengths rule out (quality._strengths_decide) stays out:
    # lines under the threshold do not overturn evidence from the lines above it
    pool = [c for c in idx.candidates if c.n_unexplained <= best.n_unexplained
            and _margin(best, c) <= WEAK_REORDER_MARGIN and c.line_weight is not None
            and not _strengths_decide(best, c)]
    if len(pool) < 2 or len(ps.peaks) < 2:
        return idx
    resid = _residual_of(np.asarray(ps.q, float), ps.intensity, ps.background, ps.noise,
                         ps.mode, ps.peaks, ps.shape)
    if resid is None:
        return idx
    r, sig = resid
    w = float(np.median([p.fwhm_inv_a for p in ps.peaks]))
    eta = max(ps.peaks, key=_determination).eta
    scored = []
    for c in pool:
        gain, seen = _weak_gain(ps, r, sig, c, ff, w, eta)
        ev = shape_evidence(ff, c.name)
        scored.append((c.score - 2 * (gain + ev), c, seen, ev >= MIN_SHAPE_EVIDENCE))
    scored.sort(key=lambda t: t[0])
    top, top_seen, top_shaped = scored[0][1:]
    lead, _, _, best_shaped = next(t for t in scored if t[1] is best)
    # the rival must lead by a likelihood ratio of e (as STRENGTH_PREFER), through a line
    # seen at its positions or a shape that builds it and not the best
    if (top is best or scored[0][0] > lead - REORDER_MIN
            or not (top_seen or (top_shaped and not best_shaped))):
        return idx
    if not top_seen:
        top_seen = (f"and the {ff.shape} form factor",)
    if ((_first_line_absent(ps, r, sig, w, eta, top, min_significance)
         and missing_first_line(best, float(getattr(ps, "q_usable_min", ps.q[0]))) is None)
            or (measured_absent_line(ps, ff, top) and not measured_absent_line(ps, ff, best))):
        # the rival's first line, its strongest, is absent where the best's is seen, or a
        # line it predicts well over the noise is measured absent and none of the best's
        # is: lines under the threshold do not outweigh that, but they leave the order in
        # doubt (a lamellar 001/002 whose sheet form-factor lobe left 4σ bumps at HCP 102
        # and 103 was put in HCP with its 110 measured at −4σ where 12σ is predicted)
        tie = (best.name, top.name, *[n for n in idx.tie if n not in (best.name, top.name)])
        return Indexing(idx.candidates, tie, method="positions, weak lines overruled",
                        weak_lines=top_seen)
    cands = (top, *[c for c in idx.candidates if c is not top])
    tie = (top.name, *[n for n in idx.tie if n != top.name])
    if len(tie) < 2:
        tie = (top.name, best.name)
    return Indexing(cands, tie, method="positions + weak lines", weak_lines=top_seen)
