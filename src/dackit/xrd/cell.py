"""Cell refinement from fitted peak positions, with the 2θ-axis terms of the geometry.

Weighted least squares of 2θ_obs = 2 asin(λ / 2d(hkl; cell)) + axis terms on the free cell
parameters; for reflection (Bragg–Brentano) data a zero shift and the specimen displacement are
added when the positions demand them (:func:`refine_cell_auto`), for Debye–Scherrer neutron data
the zero and sample offsets (:func:`refine_cell_debye_scherrer`). Step 4 of
:func:`dackit.xrd.lattice.fit_lattice`.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares

from dackit.core.lsq import (covariance_from_jacobian, covariance_to_correlation, covariance_to_stderr,
                             nested_f_test, qaic_weights)
from dackit.errors import FitError, InputError
from dackit.xrd.phases import Phase

#: Parameters of the 2θ axis, not of the cell: a zero shift, and the sample-displacement
#: term Δ2θ = D cos θ of Bragg–Brentano reflection geometry (D = −2s/R for a sample s off
#: the focusing circle of radius R; Klug & Alexander, X-ray Diffraction Procedures, 2nd ed.
#: (1974), §5-2), both in degrees 2θ; and the sample offsets of Debye–Scherrer
#: (transmission, cylinder) geometry, Δ2θ = X cos 2θ + Y sin 2θ for a sample off the
#: diffractometer axis along and across the beam (the DisplaceX/DisplaceY terms GSAS-II
#: refines for Debye–Scherrer instruments: Toby & Von Dreele, J. Appl. Cryst. 46, 544
#: (2013), GSASIIpwd peak positions).
AXIS_PARAMETERS = ("zero_deg", "displacement_deg", "offset_x_deg", "offset_y_deg")


def axis_shift_deg(name: str, twotheta_deg):
    """Δ2θ (°) per unit of the axis parameter ``name`` at ``twotheta_deg`` (see
    :data:`AXIS_PARAMETERS`).

    Parameters
    ----------
    name : str
        One of :data:`AXIS_PARAMETERS`.
    twotheta_deg : array_like
        Bragg angles 2θ in degrees.
    """
    r = np.radians(np.asarray(twotheta_deg, dtype=float))
    return {"zero_deg": np.ones_like(r), "displacement_deg": np.cos(r / 2), "offset_x_deg": np.cos(r),
            "offset_y_deg": np.sin(r)}[name]


def refine_cell(phase: Phase, peaks: list[dict], wavelength_a: float, *, zero_shift: bool = False,
                displacement: bool = False, axis=()):
    """Weighted least squares of peak positions for the free cell parameters (+ zero shift,
    + sample displacement D cos θ, + the other terms of :data:`AXIS_PARAMETERS` named in
    ``axis``).

    ``peaks``: dicts with ``members`` [(d at ``phase``'s cell, 2θ, intensity), ...],
    ``twotheta`` and ``twotheta_err``. Returns (names, values, stderr, covar, redchi,
    2θ_calc per peak, refined phase).
    """
    names = (list(phase.free_parameters) + (["zero_deg"] if zero_shift else [])
             + (["displacement_deg"] if displacement else [])
             + [t for t in axis if t not in ("zero_deg", "displacement_deg") or
                not (zero_shift if t == "zero_deg" else displacement)])
    n_par = len(names)
    if len(peaks) < n_par:
        raise FitError(f"{phase.name}: {len(peaks)} usable peak(s) cannot determine {n_par} "
                       f"parameter(s) ({', '.join(names)})")
    hkls, weights = [], []
    for pk in peaks:
        # recover hkl of each member from its d at the reference cell
        hkls.append(np.array([m[3] for m in pk["members"]], dtype=float))
        wi = np.array([m[2] for m in pk["members"]], dtype=float)
        weights.append(wi / wi.sum())
    obs = np.array([pk["twotheta"] for pk in peaks])
    err = np.array([pk["twotheta_err"] for pk in peaks])
    err = np.where(err > 0, err, np.nanmedian(err[err > 0]) if np.any(err > 0) else 1e-3)

    def calc(p):
        values = dict(zip(names, p))
        ph = phase.with_cell(**{k: v for k, v in values.items() if k not in AXIS_PARAMETERS})
        tth = np.array([np.sum(w * twotheta_of(ph.d_spacing(h), wavelength_a)) for h, w in zip(hkls, weights)])
        return tth + sum(v * axis_shift_deg(k, tth) for k, v in values.items() if k in AXIS_PARAMETERS)

    p0 = np.array([getattr(phase, k) for k in phase.free_parameters] + [0.0] * (n_par - len(phase.free_parameters)))
    try:
        res = least_squares(lambda p: (calc(p) - obs) / err, p0, x_scale="jac", method="lm")
    except InputError:  # a cell length or angle the refinement drove out of range: no cell fits
        raise FitError(f"{phase.name}: the cell refinement diverged (a cell parameter left the physical "
                       "range): the peaks found are not this phase's lines; check --phase and the wavelength"
                       ) from None
    # σ of the positions are known, but scaled by χ²_red (as lmfit does) so that position
    # scatter beyond the fit errors (sample displacement, profile asymmetry) widens the errors
    covar = covariance_from_jacobian(res.jac, res.fun, scale=True)
    if covar.singular:
        raise FitError(f"{phase.name}: the peaks found do not determine {', '.join(names)} (too few "
                       "independent reflections, e.g. only hk0 lines for a hexagonal c): widen --range, or check "
                       "that this phase is in the pattern")
    cov, redchi = covar.matrix, covar.redchi
    refined = phase.with_cell(**{k: v for k, v in zip(names, res.x) if k not in AXIS_PARAMETERS})
    return names, res.x, covariance_to_stderr(cov), cov, redchi, calc(res.x), refined


#: Significance (F-test p-value) an axis correction must reach to be added to the cell fit:
#: strict, so that the scatter of a few peaks never buys a free parameter.
AXIS_CORRECTION_P = 1e-3

#: |correlation| of the refined zero shift and displacement above which the peak positions
#: cannot tell them apart. Over a lab scan's range cos θ barely changes sign of slope, so the
#: pair is nearly degenerate (−0.9988 on the 4.6–150° D500 LaB6 scan, −0.9998 on the GSAS-II
#: fluorapatite tutorial scan); refined together they absorb what the pseudo-Voigt positions
#: leave (axial-divergence asymmetry at low angle) and move the cell: fluorapatite came out
#: with zero −0.18°, D +0.13° and a = 9.3671 Å against GSAS-II's 9.37189 Å, quality ok.
AXIS_DEGENERATE_CORRELATION = 0.98


def _axis_correlation(result) -> float:
    names, cov = result[0], result[3]
    if "zero_deg" not in names or "displacement_deg" not in names:
        return 0.0
    i, j = names.index("zero_deg"), names.index("displacement_deg")
    return float(cov[i, j] / np.sqrt(cov[i, i] * cov[j, j]))


def refine_cell_auto(phase: Phase, peaks: list[dict], wavelength_a: float, *, zero_shift: bool = False,
                     doubts: list | None = None, terms=("displacement", "zero")):
    """:func:`refine_cell`, adding a zero shift and/or the sample-displacement term only where
    the peak positions demand it: each is kept when it lowers χ² significantly (F-test,
    p < :data:`AXIS_CORRECTION_P`) with at least 3 degrees of freedom left. A forced
    ``zero_shift`` is always refined. Returns refine_cell's tuple and a note (or "").

    Laboratory reflection (Bragg–Brentano) scans: when either term alone would do, the
    specimen displacement is preferred — the sample height changes at every mounting while
    the zero of an aligned goniometer does not (Klug & Alexander, X-ray Diffraction
    Procedures, 2nd ed. (1974), §5-2; the GSAS-II laboratory-data tutorial refines the
    displacement, not the zero, for this reason) — unless the zero alone fits the positions
    significantly better (variance-ratio F-test at the same p). Both are refined together
    only when the positions can separate them (|correlation| ≤
    :data:`AXIS_DEGENERATE_CORRELATION`).

    The esd's of the kept cell include the spread of the cell over the axis models the
    positions leave open (:func:`_with_model_spread`); when one of them the data do not
    reject puts a cell length more than :data:`MAX_AXIS_MODEL_SPREAD_A` away, a sentence
    saying so is appended to ``doubts`` (a list, when given). ``terms`` are the axis terms
    tried: ``("zero",)`` for transmission (Debye–Scherrer) geometry, where the specimen
    displacement term of reflection geometry does not apply.
    """
    from scipy.stats import f as f_dist

    def chi2(result):
        return result[4] * max(len(peaks) - len(result[0]), 1)

    def dof(result):
        return len(peaks) - len(result[0])

    def fit(flags):
        n_par = len(phase.free_parameters) + sum(flags.values())
        if len(peaks) - n_par < 3:
            return None
        try:
            return refine_cell(phase, peaks, wavelength_a, zero_shift=flags["zero"],
                               displacement=flags["displacement"])
        except FitError:
            return None

    def significant(base, trial) -> bool:
        return nested_f_test(chi2(base), chi2(trial), 1, dof(trial)) < AXIS_CORRECTION_P

    current = refine_cell(phase, peaks, wavelength_a, zero_shift=zero_shift)
    uncorrected = current
    have = {"zero": zero_shift, "displacement": False}
    choice_note = ""
    singles: dict = {}
    if not zero_shift:
        singles = {term: fit({"zero": term == "zero", "displacement": term == "displacement"})
                   for term in terms}
        demanded = {t: r for t, r in singles.items() if r is not None and significant(current, r)}
        if len(demanded) == 2:
            disp, zero = demanded["displacement"], demanded["zero"]
            ratio = chi2(disp) / chi2(zero)
            zero_better = float(f_dist.sf(ratio, dof(disp), dof(zero))) < AXIS_CORRECTION_P
            term = "zero" if zero_better else "displacement"
            other = singles["displacement" if zero_better else "zero"]
            alt = ", ".join(f"{n} = {v:.5f} {_unit(n)}" for n, v in zip(other[0], other[1])
                            if n not in AXIS_PARAMETERS)
            choice_note = (f"{'zero shift' if zero_better else 'specimen displacement'} chosen over "
                           f"{'displacement' if zero_better else 'a zero shift'} "
                           f"(χ² {chi2(demanded[term]):.4g} vs {chi2(other):.4g}); the other gives {alt}")
        elif len(demanded) == 1:
            term = next(iter(demanded))
        else:
            term = ""
        if term:
            have[term] = True
            current = demanded[term]
    if not zero_shift and singles and all(r is None for r in singles.values()) and doubts is not None:
        doubts.extend(_untestable_axis_doubts(phase, peaks, wavelength_a, current, terms))
    rest = [t for t in terms if not have[t]]
    if any(have.values()) and rest:
        trial = fit({**have, rest[0]: True})
        if trial is not None and significant(current, trial):
            corr = _axis_correlation(trial)
            if abs(corr) <= AXIS_DEGENERATE_CORRELATION:
                have[rest[0]] = True
                current = trial
            else:
                choice_note = "; ".join(filter(None, [choice_note, (
                    f"zero shift and displacement not refined together: the peak positions cannot "
                    f"separate them (correlation {corr:+.4f})")]))
    spread_note = ""
    if not zero_shift and not all(have.values()):
        # one axis model of three was kept; the others the positions allow move the cell too
        current, spread_note, spread_doubt = _with_model_spread(
            current, {"none": uncorrected, "zero": singles.get("zero"), "displacement": singles.get("displacement")},
            len(peaks))
        if spread_doubt and doubts is not None:
            doubts.append(spread_doubt)
    note = ""
    if any(v for k, v in have.items() if not (k == "zero" and zero_shift)):
        names, values, errs = current[0], current[1], current[2]
        parts = [f"{n} = {v:+.4f} ± {e:.4f}°" for n, v, e in zip(names, values, errs) if n in AXIS_PARAMETERS]
        note = ("2θ axis corrected (the peak positions demand it, F-test p < "
                f"{AXIS_CORRECTION_P:g}): " + ", ".join(parts))
        if choice_note:
            note += f" ({choice_note})"
    note = "; ".join(filter(None, [note, spread_note]))
    return current, note


_AXIS_TERM_NAMES = {"zero": "a zero shift", "displacement": "the specimen displacement"}


def _untestable_axis_doubts(phase, peaks, wavelength_a, current, terms) -> list[str]:
    """Doubts on a cell whose peaks are too few to test an axis term (the F-test of
    :func:`refine_cell_auto` needs 3 degrees of freedom left): each term of ``terms`` is
    refined anyway where one degree of freedom remains, and one that moves a cell length by
    more than :data:`MAX_AXIS_MODEL_SPREAD_A` leaves the cell unknown to that precision. On a
    laboratory scan the specimen displacement is never zero (the sample height changes at
    every mounting); three MgO lines of a Co scan displaced by 0.058° gave a 0.0035 Å short,
    7 esd, with quality ok."""
    moves = []
    for term in terms:
        if len(peaks) - len(phase.free_parameters) - 1 < 1:
            continue
        try:
            trial = refine_cell(phase, peaks, wavelength_a, zero_shift=term == "zero",
                                displacement=term == "displacement")
        except FitError:
            continue
        far = _cell_moves(current, trial)
        if far:
            moves.append(f"{_AXIS_TERM_NAMES.get(term, term)} moves {far}")
    if not moves:
        return []
    return [f"the 2θ axis is not settled: {len(peaks)} peaks are too few to test an axis term (an F-test needs "
            f"{len(phase.free_parameters) + 4}); refined anyway, {' and '.join(moves)}, beyond "
            f"{MAX_AXIS_MODEL_SPREAD_A:g} Å: fit a wider 2θ range, or add an internal standard"]


#: A cell length that an axis model the peak positions do not reject (Akaike weight at least
#: MIN_AXIS_MODEL_WEIGHT) moves by more than this (Å) is not known to the 0.002 Å a lattice
#: parameter is used at (issue 10): either choice could miss it, so the result is doubtful.
MAX_AXIS_MODEL_SPREAD_A = 0.002
#: Akaike weight below which an axis model counts as rejected by the positions (≈ 20:1 odds).
MIN_AXIS_MODEL_WEIGHT = 0.05
_LENGTHS = ("a", "b", "c")


def _unit(name: str) -> str:
    """Unit of a refined cell parameter: Å for a length, degrees for an angle."""
    return "Å" if name in _LENGTHS else "°"


def _with_model_spread(chosen, models: dict, n_peaks, c_hat=None):
    """``chosen`` (a :func:`refine_cell` tuple) with its cell covariance widened by the
    spread of the cell over the axis models the positions leave open, a note, and a doubt
    ("" or a sentence: an unrejected model moves a cell length beyond
    :data:`MAX_AXIS_MODEL_SPREAD_A`).

    The models (``{label: refine_cell tuple or None}``: no axis term, a zero shift, a
    specimen displacement…) are weighted by their Akaike weights from the quasi-likelihood
    QAIC = χ²/ĉ + 2k (Burnham & Anderson, Model Selection and Multimodel Inference, 2nd ed.
    (2002), §2.9 and §6.2; ĉ = χ²_red of the kept model — the overdispersion its errors are
    already scaled by — unless given). The error of the kept
    cell θ_c is the unconditional one of §4.3.2 taken about θ_c rather than the model mean:
    C = C_c + Σᵢ wᵢ (θᵢ − θ_c)(θᵢ − θ_c)ᵀ — a model the data favour as much as the kept one
    adds its whole cell difference, one they reject (w → 0) adds nothing. The kept model is
    chosen by a physical prior (displacement before zero) the χ² cannot confirm, so its
    esd must carry what the other choice would give (LaB6 Cu scan: 0.001 Å).
    """
    names, values, cov, redchi = chosen[0], chosen[1], chosen[3], chosen[4]
    cell = [i for i, n in enumerate(names) if n not in AXIS_PARAMETERS]
    if c_hat is None:
        c_hat = max(redchi, 1.0) if np.isfinite(redchi) else 1.0
    labels = [label for label, m in models.items() if m is not None]
    fits = [models[label] for label in labels]
    if len(fits) < 2:
        return chosen, "", ""
    w = qaic_weights([m[4] * max(n_peaks - len(m[0]), 1) for m in fits], [len(m[0]) for m in fits], c_hat)
    extra = np.zeros((len(cell), len(cell)))
    doubt = ""
    for wi, m, label in zip(w, fits, labels):
        d = np.array([m[1][m[0].index(names[i])] for i in cell]) - values[cell]
        extra += wi * np.outer(d, d)
        # lengths only: an angle (β of a monoclinic cell, in degrees) is no length to hold to 0.002 Å
        far = (np.abs(d) > MAX_AXIS_MODEL_SPREAD_A) & np.array([names[i] in _LENGTHS for i in cell])
        if wi >= MIN_AXIS_MODEL_WEIGHT and far.any() and not doubt:
            moved = ", ".join(f"{names[i]} by {v:+.4f} Å" for i, v, f in zip(cell, d, far) if f)
            doubt = (f"the 2θ-axis model is not settled by the peak positions: the {label} model (Akaike weight "
                     f"{wi:.2f}) moves {moved}, beyond {MAX_AXIS_MODEL_SPREAD_A:g} Å")
    if not np.any(extra > 0):
        return chosen, "", ""
    cov = cov.copy()
    cov[np.ix_(cell, cell)] += extra
    errs = covariance_to_stderr(cov)
    stat, model = chosen[2][cell], covariance_to_stderr(extra)
    parts = ", ".join(f"{names[i]} ± {s:.2g} (fit) ± {m:.2g} {_unit(names[i])} (axis model)"
                      for i, s, m in zip(cell, stat, model))
    note = (f"esd includes the spread of the cell over the axis models (QAIC weights "
            f"{', '.join(f'{lb} {x:.2f}' for lb, x in zip(labels, w))}): {parts}")
    return (names, values, errs, cov, *chosen[4:]), note, doubt


#: Axis terms of a Debye–Scherrer (transmission) diffractometer: the zero and the sample offsets.
DEBYE_SCHERRER_TERMS = ("zero_deg", "offset_x_deg", "offset_y_deg")


def refine_cell_debye_scherrer(phase: Phase, peaks: list[dict], wavelength_a: float, *, doubts: list | None = None):
    """:func:`refine_cell` with the axis model of a Debye–Scherrer diffractometer (constant-
    wavelength neutrons) chosen by the peak positions. Returns refine_cell's tuple and a note.

    Every subset of :data:`DEBYE_SCHERRER_TERMS` is refined; the kept model has the smallest
    QAIC = χ²/ĉ + 2k with ĉ the χ²_red of the model with all terms (Burnham & Anderson (2002)
    §6.2) among those whose axis terms the positions separate (|correlation| ≤
    :data:`AXIS_DEGENERATE_CORRELATION`); the others widen its esd and may raise a doubt
    (:func:`_with_model_spread`). On GSAS-II's D1A garnet tutorial scan the zero alone left
    a 0.0057 Å short of GSAS-II's refinement (zero −0.129°, DisplaceX/Y refined), the three
    terms 0.0001 Å.

    Parameters
    ----------
    phase : Phase
        The phase at the cell the peaks were indexed with.
    peaks : list of dict
        Fitted peaks as for :func:`refine_cell`.
    wavelength_a : float
        Wavelength (Å).
    doubts : list, optional
        Receives a sentence when an axis model the positions do not reject moves a cell
        length beyond :data:`MAX_AXIS_MODEL_SPREAD_A`.
    """
    from itertools import combinations

    models: dict = {}
    for k in range(len(DEBYE_SCHERRER_TERMS) + 1):
        for terms in combinations(DEBYE_SCHERRER_TERMS, k):
            if len(peaks) - len(phase.free_parameters) - k < 3:
                continue
            try:
                models["+".join(t.removesuffix("_deg") for t in terms) or "none"] = refine_cell(
                    phase, peaks, wavelength_a, axis=terms)
            except FitError:
                continue
    if not models:
        return refine_cell(phase, peaks, wavelength_a), ""
    full = max(models.values(), key=lambda m: len(m[0]))
    c_hat = max(full[4], 1.0) if np.isfinite(full[4]) else 1.0

    def separated(m) -> bool:
        axis = [i for i, n in enumerate(m[0]) if n in AXIS_PARAMETERS]
        if len(axis) < 2:
            return True
        corr = covariance_to_correlation(m[3][np.ix_(axis, axis)])
        return bool(np.all(np.abs(corr[np.triu_indices(len(axis), 1)]) <= AXIS_DEGENERATE_CORRELATION))

    def qaic(m) -> float:
        return m[4] * max(len(peaks) - len(m[0]), 1) / c_hat + 2 * len(m[0])

    label = min((lb for lb, m in models.items() if separated(m)), key=lambda lb: qaic(models[lb]), default="none")
    chosen = models.get(label) or refine_cell(phase, peaks, wavelength_a)
    chosen, spread_note, doubt = _with_model_spread(chosen, models, len(peaks), c_hat=c_hat)
    if doubt and doubts is not None:
        doubts.append(doubt)
    parts = [f"{n} = {v:+.4f} ± {e:.4f}°" for n, v, e in zip(chosen[0], chosen[1], chosen[2]) if n in AXIS_PARAMETERS]
    note = (f"2θ axis corrected (Debye–Scherrer axis model {label}, the smallest QAIC of "
            f"{len(models)}): " + ", ".join(parts)) if parts else ""
    return chosen, "; ".join(filter(None, [note, spread_note]))


def _volume_error(phase: Phase, names, values, cov) -> float:
    cell_names = [n for n in names if n not in AXIS_PARAMETERS]
    grad = np.zeros(len(names))
    for i, n in enumerate(names):
        if n in AXIS_PARAMETERS:
            continue
        h = 1e-6 * max(abs(values[i]), 1.0)
        up = phase.with_cell(**{k: v + (h if k == n else 0) for k, v in zip(cell_names, values)}).volume_a3
        dn = phase.with_cell(**{k: v - (h if k == n else 0) for k, v in zip(cell_names, values)}).volume_a3
        grad[i] = (up - dn) / (2 * h)
    return float(np.sqrt(grad @ cov @ grad))


def twotheta_of(d, wavelength_a):
    return np.degrees(2 * np.arcsin(np.clip(wavelength_a / (2 * np.asarray(d)), -1, 1)))


def _cell_moves(before, after) -> str:
    """"" or the cell lengths that differ by more than :data:`MAX_AXIS_MODEL_SPREAD_A`
    between two :func:`refine_cell` tuples ("a by +0.0031 Å")."""
    base = dict(zip(before[0], before[1]))
    moved = {n: v - base[n] for n, v in zip(after[0], after[1]) if n in _LENGTHS and n in base}
    return ", ".join(f"{n} by {d:+.4f} Å" for n, d in moved.items() if abs(d) > MAX_AXIS_MODEL_SPREAD_A)
