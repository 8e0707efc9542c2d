"""Forward model of SAXS from a mesostructure: sphere form factor × superlattice structure factor.

I(q) = I0 · P(q) · S(q) + c, with

* P(q) = [3 (sin qR − qR cos qR)/(qR)³]², the homogeneous sphere (Guinier & Fournet 1955);
* S(q) = 1 + C Σ_hkl (w_hkl / q_hkl²) / (w_1 / q_1²) · φ(q − q_hkl), a sum over the allowed
  lines of the mesophase (:mod:`dackit.saxs.mesophase`) with weights multiplicity × |F|²,
  the powder Lorentz factor 1/q², and a line shape φ of unit height (Lorentzian or
  Gaussian) whose FWHM follows from the domain size D by Scherrer in q: Δq = 2πK/D;
* an optional Porod term ∝ q⁻⁴ and a constant; Poisson counting noise (``counts`` at the
  first peak).

2D images are the same I(q) evaluated at each pixel's q through a pyFAI geometry.

>>> sim = simulate_saxs("fcc", 150.0, seed=0)
>>> round(float(sim.lines_q[0]), 4)   # (111): 2π√3/a
0.0726
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.core.lineshapes import gaussian, lorentzian
from dackit.core.pattern import Pattern, make_pattern
from dackit.errors import InputError
from dackit.saxs.mesophase import get_mesophase


def sphere_form_factor(q, radius_a):
    """Normalised sphere form factor P(q) (P(0) = 1).

    Parameters
    ----------
    q : array_like
        q in Å⁻¹.
    radius_a : float
        Sphere radius in Å.
    """
    x = np.asarray(q, float) * float(radius_a)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(x > 1e-6, 3 * (np.sin(x) - x * np.cos(x)) / x**3, 1.0)
    return f * f


@dataclass(frozen=True)
class SimulatedSAXS:
    """A simulated pattern and its truth: allowed line positions (Å⁻¹), labels, FWHM, domain."""

    pattern: Pattern
    lines_q: np.ndarray
    lines_hkl: tuple
    fwhm_inv_a: float
    domain_nm: float
    mesophase: str
    lattice_a: float
    radius_a: float

    @property
    def d_first_a(self) -> float:
        return float(2 * np.pi / self.lines_q[0])


def saxs_profile(q, mesophase, lattice_a, *, domain_nm=None, radius_a=None, shape="lorentzian",
                 k=0.89, peak_contrast=3.0, background=0.02, porod=0.0):
    """Noise-free I(q) (relative units, P(0) = 1) and the lines used; see the module docstring.

    Parameters
    ----------
    q : array_like
        q grid in Å⁻¹.
    mesophase : str
        Mesophase key of :data:`~dackit.saxs.MESOPHASES` (``"fcc"``, ``"hexagonal"``, …).
    lattice_a : float
        Lattice constant in Å.
    domain_nm : float, optional
        Crystalline domain size giving the peak FWHM Δq = 2πK/D; 20 lattice constants when
        None.
    radius_a : float, optional
        Sphere radius in Å of the form factor; by default 0.15 of the lattice constant.
    shape : {"lorentzian", "gaussian", "pseudo_voigt"}, default 'lorentzian'
        Peak shape.
    k : float, default 0.89
        Scherrer shape factor K (0.89–0.94 for spheres and cubes; 0.9 is usual).
    peak_contrast : float, default 3.0
        Height of the first line relative to the form factor under it.
    background : float, default 0.02
        Flat background (relative units).
    porod : float, default 0.0
        Amplitude A of a low-q Porod upturn A·q⁻⁴.
    """
    phase = get_mesophase(mesophase)
    q = np.asarray(q, float)
    if lattice_a <= 0:
        raise InputError(f"lattice constant {lattice_a} Å must be positive")
    if shape not in ("lorentzian", "gaussian"):
        raise InputError(f"shape {shape!r} unknown; use 'lorentzian' or 'gaussian'")
    k_ = 2 * np.pi / lattice_a
    refl = phase.reflections(q.max() / k_ * 1.2 + 1e-6)
    lines_q = refl.s * k_
    if domain_nm is None:
        domain_nm = 20 * lattice_a / 10  # 20 unit cells
    fwhm = 2 * np.pi * k / (domain_nm * 10)
    if radius_a is None:
        radius_a = 0.15 * lattice_a
    lorentz = refl.weight / lines_q**2
    amp = peak_contrast * lorentz / lorentz[0]
    line = lorentzian if shape == "lorentzian" else gaussian
    s = np.ones_like(q)
    for a, qc in zip(amp, lines_q):
        s += line(q, a, qc, fwhm)
    # Porod q⁻⁴ of large aggregates, ``porod`` relative to P(q1) at the first line
    extra = porod * sphere_form_factor(lines_q[0], radius_a) * (q / lines_q[0]) ** -4.0 if porod else 0.0
    return (sphere_form_factor(q, radius_a) * s + background + extra, lines_q, refl.hkl, fwhm,
            domain_nm, radius_a)


def simulate_saxs(mesophase, lattice_a, *, q=None, n_lines=8, domain_nm=None, radius_a=None,
                  shape="lorentzian", k=0.89, peak_contrast=3.0, background=0.02, counts=1e5,
                  wavelength_a=0.4859, seed=None, porod=0.0) -> SimulatedSAXS:
    """Simulate a 1D SAXS pattern of ``mesophase`` with lattice constant ``lattice_a`` (Å).

    Parameters
    ----------
    mesophase : str
        Mesophase key of :data:`~dackit.saxs.MESOPHASES` (``"fcc"``, ``"hexagonal"``, …).
    lattice_a : float
        Lattice constant in Å.
    q : array, optional
        Å⁻¹; default 1200 points from 0.4 q1 to 1.06× the ``n_lines``-th allowed line.
    n_lines : int
        Number of allowed lines the default q range covers.
    domain_nm : float, optional
        Crystalline domain (thickness) giving the FWHM Δq = 2πK/D; default 20 lattice constants.
    radius_a : float, optional
        Sphere radius (Å) of the form factor; default 0.15 a (form-factor zero beyond most lines).
    shape : {"lorentzian", "gaussian", "pseudo_voigt"}
        Peak shape.
    k : float
        Scherrer constant relating the domain size to the peak width.
    peak_contrast : float
        Height of the first line relative to the form factor under it (S = 1 + contrast).
    background : float
        Flat background (relative units).
    counts : float
        Counts at the first line; Poisson noise (``None`` for noise-free), sigma returned.
    wavelength_a : float
        X-ray wavelength in Å recorded with the pattern (default that of the study's SAXS).
    seed : int, optional
        Seed of the Poisson noise.
    porod : float
        Low-q upturn A·q⁻⁴ (aggregates, DAC windows), A set so it equals ``porod`` × P(q1)
        at the first line.
    """
    phase = get_mesophase(mesophase)
    k_ = 2 * np.pi / lattice_a if lattice_a > 0 else np.nan
    if q is None:
        refl = phase.reflections(12.0)
        s_hi = refl.s[min(n_lines, refl.s.size) - 1]
        q = np.linspace(0.4 * refl.s[0] * k_, 1.06 * s_hi * k_, 1200)
    q = np.asarray(q, float)
    ideal, lines_q, hkl, fwhm, domain_nm, radius_a = saxs_profile(
        q, mesophase, lattice_a, domain_nm=domain_nm, radius_a=radius_a, shape=shape, k=k,
        peak_contrast=peak_contrast, background=background, porod=porod)
    sigma = None
    if counts:
        rng = np.random.default_rng(seed)
        at_first = np.interp(lines_q[0], q, ideal)
        scale = counts / at_first
        measured = rng.poisson(ideal * scale).astype(float)
        sigma = np.sqrt(np.maximum(measured, 1.0))
    else:
        measured = ideal
    keep = lines_q <= q.max()
    pat = make_pattern(q, measured, axis="q_A^-1", wavelength_a=wavelength_a, sigma=sigma,
                       metadata={"simulated": True, "mesophase": phase.name}, source="")
    return SimulatedSAXS(pat, lines_q[keep], tuple(h for h, kk in zip(hkl, keep) if kk),
                         float(fwhm), float(domain_nm), phase.name, float(lattice_a), float(radius_a))


def simulate_saxs_image(geometry, mesophase, lattice_a, *, shape=None, counts=1e4, seed=None,
                        **profile_kw) -> np.ndarray:
    """2D detector image of the same model through a pyFAI geometry.

    ``geometry`` is a :class:`dackit.xrd.geometry.Geometry` (or anything with an
    ``azimuthal_integrator()`` method) or a pyFAI ``AzimuthalIntegrator``. Each pixel gets
    I(q) at its q (pyFAI's ``qArray``, nm⁻¹ → Å⁻¹) with Poisson noise (``counts`` at the first
    line). Isotropic powder rings: no texture, polarisation or solid-angle factor.

    Parameters
    ----------
    geometry : Geometry
        Detector geometry (pyFAI).
    mesophase : str
        Mesophase key of :data:`~dackit.saxs.MESOPHASES` (``"fcc"``, ``"hexagonal"``, …).
    lattice_a : float
        Lattice constant in Å.
    shape : tuple of int, optional
        Image (rows, columns); the geometry's detector shape when None.
    counts : float, default 10000.0
        Counts at the first line before noise.
    seed : int, numpy.random.Generator or None, default None
        Seed of the random noise; None draws a fresh one, an int makes the result
        reproducible.
    **profile_kw : | Keywords of :func:`saxs_profile`.
    """
    ai = geometry.azimuthal_integrator() if hasattr(geometry, "azimuthal_integrator") else geometry
    if shape is None:
        shape = getattr(geometry, "shape", None) or ai.detector.shape
    if shape is None:
        raise InputError("simulate_saxs_image: give the detector shape")
    q = ai.qArray(tuple(shape)) / 10.0  # pyFAI gives nm⁻¹
    ideal, lines_q, *_ = saxs_profile(q.ravel(), mesophase, lattice_a, **profile_kw)
    ideal = ideal.reshape(q.shape)
    if not counts:
        return ideal
    first = saxs_profile(np.array([lines_q[0]]), mesophase, lattice_a, **profile_kw)[0][0]
    return np.random.default_rng(seed).poisson(ideal * counts / first).astype(float)
