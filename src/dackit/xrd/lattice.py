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
   3 FWHM fitted together in one group sharing their width (scipy ``least_squares``); fitted
   peaks whose area is not ``min_significance`` standard errors above zero are dropped too;
   With a laboratory wavelength (a Cu, Co, Fe, Cr, Mo or Ag Kα1 line or Kα mean,
   :func:`kalpha_doublet`) each reflection is searched for as a Kα1 + Kα2 doublet: the
   Kα2/Kα1 ratio is fitted on the peak groups where the lines are resolved and then held,
   or single lines are fitted when no Kα2 is seen (a Kα1 monochromator);
4. the free cell parameters (cubic a; hexagonal/tetragonal a, c; …) and optionally a zero
   shift are refined by weighted least squares of the fitted peak positions
   2θ_obs = 2 asin(λ / 2d(hkl; cell)) + zero (weights 1/σ², covariance scaled by χ²_red
   as lmfit does). For laboratory data (reflection geometry) a zero shift and the specimen
   displacement term D cos θ are added when the positions demand them (F-test), and the
   peaks are searched for again on the corrected axis (:func:`refine_cell_auto`); the cell's
   esd includes its spread over the axis models the positions do not reject (Akaike
   weights). Constant-wavelength neutron data (Debye–Scherrer geometry) get neutron
   scattering lengths and the zero and sample-offset terms (:func:`refine_cell_debye_scherrer`).
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
from scipy.optimize import least_squares

from dackit.core import broadening
from dackit.core.lineshapes import LN2, pseudo_voigt_unit_area
from dackit.core.lsq import (covariance_from_jacobian, covariance_to_correlation, covariance_to_stderr,
                             nested_f_test, qaic_weights)
from dackit.core.quality import Judged, Verdict
from dackit.errors import FitError, InputError, where
from dackit.xrd.phases import Phase, get_phase
from dackit.xrd.structure_factor import TEXTURE_SCATTER, reflections

#: peak shapes: Lorentzian fraction eta fixed (number) or fitted (None)
PEAK_SHAPES = {"pseudo_voigt": None, "gaussian": 0.0, "lorentzian": 1.0}


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


def twotheta_of(d, wavelength_a):
    return np.degrees(2 * np.arcsin(np.clip(wavelength_a / (2 * np.asarray(d)), -1, 1)))


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


# --- peak fitting --------------------------------------------------------------------------
@dataclass
class _Peak:
    label: str
    members: list          # (d_a, twotheta_deg, intensity) of coinciding reflections
    twotheta: float
    area0: float


def kalpha2_position(twotheta_deg, ratio: float):
    """2θ (°) of the Kα2 line of a reflection whose Kα1 line is at ``twotheta_deg``:
    same d, wavelength × ``ratio`` (λ2/λ1)."""
    s = np.clip(ratio * np.sin(np.radians(np.asarray(twotheta_deg, dtype=float) / 2)), -1, 1)
    return np.degrees(2 * np.arcsin(s))


def _group_fit(x, y, sig, peaks, fwhm0, eta_fixed, bg_line, doublet=None, shape=None):
    """Fit one group of peaks sharing fwhm/eta over a window; returns per-peak dicts.

    ``doublet``: None (one line per reflection) or (λ2/λ1, r) — each reflection is a Kα1
    line plus a Kα2 line of r × its area at the same d (same width); r None is fitted
    (0…1) for the group and returned as ``kalpha2_ratio`` of its peaks.
    ``shape``: (fwhm, eta) held fixed instead of fitted (a group of weak peaks, whose width
    the data cannot pin, takes it from the strong peaks around it).
    """
    if shape is not None:
        return _group_fit_fixed_shape(x, y, sig, peaks, fwhm0, shape, bg_line, doublet)
    n = len(peaks)
    x_ref = float(np.mean([p.twotheta for p in peaks]))
    b0 = float(np.interp(x_ref, x, bg_line))
    b1 = float((bg_line[-1] - bg_line[0]) / (x[-1] - x[0])) if len(x) > 1 else 0.0
    p0 = []
    lo_b, hi_b = [], []
    for p in peaks:
        p0 += [max(p.area0, 1e-12), p.twotheta]
        lo_b += [0.0, p.twotheta - fwhm0]
        hi_b += [np.inf, p.twotheta + fwhm0]
    p0 += [fwhm0]
    lo_b += [0.2 * fwhm0]
    hi_b += [5.0 * fwhm0]
    if eta_fixed is None:
        p0 += [0.5]
        lo_b += [0.0]
        hi_b += [1.0]
    ratio, r_fixed = doublet if doublet is not None else (None, 0.0)
    free_r = doublet is not None and r_fixed is None
    if free_r:
        p0 += [0.5]
        lo_b += [0.0]
        hi_b += [1.0]
    p0 += [b0, b1]
    lo_b += [-np.inf, -np.inf]
    hi_b += [np.inf, np.inf]
    w = 1.0 / sig if sig is not None else np.ones_like(x)
    i_r = 2 * n + 1 + (eta_fixed is None)

    def model(p):
        return _group_model(p, x, x_ref, n, p[2 * n], eta_fixed if eta_fixed is not None else p[2 * n + 1],
                            p[i_r] if free_r else r_fixed, ratio)

    def jacobian(p):
        return _group_jacobian(p, x, x_ref, n, p[2 * n], eta_fixed if eta_fixed is not None else p[2 * n + 1],
                               p[i_r] if free_r else r_fixed, ratio, free_shape=True,
                               free_eta=eta_fixed is None, free_r=free_r)

    lo_b, hi_b = np.array(lo_b), np.array(hi_b)
    p, err, converged = _solve_group(model, np.array(p0), lo_b, hi_b, y, w, jacobian)
    out = []
    for i, pk in enumerate(peaks):
        out.append(dict(label=pk.label, members=pk.members, area=p[2 * i], area_err=err[2 * i],
                        twotheta=p[2 * i + 1], twotheta_err=err[2 * i + 1],
                        fwhm=p[2 * n], fwhm_err=err[2 * n], converged=converged,
                        eta=eta_fixed if eta_fixed is not None else p[2 * n + 1],
                        kalpha2_ratio=(p[i_r], err[i_r]) if free_r else (r_fixed, 0.0),
                        at_bound=bool(abs(p[2 * i + 1] - lo_b[2 * i + 1]) < 1e-6 * fwhm0
                                      or abs(p[2 * i + 1] - hi_b[2 * i + 1]) < 1e-6 * fwhm0)))
    return out, model(p), p[-2] + p[-1] * (x - x_ref)


