"""Per-file analyses of the pipeline: one function a technique, ``(path, settings) -> dict``.

Each takes plain values (so Dask can ship it to another process) and returns a JSON-able
dict; what it depends on is exactly ``settings``, which goes into the cache key. These are
thin: the physics lives in the technique modules.
"""
from __future__ import annotations

import threading
from pathlib import Path

from dackit.errors import InputError
from dackit.io.kinds import xray_kind
from dackit.experiment.description import Experiment



def analyse_ruby(path: str, settings: dict) -> dict:
    from dackit.gauge.ruby import fit_ruby
    from dackit.io import read_spectrum

    r = fit_ruby(read_spectrum(path), scale=settings["scale"], lambda0_nm=settings["lambda0_nm"],
                 lambda0_err_nm=settings["lambda0_err_nm"], temperature_k=settings["temperature_k"],
                 t_correction=settings.get("t_correction", "datchi2007"), laser_nm=settings.get("laser_nm"))
    return r.to_dict()


def analyse_sm(path: str, settings: dict) -> dict:
    from dackit.gauge.sm import fit_sm
    from dackit.io import read_spectrum

    r = fit_sm(read_spectrum(path), scale=settings["scale"], lambda0_nm=settings["lambda0_nm"],
               lambda0_err_nm=settings["lambda0_err_nm"], laser_nm=settings.get("laser_nm"))
    return r.to_dict()


def analyse_diamond(path: str, settings: dict) -> dict:
    from dackit.gauge.diamond import fit_diamond_edge
    from dackit.io import read_spectrum

    r = fit_diamond_edge(read_spectrum(path), scale=settings["scale"], laser_nm=settings["laser_nm"],
                         nu0_cm1=settings["nu0_cm1"])
    return r.to_dict()


def analyse_pl(path: str, settings: dict) -> dict:
    from dackit.io import read_spectrum
    from dackit.optics.colour import NegativeEmissionError, chromaticity_xy
    from dackit.optics.pl import fit_pl

    # window_nm and baseline come only from overrides.toml (absent: the fit's defaults)
    extra = {k: settings[k] for k in ("window_nm", "baseline") if k in settings}
    f = fit_pl(read_spectrum(path), n_peaks=settings["n_peaks"], **extra)
    if f.truncated:  # a cut band's colour is that of its remaining part: none is given
        return {**f.to_dict(), "cie_x": None, "cie_y": None, "colour_hex": "",
                **f.verdict.plus(info=["colour not computed: the band is cut at the "
                                       f"{' and '.join(f.truncated)} end of the spectrum"]).to_dict()}
    try:
        # the row names its file (relative); its notes name the file without this machine's folders
        c = chromaticity_xy(f.wavelength_nm, f.emission_nm(), source=Path(path).name)
    except NegativeEmissionError as exc:
        # no colour rather than a colour of negative light; the peak has its own checks (on
        # real CdSe bands the baseline fails only at the window's edge, the peak is right)
        return {**f.to_dict(), "cie_x": None, "cie_y": None, "colour_hex": "",
                **f.verdict.plus(info=[f"colour not computed: {exc}"]).to_dict()}
    return {**f.to_dict(), "cie_x": float(c.x), "cie_y": float(c.y), "colour_hex": c.hex,
            **f.verdict.plus(info=c.notes).to_dict()}


def analyse_absorption(path: str, settings: dict) -> dict:
    from dackit.io import read_spectrum
    from dackit.optics.absorption import absorbance_spectrum, tauc_gap

    spectrum = absorbance_spectrum(read_spectrum(path), quantity=settings["quantity"])
    extra = {k: settings[k] for k in ("background", "energy_range_ev") if k in settings}  # overrides.toml
    return tauc_gap(spectrum, transition=settings["transition"], **extra).to_dict()


_INTEGRATORS: dict = {}
_INTEGRATOR_LOCK = threading.Lock()


