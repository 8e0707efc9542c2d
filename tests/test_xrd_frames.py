"""XRD front end: sigma clipping, multi-frame stacks, cakes and texture, image corrections.

Images are rendered in the tests with numpy from a pyFAI geometry (tests/xrd_synth.py), not
with dackit's simulator.
"""
import json

import fabio
import h5py
import hdf5plugin
import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli
from dackit.errors import InputError
from dackit.io.frames import open_frames, parse_frames
from dackit.io.patterns import read_pattern
from dackit.xrd.cake import cake_image, ring_texture
from dackit.xrd.geometry import write_poni
from dackit.xrd.integrate import Integrator, fit_background_scale

from xrd_synth import add_spots, add_zingers, geometry, ring_image


def _run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _on_grid(pattern, x):
    return np.interp(x, pattern.x, pattern.intensity)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("xrdframes")
    g = geometry()
    poni = write_poni(g, d / "g.poni")
    return d, g, poni


# -- sigma clipping ------------------------------------------------------------------------

def test_sigma_clip_removes_spots_and_zingers(setup):
    """25 single-crystal spots and 300 zingers: --sigma-clip 3 gives the clean image's pattern."""
    d, g, poni = setup
    rng = np.random.default_rng(12)
    clean = rng.poisson(ring_image(g)).astype(np.float32)
    dirty = add_zingers(add_spots(clean, rng, n=25), rng, n=300).astype(np.float32)
    fabio.edfimage.EdfImage(data=clean).write(str(d / "clean.edf"))
    fabio.edfimage.EdfImage(data=dirty).write(str(d / "dirty.edf"))
    for name, extra in (("clean", []), ("dirty", ["--sigma-clip", 3]), ("raw", [])):
        src = "clean" if name == "clean" else "dirty"
        res = _run("xrd", "integrate", d / f"{src}.edf", "--poni", poni, "--out", d / name, *extra, "--json")
        assert res.exit_code == 0, res.output
    ref = read_pattern(d / "clean" / "clean.xy")
    x = ref.x[(ref.x > 3.0) & (ref.x < 13.0)]
    strongest = ref.intensity.max()

    def compare(p):
        y, r = _on_grid(p, x), _on_grid(ref, x)
        return np.corrcoef(y, r)[0, 1], np.max(np.abs(y - r)) / strongest

    r_clip, exc_clip = compare(read_pattern(d / "dirty" / "dirty.xy"))
    assert r_clip >= 0.995 and exc_clip <= 0.05, (r_clip, exc_clip)
    r_raw, exc_raw = compare(read_pattern(d / "raw" / "dirty.xy"))
    assert exc_raw > 0.05  # the test can fail: without clipping the spots do reach the pattern


def test_sigma_clip_keeps_a_clean_pattern(setup):
    d, g, poni = setup
    img = np.random.default_rng(5).poisson(ring_image(g)).astype(float)
    plain = Integrator(g).integrate(img)
    clipped = Integrator(g, sigma_clip=3).integrate(img)
    y = _on_grid(clipped, plain.x)
    assert np.max(np.abs(y - plain.intensity)) < 0.02 * plain.intensity.max()


# -- multi-frame stacks --------------------------------------------------------------------

def _eiger_master(path, frames):
    """An Eiger-like master file: /entry/data/data_000001 an external link to a
    bitshuffle-LZ4 compressed data file, plus a pixel mask."""
    data_file = path.with_name(path.stem.replace("_master", "") + "_data_000001.h5")
    with h5py.File(data_file, "w") as h:
        h.create_dataset("entry/data/data", data=frames, chunks=(1, *frames.shape[1:]),
                         **hdf5plugin.Bitshuffle(nelems=0, cname="lz4"))
    with h5py.File(path, "w") as h:
        h["entry/data/data_000001"] = h5py.ExternalLink(data_file.name, "/entry/data/data")
        pm = np.zeros(frames.shape[1:], np.uint32)
        pm[100:102, :] = 1  # a module gap row
        h["entry/instrument/detector/detectorSpecific/pixel_mask"] = pm
    return path


