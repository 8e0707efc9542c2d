"""The particle form factor seen under a SAXS pattern, and where it hides Bragg lines.

In a superlattice of nanocrystals (or a mesophase of rods or sheets) the intensity is
I(q) ≈ P(q)·S(q) + background: every Bragg line of S is multiplied by the particle form
factor P. Near a minimum of P a line is weak or gone, however strong its structure factor,
and its absence says nothing against the lattice. :func:`fit_form_factor` estimates P from
the pattern itself, so the indexing (:func:`dackit.saxs.mesophase.index_peaks`) can scale
the expected strength of each line by how deep in a form-factor dip it sits.

Model, fitted to the pattern with the Bragg peaks masked (±2.5 FWHM of each found peak)::

    I(q) = A·⟨P(q; R)⟩ + C₂·q⁻² + C₃·q⁻³ + C₄·q⁻⁴ + D,  all coefficients ≥ 0

with three textbook shapes (Guinier & Fournet, *Small-Angle Scattering of X-rays*, 1955;
Pedersen, Adv. Colloid Interface Sci. 70, 171 (1997)), x = qR:

* ``sphere``: P = [3(sin x − x cos x)/x³]² (zeros at x = 4.493, 7.725, …), volume² ∝ R⁶;
* ``cylinder``: long rods, P = [2 J₁(x)/x]²/q (zeros at x = 3.832, 7.016, …), weight R⁴;
* ``sheet``: flat layers of thickness 2R, P = [sin x / x]²/q² (zeros at x = π, 2π, …),
  weight R²;

each averaged over a Gaussian distribution of R of relative SD σ (weights number × volume²).
R, σ and the shape are searched on a grid; the coefficients follow by non-negative least squares
(minimising the misfit relative to the data). The form factor is only *accepted* when it
matters: the data without the peaks must be described far better with it than by any
smooth curve without one — a power law C·q⁻ⁿ + D with n free, or a quartic in log q of
log I — (χ² at most half, and the smooth curve misfitting: reduced χ² > 3), and a dip
(P at most half its envelope) must fall inside the data. Otherwise nothing is excused and every line keeps its full expected strength.

Other shapes whose fits describe the data nearly as well (χ² within a factor 2, themselves
accepted) are kept as alternatives, and a line counts as hidden if *any* of them puts it in a
dip: a peak-masked pattern rarely tells a sphere from a rod for certain, and excusing too
little would let a lattice win on lines the form factor removed.

``visibility(q)`` = P(q)/envelope(q), between 0 and 1: the envelope is the running maximum
of P·xᵏ (k = 4 for spheres and sheets, 3 for rods: the asymptotic power, which makes the
oscillation flat) over ±π/2 in x — half an oscillation period — so at a maximum of P the
visibility is 1 and at a zero of a monodisperse P it is 0. Below the first maximum of P·xᵏ
(the Guinier region) it is 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.errors import InputError

SHAPES = ("sphere", "cylinder", "sheet")
_K = {"sphere": 4.0, "cylinder": 3.0, "sheet": 4.0}  # asymptotic power of P·q^extra in x
_EXTRA_Q = {"sphere": 0.0, "cylinder": 1.0, "sheet": 2.0}  # q⁻¹ rods, q⁻² sheets
_VOL_POW = {"sphere": 6.0, "cylinder": 4.0, "sheet": 2.0}
_FIRST_ZERO = {"sphere": 4.4934, "cylinder": 3.8317, "sheet": np.pi}


def _mono(shape, x):
    x = np.maximum(x, 1e-6)
    if shape == "sphere":
        return (3 * (np.sin(x) - x * np.cos(x)) / x**3) ** 2
    if shape == "cylinder":
        from scipy.special import j1

        return (2 * j1(x) / x) ** 2
    return (np.sin(x) / x) ** 2


def _poly(shape, q, radius, sigma, n=21):
    """⟨P(q; R)⟩ over a Gaussian size distribution (±3σ), without the q⁻¹/q⁻² factors."""
    t = np.linspace(-3, 3, n)
    rs = radius * (1 + sigma * t)
    w = np.exp(-0.5 * t**2)
    keep = rs > 0
    rs, w = rs[keep], w[keep] * rs[keep] ** _VOL_POW[shape]
    p = _mono(shape, np.outer(rs, q))
    return w @ p / w.sum()


@dataclass(frozen=True)
class FormFactorFit:
    """A form factor fitted under the peaks (see module docstring)."""

    shape: str
    radius_a: float
    polydispersity: float
    chi2: float
    chi2_without: float
    accepted: bool
    #: non-negative coefficients of ⟨P⟩·q^-extra, q⁻², q⁻³, q⁻⁴ and 1 (intensity units)
    coefficients: tuple = ()
    #: fits of other shapes with χ² within a factor 2 of this one, themselves accepted
    alternatives: tuple = ()
    #: points of the (binned) peak-masked pattern the χ² is summed over (0: not known)
    n_points: int = 0

    def shape_margin(self) -> float:
        """How much better this shape describes the data than the best other shape, as a
        log-likelihood ratio: (χ²_other − χ²)/2, divided by the reduced χ² when that exceeds
        one (a model misfit inflates every χ² alike and is no evidence for a shape). Other
        shapes not among :attr:`alternatives` fit at least twice as badly (or are not
        accepted): then the margin is infinite. 0 when not accepted."""
        if not self.accepted:
            return 0.0
        others = [a.chi2 for a in self.alternatives if a.shape != self.shape]
        if not others:
            return float("inf")
        # seven fitted parameters: five non-negative coefficients, R and σ
        redchi = self.chi2 / max(self.n_points - 7, 1) if self.n_points else 1.0
        return max(min(others) - self.chi2, 0.0) / (2 * max(redchi, 1.0))

    def model(self, q) -> np.ndarray:
        """The fitted I(q) without the Bragg peaks: A·⟨P⟩ + C₂q⁻² + C₃q⁻³ + C₄q⁻⁴ + D."""
        q = np.asarray(q, float)
        cols = [_poly(self.shape, q, self.radius_a, self.polydispersity) * q ** -_EXTRA_Q[self.shape],
                q**-2.0, q**-3.0, q**-4.0, np.ones_like(q)]
        return sum(c * col for c, col in zip(self.coefficients, cols))

    def particle_fraction(self, q) -> np.ndarray:
        """Share of the fitted smooth intensity that is particle scattering, A⟨P⟩/model, in
        [0, 1]: the structure factor multiplies this part only, so a pattern divided by its
        smooth background shows S(q) − 1 scaled by it (1 without coefficients)."""
        q = np.atleast_1d(np.asarray(q, float))
        if not self.coefficients:
            return np.ones_like(q)
        part = self.coefficients[0] * _poly(self.shape, q, self.radius_a, self.polydispersity) \
            * q ** -_EXTRA_Q[self.shape]
        total = self.model(q)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.clip(np.where(total > 0, part / total, 1.0), 0.0, 1.0)

    def visibility(self, q) -> np.ndarray:
        """P(q)/envelope(q) in [0, 1]: how much of a line's strength survives at ``q``; the
        lowest over this fit and its :attr:`alternatives` (a line is excused wherever a form
        factor that describes the data about as well could hide it)."""
        q = np.atleast_1d(np.asarray(q, float))
        if not self.accepted:
            return np.ones_like(q)
        own = self._ratio(q)
        for alt in self.alternatives:
            own = np.minimum(own, alt._ratio(q))
        return own

    def _ratio(self, q) -> np.ndarray:
        x_hi = max(float(np.max(q)) * self.radius_a, 1.0) + 2 * np.pi
        x = np.linspace(1e-3, x_hi, 4000)
        g = _poly(self.shape, x, 1.0, self.polydispersity) * x ** _K[self.shape]
        half = int(np.ceil((np.pi / 2) / (x[1] - x[0])))
        from scipy.ndimage import maximum_filter1d

        env = maximum_filter1d(g, 2 * half + 1, mode="nearest")
        ratio = np.clip(g / np.maximum(env, 1e-300), 0, 1)
        first_max = int(np.argmax(np.diff(g) < 0))  # the Guinier region keeps full strength
        ratio[: first_max + 1] = 1.0
        return np.interp(q * self.radius_a, x, ratio)

    def dips(self, q_lo, q_hi, depth=0.5) -> list:
        """q (Å⁻¹) of form-factor minima inside [q_lo, q_hi] where visibility < ``depth``."""
        q = np.linspace(q_lo, q_hi, 2000)
        v = self.visibility(q)
        i = np.flatnonzero((v[1:-1] < v[:-2]) & (v[1:-1] <= v[2:]) & (v[1:-1] < depth)) + 1
        return [float(q[j]) for j in i]


def _nnls_chi2(a, y_rel, yk, sk, scale, want_coef=False):
    """χ² (against the noise) of the non-negative fit of ``yk`` by the columns of ``a``
    (already divided by ``scale``), solved in relative units; with ``want_coef`` also the
    coefficients of the undivided columns."""
    from scipy.optimize import nnls

    norm = np.sqrt(np.einsum("ij,ij->j", a, a))
    norm[norm == 0] = 1.0
    coef, _ = nnls(a / norm, y_rel)
    model = (a / norm) @ coef * scale
    chi2 = float(np.sum(((yk - model) / sk) ** 2))
    return (chi2, coef / norm) if want_coef else chi2


def _smooth_chi2(qk, yk, sk, y_rel, scale):
    """χ² of the best description *without* a form factor: a single power law C·q⁻ⁿ + D
    (n = 1.5…4.5, the knee of Porod or fractal scattering on a flat floor) or a quartic in
    log q of log I (any smooth curvature). Neither can follow a form-factor minimum, a dip
    of a factor of several over ±10 % in q."""
    best = np.inf
    ones = np.ones_like(qk) / scale
    for n in np.arange(1.5, 4.51, 0.25):
        best = min(best, _nnls_chi2(np.column_stack([qk**-n / scale, ones]), y_rel, yk, sk, scale))
    pos = yk > 0
    if pos.sum() > 10:
        lx = np.log(qk)
        u = (lx - lx.mean()) / (np.ptp(lx) / 2 or 1.0)
        w = np.where(pos, np.maximum(yk, 1e-300) / sk, 0.0)  # σ of log I is σ/I
        coef = np.polynomial.polynomial.polyfit(u[pos], np.log(yk[pos]), 4, w=w[pos])
        model = np.exp(np.polynomial.polynomial.polyval(u, coef))
        best = min(best, float(np.sum(((yk - model) / sk) ** 2)))
    return best


def fit_form_factor(q, intensity, noise, peaks=(), *, shapes=SHAPES, n_points=200) -> FormFactorFit | None:
    """Fit a polydisperse form factor plus power law and constant under a SAXS pattern.

    Parameters
    ----------
    q : array_like
        q in Å⁻¹ (increasing).
    intensity : array_like
        Intensities.
    noise : array_like
        Their standard deviations.
    peaks : sequence of SaxsPeak
        Found Bragg peaks; ±2.5 FWHM around each is left out of the fit.
    shapes : sequence of str
        Particle shapes to try (``sphere``, ``cylinder``, ``sheet``).
    n_points : int, default 200
        The pattern is resampled to at most this many points (log-spaced) for the search.

    Returns
    -------
    FormFactorFit or None
        None when too few points are left; ``accepted`` says whether the form factor is
        needed to describe the data (see module docstring).
    """
    if not shapes or any(sh not in SHAPES for sh in shapes):
        raise InputError(f"shapes={tuple(shapes)!r}: give at least one of {SHAPES}")
    q = np.asarray(q, float)
    y = np.asarray(intensity, float)
    s = np.asarray(noise, float)
    keep = (q > 0) & np.isfinite(y) & np.isfinite(s) & (s > 0)
    for p in peaks:
        keep &= np.abs(q - p.q_inv_a) > 2.5 * p.fwhm_inv_a
    if keep.sum() < 30:
        return None
    qk, yk, sk = q[keep], y[keep], s[keep]
    if qk.size > n_points:  # average into log-spaced bins: every decade counts alike
        lq = np.log(qk)
        b = np.minimum(((lq - lq[0]) / (np.ptp(lq) or 1.0) * n_points).astype(int), n_points - 1)
        cnt = np.bincount(b, minlength=n_points).astype(float)
        full = cnt > 0
        cnt = cnt[full]
        qk = np.bincount(b, qk, n_points)[full] / cnt
        yk = np.bincount(b, yk, n_points)[full] / cnt
        sk = np.sqrt(np.bincount(b, sk**2, n_points)[full]) / cnt
    scale = np.maximum(np.abs(yk), 3 * sk)  # relative misfit, floored by the noise
    y_rel = yk / scale
    # with the form factor, the rest as a non-negative mix of q⁻², q⁻³, q⁻⁴ (mass fractals
    # to smooth Porod surfaces) and a constant
    base = np.column_stack([qk**-2.0, qk**-3.0, qk**-4.0, np.ones_like(qk)]) / scale[:, None]
    chi_without = _smooth_chi2(qk, yk, sk, y_rel, scale)
    q_lo, q_hi = qk[0], qk[-1]
    sigmas = (0.04, 0.08, 0.12, 0.17, 0.23)

    def search(shape, radii, best):
        extra = qk ** -_EXTRA_Q[shape] / scale
        for sigma in sigmas:
            for r in radii:
                p = _poly(shape, qk, r, sigma) * extra
                c = _nnls_chi2(np.column_stack([p, base]), y_rel, yk, sk, scale)
                if best is None or c < best[0]:
                    best = (c, shape, r, sigma)
        return best

    # coarse: first zero from half the lowest q to the highest q in steps of ~5 % in R;
    # then ±5 % around each shape's best in steps of 1 %
    span = np.log(2 * q_hi / q_lo)
    per_shape = []
    for shape in shapes:
        b = search(shape, np.geomspace(_FIRST_ZERO[shape] / q_hi, _FIRST_ZERO[shape] / (0.5 * q_lo),
                                       int(np.clip(span / 0.05, 10, 80))), None)
        per_shape.append(search(shape, b[2] * np.exp(np.linspace(-0.05, 0.05, 11)), b))
    dof = max(qk.size - 3, 1)

    def make(fit, alternatives=()):
        c, shape, r, sigma = fit
        p = _poly(shape, qk, r, sigma) * qk ** -_EXTRA_Q[shape] / scale
        _, coef = _nnls_chi2(np.column_stack([p, base]), y_rel, yk, sk, scale, want_coef=True)
        trial = FormFactorFit(shape, float(r), float(sigma), c, chi_without, True)
        accepted = bool(chi_without / dof > 3 and c <= 0.5 * chi_without and trial.dips(q_lo, q_hi))
        return FormFactorFit(shape, float(r), float(sigma), c, chi_without, accepted,
                             tuple(float(v) for v in coef), tuple(alternatives), int(qk.size))

    per_shape.sort(key=lambda f: f[0])
    # other shapes that describe the data nearly as well (χ² within a factor 2) may hide
    # other lines: their dips count too (see FormFactorFit.visibility)
    alts = [f for f in (make(x) for x in per_shape[1:] if x[0] <= 2 * per_shape[0][0]) if f.accepted]
    return make(per_shape[0], alts)