def _integrator(path: str, settings: dict, shape):
    """One pyFAI integrator per geometry, corrections and image shape (per process)."""
    from dackit.xrd.geometry import Geometry, read_poni
    from dackit.xrd.integrate import IntegrationSettings

    corr = settings.get("corrections", {})
    key = (settings["poni"] or repr(settings.get("geometry")), settings["mask"], settings["flip_ud"],
           settings["bins"], settings["unit"],
           tuple(sorted((k, str(v)) for k, v in corr.items())), tuple(shape))
    with _INTEGRATOR_LOCK:  # pyFAI builds its lookup tables on first use: not concurrently
        integ = _INTEGRATORS.get(key)
        if integ is None:
            region = corr.get("background_region")
            s = IntegrationSettings(mask=settings["mask"], flip_ud=settings["flip_ud"],
                                    polarization=corr.get("polarization"),
                                    solid_angle=corr.get("solid_angle", True), dark=corr.get("dark"),
                                    flat=corr.get("flat"), background=corr.get("background"),
                                    background_scale=corr.get("background_scale"),
                                    background_region=tuple(region) if region else None,
                                    sigma_clip=corr.get("sigma_clip"))
            geometry = read_poni(settings["poni"]) if settings["poni"] else Geometry(**settings["geometry"])
            integ = s.integrator(geometry, shape=tuple(shape), bins=settings["bins"],
                                 unit=settings["unit"])
            _INTEGRATORS[key] = integ
        return integ


def _integrate(path: str, settings: dict, *, with_image: bool = False):
    """Integrate one detector image (a stack: the sum of its frames), reusing the integrator."""
    from dackit.io.frames import open_frames
    from dackit.xrd.frames import iter_frame_patterns

    with open_frames(path) as src:
        shape = src.shape
    integ = _integrator(path, settings, shape)
    with _INTEGRATOR_LOCK:
        pattern = next(iter(iter_frame_patterns(integ, path, "sum"))).pattern
    return (pattern, integ) if with_image else pattern


def _texture(integ, image, n_frames: int) -> dict:
    """Per-ring texture indices of an image (dackit.xrd.cake), for the report."""
    from dackit.xrd.cake import cake_image, cake_verdict, ring_texture

    with _INTEGRATOR_LOCK:
        cake = cake_image(integ, image, n_frames=n_frames)
    rings = ring_texture(cake)
    verdict = cake_verdict(cake, rings)
    return {"rings": [r.to_dict(cake.unit) for r in rings], "quality": verdict.quality,
            "quality_notes": list(verdict.notes)}


def _pattern_or_image(path: str, settings: dict):
    from dackit.io.patterns import read_pattern
    from dackit.saxs.analysis import load_saxs

    if xray_kind(path) == "pattern":
        if settings["unit"] == "q_A^-1":  # as `dackit saxs` reads it (canSAS XML included)
            return load_saxs(path, wavelength_a=settings["wavelength_a"])
        return read_pattern(path, wavelength_a=settings["wavelength_a"])
    if not settings["poni"] and not settings.get("geometry"):
        raise InputError(f"{path}: a detector image needs a PONI file (xrd.poni in experiment.toml) "
                         "or a calibrant image (xrd.calibrant_image + xrd.calibrant)")
    return _integrate(path, settings)


