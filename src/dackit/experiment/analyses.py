"""Per-file analyses of the pipeline: one function a technique, ``(path, settings) -> dict``.

Each takes plain values (so Dask can ship it to another process) and returns a JSON-able
dict; what it depends on is exactly ``settings``, which goes into the cache key. These are
thin: the physics lives in the technique modules.
"""
from __future__ import annotations

import threading

from dackit.errors import InputError
from dackit.io.kinds import kind_of
from dackit.experiment.description import Experiment



def analyse_ruby(path: str, settings: dict) -> dict:
    from dackit.gauge.ruby import fit_ruby
    from dackit.io import read_spectrum

    r = fit_ruby(read_spectrum(path), scale=settings["scale"], lambda0_nm=settings["lambda0_nm"],
                 lambda0_err_nm=settings["lambda0_err_nm"], temperature_k=settings["temperature_k"])
    return r.to_dict()


def analyse_pl(path: str, settings: dict) -> dict:
    from dackit.io import read_spectrum
    from dackit.optics.colour import chromaticity_xy
    from dackit.optics.pl import fit_pl

    # window_nm and baseline come only from overrides.toml (absent: the fit's defaults)
    extra = {k: settings[k] for k in ("window_nm", "baseline") if k in settings}
    f = fit_pl(read_spectrum(path), n_peaks=settings["n_peaks"], **extra)
    c = chromaticity_xy(f.wavelength_nm, f.emission_nm())
    return {**f.to_dict(), "cie_x": float(c.x), "cie_y": float(c.y), "colour_hex": c.hex}


def analyse_absorption(path: str, settings: dict) -> dict:
    from dackit.io import read_spectrum
    from dackit.optics.absorption import absorbance_spectrum, tauc_gap

    spectrum = absorbance_spectrum(read_spectrum(path), quantity=settings["quantity"])
    extra = {k: settings[k] for k in ("background", "energy_range_ev") if k in settings}  # overrides.toml
    return tauc_gap(spectrum, transition=settings["transition"], **extra).to_dict()


_INTEGRATORS: dict = {}
_INTEGRATOR_LOCK = threading.Lock()


def _integrate(path: str, settings: dict):
    """Integrate one detector image, reusing one pyFAI integrator per geometry (per process)."""
    from dackit.io.images import read_image, read_mask
    from dackit.xrd.geometry import read_poni
    from dackit.xrd.integrate import Integrator

    image = read_image(path)
    key = (settings["poni"], settings["mask"], settings["flip_ud"], settings["bins"], settings["unit"],
           image.shape)
    with _INTEGRATOR_LOCK:  # pyFAI builds its lookup tables on first use: not concurrently
        integ = _INTEGRATORS.get(key)
        if integ is None:
            mask = read_mask(settings["mask"], image.shape) if settings["mask"] else None
            integ = Integrator(read_poni(settings["poni"]), shape=image.shape, mask=mask,
                               bins=settings["bins"], unit=settings["unit"], flip_ud=settings["flip_ud"])
            _INTEGRATORS[key] = integ
        return integ.integrate(image, source=path)


def _pattern_or_image(path: str, settings: dict):
    from dackit.io.patterns import read_pattern
    from dackit.saxs.analysis import load_saxs

    if kind_of(path) == "pattern":
        if settings["unit"] == "q_A^-1":  # as `dackit saxs` reads it (canSAS XML included)
            return load_saxs(path, wavelength_a=settings["wavelength_a"])
        return read_pattern(path, wavelength_a=settings["wavelength_a"])
    if not settings["poni"]:
        raise InputError(f"{path}: a detector image needs a PONI file (xrd.poni in experiment.toml)")
    return _integrate(path, settings)


def analyse_xrd(path: str, settings: dict) -> dict:
    from dackit.xrd.transitions import identify_phases

    pattern = _pattern_or_image(path, settings)
    files = settings.get("phase_files", {})
    ident = identify_phases(pattern, [files.get(spec, spec) for spec in settings["phases"]],
                            twotheta_range=settings.get("twotheta_range"))  # overrides.toml
    # named by the candidate as the experiment lists it ("rocksalt"), so results match truth.json
    phases = [{"name": spec, "structure": r.name, "present": bool(r.present), "significance": r.significance,
               "fraction": r.fraction, "fraction_err": r.fraction_err,
               "a_angstrom": r.a_angstrom if r.present else None,
               "a_angstrom_err": r.a_angstrom_err if r.present else None,
               "volume_a3": r.phase.with_cell(a=r.a_angstrom).volume_a3 if r.present else None}
              for spec, r in zip(settings["phases"], ident.phases)]
    for ph, r in zip(phases, ident.phases):
        if ph["present"]:
            ph["volume_a3_err"] = 3 * ph["volume_a3"] * r.a_angstrom_err / r.a_angstrom
    return {"file": path, "wavelength_a": pattern.wavelength_a, "redchi": ident.redchi, "phases": phases,
            **ident.verdict.to_dict(),
            "pattern": {"twotheta_deg": pattern.twotheta_deg, "intensity": pattern.intensity}}


