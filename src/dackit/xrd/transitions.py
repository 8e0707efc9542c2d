"""Which phases are in a pattern, in what weight fractions, and where a transition sets in.

:func:`identify_phases` fits the whole pattern as a sum of candidate phases — one scale
factor, cell, width (linear in 2θ) and Lorentzian fraction per phase, lines at structure-factor
intensities (:mod:`dackit.xrd.structure_factor`), a SNIP background with a low-order Chebyshev
correction — after a greedy coarse search of each candidate's cell. A candidate is *present* when its own peaks explain
data where the other phases put (almost) nothing: the matched-filter signal-to-noise of the
residual (data − background − other phases) against the candidate's profile, over the points
where it has signal outside the lines (± 1.5 FWHM) of phases already accepted (candidates
are judged from the largest contribution down), must reach ``threshold`` (default 5σ; noise
inflated by √χ²_red when the model misfits), with at least two lines at ≥ 3σ each and at
least one fitted line predicted 3σ high. The phases passing are refitted alone and judged
again, and a phase whose Hill–Howard weight fraction is not 3 standard errors above zero is
dropped (one at a time, weakest first): a phase of nil fraction cannot be present, whatever
numerical noise its first-pass evidence carried. Without per-point σ the fit is weighted by
the pattern's white-noise σ (second differences), so χ²_red is dimensionless. Spikes far
narrower than the fitted lines and higher than the model there (single-crystal anvil spots,
zingers: :func:`narrow_spikes`) are left out and the search and fit redone. On laboratory
Kα data each reflection is a Kα1 + Kα2 doublet (one Kα2/Kα1 ratio fitted) with a free 2θ
zero.
Weight fractions follow Hill & Howard, J. Appl. Cryst. 20, 467 (1987):
w_i = S_i (ZMV)_i / Σ_j S_j (ZMV)_j.

Their counting error is only part of the story: a fraction from peak intensities is as good
as the intensity model (structure factors, Debye–Waller factors, Lorentz–polarisation) fits
the sample, and preferred orientation, extinction, microabsorption and overlap break it
reflection by reflection. ``_intensity_check`` measures that from the data: for each
phase, the ratio of extracted to modelled intensity of every reflection the data determine
to 10 %; the scatter of ln(ratio) beyond counting noise (a robust σ) is
the systematic relative error of that phase's scale, propagated into ``fraction_err``.
These effects vary smoothly with hkl and 2θ rather than independently per line, so the
scatter is not divided by √n. A multi-phase fraction is doubtful when a phase's intensities
scatter by more than :data:`INTENSITY_SCATTER_MAX` or fewer than
:data:`MIN_INTENSITY_CHECKS` of its reflections can be checked. What no single pattern
shows — amorphous content, a microabsorption contrast common to all lines of a phase — is
not in the error; the notes say so.

:func:`transition_onset` turns per-step presence into an onset pressure with its bracket.

Example
-------
>>> import numpy as np
>>> from dackit.xrd.phases import zincblende, rocksalt
>>> from dackit.xrd.structure_factor import simulate_pattern
>>> zb, rs = zincblende(a=5.60), rocksalt(a=5.25, cation="In", anion="P")
>>> pat = simulate_pattern(np.linspace(6, 30, 2401), [zb, rs], 0.6199, weight_fractions=[0.6, 0.4],
...                        crystallite_size_nm=8, peak_counts=2e4, seed=2)
>>> res = identify_phases(pat, [zincblende(), rocksalt(a=5.30, cation="In", anion="P")])
>>> [p.present for p in res.phases]
[True, True]
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.polynomial import chebyshev as cheb
from scipy import ndimage as ndi
from scipy.optimize import least_squares

from dackit.core.lineshapes import pseudo_voigt_unit_area
from dackit.core.lsq import covariance_from_jacobian, covariance_to_stderr, qaic_weights
from dackit.core.quality import Judged, Verdict
from dackit.errors import DackitError, FitError, InputError, where
from dackit.xrd.cell import MAX_AXIS_MODEL_SPREAD_A, MIN_AXIS_MODEL_WEIGHT, twotheta_of
from dackit.xrd.lattice import angle_unit_notes, coarse_scale, fit_lattice, pattern_arrays, prepare
from dackit.xrd.peakfit import KALPHA2_RATIO_NOMINAL, kalpha2_position, kalpha_doublet
from dackit.xrd.phases import Phase, get_phase
from dackit.xrd.structure_factor import TEXTURE_SCATTER, reflections


@dataclass(frozen=True)
class PhaseResult(Judged):
    """One candidate: presence, its evidence (σ), Hill–Howard weight fraction and cell."""

    name: str
    present: bool
    significance: float
    fraction: float
    fraction_err: float
    a_a: float
    a_a_err: float
    scale: float
    scale_err: float
    phase: Phase
    note: str = ""
    verdict: Verdict = field(default_factory=Verdict)
    #: parts of ``fraction_err``: counting noise, and the systematic term from the scatter of
    #: the phases' reflection intensities about their structure models (NaN: not assessable)
    fraction_err_stat: float = 0.0
    fraction_err_sys: float = 0.0
    #: the phase's own reflections usable for that check, and their relative rms scatter
    n_intensity_checks: int = 0
    intensity_scatter: float = float("nan")
    #: a present phase's fitted lines as (2θ°, FWHM°, η), strongest first, those at least
    #: :data:`LINE_MIN_HEIGHT` of its strongest within the fitted range (the azimuth-sector
    #: check of an image reads them, :func:`dackit.xrd.sectors.phases_by_sector`)
    lines: tuple = field(default=(), repr=False)

    def to_dict(self) -> dict:
        return {"name": self.name, "present": self.present, "significance": self.significance,
                "fraction": self.fraction, "fraction_err": self.fraction_err, "a_a": self.a_a,
                "a_a_err": self.a_a_err, **self.verdict.to_dict()}


@dataclass(frozen=True)
class PhaseIdentification(Judged):
    """Result of :func:`identify_phases`: one :class:`PhaseResult` per candidate (input
    order), the fit's χ²_red, and the data, model, background and per-phase components
    (present phases) for figures. ``verdict`` (and each phase's) judges every number, the
    weight fractions included; ``lattices_ok`` is True when every present phase's presence
    and cell pass their checks, whatever the fractions' verdict (a step with uncertain
    fractions still gives trusted cells for an equation of state)."""

    phases: tuple
    redchi: float
    wavelength_a: float
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    model: np.ndarray = field(repr=False)
    background: np.ndarray = field(repr=False)
    components: dict = field(repr=False)
    source: str = ""
    verdict: Verdict = field(default_factory=Verdict)
    lattices_ok: bool = True



class _WholePattern:
    """Whole-pattern model: Σ_p S_p Σ_hkl I_hkl pV(2θ; cell_p, w_p(2θ), η_p) + SNIP background
    + Chebyshev correction. With ``kalpha2`` (λ2/λ1 of a laboratory Kα doublet, ``lam`` its
    Kα1) each reflection also has a Kα2 line of the same width function, at r × its area, r
    one ratio fitted for the pattern (0 on monochromated Kα1 data)."""

    def __init__(self, x, phases, tables, lam, snip, free_zero=False, kalpha2=None):
        self.x, self.phases, self.lam, self.snip = x, phases, lam, snip
        self.free_zero, self.kalpha2 = free_zero, kalpha2
        self.t = 2 * (x - x.min()) / np.ptp(x) - 1
        self.layout = []
        i = 0
        for ph in phases:
            n_cell = len(ph.free_parameters)
            self.layout.append((i, n_cell))
            i += 1 + n_cell + 3      # S, cell..., w0, w1, eta
        self.n_phase_params = i
        # after the phases' parameters: a 2θ zero offset, then the Kα2/Kα1 ratio
        self.n_axis = int(free_zero) + int(kalpha2 is not None)
        self.hkl = [t[["h", "k", "l"]].to_numpy(float) for t in tables]
        self.inten = [t["intensity"].to_numpy() for t in tables]
        self.mid = float(np.mean(x))

    def unpack(self, p, k):
        i, n_cell = self.layout[k]
        scale = p[i]
        cell = p[i + 1:i + 1 + n_cell]
        w0, w1, eta = p[i + 1 + n_cell:i + 4 + n_cell]
        return scale, cell, w0, w1, eta

    def phase_at(self, p, k):
        _, cell, *_ = self.unpack(p, k)
        ph = self.phases[k]
        return ph.with_cell(**dict(zip(ph.free_parameters, cell)))

    def zero(self, p) -> float:
        return float(p[self.n_phase_params]) if self.free_zero else 0.0

    @property
    def kalpha2_index(self) -> int:
        """Index of the Kα2/Kα1 ratio in the parameters (after the zero offset, if any)."""
        return self.n_phase_params + int(self.free_zero)

    def kalpha2_ratio(self, p) -> float:
        """Fitted Kα2/Kα1 intensity ratio (0 without a doublet)."""
        return float(p[self.kalpha2_index]) if self.kalpha2 is not None else 0.0

    def line_sets(self, p, k):
        """[(positions, FWHMs, relative area)] of phase k's reflections: the Kα1 (or only)
        lines, then their Kα2 partners when the model has them."""
        _, _, w0, w1, _ = self.unpack(p, k)
        t1 = twotheta_of(self.phase_at(p, k).d_spacing(self.hkl[k]), self.lam)
        sets = [(t1, 1.0)]
        if self.kalpha2 is not None:
            sets.append((kalpha2_position(t1, self.kalpha2), self.kalpha2_ratio(p)))
        out = []
        for centres, rel in sets:
            pos = centres + self.zero(p)
            out.append((pos, np.maximum(w0 + w1 * (pos - self.mid), 1e-4), rel))
        return out

    def component(self, p, k):
        scale, _, _, _, eta = self.unpack(p, k)
        out = np.zeros_like(self.x)
        for pos, fw, rel in self.line_sets(p, k):
            if rel <= 0:
                continue
            for c, w, inten in zip(pos, fw, self.inten[k]):
                lo, hi = np.searchsorted(self.x, [c - 20 * w, c + 20 * w])
                if hi > lo:
                    out[lo:hi] += scale * rel * inten * pseudo_voigt_unit_area(self.x[lo:hi], c, w, eta)
        return out

    def lines(self, p, k):
        """Positions, FWHMs and peak heights of phase k's (Kα1) lines."""
        scale, _, _, _, eta = self.unpack(p, k)
        pos, fw, _ = self.line_sets(p, k)[0]
        return pos, fw, scale * self.inten[k] * pseudo_voigt_unit_area(0.0, 0.0, fw, eta)

    def background(self, p):
        return self.snip + cheb.chebval(self.t, p[self.n_phase_params + self.n_axis:])

    def __call__(self, p):
        return self.background(p) + sum(self.component(p, k) for k in range(len(self.phases)))