def fit_peaks(x, y, sigma, phase: Phase, wavelength_a: float, *, scale: float, amplitude: float,
              fwhm_deg: float, noise: float, background: np.ndarray, peak_shape="pseudo_voigt",
              min_significance: float = 3.0, polarization="unpolarized", kalpha2=None, info=None,
              axis_shift=None, radiation="xray", doubts=None):
    """Fit the peaks of ``phase`` (cell scaled by ``scale``) in the pattern; returns
    (fitted peak dicts, dropped rows, model curve, background curve).

    ``kalpha2``: λ2/λ1 of a laboratory Kα doublet the pattern may hold (:func:`kalpha_doublet`),
    or None. Its presence is decided by the data: the Kα2/Kα1 ratio is fitted where the lines
    are resolved (:func:`_kalpha2_ratio`) and then held for every reflection when the Kα2
    lines lower χ² significantly (:func:`_kalpha2_evidence`); otherwise the Kα1 lines are
    fitted alone. ``info`` (a list) receives a note saying which, ``doubts`` (a list) a
    sentence when the data leave the choice open and it moves the cell. A tuple (λ2/λ1, ratio) is a
    decision already taken (ratio 0: Kα1 lines alone); each fitted peak's ``kalpha2_ratio``
    carries the ratio used.
    ``axis_shift`` (a function of 2θ) moves the predicted lines by a known axis error.
    ``radiation`` ("xray" or "neutron") sets the line intensities (:func:`reflections`).
    """
    if peak_shape not in PEAK_SHAPES:
        raise InputError(f"peak_shape {peak_shape!r}: use one of {sorted(PEAK_SHAPES)}")
    eta_fixed = PEAK_SHAPES[peak_shape]
    ph = phase.scaled(scale)
    table = reflections(ph, wavelength_a, min(179.0, float(x.max()) + 1), polarization=polarization,
                        radiation=radiation)
    if axis_shift is not None:
        table = table.assign(twotheta_deg=axis_shift(table["twotheta_deg"].to_numpy()))
    edge = 0.5 * fwhm_deg
    table = table[(table.twotheta_deg > x.min() + edge) & (table.twotheta_deg < x.max() - edge)]
    dropped = []
    peak_height = pseudo_voigt_unit_area(0.0, 0.0, fwhm_deg, 0.5)
    peaks: list[_Peak] = []
    for row in table.itertuples():
        area = amplitude * row.intensity
        if area * peak_height < min_significance * noise:
            dropped.append({"hkl": row.hkl, "twotheta_deg": row.twotheta_deg,
                            "reason": f"predicted height {area * peak_height:.3g} below "
                                      f"{min_significance:g}× noise ({noise:.3g})"})
            continue
        member = (row.d_a, row.twotheta_deg, row.intensity)
        if peaks and row.twotheta_deg - peaks[-1].twotheta < 0.25 * fwhm_deg:
            last = peaks[-1]  # unresolvable: one peak at the intensity-weighted position
            last.members.append(member)
            last.label += "+" + row.hkl
            tot = sum(m[2] for m in last.members)
            last.twotheta = sum(m[1] * m[2] for m in last.members) / tot
            last.area0 += area
        else:
            peaks.append(_Peak(row.hkl, [member], row.twotheta_deg, area))
    if not peaks:
        raise FitError(f"{phase.name}: no reflection is expected above the noise in "
                       f"{x.min():.2f}–{x.max():.2f}°")
    doublet = None
    if isinstance(kalpha2, tuple):
        doublet = kalpha2 if kalpha2[1] > 0 else None
    elif kalpha2 is not None:
        first = _fit_groups(x, y, sigma, peaks, fwhm_deg, eta_fixed, background, (kalpha2, None))
        r, r_err, n_res = _kalpha2_ratio(first[0], kalpha2)
        p_value, moves = None, 0.0
        if first[0]:
            # a ratio below MIN_KALPHA2_RATIO (or none resolved) is no doublet whatever χ² says;
            # the nominal doublet may still fit as well and move the cell (unresolved lines)
            p, rel = _kalpha2_evidence(x, y, sigma, peaks, fwhm_deg, eta_fixed, background, kalpha2, first,
                                       ratio_seen=r > MIN_KALPHA2_RATIO)
            p_value = p if r > MIN_KALPHA2_RATIO else None
            moves = abs(rel) * max(ph.a, ph.b, ph.c)
        if p_value is not None and p_value < KALPHA2_UNDECIDED_P:
            # no anode gives a Kα2 line stronger than this (one group of broad Co lines gave
            # 1.000 ± 0.195 for 0.546, and a Si cell 2.3 esd off, ok). Not drawn to the expected
            # 0.5 either: a monochromated scan's spurious 0.33 ± 0.07 would then be taken for
            # a Kα2 line (a Pt cell 0.0025 Å off, ok)
            held = min(r, KALPHA2_RATIO_MAX)
            doublet = (kalpha2, held)
            note = (f"Kα doublet fitted: Kα2 at λ2/λ1 = {kalpha2:.6f}, intensity ratio Kα2/Kα1 = "
                    f"{r:.3f} ± {r_err:.3f} (from {n_res} resolved peak group(s))"
                    + (f", held at {held:g}, the largest a Kα doublet has" if held < r else "")
                    + f"; the Kα2 lines lower χ² (F-test p = {p_value:.2g} against Kα1 lines alone)")
            if p_value >= KALPHA2_EVIDENCE_P and moves > MAX_AXIS_MODEL_SPREAD_A and doubts is not None:
                doubts.append(
                    f"Kα2 lines not settled: they lower χ² (F-test p = {p_value:.2g}) but not beyond doubt "
                    f"(p < {KALPHA2_EVIDENCE_P:g}), and Kα1 lines alone move the cell by ≈ {moves:.4f} Å, "
                    f"beyond {MAX_AXIS_MODEL_SPREAD_A:g} Å: {_KALPHA2_ASK}")
        elif p_value is not None:
            note = (f"single Kα1 lines fitted: a Kα2 line at ratio Kα2/Kα1 = {r:.3f} ± {r_err:.3f} does not "
                    f"lower χ² significantly (F-test p = {p_value:.2g} ≥ {KALPHA2_UNDECIDED_P:g}; a "
                    "monochromated scan, or a peak shape the Kα2 line would only mimic)")
        else:
            note = f"no Kα2 line found (Kα2/Kα1 = {r:.3f} ± {r_err:.3f}): single lines fitted"
        if doublet is None and moves > MAX_AXIS_MODEL_SPREAD_A and doubts is not None:
            doubts.append(
                f"Kα2 lines not settled: Kα1 lines alone fit no better than doublets at the nominal "
                f"Kα2/Kα1 = {KALPHA2_RATIO_NOMINAL:g} of an unmonochromated tube, which move the cell by "
                f"≈ {moves:.4f} Å, beyond {MAX_AXIS_MODEL_SPREAD_A:g} Å: {_KALPHA2_ASK}")
        if info is not None:
            info.append(note)
    outs, model, bg_out, too_few, fitted_mask = _fit_groups(x, y, sigma, peaks, fwhm_deg, eta_fixed, background,
                                                            doublet, min_significance)
    # Peaks of something else (a second phase, the pressure medium, the gasket) overlapping the
    # windows would pull the fitted positions: find them in the residual and fit them as
    # nuisance peaks, reported but not indexed.
    predicted = [pk.twotheta for pk in peaks]
    if doublet is not None:
        predicted += [float(kalpha2_position(t, doublet[0])) for t in predicted]
    extras = _residual_peaks(x, y - model, fitted_mask, fwhm_deg, outs, predicted)
    if extras:
        outs, model, bg_out, too_few, _ = _fit_groups(x, y, sigma, sorted(peaks + extras, key=lambda q: q.twotheta),
                                                   fwhm_deg, eta_fixed, background, doublet, min_significance)
    for pk in too_few:
        dropped.append({"hkl": pk.label, "twotheta_deg": pk.twotheta, "reason": "too few points"})
    fitted = []
    for pk in outs:
        if pk["label"] == _EXTRA:
            dropped.append({"hkl": "", "twotheta_deg": pk["twotheta"],
                            "reason": f"not of this phase (area {pk['area']:.3g}); fitted as a nuisance peak"})
        elif not (pk["area"] > min_significance * pk["area_err"]) or not np.isfinite(pk["twotheta_err"]):
            dropped.append({"hkl": pk["label"], "twotheta_deg": pk["twotheta"],
                            "reason": f"fitted area {pk['area']:.3g} ± {pk['area_err']:.3g} "
                                      f"not {min_significance:g}σ significant",
                            "area": pk["area"], "area_err": pk["area_err"],
                            "intensity_calc": float(sum(m[2] for m in pk["members"]))})
        elif pk["at_bound"]:
            dropped.append({"hkl": pk["label"], "twotheta_deg": pk["twotheta"],
                            "reason": "position ran to its bound (no peak found there)"})
        else:
            fitted.append(pk)
    return (fitted, pd.DataFrame(dropped, columns=["hkl", "twotheta_deg", "reason", "area", "area_err",
                                                   "intensity_calc"]), model, bg_out)


