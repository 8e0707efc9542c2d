"""Compression and misfit strain of a coherent spherical core/shell nanocrystal.

Two pieces:

* :func:`bm3_volume_ratio` — V/V0 of a material at pressure p from the third-order
  Birch–Murnaghan equation of state (Birch, *Phys. Rev.* 71, 809 (1947)),
  P = (3K0/2)[η^{-7/3} − η^{-5/3}]{1 + (3/4)(K′ − 4)[η^{-2/3} − 1]}, inverted by Newton.
  (A small local inversion: this module must not depend on the EoS-fitting package.)
* :func:`core_shell_strain` — the Lamé thick-walled sphere with a misfitting elastic core
  (Eshelby inclusion; Timoshenko & Goodier, *Theory of Elasticity*, §§ on the thick spherical
  shell). With x = (a/b)³, misfit δ = (a_core − a_shell)/a_core (> 0: core compressed), core
  bulk modulus K_c and shell K_s, G_s, the pressure in the core is

      p_c = [δ + P (1/(3K_s) + 1/(4G_s))/(1 − x)] / [1/(3K_c) + (x/(3K_s) + 1/(4G_s))/(1 − x)]

  (derived in the module test; reduces to p_c = P for δ = 0, K_c = K_s). The core strain is
  hydrostatic and uniform. In the shell σ_rr = −p_s − D(b/r)³, σ_θθ = −p_s + D(b/r)³/2 with
  D = (p_c − P)x/(1 − x): the trace is uniform, so the shell has a single mean pressure
  p_s = (P − x p_c)/(1 − x) (force balance, independent of the moduli), plus a traceless
  radial/tangential part ∝ 1/r³ (ignored by the band-edge model: shear deformation potentials
  would split heavy and light holes, which this one-band model does not track).
  Finite compression: the transfer dp_c/dP is integrated with tangent moduli
  K(p) = K0 + K′p for each layer (G/K of the shell held at its zero-pressure value, an
  assumption), starting from the linear misfit pressure at P = 0; volumes then follow each
  material's BM3 at its own pressure. ``relaxation`` ∈ [0, 1] scales the misfit by
  (1 − relaxation): 0 = coherent, 1 = fully relaxed (dislocations).

Volumetric strain is reported as ln(V/V0) (Hencky), the measure band edges are linear in
(Frogley, Sly & Dunstan, *PRB* 58, 12579 (1998): gaps are ~linear in density, not in P).

Example
-------
>>> from dackit.nanocrystal.materials import material
>>> s = core_shell_strain(material("InP"), material("ZnSe"), 1.25, 3.15, [0.0, 5.0])
>>> bool(s.core_pressure_gpa[0] > 2.0)   # misfit alone compresses the InP core
True
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from dackit.errors import InputError
from dackit.nanocrystal.materials import Material

#: integration step of the finite-strain transfer (GPa); error O(step²) ≪ 1e-4 GPa
_STEP_GPA = 0.05


def bm3_pressure(eta, b0_gpa: float, b0_prime: float):
    """BM3 pressure (GPa) at volume ratio eta = V/V0."""
    eta = np.asarray(eta, dtype=float)
    x = eta ** (-2.0 / 3.0)
    return 1.5 * b0_gpa * (eta ** (-7.0 / 3.0) - eta ** (-5.0 / 3.0)) * (1.0 + 0.75 * (b0_prime - 4.0) * (x - 1.0))


def bm3_volume_ratio(pressure_gpa, b0_gpa: float, b0_prime: float):
    """V/V0 at pressure (GPa, array) from BM3, by Newton from the Murnaghan guess.

    >>> round(float(bm3_volume_ratio(0.0, 71.1, 4.6)), 12)
    1.0
    """
    p = np.asarray(pressure_gpa, dtype=float)
    base = np.maximum(1.0 + b0_prime * p / b0_gpa, 0.05)
    eta = base ** (-1.0 / b0_prime)
    for _ in range(50):
        f = bm3_pressure(eta, b0_gpa, b0_prime) - p
        h = 1e-7
        df = (bm3_pressure(eta + h, b0_gpa, b0_prime) - bm3_pressure(eta - h, b0_gpa, b0_prime)) / (2 * h)
        step = f / df
        eta = eta - step
        if np.all(np.abs(step) < 1e-13):
            break
    bad = ~(np.abs(bm3_pressure(eta, b0_gpa, b0_prime) - p) <= 1e-8 * (1.0 + np.abs(p)))
    if np.any(bad):
        raise InputError(f"pressure {p[bad].ravel()[0]:g} GPa: outside the range where the BM3 "
                         f"equation of state (K0 = {b0_gpa:g} GPa, K' = {b0_prime:g}) has a solution")
    return eta


@dataclass(frozen=True)
class StrainState:
    """Strain of a core/shell sphere at each external pressure (arrays over pressure)."""

    pressure_gpa: np.ndarray
    core_pressure_gpa: np.ndarray      #: hydrostatic pressure inside the core
    shell_pressure_gpa: np.ndarray     #: mean (hydrostatic part of the) pressure in the shell
    core_volume_strain: np.ndarray     #: ln(V/V0) of the core vs its free, unstrained lattice
    shell_volume_strain: np.ndarray    #: ln(V/V0) of the shell vs its free lattice
    misfit: float                      #: effective misfit δ (after relaxation)
    volume_fraction: float             #: x = (a/b)³

    def shell_radial_tangential_stress(self, r_nm, outer_radius_nm: float, index: int = 0):
        """(σ_rr, σ_θθ) in the shell (GPa, tension > 0) at radii ``r_nm`` for pressure ``index``.

        Lamé solution: σ_rr = −p_s − D(b/r)³, σ_θθ = −p_s + D(b/r)³/2, D = (p_c − P)x/(1 − x);
        σ_rr equals −p_c at r = a and −P at r = b.
        """
        r = np.asarray(r_nm, dtype=float)
        x = self.volume_fraction
        pc, p = self.core_pressure_gpa[index], self.pressure_gpa[index]
        dev = (pc - p) * x / (1.0 - x) * (outer_radius_nm / r) ** 3
        ps = self.shell_pressure_gpa[index]
        return -ps - dev, -ps + 0.5 * dev


def misfit(core: Material, shell: Material) -> float:
    """Lattice misfit δ = (a_core − a_shell)/a_core (> 0: the shell compresses the core)."""
    return (core.lattice_a - shell.lattice_a) / core.lattice_a


def _transfer(kc, ks, gs, x):
    """dp_c/dP and the denominator of the Lamé core-pressure formula."""
    denom = 1.0 / (3 * kc) + (x / (3 * ks) + 1.0 / (4 * gs)) / (1 - x)
    return (1.0 / (3 * ks) + 1.0 / (4 * gs)) / (1 - x) / denom, denom


@lru_cache(maxsize=256)
def _core_pressure_table(core: Material, shell: Material, x: float, delta: float, p_max: float):
    n = max(int(np.ceil(p_max / _STEP_GPA)), 1)
    grid = np.linspace(0.0, p_max, n + 1)
    g_over_k = shell.shear_gpa / shell.b0_gpa

    def rate(p_ext, pc):
        ps = (p_ext - x * pc) / (1 - x)
        kc = core.b0_gpa + core.b0_prime * pc
        ks = shell.b0_gpa + shell.b0_prime * ps
        return _transfer(kc, ks, g_over_k * ks, x)[0]

    _, denom0 = _transfer(core.b0_gpa, shell.b0_gpa, shell.shear_gpa, x)
    pc = np.empty_like(grid)
    pc[0] = delta / denom0
    h = grid[1] - grid[0] if n else 0.0
    for i in range(n):  # Heun (RK2): smooth integrand, 0.05 GPa steps
        k1 = rate(grid[i], pc[i])
        k2 = rate(grid[i + 1], pc[i] + h * k1)
        pc[i + 1] = pc[i] + 0.5 * h * (k1 + k2)
    return grid, pc


def core_shell_strain(core: Material, shell: Material | None, core_radius_nm: float,
                      outer_radius_nm: float, pressure_gpa, relaxation: float = 0.0) -> StrainState:
    """Core and shell pressures and volumetric strains at external pressures ``pressure_gpa``.

    ``shell=None`` or ``outer_radius_nm == core_radius_nm`` gives a bare core at P.
    """
    p = np.atleast_1d(np.asarray(pressure_gpa, dtype=float))
    if not 0.0 <= relaxation <= 1.0:
        raise InputError(f"relaxation: must be between 0 (coherent) and 1 (relaxed), got {relaxation}")
    if np.any(~np.isfinite(p)):
        raise InputError("pressure_gpa: contains NaN or infinite values")
    if shell is None or outer_radius_nm <= core_radius_nm:
        eta = bm3_volume_ratio(p, core.b0_gpa, core.b0_prime)
        return StrainState(p, p.copy(), p.copy(), np.log(eta), np.log(eta), 0.0, 1.0)
    x = (core_radius_nm / outer_radius_nm) ** 3
    delta = (1.0 - relaxation) * misfit(core, shell)
    p_max = float(np.ceil(max(p.max(), 0.0) / _STEP_GPA + 1) * _STEP_GPA)
    grid, table = _core_pressure_table(core, shell, round(x, 12), round(delta, 12), p_max)
    pc = np.interp(p, grid, table) if len(grid) > 1 else np.full_like(p, table[0])
    if np.any(p < 0):  # tension: linear extrapolation of the transfer below P = 0
        slope = (table[1] - table[0]) / (grid[1] - grid[0])
        pc = np.where(p < 0, table[0] + slope * p, pc)
    ps = (p - x * pc) / (1.0 - x)
    eta_c = bm3_volume_ratio(pc, core.b0_gpa, core.b0_prime)
    eta_s = bm3_volume_ratio(ps, shell.b0_gpa, shell.b0_prime)
    return StrainState(p, pc, ps, np.log(eta_c), np.log(eta_s), delta, x)
