"""The description of a virtual DAC experiment: sample, pressure steps, instruments, events.

Everything is a frozen dataclass, so a description is a value: two equal descriptions write
byte-identical folders. :func:`preset` builds the named ones (:data:`PRESETS`);
``dataclasses.replace`` changes any part (e.g. ``seed``).

>>> d = preset("inp-znse", steps=8)
>>> len(d.steps), d.steps[0].pressure_gpa, max(s.pressure_gpa for s in d.steps)
(8, 0.0, 21.5)
>>> d.steps[-1].direction
'decompression'
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dackit.errors import InputError

DIRECTIONS = ("compression", "decompression")


@dataclass(frozen=True)
class Sample:
    """Core/shell nanocrystals and their size distribution.

    ``core_diameter_sd_nm`` spreads the core diameter of the ensemble (it sets the
    inhomogeneous PL/absorption width, :func:`dackit.nanocrystal.ensemble_spectra` with
    ``vary="core"``); ``diameter_mean_nm``/``diameter_sd_nm`` are the whole particles as TEM
    sees them. ``stokes_shift_ev`` and ``homogeneous_fwhm_mev`` go to the nanocrystal model.
    """

    core: str = "InP"
    shell: str | None = "ZnSe"
    core_diameter_nm: float = 2.5
    shell_thickness_nm: float = 1.9
    core_diameter_sd_nm: float = 0.25
    diameter_mean_nm: float = 6.2
    diameter_sd_nm: float = 0.7
    stokes_shift_ev: float = 0.15
    homogeneous_fwhm_mev: float = 60.0


@dataclass(frozen=True)
class Step:
    """One pressure step: its index, direction, and the true sample pressure (GPa) while the
    step's spectra and images are measured (the ruby readings before and after scatter
    around it by the drift)."""

    step: int
    direction: str
    pressure_gpa: float


@dataclass(frozen=True)
class RubyInstrument:
    """Ruby fluorescence: calibration scale and ambient R1 used to place the lines, line width
    growing with pressure in the medium, and the pressure drift during a step (GPa, SD)."""

    scale: str = "mao1986-hydrostatic"
    lambda0_nm: float = 694.24
    fwhm_nm: float = 0.5
    broadening_nm_per_gpa: float = 0.03
    drift_sd_gpa: float = 0.05
    flavours: tuple[str, ...] = ("text", "oceanoptics", "csv")


@dataclass(frozen=True)
class PLInstrument:
    """CCD spectrometer for PL: wavelength grid (start nm, stop nm, pixels), peak counts at 0 GPa,
    e-fold pressure of the emission intensity (3.7 GPa ≈ the study's Table S1 I/I0), file flavours."""

    grid_nm: tuple[float, float, int] = (380.0, 800.0, 1340)
    peak_counts: float = 20000.0
    intensity_efold_gpa: float = 3.7
    flavours: tuple[str, ...] = ("oceanoptics", "text")


@dataclass(frozen=True)
class AbsorptionInstrument:
    """UV-Vis through the cell: wavelength grid (start, stop, step nm), absorbance noise (SD),
    scattering and reflection offsets, and the Urbach-like width of the ensemble edge."""

    grid_nm: tuple[float, float, float] = (330.0, 800.0, 1.0)
    noise: float = 0.002
    scattering: float = 0.05
    offset: float = 0.02
    urbach_mev: float = 20.0


@dataclass(frozen=True)
class XRDInstrument:
    """Angle-dispersive XRD: wavelength (Å), a generic flat detector (pixel size m, shape),
    PONI geometry (distance, PONI, rotations), instrumental FWHM (° 2θ), counts, background."""

    wavelength_a: float = 0.6199
    pixel_m: float = 158e-6          # MAR165 CCD read out 2×2 binned: 1024² pixels of 158 µm
    shape: tuple[int, int] = (1024, 1024)
    dist_m: float = 0.200
    poni1_m: float = 0.0815
    poni2_m: float = 0.0800
    rot1: float = 0.004
    rot2: float = -0.003
    instrument_fwhm_deg: float = 0.06
    peak_counts: float = 400.0
    background_counts: float = 40.0


@dataclass(frozen=True)
class SAXSInstrument:
    """SAXS: wavelength (Å), Pilatus-like pixels, shape, geometry, counts at the first peak."""

    wavelength_a: float = 0.4859
    pixel_m: float = 172e-6
    shape: tuple[int, int] = (600, 600)
    dist_m: float = 2.5
    poni1_m: float = 0.0516
    poni2_m: float = 0.0510
    counts: float = 1.0e4


@dataclass(frozen=True)
class TEMInstrument:
    """TEM: pixel size (nm), particles per image, images before (step 0) and after (final step)."""

    pixel_nm: float = 0.25
    particles_per_image: int = 100
    images_before: int = 3
    images_after: int = 1
    contrast: str = "dark"
    noise: float = 0.05
    touching_fraction: float = 0.1


@dataclass(frozen=True)
class Instruments:
    ruby: RubyInstrument = RubyInstrument()
    pl: PLInstrument = PLInstrument()
    absorption: AbsorptionInstrument = AbsorptionInstrument()
    xrd: XRDInstrument = XRDInstrument()
    saxs: SAXSInstrument = SAXSInstrument()
    tem: TEMInstrument = TEMInstrument()


@dataclass(frozen=True)
class Events:
    """What happens to the sample under pressure (all pressures GPa, lengths Å).

    PL: no emission at or above ``pl_quench_gpa``; it does not return on release once the
    sample has passed the ZB→RS transition.

    Structure: zinc blende with BM3 (``zb_a0``, ``zb_k0_gpa``, ``zb_kp``); rock salt appears at
    ``transition_gpa`` with a weight fraction ``rs_onset_fraction`` growing as
    1 − (1 − f0)·exp(−(P − Pt)/``rs_growth_gpa``); its zero-pressure volume follows from a
    ``volume_collapse`` (ΔV/V of the zinc-blende cell at Pt) and its own BM3 (``rs_k0_gpa``,
    ``rs_kp``). On release rock salt persists down to ``rs_reversion_gpa`` and then reverts to
    zinc blende with smaller crystallites (``released_size_nm``).

    Absorption: while rock salt is present the edge lies ``rs_redshift_ev`` below the zinc-blende
    model gap with a broad tail (``rs_urbach_mev``); after reversion it stays
    ``released_redshift_ev`` red-shifted.

    SAXS: an ``superlattice`` of nanocrystals whose first-peak d falls linearly from ``saxs_d0``
    to ``saxs_d_min`` at ``saxs_p_min``, then grows by ``saxs_growth_per_gpa``; on release it
    grows by ``saxs_release_per_gpa`` per GPa of release; below ``lamellar_below_gpa`` on
    release the SAXS is lamellar (1:2:3) with d = ``lamellar_d`` and sheet thickness
    ``lamellar_thickness_nm`` (Scherrer).
    """

    pl_quench_gpa: float = 8.7
    transition_gpa: float = 15.9
    rs_onset_fraction: float = 0.35
    rs_growth_gpa: float = 2.5
    rs_reversion_gpa: float = 8.0
    zb_a0: float = 5.87
    zb_k0_gpa: float = 57.1
    zb_kp: float = 4.0
    rs_k0_gpa: float = 71.9
    rs_kp: float = 4.0
    volume_collapse: float = 0.17
    crystallite_size_nm: float = 6.2
    released_size_nm: float = 4.5
    rs_redshift_ev: float = 0.5
    rs_urbach_mev: float = 100.0
    released_redshift_ev: float = 0.2
    superlattice: str = "fcc"
    saxs_d0: float = 83.0
    saxs_d_min: float = 63.0
    saxs_p_min: float = 9.0
    saxs_growth_per_gpa: float = 0.6
    saxs_release_per_gpa: float = 1.0
    superlattice_domain_nm: float = 150.0
    lamellar_below_gpa: float = 0.5
    lamellar_d: float = 120.0
    lamellar_thickness_nm: float = 27.5


@dataclass(frozen=True)
class VirtualExperiment:
    """A whole virtual experiment; ``seed`` fixes every random number it draws."""

    name: str
    sample: Sample
    steps: tuple
    medium: str = "silicone oil (150 cSt)"
    instruments: Instruments = Instruments()
    events: Events = Events()
    seed: int = 0
    #: an X-ray pressure standard mixed with the sample (a key of dackit.eos.standards, e.g.
    #: "au"): its rings join each XRD image, at the volume of its 300 K isotherm at the step
    pressure_standard: str | None = None
    #: a Sm:SrB4O7 chip beside the ruby: one 0-0 line spectrum per step (sm/stepNN.txt)
    sm_chip: bool = False

    def __post_init__(self):
        if not self.steps:
            raise InputError("virtual experiment: give at least one pressure step")
        numbers = [s.step for s in self.steps]
        if numbers != sorted(set(numbers)):
            raise InputError(f"virtual experiment: step numbers must increase, got {numbers}")
        for s in self.steps:
            if s.direction not in DIRECTIONS:
                raise InputError(f"step {s.step}: direction {s.direction!r} must be compression or decompression")
            if not (math.isfinite(s.pressure_gpa) and s.pressure_gpa >= 0):
                raise InputError(f"step {s.step}: pressure {s.pressure_gpa} GPa must be finite and ≥ 0")


def pressure_steps(n_steps: int, *, p_max_gpa: float, quench_gpa: float, transition_gpa: float) -> tuple:
    """``n_steps`` steps up to ``p_max_gpa`` and back to 0, laid out for the analysis.

    About 80 % of the steps go up: 0 GPa, at least three below the PL quenching pressure (for
    a quadratic E(P)), some between quenching and the transition, one exactly at the
    transition pressure (the first step where the new phase shows) and the rest up to the
    maximum; the others come down evenly to 0. Pressures are rounded to 0.1 GPa.

    Parameters
    ----------
    n_steps : int
        Number of steps (at least 6).
    p_max_gpa : float
        Highest pressure in GPa.
    quench_gpa : float
        Pressure in GPa at which the PL quenches (at least three steps lie below it).
    transition_gpa : float
        Pressure in GPa of the phase transition (one step lies exactly on it).
    """
    n = int(n_steps)
    if n < 6:
        raise InputError(f"--steps {n}: need at least 6 steps (0 GPa, three below PL quenching, "
                         "the transition, the maximum, and one on release)")
    if not 0 < quench_gpa < transition_gpa < p_max_gpa:
        raise InputError("steps: need 0 < PL quenching < transition < maximum pressure")
    n_down = max(1, round(0.2 * n))
    n_up = n - n_down
    n_low = max(3, round(0.45 * n_up))
    rest = n_up - n_low - 1                        # after the low ones and the transition step
    n_above = max(1, round(0.3 * rest)) if rest > 0 else 0
    n_mid = rest - n_above
    if n_above == 0:                               # no room: the transition step is the maximum
        transition_gpa = p_max_gpa
    low = np.linspace(0.0, 0.9 * quench_gpa, n_low)
    mid = np.linspace(quench_gpa, transition_gpa, n_mid + 2)[1:-1]
    above = np.linspace(transition_gpa, p_max_gpa, n_above + 1)[1:]
    up = np.concatenate([low, mid, [transition_gpa], above])
    down = np.linspace(p_max_gpa, 0.0, n_down + 1)[1:]
    steps = [Step(i, "compression", round(float(p), 1)) for i, p in enumerate(up)]
    steps += [Step(len(up) + i, "decompression", round(float(p), 1)) for i, p in enumerate(down)]
    return tuple(steps)


def _zb_a0_of(sample: Sample) -> float:
    """Lattice constant of the nanocrystal's zinc-blende pattern at ambient: the volume-weighted
    mean of core and shell bulk lattice constants (an assumption, Vegard-like: the diffraction
    of a coherent core/shell crystal is dominated by the shell, 93 % of the volume here)."""
    from dackit.nanocrystal.materials import material

    a_core = material(sample.core).lattice_a
    if not sample.shell or sample.shell_thickness_nm <= 0:
        return a_core
    rc = sample.core_diameter_nm / 2
    rb = rc + sample.shell_thickness_nm
    x = (rc / rb) ** 3
    return x * a_core + (1 - x) * material(sample.shell).lattice_a


def _inp_znse(steps: int | None = None, seed: int = 0) -> VirtualExperiment:
    """The reference study (shared/reference/study.md): 6.2 nm InP/ZnSe (2.5 nm core, 1.9 nm
    shell) in silicone oil, compressed to 21.5 GPa and released.

    Study numbers used as given: PL quenching 8.7 GPa; ZB→RS at 15.9 GPa; BM3 K0 = 57.1 GPa
    (zinc blende) and 71.9 GPa (rock salt); XRD λ = 0.6199 Å; SAXS λ = 0.4859 Å; first SAXS
    peak 83 → 63 Å to 9 GPa then growing; lamellar d = 120 Å after release, Scherrer thickness
    27.5 nm; TEM mean 6.2 nm; PL FWHM 51 nm; Stokes shift 0.15 eV = absorption 576 nm (2.153 eV)
    − PL 619 nm (2.003 eV); ruby scale Mao, Xu & Bell (1986) quasi-hydrostatic.

    Assumptions (not in the study): K′ = 4 for both phases (the study gives none); the
    zinc-blende a0 of the core/shell pattern (see ``_zb_a0_of``; the study only says its peaks
    lie above InP's in 2θ); a 17 % ZB→RS volume collapse (typical of III–V zinc-blende →
    rock-salt transitions; the same figure as :func:`dackit.xrd.phases.rocksalt`); the core
    diameter SD 0.25 nm, which makes the model ensemble's PL FWHM 51 nm at ambient
    (:func:`dackit.nanocrystal.diameter_sd_for_fwhm`, 60 meV homogeneous line); a TEM
    diameter SD of 0.7 nm; rock salt reverting below 8 GPa on release; the SAXS shape
    between the stated points; 150 nm superlattice domains (resolved (111)/(200) lines, as
    for a well-ordered nanocrystal superlattice; at 80 nm they merge and the first-peak fit
    of :mod:`dackit.saxs.peaks` is off by up to 4 %).
    """
    sample = Sample(core_diameter_sd_nm=0.254)
    events = Events(zb_a0=round(_zb_a0_of(sample), 4))
    return VirtualExperiment(
        name="InP/ZnSe compression (virtual, after the reference study)", sample=sample,
        steps=pressure_steps(16 if steps is None else steps, p_max_gpa=21.5,
                             quench_gpa=events.pl_quench_gpa, transition_gpa=events.transition_gpa),
        events=events, seed=int(seed))


#: preset name → factory(steps=None, seed=0)
PRESETS = {"inp-znse": _inp_znse}


def preset(name: str = "inp-znse", *, steps: int | None = None, seed: int = 0) -> VirtualExperiment:
    """A named virtual experiment (``steps`` changes the number of pressure steps).

    Parameters
    ----------
    name : str, default 'inp-znse'
        Key of :data:`~dackit.virtual.PRESETS` (``"inp-znse"``: the reference study).
    steps : int, optional
        Number of pressure steps (at least 6); the preset's own when None.
    seed : int, default 0
        Seed of every random draw of the simulation.
    """
    if name not in PRESETS:
        raise InputError(f"preset {name!r} unknown; use one of {', '.join(sorted(PRESETS))}")
    return PRESETS[name](steps=steps, seed=seed)