def _unit_pv_and_derivatives(x, centres, fw, eta):
    """:func:`~dackit.core.lineshapes.pseudo_voigt_unit_area` at each centre (rows) and its
    derivatives by centre, FWHM and η."""
    u = (x[None, :] - np.asarray(centres, dtype=float)[:, None]) / fw
    q = 1.0 + 4.0 * u * u
    lor = 2.0 / (np.pi * fw) / q
    gauss = 2.0 * np.sqrt(LN2 / np.pi) / fw * np.exp(-4.0 * LN2 * u * u)
    value = eta * lor + (1 - eta) * gauss
    d_centre = (eta * lor * 8.0 * u / q + (1 - eta) * gauss * 8.0 * LN2 * u) / fw
    d_fwhm = (eta * lor * (8.0 * u * u / q - 1.0) + (1 - eta) * gauss * (8.0 * LN2 * u * u - 1.0)) / fw
    return value, d_centre, d_fwhm, lor - gauss


def _group_jacobian(p, x, x_ref, n, fw, eta, r, ratio, *, free_shape, free_eta, free_r):
    """Jacobian of :func:`_group_model` in the parameter layout of :func:`_group_fit`
    (``free_shape``: FWHM, then η when ``free_eta``, then the Kα2 ratio when ``free_r``,
    follow the n (area, position) pairs) or of :func:`_group_fit_fixed_shape`."""
    doublet = ratio is not None and (r > 0 or free_r)
    areas, centres = p[0:2 * n:2], p[1:2 * n:2]
    v, dc, dw, de = _unit_pv_and_derivatives(x, centres, fw, eta)
    if doublet:
        c2 = kalpha2_position(centres, ratio)
        v2, dc2, dw2, de2 = _unit_pv_and_derivatives(x, c2, fw, eta)
        # d(2θ₂)/d(2θ₁) of the same d at λ2 = ratio·λ1
        slope = ratio * np.cos(np.radians(centres) / 2) / np.cos(np.radians(c2) / 2)
        v_all, dc_all = v + r * v2, dc + r * slope[:, None] * dc2
        dw_all, de_all = dw + r * dw2, de + r * de2
    else:
        v_all, dc_all, dw_all, de_all = v, dc, dw, de
    jac = np.zeros((x.size, p.size))
    jac[:, 0:2 * n:2] = v_all.T
    jac[:, 1:2 * n:2] = (areas[:, None] * dc_all).T
    k = 2 * n
    if free_shape:
        jac[:, k] = areas @ dw_all
        k += 1
        if free_eta:
            jac[:, k] = areas @ de_all
            k += 1
        if free_r:
            jac[:, k] = areas @ v2 if doublet else 0.0
            k += 1
    jac[:, -2] = 1.0
    jac[:, -1] = x - x_ref
    return jac


