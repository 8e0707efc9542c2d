"""Write a virtual DAC experiment: the raw files of every instrument, the run sheet,
``experiment.toml`` and ``truth.json``.

The physics comes from the modules that own it, never from a copy here: PL and absorption
energies from the core/shell ensemble (:mod:`dackit.nanocrystal`), lattice volumes from
:mod:`dackit.eos.forms`, reflections from :mod:`dackit.xrd.structure_factor`; every file is
made by its technique's simulator (``simulate_ruby``, ``simulate_pl``, ``simulate_absorption``,
``simulate_image``, ``simulate_saxs_image``, ``simulate_tem``). What this module adds is the
sequence of the experiment (:func:`plan_experiment`: what the sample is like at each step)
and the bookkeeping of a lab: file names, run sheet, instrument description.

``truth.json`` uses the keys of the pipeline's ``results.json`` (issue 7, item 8) so the two
compare key by key.

>>> import tempfile
>>> from dackit.virtual.description import preset
>>> out = write_experiment(tempfile.mkdtemp(), preset("inp-znse", steps=6))  # doctest: +SKIP
>>> out.truth["transition_pressure_gpa"]                                      # doctest: +SKIP
15.9
"""
from __future__ import annotations

import csv
import dataclasses
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, UTC
from pathlib import Path

import numpy as np

from dackit import __version__
from dackit.core.results import to_jsonable
from dackit.errors import InputError
from dackit.virtual.description import VirtualExperiment

#: run-sheet columns, in the order the pipeline's reader documents
RUNSHEET_COLUMNS = ("step", "direction", "technique", "file", "pressure_gpa", "pressure_gpa_err", "note")
_EXTENSIONS = {"text": ".txt", "csv": ".csv", "oceanoptics": ".txt"}
# One independent random stream per (step, instrument, repeat): files do not depend on which
# other files were written, and the same seed gives the same bytes.
_STREAM = {"drift": 0, "ruby": 1, "pl": 2, "absorption": 3, "xrd": 4, "saxs": 5, "tem": 6, "sm": 7}
_START = datetime(2024, 5, 14, 9, 0, tzinfo=UTC)   # fixed clock of the virtual beamtime


@dataclass(frozen=True)
class StepState:
    """The sample at one step, as the physics has it (pressures GPa, energies eV, lengths Å)."""

    step: int
    direction: str
    pressure_gpa: float
    ruby_before_gpa: float
    ruby_after_gpa: float
    rs_fraction: float              #: rock-salt weight fraction
    zb_a: float
    rs_a: float
    crystallite_nm: float
    pl_peak_ev: float | None        #: None: no PL measured (quenched)
    pl_fwhm_mev: float | None
    gap_ev: float                   #: direct gap of the simulated absorption edge
    urbach_mev: float
    absorption_note: str
    mesophase: str
    d_first_a: float
    saxs_domain_nm: float
    saxs_radius_a: float | None


@dataclass(frozen=True)
class Plan:
    """Everything the experiment will be: the description, the state of each step, the EoS."""

    description: VirtualExperiment
    states: tuple
    zb_v0_a3: float
    rs_v0_a3: float


@dataclass(frozen=True)
class WrittenExperiment:
    """What :func:`write_experiment` wrote (absolute paths) and the truth it wrote."""

    folder: Path
    experiment_toml: Path
    truth_json: Path
    runsheet_csv: Path
    files: tuple
    truth: dict


# --------------------------------------------------------------------------- physics


def _rng(seed: int, step: int, stream: str, k: int = 0) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(step), _STREAM[stream], int(k)])


def _rs_v0(ev) -> tuple[float, float]:
    """V0 (Å³ per conventional cell) of zinc blende and of rock salt; the rock-salt V0 gives
    the cell ``volume_collapse`` smaller than zinc blende's at the transition pressure."""
    from dackit.eos.forms import get_form

    bm3 = get_form("bm3")
    zb_v0 = ev.zb_a0 ** 3
    v_zb_t = float(bm3.volume(ev.transition_gpa, zb_v0, ev.zb_k0_gpa, ev.zb_kp))
    ratio_rs = float(bm3.volume(ev.transition_gpa, 1.0, ev.rs_k0_gpa, ev.rs_kp))
    return zb_v0, (1.0 - ev.volume_collapse) * v_zb_t / ratio_rs


