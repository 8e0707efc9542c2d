"""Pressure from the unit-cell volume of an internal standard (Au, Pt, MgO, NaCl, Ne).

Each entry is a published 300 K isotherm; the thermal part of each scale is in
:mod:`dackit.eos.thermal` (P–V–T, :func:`dackit.eos.thermal.thermal_pressure`). Constants checked against the scale implementations in
SHDShim/pytheos (``pytheos/scales/gold.py``, ``platinum.py``, ``periclase.py``,
``sodium_chloride.py``, ``sodium_chloride_b2.py``, ``neon.py``), which reproduce the papers'
tables. Volumes are per conventional unit cell in Å³ (Z = 4 for fcc Au, Pt, Ne and rock-salt
MgO, NaCl-B1; Z = 1 for CsCl-type NaCl-B2).

>>> round(float(pressure_from_volume(60.0, standard="au")), 2)
29.51
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.eos.forms import EOS_FORMS
from dackit.errors import InputError


@dataclass(frozen=True)
class PressureStandard:
    """A 300 K isotherm of a pressure standard: EoS form, V0 (Å³/cell), K0 (GPa), K′."""

    name: str
    form: str
    v0_a3: float
    k0_gpa: float
    kp: float
    z: int
    citation: str

    def pressure(self, volume_a3):
        return EOS_FORMS[self.form].pressure(volume_a3, self.v0_a3, self.k0_gpa, self.kp)

    def volume(self, pressure_gpa):
        return EOS_FORMS[self.form].volume(pressure_gpa, self.v0_a3, self.k0_gpa, self.kp)

    def bulk_modulus(self, volume_a3):
        return EOS_FORMS[self.form].bulk_modulus(volume_a3, self.v0_a3, self.k0_gpa, self.kp)


#: key → standard; the bare element key is the recommended default scale
STANDARDS: dict[str, PressureStandard] = {
    "au": PressureStandard(
        "au", "vinet", 67.850, 167.0, 6.00, 4,
        "Fei, Ricolleau, Frank, Mysen, Zotov & Prakapenka, PNAS 104, 9182 (2007): Au Vinet, "
        "V0 = 67.850 A^3 (a0 = 4.0786 A; pytheos uses 4.0786^3 = 67.847, 0.006 GPa apart), "
        "K0 = 167 GPa, K' = 6.00(2)"),
    "au-fei2007-bm3": PressureStandard(
        "au-fei2007-bm3", "bm3", 67.850, 167.0, 5.77, 4,
        "Fei et al., PNAS 104, 9182 (2007): Au BM3, K0 = 167 GPa, K' = 5.77(2)"),
    "pt": PressureStandard(
        "pt", "vinet", 60.38, 277.0, 5.08, 4,
        "Fei et al., PNAS 104, 9182 (2007): Pt Vinet, V0 = 3.9231^3 = 60.38 A^3, K0 = 277 GPa, "
        "K' = 5.08(2)"),
    "mgo": PressureStandard(
        "mgo", "vinet", 74.698, 160.63, 4.367, 4,
        "Tange, Nishihara & Tsuchiya, J. Geophys. Res. 114, B03208 (2009): MgO Vinet, "
        "V0 = 74.698 A^3, K0 = 160.63(18) GPa, K' = 4.367(13)"),
    "mgo-speziale2001": PressureStandard(
        "mgo-speziale2001", "bm3", 74.698, 160.2, 3.99, 4,
        "Speziale, Zha, Duffy, Hemley & Mao, J. Geophys. Res. 106, 515 (2001): MgO BM3, "
        "V0 = 74.698 A^3, K0 = 160.2 GPa, K' = 3.99(1)"),
    "nacl-b1": PressureStandard(
        "nacl-b1", "vinet", 179.44, 23.83, 5.09, 4,
        "Dorogokupets & Dewaele, High Press. Res. 27, 431 (2007): NaCl-B1 Vinet at 298 K, "
        "V0 = 179.44 A^3 (27.015 cm^3/mol), K0 = 23.83 GPa, K' = 5.09"),
    "nacl-b2": PressureStandard(
        "nacl-b2", "vinet", 41.35, 26.86, 5.25, 1,
        "Fei et al., PNAS 104, 9182 (2007): NaCl-B2 Vinet, V0 = 41.35 A^3 (24.90 cm^3/mol; "
        "24.53 cm^3/mol is Dorogokupets & Dewaele 2007's V0), K0 = 26.86(2.9) GPa, K' = 5.25(26)"),
    "nacl-b2-dorogokupets2007": PressureStandard(
        "nacl-b2-dorogokupets2007", "vinet", 40.733, 29.72, 5.14, 1,
        "Dorogokupets & Dewaele, High Press. Res. 27, 431 (2007): NaCl-B2 Vinet, V0 = 24.53 cm^3/mol "
        "(40.733 A^3), K0 = 29.72 GPa, K' = 5.14"),
    "au-dorogokupets2007": PressureStandard(
        "au-dorogokupets2007", "vinet", 67.847, 167.0, 5.90, 4,
        "Dorogokupets & Dewaele, High Press. Res. 27, 431 (2007): Au Vinet, V0 = 4.0786^3 A^3, "
        "K0 = 167.0 GPa, K' = 5.90"),
    "pt-dorogokupets2007": PressureStandard(
        "pt-dorogokupets2007", "vinet", 60.38, 277.3, 5.12, 4,
        "Dorogokupets & Dewaele, High Press. Res. 27, 431 (2007): Pt Vinet, V0 = 3.9231^3 A^3, "
        "K0 = 277.3 GPa, K' = 5.12"),
    "mgo-dorogokupets2007": PressureStandard(
        "mgo-dorogokupets2007", "vinet", 74.698, 160.3, 4.18, 4,
        "Dorogokupets & Dewaele, High Press. Res. 27, 431 (2007): MgO Vinet, V0 = 74.698 A^3, "
        "K0 = 160.3 GPa, K' = 4.18"),
    "ne": PressureStandard(
        "ne", "vinet", 88.967, 1.16, 8.23, 4,
        "Fei et al., PNAS 104, 9182 (2007): Ne Vinet, V0 = 88.967 A^3, K0 = 1.16(14) GPa, "
        "K' = 8.23(31)"),
}


def get_standard(name: str) -> PressureStandard:
    key = str(name).lower()
    if key not in STANDARDS:
        raise InputError(f"standard: unknown pressure standard {name!r}; choose one of "
                         f"{', '.join(STANDARDS)}")
    return STANDARDS[key]


def pressure_from_volume(volume_a3, standard: str = "au", volume_err=None, *, source: str | None = None):
    """Pressure (GPa) from the measured unit-cell volume of an internal standard at 300 K.

    With ``volume_err`` (1σ, Å³) returns ``(pressure, pressure_err)``, propagated through
    the isotherm's slope: σP = K(V)/V · σV. Only the volume error is propagated, not that
    of the scale's own parameters.

    Parameters
    ----------
    volume_a3 : float or array_like
        Measured unit-cell volume(s) of the standard in Å³.
    standard : str, default 'au'
        Key of :data:`~dackit.eos.STANDARDS` (``"au"``, ``"pt"``, ``"mgo"``, …).
    volume_err : float or array_like, optional
        Standard error(s) of the volumes in Å³, one value or one per point.
    source : str, optional
        Where the volumes came from, for error messages.
    """
    std = get_standard(standard)
    try:
        v = np.asarray(volume_a3, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{source or 'volume_a3'}: expected numbers") from None
    if np.any(~np.isfinite(v)) or np.any(v <= 0):
        raise InputError(f"{source or 'volume_a3'}: volumes must be finite and > 0")
    # Ne reaches V/V0 ≈ 0.28 at 120 GPa; below 0.1 or above 1.1 V0 the volume is surely
    # of another cell (primitive vs conventional, per atom) or another unit.
    if np.any(v > 1.1 * std.v0_a3) or np.any(v < 0.1 * std.v0_a3):
        raise InputError(f"{source or 'volume_a3'}: volume outside 0.1-1.1 x V0 of {std.name} "
                         f"({std.v0_a3} A^3 per cell, Z = {std.z}); is it the conventional cell volume?")
    p = std.pressure(v)
    if volume_err is None:
        return p
    sv = np.asarray(volume_err, dtype=float)
    if np.any(~np.isfinite(sv)) or np.any(sv < 0):
        raise InputError(f"{source or 'volume_err'}: uncertainties must be finite and >= 0")
    return p, std.bulk_modulus(v) / v * sv
