"""Radial (l = 0) effective-mass states of a spherically layered well, BenDaniel–Duke.

Written by hand (no maintained library solves the spherical BDD problem; QWWAD's ``efsdot``
shoots without flux matching). The potential and mass are piecewise constant in shells
0 < r < r1 < r2 < … ; outside the last edge either a finite barrier extends to infinity or
there is a hard wall. In each layer u = rψ obeys u'' = (2m/ħ²)(V − E)u with the analytic
solutions sin/cos (E > V), sinh/cosh (E < V) or linear (E = V), so a state is propagated
exactly by 2×2 transfer matrices from u(0) = 0. At an interface r_i BenDaniel–Duke
(*Phys. Rev.* 152, 683 (1966)) ask ψ and (1/m)∂ψ/∂r continuous; with ψ = u/r that is

    u continuous,  (u' − u/r)/m continuous  ⇒  u'_R = (m_R/m_L)(u'_L − u/r_i) + u/r_i.

The matching function F(E) — flux mismatch against the decaying e^{−κr} outside (or u at a
hard wall) — is an entire function of E (no poles), so eigenvalues are its sign changes; it
is scanned on a grid fine enough that the phase in every layer advances < π/6 per step,
then refined by Brent's method. This is equally valid above and below a shell's barrier top
(the layer functions switch continuously through k = 0), unlike shooting integrations.

Energy-dependent (non-parabolic) masses — two-band m_i(E) = m_i (1 + (E − V_i)/g_i) or the
three-level Kane m_i(E) of :func:`dackit.nanocrystal.bands.kane_mass` — enter F(E) directly,
so the eigenvalue is self-consistent without an outer iteration.

Example
-------
>>> well = RadialWell(edges_nm=(3.0,), potential_ev=(0.0,), mass=(0.1,), hard_wall=True)
>>> state = solve_ground_state(well)
>>> round(state.energy_ev / infinite_well_energy_ev(0.1, 3.0), 9)
1.0
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import constants as _c
from scipy.integrate import cumulative_trapezoid
from scipy.linalg import eigh_tridiagonal
from scipy.optimize import brentq

from dackit.errors import FitError, InputError
from dackit.nanocrystal.bands import kane_mass, nonparabolic_mass

#: ħ²/(2 m0) in eV·nm²
HBAR2_2M0 = _c.hbar ** 2 / (2 * _c.m_e) / _c.e * 1e18


def infinite_well_energy_ev(mass: float, radius_nm: float) -> float:
    """Ground state of an infinite spherical well, ħ²π²/(2 m* R²)."""
    return HBAR2_2M0 * np.pi ** 2 / (mass * radius_nm ** 2)


@dataclass(frozen=True)
class RadialWell:
    """Piecewise-constant spherical well.

    ``edges_nm`` are the layer boundaries. With ``hard_wall`` the last edge is an infinite
    wall and there are ``len(edges_nm)`` layers; otherwise the last layer extends to
    infinity and there are ``len(edges_nm) + 1``. ``gap_ev`` (optional, one per layer, None
    for parabolic) switches on the two-band non-parabolic mass of that layer; ``kane``
    (optional, one per layer: ``(E_P, F, Δso, E_g)`` or None) the three-level Kane mass, which
    takes precedence (``mass`` is then only the band-edge value, for reference).
    """

    edges_nm: tuple
    potential_ev: tuple
    mass: tuple
    gap_ev: tuple | None = None
    hard_wall: bool = False
    kane: tuple | None = None

    def __post_init__(self):
        edges = np.asarray(self.edges_nm, dtype=float)
        n = len(edges) if self.hard_wall else len(edges) + 1
        if len(edges) == 0 or np.any(~np.isfinite(edges)) or np.any(edges <= 0) or np.any(np.diff(edges) <= 0):
            raise InputError(f"radial well: edges must be positive and increasing, got {self.edges_nm}")
        if len(self.potential_ev) != n or len(self.mass) != n:
            raise InputError(f"radial well: need {n} potentials and masses for {len(edges)} edges "
                             f"(hard_wall={self.hard_wall})")
        if any(not np.isfinite(v) for v in self.potential_ev):
            raise InputError("radial well: potentials must be finite (use hard_wall for an infinite barrier)")
        if any(not (m > 0) for m in self.mass):
            raise InputError(f"radial well: masses must be positive, got {self.mass}")
        if self.gap_ev is not None and len(self.gap_ev) != n:
            raise InputError(f"radial well: need {n} gap entries (None for parabolic layers)")
        if self.kane is not None and len(self.kane) != n:
            raise InputError(f"radial well: need {n} Kane entries (None for parabolic layers)")

    @property
    def n_layers(self) -> int:
        return len(self.potential_ev)

    @property
    def outer_radius_nm(self) -> float:
        return float(self.edges_nm[-1])

    def masses_at(self, energy_ev) -> np.ndarray:
        """Masses of every layer at energy E: shape (n_layers, *E.shape)."""
        e = np.asarray(energy_ev, dtype=float)
        out = np.empty((self.n_layers,) + e.shape)
        for i, (v, m) in enumerate(zip(self.potential_ev, self.mass)):
            g = None if self.gap_ev is None else self.gap_ev[i]
            k = None if self.kane is None else self.kane[i]
            if k is not None:
                out[i] = kane_mass(k[0], k[1], k[2], k[3], e - v)
            else:
                out[i] = m if g is None else nonparabolic_mass(m, e - v, g)
        return out


@dataclass(frozen=True)
class BoundState:
    """A bound l = 0 state: energy, its radial function u = rψ on ``r_nm`` with ∫u² dr = 1."""

    energy_ev: float
    r_nm: np.ndarray = field(repr=False)
    u: np.ndarray = field(repr=False)
    layer_probability: tuple            #: ∫u² dr over each layer (sums to 1)
    well: RadialWell = field(repr=False)

    @property
    def density(self) -> np.ndarray:
        """Radial probability density P(r) = u² (per nm)."""
        return self.u ** 2


def _layer_cs(q2, d):
    """c = cos/cosh(k d), s = sin/sinh(k d)/k for u'' = −q2 u over thickness d (vectorised)."""
    k = np.sqrt(np.abs(q2))
    kd = np.minimum(k * d, 600.0)
    small = kd < 1e-8
    ksafe = np.where(small, 1.0, k)
    c = np.where(q2 >= 0, np.cos(kd), np.cosh(kd))
    s = np.where(q2 >= 0, np.sin(kd), np.sinh(kd)) / ksafe
    return np.where(small, 1.0, c), np.where(small, d, s)


def _propagate(well: RadialWell, e, keep: bool = False):
    """State (u, u') just inside each edge, from u(0)=0, u'(0)=1; rescaled unless ``keep``."""
    masses = well.masses_at(e)
    edges = well.edges_nm
    u, up = np.zeros_like(e), np.ones_like(e)
    r_prev = 0.0
    starts = []
    n_inner = len(edges)
    for i in range(n_inner):
        if i > 0:  # BDD flux condition across the interface at r_prev
            up = masses[i] / masses[i - 1] * (up - u / r_prev) + u / r_prev
        starts.append((u, up))
        q2 = (e - well.potential_ev[i]) * masses[i] / HBAR2_2M0
        c, s = _layer_cs(q2, edges[i] - r_prev)
        u, up = c * u + s * up, -q2 * s * u + c * up
        if not keep:
            scale = np.sqrt(u * u + (up * edges[0]) ** 2)
            u, up = u / scale, up / scale
        r_prev = edges[i]
    return u, up, masses, starts


def matching_function(well: RadialWell, energy_ev):
    """F(E): zero exactly at the eigenvalues; same sign structure as the flux mismatch."""
    e = np.atleast_1d(np.asarray(energy_ev, dtype=float))
    u, up, masses, _ = _propagate(well, e)
    if well.hard_wall:
        return u
    r = well.outer_radius_nm
    m_in, m_out = masses[-2], masses[-1]
    kappa = np.sqrt(np.maximum(well.potential_ev[-1] - e, 0.0) * m_out / HBAR2_2M0)
    return (up - u / r) / m_in + (kappa + 1.0 / r) * u / m_out


def _energy_grid(well: RadialWell, e_lo: float, e_hi: float):
    masses = well.masses_at(np.array([e_hi]))[:, 0]
    m_big = float(np.max(masses[: len(well.edges_nm)]))
    dk = np.pi / (6.0 * well.outer_radius_nm)
    step = np.sqrt(HBAR2_2M0 / m_big) * dk       # in sqrt(eV)
    n = int(np.ceil(np.sqrt(max(e_hi - e_lo, 0.0)) / step)) + 2
    return e_lo + (np.arange(n) * step) ** 2


def ground_energy(well: RadialWell, e_max_ev: float | None = None) -> float:
    """Lowest eigenvalue of ``well`` (eV).

    Raises FitError when there is no bound state below the outer barrier (or ``e_max_ev``).
    """
    inner = well.potential_ev[: len(well.edges_nm)]
    e_lo = float(min(inner))
    if well.hard_wall:
        e_hi = e_lo + 50.0 if e_max_ev is None else e_max_ev
    else:
        e_hi = float(well.potential_ev[-1]) if e_max_ev is None else min(e_max_ev, well.potential_ev[-1])
    if e_hi <= e_lo:
        raise FitError(f"radial well: no bound state — the outside barrier ({e_hi:.3f} eV) is not "
                       f"above the lowest layer ({e_lo:.3f} eV)")
    grid = _energy_grid(well, e_lo, e_hi)
    grid = grid[grid < e_hi]
    grid = np.append(grid, e_hi - 1e-12 * max(1.0, abs(e_hi)))
    for start in range(0, len(grid) - 1, 256):
        chunk = grid[start: start + 257]
        f = matching_function(well, chunk)
        sign_change = np.nonzero(np.sign(f[:-1]) * np.sign(f[1:]) <= 0)[0]
        if len(sign_change):
            j = sign_change[0]
            if f[j] == 0:
                return float(chunk[j])
            return float(brentq(lambda x: float(matching_function(well, x)[0]), chunk[j], chunk[j + 1],
                                xtol=1e-13, rtol=1e-14, maxiter=200))
    raise FitError(f"radial well: no bound state below {e_hi:.3f} eV (layers {well.potential_ev}, "
                   f"outer radius {well.outer_radius_nm} nm): the carrier is not confined")


def bound_state(well: RadialWell, energy_ev: float, r_nm=None) -> BoundState:
    """The normalised state of eigenvalue ``energy_ev`` on ``r_nm`` (default: covers the tail)."""
    if r_nm is None:
        r_nm = default_grid(well, energy_ev)
    r_nm = np.asarray(r_nm, dtype=float)
    u = radial_function(well, energy_ev, r_nm)
    norm = np.trapezoid(u * u, r_nm)
    if not norm > 0:
        raise FitError("radial well: the radial grid does not cover the state")
    u = u / np.sqrt(norm)
    if u[np.argmax(np.abs(u))] < 0:
        u = -u
    cum = cumulative_trapezoid(u * u, r_nm, initial=0.0)
    at_edges = np.interp(np.asarray(well.edges_nm), r_nm, cum)
    probs = np.diff(np.concatenate([[0.0], at_edges, [] if well.hard_wall else [cum[-1]]]))
    return BoundState(float(energy_ev), r_nm, u, tuple(float(x) for x in probs), well)


def solve_ground_state(well: RadialWell, r_nm=None, e_max_ev: float | None = None) -> BoundState:
    """Lowest bound state of ``well`` with its u on ``r_nm`` (default: a grid covering the tail)."""
    return bound_state(well, ground_energy(well, e_max_ev), r_nm)


def decay_length_nm(well: RadialWell, energy_ev: float) -> float:
    """1/κ of the outside tail at energy E (0 for a hard wall)."""
    if well.hard_wall:
        return 0.0
    m_out = well.masses_at(np.array([energy_ev]))[-1, 0]
    kappa = np.sqrt(max(well.potential_ev[-1] - energy_ev, 1e-12) * m_out / HBAR2_2M0)
    return float(1.0 / kappa)


def default_grid(well: RadialWell, energy_ev: float, n: int = 1500) -> np.ndarray:
    """Uniform grid from 0 past the outer edge by 12 decay lengths of the tail."""
    r_end = well.outer_radius_nm + min(12.0 * decay_length_nm(well, energy_ev), 20.0 * well.outer_radius_nm)
    return np.linspace(0.0, r_end, n)


def radial_function(well: RadialWell, energy_ev: float, r_nm) -> np.ndarray:
    """Unnormalised u(r) of the regular solution at energy E, at radii ``r_nm``."""
    r = np.asarray(r_nm, dtype=float)
    e = np.array([float(energy_ev)])
    u_end, up_end, masses, starts = _propagate(well, e, keep=True)
    out = np.zeros_like(r)
    lo = 0.0
    for i, hi in enumerate(well.edges_nm):
        m = (r >= lo) & (r <= hi)
        q2 = (e[0] - well.potential_ev[i]) * masses[i, 0] / HBAR2_2M0
        c, s = _layer_cs(np.full(m.sum(), q2), r[m] - lo)
        u0, up0 = starts[i][0][0], starts[i][1][0]
        out[m] = c * u0 + s * up0
        lo = hi
    if not well.hard_wall:
        m = r > lo
        kappa = 1.0 / decay_length_nm(well, e[0])
        out[m] = u_end[0] * np.exp(-kappa * (r[m] - lo))
    return out


def solve_finite_difference(well: RadialWell, r_max_nm: float, n_points: int = 4000) -> float:
    """Ground-state energy by a finite-difference BDD discretisation (reference solver).

    Discretises −(ħ²/2)(1/r²) d/dr[(r²/m) dψ/dr] + Vψ = Eψ on r_i = i·h with masses at
    half-points (finite volumes, zero flux at the centre), ψ = 0 at ``r_max_nm`` (beyond the
    outer edge for a finite barrier), and symmetrises it into a tridiagonal eigenproblem. Parabolic masses (band
    edge) only; m is averaged over each link and V over each cell.
    """
    n = int(n_points)
    h = r_max_nm / (n + 1)
    r = h * np.arange(1, n + 1)
    r_half = h * (np.arange(0, n + 1) + 0.5)          # r_{i+1/2}, i = 0..n

    def layer(x):
        idx = np.searchsorted(np.asarray(well.edges_nm), x)
        return np.minimum(idx, well.n_layers - 1)

    if well.hard_wall and r_max_nm > well.outer_radius_nm + 1e-12:
        raise InputError("finite difference: r_max must not exceed the hard wall")
    # Interface-aware averages: the flux (1/m)ψ' is constant across a link [r_i, r_i+1], so
    # ψ_i+1 − ψ_i = flux·∫m dr — the link mass is the arithmetic mean of m; V is cell-averaged.
    sub = (np.arange(16) + 0.5) / 16
    links = h * (np.arange(0, n + 1)[:, None] + sub[None, :])
    mass_half = np.mean(np.asarray(well.mass)[layer(links)], axis=1)
    cells = h * (np.arange(1, n + 1)[:, None] + sub[None, :] - 0.5)
    v = np.mean(np.asarray(well.potential_ev)[layer(cells)], axis=1)
    w = HBAR2_2M0 * r_half ** 2 / mass_half / h ** 2   # flux weights at r_{i+1/2}
    w_in = w[:-1].copy()
    w_in[0] = 0.0                                      # no flux through the centre (ψ'(0) = 0)
    vol = r ** 2 + h ** 2 / 12.0                       # cell volume / (4π h), finite volumes
    diag = (w[1:] + w_in) / vol + v
    off = -w[1:-1] / np.sqrt(vol[:-1] * vol[1:])
    energy = eigh_tridiagonal(diag, off, select="i", select_range=(0, 0), eigvals_only=True)
    return float(energy[0])
