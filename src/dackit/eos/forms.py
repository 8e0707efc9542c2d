"""Isothermal equation-of-state forms P(V), V(P) and K(P), keyed by short name.

Every form takes its parameters in the order of :attr:`EosForm.params` — a prefix of
``("v0", "k0", "kp", "kpp")`` with V0 in Å³ (or any volume unit), K0 in GPa, K′
dimensionless and K″ in GPa⁻¹. Pressures come out in the unit of K0 (GPa).

Formulas: ``shared/reference/physics.md`` §1.5, checked against CrysFML08
(``Eos_Get_Pressure.f90``) and burnman. Bulk moduli are analytic (K = −V dP/dV), which the
effective-variance fit also uses for ∂P/∂V.

>>> from dackit.eos.forms import EOS_FORMS
>>> bm3 = EOS_FORMS["bm3"]
>>> round(float(bm3.pressure(90.0, 100.0, 100.0, 4.0)), 4)
13.0101
>>> round(float(bm3.volume(13.0101, 100.0, 100.0, 4.0)), 3)
90.0
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

PARAM_ORDER = ("v0", "k0", "kp", "kpp")


@dataclass(frozen=True)
class EosForm:
    """One isothermal EoS: ``pressure(V, *params)``, ``volume(P, *params)``,
    ``bulk_modulus(V, *params)`` (K at volume V) and ``params`` (their names)."""

    name: str
    params: tuple[str, ...]
    _pressure: Callable
    _bulk: Callable
    _volume: Callable | None
    citation: str
    doc: str

    def pressure(self, volume, *params):
        """P(V) in the unit of K0."""
        return self._pressure(np.asarray(volume, dtype=float), *params)

    def bulk_modulus(self, volume, *params):
        """Isothermal bulk modulus K = −V dP/dV at volume V."""
        return self._bulk(np.asarray(volume, dtype=float), *params)

    def volume(self, pressure, *params):
        """V(P), vectorised; NaN where P is outside the range the form can reach
        (beyond a spinodal or a maximum of P(V))."""
        p = np.asarray(pressure, dtype=float)
        if self._volume is not None:
            return self._volume(p, *params)
        return _invert(self, p, params)

    def bulk_modulus_at_pressure(self, pressure, *params):
        """K(P) = K(V(P))."""
        return self.bulk_modulus(self.volume(pressure, *params), *params)

    def implied_kpp(self, k0, kp):
        """K″ implied by a truncated form (GPa⁻¹), or NaN where it is a free parameter."""
        return _IMPLIED_KPP.get(self.name, lambda k0, kp: np.nan)(k0, kp)


def _invert(form: EosForm, p: np.ndarray, params) -> np.ndarray | float:
    """Vectorised V(P) by bisection inside the branch of P(V) that contains V0.

    A form can turn over (BM3 with small K′ has a pressure maximum under strong compression,
    every form has a spinodal in tension), so the bracket is the stretch of a log-spaced grid
    in V/V0 around 1 on which K > 0; targets outside its P range get NaN rather than a
    volume from the wrong branch.
    """
    v0 = float(params[0])
    eta = np.geomspace(0.05, 3.0, 2001)
    with np.errstate(all="ignore"):
        k = form._bulk(eta * v0, *params)
        pg = form._pressure(eta * v0, *params)
    i0 = int(np.searchsorted(eta, 1.0))
    ok = np.isfinite(k) & (k > 0) & np.isfinite(pg)
    if not ok[i0]:                                       # K ≤ 0 at V0: no physical branch
        return np.full(p.shape, np.nan) if p.ndim else np.nan
    lo = i0
    while lo > 0 and ok[lo - 1]:
        lo -= 1
    hi = i0
    while hi < eta.size - 1 and ok[hi + 1]:
        hi += 1
    eta_b, p_b = eta[lo:hi + 1], pg[lo:hi + 1]          # p_b decreasing
    flat = p.ravel()
    out = np.full(flat.shape, np.nan)
    inside = np.isfinite(flat) & (flat <= p_b[0]) & (flat >= p_b[-1])
    if inside.any():
        target = flat[inside]
        j = np.clip(np.searchsorted(-p_b, -target), 1, p_b.size - 1)
        a, b = np.log(eta_b[j - 1]), np.log(eta_b[j])
        # 50 halvings of an interval < 0.003 in ln(V/V0) reach machine precision.
        for _ in range(50):
            m = 0.5 * (a + b)
            pm = form._pressure(np.exp(m) * v0, *params)
            above = pm > target                          # still too compressed
            a = np.where(above, m, a)
            b = np.where(above, b, m)
        out[inside] = np.exp(0.5 * (a + b)) * v0
    return out.reshape(p.shape) if p.ndim else out[0]


# --- Birch–Murnaghan family: P = 3K0 f (1+2f)^{5/2} (1 + c1 f + c2 f²), f Eulerian ------------

def _bm_coeffs(k0, kp, kpp):
    c1 = 1.5 * (kp - 4.0)
    c2 = 1.5 * (k0 * kpp + (kp - 4.0) * (kp - 3.0) + 35.0 / 9.0)
    return c1, c2


def _bm_p(v, v0, k0, c1, c2):
    f = 0.5 * ((v0 / v) ** (2.0 / 3.0) - 1.0)
    return 3.0 * k0 * f * (1.0 + 2.0 * f) ** 2.5 * (1.0 + c1 * f + c2 * f * f)


def _bm_k(v, v0, k0, c1, c2):
    # K = (1+2f)/3 dP/df, since df/dV = −(1+2f)/(3V)
    f = 0.5 * ((v0 / v) ** (2.0 / 3.0) - 1.0)
    g = 1.0 + c1 * f + c2 * f * f
    dg = c1 + 2.0 * c2 * f
    return k0 * (1.0 + 2.0 * f) ** 2.5 * ((1.0 + 2.0 * f) * g + 5.0 * f * g + f * (1.0 + 2.0 * f) * dg)


def _bm2_p(v, v0, k0):
    return _bm_p(v, v0, k0, 0.0, 0.0)


def _bm2_k(v, v0, k0):
    return _bm_k(v, v0, k0, 0.0, 0.0)


def _bm3_p(v, v0, k0, kp):
    return _bm_p(v, v0, k0, 1.5 * (kp - 4.0), 0.0)


def _bm3_k(v, v0, k0, kp):
    return _bm_k(v, v0, k0, 1.5 * (kp - 4.0), 0.0)


def _bm4_p(v, v0, k0, kp, kpp):
    return _bm_p(v, v0, k0, *_bm_coeffs(k0, kp, kpp))


def _bm4_k(v, v0, k0, kp, kpp):
    return _bm_k(v, v0, k0, *_bm_coeffs(k0, kp, kpp))


# --- Vinet ---------------------------------------------------------------------------------

def _vinet_p(v, v0, k0, kp):
    x = (v / v0) ** (1.0 / 3.0)
    return 3.0 * k0 * (1.0 - x) / x**2 * np.exp(1.5 * (kp - 1.0) * (1.0 - x))


def _vinet_k(v, v0, k0, kp):
    x = (v / v0) ** (1.0 / 3.0)
    eta = 1.5 * (kp - 1.0)
    return k0 * np.exp(eta * (1.0 - x)) / x**2 * (2.0 - x + eta * x * (1.0 - x))


# --- Murnaghan (analytic both ways) --------------------------------------------------------

def _murn_p(v, v0, k0, kp):
    return k0 / kp * ((v0 / v) ** kp - 1.0)


def _murn_k(v, v0, k0, kp):
    return k0 * (v0 / v) ** kp


def _murn_v(p, v0, k0, kp):
    with np.errstate(invalid="ignore"):
        return v0 * (1.0 + kp * p / k0) ** (-1.0 / kp)


# --- natural strain (Poirier–Tarantola), 3rd order -----------------------------------------

def _pt_p(v, v0, k0, kp):
    fn = np.log(v0 / v) / 3.0
    return 3.0 * k0 * (v0 / v) * fn * (1.0 + 1.5 * (kp - 2.0) * fn)


def _pt_k(v, v0, k0, kp):
    # K = (1/3) dP/df_N, since df_N/dV = −1/(3V)
    fn = np.log(v0 / v) / 3.0
    c1 = 1.5 * (kp - 2.0)
    g = 1.0 + c1 * fn
    return k0 * (v0 / v) * (g * (1.0 + 3.0 * fn) + fn * c1)


# --- modified Tait, 3rd order (K″ = −K′/K0) -------------------------------------------------

def _tait_abc(k0, kp):
    kpp = -kp / k0
    a = (1.0 + kp) / (1.0 + kp + k0 * kpp)
    b = kp / k0 - kpp / (1.0 + kp)
    c = (1.0 + kp + k0 * kpp) / (kp * kp + kp - k0 * kpp)
    return a, b, c


def _tait_p(v, v0, k0, kp):
    a, b, c = _tait_abc(k0, kp)
    with np.errstate(invalid="ignore"):
        return ((1.0 - (1.0 - v / v0) / a) ** (-1.0 / c) - 1.0) / b


def _tait_v(p, v0, k0, kp):
    a, b, c = _tait_abc(k0, kp)
    with np.errstate(invalid="ignore"):
        return v0 * (1.0 - a * (1.0 - (1.0 + b * p) ** (-c)))


def _tait_k(v, v0, k0, kp):
    a, b, c = _tait_abc(k0, kp)
    p = _tait_p(v, v0, k0, kp)
    return (v / v0) * (1.0 + b * p) ** (c + 1.0) / (a * b * c)


_IMPLIED_KPP = {
    # Anderson (1995) / physics.md §1.5: truncated BM3 implies K″ = −[(3−K′)(4−K′) + 35/9]/K0
    "bm2": lambda k0, kp: -((3.0 - 4.0) * (4.0 - 4.0) + 35.0 / 9.0) / k0,
    "bm3": lambda k0, kp: -((3.0 - kp) * (4.0 - kp) + 35.0 / 9.0) / k0,
    # Poirier & Tarantola 3rd order: the f_N² coefficient vanishes
    "natural": lambda k0, kp: -(1.0 + (kp - 2.0) + (kp - 2.0) ** 2) / k0,
    "tait": lambda k0, kp: -kp / k0,
}


def _form(name, params, p, k, v, citation, doc):
    return EosForm(name=name, params=params, _pressure=p, _bulk=k, _volume=v,
                   citation=citation, doc=doc)


#: short name → :class:`EosForm`
EOS_FORMS: dict[str, EosForm] = {
    "bm2": _form(
        "bm2", ("v0", "k0"), _bm2_p, _bm2_k, None,
        "Birch, Phys. Rev. 71, 809 (1947)",
        "Birch–Murnaghan 2nd order: P = 3K0 f(1+2f)^{5/2}, f = ½[(V0/V)^{2/3} − 1]; K′ = 4."),
    "bm3": _form(
        "bm3", ("v0", "k0", "kp"), _bm3_p, _bm3_k, None,
        "Birch, Phys. Rev. 71, 809 (1947)",
        "Birch–Murnaghan 3rd order: P = 3K0 f(1+2f)^{5/2}[1 + (3/2)(K′−4) f]."),
    "bm4": _form(
        "bm4", ("v0", "k0", "kp", "kpp"), _bm4_p, _bm4_k, None,
        "Birch, Phys. Rev. 71, 809 (1947); 4th-order term as in Angel et al., "
        "Z. Kristallogr. 229, 405 (2014) (EosFit7)",
        "Birch–Murnaghan 4th order: adds (3/2)(K0K″ + (K′−4)(K′−3) + 35/9) f²."),
    "vinet": _form(
        "vinet", ("v0", "k0", "kp"), _vinet_p, _vinet_k, None,
        "Vinet, Ferrante, Rose & Smith, J. Geophys. Res. 92, 9319 (1987)",
        "Vinet: x = (V/V0)^{1/3}, P = 3K0(1−x)x^{−2} exp[(3/2)(K′−1)(1−x)]."),
    "murnaghan": _form(
        "murnaghan", ("v0", "k0", "kp"), _murn_p, _murn_k, _murn_v,
        "Murnaghan, Proc. Natl. Acad. Sci. USA 30, 244 (1944)",
        "Murnaghan: P = (K0/K′)[(V0/V)^{K′} − 1], K = K0 + K′P; valid to ~10 % compression."),
    "natural": _form(
        "natural", ("v0", "k0", "kp"), _pt_p, _pt_k, None,
        "Poirier & Tarantola, Phys. Earth Planet. Inter. 109, 1 (1998)",
        "Natural strain 3rd order: f_N = ⅓ ln(V0/V), P = 3K0 (V0/V) f_N [1 + (3/2)(K′−2) f_N]."),
    "tait": _form(
        "tait", ("v0", "k0", "kp"), _tait_p, _tait_k, _tait_v,
        "Holland & Powell, J. Metamorph. Geol. 29, 333 (2011)",
        "Modified Tait 3rd order: V/V0 = 1 − a[1 − (1+bP)^{−c}] with K″ = −K′/K0."),
}


def get_form(name: str) -> EosForm:
    """The registered form ``name`` (case-insensitive), or an InputError listing the choices.

    Parameters
    ----------
    name : str
        Key of :data:`~dackit.eos.EOS_FORMS` (case-insensitive).
    """
    from dackit.errors import InputError

    key = str(name).lower()
    if key not in EOS_FORMS:
        raise InputError(f"form: unknown EoS form {name!r}; choose one of {', '.join(EOS_FORMS)}")
    return EOS_FORMS[key]
