"""dackit.experiment.measurement: what is drawn for one measurement is the fit the run made.

Spectra are built here with numpy (not with dackit's simulators): a noise-free line leaves a
residual of ~0, the Tauc line meets zero at the reported gap, XRD ticks sit at the
d-spacings of the reported lattice, and a path outside the experiment is never read.
"""
from dataclasses import replace

import numpy as np
import pytest

from dackit.errors import InputError
from dackit.experiment.measurement import locate, measurement_from_results, measurement_plot


def _write(path, x, y, x_unit="nm", y_unit="counts"):
    path.write_text(f'# dackit spectrum 1\n# x_unit: "{x_unit}"\n# y_unit: "{y_unit}"\n'
                    + "".join(f"{a:.9g} {b:.9g}\n" for a, b in zip(x, y)))
    return path


def _pv(x, height, centre, fwhm, eta):
    g = np.exp(-4 * np.log(2) * ((x - centre) / fwhm) ** 2)
    lor = 1 / (1 + 4 * ((x - centre) / fwhm) ** 2)
    return height * ((1 - eta) * g + eta * lor)


RUBY_SETTINGS = {"scale": "mao1986-hydrostatic", "lambda0_nm": 694.24, "lambda0_err_nm": 0.01, "temperature_k": None}


def test_ruby_noise_free_doublet_leaves_no_residual(tmp_path):
    from dackit.gauge.ruby import r2_from_r1

    x = np.linspace(685.0, 705.0, 801)
    r1 = 697.30
    y = (_pv(x, 1000.0, r1, 0.55, 0.4) + _pv(x, 600.0, float(r2_from_r1(r1)), 0.55, 0.4)
         + 20.0 + 0.5 * (x - 695.0))
    plot = measurement_plot("ruby", _write(tmp_path / "ruby.txt", x, y), RUBY_SETTINGS)
    assert plot.fit is not None and plot.residual is not None
    # the model is the fit's own: on noise-free data the residual is numerical noise
    assert np.max(np.abs(plot.residual.y)) < 1e-3 * 1000.0
    assert np.allclose(plot.data.y - plot.fit.y, plot.residual.y)
    r1_marker = next(m for m in plot.markers if m.group == "R1")
    assert r1_marker.x == pytest.approx(r1, abs=0.01)
    # the data drawn are the fit window's points, inside the spectrum
    assert plot.data.x.min() >= 685.0 and plot.data.x.max() <= 705.0 and plot.data.x.size > 50


def test_ruby_residual_shows_an_unmodelled_line(tmp_path):
    """A third line beside the doublet: the residual must show it (it can fail)."""
    from dackit.gauge.ruby import r2_from_r1

    x = np.linspace(685.0, 705.0, 801)
    y = (_pv(x, 1000.0, 697.3, 0.55, 0.4) + _pv(x, 600.0, float(r2_from_r1(697.3)), 0.55, 0.4)
         + _pv(x, 150.0, 699.5, 0.4, 0.0) + 20.0)
    plot = measurement_plot("ruby", _write(tmp_path / "ruby.txt", x, y), RUBY_SETTINGS)
    near = np.abs(plot.residual.x - 699.5) < 0.3
    assert plot.residual.y[near].max() > 50.0


def test_pl_residual_is_the_noise(tmp_path):
    """A Gaussian band (in energy) with white noise of known σ: the residual is that noise
    (the PL fit refuses perfectly noise-free data, which no F-test can judge)."""
    from dackit.core.units import HC_EV_NM

    x = np.linspace(450.0, 750.0, 601)
    e = HC_EV_NM / x
    per_ev = 2.0e5 * np.exp(-0.5 * ((e - 2.20) / 0.08) ** 2)
    sigma = 2.0
    y = per_ev * HC_EV_NM / x ** 2 + 3.0 + np.random.default_rng(1).normal(0, sigma, x.size)
    plot = measurement_plot("pl", _write(tmp_path / "pl.txt", x, y), {"n_peaks": 1, "baseline": "none"})
    assert np.std(plot.residual.y) == pytest.approx(sigma, rel=0.15)
    # the band's maximum as a per-nm density (the E² Jacobian moves it below hc/2.20 eV)
    fine = np.linspace(540.0, 590.0, 50001)
    per_nm = np.exp(-0.5 * ((HC_EV_NM / fine - 2.20) / 0.08) ** 2) / fine ** 2
    assert plot.markers[0].x == pytest.approx(fine[np.argmax(per_nm)], abs=0.3)


