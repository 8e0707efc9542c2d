"""Electron–hole Coulomb energy of two spherically symmetric (l = 0) densities.

For spherical charge clouds the angular average of 1/|r_e − r_h| is 1/max(r_e, r_h)
(Newton's shell theorem), so

    ⟨1/|r_e − r_h|⟩ = ∫∫ P_e(r1) P_h(r2) / max(r1, r2) dr1 dr2,

evaluated in O(N) with running integrals: ∫ P_e(r)[Q_h(r)/r + W_h(r)] dr with
Q_h(r) = ∫_0^r P_h and W_h(r) = ∫_r^∞ P_h/r'. For both carriers in the ground state of an
infinite sphere of radius R this gives 1.786/R (Brus, *J. Chem. Phys.* 80, 4403 (1984);
the classic −1.786 e²/(4πε0 εR)), which the tests check. One dielectric constant is used
(first-order perturbation, no image charges); which one is the caller's choice.

Example
-------
>>> import numpy as np
>>> r = np.linspace(0, 1.0, 4001); p = 2 * np.sin(np.pi * r) ** 2   # infinite sphere, R = 1
>>> round(mean_inverse_distance(r, p, p), 3)
1.786
"""
from __future__ import annotations

import numpy as np
from scipy import constants as _c
from scipy.integrate import cumulative_trapezoid

#: e²/(4π ε0) in eV·nm
COULOMB_EV_NM = _c.e / (4 * np.pi * _c.epsilon_0) * 1e9


def mean_inverse_distance(r_nm, density_e, density_h) -> float:
    """⟨1/|r_e − r_h|⟩ (1/nm) of two radial probability densities P(r) on a common grid."""
    r = np.asarray(r_nm, dtype=float)
    pe = np.asarray(density_e, dtype=float)
    ph = np.asarray(density_h, dtype=float)
    pe = pe / np.trapezoid(pe, r)
    ph = ph / np.trapezoid(ph, r)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_r = np.where(r > 0, 1.0 / r, 0.0)
    q_h = cumulative_trapezoid(ph, r, initial=0.0)
    w_tail = ph * inv_r
    w_h = np.trapezoid(w_tail, r) - cumulative_trapezoid(w_tail, r, initial=0.0)
    return float(np.trapezoid(pe * (q_h * inv_r + w_h), r))


def coulomb_energy_ev(r_nm, density_e, density_h, epsilon: float) -> float:
    """Electron–hole attraction e²⟨1/|r_e − r_h|⟩/(4π ε0 ε) in eV (positive number)."""
    return COULOMB_EV_NM * mean_inverse_distance(r_nm, density_e, density_h) / float(epsilon)