def _group_model(p, x, x_ref, n, fw, eta, r, ratio):
    """n pseudo-Voigt peaks (areas and positions alternating in ``p``, Kα2 companions at
    ratio ``r`` when ``ratio`` is given) on the background line p[-2] + p[-1]·(x − x_ref)."""
    doublet = ratio is not None and r > 0
    areas, centres = p[0:2 * n:2], p[1:2 * n:2]
    # all lines in one array, summed row by row in the order a loop over the peaks added them
    # (background, Kα1 line 1, its Kα2, line 2, …): the finite-difference Jacobian of a group
    # of 20 lines evaluates this 40 times an iteration
    stack = np.empty(((2 if doublet else 1) * n + 1, x.size))
    stack[0] = p[-2] + p[-1] * (x - x_ref)
    step = 2 if doublet else 1
    stack[1::step] = areas[:, None] * pseudo_voigt_unit_area(x[None, :], centres[:, None], fw, eta)
    if doublet:
        stack[2::2] = (r * areas)[:, None] * pseudo_voigt_unit_area(
            x[None, :], kalpha2_position(centres, ratio)[:, None], fw, eta)
    return np.add.reduce(stack, axis=0)


#: Evaluations a peak group's fit may take. The 56 real patterns of tests/corpus/xrd need at
#: most 1982 (the six-phase Maud pattern cpd1h; all others < 1650); a group that stops at the
#: limit has not converged, and the lattice fit says so among its doubts.
GROUP_FIT_MAX_NFEV = 2000


