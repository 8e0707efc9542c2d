"""Diamond-anvil Raman gauge: pressure from the high-frequency edge of the stressed T2g band.

Under load the first-order Raman band of a diamond anvil spreads from the unstressed
frequency (the sharp ~1333 cm⁻¹ line from the anvil's back) up to the frequency of the
culet face, which carries the normal stress, i.e. the sample pressure. That high-frequency
*edge* — taken, as Akahama & Kawamura do, at the minimum of the spectrum's derivative — is
the gauge. It works where ruby fades (above ~50–100 GPa) and needs no sensor in the cell.

Scales (Δν = ν_edge − ν0, x = Δν/ν0)::

    P = K0·x·[1 + ½(K0′ − 1)·x]

* ``akahama2006`` — Akahama & Kawamura, J. Appl. Phys. 100, 043516 (2006), "Pressure
  calibration of diamond anvil Raman gauge to 310 GPa": K0 = 547(11) GPa,
  K0′ = 3.75(20), ν0 = 1334 cm⁻¹ (edge against the Pt EoS, to 310 GPa). The abstract
  quotes these numbers (checked, see the module's tests).
* ``akahama2010`` — Akahama & Kawamura, J. Phys.: Conf. Ser. 215, 012195 (2010), "Pressure
  calibration of diamond anvil Raman gauge to 410 GPa": the same functional form and
  constants extended to 410 GPa (the extension is the change: its validity range).

>>> round(float(pressure_from_edge(1500.0)), 2)
79.71
>>> round(float(edge_from_pressure(79.71)), 1)
1500.0
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.signal import savgol_filter

from dackit.core import lineshapes
from dackit.core.noise import savgol_noise_gain, white_noise_sigma
from dackit.core.quality import Judged, Verdict
from dackit.core.results import Failure
from dackit.core.spectrum import Spectrum, make_spectrum
from dackit.errors import DackitError, InputError, where
from dackit.gauge.scales import warn_outside


@dataclass(frozen=True)
class EdgeScale:
    """A diamond-edge calibration P = K0·x·[1 + ½(K0′ − 1)·x], x = (ν − ν0)/ν0."""

    name: str
    k0_gpa: float
    k0_gpa_err: float
    kp: float
    kp_err: float
    nu0_cm1: float
    max_pressure_gpa: float
    citation: str

    def pressure(self, edge_cm1, nu0_cm1: float | None = None):
        nu0 = self.nu0_cm1 if nu0_cm1 is None else nu0_cm1
        x = (np.asarray(edge_cm1, dtype=float) - nu0) / nu0
        return self.k0_gpa * x * (1.0 + 0.5 * (self.kp - 1.0) * x)

    def edge(self, pressure_gpa, nu0_cm1: float | None = None):
        """Exact inverse of :meth:`pressure` (the root continuous with x = P/K0)."""
        nu0 = self.nu0_cm1 if nu0_cm1 is None else nu0_cm1
        p = np.asarray(pressure_gpa, dtype=float)
        b = 0.5 * (self.kp - 1.0)
        x = 2 * (p / self.k0_gpa) / (1.0 + np.sqrt(1.0 + 4 * b * p / self.k0_gpa))
        return nu0 * (1.0 + x)

    def slope(self, edge_cm1, nu0_cm1: float | None = None) -> float:
        """dP/dν (GPa per cm⁻¹) at the edge."""
        nu0 = self.nu0_cm1 if nu0_cm1 is None else nu0_cm1
        x = (float(edge_cm1) - nu0) / nu0
        return self.k0_gpa * (1.0 + (self.kp - 1.0) * x) / nu0

    def scale_err(self, edge_cm1, nu0_cm1: float | None = None) -> float:
        """σP (GPa) from the published errors of K0 and K0′ (taken as uncorrelated)."""
        nu0 = self.nu0_cm1 if nu0_cm1 is None else nu0_cm1
        x = (float(edge_cm1) - nu0) / nu0
        dk0 = x * (1.0 + 0.5 * (self.kp - 1.0) * x)
        dkp = 0.5 * self.k0_gpa * x * x
        return float(np.hypot(dk0 * self.k0_gpa_err, dkp * self.kp_err))


DIAMOND_SCALES: dict[str, EdgeScale] = {s.name: s for s in (
    EdgeScale("akahama2006", 547.0, 11.0, 3.75, 0.20, 1334.0, 310.0,
              "Akahama & Kawamura, J. Appl. Phys. 100, 043516 (2006): P = K0·x[1 + ½(K0'−1)x], "
              "x = Δν/ν0, K0 = 547(11) GPa, K0' = 3.75(20), ν0 = 1334 cm⁻¹; calibrated to 310 GPa."),
    EdgeScale("akahama2010", 547.0, 11.0, 3.75, 0.20, 1334.0, 410.0,
              "Akahama & Kawamura, J. Phys.: Conf. Ser. 215, 012195 (2010): the 2006 form and "
              "constants (K0 = 547(11) GPa, K0' = 3.75(20), ν0 = 1334 cm⁻¹) extended to 410 GPa."),
)}
DEFAULT_SCALE = "akahama2006"

#: Where the unstressed first-order line of the anvil's back lies (1332.5 cm⁻¹ at 300 K,
#: shifted a little by the spectrometer calibration).
UNSTRESSED_CM1 = (1322.0, 1345.0)
#: An edge must lie above the ambient edge and below 410 GPa on the 2010 scale (~1950 cm⁻¹).
EDGE_SEARCH_CM1 = (1325.0, 2100.0)
#: The derivative minimum must stand this many σ (of the smoothed derivative's noise) out
#: before a smoothing window is accepted; the smallest window that reaches it is used, so
#: the edge is blurred no more than the noise demands.
EDGE_SNR = 12.0
#: Below this the deepest derivative minimum is what noise alone gives over a few hundred
#: points (the extreme of ~100 independent normal values is ≈3σ): there is no edge.
MIN_EDGE_SNR = 6.0
#: Smoothing windows tried (cm⁻¹, full width); wider than ~40 cm⁻¹ the edge itself is averaged away.
WINDOWS_CM1 = (3.0, 4.0, 5.0, 7.0, 9.0, 12.0, 16.0, 20.0, 26.0, 34.0, 44.0)
#: A second step at least this fraction as steep as the edge, away from it: two anvils at
#: different stress, or a step of the sample's own spectrum — the edge is ambiguous.
SECOND_STEP_FRACTION = 0.6
N_BOOTSTRAP = 80
#: The edge of a good spectrum is read to ~1 cm⁻¹ (≈0.4 GPa at low pressure, ≲1 % at
#: 100–300 GPa; Akahama & Kawamura 2006 quote ±1–2 cm⁻¹ scatter). A larger error from the
#: noise alone means the spectrum does not support the usual precision.
MAX_EDGE_ERR_GPA = 0.5
MAX_EDGE_ERR_FRACTION = 0.015


def pressure_from_edge(edge_cm1, *, scale: str = DEFAULT_SCALE, nu0_cm1: float | None = None):
    """Pressure (GPa) from the edge frequency (cm⁻¹); vectorised.

    Parameters
    ----------
    edge_cm1 : float or array
        High-frequency edge of the stressed diamond band (Raman shift, cm⁻¹).
    scale : str
        A key of :data:`DIAMOND_SCALES`.
    nu0_cm1 : float, optional
        Ambient edge frequency of the same anvils; default the scale's ν0 (1334 cm⁻¹).

    Returns
    -------
    float or ndarray
        Pressure in GPa.
    """
    sc = get_diamond_scale(scale)
    return warn_outside(sc, sc.pressure(edge_cm1, nu0_cm1), "diamond-edge")


def edge_from_pressure(pressure_gpa, *, scale: str = DEFAULT_SCALE, nu0_cm1: float | None = None):
    """Edge frequency (cm⁻¹) at a pressure (GPa): exact inverse of :func:`pressure_from_edge`.

    Parameters
    ----------
    pressure_gpa : float or array
        Pressure (GPa).
    scale : str
        A key of :data:`DIAMOND_SCALES`.
    nu0_cm1 : float, optional
        Ambient edge frequency of the anvils; default the scale's ν0.

    Returns
    -------
    float or ndarray
        Edge frequency (Raman shift, cm⁻¹).
    """
    return get_diamond_scale(scale).edge(pressure_gpa, nu0_cm1)


def get_diamond_scale(name: str) -> EdgeScale:
    try:
        return DIAMOND_SCALES[str(name).lower()]
    except KeyError:
        raise InputError(f"unknown diamond-edge scale {name!r}; choose one of "
                         f"{', '.join(sorted(DIAMOND_SCALES))}") from None


@dataclass(frozen=True)
class DiamondEdgeFit(Judged):
    """Pressure from one stressed-diamond Raman spectrum."""

    source: str
    pressure_gpa: float
    pressure_gpa_err: float
    pressure_gpa_err_edge: float     # from the edge position only (scale error left out)
    edge_cm1: float
    edge_cm1_err: float
    scale: str
    nu0_cm1: float
    window_cm1: float                # full width of the smoothing (Savitzky–Golay) window
    edge_snr: float
    unstressed_cm1: float | None     # the anvil-back line, when found
    verdict: Verdict = Verdict()

    def to_dict(self) -> dict:
        """Every scalar result (the CLI picks its contract keys from these)."""
        return {"file": self.source, "pressure_gpa": self.pressure_gpa,
                "pressure_gpa_err": self.pressure_gpa_err,
                "pressure_gpa_err_edge": self.pressure_gpa_err_edge, "edge_cm1": self.edge_cm1,
                "edge_cm1_err": self.edge_cm1_err, "scale": self.scale, "nu0_cm1": self.nu0_cm1,
                "window_cm1": self.window_cm1, "edge_snr": self.edge_snr,
                "unstressed_cm1": self.unstressed_cm1, **self.verdict.to_dict()}


# --- axis -----------------------------------------------------------------------------------

def raman_shift_axis(spectrum: Spectrum, laser_nm: float | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """x as Raman shift (cm⁻¹), ascending, y, and notes on how the axis was read.

    A Raman-shift axis is used as is; wavelengths (nm) and absolute wavenumbers (cm⁻¹)
    need the laser line (``laser_nm`` or the file's ``laser_nm``). An axis said to be in nm
    whose values lie where the diamond band lies in cm⁻¹ (1000–2500, no laser given) is
    read as Raman shift, with a note.
    """
    pre = where(spectrum.source)
    x, y = np.asarray(spectrum.x, dtype=float), np.asarray(spectrum.y, dtype=float)
    notes: list[str] = []
    laser = laser_nm if laser_nm is not None else spectrum.metadata.get("laser_nm")
    if laser is not None and not (200.0 < float(laser) < 1200.0):
        raise InputError(f"{pre}laser wavelength {laser} nm is not a Raman laser line "
                         "(expected 200–1200 nm, e.g. 532)")
    unit = spectrum.x_unit
    if unit == "raman_cm-1":
        shift = x
    elif unit == "nm" and laser is not None and float(np.min(x)) > float(laser):
        shift = 1e7 / float(laser) - 1e7 / x
        notes.append(f"x read as wavelength and converted to Raman shift with a {float(laser):g} nm laser")
    elif unit == "cm-1" and laser is not None and float(np.max(x)) < 1e7 / float(laser):
        shift = 1e7 / float(laser) - x
        notes.append(f"x read as absolute wavenumber, shift from the {float(laser):g} nm laser line")
    elif unit in ("nm", "cm-1") and 900.0 <= float(np.min(x)) and float(np.max(x)) <= 3000.0:
        shift = x
        if unit == "nm":
            notes.append(f"x ({x[0]:.0f}–{x[-1]:.0f}) read as Raman shift in cm⁻¹: the diamond band "
                         "lies there, and no laser line was given to read it as nm")
    elif unit == "nm":
        raise InputError(f"{pre}x is in nm; give the laser line (--laser-nm, e.g. 532) to convert it "
                         "to Raman shift")
    else:
        raise InputError(f"{pre}x axis is in {unit}; the diamond edge needs Raman shift in cm⁻¹ "
                         "(or wavelengths with --laser-nm)")
    order = np.argsort(shift)
    shift, y = shift[order], y[order]
    lo, hi = EDGE_SEARCH_CM1
    if float(shift[-1]) < 1345.0 or float(shift[0]) > 1340.0:
        raise InputError(f"{pre}the spectrum spans {shift[0]:.0f}–{shift[-1]:.0f} cm⁻¹ Raman shift; the "
                         f"diamond band and its edge lie in {lo:.0f}–{hi:.0f} cm⁻¹ (wrong range, unit or laser?)")
    return shift, y, notes


def _uniform(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Resample to the median step when the axis is not evenly spaced (Savitzky–Golay needs it)."""
    step = float(np.median(np.diff(x)))
    if np.allclose(np.diff(x), step, rtol=0.02):
        return x, y
    grid = np.arange(x[0], x[-1] + 0.5 * step, step)
    return grid, np.interp(grid, x, y)


# --- the unstressed line -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Line:
    center: float
    fwhm: float
    curve: np.ndarray     # the fitted line alone (no background), on the spectrum's grid


def _unstressed_line(x: np.ndarray, y: np.ndarray, sigma: float) -> _Line | None:
    """The sharp first-order line of the anvil's unstressed back, fitted and returned, or None.

    It sits at the low-frequency foot of the stressed band, and its high-frequency flank is
    a steeper fall than the edge itself: left in, it would be taken for the edge at low
    pressure. A pseudo-Voigt on a straight local background describes it well enough to
    remove it before the derivative is taken.
    """
    inside = (x >= UNSTRESSED_CM1[0]) & (x <= UNSTRESSED_CM1[1])
    if inside.sum() < 5:
        return None
    step = float(np.median(np.diff(x)))
    i = int(np.flatnonzero(inside)[np.argmax(y[inside])])
    top = float(y[i])
    near = np.abs(x - x[i]) <= 25.0
    floor = float(np.percentile(y[near], 10))
    half = floor + 0.5 * (top - floor)
    j0, j1 = i, i
    while j0 > 0 and y[j0] > half:
        j0 -= 1
    while j1 < x.size - 1 and y[j1] > half:
        j1 += 1
    w0 = max(float(x[j1] - x[j0]), 2 * step)
    if top - floor < 8 * sigma or w0 > 15.0:
        return None
    # On its low side the line stands on the background; on its high side, at low pressure,
    # on the stressed band. Fit only close to it so a straight background is enough.
    win = np.abs(x - x[i]) <= max(2.0 * w0, 4 * step)
    xw, yw = x[win], y[win]

    def model(q, xx):
        return lineshapes.pseudo_voigt(xx, q[0], q[1], q[2], q[3]) + q[4] + q[5] * (xx - x[i])

    q0 = np.array([top - floor, x[i], w0, 0.5, floor, 0.0])
    lo = [0.0, x[i] - w0, 0.3 * step, 0.0, -np.inf, -np.inf]
    hi = [np.inf, x[i] + w0, 20.0, 1.0, np.inf, np.inf]
    try:
        sol = least_squares(lambda q: model(q, xw) - yw, q0, bounds=(lo, hi), x_scale="jac")
    except ValueError:
        return None
    amp, c, fwhm, eta = sol.x[:4]
    if not sol.success or amp < 8 * sigma or fwhm > 15.0:
        return None
    return _Line(center=float(c), fwhm=float(fwhm), curve=lineshapes.pseudo_voigt(x, amp, c, fwhm, eta))


# --- the edge -------------------------------------------------------------------------------

def _odd(n: float) -> int:
    k = max(5, int(round(n)))
    return k if k % 2 else k + 1


def _vertex(x: np.ndarray, d: np.ndarray, i: int) -> float:
    """Sub-pixel minimum of d near index i (parabola through three points)."""
    if i <= 0 or i >= d.size - 1:
        return float(x[i])
    a, b, c = d[i - 1], d[i], d[i + 1]
    den = a - 2 * b + c
    off = 0.5 * (a - c) / den if den > 0 else 0.0
    return float(x[i] + np.clip(off, -1, 1) * (x[i + 1] - x[i]))


def _minima(d: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Indices of local minima of d inside the mask."""
    idx = np.flatnonzero(keep[1:-1] & (d[1:-1] <= d[:-2]) & (d[1:-1] <= d[2:])) + 1
    return idx


def _pick_edge(x, d, keep, noise_d, min_sep):
    """The edge among the derivative minima: the highest-frequency one at least
    SECOND_STEP_FRACTION as deep as the deepest (the edge is the band's *high-frequency*
    end; the stressed band may have other, lower steps inside it)."""
    idx = _minima(d, keep)
    if idx.size == 0:
        return None, None
    deepest = float(np.min(d[idx]))
    strong = idx[(d[idx] <= SECOND_STEP_FRACTION * deepest) & (-d[idx] >= 5 * noise_d)]
    if strong.size == 0:
        strong = idx[[int(np.argmin(d[idx]))]]
    edge_i = int(strong[-1])
    # other strong steps, well away from the edge (more than one smoothing window)
    others = [int(j) for j in strong if abs(x[j] - x[edge_i]) > min_sep]
    return edge_i, others


def _locate(x, y, keep, sigma):
    """Smallest Savitzky–Golay window whose derivative minimum stands EDGE_SNR σ out."""
    step = float(np.median(np.diff(x)))
    best = None
    for width in WINDOWS_CM1:
        n = _odd(width / step)
        if n >= x.size // 2:
            break
        d = savgol_filter(y, n, 2, deriv=1, delta=step, mode="interp")
        noise_d = sigma * savgol_noise_gain(n, 2, deriv=1, delta=step)
        i, others = _pick_edge(x, d, keep, noise_d, n * step)
        if i is None:
            continue
        snr = -float(d[i]) / noise_d if noise_d > 0 else np.inf
        best = (n, d, i, others, snr, noise_d)
        if snr >= EDGE_SNR:
            break
    return best


#: Below the edge the stressed band's smoothed intensity stays at least this fraction of the
#: edge's height (both above the level beyond the edge): the stress falls continuously from
#: the culet into the anvil, so the band covers every shift from the unstressed line up to
#: the edge (Akahama & Kawamura, J. Appl. Phys. 96, 3748 (2004); 0.3–0.45 in
#: :func:`simulate_diamond_edge`, more where the band rises towards the unstressed line). An
#: isolated line falls back to that level (ethanol's 1454 cm⁻¹ line: −0.57, read as 58 GPa, ok).
BAND_MIN_FRACTION = 0.1


def _isolated_line(x, smooth, keep, edge, window) -> float | None:
    """Where the smoothed band below ``edge`` drops to the level beyond it (the fall is then
    the flank of an isolated line, :data:`BAND_MIN_FRACTION`), or None. Not judged when the
    band between the search start and four windows below the edge, or the level beyond it,
    is not measured (low pressure: the edge beside the unstressed line)."""
    beyond = smooth[(x >= edge + 2 * window) & (x <= edge + 5 * window)]
    top = smooth[(x >= edge - 2 * window) & (x <= edge)]
    below = keep & (x <= edge - 4 * window)
    if not (beyond.size and top.size and below.any()):
        return None
    level, height = float(np.median(beyond)), float(np.max(top)) - float(np.median(beyond))
    band = smooth[below]
    k = int(np.argmin(band))
    if height > 0 and band[k] - level < BAND_MIN_FRACTION * height:
        return float(x[below][k])
    return None


def _analyse(x, y, sc: EdgeScale, nu0: float, source: str, notes: list[str], seed=0):
    pre = where(source)
    x, y = _uniform(x, y)
    step = float(np.median(np.diff(x)))
    sigma = white_noise_sigma(y, order=2)
    if sigma <= 0:
        sigma = float(np.std(np.diff(y, 2))) / np.sqrt(6) or 1e-12 * max(1.0, float(np.max(np.abs(y))))
    line = _unstressed_line(x, y, sigma)
    work = y - line.curve if line is not None else y
    lo = EDGE_SEARCH_CM1[0]
    if line is not None:
        # the removed line's flank leaves a residue within about one FWHM of its centre
        lo = max(lo, line.center + max(1.0 * line.fwhm, 2 * step))
    keep = (x >= lo) & (x <= EDGE_SEARCH_CM1[1])
    if keep.sum() < 5:
        raise InputError(f"{pre}no part of the spectrum lies above the unstressed diamond line; "
                         "the edge cannot be searched")
    found = _locate(x, work, keep, sigma)
    if found is None:
        raise InputError(f"{pre}no falling edge found above {lo:.0f} cm⁻¹: is this a stressed-diamond "
                         "Raman spectrum?")
    n, d, i, others, snr, noise_d = found
    if snr < MIN_EDGE_SNR:
        raise InputError(f"{pre}no falling edge stands out of the noise above {lo:.0f} cm⁻¹ (the steepest "
                         f"fall is {snr:.1f} σ of the derivative's noise): no stressed diamond band, or "
                         "far too weak a spectrum")
    edge = _vertex(x, d, i)
    # Wild bootstrap of the residuals from a smooth version of the data: the spread of the
    # edge over resamples is its standard error (it includes the noise of the window choice's
    # derivative and works for Poisson-like noise that changes along the band).
    smooth = savgol_filter(work, n, 3, mode="interp")
    resid = work - smooth
    rng = np.random.default_rng(seed)
    near = keep & (np.abs(x - edge) <= 3 * n * step)
    reps = []
    for _ in range(N_BOOTSTRAP):
        yb = smooth + resid * rng.choice((-1.0, 1.0), resid.size)
        db = savgol_filter(yb, n, 2, deriv=1, delta=step, mode="interp")
        j = int(np.flatnonzero(near)[np.argmin(db[near])])
        reps.append(_vertex(x, db, j))
    # Smoothing moves the minimum of an asymmetric step (a band that rises or falls into its
    # edge): the shift between this window and its neighbours is a systematic error.
    shifts = []
    for m in (n - 2 * max(1, n // 6), n + 2 * max(1, n // 6)):
        if 5 <= m < x.size // 2:
            dm = savgol_filter(work, m, 2, deriv=1, delta=step, mode="interp")
            j = int(np.flatnonzero(near)[np.argmin(dm[near])])
            shifts.append(abs(_vertex(x, dm, j) - edge))
    window_sys = max(shifts) if shifts else 0.0
    # the parabola vertex cannot place a minimum better than a tenth of a pixel
    edge_err = float(np.sqrt(np.var(reps) + window_sys**2 + (0.1 * step) ** 2))
    pressure = float(sc.pressure(edge, nu0))
    p_edge = abs(sc.slope(edge, nu0)) * edge_err
    p_err = float(np.hypot(p_edge, sc.scale_err(edge, nu0)))

    doubts, info = [], list(notes)
    info.append(f"edge = derivative minimum, Savitzky–Golay window {n * step:.1f} cm⁻¹ "
                f"({n} points), {snr:.0f} σ deep")
    if line is not None:
        info.append(f"unstressed anvil line at {line.center:.1f} cm⁻¹ (FWHM {line.fwhm:.1f}) removed")
    if snr < EDGE_SNR:
        doubts.append(f"the edge is only {snr:.1f} σ above the derivative's noise even with a "
                      f"{n * step:.0f} cm⁻¹ window: longer exposure needed")
    if others:
        where_o = ", ".join(f"{x[j]:.0f}" for j in others[:3])
        doubts.append(f"another step as steep as the edge at {where_o} cm⁻¹: two anvils at different "
                      "stress, or a band of the sample — check which is the culet edge")
    if line is not None and edge - line.center < 2.0 * max(line.fwhm, 2 * step):
        doubts.append(f"the edge ({edge:.1f} cm⁻¹) is not separated from the unstressed line at "
                      f"{line.center:.1f} cm⁻¹: below a few GPa this gauge does not resolve the pressure")
    if float(x[-1]) - edge < 2 * n * step:
        doubts.append(f"the spectrum ends {x[-1] - edge:.0f} cm⁻¹ above the edge: the fall may be cut")
    if p_edge > max(MAX_EDGE_ERR_GPA, MAX_EDGE_ERR_FRACTION * abs(pressure)):
        doubts.append(f"the edge is poorly located (±{edge_err:.1f} cm⁻¹, ±{p_edge:.2f} GPa from the edge "
                      "alone): too little signal at the edge for this gauge's usual precision")
    floor_at = _isolated_line(x, smooth, keep, edge, n * step)
    if floor_at is not None:
        doubts.append(f"the fall at {edge:.0f} cm⁻¹ is the high side of an isolated line: below it the signal "
                      f"drops back to the level above the edge (at {floor_at:.0f} cm⁻¹), whereas a stressed "
                      "anvil gives one continuous band from the unstressed line up to its edge — a Raman line "
                      "of the sample or pressure medium, or no diamond in the spectrum")
    if pressure > sc.max_pressure_gpa:
        doubts.append(f"{pressure:.0f} GPa is beyond the {sc.name} scale's calibrated range "
                      f"(≤ {sc.max_pressure_gpa:g} GPa): extrapolated")
    if pressure < -0.5:
        doubts.append(f"edge {edge:.1f} cm⁻¹ is below the ambient edge ν0 = {nu0:g} cm⁻¹: "
                      "check the spectrometer calibration or ν0")
    return dict(edge=edge, edge_err=edge_err, pressure=pressure, p_err=p_err, p_edge=p_edge,
                window=n * step, snr=snr, line=line, verdict=Verdict.from_checks(doubts, info))


def fit_diamond_edge(spectra: Spectrum | Sequence[Spectrum], *, scale: str = DEFAULT_SCALE,
                     laser_nm: float | None = None, nu0_cm1: float | None = None):
    """Locate the stressed-diamond Raman edge and convert it to pressure.

    The edge is the minimum of the first derivative of the spectrum (Savitzky–Golay,
    quadratic, the narrowest window whose minimum stands out of the noise), searched above
    the unstressed anvil line, which is fitted and removed first. Its error is the spread
    over a wild bootstrap of the residuals; the pressure error adds the scale's own (K0, K0′).

    Parameters
    ----------
    spectra : Spectrum or sequence of Spectrum
        Raman spectra (x in Raman shift, or wavelength/absolute wavenumber with the laser).
    scale : str
        ``"akahama2006"`` (default) or ``"akahama2010"``.
    laser_nm : float, optional
        Laser wavelength, when x is in nm or absolute cm⁻¹ (else the file's ``laser_nm``).
    nu0_cm1 : float, optional
        Ambient edge of the same anvils (default the scale's 1334 cm⁻¹).

    Returns
    -------
    DiamondEdgeFit, or a list of DiamondEdgeFit / Failure for a sequence.

    Examples
    --------
    >>> s = simulate_diamond_edge(60.0, seed=2)
    >>> r = fit_diamond_edge(s)
    >>> abs(r.pressure_gpa - 60.0) < 1.0
    True
    """
    sc = get_diamond_scale(scale)
    nu0 = sc.nu0_cm1 if nu0_cm1 is None else float(nu0_cm1)
    if not (1300.0 < nu0 < 1360.0):
        raise InputError(f"nu0_cm1 = {nu0} cm⁻¹ is not the ambient diamond edge (expected ≈1334)")
    single = isinstance(spectra, Spectrum)
    batch: list[Spectrum] = [spectra] if isinstance(spectra, Spectrum) else list(spectra)
    out: list = []
    for s in batch:
        try:
            x, y, notes = raman_shift_axis(s, laser_nm)
            r = _analyse(x, y, sc, nu0, s.source, notes)
            line = r["line"]
            out.append(DiamondEdgeFit(
                source=s.source, pressure_gpa=r["pressure"], pressure_gpa_err=r["p_err"],
                pressure_gpa_err_edge=float(r["p_edge"]), edge_cm1=float(r["edge"]),
                edge_cm1_err=r["edge_err"], scale=sc.name, nu0_cm1=nu0, window_cm1=float(r["window"]),
                edge_snr=float(r["snr"]), unstressed_cm1=None if line is None else line.center,
                verdict=r["verdict"]))
        except DackitError as exc:
            if single:
                raise
            out.append(Failure.from_exception(s.source, exc))
    return out[0] if single else out


def simulate_diamond_edge(pressure_gpa: float, *, scale: str = DEFAULT_SCALE, step_cm1: float = 1.0,
                          band_counts: float = 2000.0, line_counts: float = 6000.0,
                          resolution_cm1: float = 3.0, background: tuple[float, float] = (400.0, -0.2),
                          seed=None, source: str = "") -> Spectrum:
    """A stressed-anvil Raman spectrum: a band from the unstressed line up to the edge.

    The band's intensity rises towards the edge (the stressed culet region dominates in a
    confocal measurement) and falls at the edge; the sharp unstressed line sits at
    1332.5 cm⁻¹; a Gaussian instrument function, a sloping background, Poisson noise.

    Parameters
    ----------
    pressure_gpa : float
        True pressure (GPa); the edge is put where ``scale`` places it.
    scale : str
        A key of :data:`DIAMOND_SCALES`.
    step_cm1 : float
        Spacing of the Raman-shift axis (cm⁻¹); the axis runs from 1200 cm⁻¹ to 250 cm⁻¹
        above the edge (at least to 1600 cm⁻¹).
    band_counts : float
        Peak counts of the stressed band (at the edge, before smoothing).
    line_counts : float
        Peak counts of the unstressed 1332.5 cm⁻¹ line.
    resolution_cm1 : float
        FWHM of the Gaussian instrument function (cm⁻¹).
    background : (float, float)
        Background counts at the first point and its slope (counts per cm⁻¹).
    seed : int or numpy Generator, optional
        Seed of the Poisson noise (``numpy.random.default_rng``).
    source : str
        Name given to the spectrum.

    Returns
    -------
    Spectrum
        Raman shift axis (``raman_cm-1``); metadata ``simulated``, ``true_pressure_gpa``
        and ``true_edge_cm1``.
    """
    rng = np.random.default_rng(seed)
    edge = float(edge_from_pressure(pressure_gpa, scale=scale))
    x = np.arange(1200.0, max(edge + 250.0, 1600.0), step_cm1)
    fine = np.arange(x[0] - 20, x[-1] + 20, step_cm1 / 8)
    t = np.clip((fine - 1332.5) / max(edge - 1332.5, 1e-6), 0, None)
    band = np.where((t > 0) & (t <= 1), 0.3 + 0.7 * t**1.5, 0.0)
    sig = resolution_cm1 / 2.3548 / (step_cm1 / 8)
    k = np.arange(-int(5 * sig) - 1, int(5 * sig) + 2)
    kern = np.exp(-0.5 * (k / sig) ** 2)
    band = np.convolve(band, kern / kern.sum(), mode="same")
    band = np.interp(x, fine, band)
    lw = max(resolution_cm1, 2.0)
    mean = (band_counts * band + line_counts * lineshapes.pseudo_voigt(x, 1.0, 1332.5, lw, 0.5)
            + background[0] + background[1] * (x - x[0]))
    y = rng.poisson(np.clip(mean, 0, None)).astype(float)
    return make_spectrum(x, y, x_unit="raman_cm-1",
                         metadata={"simulated": True, "true_pressure_gpa": float(pressure_gpa),
                                   "true_edge_cm1": edge}, source=source)
