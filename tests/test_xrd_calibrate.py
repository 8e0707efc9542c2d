"""Automatic calibration from calibrant images: the real Dioptas CeO2 Pilatus image against
Dioptas' own PONI, pyFAI-simulated LaB6 images with random geometry, orientation handling,
and adversarial inputs (wrong calibrant, no rings, bad arguments)."""
import json

import numpy as np
import pytest

from cli_helpers import run_dackit
from dackit.errors import DackitError, FitError, InputError
from dackit.io.images import read_image
from dackit.io.patterns import read_pattern
from dackit.xrd.calibrate import calibrant_rings, calibrate, wavelength_from
from dackit.xrd.geometry import Geometry, read_poni
from dackit.xrd.integrate import Integrator

LAM = 0.4066
KEYS = {"file", "poni", "distance_mm", "poni1_mm", "poni2_mm", "rot1_rad", "rot2_rad", "rot3_rad",
        "wavelength_a", "rings", "rms_deg", "quality", "quality_notes"}


def tth_map(ai, shape):
    return np.degrees(ai.center_array(shape, unit="2th_rad", scale=False))


def fake_image(calibrant, *, detector, dist, poni1, poni2, rot1, rot2, wavelength_a=LAM, seed=0,
               imax=1000.0, bg=50.0, fwhm_deg=0.03, noise=True):
    """A calibrant image rendered by pyFAI (not by dackit's simulator) with Poisson noise;
    masked detector pixels set to -1 as a Pilatus writes them."""
    from pyFAI.calibrant import get_calibrant
    from pyFAI.integrator.azimuthal import AzimuthalIntegrator

    ai = AzimuthalIntegrator(dist=dist, poni1=poni1, poni2=poni2, rot1=rot1, rot2=rot2, rot3=0.0,
                             detector=detector, wavelength=wavelength_a * 1e-10)
    cal = get_calibrant(calibrant)
    cal.wavelength = wavelength_a * 1e-10
    img = cal.fake_calibration_image(ai, Imax=imax, Imin=bg, resolution=fwhm_deg)
    if noise:
        img = np.random.default_rng(seed).poisson(np.clip(img, 0, None)).astype(float)
    if detector.mask is not None:
        img[detector.mask.astype(bool)] = -1
    return img, ai


# -- the real CeO2 image, calibrated once through the CLI ------------------------------------

