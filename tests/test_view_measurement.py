"""The measurement page of `dackit view` (in process, no browser): for each technique it draws
the data, the fit and the residual from :mod:`dackit.experiment.measurement`, the detector image
with the rings of the present phase and the cake, the TEM image with its outlines; a file
outside the experiment is refused. The figures of the series pages: V/V0 and F–f.
"""
import json

import numpy as np
import pytest

pytest.importorskip("panel")
from bokeh.models import GlyphRenderer, MultiLine, Plot  # noqa: E402

from dackit.experiment.measurement import measurement_plot  # noqa: E402
from test_measurement import RUBY_SETTINGS, _pv, _write  # noqa: E402
from test_measurement_images import TEM_SETTINGS, _image, _settings, _tem_image  # noqa: E402

A_REPORTED = 5.80
RING_DEG = float(2 * np.degrees(np.arcsin(0.6199 / (2 * A_REPORTED / np.sqrt(3)))))  # 111


@pytest.fixture
def out(tmp_path):
    from dackit.gauge.ruby import r2_from_r1

    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "experiment.toml").write_text('name = "t"\nrunsheet = "runsheet.csv"\n[sample]\nname = "S <i>1</i>"\n')
    (exp / "runsheet.csv").write_text("step,direction,technique,file\n")
    x = np.linspace(685.0, 705.0, 801)
    _write(exp / "ruby.txt", x, _pv(x, 1000.0, 697.3, 0.55, 0.4) + _pv(x, 600.0, float(r2_from_r1(697.3)), 0.55, 0.4) + 5)
    xrd_settings = {**_settings(exp), "phases": ["zincblende"]}
    _image(exp, RING_DEG)
    _tem_image(exp)
    files = [{"file": "ruby.txt", "technique": "ruby", "method": RUBY_SETTINGS},
             {"file": "tem.tif", "technique": "tem", "method": TEM_SETTINGS},
             {"file": "ring.tif", "technique": "xrd", "method": xrd_settings},
             {"file": "../escape.txt", "technique": "ruby", "method": RUBY_SETTINGS}]
    results = {"experiment": "t", "sample": {"name": "S <i>1</i>"},
               "steps": [{"step": 0, "direction": "compression", "pressure_gpa": 1.0, "pressure_gpa_err": 0.1}],
               "ruby": [{"file": "ruby.txt", "step": 0, "r1_nm": 697.3, "quality": "ok", "quality_notes": []}],
               "xrd": [{"file": "ring.tif", "step": 0, "phase": "zincblende", "present": True,
                        "a_angstrom": A_REPORTED, "quality": "ok", "quality_notes": []}],
               "provenance": {"experiment": str(exp / "experiment.toml"), "files": files}}
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps(results))
    (tmp_path / "escape.txt").write_text("secret 12345\n")
    return folder


def _page(out, file):
    from dackit.view.app import Review

    review = Review(out)
    review.tabs.active = 1
    review.file_select.value = file
    return review, [getattr(o, "object", o) for o in review.measurement.objects]


def _lines(fig):
    return [r for r in fig.renderers if isinstance(r, GlyphRenderer)]


def test_spectrum_page_draws_the_fit_and_its_residual(out):
    review, objs = _page(out, "ruby.txt")
    figs = [o for o in objs if isinstance(o, Plot)]
    assert len(figs) == 2, objs
    main, residual = figs
    assert residual.x_range is main.x_range           # zooming one zooms the other
    found = review.results["provenance"]["files"][0]
    plot = measurement_plot("ruby", out.parent / "exp" / "ruby.txt", found["method"])
    drawn = [r.data_source.data for r in _lines(main) if r.glyph.__class__.__name__ == "Line"]
    assert any(np.allclose(d["y"], plot.fit.y) for d in drawn)
    r1 = [r.data_source.data for r in _lines(main) if r.glyph.__class__.__name__ == "Segment"]
    assert any(np.isclose(d["x"][0], 697.3, atol=0.01) for d in r1)


def test_xrd_image_page_draws_rings_of_the_present_phase_and_the_cake(out):
    _, objs = _page(out, "ring.tif")
    figs = [o for o in objs if isinstance(o, Plot)]
    titles = [o.title.text for o in figs]
    assert any("detector" in t for t in titles) and any(t.startswith("cake") for t in titles)
    image = next(o for o in figs if "detector" in o.title.text)
    rings = [r for r in _lines(image) if isinstance(r.glyph, MultiLine)]
    labels = [lab for r in rings for lab in r.data_source.data["label"]]
    assert "zincblende 111" in labels
    # the 111 ring is drawn where the geometry puts 2θ(111) of the reported lattice
    from test_measurement_images import _twotheta

    data = rings[0].data_source.data
    for xs, ys, lab in zip(data["xs"], data["ys"], data["label"]):
        if lab == "zincblende 111":
            assert np.allclose(_twotheta(ys, xs), RING_DEG, atol=0.02)


