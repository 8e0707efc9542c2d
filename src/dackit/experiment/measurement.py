"""What to draw for one measurement: its raw data, the fit over it, the residual and markers.

One place shared by ``dackit view`` (Bokeh) and the static report (matplotlib thumbnails):
given a file of a run, its technique and the settings ``dackit run`` used (both in
``results.json``'s provenance), the fit is recomputed from the raw file with the same
technique functions and arguments as :mod:`dackit.experiment.analyses` — no physics is
written here. A fit result's own model (``FitResult.eval``, ``PLFit.model_nm``,
``TaucFit.line``, ``PeakSet.fitted_intensity``, the whole-pattern model of
:func:`~dackit.xrd.transitions.identify_phases`) gives the curve. This module imports
neither Panel nor Bokeh.

Use: ``measurement_from_results(json.load(open("OUT/results.json")), "ruby/step03.txt")``
gives the :class:`MeasurementPlot` of that file (``.data``, ``.fit``, ``.residual``,
``.markers``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dackit.errors import DackitError, InputError

#: settings of an analysis that name a file: read only when inside the experiment folder
_PATH_SETTINGS = ("poni", "mask")
_CORRECTION_FILES = ("dark", "flat", "background")


@dataclass(frozen=True)
class Curve:
    """One line of a plot: ``label``, ``x`` and ``y`` (equal-length arrays)."""

    label: str
    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class Marker:
    """A vertical marker at ``x`` (a peak position, a phase tick, a gap); ``group`` names
    the set it belongs to (``"R1"``, a phase name, ``"gap"``)."""

    x: float
    label: str
    group: str = ""


@dataclass(frozen=True)
class MeasurementPlot:
    """What to draw for one measurement.

    Attributes
    ----------
    file, technique : str
        The run-sheet file and its technique.
    x_label, y_label : str
        Axis titles (with units).
    data : Curve
        The measured points as the fit saw them (ruby: the fit window; PL: baseline removed;
        absorption: the background-corrected Tauc curve; XRD, SAXS: the whole pattern).
    fit : Curve or None
        The fitted curve (None where the analysis fits no model, e.g. the diamond edge).
    residual : Curve or None
        Data − fit where the fit was made.
    extra : tuple of Curve
        Further curves: background, per-phase or per-peak components, the raw absorbance.
    markers : tuple of Marker
        Peak positions, phase ticks (each present phase from its fitted lattice), the gap.
    log_y : bool
        Whether the y axis reads best logarithmic (SAXS).
    notes : tuple of str
        What a reader needs to know about the drawing (e.g. why no fit curve).
    """

    file: str
    technique: str
    x_label: str
    y_label: str
    data: Curve
    fit: Curve | None = None
    residual: Curve | None = None
    extra: tuple[Curve, ...] = ()
    markers: tuple[Marker, ...] = ()
    log_y: bool = False
    notes: tuple[str, ...] = field(default=())


def _arr(v) -> np.ndarray:
    return np.asarray(v, dtype=float)


def _ruby(path: Path, settings: dict, rows, refit: bool, pattern) -> MeasurementPlot:
    from dackit.gauge.lines import spectrum_in_nm
    from dackit.gauge.ruby import R1_SEARCH_NM, fit_ruby
    from dackit.io import read_spectrum

    spectrum = read_spectrum(path)
    r = fit_ruby(spectrum, scale=settings["scale"], lambda0_nm=settings["lambda0_nm"],
                 lambda0_err_nm=settings["lambda0_err_nm"], temperature_k=settings["temperature_k"],
                 laser_nm=settings.get("laser_nm"))
    x, y, _ = spectrum_in_nm(spectrum, "ruby", R1_SEARCH_NM, laser_nm=settings.get("laser_nm"))
    return _gauge_plot(path, "ruby", _arr(x), _arr(y), r.fit, r.window_nm,
                       (Marker(r.r1_nm, f"R1 {r.r1_nm:.3f} nm", "R1"), Marker(r.r2_nm, f"R2 {r.r2_nm:.3f} nm", "R2")))


def _sm(path: Path, settings: dict, rows, refit: bool, pattern) -> MeasurementPlot:
    from dackit.gauge.lines import spectrum_in_nm
    from dackit.gauge.sm import SM_SEARCH_NM, fit_sm
    from dackit.io import read_spectrum

    spectrum = read_spectrum(path)
    r = fit_sm(spectrum, scale=settings["scale"], lambda0_nm=settings["lambda0_nm"],
               lambda0_err_nm=settings["lambda0_err_nm"], laser_nm=settings.get("laser_nm"))
    x, y, _ = spectrum_in_nm(spectrum, "Sm:SrB4O7", SM_SEARCH_NM, laser_nm=settings.get("laser_nm"))
    return _gauge_plot(path, "sm", _arr(x), _arr(y), r.fit, r.window_nm,
                       (Marker(r.line_nm, f"0–0 {r.line_nm:.3f} nm", "0-0"),))


def _gauge_plot(path, technique, x, y, fit, window, markers) -> MeasurementPlot:
    """A gauge line fit: the data in the fit's window, the model, the residual."""
    keep = (x >= window[0]) & (x <= window[1])
    xw, yw = x[keep], y[keep]
    order = np.argsort(xw)
    xw, yw = xw[order], yw[order]
    model = fit.eval(xw)
    return MeasurementPlot(file=str(path), technique=technique, x_label="wavelength (nm)",
                           y_label="intensity", data=Curve("data", xw, yw), fit=Curve("fit", xw, model),
                           residual=Curve("data − fit", xw, yw - model), markers=markers)