@pytest.fixture(scope="module")
def ceo2_cli(real_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("cal") / "ceo2.poni"
    image = real_data / "dioptas" / "CeO2_Pilatus1M.tif"
    code, text, err = run_dackit("xrd", "calibrate", str(image), "--calibrant", "ceo2", "--wavelength", "0.4066",
                                 "--detector", "PILATUS1M", "--out", str(out), "--json")
    assert code == 0, err
    return image, out, json.loads(text)


def test_ceo2_pilatus_reproduces_dioptas_2theta_map(ceo2_cli, real_data):
    """Every pixel's 2θ within 0.01° (median) and 0.03° (max) of Dioptas' own calibration.

    Dioptas calibrated this image shown upside down and wrote a PONI without orientation;
    its 2θ map of the image as stored is that of the flipped geometry (orientation 2)."""
    image, poni, row = ceo2_cli
    shape = read_image(image).shape
    ref = read_poni(real_data / "dioptas" / "CeO2_Pilatus1M.poni").with_shape(shape).flipped_ud()
    mine = read_poni(poni)
    diff = np.abs(tth_map(mine.azimuthal_integrator(), shape) - tth_map(ref.azimuthal_integrator(), shape))
    assert np.median(diff) < 0.01 and diff.max() < 0.03, (np.median(diff), diff.max())
    assert row["distance_mm"] == pytest.approx(ref.dist_m * 1e3, abs=0.5)
    assert row["quality"] == "ok" and row["rings"] >= 12 and row["rms_deg"] < 0.02


def test_cli_json_poni_and_figure(ceo2_cli):
    image, poni, row = ceo2_cli
    assert set(row) == KEYS
    assert row["file"] == str(image) and row["poni"] == str(poni) and row["wavelength_a"] == pytest.approx(LAM)
    assert row["rot3_rad"] == 0.0
    assert poni.with_suffix(".png").stat().st_size > 10_000
    g = read_poni(poni)
    assert (g.detector, g.orientation, g.shape) == ("Pilatus1M", 3, (1043, 981))
    assert g.dist_m * 1e3 == pytest.approx(row["distance_mm"], rel=1e-9)


def test_written_poni_integrates_like_dioptas_without_flip(ceo2_cli, real_data, tmp_path):
    """`xrd integrate IMAGE --poni OUT` (no --flip-ud) gives Dioptas' own pattern of the image."""
    image, poni, _ = ceo2_cli
    ref = read_pattern(real_data / "dioptas" / "CeO2_Pilatus1M.xy")
    code, text, err = run_dackit("xrd", "integrate", str(image), "--poni", str(poni), "--bins", str(ref.x.size),
                                 "--out", str(tmp_path), "--json")
    assert code == 0, err
    p = read_pattern(tmp_path / "CeO2_Pilatus1M.xy")
    r = np.corrcoef(np.interp(ref.x, p.x, p.intensity), ref.intensity)[0, 1]
    assert r > 0.99
    # the strongest ring lands where Dioptas puts it, within a pixel's angle
    assert abs(p.x[np.argmax(p.intensity)] - ref.x[np.argmax(ref.intensity)]) < 0.05


# -- simulated LaB6 with random geometry ----------------------------------------------------

@pytest.mark.parametrize("seed,noise", [(11, True), (12, False)])
def test_simulated_lab6_random_geometry(seed, noise):
    """Random distance 150–400 mm, centre within the middle 30 % of a Pilatus 1M, tilts up to
    3°: the 2θ of every pixel within 0.005° (median) and 0.02° (max) of the truth. Without
    noise the image is pyFAI's default rendering (peak 1, no background: not counts)."""
    from pyFAI.detectors import detector_factory

    rng = np.random.default_rng(seed)
    det = detector_factory("Pilatus1M")
    img, ai = fake_image("LaB6", detector=det, dist=rng.uniform(0.15, 0.40),
                         poni1=rng.uniform(0.35, 0.65) * 1043 * 172e-6, poni2=rng.uniform(0.35, 0.65) * 981 * 172e-6,
                         rot1=rng.uniform(-0.05, 0.05), rot2=rng.uniform(-0.05, 0.05), seed=seed,
                         noise=noise, **({} if noise else {"imax": 1.0, "bg": 0.0}))
    c = calibrate(img, "LaB6", wavelength_a=LAM, detector="Pilatus1M")
    diff = np.abs(tth_map(c.geometry.azimuthal_integrator(), img.shape) - tth_map(ai, img.shape))
    assert np.median(diff) < 0.005 and diff.max() < 0.02, (np.median(diff), diff.max())
    assert c.quality == "ok", c.quality_notes
    assert c.geometry.dist_m == pytest.approx(ai.dist, rel=2e-3)


def test_lab6_beam_near_the_edge_and_4_7_degree_tilt():
    """Beam 16 pixels below the top edge, 4.7° tilt, a background of about one count: only
    arcs of strongly elliptical rings."""
    from pyFAI.detectors import detector_factory

    det = detector_factory("Pilatus1M")
    img, ai = fake_image("LaB6", detector=det, dist=0.1902, poni1=0.01798, poni2=0.04611, rot1=-0.0211,
                         rot2=-0.0797, imax=200.0, bg=1.0, fwhm_deg=0.02, seed=25)
    c = calibrate(img, "LaB6", wavelength_a=LAM, detector="Pilatus1M")
    diff = np.abs(tth_map(c.geometry.azimuthal_integrator(), img.shape) - tth_map(ai, img.shape))
    assert np.median(diff) < 0.005 and diff.max() < 0.02, (np.median(diff), diff.max())


def test_orientation_2_detector_from_dioptas_marccd_poni(real_data):
    """An image whose calibration is stored with detector orientation 2 (Dioptas' LaB6 MarCCD
    PONI, here on a 2×2-binned 1024² frame): the calibration of the image as stored reproduces
    the 2θ map of that PONI."""
    from pyFAI.detectors import Detector

    ref = read_poni(real_data / "dioptas" / "LaB6_40keV_MarCCD_new_with_orientation.poni")
    assert ref.orientation == 2
    det = Detector(pixel1=158e-6, pixel2=158e-6, max_shape=(1024, 1024), orientation=2)
    img, ai = fake_image("LaB6", detector=det, dist=ref.dist_m, poni1=ref.poni1_m, poni2=ref.poni2_m,
                         rot1=ref.rot1, rot2=ref.rot2, wavelength_a=ref.wavelength_a, seed=3)
    c = calibrate(img, "lab6", energy_kev=12.398419843320026 / ref.wavelength_a, pixel_um=158)
    diff = np.abs(tth_map(c.geometry.azimuthal_integrator(), img.shape) - tth_map(ai, img.shape))
    assert np.median(diff) < 0.005 and diff.max() < 0.02
    # integrating the stored image with the written geometry puts LaB6 (110) at its Bragg angle
    pattern = Integrator(c.geometry, bins=2000).integrate(img)
    window = np.abs(pattern.x - calibrant_rings("LaB6", ref.wavelength_a)[1]) < 0.3
    peak = pattern.x[window][np.argmax(pattern.intensity[window])]
    assert abs(peak - calibrant_rings("LaB6", ref.wavelength_a)[1]) < c.geometry.pixel_angle_deg


# -- doubtful or refused ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_ceo2():
    from pyFAI.detectors import Detector

    det = Detector(pixel1=172e-6, pixel2=172e-6, max_shape=(600, 600))
    return fake_image("CeO2", detector=det, dist=0.12, poni1=0.052, poni2=0.049, rot1=0.02, rot2=-0.01, seed=5)


def test_small_ceo2_ok_and_case_insensitive(small_ceo2):
    img, ai = small_ceo2
    c = calibrate(img, "cEo2", wavelength_a=LAM, pixel_um=172, distance_mm=110)
    assert c.quality == "ok", c.quality_notes
    assert c.geometry.dist_m == pytest.approx(0.12, rel=2e-3)
    assert set(c.to_dict()) == KEYS - {"poni"}


@pytest.mark.parametrize("wrong", ["Si", "Au", "LaB6"])
def test_wrong_calibrant_is_doubtful_or_refused(small_ceo2, wrong):
    """Si shares CeO2's fcc lattice within 0.4 % (its rings are a subset): the unexplained
    CeO2 (200)/(222) rings must make it doubtful; Au and LaB6 match few rings."""
    img, _ = small_ceo2
    try:
        c = calibrate(img, wrong, wavelength_a=LAM, pixel_um=172)
    except FitError:
        return
    assert c.quality == "doubtful"


def test_few_rings_is_doubtful_or_refused():
    """At 1.5 m only the first rings of CeO2 reach a small detector."""
    from pyFAI.detectors import Detector

    det = Detector(pixel1=172e-6, pixel2=172e-6, max_shape=(400, 400))
    img, _ = fake_image("CeO2", detector=det, dist=1.1, poni1=0.034, poni2=0.035, rot1=0.0, rot2=0.0, seed=2)
    try:
        c = calibrate(img, "CeO2", wavelength_a=LAM, pixel_um=172)
    except FitError:
        return
    assert c.rings < 4 and c.quality == "doubtful"


def test_noise_only_image_is_a_fit_error():
    img = np.random.default_rng(0).poisson(50.0, (500, 500)).astype(float)
    with pytest.raises(FitError, match="no CeO2 ring"):
        calibrate(img, "CeO2", wavelength_a=LAM, pixel_um=172)


@pytest.mark.parametrize("kwargs,match", [
    (dict(calibrant="unobtainium", wavelength_a=LAM, pixel_um=172), "calibrant 'unobtainium' is unknown"),
    (dict(calibrant="CeO2", wavelength_a=LAM, detector="NoSuchDetector"), "unknown to pyFAI"),
    (dict(calibrant="CeO2", pixel_um=172), "wavelength is needed"),
    (dict(calibrant="CeO2", wavelength_a=4.066e-11, pixel_um=172), "implausible"),
    (dict(calibrant="CeO2", wavelength_a=LAM, energy_kev=30.0, pixel_um=172), "not both"),
    (dict(calibrant="CeO2", wavelength_a=LAM), "give the detector"),
    (dict(calibrant="CeO2", wavelength_a=LAM, detector="Pilatus1M"), "differs from the Pilatus1M shape"),
    (dict(calibrant="CeO2", wavelength_a=LAM, pixel_um=172, distance_mm=1e6), "distance guess"),
])
def test_bad_arguments_are_input_errors(small_ceo2, kwargs, match):
    img, _ = small_ceo2
    with pytest.raises(InputError, match=match):
        calibrate(img, **kwargs)


def test_energy_and_wavelength_agree():
    assert wavelength_from(energy_kev=30.0) == pytest.approx(12.398419843320026 / 30.0)
    assert wavelength_from(wavelength_a=0.4066) == 0.4066


def test_cli_errors_are_messages_not_tracebacks(tmp_path, small_ceo2):
    img, _ = small_ceo2
    path = tmp_path / "img.npy"
    np.save(path, img)
    tif = tmp_path / "img.tif"
    import fabio

    fabio.tifimage.TifImage(data=img.astype(np.float32)).write(str(tif))
    for args, match in [
        (["--calibrant", "CeO2", "--pixel-um", "172"], "wavelength is needed"),
        (["--calibrant", "nope", "--wavelength", "0.4066", "--pixel-um", "172"], "unknown"),
        (["--calibrant", "CeO2", "--wavelength", "0.4066", "--detector", "zzz"], "unknown to pyFAI"),
    ]:
        code, _, err = run_dackit("xrd", "calibrate", str(tif), *args, "--out", str(tmp_path / "x.poni"), "--json")
        assert code == 2 and match in err and "Traceback" not in err, err
    code, _, err = run_dackit("xrd", "calibrate", str(tmp_path / "missing.tif"), "--calibrant", "CeO2",
                              "--wavelength", "0.4066", "--pixel-um", "172", "--out", str(tmp_path / "x.poni"))
    assert code == 2 and "missing.tif" in err and "Traceback" not in err
    code, _, err = run_dackit("xrd", "calibrate", str(tif), "--calibrant", "CeO2", "--wavelength", "0.4066",
                              "--pixel-um", "172", "--out", str(tmp_path / "x.txt"))
    assert code == 2 and ".poni" in err


def test_help_has_an_example():
    code, text, _ = run_dackit("xrd", "calibrate", "--help")
    assert code == 0 and "Example" in text and "--calibrant" in text


def test_geometry_of_a_calibration_round_trips_through_poni(small_ceo2, tmp_path):
    from dackit.xrd.geometry import write_poni

    img, _ = small_ceo2
    c = calibrate(img, "CeO2", wavelength_a=LAM, pixel_um=172)
    back = read_poni(write_poni(c.geometry, tmp_path / "c.poni"))
    assert isinstance(back, Geometry) and back.dist_m == pytest.approx(c.geometry.dist_m, rel=1e-12)
    assert isinstance(c.stderr["dist_m"], float) and c.stderr["dist_m"] < 1e-4


def test_errors_are_dackit_errors():
    assert issubclass(FitError, DackitError) and issubclass(InputError, DackitError)


# -- the pipeline: calibrant_image instead of poni ------------------------------------------

def test_pipeline_calibrates_once_and_records_the_geometry(small_ceo2, tmp_path, monkeypatch):
    import fabio

    from dackit.experiment import calibration
    from dackit.experiment.pipeline import run_experiment

    img, ai = small_ceo2
    folder = tmp_path / "exp"
    (folder / "xrd").mkdir(parents=True)
    fabio.tifimage.TifImage(data=img.astype(np.float32)).write(str(folder / "xrd" / "cal.tif"))
    fabio.tifimage.TifImage(data=img.astype(np.float32)).write(str(folder / "xrd" / "s0.tif"))
    (folder / "runsheet.csv").write_text("step,direction,technique,file,pressure_gpa\n"
                                         "0,compression,xrd,xrd/s0.tif,0.0\n")
    (folder / "experiment.toml").write_text(
        '[xrd]\nwavelength_a = 0.4066\ncalibrant_image = "xrd/cal.tif"\ncalibrant = "CeO2"\n'
        'pixel_um = 172\nphases = ["ceo2"]\n')
    calibration._MEMO.clear()
    run_experiment(folder / "experiment.toml", tmp_path / "out", report=False)
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    method = results["provenance"]["files"][0]["method"]
    assert method["calibration"]["quality"] == "ok" and method["calibration"]["calibrant"] == "CeO2"
    assert method["geometry"]["dist_m"] == pytest.approx(0.12, rel=2e-3)
    assert list((folder / ".dackit").glob("calibration-*.json"))
    row = results["xrd"][0]
    # the sample is CeO2 itself: its lattice parameter comes back through the calibrated geometry
    assert row["a_angstrom"] == pytest.approx(5.41165, abs=0.002) and row["quality"] == "ok"
    # a second run (new process: memo empty) reads the cached calibration instead of recalibrating
    calibration._MEMO.clear()

    def boom(*a, **k):
        raise AssertionError("recalibrated")

    monkeypatch.setattr("dackit.xrd.calibrate.calibrate_image", boom)
    run_experiment(folder / "experiment.toml", tmp_path / "out2", report=False)
    again = json.loads((tmp_path / "out2" / "results.json").read_text())
    assert again["provenance"]["files"][0]["method"]["geometry"] == method["geometry"]


@pytest.mark.parametrize("extra,match", [
    ('poni = "x.poni"\n', "not both"),
    ("", None),
])
def test_experiment_toml_calibrant_image_rules(tmp_path, extra, match):
    from dackit.errors import ConfigError
    from dackit.experiment.description import load_experiment

    (tmp_path / "cal.tif").write_bytes(b"x")
    (tmp_path / "x.poni").write_text("")
    (tmp_path / "runsheet.csv").write_text("step,direction,technique,file,pressure_gpa\n")
    toml = tmp_path / "experiment.toml"
    toml.write_text('[xrd]\nwavelength_a = 0.4066\ncalibrant_image = "cal.tif"\n' + extra)
    with pytest.raises(ConfigError, match=match or "needs calibrant"):
        load_experiment(toml)
