"""Sm²⁺:SrB4O7 pressure gauge: the ⁵D0→⁷F0 (0–0) line, its scales, fit and simulator.

A single, narrow, nearly temperature-independent line at 685.41 nm, shifting ~0.25 nm/GPa:
the gauge of choice at high temperature, where the ruby lines broaden and merge.

>>> round(float(pressure_from_sm(690.0)), 2)
17.44
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dackit.core import lineshapes
from dackit.core.fitting import FitResult, PeakModel
from dackit.core.quality import Judged, Verdict
from dackit.core.results import Failure
from dackit.core.spectrum import Spectrum, make_spectrum
from dackit.errors import DackitError, InputError, where
from dackit.gauge.lines import (MAX_STRONGER_LINES, LineGuess, default_reference_note, fit_weighted, locate_line,
                                pressure_doubts, reference_line, spectrum_in_nm, stronger_lines_outside)
from dackit.gauge.ruby import SPLIT_CM, has_r2_partner, r2_from_r1
from dackit.gauge.scales import Scale, get_scale, warn_outside

DEFAULT_SCALE = "datchi1997"
#: Ambient 0–0 line (nm) of Datchi et al. (1997) and a typical uncertainty of its measurement.
DEFAULT_SM_0_NM = 685.41
DEFAULT_SM_0_ERR_NM = 0.01
SM_SEARCH_NM = (683.0, 740.0)

SM_SCALES: dict[str, Scale] = {s.name: s for s in (
    Scale("datchi1997", "rational", A=4.032, B=9.29e-3, C=2.32e-2, lambda0_nm=685.41, medium="He/H2O",
          max_pressure_gpa=124,
          citation="Datchi, LeToullec & Loubeyre, J. Appl. Phys. 81, 3333 (1997): "
                   "P = 4.032·Δλ(1 + 9.29e-3·Δλ)/(1 + 2.32e-2·Δλ), λ0 = 685.41 nm."),
    Scale("jing2013", "rational", A=4.016, B=8.36e-3, C=2.18e-2, lambda0_nm=685.41, medium="Ar",
          max_pressure_gpa=48,
          citation="Jing et al., J. Appl. Phys. 113, 023507 (2013), Ar medium: A = 4.016, "
                   "B = 8.36e-3, C = 2.18e-2."),
    Scale("rashchenko2015", "rational", A=4.20, B=2.0e-2, C=3.6e-2, lambda0_nm=685.51, medium="He",
          max_pressure_gpa=60,
          citation="Rashchenko et al., J. Appl. Phys. 117, 145902 (2015): A = 4.20, B = 2.0e-2, "
                   "C = 3.6e-2, λ0 = 685.51 nm."),
)}

MODEL = PeakModel(shape="pseudo_voigt", n_peaks=1, baseline_degree=1)


def pressure_from_sm(line_nm, *, scale: str = DEFAULT_SCALE, lambda0_nm: float = DEFAULT_SM_0_NM):
    """Pressure (GPa) from the 0–0 line wavelength (nm); vectorised.

    Parameters
    ----------
    line_nm : float or array_like
        0–0 line wavelength(s) in nm.
    scale : str, default 'datchi1997'
        Calibration, a key of :data:`~dackit.gauge.SM_SCALES`.
    lambda0_nm : float, default 685.41
        Reference (ambient-pressure) wavelength of the line in nm, measured on the same
        crystal where possible.
    """
    sc = get_scale(SM_SCALES, scale, "Sm:SrB4O7")
    return warn_outside(sc, sc.pressure(line_nm, lambda0_nm), "Sm:SrB4O7")


def sm_from_pressure(pressure_gpa, *, scale: str = DEFAULT_SCALE, lambda0_nm: float = DEFAULT_SM_0_NM):
    """0–0 line wavelength (nm) at a pressure (GPa): exact inverse of :func:`pressure_from_sm`.

    Parameters
    ----------
    pressure_gpa : float or array_like
        Pressure in GPa.
    scale : str, default 'datchi1997'
        Calibration, a key of :data:`~dackit.gauge.SM_SCALES`.
    lambda0_nm : float, default 685.41
        Reference (ambient-pressure) wavelength of the line in nm, measured on the same
        crystal where possible.
    """
    return get_scale(SM_SCALES, scale, "Sm:SrB4O7").wavelength(pressure_gpa, lambda0_nm)


@dataclass(frozen=True)
class SmFit(Judged):
    """Pressure from one Sm:SrB4O7 spectrum."""

    source: str
    pressure_gpa: float
    pressure_gpa_err: float
    line_nm: float
    line_nm_err: float
    fwhm_nm: float
    scale: str
    lambda0_nm: float
    window_nm: tuple[float, float]
    fit: FitResult
    verdict: Verdict = Verdict()


    def to_dict(self) -> dict:
        """Every scalar result of the fit (the CLI picks its contract keys from these)."""
        return {"file": self.source, "pressure_gpa": self.pressure_gpa,
                "pressure_gpa_err": self.pressure_gpa_err, "line_nm": self.line_nm,
                "line_nm_err": self.line_nm_err, "scale": self.scale, "fwhm_nm": self.fwhm_nm,
                "lambda0_nm": self.lambda0_nm, "window_nm": [float(w) for w in self.window_nm],
                "redchi": float(self.fit.redchi), **self.verdict.to_dict()}


#: The 0–0 line is narrow (≈0.2–0.3 nm FWHM at ambient in a typical spectrometer, broadening
#: to ≲1 nm at 100 GPa; Datchi et al. 1997); broader than this it is another band.
MAX_PLAUSIBLE_FWHM_NM = 1.5
#: Misfit (smoothed over half a line width) near the line above this fraction of its height:
#: the single-line model does not describe the data.
MAX_MISFIT_FRACTION = 0.10


#: A line at ruby's R2 position (R1 + 29.7 cm⁻¹) above this fraction of the fitted line's
#: height makes the pair a ruby doublet (R2/R1 ≈ 0.5–0.7); the Sm 0-0 line is a singlet
#: (issue 10: a ruby spectrum at ambient read as a Sm:SrB4O7 line at 30 GPa, marked ok).
RUBY_R2_MIN_FRACTION = 0.2


def _ruby_r2_rise(x, y, fit: FitResult) -> float:
    """Height of the unfitted residual where ruby's R2 would sit if the line were ruby's R1,
    as a fraction of the line's height (0 when nothing is there)."""
    p = fit.params
    centre, fwhm, height = p["center0"], max(p["fwhm0"], 1e-3), p["amplitude0"]
    r2 = float(r2_from_r1(centre))
    at = np.abs(x - r2) <= max(0.5 * fwhm, 0.3 * (centre - r2))
    if at.sum() < 2 or height <= 0:
        return 0.0
    return float(np.max((y - fit.eval(x))[at]) / height)


