"""Ruby/Sm gauges on the axes and line shapes real files bring (issue 10).

Raman-shift axes (Raman spectrometers record ruby ~3200 cm⁻¹ from a 568 nm laser), photon
energies, a distorted R1 whose position depends on the estimator, and the reference λ0 a
user did not give. The spectra are built here with numpy line shapes, not with
``simulate_ruby`` (which shares the fit's assumptions).
"""
import numpy as np
import pytest

from cli_helpers import run_json
from dackit.core import lineshapes
from dackit.core.spectrum import make_spectrum
from dackit.errors import InputError
from dackit.gauge.ruby import fit_ruby, pressure_from_r1, r2_from_r1, reference_from_spectrum
from dackit.gauge.sm import fit_sm
from dackit.io import read_spectrum

LASER = 568.189


def doublet(r1, *, w1=0.6, w2=0.6, shoulder=0.0, offset=0.0, step=0.02, counts=2e4, base=300.0, seed=0):
    """R1/R2 pseudo-Voigts (η = 0.5) on a flat base, Poisson + read noise; ``shoulder`` adds a
    second R1 component of that relative height ``offset`` nm away (a second grain or a
    stress gradient)."""
    rng = np.random.default_rng(seed)
    x = np.arange(r1 - 12, r1 + 10, step)
    r2 = float(r2_from_r1(r1))
    mean = (counts * lineshapes.pseudo_voigt(x, 1.0, r1, w1, 0.5)
            + counts * 0.6 * lineshapes.pseudo_voigt(x, 1.0, r2, w2, 0.5)
            + counts * shoulder * lineshapes.pseudo_voigt(x, 1.0, r1 + offset, w1, 0.5) + base)
    return x, rng.poisson(mean).astype(float) + rng.normal(0, 5, x.size)


def test_headerless_raman_shift_axis_needs_the_laser(tmp_path):
    """An axis of 3000-3400 with no header is no wavelength: refused, naming --laser-nm;
    with the laser it is read as a Raman shift and R1 comes back where it was put."""
    x, y = doublet(695.0)
    shift = 1e7 / LASER - 1e7 / x
    f = tmp_path / "ruby_raman.txt"
    np.savetxt(f, np.c_[shift, y])
    s = read_spectrum(f)
    with pytest.raises(InputError, match="--laser-nm"):
        fit_ruby(s)
    r = fit_ruby(s, laser_nm=LASER)
    assert r.r1_nm == pytest.approx(695.0, abs=0.005)
    assert r.quality == "ok"
    assert any("Raman shift" in n for n in r.verdict.notes)
    # a wrong laser puts the axis nowhere near ruby: a clean error, not a number
    with pytest.raises(InputError, match="laser"):
        fit_ruby(s, laser_nm=405.0)


def test_declared_raman_shift_uses_the_given_laser_over_none():
    x, y = doublet(697.0)
    s = make_spectrum(1e7 / 532.0 - 1e7 / x, y, x_unit="raman_cm-1")
    with pytest.raises(InputError, match="--laser-nm"):
        fit_ruby(s)
    assert fit_ruby(s, laser_nm=532.0).r1_nm == pytest.approx(697.0, abs=0.005)


def test_photon_energy_axis_is_converted():
    x, y = doublet(700.0)
    ev = 1239.841984 / x
    r = fit_ruby(make_spectrum(ev, y, x_unit="eV"))
    assert r.r1_nm == pytest.approx(700.0, abs=0.005)


def test_sm_line_on_a_raman_axis():
    rng = np.random.default_rng(3)
    lam = np.arange(680.0, 700.0, 0.02)
    y = rng.poisson(1e4 * lineshapes.pseudo_voigt(lam, 1.0, 687.5, 0.25, 0.5) + 200).astype(float)
    s = make_spectrum(1e7 / 532.0 - 1e7 / lam, y, x_unit="raman_cm-1")
    assert fit_sm(s, laser_nm=532.0).line_nm == pytest.approx(687.5, abs=0.005)


