"""Bulk zinc-blende material parameters for the core–shell nanocrystal model.

Every number has an entry in :attr:`Material.sources`. Tags used there:

* ``[V]`` checked against the paper or against public code that transcribes it (named);
* ``[S]`` taken from a secondary compilation that names its primary source (the nextnano
  material database, as transcribed in a public Python port — "nextnano db" below); the
  primary paper itself was not read;
* ``[C]`` computed here from the other entries;
* ``[A]`` an assumption: a typical value, not checked against a paper. Override it if it matters.

Conventions (shared by all entries, so that mixed core/shell systems are consistent):

* band-edge shifts ΔE_c = a_c·Tr ε and ΔE_v = a_v·Tr ε, gap deformation potential
  a_gap = a_c − a_v (Wei & Zunger sign convention as used by nextnano: a_c < 0 always;
  a_v < 0 for compounds with occupied cation d states, i.e. the VBM rises on compression).
  Vurgaftman, Meyer & Ram-Mohan, *JAP* 89, 5815 (2001) print a_v with the opposite sign.
* ``vbm_ev`` is the valence-band maximum on the natural (absolute) scale of Wei & Zunger,
  *APL* 72, 2011 (1998): E_VBM = E_v,av + Δso/3 with E_v,av from that paper; the zero is
  arbitrary, only differences (band offsets) matter.
* the Γ electron mass follows the gap through the Kane relation of Vurgaftman et al. (2001),
  m0/m_e = 1 + 2F + E_P (E_g + 2Δso/3)/(E_g (E_g + Δso)); F is fixed by ``m_e`` at ``eg0_ev``.

Example
-------
>>> inp = material("InP")
>>> round(inp.eg_ev(300.0), 3)
1.353
>>> round(material("InP", b0_gpa=57.1).b0_gpa, 1)
57.1
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from dackit.errors import InputError

_NEXTNANO = "nextnano material database (public Python transcription)"
_VURG = "Vurgaftman, Meyer & Ram-Mohan, J. Appl. Phys. 89, 5815 (2001)"
_WZ98 = "Wei & Zunger, Appl. Phys. Lett. 72, 2011 (1998)"


@dataclass(frozen=True)
class Material:
    """One zinc-blende semiconductor. Energies eV, lengths Å, moduli GPa, masses m0."""

    name: str
    lattice_a: float            #: lattice constant at 300 K (Å)
    c11: float                  #: elastic constants (GPa)
    c12: float
    c44: float
    b0_gpa: float               #: isothermal bulk modulus used by the EoS
    b0_prime: float             #: its pressure derivative (BM3)
    eg0_ev: float               #: Γ gap at 0 K (Varshni)
    varshni_alpha_ev_per_k: float
    varshni_beta_k: float
    delta_so_ev: float          #: spin–orbit splitting
    a_c_ev: float               #: conduction-band volume deformation potential
    a_v_ev: float               #: valence-band volume deformation potential
    ep_ev: float                #: Kane energy E_P
    m_e: float                  #: Γ electron mass at eg0_ev (fixes the Kane F)
    m_hh: float                 #: heavy-hole mass
    eps_static: float
    eps_inf: float
    vbm_ev: float               #: VBM on the Wei–Zunger natural scale
    p_zb_rs_gpa: float          #: bulk zinc blende → rock salt (or other) transition pressure
    gamma1: float = float("nan")    #: Luttinger parameters (spherical hole; tabulated at eg0_ev)
    gamma2: float = float("nan")
    gamma3: float = float("nan")
    eg_x0_ev: float = float("nan")  #: Γ8v → X6c (indirect) gap at 0 K
    eg_x_dt_ev_per_k: float = 0.0   #: its linear temperature coefficient
    a_x_ev: float = float("nan")    #: X-gap volume deformation potential dE_X/d ln V
    m_x: float = float("nan")       #: X-valley electron mass (isotropic average, m0)
    sources: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def shear_gpa(self) -> float:
        """Voigt-average shear modulus (c11 − c12 + 3c44)/5 of the cubic crystal [C]."""
        return (self.c11 - self.c12 + 3.0 * self.c44) / 5.0

    @property
    def a_gap_ev(self) -> float:
        """Gap volume deformation potential a_c − a_v (dE_g/d ln V)."""
        return self.a_c_ev - self.a_v_ev

    @property
    def kane_f(self) -> float:
        """Remote-band parameter F that makes the Kane relation give ``m_e`` at ``eg0_ev``."""
        return 0.5 * (1.0 / self.m_e - 1.0 - _kane_term(self.ep_ev, self.eg0_ev, self.delta_so_ev))

    @property
    def gamma_bar(self) -> float:
        """Spherical Luttinger parameter γ̄ = (2γ2 + 3γ3)/5 (Baldereschi & Lipari 1973)."""
        return (2.0 * self.gamma2 + 3.0 * self.gamma3) / 5.0

    def eg_x_ev(self, temperature_k: float = 300.0) -> float:
        """Unstrained X gap E_X(T) = E_X0 − (dE/dT)·T (NaN if not tabulated)."""
        return self.eg_x0_ev - self.eg_x_dt_ev_per_k * float(temperature_k)

    def eg_ev(self, temperature_k: float = 300.0) -> float:
        """Unstrained Γ gap by Varshni: E_g(T) = E_g0 − αT²/(T + β)."""
        t = float(temperature_k)
        return self.eg0_ev - self.varshni_alpha_ev_per_k * t * t / (t + self.varshni_beta_k)

    def electron_mass(self, eg_ev: float) -> float:
        """Γ electron mass (m0) at gap ``eg_ev`` from the Kane relation with this F."""
        inv = 1.0 + 2.0 * self.kane_f + _kane_term(self.ep_ev, eg_ev, self.delta_so_ev)
        if inv <= 0:
            raise InputError(f"{self.name}: Kane relation gives a non-positive inverse mass at "
                             f"E_g = {eg_ev:.3f} eV; check ep_ev, m_e and delta_so_ev")
        return 1.0 / inv


def _kane_term(ep, eg, dso):
    return ep * (eg + 2.0 * dso / 3.0) / (eg * (eg + dso))


_OPTIONAL_X = ("eg_x0_ev", "eg_x_dt_ev_per_k", "a_x_ev", "m_x")


def _entry(name, src, **values):
    for key in _OPTIONAL_X:   # the X valley is only tabulated where it matters (InP)
        if key not in values:
            src.setdefault(key, "[A] not tabulated (NaN/0): no X-valley level is computed for this material")
    return Material(name=name, sources=src, **values)


#: the material library, keyed by formula
MATERIALS: dict[str, Material] = {
    "InP": _entry(
        "InP",
        dict(lattice_a=f"[V] {_VURG} via PLaSK InP.cpp (5.8697 Å at 300 K)",
             c11=f"[V] {_VURG} via PLaSK", c12=f"[V] {_VURG} via PLaSK", c44=f"[V] {_VURG} via PLaSK",
             b0_gpa="[C] (c11 + 2c12)/3 from Vurgaftman's c_ij",
             b0_prime="[A] typical zinc-blende value 4.6 (physics.md, unverified)",
             eg0_ev=f"[V] {_VURG} via PLaSK", varshni_alpha_ev_per_k=f"[V] {_VURG}",
             varshni_beta_k=f"[V] {_VURG}", delta_so_ev=f"[V] {_VURG}",
             a_c_ev=f"[S] {_WZ98} via {_NEXTNANO}: a_c = a_v + a_gap = -0.41 - 5.93; "
                    "a_gap = -5.93 agrees with -6.35(5) measured by Müller et al., PRB 21, 4879 (1980)",
             a_v_ev=f"[S] {_WZ98} via {_NEXTNANO}",
             ep_ev=f"[V] {_VURG} (Table VI) via monacoQC InP.m and {_NEXTNANO}",
             m_e=f"[V] {_VURG} via {_NEXTNANO}; Kane F = -1.31 reproduced [C]",
             m_hh="[V] Adachi (2009) via PLaSK InP.cpp",
             eps_static="[S] Landolt–Börnstein via nextnano db (12.61)",
             eps_inf="[S] Landolt–Börnstein via nextnano db",
             vbm_ev=f"[S] {_WZ98} via {_NEXTNANO}: E_v,av = 1.064 eV, + Δso/3",
             p_zb_rs_gpa="[M] 10.8 GPa, Menoni & Spain, PRB 35, 7520 (1987), value as quoted in physics.md",
             gamma1=f"[M] {_VURG} (5.08, 1.60, 2.10 as widely quoted); cross-check: Lawaetz PRB 4, 3460 (1971) "
                    "4.95, 1.65, 2.35 [V vincent-michal/quantum_box_Luttinger_Kohn material_parameters.py]",
             gamma2="[M] as gamma1", gamma3="[M] as gamma1",
             eg_x0_ev=f"[V] {_VURG} via PLaSK InP.cpp: E_X = 2.384 − 3.7e-4 T",
             eg_x_dt_ev_per_k=f"[V] {_VURG} via PLaSK InP.cpp",
             a_x_ev="[C] from the measured X-gap pressure coefficient −(3±1) meV/kbar of Müller, Trommer, "
                    "Cardona & Vogl, PRB 21, 4879 (1980) [V physics.md] times B0 = 71.1 GPa: +2.1(7) eV",
             m_x="[V] Adachi (2009) via PLaSK InP.cpp (1.09)"),
        lattice_a=5.8697, c11=101.1, c12=56.1, c44=45.6, b0_gpa=71.1, b0_prime=4.6,
        eg0_ev=1.4236, varshni_alpha_ev_per_k=0.363e-3, varshni_beta_k=162.0, delta_so_ev=0.108,
        a_c_ev=-6.34, a_v_ev=-0.41, ep_ev=20.7, m_e=0.0795, m_hh=0.46,
        eps_static=12.61, eps_inf=9.61, vbm_ev=1.064 + 0.108 / 3, p_zb_rs_gpa=10.8,
        gamma1=5.08, gamma2=1.60, gamma3=2.10, eg_x0_ev=2.384, eg_x_dt_ev_per_k=3.7e-4, a_x_ev=2.1,
        m_x=1.09),
    "GaP": _entry(
        "GaP",
        dict(lattice_a=f"[V] {_VURG} via PLaSK GaP.cpp", c11=f"[V] {_VURG}", c12=f"[V] {_VURG}",
             c44=f"[V] {_VURG}", b0_gpa="[C] (c11 + 2c12)/3",
             b0_prime="[A] typical zinc-blende value 4.5 (physics.md, unverified)",
             eg0_ev=f"[V] {_VURG} (Γ gap; GaP is indirect, the model uses Γ only)",
             varshni_alpha_ev_per_k=f"[S] {_NEXTNANO} (X-valley Varshni used for Γ there)",
             varshni_beta_k=f"[S] {_NEXTNANO}", delta_so_ev=f"[V] {_VURG}",
             a_c_ev=f"[S] {_WZ98} via {_NEXTNANO}: -0.58 - 8.83", a_v_ev=f"[S] {_WZ98} via {_NEXTNANO}",
             ep_ev=f"[S] {_VURG} via {_NEXTNANO}", m_e=f"[S] {_VURG} via {_NEXTNANO}",
             m_hh="[V] Adachi via PLaSK GaP.cpp", eps_static="[S] Landolt–Börnstein via nextnano db",
             eps_inf="[S] Landolt–Börnstein via nextnano db",
             vbm_ev=f"[S] {_WZ98} via {_NEXTNANO}: E_v,av = 0.963 eV, + Δso/3",
             p_zb_rs_gpa="[M] ≈22 GPa (to a Cmcm/β-Sn-like phase, physics.md)",
             gamma1=f"[M] {_VURG} (4.05, 0.49, 2.93)", gamma2="[M]", gamma3="[M]"),
        lattice_a=5.4505, c11=140.5, c12=62.03, c44=70.33, b0_gpa=88.2, b0_prime=4.5,
        eg0_ev=2.886, varshni_alpha_ev_per_k=0.5771e-3, varshni_beta_k=372.0, delta_so_ev=0.08,
        a_c_ev=-9.41, a_v_ev=-0.58, ep_ev=31.4, m_e=0.13, m_hh=0.34,
        eps_static=11.1, eps_inf=9.075, vbm_ev=0.963 + 0.08 / 3, p_zb_rs_gpa=22.0,
        gamma1=4.05, gamma2=0.49, gamma3=2.93),
    "ZnSe": _entry(
        "ZnSe",
        dict(lattice_a="[S] Karzel et al., PRB 53, 11425 (1996) via nextnano db (5.6674 Å); study: 5.67 Å",
             c11="[S] Van de Walle, PRB 39, 1871 (1989) via nextnano db", c12="[S] same", c44="[S] same",
             b0_gpa="[V] 62.4 GPa as quoted by the reference study (ref. 19 there)",
             b0_prime="[A] typical value 4.8 (physics.md, unverified)",
             eg0_ev="[S] Piprek via nextnano db (2.825 eV at 0 K)",
             varshni_alpha_ev_per_k="[A] 0.73 meV/K, chosen to give the commonly quoted 2.71 eV at 300 K",
             varshni_beta_k="[A] 295 K", delta_so_ev="[S] Chelikowsky via nextnano db",
             a_c_ev=f"[S] {_WZ98} via {_NEXTNANO}", a_v_ev=f"[S] {_WZ98} via {_NEXTNANO}",
             ep_ev="[S] Lawaetz, PRB 4, 3460 (1971) via nextnano db",
             m_e="[S] Isshiki, J. Cryst. Growth 86, 615 (1988) via nextnano db",
             m_hh="[A] 0.6, inside the quoted range 0.53 (yungkuo/QD) … 1.04 (Isshiki via nextnano db)",
             eps_static="[S] Adachi et al. via nextnano db", eps_inf="[S] Adachi et al. via nextnano db",
             vbm_ev=f"[S] {_WZ98} via {_NEXTNANO}: E_v,av = 0.39 eV, + Δso/3",
             p_zb_rs_gpa="[V] 13.5(3) GPa, Ves et al., NATO ASI B 286 (physics.md)",
             gamma1="[M] Hölscher, Nöthe & Uihlein, PRB 31, 2379 (1985) (two-photon magneto-absorption) as "
                    "compiled in Landolt–Börnstein: 4.30, 1.14, 1.84; not checked against the paper",
             gamma2="[M] as gamma1", gamma3="[M] as gamma1"),
        lattice_a=5.6674, c11=82.6, c12=49.8, c44=40.0, b0_gpa=62.4, b0_prime=4.8,
        eg0_ev=2.825, varshni_alpha_ev_per_k=0.73e-3, varshni_beta_k=295.0, delta_so_ev=0.45,
        a_c_ev=-5.93, a_v_ev=-1.97, ep_ev=24.2, m_e=0.145, m_hh=0.6,
        eps_static=8.6, eps_inf=5.73, vbm_ev=0.39 + 0.45 / 3, p_zb_rs_gpa=13.5,
        gamma1=4.30, gamma2=1.14, gamma3=1.84),
    "ZnS": _entry(
        "ZnS",
        dict(lattice_a="[M] 5.409 Å (physics.md)", c11="[M] physics.md", c12="[M] physics.md",
             c44="[M] physics.md", b0_gpa="[V] 77.1 GPa as quoted by the reference study",
             b0_prime="[A] typical value 4.9 (physics.md, unverified)",
             eg0_ev="[A] 3.80 eV at 0 K, giving 3.72 eV at 300 K (physics.md: 3.68–3.72)",
             varshni_alpha_ev_per_k="[A]", varshni_beta_k="[A]", delta_so_ev="[M] physics.md",
             a_c_ev="[A] a_gap = -5.0(2) eV measured (Ves et al., PRB 42, 9113 (1990)) [V]; split with a_v of ZnSe",
             a_v_ev="[A] taken equal to ZnSe's (same cation, d-band-dominated VBM shift)",
             ep_ev="[A] 20 eV", m_e="[M] 0.28 (physics.md)", m_hh="[A] 1.0 (physics.md quotes ≈1.7)",
             eps_static="[M] physics.md", eps_inf="[M] physics.md",
             vbm_ev="[A] electron-affinity rule against ZnSe: χ(ZnS) = 3.9, χ(ZnSe) = 4.09 eV",
             p_zb_rs_gpa="[V] 15.0(3) GPa, Ves et al. (physics.md)",
             gamma1="[A] Lawaetz-type estimate 2.54, 0.75, 1.09 (not checked)", gamma2="[A]", gamma3="[A]"),
        lattice_a=5.409, c11=104.6, c12=65.3, c44=46.1, b0_gpa=77.1, b0_prime=4.9,
        eg0_ev=3.80, varshni_alpha_ev_per_k=0.5e-3, varshni_beta_k=260.0, delta_so_ev=0.07,
        a_c_ev=-6.97, a_v_ev=-1.97, ep_ev=20.0, m_e=0.28, m_hh=1.0,
        eps_static=8.3, eps_inf=5.1, vbm_ev=0.39 + 0.45 / 3 - ((3.9 + 3.72) - (4.09 + 2.713)),
        p_zb_rs_gpa=15.0, gamma1=2.54, gamma2=0.75, gamma3=1.09),
    "CdSe": _entry(
        "CdSe",
        dict(lattice_a="[S] Wei & Zunger via nextnano db (6.052 Å)",
             c11="[S] Landolt–Börnstein via nextnano db", c12="[S] same", c44="[S] same",
             b0_gpa="[C] (c11 + 2c12)/3", b0_prime="[A] typical value 4.4 (physics.md, unverified)",
             eg0_ev="[S] Piprek via nextnano db (1.846 eV at 0 K)",
             varshni_alpha_ev_per_k="[S] Furdyna, PRB 50 via nextnano db", varshni_beta_k="[S] same",
             delta_so_ev="[S] Furdyna via nextnano db",
             a_c_ev=f"[S] {_WZ98} via {_NEXTNANO}", a_v_ev=f"[S] {_WZ98} via {_NEXTNANO}",
             ep_ev="[V] 20 eV as used by yungkuo/QD sub/parameter.py", m_e="[S] Furdyna, PRB 49 via nextnano db",
             m_hh="[V] 0.45 as used by yungkuo/QD (Furdyna via nextnano db: 0.9)",
             eps_static="[S] Landolt–Börnstein via nextnano db", eps_inf="[S] same",
             vbm_ev="[S] nextnano db: E_v,av = 0.7162 eV ('30 % VBO to ZnSe', not Wei–Zunger), + Δso/3",
             p_zb_rs_gpa="[M] ≈2.7 GPa (wurtzite bulk value, physics.md; zinc blende similar)",
             gamma1="[M] γ1 = 2.04, γ = 0.58 as used for CdSe dots by Ekimov et al., JOSA B 10, 100 (1993)",
             gamma2="[M]", gamma3="[M]"),
        lattice_a=6.052, c11=74.6, c12=46.1, c44=13.0, b0_gpa=55.6, b0_prime=4.4,
        eg0_ev=1.846, varshni_alpha_ev_per_k=6.96e-4, varshni_beta_k=281.0, delta_so_ev=0.42,
        a_c_ev=-3.77, a_v_ev=-1.81, ep_ev=20.0, m_e=0.12, m_hh=0.45,
        eps_static=9.7, eps_inf=5.8, vbm_ev=0.7162 + 0.42 / 3, p_zb_rs_gpa=2.7,
        gamma1=2.04, gamma2=0.58, gamma3=0.58),
    "CdS": _entry(
        "CdS",
        dict(lattice_a="[A] 5.818 Å (zinc blende)", c11="[A]", c12="[A]", c44="[A]",
             b0_gpa="[A] 62 GPa", b0_prime="[A] 4.5",
             eg0_ev="[A] 2.50 eV at 0 K → 2.42 eV at 300 K (yungkuo/QD comment: 2.45)",
             varshni_alpha_ev_per_k="[A]", varshni_beta_k="[A]", delta_so_ev="[A] 0.07 eV",
             a_c_ev="[A] a_gap ≈ -2.9 eV (from ≈45 meV/GPa for wurtzite CdS); split with a_v of CdSe",
             a_v_ev="[A] taken equal to CdSe's", ep_ev="[A] 21 eV",
             m_e="[V] 0.18 as quoted in yungkuo/QD sub/parameter.py", m_hh="[V] 0.6, same source",
             eps_static="[V] 8.6, same source", eps_inf="[A] 5.3",
             vbm_ev="[A] electron-affinity rule against ZnSe: χ(CdS) = 4.79 eV (yungkuo/QD)",
             p_zb_rs_gpa="[M] ≈2.7 GPa (wurtzite bulk)",
             gamma1="[A] 1.71, γ = 0.62 (typical CdS values, not checked)", gamma2="[A]", gamma3="[A]"),
        lattice_a=5.818, c11=77.0, c12=53.9, c44=23.6, b0_gpa=62.0, b0_prime=4.5,
        eg0_ev=2.50, varshni_alpha_ev_per_k=0.4e-3, varshni_beta_k=150.0, delta_so_ev=0.07,
        a_c_ev=-4.71, a_v_ev=-1.81, ep_ev=21.0, m_e=0.18, m_hh=0.6,
        eps_static=8.6, eps_inf=5.3, vbm_ev=0.39 + 0.45 / 3 - ((4.79 + 2.42) - (4.09 + 2.713)),
        p_zb_rs_gpa=2.7, gamma1=1.71, gamma2=0.62, gamma3=0.62),
}

_FIELDS = {f.name for f in dataclasses.fields(Material)} - {"name", "sources"}


def material(name: str | Material, **overrides) -> Material:
    """A library material by name (case-insensitive), with any field overridden.

    Overridden fields are tagged ``[user]`` in ``sources``.

    Parameters
    ----------
    name : str or Material
        A name in :data:`~dackit.nanocrystal.MATERIALS` (case-insensitive), or a Material.
    **overrides : | Fields of :class:`~dackit.nanocrystal.Material` to replace (e.g. ``b0_gpa=75.0``).

    Examples
    --------
    >>> material("znse", m_hh=1.04).m_hh
    1.04
    """
    if isinstance(name, Material):
        base = name
    else:
        lookup = {k.lower(): v for k, v in MATERIALS.items()}
        key = str(name).strip().lower()
        if key not in lookup:
            raise InputError(f"material {name!r}: unknown; choose one of {', '.join(MATERIALS)}")
        base = lookup[key]
    bad = set(overrides) - _FIELDS
    if bad:
        raise InputError(f"material {base.name}: unknown parameter(s) {', '.join(sorted(bad))}; "
                         f"valid: {', '.join(sorted(_FIELDS))}")
    for key, value in overrides.items():
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InputError(f"material {base.name}: {key} must be a number, got {value!r}") from None
        if value != value:
            raise InputError(f"material {base.name}: {key} is NaN")
        overrides[key] = value
    if not overrides:
        return base
    sources = dict(base.sources)
    sources.update({k: "[user] override" for k in overrides})
    return dataclasses.replace(base, sources=sources, **overrides)