def analyse_saxs(path: str, settings: dict) -> dict:
    from dackit.saxs.analysis import analyse_saxs as saxs_peaks
    from dackit.saxs.scherrer import scherrer_thickness

    pattern = _pattern_or_image(path, settings)
    result = saxs_peaks(pattern)
    first = result.first_peak
    out = {"file": path, "d_first_angstrom": result.d_first_angstrom,
           "d_first_angstrom_err": result.d_first_err, "mesophase": result.mesophase,
           "lattice_angstrom": result.lattice_angstrom, "lattice_angstrom_err": result.lattice_angstrom_err,
           "centre_distance_angstrom": result.centre_distance_angstrom,
           "peaks": [{"q_inv_a": p.q_inv_a, "q_inv_a_err": p.q_err, "d_angstrom": p.d_angstrom,
                      "fwhm_inv_a": p.fwhm_inv_a} for p in result.peaks],
           "pattern": {"q_inv_a": pattern.q_inv_a, "intensity": pattern.intensity}}
    sch = scherrer_thickness(first.q_inv_a, first.fwhm_inv_a, fwhm_err=first.fwhm_err, k=settings["k"],
                             wavelength_a=pattern.wavelength_a)
    out.update(thickness_nm=sch.thickness_nm, thickness_nm_err=sch.thickness_nm_err, **result.verdict.to_dict())
    return out


def analyse_tem(path: str, settings: dict) -> dict:
    from dackit.tem.detect import detect_particles
    from dackit.tem.io import read_tem_image
    from dackit.tem.stats import size_statistics

    det = detect_particles(read_tem_image(path, pixel_nm=settings["pixel_nm"]), contrast=settings["contrast"])
    if det.n == 0:
        raise InputError(f"{path}: no particle was found; check --contrast and the pixel size")
    st = size_statistics(det.diameters_nm)
    return {"file": path, "n": st.n, "mean_nm": st.mean_nm, "sd_nm": st.sd_nm, "se_nm": st.se_nm,
            "median_nm": st.median_nm, "pixel_nm": det.pixel_nm, "diameters_nm": det.diameters_nm,
            **det.verdict.to_dict()}


def _xray_settings(exp: Experiment, section, unit: str) -> dict:
    return {"poni": _path(exp, section.poni), "mask": _path(exp, section.mask), "flip_ud": section.flip_ud,
            "geometry_sha256": [_sha(exp, section.poni), _sha(exp, section.mask)],
            "bins": section.bins, "unit": unit, "wavelength_a": section.resolved_wavelength_a}


#: technique → (analysis function, settings of the experiment it depends on)
ANALYSES = {
    "ruby": (analyse_ruby, lambda exp: exp.ruby.model_dump()),
    "pl": (analyse_pl, lambda exp: {"n_peaks": exp.pl.n_peaks}),
    "absorption": (analyse_absorption, lambda exp: exp.absorption.model_dump()),
    "xrd": (analyse_xrd, lambda exp: {**_xray_settings(exp, exp.xrd, "2th_deg"),
                                      "phases": list(exp.xrd.phases), **_phase_files(exp)}),
    "saxs": (analyse_saxs, lambda exp: {**_xray_settings(exp, exp.saxs, "q_A^-1"), "k": exp.saxs.k}),
    "tem": (analyse_tem, lambda exp: exp.tem.model_dump()),
}


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
    """The analysis settings of one technique, with paths resolved (they enter the cache key)."""
    return ANALYSES[technique][1](exp)


def settings_with_override(settings: dict, override: dict) -> dict:
    """One file's settings: its technique's, changed by its entry of overrides.toml. The
    override is part of the result so it enters the cache key: only that file recomputes."""
    return {**settings, **override} if override else settings