#: Beside a ruby doublet, a line is taken for the 0-0 line only above this fraction of R1's
#: height (weaker, the ruby's own weak bands and wings cannot be told from it).
MIN_BESIDE_RUBY = 0.1


def _beside_ruby(x, y, g: LineGuess, source: str) -> tuple[LineGuess, tuple[float, float] | None]:
    """The 0-0 line when the strongest line found is ruby's R1 (both gauges in one cell).

    Returns the guess to fit and the ruby pair's span (nm) to keep out of the fit, or the
    original guess and None when no R2 stands at R1 + 29.7 cm⁻¹ or no other line is there.
    A ruby grain beside the Sm:SrB4O7 crystal made the ruby R1 the "0-0 line" (doubtful,
    ~35 GPa) while the Sm line stood at 0.4× its height in the same spectrum.
    """
    if not has_r2_partner(x, y, g):
        return g, None
    r1, w = g.center_nm, max(g.fwhm_nm, 0.2)
    span = (float(r2_from_r1(r1)) - 3 * w, r1 + 3 * w)
    keep = (x < span[0]) | (x > span[1])
    try:
        other = locate_line(x[keep], y[keep], SM_SEARCH_NM, what="Sm:SrB4O7 0-0", source=source)
    except InputError:
        return g, None
    # Only a clear line is taken: a ruby spectrum alone has weak bands beside its doublet
    # (myPRL R7: a 0.5 nm band at 2.6 % of R1 cut by the spectrum's end read as 52.8 GPa, ok)
    edge = 3 * max(other.fwhm_nm, 0.2)
    if (other.height < MIN_BESIDE_RUBY * g.height or other.center_nm - x[0] < edge
            or x[-1] - other.center_nm < edge or other.fwhm_nm > MAX_PLAUSIBLE_FWHM_NM):
        return g, None
    return other, span