#: Evaluation limit of a whole-pattern fit (least squares, trust region). A fit stopped by
#: it has not converged: the present phases' cells are then doubtful (:func:`identify_phases`).
WHOLE_FIT_MAX_NFEV = 400


class _WholeFit(NamedTuple):
    model: _WholePattern
    p: np.ndarray
    cov: np.ndarray
    redchi: float
    converged: bool


def _fit_whole(x, y, sig, phases, starts, lam, bg_init, fwhm, bg_degree, polarization, radiation, free_zero=False,
               kalpha2=None) -> _WholeFit:
    tables = []
    for ph, (s, _) in zip(phases, starts):
        t = reflections(ph.scaled(s), lam, min(179.0, float(x.max()) * 1.05 + 1), polarization=polarization,
                        radiation=radiation)
        tables.append(t.reset_index(drop=True))
    wp = _WholePattern(x, phases, tables, lam, bg_init, free_zero=free_zero, kalpha2=kalpha2)
    p0, lo, hi = [], [], []
    for ph, (s, amp) in zip(phases, starts):
        cell = [getattr(ph, k) * (s if k in ("a", "b", "c") else 1.0) for k in ph.free_parameters]
        p0 += [max(amp, 1e-30), *cell, fwhm, 0.0, 0.5]
        lo += [0.0, *[c * 0.97 if k in "abc" else c - 2 for c, k in zip(cell, ph.free_parameters)],
               0.2 * fwhm, -fwhm / np.ptp(x) * 2, 0.0]
        hi += [np.inf, *[c * 1.03 if k in "abc" else c + 2 for c, k in zip(cell, ph.free_parameters)],
               5 * fwhm, fwhm / np.ptp(x) * 2, 1.0]
    if free_zero:
        p0.append(0.0)
        lo.append(-2 * fwhm)
        hi.append(2 * fwhm)
    if kalpha2 is not None:  # the Kα2/Kα1 intensity ratio
        p0.append(KALPHA2_RATIO_NOMINAL)
        lo.append(0.0)
        hi.append(1.0)
    bgc = np.zeros(bg_degree + 1)
    p0 += list(bgc)
    lo += [-np.inf] * len(bgc)
    hi += [np.inf] * len(bgc)
    lo, hi = np.array(lo), np.array(hi)
    margin = 1e-9 * np.where(np.isfinite(hi - lo), hi - lo, 1.0)
    p0 = np.clip(np.array(p0, float), lo + margin, hi - margin)
    w = 1.0 / sig if sig is not None else np.ones_like(x)
    res = least_squares(lambda p: (wp(p) - y) * w, p0, bounds=(lo, hi), x_scale="jac", max_nfev=WHOLE_FIT_MAX_NFEV,
                        tr_solver="lsmr")
    covar = covariance_from_jacobian(res.jac.toarray() if hasattr(res.jac, "toarray") else res.jac, res.fun,
                                     scale=True)
    return _WholeFit(wp, res.x, covar.matrix, covar.redchi, bool(res.status > 0))


