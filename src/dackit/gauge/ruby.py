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
from dackit.core.fitting import FitResult, PeakModel
from dackit.core.results import Failure
from dackit.core.spectrum import Spectrum, make_spectrum
from dackit.errors import DackitError, InputError, where
from dackit.gauge.lines import LineGuess, fit_weighted, locate_line, spectrum_in_nm
from dackit.gauge.scales import Scale, get_scale

#: Ambient R1 wavelength (nm) and its uncertainty used when the user gives no reference:
#: 694.24(1) nm, the λ0 of Mao et al. (1986) and of pRuby's constants (Baharis/pRuby).
DEFAULT_R1_0_NM = 694.24
DEFAULT_R1_0_ERR_NM = 0.01
#: Ambient R2 (nm), pRuby constant; with R1 it gives the doublet splitting in wavenumber,
#: taken as pressure-independent where the doublet is not resolved.
R2_0_NM = 692.75
SPLIT_CM = 1e7 / R2_0_NM - 1e7 / DEFAULT_R1_0_NM   # ≈ 31.0 cm⁻¹

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


#: method → (function of T giving the R1 shift in nm from 296 K, valid T range in K)
TEMPERATURE_CORRECTIONS = {
    "datchi2007": (_datchi2007, (0.0, 900.0)),
    "ragan1992": (_ragan1992, (0.0, 600.0)),
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
    """
    lam = np.asarray(r1_nm, dtype=float)
    if temperature_k is not None:
        lam = lam - r1_temperature_shift(temperature_k, t_correction)
    return get_scale(RUBY_SCALES, scale, "ruby").pressure(lam, lambda0_nm)


def r1_from_pressure(pressure_gpa, *, scale: str = DEFAULT_SCALE, lambda0_nm: float = DEFAULT_R1_0_NM,
                     temperature_k=None, t_correction: str = "datchi2007"):
    """R1 wavelength (nm) at a pressure (GPa) — the exact inverse of :func:`pressure_from_r1`."""
    lam = get_scale(RUBY_SCALES, scale, "ruby").wavelength(pressure_gpa, lambda0_nm)
    if temperature_k is not None:
        lam = lam + r1_temperature_shift(temperature_k, t_correction)
    return lam


def r2_from_r1(r1_nm):
    """R2 wavelength (nm) for an R1 line, with the ambient splitting kept constant in cm⁻¹."""
    return 1e7 / (1e7 / np.asarray(r1_nm, dtype=float) + SPLIT_CM)


# --- the fit ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RubyFit:
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
    resolved: bool          # False: R1/R2 unresolved, splitting tied to its ambient value
    window_nm: tuple[float, float]
    fit: FitResult

    def to_dict(self) -> dict:
        """Every scalar result of the fit (the CLI picks its contract keys from these)."""
        return {"file": self.source, "pressure_gpa": self.pressure_gpa,
                "pressure_gpa_err": self.pressure_gpa_err, "r1_nm": self.r1_nm,
                "r1_nm_err": self.r1_nm_err, "r2_nm": self.r2_nm, "r2_nm_err": self.r2_nm_err,
                "scale": self.scale, "fwhm_nm": self.fwhm_nm, "resolved": self.resolved,
                "lambda0_nm": self.lambda0_nm, "lambda0_nm_err": self.lambda0_nm_err,
                "temperature_k": self.temperature_k, "window_nm": [float(w) for w in self.window_nm],
                "redchi": float(self.fit.redchi)}


MODEL = PeakModel(shape="pseudo_voigt", n_peaks=2, shared_width=True, baseline_degree=1)


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


def _tied_fit(x, y, guess: LineGuess, window, degree: int) -> FitResult:
    """R1/R2 with the splitting fixed at its ambient value in cm⁻¹ and the R2/R1 ratio free.

    Used when the spectrometer does not resolve the doublet: a free two-line fit is then
    degenerate. A single-spectrum fit, so scipy's trust-region solver is the right tool.
    """
    keep = (x >= window[0]) & (x <= window[1])
    xw, yw = x[keep], y[keep]
    x_ref = 0.5 * (window[0] + window[1])

    def model(q, xx):
        a1, c1, ratio, fwhm, eta, *b = q
        c2 = r2_from_r1(c1)
        base = np.polyval(b[::-1], xx - x_ref)
        return (lineshapes.pseudo_voigt(xx, a1, c1, fwhm, eta)
                + lineshapes.pseudo_voigt(xx, ratio * a1, c2, fwhm, eta) + base)

    q0 = np.r_[guess.height, guess.center_nm, 0.5, np.clip(guess.fwhm_nm * 0.7, 0.05, 9.0), 0.5,
               guess.baseline, np.zeros(degree)]
    lo = np.r_[0, window[0], 0.05, 1e-3, 0, -np.inf * np.ones(degree + 1)]
    hi = np.r_[np.inf, window[1], 1.5, 10.0, 1, np.inf * np.ones(degree + 1)]
    sol = least_squares(lambda q: model(q, xw) - yw, q0, bounds=(lo, hi), x_scale="jac")
    dof = max(xw.size - q0.size, 1)
    chi2 = float(np.sum(sol.fun**2))
    try:
        cov = np.linalg.inv(sol.jac.T @ sol.jac) * chi2 / dof
    except np.linalg.LinAlgError:
        cov = np.full((q0.size, q0.size), np.nan)
    a1, c1, ratio, fwhm, eta, *b = sol.x
    # Map (a1, c1, ratio, ...) onto the free doublet's parameters so the result reads the same.
    names = MODEL.param_names
    values = np.r_[a1, c1, ratio * a1, r2_from_r1(c1), fwhm, eta, b]
    g = np.zeros((len(names), q0.size))
    g[0, 0] = 1.0
    g[1, 1] = 1.0
    g[2, 0], g[2, 2] = ratio, a1
    g[3, 1] = (r2_from_r1(c1 + 1e-4) - r2_from_r1(c1 - 1e-4)) / 2e-4
    g[4:, 3:] = np.eye(len(names) - 4)
    covar = g @ cov @ g.T
    err = np.sqrt(np.clip(np.diag(covar), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        correl = covar / np.outer(err, err)
    return FitResult(model=MODEL, params=dict(zip(names, map(float, values))),
                     stderr=dict(zip(names, map(float, err))), covar=covar, correl=correl,
                     chi2=chi2, redchi=chi2 / dof, ndata=int(xw.size), nvarys=int(q0.size),
                     nfev=int(sol.nfev), success=bool(sol.success), message=str(sol.message),
                     x_ref=float(x_ref))


def _prepare(spectrum: Spectrum):
    x, y = spectrum_in_nm(spectrum, "ruby")
    guess = locate_line(x, y, R1_SEARCH_NM, what="ruby R1", source=spectrum.source)
    return x, y, guess


def _result(spectrum, fit: FitResult, resolved, window, *, scale, lambda0_nm, lambda0_err_nm,
            temperature_k, t_correction) -> RubyFit:
    p, e = fit.params, fit.stderr
    (r1, r1_err), (r2, r2_err) = sorted([(p["center0"], e["center0"]), (p["center1"], e["center1"])],
                                        reverse=True)
    pre = where(spectrum.source)
    if p["fwhm"] >= MAX_FWHM_NM:
        raise InputError(f"{pre}the line near {r1:.1f} nm is {p['fwhm']:.1f} nm wide, far broader than "
                         f"ruby R1/R2 (< {MAX_FWHM_NM:.0f} nm even in a solid medium); is this ruby "
                         "fluorescence and not a broad emission of the sample?")
    if not (fit.success and np.isfinite(r1_err) and 0 < r1_err < 1.0):
        raise InputError(f"{pre}the R1/R2 doublet fit failed ({fit.message}); the spectrum may "
                         "hold no ruby line or too few points across it")
    lam = r1 if temperature_k is None else r1 - float(r1_temperature_shift(temperature_k, t_correction))
    sc = get_scale(RUBY_SCALES, scale, "ruby")
    pressure = float(sc.pressure(lam, lambda0_nm))
    dp_dlam, dp_dlam0 = sc.sensitivity(lam, lambda0_nm)
    p_err = float(np.hypot(dp_dlam * r1_err, dp_dlam0 * lambda0_err_nm))
    return RubyFit(source=spectrum.source, pressure_gpa=pressure, pressure_gpa_err=p_err,
                   r1_nm=float(r1), r1_nm_err=float(r1_err), r2_nm=float(r2), r2_nm_err=float(r2_err),
                   fwhm_nm=float(p["fwhm"]), scale=scale, lambda0_nm=float(lambda0_nm),
                   lambda0_nm_err=float(lambda0_err_nm), temperature_k=temperature_k,
                   resolved=resolved, window_nm=tuple(map(float, window)), fit=fit)


def fit_ruby(spectra: Spectrum | Sequence[Spectrum], *, scale: str = DEFAULT_SCALE,
             lambda0_nm: float = DEFAULT_R1_0_NM, lambda0_err_nm: float = DEFAULT_R1_0_ERR_NM,
             temperature_k: float | None = None, t_correction: str = "datchi2007"):
    """Fit the R1/R2 doublet and convert R1 to pressure.

    Model: two pseudo-Voigts sharing FWHM and shape (R2 on the short-wavelength side) on a
    linear baseline, fitted in a window around the doublet. Where the spectrometer does not
    resolve the doublet, the splitting is tied to its ambient value in cm⁻¹.

    The pressure error combines the R1 position error from the fit's covariance and the
    uncertainty of the reference λ0: σP² = (∂P/∂λ·σλ)² + (∂P/∂λ0·σλ0)².

    A single :class:`Spectrum` gives a :class:`RubyFit` (or raises :class:`InputError`);
    a sequence is fitted as one batch by the vectorised engine and gives a list holding a
    :class:`RubyFit` or a :class:`~dackit.core.results.Failure` per spectrum.

    >>> s = simulate_ruby(12.0, scale="mao1986-hydrostatic", seed=1)
    >>> r = fit_ruby(s, scale="mao1986-hydrostatic")
    >>> abs(r.pressure_gpa - 12.0) < 0.05
    True
    """
    single = isinstance(spectra, Spectrum)
    batch = [spectra] if single else list(spectra)
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
            prepared.append((i, s, *_prepare(s)))
        except DackitError as exc:
            if single:
                raise
            results[i] = Failure.from_exception(s.source, exc)
    if prepared:
        xs, ys, p0, windows = [], [], [], []
        for _, _, x, y, guess in prepared:
            window = _window(guess, x)
            xs.append(x)
            ys.append(y)
            windows.append(window)
            p0.append(_start(guess, 0.5 * (window[0] + window[1])))
        batch_fit = fit_weighted(xs, ys, MODEL, np.array(p0), windows)
        for k, (i, s, x, y, guess) in enumerate(prepared):
            try:
                fit, resolved = batch_fit[k], True
                if not (fit.success and _doublet_ok(fit.params, guess)):
                    fit, resolved = _tied_fit(x, y, guess, windows[k], MODEL.baseline_degree), False
                results[i] = _result(s, fit, resolved, windows[k], **settings)
            except DackitError as exc:
                if single:
                    raise
                results[i] = Failure.from_exception(s.source, exc)
    return results[0] if single else results


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