def _verdict(x, y, fit: FitResult, pressure: float, p_err: float, sc: Scale, notes) -> Verdict:
    from scipy.ndimage import uniform_filter1d

    p = fit.params
    doubts, info = [], list(notes)
    step = float(np.median(np.diff(x)))
    fwhm, height, centre = p["fwhm0"], p["amplitude0"], p["center0"]
    if fwhm < 2 * step:
        doubts.append(f"line FWHM {fwhm:.3f} nm is under two points ({step:.3f} nm per point): "
                      "undersampled, its position is uncertain")
    if fwhm > MAX_PLAUSIBLE_FWHM_NM:
        doubts.append(f"line FWHM {fwhm:.2f} nm is too broad for the Sm:SrB4O7 0-0 line "
                      f"(≤ {MAX_PLAUSIBLE_FWHM_NM} nm): another band?")
    near = np.abs(x - centre) <= 2 * max(fwhm, step)
    if near.sum() >= 5 and height > 0:
        k = max(1, int(round(0.5 * fwhm / step)))
        resid = uniform_filter1d(y - fit.eval(x), k, mode="nearest")
        misfit = float(np.max(np.abs(resid[near])) / height)
        if misfit > MAX_MISFIT_FRACTION:
            doubts.append(f"residual structure: the fit misses the data near the line by "
                          f"{100 * misfit:.0f} % of its height (a second line or a distorted shape)")
    ruby = _ruby_r2_rise(x, y, fit)
    if ruby > RUBY_R2_MIN_FRACTION:
        doubts.append(f"a second line {centre - float(r2_from_r1(centre)):.2f} nm to the blue at {ruby:.2f}× the "
                      f"height, {SPLIT_CM:.1f} cm⁻¹ away: the ruby R1/R2 doublet, not the Sm:SrB4O7 0-0 "
                      "singlet; is this a ruby spectrum (dackit ruby)?")
    stronger = stronger_lines_outside(x, y, SM_SEARCH_NM, height)
    if len(stronger) > MAX_STRONGER_LINES:
        doubts.append(f"{len(stronger)} narrow lines outside {SM_SEARCH_NM[0]:.0f}–{SM_SEARCH_NM[1]:.0f} nm rise "
                      f"higher than the line taken as the 0-0 line (at "
                      f"{', '.join(f'{v:.1f}' for v in stronger[:4])} nm): a line-rich emission spectrum "
                      "(plasma, lamp), not a Sm:SrB4O7 spectrum, whose 0-0 line is its strongest")
    doubts += pressure_doubts(pressure, p_err, sc, line="0-0 line")
    info.append(f"χ²_ν = {fit.redchi:.3g} (weighted by counting noise)")
    return Verdict.from_checks(doubts, info)


def fit_sm(spectra: Spectrum | Sequence[Spectrum], *, scale: str = DEFAULT_SCALE,
           lambda0_nm: float = DEFAULT_SM_0_NM, lambda0_err_nm: float = DEFAULT_SM_0_ERR_NM,
           laser_nm: float | None = None):
    """Fit the 0–0 line (one pseudo-Voigt on a linear baseline) and convert it to pressure.

    Same conventions as :func:`dackit.gauge.ruby.fit_ruby`: one spectrum → :class:`SmFit`
    or InputError; a sequence → list of :class:`SmFit` / :class:`Failure`, fitted as a batch.

    Parameters
    ----------
    spectra : Spectrum or sequence of Spectrum
        One spectrum, or several to fit as one batch.
    scale : str, default 'datchi1997'
        Calibration, a key of :data:`~dackit.gauge.SM_SCALES`.
    lambda0_nm : float, default 685.41
        Reference (ambient-pressure) wavelength of the line in nm, measured on the same
        crystal where possible.
    lambda0_err_nm : float, default 0.01
        Standard error of ``lambda0_nm`` in nm, propagated into the pressure error.
    laser_nm : float, optional
        Excitation wavelength (nm) when the spectra's x axis is a Raman shift (cm⁻¹).
    """
    single = isinstance(spectra, Spectrum)
    batch: list[Spectrum] = [spectra] if isinstance(spectra, Spectrum) else list(spectra)
    sc = get_scale(SM_SCALES, scale, "Sm:SrB4O7")
    results: list = [None] * len(batch)
    prepared = []
    for i, s in enumerate(batch):
        try:
            x, y, notes = spectrum_in_nm(s, "Sm:SrB4O7", SM_SEARCH_NM, laser_nm=laser_nm)
            g, ruby = _beside_ruby(x, y, locate_line(x, y, SM_SEARCH_NM, what="Sm:SrB4O7 0-0",
                                                     source=s.source), s.source)
            if ruby is not None:
                notes = [*notes, f"ruby R2/R1 lines at {ruby[0]:.1f}–{ruby[1]:.1f} nm, stronger than the 0-0 line, "
                                 "were set aside (a ruby grain in the same cell)"]
            prepared.append((i, s, x, y, g, notes, ruby))
        except DackitError as exc:
            if single:
                raise
            results[i] = Failure.from_exception(s.source, exc)
    if prepared:
        windows, p0 = [], []
        for _, _, x, _, g, _, ruby in prepared:
            w = max(g.fwhm_nm, 0.2)
            lo, hi = max(g.center_nm - 5 * w - 0.5, x[0]), min(g.center_nm + 5 * w + 0.5, x[-1])
            if ruby is not None:  # the fit window stops short of the ruby lines
                lo, hi = (lo, min(hi, ruby[0])) if g.center_nm < ruby[0] else (max(lo, ruby[1]), hi)
            windows.append((lo, hi))
            p0.append([g.height, g.center_nm, w, 0.5, g.baseline, 0.0])
        bf = fit_weighted([p[2] for p in prepared], [p[3] for p in prepared], MODEL, np.array(p0),
                          windows)
        for k, (i, s, x, y, _, notes, _) in enumerate(prepared):
            fit = bf[k]
            pos, err = fit.params["center0"], fit.stderr["center0"]
            try:
                if not (fit.success and np.isfinite(err) and 0 < err < 1.0 and fit.params["fwhm0"] < 5):
                    raise InputError(f"{where(s.source)}the Sm:SrB4O7 line fit failed ({fit.message})")
                dp, dp0 = sc.sensitivity(pos, lambda0_nm)
                pressure = float(sc.pressure(pos, lambda0_nm))
                p_err = float(np.hypot(dp * err, dp0 * lambda0_err_nm))
                if lambda0_nm == DEFAULT_SM_0_NM:
                    notes = [*notes, default_reference_note("0-0 line", DEFAULT_SM_0_NM, float(-dp0))]
                results[i] = SmFit(source=s.source, pressure_gpa=pressure, pressure_gpa_err=p_err,
                                   verdict=_verdict(x, y, fit, pressure, p_err, sc, notes),
                                   line_nm=float(pos), line_nm_err=float(err),
                                   fwhm_nm=float(fit.params["fwhm0"]), scale=scale,
                                   lambda0_nm=float(lambda0_nm),
                                   window_nm=(float(windows[k][0]), float(windows[k][1])), fit=fit)
            except DackitError as exc:
                if single:
                    raise
                results[i] = Failure.from_exception(s.source, exc)
    return results[0] if single else results