def test_tauc_line_meets_zero_at_the_reported_gap(tmp_path):
    e = np.linspace(1.6, 3.2, 801)
    gap = 2.30
    alpha = np.where(e > gap, 3.0 * np.sqrt(np.clip(e - gap, 0, None)) / e, 0.0) + 0.02
    x_nm = 1239.84198 / e
    path = _write(tmp_path / "abs.txt", x_nm[::-1], alpha[::-1], y_unit="absorbance")
    plot = measurement_plot("absorption", path, {"quantity": "absorbance", "transition": "direct"})
    reported = next(m for m in plot.markers if m.group == "gap").x
    assert reported == pytest.approx(gap, abs=0.02)
    # the drawn line is zero at the reported gap and passes through the window's points
    slope = np.polyfit(plot.fit.x, plot.fit.y, 1)
    assert np.polyval(slope, reported) == pytest.approx(0.0, abs=1e-9 * np.ptp(plot.fit.y))
    assert plot.fit.x.min() == pytest.approx(reported)
    # (αE)² is linear above the gap: the residual in the window is small against the curve
    assert np.max(np.abs(plot.residual.y)) < 0.02 * np.max(plot.data.y)


def _xrd_pattern(tmp_path, a, wavelength):
    tt = np.linspace(8.0, 30.0, 2201)
    y = np.full_like(tt, 50.0)
    for hkl, height in (((1, 1, 1), 1000), ((2, 2, 0), 700), ((3, 1, 1), 450), ((4, 0, 0), 120), ((3, 3, 1), 180)):
        d = a / np.sqrt(sum(i * i for i in hkl))
        centre = 2 * np.degrees(np.arcsin(wavelength / (2 * d)))
        y += _pv(tt, height, centre, 0.08, 0.3)
    path = tmp_path / "pattern.xy"
    path.write_text("".join(f"{t:.5f} {v:.4f}\n" for t, v in zip(tt, y)))
    return path


def test_xrd_ticks_sit_at_the_reported_lattice(tmp_path):
    wavelength, a_reported = 0.6199, 5.8100
    path = _xrd_pattern(tmp_path, 5.80, wavelength)
    settings = {"unit": "2th_deg", "wavelength_a": wavelength, "poni": None, "phases": ["zincblende", "rocksalt"]}
    rows = [{"file": "p.xy", "phase": "zincblende", "present": True, "a_angstrom": a_reported},
            {"file": "p.xy", "phase": "rocksalt", "present": False, "a_angstrom": None}]
    plot = measurement_plot("xrd", path, settings, rows, refit=False)   # ticks come from the rows
    assert plot.fit is None and plot.notes
    ticks = [m for m in plot.markers if m.group == "zincblende"]
    assert ticks and not [m for m in plot.markers if m.group == "rocksalt"]  # absent: no ticks
    d = wavelength / (2 * np.sin(np.radians([m.x for m in ticks]) / 2))
    n = (a_reported / d) ** 2          # h² + k² + l² of each tick: whole numbers of the F-43m lattice
    assert np.allclose(n, np.round(n), atol=1e-6)
    assert {3, 8, 11, 16} <= set(np.round(n).astype(int))
    assert all(8.0 <= m.x <= 30.0 for m in ticks)