def _diamond(path: Path, settings: dict, rows, refit: bool, pattern) -> MeasurementPlot:
    from dackit.gauge.diamond import fit_diamond_edge, raman_shift_axis
    from dackit.io import read_spectrum

    spectrum = read_spectrum(path)
    r = fit_diamond_edge(spectrum, scale=settings["scale"], laser_nm=settings["laser_nm"],
                         nu0_cm1=settings["nu0_cm1"])
    x, y, _ = raman_shift_axis(spectrum, settings["laser_nm"])
    markers = [Marker(r.edge_cm1, f"edge {r.edge_cm1:.1f} cm⁻¹", "edge")]
    if r.unstressed_cm1 is not None:
        markers.append(Marker(r.unstressed_cm1, f"unstressed {r.unstressed_cm1:.1f} cm⁻¹", "unstressed"))
    return MeasurementPlot(file=str(path), technique="diamond", x_label="Raman shift (cm⁻¹)", y_label="intensity",
                           data=Curve("data", _arr(x), _arr(y)), markers=tuple(markers),
                           notes=("the edge is the steepest descent of the smoothed spectrum: no model curve",))


def _pl(path: Path, settings: dict, rows, refit: bool, pattern) -> MeasurementPlot:
    from dackit.io import read_spectrum
    from dackit.optics.pl import fit_pl

    extra_kw = {k: settings[k] for k in ("window_nm", "baseline") if k in settings}
    f = fit_pl(read_spectrum(path), n_peaks=settings["n_peaks"], **extra_kw)
    x = _arr(f.wavelength_nm)
    data = _arr(f.emission_nm())   # the fit's constant removed, as the model is drawn without it
    model = _arr(f.model_nm())
    comps = []
    if len(f.peaks) > 1:
        from dackit.core.units import HC_EV_NM

        parts = f.fit.components(HC_EV_NM / x)
        comps = [Curve(name, x, _arr(v) * HC_EV_NM / x ** 2) for name, v in parts.items() if name.startswith("peak")]
    return MeasurementPlot(file=str(path), technique="pl", x_label="wavelength (nm)",
                           y_label="intensity per nm (baseline removed)", data=Curve("data", x, data),
                           fit=Curve("fit", x, model), residual=Curve("data − fit", x, data - model),
                           extra=tuple(comps), markers=(Marker(f.peak_nm, f"peak {f.peak_nm:.1f} nm", "peak"),))


def _absorption(path: Path, settings: dict, rows, refit: bool, pattern) -> MeasurementPlot:
    from dackit.io import read_spectrum
    from dackit.optics.absorption import absorbance_spectrum, tauc_gap

    spectrum = absorbance_spectrum(read_spectrum(path), quantity=settings["quantity"])
    extra_kw = {k: settings[k] for k in ("background", "energy_range_ev") if k in settings}
    t = tauc_gap(spectrum, transition=settings["transition"], **extra_kw)
    e, tauc = _arr(t.energy_ev), _arr(t.tauc)
    lo, hi = (float(w) for w in t.window_ev)
    # the straight line from where it meets zero (the gap) to the top of its window
    line_x = np.linspace(min(t.gap_ev, lo), hi, 50)
    inside = (e >= lo) & (e <= hi)
    markers = [Marker(t.gap_ev, f"gap {t.gap_ev:.3f} eV", "gap"),
               Marker(lo, "window", "window"), Marker(hi, "window", "window")]
    label = {"direct": "(αE)²", "indirect": "(αE)^½"}.get(t.transition, "Tauc")
    return MeasurementPlot(file=str(path), technique="absorption", x_label="photon energy (eV)",
                           y_label=f"{label}, background removed", data=Curve("Tauc curve", e, tauc),
                           fit=Curve("Tauc line", line_x, t.line(line_x)),
                           residual=Curve("data − line (window)", e[inside], tauc[inside] - t.line(e[inside])),
                           extra=(Curve("without background correction", e, _arr(t.tauc_raw)),),
                           markers=tuple(markers))


