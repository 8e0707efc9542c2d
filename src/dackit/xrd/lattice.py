"""Lattice parameters from a powder pattern: find a phase's peaks, fit them, refine the cell.

Steps of :func:`fit_lattice`:

1. background by SNIP (pybaselines; Ryan et al., Nucl. Instrum. Meth. B 34, 396 (1988)) and a
   peak-width estimate from the strongest feature;
2. coarse search of an isotropic scale factor s on the cell (a grid over ``a_search``, e.g.
   −12 %…+5 %), scoring the least-squares match of the calculated pattern (structure-factor
   intensities, Gaussian lines) to the background-subtracted data, so a compressed lattice is
   found without a good starting value;
3. reflections predicted weaker than ``min_significance`` × noise are dropped (with a note);
   the rest are fitted with pseudo-Voigt profiles and a linear background, peaks closer than
   3 FWHM fitted together in one group sharing their width (scipy ``least_squares``;
   :mod:`dackit.xrd.peakfit`); fitted
   peaks whose area is not ``min_significance`` standard errors above zero are dropped too;
   With a laboratory wavelength (a Cu, Co, Fe, Cr, Mo or Ag Kα1 line or Kα mean,
   :func:`~dackit.xrd.peakfit.kalpha_doublet`) each reflection is searched for as a Kα1 + Kα2 doublet: the
   Kα2/Kα1 ratio is fitted on the peak groups where the lines are resolved and then held,
   or single lines are fitted when no Kα2 is seen (a Kα1 monochromator);
4. the free cell parameters (cubic a; hexagonal/tetragonal a, c; …) and optionally a zero
   shift are refined (:mod:`dackit.xrd.cell`) by weighted least squares of the fitted peak positions
   2θ_obs = 2 asin(λ / 2d(hkl; cell)) + zero (weights 1/σ², covariance scaled by χ²_red
   as lmfit does). For laboratory data (reflection geometry) a zero shift and the specimen
   displacement term D cos θ are added when the positions demand them (F-test), and the
   peaks are searched for again on the corrected axis (:func:`~dackit.xrd.cell.refine_cell_auto`); the cell's
   esd includes its spread over the axis models the positions do not reject (Akaike
   weights). Constant-wavelength neutron data (Debye–Scherrer geometry) get neutron
   scattering lengths and the zero and sample-offset terms (:func:`~dackit.xrd.cell.refine_cell_debye_scherrer`).
   Other monochromatic data keep their axis where an area detector's calibration fixes it
   (a pyFAI/Dioptas geometry header, or an image integrated here); a pattern that carries no
   calibration gets a free zero as the alternative model in its esd and verdict
   (:func:`_unknown_geometry_zero`);
5. crystallite size by Scherrer and Williamson–Hall from the fitted widths.

Example
-------
>>> import numpy as np
>>> from dackit.xrd.phases import zincblende
>>> from dackit.xrd.structure_factor import simulate_pattern
>>> pat = simulate_pattern(np.linspace(6, 30, 2401), [zincblende(a=5.70)], 0.6199,
...                        crystallite_size_nm=6, peak_counts=2e4, seed=3)
>>> fit = fit_lattice(pat, zincblende())
>>> abs(fit.a - 5.70) < 0.004
True
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from dackit.core import broadening
from dackit.core.quality import Judged, Verdict
from dackit.errors import FitError, InputError, where
from dackit.xrd.cell import (_LENGTHS, AXIS_PARAMETERS, DEBYE_SCHERRER_TERMS, MAX_AXIS_MODEL_SPREAD_A, _cell_moves,
                             _volume_error, _with_model_spread, axis_shift_deg, refine_cell, refine_cell_auto,
                             refine_cell_debye_scherrer, twotheta_of)
from dackit.xrd.peakfit import GROUP_FIT_MAX_NFEV, KALPHA2_RATIO_NOMINAL, fit_peaks, kalpha_doublet
from dackit.xrd.phases import Phase, get_phase
from dackit.xrd.structure_factor import TEXTURE_SCATTER, reflections


@dataclass(frozen=True)
class LatticeFit(Judged):
    """Result of :func:`fit_lattice`.

    ``params``/``stderr``/``covar`` hold the refined free cell parameters (and ``zero_deg``
    if fitted) in the order of ``param_names``. ``peaks`` is the per-peak table: ``hkl``,
    ``d_calc_a``, ``twotheta_obs``, ``twotheta_obs_err``, ``twotheta_calc``, ``residual_deg``,
    ``fwhm_deg``, ``fwhm_deg_err``, ``eta``, ``intensity`` (area), ``intensity_err``,
    ``size_nm``, ``size_nm_err``. ``dropped`` lists reflections not used and why.
    """

    phase: Phase
    wavelength_a: float
    param_names: tuple
    params: dict
    stderr: dict
    covar: np.ndarray
    volume_a3: float
    volume_a3_err: float
    redchi: float
    peaks: pd.DataFrame
    dropped: pd.DataFrame
    notes: tuple
    scherrer_size_nm: float
    scherrer_size_nm_err: float
    wh_size_nm: float
    wh_size_nm_err: float
    wh_strain: float
    wh_strain_err: float
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    model: np.ndarray = field(repr=False)
    background: np.ndarray = field(repr=False)
    source: str = ""
    verdict: Verdict = field(default_factory=Verdict)


    @property
    def a(self) -> float:
        return self.params["a"]

    @property
    def a_err(self) -> float:
        return self.stderr["a"]

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"phase": self.phase.name}
        for name in self.param_names:
            key = {"a": "a_a", "b": "b_a", "c": "c_a"}.get(name, name)
            out[key], out[key + "_err"] = self.params[name], self.stderr[name]
        out.update(volume_a3=self.volume_a3, volume_a3_err=self.volume_a3_err, n_peaks=len(self.peaks),
                   redchi=self.redchi, scherrer_size_nm=self.scherrer_size_nm)
        out.update(self.verdict.to_dict())
        return out


# --- pattern helpers -----------------------------------------------------------------------
def pattern_arrays(pattern, twotheta_range=None, *, auto_range: bool = True):
    """(2θ, intensity, sigma-or-None, wavelength) of a Pattern cropped to ``twotheta_range``,
    or — when none is given and ``auto_range`` — to its usable range (:func:`usable_range`)."""
    lam = pattern._need_wavelength()
    x = np.asarray(pattern.twotheta_deg, dtype=float)
    if not np.all(np.isfinite(x)) and pattern.axis == "q_A^-1":
        # q·λ/4π > 1 has no 2θ (units.q_to_twotheta gives NaN): a q column in nm⁻¹ read as 1/Å
        # passes, but a wavelength too long for the q range does not; the NaN 2θ used to end in
        # "unexpected ValueError: cannot convert float NaN to integer" (a Ni xPDF .chi of the corpus,
        # q to 34.9 Å⁻¹, with --wavelength 0.4133)
        qmax = float(np.nanmax(np.asarray(pattern.x, dtype=float)))
        raise InputError(f"{where(pattern.source)}q runs up to {qmax:g} Å⁻¹, beyond 4π/λ = {4 * np.pi / lam:.4g} Å⁻¹ "
                         f"of the wavelength {lam:g} Å: no scattering vector is that long at this wavelength; "
                         "is the wavelength (--wavelength, in Å) or the q unit of the file wrong?")
    y = np.asarray(pattern.intensity, dtype=float)
    sig = None if pattern.sigma is None else np.asarray(pattern.sigma, dtype=float)
    if twotheta_range is not None:
        lo, hi = twotheta_range
        if not lo < hi:
            raise InputError(f"twotheta_range {twotheta_range}: the first value must be below the second")
        keep = (x >= lo) & (x <= hi)
        if keep.sum() < 20:
            raise InputError(f"{where(pattern.source)}fewer than 20 points of the pattern fall in "
                             f"2θ range {lo}–{hi}°; the pattern spans {x.min():.2f}–{x.max():.2f}°")
    elif auto_range:
        i0, i1, _ = usable_range(x, y)
        keep = np.zeros(x.size, dtype=bool)
        keep[i0:i1] = True
        if keep.sum() < 20:
            raise InputError(f"{where(pattern.source)}fewer than 20 usable points (after removing zero "
                             "tails and shadowed edges); give the 2θ range to fit")
    else:
        keep = np.ones(x.size, dtype=bool)
    x, y = x[keep], y[keep]
    sig = None if sig is None else sig[keep]
    if sig is not None and not np.all(sig > 0):
        sig = None
    return x, y, sig, lam


def angle_unit_notes(pattern) -> list[str]:
    """A note for a pattern read in q: the fits and their notes work in 2θ at its wavelength,
    so say so (a Ni q-space ``.chi`` was told of a "shadowed high-angle end above 60.811°").

    Parameters
    ----------
    pattern : Pattern
        The pattern as read (its ``axis`` and ``wavelength_a``).
    """
    if pattern.axis != "q_A^-1" or pattern.wavelength_a is None:
        return []
    return [f"the file's axis is q (Å⁻¹): angles in these notes are 2θ at λ = {pattern.wavelength_a:g} Å "
            "(q = 4π sin θ / λ)"]


def usable_range(x, y) -> tuple[int, int, list[str]]:
    """Index range [i0, i1) of the pattern that holds diffraction data, and notes on what was cut.

    Cut from either end: (1) non-finite and zero-intensity tails, and a constant run at the
    end (pixels beyond the detector or the mask write zeros or one fill value); (2) a shadowed
    end — the beamstop at low angle, the detector edge at high angle — where the intensity
    lies below half the lowest value of all points from W to W + L further in (W = 2 %, L = 25 %
    of the pattern): no background doubles that fast and stays up, and a Bragg peak — however
    broad — comes back down, so the test only fires on a step, even one spread over W points. Only applied where that lowest
    value stands 10 σ above the noise, so background-subtracted patterns (baseline ≈ 0) are
    left alone. A margin of W/2 points past each step drops the partly shadowed ramp.
    """
    from dackit.core.noise import white_noise_sigma

    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = y.size
    notes: list[str] = []
    ok = np.isfinite(y) & (y != 0)
    idx = np.flatnonzero(ok)
    if idx.size < 20:
        return 0, n, notes
    i0, i1 = int(idx[0]), int(idx[-1]) + 1
    # constant fill at the end (a masked region written as one value)
    run = 1
    while i1 - run - i0 > 20 and y[i1 - run - 1] == y[i1 - 1]:
        run += 1
    if run >= 3:
        i1 -= run
    if i0 > 0:
        notes.append(f"{i0} point(s) of zero or missing intensity below {x[i0]:.3f}° cut")
    if i1 < n:
        notes.append(f"{n - i1} point(s) of zero, constant or missing intensity above {x[i1 - 1]:.3f}° cut")
    seg = y[i0:i1]
    m = seg.size
    noise = white_noise_sigma(seg, order=2)
    w = max(5, m // 50)
    margin = max(2, w // 2)
    from scipy.ndimage import minimum_filter1d

    # lowest value of the points w…w+L ahead (after) and behind (before), L = a quarter of the
    # pattern: a shadow edge (spread over up to w points) is followed by data that all stand
    # higher; a peak, however broad, returns to the background within L
    span = max(w, m // 4)
    low_span = minimum_filter1d(seg, size=span, origin=-(span // 2), mode="nearest")   # min seg[i:i+span]
    after = np.concatenate([low_span[w:], np.full(w, low_span[-1])])
    high_span = minimum_filter1d(seg, size=span, origin=(span - 1) // 2, mode="nearest")  # min seg[i-span+1:i+1]
    before = np.concatenate([np.full(w, high_span[0]), high_span[:-w]])
    first = m // 3
    low = np.flatnonzero((seg[:first] < 0.5 * after[:first]) & (after[:first] > 10 * noise))
    cut_lo = int(low[-1]) + 1 + margin if low.size else 0
    high = np.flatnonzero((seg[m - first:] < 0.5 * before[m - first:]) & (before[m - first:] > 10 * noise))
    cut_hi = m - first + int(high[0]) - margin if high.size else m
    if cut_lo > 0 and cut_hi - cut_lo >= 20:
        notes.append(f"shadowed low-angle end (beamstop) up to {x[i0 + cut_lo]:.3f}° cut")
        i0 += cut_lo
        cut_hi -= cut_lo
    if cut_hi < i1 - i0 and cut_hi >= 20:
        notes.append(f"shadowed high-angle end (detector edge) above {x[i0 + cut_hi - 1]:.3f}° cut")
        i1 = i0 + cut_hi
    return i0, i1, notes


def noise_level(y) -> float:
    """White-noise σ of a pattern from its second differences (smooth peaks cancel)."""
    from dackit.core.noise import white_noise_sigma

    y = np.asarray(y, dtype=float)
    return white_noise_sigma(y, order=2) or float(np.std(np.diff(y, 2)) / np.sqrt(6.0))


def snip_background(x, y, fwhm_deg: float) -> np.ndarray:
    """SNIP background with a window of ~4 FWHM (pybaselines)."""
    from pybaselines import Baseline

    step = float(np.median(np.diff(x)))
    half = int(np.clip(4.0 * fwhm_deg / step, 3, len(x) // 3))
    baseline, _ = Baseline(x_data=x).snip(y, max_half_window=half, decreasing=True,
                                          smooth_half_window=max(1, half // 20))
    return baseline


#: Peaks weaker than this fraction of the strongest do not set the pattern's width: ripples of
#: an integration (0.03 % of the ring on the SSRL Pilatus strip below), not reflections.
RIPPLE_FRACTION = 0.002


def estimate_fwhm(x, y_net, noise: float | None = None, *, above_zero: bool = False) -> float:
    """FWHM (degrees) of the pattern's sharp peaks.

    The widths of the 12 most prominent peaks standing 8 σ above the noise (the larger of
    ``noise`` and the local σ, :func:`~dackit.core.noise.local_noise_sigma`) — at half
    prominence (scipy ``peak_widths``), or, with ``above_zero`` (background already
    subtracted), at half their height above zero, which overlapping neighbours do not shrink;
    the lower quartile of those widths is taken, so broad humps (a beamstop shoulder, an
    amorphous halo, a poorly subtracted background) — however strong — do not set the width
    every reflection is searched with. Falls back to the half-maximum width of the strongest
    feature when no such peak exists.
    """
    from scipy.signal import find_peaks

    from dackit.core.noise import local_noise_sigma

    step = float(np.median(np.diff(x)))
    if noise is None:
        noise = noise_level(y_net)
    if noise > 0:
        idx, props = find_peaks(y_net, prominence=8 * noise, width=1.0)
        if idx.size:
            # shot noise grows with the counts: against the pattern's one σ, three Poisson
            # spikes 1-3 points wide on a steep low-angle background (400 counts against 100
            # elsewhere) passed 8 σ, their quartile put the width at 0.013° instead of 0.1°,
            # and the narrowed fits found none of three strong Si lines
            # (and a one-point Poisson excursion's prominence counts the neighbouring dip too:
            # a 5 σ point on a 4000-count background passed, and set the width to 0.03°)
            local = 8 * local_noise_sigma(y_net, noise, order=2)[idx]
            keep = (props["prominences"] >= local) & (not above_zero or y_net[idx] >= local)
            idx, props = idx[keep], {k: v[keep] for k, v in props.items()}
        if idx.size:
            # ripples of a smooth integrated pattern pass 8 σ of its tiny point-to-point noise:
            # a pyFAI pattern of one LaB6 ring on a Pilatus strip (1800 counts over 12) held
            # eleven 0.5-count ripples three points wide, whose quartile halved the width and
            # narrowed every fit window until the ring itself was not significant
            keep = props["prominences"] >= RIPPLE_FRACTION * props["prominences"].max()
            idx, props = idx[keep], {k: v[keep] for k, v in props.items()}
            order = np.argsort(props["prominences"])[::-1][:12]
            if above_zero:
                top = idx[order]
                widths = _half_height_widths(y_net, top)[y_net[top] > 0]
            else:
                widths = props["widths"][order]
            if widths.size:
                return float(max(np.percentile(widths * step, 25), 3 * step))
    i = int(np.argmax(y_net))
    half = y_net[i] / 2
    left = i
    while left > 0 and y_net[left] > half:
        left -= 1
    right = i
    while right < len(y_net) - 1 and y_net[right] > half:
        right += 1
    return float(max(x[right] - x[left], 3 * step))


def _half_height_widths(y_net, idx) -> np.ndarray:
    """FWHM in samples of the peaks at ``idx`` of a background-subtracted curve, at half their
    height above zero (overlapping neighbours do not shrink it, as they do half prominence)."""
    from scipy.signal import peak_widths

    return peak_widths(y_net, idx, rel_height=0.5,
                       prominence_data=(y_net[idx], np.zeros(idx.size, int), np.full(idx.size, len(y_net) - 1)))[0]


def width_at_lines(x, y_net, line_positions, fwhm_deg: float, noise: float, wavelength_a: float) -> float:
    """``fwhm_deg``, widened to the narrowest peak that sits on one of ``line_positions``
    (2θ of the phase's reflections at the coarse cell) when that peak is broader.

    :func:`estimate_fwhm` takes the lower quartile of the pattern's sharp features, which
    diamond spikes (single-crystal reflections of the anvils, a few hundredths of a degree
    wide and ten times stronger than the sample's lines) pull down: with two spikes and two
    LaB6 lines it put the width at the spikes', the fit windows (± 2 FWHM) cut each line in
    half, and no line was significant. A peak standing 8 local σ above zero whose own FWHM
    covers a predicted line is that line, unless it is broader than crystallites of
    :data:`MIN_SIZE_NM` allow (an amorphous hump); the narrowest such peak bounds the width
    from below (a hump under one line cannot widen it past a real line).

    Parameters
    ----------
    x : ndarray
        2θ in degrees.
    y_net : ndarray
        Background-subtracted intensity.
    line_positions : array_like
        2θ of the phase's reflections, in degrees.
    fwhm_deg : float
        The pattern-wide estimate (:func:`estimate_fwhm`).
    noise : float
        The pattern's noise σ.
    wavelength_a : float
        X-ray wavelength in Å.
    """
    from scipy.signal import find_peaks

    from dackit.core.noise import local_noise_sigma

    lines = np.asarray(line_positions, dtype=float)
    if lines.size == 0 or noise <= 0:
        return fwhm_deg
    step = float(np.median(np.diff(x)))
    idx, _ = find_peaks(y_net, prominence=8 * noise)
    idx = idx[y_net[idx] >= 8 * local_noise_sigma(y_net, noise, order=2)[idx]]
    if idx.size == 0:
        return fwhm_deg
    widths = _half_height_widths(y_net, idx) * step
    # a hump under a line is no line: nothing broader than crystallites of MIN_SIZE_NM would
    # make (Scherrer, K = 0.9; the 2θ-independent bound at the widest angle is the loosest)
    broadest = np.degrees(0.9 * wavelength_a / (10 * MIN_SIZE_NM * np.cos(np.radians(x[-1] / 2))))
    on_line = np.array([np.min(np.abs(lines - x[i])) <= w <= broadest for i, w in zip(idx, widths)])
    if not on_line.any():
        return fwhm_deg
    return float(max(fwhm_deg, np.min(widths[on_line])))


def prepare(x, y, sigma=None):
    """Background, net signal, FWHM estimate and noise of a pattern region."""
    noise = float(np.median(sigma)) if sigma is not None else noise_level(y)
    fwhm = estimate_fwhm(x, y, noise_level(y))
    bg = snip_background(x, y, fwhm)
    net = y - bg
    fwhm = estimate_fwhm(x, net, noise_level(y), above_zero=True)
    return bg, net, fwhm, noise


def coarse_scale(x, net, phase: Phase, wavelength_a: float, fwhm_deg: float, *, a_search=(-0.12, 0.05),
                 weights=None, polarization="unpolarized", kalpha2=None, radiation="xray") -> tuple[float, float]:
    """Best isotropic cell scale s (and the pattern amplitude at that s) by matching the
    calculated pattern of ``phase`` scaled by s to the background-subtracted data.

    ``kalpha2`` (λ2/λ1 of a laboratory doublet) adds each line's Kα2 partner at half its
    height, so the Kα1 lines of a cell λ1/λ2 too small cannot pass for the Kα2 lines.

    Score(s) = (t_s·y)² / (t_s·t_s) for t_s·y > 0: the χ² reduction of the best
    non-negative amplitude, so patterns at different s are compared fairly.
    """
    grid, scores, amps, ds, sig = coarse_scores(x, net, phase, wavelength_a, fwhm_deg, a_search=a_search,
                                                weights=weights, polarization=polarization, kalpha2=kalpha2,
                                                radiation=radiation)
    j = int(np.argmax(scores))
    s = grid[j]
    if 0 < j < len(grid) - 1:
        y0, y1, y2 = scores[j - 1:j + 2]
        denom = y0 - 2 * y1 + y2
        if denom < 0:
            s = grid[j] + 0.5 * ds * (y0 - y2) / denom
    # amplitude of the area-normalised Gaussian template: convert to area units
    return float(s), float(amps[j] * sig * np.sqrt(2 * np.pi))


def coarse_scores(x, net, phase: Phase, wavelength_a: float, fwhm_deg: float, *, a_search=(-0.12, 0.05),
                  weights=None, polarization="unpolarized", kalpha2=None, radiation="xray"):
    """The score curve of :func:`coarse_scale`: (grid of scales s, score(s), amplitude(s),
    grid step, Gaussian σ of the template in degrees).

    Parameters
    ----------
    x, net : ndarray
        2θ (degrees) and the background-subtracted intensity.
    phase : Phase
        The phase at its nominal cell.
    wavelength_a : float
        Wavelength (Å).
    fwhm_deg : float
        Peak FWHM of the template (degrees).
    a_search : tuple of float, default (-0.12, 0.05)
        Relative range of the scale.
    weights : ndarray, optional
        Point weights (1/σ²).
    polarization, kalpha2, radiation
        As for :func:`coarse_scale`.
    """
    lo, hi = 1 + a_search[0], 1 + a_search[1]
    table = reflections(phase, wavelength_a, min(179.0, float(x.max()) / lo + 1), polarization=polarization,
                        radiation=radiation)
    if table.empty:
        raise FitError(f"{phase.name}: no reflections below 2θ = {x.max():.2f}°")
    d0 = table["d_a"].to_numpy()
    inten = table["intensity"].to_numpy()
    if kalpha2 is not None:
        # the Kα2 partner of each line: same d at λ2, i.e. d/(λ2/λ1) at λ1 (Kα2/Kα1 ≈ 0.5)
        d0 = np.concatenate([d0, d0 / kalpha2])
        inten = np.concatenate([inten, KALPHA2_RATIO_NOMINAL * inten])
    tan_max = np.tan(np.radians(x.max() / 2))
    ds = np.radians(fwhm_deg) / 6 / (2 * tan_max)
    grid = np.arange(lo, hi + ds, ds)
    w = np.ones_like(x) if weights is None else weights
    sig = fwhm_deg / (2 * np.sqrt(2 * np.log(2)))
    scores, amps = np.zeros(len(grid)), np.zeros(len(grid))
    # each line is evaluated over ± 5σ only (exp(−12.5) < 4e-6 beyond): the full
    # (grid × lines × points) product took 35 s on a 17 000-point laboratory scan
    reach = 5 * sig
    for j, s in enumerate(grid):
        pos = twotheta_of(s * d0, wavelength_a)
        inside = (pos > x.min() - 3 * fwhm_deg) & (pos < x.max() + 3 * fwhm_deg)
        if not inside.any():
            continue
        starts = np.searchsorted(x, pos[inside] - reach)
        stops = np.searchsorted(x, pos[inside] + reach)
        # all lines' windows at once; bincount adds them point by point in line order, as a
        # loop over the lines did (a 225-line PbSO4 scan spent 100 s in that loop)
        counts = np.maximum(stops - starts, 0)
        line = np.repeat(np.arange(counts.size), counts)
        idx = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + starts[line]
        vals = inten[inside][line] * np.exp(-0.5 * ((x[idx] - pos[inside][line]) / sig) ** 2)
        t = np.bincount(idx, weights=vals, minlength=x.size)
        ty, tt = np.sum(w * t * net), np.sum(w * t * t)
        if ty > 0 and tt > 0:
            scores[j], amps[j] = ty**2 / tt, ty / tt
    if not np.any(scores > 0):
        raise FitError(f"{phase.name}: its reflections match nothing in the pattern over a = "
                       f"{phase.a * lo:.4f}–{phase.a * hi:.4f} Å")
    return grid, scores, amps, ds, sig


# --- size -------------------------------------------------------------------------------
def scherrer_sizes(twotheta_deg, fwhm_deg, fwhm_err, wavelength_a, *, k: float = 0.9,
                   instrumental_fwhm_deg=0.0) -> tuple[np.ndarray, np.ndarray]:
    """Scherrer size in nm per peak, FWHM convention, instrument removed in quadrature:
    :func:`dackit.core.broadening.scherrer_size_nm` (K = 0.9 here). Returns (size, size_err)."""
    return broadening.scherrer_size_nm(twotheta_deg, fwhm_deg, wavelength_a, k=k, fwhm_err=fwhm_err,
                                       instrumental_fwhm_deg=instrumental_fwhm_deg)


def williamson_hall(twotheta_deg, fwhm_deg, fwhm_err, wavelength_a, *, k: float = 0.9,
                    instrumental_fwhm_deg=0.0) -> broadening.WilliamsonHall:
    """Williamson & Hall size and strain: :func:`dackit.core.broadening.williamson_hall`.
    Returns (D_nm, D_err, ε, ε_err), NaN with fewer than 3 distinct peaks."""
    return broadening.williamson_hall(twotheta_deg, fwhm_deg, fwhm_err, wavelength_a, k=k,
                                      instrumental_fwhm_deg=instrumental_fwhm_deg)


# --- the whole procedure --------------------------------------------------------------------
def fit_lattice(pattern, phase, *, twotheta_range=None, peak_shape: str = "pseudo_voigt",
                zero_shift: bool = False, a_search=(-0.12, 0.05), instrumental_fwhm_deg: float = 0.0,
                scherrer_k: float = 0.9, min_significance: float = 3.0,
                polarization: str = "unpolarized", kalpha2: bool = True, radiation: str | None = None) -> LatticeFit:
    """Fit the peaks of ``phase`` in ``pattern`` and refine its cell (see module docstring).

    ``phase``: a :class:`Phase` or a spec for :func:`~dackit.xrd.phases.get_phase`.
    ``a_search``: relative range of the coarse cell-scale search (compression negative).

    Parameters
    ----------
    pattern : Pattern
        A 1D pattern on a 2θ axis with its wavelength.
    phase : Phase or str
        The phase, or a spec for :func:`~dackit.xrd.get_phase` (``"zincblende"``,
        ``"rocksalt:a=5.3"``, a ``.cif`` file).
    twotheta_range : tuple of float, optional
        (lo, hi) in degrees 2θ to fit; the whole pattern when None.
    peak_shape : str, default 'pseudo_voigt'
        A key of ``PEAK_SHAPES``: ``"pseudo_voigt"``, ``"gaussian"`` or ``"lorentzian"``.
    zero_shift : bool, default False
        Also refine a zero shift of the 2θ axis.
    a_search : tuple of float, default (-0.12, 0.05)
        Relative range of the coarse cell-scale search (compression negative).
    instrumental_fwhm_deg : float or array_like, default 0.0
        Instrumental FWHM in degrees 2θ, removed from the measured FWHM (0 for none).
    scherrer_k : float, default 0.9
        Scherrer constant for the crystallite size from the peak widths.
    min_significance : float, default 3.0
        Peaks below this many σ are dropped (and listed).
    polarization : {"unpolarized", "corrected"}, default 'unpolarized'
        Lorentz–polarisation factor of the intensities: an unpolarised laboratory beam, or
        data already corrected for polarisation (synchrotron).
    kalpha2 : bool, default True
        When the wavelength is a laboratory Kα1 line or Kα mean (:func:`~dackit.xrd.peakfit.kalpha_doublet`),
        look for the Kα2 line of every reflection and fit it with the Kα1 line (ratio from
        the data); the cell is then refined on Kα1. False fits single lines.
    radiation : {"xray", "neutron"}, optional
        What the pattern was measured with: line intensities from X-ray form factors or
        neutron scattering lengths (:func:`~dackit.xrd.structure_factor.reflections`).
        None takes ``pattern.metadata["radiation"]`` (set by readers whose file says so),
        else X-rays.
    """
    from dackit.xrd.rivals import with_rival_check

    phase = get_phase(phase)
    if radiation is None:
        radiation = str((pattern.metadata or {}).get("radiation", "xray"))
    kw = dict(peak_shape=peak_shape, zero_shift=zero_shift, a_search=a_search,
              instrumental_fwhm_deg=instrumental_fwhm_deg, scherrer_k=scherrer_k,
              min_significance=min_significance, polarization=polarization, radiation=radiation)
    fit = _fit_lattice_core(pattern, phase, twotheta_range, kalpha2, kw)
    return _expanded_cell_check(phase, with_rival_check(pattern, phase, fit, twotheta_range, kalpha2, kw))


def _expanded_cell_check(nominal: Phase, fit: LatticeFit) -> LatticeFit:
    """Doubtful when the cell is more than MAX_EXPANSION longer than the material's ambient one."""
    if not nominal.ambient_cell:
        return fit
    expansion = (fit.volume_a3 / nominal.volume_a3) ** (1 / 3) - 1
    if expansion <= MAX_EXPANSION:
        return fit
    doubt = (f"the cell is {expansion:+.2%} longer than {nominal.name}'s ambient cell (a = {nominal.a:.5g} Å): "
             "pressure shrinks it; unless the sample is heated, these lines are another material's at the "
             "same ratios: check the phase, or state its cell ('NAME:a=…')")
    return replace(fit, verdict=fit.verdict.plus(doubts=[doubt]))


def _fit_lattice_core(pattern, phase: Phase, twotheta_range, kalpha2: bool, kw: dict) -> LatticeFit:
    """:func:`fit_lattice` without the rival-cell check (``kw``: its keyword arguments)."""
    radiation = kw["radiation"]
    x, y, sig, lam = pattern_arrays(pattern, twotheta_range)
    doublet = kalpha_doublet(lam) if kalpha2 and radiation == "xray" else None
    if doublet is not None:
        try:
            fit = _fit_lattice_at(pattern, phase, x, y, sig, doublet[1], doublet[2] / doublet[1],
                                  twotheta_range=twotheta_range, **kw)
        except FitError:
            fit = None
        # a Kα mean was given but no Kα2 is there: the given wavelength is the one to index on
        if fit is not None and (doublet[1] == lam or any(n.startswith("Kα doublet fitted") for n in fit.verdict.notes)):
            return fit
    fit = _fit_lattice_at(pattern, phase, x, y, sig, lam, None, twotheta_range=twotheta_range, **kw)
    return _unstated_axis_check(pattern, phase, fit, twotheta_range, kw)


#: Margin (relative) beyond the coarse search window within which the cell a headerless file
#: would give read as q still counts as one the search could have found.
UNSTATED_AXIS_MARGIN = 0.02


def q_reading_of_unstated_axis(pattern, phase: Phase, a_found: float, twotheta_deg, *, twotheta_range=None,
                               **kw) -> LatticeFit | None:
    """The lattice fit of ``phase`` on the numbers of ``pattern`` read as q in Å⁻¹, when its
    file stated no radial unit (``metadata["axis_assumed"]``: read as 2θ in degrees) and that
    reading could index the phase; None otherwise.

    2θ in degrees and q in Å⁻¹ overlap in range, and x° of 2θ and x Å⁻¹ of q give d in the
    ratio ≈ 0.1097/λ: near λ ≈ 0.11 Å (high-energy and PDF beamlines) both readings index a
    cubic phase. A q export of NSLS-II XPD Ni data (74 keV) saved without its header and read
    as 2θ at λ = 0.1 Å gave a = 3.216 Å (Ni 3.524 Å) with quality ok, in xrd lattice and xrd
    phases alike: a 25 % volume "compression" out of a unit only a header can settle.

    Parameters
    ----------
    pattern : Pattern
        The pattern as read (2θ axis).
    phase : Phase
        The phase at its nominal cell (the cell search runs about it).
    a_found : float
        Cell length a the 2θ reading gave.
    twotheta_deg : array_like
        2θ (degrees) of the lines that gave it.
    twotheta_range : tuple of float, optional
        The 2θ window that was fitted (applied to the raw numbers).
    **kw
        Keyword arguments of :func:`fit_lattice` (``a_search`` among them).
    """
    meta = pattern.metadata or {}
    tth = np.asarray(twotheta_deg, dtype=float)
    if not meta.get("axis_assumed") or pattern.axis != "2th_deg" or tth.size == 0 or not pattern.wavelength_a:
        return None
    lam = float(pattern.wavelength_a)
    # d of each line read as q over d read as 2θ: the cell the q reading would put it at
    ratio = (2 * np.pi / tth) / (lam / (2 * np.sin(np.radians(tth / 2))))
    scale = float(np.median(ratio)) * a_found / phase.a
    a_search = kw.get("a_search", (-0.12, 0.05))
    if not 1 + a_search[0] - UNSTATED_AXIS_MARGIN <= scale <= 1 + a_search[1] + UNSTATED_AXIS_MARGIN:
        return None
    from dackit.core.pattern import make_pattern
    from dackit.errors import DackitError

    keep = np.ones(pattern.x.size, dtype=bool)
    if twotheta_range is not None:
        keep = (pattern.x >= min(twotheta_range)) & (pattern.x <= max(twotheta_range))
    sigma = None if pattern.sigma is None else np.asarray(pattern.sigma)[keep]
    try:
        as_q = make_pattern(pattern.x[keep], pattern.intensity[keep], axis="q_A^-1", wavelength_a=lam, sigma=sigma,
                            metadata={k: v for k, v in meta.items() if k != "axis_assumed"}, source=pattern.source)
        return fit_lattice(as_q, phase, kalpha2=False, **kw)
    except DackitError:
        return None


def unstated_axis_verdict(verdict: Verdict, a_found: float, other: LatticeFit | None) -> Verdict:
    """``verdict`` with the doubt of an unstated axis when ``other`` (the q reading of
    :func:`q_reading_of_unstated_axis`) indexes the phase at another cell, or an info note
    when both readings agree within :data:`MAX_AXIS_MODEL_SPREAD_A`.

    Parameters
    ----------
    verdict : Verdict
        The verdict of the 2θ reading.
    a_found : float
        Cell length a of the 2θ reading.
    other : LatticeFit or None
        The q reading (None: it did not index the phase).
    """
    if other is None:
        return verdict
    b = other.params["a"]
    if abs(b - a_found) <= MAX_AXIS_MODEL_SPREAD_A:
        return verdict.plus(info=[f"the file states no radial unit; read as q in Å⁻¹ instead of 2θ the peaks "
                                  f"give a = {b:.5f} Å, the same within {MAX_AXIS_MODEL_SPREAD_A:g} Å"])
    return verdict.plus(doubts=[
        f"the file states no radial unit: read as 2θ in degrees its peaks give a = {a_found:.5f} Å, read as q "
        f"in Å⁻¹ they index the phase as well with a = {b:.5f} Å; state the axis in a column line above the "
        "data ('# 2th_deg I' or '# q_A^-1 I')"])


def _unstated_axis_check(pattern, phase: Phase, fit: LatticeFit, twotheta_range, kw) -> LatticeFit:
    """``fit`` (a 2θ reading), made doubtful when its file stated no radial unit and the
    q reading indexes the phase as well (quality ok, or a position χ² no worse) at another cell.
    A fit already doubtful for another reason is checked too: which unit the numbers are in is
    the first thing its user must settle."""
    if "a" not in fit.params:
        return fit
    other = q_reading_of_unstated_axis(pattern, phase, fit.params["a"], fit.peaks["twotheta_obs"],
                                       twotheta_range=twotheta_range, **kw)
    if other is None or (other.quality != "ok" and not other.redchi <= fit.redchi):
        return fit
    return replace(fit, verdict=unstated_axis_verdict(fit.verdict, fit.params["a"], other))


def _fit_lattice_at(pattern, phase, x, y, sig, lam, kalpha2_ratio, *, twotheta_range, peak_shape, zero_shift,
                    a_search, instrumental_fwhm_deg, scherrer_k, min_significance, polarization,
                    radiation="xray") -> LatticeFit:
    """:func:`fit_lattice` at wavelength ``lam`` (Kα1 when ``kalpha2_ratio`` = λ2/λ1 is given)."""
    pre = where(pattern.source)
    bg, net, fwhm, noise = prepare(x, y, sig)
    if not np.max(net) > min_significance * noise:
        raise FitError(f"{pre}no peak rises above {min_significance:g}× the noise; nothing to fit")
    line_notes: list[str] = []
    line_doubts: list[str] = []
    try:
        s, amp = coarse_scale(x, net, phase, lam, fwhm, a_search=a_search,
                              weights=None if sig is None else 1 / sig**2, polarization=polarization,
                              kalpha2=kalpha2_ratio, radiation=radiation)
        at_lines = twotheta_of(reflections(phase.scaled(s), lam, min(179.0, float(x.max()) + 1),
                                           polarization=polarization, radiation=radiation)["d_a"], lam)
        fwhm = width_at_lines(x, net, at_lines, fwhm, noise, lam)
        fitted, dropped, model, bg_fit = fit_peaks(
            x, y, sig, phase, lam, scale=s, amplitude=amp, fwhm_deg=fwhm, noise=noise, background=bg,
            peak_shape=peak_shape, min_significance=min_significance, polarization=polarization,
            kalpha2=kalpha2_ratio, info=line_notes, radiation=radiation, doubts=line_doubts)
    except FitError as exc:
        raise FitError(f"{pre}{exc}") from None
    ref = phase.scaled(s)
    for pk in fitted:  # attach hkl of each member (d at the scaled cell identifies it)
        pk["members"] = [(d, t, i, _hkl_from_label(lbl)) for (d, t, i), lbl
                         in zip(pk["members"], _split_labels(pk["label"]))]
    fitted, dropped = _drop_overlapped(fitted, dropped, len(phase.free_parameters))
    if not fitted:
        # say which lines were tried and why each failed ("0 usable peak(s)" named none)
        why = "; ".join(f"{r.hkl} at {r.twotheta_deg:.3f}°: {r.reason}" for r in dropped.head(3).itertuples())
        raise FitError(f"{pre}{phase.name}: no reflection fitted in {x.min():.2f}–{x.max():.2f}° ({why})")
    axis_doubts: list[str] = []
    if radiation == "xray" and kalpha_doublet(lam) is not None:
        # a laboratory anode line: reflection (Bragg–Brentano) geometry, whose zero error and
        # specimen displacement shift every peak; an area detector's calibration (PONI) on
        # the other hand fixes its 2θ axis, and a free zero there only trades off against a
        # (Dioptas LaB6 .xy: +0.0069° zero, a off by 0.0024 Å)
        terms: tuple[str, ...] = ("displacement", "zero")
    elif radiation == "neutron" and not zero_shift:
        # a constant-wavelength neutron diffractometer (Debye–Scherrer, detector banks): its
        # 2θ zero and the sample's offsets from the axis are refined with every data set
        # (GSAS-II's D1A garnet tutorial: zero −0.129°; unrefined, a came out 0.0019 Å off
        # and line 220 0.33 FWHM out; the zero alone put a 0.0057 Å short), whatever its
        # wavelength: NIST BT-1's Cu(311) 1.5402 Å is no copper anode (a GSAS corundum pdCIF
        # had been given the specimen displacement of a reflection diffractometer)
        terms = DEBYE_SCHERRER_TERMS
    else:
        terms = ()
    def solve(peaks_used, doubts):
        if terms:
            return _refine_axis(ref, peaks_used, lam, zero_shift, doubts, terms)
        chosen = refine_cell(ref, peaks_used, lam, zero_shift=zero_shift)
        note = ""
        if not zero_shift and radiation == "xray" and not (pattern.metadata or {}).get("geometry"):
            chosen, note = _unknown_geometry_zero(chosen, ref, peaks_used, lam, doubts)
        return chosen, note

    try:
        result, axis_note = solve(fitted, axis_doubts)
        if terms and "2θ axis corrected" in axis_note:
            # the lines were searched for where the cell alone put them; an axis error of a
            # FWHM or more (−0.08° at 20° on the NIST Cu scan) lost the low-angle peaks:
            # search again where the corrected axis puts them
            ref = result[6]
            # the Kα2 lines are kept or left out as the first fit decided (its note says which)
            decided = None if kalpha2_ratio is None else (kalpha2_ratio, float(fitted[0]["kalpha2_ratio"][0]))
            fitted, dropped, model, bg_fit = _refit_on_axis(
                x, y, sig, ref, lam, amp, fwhm, noise, bg, dict(zip(result[0], result[1])),
                peak_shape=peak_shape, min_significance=min_significance, polarization=polarization,
                kalpha2=decided, radiation=radiation)
            fitted, dropped = _drop_overlapped(fitted, dropped, len(phase.free_parameters))
            axis_doubts.clear()
            result, axis_note = solve(fitted, axis_doubts)
        kept, pulled = _pulled_lines(fitted, result[5], len(result[0]))
        if pulled:
            kept_doubts: list[str] = []
            trial, trial_note = solve(kept, kept_doubts)
            moved = _cell_moves(result, trial)
            fitted, dropped = kept, _append_dropped(dropped, pulled)
            result, axis_note, axis_doubts = trial, trial_note, kept_doubts
            if moved:
                axis_doubts.append(
                    f"left out of the cell, the line(s) off their calculated positions "
                    f"({', '.join(pk['label'] for pk, _ in pulled)}) move {moved}, beyond "
                    f"{MAX_AXIS_MODEL_SPREAD_A:g} Å: the cell depends on which lines are trusted")
        names, values, errs, cov, redchi, calc, refined = result
    except FitError as exc:
        raise FitError(f"{pre}{exc}") from None
    stalled = [pk["label"] for pk in fitted if not pk["converged"]]
    if stalled:
        # the positions are wherever the solver stopped, and the errors from the Jacobian
        # there are not those of a minimum: the cell would weigh them as if they were
        axis_doubts.append(f"the fit of the peak group(s) holding {', '.join(stalled)} stopped at its limit of "
                           f"{GROUP_FIT_MAX_NFEV} evaluations without converging: those positions and their "
                           "errors, which the cell uses, are not at the least-squares minimum; restrict the 2θ "
                           "range or check the phase")
    rows = []
    tth = np.array([pk["twotheta"] for pk in fitted])
    fw = np.array([pk["fwhm"] for pk in fitted])
    fw_err = np.array([pk["fwhm_err"] for pk in fitted])
    sizes, sizes_err = scherrer_sizes(tth, fw, fw_err, lam, k=scherrer_k, instrumental_fwhm_deg=instrumental_fwhm_deg)
    for pk, c, sz, sze in zip(fitted, calc, sizes, sizes_err):
        d_calc = float(np.mean(refined.d_spacing(np.array([m[3] for m in pk["members"]]))))
        rows.append({"hkl": pk["label"], "d_calc_a": d_calc, "twotheta_obs": pk["twotheta"],
                     "twotheta_obs_err": pk["twotheta_err"], "twotheta_calc": c,
                     "residual_deg": pk["twotheta"] - c, "fwhm_deg": pk["fwhm"], "fwhm_deg_err": pk["fwhm_err"],
                     "eta": pk["eta"], "intensity": pk["area"], "intensity_err": pk["area_err"],
                     "intensity_calc": float(sum(m[2] for m in pk["members"])),
                     "size_nm": sz, "size_nm_err": sze})
    peaks = pd.DataFrame(rows)
    good = np.isfinite(sizes) & np.isfinite(sizes_err) & (sizes_err > 0)
    if good.any():
        wts = 1 / sizes_err[good] ** 2
        sch, sch_err = float(np.sum(wts * sizes[good]) / wts.sum()), float(1 / np.sqrt(wts.sum()))
    else:
        sch, sch_err = float("nan"), float("nan")
    wh = williamson_hall(tth, fw, fw_err, lam, k=scherrer_k, instrumental_fwhm_deg=instrumental_fwhm_deg)
    notes = tuple(f"{r.hkl or 'peak'} at {r.twotheta_deg:.3f}° dropped: {r.reason}" for r in dropped.itertuples())
    params = dict(zip(names, map(float, values)))
    stderr = dict(zip(names, map(float, errs)))
    vol = refined.volume_a3
    range_notes = usable_range(*_raw_xy(pattern))[2] if twotheta_range is None else []
    range_notes = (pattern.reader_notes + angle_unit_notes(pattern) + range_notes + line_notes
                   + ([axis_note] if axis_note else []))
    verdict = lattice_verdict(peaks, dropped, x, net, noise, fwhm, params, stderr, redchi, s, a_search,
                              sch, instrumental_fwhm_deg, refined, lam, n_params=len(names),
                              info=range_notes).plus(doubts=axis_doubts + line_doubts)
    return LatticeFit(phase=refined, wavelength_a=lam, param_names=tuple(names), params=params, stderr=stderr,
                      covar=cov, volume_a3=vol, volume_a3_err=_volume_error(refined, names, values, cov),
                      redchi=redchi, peaks=peaks, dropped=dropped, notes=notes, scherrer_size_nm=sch,
                      scherrer_size_nm_err=sch_err, wh_size_nm=wh[0], wh_size_nm_err=wh[1], wh_strain=wh[2],
                      wh_strain_err=wh[3], x=x, y=y, model=model, background=bg_fit, source=pattern.source,
                      verdict=verdict)


#: Degrees of freedom the cell fit must keep when a pulled line is left out: as many as the
#: F-test of an axis term needs (:func:`~dackit.xrd.cell.refine_cell_auto`), plus one. With fewer lines each
#: carries the cell, and leaving one out trades a known error for an unknown one (6 Co lines
#: of Si, one 0.3 FWHM off: left out, a moved from 0.0000 to +0.0023 Å off).
PULLED_MIN_DOF = 4


def _pulled_lines(peaks, calc, n_params):
    """(kept, [(peak, offset in FWHM), ...]): the weak lines that miss the refined cell by more
    than :data:`MAX_RESIDUAL_FWHM` of their FWHM, taken out of the cell refinement.

    One such weak line among many is not a misindexed cell (:func:`lattice_verdict` says it
    is likely pulled by an unresolved neighbour, or lost in the noise), but weighted by its
    position error it still drags the cell: a synthetic Mo Kα scan of Si to 57° (160 counts
    at the strongest line, Lorentzian-like lines, zero +0.019°, displacement +0.042°) had its
    weak 620 0.40 FWHM off and put a 0.0023 Å short with quality ok; without 620 a is 0.0008 Å
    short. Strong lines off, or more than :data:`MISINDEX_FRACTION` of the lines, are left in:
    they make the cell doubtful as misindexed instead. Lines are left out only while
    :data:`PULLED_MIN_DOF` degrees of freedom remain.

    Parameters
    ----------
    peaks : list of dict
        Fitted peaks (``twotheta``, ``fwhm``, ``area``), as :func:`refine_cell` takes them.
    calc : array_like
        Calculated 2θ of each peak at the refined cell and axis.
    n_params : int
        Number of refined parameters (cell and axis terms).
    """
    n = len(peaks)
    obs = np.array([pk["twotheta"] for pk in peaks])
    fw = np.array([pk["fwhm"] for pk in peaks], dtype=float)
    area = np.array([pk["area"] for pk in peaks], dtype=float)
    off = np.abs(obs - np.asarray(calc)) / np.where(fw > 0, fw, np.inf)
    bad, misindexed = _off_position(off, area)
    if not bad.any() or misindexed or n - bad.sum() < n_params + PULLED_MIN_DOF:
        return peaks, []
    return [pk for pk, b in zip(peaks, bad) if not b], [(pk, o) for pk, o, b in zip(peaks, off, bad) if b]


def _off_position(off, area, overlapped=None) -> tuple[np.ndarray, bool]:
    """(bad, misindexed) of lines ``off`` FWHM from their calculated positions: bad = more than
    :data:`MAX_RESIDUAL_FWHM` off (a line ``overlapped`` by another phase's excepted); the cell
    is misindexed when a strong bad line (area ≥ :data:`MISINDEX_STRONG_FRACTION` of the
    strongest) or more than :data:`MISINDEX_FRACTION` of the lines (and more than one) are bad.
    One weak line pulled by an unseen neighbour (11-BM Si + Al2O3 to 50°: Si 775/11,1,1 at
    0.33 FWHM among 30 lines) is not a misindexed cell; a strong line off, or many, is."""
    bad = off > MAX_RESIDUAL_FWHM
    if overlapped is not None:
        bad &= ~overlapped
    strong = area >= MISINDEX_STRONG_FRACTION * np.nanmax(area)
    return bad, bool((bad & strong).any() or bad.sum() > max(1, MISINDEX_FRACTION * len(off)))


def _append_dropped(dropped, pulled):
    rows = [{"hkl": pk["label"], "twotheta_deg": pk["twotheta"],
             "reason": f"{o:.2f} FWHM off its calculated position, a weak line likely pulled by an unresolved "
                       "neighbour: not used for the cell",
             "area": np.nan, "area_err": np.nan, "intensity_calc": np.nan} for pk, o in pulled]
    extra = pd.DataFrame(rows, columns=dropped.columns)
    return extra if dropped.empty else pd.concat([dropped, extra], ignore_index=True)


def _refine_axis(phase, peaks, lam, zero_shift, doubts, terms):
    """The cell with the 2θ-axis terms of the geometry: Debye–Scherrer (:data:`DEBYE_SCHERRER_TERMS`)
    or Bragg–Brentano (:func:`~dackit.xrd.cell.refine_cell_auto`)."""
    if terms == DEBYE_SCHERRER_TERMS:
        return refine_cell_debye_scherrer(phase, peaks, lam, doubts=doubts)
    return refine_cell_auto(phase, peaks, lam, zero_shift=zero_shift, doubts=doubts)


def _unknown_geometry_zero(chosen, phase, peaks, lam, doubts):
    """``chosen`` (the cell with no axis term) weighed against a free 2θ zero, for a
    monochromatic X-ray pattern that carries no calibration geometry (:func:`_fit_lattice_at`
    calls this when ``metadata["geometry"]`` is absent: no pyFAI/Dioptas header, not an image
    integrated here).

    An area detector's calibration fixes the 2θ axis, and a free zero there only trades off
    against the cell (pyFAI LaB6 .xy: a zero of +0.0069° would put a 0.0024 Å off), so the cell
    without it is kept. But a pattern that does not show its calibration may as well come from
    a diffractometer whose zero is off: the same LaB6 pattern with its header stripped and
    0.007° added to 2θ gave a 0.0023 Å short, quality ok. No real corpus pattern (Fit2D
    .chi, 11-BM, GSAS, Bruker, xrayutilities) is turned doubtful by this. The zero model
    enters the esd and the verdict as the axis models of a laboratory scan do
    (:func:`_with_model_spread`): when the positions do not reject it and it moves a cell
    length beyond :data:`MAX_AXIS_MODEL_SPREAD_A`, the result is doubtful.
    """
    try:
        zero = refine_cell(phase, peaks, lam, zero_shift=True)
    except FitError:
        return chosen, ""
    chosen, note, doubt = _with_model_spread(chosen, {"none": chosen, "zero": zero}, len(peaks))
    if doubt:
        doubts.append(doubt + "; the file does not say how its 2θ axis was calibrated (no PONI geometry "
                      "in its header): keep the header of the integration, or refine the zero on a calibrant")
    return chosen, note


def _drop_overlapped(fitted, dropped, n_params):
    """Leave out of the cell refinement the lines with a line of something else under them.

    Such a line's fitted area is far above what the phase's structure factors give it (more
    than OVERLAP_AREA_RATIO × the median observed/calculated ratio of the phase's lines) and
    its position is the blend of both lines: weighted by its large area it drags the cell
    (a rock-salt 420 0.35 FWHM beside Si 511/333 pulled every other line 0.1–0.3 FWHM off).
    When many lines are that strong the structure model, not overlap, is wrong (texture):
    nothing is left out then.
    """
    if len(fitted) < n_params + 3:
        return fitted, dropped
    calc = np.array([sum(m[2] for m in pk["members"]) for pk in fitted])
    area = np.array([pk["area"] for pk in fitted])
    ratio = area / calc
    if not np.any(np.isfinite(ratio) & (ratio > 0)):
        return fitted, dropped
    med = float(np.nanmedian(ratio))
    over = np.isfinite(ratio) & (ratio > OVERLAP_AREA_RATIO * med)
    if not over.any() or over.sum() > MAX_OVERLAPPED_FRACTION * len(fitted) or len(fitted) - over.sum() < n_params + 2:
        return fitted, dropped
    rows = [{"hkl": pk["label"], "twotheta_deg": pk["twotheta"],
             "reason": f"another line under it (area {r / med:.1f}× its calculated one): not used for the cell",
             "area": np.nan, "area_err": np.nan, "intensity_calc": np.nan}
            for pk, r, o in zip(fitted, ratio, over) if o]
    kept = [pk for pk, o in zip(fitted, over) if not o]
    extra = pd.DataFrame(rows, columns=dropped.columns)
    return kept, (extra if dropped.empty else pd.concat([dropped, extra], ignore_index=True))


#: At most this fraction of a phase's lines are left out as overlapped (more: the model is off).
MAX_OVERLAPPED_FRACTION = 0.25


def _refit_on_axis(x, y, sig, phase, lam, amp, fwhm, noise, bg, values, **kw):
    """:func:`fit_peaks` of the refined ``phase`` with its lines moved by the refined zero and
    displacement terms; hkl attached to each member as :func:`fit_lattice` does."""
    def shift(tth):
        return tth + sum(v * axis_shift_deg(k, tth) for k, v in values.items() if k in AXIS_PARAMETERS)

    fitted, dropped, model, bg_fit = fit_peaks(x, y, sig, phase, lam, scale=1.0, amplitude=amp, fwhm_deg=fwhm,
                                               noise=noise, background=bg, axis_shift=shift, **kw)
    for pk in fitted:
        pk["members"] = [(d, t, i, _hkl_from_label(lbl)) for (d, t, i), lbl
                         in zip(pk["members"], _split_labels(pk["label"]))]
    return fitted, dropped, model, bg_fit


def _raw_xy(pattern):
    return np.asarray(pattern.twotheta_deg, dtype=float), np.asarray(pattern.intensity, dtype=float)


#: A fitted peak whose position misses the refined cell's line by more than this fraction of
#: its FWHM is not that reflection (a misindexed or foreign peak): a correct cell on a real
#: pattern leaves residuals of a few hundredths of a FWHM (sample displacement, asymmetry).
MAX_RESIDUAL_FWHM = 0.25
#: A single line off by more than MAX_RESIDUAL_FWHM counts as misindexing when its area is at
#: least this fraction of the strongest fitted line's; weaker lines count only when more
#: than MISINDEX_FRACTION of the lines (and more than one) are off.
MISINDEX_STRONG_FRACTION = 0.05
MISINDEX_FRACTION = 0.1
#: A line whose fitted area exceeds this multiple of the calculated one (scaled by the median
#: over the phase's lines) has a line of something else under it.
OVERLAP_AREA_RATIO = 3.0
#: A cell that leaves more than a third of the reflections it predicts above the noise unseen
#: is not the sample's cell (a wrong phase or a wrong scale finds a few coincidences only).
MIN_FOUND_FRACTION = 2.0 / 3.0
#: Fitted peaks broader than this multiple of the pattern's sharpest peaks are humps (beamstop
#: shoulder, amorphous halo, background misfit), not the reflections of a crystal.
MAX_WIDTH_RATIO = 4.0
#: Smallest crystallite size (nm) that still gives Bragg peaks: below ~1.5 nm (a few unit
#: cells) the pattern is a diffuse halo (e.g. Cervellino et al., J. Appl. Cryst. 43, 1543 (2010)).
MIN_SIZE_NM = 1.5
#: A phase that does not make the strongest peaks of the pattern (a marker or a minor phase
#: beside the sample) is still sure of its cell when it stands on its own: at least this many
#: reflections, this fraction of those expected found, all indexed within MAX_RESIDUAL_FWHM,
#: and fitted intensities ranked as its structure factors rank them (Spearman ρ at least
#: MIN_INTENSITY_RANK). Chance coincidences of a wrong cell with another phase's lines meet
#: none of these (they leave most predicted lines unseen and their intensities unrelated).
MIN_PEAKS_MINOR_PHASE = 6
MIN_FOUND_FRACTION_MINOR_PHASE = 0.8
MIN_INTENSITY_RANK = 0.7
#: A reflection the phase predicts (scaled by the median observed/calculated area of its
#: fitted peaks) at more than MISSING_SIGMA standard errors of the data, but fitted at less
#: than MISSING_FRACTION of that, is absent: the pattern is not this phase (Si+Al2O3 fitted
#: as CeO2 indexes every Si line and misses CeO2 200, predicted at 30 % of 111). Preferred
#: orientation weakens a reflection by a few times (March–Dollase r = 0.5 gives ×0.125 at
#: worst), not to nothing.
MISSING_SIGMA = 10.0
MISSING_FRACTION = 0.1
#: The fitted line intensities contradict the phase's structure model when their ln(area /
#: calculated) scatter about a free scale and a free Debye–Waller slope (ln I linear in s²,
#: the sample's B unknown) with a χ² whose probability is below this, each line weighted by
#: its counting error and by TEXTURE_SCATTER (preferred orientation, coarse grains). A
#: wrong structure on the right lattice is systematic: the CeO2 pattern fitted as rock-salt
#: NaCl (same F lattice; NaCl's odd lines weak, CeO2's strong) gives χ² = 154 on 15 degrees
#: of freedom; every right phase of the corpus has p > 0.1.
INTENSITY_MODEL_P = 1e-6
#: Lines needed for the intensity-model check (scale and slope leave n − 2 degrees of freedom).
MIN_INTENSITY_LINES = 4
#: A fitted cell this much longer (cube root of the volume ratio) than the material's ambient
#: cell is doubtful: pressure only shrinks it, and at room temperature the calibrants of the
#: corpus (LaB6, CeO2, Si, Al2O3, NaCl) come out within 0.02 % of their certificates. +0.3 %
#: is the thermal expansion of NaCl (α = 4e-5 /K) over 75 K, of Si over 1100 K; beyond it,
#: unless the sample is heated, the lines are another material's at the same ratios
#: (CaF2 fitted as Si: +0.59 %, a pseudo-diamond pattern, IUCr CPD-1h of MAUD's examples).
MAX_EXPANSION = 0.003
#: Relative standard error of the cell length above which the value is not reported as sure:
#: 2.5e-4 × 4.16 Å ≈ 0.001 Å, half the 0.002 Å a lattice parameter is used at.
MAX_REL_ERR = 2.5e-4


def lattice_verdict(peaks, dropped, x, net, noise, fwhm_pattern, params, stderr, redchi, scale, a_search,
                    size_nm, instrumental_fwhm_deg, phase, wavelength_a, *, n_params=1, info=()) -> Verdict:
    """Checks a lattice fit must pass to be "ok"; each failure becomes a quality note.

    Peaks found vs expected; enough peaks to cross-check the indexing (parameters + 2);
    position residuals vs the peak widths (misindexing) and their χ²_red; widths vs the
    pattern's sharpest peaks, vs the instrument and vs a physical crystallite size; the
    relative error of the cell; the cell not at the edge of the search; the strongest peaks
    of the pattern explained by the phase.
    """
    from scipy.signal import find_peaks

    doubts, notes = [], list(info)
    n = len(peaks)
    misindexed = False
    missing = [r for r in dropped.itertuples()
               if not r.reason.startswith(("predicted height", "not of this phase", "another line under it"))]
    under = [r.hkl for r in dropped.itertuples() if r.reason.startswith("another line under it")]
    if under:
        notes.append(f"{len(under)} line(s) with another phase's line under them ({', '.join(under)}) "
                     "not used for the cell")
    n_expected = n + len(missing)
    notes.append(f"{n} of {n_expected} expected reflections fitted")
    if n < n_params + 2:
        doubts.append(f"only {n} peak(s) for {n_params} cell parameter(s): the indexing is not cross-checked")
    if n_expected and n < MIN_FOUND_FRACTION * n_expected:
        doubts.append(f"only {n} of {n_expected} reflections expected above the noise were found")
    if n:
        fw = peaks["fwhm_deg"].to_numpy()
        off = np.abs(peaks["residual_deg"].to_numpy()) / fw
        worst = int(np.argmax(off))
        area = peaks["intensity"].to_numpy()
        # a line far stronger than its structure factor makes it (against the median of all
        # lines) holds another line under it: its position is pulled by that line (11-BM
        # Si + Al2O3 to 50°: corundum 229 on Si 533, 4× its calculated area, 0.36 FWHM off)
        ratio = area / peaks["intensity_calc"].to_numpy() if "intensity_calc" in peaks else np.ones(n)
        med = float(np.nanmedian(ratio)) if np.any(np.isfinite(ratio)) else np.nan
        overlapped = np.isfinite(ratio) & (ratio > OVERLAP_AREA_RATIO * med)
        bad, misindexed = _off_position(off, area, overlapped)
        # lines with another phase's line under them are left out, unless so many are "over"
        # that overlaps cannot be why (the phase's own intensity model is off)
        few_over = overlapped.sum() <= MAX_OVERLAPPED_FRACTION * n
        misfit = _intensity_model_misfit(peaks, ~overlapped if few_over else np.ones(n, bool))
        if misfit is not None and misfit[2] < INTENSITY_MODEL_P:
            worst = ", ".join(f"{hkl} ×{factor:.2g}" for hkl, factor in misfit[3])
            doubts.append(f"the line intensities do not follow this structure: χ² = {misfit[0]:.0f} on "
                          f"{misfit[1]} degrees of freedom about its structure factors (each line allowed "
                          f"{TEXTURE_SCATTER:g} in ln for texture, scale and Debye–Waller slope free; most off: "
                          f"{worst} of the model): another structure on the same lattice (a fluorite pattern "
                          "fits a rock-salt cell), strong texture, or lines dimmed by a beamstop shadow or "
                          "an edge")
        worst = int(np.argmax(np.where(overlapped, -1.0, off))) if not overlapped.all() else worst
        if (overlapped & (off > MAX_RESIDUAL_FWHM)).any():
            notes.append(f"{int((overlapped & (off > MAX_RESIDUAL_FWHM)).sum())} line(s) off their calculated "
                         f"position under another phase's line (area > {OVERLAP_AREA_RATIO:g}× calculated)")
        where_ = f"peak {peaks['hkl'].iloc[worst]} lies {off[worst]:.2f} FWHM from its calculated position"
        if misindexed:
            doubts.append(f"{where_} (> {MAX_RESIDUAL_FWHM:g}): misindexed or not this phase"
                          + (f"; {int(bad.sum())} of {n} peaks off" if bad.sum() > 1 else ""))
        elif bad.any() and off[worst] > MAX_RESIDUAL_FWHM:
            notes.append(f"{where_} (> {MAX_RESIDUAL_FWHM:g}), a weak line among {n}: likely pulled by an unresolved "
                         "neighbour")
        if np.isfinite(redchi):
            notes.append(f"position χ²_red {redchi:.3g}")
        ratio = float(np.median(fw)) / fwhm_pattern
        if ratio > MAX_WIDTH_RATIO:
            doubts.append(f"fitted peaks {ratio:.1f}× broader than the pattern's sharpest peaks "
                          f"({np.median(fw):.3f}° vs {fwhm_pattern:.3f}°): humps, not reflections")
        if np.isfinite(size_nm) and size_nm < MIN_SIZE_NM:
            doubts.append(f"peaks implausibly broad: Scherrer size {size_nm:.2f} nm (< {MIN_SIZE_NM:g} nm)")
        if instrumental_fwhm_deg > 0 and np.median(fw) < 0.7 * instrumental_fwhm_deg:
            doubts.append(f"peaks ({np.median(fw):.4f}°) narrower than the instrument "
                          f"({instrumental_fwhm_deg:.4f}°): noise or spikes fitted")
    for name, value in params.items():
        if name in _LENGTHS:
            err = stderr[name]
            if not np.isfinite(err) or err > MAX_REL_ERR * value:
                doubts.append(f"{name} = {value:.5f} ± {err:.2g} Å: too uncertain (> {MAX_REL_ERR:g} relative)")
    absent = _absent_reflections(peaks, dropped)
    if absent:
        doubts.append("reflection(s) " + ", ".join(absent) + " predicted by this phase are absent: not this "
                      "phase, or its structure is wrong")
    lo, hi = 1 + a_search[0], 1 + a_search[1]
    step = 0.002 * (hi - lo)
    if scale < lo + step or scale > hi - step:
        doubts.append(f"cell found at the edge of the search range ({scale - 1:+.1%} of the nominal cell)")
    # the strongest features of the pattern should be this phase's reflections
    idx, props = find_peaks(net, prominence=10 * noise, width=1.0)
    pos = peaks["twotheta_obs"].to_numpy() if n else np.empty(0)
    tol = np.maximum(peaks["fwhm_deg"].to_numpy(), fwhm_pattern) if n else np.empty(0)
    if idx.size and n:
        strongest = idx[np.argsort(props["prominences"])[::-1][:3]]
        unexplained = [float(x[i]) for i in strongest if not np.any(np.abs(pos - x[i]) < tol)]
        if float(x[strongest[0]]) in unexplained or 2 * len(unexplained) > len(strongest):
            where_ = ", ".join(f"{t:.3f}°" for t in unexplained)
            rho = _intensity_rank(peaks)
            own = (n >= max(MIN_PEAKS_MINOR_PHASE, n_params + 4) and n >= MIN_FOUND_FRACTION_MINOR_PHASE * n_expected
                   and not misindexed and rho >= MIN_INTENSITY_RANK)
            axis = {k: v for k, v in params.items() if k in AXIS_PARAMETERS}
            sub = _doubled_cell_indexes(unexplained, phase, wavelength_a, MAX_RESIDUAL_FWHM * fwhm_pattern,
                                        axis=axis)
            # the same cell without its centring: a primitive pattern (LaB6, or KCl's, whose odd
            # lines vanish as f_K ≈ f_Cl) fitted as an F-centred phase (Au, zinc blende, rock
            # salt √2 larger) has its unmixed lines indexed at the exact cell, intensities ranked
            # alike, and its strongest lines — 100, 110 of LaB6 — left on the centring's gaps
            prim = _doubled_cell_indexes(unexplained, phase, wavelength_a, MAX_RESIDUAL_FWHM * fwhm_pattern,
                                         factor=1, axis=axis)
            if own and prim:
                doubts.append(f"the strongest peaks of the pattern (at {where_}) sit on reflections of this "
                              f"cell that its lattice centring or structure forbids ({prim}): another structure "
                              "on a cell of this size (a primitive LaB6 pattern fits an F-centred Au cell), not "
                              "this phase")
            elif own and sub:
                doubts.append(f"the strongest peaks of the pattern (at {where_}) are lines of this cell doubled "
                              f"({sub}): the phase indexes a sub-lattice of the sample's larger cell, not a phase "
                              "of its own")
            elif own:
                notes.append(f"the strongest peaks of the pattern (at {where_}) belong to another phase; this "
                             f"phase stands on its own: {n} of {n_expected} reflections indexed, intensities "
                             f"ranked as calculated (Spearman ρ = {rho:.2f})")
            else:
                doubts.append(f"the strongest peaks of the pattern (at {where_}) are not reflections of this phase: "
                              "another phase dominates, or the cell is wrong")
        elif unexplained:
            notes.append("strong peak(s) not of this phase at " + ", ".join(f"{t:.3f}°" for t in unexplained))
    if n and idx.size:
        axis = {k: v for k, v in params.items() if k in AXIS_PARAMETERS}
        hits, chance = _superlattice_peaks(phase, wavelength_a, x, net, idx, pos, tol,
                                           MAX_RESIDUAL_FWHM * fwhm_pattern, axis)
        if len(hits) >= MIN_SUPERLATTICE_PEAKS and chance < SUPERLATTICE_P:
            doubts.append(f"{len(hits)} peaks this phase does not explain sit on lines of its cell doubled that "
                          f"the cell itself cannot give ({', '.join(hits[:6])}{', …' if len(hits) > 6 else ''}; "
                          f"chance {chance:.1g}): the phase indexes a sub-lattice of the sample's larger cell "
                          "(a bixbyite In2O3 pattern fits a fluorite cell of half its edge), not a phase of its own")
    on_forbidden = _peaks_on_forbidden_lines(phase, wavelength_a, x, net, idx, pos, tol)
    if len(on_forbidden) >= MIN_FORBIDDEN_PEAKS:
        doubts.append("peaks at " + ", ".join(f"{t:.3f}° ({hkl})" for hkl, t in on_forbidden)
                      + " sit on reflections this cell's lattice allows but this structure forbids: "
                      "the sample is another structure on the same lattice (a fluorite or rock-salt "
                      "pattern fits a diamond cell), not this phase")
    return Verdict.from_checks(doubts, info=notes)


#: Unexplained peaks on lines of the doubled cell (half-integer indices of the fitted one) that
#: make it doubtful, when that many hits have less than SUPERLATTICE_P chance: three, so that a
#: second phase whose lines fall there by chance does not.
MIN_SUPERLATTICE_PEAKS = 3
#: Chance (Poisson, from the density of such lines about each peak) below which the hits are a
#: superlattice's lines: In2O3 (bixbyite, a = 10.12 Å) + MnCO3 fitted as CeO2 put 7 of the 12
#: unexplained peaks there, chance 2e-4 (an A-Lab precursor mixture of jrneilson/dara; it was
#: ok at a = 5.0576 Å, half In2O3's edge).
SUPERLATTICE_P = 1e-3


def _superlattice_peaks(phase: Phase, wavelength_a: float, x, net, found, pos, fw, tol_deg: float,
                        axis: dict) -> tuple[list[str], float]:
    """Peaks of the pattern no fitted line explains that sit (within ``tol_deg``) on a line of
    the refined cell with every edge doubled whose indices are not all even — a line the cell
    itself cannot give, whatever its centring — as "hkl at 2θ", and the Poisson chance of that
    many such hits.

    A phase whose cell is a sub-lattice of the sample's (the fluorite cell of half the edge of
    bixbyite In2O3, Ia3̄) indexes the sample's strongest lines — its own, intensities ranked
    alike — and leaves the superlattice lines (211, 411, 431 … of In2O3) unexplained; they
    are not among the strongest, so the doubled-cell test of :func:`lattice_verdict` on the
    strongest peaks misses them. Another phase's lines fall on such positions only by chance:
    2 ``tol_deg`` times the density of those lines about each peak. ``found``: indices of the
    pattern's peaks; ``pos``, ``fw``: the fitted lines' positions and widths (a peak within
    ``fw`` of one is explained); ``axis``: the refined 2θ-axis terms. Only peaks of at least
    MISINDEX_STRONG_FRACTION of the strongest fitted line count.
    """
    from scipy.stats import poisson

    strongest = float(np.max(np.interp(pos, x, net)))
    cand = [float(x[i]) for i in found
            if not np.any(np.abs(pos - x[i]) < fw) and net[i] >= MISINDEX_STRONG_FRACTION * strongest]
    if len(cand) < MIN_SUPERLATTICE_PEAKS:
        return [], 1.0
    d_min = wavelength_a / (2 * np.sin(np.radians(min(float(x.max()), 179.0) / 2)))
    n_max = [int(np.ceil(2 * length / d_min)) for length in (phase.a, phase.b, phase.c)]
    if np.prod([2 * m + 1 for m in n_max]) > 2_000_000:
        return [], 1.0
    grids = np.meshgrid(*[np.arange(-m, m + 1) for m in n_max], indexing="ij")
    hkl = np.stack([g.ravel() for g in grids], axis=1)
    hkl = hkl[np.any(hkl % 2 != 0, axis=1)]
    d = 2 * phase.d_spacing(hkl)
    keep = d >= d_min
    hkl, tth = hkl[keep], twotheta_of(d[keep], wavelength_a)
    tth = tth + sum(v * axis_shift_deg(name, tth) for name, v in axis.items())
    lines, first = np.unique(np.round(tth, 4), return_index=True)
    window = 20 * tol_deg
    hits, expected = [], 0.0
    for t in cand:
        expected += min(1.0, tol_deg * np.count_nonzero(np.abs(lines - t) < window) / window)
        k = int(np.argmin(np.abs(lines - t)))
        if abs(lines[k] - t) <= tol_deg:
            h = hkl[first[k]]
            hits.append(",".join(str(abs(int(v))) for v in h) + f" at {t:.3f}°")
    chance = float(poisson.sf(len(hits) - 1, expected)) if hits else 1.0
    return hits, chance


#: Unexplained peaks on structure-forbidden reflections of the fitted cell that make it doubtful.
#: Two, so that one line of a second phase falling there by chance does not.
MIN_FORBIDDEN_PEAKS = 2


def _peaks_on_forbidden_lines(phase: Phase, wavelength_a: float, x, net, found, pos, fw):
    """(hkl, 2θ) of the pattern's peaks that no fitted line explains and that sit (within
    MAX_RESIDUAL_FWHM) on a reflection the refined cell's lattice centring allows but the
    phase's structure forbids — a CeO2 pattern fitted as Si shows CeO2 200, 222, 420 there.

    ``found`` are the indices of the pattern's peaks (:func:`lattice_verdict`'s search),
    ``pos`` and ``fw`` the fitted lines' positions and widths (a peak within ``fw`` of a
    line is explained). Only peaks of at least MISINDEX_STRONG_FRACTION of the strongest
    fitted line count; phases without atoms (JCPDS line lists) are not checked.
    """
    ops = phase.group_ops() if phase.atoms else None
    if ops is None or not pos.size:
        return []
    s_max = np.sin(np.radians(float(x.max()) / 2))
    d_min = wavelength_a / (2 * s_max)
    n_max = [int(np.ceil(length / d_min)) for length in (phase.a, phase.b, phase.c)]
    if np.prod([2 * n + 1 for n in n_max]) > 200_000:
        return []
    grids = np.meshgrid(*[np.arange(-n, n + 1) for n in n_max], indexing="ij")
    hkl = np.stack([g.ravel() for g in grids], axis=1)
    hkl = hkl[np.any(hkl != 0, axis=1)]
    den = 24  # gemmi's Op.DEN: centring translations in 1/24 of the cell
    for t in ops.cen_ops:
        hkl = hkl[(hkl @ np.asarray(t)) % den == 0]
    d = phase.d_spacing(hkl)
    tth = np.degrees(2 * np.arcsin(np.clip(wavelength_a / (2 * d), -1, 1)))
    inside = (d >= d_min) & (tth > float(x.min()))
    allowed_d = reflections(phase, wavelength_a, float(x.max()), merge=False)["d_a"].to_numpy()
    forbidden = [(tuple(int(v) for v in h), t) for h, t, dd in zip(hkl[inside], tth[inside], d[inside])
                 if not np.any(np.abs(allowed_d - dd) < 1e-5 * dd)]
    if not forbidden:
        return []
    strongest = float(np.max(np.interp(pos, x, net)))
    hits_by_label: dict[str, float] = {}
    for i in found:
        t = float(x[i])
        if np.any(np.abs(pos - t) < fw) or net[i] < MISINDEX_STRONG_FRACTION * strongest:
            continue
        tol = MAX_RESIDUAL_FWHM * float(np.median(fw))
        hits = [h for h, tf in forbidden if abs(tf - t) < tol]
        if hits:
            h = max(hits, key=lambda v: tuple(sorted(map(abs, v), reverse=True)))
            label = "".join(str(v) for v in sorted(map(abs, h), reverse=True))
            hits_by_label.setdefault(label, t)
    return sorted(hits_by_label.items(), key=lambda item: item[1])


def _doubled_cell_indexes(twotheta_deg, phase: Phase, wavelength_a: float, tol_deg: float,
                          factor: int = 2, axis: dict | None = None) -> str:
    """hkl of the cell with every edge doubled (``factor`` 2; 1: the cell itself) for each of
    the peaks at ``twotheta_deg`` (any integer hkl, no extinctions), or "" when one of them is
    not such a line. ``axis``: the refined 2θ-axis terms (:data:`AXIS_PARAMETERS`) that move
    the calculated lines onto the observed ones.

    A cell half the size of the sample's in each direction indexes every line of the sample
    with even h, k, l, and when those are strong and the structure factors favour them its
    lines look like a phase of their own (CeO2 at a = 5.1257 Å in Na2Ca3Al2F14, I2₁3,
    a = 10.2512 Å: 6 of 6 lines, Spearman ρ 0.83, quality ok). The sample's remaining strong
    lines then index on the doubled cell; an unrelated phase's lines do so only by chance
    (a few in a hundred each at laboratory resolution).
    """
    if not twotheta_deg:
        return ""
    found = []
    for t in twotheta_deg:
        d_u = wavelength_a / (2 * np.sin(np.radians(t / 2)))
        # lines of the doubled cell: d' = 2 d(hkl) of this cell, so d(hkl) = d_u / 2
        lengths = np.array([phase.a, phase.b, phase.c])
        hmax = np.ceil(factor * lengths / d_u).astype(int) + 1
        grids = np.meshgrid(*[np.arange(-m, m + 1) for m in hmax], indexing="ij")
        hkl = np.stack([g.ravel() for g in grids], axis=1)
        hkl = hkl[np.any(hkl != 0, axis=1)]
        tth = twotheta_of(factor * phase.d_spacing(hkl), wavelength_a)
        tth = tth + sum(v * axis_shift_deg(name, tth) for name, v in (axis or {}).items())
        k = int(np.argmin(np.abs(tth - t)))
        # a match is evidence only where the doubled cell's lines are sparse: at most 2
        # distinct lines within ± 10 tolerances, a chance hit of at most 1 in 5 per peak (a
        # large low-symmetry cell doubled has a line almost everywhere)
        near = np.unique(np.round(tth[np.abs(tth - t) < 10 * tol_deg] / (0.01 * tol_deg)))
        if abs(tth[k] - t) > tol_deg or near.size > 2:
            return ""
        found.append(",".join(str(abs(int(v))) for v in hkl[k]) + f" at {t:.3f}°")
    return ", ".join(found)


def _absent_reflections(peaks, dropped) -> list[str]:
    """Dropped reflections the fitted peaks' scale predicts far above the data's errors but
    that the data show at a small fraction of it (see MISSING_SIGMA)."""
    if len(peaks) < 3 or "intensity_calc" not in peaks or "intensity_calc" not in dropped:
        return []
    ratio = peaks["intensity"].to_numpy() / peaks["intensity_calc"].to_numpy()
    ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
    if not ratio.size:
        return []
    scale = float(np.median(ratio))
    out = []
    for r in dropped.itertuples():
        calc, area, err = r.intensity_calc, r.area, r.area_err
        if not (np.isfinite(calc) and np.isfinite(area) and np.isfinite(err) and err > 0):
            continue
        pred = scale * calc
        if pred > MISSING_SIGMA * err and area < MISSING_FRACTION * pred:
            out.append(f"{r.hkl} ({pred / err:.0f}σ predicted, {max(area, 0.0) / pred:.0%} seen)")
    return out


def _intensity_model_misfit(peaks, use) -> tuple[float, int, float, list] | None:
    """(χ², degrees of freedom, probability, the three worst lines as (hkl, observed/model))
    of the fitted areas about the calculated intensities: ln(area/calc) against a free scale
    and a free slope in s² = 1/(2d)², each line weighted by 1/(σ_count² + TEXTURE_SCATTER²).
    None with fewer than MIN_INTENSITY_LINES measured lines."""
    from scipy.stats import chi2

    if "intensity_calc" not in peaks:
        return None
    area, err = peaks["intensity"].to_numpy(), peaks["intensity_err"].to_numpy()
    calc, d = peaks["intensity_calc"].to_numpy(), peaks["d_calc_a"].to_numpy()
    ok = use & (area > 0) & (calc > 0) & np.isfinite(err) & (err > 0) & np.isfinite(d)
    n = int(ok.sum())
    if n < MIN_INTENSITY_LINES:
        return None
    w = 1.0 / np.sqrt((err[ok] / area[ok]) ** 2 + TEXTURE_SCATTER**2)
    design = np.column_stack([np.ones(n), (0.5 / d[ok]) ** 2]) * w[:, None]
    target = np.log(area[ok] / calc[ok]) * w
    coef = np.linalg.lstsq(design, target, rcond=None)[0]
    resid = target - design @ coef
    x2 = float(np.sum(resid**2))
    order = np.argsort(-np.abs(resid))[:3]
    worst = [(str(peaks["hkl"].to_numpy()[ok][i]), float(np.exp(resid[i] / w[i]))) for i in order]
    return x2, n - 2, float(chi2.sf(x2, n - 2)), worst


def _intensity_rank(peaks) -> float:
    """Spearman rank correlation of the fitted peak areas with the calculated intensities
    (NaN with fewer than 3 peaks or no spread)."""
    from scipy.stats import spearmanr

    if len(peaks) < 3 or "intensity_calc" not in peaks:
        return float("nan")
    rho = spearmanr(peaks["intensity"].to_numpy(), peaks["intensity_calc"].to_numpy()).statistic
    return float(rho) if np.isfinite(rho) else float("nan")


def _split_labels(label: str) -> list[str]:
    return label.split("+")


def _hkl_from_label(label: str) -> tuple[int, int, int]:
    first = label.split("/")[0]
    parts = first.split(",") if "," in first else list(first)
    h, k, ell = (int(v) for v in parts)
    return (h, k, ell)