def identify_phases(pattern, candidates, *, twotheta_range=None, a_search=(-0.12, 0.05),
                    threshold: float = 5.0, background_degree: int = 6,
                    polarization: str = "unpolarized", radiation: str | None = None) -> PhaseIdentification:
    """Decide which ``candidates`` (Phases or specs) are present in ``pattern``; see module doc.

    Returns a :class:`PhaseIdentification`; each :class:`PhaseResult` carries the presence
    decision, its significance in σ, the weight fraction (± error; 0 when absent; NaN for
    phases without atoms, e.g. JCPDS) and the refined cell parameter a.

    Parameters
    ----------
    pattern : Pattern
        A 1D pattern on a 2θ axis with its wavelength.
    candidates : sequence of Phase or str
        The candidate phases (or specs for :func:`~dackit.xrd.get_phase`).
    twotheta_range : tuple of float, optional
        (lo, hi) in degrees 2θ to fit; the whole pattern when None.
    a_search : tuple of float, default (-0.12, 0.05)
        Relative range of each phase's cell-scale search (compression negative).
    threshold : float, default 5.0
        A phase is present when removing it worsens the fit by more than this many σ.
    background_degree : int, default 6
        Degree of the background polynomial.
    polarization : {"unpolarized", "corrected"}, default 'unpolarized'
        Lorentz–polarisation factor of the intensities: an unpolarised laboratory beam, or
        data already corrected for polarisation (synchrotron).
    radiation : {"xray", "neutron"}, optional
        Line intensities from X-ray form factors, or (constant-wavelength) neutron scattering
        lengths with the Lorentz factor alone (:func:`~dackit.xrd.structure_factor.reflections`).
        None takes ``pattern.metadata["radiation"]`` (set by readers whose file says so),
        else X-ray.
    """
    if radiation is None:
        radiation = str((pattern.metadata or {}).get("radiation", "xray"))
    phases = [get_phase(c) for c in candidates]
    if not phases:
        raise InputError("no candidate phases given")
    names = [p.name for p in phases]
    if len(set(names)) != len(names):
        phases = [Phase(**{**p.__dict__, "name": f"{p.name} #{i + 1}"}) for i, p in enumerate(phases)]
    x, y, sig, lam = pattern_arrays(pattern, twotheta_range)
    pre = where(pattern.source)
    # on laboratory Kα data every reflection is a Kα1 + Kα2 doublet (indexed on Kα1): a model
    # of single lines misfits each one (χ²_red 10⁴–10⁵ on real Cu scans), and the noise
    # inflation √χ²_red of the presence test then hides minor phases (17 % KCl beside NaCl)
    lam_given, kalpha2 = lam, None
    doublet = kalpha_doublet(lam) if radiation == "xray" else None
    if doublet is not None:
        lam, kalpha2 = doublet[1], doublet[2] / doublet[1]
    bg, net, fwhm, noise = prepare(x, y, sig)
    if not np.max(net) > threshold * noise:
        raise FitError(f"{pre}no peak rises above {threshold:g}× the noise; cannot identify phases")
    weights = None if sig is None else 1 / sig**2
    # Without per-point σ, weight by the white-noise σ, so χ²_red is dimensionless and the
    # noise inflation √χ²_red used in the presence test means what it says
    if sig is None:
        sig = np.full_like(x, noise if noise > 0 else 1.0)

    # Two greedy coarse searches (the best-matching candidate first, then the others on what
    # is left): on the whole residual, and only where the candidates placed so far put
    # (almost) nothing. NaCl at √2 times the cell of LaB6 has its even lines on LaB6's and,
    # searched on the whole residual, took the misfit of the strong LaB6 lines there
    # (a = 5.736 Å) over its own clear 200 line (5.436 Å); but two candidates with the same
    # lines (CeO2 and zinc blende at 5.41 Å) must both start there for the fit to choose. The
    # whole-pattern fit from each set of starts is kept if it fits better.
    def best_fit(sig, weights):
        fits = []
        for masked in (False, True):
            start_list = _greedy_starts(x, net, phases, lam, fwhm, noise, weights, a_search, polarization,
                                        radiation, masked=masked, kalpha2=kalpha2)
            if fits and np.allclose(start_list, fits[0][0], rtol=1e-6, atol=0.0):
                continue
            try:
                fits.append((start_list, _fit_whole(x, y, sig, phases, start_list, lam, bg, fwhm,
                                                    background_degree, polarization, radiation,
                                                    free_zero=doublet is not None, kalpha2=kalpha2)))
            except (ValueError, np.linalg.LinAlgError) as exc:
                if not fits:
                    raise FitError(f"{pre}whole-pattern fit failed ({exc})") from None
        return min(fits, key=lambda f: f[1].redchi)[1]

    wp, p, cov, redchi, converged = best_fit(sig, weights)
    # Single-crystal (diamond) spots and zingers far narrower than the lines pull the whole
    # fit (two spikes at 1-10x the strongest line put 62 % of a Pt + Ne pattern's points 5σ
    # off the model and hid the Ne): they are left out (σ → ∞) and the search and fit redone
    spikes = narrow_spikes(x, y, wp, p, sig)
    spike_info = []
    if spikes.any():
        sig = np.where(spikes, np.inf, sig)
        weights = 1 / sig**2
        wp, p, cov, redchi, converged = best_fit(sig, weights)
        n_spikes = int(np.max(ndi.label(spikes)[0]))
        spike_info = [f"{n_spikes} spike(s) narrower than {SPIKE_MAX_WIDTH:g}× the lines' width and above "
                      f"the model's own height there ({int(spikes.sum())} points, at "
                      f"{', '.join(f'{v:.3f}°' for v in _spike_centres(x, y, spikes)[:6])}) left out of the fit: "
                      "single-crystal (diamond) spots, zingers, or lines of a far sharper phase not among the "
                      "candidates (then add it)"]
    present, signif, lines_seen, why = _judge(x, y, wp, p, redchi, sig, len(phases), threshold)
    if not any(present):
        raise FitError(f"{pre}none of the candidates {', '.join(names)} is found in the pattern"
                       + _reasons(names, why, signif, lines_seen, threshold))
    keep = [k for k in range(len(phases)) if present[k]]
    scale_of = {k: (wp.phase_at(p, k).a / phases[k].a, p[wp.layout[k][0]]) for k in range(len(phases))}
    wp2, p2, cov2, redchi2, converged2 = wp, p, cov, redchi, converged
    fitted_set = list(range(len(phases)))
    # A phase stays present only if, in a fit of the present phases alone, its own peaks still
    # carry the evidence and its weight fraction stands 3 σ above zero: a phantom that took
    # a share of misfit in the first fit loses it when refitted (fraction → 0), and must go.
    while True:
        if keep != fitted_set:
            wp2, p2, cov2, redchi2, converged2 = _fit_whole(
                x, y, sig, [phases[k] for k in keep], [scale_of[k] for k in keep], lam, bg, fwhm, background_degree,
                polarization, radiation, free_zero=doublet is not None, kalpha2=kalpha2)
            fitted_set = list(keep)
        frac, frac_err = _hill_howard(wp2, p2, cov2, [phases[k] for k in keep])
        ok2, sig2, lines2, why2 = _judge(x, y, wp2, p2, redchi2, sig, len(keep), threshold)
        failing = []
        for j, k in enumerate(keep):
            signif[k], lines_seen[k] = sig2[j], lines2[j]
            if not ok2[j]:
                failing.append((sig2[j], j, k, why2[j]))
            elif len(keep) > 1 and not frac[j] > FRACTION_SIGMAS * frac_err[j]:
                failing.append((frac[j] / frac_err[j] if frac_err[j] > 0 else 0.0, j, k,
                                f"weight fraction {frac[j]:.3g} ± {frac_err[j]:.2g} not {FRACTION_SIGMAS:g}σ above zero"))
        if not failing or len(keep) == 1:
            break
        _, _, k_out, reason = min(failing)
        why[k_out] = reason
        present[k_out] = False
        keep.remove(k_out)
    if not keep or (len(keep) == 1 and not ok2[0]):
        if keep:
            why[keep[0]] = why2[0]
        raise FitError(f"{pre}none of the candidates {', '.join(names)} is found in the pattern"
                       + _reasons(names, why, signif, lines_seen, threshold))
    ratios = _pawley_ratios(wp2, p2, y, sig)
    checks = _intensity_check(ratios, len(keep))
    swap = _swap_doubts(x, wp2, p2, redchi2, sig, phases, keep, ratios, checks, a_search, threshold,
                        (lam, polarization, radiation))
    frac_sys = _fraction_sys(frac, [c[1] for c in checks])
    fraction_doubts = _fraction_doubts(frac, [phases[k].name for k in keep], checks)

    axis_doubts = {}
    if radiation == "xray" and doublet is None:
        axis_doubts = _zero_offset_doubts(x, y, sig, wp2, p2, lam, bg, fwhm, background_degree, polarization)
    # a fit stopped at its evaluation limit is not at the minimum: its cells may still move
    stalled = [] if converged2 else [f"the whole-pattern fit stopped after {WHOLE_FIT_MAX_NFEV} evaluations "
                                     "without converging: the cells and fractions may not be at the best fit; "
                                     "narrow --range or fit the phase alone with dackit xrd lattice"]
    results = []
    comps2 = {}
    lattices_ok = True
    for k, ph in enumerate(phases):
        if k in keep:
            j = keep.index(k)
            i, n_cell = wp2.layout[j]
            refined = wp2.phase_at(p2, j)
            a_err = float(np.sqrt(max(cov2[i + 1, i + 1], 0.0)))
            comps2[ph.name] = wp2.component(p2, j)
            verdict = _phase_verdict(signif[k], threshold, float(frac[j]), float(frac_err[j]), len(keep),
                                     lines_seen[k], refined.a, a_err, redchi2)
            err_total = float(np.hypot(frac_err[j], frac_sys[j])) if np.isfinite(frac_sys[j]) else float(frac_err[j])
            a_value = refined.a
            if radiation == "neutron" or doublet is not None:
                a_value, a_err, verdict = _peak_fit_cell(pattern, refined, twotheta_range, polarization,
                                                         radiation, a_err, verdict)
            elif j in axis_doubts:
                verdict = verdict.plus(doubts=[axis_doubts[j]])
            if verdict.ok and (pattern.metadata or {}).get("axis_assumed"):
                verdict = _unstated_axis(pattern, ph, refined, a_value, lam, x, twotheta_range, polarization,
                                         a_search, verdict)
            verdict = verdict.plus(doubts=swap.get(k, []) + stalled)
            lattices_ok = lattices_ok and verdict.ok
            if len(keep) > 1:
                verdict = verdict.plus(doubts=fraction_doubts, info=[_fraction_note(
                    float(frac[j]), float(frac_err[j]), float(frac_sys[j]), checks[j])])
            results.append(PhaseResult(ph.name, True, signif[k], float(frac[j]), err_total, a_value,
                                       a_err, float(p2[i]), float(np.sqrt(max(cov2[i, i], 0.0))), refined,
                                       verdict=verdict, fraction_err_stat=float(frac_err[j]),
                                       fraction_err_sys=float(frac_sys[j]), n_intensity_checks=checks[j][0],
                                       intensity_scatter=float(checks[j][1]), lines=_fitted_lines(wp2, p2, j)))
        else:
            note = _absent_note(why[k], signif[k], lines_seen[k], threshold)
            # refused for want of a second line while its one line carries the evidence: not a
            # sure absence (a 17 % KCl beside NaCl on a Cu scan, one line at 53σ: absent, ok)
            unsure = ([f"absent only for want of a second line: its one line stands {signif[k]:.0f}σ; the "
                       "others may be hidden by the misfit of stronger lines (noise inflated by √χ²_red)"]
                      if signif[k] >= threshold else [])
            unsure += _lines_at_nominal_cell(x, y, sig, wp, p, k, wp2, p2, threshold)
            results.append(PhaseResult(ph.name, False, signif[k], 0.0, 0.0, float("nan"), float("nan"), 0.0, 0.0, ph,
                                       note=note, verdict=Verdict.from_checks(unsure + swap.get(k, []),
                                                                              info=[f"absent: {note}"])))
    # a candidate refused for want of a second line, whose one line carries the evidence of a
    # phase, is an unexplained strong peak: a phase not among the candidates, or a diamond
    # spike whose misfit hides weaker phases (Si + 11 % LaB6 with three spikes: LaB6
    # "absent", ok, while a decoy Pt took a spike at 200 σ)
    unexplained = [f"{r.name} explains a peak at {r.significance:.0f}σ with one line only: a phase not "
                   "among the candidates, or a single-crystal (diamond) spot whose misfit can hide "
                   "weaker phases; check the residual (--plot DIR)"
                   for r in results if not r.present and r.significance >= threshold]
    # and a phase found beside it may sit on lines not its own (6 % Pt beside Au and NaCl took
    # the Au lines, a 0.17 Å too long, while NaCl and Au were refused for one line each)
    results = [replace(r, verdict=r.verdict.plus(doubts=unexplained)) if r.present else r for r in results]
    lattices_ok = lattices_ok and not unexplained
    # the fraction doubts are shared by every present phase: each note once
    verdict = Verdict.from_checks(list(dict.fromkeys([*(d for r in results for d in r.verdict.notes
                                                        if r.present and not r.verdict.ok), *unexplained])),
                                  info=pattern.reader_notes + angle_unit_notes(pattern) + spike_info
                                  + _doublet_note(wp2, p2, cov2)
                                  + [f"χ²_red of the whole-pattern fit {redchi2:.3g}"])
    return PhaseIdentification(phases=tuple(results), redchi=redchi2, wavelength_a=lam_given, x=x, y=y, model=wp2(p2),
                               background=wp2.background(p2), components=comps2, source=pattern.source,
                               verdict=verdict, lattices_ok=lattices_ok)