def _xrd(path: Path, settings: dict, rows, refit: bool, pattern) -> MeasurementPlot:
    from dackit.experiment.analyses import _pattern_or_image
    from dackit.xrd.phases import get_phase
    from dackit.xrd.structure_factor import reflections
    from dackit.xrd.transitions import identify_phases

    if pattern is None:
        pattern = _pattern_or_image(str(path), settings)
    x, y = _arr(pattern.twotheta_deg), _arr(pattern.intensity)
    files = settings.get("phase_files", {})
    specs = [files.get(spec, spec) for spec in settings["phases"]]
    by_phase = {str(r.get("phase")): r for r in rows if r.get("phase") is not None}
    notes: list[str] = []
    fit = residual = None
    extra: list[Curve] = []
    refined: dict[str, Any] = {}
    try:
        ident = identify_phases(pattern, specs, twotheta_range=settings.get("twotheta_range")) if refit else None
    except DackitError as exc:
        ident = None
        notes.append(f"no whole-pattern fit: {exc}")
    if ident is None:
        notes.append("phase ticks from the reported lattice; the whole-pattern fit not redrawn")
    else:
        fit = Curve("whole-pattern fit", _arr(ident.x), _arr(ident.model))
        residual = Curve("data − fit", _arr(ident.x), _arr(ident.y) - _arr(ident.model))
        extra.append(Curve("background", _arr(ident.x), _arr(ident.background)))
        for spec, res in zip(settings["phases"], ident.phases):
            refined[spec] = res.phase
            if res.present and res.name in ident.components:
                extra.append(Curve(spec, _arr(ident.x), _arr(ident.components[res.name])))
    markers: list[Marker] = []
    for spec, file_spec in zip(settings["phases"], specs):
        row = by_phase.get(spec, {})
        if not row.get("present"):
            continue
        phase = refined.get(spec) or get_phase(file_spec)
        a = row.get("a_angstrom")
        if isinstance(a, (int, float)) and math.isfinite(a):
            phase = phase.with_cell(a=float(a))   # the reported lattice, whatever the refit gave
        table = reflections(phase, pattern.wavelength_a, float(x.max()), twotheta_min=float(x.min()))
        markers += [Marker(float(tt), f"{spec} {hkl}", spec) for tt, hkl in zip(table["twotheta_deg"], table["hkl"])]
    return MeasurementPlot(file=str(path), technique="xrd", x_label="2θ (°)", y_label="intensity",
                           data=Curve("data", x, y), fit=fit, residual=residual, extra=tuple(extra),
                           markers=tuple(markers), notes=tuple(notes))


def _saxs(path: Path, settings: dict, rows, refit: bool, pattern) -> MeasurementPlot:
    from dackit.experiment.analyses import _pattern_or_image
    from dackit.saxs.analysis import analyse_saxs

    if pattern is None:
        pattern = _pattern_or_image(str(path), settings)
    if not refit:  # the peak search takes seconds: the reported peaks on the pattern
        q, y = _arr(pattern.q_inv_a), _arr(pattern.intensity)
        peaks = [p for r in rows for p in r.get("peaks") or [] if isinstance(p.get("q_inv_a"), (int, float))]
        return MeasurementPlot(file=str(path), technique="saxs", x_label="q (Å⁻¹)", y_label="intensity",
                               data=Curve("data", q, y), log_y=True,
                               markers=tuple(Marker(float(p["q_inv_a"]), f"q {p['q_inv_a']:.4f} Å⁻¹", "peak")
                                             for p in peaks),
                               notes=("reported peak positions; the peak fit not redrawn",))
    ps = analyse_saxs(pattern).peakset
    q, y = _arr(ps.q), _arr(ps.intensity)
    model = _arr(ps.fitted_intensity())
    return MeasurementPlot(file=str(path), technique="saxs", x_label="q (Å⁻¹)", y_label="intensity",
                           data=Curve("data", q, y), fit=Curve("background + peaks", q, model),
                           residual=Curve("data − fit", q, y - model),
                           extra=(Curve("background", q, _arr(ps.background)),),
                           markers=tuple(Marker(p.q_inv_a, f"q {p.q_inv_a:.4f} Å⁻¹", "peak") for p in ps.peaks),
                           log_y=True)


#: technique → the function drawing one of its files
PLOTS = {"ruby": _ruby, "sm": _sm, "diamond": _diamond, "pl": _pl, "absorption": _absorption,
         "xrd": _xrd, "saxs": _saxs}


