"""Crystal phases: a small structure library, CIF and JCPDS input.

A :class:`Phase` holds a unit cell, a space group and the atoms of its asymmetric unit (or,
for JCPDS files that list no atoms, the reference lines of the file). Reflections,
multiplicities and intensities follow from it in :mod:`dackit.xrd.structure_factor`
(:func:`reflections` is re-exported here).

Example
-------
>>> from dackit.xrd.phases import zincblende, reflections
>>> inp = zincblende(a=5.8697, cation="In", anion="P")
>>> table = reflections(inp, wavelength_a=0.6199, twotheta_max=25)
>>> table["hkl"].iloc[0], round(float(table["d_a"].iloc[0]), 4)
('111', 3.3889)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from collections.abc import Callable
from typing import Any

import numpy as np

from dackit.errors import InputError, where
from dackit.xrd.structure_factor import _element_symbol, reflections

SYSTEMS = ("cubic", "tetragonal", "hexagonal", "rhombohedral", "orthorhombic", "monoclinic", "triclinic")

#: cell parameters a refinement varies, per crystal system
FREE_PARAMETERS = {
    "cubic": ("a",),
    "tetragonal": ("a", "c"),
    "hexagonal": ("a", "c"),
    "rhombohedral": ("a", "alpha"),
    "orthorhombic": ("a", "b", "c"),
    "monoclinic": ("a", "b", "c", "beta"),
    "triclinic": ("a", "b", "c", "alpha", "beta", "gamma"),
}


@dataclass(frozen=True)
class Atom:
    """One site: element (or ion, as xraydb names it: ``"Ce"``, ``"O2-"``), fractional
    position, occupancy and isotropic Debye–Waller B in Å² (None → the phase's ``b_iso``)."""

    element: str
    x: float
    y: float
    z: float
    occupancy: float = 1.0
    b_iso: float | None = None


@dataclass(frozen=True)
class Phase:
    """A crystal phase.

    Attributes
    ----------
    name : str
    system : str
        One of :data:`SYSTEMS`.
    a, b, c : float
        Cell lengths in Å.
    alpha, beta, gamma : float
        Cell angles in degrees.
    space_group : str
        Hermann–Mauguin symbol (``"F -4 3 m"``); "" when unknown (JCPDS files).
    atoms : tuple of Atom
        Asymmetric unit; expanded to the cell with the space-group operations.
    b_iso : float
        Default isotropic Debye–Waller B (Å²) of sites that have none.
    symops : tuple of str
        Symmetry operations as xyz triplets (from a CIF); used instead of ``space_group``.
    lines : tuple of (h, k, l, intensity)
        Reference lines of a phase without atoms (JCPDS); intensities as listed (0–100).
    k0_gpa, k0p : float or None
        Bulk modulus and its pressure derivative, if the source states them (JCPDS).
    ambient_cell : bool
        The cell is this material's measured cell at room temperature and zero pressure
        (a library material by its name alone, a JCPDS card's V0): a fit may compare its
        cell with it. False for templates, user-given cells and CIFs (any P and T).
    source : str
        File the phase was read from, or "" for the built-in library.
    """

    name: str
    system: str
    a: float
    b: float
    c: float
    alpha: float = 90.0
    beta: float = 90.0
    gamma: float = 90.0
    space_group: str = ""
    atoms: tuple = ()
    b_iso: float = 0.5
    symops: tuple = ()
    lines: tuple = ()
    k0_gpa: float | None = None
    k0p: float | None = None
    ambient_cell: bool = field(default=False, compare=False)
    source: str = field(default="", compare=False)

    def __post_init__(self):
        if self.system not in SYSTEMS:
            raise InputError(f"{where(self.source)}unknown crystal system {self.system!r}; use one of {SYSTEMS}")
        for name in ("a", "b", "c"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise InputError(f"{where(self.source)}cell length {name} = {value} Å must be positive")

    # --- cell geometry -------------------------------------------------------------------
    @property
    def cell(self) -> tuple[float, float, float, float, float, float]:
        return (self.a, self.b, self.c, self.alpha, self.beta, self.gamma)

    @property
    def volume_a3(self) -> float:
        """Unit-cell volume in Å³."""
        ca, cb, cg = np.cos(np.radians([self.alpha, self.beta, self.gamma]))
        return float(self.a * self.b * self.c * np.sqrt(1 - ca**2 - cb**2 - cg**2 + 2 * ca * cb * cg))

    @property
    def free_parameters(self) -> tuple[str, ...]:
        return FREE_PARAMETERS[self.system]

    def with_cell(self, **params) -> Phase:
        """Copy with new free cell parameters; the system's constraints are kept
        (cubic: b = c = a; tetragonal/hexagonal: b = a; rhombohedral: all angles alike). The
        copy's cell is no longer the ambient one (``ambient_cell`` False)."""
        values = {k: getattr(self, k) for k in ("a", "b", "c", "alpha", "beta", "gamma")}
        values.update({k: float(v) for k, v in params.items()})
        if self.system in ("cubic", "rhombohedral"):
            values["b"] = values["c"] = values["a"]
        if self.system in ("tetragonal", "hexagonal"):
            values["b"] = values["a"]
        if self.system == "rhombohedral":
            values["beta"] = values["gamma"] = values["alpha"]
        return replace(self, **values, ambient_cell=False)

    def scaled(self, factor: float) -> Phase:
        """Copy with all cell lengths multiplied by ``factor`` (isotropic strain)."""
        return replace(self, a=self.a * factor, b=self.b * factor, c=self.c * factor, ambient_cell=False)

    def reciprocal_metric(self) -> np.ndarray:
        """G* (Å⁻²): 1/d² = hᵀ G* h."""
        al, be, ga = np.radians([self.alpha, self.beta, self.gamma])
        g = np.array([
            [self.a**2, self.a * self.b * np.cos(ga), self.a * self.c * np.cos(be)],
            [self.a * self.b * np.cos(ga), self.b**2, self.b * self.c * np.cos(al)],
            [self.a * self.c * np.cos(be), self.b * self.c * np.cos(al), self.c**2],
        ])
        return np.linalg.inv(g)

    def d_spacing(self, hkl) -> np.ndarray:
        """d in Å of each row (h, k, l) of ``hkl``."""
        hkl = np.atleast_2d(np.asarray(hkl, dtype=float))
        inv_d2 = np.einsum("ni,ij,nj->n", hkl, self.reciprocal_metric(), hkl)
        return 1.0 / np.sqrt(inv_d2)

    # --- contents -----------------------------------------------------------------------
    def group_ops(self):
        """gemmi GroupOps of the phase (from ``symops`` or ``space_group``), or None."""
        import gemmi

        if self.symops:
            return gemmi.GroupOps([gemmi.Op(t) for t in self.symops])
        if not self.space_group:
            return None
        sg = gemmi.find_spacegroup_by_name(self.space_group)
        if sg is None:
            raise InputError(f"{where(self.source)}unknown space group {self.space_group!r}")
        return sg.operations()

    def unit_cell_atoms(self) -> list[tuple[str, np.ndarray, float, float]]:
        """All sites in the cell: (element, fractional xyz, occupancy, B), duplicates merged."""
        ops = self.group_ops()
        out: list[tuple[str, np.ndarray, float, float]] = []
        for atom in self.atoms:
            b = self.b_iso if atom.b_iso is None else atom.b_iso
            xyz0 = [atom.x, atom.y, atom.z]
            images = np.array([op.apply_to_xyz(xyz0) for op in ops] if ops is not None else [xyz0])
            # positions equal to 1e-4 (after wrapping into the cell) are one site
            keys = np.mod(np.round(images * 1e4).astype(np.int64), 10_000)
            _, first = np.unique(keys, axis=0, return_index=True)
            out.extend((atom.element, keys[i] / 1e4, atom.occupancy, b) for i in sorted(first))
        return out

    @property
    def cell_mass_amu(self) -> float:
        """Mass of the cell contents Z·M in u (NaN for a phase without atoms)."""
        if not self.atoms:
            return float("nan")
        import xraydb

        return float(sum(occ * xraydb.atomic_mass(_element_symbol(el)) for el, _, occ, _ in self.unit_cell_atoms()))


# --- the built-in library ------------------------------------------------------------------
def zincblende(a: float = 5.8697, cation: str = "In", anion: str = "P", *, b_iso: float = 0.5,
               name: str | None = None) -> Phase:
    """Zinc blende (sphalerite), F-43m: cation 4a (0,0,0), anion 4c (¼,¼,¼).

    Default InP, a = 5.8697 Å at 300 K (Vurgaftman, Meyer, Ram-Mohan, J. Appl. Phys. 89,
    5815 (2001), Table III).

    Parameters
    ----------
    a : float, default 5.8697
        Lattice constant in Å.
    cation : str, default 'In'
        Element symbol of the cation (e.g. ``"In"``).
    anion : str, default 'P'
        Element symbol of the anion (e.g. ``"P"``).
    b_iso : float, default 0.5
        Isotropic Debye–Waller factor B (Å²) of every site.
    name : str, optional
        Name of the phase; by default built from the structure and the elements.
    """
    return Phase(name=name or f"zincblende {cation}{anion}", system="cubic", a=a, b=a, c=a,
                 space_group="F -4 3 m", atoms=(Atom(cation, 0, 0, 0), Atom(anion, 0.25, 0.25, 0.25)),
                 b_iso=b_iso)


def rocksalt(a: float = 5.31, cation: str = "In", anion: str = "P", *, b_iso: float = 0.5,
             name: str | None = None) -> Phase:
    """Rock salt, Fm-3m: cation 4a (0,0,0), anion 4b (½,½,½).

    Default: the high-pressure rock-salt phase of InP, the material of the reference study
    (which gives no cell for it). a = 5.31 Å is computed, not measured: the zinc-blende cell at
    the bulk transition, 10.8 GPa, from the Murnaghan EoS of Menoni & Spain, Phys. Rev. B 35,
    7520 (1987) (B0 = 76 GPa, B0' = 4; V/V0 = 0.894), less a 17 % volume collapse typical of
    III–V zinc-blende → rock-salt transitions (an assumed figure, not from that paper). It is a
    starting point for the cell search, which covers −12 %…+5 %. For NaCl use :func:`nacl`.

    Parameters
    ----------
    a : float, default 5.31
        Lattice constant in Å.
    cation : str, default 'In'
        Element symbol of the cation (e.g. ``"In"``).
    anion : str, default 'P'
        Element symbol of the anion (e.g. ``"P"``).
    b_iso : float, default 0.5
        Isotropic Debye–Waller factor B (Å²) of every site.
    name : str, optional
        Name of the phase; by default built from the structure and the elements.
    """
    return Phase(name=name or f"rocksalt {cation}{anion}", system="cubic", a=a, b=a, c=a,
                 space_group="F m -3 m", atoms=(Atom(cation, 0, 0, 0), Atom(anion, 0.5, 0.5, 0.5)),
                 b_iso=b_iso)


def nacl(a: float = 5.6402, *, b_iso: float = 0.5, name: str | None = None) -> Phase:
    """NaCl (B1), a = 5.6402 Å at 26 °C (Swanson & Fuyat, NBS Circular 539, vol. 2, 41 (1953));
    a common DAC pressure medium and standard.

    Parameters
    ----------
    a : float, default 5.6402
        Lattice constant in Å.
    b_iso : float, default 0.5
        Isotropic Debye–Waller factor B (Å²) of every site.
    name : str, optional
        Name of the phase; by default built from the structure and the elements.
    """
    return rocksalt(a=a, cation="Na", anion="Cl", b_iso=b_iso, name=name or "NaCl")


def fluorite(a: float = 5.41165, cation: str = "Ce", anion: str = "O", *, b_iso: float = 0.5,
             name: str | None = None) -> Phase:
    """Fluorite, Fm-3m: cation 4a (0,0,0), anion 8c (¼,¼,¼).

    Default CeO2, a = 5.41165 Å (NIST SRM 674b certificate, 22.5 °C).

    Parameters
    ----------
    a : float, default 5.41165
        Lattice constant in Å.
    cation : str, default 'Ce'
        Element symbol of the cation (e.g. ``"In"``).
    anion : str, default 'O'
        Element symbol of the anion (e.g. ``"P"``).
    b_iso : float, default 0.5
        Isotropic Debye–Waller factor B (Å²) of every site.
    name : str, optional
        Name of the phase; by default built from the structure and the elements.
    """
    return Phase(name=name or f"fluorite {cation}{anion}2", system="cubic", a=a, b=a, c=a,
                 space_group="F m -3 m", atoms=(Atom(cation, 0, 0, 0), Atom(anion, 0.25, 0.25, 0.25)),
                 b_iso=b_iso)


def wurtzite(a: float = 4.30, c: float = 7.01, cation: str = "Cd", anion: str = "Se", *,
             u: float = 0.375, b_iso: float = 0.5, name: str | None = None) -> Phase:
    """Wurtzite, P6₃mc: cation 2b (⅓,⅔,0), anion 2b (⅓,⅔,u), ideal u = 3/8.

    Default CdSe, a = 4.30 Å, c = 7.01 Å (Madelung, Semiconductors: Data Handbook, 3rd ed.,
    Springer 2004, as tabulated in shared/reference/physics.md).

    Parameters
    ----------
    a : float, default 4.3
        Lattice constant a in Å.
    c : float, default 7.01
        Lattice constant c in Å.
    cation : str, default 'Cd'
        Element symbol of the cation (e.g. ``"In"``).
    anion : str, default 'Se'
        Element symbol of the anion (e.g. ``"P"``).
    u : float, default 0.375
        Internal parameter of the anion position (ideal 3/8).
    b_iso : float, default 0.5
        Isotropic Debye–Waller factor B (Å²) of every site.
    name : str, optional
        Name of the phase; by default built from the structure and the elements.
    """
    return Phase(name=name or f"wurtzite {cation}{anion}", system="hexagonal", a=a, b=a, c=c,
                 gamma=120.0, space_group="P 63 m c",
                 atoms=(Atom(cation, 1 / 3, 2 / 3, 0.0), Atom(anion, 1 / 3, 2 / 3, u)), b_iso=b_iso)


def lab6(a: float = 4.156826, *, x_b: float = 0.1992, b_iso: float = 0.3, name: str | None = None) -> Phase:
    """LaB6, Pm-3m: La 1a (0,0,0), B 6f (x,½,½), the line-position standard of synchrotron DACs.

    a = 4.156826 Å at 22.5 °C: NIST SRM 660c certificate (SRM 660a: 4.1569162 Å, 660b:
    4.15689 Å — all three agree within 0.0001 Å). Boron x = 0.1992 (Eliseev et al.,
    Kristallografiya 31, 803 (1986); COD 1000057); intensities only guide the peak search.
    """
    return Phase(name=name or "LaB6", system="cubic", a=a, b=a, c=a, space_group="P m -3 m",
                 atoms=(Atom("La", 0, 0, 0), Atom("B", x_b, 0.5, 0.5)), b_iso=b_iso)


def silicon(a: float = 5.431144, *, b_iso: float = 0.47, name: str | None = None) -> Phase:
    """Silicon, diamond structure Fd-3m: Si 8a (0,0,0 and ¼,¼,¼ in origin choice 1 of F-43m).

    a = 5.431144 Å at 22.5 °C: NIST SRM 640e certificate (SRM 640 series, a ≈ 5.4311 Å).
    """
    return Phase(name=name or "Si", system="cubic", a=a, b=a, c=a, space_group="F -4 3 m",
                 atoms=(Atom("Si", 0, 0, 0), Atom("Si", 0.25, 0.25, 0.25)), b_iso=b_iso)


def corundum(a: float = 4.759091, c: float = 12.991779, *, z_al: float = 0.35216, x_o: float = 0.30624,
             b_iso: float = 0.3, name: str | None = None) -> Phase:
    """Corundum α-Al2O3, R-3c (hexagonal axes): Al 12c (0,0,z), O 18e (x,0,¼).

    a = 4.759091 Å, c = 12.991779 Å at 22.5 °C: NIST SRM 676a certificate (the values
    GSAS-II's ``ImageCalibrants.py`` lists for "Al2O3 SRM676a"). Positions z(Al) = 0.35216,
    x(O) = 0.30624: Lewis, Schwarzenbach & Flack, Acta Cryst. A38, 733 (1982).

    Parameters
    ----------
    a, c : float
        Hexagonal cell lengths in Å.
    z_al, x_o : float
        Free coordinates of the Al (12c) and O (18e) sites.
    b_iso : float, default 0.3
        Isotropic Debye–Waller factor B (Å²) of every site.
    name : str, optional
        Name of the phase (default ``"Al2O3"``).

    Examples
    --------
    >>> round(float(corundum().d_spacing([[1, 0, 4]])[0]), 4)
    2.551
    """
    return Phase(name=name or "Al2O3", system="hexagonal", a=a, b=a, c=c, gamma=120.0,
                 space_group="R -3 c:H", atoms=(Atom("Al", 0.0, 0.0, z_al), Atom("O", x_o, 0.0, 0.25)),
                 b_iso=b_iso)


def fcc(a: float, element: str, *, b_iso: float = 0.5, name: str | None = None) -> Phase:
    """A face-centred cubic element, Fm-3m, atom at 4a (0,0,0): Au, Pt, solid Ne."""
    return Phase(name=name or element, system="cubic", a=a, b=a, c=a, space_group="F m -3 m",
                 atoms=(Atom(element, 0, 0, 0),), b_iso=b_iso)


def gold(a: float = 4.0786, *, b_iso: float = 0.6, name: str | None = None) -> Phase:
    """Au, a = 4.0786 Å at 300 K (V0 = 67.850 Å³ of Fei et al., PNAS 104, 9182 (2007))."""
    return fcc(a, "Au", b_iso=b_iso, name=name or "Au")


def platinum(a: float = 3.9231, *, b_iso: float = 0.3, name: str | None = None) -> Phase:
    """Pt, a = 3.9231 Å at 300 K (Fei et al., PNAS 104, 9182 (2007))."""
    return fcc(a, "Pt", b_iso=b_iso, name=name or "Pt")


def neon(a: float = 4.4644, *, b_iso: float = 1.0, name: str | None = None) -> Phase:
    """Solid Ne (fcc), a = V0^(1/3) = 4.4644 Å of the Vinet EoS of Fei et al. (2007), V0 = 88.967 Å³
    (a reference volume at zero pressure: neon is solid only above 4.7 GPa at 300 K)."""
    return fcc(a, "Ne", b_iso=b_iso, name=name or "Ne")


def periclase(a: float = 4.2112, *, b_iso: float = 0.3, name: str | None = None) -> Phase:
    """MgO (B1), a = 4.2112 Å = V0^(1/3), V0 = 74.698 Å³ (Tange et al., J. Geophys. Res. 114,
    B03208 (2009))."""
    return rocksalt(a=a, cation="Mg", anion="O", b_iso=b_iso, name=name or "MgO")


def nacl_b2(a: float = 3.4574, *, b_iso: float = 0.5, name: str | None = None) -> Phase:
    """NaCl-B2 (CsCl type, Pm-3m: Na 1a, Cl 1b), a = V0^(1/3), V0 = 41.35 Å³ (Fei et al. 2007)."""
    return Phase(name=name or "NaCl-B2", system="cubic", a=a, b=a, c=a, space_group="P m -3 m",
                 atoms=(Atom("Na", 0, 0, 0), Atom("Cl", 0.5, 0.5, 0.5)), b_iso=b_iso)


#: library name → factory taking keyword parameters
PHASES: dict[str, Callable[..., Phase]] = {
    "au": gold,
    "gold": gold,
    "pt": platinum,
    "platinum": platinum,
    "ne": neon,
    "neon": neon,
    "mgo": periclase,
    "periclase": periclase,
    "nacl-b2": nacl_b2,
    "zincblende": zincblende,
    "rocksalt": rocksalt,
    "nacl": nacl,
    "fluorite": fluorite,
    "ceo2": fluorite,
    "wurtzite": wurtzite,
    "lab6": lab6,
    "si": silicon,
    "silicon": silicon,
    "al2o3": corundum,
    "corundum": corundum,
    # any fcc element by name (Al, Cu, Ni, Ag…): the Al of a lab course's X'Pert scan had no
    # library phase; 'au:a=4.05' gave gold's form factors
    "fcc": fcc,
}

#: library names whose default cell is the material's measured ambient cell (see each
#: factory's reference); rocksalt InP is computed, Ne and NaCl-B2 are V0 of EoS fits of
#: phases that exist only under pressure, fcc has no default
AMBIENT_CELL_NAMES = frozenset({"au", "gold", "pt", "platinum", "mgo", "periclase", "nacl", "fluorite",
                                "ceo2", "zincblende", "wurtzite", "lab6", "si", "silicon", "al2o3",
                                "corundum"})


def get_phase(spec) -> Phase:
    """A Phase from a library spec, a file, or a Phase (returned as is).

    Spec syntax: ``NAME[:key=value[:key=value...]]``, e.g. ``"zincblende"``,
    ``"rocksalt:a=5.30:cation=In:anion=P"``; or a path to a ``.jcpds`` or ``.cif`` file.

    Parameters
    ----------
    spec : Phase, str or Path
        A library spec ``NAME[:key=value...]``, a ``.jcpds``/``.cif`` path, or a Phase
        (returned as is).

    Examples
    --------
    >>> get_phase("rocksalt:a=5.3:cation=In:anion=P").name
    'rocksalt InP'
    """
    if isinstance(spec, Phase):
        return spec
    text = str(spec).strip()
    suffix = Path(text).suffix.lower()
    if suffix == ".jcpds":
        return read_jcpds(text)
    if suffix in (".cif", ".mcif"):
        return read_cif(text)
    name, *pairs = text.split(":")
    factory = PHASES.get(name.strip().lower())
    if factory is None:
        raise InputError(f"phase {text!r}: unknown name; use one of {sorted(PHASES)} "
                         "or a .jcpds/.cif file")
    kwargs: dict[str, Any] = {}  # float where the value parses, else str
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise InputError(f"phase {text!r}: expected key=value after ':', got {pair!r}")
        try:
            kwargs[key] = float(value)
        except ValueError:
            kwargs[key] = value
    try:
        phase = factory(**kwargs)
    except TypeError as exc:
        raise InputError(f"phase {text!r}: {exc}") from None
    ambient = not kwargs and name.strip().lower() in AMBIENT_CELL_NAMES
    return replace(phase, ambient_cell=True) if ambient else phase


# --- JCPDS ---------------------------------------------------------------------------------
_JCPDS_SYMMETRY = {"CUBIC": "cubic", "TETRAGONAL": "tetragonal", "HEXAGONAL": "hexagonal",
                   "RHOMBOHEDRAL": "rhombohedral", "ORTHORHOMBIC": "orthorhombic",
                   "MONOCLINIC": "monoclinic", "TRICLINIC": "triclinic"}


def read_jcpds(path) -> Phase:
    """Read a JCPDS phase file as written by Dioptas / the CARS ``jcpds`` tools.

    Version 4 (keyword lines ``VERSION:``, ``COMMENT:``, ``K0:``, ``K0P:``, ``SYMMETRY:``,
    ``A:`` … ``GAMMA:``, ``DIHKL: d I h k l``) and version 1 (line 1 comment; line 2
    ``symmetry-code a K0 K0P c/a`` with code 1 cubic, 2 hexagonal; line 3 labels; then
    ``d I h k l`` rows). d-spacings are recomputed from the cell, as Dioptas does, so the
    phase scales with its lattice parameters; intensities are taken as listed.

    Parameters
    ----------
    path : str or Path
        The JCPDS file.
    """
    from dackit.io.guard import text_file

    path = Path(path)
    pre = where(path)
    text_file(path, "JCPDS file")  # a FIFO would block read_text for ever
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise InputError(f"{pre}cannot read JCPDS file ({exc.strerror or exc})") from None
    rows = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not rows:
        raise InputError(f"{pre}empty JCPDS file")
    p = {"alpha": 90.0, "beta": 90.0, "gamma": 90.0}
    lines, comments, k0, k0p, symmetry = [], [], None, None, None
    try:
        if rows[0].upper().startswith("VERSION:"):
            for ln in rows[1:]:
                tag, _, value = ln.partition(":")
                tag, value = tag.strip().upper(), value.strip()
                if tag == "COMMENT":
                    comments.append(value)
                elif tag == "K0":
                    k0 = float(value)
                elif tag == "K0P":
                    k0p = float(value)
                elif tag == "SYMMETRY":
                    symmetry = value.upper()
                elif tag in ("A", "B", "C", "ALPHA", "BETA", "GAMMA"):
                    p[tag.lower()] = float(value)
                elif tag == "DIHKL":
                    d, inten, h, k, l = (float(v) for v in value.split()[:5])
                    lines.append((int(h), int(k), int(l), inten))
        else:
            comments.append(rows[0])
            head = [float(v) for v in rows[1].replace(",", " ").split()[:5]]
            symmetry = {1: "CUBIC", 2: "HEXAGONAL"}.get(int(head[0]))
            p["a"], k0, k0p = head[1], head[2], head[3]
            if symmetry == "HEXAGONAL":
                p["c"] = head[1] * head[4]
            for ln in rows[3:]:
                d, inten, h, k, l = (float(v) for v in ln.split()[:5])
                lines.append((int(h), int(k), int(l), inten))
    except (ValueError, IndexError) as exc:
        raise InputError(f"{pre}malformed JCPDS file ({exc}); expected VERSION 4 keyword lines "
                         "or the version-1 column layout") from None
    system = _JCPDS_SYMMETRY.get(symmetry or "")
    if system is None:
        raise InputError(f"{pre}JCPDS SYMMETRY {symmetry!r} not recognised; use one of {sorted(_JCPDS_SYMMETRY)}")
    if "a" not in p:
        raise InputError(f"{pre}JCPDS file gives no cell parameter A")
    if not lines:
        raise InputError(f"{pre}JCPDS file lists no reflections (DIHKL lines)")
    a = p["a"]
    b = p.get("b", a)
    c = p.get("c", a)
    if system == "hexagonal":
        p["gamma"] = 120.0
    phase = Phase(name=path.stem, system=system, a=a, b=b, c=c, alpha=p["alpha"], beta=p["beta"],
                  gamma=p["gamma"], lines=tuple(lines), k0_gpa=k0, k0p=k0p, source=str(path))
    # a card's cell is V0, the zero-pressure cell (measured, or extrapolated for a phase
    # that exists only under pressure, which a fit never finds larger)
    return replace(phase.with_cell(**{k: getattr(phase, k) for k in phase.free_parameters}), ambient_cell=True)


# --- CIF -----------------------------------------------------------------------------------
def read_cif(path, block: int | str = 0) -> Phase:
    """Read cell, symmetry operations and atom sites from a small-molecule CIF with gemmi
    (Wojdyr, J. Open Source Softw. 7, 4200 (2022)).

    The crystal system is taken from the space group; sites keep their occupancy and
    U_iso/B_iso (converted to B = 8π²U).

    Parameters
    ----------
    path : str or Path
        The CIF file.
    block : int or str, default 0
        Data block to read, by index or name; the default 0 means the first block that gives
        a unit cell.
    """
    import gemmi

    from dackit.io.guard import text_file

    path = Path(path)
    pre = where(path)
    if not path.exists() and not path.is_symlink():
        raise InputError(f"{pre}no such CIF file")
    text_file(path, "CIF file")
    try:
        doc = gemmi.cif.read(str(path))
    except (RuntimeError, ValueError) as exc:
        if "data_" not in str(exc) or re.search(r"^\s*data_", _cif_text(path), re.M | re.I):
            raise InputError(f"{pre}cannot parse CIF ({exc})") from None
        # a CIF without its data_ line (the Ni.cif of the GSAS-II fullrmc tutorial starts at
        # _chemical_name_common): the items are all there, only the block header is missing
        doc = None
    try:
        if doc is None:
            doc = gemmi.cif.read_string(f"data_{re.sub(r'[^A-Za-z0-9_]', '_', path.stem)}\n" + _cif_text(path))
        if not any(b.find_value("_cell_length_a") for b in doc) and any(b.find_value("_cell.length_a") for b in doc):
            # DDLm (CIF 2) names, _cell.length_a and _atom_site.fract_x, as EasyDiffraction and
            # other CIF-2 writers use them: gemmi's small-structure reader knows only the
            # DDL1 names, the same items with '_' for the first '.'
            doc = gemmi.cif.read_string(_DDLM_TAG.sub(r"\1_", doc.as_string()))
        if block == 0:
            # FullProf and GSAS-II write a metadata block (data_global) before the phase: the
            # default is the first block that gives a cell
            blk = next((b for b in doc if b.find_value("_cell_length_a")), doc[0])
        else:
            blk = doc[block] if isinstance(block, int) else doc.find_block(block)
        st = gemmi.make_small_structure_from_block(blk)
    except (RuntimeError, ValueError, IndexError) as exc:
        raise InputError(f"{pre}cannot parse CIF ({exc})") from None
    cell = st.cell
    if not cell.a or cell.a <= 1.0:
        raise InputError(f"{pre}CIF gives no unit cell (_cell_length_a …)")
    if not st.sites:
        raise InputError(f"{pre}CIF lists no atom sites (_atom_site_fract_x …)")
    symops = tuple(st.symops) if st.symops else ()
    sg = st.spacegroup
    if sg is None and not symops:
        raise InputError(f"{pre}CIF gives neither a space group nor symmetry operations")
    system = _system_from_spacegroup(sg, cell) if sg is not None else "triclinic"
    atoms = []
    for site in st.sites:
        species = site.type_symbol or site.element.name
        if not _known_species(species):
            species = site.element.name
        b = float(site.u_iso) * 8 * np.pi**2 if site.u_iso else None
        atoms.append(Atom(species, float(site.fract.x), float(site.fract.y), float(site.fract.z),
                          float(site.occ), b))
    name = (blk.find_value("_chemical_formula_sum") or blk.name or path.stem).strip("'\" ")
    return Phase(name=name, system=system, a=cell.a, b=cell.b, c=cell.c, alpha=cell.alpha,
                 beta=cell.beta, gamma=cell.gamma, space_group=sg.hm if sg is not None else "",
                 atoms=tuple(atoms), symops=symops, source=str(path))


#: a DDLm tag at the start of a line: _category.item
_DDLM_TAG = re.compile(r"(?m)^(\s*_[A-Za-z][A-Za-z0-9_]*)\.(?=[A-Za-z])")


def _cif_text(path: Path) -> str:
    from dackit.io.textcols import decode_text

    return decode_text(path.read_bytes())


def _known_species(species: str) -> bool:
    import xraydb

    return species in xraydb.f0_ions() or species in xraydb.f0_ions(_element_symbol(species))


def _system_from_spacegroup(sg, cell) -> str:
    n = sg.number
    if n >= 195:
        return "cubic"
    if n >= 168:
        return "hexagonal"
    if n >= 143:
        return "hexagonal" if abs(cell.gamma - 120) < 1e-3 else "rhombohedral"
    if n >= 75:
        return "tetragonal"
    if n >= 16:
        return "orthorhombic"
    if n >= 3:
        return "monoclinic"
    return "triclinic"


__all__ = ["Atom", "Phase", "PHASES", "SYSTEMS", "get_phase", "read_cif", "read_jcpds", "reflections",
           "corundum", "fcc", "fluorite", "gold", "lab6", "nacl", "nacl_b2", "neon", "periclase", "platinum", "rocksalt",
           "silicon", "wurtzite", "zincblende"]