@pytest.mark.parametrize("offset", [-0.5, 0.6])
def test_distorted_r1_is_doubtful_symmetric_is_not(offset):
    """A shoulder (as on hezy/ruby-luminescence's 6.6 GPa spectra) moves R1's maximum away
    from the centre of a symmetric fit: which one is "R1" changes P by more than 0.05 GPa,
    so the number cannot be ok. (A component within the line's width only broadens it: that
    cannot be told from one line and is not tested.)"""
    x, y = doublet(696.0, w1=0.8, w2=0.8, shoulder=0.3, offset=offset)
    r = fit_ruby(make_spectrum(x, y))
    assert r.quality == "doubtful"
    assert any("R1 distorted" in n for n in r.verdict.notes)
    x, y = doublet(696.0, w1=0.8, w2=0.8)
    clean = fit_ruby(make_spectrum(x, y))
    assert clean.quality == "ok" and not any("distorted" in n for n in clean.verdict.notes)


def test_default_reference_is_said_given_one_is_not():
    x, y = doublet(695.0)
    s = make_spectrum(x, y)
    assert any("dackit's default" in n for n in fit_ruby(s).verdict.notes)
    assert not any("dackit's default" in n for n in fit_ruby(s, lambda0_nm=694.20).verdict.notes)


@pytest.fixture(scope="module")
def plain_r1(corpus_optics):
    _, out, _ = run_json("ruby", corpus_optics / "mypgm_Example_Ruby_3.asc")
    return out[0]["r1_nm"]


@pytest.fixture(scope="module")
def corpus_optics():
    from pathlib import Path
    return Path(__file__).parent / "corpus" / "optics"


@pytest.mark.parametrize("layout", ["descending", "wavenumber", "energy", "raman"])
def test_real_spectrum_in_other_axes_gives_the_same_r1(tmp_path, corpus_optics, plain_r1, layout):
    """myPGM's Example_Ruby_3 (real, 5.4 GPa) written as a user's software might export it."""
    s = read_spectrum(corpus_optics / "mypgm_Example_Ruby_3.asc")
    x, y = s.x, s.y
    f = tmp_path / f"ruby_{layout}.txt"
    args = []
    if layout == "descending":
        np.savetxt(f, np.c_[x[::-1], y[::-1]])
    elif layout == "wavenumber":
        np.savetxt(f, np.c_[1e7 / x, y], header="wavenumber (cm-1)\tcounts", comments="")
    elif layout == "energy":
        np.savetxt(f, np.c_[1239.841984 / x, y], header="energy (eV)\tcounts", comments="")
    else:
        np.savetxt(f, np.c_[1e7 / 532.0 - 1e7 / x, y], header="Raman shift (cm-1)\tcounts", comments="")
        args = ["--laser-nm", "532", "--plot", tmp_path / "fig"]
    code, out, err = run_json("ruby", f, *args)
    assert code == 0, err
    if layout == "raman":       # the figure is drawn on the nm axis the fit used
        assert (tmp_path / "fig" / f"ruby_{layout}.png").stat().st_size > 10_000
    # the eV constant of the writer and of dackit may differ in the 7th digit
    assert out[0]["r1_nm"] == pytest.approx(plain_r1, abs=1e-4)
    assert out[0]["quality"] == "ok"


def test_a_file_of_several_spectra_says_which_was_measured(tmp_path, corpus_optics, plain_r1):
    s = read_spectrum(corpus_optics / "mypgm_Example_Ruby_3.asc")
    f = tmp_path / "two_spectra.txt"
    np.savetxt(f, np.c_[s.x, s.y, 0.5 * s.y + 100], header="wavelength (nm)\tpoint_A\tpoint_B", comments="")
    code, out, err = run_json("ruby", f)
    assert code == 0, err
    assert out[0]["r1_nm"] == pytest.approx(plain_r1, abs=1e-9)
    assert any("'point_A' was measured" in n and "point_B" in n for n in out[0]["quality_notes"])