def test_xrd_whole_pattern_fit_and_no_ticks_without_present_rows(tmp_path):
    path = _xrd_pattern(tmp_path, 5.80, 0.6199)
    settings = {"unit": "2th_deg", "wavelength_a": 0.6199, "poni": None, "phases": ["zincblende"]}
    plot = measurement_plot("xrd", path, settings, [])
    assert plot.markers == ()
    # the whole-pattern fit is drawn over the data and its residual is what it leaves
    assert plot.fit is not None and plot.residual is not None
    data_on_fit = np.interp(plot.fit.x, plot.data.x, plot.data.y)
    assert np.allclose(plot.residual.y, data_on_fit - plot.fit.y)
    assert np.max(plot.fit.y) > 0.5 * np.max(plot.data.y)


def test_unknown_technique_and_missing_setting_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="tem"):
        measurement_plot("tem", tmp_path / "a.tif", {})
    x = np.linspace(685.0, 705.0, 101)
    path = _write(tmp_path / "r.txt", x, _pv(x, 100, 695, 0.5, 0.5))
    with pytest.raises(InputError, match="settings lack"):
        measurement_plot("ruby", path, {"scale": "mao1986-hydrostatic"})


def _results(tmp_path, file, method):
    folder = tmp_path / "exp"
    folder.mkdir(parents=True)
    (folder / "experiment.toml").write_text('name = "t"\nrunsheet = "runsheet.csv"\n')
    (folder / "runsheet.csv").write_text("step,direction,technique,file\n")
    return {"provenance": {"experiment": str(folder / "experiment.toml"),
                           "files": [{"file": file, "technique": "ruby", "method": method}]},
            "ruby": [{"file": file, "r1_nm": 697.3}]}, folder


def test_locate_refuses_paths_outside_the_experiment(tmp_path):
    x = np.linspace(685.0, 705.0, 401)
    outside = _write(tmp_path / "outside.txt", x, _pv(x, 100, 695, 0.5, 0.5))
    results, _ = _results(tmp_path, "../outside.txt", RUBY_SETTINGS)
    with pytest.raises(InputError, match="outside the experiment"):
        locate(results, "../outside.txt")
    results, folder = _results(tmp_path / "b", "ruby.txt", {**RUBY_SETTINGS, "poni": str(outside)})
    with pytest.raises(InputError, match="outside the experiment"):
        locate(results, "ruby.txt")
    with pytest.raises(InputError, match="not a file of this run"):
        locate(results, "other.txt")


def test_locate_finds_rows_and_settings(tmp_path):
    from dackit.gauge.ruby import r2_from_r1

    results, folder = _results(tmp_path, "ruby.txt", RUBY_SETTINGS)
    x = np.linspace(685.0, 705.0, 801)
    _write(folder / "ruby.txt", x, _pv(x, 1000.0, 697.3, 0.55, 0.4) + _pv(x, 600.0, float(r2_from_r1(697.3)), 0.55, 0.4))
    found = locate(results, "ruby.txt")
    assert found.technique == "ruby" and found.rows == ({"file": "ruby.txt", "r1_nm": 697.3},)
    plot = measurement_from_results(results, "ruby.txt")
    assert plot.file == "ruby.txt" and plot.technique == "ruby"


def test_recomputed_fits_match_the_run(tmp_path):
    """On a run of the virtual experiment, the markers drawn are the numbers results.json holds."""
    from dackit.experiment.pipeline import run_experiment
    from dackit.virtual.description import Step, preset
    from dackit.virtual.experiment import write_experiment
    import json

    steps = tuple(Step(i, "compression", p) for i, p in enumerate((0.0, 4.0)))
    written = write_experiment(tmp_path / "experiment", replace(preset("inp-znse", seed=3), steps=steps))
    folder = written.experiment_toml.parent
    rows = (folder / "runsheet.csv").read_text().splitlines()
    keep = [r for r in rows[1:] if r.split(",")[2] in ("ruby", "pl", "absorption")]
    (folder / "runsheet.csv").write_text("\n".join([rows[0], *keep]) + "\n")
    run_experiment(written.experiment_toml, tmp_path / "out", report=False)
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    for row in results["ruby"]:
        plot = measurement_from_results(results, row["file"])
        assert next(m.x for m in plot.markers if m.group == "R1") == pytest.approx(row["r1_nm"], abs=1e-9)
    for row in results["pl"]:
        plot = measurement_from_results(results, row["file"])
        assert plot.markers[0].x == pytest.approx(row["peak_nm"], abs=1e-9)
    for row in results["tauc"]:
        plot = measurement_from_results(results, row["file"])
        assert next(m.x for m in plot.markers if m.group == "gap") == pytest.approx(row["gap_ev"], abs=1e-9)