#: Largest relative difference between a cell length from the Kα or neutron peak fit and from
#: the whole-pattern fit (which has a free 2θ zero on Kα data) for the peak fit's to be taken:
#: specimen displacement left in the whole-pattern cell moves it by less (NIST SRM 660 LaB6 Cu
#: scan, displacement −0.086°: 0.03 %); beyond, the peak fit has locked onto other lines.
PEAK_FIT_MAX_SHIFT = 2e-3
#: A present phase's weight fraction must stand this many standard errors above zero.
FRACTION_SIGMAS = 3.0
#: Relative standard error of a present phase's cell length above which it is doubtful
#: (the same bound as :data:`dackit.xrd.lattice.MAX_REL_ERR`).
PHASE_MAX_REL_ERR = 2.5e-4


#: a present phase's lines kept in :attr:`PhaseResult.lines`: those at least this fraction of its
#: strongest line's height (weaker ones carry no position an azimuth sector could read)
LINE_MIN_HEIGHT = 0.02


def _fitted_lines(wp, p, k) -> tuple:
    """Phase k's fitted (Kα1) lines in the fitted range as (2θ°, FWHM°, η), strongest first."""
    pos, fw, height = wp.lines(p, k)
    eta = float(wp.unpack(p, k)[4])
    inside = (pos >= wp.x.min()) & (pos <= wp.x.max())
    if not inside.any():
        return ()
    keep = inside & (height >= LINE_MIN_HEIGHT * height[inside].max())
    order = np.argsort(-height[keep])
    return tuple((float(t), float(w), eta) for t, w in zip(pos[keep][order], fw[keep][order]))


def _doublet_note(wp, p, cov) -> list[str]:
    if wp.kalpha2 is None:
        return []
    i = wp.kalpha2_index
    return [f"Kα1 + Kα2 lines modelled (λ1 = {wp.lam:.6f} Å, λ2/λ1 = {wp.kalpha2:.6f}); fitted intensity ratio "
            f"Kα2/Kα1 = {wp.kalpha2_ratio(p):.3f} ± {np.sqrt(max(cov[i, i], 0.0)):.2g}"]


def _peak_fit_cell(pattern, refined, twotheta_range, polarization, radiation, a_err, verdict):
    """Cell length of a present phase in laboratory Kα or neutron data, from the peak fit of
    :func:`~dackit.xrd.lattice.fit_lattice`: the whole-pattern model has at most a 2θ zero,
    no specimen displacement, which on a Kα1/Kα2 pattern leaves a off by more than 0.002 Å
    (NIST LaB6 660 Cu data, before the zero and the Kα2 lines were modelled: +0.0025 Å), and
    on constant-wavelength neutron data it misses the Debye–Scherrer offsets (D1A garnet:
    +0.0023 Å). The peak fit models both; its doubts join the phase's verdict, unless it moved
    a beyond :data:`PEAK_FIT_MAX_SHIFT` (another phase's lines). Returns (a, a_err, verdict)."""
    what = "neutron" if radiation == "neutron" else "Kα"
    try:
        fit = fit_lattice(pattern, refined, twotheta_range=twotheta_range, a_search=(-0.01, 0.01),
                          polarization=polarization, radiation=radiation)
    except DackitError as exc:
        return refined.a, a_err, verdict.plus(doubts=[f"a from the whole-pattern fit, which models neither the "
                                                      f"{what} line positions nor the axis offsets; the peak fit "
                                                      f"failed: {exc}"])
    if abs(fit.a - refined.a) > PEAK_FIT_MAX_SHIFT * refined.a:
        # the axis offsets move a by less: the peak fit, alone in its ±1 % window, took the
        # lines of another phase (5 % Si beside CeO2, 0.36 % apart: Si "a = 5.41166")
        return refined.a, a_err, verdict.plus(doubts=[
            f"the {what} peak fit of this phase moved a to {fit.a:.5f} Å, {100 * (fit.a / refined.a - 1):+.2f} % from "
            f"the whole-pattern fit's {refined.a:.5f} Å (axis offsets move it by less than "
            f"{100 * PEAK_FIT_MAX_SHIFT:g} %): it may have taken another phase's lines; a is the whole-pattern "
            "value, which models no specimen displacement"])
    doubts = [] if fit.verdict.ok else [f"the {what} peak fit of this phase is doubtful: " + "; ".join(fit.verdict.notes)]
    return fit.a, fit.a_err, verdict.plus(doubts=doubts, info=[f"a from the {what} peak fit (as xrd lattice)"])


def _zero_offset_doubts(x, y, sig, wp, p, lam, bg, fwhm, bg_degree, polarization) -> dict[int, str]:
    """Doubts on the cells of a monochromatic X-ray whole-pattern fit whose 2θ axis the data
    do not settle: the fit is repeated with a free 2θ zero offset and the two models weighed
    by QAIC (:func:`~dackit.core.lsq.qaic_weights`); when the zero model is not rejected
    (Akaike weight ≥ :data:`~dackit.xrd.cell.MIN_AXIS_MODEL_WEIGHT`) and moves a present
    phase's cell length by more than :data:`~dackit.xrd.cell.MAX_AXIS_MODEL_SPREAD_A`, that
    phase's cell is doubtful — the rule of ``xrd lattice``. A 0.01° zero on a 0.41 Å CeO2 scan
    moved the cell by −0.0045 Å without a word; on calibrated area-detector patterns (Fit2D and
    pyFAI LaB6, Dioptas CeO2) the zero model is rejected or moves the cell by less than the
    bound. Returns {index of the phase in ``wp``: doubt}."""
    starts = [(wp.phase_at(p, j).a / ph.a, p[wp.layout[j][0]]) for j, ph in enumerate(wp.phases)]
    try:
        wz, pz, _, redchi_z, converged_z = _fit_whole(x, y, sig, list(wp.phases), starts, lam, bg, fwhm, bg_degree,
                                                      polarization, "xray", free_zero=True)
    except (ValueError, np.linalg.LinAlgError):
        return {}
    if not converged_z:  # its χ² is not the zero model's best: the test cannot reject the model
        return {j: f"the 2θ axis is not checked: the fit with a free zero offset stopped after "
                   f"{WHOLE_FIT_MAX_NFEV} evaluations without converging; check the calibration"
                for j in range(len(wp.phases))}
    chi2 = [float(np.sum(((wp(p) - y) / sig) ** 2)), float(np.sum(((wz(pz) - y) / sig) ** 2))]
    w_zero = float(qaic_weights(chi2, [len(p), len(pz)], redchi_z)[1])
    if w_zero < MIN_AXIS_MODEL_WEIGHT:
        return {}
    out = {}
    for j, ph in enumerate(wp.phases):
        moved = {n: getattr(wz.phase_at(pz, j), n) - getattr(wp.phase_at(p, j), n)
                 for n in ph.free_parameters if n in ("a", "b", "c")}
        far = ", ".join(f"{n} by {d:+.4f} Å" for n, d in moved.items() if abs(d) > MAX_AXIS_MODEL_SPREAD_A)
        if far:
            out[j] = (f"the 2θ axis is not settled by the pattern: a zero offset of {wz.zero(pz):+.4f}° (Akaike "
                      f"weight {w_zero:.2f}) moves {far}, beyond {MAX_AXIS_MODEL_SPREAD_A:g} Å; check the "
                      "calibration, or refine the cell with dackit xrd lattice --zero-shift")
    return out


