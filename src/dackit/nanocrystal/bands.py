"""Band edges and carrier masses of a strained material.

* Edges on the natural scale of Wei & Zunger, *APL* 72, 2011 (1998):
  E_v = VBM + a_v·Tr ε, E_c = VBM + E_g(T) + a_c·Tr ε, with Tr ε = ln(V/V0) (hydrostatic only).
* Γ electron mass from the gap through Kane (Vurgaftman, Meyer & Ram-Mohan, *JAP* 89, 5815
  (2001), Eq. 2.15): m0/m_e = 1 + 2F + E_P (E_g + 2Δ/3)/(E_g(E_g + Δ)) — a compressed,
  wider-gap crystal has heavier electrons.
* Non-parabolicity (two-band Kane, e.g. Nag, *Electron Transport in Compound Semiconductors*
  (1980)): m(E) = m_edge·(1 + (E − E_c)/E_g) for an electron of energy E.

Example
-------
>>> from dackit.nanocrystal.materials import material
>>> b = band_edges(material("InP"), -0.03)
>>> round(b.gap_ev - material("InP").eg_ev(300), 4)   # −a_gap × 0.03
0.1779
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.nanocrystal.materials import Material


@dataclass(frozen=True)
class BandEdges:
    """Edges (eV, natural scale) and band-edge masses (m0) of one strained region."""

    material: str
    ec_ev: float
    ev_ev: float
    gap_ev: float
    m_e: float
    m_hh: float
    volume_strain: float


def band_edges(mat: Material, volume_strain: float, temperature_k: float = 300.0) -> BandEdges:
    """Band edges and masses of ``mat`` at volumetric strain ln(V/V0)."""
    s = float(volume_strain)
    ev = mat.vbm_ev + mat.a_v_ev * s
    gap = mat.eg_ev(temperature_k) + mat.a_gap_ev * s
    return BandEdges(mat.name, ev + gap, ev, gap, mat.electron_mass(gap), mat.m_hh, s)


def nonparabolic_mass(m_edge, energy_above_edge_ev, gap_ev, floor: float = 0.05):
    """Two-band Kane energy-dependent mass m_edge·(1 + ε/E_g), floored at ``floor``·m_edge.

    Below the edge (tunnelling, ε < 0) the mass gets lighter; the floor only matters for
    barriers deeper than 95 % of the gap, where the two-band picture has broken down anyway.
    """
    factor = 1.0 + np.asarray(energy_above_edge_ev, dtype=float) / gap_ev
    return m_edge * np.maximum(factor, floor)