def test_tem_page_outlines_every_particle_and_histograms_their_sizes(out):
    _, objs = _page(out, "tem.tif")
    figs = [o for o in objs if isinstance(o, Plot)]
    outlines = [r for f in figs for r in _lines(f) if isinstance(r.glyph, MultiLine)]
    assert sum(len(r.data_source.data["xs"]) for r in outlines) == 16
    hist = next(f for f in figs if "particle sizes" in f.title.text)
    quads = [r.data_source.data for r in _lines(hist) if r.glyph.__class__.__name__ == "Quad"]
    assert sum(quads[0]["top"]) == 16
    assert min(quads[0]["left"]) >= 6.3 and max(quads[0]["right"]) <= 7.7   # 2 × 14 px × 0.25 nm


def test_a_file_outside_the_experiment_is_not_read(out):
    _, objs = _page(out, "../escape.txt")
    text = " ".join(str(o) for o in objs)
    assert "outside the experiment" in text and "12345" not in text


def _bm3_pressure(v, v0=100.0, k0=100.0, kp=4.0):
    """Birch–Murnaghan 3rd order, written out here (not from dackit.eos)."""
    f = ((v0 / v) ** (2 / 3) - 1) / 2
    return 3 * k0 * f * (1 + 2 * f) ** 2.5 * (1 + 1.5 * (kp - 4) * f)


def _series_results(tmp_path):
    volumes = np.array([100.0, 97.0, 94.0, 91.0, 88.0])
    pressures = _bm3_pressure(volumes)
    xrd = [{"file": f"xrd/s{i}.tif", "step": i, "direction": "compression", "phase": "zb", "present": True,
            "pressure_gpa": float(p), "pressure_gpa_err": 0.05, "volume_a3": float(v), "volume_a3_err": 0.01}
           for i, (p, v) in enumerate(zip(pressures, volumes))]
    steps = [{"step": i, "direction": "compression", "pressure_gpa": float(p), "pressure_gpa_err": 0.05,
              "gauges": [{"gauge": "ruby", "pressure_gpa": float(p), "pressure_gpa_err": 0.05, "n": 1, "doubtful": False},
                         {"gauge": "xrd:au", "pressure_gpa": float(p) + 0.2, "pressure_gpa_err": 0.1, "n": 1,
                          "doubtful": i == 3}]}
             for i, p in enumerate(pressures)]
    ruby = [{"file": f"ruby/s{i}.txt", "step": i, "r1_nm": 694.3} for i in range(5)]
    eos = {"zb": {"form": "bm3", "v0_a3": 100.0, "v0_a3_err": 0.02, "k0_gpa": 100.0, "k0_gpa_err": 1.0, "kp": 4.0,
                  "kp_err": 0.1, "n": 5, "points": {"pressure_gpa": [float(p) for p in pressures]}}}
    return {"steps": steps, "xrd": xrd, "ruby": ruby, "eos": eos}, volumes, pressures


def test_ff_points_and_line_of_a_bm3_with_kp_4_are_flat_at_k0(tmp_path):
    from dackit.view.series import eos_lines, ff_rows, volume_rows

    results, volumes, pressures = _series_results(tmp_path)
    rows = ff_rows(results)
    assert len(rows) == 4                            # P = 0 has no F
    f_expected = ((100.0 / volumes[1:]) ** (2 / 3) - 1) / 2
    assert np.allclose([r["f"] for r in rows], f_expected, rtol=1e-9)
    assert np.allclose([r["F_gpa"] for r in rows], 100.0, rtol=1e-9)   # K′ = 4: F = K0 for every f
    assert [r["file"] for r in rows] == [f"xrd/s{i}.tif" for i in range(1, 5)]
    assert np.allclose([r["v_v0"] for r in volume_rows(results)], volumes / 100.0)
    line = eos_lines(results)["zb"]
    assert np.allclose(line["F"], 100.0, rtol=1e-6)
    assert np.allclose(_bm3_pressure(line["v_v0"][1:] * 100.0), line["p"][1:], atol=1e-6)


def test_gauge_rows_hold_every_gauge_with_a_file_to_open(tmp_path):
    from dackit.view.series import gauge_rows

    results, _, pressures = _series_results(tmp_path)
    rows = gauge_rows(results)
    assert {r["gauge"] for r in rows} == {"ruby", "xrd:au"} and len(rows) == 10
    assert [r["doubtful"] for r in rows if r["gauge"] == "xrd:au"] == [False, False, False, True, False]
    assert {r["file"] for r in rows if r["gauge"] == "ruby"} == {f"ruby/s{i}.txt" for i in range(5)}
    assert {r["file"] for r in rows if r["gauge"] == "xrd:au"} == {f"xrd/s{i}.tif" for i in range(5)}