def test_overlapping_doublet_at_30_gpa_with_a_broader_r2():
    """At tens of GPa R2 broadens more than R1 and the two overlap: R1 must still land within
    0.005 nm (0.02 GPa) of where it was put, and a clean spectrum must stay ok."""
    x, y = doublet(702.6, w1=1.2, w2=1.6)
    r = fit_ruby(make_spectrum(x, y))
    assert r.r1_nm == pytest.approx(702.6, abs=0.005)
    assert r.quality == "ok"


@pytest.mark.parametrize("offset_nm", [0.3, 1.0, 6.0])
def test_a_cosmic_spike_does_not_move_r1(offset_nm):
    """One hot pixel (twice the line's height) beside R1, on its flank or far away."""
    x, y = doublet(700.0, w1=1.0, w2=1.3)
    y = y.copy()
    y[np.argmin(np.abs(x - (700.0 + offset_nm)))] += 4e4
    r = fit_ruby(make_spectrum(x, y))
    assert r.r1_nm == pytest.approx(700.0, abs=0.01)


def test_ref_file_cancels_a_spectrometer_offset(tmp_path):
    """A spectrometer reading 0.58 nm short (hezy/ruby-luminescence's reads ambient R1 at
    693.66 nm): with the ambient spectrum of the same setup as --ref-file the pressure is
    right; with the default λ0 it is 1.6 GPa short."""
    offset = -0.58
    r1_true = 694.24 + 2.0                 # 5.5 GPa with λ0 = 694.24 (Ruby2020)
    p_true = float(pressure_from_r1(r1_true))
    files = {}
    for name, r1 in (("ambient", 694.24), ("loaded", r1_true)):
        x, y = doublet(r1, seed=len(name))
        files[name] = tmp_path / f"{name}.txt"
        np.savetxt(files[name], np.c_[x + offset, y])
    code, out, err = run_json("ruby", files["loaded"], "--ref-file", files["ambient"])
    assert code == 0, err
    assert out[0]["pressure_gpa"] == pytest.approx(p_true, abs=0.02)
    assert out[0]["quality"] == "ok"
    assert not any("dackit's default" in n for n in out[0]["quality_notes"])
    _, wrong, _ = run_json("ruby", files["loaded"])
    assert wrong[0]["pressure_gpa"] < p_true - 1.4
    assert any("dackit's default" in n for n in wrong[0]["quality_notes"])


def test_ref_file_must_be_an_ambient_clean_line():
    x, y = doublet(700.0)               # 16 GPa: not a reference
    with pytest.raises(InputError, match="not an ambient"):
        reference_from_spectrum(make_spectrum(x, y))
    x, y = doublet(694.24, w1=0.8, w2=0.8, shoulder=0.3, offset=0.6)
    with pytest.raises(InputError, match="not a clean ambient R1"):
        reference_from_spectrum(make_spectrum(x, y))


def test_cli_refuses_a_bad_ref_file_with_exit_2(tmp_path):
    from cli_helpers import run_dackit
    x, y = doublet(700.0)
    f = tmp_path / "not_ambient.txt"
    np.savetxt(f, np.c_[x, y])
    code, _, err = run_dackit("ruby", f, "--ref-file", f)
    assert code == 2 and "--ref-file" in err and "not an ambient" in err and "Traceback" not in err


def test_experiment_ruby_settings_take_the_laser(tmp_path):
    """`dackit run`: [ruby] laser_nm in experiment.toml reads a Raman-shift ruby file."""
    from dackit.experiment.analyses import analyse_ruby
    from dackit.experiment.description import RubySettings

    x, y = doublet(695.0)
    f = tmp_path / "ruby_raman.txt"
    np.savetxt(f, np.c_[1e7 / LASER - 1e7 / x, y])
    settings = RubySettings(laser_nm=LASER).model_dump()
    assert analyse_ruby(str(f), settings)["r1_nm"] == pytest.approx(695.0, abs=0.005)
    with pytest.raises(InputError, match="laser_nm in experiment.toml"):
        analyse_ruby(str(f), RubySettings().model_dump())