def measurement_plot(technique: str, path, settings: dict, rows=(), *, refit: bool | None = None,
                     pattern=None) -> MeasurementPlot:
    """Recompute one measurement's fit from its raw file and return what to draw.

    Parameters
    ----------
    technique : str
        The run-sheet technique (a key of :data:`PLOTS`: ruby, sm, diamond, pl, absorption,
        xrd, saxs).
    path : str or Path
        The raw file.
    settings : dict
        The analysis settings ``dackit run`` used for this file (``results.json`` →
        ``provenance.files[i].method``), overrides included.
    rows : sequence of dict, default ()
        The file's result rows (XRD: one per candidate phase); XRD phase ticks are drawn for
        the phases these rows call present, from their reported lattice parameter.
    refit : bool, optional
        Redo the XRD whole-pattern fit and the SAXS peak fit (seconds each); when False, the
        pattern is drawn with the reported ticks or peaks only (the report's thumbnails).
        None: refit. Spectra are always refitted (milliseconds).
    pattern : Pattern, optional
        The XRD or SAXS pattern, when the caller holds it already (saves integrating the
        image again).

    Returns
    -------
    MeasurementPlot

    Raises
    ------
    InputError
        The technique has no 1D plot (TEM: see :mod:`dackit.experiment.measurement_images`) or
        the file cannot be read; FitError when the fit fails as it did in the run.

    Examples
    --------
    >>> measurement_plot("tem", "a.tif", {})
    Traceback (most recent call last):
    ...
    dackit.errors.InputError: a.tif: technique 'tem' has no fitted curve to draw; ...
    """
    draw = PLOTS.get(technique)
    if draw is None:
        raise InputError(f"{path}: technique {technique!r} has no fitted curve to draw; "
                         f"one of {', '.join(PLOTS)} has")
    try:
        return draw(Path(path), settings, list(rows), True if refit is None else bool(refit),
                    pattern)
    except KeyError as exc:
        raise InputError(f"{path}: the settings lack {exc}; re-run `dackit run` to record them") from None


@dataclass(frozen=True)
class Located:
    """A file of a run, found in ``results.json``: its technique, absolute path, the
    settings it was analysed with and its result rows."""

    file: str
    technique: str
    path: Path
    settings: dict
    rows: tuple


ROW_KEYS = ("ruby", "sm", "diamond", "pl", "tauc", "xrd", "saxs")


def locate(results: dict, file: str) -> Located:
    """Find ``file`` of ``results`` (the content of results.json), refusing any path outside
    the experiment folder.

    The raw file and every file its settings name (PONI, mask, dark, flat, background, phase
    files) must lie in the experiment folder or its ``data_roots``: a results.json edited by
    hand cannot make the app or the report read elsewhere.

    Parameters
    ----------
    results : dict
        The content of ``results.json``.
    file : str
        The run-sheet file, as in ``provenance.files[i].file``.

    Returns
    -------
    Located
    """
    from dackit.experiment.description import load_experiment

    prov = results.get("provenance") or {}
    entry = next((f for f in prov.get("files") or [] if f.get("file") == file), None)
    if entry is None:
        raise InputError(f"{file}: not a file of this run (results.json provenance)")
    exp = load_experiment(prov.get("experiment", ""))
    path = exp.path(file)
    settings = dict(entry.get("method") or {})
    named = [settings.get(k) for k in _PATH_SETTINGS]
    named += [(settings.get("corrections") or {}).get(k) for k in _CORRECTION_FILES]
    named += list((settings.get("phase_files") or {}).values())
    for p in [path, *named]:
        if p is not None and not exp.allowed(p):
            raise InputError(f"{file}: {p} lies outside the experiment folder; not read")
    rows = tuple(r for key in ROW_KEYS for r in results.get(key) or [] if r.get("file") == file)
    return Located(file=file, technique=str(entry.get("technique", "")), path=Path(path), settings=settings, rows=rows)


def measurement_from_results(results: dict, file: str, *, refit: bool | None = None) -> MeasurementPlot:
    """:func:`measurement_plot` of one file of a run, found by :func:`locate`.

    Parameters
    ----------
    results : dict
        The content of ``results.json``.
    file : str
        The run-sheet file.
    refit : bool, optional
        As for :func:`measurement_plot`.

    Returns
    -------
    MeasurementPlot
    """
    found = locate(results, file)
    plot = measurement_plot(found.technique, found.path, found.settings, found.rows, refit=refit)
    return MeasurementPlot(**{**plot.__dict__, "file": file})


__all__ = ["Curve", "Located", "Marker", "MeasurementPlot", "PLOTS", "locate",
           "measurement_from_results", "measurement_plot"]
