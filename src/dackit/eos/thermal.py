"""P–V–T equations of state of the pressure standards: a 300 K isotherm plus a thermal pressure.

P(V, T) = P_300(V) + ΔP_th(V, T), with the Mie–Grüneisen thermal pressure

    ΔP_th = γ(V)/V · [E_qh(θ(V), T) − E_qh(θ(V), T_ref)]  (+ intrinsic anharmonic and electronic terms)

where E_qh is the quasi-harmonic vibrational energy of 3n oscillators per formula unit —
a Debye solid (the tables of all three papers are reproduced with it; an Einstein solid is
available as ``oscillator="einstein"``) —
and θ(V), γ(V) follow each paper's own volume dependence:

* ``"tange"`` — γ = γ0[1 + a((V/V0)^b − 1)], θ = θ0 (V/V0)^(−γ0(1−a)) exp[(γ0 − γ)/b]
  (Tange, Nishihara & Tsuchiya, J. Geophys. Res. 114, B03208 (2009), Eqs. 7–8).
* ``"altshuler"`` — γ = γ∞ + (γ0 − γ∞)(V/V0)^β, θ = θ0 (V/V0)^(−γ∞) exp[(γ0 − γ∞)/β·(1 − (V/V0)^β)]
  (Dorogokupets & Dewaele, High Press. Res. 27, 431 (2007)).
* ``"constq"`` — γ = γ0 (V/V0)^q, θ = θ0 exp[(γ0 − γ)/q] (Fei et al., PNAS 104, 9182 (2007)).

The intrinsic-anharmonic and electronic free energies of Dorogokupets & Dewaele (2007),
F = −(3/2)·n·R·a0·x^m·T² (and e0, g), add P = (3/2)·n·R·a0·m·x^m·T²/V.

Parameters were taken from the papers as implemented in SHDShim/pytheos
(``pytheos/scales/*.py``, Apache-2.0), and are checked in the tests against the papers'
own P–V–T tables (Tange et al. 2009 Table 5; Dorogokupets & Dewaele 2007 Table 10).

>>> round(float(thermal_pressure(74.698 * 0.9, 2000.0, standard="mgo")), 2)
31.94
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dackit.eos.standards import STANDARDS, get_standard
from dackit.errors import InputError

R_GAS = 8.314462618          # J/(mol K), CODATA 2018
N_AVOGADRO = 6.02214076e23

_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)


def debye_energy_fraction(x):
    """D3(x) = 3/x³ ∫₀ˣ t³/(eᵗ − 1) dt: the Debye thermal energy over its classical 3nRT."""
    x = np.atleast_1d(np.asarray(x, dtype=float))
    out = np.empty_like(x)
    small = x < 1e-6
    out[small] = 1.0 - 0.375 * x[small]
    xs = x[~small]
    t = 0.5 * xs[:, None] * (_GL_X[None, :] + 1.0)
    integrand = t**3 / np.expm1(t)
    integral = 0.5 * xs * (integrand @ _GL_W)
    out[~small] = 3.0 * integral / xs**3
    return out


@dataclass(frozen=True)
class ThermalModel:
    """The thermal part of a P–V–T standard (the isotherm is :data:`STANDARDS`[``isotherm``])."""

    name: str
    isotherm: str            # key of the 300 K isotherm in dackit.eos.standards.STANDARDS
    oscillator: str          # "debye" | "einstein"
    gamma_form: str          # "tange" | "altshuler" | "constq"
    n_atoms: int             # atoms per formula unit
    theta0_k: float
    gamma0: float
    shape: dict = field(default_factory=dict)   # a, b | gamma_inf, beta | q
    a0: float = 0.0          # intrinsic anharmonicity (1/K) and its volume exponent m
    m: float = 0.0
    e0: float = 0.0          # electronic (1/K) and its volume exponent g
    g: float = 0.0
    t_ref_k: float = 300.0
    citation: str = ""

    def gamma_theta(self, x):
        x = np.asarray(x, dtype=float)
        g0, th0, s = self.gamma0, self.theta0_k, self.shape
        if self.gamma_form == "tange":
            a, b = s["a"], s["b"]
            gamma = g0 * (1.0 + a * (x**b - 1.0))
            theta = th0 * x ** (-g0 * (1.0 - a)) * np.exp((g0 - gamma) / b)
        elif self.gamma_form == "altshuler":
            ginf, beta = s["gamma_inf"], s["beta"]
            gamma = ginf + (g0 - ginf) * x**beta
            theta = th0 * x ** (-ginf) * np.exp((g0 - ginf) / beta * (1.0 - x**beta))
        elif self.gamma_form == "constq":
            q = s["q"]
            gamma = g0 * x**q
            theta = th0 * np.exp((g0 - gamma) / q)
        else:
            raise InputError(f"thermal model {self.name}: unknown Grüneisen form {self.gamma_form!r}")
        return gamma, theta

    def energy(self, theta, t):
        """Vibrational thermal energy (J/mol of formula units), zero-point excluded."""
        theta = np.asarray(theta, dtype=float)
        t = np.asarray(t, dtype=float)
        if self.oscillator == "einstein":
            return 3 * self.n_atoms * R_GAS * theta / np.expm1(theta / t)
        return 3 * self.n_atoms * R_GAS * t * debye_energy_fraction(theta / t).reshape(np.shape(theta / t))

    def thermal_pressure(self, volume_a3, temperature_k):
        """ΔP_th(V, T) in GPa relative to the reference temperature (vectorised)."""
        iso = get_standard(self.isotherm)
        v = np.asarray(volume_a3, dtype=float)
        t = np.asarray(temperature_k, dtype=float)
        x = v / iso.v0_a3
        v_mol = v * 1e-30 * N_AVOGADRO / iso.z           # m³ per mole of formula units
        gamma, theta = self.gamma_theta(x)
        p = gamma / v_mol * (self.energy(theta, t) - self.energy(theta, self.t_ref_k))
        dt2 = t**2 - self.t_ref_k**2
        p = p + 1.5 * self.n_atoms * R_GAS * (self.a0 * self.m * x**self.m
                                             + self.e0 * self.g * x**self.g) * dt2 / v_mol
        return p * 1e-9

    def pressure(self, volume_a3, temperature_k):
        return get_standard(self.isotherm).pressure(volume_a3) + self.thermal_pressure(volume_a3, temperature_k)


def _ddw(name, iso, n, theta0, g0, ginf, beta, a0, m, e0=0.0, g=0.0, what=""):
    # Dorogokupets & Dewaele write the quasi-harmonic part with a characteristic temperature θ;
    # with these θ0 a Debye energy reproduces their Table 10 (NaCl-B1) to ≤0.2 %, an Einstein
    # energy only to ~1 % (tests/test_eos_thermal.py): the Debye form is what the table implies.
    return ThermalModel(name, iso, "debye", "altshuler", n, theta0, g0,
                        {"gamma_inf": ginf, "beta": beta}, a0=a0, m=m, e0=e0, g=g, t_ref_k=298.15,
                        citation=f"Dorogokupets & Dewaele, High Press. Res. 27, 431 (2007): {what} "
                                 f"θ0 = {theta0:g} K, γ0 = {g0}, γ∞ = {ginf}, β = {beta}, "
                                 f"a0 = {a0:g}/K, m = {m}, e0 = {e0:g}/K, g = {g}; T_ref = 298.15 K")


def _fei(name, iso, n, theta0, g0, q, what=""):
    return ThermalModel(name, iso, "debye", "constq", n, theta0, g0, {"q": q},
                        citation=f"Fei, Ricolleau, Frank, Mysen, Zotov & Prakapenka, PNAS 104, 9182 (2007): "
                                 f"{what} Mie–Grüneisen–Debye θ0 = {theta0:g} K, γ0 = {g0}, q = {q}")


#: standard key → its thermal model (the key is also the isotherm's key in STANDARDS)
THERMAL: dict[str, ThermalModel] = {m.name: m for m in (
    ThermalModel("mgo", "mgo", "debye", "tange", 2, 761.0, 1.442, {"a": 0.138, "b": 5.4},
                 citation="Tange, Nishihara & Tsuchiya, J. Geophys. Res. 114, B03208 (2009), Vinet "
                          "version: θ0 = 761(13) K, γ0 = 1.442(15), a = 0.138(19), b = 5.4(11); Debye"),
    _fei("au", "au", 1, 170.0, 2.97, 0.6, "Au"),
    _fei("au-fei2007-bm3", "au-fei2007-bm3", 1, 170.0, 2.97, 0.6, "Au (BM3 isotherm)"),
    _fei("pt", "pt", 1, 230.0, 2.72, 0.5, "Pt"),
    _fei("nacl-b2", "nacl-b2", 2, 290.0, 1.7, 0.5, "NaCl-B2"),
    _fei("ne", "ne", 1, 75.1, 2.05, 0.6, "Ne"),
    _ddw("nacl-b1", "nacl-b1", 2, 270.0, 1.64, 1.12, 4.36, -24e-6, 7.02, what="NaCl-B1"),
    _ddw("nacl-b2-dorogokupets2007", "nacl-b2-dorogokupets2007", 2, 270.0, 1.64, 1.23, 6.83, -24e-6, 7.02,
         what="NaCl-B2"),
    _ddw("au-dorogokupets2007", "au-dorogokupets2007", 1, 170.0, 2.89, 1.54, 4.36, 0.0, 0.0, what="Au"),
    _ddw("pt-dorogokupets2007", "pt-dorogokupets2007", 1, 220.0, 2.82, 1.83, 8.11, -166.9e-6, 4.32,
         260e-6, 2.4, what="Pt"),
    _ddw("mgo-dorogokupets2007", "mgo-dorogokupets2007", 2, 760.0, 1.50, 0.75, 2.96, -14.9e-6, 5.12,
         what="MgO"),
)}


def get_thermal(standard: str) -> ThermalModel:
    key = str(standard).lower()
    if key not in THERMAL:
        have = ", ".join(sorted(THERMAL))
        if key in STANDARDS:
            raise InputError(f"standard {standard!r} has a 300 K isotherm only; for --temperature "
                             f"use one of: {have}")
        raise InputError(f"standard: unknown pressure standard {standard!r}; choose one of {have}")
    return THERMAL[key]


def thermal_pressure(volume_a3, temperature_k, *, standard: str = "au"):
    """Total pressure P(V, T) (GPa) of a standard: its 300 K isotherm plus the thermal pressure.

    Parameters
    ----------
    volume_a3 : float or array
        Conventional unit-cell volume (Å³).
    temperature_k : float or array
        Temperature (K).
    standard : str
        A key of :data:`THERMAL`.

    Returns
    -------
    float or ndarray
        Pressure in GPa.
    """
    return get_thermal(standard).pressure(volume_a3, temperature_k)


#: which material each standard key measures (pressures convert between scales of one material)
def material_of(standard: str) -> str:
    key = str(standard).lower()
    for mat in ("nacl-b1", "nacl-b2", "mgo", "au", "pt", "ne"):
        if key == mat or key.startswith(mat + "-"):
            return mat
    return key


def volume_at(pressure_gpa: float, temperature_k: float, *, standard: str) -> float:
    """Unit-cell volume (Å³) of a standard at (P, T): the inverse of :func:`thermal_pressure`.

    Parameters
    ----------
    pressure_gpa : float
        Pressure (GPa) on the standard's scale.
    temperature_k : float
        Temperature (K).
    standard : str
        A key of :data:`THERMAL`.

    Returns
    -------
    float
        The conventional unit-cell volume (Å³), found between 0.2 and 1.3 × V0.

    Raises
    ------
    InputError
        When (P, T) puts the volume outside 0.2–1.3 × V0 of the standard.
    """
    from scipy.optimize import brentq

    model = get_thermal(standard)
    v0 = get_standard(model.isotherm).v0_a3

    def f(v):
        return float(model.pressure(v, temperature_k)) - float(pressure_gpa)

    lo, hi = 0.2 * v0, 1.3 * v0
    if f(lo) < 0 or f(hi) > 0:
        raise InputError(f"{pressure_gpa} GPa at {temperature_k} K is outside the {standard} scale "
                         f"(volume would leave {lo:.1f}–{hi:.1f} A^3)")
    return float(brentq(f, lo, hi, xtol=1e-10 * v0))


def convert_pressure(pressure_gpa, *, from_standard: str, to_standard: str, temperature_k: float = 300.0):
    """A pressure read on one scale of a material, expressed on another scale of the same material.

    The volume the first scale assigns to ``pressure_gpa`` at ``temperature_k`` is put into the
    second: e.g. a gold pressure on Fei et al. (2007) → Dorogokupets & Dewaele (2007).

    Parameters
    ----------
    pressure_gpa : float or sequence
        Pressure(s) on ``from_standard``'s scale.
    from_standard, to_standard : str
        Keys of :data:`THERMAL` for the same material (``au`` and ``au-dorogokupets2007``, ...).
    temperature_k : float
        Temperature of the measurement.

    Returns
    -------
    ndarray
        The pressures on ``to_standard``'s scale (GPa).

    Examples
    --------
    >>> round(float(convert_pressure(100.0, from_standard="au", to_standard="au-dorogokupets2007")[0]), 1)
    98.7
    """
    if material_of(from_standard) != material_of(to_standard):
        raise InputError(f"cannot convert between {from_standard} and {to_standard}: a pressure converts "
                         "between two scales of the same material (their volumes are the same); "
                         "different materials in one cell need two measurements")
    to = get_thermal(to_standard)
    p = np.atleast_1d(np.asarray(pressure_gpa, dtype=float))
    out = [float(to.pressure(volume_at(pi, temperature_k, standard=from_standard), temperature_k)) for pi in p]
    return np.asarray(out)


def pressure_at_temperature(volumes, standard, temperature_k, volume_err=0.0, *, source="VOLUMES"):
    """(P, σP) arrays from unit-cell volumes at a temperature (thermal EoS); σP = ``|∂P/∂V|·σV``.

    Parameters
    ----------
    volumes : sequence of float
        Conventional unit-cell volumes (Å³).
    standard : str
        A key of :data:`THERMAL`.
    temperature_k : float
        Temperature (K).
    volume_err : float
        1σ of each volume (Å³).
    source : str
        Name of the input (file or option) used in error messages.

    Returns
    -------
    (ndarray, ndarray)
        Pressures and their errors (GPa).
    """
    model = get_thermal(standard)
    std = get_standard(model.isotherm)
    if not (0.0 < float(temperature_k) <= 5000.0) or not np.isfinite(temperature_k):
        raise InputError(f"--temperature {temperature_k}: expected a temperature in K (0-5000)")
    v = np.asarray(volumes, dtype=float)
    if np.any(~np.isfinite(v)) or np.any(v <= 0):
        raise InputError(f"{source}: volumes must be finite and > 0")
    if np.any(v > 1.3 * std.v0_a3) or np.any(v < 0.1 * std.v0_a3):
        raise InputError(f"{source}: volume outside 0.1-1.3 x V0 of {std.name} "
                         f"({std.v0_a3} A^3 per cell, Z = {std.z}); is it the conventional cell volume?")
    p = model.pressure(v, temperature_k)
    h = 1e-4 * std.v0_a3
    dpdv = (model.pressure(v + h, temperature_k) - model.pressure(v - h, temperature_k)) / (2 * h)
    return p, np.abs(dpdv) * float(volume_err)