def test_sm_ref_file_takes_the_ambient_line_and_refuses_a_loaded_one(tmp_path):
    from cli_helpers import run_dackit
    from dackit.gauge import sm

    rng = np.random.default_rng(5)
    lam = np.arange(680.0, 700.0, 0.02)
    files = {}
    for name, line in (("ambient", 685.41 - 0.4), ("loaded", 690.0 - 0.4), ("far", 692.0)):
        y = rng.poisson(1e4 * lineshapes.pseudo_voigt(lam, 1.0, line, 0.25, 0.5) + 200).astype(float)
        files[name] = tmp_path / f"sm_{name}.txt"
        np.savetxt(files[name], np.c_[lam, y])
    ref, err = sm.reference_from_spectrum(read_spectrum(files["ambient"]))
    assert ref == pytest.approx(685.01, abs=0.005) and 0 < err < 0.005
    code, out, err_text = run_json("sm", files["loaded"], "--ref-file", files["ambient"])
    assert code == 0, err_text
    assert out[0]["pressure_gpa"] == pytest.approx(float(sm.pressure_from_sm(690.0)), abs=0.03)
    code, _, err_text = run_dackit("sm", files["loaded"], "--ref-file", files["far"])
    assert code == 2 and "not an ambient" in err_text


def test_a_second_ruby_grain_inside_the_window_is_doubtful():
    """Two ruby grains: a strong one at R1 = 696.07 nm (5.0 GPa, Ruby2020) and one at half its
    height at 697.85 nm (10 GPa), whose R2 (696.43 nm) sits on the first R1 and pulls it red by
    ~0.03 nm (0.1 GPa). The second R1 lies inside the fit window, unmodelled: the misfit there
    must make the result doubtful (it was 5.10 GPa 'ok' with χ²_ν 0.98, since the noise model
    absorbed the residual). With the grain alone the same fit is ok and within 0.05 GPa."""
    rng = np.random.default_rng(3)
    x = np.arange(680.0, 720.0, 0.03)

    def grain(r1):
        return (1e4 * lineshapes.pseudo_voigt(x, 1.0, r1, 0.6, 0.6)
                + 6e3 * lineshapes.pseudo_voigt(x, 1.0, float(r2_from_r1(r1)), 0.6, 0.6))

    r1a, r1b = 696.0691, 697.8465   # 5.0 and 10.0 GPa on shen2020 with λ0 = 694.24 nm
    alone = fit_ruby(make_spectrum(x, rng.poisson(grain(r1a) + 300).astype(float), source="a"))
    assert alone.quality == "ok" and abs(alone.pressure_gpa - 5.0) < 0.05
    two = fit_ruby(make_spectrum(x, rng.poisson(grain(r1a) + 0.5 * grain(r1b) + 300).astype(float),
                                 source="two"))
    assert two.quality == "doubtful"
    assert any("697.8" in n and "second ruby grain" in n for n in two.quality_notes), two.quality_notes


def _sm_spectrum(lines, *, lo=500.0, hi=800.0, step=0.03, seed=6):
    """Narrow pseudo-Voigt lines [(centre nm, height counts, FWHM nm)] on a 300-count base."""
    rng = np.random.default_rng(seed)
    x = np.arange(lo, hi, step)
    mean = 300.0 + sum(h * lineshapes.pseudo_voigt(x, 1.0, c, w, 0.5) for c, h, w in lines)
    return make_spectrum(x, rng.poisson(mean).astype(float), source="sm.txt")