def _solve_group(model, p0, lo_b, hi_b, y, w, jacobian):
    """Weighted bounded least squares of one peak group: parameters, standard errors and
    whether the fit converged (False when it stopped at :data:`GROUP_FIT_MAX_NFEV`).

    ``jacobian(p)`` is the model's analytic Jacobian (:func:`_group_jacobian`): a finite
    difference costs one model evaluation per parameter, each over every line of the group,
    so a group of n lines cost O(n²) per iteration (30 overlapping corundum lines of a
    high-q synchrotron scan: 12 s a fit, and the whole run did not end in 10 minutes)."""
    margin = 1e-9 * np.where(np.isfinite(hi_b - lo_b), hi_b - lo_b, 1.0)
    p0 = np.clip(p0, lo_b + margin, hi_b - margin)
    res = least_squares(lambda p: (model(p) - y) * w, p0, jac=lambda p: jacobian(p) * w[:, None],
                        bounds=(lo_b, hi_b), x_scale="jac", max_nfev=GROUP_FIT_MAX_NFEV)
    # scaled by χ²_red even with known σ (as lmfit does): profile misfit of real peaks widens
    # the errors instead of being ignored
    return res.x, covariance_from_jacobian(res.jac, res.fun, scale=True).stderr, res.status > 0


_EXTRA = "?"


def _group_fit_fixed_shape(x, y, sig, peaks, fwhm0, shape, bg_line, doublet):
    """:func:`_group_fit` with the width and η fixed at ``shape``: areas, positions and a
    background line are fitted (the Kα2/Kα1 ratio of ``doublet`` must be given)."""
    n = len(peaks)
    fw, eta = shape
    ratio, r = doublet if doublet is not None else (None, 0.0)
    r = 0.0 if r is None else r
    x_ref = float(np.mean([p.twotheta for p in peaks]))
    b0 = float(np.interp(x_ref, x, bg_line))
    b1 = float((bg_line[-1] - bg_line[0]) / (x[-1] - x[0])) if len(x) > 1 else 0.0
    p0 = [v for p in peaks for v in (max(p.area0, 1e-12), p.twotheta)] + [b0, b1]
    lo_b = np.array([v for p in peaks for v in (0.0, p.twotheta - fwhm0)] + [-np.inf, -np.inf])
    hi_b = np.array([v for p in peaks for v in (np.inf, p.twotheta + fwhm0)] + [np.inf, np.inf])
    w = 1.0 / sig if sig is not None else np.ones_like(x)

    def model(p):
        return _group_model(p, x, x_ref, n, fw, eta, r, ratio)

    def jacobian(p):
        return _group_jacobian(p, x, x_ref, n, fw, eta, r, ratio, free_shape=False, free_eta=False, free_r=False)

    p, err, converged = _solve_group(model, np.array(p0), lo_b, hi_b, y, w, jacobian)
    out = []
    for i, pk in enumerate(peaks):
        out.append(dict(label=pk.label, members=pk.members, area=p[2 * i], area_err=err[2 * i],
                        twotheta=p[2 * i + 1], twotheta_err=err[2 * i + 1], fwhm=fw, fwhm_err=0.0, eta=eta,
                        kalpha2_ratio=(r, 0.0), shape_fixed=True, converged=converged,
                        at_bound=bool(abs(p[2 * i + 1] - lo_b[2 * i + 1]) < 1e-6 * fwhm0
                                      or abs(p[2 * i + 1] - hi_b[2 * i + 1]) < 1e-6 * fwhm0)))
    return out, model(p), p[-2] + p[-1] * (x - x_ref)


def _significant(o, min_significance: float) -> bool:
    return bool(o["area"] > min_significance * o["area_err"] and np.isfinite(o["twotheta_err"])
                and not o["at_bound"])


def _fit_groups(x, y, sigma, peaks, fwhm_deg, eta_fixed, background, doublet=None, min_significance=None):
    """Group peaks closer than 3 FWHM and fit each group over ± 2 FWHM (beyond the Kα2
    line of its last peak when ``doublet`` = (λ2/λ1, r) is given)."""

    def top(pk):
        if doublet is None or pk.label == _EXTRA:
            return pk.twotheta
        return float(kalpha2_position(pk.twotheta, doublet[0]))

    groups, current = [], [peaks[0]]
    for pk in peaks[1:]:
        if pk.twotheta - top(current[-1]) < 3.0 * fwhm_deg:
            current.append(pk)
        else:
            groups.append(current)
            current = [pk]
    groups.append(current)
    outs, too_few = [], []
    fitted_mask = np.zeros(x.size, dtype=bool)
    model = np.array(background, dtype=float)
    bg_out = np.array(background, dtype=float)
    for grp in groups:
        lo, hi = grp[0].twotheta - 2.0 * fwhm_deg, max(top(pk) for pk in grp) + 2.0 * fwhm_deg
        sel = (x >= lo) & (x <= hi)
        if sel.sum() < 2 * len(grp) + 5:
            too_few.extend(pk for pk in grp if pk.label != _EXTRA)
            continue
        out, m, b = _group_fit(x[sel], y[sel], None if sigma is None else sigma[sel], grp,
                               fwhm_deg, eta_fixed, background[sel], doublet)
        for o in out:
            o["window"] = sel
            o["kalpha2_split"] = (float(kalpha2_position(o["twotheta"], doublet[0])) - o["twotheta"]
                                  if doublet is not None else 0.0)
        model[sel], bg_out[sel] = m, b
        fitted_mask |= sel
        outs.append((grp, out))
    if min_significance is not None and (doublet is None or doublet[1] is not None):
        _refit_weak_groups(x, y, sigma, outs, fwhm_deg, background, doublet, min_significance, model, bg_out)
    return [o for _, out in outs for o in out], model, bg_out, too_few, fitted_mask