def reference_from_spectrum(spectrum: Spectrum, *, laser_nm: float | None = None) -> tuple[float, float]:
    """The ambient 0–0 line (nm) and its error measured on a reference spectrum, for ``lambda0_nm``.

    Same crystal, same spectrometer, ambient pressure: a spectrometer offset then cancels.
    A doubtful line is refused rather than used as the zero of every pressure.

    Parameters
    ----------
    spectrum : Spectrum
        Sm:SrB4O7 spectrum at ambient pressure.
    laser_nm : float, optional
        Excitation wavelength when x is a Raman shift (cm⁻¹).

    Returns
    -------
    tuple of float
        (line position in nm, its standard error in nm).
    """
    return reference_line(fit_sm, lambda r: (r.line_nm, r.line_nm_err), spectrum, laser_nm=laser_nm,
                          ambient_nm=DEFAULT_SM_0_NM, line="0-0 line")


def simulate_sm(pressure_gpa: float, *, scale: str = DEFAULT_SCALE, lambda0_nm: float = DEFAULT_SM_0_NM,
                fwhm_nm: float = 0.15, peak_counts: float = 1.0e4, baseline: float = 200.0,
                read_noise: float = 6.0, seed=None, source: str = "") -> Spectrum:
    """An Sm:SrB4O7 spectrum: the 0–0 line (pseudo-Voigt) on a flat background, Poisson + read noise.

    Parameters
    ----------
    pressure_gpa : float
        True pressure in GPa.
    scale : str, default 'datchi1997'
        Calibration used to place the line, a key of :data:`~dackit.gauge.SM_SCALES`.
    lambda0_nm : float, default 685.41
        Reference (ambient-pressure) wavelength of the line in nm, measured on the same
        crystal where possible.
    fwhm_nm : float, default 0.15
        Line FWHM in nm.
    peak_counts : float, default 10000.0
        Counts at the maximum of the line before noise.
    baseline : float, default 200.0
        Flat background in counts.
    read_noise : float, default 6.0
        Gaussian read-out noise of the detector in counts (added to Poisson shot noise).
    seed : int, numpy.random.Generator or None, default None
        Seed of the random noise; None draws a fresh one, an int makes the result
        reproducible.
    source : str, default ''
        Where the data came from (usually the file path); kept in the result for messages
        and tables.
    """
    rng = np.random.default_rng(seed)
    line = float(sm_from_pressure(pressure_gpa, scale=scale, lambda0_nm=lambda0_nm))
    x = np.linspace(line - 8.0, line + 8.0, 1024)
    mean = peak_counts * lineshapes.pseudo_voigt(x, 1.0, line, fwhm_nm, 0.5) + baseline
    y = rng.poisson(mean).astype(float) + rng.normal(0, read_noise, x.size)
    return make_spectrum(x, y, metadata={"simulated": True, "true_pressure_gpa": float(pressure_gpa)},
                         source=source)