def test_sm_gauge_given_a_ruby_doublet_is_doubtful():
    """A ruby spectrum at ambient handed to the Sm gauge read R1 (694.24 nm) as the Sm 0-0 line
    at 30 GPa, 'ok'. The Sm line is a singlet: a line 29.7 cm⁻¹ to its blue at 0.6× is R2."""
    sm_line = 688.0
    alone = fit_sm(_sm_spectrum([(sm_line, 2e4, 0.3)]))
    assert alone.quality == "ok", alone.quality_notes
    r1 = 694.24
    ruby = fit_sm(_sm_spectrum([(r1, 2e4, 0.5), (float(r2_from_r1(r1)), 1.2e4, 0.5)]))
    assert ruby.quality == "doubtful" and any("ruby" in n for n in ruby.quality_notes), ruby.quality_notes


def test_sm_gauge_in_a_line_rich_emission_spectrum_is_doubtful():
    """A plasma (LIBS) spectrum has a line in the Sm range and many stronger ones elsewhere
    (sif_parser's boron echelle file gave 92 GPa 'ok'); a Sm spectrum with a laser leak and a
    diamond Raman line stronger than the 0-0 line stays ok."""
    sm_line = (688.0, 2e4, 0.3)
    leaks = [(532.0, 8e4, 0.2), (572.5, 3e4, 0.3)]
    ok = fit_sm(_sm_spectrum([sm_line, *leaks]))
    assert ok.quality == "ok", ok.quality_notes
    plasma = [(656.3, 9e4, 0.2), (777.2, 2e5, 0.2), (746.9, 6e4, 0.2), (742.4, 3e4, 0.2), (589.0, 5e4, 0.2)]
    libs = fit_sm(_sm_spectrum([(715.8, 2e4, 0.3), *plasma]))
    assert libs.quality == "doubtful"
    assert any("line-rich emission" in n for n in libs.quality_notes), libs.quality_notes


def test_real_plasma_and_ruby_spectra_given_to_the_sm_gauge_are_doubtful(corpus_optics):
    """Real files of the wrong kind for `dackit sm`: sif_parser's LIBS echelle spectrum (was
    92 GPa 'ok') and a ruby spectrum of pRuby (was 33.8 GPa, doubtful only by accident)."""
    from pathlib import Path

    libs = fit_sm(read_spectrum(Path(__file__).parent / "corpus/formats/andor_sif_libs_boron_echelle.sif"))
    assert libs.quality == "doubtful" and any("line-rich" in n for n in libs.quality_notes)
    ruby = fit_sm(read_spectrum(corpus_optics / "pruby_test_data1.txt"))
    assert ruby.quality == "doubtful" and any("ruby R1/R2 doublet" in n for n in ruby.quality_notes)


def test_two_grains_with_a_flat_r1_top_are_doubtful():
    """Grains at 5.0 and 6.5 GPa (Ruby2020, λ0 694.24 nm), the second at 0.8× the height,
    0.03 nm per point: the four lines fit as one broad doublet whose R1 top refit lands at
    4.88 ± 0.44 GPa, below both grains; it was 'ok' (only errors ≥ 0.5 GPa were doubtful)."""
    rng = np.random.default_rng(1)
    x = np.linspace(680.0, 720.0, 1340)

    def grain(r1, h):
        return h * (lineshapes.pseudo_voigt(x, 1.0, r1, 0.6, 0.6)
                    + 0.6 * lineshapes.pseudo_voigt(x, 1.0, float(r2_from_r1(r1)), 0.6, 0.6))

    r1a, r1b = 696.0691, 696.6077      # 5.0 and 6.5 GPa
    r = fit_ruby(make_spectrum(x, rng.poisson(grain(r1a, 1e4) + grain(r1b, 8e3) + 300).astype(float),
                               source="two"))
    if abs(r.pressure_gpa - 5.0) > 0.05 and abs(r.pressure_gpa - 6.5) > 0.05:
        assert r.quality == "doubtful", (r.pressure_gpa, r.pressure_gpa_err, r.quality_notes)