#: Fewest significant peaks of the phase whose widths set those of the weak groups.
MIN_STRONG_FOR_SHAPE = 3


def _refit_weak_groups(x, y, sigma, outs, fwhm_deg, background, doublet, min_significance, model, bg_out):
    """Refit, in place, every group in which no peak is significant with the width and η
    interpolated (in 2θ) from the significant peaks of the other groups.

    A weak reflection fitted with a free width trades that width against the background and
    its area error swells (11-BM corundum 006, 0.5 % of the strongest line and plainly above
    the noise: 0.40 ± 0.45 free, significant at the strong peaks' width). The profile width
    is a smooth function of 2θ set by the instrument and the sample, so the strong peaks
    carry it; a group holding one strong peak keeps its own fitted width.
    """
    strong = [o for _, out in outs for o in out if o["label"] != _EXTRA and _significant(o, min_significance)]
    if len(strong) < MIN_STRONG_FOR_SHAPE:
        return
    strong.sort(key=lambda o: o["twotheta"])
    t = np.array([o["twotheta"] for o in strong])
    f = np.array([o["fwhm"] for o in strong])
    e = np.array([o["eta"] for o in strong])
    for k, (grp, out) in enumerate(outs):
        if any(_significant(o, min_significance) for o in out):
            continue
        sel = out[0]["window"]
        x_ref = float(np.mean([pk.twotheta for pk in grp]))
        shape = (float(np.interp(x_ref, t, f)), float(np.interp(x_ref, t, e)))
        new, m, b = _group_fit(x[sel], y[sel], None if sigma is None else sigma[sel], grp, fwhm_deg, None,
                               background[sel], doublet, shape=shape)
        for o in new:
            o["window"] = sel
            o["kalpha2_split"] = (float(kalpha2_position(o["twotheta"], doublet[0])) - o["twotheta"]
                                  if doublet is not None else 0.0)
        model[sel], bg_out[sel] = m, b
        outs[k] = (grp, new)


#: Kα1 and Kα2 wavelengths (Å) of laboratory anodes. Cu, Co, Fe, Cr: Hölzer et al., Phys.
#: Rev. A 56, 4554 (1997) (Cu Kα1 1.5405929, Kα2 1.5444140 Å); Mo, Ag: Deslattes et al., Rev.
#: Mod. Phys. 75, 35 (2003) (Mo Kα1 17479.34 eV, Kα2 17374.29 eV; Ag Kα1 22162.92 eV,
#: Kα2 21990.30 eV).
KALPHA_LINES = {"Cu": (1.5405929, 1.5444140), "Co": (1.788996, 1.792835), "Fe": (1.936041, 1.939973),
                "Cr": (2.289726, 2.293651), "Mo": (0.7093171, 0.7136067), "Ag": (0.5594218, 0.5638131)}
#: A given wavelength this close (Å) to an anode's Kα1, or to its 2:1 weighted Kα mean, names that anode.
KALPHA_MATCH_A = 6e-4
#: Kα2/Kα1 intensity ratio of an unmonochromated anode: ≈ 1:2 from the (2j + 1) weights of
#: the 2p1/2 and 2p3/2 levels the lines come from (measured 0.49–0.52 for Cu, Hölzer et al.,
#: Phys. Rev. A 56, 4554 (1997)); the coarse searches' templates and the whole-pattern fit's
#: start take it.
KALPHA2_RATIO_NOMINAL = 0.5
#: Largest Kα2/Kα1 intensity ratio taken from a fit: a little above the nominal one allows for
#: monochromator and detector efficiency. A larger fitted ratio is held there.
KALPHA2_RATIO_MAX = 0.6
#: Smallest fitted Kα2/Kα1 intensity ratio taken as a doublet (the theoretical ratio is ≈ 0.5;
#: a Kα1 monochromator leaves < 0.05).
MIN_KALPHA2_RATIO = 0.15


def kalpha_doublet(wavelength_a: float):
    """(anode, λ1, λ2) when ``wavelength_a`` is a laboratory Kα1 line or the Kα mean of one.

    Parameters
    ----------
    wavelength_a : float
        The wavelength a user gave (Å).

    Returns
    -------
    tuple or None
        ``(anode, kalpha1_a, kalpha2_a)``: the given value as Kα1 when it is Kα1 (within
        :data:`KALPHA_MATCH_A`), the tabulated Kα1 when it is the 2:1 mean (the peaks are
        then indexed on Kα1); None for any other wavelength (synchrotron, filtered Kβ…).

    Examples
    --------
    >>> kalpha_doublet(1.5406)[0], kalpha_doublet(1.5418)[1], kalpha_doublet(0.4133)
    ('Cu', 1.5405929, None)
    """
    for anode, (l1, l2) in KALPHA_LINES.items():
        if abs(wavelength_a - l1) < KALPHA_MATCH_A:
            return anode, float(wavelength_a), float(wavelength_a) * l2 / l1
        if abs(wavelength_a - (2 * l1 + l2) / 3) < KALPHA_MATCH_A:
            return anode, l1, l2
    return None