def _saxs_d(ev, pressure, direction, p_max_reached) -> tuple[str, float]:
    def on_compression(p):
        if p <= ev.saxs_p_min:
            return ev.saxs_d0 + (ev.saxs_d_min - ev.saxs_d0) * p / ev.saxs_p_min
        return ev.saxs_d_min + ev.saxs_growth_per_gpa * (p - ev.saxs_p_min)

    if direction == "compression":
        return ev.superlattice, on_compression(pressure)
    if pressure < ev.lamellar_below_gpa:
        return "lamellar", ev.lamellar_d
    return ev.superlattice, on_compression(p_max_reached) + ev.saxs_release_per_gpa * (p_max_reached - pressure)


def plan_experiment(description: VirtualExperiment) -> Plan:
    """The true state of the sample at every step (no file is written).

    Parameters
    ----------
    description : VirtualExperiment
        The virtual experiment, e.g. from :func:`~dackit.virtual.preset`.
    """
    from dackit.eos.forms import get_form
    from dackit.nanocrystal import ModelOptions, core_shell, ensemble_spectra

    d, ev = description, description.events
    geom = core_shell(d.sample.core, d.sample.core_diameter_nm, d.sample.shell, d.sample.shell_thickness_nm)
    opt = ModelOptions(stokes_shift_ev=d.sample.stokes_shift_ev)
    bm3 = get_form("bm3")
    zb_v0, rs_v0 = _rs_v0(ev)
    states, p_max, rs_max, transformed = [], 0.0, 0.0, False
    for s in d.steps:
        p = float(s.pressure_gpa)
        p_max = max(p_max, p)
        drift = 0.0 if p == 0 else float(_rng(d.seed, s.step, "drift").normal(0, d.instruments.ruby.drift_sd_gpa))
        if s.direction == "compression":
            grown = math.exp(-(p - ev.transition_gpa) / ev.rs_growth_gpa)
            rs = 0.0 if p < ev.transition_gpa else 1 - (1 - ev.rs_onset_fraction) * grown
        else:
            rs = rs_max if p >= ev.rs_reversion_gpa else 0.0
        rs_max = max(rs_max, rs)
        transformed = transformed or rs > 0
        reverted = transformed and rs == 0
        spec = ensemble_spectra(geom, d.sample.core_diameter_sd_nm, pressure_gpa=p, options=opt,
                                homogeneous_fwhm_mev=d.sample.homogeneous_fwhm_mev)
        has_pl = p < ev.pl_quench_gpa and not transformed
        gap, urbach = spec.absorption_peak_ev, d.instruments.absorption.urbach_mev
        note = "zinc blende: model exciton energy"
        if rs > 0:
            gap, urbach = gap - ev.rs_redshift_ev, ev.rs_urbach_mev
            note = f"rock salt present: edge {ev.rs_redshift_ev:g} eV below the zinc-blende model, broad tail"
        elif reverted:
            gap -= ev.released_redshift_ev
            note = f"reverted to zinc blende: edge stays {ev.released_redshift_ev:g} eV red-shifted"
        mesophase, d_first = _saxs_d(ev, p, s.direction, p_max)
        lamellar = mesophase == "lamellar"
        states.append(StepState(
            step=s.step, direction=s.direction, pressure_gpa=p,
            ruby_before_gpa=p - drift / 2, ruby_after_gpa=p + drift / 2, rs_fraction=rs,
            zb_a=float(bm3.volume(p, zb_v0, ev.zb_k0_gpa, ev.zb_kp)) ** (1 / 3),
            rs_a=float(bm3.volume(p, rs_v0, ev.rs_k0_gpa, ev.rs_kp)) ** (1 / 3),
            crystallite_nm=ev.released_size_nm if reverted else ev.crystallite_size_nm,
            pl_peak_ev=spec.pl_peak_ev if has_pl else None,
            pl_fwhm_mev=spec.pl_fwhm_ev * 1e3 if has_pl else None,
            gap_ev=gap, urbach_mev=urbach, absorption_note=note, mesophase=mesophase, d_first_a=d_first,
            saxs_domain_nm=ev.lamellar_thickness_nm if lamellar else ev.superlattice_domain_nm,
            # The form factor only carries the lattice peaks here. With the true 31 Å radius the steep
            # P(q) moves the apparent first fcc peak by +0.2 % (measured), a bias the SAXS analysis
            # does not undo, so the simulator's own default (0.15 a) is used; sheets: 10 Å, flat.
            saxs_radius_a=10.0 if lamellar else None))
    return Plan(d, tuple(states), zb_v0, rs_v0)


