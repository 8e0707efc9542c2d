"""Powder reflections of a :class:`~dackit.xrd.phases.Phase` and the forward powder pattern.

Intensity of a powder line (integrated over 2θ, per unit length of the Debye ring, which is
what an azimuthally averaged pattern holds)::

    I = m · |F(hkl)|² · LP(θ),   F = Σ_j occ_j f0_j(s) exp(−B_j s²) exp(2πi h·x_j),  s = sinθ/λ

with atomic form factors f0 from xraydb (Waasmaier & Kirfel, Acta Cryst. A51, 416 (1995)) and
the Lorentz–polarisation factor of Debye–Scherrer geometry (International Tables for
Crystallography Vol. C, §6.2.5; Warren, X-ray Diffraction (1969) eq. 4.11).

Example
-------
>>> from dackit.xrd.phases import fluorite
>>> t = reflections(fluorite(), wavelength_a=0.4066, twotheta_max=20)
>>> list(t["hkl"][:4]), list(t["multiplicity"][:4])
(['111', '200', '220', '311'], [8, 6, 12, 24])
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dackit.core import broadening
from dackit.core.lineshapes import pseudo_voigt_unit_area
from dackit.errors import InputError

if TYPE_CHECKING:
    from dackit.xrd.phases import Phase


#: Per-line scatter of ln(intensity) about a structure model that the model cannot know:
#: strong preferred orientation. March–Dollase r = 0.6 spans a factor r⁻³ ≈ 4.6 between
#: reflections along and across the orientation axis (Dollase, J. Appl. Cryst. 19, 267
#: (1986)), ~0.5 in ln at one σ over the reflections.
TEXTURE_SCATTER = 0.5


def _element_symbol(species: str) -> str:
    """'O2-' → 'O', 'Ce4+' → 'Ce'."""
    return "".join(ch for ch in species if ch.isalpha())


def _lp_unpolarized(theta):
    """(1 + cos²2θ) / (sin²θ cosθ): unpolarised beam, or a linearly polarised synchrotron
    beam averaged over the full Debye ring (the azimuthal mean of 1 − sin²2θ cos²φ is the same)."""
    return (1 + np.cos(2 * theta) ** 2) / (np.sin(theta) ** 2 * np.cos(theta))


def _lp_corrected(theta):
    """1 / (sin²θ cosθ): the pattern is already corrected for polarisation (pyFAI ``polarization_factor``)."""
    return 1.0 / (np.sin(theta) ** 2 * np.cos(theta))


#: Lorentz–polarisation factors (International Tables Vol. C, §6.2.5)
LP_FACTORS = {"unpolarized": _lp_unpolarized, "corrected": _lp_corrected}


def _hkl_box(phase: Phase, d_min: float) -> np.ndarray:
    lengths = np.array([phase.a, phase.b, phase.c])
    hmax = np.ceil(lengths / d_min).astype(int) + 1
    grids = np.meshgrid(*[np.arange(-m, m + 1) for m in hmax], indexing="ij")
    hkl = np.stack([g.ravel() for g in grids], axis=1)
    hkl = hkl[np.any(hkl != 0, axis=1)]
    d = phase.d_spacing(hkl)
    return hkl[d >= d_min * (1 - 1e-9)]


def _canonical(hkl: np.ndarray, ops) -> tuple[np.ndarray, np.ndarray]:
    """Canonical representative (lexicographic max over the Laue class incl. Friedel) and
    multiplicity of each row."""
    if ops is None:
        rots = [np.eye(3, dtype=int)]
    else:
        rots = [np.array(op.rot) // op.DEN for op in ops.sym_ops]
    eq = np.concatenate([hkl @ r for r in rots] + [-(hkl @ r) for r in rots], axis=0)
    eq = eq.reshape(2 * len(rots), len(hkl), 3)
    off = int(np.abs(hkl).max()) + 1
    base = 2 * off + 1
    keys = ((eq[..., 0] + off) * base + (eq[..., 1] + off)) * base + (eq[..., 2] + off)
    keys_sorted = np.sort(keys, axis=0)
    mult = 1 + np.count_nonzero(np.diff(keys_sorted, axis=0), axis=0)
    # prefer the member with fewest negative indices (hexagonal 110, not 2,-1,0), then the largest
    preference = keys - np.count_nonzero(eq < 0, axis=2) * base**3
    best = preference.argmax(axis=0)
    canon = eq[best, np.arange(len(hkl))]
    return canon, mult


#: Radiations whose scattering the structure factor models.
RADIATIONS = ("xray", "neutron")


def neutron_scattering_length_fm(species: str) -> float:
    """Bound coherent neutron scattering length (fm) of an element, natural isotope mix.

    Values of V. F. Sears, "Neutron scattering lengths and cross sections", Neutron News 3(3),
    26–37 (1992), as tabulated by gemmi (``Element.neutron92``; real part: the absorption of
    B, Cd, Gd… is not modelled).

    Parameters
    ----------
    species : str
        Element or ion ('Fe', 'O2-', 'Fe3+').

    Examples
    --------
    >>> neutron_scattering_length_fm("Fe3+"), neutron_scattering_length_fm("Mn")
    (9.45, -3.73)
    """
    import gemmi

    el = gemmi.Element(_element_symbol(species))
    if el.atomic_number == 0:
        raise InputError(f"no neutron scattering length for species {species!r}")
    return float(el.neutron92.get_coefs()[0])


def structure_factor_sq(phase: Phase, hkl: np.ndarray, d: np.ndarray, *, radiation: str = "xray") -> np.ndarray:
    """``|F(hkl)|²`` with Debye–Waller factors: X-ray form factors (electrons², xraydb) or
    neutron coherent scattering lengths (fm², :func:`neutron_scattering_length_fm`).

    Parameters
    ----------
    phase : Phase
        The phase.
    hkl : numpy.ndarray
        (n, 3) Miller indices.
    d : numpy.ndarray
        d-spacings in Å of the reflections (for the form factors at sinθ/λ = 1/2d).
    radiation : {"xray", "neutron"}, default 'xray'
        What scatters: the electron cloud (form factors falling with sinθ/λ) or the nuclei
        (a constant, element-specific length that can be negative: Mn, Ti, H).
    """
    import xraydb

    if radiation not in RADIATIONS:
        raise InputError(f"radiation {radiation!r}: use one of {', '.join(RADIATIONS)}")
    s = 1.0 / (2.0 * d)
    f = np.zeros(len(hkl), dtype=complex)
    cache: dict[str, np.ndarray] = {}
    for species, xyz, occ, b in phase.unit_cell_atoms():
        if species not in cache and radiation == "neutron":
            try:
                cache[species] = np.full(len(s), neutron_scattering_length_fm(species))
            except (ValueError, RuntimeError, InputError):
                raise InputError(f"{phase.name}: no neutron scattering length for species {species!r}") from None
        if species not in cache:
            try:
                cache[species] = np.asarray(xraydb.f0(species, s), dtype=float)
            except (ValueError, KeyError, TypeError):
                try:
                    cache[species] = np.asarray(xraydb.f0(_element_symbol(species), s), dtype=float)
                except (ValueError, KeyError, TypeError):
                    raise InputError(f"{phase.name}: no X-ray form factor for species {species!r}") from None
        f += occ * cache[species] * np.exp(-b * s**2) * np.exp(2j * np.pi * (hkl @ xyz))
    return np.abs(f) ** 2


def reflections(phase: Phase, wavelength_a: float, twotheta_max: float, *, twotheta_min: float = 0.0,
                polarization: str = "unpolarized", merge: bool = True,
                min_relative_f2: float = 1e-6, radiation: str = "xray") -> pd.DataFrame:
    """Allowed powder reflections of ``phase`` up to ``twotheta_max`` degrees.

    Returns a DataFrame sorted by 2θ with columns ``hkl`` (label, e.g. ``"511/333"`` when
    lines coincide), ``h, k, l`` (strongest member), ``multiplicity``, ``d_a``,
    ``twotheta_deg``, ``f2`` (``|F|²`` of the strongest member), ``intensity`` (``m|F|²LP`` summed
    over coinciding members; absolute, used as the scale-1 intensity in whole-pattern fits)
    and ``intensity_rel`` (0–100). Systematic absences are dropped by the space group
    (gemmi) and by ``|F|²`` below ``min_relative_f2`` of the largest. Lines of equal d are merged
    when ``merge``. A phase without atoms (JCPDS) yields its listed lines and intensities,
    with ``f2`` and ``multiplicity`` NaN.

    Parameters
    ----------
    phase : Phase
        The phase.
    wavelength_a : float
        X-ray wavelength in Å.
    twotheta_max : float
        Highest 2θ in degrees.
    twotheta_min : float, default 0.0
        Lowest 2θ in degrees.
    polarization : {"unpolarized", "corrected"}, default 'unpolarized'
        Lorentz–polarisation factor of the intensities: an unpolarised laboratory beam, or
        data already corrected for polarisation (synchrotron).
    merge : bool, default True
        Merge lines of equal d into one row.
    min_relative_f2 : float, default 1e-06
        Drop reflections whose ``|F|²`` is below this fraction of the largest.
    radiation : {"xray", "neutron"}, default 'xray'
        X-ray form factors, or neutron scattering lengths with the Lorentz factor alone (a
        neutron beam is unpolarised and nuclear scattering has no polarisation factor), so
        ``polarization`` is ignored.
    """
    if not (wavelength_a and 0.01 < float(wavelength_a) < 10):
        raise InputError(f"wavelength {wavelength_a!r} Å is not usable; give the X-ray wavelength in Å")
    if not 0 < twotheta_max < 180:
        raise InputError(f"twotheta_max {twotheta_max} must be between 0 and 180 degrees")
    if polarization not in LP_FACTORS:
        raise InputError(f"polarization {polarization!r}: use one of {sorted(LP_FACTORS)}")
    lam = float(wavelength_a)
    d_min = lam / (2 * np.sin(np.radians(twotheta_max) / 2))
    if phase.atoms:
        hkl = _hkl_box(phase, d_min)
        if not len(hkl):
            # a SAXS curve (or a wrong wavelength) handed to a powder-diffraction fit
            raise InputError(f"no reflection of {phase.name} lies below 2θ = {twotheta_max:.3g}° at "
                             f"λ = {lam:g} Å (d ≥ {d_min:.3g} Å); the pattern ends before the phase's "
                             "first line: is it a SAXS curve, or is the wavelength wrong?")
        ops = phase.group_ops()
        canon, mult = _canonical(hkl, ops)
        canon, idx = np.unique(canon, axis=0, return_index=True)
        mult = mult[idx]
        if ops is not None:
            keep = np.array([not ops.is_systematically_absent([int(v) for v in row]) for row in canon])
            canon, mult = canon[keep], mult[keep]
        d = phase.d_spacing(canon)
        f2 = structure_factor_sq(phase, canon, d, radiation=radiation)
        keep = f2 > min_relative_f2 * f2.max() if f2.size else f2 > 0
        canon, mult, d, f2 = canon[keep], mult[keep], d[keep], f2[keep]
        theta = np.arcsin(np.clip(lam / (2 * d), 0, 1))
        inten = mult * f2 * LP_FACTORS["corrected" if radiation == "neutron" else polarization](theta)
    elif phase.lines:
        arr = np.array(phase.lines, dtype=float)
        canon = arr[:, :3].astype(int)
        d = phase.d_spacing(canon)
        ok = d >= d_min
        canon, d = canon[ok], d[ok]
        inten = arr[ok, 3]
        mult = np.full(len(d), np.nan)
        f2 = np.full(len(d), np.nan)
        theta = np.arcsin(np.clip(lam / (2 * d), 0, 1))
    else:
        raise InputError(f"{phase.name}: the phase has neither atoms nor reference lines")
    tth = np.degrees(2 * theta)
    table = pd.DataFrame({"h": canon[:, 0], "k": canon[:, 1], "l": canon[:, 2], "multiplicity": mult,
                          "d_a": d, "twotheta_deg": tth, "f2": f2, "intensity": inten})
    table = table[table["twotheta_deg"] >= twotheta_min]
    table = table.sort_values(["twotheta_deg", "intensity"], ascending=[True, False]).reset_index(drop=True)
    table["hkl"] = [_label(h, k, l) for h, k, l in zip(table.h, table.k, table.l)]
    if merge and len(table):
        table = _merge_equal_d(table)
    if len(table):
        table["intensity_rel"] = 100.0 * table["intensity"] / table["intensity"].max()
    else:
        table["intensity_rel"] = []
    return table[["hkl", "h", "k", "l", "multiplicity", "d_a", "twotheta_deg", "f2", "intensity",
                  "intensity_rel"]]


def _label(h, k, l) -> str:
    parts = [str(int(v)) for v in (h, k, l)]
    return "".join(parts) if all(len(p) == 1 for p in parts) else ",".join(parts)


def _merge_equal_d(table: pd.DataFrame, rel_tol: float = 1e-7) -> pd.DataFrame:
    d = table["d_a"].to_numpy()
    group = np.concatenate([[0], np.cumsum(np.abs(np.diff(d)) > rel_tol * d[1:])])
    rows = []
    for _, sub in table.groupby(group, sort=True):
        top = sub.loc[sub["intensity"].idxmax()]
        row = top.to_dict()
        row["hkl"] = "/".join(sub.sort_values("intensity", ascending=False)["hkl"])
        row["multiplicity"] = sub["multiplicity"].sum(min_count=1)
        row["intensity"] = sub["intensity"].sum()
        rows.append(row)
    return pd.DataFrame(rows)


# --- profiles and the forward pattern ------------------------------------------------------
def scherrer_fwhm_deg(twotheta_deg, wavelength_a: float, size_nm: float, k: float = 0.9):
    """Scherrer breadth (FWHM, degrees 2θ) of crystallites of size ``size_nm``, K = 0.9:
    :func:`dackit.core.broadening.scherrer_fwhm_deg` (conventions and citations there)."""
    return broadening.scherrer_fwhm_deg(twotheta_deg, wavelength_a, size_nm, k=k)


def powder_pattern(twotheta_deg, phase: Phase, wavelength_a: float, *, scale: float = 1.0,
                   fwhm_deg=None, crystallite_size_nm: float | None = None, eta: float = 0.5,
                   polarization: str = "unpolarized", table: pd.DataFrame | None = None) -> np.ndarray:
    """Calculated pattern of one phase: Σ scale·I_hkl·profile(2θ − 2θ_hkl).

    Width: ``fwhm_deg`` (constant, or a callable of 2θ), or Scherrer broadening of
    ``crystallite_size_nm``; with both, they add in quadrature (instrument ⊕ size).

    Parameters
    ----------
    twotheta_deg : array_like
        2θ grid in degrees.
    phase : Phase
        The phase.
    wavelength_a : float
        X-ray wavelength in Å.
    scale : float, default 1.0
        Scale factor of the intensities.
    fwhm_deg : float or callable, optional
        Peak FWHM in degrees 2θ (a constant or a function of 2θ); from
        ``crystallite_size_nm`` when None.
    crystallite_size_nm : float, optional
        Crystallite size giving Scherrer widths.
    eta : float, default 0.5
        Lorentzian fraction of the pseudo-Voigt profiles.
    polarization : {"unpolarized", "corrected"}, default 'unpolarized'
        Lorentz–polarisation factor of the intensities: an unpolarised laboratory beam, or
        data already corrected for polarisation (synchrotron).
    table : pandas.DataFrame, optional
        Precomputed :func:`reflections` of the phase (to save time in fits).
    """
    x = np.asarray(twotheta_deg, dtype=float)
    if table is None:
        table = reflections(phase, wavelength_a, min(float(x.max()) + 2.0, 179.0), polarization=polarization)
    centres = table["twotheta_deg"].to_numpy()
    widths = _widths(centres, wavelength_a, fwhm_deg, crystallite_size_nm)
    out = np.zeros_like(x)
    for c, w, i in zip(centres, widths, table["intensity"].to_numpy()):
        lo, hi = np.searchsorted(x, [c - 40 * w, c + 40 * w])
        out[lo:hi] += scale * i * pseudo_voigt_unit_area(x[lo:hi], c, w, eta)
    return out


def _widths(centres, wavelength_a, fwhm_deg, size_nm):
    if fwhm_deg is None and size_nm is None:
        raise InputError("give fwhm_deg or crystallite_size_nm for the peak widths")
    inst = 0.0 if fwhm_deg is None else (fwhm_deg(centres) if callable(fwhm_deg) else np.full(len(centres), float(fwhm_deg)))
    size = 0.0 if size_nm is None else scherrer_fwhm_deg(centres, wavelength_a, size_nm)
    return np.sqrt(np.asarray(inst) ** 2 + np.asarray(size) ** 2) * np.ones(len(centres))


def scale_for_fraction(phases, weight_fractions) -> np.ndarray:
    """Scale factors S_p ∝ w_p / (ZMV)_p that give weight fractions w_p (Hill & Howard,
    J. Appl. Cryst. 20, 467 (1987)), normalised to sum 1."""
    zmv = np.array([p.cell_mass_amu * p.volume_a3 for p in phases])
    s = np.asarray(weight_fractions, dtype=float) / zmv
    return s / s.sum()


def simulate_pattern(twotheta_deg, phases, wavelength_a: float, *, weight_fractions=None,
                     crystallite_size_nm: float | None = None, fwhm_deg=None, eta: float = 0.5,
                     peak_counts: float = 1e4, background=None, seed=None,
                     polarization: str = "unpolarized", source: str = "<simulated>"):
    """A noisy powder pattern (Poisson counts) of a phase mixture, as a :class:`Pattern`.

    ``peak_counts`` sets the height of the strongest calculated point above background;
    ``background`` is an array or callable of 2θ (default: a gentle slope, 5 % of
    ``peak_counts``). Weight fractions enter through Hill–Howard scale factors.

    Parameters
    ----------
    twotheta_deg : array_like
        2θ grid in degrees.
    phases : sequence of Phase
        The phases of the mixture.
    wavelength_a : float
        X-ray wavelength in Å.
    weight_fractions : array_like, optional
        Weight fraction of each phase; equal when None.
    crystallite_size_nm : float, optional
        Crystallite size giving Scherrer widths.
    fwhm_deg : float, optional
        Peak FWHM in degrees 2θ (instead of a crystallite size).
    eta : float, default 0.5
        Lorentzian fraction of the profiles.
    peak_counts : float, default 10000.0
        Counts at the strongest peak before noise.
    background : array_like or float, optional
        Background counts added before noise.
    seed : int, numpy.random.Generator or None, default None
        Seed of the random noise; None draws a fresh one, an int makes the result
        reproducible.
    polarization : {"unpolarized", "corrected"}, default 'unpolarized'
        Lorentz–polarisation factor of the intensities: an unpolarised laboratory beam, or
        data already corrected for polarisation (synchrotron).
    source : str, default '<simulated>'
        Where the data came from (usually the file path); kept in the result for messages
        and tables.

    Examples
    --------
    >>> import numpy as np
    >>> from dackit.xrd.phases import zincblende
    >>> p = simulate_pattern(np.linspace(5, 30, 2501), [zincblende()], 0.6199,
    ...                      crystallite_size_nm=6, seed=1)
    >>> p.wavelength_a
    0.6199
    """
    from dackit.core.pattern import make_pattern

    x = np.asarray(twotheta_deg, dtype=float)
    phases = list(phases)
    w = np.ones(len(phases)) / len(phases) if weight_fractions is None else np.asarray(weight_fractions, float)
    scales = scale_for_fraction(phases, w)
    model = sum(powder_pattern(x, p, wavelength_a, scale=s, fwhm_deg=fwhm_deg,
                               crystallite_size_nm=crystallite_size_nm, eta=eta, polarization=polarization)
                for p, s in zip(phases, scales))
    if not isinstance(model, np.ndarray):  # no phases: sum() of nothing is the int 0
        raise AttributeError(f"{type(model).__name__!r} object has no attribute 'max'")
    model = model * (peak_counts / model.max())
    if background is None:
        bg = 0.05 * peak_counts * (1.5 - (x - x.min()) / (np.ptp(x) or 1.0))
    else:
        bg = background(x) if callable(background) else np.asarray(background, dtype=float)
    rng = np.random.default_rng(seed)
    counts = rng.poisson(np.clip(model + bg, 0, None)).astype(float)
    return make_pattern(x, counts, wavelength_a=wavelength_a, sigma=np.sqrt(np.maximum(counts, 1.0)),
                        source=source, metadata={"phases": [p.name for p in phases],
                                                 "weight_fractions": list(map(float, w))})