def test_saxs_without_refit_marks_the_reported_peaks(tmp_path):
    q = np.linspace(0.01, 0.4, 500)
    y = 1e3 * q ** -2 + _pv(q, 500.0, 0.0826, 0.004, 0.3)
    path = tmp_path / "saxs.dat"
    path.write_text("".join(f"{a:.6g} {b:.6g}\n" for a, b in zip(q, y)))
    rows = [{"file": "saxs.dat", "peaks": [{"q_inv_a": 0.0826}, {"q_inv_a": 0.0953}]}]
    settings = {"unit": "q_A^-1", "wavelength_a": 0.4859, "poni": None}
    plot = measurement_plot("saxs", path, settings, rows, refit=False)   # as the thumbnails
    assert [m.x for m in plot.markers] == [0.0826, 0.0953]
    assert plot.fit is None and plot.log_y
    assert np.allclose(plot.data.x, q, rtol=1e-5)
    plot = measurement_plot("saxs", path, settings, rows)      # default: the peak fit redrawn
    assert [round(m.x, 3) for m in plot.markers] == [0.083]
    peak = np.argmin(np.abs(plot.data.x - 0.0826))
    assert abs(plot.residual.y[peak]) < 0.02 * 500.0  # noise-free: the model meets the peak top


def test_sm_noise_free_line_leaves_no_residual(tmp_path):
    x = np.linspace(683.0, 700.0, 851)
    line = 690.20
    y = _pv(x, 800.0, line, 0.30, 0.5) + 15.0 + 0.2 * (x - 690.0)
    settings = {"scale": "datchi1997", "lambda0_nm": 685.41, "lambda0_err_nm": 0.01}
    plot = measurement_plot("sm", _write(tmp_path / "sm.txt", x, y), settings)
    assert np.max(np.abs(plot.residual.y)) < 1e-3 * 800.0
    assert plot.markers[0].x == pytest.approx(line, abs=1e-3)


def test_diamond_edge_marker_on_a_raman_shift_axis(tmp_path):
    """A band ending in a sharp edge at 1400 cm⁻¹ (no model curve: the marker is the edge)."""
    x = np.arange(1250.0, 1550.0, 1.0)
    band = np.where((x > 1332.5) & (x < 1400.0), 1000.0 * (x - 1332.5) / 67.5, 0.0)
    kernel = np.exp(-0.5 * (np.arange(-9, 10) / 3.0) ** 2)
    y = np.convolve(band, kernel / kernel.sum(), mode="same") + 300.0 + 3000.0 * np.exp(-0.5 * ((x - 1332.5) / 1.5) ** 2)
    y += np.random.default_rng(5).normal(0, 5.0, x.size)
    path = _write(tmp_path / "d.txt", x, y, x_unit="cm-1")
    plot = measurement_plot("diamond", path, {"scale": "akahama2006", "laser_nm": None, "nu0_cm1": None})
    assert plot.fit is None and plot.residual is None and plot.notes
    edge = next(m for m in plot.markers if m.group == "edge")
    assert edge.x == pytest.approx(1400.0, abs=4.0)
    assert np.all(np.diff(plot.data.x) > 0) and plot.data.x[0] == pytest.approx(1250.0)