def pl_fit_truth(plan: Plan) -> dict | None:
    """E0, α, β of the weighted quadratic fit of the true (noise-free) PL energies at the
    compression steps below PL quenching — the points and range the pipeline fits.

    Weights follow the shot-noise precision of a peak position, σ_E ∝ 1/√(intensity), with the
    intensity exp(−P/P_e) of the PL instrument. None with fewer than three points.
    """
    pts = [(s.pressure_gpa, s.pl_peak_ev) for s in plan.states
           if s.direction == "compression" and s.pl_peak_ev is not None]
    if len(pts) < 3:
        return None
    p, e = np.array(pts).T
    w = np.exp(-p / (2 * plan.description.instruments.pl.intensity_efold_gpa))
    beta, alpha, e0 = np.polyfit(p, e, 2, w=w)
    return {"e0_ev": float(e0), "alpha_mev_per_gpa": float(alpha * 1e3), "beta_mev_per_gpa2": float(beta * 1e3),
            "fit_max_pressure_gpa": plan.description.events.pl_quench_gpa, "n_points": len(pts)}


# --------------------------------------------------------------------------- writers


def _clean(spectrum, rel: str, when: datetime, **meta):
    """The spectrum as the instrument saves it: no simulation truth in the file, and its name
    relative to the experiment folder (the same bytes wherever the folder is)."""
    return dataclasses.replace(spectrum, source=rel,
                               metadata={"date": when.strftime("%a %b %d %H:%M:%S UTC %Y"), **meta})


def _xrd_geometry(ins):
    from dackit.xrd.geometry import Geometry

    return Geometry(dist_m=ins.dist_m, poni1_m=ins.poni1_m, poni2_m=ins.poni2_m, rot1=ins.rot1, rot2=ins.rot2,
                    wavelength_a=ins.wavelength_a, pixel1_m=ins.pixel_m, pixel2_m=ins.pixel_m, shape=tuple(ins.shape))


def _saxs_geometry(ins):
    from dackit.xrd.geometry import Geometry

    return Geometry(dist_m=ins.dist_m, poni1_m=ins.poni1_m, poni2_m=ins.poni2_m, wavelength_a=ins.wavelength_a,
                    pixel1_m=ins.pixel_m, pixel2_m=ins.pixel_m, shape=tuple(ins.shape))


