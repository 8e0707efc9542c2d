"""Photoluminescence peaks: baseline removal, fit in energy space, and a PL simulator.

Steps of :func:`fit_pl` (and, batched, :func:`fit_pl_series`):

1. Subtract a dark spectrum if given, then a baseline from :data:`BASELINES`. Default
   ``"imodpoly"`` — a straight line fitted iteratively to the points below it (improved
   modified polyfit, Zhao, Lui, McLean & Zeng, Appl. Spectrosc. 61, 1225 (2007), via
   pybaselines). Why: a nanocrystal PL band (FWHM ≈ 50 nm) often fills half of the recorded
   window; window-based baselines (SNIP, rolling ball) and smoothness-penalised ones (AsLS)
   need a scale wider than the band and then bend into it, while a low-order polynomial
   through the points under the band follows the dark offset and stray-light slope only.
   ``"snip"`` (Ryan et al., NIM B 34, 396 (1988)) and ``"asls"`` (Eilers & Boelens, 2005)
   are there for narrow bands on curved backgrounds; ``"none"`` for corrected data.
2. Convert to energy with the Jacobian I(E) = I(λ)·λ²/hc
   (:func:`dackit.core.units.intensity_per_nm_to_per_ev`; Mooney & Kambhampati, J. Phys.
   Chem. Lett. 4, 3316 (2013)): the band is symmetric in energy, not in wavelength.
3. Fit Gaussian or pseudo-Voigt peaks (plus a constant for what the baseline left) in energy
   with the batched engine :func:`dackit.core.fitting.fit_batch`.
4. Report the band-edge peak — the highest-energy component (trap emission lies below the
   gap). Its energy (``peak="top"``, default) comes from a Gaussian refit of the band's top,
   ±0.5 FWHM around the whole-band centre: identical to the centre for a symmetric band,
   much closer to the maximum of a band skewed by the size distribution; ``peak="center"``
   keeps the whole-band centre. Also: the maximum in *wavelength* space (where a wavelength
   spectrometer shows it; not hc/E_peak, because of the Jacobian), the FWHM in meV and nm
   and the integrated intensity ∫I dE = ∫I dλ (units of y × nm) of the whole-band fit.

:func:`simulate_pl` is the forward model: an energy-space band E(P) = E0 + αP + βP², its
intensity falling with pressure, optional trap emission, seen by a wavelength-linear
spectrometer with dark offset, shot and read noise.

>>> s = simulate_pl(2.0, seed=0)
>>> f = fit_pl(s)
>>> abs(f.peak_ev - s.metadata["truth"]["peak_ev"]) < 0.001
True
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike
from scipy import signal

from dackit.core.fitting import FitResult, PeakModel, fit_batch, guess_peaks
from dackit.core.lineshapes import SHAPES
from dackit.core.noise import local_noise_sigma, savgol_noise_gain, white_noise_sigma
from dackit.core.quality import Judged, Verdict
from dackit.core.spectrum import Spectrum, clipped_top, despike, make_spectrum, wavelength_axis
from dackit.core.units import HC_EV_NM, intensity_per_nm_to_per_ev
from dackit.errors import FitError, InputError, where

# --------------------------------------------------------------------------- baselines


def _bl_imodpoly(x, y):
    from pybaselines import Baseline

    return Baseline(x).imodpoly(y, poly_order=1)[0]


def _bl_snip(x, y):
    from pybaselines import Baseline

    return Baseline(x).snip(y, max_half_window=max(3, y.size // 4), decreasing=True)[0]


def _bl_asls(x, y):
    from pybaselines import Baseline

    return Baseline(x).asls(y, lam=1e7, p=0.01)[0]


def _bl_none(x, y):
    return np.zeros_like(y)


#: baseline name → function(x, y) → baseline; see the module docstring for the choice
BASELINES = {"imodpoly": _bl_imodpoly, "snip": _bl_snip, "asls": _bl_asls, "none": _bl_none}


#: An end of the spectrum is *cut* (the band has not returned to its baseline there: an edge or
#: long-pass filter, the detector's range) when, over its outer TRUNCATION_END_FRACTION of the
#: points, the smoothed signal still rises toward the band by more than TRUNCATION_RISE of the
#: band's height. A band's wing that has come down to the baseline is flat there (a Gaussian
#: wing beyond 3σ changes by < 3 % of the height over that stretch), and so is a stray-light
#: slope (a few per cent); a band cut at 2σ (13 % of its height) rises by more than 10 %.
TRUNCATION_END_FRACTION = 0.08
TRUNCATION_RISE = 0.10


def _whole_spectrum_window(n: int) -> int:
    """Savitzky–Golay window (odd, ≥ 5 points) for smoothing a whole spectrum: a thirtieth of
    it, narrow against any band that fills a good part of the window."""
    return max(5, (n // 30) | 1)


def truncated_ends(wavelength_nm, intensity) -> dict:
    """Ends of a spectrum where an emission band is cut before it returns to the baseline.

    Parameters
    ----------
    wavelength_nm : array_like
        Wavelengths, ascending.
    intensity : array_like
        The spectrum (dark subtracted or not; only shapes are compared).

    Returns
    -------
    dict
        ``{"blue": fraction, "red": fraction}`` for the cut ends only, each with how much
        the smoothed signal still rises over the end's stretch toward the band, as a fraction
        of the band's height. Empty when the band comes down at both ends.

    Examples
    --------
    >>> x = np.linspace(480, 600, 121)
    >>> truncated_ends(x, np.exp(-0.5 * ((x - 500) / 12) ** 2))
    {'blue': 0.411}
    """
    x = np.asarray(wavelength_nm, float)
    y = np.asarray(intensity, float)
    n = y.size
    if n < 20:
        return {}
    ys = signal.savgol_filter(y, _whole_spectrum_window(n), 2)
    height = float(np.ptp(ys))
    if not height > 0:
        return {}
    m = max(5, int(round(TRUNCATION_END_FRACTION * n)))
    out = {}
    for name, seg, inward in (("blue", slice(0, m), 1.0), ("red", slice(n - m, n), -1.0)):
        slope = float(np.polyfit(x[seg], ys[seg], 1)[0])
        rise = inward * slope * float(np.ptp(x[seg]))        # rise toward the band's interior
        if rise > TRUNCATION_RISE * height:
            out[name] = round(rise / height, 3)
    return out


def _far_side_baseline(x, y, cut: dict) -> np.ndarray:
    """The baseline from the side of the band that comes down: the default imodpoly line
    fitted to the outer half of the points between the band's maximum and the uncut end, where it settles on
    the wing's foot and the stray-light slope; through a cut end it would be anchored on the
    band itself (or on a filter's edge) and tilt under the band. Both ends cut: the lowest
    smoothed level, a constant."""
    from pybaselines import Baseline

    ys = signal.savgol_filter(y, _whole_spectrum_window(y.size), 2)
    top = int(np.argmax(ys))
    if "blue" in cut and "red" in cut:
        return np.full_like(y, float(np.min(ys)))
    # the outer half of the far side: nearer the maximum the wing itself would tilt the line
    mid = (top + y.size) // 2 if "blue" in cut else top // 2
    side = slice(mid, None) if "blue" in cut else slice(0, mid + 1)
    if x[side].size < 5 or np.ptp(x[side]) <= 0:
        return np.full_like(y, float(np.min(ys)))
    fitter = Baseline(x[side])
    _, params = fitter.imodpoly(y[side], poly_order=1, return_coef=True)
    line = np.polynomial.Polynomial(params["coef"])(x)
    if line[top] >= ys[top]:
        # the far side is band too (a plateau filling the window): no baseline is measured
        # there, and its line carried across would remove the band; the line through the
        # whole spectrum is then no worse (the band's width check judges such a plateau)
        return _bl_imodpoly(x, y)
    return line


def remove_baseline(spectrum: Spectrum, method: str = "imodpoly", *, dark=None) -> tuple[np.ndarray, np.ndarray]:
    """(corrected y, subtracted baseline) of ``spectrum`` after an optional dark spectrum.

    With the default ``"imodpoly"``, when the band is cut at an end of the spectrum
    (:func:`truncated_ends`) the line is fitted to the outer half of the side where the band
    comes down: through the cut end it would be anchored on the band itself and tilt under
    it (see ``_far_side_baseline`` for the plateau and both-ends cases).

    Parameters
    ----------
    spectrum : Spectrum
        A PL spectrum.
    method : str, default 'imodpoly'
        A key of :data:`~dackit.optics.pl.BASELINES`.
    dark : Spectrum, array_like or float, optional
        Dark spectrum or constant subtracted first.
    """
    pre = where(spectrum.source)
    if method not in BASELINES:
        raise InputError(f"{pre}baseline: use one of {', '.join(BASELINES)}, not {method!r}")
    y = np.asarray(spectrum.y, float)
    sub = np.zeros_like(y)
    if dark is not None:
        d = np.asarray(dark.y if isinstance(dark, Spectrum) else dark, float)
        if isinstance(dark, Spectrum) and (dark.x.size != spectrum.x.size or
                                           not np.allclose(dark.x, spectrum.x)):
            d = np.interp(spectrum.x, dark.x, dark.y)
        if d.size == 1:
            d = np.full_like(y, float(d))
        if d.shape != y.shape:
            raise InputError(f"{pre}dark has {d.size} points but the spectrum {y.size}")
        sub = sub + d
    x = np.asarray(spectrum.x, float)
    cut = truncated_ends(x, y - sub) if method == "imodpoly" else {}
    base = _far_side_baseline(x, y - sub, cut) if cut else BASELINES[method](x, y - sub)
    return y - sub - base, sub + base


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PLPeak:
    """One fitted component in energy space."""

    center_ev: float
    center_ev_err: float
    fwhm_mev: float
    fwhm_mev_err: float
    amplitude: float            # peak height of the per-eV density
    amplitude_err: float
    area: float                 # ∫ I dE (= ∫ I dλ), y-units × nm
    area_err: float
    eta: float                  # Lorentzian fraction (0 for a Gaussian)


@dataclass(frozen=True)
class PLFit(Judged):
    """PL analysis of one spectrum; ``peaks`` sorted by energy, band edge = ``peaks[-1]``."""

    source: str
    pressure_gpa: float
    peak_ev: float
    peak_ev_err: float
    peak_nm: float
    peak_nm_err: float
    fwhm_mev: float
    fwhm_mev_err: float
    fwhm_nm: float
    area: float
    area_err: float
    peak_method: str            # "top" (refit of the band's top) or "center" (whole-band centre)
    redchi: float
    peaks: tuple
    fit: FitResult = field(repr=False)
    wavelength_nm: np.ndarray = field(repr=False)
    intensity_nm: np.ndarray = field(repr=False)     # baseline-removed, per nm
    baseline_nm: np.ndarray = field(repr=False)
    energy_ev: np.ndarray = field(repr=False)
    intensity_ev: np.ndarray = field(repr=False)     # baseline-removed, per eV
    verdict: Verdict = field(default_factory=Verdict)
    #: ends where the band is cut before reaching its baseline ("blue"/"red" → level there
    #: as a fraction of the band's height); area and colour are then not the band's
    truncated: dict = field(default_factory=dict)


    def model_ev(self, energy_ev=None) -> np.ndarray:
        """Fitted curve (per eV) on ``energy_ev`` (default: the data's energies)."""
        return self.fit.eval(self.energy_ev if energy_ev is None else np.asarray(energy_ev, float))

    def model_nm(self, wavelength_nm=None) -> np.ndarray:
        """Fitted peaks (without the fit's constant) as a per-nm density on ``wavelength_nm``."""
        wl = self.wavelength_nm if wavelength_nm is None else np.asarray(wavelength_nm, float)
        comps = self.fit.components(HC_EV_NM / wl)
        peaks = sum(v for k, v in comps.items() if k.startswith("peak"))
        return peaks * HC_EV_NM / wl ** 2

    def emission_nm(self) -> np.ndarray:
        """Measured emission per nm with the baseline and the fit's residual constant removed
        (what the colour is computed from)."""
        b = self.fit.components(self.energy_ev).get("baseline")
        if b is None:
            return self.intensity_nm
        # the constant was fitted per eV; back to per nm on the wavelength grid
        resid_nm = np.interp(HC_EV_NM / self.wavelength_nm, self.energy_ev, b) * HC_EV_NM / self.wavelength_nm ** 2
        return self.intensity_nm - resid_nm

    def to_dict(self) -> dict:
        """The scalar results of the fit, each value with its ``_err``."""
        return {"file": self.source, "pressure_gpa": self.pressure_gpa, "peak_ev": self.peak_ev,
                "peak_ev_err": self.peak_ev_err, "peak_nm": self.peak_nm, "fwhm_mev": self.fwhm_mev,
                "area": self.area, "peak_nm_err": self.peak_nm_err, "fwhm_nm": self.fwhm_nm,
                "fwhm_mev_err": self.fwhm_mev_err, "area_err": self.area_err, "redchi": self.redchi,
                **self.verdict.to_dict()}


@dataclass(frozen=True)
class PLSeries:
    """Fits of a series; ``fits[i]`` is None where ``errors[i]`` says why it failed."""

    fits: tuple
    errors: tuple
    sources: tuple
    pressures_gpa: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        return np.array([f is not None for f in self.fits], bool)

    def to_frame(self):
        import pandas as pd

        rows = []
        for f, err, src, p in zip(self.fits, self.errors, self.sources, self.pressures_gpa):
            if f is None:
                rows.append({"file": src, "pressure_gpa": p, "error": err})
            else:
                rows.append(f.to_dict())
        return pd.DataFrame(rows)


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class _Prepared:
    source: str
    truncated: dict
    wavelength_nm: np.ndarray
    intensity_nm: np.ndarray
    baseline_nm: np.ndarray
    energy_ev: np.ndarray
    intensity_ev: np.ndarray
    sigma_ev: np.ndarray
    #: note on constant padding left out at the ends (see :func:`drop_padding`), or ""
    padding: str = ""
    #: note on cosmic-ray spikes replaced (see :func:`~dackit.core.spectrum.despike`), or ""
    spikes: str = ""


#: a run of identical values at an end at least this long is padding, not a measurement
MIN_PADDING_RUN = 5


def drop_padding(spectrum: Spectrum) -> tuple[Spectrum, str]:
    """``spectrum`` without the constant runs at its ends, and a note saying what was left out.

    Tabulated spectra (dye databases, vendors' spectrum viewers, digitised figures) pad the
    range outside the measured band with one repeated value, often 0. A detector never
    repeats a value exactly over several pixels (its noise sees to that), so such a run
    carries no measurement: kept, its zero scatter makes its points weigh without limit in
    the fit (white-noise σ from differences is 0 there) and the step where the padding meets
    the data passes for a band edge.

    Parameters
    ----------
    spectrum : Spectrum
        A PL spectrum, x ascending.

    Returns
    -------
    (Spectrum, str)
        The trimmed spectrum (unchanged when no end run reaches ``MIN_PADDING_RUN`` points
        or fewer than 10 points would be left) and a note ("" when nothing was dropped).

    Examples
    --------
    >>> x = np.arange(400.0, 700.0)
    >>> y = np.where(np.abs(x - 550) < 60, np.exp(-0.5 * ((x - 550) / 20) ** 2), 0.0)
    >>> trimmed, note = drop_padding(Spectrum(x, y))
    >>> float(trimmed.x[0]), float(trimmed.x[-1])
    (491.0, 609.0)
    """
    y = np.asarray(spectrum.y, float)
    n = y.size

    def run(values) -> int:
        same = values == values[0]
        return n if same.all() else int(np.argmin(same))

    lead, trail = run(y), run(y[::-1])
    lead = lead if lead >= MIN_PADDING_RUN else 0
    trail = trail if trail >= MIN_PADDING_RUN else 0
    if not (lead or trail) or n - lead - trail < 10:
        return spectrum, ""
    kept = slice(lead, n - trail)
    x = np.asarray(spectrum.x, float)
    parts = []
    if lead:
        parts.append(f"{lead} points {x[0]:.1f}-{x[lead - 1]:.1f} nm all = {y[0]:.4g}")
    if trail:
        parts.append(f"{trail} points {x[n - trail]:.1f}-{x[-1]:.1f} nm all = {y[-1]:.4g}")
    note = ("constant padding left out (" + "; ".join(parts) + "): a repeated value is not a "
            "measurement; the band is analysed on the rest")
    return replace(spectrum, x=x[kept], y=y[kept]), note


def _noise_sigma(y) -> float:
    return white_noise_sigma(y, order=1) if np.size(y) > 3 else 0.0


def _prepare(spectrum: Spectrum, *, baseline: str, dark, window_nm) -> _Prepared:
    if not isinstance(spectrum, Spectrum):
        raise InputError(f"spectrum: expected a dackit Spectrum, got {type(spectrum).__name__}")
    pre = where(spectrum.source)
    s = wavelength_axis(spectrum, "PL", density=True)
    if s.x_unit == "eV":
        s = replace(s, x=HC_EV_NM / s.x[::-1], y=s.y[::-1] * s.x[::-1] ** 2 / HC_EV_NM, x_unit="nm")
    elif s.x_unit != "nm":
        raise InputError(f"{pre}PL needs x in nm or eV, not {s.x_unit!r}; calibrate the spectrometer axis")
    if s.x[0] <= 0:
        raise InputError(f"{pre}wavelengths must be positive nm")
    if window_nm is not None:
        s = s.crop(*window_nm)
        if len(s) < 10:
            raise InputError(f"{pre}window_nm {window_nm} keeps only {len(s)} points")
    s, padding = drop_padding(s)
    clean, spikes = despike(s.x, s.y, noise=_noise_sigma(s.y))
    s = replace(s, y=clean)
    y_nm, base = remove_baseline(s, baseline, dark=dark)
    sigma = _noise_sigma(y_nm)
    # a band is real when its smoothed maximum stands 6 σ above zero, σ being the noise left
    # after smoothing (white noise × the filter's gain √Σc²); pure noise rarely passes 4 σ
    win = _whole_spectrum_window(y_nm.size)
    if win >= y_nm.size:
        win = (y_nm.size - 2) | 1
    smooth = signal.savgol_filter(y_nm, win, 2)
    sigma_smooth = sigma * savgol_noise_gain(win, 2)
    if not np.max(smooth) > 6 * max(sigma_smooth, 1e-300):
        raise InputError(f"{pre}no PL peak: no emission peak above the noise; the largest smoothed signal "
                         f"({np.max(smooth):.3g}) is below 6× its noise ({sigma_smooth:.3g}); check the exposure, "
                         "the spectral range or the file")
    n_clipped = clipped_top(s.y, rise_min=6 * sigma)
    if n_clipped:
        # a flat-topped band has no top to find: its centre and width would be guesses
        raise InputError(f"{pre}the PL band is saturated ({n_clipped} pixels at {np.max(s.y):g} counts); "
                         "measure again with a shorter exposure or lower excitation power")
    e = HC_EV_NM / s.x[::-1]
    y_e = intensity_per_nm_to_per_ev(s.x, y_nm)[::-1]
    # point noise from the local scatter of neighbours (shot noise makes it larger on the
    # band than on the baseline), carried through the same Jacobian: the fit is weighted
    # like a Poisson-limited measurement and χ²_ν is near 1 for a good fit
    sig_e = intensity_per_nm_to_per_ev(s.x, local_noise_sigma(y_nm, sigma))[::-1]
    return _Prepared(source=s.source, truncated=truncated_ends(s.x, s.y), wavelength_nm=s.x,
                     intensity_nm=y_nm, baseline_nm=base,
                     energy_ev=e, intensity_ev=y_e, sigma_ev=sig_e, padding=padding,
                     spikes=spikes or "")


def _finish(prep: _Prepared, fr, model: PeakModel, pressure, top=None) -> PLFit:
    pre = where(prep.source)
    if not fr.success:
        raise FitError(f"{pre}PL fit failed ({fr.message}); try another baseline, shape or window")
    shape = SHAPES[model.shape]
    comps = []
    cov = fr.covar
    names = model.param_names
    pos = {n: i for i, n in enumerate(names)}
    for i in range(model.n_peaks):
        sfx = "" if model.shared_width else str(i)
        a, c, w = fr.params[f"amplitude{i}"], fr.params[f"center{i}"], fr.params["fwhm" + sfx]
        eta = fr.params.get("eta" + sfx, 0.0)
        idx = [pos[f"amplitude{i}"], pos["fwhm" + sfx]] + ([pos["eta" + sfx]] if "eta" + sfx in pos else [])
        area = float(shape.area(a, w, eta)) if "eta" + sfx in pos else float(shape.area(a, w))
        # area error by the delta method with a numerical gradient of the area formula
        grad = []
        vals = [a, w] + ([eta] if len(idx) == 3 else [])
        for k in range(len(vals)):
            h = 1e-6 * max(abs(vals[k]), 1e-12)
            up, dn = list(vals), list(vals)
            up[k] += h
            dn[k] -= h
            grad.append((float(shape.area(*up)) - float(shape.area(*dn))) / (2 * h))
        grad = np.array(grad)
        sub = cov[np.ix_(idx, idx)]
        area_err = float(np.sqrt(max(grad @ sub @ grad, 0))) if np.all(np.isfinite(sub)) else float("nan")
        comps.append((i, PLPeak(center_ev=c, center_ev_err=fr.stderr[f"center{i}"], fwhm_mev=w * 1e3,
                            fwhm_mev_err=fr.stderr["fwhm" + sfx] * 1e3, amplitude=a,
                            amplitude_err=fr.stderr[f"amplitude{i}"], area=area, area_err=area_err,
                            eta=float(eta))))
    comps.sort(key=lambda ip: ip[1].center_ev)
    i_main, main = comps[-1]
    comps = [pk for _, pk in comps]
    e_lo, e_hi = prep.energy_ev[0], prep.energy_ev[-1]
    if not (e_lo <= main.center_ev <= e_hi):
        raise InputError(f"{pre}no PL peak inside the spectrum: the fit put it at {main.center_ev:.3f} eV, "
                         f"outside {e_lo:.3f}–{e_hi:.3f} eV")
    if not (main.amplitude > 0 and main.amplitude > 3 * main.amplitude_err):
        raise InputError(f"{pre}no significant PL peak (height {main.amplitude:.3g} ± "
                         f"{main.amplitude_err:.3g}): noise, or no band one peak shape describes; "
                         "try two peaks or a narrower window")
    _check_band_vs_background(prep, fr, main, pre)
    # the band maximum: from the refit of the band's top when it worked, else the centre
    use_top = top is not None and top.success and abs(top.params["center0"] - main.center_ev) < 0.5 * main.fwhm_mev * 1e-3
    if use_top:
        peak_ev, peak_err = top.params["center0"], top.stderr["center0"]
        func, args = SHAPES["gaussian"].func, [top.params["amplitude0"], peak_ev, top.params["fwhm0"]]
    else:
        peak_ev, peak_err = main.center_ev, main.center_ev_err
        sfx = "" if model.shared_width else str(i_main)
        func, args = shape.func, [main.amplitude, main.center_ev, main.fwhm_mev * 1e-3]
        if "eta" + sfx in pos:
            args.append(main.eta)
    # wavelength-space maximum (the Jacobian λ²/hc moves it to shorter λ than hc/E_peak)
    fwhm_ev = main.fwhm_mev * 1e-3
    e = np.linspace(max(peak_ev - 1.5 * fwhm_ev, 1e-3), peak_ev + 1.5 * fwhm_ev, 6001)
    wl = HC_EV_NM / e
    dens_nm = func(e, *args) * HC_EV_NM / wl ** 2
    k = int(np.argmax(dens_nm))
    peak_nm = float(wl[k])
    if 0 < k < e.size - 1:
        y0, y1, y2 = dens_nm[k - 1:k + 2]
        den = y0 - 2 * y1 + y2
        if den != 0:
            peak_nm = float(HC_EV_NM / (e[k] + 0.5 * (y0 - y2) / den * (e[1] - e[0])))
    # FWHM in nm of the whole fitted band-edge component
    sfx = "" if model.shared_width else str(i_main)
    full_args = [main.amplitude, main.center_ev, fwhm_ev] + ([main.eta] if "eta" + sfx in pos else [])
    e_full = np.linspace(max(main.center_ev - 1.5 * fwhm_ev, 1e-3), main.center_ev + 1.5 * fwhm_ev, 6001)
    dens_full = shape.func(e_full, *full_args) * e_full ** 2
    half = dens_full >= dens_full.max() / 2
    wl_full = HC_EV_NM / e_full
    fwhm_nm = float(wl_full[np.flatnonzero(half)[0]] - wl_full[np.flatnonzero(half)[-1]])
    return PLFit(source=prep.source, pressure_gpa=float(pressure), peak_ev=float(peak_ev),
                 peak_ev_err=float(peak_err), peak_nm=peak_nm,
                 peak_nm_err=float(peak_err * peak_nm ** 2 / HC_EV_NM),
                 peak_method="top" if use_top else "center",
                 fwhm_mev=main.fwhm_mev, fwhm_mev_err=main.fwhm_mev_err, fwhm_nm=fwhm_nm,
                 area=main.area, area_err=main.area_err, redchi=fr.redchi, peaks=tuple(comps),
                 fit=fr, wavelength_nm=prep.wavelength_nm, intensity_nm=prep.intensity_nm,
                 baseline_nm=prep.baseline_nm, energy_ev=prep.energy_ev, intensity_ev=prep.intensity_ev,
                 verdict=_verdict(prep, fr, main, float(peak_ev), top if use_top else None).plus(
                     _check_data_maximum(prep, peak_nm, fwhm_nm)),
                 truncated=dict(prep.truncated))


#: A band must beat a smooth quadratic background by this F-test level to count as a peak.
PEAK_EVIDENCE_P = 1e-6
#: Quality limits: peak height over its error, weighted χ²_ν, misfit near the band top
#: (fraction of the height), distance of the maximum from the window edge (in FWHM).
MIN_PEAK_SNR = 10.0
MAX_REDCHI = 4.0
MAX_MISFIT_FRACTION = 0.10
MAX_SECOND_BAND_FRACTION = 0.25
MIN_EDGE_DISTANCE_FWHM = 0.5


def _check_band_vs_background(prep: _Prepared, fr, main: PLPeak, pre: str) -> None:
    """Refuse a "peak" that a smooth background explains as well (issue 17: a flat file
    became a band at 1.81 eV and dragged the E(P) fit).

    After the linear baseline a featureless spectrum keeps some curvature, and one broad
    Gaussian plus a constant follows it. A quadratic in energy, fitted with the same
    weights, describes such curvature equally well but not an emission band; the band
    counts only when an F-test prefers it at ``PEAK_EVIDENCE_P``.
    """
    e, y, w = prep.energy_ev, prep.intensity_ev, 1.0 / prep.sigma_ev
    design = np.stack([np.ones_like(e), e - e.mean(), (e - e.mean()) ** 2], axis=1) * w[:, None]
    coef, *_ = np.linalg.lstsq(design, y * w, rcond=None)
    chi2_quad = float(np.sum((design @ coef - y * w) ** 2))
    chi2_peak = float(fr.chi2)
    n_par = fr.nvarys
    dof = max(fr.ndata - n_par, 1)
    extra = max(n_par - 3, 1)
    from dackit.core.lsq import nested_f_test

    p_value = nested_f_test(chi2_quad, chi2_peak, extra, dof)
    if p_value > PEAK_EVIDENCE_P:
        raise InputError(f"{pre}no PL peak: no emission peak above the noise; a smooth quadratic background "
                         f"describes the spectrum as well as a band (F-test p = {p_value:.2g}); "
                         "check the exposure, the spectral range or the file")


#: largest disagreement, in FWHM, between the reported wavelength maximum and the data's own
#: smoothed maximum: 4 % is 2 nm on a 50-nm nanocrystal band (the corpus' tolerance); a quadratic
#: Savitzky-Golay filter over 0.2 FWHM follows a Gaussian's top to < 0.5 % FWHM
MAX_TOP_DISAGREEMENT_FWHM = 0.04


def data_maximum_nm(wavelength_nm, intensity, near_nm: float, fwhm_nm: float) -> tuple[float, float]:
    """Model-free maximum of a band and how far noise can move it.

    The spectrum is smoothed by a quadratic Savitzky-Golay filter over 0.2 FWHM; its highest
    point within ±1 FWHM of ``near_nm`` is refined by a parabola through it and its
    neighbours. Near a top of height A and Gaussian width s the smoothed curve drops by
    σ_s (the noise left after smoothing) within s·√(2σ_s/A) of the maximum, so the maximum
    is only known to that distance (the second value). ``(nan, nan)`` when the band is too
    narrow to smooth.

    Parameters
    ----------
    wavelength_nm : array_like
        Wavelengths (nm), ascending.
    intensity : array_like
        The baseline-corrected spectrum.
    near_nm : float
        Where the band is (e.g. the fitted peak); the maximum is searched within ±1 FWHM.
    fwhm_nm : float
        The band's full width at half maximum (nm); sets the smoothing window.

    Returns
    -------
    tuple of float
        The maximum's wavelength (nm) and how far noise can move it (nm).

    Examples
    --------
    >>> x = np.arange(450.0, 650.0)
    >>> m, spread = data_maximum_nm(x, np.exp(-0.5 * ((x - 550.3) / 20) ** 2), 552.0, 47.0)
    >>> round(m, 1), spread < 0.5
    (550.3, True)
    """
    x = np.asarray(wavelength_nm, float)
    y = np.asarray(intensity, float)
    nan = (float("nan"), float("nan"))
    step = float(np.median(np.diff(x)))
    if not (np.isfinite(fwhm_nm) and fwhm_nm > 0 and step > 0):
        return nan
    win = max(5, int(round(0.2 * fwhm_nm / step)) | 1)
    if win >= y.size:
        return nan
    ys = signal.savgol_filter(y, win, 2)
    near = np.flatnonzero(np.abs(x - near_nm) <= fwhm_nm)
    if near.size < 3:
        return nan
    k = int(near[np.argmax(ys[near])])
    height = float(ys[k])
    if not height > 0:
        return nan
    # second differences: the band's own slope does not pass for noise
    sigma_s = white_noise_sigma(y, order=2) * savgol_noise_gain(win, 2)
    spread = fwhm_nm / 2.3548 * float(np.sqrt(2 * sigma_s / height))
    if not 0 < k < y.size - 1:
        return float(x[k]), spread
    y0, y1, y2 = ys[k - 1:k + 2]
    den = y0 - 2 * y1 + y2
    return float(x[k] + (0.5 * (y0 - y2) / den * step if den < 0 else 0.0)), spread


def _check_data_maximum(prep: _Prepared, peak_nm: float, fwhm_nm: float) -> list:
    """Doubt the reported maximum when the data's own smoothed maximum lies elsewhere, further
    than the band's shape, the sampling and the noise allow: a top that one Gaussian does not
    follow (two overlapping vibronic bands leaned the top refit 4.7 nm toward the shoulder)."""
    m, spread = data_maximum_nm(prep.wavelength_nm, prep.intensity_nm, peak_nm, fwhm_nm)
    if not np.isfinite(m):
        return []
    step = float(np.median(np.diff(prep.wavelength_nm)))
    # beyond what the shape allows, the sampling, and twice what noise can do (on 60
    # simulated noisy bands the disagreement stays under 1.7 spreads)
    limit = max(MAX_TOP_DISAGREEMENT_FWHM * fwhm_nm, 2 * step, 2 * spread)
    if abs(peak_nm - m) > limit:
        return [f"the band's maximum is not where the fit puts it: the smoothed data peak at {m:.1f} nm, "
                f"the fit at {peak_nm:.1f} nm ({abs(peak_nm - m):.1f} nm apart, over "
                f"{100 * MAX_TOP_DISAGREEMENT_FWHM:.0f} % of the {fwhm_nm:.0f} nm FWHM): an asymmetric or "
                "structured top; the maximum is uncertain at that level"]
    return []


#: The fit keeps a band at least this many points wide (:func:`_fit`); a peak held at that
#: bound is narrower than the sampling: a laser line (a 532 nm leak ten times the band's height
#: was reported as the PL peak, 'ok', whole-band χ²_ν 5e4) or a Raman line, not a PL band.
MIN_BAND_POINTS = 3


def _verdict(prep: _Prepared, fr, main: PLPeak, peak_ev: float, top=None) -> Verdict:
    """Peak significance, residual structure at the band's top, band width and window edges.

    The reported energy comes from the band's top (or the whole-band centre); a tail the
    single shape misses (trap emission, size-distribution skew) does not move it, so the
    whole-band χ²_ν is information, and the misfit is judged where the energy is measured.
    """
    doubts, info = [], []
    snr = main.amplitude / main.amplitude_err if main.amplitude_err > 0 else np.inf
    if snr < MIN_PEAK_SNR:
        doubts.append(f"weak peak: height only {snr:.1f}× its error (need {MIN_PEAK_SNR:.0f}×)")
    e = prep.energy_ev
    fw = main.fwhm_mev * 1e-3
    span = float(e[-1] - e[0])
    if fw > 0.5 * span:
        doubts.append(f"the band ({main.fwhm_mev:.0f} meV FWHM) is as wide as half the {1e3 * span:.0f} meV "
                      "window: its maximum is not defined by the data (a plateau, several bands, or a "
                      "curved background)")
    step_e = float(np.median(np.diff(e)))
    if fw <= MIN_BAND_POINTS * step_e * 1.05:
        doubts.append(f"the peak at {HC_EV_NM / main.center_ev:.1f} nm is no wider than {MIN_BAND_POINTS} points "
                      f"({main.fwhm_mev:.1f} meV FWHM): an instrument-limited line (laser leak, Raman line), not "
                      "an emission band; crop the spectrum away from it (window_nm) or block the laser")
    use_top = top is not None and top.success and abs(top.params["center0"] - main.center_ev) < 0.5 * fw
    if use_top:
        half = TOP_HALF_WIDTH * fw
        comps = fr.components(e)
        # the other peaks of the whole-band fit plus the top refit (Gaussian + its constant)
        model_top = fr.eval(e) - comps[f"peak{_main_index(fr)}"] - comps.get("baseline", 0.0) + top.eval(e)
        # judged on the inner half of the refit window: where the maximum is decided (the
        # refit's own edges meet the band's skew and would flag every asymmetric band)
        near = np.abs(e - top.params["center0"]) <= 0.5 * half
        height = top.params["amplitude0"]
    else:
        model_top = fr.eval(e)
        near = np.abs(e - main.center_ev) <= 0.5 * fw
        height = main.amplitude
    if near.sum() >= 5 and height > 0:
        from scipy.ndimage import uniform_filter1d

        step = float(np.median(np.diff(e)))
        k = max(1, int(round(0.1 * fw / step)))
        resid = uniform_filter1d(prep.intensity_ev - model_top, k, mode="nearest")
        misfit = float(np.max(np.abs(resid[near])) / height)
        if misfit > MAX_MISFIT_FRACTION:
            doubts.append(f"residual structure at the band's top: the fit misses it by {100 * misfit:.0f} % "
                          "of its height (several bands or a distorted shape; try --n-peaks 2)")
    # a band the model left out: a positive residual hump, ≥ 1 FWHM from the peak and away
    # from the window's ends (where filters and the laser tail live), of a sizeable fraction
    # of the height. Skewed tails of one band sit next to the peak and are not counted.
    if main.amplitude > 0 and e.size > 10:
        from scipy.ndimage import uniform_filter1d

        step = float(np.median(np.diff(e)))
        k = max(1, int(round(0.25 * fw / step)))
        resid = uniform_filter1d(prep.intensity_ev - fr.eval(e), k, mode="nearest")
        away = (np.abs(e - peak_ev) >= fw) & (e - e[0] >= 0.5 * fw) & (e[-1] - e >= 0.5 * fw)
        if away.any():
            j = int(np.argmax(np.where(away, resid, -np.inf)))
            frac = float(resid[j] / main.amplitude)
            if frac > MAX_SECOND_BAND_FRACTION:
                doubts.append(f"another band the fit misses: the residual rises to {100 * frac:.0f} % of the "
                              f"peak height at {e[j]:.3f} eV; try --n-peaks 2")
    if fr.redchi > MAX_REDCHI:
        info.append(f"whole-band χ²_ν = {fr.redchi:.3g}: the single shape misses the tails "
                    "(the energy is taken from the band's top)" if use_top else
                    f"whole-band χ²_ν = {fr.redchi:.3g}")
    edge = min(peak_ev - e[0], e[-1] - peak_ev)
    if edge < MIN_EDGE_DISTANCE_FWHM * fw:
        doubts.append(f"peak at the window edge: the maximum ({peak_ev:.3f} eV) is {1e3 * edge:.0f} meV "
                      f"from the end of the data, under half the band width ({1e3 * fw:.0f} meV FWHM); "
                      "its position is not measured")
    if prep.padding:
        info.append(prep.padding)
    if prep.spikes:
        info.append(prep.spikes)
    for end, level in prep.truncated.items():
        # the peak is judged by the checks above (edge distance, misfit at the top); what a
        # cut band cannot give is its whole: area and colour
        info.append(truncation_note(end, level))
    info.append(f"peak height {snr:.0f}× its error; χ²_ν = {fr.redchi:.3g}")
    return Verdict.from_checks(doubts, info)


def truncation_note(end: str, level: float) -> str:
    """The quality note of a band cut at ``end`` ("blue"/"red"), rising there by ``level`` of its height."""
    return (f"band cut at the {end} end of the spectrum (still rising by {100 * level:.0f} % of its "
            "height there): area and colour miss the cut part and are not reliable (the peak is judged "
            "on its own)")


def _main_index(fr) -> int:
    n = sum(1 for k in fr.params if k.startswith("center"))
    return int(np.argmax([fr.params[f"center{i}"] for i in range(n)]))


def _check_peak(peak: str) -> None:
    if peak not in ("top", "center"):
        raise InputError(f"peak: use 'top' (maximum of the band) or 'center' (centre of the fitted "
                         f"shape), not {peak!r}")


def _model(n_peaks: int, shape: str) -> PeakModel:
    if shape not in ("gaussian", "pseudo_voigt", "lorentzian"):
        raise InputError(f"shape: use 'gaussian', 'pseudo_voigt' or 'lorentzian', not {shape!r}")
    if n_peaks not in (1, 2, 3):
        raise InputError(f"n_peaks: use 1, 2 or 3, not {n_peaks!r}")
    return PeakModel(shape=shape, n_peaks=n_peaks, baseline_degree=0)


def _start(prep: _Prepared, model: PeakModel) -> np.ndarray:
    """Starting values: the engine's guess, with a broad low-energy trap band added when the
    emission shows no second maximum (a trap band is usually a shoulder, not a peak)."""
    p0 = guess_peaks(prep.energy_ev, prep.intensity_ev, model)[0]
    names = model.param_names
    pos = {n: i for i, n in enumerate(names)}
    c0, w0, a0 = p0[pos["center0"]], p0[pos["fwhm0"]], p0[pos["amplitude0"]]
    e = prep.energy_ev
    for i in range(1, model.n_peaks):
        ci, wi, ai = p0[pos[f"center{i}"]], p0[pos[f"fwhm{i}"]], p0[pos[f"amplitude{i}"]]
        separate = (np.isfinite(ci) and abs(ci - c0) >= w0 and e[0] <= ci <= e[-1]
                    and wi > 0 and ai >= 0.05 * a0)
        if not separate:
            p0[pos[f"center{i}"]] = max(c0 - 1.5 * w0 * i, e[0] + 0.5 * w0)
            p0[pos[f"fwhm{i}"]] = 2.0 * w0
            p0[pos[f"amplitude{i}"]] = 0.15 * a0
    return p0


def _fit(preps, model: PeakModel):
    """One batched fit of prepared spectra (energy grids may differ in length)."""
    xs = [pr.energy_ev for pr in preps]
    # peaks stay positive, inside the data and no narrower than 3 points nor wider than the
    # window: keeps a weak trap band from wandering off or collapsing
    e_lo = np.array([x[0] for x in xs])
    e_hi = np.array([x[-1] for x in xs])
    step = np.array([np.median(np.diff(x)) for x in xs])
    bounds: dict[str, tuple[ArrayLike, ArrayLike]] = {"amplitude": (0.0, np.inf), "center": (e_lo, e_hi),
                                                      "fwhm": (MIN_BAND_POINTS * step, e_hi - e_lo)}
    p0 = np.stack([_start(pr, model) for pr in preps])
    return fit_batch(xs, [pr.intensity_ev for pr in preps], model, p0,
                     sigma=[pr.sigma_ev for pr in preps], bounds=bounds)


#: half-width of the band-top refit, in units of the band's FWHM
TOP_HALF_WIDTH = 0.5


def _top_fits(preps, batch, model: PeakModel) -> list:
    """Refit a Gaussian + constant to the top of each band-edge peak, ±``TOP_HALF_WIDTH``·FWHM
    around the whole-band centre, after subtracting the other fitted peaks (trap emission).

    Why: for a symmetric band the top's centre is the whole-band centre (and about as
    precise: the tails carry little position information), but an ensemble band skewed by
    the size distribution has its maximum away from the centre of a symmetric fit; the top
    follows the maximum several times more closely."""
    xs, ys, sig, p0, win = [], [], [], [], []
    for k, pr in enumerate(preps):
        fr = batch[k]
        centres = [fr.params[f"center{i}"] for i in range(model.n_peaks)]
        i = int(np.argmax(centres))
        sfx = "" if model.shared_width else str(i)
        w = fr.params["fwhm" + sfx]
        comps = fr.components(pr.energy_ev)
        others = sum((comps[f"peak{j}"] for j in range(model.n_peaks) if j != i), np.zeros_like(pr.energy_ev))
        xs.append(pr.energy_ev)
        ys.append(pr.intensity_ev - others)
        sig.append(pr.sigma_ev)
        p0.append([fr.params[f"amplitude{i}"], centres[i], w, fr.params.get("b0", 0.0)])
        half = TOP_HALF_WIDTH * w if np.isfinite(w) and w > 0 else 0.0
        win.append([centres[i] - half, centres[i] + half])
    top_model = PeakModel(shape="gaussian", n_peaks=1, baseline_degree=0)
    res = fit_batch(xs, ys, top_model, np.array(p0), sigma=sig, window=np.array(win),
                    bounds={"amplitude": (0.0, np.inf)})
    return [res[k] for k in range(len(preps))]


def fit_pl_series(spectra, pressures=None, *, n_peaks: int = 1, shape: str = "gaussian",
                  baseline: str = "imodpoly", dark=None, window_nm=None, peak: str = "top") -> PLSeries:
    """Fit every spectrum of a series in one batched call; failures are recorded per spectrum.

    ``pressures``: one value (GPa) per spectrum, or None (NaN). Other keywords as in
    :func:`fit_pl`.

    Parameters
    ----------
    spectra : sequence of Spectrum
        The spectra of a series.
    pressures : array_like, optional
        Pressure of each spectrum in GPa.
    n_peaks : int, default 1
        Number of bands per spectrum (see :func:`fit_pl`).
    shape : {"gaussian", "pseudo_voigt"}, default 'gaussian'
        Band shape in energy.
    baseline : str, default 'imodpoly'
        Baseline method, a key of :data:`~dackit.optics.pl.BASELINES`.
    dark : Spectrum, array_like or float, optional
        Dark spectrum or constant subtracted from each.
    window_nm : tuple of float, optional
        (lo, hi) in nm: crop each spectrum to this range.
    peak : {"top", "center"}, default 'top'
        Energy of the band (see :func:`fit_pl`).
    """
    spectra = list(spectra)
    if not spectra:
        raise InputError("spectra: no spectra given")
    p = np.full(len(spectra), np.nan) if pressures is None else np.asarray(pressures, float).ravel()
    if p.size != len(spectra):
        raise InputError(f"pressures: {p.size} values for {len(spectra)} spectra")
    model = _model(n_peaks, shape)
    _check_peak(peak)
    preps: list[_Prepared | None] = []
    errors: list[str | None] = [None] * len(spectra)
    for i, s in enumerate(spectra):
        try:
            preps.append(_prepare(s, baseline=baseline, dark=dark, window_nm=window_nm))
        except InputError as exc:
            preps.append(None)
            errors[i] = str(exc)
    good = [i for i, pr in enumerate(preps) if pr is not None]
    good_preps = [pr for pr in preps if pr is not None]
    fits: list[PLFit | None] = [None] * len(spectra)
    if good:
        batch = _fit(good_preps, model)
        tops = _top_fits(good_preps, batch, model) if peak == "top" else [None] * len(good)
        for k, i in enumerate(good):
            try:
                fits[i] = _finish(good_preps[k], batch[k], model, p[i], tops[k])
            except (InputError, FitError) as exc:
                errors[i] = str(exc)
    sources = tuple(getattr(s, "source", "") for s in spectra)
    return PLSeries(fits=tuple(fits), errors=tuple(errors), sources=sources, pressures_gpa=p)


def fit_pl(spectrum: Spectrum, *, n_peaks: int = 1, shape: str = "gaussian", baseline: str = "imodpoly",
           dark=None, window_nm=None, peak: str = "top", pressure_gpa: float = float("nan")) -> PLFit:
    """Fit the PL band(s) of one spectrum in energy space.

    ``n_peaks`` 2 (or 3) adds broad trap emission below the band edge; ``shape`` is
    ``"gaussian"`` (default: inhomogeneous size broadening of an ensemble) or
    ``"pseudo_voigt"``; ``baseline`` a key of :data:`BASELINES`; ``dark`` a dark spectrum
    (Spectrum, array or constant) subtracted first; ``window_nm`` (lo, hi) crops; ``peak``
    ``"top"`` or ``"center"`` (see the module docstring). Raises InputError when there is no peak, FitError when the fit does not converge.

    Parameters
    ----------
    spectrum : Spectrum
        A PL spectrum (x in nm).
    n_peaks : int, default 1
        Number of bands: 1, or 2–3 to add broad trap emission below the band edge.
    shape : {"gaussian", "pseudo_voigt"}, default 'gaussian'
        Band shape in energy (Gaussian: the size distribution of an ensemble).
    baseline : str, default 'imodpoly'
        Baseline method, a key of :data:`~dackit.optics.pl.BASELINES` (``"imodpoly"``,
        ``"snip"``, ``"asls"``, ``"none"``).
    dark : Spectrum, array_like or float, optional
        Dark spectrum or constant subtracted first.
    window_nm : tuple of float, optional
        (lo, hi) in nm: crop the spectrum to this range.
    peak : {"top", "center"}, default 'top'
        Energy of the band: a refit of its top (default) or the whole-band centre.
    pressure_gpa : float, default nan
        Pressure of the spectrum, kept in the result (NaN when unknown).
    """
    model = _model(n_peaks, shape)
    _check_peak(peak)
    prep = _prepare(spectrum, baseline=baseline, dark=dark, window_nm=window_nm)
    batch = _fit([prep], model)
    top = _top_fits([prep], batch, model)[0] if peak == "top" else None
    return _finish(prep, batch[0], model, pressure_gpa, top)


# --------------------------------------------------------------------------- simulator


def pl_energy(pressure_gpa, *, e0_ev=2.012, alpha_mev_per_gpa=53.0, beta_mev_per_gpa2=-2.0):
    """E(P) = E0 + αP + βP² in eV; defaults are the study's InP/ZnSe fit (0–5.6 GPa).

    Parameters
    ----------
    pressure_gpa : float or array_like
        Pressure in GPa.
    e0_ev : float, default 2.012
        E0, the energy at zero pressure, in eV.
    alpha_mev_per_gpa : float, default 53.0
        Linear coefficient α in meV/GPa.
    beta_mev_per_gpa2 : float, default -2.0
        Quadratic coefficient β in meV/GPa².
    """
    p = np.asarray(pressure_gpa, float)
    return e0_ev + 1e-3 * (alpha_mev_per_gpa * p + beta_mev_per_gpa2 * p ** 2)


def simulate_pl(pressure_gpa: float, *, e0_ev: float = 2.012, alpha_mev_per_gpa: float = 53.0,
                beta_mev_per_gpa2: float = -2.0, fwhm_mev: float = 165.0, shape: str = "gaussian",
                eta: float = 0.0, peak_counts: float = 2000.0, intensity_efold_gpa: float | None = 3.7,
                trap_fraction: float = 0.0, trap_shift_mev: float = 300.0, trap_fwhm_mev: float = 350.0,
                wavelength_nm=None, dark_counts: float = 300.0, stray_slope: float = 0.2,
                read_noise: float = 4.0, shot_noise: bool = True, seed=None, source: str = "") -> Spectrum:
    """A PL spectrum as a wavelength-linear CCD spectrometer records it.

    The band is ``shape`` in *energy* (FWHM ``fwhm_mev``) at E(P) (:func:`pl_energy`, defaults
    from the study: E0 = 2.012 eV, α = 53 meV/GPa, β = −2 meV/GPa²; 51 nm FWHM at 619 nm is
    ≈ 165 meV). Its height in counts per pixel at 0 GPa is ``peak_counts``, falling as
    exp(−P/``intensity_efold_gpa``) (3.7 GPa approximates the study's Table S1 I/I0).
    ``trap_fraction``: area of a Gaussian trap band ``trap_shift_mev`` below, relative to
    the band edge. Detector: default 1340 pixels over 450–800 nm; counts per pixel =
    per-nm density × pixel width; + ``dark_counts`` + a stray-light slope (counts per nm) +
    Poisson and Gaussian read noise. ``metadata["truth"]`` holds peak_ev, fwhm_mev,
    pressure_gpa.

    Parameters
    ----------
    pressure_gpa : float
        True pressure in GPa.
    e0_ev : float, default 2.012
        E0 of E(P) in eV.
    alpha_mev_per_gpa : float, default 53.0
        α of E(P) in meV/GPa.
    beta_mev_per_gpa2 : float, default -2.0
        β of E(P) in meV/GPa².
    fwhm_mev : float, default 165.0
        FWHM of the band in meV.
    shape : {"gaussian", "pseudo_voigt"}, default 'gaussian'
        Band shape in energy.
    eta : float, default 0.0
        Lorentzian fraction when ``shape`` is ``"pseudo_voigt"``.
    peak_counts : float, default 2000.0
        Height of the band in counts per pixel at 0 GPa.
    intensity_efold_gpa : float, optional
        The intensity falls as exp(−P/this); None keeps it constant.
    trap_fraction : float, default 0.0
        Area of a Gaussian trap band relative to the band edge (0 for none).
    trap_shift_mev : float, default 300.0
        Distance of the trap band below the band edge in meV.
    trap_fwhm_mev : float, default 350.0
        FWHM of the trap band in meV.
    wavelength_nm : array_like, optional
        Wavelength grid in nm; a default grid around the line when None.
    dark_counts : float, default 300.0
        Dark offset in counts.
    stray_slope : float, default 0.2
        Stray-light slope in counts per nm.
    read_noise : float, default 4.0
        Gaussian read-out noise of the detector in counts (added to Poisson shot noise).
    shot_noise : bool, default True
        Add Poisson noise.
    seed : int, numpy.random.Generator or None, default None
        Seed of the random noise; None draws a fresh one, an int makes the result
        reproducible.
    source : str, default ''
        Where the data came from (usually the file path); kept in the result for messages
        and tables.
    """
    if wavelength_nm is None:
        wavelength_nm = np.linspace(450.0, 800.0, 1340)
    wl = np.asarray(wavelength_nm, float)
    e = HC_EV_NM / wl
    peak = float(pl_energy(pressure_gpa, e0_ev=e0_ev, alpha_mev_per_gpa=alpha_mev_per_gpa,
                           beta_mev_per_gpa2=beta_mev_per_gpa2))
    fw = fwhm_mev * 1e-3
    shp = SHAPES[shape]
    unit = shp.func(e, 1.0, peak, fw, eta) if shape == "pseudo_voigt" else shp.func(e, 1.0, peak, fw)
    dens_e = unit.copy()
    if trap_fraction > 0:
        main_area = float(shp.area(1.0, fw, eta)) if shape == "pseudo_voigt" else float(shp.area(1.0, fw))
        tw = trap_fwhm_mev * 1e-3
        t_amp = trap_fraction * main_area / float(SHAPES["gaussian"].area(1.0, tw))
        dens_e = dens_e + SHAPES["gaussian"].func(e, t_amp, peak - trap_shift_mev * 1e-3, tw)
    scale = peak_counts * (np.exp(-pressure_gpa / intensity_efold_gpa) if intensity_efold_gpa else 1.0)
    pixel = np.abs(np.gradient(wl))
    # per-eV density → per-nm density (I_λ = I_E·hc/λ²) → counts per pixel
    dens_nm = dens_e * HC_EV_NM / wl ** 2
    ref = float(np.max(unit * HC_EV_NM / wl ** 2 * pixel))
    signal_counts = scale * dens_nm * pixel / ref
    counts = signal_counts + dark_counts + stray_slope * (wl - wl[0])
    rng = np.random.default_rng(seed)
    if shot_noise:
        counts = rng.poisson(np.clip(counts, 0, None)).astype(float)
    if read_noise > 0:
        counts = counts + rng.normal(0, read_noise, counts.size)
    truth = {"pressure_gpa": float(pressure_gpa), "peak_ev": peak, "fwhm_mev": float(fwhm_mev),
             "peak_counts": float(scale), "trap_fraction": float(trap_fraction),
             "emission_nm": signal_counts}
    return make_spectrum(wl, counts, x_unit="nm", y_unit="counts", metadata={"truth": truth}, source=source)
