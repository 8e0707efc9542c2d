"""An independent published InP sizing curve, for validating the confinement model.

Almeida, van der Poll, Evers, Szoboszlai, Vonk, Rabouw & Houtepen, "Size-Dependent Optical
Properties of InP Colloidal Quantum Dots", *Nano Lett.* 23, 8697–8703 (2023),
doi:10.1021/acs.nanolett.3c02630 (CC-BY 4.0). InP cores are tetrahedra; the paper sizes them by
TEM edge length L and volume V and fits the first-exciton (1S) absorption energy as

    E_1S = 1.33 + 9.128 · (L/Å)^−0.684 eV,       E_1S = 1.33 + 1.219 · (V/nm³)^−0.251 eV,

from samples with λ_1S = 460–620 nm, i.e. L ≈ 1.5–4.1 nm (V ≈ 0.4–8 nm³; volume-equivalent
sphere diameters 0.9–2.5 nm). The formulas and the range are as quoted in a public
deterministic digitisation of the paper's Fig. 2b (which records its cross-check against these
fits); the paper itself was not read here.

Example
-------
>>> print(round(float(almeida_e1s_from_edge(2.5)), 2))
2.34
"""
from __future__ import annotations

import numpy as np

from dackit.errors import InputError

#: the data range of the fits (tetrahedron edge length, nm)
EDGE_RANGE_NM = (1.5, 4.1)
#: regular tetrahedron: V = L³/(6√2)
TETRAHEDRON_VOLUME_PER_EDGE3 = 1.0 / (6.0 * np.sqrt(2.0))


def _in_range(edge_nm):
    # 2 % margin: the end points themselves carry ±0.2–0.5 nm size spreads
    e = np.asarray(edge_nm, dtype=float)
    lo, hi = EDGE_RANGE_NM
    if np.any(e < lo * 0.98) or np.any(e > hi * 1.02):
        raise InputError(f"Almeida 2023 sizing: edge length {edge_nm} nm outside the data range {lo}–{hi} nm")
    return e


def almeida_e1s_from_edge(edge_nm):
    """First-exciton energy (eV) of a tetrahedral InP core of edge length L (nm), inside the data range."""
    e = _in_range(edge_nm)
    return 1.33 + 9.128 * (10.0 * e) ** -0.684


def almeida_e1s_from_volume(volume_nm3):
    """First-exciton energy (eV) of an InP core of volume V (nm³), inside the data range."""
    v = np.asarray(volume_nm3, dtype=float)
    _in_range(np.cbrt(v / TETRAHEDRON_VOLUME_PER_EDGE3))
    return 1.33 + 1.219 * v ** -0.251


def equivalent_sphere_diameter_nm(volume_nm3):
    """Diameter of the sphere of the same volume."""
    return np.cbrt(6.0 * np.asarray(volume_nm3, dtype=float) / np.pi)