def _kalpha2_evidence(x, y, sigma, peaks, fwhm_deg, eta_fixed, background, kalpha2, free, *, ratio_seen=True):
    """F-test p-value of the Kα2 lines: χ² of ``free`` (the :func:`_fit_groups` result with
    a Kα2/Kα1 ratio fitted in every group) against the same groups, over the same windows,
    fitted with Kα1 lines alone (ratio fixed at 0); one added parameter per group. Returns
    (p, Δd/d): the relative change of d from the doublet to Kα1 lines alone (weighted mean over
    the lines), how far the choice moves the cell. When the doublet is not asked for
    (p ≥ :data:`KALPHA2_UNDECIDED_P`) but the nominal ratio :data:`KALPHA2_RATIO_NOMINAL` of an
    unmonochromated tube fits about as well as Kα1 lines alone (Akaike weight ≥
    :data:`MIN_AXIS_MODEL_WEIGHT`, equal parameter counts), Δd/d is that of the nominal doublet:
    the data then tell neither apart, and the cell is only as sure as the two agree. With
    ``ratio_seen`` False (no ratio above :data:`MIN_KALPHA2_RATIO`, or no resolved group) the
    doublet is not on offer and Δd/d is always that of the nominal doublet, when not rejected.

    A fitted ratio alone does not show a Kα2 line: its standard error, from the curvature at
    the optimum, is far too small where the doublet is barely resolved (synthetic Pt, Mo Kα1
    only: groups of 0.886 ± 0.128 and 0.054 ± 0.090 averaged to 0.328 ± 0.074, while χ² fell
    by no more than noise does; a LaB6 Kα1-only scan gave 0.25 ± 0.10 and a cell 14 esd off).
    Each group's χ² is taken in units of its own residual variance: profile misfit and noise
    differ from group to group, and the misfit of one strong line must not drown the Kα2
    line of weak ones (pooled, a real 0.54 doublet of LaB6 went untested, p = 0.04).
    """
    single = _fit_groups(x, y, sigma, peaks, fwhm_deg, eta_fixed, background, (kalpha2, 0.0))
    w = np.ones_like(y) if sigma is None else 1.0 / sigma
    groups: dict[int, list] = {}
    for o in free[0]:
        groups.setdefault(id(o["window"]), [o["window"], 0])[1] += 1
    used = []
    dof = 0
    for sel, n in groups.values():
        # per group: area and position of each peak, width, ratio, background line (+ η when free)
        nu = int(sel.sum()) - (2 * n + 4 + (eta_fixed is None))
        c1 = float(np.sum(((y - free[1]) * w)[sel] ** 2))
        if nu >= 1 and c1 > 0:
            used.append((sel, c1 / nu))
            dof += nu

    def chi2(fit) -> float:
        return sum(float(np.sum(((y - fit[1]) * w)[sel] ** 2)) / variance for sel, variance in used)

    def rel_shift(fit) -> float:
        alone = {o["label"]: o for o in single[0]}
        rel, wts = [], []
        for o in fit[0]:
            s_o = alone.get(o["label"])
            if s_o is None or not (np.isfinite(s_o["twotheta_err"]) and s_o["twotheta_err"] > 0):
                continue
            # Δd/d = −cot θ Δθ of the Kα1 position the two models put each line at
            rel.append(-np.radians(s_o["twotheta"] - o["twotheta"]) / 2 / np.tan(np.radians(o["twotheta"]) / 2))
            wts.append(1.0 / s_o["twotheta_err"] ** 2)
        return float(np.average(rel, weights=wts)) if rel else 0.0

    p = nested_f_test(chi2(single), chi2(free), len(used), dof)
    if ratio_seen and p < KALPHA2_UNDECIDED_P:
        return p, rel_shift(free)
    nominal = _fit_groups(x, y, sigma, peaks, fwhm_deg, eta_fixed, background, (kalpha2, KALPHA2_RATIO_NOMINAL))
    weight = qaic_weights([chi2(single), chi2(nominal)], [0, 0])[1]
    return p, (rel_shift(nominal) if weight >= MIN_AXIS_MODEL_WEIGHT else 0.0)


#: what the "Kα2 lines not settled" doubts ask of the user
_KALPHA2_ASK = ("say whether the scan was monochromated (--monochromated, kalpha2=False, behind a Kα1 "
                "monochromator), or measure sharper or stronger peaks")