def _write_poni(geometry, path: Path) -> Path:
    from dackit.xrd.geometry import write_poni

    write_poni(geometry, path)
    # pyFAI stamps the wall-clock time; a virtual calibration has none, and the same seed
    # must give the same bytes.
    lines = [ln if not ln.startswith("# Calibration done") else "# Calibration: virtual experiment (exact geometry)"
             for ln in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")
    return path


def _write_tiff(path: Path, image, pixel_nm: float | None = None) -> Path:
    """Detector images as plain TIFF; TEM images as ImageJ TIFF carrying the pixel size in nm."""
    import tifffile

    if pixel_nm is None:
        tifffile.imwrite(path, np.asarray(image))
    else:
        tifffile.imwrite(path, np.asarray(image), imagej=True, resolution=(1.0 / pixel_nm, 1.0 / pixel_nm),
                         metadata={"unit": "nm"})
    return path


def _max_twotheta(geometry) -> float:
    rows, cols = geometry.shape
    corners = [(r * geometry.pixel1_m - geometry.poni1_m, c * geometry.pixel2_m - geometry.poni2_m)
               for r in (0, rows) for c in (0, cols)]
    return math.degrees(math.atan(max(math.hypot(*c) for c in corners) / geometry.dist_m)) + 2.0


#: weight fraction of an X-ray standard mixed with the sample, and its crystallite size (nm):
#: a few % of gold powder with micron grains gives sharp rings next to the nanocrystals' broad ones
STANDARD_FRACTION = 0.15
STANDARD_CRYSTALLITE_NM = 200.0


def standard_cell_a(standard: str, pressure_gpa: float) -> float:
    """Cubic cell edge (Å) of a pressure standard at a pressure, from its 300 K isotherm."""
    from dackit.eos.standards import get_standard

    return float(get_standard(standard).volume(pressure_gpa)) ** (1 / 3)


def _xrd_rings(state: StepState, ins, ev, tth_max: float, standard: str | None = None
               ) -> list[tuple[float, float, float]]:
    from dackit.xrd.phases import get_phase, rocksalt, zincblende
    from dackit.xrd.structure_factor import reflections, scale_for_fraction, scherrer_fwhm_deg

    own = 1.0 - (STANDARD_FRACTION if standard else 0.0)
    phases = [(zincblende(a=state.zb_a), own * (1.0 - state.rs_fraction))]
    sizes = [state.crystallite_nm]
    if state.rs_fraction > 0:
        phases.append((rocksalt(a=state.rs_a), own * state.rs_fraction))
        sizes.append(state.crystallite_nm)
    if standard:
        from dackit.eos.thermal import material_of
        from dackit.experiment.analyses import STANDARD_PHASES

        spec = STANDARD_PHASES.get(material_of(standard), material_of(standard))
        phases.append((get_phase(spec).with_cell(a=standard_cell_a(standard, state.pressure_gpa)),
                       STANDARD_FRACTION))
        sizes.append(STANDARD_CRYSTALLITE_NM)
    scales = scale_for_fraction([ph for ph, _ in phases], [w for _, w in phases])
    eta = 0.5
    rings = []
    for (phase, _), scale, size in zip(phases, scales, sizes):
        table = reflections(phase, ins.wavelength_a, tth_max)
        tth = table["twotheta_deg"].to_numpy()
        fwhm = np.hypot(ins.instrument_fwhm_deg, scherrer_fwhm_deg(tth, ins.wavelength_a, size))
        # integrated intensity → height of a unit-area pseudo-Voigt of that FWHM
        unit_area = fwhm * (eta * math.pi / 2 + (1 - eta) * math.sqrt(math.pi / (4 * math.log(2))))
        height = scale * table["intensity"].to_numpy() / unit_area
        rings += list(zip(tth, height, fwhm))
    top = max(h for _, h, _ in rings)
    weaker = 0.6 if state.crystallite_nm < ev.crystallite_size_nm else 1.0   # released: weaker, broader
    return [(t, ins.peak_counts * weaker * h / top, f) for t, h, f in rings]


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)   # a JSON string is a valid TOML basic string