def test_frames_all_and_sum_on_compressed_master(setup):
    d, g, poni = setup
    rng = np.random.default_rng(7)
    mu = ring_image(g)
    factors = np.array([1.0, 2.0, 3.0, 0.5, 4.0])
    frames = np.stack([rng.poisson(mu * f) for f in factors]).astype(np.uint32)
    frames[:, 100:102, :] = np.iinfo(np.uint32).max  # gap pixels as an Eiger writes them
    master = _eiger_master(d / "scan_master.h5", frames)
    res = _run("xrd", "integrate", master, "--poni", poni, "--frames", "all", "--out", d / "all", "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [r["frame"] for r in rows] == [0, 1, 2, 3, 4]
    patterns = [read_pattern(r["output"]) for r in rows]
    totals = np.array([p.intensity.sum() for p in patterns])
    assert totals / totals[0] == pytest.approx(factors / factors[0], rel=0.01)
    res = _run("xrd", "integrate", master, "--poni", poni, "--frames", "sum", "--out", d / "sum", "--json")
    rows = json.loads(res.output)
    assert len(rows) == 1 and rows[0]["frames"] == 5
    summed = read_pattern(rows[0]["output"])
    expected = np.sum([_on_grid(p, summed.x) for p in patterns], axis=0)
    assert summed.intensity == pytest.approx(expected, rel=1e-4, abs=1e-3 * expected.max())
    res = _run("xrd", "integrate", master, "--poni", poni, "--frames", "mean", "--out", d / "mean", "--json")
    mean = read_pattern(json.loads(res.output)[0]["output"])
    assert mean.intensity == pytest.approx(summed.intensity / 5, rel=1e-4)


def test_frame_selection_and_bad_ranges(setup):
    d, g, poni = setup
    assert parse_frames("1:3", 5).indices == [1, 2]
    assert parse_frames("4", 5).indices == [4]
    assert parse_frames("2:", 5).indices == [2, 3, 4]
    with pytest.raises(InputError, match="outside"):
        parse_frames("3:9", 5)
    with pytest.raises(InputError, match="all, sum, mean"):
        parse_frames("every", 5)
    with h5py.File(d / "three.h5", "w") as h:
        h["entry/data/data"] = np.ones((3, *g.shape), np.float32)
    res = _run("xrd", "integrate", d / "three.h5", "--poni", poni, "--frames", "5:7", "--out", d / "bad")
    assert res.exit_code == 2 and "outside" in res.output


def test_streaming_reads_one_frame_at_a_time(setup):
    d, g, _ = setup
    with h5py.File(d / "big.h5", "w") as h:
        h.create_dataset("entry/data/data", data=np.arange(4)[:, None, None] * np.ones((4, *g.shape), np.float32),
                         chunks=(1, *g.shape))
    with open_frames(d / "big.h5") as src:
        assert src.nframes == 4 and src.shape == g.shape
        got = [float(f.mean()) for _, f in src.frames(range(4))]
    assert got == [0.0, 1.0, 2.0, 3.0]


def test_multiframe_edf(setup):
    d, g, poni = setup
    mu = ring_image(g).astype(np.float32)
    edf = fabio.edfimage.EdfImage(data=mu)
    edf.append_frame(data=2 * mu)
    edf.append_frame(data=3 * mu)
    edf.write(str(d / "multi.edf"))
    res = _run("xrd", "integrate", d / "multi.edf", "--poni", poni, "--frames", "all", "--out", d / "edf", "--json")
    rows = json.loads(res.output)
    totals = [read_pattern(r["output"]).intensity.sum() for r in rows]
    assert np.array(totals) / totals[0] == pytest.approx([1, 2, 3], rel=1e-5)


# -- cakes and texture -----------------------------------------------------------------------

def test_cake_writes_a_readable_nexus_cake(setup):
    d, g, poni = setup
    img = np.random.default_rng(1).poisson(ring_image(g)).astype(np.float32)
    fabio.edfimage.EdfImage(data=img).write(str(d / "powder.edf"))
    res = _run("xrd", "cake", d / "powder.edf", "--poni", poni, "--polarization", 0.0, "--out", d / "cakes", "--json")
    assert res.exit_code == 0, res.output
    row = json.loads(res.output)[0]
    assert row["quality"] == "ok" and (d / "cakes" / "powder_cake.png").is_file()
    with h5py.File(row["output"], "r") as h:
        nxdata = h[h.attrs["default"]][h["entry"].attrs["default"]]
        signal = nxdata[nxdata.attrs["signal"]][()]
        axes = [a.decode() if isinstance(a, bytes) else a for a in nxdata.attrs["axes"]]
        assert signal.shape == (nxdata[axes[0]].size, nxdata[axes[1]].size)
        assert min(signal.shape) >= 72
        assert nxdata["twotheta"].attrs["units"] == "degrees"
    found = [r["twotheta_deg"] for r in row["rings"]]
    assert len(found) == 5 and all(r["label"] == "uniform" for r in row["rings"])


@pytest.mark.parametrize("weight,label,low", [
    (lambda chi: np.ones_like(chi), "uniform", None),
    (lambda chi: 1 + 0.5 * np.cos(2 * chi), "textured", 0.8),
])
def test_texture_index_uniform_and_preferred_orientation(setup, weight, label, low):
    _, g, _ = setup
    img = np.random.default_rng(2).poisson(ring_image(g, azimuth_weight=weight) * 4).astype(float)
    rings = ring_texture(cake_image(Integrator(g), img, azimuth_bins=180))
    strong = [r for r in rings if abs(r.position - 8.1) < 0.1]
    assert strong and strong[0].label == label
    if low is not None:
        # ring intensity 1 + 0.5 cos 2χ: coefficient of variation 0.5/√2 = 0.354
        assert strong[0].texture_index == pytest.approx(0.354, abs=0.05)
        assert strong[0].low_order_fraction > low
    else:
        assert strong[0].texture_index < 0.1


def test_texture_index_sees_spotty_rings(setup):
    _, g, _ = setup
    rng = np.random.default_rng(4)
    base = ring_image(g, rings=[])
    ai = g.azimuthal_integrator()
    tth = np.degrees(ai.center_array(g.shape, unit="2th_rad"))
    chi = ai.center_array(g.shape, unit="chi_rad")
    grains = np.zeros_like(base)
    for c in rng.uniform(-np.pi, np.pi, 40):  # 40 coarse grains on the 8.1° ring
        grains += 3000 * np.exp(-0.5 * ((tth - 8.1) / 0.04) ** 2) * np.exp(-0.5 * ((chi - c) / 0.02) ** 2)
    img = rng.poisson(base + grains + ring_image(g, background=0.0, rings=[(8.1, 100.0, 0.04)])).astype(float)
    rings = ring_texture(cake_image(Integrator(g), img))
    ring = [r for r in rings if abs(r.position - 8.1) < 0.1]
    assert ring and ring[0].label == "spotty" and ring[0].texture_index > 1.0


# -- corrections -------------------------------------------------------------------------------

def test_dark_flat_and_fitted_background(setup):
    d, g, _ = setup
    rng = np.random.default_rng(9)
    sample = ring_image(g, background=0.0)
    empty = 50.0 + 30.0 * np.exp(-((np.indices(g.shape)[1] - 160) / 80.0) ** 2)  # cell scattering
    dark = np.full(g.shape, 20.0)
    flat = rng.uniform(0.9, 1.1, g.shape)
    image = rng.poisson((sample + 0.6 * empty) * flat + dark).astype(float)
    bg_image = rng.poisson(empty * flat + dark).astype(float)
    truth = Integrator(g).integrate(sample)
    fitted = Integrator(g, dark=dark, flat=flat, background=bg_image)
    p = fitted.integrate(image)
    assert p.metadata["background_scale"] == pytest.approx(0.6, abs=0.03)
    assert p.metadata["quality_notes"] == []
    y = _on_grid(p, truth.x)
    assert np.max(np.abs(y - truth.intensity)) < 0.05 * truth.intensity.max()
    fixed = Integrator(g, dark=dark, flat=flat, background=bg_image, background_scale=2.0).integrate(image)
    assert fixed.metadata["background_scale"] == 2.0
    assert fixed.metadata["quality_notes"]  # over-subtracted: said so


def test_fit_background_scale_leaves_out_sample_peaks():
    x = np.linspace(2, 20, 500)
    bg = 100 + 20 * np.sin(x / 3)
    peaks = 400 * np.exp(-0.5 * ((x - 8) / 0.1) ** 2) + 300 * np.exp(-0.5 * ((x - 12) / 0.1) ** 2)
    fit = fit_background_scale(x, 0.8 * bg + peaks, np.ones_like(x), bg, np.ones_like(x))
    assert fit.scale == pytest.approx(0.8, abs=1e-3) and not fit.doubts


def test_shared_options_reach_lattice_and_phases():
    for sub in ("integrate", "cake", "lattice", "phases"):
        out = _run("xrd", sub, "--help").output
        for option in ("--sigma-clip", "--dark", "--flat", "--background-scale", "--polarization",
                       "--no-solid-angle", "--azimuth-range"):
            assert option in out, (sub, option)


def test_azimuth_sector(setup):
    d, g, poni = setup
    img = ring_image(g, azimuth_weight=lambda chi: np.where(np.abs(chi) < np.pi / 4, 2.0, 1.0))
    fabio.edfimage.EdfImage(data=img.astype(np.float32)).write(str(d / "sector.edf"))
    res = _run("xrd", "integrate", d / "sector.edf", "--poni", poni, "--azimuth-range", -30, 30,
               "--out", d / "sector", "--json")
    inside = read_pattern(json.loads(res.output)[0]["output"])
    full = Integrator(g).integrate(img)
    k = np.argmin(np.abs(full.x - 8.1))
    assert _on_grid(inside, full.x[k:k + 1])[0] > 1.5 * full.intensity[k]


def test_pattern_series_is_one_nexus_file(setup):
    from dackit.xrd.frames import write_pattern_series

    d, g, _ = setup
    mu = ring_image(g)
    with h5py.File(d / "series.h5", "w") as h:
        h.create_dataset("entry/data/data", data=np.stack([mu * k for k in (1, 2, 3, 4)]).astype(np.float32),
                         chunks=(1, *g.shape), **hdf5plugin.LZ4())
    info = write_pattern_series(Integrator(g), d / "series.h5", d / "series.nxs", frames="1:4")
    assert info["frames"] == 3
    assert np.array(info["total_intensity"]) / info["total_intensity"][0] == pytest.approx([1, 1.5, 2], rel=1e-5)
    with h5py.File(d / "series.nxs", "r") as h:
        nx = h["entry/patterns"]
        assert nx.attrs["signal"] == "intensity" and nx["intensity"].shape == (3, nx["twotheta"].size)
        assert list(nx["frame"][()]) == [1, 2, 3]


# -- the pipeline --------------------------------------------------------------------------

def test_pipeline_texture_and_frame_series(tmp_path):
    """experiment.toml corrections reach the integration; XRD images get ring textures in
    results.json and the report; an xrd_frames step becomes one NeXus file of patterns."""
    from dackit.experiment.pipeline import run_experiment

    g = geometry()
    write_poni(g, tmp_path / "g.poni")
    rng = np.random.default_rng(8)
    # zinc-blende InP (a = 5.8687 Å) at λ = 0.4066 Å: 111, 200, 220, 311
    inp = [(6.884, 1000.0, 0.04), (7.952, 120.0, 0.04), (11.25, 600.0, 0.045), (13.20, 350.0, 0.045)]
    clean = rng.poisson(ring_image(g, rings=inp)).astype(np.float32)
    fabio.edfimage.EdfImage(data=clean).write(str(tmp_path / "p1.edf"))
    spotty = add_zingers(add_spots(clean, rng), rng).astype(np.float32)
    fabio.edfimage.EdfImage(data=spotty).write(str(tmp_path / "p2.edf"))
    with h5py.File(tmp_path / "scan.h5", "w") as h:
        h.create_dataset("entry/data/data", data=np.stack([clean, 2 * clean, 0 * clean + 1, 3 * clean]),
                         chunks=(1, *g.shape), **hdf5plugin.LZ4())
    (tmp_path / "experiment.toml").write_text(
        'name = "t"\n[xrd]\nponi = "g.poni"\nphases = ["zincblende"]\npolarization = 0.0\nsigma_clip = 3\n')
    (tmp_path / "runsheet.csv").write_text(
        "step,direction,technique,file,pressure_gpa\n1,compression,xrd,p1.edf,1.0\n"
        "2,compression,xrd,p2.edf,2.0\n3,compression,xrd_frames,scan.h5,3.0\n")
    run_experiment(tmp_path / "experiment.toml", tmp_path / "out", workers=1)
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    frames = results["xrd_frames"][0]
    assert frames["frames"] == 4 and "3 of 4" not in " ".join(frames["quality_notes"])
    assert any("frames 2" in n for n in frames["quality_notes"])  # the dark frame is named
    with h5py.File(frames["output"], "r") as h:
        assert h["entry/patterns/intensity"].shape[0] == 4
    texture = results["xrd_texture"]
    assert {r["file"].split("/")[-1] for r in texture} == {"p1.edf", "p2.edf"}
    # sigma_clip from experiment.toml: the spots of p2 do not make its rings spotty
    assert all(r["label"] == "uniform" for r in texture), texture
    report = (tmp_path / "out" / "report.html").read_text()
    assert "texture" in report.lower()