def _unstated_axis(pattern, phase, refined, a_value, lam, x, twotheta_range, polarization, a_search, verdict):
    """``verdict`` of a present phase in a pattern whose file stated no radial unit, with the
    doubt of :func:`~dackit.xrd.lattice.unstated_axis_verdict` when its numbers read as q index
    the phase at another cell (a headerless Ni q export at λ = 0.1 Å: a = 3.215 Å, ok)."""
    from dackit.xrd.lattice import q_reading_of_unstated_axis, unstated_axis_verdict
    from dackit.xrd.structure_factor import reflections

    lines = reflections(refined, lam, min(179.0, float(np.max(x)) + 1)).twotheta_deg.to_numpy()
    lines = lines[(lines >= np.min(x)) & (lines <= np.max(x))]
    other = q_reading_of_unstated_axis(pattern, phase, a_value, lines, twotheta_range=twotheta_range,
                                       a_search=a_search, polarization=polarization)
    if other is None or other.quality != "ok":
        return verdict
    return unstated_axis_verdict(verdict, a_value, other)


def _phase_verdict(signif, threshold, frac, frac_err, n_present, n_lines, a, a_err, redchi) -> Verdict:
    doubts = []
    if n_present > 1 and not frac > 5 * frac_err:
        doubts.append(f"weight fraction {frac:.3g} ± {frac_err:.2g}: less than 5σ above zero")
    if signif < 2 * threshold:
        doubts.append(f"own-peak evidence {signif:.1f}σ, close to the {threshold:g}σ threshold")
    if n_lines < 3:
        doubts.append(f"only {n_lines} line(s) of its own seen at ≥ 3σ")
    if not np.isfinite(a_err) or a_err > PHASE_MAX_REL_ERR * a:
        doubts.append(f"a = {a:.5f} ± {a_err:.2g} Å: too uncertain")
    return Verdict.from_checks(doubts, info=[f"own-peak evidence {signif:.1f}σ, {n_lines} own line(s)"])


def _hill_howard(wp, p, cov, phases):
    """Hill–Howard weight fractions w_i = S_i (ZMV)_i / Σ S_j (ZMV)_j and their errors from
    the scale covariance (∂w_i/∂m_j = (δ_ij − w_i) / Σm)."""
    idx_s = [wp.layout[j][0] for j in range(len(phases))]
    scales = p[idx_s]
    zmv = np.array([ph.cell_mass_amu * wp.phase_at(p, j).volume_a3 for j, ph in enumerate(phases)])
    mass = scales * zmv
    total = mass.sum()
    frac = mass / total if total > 0 else np.full(len(phases), np.nan)
    cs = cov[np.ix_(idx_s, idx_s)] * np.outer(zmv, zmv)
    jac = (np.eye(len(phases)) - frac[:, None]) / total if total > 0 else np.zeros((len(phases),) * 2)
    frac_err = covariance_to_stderr(jac @ cs @ jac.T)
    return frac, frac_err


#: Largest relative rms scatter of a phase's reflection intensities about its structure
#: model for a multi-phase weight fraction to be ok. 5 % of the scale of each of two phases
#: is ≈ 1.5 wt % on a 30/70 mixture (w(1 − w)·√2·5 %): beyond it, the number says more
#: about the intensity model than about the sample.
INTENSITY_SCATTER_MAX = 0.05
#: Fewest own reflections whose intensity the data determine a phase needs for its
#: intensity model to be checked at all.
MIN_INTENSITY_CHECKS = 3
#: A reflection is checked when its intensity, extracted with all others free, is known to
#: 1/CHECK_MIN_SNR (10 %) from counting noise alone.
CHECK_MIN_SNR = 10.0


def _pawley_ratios(wp, p, y, s):
    """Every reflection's intensity multiplier r about the structure model (1 = as the model
    and the fitted scale predict) and its counting error.

    Pawley-like extraction (Pawley, J. Appl. Cryst. 14, 357 (1981)) on the fitted whole-pattern
    model: positions, widths, shapes and background held, every reflection of every phase
    gets its own multiplier, all solved together by weighted linear least squares, so
    overlapping lines share their intensity as the data say. ``s`` is the σ of each point (the
    pattern's own, or the noise level that stands in for it in :func:`identify_phases`).
    Returns (phase index, reflection index, r, σ_r) arrays, one entry per reflection in range.
    """
    from scipy import sparse

    x = wp.x
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    owner: list[int] = []
    line: list[int] = []
    for k in range(len(wp.phases)):
        scale, _, _, _, eta = wp.unpack(p, k)
        sets = wp.line_sets(p, k)
        for i, inten in enumerate(wp.inten[k]):
            c = sets[0][0][i]
            lo = np.searchsorted(x, min(pos[i] - 20 * fw[i] for pos, fw, _ in sets))
            hi = np.searchsorted(x, max(pos[i] + 20 * fw[i] for pos, fw, _ in sets))
            if hi - lo < 5 or not x[0] < c < x[-1]:
                continue
            col = scale * inten * sum(rel * pseudo_voigt_unit_area(x[lo:hi], pos[i], fw[i], eta)
                                      for pos, fw, rel in sets) / s[lo:hi]
            rows.append(np.arange(lo, hi))
            cols.append(np.full(hi - lo, len(owner)))
            vals.append(col)
            owner.append(k)
            line.append(i)
    if not owner:
        empty = np.zeros(0)
        return np.zeros(0, int), np.zeros(0, int), empty, empty
    a = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(x.size, len(owner)))
    normal = (a.T @ a).toarray()
    rhs = a.T @ ((y - wp.background(p)) / s)
    cov = np.linalg.pinv(normal, rcond=1e-10, hermitian=True)
    r = cov @ rhs
    return np.asarray(owner), np.asarray(line), r, covariance_to_stderr(cov)


def _checked(ratios, k) -> np.ndarray:
    """Which reflections of phase k have an intensity multiplier known to 1/CHECK_MIN_SNR."""
    owner, _, r, se = ratios
    return (owner == k) & (r > 0) & (se > 0) & (se < r / CHECK_MIN_SNR)


def _intensity_check(ratios, n_phases) -> list[tuple[int, float, float]]:
    """How well each phase's structure-factor intensities describe its reflections.

    ``ratios`` is :func:`_pawley_ratios`' extraction. Reflections whose r has a counting
    error below 1/:data:`CHECK_MIN_SNR` are checked (an exact overlap leaves both lines
    undetermined, and unchecked). Returns one (n, scatter, noise) per phase: the number of
    reflections checked, the robust σ of ln r in excess of counting noise (NaN when fewer than
    :data:`MIN_INTENSITY_CHECKS`), and the median counting σ of ln r.
    """
    from dackit.core.noise import robust_sigma

    _, _, r, se = ratios
    out = []
    for k in range(n_phases):
        sel = _checked(ratios, k)
        logs, errs = np.log(r[sel]), se[sel] / r[sel]
        n = int(sel.sum())
        noise = float(np.median(errs)) if n else float("nan")
        if n < MIN_INTENSITY_CHECKS:
            out.append((n, float("nan"), noise))
            continue
        spread = robust_sigma(logs)
        out.append((n, float(np.sqrt(max(spread**2 - noise**2, 0.0))), noise))
    return out