def _experiment_toml(d: VirtualExperiment) -> str:
    ins, ev = d.instruments, d.events
    sections: dict[str, dict[str, object]] = {
        "sample": {"name": f"{d.sample.core}/{d.sample.shell} nanocrystals in {d.medium}", "core": d.sample.core,
                   "shell": d.sample.shell, "core_diameter_nm": d.sample.core_diameter_nm,
                   "shell_thickness_nm": d.sample.shell_thickness_nm},
        "ruby": {"scale": ins.ruby.scale, "lambda0_nm": ins.ruby.lambda0_nm, "lambda0_err_nm": 0.01},
        "pl": {"n_peaks": 1, "order": 2, "fit_max_pressure_gpa": ev.pl_quench_gpa},
        "absorption": {"transition": "direct", "quantity": "absorbance"},
        "xrd": {"wavelength_a": ins.xrd.wavelength_a, "poni": "xrd/geometry.poni",
                "phases": ["zincblende", "rocksalt"], "eos_form": "bm3",
                "pressure_standard": d.pressure_standard},
        "saxs": {"wavelength_a": ins.saxs.wavelength_a, "poni": "saxs/geometry.poni"},
        # the simulator draws uniform disks, whose edge is at half the contrast
        "tem": {"pixel_nm": ins.tem.pixel_nm, "contrast": ins.tem.contrast, "level": 0.5},
    }
    lines = ["# Virtual DAC experiment written by dackit " + __version__ + " (dackit simulate experiment).",
             "# The true values are in truth.json beside this file.",
             f"name = {_toml_value(d.name)}", 'runsheet = "runsheet.csv"']
    for name, values in sections.items():
        lines += ["", f"[{name}]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items() if v is not None]
    return "\n".join(lines) + "\n"


def _truth(plan: Plan, tem_rows: list[dict]) -> dict:
    d, ev = plan.description, plan.description.events
    states = plan.states
    onset = next((s for s in states if s.direction == "compression" and s.rs_fraction > 0), None)
    before = [s for s in states if s.direction == "compression" and s.rs_fraction == 0
              and (onset is None or s.step < onset.step)]
    all_d = np.concatenate([r["diameters"] for r in tem_rows]) if tem_rows else np.array([])

    def tem_stats(dd):
        return {"mean_nm": float(dd.mean()), "sd_nm": float(dd.std(ddof=1)),
                "se_nm": float(dd.std(ddof=1) / math.sqrt(dd.size)), "n": int(dd.size)}

    eos = {"zincblende": {"v0_a3": plan.zb_v0_a3, "k0_gpa": ev.zb_k0_gpa, "kp": ev.zb_kp}}
    if any(s.rs_fraction > 0 for s in states):
        eos["rocksalt"] = {"v0_a3": plan.rs_v0_a3, "k0_gpa": ev.rs_k0_gpa, "kp": ev.rs_kp}
    xrd = []
    for s in states:
        xrd.append({"step": s.step, "direction": s.direction, "pressure_gpa": s.pressure_gpa, "phase": "zincblende",
                    "a_angstrom": s.zb_a, "v_a3": s.zb_a ** 3, "weight_fraction": 1 - s.rs_fraction})
        if s.rs_fraction > 0:
            xrd.append({"step": s.step, "direction": s.direction, "pressure_gpa": s.pressure_gpa, "phase": "rocksalt",
                        "a_angstrom": s.rs_a, "v_a3": s.rs_a ** 3, "weight_fraction": s.rs_fraction})
    steps_by_tem = sorted({r["step"] for r in tem_rows})
    return {
        "pl_fit": pl_fit_truth(plan),
        "eos": eos,
        "transition_pressure_gpa": None if onset is None else onset.pressure_gpa,
        "transition": None if onset is None else {
            "event_gpa": ev.transition_gpa, "first_step": onset.step,
            "bracket_low_gpa": before[-1].pressure_gpa if before else None, "bracket_high_gpa": onset.pressure_gpa,
            "note": "transition_pressure_gpa is the first compression step with rock salt (what the "
                    "analysis can see); the event pressure lies in the bracket"},
        "tauc": [{"step": s.step, "direction": s.direction, "pressure_gpa": s.pressure_gpa, "gap_ev": s.gap_ev,
                  "note": s.absorption_note} for s in states],
        "saxs": [{"step": s.step, "pressure_gpa": s.pressure_gpa, "direction": s.direction,
                  "d_first_angstrom": s.d_first_a, "mesophase": s.mesophase,
                  **({"thickness_nm": s.saxs_domain_nm} if s.mesophase == "lamellar" else {})} for s in states],
        "tem": tem_stats(all_d) if all_d.size else None,
        "tem_by_step": [{"step": k, **tem_stats(np.concatenate([r["diameters"] for r in tem_rows if r["step"] == k]))}
                        for k in steps_by_tem],
        "steps": [{"step": s.step, "direction": s.direction, "pressure_gpa": s.pressure_gpa,
                   "pressure_gpa_err": abs(s.ruby_after_gpa - s.ruby_before_gpa) / 2,
                   "ruby_before_gpa": s.ruby_before_gpa, "ruby_after_gpa": s.ruby_after_gpa,
                   **({"standard_a_angstrom": standard_cell_a(d.pressure_standard, s.pressure_gpa)}
                      if d.pressure_standard else {})} for s in states],
        "pl": [{"step": s.step, "direction": s.direction, "pressure_gpa": s.pressure_gpa, "peak_ev": s.pl_peak_ev,
                "fwhm_mev": s.pl_fwhm_mev} for s in states if s.pl_peak_ev is not None],
        "xrd": xrd,
        "failures": [],
        "meta": {
            "name": d.name, "seed": d.seed, "dackit_version": __version__, "medium": d.medium,
            "steps_pressure": "true sample pressure during the step; the ruby before/after readings are "
                              "pressure ∓ drift/2, pressure_gpa_err is half their difference",
            "tem": "all simulated particles lie fully inside their image; statistics pooled over every TEM image",
            "pl": f"no PL file at or above {ev.pl_quench_gpa:g} GPa (quenched) nor after the ZB→RS transition",
            "sample": dataclasses.asdict(d.sample), "events": dataclasses.asdict(ev),
        },
    }


def write_experiment(outdir, description: VirtualExperiment) -> WrittenExperiment:
    """Write the raw files, ``runsheet.csv``, ``experiment.toml`` and ``truth.json`` into ``outdir``.

    Layout: ``ruby/``, ``pl/``, ``absorption/`` (spectrometer text files), ``xrd/`` and
    ``saxs/`` (detector TIFFs and ``geometry.poni``), ``tem/`` (calibrated TIFFs). Files
    already there under the same names are overwritten; others are left alone.

    Parameters
    ----------
    outdir : str or Path
        Output folder; created when missing.
    description : VirtualExperiment
        The virtual experiment, e.g. from :func:`~dackit.virtual.preset`.
    """
    from dackit.gauge.ruby import simulate_ruby
    from dackit.io import write_spectrum
    from dackit.optics.absorption import simulate_absorption
    from dackit.optics.pl import simulate_pl
    from dackit.saxs.simulate import simulate_saxs_image
    from dackit.tem.simulate import simulate_tem
    from dackit.xrd.simulate import simulate_image

    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder; give a folder to write the experiment into")
    d = description
    ins, ev = d.instruments, d.events
    plan = plan_experiment(d)
    for sub in ("ruby", "pl", "absorption", "xrd", "saxs", "tem") + (("sm",) if d.sm_chip else ()):
        (out / sub).mkdir(parents=True, exist_ok=True)
    xrd_geom, saxs_geom = _xrd_geometry(ins.xrd), _saxs_geometry(ins.saxs)
    _write_poni(xrd_geom, out / "xrd" / "geometry.poni")
    _write_poni(saxs_geom, out / "saxs" / "geometry.poni")
    tth_max = _max_twotheta(xrd_geom)
    pl_lo, pl_hi, pl_n = ins.pl.grid_nm
    pl_grid = np.linspace(pl_lo, pl_hi, int(pl_n))
    lo, hi, dx = ins.absorption.grid_nm
    abs_grid = np.arange(lo, hi + dx / 2, dx)
    rows, tem_rows, n_ruby = [], [], 0

    def row(state, technique, rel, note="", pressure=None):
        rows.append({"step": state.step, "direction": state.direction, "technique": technique, "file": rel,
                     "pressure_gpa": "" if pressure is None else repr(pressure),
                     "pressure_gpa_err": "" if pressure is None else "0.0", "note": note})

    def tem_images(state, count, when):
        for k in range(count):
            sim = simulate_tem(ins.tem.particles_per_image, d.sample.diameter_mean_nm, d.sample.diameter_sd_nm,
                               pixel_nm=ins.tem.pixel_nm, touching_fraction=ins.tem.touching_fraction,
                               noise=ins.tem.noise, contrast="dark" if ins.tem.contrast == "dark" else "bright",
                               seed=_rng(d.seed, state.step, "tem", k))
            size = sim.image.shape
            r_px = sim.diameters_nm / 2 / sim.pixel_nm
            inside = np.all((sim.centres_px - r_px[:, None] >= 0)
                            & (sim.centres_px + r_px[:, None] <= np.array(size)), axis=1)
            rel = f"tem/step{state.step:02d}_{when}_area{k + 1}.tif"
            _write_tiff(out / rel, sim.image.astype(np.float32), pixel_nm=sim.pixel_nm)
            tem_rows.append({"step": state.step, "diameters": sim.diameters_nm[inside]})
            row(state, "tem", rel, f"{when} compression, ambient, outside the cell; area {k + 1}")

    def ruby(state, pressure, which, minute):
        nonlocal n_ruby
        flavour = ins.ruby.flavours[n_ruby % len(ins.ruby.flavours)]
        n_ruby += 1
        rel = f"ruby/step{state.step:02d}_{which}{_EXTENSIONS[flavour]}"
        rng = _rng(d.seed, state.step, "ruby", 0 if which == "before" else 1)
        s = simulate_ruby(pressure, scale=ins.ruby.scale, lambda0_nm=ins.ruby.lambda0_nm,
                          fwhm_nm=ins.ruby.fwhm_nm + ins.ruby.broadening_nm_per_gpa * pressure,
                          peak_counts=float(rng.uniform(8e3, 3e4)) / (1 + pressure / 30),
                          seed=rng.integers(2**31), source=str(out / rel))
        write_spectrum(_clean(s, rel, _START + timedelta(minutes=minute), exposure_s=1.0), out / rel, flavour=flavour)
        row(state, "ruby", rel, f"ruby {which}")

    for i, st in enumerate(plan.states):
        t0 = 30 * i
        if i == 0:
            tem_images(st, ins.tem.images_before, "before")
        ruby(st, st.ruby_before_gpa, "before", t0)
        if d.sm_chip:
            from dackit.gauge.sm import simulate_sm

            rel = f"sm/step{st.step:02d}.txt"
            s = simulate_sm(st.pressure_gpa, seed=_rng(d.seed, st.step, "sm"), source=str(out / rel))
            write_spectrum(_clean(s, rel, _START + timedelta(minutes=t0 + 2), exposure_s=1.0), out / rel,
                           flavour="text")
            row(st, "sm", rel, "Sm:SrB4O7 chip")
        if st.pl_peak_ev is not None:
            flavour = ins.pl.flavours[i % len(ins.pl.flavours)]
            rel = f"pl/step{st.step:02d}{_EXTENSIONS[flavour]}"
            s = simulate_pl(st.pressure_gpa, e0_ev=st.pl_peak_ev, alpha_mev_per_gpa=0.0, beta_mev_per_gpa2=0.0,
                            fwhm_mev=st.pl_fwhm_mev, peak_counts=ins.pl.peak_counts,
                            intensity_efold_gpa=ins.pl.intensity_efold_gpa, wavelength_nm=pl_grid,
                            seed=_rng(d.seed, st.step, "pl"), source=str(out / rel))
            write_spectrum(_clean(s, rel, _START + timedelta(minutes=t0 + 5), exposure_s=0.5), out / rel,
                           flavour=flavour)
            row(st, "pl", rel, "PL, 355 nm excitation")
        rel = f"absorption/step{st.step:02d}.txt"
        s = simulate_absorption(gap_ev=st.gap_ev, wavelength_nm=abs_grid, urbach_mev=st.urbach_mev,
                                scattering=ins.absorption.scattering, offset=ins.absorption.offset,
                                noise=ins.absorption.noise, seed=_rng(d.seed, st.step, "absorption"),
                                source=str(out / rel))
        write_spectrum(_clean(s, rel, _START + timedelta(minutes=t0 + 10)), out / rel, flavour="text")
        row(st, "absorption", rel, "absorbance")
        rel = f"xrd/step{st.step:02d}.tif"
        image = simulate_image(_xrd_rings(st, ins.xrd, ev, tth_max, d.pressure_standard), xrd_geom,
                               background=lambda tth: ins.xrd.background_counts * (1.0 + 2.0 * np.exp(-tth / 4.0)),
                               seed=_rng(d.seed, st.step, "xrd"), eta=0.5)
        # a CCD writes 16-bit counts (MAR165); wider only if a ring would overflow
        _write_tiff(out / rel, image.astype(np.uint16 if image.max() < 65535 else np.int32))
        row(st, "xrd", rel, "ADXRD")
        rel = f"saxs/step{st.step:02d}.tif"
        image = simulate_saxs_image(saxs_geom, st.mesophase, st.d_first_a * _s_first(st.mesophase),
                                    counts=ins.saxs.counts, seed=_rng(d.seed, st.step, "saxs"),
                                    domain_nm=st.saxs_domain_nm, radius_a=st.saxs_radius_a)
        _write_tiff(out / rel, image.astype(np.int32))
        row(st, "saxs", rel, "SAXS")
        ruby(st, st.ruby_after_gpa, "after", t0 + 25)
        if i == len(plan.states) - 1:
            tem_images(st, ins.tem.images_after, "after")

    runsheet = out / "runsheet.csv"
    with runsheet.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=RUNSHEET_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    toml_path = out / "experiment.toml"
    toml_path.write_text(_experiment_toml(d), encoding="utf-8")
    truth = to_jsonable(_truth(plan, tem_rows))
    truth_path = out / "truth.json"
    truth_path.write_text(json.dumps(truth, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    files = tuple(out / r["file"] for r in rows) + (out / "xrd" / "geometry.poni", out / "saxs" / "geometry.poni")
    return WrittenExperiment(out, toml_path, truth_path, runsheet, files, truth)


def _s_first(mesophase: str) -> float:
    """First allowed line of a mesophase in units of 2π/a: lattice constant = d_first × this."""
    from dackit.saxs.mesophase import get_mesophase

    return get_mesophase(mesophase).s_first