def analyse_xrd(path: str, settings: dict) -> dict:
    from dackit.xrd.frames import summed_image
    from dackit.xrd.sectors import phases_by_sector
    from dackit.xrd.transitions import identify_phases

    texture = image = None
    if xray_kind(path) != "pattern" and settings["poni"]:
        pattern, integ = _integrate(path, settings, with_image=True)
        with _INTEGRATOR_LOCK:
            image, n_frames = summed_image(integ, path)
        texture = _texture(integ, image, n_frames)
    else:
        pattern = _pattern_or_image(path, settings)
    files = settings.get("phase_files", {})
    ident = identify_phases(pattern, [files.get(spec, spec) for spec in settings["phases"]],
                            twotheta_range=settings.get("twotheta_range"))  # overrides.toml
    if image is not None:  # as `xrd phases`: each present phase's cell read in azimuth sectors
        with _INTEGRATOR_LOCK:
            ident = phases_by_sector(ident, integ, image, n_frames=n_frames)
    standard = settings.get("pressure_standard")
    # named by the candidate as the experiment lists it ("rocksalt"), so results match truth.json
    phases = [{"name": spec, "structure": r.name, "present": bool(r.present), "significance": r.significance,
               "fraction": r.fraction, "fraction_err": r.fraction_err,
               "a_angstrom": r.a_a if r.present else None,
               "a_angstrom_err": r.a_a_err if r.present else None,
               "volume_a3": r.phase.with_cell(a=r.a_a).volume_a3 if r.present else None}
              for spec, r in zip(settings["phases"], ident.phases)]
    for ph, r in zip(phases, ident.phases):
        if ph["present"]:
            ph["volume_a3_err"] = 3 * ph["volume_a3"] * r.a_a_err / r.a_a
    out_standard = {}
    if standard:
        # the standard is one of the candidates (added by the settings); its cell volume is the
        # gauge's reading, turned into a pressure at the step's temperature in the step stage
        ph = next(p for p in phases if p["name"] == settings["standard_phase"])
        out_standard = {"standard": {"name": standard, "present": ph["present"],
                                     "volume_a3": ph["volume_a3"], "volume_a3_err": ph.get("volume_a3_err")}}
    verdict = ident.verdict
    calibration_ok = settings.get("calibration", {}).get("quality") != "doubtful"
    if not calibration_ok:
        verdict = verdict.plus(["the detector calibration from xrd.calibrant_image is doubtful"])
    # a step whose only doubt is its weight fractions still gives trusted cells for the EoS
    lattice_quality = "ok" if ident.lattices_ok and calibration_ok else "doubtful"
    out_texture = {} if texture is None else {"texture": texture}
    return {"file": path, "wavelength_a": pattern.wavelength_a, "redchi": ident.redchi, "phases": phases,
            **out_standard, **verdict.to_dict(), "lattice_quality": lattice_quality, **out_texture,
            "pattern": {"twotheta_deg": pattern.twotheta_deg, "intensity": pattern.intensity}}


def analyse_xrd_frames(path: str, settings: dict) -> dict:
    """A time-resolved step: every frame of a stack integrated into one NeXus file of patterns.

    Written to ``settings["series_dir"]`` (the run's ``xrd_series`` folder) as
    ``<stem>.nxs``; the result holds the total intensity of each frame. Frames whose total
    falls below half the median (beam lost, shutter closed) are named in the notes; the
    step is doubtful when they are more than half the frames.
    """
    from pathlib import Path

    import numpy as np

    from dackit.io.frames import open_frames
    from dackit.xrd.frames import write_pattern_series

    with open_frames(path) as src:
        shape = src.shape
    integ = _integrator(path, settings, shape)
    out_dir = Path(settings.get("series_dir") or Path(path).parent)
    output = out_dir / f"{Path(path).stem}.nxs"
    with _INTEGRATOR_LOCK:
        info = write_pattern_series(integ, path, output, frames="all")
    totals = np.asarray(info["total_intensity"], float)
    median = float(np.median(totals)) if totals.size else 0.0
    dim = [i for i, t in enumerate(totals) if not t >= 0.5 * median]
    doubts: list[str] = []
    notes: list[str] = []
    if dim:
        text = (f"{len(dim)} of {totals.size} frames hold less than half the median intensity "
                f"(beam lost or shutter closed?): frames {', '.join(map(str, dim[:20]))}"
                + (" …" if len(dim) > 20 else ""))
        (doubts if len(dim) > totals.size / 2 else notes).append(text)
    from dackit.core.quality import Verdict

    verdict = Verdict.from_checks(doubts, notes)
    return {"file": path, "output": info["output"], "frames": info["frames"], "bins": info["bins"],
            "wavelength_a": integ.geometry.wavelength_a, "total_intensity": info["total_intensity"],
            **verdict.to_dict()}


