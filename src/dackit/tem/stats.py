"""Size statistics of particle populations, maximum-likelihood distribution fits, shell thickness.

>>> import numpy as np
>>> s = size_statistics(np.random.default_rng(0).normal(6.2, 0.6, 400))
>>> round(s.mean_nm, 1), s.n
(6.2, 400)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.errors import InputError

#: ZnSe (111) interplanar spacing a/√3 with a = 5.668 Å (zinc blende), the monolayer
#: thickness used for core/shell InP/ZnSe nanocrystals (0.327 nm).
ZNSE_111_NM = 0.5668 / np.sqrt(3)


@dataclass(frozen=True)
class SizeStats:
    """N, mean, SD (n−1), standard error of the mean, median (all nm)."""

    n: int
    mean_nm: float
    sd_nm: float
    se_nm: float
    median_nm: float


@dataclass(frozen=True)
class DistributionFit:
    """Maximum-likelihood fit of one distribution to the diameters.

    ``params``/``stderr``: for ``"gaussian"`` ``mu_nm``, ``sigma_nm``; for ``"lognormal"``
    ``mu_log`` (mean of ln d, d in nm), ``sigma_log``. ``mean_nm``/``sd_nm`` are the
    distribution's own mean and SD; ``aic`` = 2k − 2 ln L (Akaike 1974), lower is better.
    """

    form: str
    params: dict
    stderr: dict
    mean_nm: float
    sd_nm: float
    loglike: float
    aic: float

    def pdf(self, d_nm):
        from scipy import stats

        d_nm = np.asarray(d_nm, dtype=float)
        if self.form == "gaussian":
            return stats.norm.pdf(d_nm, self.params["mu_nm"], self.params["sigma_nm"])
        return stats.lognorm.pdf(d_nm, self.params["sigma_log"], scale=np.exp(self.params["mu_log"]))


def _check(d, name="diameters") -> np.ndarray:
    d = np.asarray(d, dtype=float).ravel()
    if d.size == 0:
        raise InputError(f"{name}: no particles to describe")
    if not np.all(np.isfinite(d)) or np.any(d <= 0):
        raise InputError(f"{name}: diameters must be positive finite numbers")
    return d


def size_statistics(diameters_nm) -> SizeStats:
    """Descriptive statistics; SD uses n − 1, SE = SD/√n (NaN for a single particle).

    Parameters
    ----------
    diameters_nm : array_like
        Particle diameters in nm.
    """
    d = _check(diameters_nm)
    sd = float(np.std(d, ddof=1)) if d.size > 1 else float("nan")
    return SizeStats(int(d.size), float(d.mean()), sd, sd / np.sqrt(d.size), float(np.median(d)))


def _fit_gaussian(d):
    n = d.size
    mu, sig = d.mean(), d.std()  # ML estimates (ddof=0)
    ll = float(np.sum(-0.5 * ((d - mu) / sig) ** 2 - np.log(sig * np.sqrt(2 * np.pi))))
    # inverse Fisher information of (mu, sigma): sigma²/n and sigma²/(2n)
    return DistributionFit("gaussian", {"mu_nm": float(mu), "sigma_nm": float(sig)},
                           {"mu_nm": float(sig / np.sqrt(n)), "sigma_nm": float(sig / np.sqrt(2 * n))},
                           float(mu), float(sig), ll, 4 - 2 * ll)


def _fit_lognormal(d):
    n = d.size
    ln = np.log(d)
    mu, sig = ln.mean(), ln.std()
    ll = float(np.sum(-0.5 * ((ln - mu) / sig) ** 2 - np.log(sig * np.sqrt(2 * np.pi)) - ln))
    mean = np.exp(mu + sig**2 / 2)
    sd = mean * np.sqrt(np.expm1(sig**2))
    return DistributionFit("lognormal", {"mu_log": float(mu), "sigma_log": float(sig)},
                           {"mu_log": float(sig / np.sqrt(n)), "sigma_log": float(sig / np.sqrt(2 * n))},
                           float(mean), float(sd), ll, 4 - 2 * ll)


#: distribution forms for :func:`fit_size_distribution`; both have closed-form ML estimates.
FORMS = {"gaussian": _fit_gaussian, "lognormal": _fit_lognormal}


def fit_size_distribution(diameters_nm, form="gaussian") -> DistributionFit:
    """Maximum-likelihood fit of ``form`` (``"gaussian"`` or ``"lognormal"``) with AIC.

    Fitting the raw diameters by ML avoids the bin-choice dependence of a histogram fit
    (the study fitted a Gaussian to the histogram in Origin).

    Parameters
    ----------
    diameters_nm : array_like
        Particle diameters in nm.
    form : {"gaussian", "lognormal"}, default 'gaussian'
        The distribution to fit.
    """
    if form not in FORMS:
        raise InputError(f"form {form!r} unknown; use one of {tuple(FORMS)}")
    d = _check(diameters_nm)
    if d.size < 3 or np.ptp(d) == 0:
        raise InputError("diameters: at least 3 distinct sizes are needed for a distribution fit")
    return FORMS[form](d)


@dataclass(frozen=True)
class ShellThickness:
    """Shell thickness t = (D_cs − D_core)/2 ± SE and the number of monolayers t/layer."""

    thickness_nm: float
    thickness_nm_err: float
    monolayers: float
    monolayers_err: float
    layer_nm: float


def shell_thickness(core, core_shell, layer_nm=ZNSE_111_NM) -> ShellThickness:
    """Shell thickness from the core and core/shell diameter populations.

    ``core``/``core_shell`` are diameter arrays or :class:`SizeStats`; the error combines
    the two standard errors in quadrature (independent samples). ``layer_nm`` defaults to
    the ZnSe (111) spacing, 0.327 nm.

    Parameters
    ----------
    core : array_like or SizeStats
        Diameters (nm) of the cores, or their statistics.
    core_shell : array_like or SizeStats
        Diameters (nm) of the core/shell particles, or their statistics.
    layer_nm : float, default np.float64(0.3272421325766799)
        Thickness of one monolayer in nm (default the ZnSe (111) spacing, 0.327 nm).

    Examples
    --------
    >>> round(shell_thickness(SizeStats(300, 2.5, 1.7, 0.1, 2.5),
    ...                       SizeStats(300, 6.2, 1.7, 0.1, 6.2)).monolayers, 2)
    5.65
    """
    a = core if isinstance(core, SizeStats) else size_statistics(core)
    b = core_shell if isinstance(core_shell, SizeStats) else size_statistics(core_shell)
    if layer_nm <= 0:
        raise InputError(f"layer_nm {layer_nm} must be positive")
    t = (b.mean_nm - a.mean_nm) / 2
    err = float(np.hypot(a.se_nm, b.se_nm) / 2)
    return ShellThickness(float(t), err, float(t / layer_nm), err / layer_nm, float(layer_nm))
