"""Ruby (Cr³⁺:Al₂O₃) fluorescence pressure gauge: calibration scales, R1/R2 fit, simulator.

The R1 line (694.24 nm at ambient) red-shifts under pressure. A scale converts the R1
wavelength λ (with the ambient reference λ0 measured on the same ruby) to pressure; the
fit finds λ in a spectrum as the long-wavelength member of the R1/R2 doublet.

>>> round(float(pressure_from_r1(700.0, scale="mao1986-hydrostatic")), 3)
16.241
>>> round(float(r1_from_pressure(10.0, scale="shen2020")), 3)
697.847
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from dackit.core import lineshapes
from dackit.core.fitting import FitResult, PeakModel, fit_batch
from dackit.core.lsq import (covariance_from_jacobian, covariance_to_correlation, covariance_to_stderr,
                             nested_f_test)
from dackit.core.noise import counting_sigma
from dackit.core.quality import Judged, Verdict
from dackit.core.results import Failure
from dackit.core.spectrum import Spectrum, make_spectrum
from dackit.errors import DackitError, InputError, where
from dackit.gauge.lines import (LineGuess, default_reference_note, fit_weighted, locate_line,
                                noise_sigma, pressure_doubts, reference_line, spectrum_in_nm)
from dackit.gauge.scales import Scale, get_scale, warn_outside

#: Ambient R1 wavelength (nm) and its uncertainty used when the user gives no reference:
#: 694.24(1) nm, the λ0 of Mao et al. (1986) and of pRuby's constants (Baharis/pRuby).
DEFAULT_R1_0_NM = 694.24
DEFAULT_R1_0_ERR_NM = 0.01
#: Ambient R2 (nm) at 296 K with :data:`DEFAULT_R1_0_NM`, from the R1–R2 splitting below.
R2_0_NM = 1e7 / (1e7 / 694.24 + 29.7)


def _ragan1992_lines(t):
    """R1 and R2 wavenumbers (cm⁻¹) at ambient pressure and temperature T (K), 0–600 K:
    Ragan, Gustavsen & Schiferl, J. Appl. Phys. 72, 5539 (1992):
    ν_R1 = 14423 + 4.49e-2 T − 4.81e-4 T² + 3.71e-7 T³,
    ν_R2 = 14452 + 3.00e-2 T − 3.88e-4 T² + 2.55e-7 T³."""
    t = np.asarray(t, dtype=float)
    return (14423.0 + 4.49e-2 * t - 4.81e-4 * t**2 + 3.71e-7 * t**3,
            14452.0 + 3.00e-2 * t - 3.88e-4 * t**2 + 2.55e-7 * t**3)


#: R1–R2 splitting (cm⁻¹) at 296 K and ambient pressure: 29.7 cm⁻¹ from Ragan et al. (1992)
#: (the ²E splitting, 29 cm⁻¹ near 0 K, Syassen, High Press. Res. 28, 75 (2008)). Free
#: doublet fits of the corpus's resolved ambient spectra (T-Rax, Rubycond_OF, hezy, pRuby,
#: myPGM: five sources) give 29.6–29.9 cm⁻¹. (Before: 31.0 cm⁻¹ from pRuby's R2_0 = 692.75 nm.)
SPLIT_CM = float(np.subtract(*_ragan1992_lines(296.0)[::-1]))
#: Standard uncertainty (cm⁻¹) of the splitting under pressure, used as a prior where the
#: doublet is not resolved. No calibration of the splitting against pressure exists in the
#: ruby scales; Forman et al., Science 176, 284 (1972) give R1 and R2 shifts of −0.77(3) and
#: −0.84(3) cm⁻¹/kbar (a splitting falling ~0.7 cm⁻¹/GPa to 2.2 GPa), and non-hydrostatic
#: stress changes it (Adams, Appleby & Sharma, J. Phys. E 9, 1140 (1976)); resolved doublets
#: in the corpus span 29.1–32.0 cm⁻¹ at 0–7 GPa, the upper end in broadened, non-hydrostatic
#: loadings. 2 cm⁻¹ covers that spread; where the data constrain the splitting they win.
SPLIT_CM_ERR = 2.0
#: Prior on ln(FWHM_R2/FWHM_R1) for an unresolved doublet: R2 may broaden more than R1
#: under non-hydrostatic stress (issue 10: a shared width biases R1 by −0.1 to −0.2 GPa at
#: 50 GPa when R2 is 30 % broader); ±0.3 lets the blend's blue wing decide.
WIDTH_RATIO_LN_ERR = 0.3

DEFAULT_SCALE = "shen2020"
#: Where an R1 line may lie: 50 K at ambient (−0.9 nm) up to ~150 GPa.
R1_SEARCH_NM = (688.0, 760.0)
#: Ruby lines broader than this are not ruby (R1 FWHM is ~0.5 nm at ambient, a few nm in
#: solid media at tens of GPa).
MAX_FWHM_NM = 6.0
#: Temperature the scales refer to (Datchi et al. 2007 use 296 K).
T_REF_K = 296.0

RUBY_SCALES: dict[str, Scale] = {s.name: s for s in (
    Scale("mao1986-hydrostatic", "mao", A=1904.0, B=7.665, lambda0_nm=694.24, medium="Ar", max_pressure_gpa=80,
          citation="Mao, Xu & Bell, J. Geophys. Res. 91, 4673 (1986): quasi-hydrostatic (Ar), "
                   "A = 1904 GPa, B = 7.665."),
    Scale("mao1978-nonhydrostatic", "mao", A=1904.0, B=5.0, lambda0_nm=694.2, max_pressure_gpa=100,
          citation="Mao, Bell, Shaner & Steinberg, J. Appl. Phys. 49, 3276 (1978): non-hydrostatic, "
                   "A = 1904 GPa, B = 5."),
    Scale("piermarini1975", "linear", A=2.740 * 694.24, lambda0_nm=694.24, medium="ME 4:1",
          max_pressure_gpa=19.5,
          citation="Piermarini, Block, Barnett & Forman, J. Appl. Phys. 46, 2774 (1975): linear, "
                   "dλ/dP = 0.365 nm/GPa (2.740 kbar/Å)."),
    Scale("dewaele2004", "mao", A=1904.0, B=9.5, medium="He", max_pressure_gpa=153,
          citation="Dewaele, Loubeyre & Mezouar, Phys. Rev. B 70, 094112 (2004): A = 1904 GPa, B = 9.5."),
    Scale("chijioke2005", "mao", A=1876.0, B=10.71, lambda0_nm=694.24, max_pressure_gpa=150,
          citation="Chijioke, Nellis, Soldatov & Silvera, J. Appl. Phys. 98, 114905 (2005): "
                   "A = 1876(6.7) GPa, B = 10.71(14)."),
    Scale("dorogokupets2007", "poly", A=1884.0, B=5.5, lambda0_nm=694.24, max_pressure_gpa=150,
          citation="Dorogokupets & Oganov, Phys. Rev. B 75, 024115 (2007): P = A·x(1 + B·x), "
                   "x = Δλ/λ0, A = 1884 GPa, B = 5.5."),
    Scale("dewaele2008", "mao", A=1920.0, B=9.61, medium="He", max_pressure_gpa=180,
          citation="Dewaele, Torrent, Loubeyre & Mezouar, Phys. Rev. B 78, 104102 (2008): "
                   "A = 1920(20) GPa, B = 9.61(5)."),
    Scale("jacobsen2008", "mao", A=1904.0, B=10.32, lambda0_nm=694.2, medium="He", max_pressure_gpa=118,
          citation="Jacobsen et al., Am. Mineral. 93, 1823 (2008), doi:10.2138/am.2008.2988: He medium, "
                   "A = 1904 GPa (Mao's value kept), B = 10.32(7). (One compilation quotes A = 1940; "
                   "we follow pRuby's 1904.)"),
    Scale("shen2020", "poly", A=1870.0, B=5.63, lambda0_nm=694.25, medium="He", max_pressure_gpa=150,
          citation="Shen et al. (IPPS), High Press. Res. 40, 299 (2020), 'IPPS-Ruby2020': "
                   "P = A·x(1 + B·x), x = Δλ/λ0, A = 1870(10) GPa, B = 5.63(3)."),
)}


# --- temperature correction of R1 -------------------------------------------------------

def _datchi2007(t):
    """Datchi et al., High Press. Res. 27, 447 (2007), Eq. 2: Δλ_R1(T) in nm, ΔT = T − 296 K.

    296–900 K: 7.46e-3ΔT − 3.01e-6ΔT² + 8.76e-9ΔT³; 50–296 K: 6.64e-3ΔT + 6.76e-6ΔT² −
    2.33e-8ΔT³; below 50 K: −0.887 nm. Assumed independent of pressure (as the authors do).
    """
    dt = t - 296.0
    high = 7.46e-3 * dt - 3.01e-6 * dt**2 + 8.76e-9 * dt**3
    low = 6.64e-3 * dt + 6.76e-6 * dt**2 - 2.33e-8 * dt**3
    return np.where(t >= 296.0, high, np.where(t >= 50.0, low, -0.887))


def _ragan1992(t):
    """Ragan, Gustavsen & Schiferl, J. Appl. Phys. 72, 5539 (1992), 0–600 K:
    ν_R1(T) = 14423 + 4.49e-2 T − 4.81e-4 T² + 3.71e-7 T³ cm⁻¹; shift relative to 296 K in nm."""
    def nu(tt):
        return 14423.0 + 4.49e-2 * tt - 4.81e-4 * tt**2 + 3.71e-7 * tt**3
    return 1e7 / nu(t) - 1e7 / nu(T_REF_K)


def _vos1991(t):
    """Vos & Schouten, J. Appl. Phys. 69, 6744 (1991), Eq. 3, 15–600 K: λ(T) − λ(300 K) =
    6.591e-3ΔT + 7.624e-6ΔT² − 1.733e-8ΔT³ nm, ΔT = T − 300 K; returned relative to 296 K.
    (Cited in the issue as J. Appl. Phys. 69, 6519; the paper is at p. 6744.)"""
    def shift(tt):
        dt = tt - 300.0
        return 6.591e-3 * dt + 7.624e-6 * dt**2 - 1.733e-8 * dt**3
    return shift(t) - shift(T_REF_K)


#: method → (function of T giving the R1 shift in nm from 296 K, valid T range in K)
TEMPERATURE_CORRECTIONS = {
    "datchi2007": (_datchi2007, (0.0, 900.0)),
    "ragan1992": (_ragan1992, (0.0, 600.0)),
    "vos1991": (_vos1991, (15.0, 600.0)),
}


def r1_temperature_shift(temperature_k, method: str = "datchi2007"):
    """Shift (nm) of the R1 line at temperature T relative to 296 K, at constant pressure.

    >>> round(float(r1_temperature_shift(400.0)), 3)
    0.753
    """
    try:
        func, (lo, hi) = TEMPERATURE_CORRECTIONS[method]
    except KeyError:
        raise InputError(f"unknown temperature correction {method!r}; choose one of "
                         f"{', '.join(TEMPERATURE_CORRECTIONS)}") from None
    t = np.asarray(temperature_k, dtype=float)
    if np.any((t < lo) | (t > hi)) or not np.all(np.isfinite(t)):
        raise InputError(f"temperature {temperature_k} K is outside the {lo:.0f}–{hi:.0f} K range "
                         f"of the {method} correction")
    return func(t)


# --- calibration: pressure ↔ R1 -----------------------------------------------------------

def pressure_from_r1(r1_nm, *, scale: str = DEFAULT_SCALE, lambda0_nm: float = DEFAULT_R1_0_NM,
                     temperature_k=None, t_correction: str = "datchi2007"):
    """Pressure (GPa) from the R1 wavelength (nm); vectorised.

    ``lambda0_nm`` is the ambient R1 of the same ruby at room temperature. With
    ``temperature_k`` the measured line is first brought back to 296 K with the chosen
    correction (the reference is assumed measured at room temperature).

    Parameters
    ----------
    r1_nm : float or array_like
        R1 wavelength(s) in nm.
    scale : str, default 'shen2020'
        Calibration, a key of :data:`~dackit.gauge.RUBY_SCALES`.
    lambda0_nm : float, default 694.24
        Reference (ambient-pressure) wavelength of the line in nm, measured on the same
        crystal where possible.
    temperature_k : float, optional
        Sample temperature in K; None means the scale's reference temperature (no
        correction).
    t_correction : str, default 'datchi2007'
        Temperature correction of the R1 line: a key of
        ``dackit.gauge.ruby.TEMPERATURE_CORRECTIONS`` (``"datchi2007"`` or ``"ragan1992"``).
    """
    lam = np.asarray(r1_nm, dtype=float)
    if temperature_k is not None:
        lam = lam - r1_temperature_shift(temperature_k, t_correction)
    sc = get_scale(RUBY_SCALES, scale, "ruby")
    return warn_outside(sc, sc.pressure(lam, lambda0_nm), "ruby")


def r1_from_pressure(pressure_gpa, *, scale: str = DEFAULT_SCALE, lambda0_nm: float = DEFAULT_R1_0_NM,
                     temperature_k=None, t_correction: str = "datchi2007"):
    """R1 wavelength (nm) at a pressure (GPa) — the exact inverse of :func:`pressure_from_r1`.

    Parameters
    ----------
    pressure_gpa : float or array_like
        Pressure in GPa.
    scale : str, default 'shen2020'
        Calibration, a key of :data:`~dackit.gauge.RUBY_SCALES`.
    lambda0_nm : float, default 694.24
        Reference (ambient-pressure) wavelength of the line in nm, measured on the same
        crystal where possible.
    temperature_k : float, optional
        Sample temperature in K; None means the scale's reference temperature (no
        correction).
    t_correction : str, default 'datchi2007'
        Temperature correction of the R1 line: a key of
        ``dackit.gauge.ruby.TEMPERATURE_CORRECTIONS`` (``"datchi2007"`` or ``"ragan1992"``).
    """
    lam = get_scale(RUBY_SCALES, scale, "ruby").wavelength(pressure_gpa, lambda0_nm)
    if temperature_k is not None:
        lam = lam + r1_temperature_shift(temperature_k, t_correction)
    return lam


def r2_from_r1(r1_nm):
    """R2 wavelength (nm) for an R1 line, with the ambient splitting :data:`SPLIT_CM` (cm⁻¹)."""
    return 1e7 / (1e7 / np.asarray(r1_nm, dtype=float) + SPLIT_CM)


# --- the fit ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RubyFit(Judged):
    """Pressure from one ruby spectrum, with the fit behind it."""

    source: str
    pressure_gpa: float
    pressure_gpa_err: float
    r1_nm: float
    r1_nm_err: float
    r2_nm: float
    r2_nm_err: float
    fwhm_nm: float
    scale: str
    lambda0_nm: float
    lambda0_nm_err: float
    temperature_k: float | None
    resolved: bool          # False: R1/R2 unresolved, splitting held by its literature prior
    window_nm: tuple[float, float]
    fit: FitResult
    model: str = "shared-width"     # "shared-width" | "free-width" | "tied-splitting"
    r2_r1_ratio: float = float("nan")
    verdict: Verdict = Verdict()


    def to_dict(self) -> dict:
        """Every scalar result of the fit (the CLI picks its contract keys from these)."""
        return {"file": self.source, "pressure_gpa": self.pressure_gpa,
                "pressure_gpa_err": self.pressure_gpa_err, "r1_nm": self.r1_nm,
                "r1_nm_err": self.r1_nm_err, "r2_nm": self.r2_nm, "r2_nm_err": self.r2_nm_err,
                "scale": self.scale, "fwhm_nm": self.fwhm_nm, "resolved": self.resolved,
                "lambda0_nm": self.lambda0_nm, "lambda0_nm_err": self.lambda0_nm_err,
                "temperature_k": self.temperature_k, "window_nm": [float(w) for w in self.window_nm],
                "redchi": float(self.fit.redchi), "model": self.model, "r2_r1_ratio": self.r2_r1_ratio,
                **self.verdict.to_dict()}


MODEL = PeakModel(shape="pseudo_voigt", n_peaks=2, shared_width=True, baseline_degree=1)
#: R1 and R2 each with their own width and shape. Under pressure (and non-hydrostatic
#: stress) R2 broadens more than R1; a shared width then pulls R1 towards R2 (≈ +0.03 nm
#: at 14 GPa, issue 10). The data choose between the two (:func:`_choose_model`).
FREE_MODEL = PeakModel(shape="pseudo_voigt", n_peaks=2, shared_width=False, baseline_degree=1)
#: The free-width model replaces the shared one only when its χ² improvement is significant
#: at this level (F-test for nested models, 2 extra parameters).
MODEL_CHOICE_P = 0.01
#: A doublet sampled coarser than this (nm per point) cannot be resolved: R1 rests on the
#: ambient splitting and the line shape, and its pressure is marked doubtful.
MAX_UNRESOLVED_STEP_NM = 0.3
#: Plausible R2/R1 peak-height ratio (≈0.5–0.7 for ruby at room temperature; outside this
#: band the pair is likely not R1/R2, or another line overlaps).
R2_R1_RATIO_RANGE = (0.15, 1.0)
#: Residual structure: the misfit (smoothed over half a line width) near R1 above this
#: fraction of the R1 height means the model does not describe the lines.
MAX_MISFIT_FRACTION = 0.10


def _window(guess: LineGuess, x: np.ndarray) -> tuple[float, float]:
    """Fit range: the doublet plus a few widths of baseline on each side."""
    split = guess.center_nm - float(r2_from_r1(guess.center_nm))
    w = max(guess.fwhm_nm, 0.3)
    return (max(guess.center_nm - split - 4 * w - 1.0, x[0]),
            min(guess.center_nm + 4 * w + 1.0, x[-1]))


def _start(guess: LineGuess, x_ref: float) -> np.ndarray:
    split = guess.center_nm - float(r2_from_r1(guess.center_nm))
    # An unresolved doublet's half-maximum width overstates each line's width.
    fwhm = guess.fwhm_nm - 0.5 * split if guess.fwhm_nm > 1.5 * split else guess.fwhm_nm
    return np.array([guess.height, guess.center_nm, 0.5 * guess.height, guess.center_nm - split,
                     max(fwhm, 0.05), 0.5, guess.baseline, 0.0])


def _doublet_ok(p: dict, guess: LineGuess) -> bool:
    """Is a free fit a physical R1/R2 doublet (not noise, not one line split in two)?"""
    sep = abs(p["center0"] - p["center1"])
    strong, weak = sorted((p["amplitude0"], p["amplitude1"]), reverse=True)
    return (0.7 < sep < 3.0 and p["fwhm"] < 0.9 * sep + 0.3 and strong > 0 and weak > 0.05 * strong
            and weak < 1.5 * strong)


def _tied_fit(x, y, guess: LineGuess, window, degree: int) -> tuple[FitResult, np.ndarray]:
    """R1/R2 where the doublet is not resolved: the splitting held near its literature value.

    Parameters: R1 height and centre, R2/R1 height ratio, R1 FWHM, a shared η, the ratio of
    the R2 to the R1 FWHM, the splitting (cm⁻¹) and the baseline. Two priors enter the
    least squares as extra residuals: splitting = :data:`SPLIT_CM` ± :data:`SPLIT_CM_ERR`
    and ln(FWHM ratio) = 0 ± :data:`WIDTH_RATIO_LN_ERR`. A free two-line fit of a blend is
    degenerate; fixing the splitting and a shared width (the former model) turned an R2
    broader than R1 into an R1 0.1–0.2 GPa low at 50 GPa. With priors the data decide where
    they can, and the R1 error carries the splitting's uncertainty where they cannot.

    Weights: a white-noise σ first, then counting noise from that fit
    (:func:`~dackit.core.noise.counting_sigma`), scaled up by √χ²_ν when the residuals
    exceed it (ripple, a distorted line), so that the priors keep their weight against
    over-trusted data. A single-spectrum fit, so scipy's trust-region solver is the right
    tool. Returns the fit (in the free-width model's parameters) and the σ of each point.
    """
    keep = (x >= window[0]) & (x <= window[1])
    xw, yw = x[keep], y[keep]
    x_ref = 0.5 * (window[0] + window[1])
    n_line = 7

    def r2_of(c1, split):
        return 1e7 / (1e7 / c1 + split)

    def model(q, xx):
        a1, c1, ratio, fwhm, eta, wr, split, *b = q
        base = np.polyval(b[::-1], xx - x_ref)
        return (lineshapes.pseudo_voigt(xx, a1, c1, fwhm, eta)
                + lineshapes.pseudo_voigt(xx, ratio * a1, r2_of(c1, split), wr * fwhm, eta) + base)

    def residuals(q, sw):
        prior = [(q[6] - SPLIT_CM) / SPLIT_CM_ERR, np.log(q[5]) / WIDTH_RATIO_LN_ERR]
        return np.r_[(model(q, xw) - yw) / sw, prior]

    def pack(sol, inflate: float = 1.0) -> FitResult:
        # χ² against counting noise (before any inflation), so χ²_ν still shows a misfit
        dof = max(xw.size - sol.x.size, 1)
        chi2 = float(np.sum(sol.fun[:-2] ** 2)) * inflate**2
        cov = covariance_from_jacobian(sol.jac, sol.fun, scale=False).matrix
        a1, c1, ratio, fwhm, eta, wr, split, *b = sol.x
        # the free-width doublet's parameters, so the result reads like any other fit
        names = FREE_MODEL.param_names
        values = np.r_[a1, c1, fwhm, eta, ratio * a1, r2_of(c1, split), wr * fwhm, eta, b]
        g = np.zeros((len(names), sol.x.size))
        g[0, 0] = g[1, 1] = g[2, 3] = g[3, 4] = g[7, 4] = 1.0
        g[4, 0], g[4, 2] = ratio, a1
        h = 1e-4
        g[5, 1] = (r2_of(c1 + h, split) - r2_of(c1 - h, split)) / (2 * h)
        g[5, 6] = (r2_of(c1, split + h) - r2_of(c1, split - h)) / (2 * h)
        g[6, 3], g[6, 5] = wr, fwhm
        g[8:, n_line:] = np.eye(len(names) - 8)
        covar = g @ cov @ g.T
        err = covariance_to_stderr(covar)
        correl = covariance_to_correlation(covar)
        return FitResult(model=FREE_MODEL, params=dict(zip(names, map(float, values))),
                         stderr=dict(zip(names, map(float, err))), covar=covar, correl=correl,
                         chi2=chi2, redchi=chi2 / dof, ndata=int(xw.size), nvarys=int(sol.x.size),
                         nfev=int(sol.nfev), success=bool(sol.success), message=str(sol.message),
                         x_ref=float(x_ref))

    split_nm = guess.center_nm - float(r2_of(guess.center_nm, SPLIT_CM))
    fwhm0 = guess.fwhm_nm - 0.5 * split_nm if guess.fwhm_nm > 1.5 * split_nm else guess.fwhm_nm
    q0 = np.r_[guess.height, guess.center_nm, 0.5, np.clip(fwhm0, 0.05, 9.0), 0.5, 1.0, SPLIT_CM,
               guess.baseline, np.zeros(degree)]
    lo = np.r_[0, window[0], 0.05, 1e-3, 0, 0.5, SPLIT_CM - 5 * SPLIT_CM_ERR, -np.inf * np.ones(degree + 1)]
    hi = np.r_[np.inf, window[1], 1.5, 10.0, 1, 2.0, SPLIT_CM + 5 * SPLIT_CM_ERR, np.inf * np.ones(degree + 1)]
    sigma = np.full_like(x, max(noise_sigma(y), 1e-12 * max(1.0, float(np.max(np.abs(y))))))
    # A blend has several local minima along R1 (R1 high with a strong R2, or low with a weak
    # one); start from the blend's maximum and half a splitting either side, keep the best.
    trials = []
    for shift in (0.0, 0.5 * split_nm, -0.5 * split_nm, split_nm):
        start = q0.copy()
        start[1] = np.clip(guess.center_nm + shift, window[0], window[1])
        trials.append(least_squares(residuals, start, args=(sigma[keep],), bounds=(lo, hi), x_scale="jac"))
    sol = min(trials, key=lambda t: t.cost)
    sigma = counting_sigma(x, y, pack(sol), window)
    inflate = 1.0
    for _ in range(2):
        sol = least_squares(residuals, np.clip(sol.x, lo, hi), args=(sigma[keep],), bounds=(lo, hi),
                            x_scale="jac")
        redchi = float(np.sum(sol.fun[:-2] ** 2)) / max(xw.size - sol.x.size, 1)
        if redchi <= 1.0:
            break
        # residuals beyond the noise model: the data say less than σ claims
        sigma = sigma * np.sqrt(redchi)
        inflate *= np.sqrt(redchi)
    return pack(sol, inflate), sigma


def _split_cm(fit: FitResult) -> float:
    """R1–R2 splitting (cm⁻¹) of a doublet fit."""
    d = _line_params(fit)
    return float(1e7 / d["r2"]["center"] - 1e7 / d["r1"]["center"])


#: A rise at R2's place above this fraction of the line's height (and above the dip between
#: them) gives a line its R2: a ruby doublet, not a singlet such as the Sm:SrB4O7 0-0 line.
R2_PARTNER_MIN_FRACTION = 0.2


def has_r2_partner(x: np.ndarray, y: np.ndarray, guess: LineGuess) -> bool:
    """Does a line stand at R2's place (R1 + 29.7 cm⁻¹) beside the line found, higher than
    the dip between them? True for a resolved ruby doublet, False for a singlet.

    Parameters
    ----------
    x, y : numpy.ndarray
        Spectrum, x in nm ascending.
    guess : LineGuess
        The line found (:func:`~dackit.gauge.lines.locate_line`), taken as R1.
    """
    from scipy.ndimage import uniform_filter1d

    r1 = guess.center_nm
    r2 = float(r2_from_r1(r1))
    smooth = uniform_filter1d(y, 3, mode="nearest") - guess.baseline
    at = np.abs(x - r2) <= 0.3 * (r1 - r2)
    mid = np.abs(x - 0.5 * (r1 + r2)) <= 0.1 * (r1 - r2)
    if at.sum() < 2 or mid.sum() < 1:
        return False
    peak = float(np.max(smooth[at]))
    return peak > R2_PARTNER_MIN_FRACTION * guess.height and peak > float(np.min(smooth[mid]))


#: At most this many singlets stronger than R1 are set aside while looking for the doublet.
MAX_SINGLETS_ASIDE = 3


def _past_a_singlet(x, y, guess: LineGuess, source: str) -> tuple[LineGuess, str | None]:
    """R1 when the strongest line in the window is a narrow singlet (the Sm:SrB4O7 0-0 line
    of a second gauge in the cell, above ~10 GPa inside 688-760 nm): the ruby doublet beside
    it, with a note, or the guess unchanged. A Sm line twice R1's height was fitted as R1
    (-9 GPa, doubtful) beside a clean 20 GPa ruby doublet."""
    keep = np.ones(x.size, dtype=bool)
    aside: list[float] = []
    line = guess
    # a few singlets may stand above R1 (a neon lamp's 692.9 and 703.2 nm lines)
    for _ in range(MAX_SINGLETS_ASIDE + 1):
        split = line.center_nm - float(r2_from_r1(line.center_nm))
        if line.fwhm_nm >= 0.5 * split or has_r2_partner(x[keep], y[keep], line):
            break
        if len(aside) == MAX_SINGLETS_ASIDE:
            return guess, None
        aside.append(line.center_nm)
        keep &= np.abs(x - line.center_nm) > 3 * max(line.fwhm_nm, 0.2)
        try:
            line = locate_line(x[keep], y[keep], R1_SEARCH_NM, what="ruby R1", source=source)
        except InputError:
            return guess, None
    if not aside:
        return guess, None
    return line, (f"narrow singlet(s) at {', '.join(f'{c:.2f}' for c in aside)} nm, stronger than R1 and "
                  "without an R2, set aside (the Sm:SrB4O7 0-0 line of a second gauge, or lamp or laser lines)")


def _prepare(spectrum: Spectrum, laser_nm: float | None = None):
    x, y, notes = spectrum_in_nm(spectrum, "ruby", R1_SEARCH_NM, laser_nm=laser_nm)
    guess = locate_line(x, y, R1_SEARCH_NM, what="ruby R1", source=spectrum.source)
    guess, note = _past_a_singlet(x, y, guess, spectrum.source)
    return x, y, guess, [*notes, note] if note else notes


def _line_params(fit: FitResult) -> dict:
    """R1 and R2 (by wavelength) of a shared- or free-width doublet fit: centre, error, height, FWHM."""
    p, e = fit.params, fit.stderr
    shared = fit.model.shared_width
    lines = []
    for i in (0, 1):
        sfx = "" if shared else str(i)
        lines.append({"center": p[f"center{i}"], "err": e[f"center{i}"], "height": p[f"amplitude{i}"],
                      "fwhm": p["fwhm" + sfx], "eta": p["eta" + sfx]})
    r1, r2 = sorted(lines, key=lambda d: d["center"], reverse=True)
    return {"r1": r1, "r2": r2}


def _free_doublet_ok(fit: FitResult) -> bool:
    """Is a free-width fit still a physical R1/R2 pair (not one line split, not noise)?"""
    d = _line_params(fit)
    r1, r2 = d["r1"], d["r2"]
    sep = r1["center"] - r2["center"]
    widths = (r1["fwhm"], r2["fwhm"])
    return (fit.success and 0.7 < sep < 3.0 and max(widths) < 0.9 * sep + 0.3
            and 1 / 3 < widths[1] / widths[0] < 3 and r1["height"] > 0 and r2["height"] > 0.05 * r1["height"]
            and np.isfinite(r1["err"]) and 0 < r1["err"] < 1.0)


def _choose_model(shared: FitResult, free: FitResult) -> tuple[FitResult, str, str]:
    """Shared or free widths, by an F-test on the weighted χ² of the two nested fits.

    Both fits use the same per-point σ, so their χ² are comparable; the free model has
    two more parameters (a second FWHM and η). Returns (fit, model name, note).
    """
    extra = free.nvarys - shared.nvarys
    dof = free.ndata - free.nvarys
    if not (_free_doublet_ok(free) and dof > 0 and extra > 0 and free.chi2 < shared.chi2):
        return shared, "shared-width", "model: R1 and R2 share width and shape"
    p_value = nested_f_test(shared.chi2, free.chi2, extra, dof)
    if p_value < MODEL_CHOICE_P:
        return free, "free-width", (f"model: R1 and R2 with their own widths (F-test p = {p_value:.2g} "
                                    "against a shared width)")
    return shared, "shared-width", (f"model: R1 and R2 share width and shape (free widths not "
                                    f"significant, F-test p = {p_value:.2g})")


def _misfit_fraction(x, y, fit: FitResult, r1: dict,
                     window: tuple[float, float] | None = None) -> tuple[float, float]:
    """Largest smoothed residual, as a fraction of the R1 height, and where it is (nm).

    Searched within ±2 FWHM of R1 and over the whole fit ``window``: a line the model does
    not hold anywhere in the window (a second ruby grain at another pressure, whose R2 may
    sit on this R1) means the doublet fit is not describing the data. χ²_ν cannot say so,
    since the counting-noise model is itself fitted to the residuals (issue 10: a second
    chip at 10 GPa at half the height pulled a 5.0 GPa R1 to 5.1 GPa, χ²_ν = 0.98, 'ok').
    """
    from scipy.ndimage import uniform_filter1d

    near = np.abs(x - r1["center"]) <= 2 * max(r1["fwhm"], 1e-3)
    if window is not None:
        near |= (x >= window[0]) & (x <= window[1])
    if near.sum() < 5 or r1["height"] <= 0:
        return 0.0, float(r1["center"])
    step = float(np.median(np.diff(x)))
    k = max(1, int(round(0.5 * r1["fwhm"] / step)))
    resid = np.abs(uniform_filter1d(y - fit.eval(x), k, mode="nearest"))
    i = int(np.argmax(np.where(near, resid, -np.inf)))
    return float(resid[i] / r1["height"]), float(x[i])


#: R1's maximum and the centre of a symmetric fit are two readings of "the R1 position";
#: where they differ by more than this (GPa, the precision issue 10 asks of a ruby
#: pressure) the line is distorted and the number depends on the estimator: doubtful.
MAX_ASYMMETRY_GPA = 0.05

#: An R1 position error (from the fit, before the reference's) above this many GPa cannot
#: give the 0.05 GPa a reading needs: doubtful. Two grains 1.5 GPa apart at 0.8× height
#: gave a flat-topped R1 whose top refit put it at 4.88 ± 0.44 GPa for a 5.0 GPa grain, 'ok'
#: (only errors ≥ 0.5 GPa were doubtful). Clean spectra of the corpus locate R1 to 0.01 GPa.
MAX_R1_ERR_GPA = 0.1

#: Half-width of the R1 top refit, in units of the R1 FWHM: the top ~85 % of the line,
#: where an asymmetric tail has not yet pulled the shape away from the maximum.
TOP_HALF_WIDTH = 0.25


def _r1_top(x, y, sigma, fit: FitResult) -> tuple[float, float] | None:
    """R1's maximum: a Gaussian refit of ±``TOP_HALF_WIDTH``·FWHM around the fitted centre,
    after subtracting the fitted R2 line and baseline.

    Why: real R1 lines are often asymmetric (a red tail from stress gradients, two grains);
    a symmetric shape fitted to the whole line then puts its centre off the maximum, which
    is what the ruby scales were calibrated on and what other tools (pRuby, T-Rax) report.
    For a symmetric line the top's centre is the line's centre. None when too few points.
    """
    d = _line_params(fit)
    r1 = d["r1"]
    half = TOP_HALF_WIDTH * r1["fwhm"]
    near = np.abs(x - r1["center"]) <= half
    if near.sum() < 7:
        return None
    comps = fit.components(x)
    centres = [fit.params["center0"], fit.params["center1"]]
    i_r2 = int(np.argmin(centres))
    other = comps.get(f"peak{i_r2}", 0.0) + comps.get("baseline", 0.0)
    xs, ys = x[near], (y - other)[near]
    ws = 1.0 / np.asarray(sigma, dtype=float)[near] if sigma is not None else np.ones_like(xs)

    def resid(q):
        return (lineshapes.gaussian(xs, q[0], q[1], q[2]) - ys) * ws

    def jac(q):  # analytic: finite differences took half of fit_ruby's time (bench/ruby_pipeline.py)
        _, g, dc, dw = lineshapes.gaussian_derivatives(xs, q[0], q[1], q[2])
        return np.column_stack([g, dc, dw]) * ws[:, None]

    q0 = np.array([r1["height"], r1["center"], r1["fwhm"]])
    sol = least_squares(resid, q0, jac=jac, x_scale="jac",
                        bounds=([0, r1["center"] - half, 1e-3], [np.inf, r1["center"] + half, 10.0]))
    if not sol.success:
        return None
    cov = covariance_from_jacobian(sol.jac, sol.fun, scale=True)
    err = float(cov.stderr[1])
    if not (np.isfinite(err) and 0 < err < half):
        return None
    return float(sol.x[1]), err


def _verdict(x, y, fit: FitResult, model_name: str, pressure: float, p_err: float, sc: Scale,
             notes_in, model_note: str, doubts_in=(), window=None) -> tuple[Verdict, float]:
    d = _line_params(fit)
    r1, r2 = d["r1"], d["r2"]
    doubts, info = list(doubts_in), list(notes_in) + [model_note]
    step = float(np.median(np.diff(x)))
    ratio = r2["height"] / r1["height"] if r1["height"] > 0 else float("nan")
    if step > MAX_UNRESOLVED_STEP_NM:
        doubts.append(f"R1 and R2 not resolved: {step:.2f} nm per point samples the 1.5 nm doublet too "
                      "coarsely for R1 to be located to a few hundredths of a GPa; use a finer grating")
    if model_name == "tied-splitting":
        split = _split_cm(fit)
        if abs(split - SPLIT_CM) > 3 * SPLIT_CM_ERR:
            doubts.append(f"the unresolved doublet fits only with an R1–R2 splitting of {split:.1f} cm⁻¹, "
                          f"{abs(split - SPLIT_CM) / SPLIT_CM_ERR:.1f}σ from ruby's {SPLIT_CM:.1f} ± "
                          f"{SPLIT_CM_ERR:g} cm⁻¹: the band is not one ruby doublet as modelled "
                          "(a pressure gradient, a second grain, a distorted background)")
        wr = r2["fwhm"] / r1["fwhm"] if r1["fwhm"] > 0 else float("nan")
        if not (0.55 < wr < 1.8):
            doubts.append(f"R2/R1 width ratio {wr:.2f} is at the edge of the unresolved model's range: "
                          "the R1 position depends on how the blend is split")
    if model_name == "tied-splitting" and step <= MAX_UNRESOLVED_STEP_NM:
        info.append(f"R1 and R2 not resolved (splitting from the literature prior; {step:.3f} nm per point, "
                    f"R1 FWHM {r1['fwhm']:.2f} nm)")
    if not (R2_R1_RATIO_RANGE[0] <= ratio <= R2_R1_RATIO_RANGE[1]):
        doubts.append(f"R2/R1 height ratio {ratio:.2f} is outside {R2_R1_RATIO_RANGE[0]}–"
                      f"{R2_R1_RATIO_RANGE[1]} of ruby: another line may overlap, or this is not R1/R2")
    misfit, at_nm = _misfit_fraction(x, y, fit, r1, window)
    if misfit > MAX_MISFIT_FRACTION:
        doubts.append(f"residual structure: the fit misses the data at {at_nm:.2f} nm by {100 * misfit:.0f} % "
                      "of the R1 height (another line such as a second ruby grain, a shoulder or a "
                      "distorted shape)")
    # Ruby R1 broadens from ~0.5 nm with stress; beyond 1 nm + 0.1 nm/GPa even a solid medium
    # does not explain it (Chervin et al., High Press. Res. 21, 305 (2001): ~2 nm at 50 GPa
    # without medium) — likely two grains at different pressures or a non-ruby band.
    max_w = 1.0 + 0.1 * max(pressure, 0.0)
    if r1["fwhm"] > max_w:
        doubts.append(f"R1 FWHM {r1['fwhm']:.2f} nm is implausibly broad for {pressure:.1f} GPa "
                      f"(> {max_w:.1f} nm): strong stress gradients or not a ruby line")
    doubts += pressure_doubts(pressure, p_err, sc, line="R1")
    info.append(f"χ²_ν = {fit.redchi:.3g} (weighted by counting noise)")
    return Verdict.from_checks(doubts, info), float(ratio)


def _result(spectrum, x, y, fit: FitResult, model_name, window, notes, model_note, *, scale,
            lambda0_nm, lambda0_err_nm, temperature_k, t_correction, sigma=None) -> RubyFit:
    d = _line_params(fit)
    r1, r2 = d["r1"], d["r2"]
    pre = where(spectrum.source)
    notes = list(notes)
    top = _r1_top(x, y, sigma, fit) if (fit.success and np.isfinite(r1["err"])) else None
    asymmetry_nm = 0.0
    if top is not None:
        shift = top[0] - r1["center"]
        if abs(shift) > 3 * np.hypot(top[1], r1["err"]):
            asymmetry_nm = shift
            notes.append(f"R1 asymmetric: its maximum is {shift:+.3f} nm from the centre of the "
                         "symmetric fit; the maximum is used")
        # Unresolved: the top's refit is conditional on the fitted R2 under it, whose
        # placement (the splitting prior) the doublet fit's error carries; keep the larger.
        err = max(top[1], r1["err"]) if model_name == "tied-splitting" else top[1]
        r1 = {**r1, "center": top[0], "err": err}
        notes.append("R1 position: maximum from a refit of the line's top")
    if r1["fwhm"] >= MAX_FWHM_NM:
        raise InputError(f"{pre}the line near {r1['center']:.1f} nm is {r1['fwhm']:.1f} nm wide, far broader "
                         f"than ruby R1/R2 (< {MAX_FWHM_NM:.0f} nm even in a solid medium); is this ruby "
                         "fluorescence and not a broad emission of the sample?")
    if not (fit.success and np.isfinite(r1["err"]) and 0 < r1["err"] < 1.0):
        raise InputError(f"{pre}the R1/R2 doublet fit failed ({fit.message}); the spectrum may "
                         "hold no ruby line or too few points across it")
    lam = r1["center"]
    if temperature_k is not None:
        lam = lam - float(r1_temperature_shift(temperature_k, t_correction))
        notes.append(f"R1 brought from {temperature_k:g} K to {T_REF_K:g} K with the {t_correction} "
                     "correction (taken as independent of pressure)")
    sc = get_scale(RUBY_SCALES, scale, "ruby")
    pressure = float(sc.pressure(lam, lambda0_nm))
    dp_dlam, dp_dlam0 = sc.sensitivity(lam, lambda0_nm)
    p_err = float(np.hypot(dp_dlam * r1["err"], dp_dlam0 * lambda0_err_nm))
    doubts = []
    if abs(dp_dlam * r1["err"]) > MAX_R1_ERR_GPA:
        doubts.append(f"R1 located only to ±{abs(dp_dlam * r1['err']):.2f} GPa (±{r1['err']:.3f} nm): a reading "
                      f"needs {MAX_R1_ERR_GPA:g} GPa (a flat or split top, two grains, or too little signal)")
    if abs(asymmetry_nm * dp_dlam) > MAX_ASYMMETRY_GPA:
        doubts.append(f"R1 distorted: its maximum and the centre of a symmetric fit differ by "
                      f"{abs(asymmetry_nm):.3f} nm ({abs(asymmetry_nm * dp_dlam):.2f} GPa), so the pressure "
                      "depends on how R1 is located (stress gradient, a second grain or a shoulder)")
    if lambda0_nm == DEFAULT_R1_0_NM:
        notes.append(default_reference_note("R1", DEFAULT_R1_0_NM, float(-dp_dlam0)))
    verdict, ratio = _verdict(x, y, fit, model_name, pressure, p_err, sc, notes, model_note, doubts,
                              window=window)
    return RubyFit(source=spectrum.source, pressure_gpa=pressure, pressure_gpa_err=p_err,
                   r1_nm=float(r1["center"]), r1_nm_err=float(r1["err"]), r2_nm=float(r2["center"]),
                   r2_nm_err=float(r2["err"]), fwhm_nm=float(r1["fwhm"]), scale=scale,
                   lambda0_nm=float(lambda0_nm), lambda0_nm_err=float(lambda0_err_nm),
                   temperature_k=temperature_k, resolved=model_name != "tied-splitting",
                   window_nm=(float(window[0]), float(window[1])), fit=fit, model=model_name,
                   r2_r1_ratio=ratio, verdict=verdict)


def fit_ruby(spectra: Spectrum | Sequence[Spectrum], *, scale: str = DEFAULT_SCALE,
             lambda0_nm: float = DEFAULT_R1_0_NM, lambda0_err_nm: float = DEFAULT_R1_0_ERR_NM,
             temperature_k: float | None = None, t_correction: str = "datchi2007",
             laser_nm: float | None = None):
    """Fit the R1/R2 doublet and convert R1 to pressure.

    Model: two pseudo-Voigts (R2 on the short-wavelength side) on a linear baseline, fitted
    in a window around the doublet, weighted by counting noise. Shared FWHM and shape, or
    each line its own when an F-test on the two weighted fits says the data need it
    (``model`` says which). Where the spectrometer does not resolve the doublet
    (``model`` "tied-splitting"), the splitting is held near its literature value by a prior
    (:data:`SPLIT_CM` ± :data:`SPLIT_CM_ERR` cm⁻¹) and R2's width may differ from R1's; the
    R1 error then includes the splitting's uncertainty. Every result carries a ``verdict``
    (resolution, R2/R1 ratio, residual structure, width, scale range).

    The pressure error combines the R1 position error from the fit's covariance and the
    uncertainty of the reference λ0: σP² = (∂P/∂λ·σλ)² + (∂P/∂λ0·σλ0)².

    A single :class:`Spectrum` gives a :class:`RubyFit` (or raises :class:`InputError`);
    a sequence is fitted as one batch by the vectorised engine and gives a list holding a
    :class:`RubyFit` or a :class:`~dackit.core.results.Failure` per spectrum.

    Parameters
    ----------
    spectra : Spectrum or sequence of Spectrum
        One spectrum, or several to fit as one batch.
    scale : str, default 'shen2020'
        Calibration, a key of :data:`~dackit.gauge.RUBY_SCALES`.
    lambda0_nm : float, default 694.24
        Reference (ambient-pressure) wavelength of the line in nm, measured on the same
        crystal where possible.
    lambda0_err_nm : float, default 0.01
        Standard error of ``lambda0_nm`` in nm, propagated into the pressure error.
    temperature_k : float, optional
        Sample temperature in K; None means the scale's reference temperature (no
        correction).
    t_correction : str, default 'datchi2007'
        Temperature correction of the R1 line: a key of
        ``dackit.gauge.ruby.TEMPERATURE_CORRECTIONS`` (``"datchi2007"`` or ``"ragan1992"``).
    laser_nm : float, optional
        Excitation wavelength (nm) when the spectra's x axis is a Raman shift (cm⁻¹), as
        Raman spectrometers often record the ruby lines (~3200 cm⁻¹ from 568 nm).

    Examples
    --------
    >>> s = simulate_ruby(12.0, scale="mao1986-hydrostatic", seed=1)
    >>> r = fit_ruby(s, scale="mao1986-hydrostatic")
    >>> abs(r.pressure_gpa - 12.0) < 0.05
    True
    """
    single = isinstance(spectra, Spectrum)
    batch: list[Spectrum] = [spectra] if isinstance(spectra, Spectrum) else list(spectra)
    settings = dict(scale=scale, lambda0_nm=lambda0_nm, lambda0_err_nm=lambda0_err_nm,
                    temperature_k=temperature_k, t_correction=t_correction)
    get_scale(RUBY_SCALES, scale, "ruby")
    if not (600.0 < lambda0_nm < 800.0):
        raise InputError(f"reference R1 wavelength {lambda0_nm} nm is not a ruby R1 line "
                         "(expected about 694.2 nm)")
    if temperature_k is not None:
        r1_temperature_shift(temperature_k, t_correction)  # validate once, before any fitting

    results: list = [None] * len(batch)
    prepared = []
    for i, s in enumerate(batch):
        try:
            prepared.append((i, s, *_prepare(s, laser_nm)))
        except DackitError as exc:
            if single:
                raise
            results[i] = Failure.from_exception(s.source, exc)
    if prepared:
        xs, ys, p0, windows = [], [], [], []
        for _, _, x, y, guess, _ in prepared:
            window = _window(guess, x)
            xs.append(x)
            ys.append(y)
            windows.append(window)
            p0.append(_start(guess, 0.5 * (window[0] + window[1])))
        batch_fit, sigmas = fit_weighted(xs, ys, MODEL, np.array(p0), windows, return_sigma=True)
        # the rival with free widths, same weights, started from the shared fit
        pf = np.array([[q[0], q[1], q[4], q[5], q[2], q[3], q[4], q[5], q[6], q[7]]
                       for q in np.where(batch_fit.success[:, None], batch_fit.params, np.array(p0))])
        free_fit = fit_batch(xs, ys, FREE_MODEL, pf, sigma=sigmas, window=np.asarray(windows, dtype=float))
        for k, (i, s, x, y, guess, notes) in enumerate(prepared):
            try:
                shared = batch_fit[k]
                if shared.success and _doublet_ok(shared.params, guess):
                    fit, name, note = _choose_model(shared, free_fit[k])
                else:
                    fit, sigma = _tied_fit(x, y, guess, windows[k], MODEL.baseline_degree)
                    name = "tied-splitting"
                    note = (f"model: R1/R2 not resolved; splitting held at {SPLIT_CM:.1f} ± {SPLIT_CM_ERR:g} cm⁻¹ "
                            f"(fitted {_split_cm(fit):.1f}), R2 width free about R1's")
                results[i] = _result(s, x, y, fit, name, windows[k], notes, note,
                                     sigma=sigmas[k] if name != "tied-splitting" else sigma, **settings)
            except DackitError as exc:
                if single:
                    raise
                results[i] = Failure.from_exception(s.source, exc)
    return results[0] if single else results


def reference_from_spectrum(spectrum: Spectrum, *, laser_nm: float | None = None) -> tuple[float, float]:
    """The ambient R1 (nm) and its error measured on a reference spectrum, for ``lambda0_nm``.

    The reference must come from the same ruby on the same spectrometer at ambient pressure
    and room temperature: a spectrometer's calibration offset then cancels (issue 10: a
    spectrometer reading ambient R1 at 693.66 nm). The spectrum is fitted like any other,
    then refitted with its own R1 as λ0 so that only the line checks judge it; a doubtful
    line (distorted, unresolved, misfit) is refused rather than used as everyone's zero.

    Parameters
    ----------
    spectrum : Spectrum
        Ruby spectrum at ambient pressure.
    laser_nm : float, optional
        Excitation wavelength when x is a Raman shift (cm⁻¹).

    Returns
    -------
    tuple of float
        (R1 in nm, its standard error in nm).

    Examples
    --------
    >>> s = simulate_ruby(0.0, lambda0_nm=693.66, seed=2)
    >>> r1, err = reference_from_spectrum(s)
    >>> abs(r1 - 693.66) < 0.01
    True
    """
    return reference_line(fit_ruby, lambda r: (r.r1_nm, r.r1_nm_err), spectrum, laser_nm=laser_nm,
                          ambient_nm=DEFAULT_R1_0_NM, line="R1")


# --- simulator ----------------------------------------------------------------------------

def simulate_ruby(pressure_gpa: float, *, scale: str = DEFAULT_SCALE,
                  lambda0_nm: float = DEFAULT_R1_0_NM, temperature_k: float | None = None,
                  wavelength_nm: np.ndarray | None = None, fwhm_nm: float | None = None,
                  eta: float = 0.6, r2_ratio: float = 0.6, peak_counts: float = 2.0e4,
                  baseline: tuple[float, float] = (300.0, 2.0), resolution_nm: float = 0.1,
                  read_noise: float = 8.0, exposure_s: float = 1.0, seed=None,
                  source: str = "") -> Spectrum:
    """A realistic ruby spectrum at a given pressure, as a CCD spectrometer records it.

    R1 from the inverse of the chosen scale (and temperature shift), R2 at the ambient
    splitting in cm⁻¹; pseudo-Voigt lines broadening with pressure (0.5 nm + 0.02 nm/GPa
    unless ``fwhm_nm``: non-hydrostatic media broaden ruby lines); a sloping baseline
    ``(offset, slope per nm)``; convolution with a Gaussian instrument function of FWHM
    ``resolution_nm``; integration over each pixel; Poisson shot noise plus Gaussian read
    noise. The default grid is 1340 pixels over ±~15 nm around R1 (0.022 nm/pixel).

    Parameters
    ----------
    pressure_gpa : float
        True pressure in GPa.
    scale : str, default 'shen2020'
        Calibration used to place R1, a key of :data:`~dackit.gauge.RUBY_SCALES`.
    lambda0_nm : float, default 694.24
        Reference (ambient-pressure) wavelength of the line in nm, measured on the same
        crystal where possible.
    temperature_k : float, optional
        Sample temperature in K; None means the scale's reference temperature (no
        correction).
    wavelength_nm : array_like, optional
        Wavelength grid in nm; a default grid around the line when None.
    fwhm_nm : float, optional
        Line FWHM in nm; by default 0.5 nm + 0.02 nm/GPa.
    eta : float, default 0.6
        Lorentzian fraction of both lines.
    r2_ratio : float, default 0.6
        Height of R2 relative to R1.
    peak_counts : float, default 20000.0
        Counts at the maximum of the line before noise.
    baseline : tuple of float, default (300.0, 2.0)
        (offset in counts, slope in counts per nm) of the background.
    resolution_nm : float, default 0.1
        FWHM in nm of the Gaussian instrument function (0 for none).
    read_noise : float, default 8.0
        Gaussian read-out noise of the detector in counts (added to Poisson shot noise).
    exposure_s : float, default 1.0
        Exposure time recorded in the metadata.
    seed : int, numpy.random.Generator or None, default None
        Seed of the random noise; None draws a fresh one, an int makes the result
        reproducible.
    source : str, default ''
        Where the data came from (usually the file path); kept in the result for messages
        and tables.
    """
    rng = np.random.default_rng(seed)
    r1 = float(r1_from_pressure(pressure_gpa, scale=scale, lambda0_nm=lambda0_nm,
                                temperature_k=temperature_k))
    r2 = float(r2_from_r1(r1))
    if wavelength_nm is None:
        wavelength_nm = np.linspace(r1 - 15.0, r1 + 15.0, 1340)
    x = np.asarray(wavelength_nm, dtype=float)
    width = 0.5 + 0.02 * pressure_gpa if fwhm_nm is None else fwhm_nm
    step = float(np.median(np.diff(x)))
    # Fine grid: 8 sub-samples a pixel, so pixel integration and the instrument function are real.
    fine = np.arange(x[0] - 0.5 * step - 5 * resolution_nm, x[-1] + 0.5 * step + 5 * resolution_nm, step / 8)
    line = (lineshapes.pseudo_voigt(fine, 1.0, r1, width, eta)
            + lineshapes.pseudo_voigt(fine, r2_ratio, r2, width, eta))
    if resolution_nm > 0:
        sig = resolution_nm / 2.3548 / (step / 8)
        k = np.arange(-int(5 * sig) - 1, int(5 * sig) + 2)
        kernel = np.exp(-0.5 * (k / sig) ** 2)
        line = np.convolve(line, kernel / kernel.sum(), mode="same")
    edges = np.r_[x[0] - step / 2, 0.5 * (x[1:] + x[:-1]), x[-1] + step / 2]
    cum = np.concatenate([[0.0], np.cumsum(line) * (step / 8)])
    pixel = np.diff(np.interp(edges, fine - step / 16, cum[:-1])) / np.diff(edges)
    mean = peak_counts * pixel / pixel.max() + baseline[0] + baseline[1] * (x - r1)
    counts = rng.poisson(np.clip(mean, 0, None)).astype(float) + rng.normal(0, read_noise, x.size)
    meta = {"exposure_s": exposure_s, "simulated": True, "true_pressure_gpa": float(pressure_gpa),
            "true_r1_nm": r1, "scale": scale}
    return make_spectrum(x, counts, metadata=meta, source=source)