def analyse_saxs(path: str, settings: dict) -> dict:
    from dackit.core.results import renamed
    from dackit.saxs.analysis import analyse_saxs as saxs_peaks
    from dackit.saxs.scherrer import scherrer_thickness

    pattern = _pattern_or_image(path, settings)
    result = saxs_peaks(pattern)
    first = result.first_peak
    sch = scherrer_thickness(first.q_inv_a, first.fwhm_inv_a, fwhm_err=first.fwhm_err, k=settings["k"],
                             wavelength_a=pattern.wavelength_a)
    # the same row as `dackit saxs peaks --json` (one to_dict), plus what the run adds
    return {"file": path, **renamed(result.to_dict()), "centre_distance_angstrom": result.centre_distance_a,
            "thickness_nm": sch.thickness_nm, "thickness_nm_err": sch.thickness_nm_err,
            "pattern": {"q_inv_a": pattern.q_inv_a, "intensity": pattern.intensity}}


def analyse_tem(path: str, settings: dict) -> dict:
    from dackit.tem.detect import detect_particles
    from dackit.tem.io import read_tem_image
    from dackit.tem.stats import size_statistics

    det = detect_particles(read_tem_image(path, pixel_nm=settings["pixel_nm"],
                                          scale_bar_nm=settings.get("scale_bar_nm")), contrast=settings["contrast"],
                           level=settings.get("level"))
    if det.n == 0:
        raise InputError(f"{path}: no particle was found; check --contrast and the pixel size")
    st = size_statistics(det.diameters_nm)
    return {"file": path, "n": st.n, "mean_nm": st.mean_nm, "sd_nm": st.sd_nm, "se_nm": st.se_nm,
            "median_nm": st.median_nm, "pixel_nm": det.pixel_nm, "diameters_nm": det.diameters_nm,
            **det.verdict.to_dict()}


def _xray_settings(exp: Experiment, section, unit: str) -> dict:
    corrections = {"polarization": section.polarization, "solid_angle": section.solid_angle,
                   "dark": _path(exp, section.dark), "flat": _path(exp, section.flat),
                   "background": _path(exp, section.background), "background_scale": section.background_scale,
                   "background_region": section.background_region, "sigma_clip": section.sigma_clip}
    corrections_sha = [_sha(exp, section.dark), _sha(exp, section.flat), _sha(exp, section.background)]
    out = {"poni": _path(exp, section.poni), "mask": _path(exp, section.mask), "flip_ud": section.flip_ud,
           "geometry_sha256": [_sha(exp, section.poni), _sha(exp, section.mask), *corrections_sha],
           "bins": section.bins, "unit": unit, "wavelength_a": section.resolved_wavelength_a,
           "corrections": corrections}
    if section.calibrant_image is not None:  # calibrated once, cached; recorded in the provenance
        from dackit.experiment.calibration import calibration_settings

        cal = calibration_settings(exp, section, "xrd" if unit == "2th_deg" else "saxs")
        out.update(geometry=cal["geometry"], calibration=cal["calibration"],
                   geometry_sha256=[cal["image_sha256"], _sha(exp, section.mask), *corrections_sha])
    return out


#: technique → (analysis function, settings of the experiment it depends on)
ANALYSES = {
    "ruby": (analyse_ruby, lambda exp: exp.ruby.model_dump()),
    "sm": (analyse_sm, lambda exp: exp.sm.model_dump()),
    "diamond": (analyse_diamond, lambda exp: exp.diamond.model_dump()),
    "pl": (analyse_pl, lambda exp: {"n_peaks": exp.pl.n_peaks}),
    "absorption": (analyse_absorption, lambda exp: exp.absorption.model_dump()),
    "xrd": (analyse_xrd, lambda exp: {**_xray_settings(exp, exp.xrd, "2th_deg"),
                                      **_xrd_phases(exp), **_phase_files(exp)}),
    "xrd_frames": (analyse_xrd_frames, lambda exp: _xray_settings(exp, exp.xrd, "2th_deg")),
    "saxs": (analyse_saxs, lambda exp: {**_xray_settings(exp, exp.saxs, "q_A^-1"), "k": exp.saxs.k}),
    "tem": (analyse_tem, lambda exp: exp.tem.model_dump()),
}