#: Significance (F-test p-value, :func:`_kalpha2_evidence`) at which the Kα2 lines of a
#: laboratory scan are settled: as strict as an axis term (:data:`AXIS_CORRECTION_P`).
KALPHA2_EVIDENCE_P = 1e-3
#: Above this p-value the Kα2 lines are left out (Kα1 lines alone); between the two they are
#: fitted, as the data lean that way and most laboratory tubes have no Kα1 monochromator, but
#: the result is doubtful when Kα1 lines alone move the cell beyond
#: :data:`MAX_AXIS_MODEL_SPREAD_A` (lab sweep: a real 0.54 doublet of broad LaB6 lines gave
#: p = 0.01, and Kα1 lines alone put the cell 0.0043 Å short; Kα1-only scans gave p = 0.33
#: and 0.83, their spurious ratios 0.33 and 0.25).
KALPHA2_UNDECIDED_P = 0.05


def _kalpha2_ratio(fitted, ratio):
    """Weighted mean Kα2/Kα1 ratio of the peak groups where the doublet is resolved (split
    ≥ half a FWHM): (r, σ_r, number of groups); (0, inf, 0) when no group resolves it."""
    vals, errs = [], []
    seen = set()
    for pk in fitted:
        if pk["label"] == _EXTRA or not np.isfinite(pk["fwhm"]):
            continue
        r, r_err = pk["kalpha2_ratio"]
        key = (round(r, 12), round(r_err, 12))
        if key in seen:
            continue  # one value per group
        seen.add(key)
        if (pk["kalpha2_split"] >= 0.5 * pk["fwhm"] and np.isfinite(r_err) and r_err > 0
                and pk["area"] > 3 * pk["area_err"]):
            vals.append(r)
            errs.append(r_err)
    if not vals:
        return 0.0, float("inf"), 0
    v, e = np.asarray(vals), np.asarray(errs)
    w = 1 / e**2
    return float(np.sum(w * v) / w.sum()), float(1 / np.sqrt(w.sum())), len(vals)


def _residual_peaks(x, resid, fitted_mask, fwhm_deg, fitted, predicted):
    """Peaks left in the residual of the fitted windows: at least half a peak wide, 5× the
    robust scatter of that residual (so profile misfit and noise do not count), not within
    0.75 FWHM of a predicted reflection of the phase (that is the phase's own peak, pulled
    away in the first pass) and — near a fitted peak — at least 10 % of its height."""
    from scipy.signal import find_peaks

    from dackit.core.noise import robust_sigma

    if fitted_mask.sum() < 10:
        return []
    inside = resid[fitted_mask]
    scatter = robust_sigma(inside)
    step = float(np.median(np.diff(x)))
    r = np.where(fitted_mask, resid, 0.0)
    idx, _ = find_peaks(r, height=5.0 * scatter, width=max(1.0, 0.5 * fwhm_deg / step),
                        distance=max(1, int(fwhm_deg / step)))
    extras = []
    for i in idx:
        pos = float(x[i])
        if any(abs(pos - t) < 0.75 * fwhm_deg for t in predicted):
            continue
        near = [pk for pk in fitted if abs(pk["twotheta"] - pos) < 1.5 * pk["fwhm"]]
        if any(r[i] < 0.1 * pk["area"] * pseudo_voigt_unit_area(0.0, 0.0, pk["fwhm"], pk["eta"]) for pk in near):
            continue
        extras.append(_Peak(_EXTRA, [], pos, float(r[i]) * fwhm_deg))
    return extras


# --- cell refinement -----------------------------------------------------------------------
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
        When the wavelength is a laboratory Kα1 line or Kα mean (:func:`kalpha_doublet`),
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
    range_notes = pattern.reader_notes + range_notes + line_notes + ([axis_note] if axis_note else [])
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
#: F-test of an axis term needs (:func:`refine_cell_auto`), plus one. With fewer lines each
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


def _cell_moves(before, after) -> str:
    """"" or the cell lengths that differ by more than :data:`MAX_AXIS_MODEL_SPREAD_A`
    between two :func:`refine_cell` tuples ("a by +0.0031 Å")."""
    base = dict(zip(before[0], before[1]))
    moved = {n: v - base[n] for n, v in zip(after[0], after[1]) if n in _LENGTHS and n in base}
    return ", ".join(f"{n} by {d:+.4f} Å" for n, d in moved.items() if abs(d) > MAX_AXIS_MODEL_SPREAD_A)


def _append_dropped(dropped, pulled):
    rows = [{"hkl": pk["label"], "twotheta_deg": pk["twotheta"],
             "reason": f"{o:.2f} FWHM off its calculated position, a weak line likely pulled by an unresolved "
                       "neighbour: not used for the cell",
             "area": np.nan, "area_err": np.nan, "intensity_calc": np.nan} for pk, o in pulled]
    extra = pd.DataFrame(rows, columns=dropped.columns)
    return extra if dropped.empty else pd.concat([dropped, extra], ignore_index=True)


def _refine_axis(phase, peaks, lam, zero_shift, doubts, terms):
    """The cell with the 2θ-axis terms of the geometry: Debye–Scherrer (:data:`DEBYE_SCHERRER_TERMS`)
    or Bragg–Brentano (:func:`refine_cell_auto`)."""
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