#: Per-line scatter of ln(intensity) about a structure model assumed when too few lines are
#: measured to estimate it (structure_factor.TEXTURE_SCATTER: strong preferred orientation)
TEXTURE_SCATTER_UNMEASURED = TEXTURE_SCATTER
#: Two candidates' lines coincide when their centres lie within this fraction of the FWHM
#: (the off-position rule of the lattice fits, ``xrd.lattice``)
SWAP_POSITION_FWHM = 0.25


def _chi2_free_offset(v, w) -> float:
    """Weighted χ² of ``v`` about its weighted mean (a free log scale)."""
    return float(np.sum(w * (v - np.sum(w * v) / np.sum(w)) ** 2))


def _swap_doubts(x, wp, p, redchi, sig, phases, keep, ratios, checks, a_search, threshold, beam):
    """Doubts (by candidate index) where an absent candidate could stand in for a present one.

    Two candidates of one lattice type whose searched cells overlap put their lines at the same
    places: Au compressed to a = 3.924 Å and Ne at −12 % of its cell index the same fcc
    pattern (held-out phases sweep, seed 2027 case 14: Ne present and ok with Au's cell, Au
    absent, ok). Then only the intensities tell them apart. An absent candidate, scaled to the
    present phase's refined volume within its searched range (widened by the whole-pattern
    fit's 3 % bounds), stands in for it when (1) each of the present phase's lines above the
    noise floor has lines of the candidate within :data:`SWAP_POSITION_FWHM` of its FWHM, and
    none of the candidate's other lines would stand above that floor; and (2) its intensity
    model fits the extracted intensities (:func:`_pawley_ratios`) as well as the present
    phase's, to within ``threshold``² in χ² — each line's ln r weighted by its counting error
    and by the scatter of the present phase's lines about their own model (texture, which a
    structure model does not know; :data:`TEXTURE_SCATTER_UNMEASURED` when fewer than
    :data:`MIN_INTENSITY_CHECKS` lines are measured well enough to estimate it, and then every
    measured line counts), each model with its own free scale. With fewer than two line
    intensities the intensities decide nothing.
    """
    lam, polarization, radiation = beam
    owner, line, r, se = ratios
    floor = 3 * float(np.median(sig * np.sqrt(max(redchi, 1.0))))
    lo, hi = 1 + a_search[0] - 0.03, 1 + a_search[1] + 0.03
    doubts: dict[int, list[str]] = {}
    for j, k in enumerate(keep):
        pos, fw, height = wp.lines(p, j)
        pos = pos - wp.zero(p)
        inside = (pos > x[0]) & (pos < x[-1])
        per_unit = height / np.maximum(wp.inten[j], 1e-300)  # peak height per unit model intensity
        volume = wp.phase_at(p, j).volume_a3
        for m in range(len(phases)):
            if m in keep or not phases[m].atoms:
                continue
            scale = float((volume / phases[m].volume_a3) ** (1 / 3))
            if not lo <= scale <= hi:
                continue
            try:
                table = reflections(phases[m].scaled(scale), lam, min(179.0, float(x[-1]) + 1),
                                    polarization=polarization, radiation=radiation)
            except InputError:
                continue
            tm, im = table["twotheta_deg"].to_numpy(), table["intensity"].to_numpy()
            near = np.abs(tm[None, :] - pos[:, None]) <= SWAP_POSITION_FWHM * fw[:, None]
            i_m = near.astype(float) @ im  # the candidate's intensity on each of k's lines
            strong = inside & (height > floor)
            if not strong.any() or np.any(i_m[strong] <= 0):
                continue
            c = float(np.sum(height[strong]) / np.sum(per_unit[strong] * i_m[strong]))
            lone = ~near.any(axis=0) & (tm > x[0]) & (tm < x[-1])
            if lone.any():
                order = np.argsort(pos)  # a refined non-cubic cell can reorder its lines
                unit = np.interp(tm[lone], pos[order], per_unit[order])
                if np.any(c * unit * im[lone] > floor):
                    continue  # a line of its own where the data have none
            measured = _checked(ratios, j)
            scatter = checks[j][1]
            if not np.isfinite(scatter):  # too few strong lines to measure it: all lines, texture assumed
                measured, scatter = (owner == j) & (r > 0) & (se > 0), TEXTURE_SCATTER_UNMEASURED
            sel = measured & (i_m[np.clip(line, 0, len(i_m) - 1)] > 0)
            if sel.sum() >= 2:
                obs = np.log(r[sel])
                d = np.log(i_m[line[sel]] / wp.inten[j][line[sel]])
                w = 1 / (scatter**2 + (se[sel] / r[sel]) ** 2)
                rise = _chi2_free_offset(obs - d, w) - _chi2_free_offset(obs, w)
                if rise >= threshold**2:
                    continue
                how = (f"their intensity models fit the {int(sel.sum())} measured line intensities equally "
                       f"well (χ² {'lower' if rise < 0 else f'higher by {rise:.2g}'} for {phases[m].name}, "
                       f"with a scatter of {100 * scatter:.0f} % about {phases[k].name}'s model)")
            else:
                how = "too few line intensities are measured to tell their intensity models apart"
            pair = (f"{phases[k].name} and {phases[m].name} index the same lines ({phases[m].name} at "
                    f"{scale - 1:+.1%} of its nominal cell) and {how}: which of the two is in the sample, "
                    "this pattern does not say; leave out of the candidates the one that cannot be there")
            doubts.setdefault(k, []).append(pair)
            doubts.setdefault(m, []).append(pair)
    return doubts


def _fraction_sys(frac, scatters) -> np.ndarray:
    """Systematic standard error of each weight fraction from the relative scatters s_j of
    the phases' scales: ∂w_i/∂ln m_j = w_i(δ_ij − w_j). NaN when a scatter is unknown."""
    f = np.asarray(frac, float)
    s = np.asarray(scatters, float)
    if len(f) < 2:
        return np.zeros(len(f))
    if not np.all(np.isfinite(s)):
        return np.full(len(f), np.nan)
    jac = f[:, None] * (np.eye(len(f)) - f[None, :])
    return np.sqrt((jac**2) @ s**2)


def _fraction_doubts(frac, names, checks) -> list[str]:
    """Doubts shared by every fraction of a multi-phase fit (fractions sum to one: one
    phase's unreliable scale moves them all)."""
    if len(frac) < 2:
        return []
    out = []
    for name, (n, scatter, _noise) in zip(names, checks):
        if n < MIN_INTENSITY_CHECKS:
            out.append(f"weight fractions: the intensities of only {n} reflection(s) of {name} are "
                       f"determined by the data to 10 %, too few (needs {MIN_INTENSITY_CHECKS}) to check its intensities against the "
                       "structure model; their systematic error is unknown")
        elif scatter > INTENSITY_SCATTER_MAX:
            out.append(f"weight fractions: the {n} checked reflection intensities of {name} scatter by "
                       f"{100 * scatter:.0f} % about its structure model (beyond counting noise; texture, "
                       "Debye–Waller, extinction or overlap), more than "
                       f"{100 * INTENSITY_SCATTER_MAX:.0f} %: the fractions carry that systematic error")
    return out


def _fraction_note(frac, err_stat, err_sys, check) -> str:
    n, scatter, _noise = check
    sys_part = (f"± {err_sys:.2g} systematic (its {n} checked reflections scatter by {100 * scatter:.1f} % "
                "about the structure model)" if np.isfinite(err_sys) else "systematic error not assessable")
    return (f"weight fraction {frac:.3f} ± {err_stat:.2g} counting {sys_part}; a fraction of the crystalline "
            "phases: amorphous content or microabsorption, which one pattern cannot show, are not in the error")


def _absent_note(why, signif, lines_seen, threshold) -> str:
    return why or (f"own-peak evidence {signif:.1f}σ (needs {threshold:g}σ), "
                   f"{lines_seen} line(s) at ≥ 3σ (needs 2)")


def _reasons(names, why, signif, lines_seen, threshold) -> str:
    """'(name: reason; ...)' for the error that no candidate is present, and what to do."""
    said = [f"{n}: {_absent_note(w, s, k, threshold)}" for n, w, s, k in zip(names, why, signif, lines_seen)]
    # the misfit of a phase nobody named inflates the noise every candidate is judged against
    # (steel + CeO2 MAR345 image, candidates CeO2 and Si: CeO2, with 13 clean lines, was absent)
    return ((f" ({'; '.join(said)})" if said else "")
            + "; if the strongest lines belong to a phase not among the candidates, add it")