#: the library phase of each standard's material (dackit.xrd.phases)
STANDARD_PHASES = {"au": "au", "pt": "pt", "ne": "ne", "mgo": "mgo", "nacl-b1": "nacl", "nacl-b2": "nacl-b2"}


def _xrd_phases(exp: Experiment) -> dict:
    """xrd.phases, plus the pressure standard's phase when one is named (and not listed)."""
    phases = list(exp.xrd.phases)
    std = exp.xrd.pressure_standard
    if not std:
        return {"phases": phases}
    from dackit.eos.thermal import material_of

    phase = STANDARD_PHASES.get(material_of(std), material_of(std))
    if phase not in phases:
        phases.append(phase)
    return {"phases": phases, "pressure_standard": std.lower(), "standard_phase": phase}


def _path(exp: Experiment, relative):
    p = exp.path(relative)
    return None if p is None else str(p)


def _sha(exp: Experiment, relative):
    # a geometry or mask edited in place must invalidate the cached results
    from dackit.experiment.store import sha256_file
    p = exp.path(relative)
    return None if p is None else sha256_file(p)


def _phase_files(exp: Experiment) -> dict:
    """Phase files of xrd.phases resolved against the experiment folder, with their content
    hashes: editing a .cif must recompute the XRD rows that used it."""
    files = {spec: exp.phase_spec(spec) for spec in exp.xrd.phases if exp.phase_spec(spec) != spec}
    from dackit.experiment.store import sha256_file
    return {"phase_files": files, "phase_sha256": {spec: sha256_file(p) for spec, p in files.items()}}


def settings_for(technique: str, exp: Experiment) -> dict:
    """The analysis settings of one technique, with paths resolved (for the analysis to read;
    :func:`key_settings` is what enters the cache key)."""
    return ANALYSES[technique][1](exp)


#: settings that say where a file is, or what was derived from one: the analysis needs them,
#: the cache key does not, since the files' contents enter it (``geometry_sha256``,
#: ``phase_sha256``) and a moved experiment folder must find its results again. (The
#: calibration summary names its image; the geometry it gives stays in the key.)
LOCATIONS = frozenset({"poni", "mask", "phase_files", "calibration"})
#: the image corrections' files (their contents are in ``geometry_sha256``)
CORRECTION_FILES = frozenset({"dark", "flat", "background"})


def key_settings(settings: dict) -> dict:
    """``settings`` as they enter the cache key: without file locations, with file contents."""
    out = {k: v for k, v in settings.items() if k not in LOCATIONS}
    if isinstance(out.get("corrections"), dict):
        out["corrections"] = {k: v for k, v in out["corrections"].items() if k not in CORRECTION_FILES}
    if isinstance(out.get("geometry"), dict):  # a calibrated geometry names the image it came from
        out["geometry"] = {k: v for k, v in out["geometry"].items() if k != "source"}
    return out


def settings_with_override(settings: dict, override: dict) -> dict:
    """One file's settings: its technique's, changed by its entry of overrides.toml. The
    override is part of the result so it enters the cache key: only that file recomputes.
    A TEM image's calibration given by the override (``pixel_nm`` or ``scale_bar_nm``)
    replaces the run's, whichever way the run calibrates."""
    if not override:
        return settings
    out = {**settings, **override}
    for given, other in (("pixel_nm", "scale_bar_nm"), ("scale_bar_nm", "pixel_nm")):
        if override.get(given) is not None and other in out and other not in override:
            out[other] = None
    return out
