"""Band edges and carrier masses of a strained material.

* Edges on the natural scale of Wei & Zunger, *APL* 72, 2011 (1998):
  E_v = VBM + a_v·Tr ε, E_c = VBM + E_g(T) + a_c·Tr ε, with Tr ε = ln(V/V0) (hydrostatic only).
* Γ electron mass from the gap through Kane (Vurgaftman, Meyer & Ram-Mohan, *JAP* 89, 5815
  (2001), Eq. 2.15): m0/m_e = 1 + 2F + E_P (E_g + 2Δ/3)/(E_g(E_g + Δ)) — a compressed,
  wider-gap crystal has heavier electrons.
* Non-parabolicity (two-band Kane, e.g. Nag, *Electron Transport in Compound Semiconductors*
  (1980)): m(E) = m_edge·(1 + (E − E_c)/E_g) for an electron of energy E.
* Energy-dependent mass of the 8-band (three-level Kane) model, the form used for the
  electron of spherical core/shell dots by Pokatilov, Fonoberov, Fomin & Devreese, *PRB* 64,
  245328 (2001): m0/m(ε) = 1 + 2F + (E_P/3)[2/(E_g + ε) + 1/(E_g + Δso + ε)], ε = E − E_c
  (:func:`kane_mass`); at ε = 0 it is the Vurgaftman band-edge relation above. It contains
  the coupling to both light-hole/heavy-hole and split-off bands, which the two-band form lacks.
* Luttinger parameters follow the gap in the same 8-band picture (Vurgaftman et al. 2001,
  Eq. 2.16 with the Γ6 coupling written out): γ1 = γ1' + E_P/(3E_g), γ2,3 = γ2,3' + E_P/(6E_g),
  the remote parts γ' fixed by the tabulated values at the unstrained low-temperature gap
  (:func:`luttinger_at_gap`); a compressed, wider-gap crystal has heavier light holes.

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


def kane_mass(ep_ev: float, kane_f: float, delta_so_ev: float, gap_ev: float, energy_above_edge_ev,
              floor_fraction: float = 0.9):
    """Three-level Kane energy-dependent electron mass m(ε) in m0 (Pokatilov et al. 2001).

    ε below −``floor_fraction``·E_g (deep tunnelling) is clamped there: the k·p expansion has
    no meaning near the valence band. With a negative F the inverse mass would turn negative
    ~10 eV above the edge (InP: 12.8 eV), equally far outside the model; there the mass is
    capped at 20 m0 so that root searches may scan such energies.
    """
    eps = np.maximum(np.asarray(energy_above_edge_ev, dtype=float), -floor_fraction * gap_ev)
    inv = 1.0 + 2.0 * kane_f + ep_ev / 3.0 * (2.0 / (gap_ev + eps) + 1.0 / (gap_ev + delta_so_ev + eps))
    return 1.0 / np.maximum(inv, 0.05)


def luttinger_at_gap(mat: Material, gap_ev: float) -> tuple[float, float, float]:
    """(γ1, γ2, γ3) at gap ``gap_ev``: remote parts from the tabulated values at ``eg0_ev``."""
    d = mat.ep_ev * (1.0 / gap_ev - 1.0 / mat.eg0_ev)
    return mat.gamma1 + d / 3.0, mat.gamma2 + d / 6.0, mat.gamma3 + d / 6.0


def nonparabolic_mass(m_edge, energy_above_edge_ev, gap_ev, floor: float = 0.05):
    """Two-band Kane energy-dependent mass m_edge·(1 + ε/E_g), floored at ``floor``·m_edge.

    Below the edge (tunnelling, ε < 0) the mass gets lighter; the floor only matters for
    barriers deeper than 95 % of the gap, where the two-band picture has broken down anyway.
    """
    factor = 1.0 + np.asarray(energy_above_edge_ev, dtype=float) / gap_ev
    return m_edge * np.maximum(factor, floor)