def _judge(x, y, wp, p, redchi, sig, n_phases, threshold):
    """Presence of each phase of a whole-pattern fit from its own peaks.

    Phases are judged from the largest contribution down; each must show its own peaks
    outside the lines (± 1.5 FWHM) of the phases already accepted, so a phantom phase that
    only re-distributes intensity among another phase's lines is not counted. Evidence: the
    matched-filter S/N of the residual (data − background − other phases) against the
    phase's profile where that profile stands 3 σ above the noise, ≥ ``threshold``; and at
    least two separate lines (one, if only one is predicted in range) each ≥ 3σ on its own
    and predicted ≥ 3σ high (a phase whose fitted lines are all below the noise has no
    evidence, whatever the residual). Returns (present, significance, lines, reason) lists.
    """
    sigma_pt = sig * np.sqrt(max(redchi, 1.0))
    comps = [wp.component(p, k) for k in range(n_phases)]
    bgv = wp.background(p)
    rank = sorted(range(n_phases), key=lambda k: -float(np.sum(comps[k])))
    signif = [0.0] * n_phases
    lines_seen = [0] * n_phases
    present = [False] * n_phases
    why = [""] * n_phases
    taken = np.zeros(x.size, dtype=bool)
    floor = 3 * float(np.median(sigma_pt))
    for k in rank:
        mine = comps[k]
        others = sum((comps[j] for j in range(n_phases) if j != k), np.zeros_like(x))
        resid = y - bgv - others
        mask = (mine > 3 * sigma_pt) & ~taken
        if mask.any():
            signif[k] = _matched_snr(resid[mask], mine[mask], sigma_pt[mask])
        strong = [(pos, fw) for pos, fw, h in zip(*wp.lines(p, k)) if h > floor and x[0] < pos < x[-1]]
        n_lines = sum(1 for pos, fw in strong
                      if (m := mask & (np.abs(x - pos) < 1.5 * fw)).any()
                      and _matched_snr(resid[m], mine[m], sigma_pt[m]) >= 3.0)
        lines_seen[k] = n_lines
        if not strong:
            why[k] = "no line of its fitted pattern stands 3σ above the noise"
        present[k] = bool(strong) and signif[k] >= threshold and n_lines >= min(2, len(strong))
        if present[k]:
            for pos, fw in strong:
                taken |= np.abs(x - pos) < 1.5 * fw
    return present, signif, lines_seen, why


def _lines_at_nominal_cell(x, y, sig, wp, p, k, wp2, p2, threshold) -> list[str]:
    """A doubt on the absence of phase ``k`` (of the first fit ``wp``, ``p``) when, at its
    nominal cell, its lines stand in the residual of the final fit of the present phases
    (``wp2``, ``p2``) away from their lines: matched-filter S/N ≥ ``threshold`` with at least
    two lines ≥ 3σ, the widths of the strongest present phase, against the residual's scatter
    between all lines. The first fit can carry a minority phase's cell far from its lines and
    judge it there: IUCr CPD-1a's 1.2 wt% corundum was refined to a = 4.33 Å (−9 %) and
    called absent, quality ok, while its 012, 113, 024 and 116 lines stand 6–10σ where no
    other phase has a line. Only a doubt: a phase under pressure sits at a smaller cell, and
    lines of a phase not among the candidates may fall where the nominal cell puts them."""
    main = int(np.argmax([np.sum(wp2.component(p2, j)) for j in range(len(wp2.phases))]))
    i, n_cell = wp.layout[k]
    j0, n_main = wp2.layout[main]
    trial = np.array(p, dtype=float)
    nominal = wp.phases[k]
    trial[i] = 1.0
    trial[i + 1:i + 1 + n_cell] = [getattr(nominal, name) for name in nominal.free_parameters]
    trial[i + 1 + n_cell:i + 4 + n_cell] = p2[j0 + 1 + n_main:j0 + 4 + n_main]
    profile = wp.component(trial, k)
    pos, fw, _ = wp.lines(trial, k)
    resid = y - wp2(p2)
    taken = np.zeros(x.size, dtype=bool)
    for j in range(len(wp2.phases)):
        for c, w in zip(*wp2.lines(p2, j)[:2]):
            taken |= np.abs(x - c) < 1.5 * w
    own = np.zeros(x.size, dtype=bool)
    for c, w in zip(pos, fw):
        own |= np.abs(x - c) < 1.5 * w
    free = ~taken & (profile > 1e-3 * max(float(profile.max()), 1e-300))
    # the noise where the lines are looked for: the residual's scatter away from every line.
    # A strong phase's misfit (CPD-1a fluorite, χ²_red 28) inflates √χ²_red five-fold, but
    # only under its own lines, which are set aside here
    between = ~taken & ~own
    if free.sum() < 3 or between.sum() < 20:
        return []
    sigma_pt = sig * np.sqrt(max(float(np.mean((resid[between] / sig[between]) ** 2)), 1.0))
    seen = []
    for c, w in zip(pos, fw):
        m = free & (np.abs(x - c) < 1.5 * w)
        if m.sum() >= 3 and _matched_snr(resid[m], profile[m], sigma_pt[m]) >= 3.0:
            seen.append(float(c))
    total = _matched_snr(resid[free], profile[free], sigma_pt[free])
    if len(seen) < 2 or total < threshold:
        return []
    cell = ", ".join(f"{name} = {getattr(nominal, name):.4g} Å" for name in nominal.free_parameters
                     if name in ("a", "b", "c"))
    return [f"at its nominal cell ({cell}) its lines stand {total:.1f}σ in the residual of the present "
            f"phases, {len(seen)} of them ≥ 3σ where no present phase has a line "
            f"({', '.join(f'{v:.2f}°' for v in seen[:5])}): it may be present at a cell the fit did not "
            "reach; fit it alone on those lines (dackit xrd lattice) to settle it"]


#: a spike stands this many σ above the model at its top
SPIKE_MIN_SIGMA = 20.0
#: and its half-height width is at most this fraction of the strongest phase's fitted line
#: FWHM there: a powder line is never narrower than the instrument resolution, while anvil
#: spots are a few hundredths of a degree wide
SPIKE_MAX_WIDTH = 0.4


def narrow_spikes(x, y, wp, p, sig) -> np.ndarray:
    """Points of ``y`` in spikes that no powder line can make: a run standing
    :data:`SPIKE_MIN_SIGMA` above the whole-pattern model, whose excess over the model has a
    half-height width of at most :data:`SPIKE_MAX_WIDTH` times the strongest phase's fitted
    FWHM there and, at its top, more than the phases' own model height (a misfit of a line's
    width or position cannot double it). Lines of a phase not among the candidates, far
    sharper than the strongest one (a marker beside broad nanocrystal lines), pass for spikes
    too, and the note says so. Returns a boolean mask over the whole excursion (the excess
    down to 3σ).

    Parameters
    ----------
    x, y, sig : ndarray
        2θ, counts and their σ.
    wp : _WholePattern
        The whole-pattern model.
    p : ndarray
        Its fitted parameters.
    """
    comps = [wp.component(p, k) for k in range(len(wp.phases))]
    phases_model = sum(comps, np.zeros_like(x))
    excess = y - wp.background(p) - phases_model
    z = excess / sig
    # the strongest phase's widths: not the sharpest's, since a decoy that took a spike in the
    # first fit has the spike's width (seed 7 case 24: Si at 0.2× the Pt lines' FWHM)
    main = int(np.argmax([np.sum(c) for c in comps]))
    _, _, w0, w1, _ = wp.unpack(p, main)
    runs, _ = ndi.label(z > 3.0)
    out = np.zeros(x.size, dtype=bool)
    for sl in ndi.find_objects(runs):
        seg = slice(sl[0].start, sl[0].stop)
        top = seg.start + int(np.argmax(excess[seg]))
        if z[top] < SPIKE_MIN_SIGMA or excess[top] <= phases_model[top]:
            continue
        above = excess[seg] > excess[top] / 2
        # the half-height extent around the top, in 2θ (one point: one step)
        lo = hi = top - seg.start
        while lo > 0 and above[lo - 1]:
            lo -= 1
        while hi < above.size - 1 and above[hi + 1]:
            hi += 1
        step = float(np.median(np.diff(x[max(seg.start - 1, 0):seg.stop + 1]))) if x.size > 1 else 0.0
        width = (hi - lo + 1) * step
        line_fwhm = w0 + w1 * (x[top] - wp.mid)
        if line_fwhm > 0 and width <= SPIKE_MAX_WIDTH * line_fwhm:
            out[seg] = True
    return out