def test_overview_draws_gauges_v_v0_and_ff(tmp_path):
    from dackit.view.app import Review

    results, _, _ = _series_results(tmp_path)
    (tmp_path / "results.json").write_text(json.dumps(results))
    review = Review(tmp_path)
    figs = [getattr(o, "object", o) for o in review.overview.objects[0].objects]
    by_title = {f.title.text: f for f in figs if isinstance(f, Plot)}
    assert {"V/V0 vs pressure", "EoS F–f (Eulerian)"} <= set(by_title)
    gauges = next(f for t, f in by_title.items() if t.startswith("Every gauge"))
    n_points = sum(len(r.data_source.data["x"]) for r in _lines(gauges) if r.glyph.__class__.__name__ == "Scatter")
    assert n_points == 10
    ff = by_title["EoS F–f (Eulerian)"]
    ys = [y for r in _lines(ff) if r.glyph.__class__.__name__ == "Scatter" for y in r.data_source.data["y"]]
    assert np.allclose(ys, 100.0)


def test_tem_steps_carry_every_particle_and_the_overview_histograms_them_by_image(tmp_path):
    """Two images of one step, discs painted 10 nm and 15 nm across: the step row holds all 32
    diameters (image after image), the overview's bars add up to 32, each image's bars sit on
    its painted size, and a click on a bar of the second image opens it."""
    import pandas as pd

    from dackit.core import schema
    from dackit.experiment.analyses import analyse_tem
    from dackit.experiment.series import tem_series
    from dackit.view.app import Review

    exp = tmp_path / "exp"
    for name, radius in (("a", 20.0), ("b", 30.0)):   # 2 × r px × 0.25 nm/px = 10 and 15 nm
        (exp / name).mkdir(parents=True)
        _tem_image(exp / name, radius)
    sheet = pd.DataFrame({"row": [0, 1], "technique": ["tem", "tem"], "step": [0, 0], "file": ["a/tem.tif", "b/tem.tif"]})
    # the series pools ok images only: a stated edge level keeps these 40–60 px sharp discs ok
    # (the default's edge-convention doubt wants ≥ 60 px particles)
    settings = {**TEM_SETTINGS, "level": 0.5}
    by_row = {i: {"ok": True, "value": analyse_tem(str(exp / f), settings)} for i, f in enumerate(sheet["file"])}
    pooled, table = tem_series(sheet, by_row)
    (row,) = table
    schema.TemStep.model_validate(row)
    assert row["n"] == pooled["n"] == 32 and len(row["diameters_nm"]) == 32
    assert row["images"] == [{"file": "a/tem.tif", "n": 16}, {"file": "b/tem.tif", "n": 16}]
    assert np.allclose(row["diameters_nm"][:16], 10.0, rtol=0.03) and np.allclose(row["diameters_nm"][16:], 15.0, rtol=0.03)

    files = [{"file": f, "technique": "tem", "method": settings} for f in sheet["file"]]
    results = {"tem": pooled, "tem_by_step": table,
               "provenance": {"experiment": str(exp / "experiment.toml"), "files": files}}
    (tmp_path / "results.json").write_text(json.dumps(results))
    review = Review(tmp_path)
    figs = [getattr(o, "object", o) for o in review.overview.objects[0].objects]
    hist = next(f for f in figs if isinstance(f, Plot) and f.title.text.startswith("TEM particle sizes"))
    (quads,) = [r for r in _lines(hist) if r.glyph.__class__.__name__ == "Quad"]
    data = quads.data_source.data
    assert sum(data["count"]) == 32
    assert np.allclose(np.subtract(data["top"], data["bottom"]), data["count"])
    for file, size in (("a/tem.tif", 10.0), ("b/tem.tif", 15.0)):
        mine = [i for i, f in enumerate(data["file"]) if f == file]
        assert sum(data["count"][i] for i in mine) == 16
        assert all(size * 0.9 <= data["left"][i] and data["right"][i] <= size * 1.1 for i in mine)
        # the painted size's bin (within the 3 % a pixelated disc's equivalent diameter is off)
        assert any(data["left"][i] <= size * 1.03 and data["right"][i] >= size * 0.97 for i in mine)
    quads.data_source.selected.indices = [data["file"].index("b/tem.tif")]
    assert review.file_select.value == "b/tem.tif" and review.tabs.active == 1


def test_detector_view_of_a_calibrated_run_draws_the_calibrants_rings_hidden(out):
    """A geometry calibrated on CeO2 (xrd.calibrant_image): the detector figure holds the
    calibrant's rings as their own legend group, hidden until clicked."""
    results = json.loads((out / "results.json").read_text())
    for f in results["provenance"]["files"]:
        if f["file"] == "ring.tif":
            f["method"]["calibration"] = {"calibrant": "CeO2", "wavelength_a": 0.6199}
    (out / "results.json").write_text(json.dumps(results))
    _, objs = _page(out, "ring.tif")
    image = next(o for o in objs if isinstance(o, Plot) and "detector" in o.title.text)
    assert "calibrant" in image.title.text
    groups = {r.data_source.data["label"][0].split(" ring")[0]: r for r in _lines(image) if isinstance(r.glyph, MultiLine)}
    assert groups["CeO2"].visible is False and len(groups["CeO2"].data_source.data["xs"]) >= 5
    assert groups["zincblende 111"].visible is True