def _spike_centres(x, y, spikes) -> list[float]:
    runs, _ = ndi.label(spikes)
    return [float(x[sl[0]][np.argmax(y[sl[0]])]) for sl in ndi.find_objects(runs)]


def _greedy_starts(x, net, phases, lam, fwhm, noise, weights, a_search, polarization, radiation, *,
                   masked, kalpha2=None) -> list[tuple[float, float]]:
    """(cell scale, amplitude) to start each phase's whole-pattern fit from: the candidate
    whose coarse match gains most first, then the others on the residual it leaves; with
    ``masked``, each later one only where those placed put no more than 3 σ."""
    starts: dict[int, tuple[float, float]] = {}
    residual = net.copy()
    placed = np.zeros_like(x)
    todo = list(range(len(phases)))
    while todo:
        best = None
        w_k = weights if weights is not None else np.ones_like(x)
        if masked:
            floor = 3 * noise if noise > 0 else 1e-3 * float(placed.max())  # (noise-free simulations)
            w_k = w_k * (placed <= floor)
        for k in todo:
            try:
                s, amp = coarse_scale(x, residual, phases[k], lam, fwhm, a_search=a_search, weights=w_k,
                                      polarization=polarization, radiation=radiation, kalpha2=kalpha2)
            except FitError:
                s, amp = 1.0, 0.0
            tmpl = _template(x, phases[k].scaled(s), lam, fwhm, polarization, radiation, kalpha2) * amp
            gain = float(np.sum(w_k * (2 * residual * tmpl - tmpl**2)))
            if best is None or gain > best[0]:
                best = (gain, k, s, amp, tmpl)
        if best is None:  # unreachable: todo is not empty, so the loop above set best
            raise TypeError("cannot unpack non-iterable NoneType object")
        _, k, s, amp, tmpl = best
        starts[k] = (s, amp)
        residual = residual - tmpl
        placed = placed + tmpl
        todo.remove(k)
    return [starts[k] for k in range(len(phases))]


def _matched_snr(resid, profile, sigma) -> float:
    """Signal-to-noise of ``profile`` in ``resid`` by a matched filter: Σ r c/σ² / √(Σ c²/σ²)."""
    s2 = sigma**2
    return float(np.sum(resid * profile / s2) / np.sqrt(np.sum(profile * profile / s2)))


def _template(x, phase, lam, fwhm, polarization, radiation, kalpha2=None):
    """The coarse search's pattern of ``phase``: unit-area Gaussians at the structure-factor
    intensities, with each line's Kα2 partner at the nominal ratio when ``kalpha2`` is given
    (as :func:`~dackit.xrd.lattice.coarse_scores`)."""
    table = reflections(phase, lam, min(179.0, float(x.max()) + 1), polarization=polarization,
                        radiation=radiation)
    out = np.zeros_like(x)
    for c, inten in zip(table["twotheta_deg"], table["intensity"]):
        out += inten * pseudo_voigt_unit_area(x, c, fwhm, 0.0)
        if kalpha2 is not None:
            out += KALPHA2_RATIO_NOMINAL * inten * pseudo_voigt_unit_area(x, float(kalpha2_position(c, kalpha2)),
                                                                          fwhm, 0.0)
    return out


def series_table(results, pressures) -> pd.DataFrame:
    """One row per (step, candidate) of a pressure series of :func:`identify_phases` results:
    ``pressure_gpa, file, phase, present, significance, fraction, fraction_err, a_a,
    a_a_err`` — the input of :func:`transition_onset` and of a(P) / EoS fits.

    Parameters
    ----------
    results : sequence of PhaseIdentification
        One result per step.
    pressures : array_like
        Pressure of each step in GPa.

    Examples
    --------
    >>> import numpy as np
    >>> from dackit.xrd.phases import zincblende
    >>> from dackit.xrd.structure_factor import simulate_pattern
    >>> pats = [simulate_pattern(np.linspace(6, 28, 1101), [zincblende(a=a)], 0.6199,
    ...                          crystallite_size_nm=6, seed=1) for a in (5.85, 5.75)]
    >>> t = series_table([identify_phases(p, ["zincblende"]) for p in pats], [0.5, 4.0])
    >>> list(t.pressure_gpa), list(t.present)
    ([0.5, 4.0], [True, True])
    """
    pressures = list(pressures)
    if len(pressures) != len(results):
        raise InputError(f"{len(results)} results but {len(pressures)} pressures")
    rows = []
    for res, p in zip(results, pressures):
        for ph in res.phases:
            rows.append({"pressure_gpa": float(p), "file": res.source, "phase": ph.name, "present": ph.present,
                         "significance": ph.significance, "fraction": ph.fraction,
                         "fraction_err": ph.fraction_err, "a_a": ph.a_a,
                         "a_a_err": ph.a_a_err})
    return pd.DataFrame(rows)


# --- onset ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TransitionOnset:
    """Onset of a phase: ``onset_gpa`` (first step where it is present, in the direction of
    travel; for decompression the last step where it is still present) and the bracket
    (``bracket_low_gpa``, ``bracket_high_gpa``) between that step and the neighbouring one
    without it. ``onset_gpa_err`` is the bracket width (the transition lies inside it)."""

    onset_gpa: float
    onset_gpa_err: float
    bracket_low_gpa: float
    bracket_high_gpa: float
    direction: str
    index: int
    note: str = ""


def transition_onset(pressures, presence, *, direction: str = "auto") -> TransitionOnset:
    """Onset pressure of a phase from per-step presence flags, steps in measurement order.

    ``direction``: "compression", "decompression" or "auto" (from the first and last pressure).
    The onset is the first step from which the phase stays present (compression), or, on
    decompression, the lowest pressure at which it is still present before it vanishes.

    Parameters
    ----------
    pressures : array_like
        Pressure of each step in GPa, in measurement order.
    presence : array_like of bool
        Whether the phase is present at each step.
    direction : {"auto", "compression", "decompression"}, default 'auto'
        Direction of the series; ``"auto"`` from the first and last pressure.

    Examples
    --------
    >>> transition_onset([2, 6, 10, 14.2, 15.9, 18], [0, 0, 0, 0, 1, 1]).onset_gpa
    15.9
    """
    p = np.asarray(pressures, dtype=float)
    flags = np.asarray(presence, dtype=bool)
    if p.size != flags.size or p.size == 0:
        raise InputError(f"pressures ({p.size}) and presence ({flags.size}) must be non-empty and of equal length")
    if not np.all(np.isfinite(p)):
        raise InputError("pressures hold NaN or infinite values")
    if direction == "auto":
        direction = "compression" if p[-1] >= p[0] else "decompression"
    if direction not in ("compression", "decompression"):
        raise InputError(f"direction {direction!r}: use compression, decompression or auto")
    note = ""
    if direction == "compression":
        if not flags.any():
            raise FitError("the phase is present at no step; no onset")
        if flags.all():
            i = 0
            note = "present from the first step: onset at or below it"
            return TransitionOnset(float(p[0]), float("nan"), float("-inf"), float(p[0]), direction, 0, note)
        # first index from which it stays present
        i = int(np.max(np.nonzero(~flags)[0])) + 1
        if i >= flags.size:
            raise FitError("the phase is not present at the last step; no lasting onset")
        if flags[:i].any():
            note = "present at isolated earlier steps too: onset taken where it persists"
        low, high = sorted((float(p[i - 1]), float(p[i])))
        return TransitionOnset(float(p[i]), high - low, low, high, direction, i, note)
    # decompression: present at high pressure, vanishes on the way down
    if not flags.any():
        raise FitError("the phase is present at no step; no back-transition")
    if flags.all():
        return TransitionOnset(float(p[-1]), float("nan"), float(p[-1]), float("-inf"), direction, flags.size - 1,
                               "still present at the last step: back-transition below it")
    i = int(np.min(np.nonzero(~flags)[0])) - 1
    if i < 0:
        raise FitError("the phase is absent at the first decompression step; no back-transition to locate")
    if flags[i + 1:].any():
        note = "reappears at later steps: back-transition taken where it first vanishes"
    low, high = sorted((float(p[i + 1]), float(p[i])))
    return TransitionOnset(float(p[i]), high - low, low, high, direction, i, note)
