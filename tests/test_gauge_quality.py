"""Ruby and Sm gauges: unit words vs numbers, shared vs free widths, and the quality verdict.

The synthetic spectra here are built with numpy line shapes, not with ``simulate_ruby``
(which gives R1 and R2 the same width — the very assumption under test).
"""
import numpy as np
import pytest

from dackit.core import lineshapes
from dackit.core.spectrum import make_spectrum
from dackit.errors import InputError
from dackit.gauge.ruby import fit_ruby, r2_from_r1
from dackit.gauge.sm import fit_sm
from dackit.io import read_spectrum


def doublet(r1, *, w1, w2, ratio=0.6, eta1=0.5, eta2=0.5, step=0.02, counts=2e4, base=300.0,
            seed=0, x=None):
    """R1/R2 with their own widths on a flat base, Poisson + read noise."""
    rng = np.random.default_rng(seed)
    r2 = float(r2_from_r1(r1))
    x = np.arange(r1 - 12, r1 + 10, step) if x is None else x
    mean = (counts * lineshapes.pseudo_voigt(x, 1.0, r1, w1, eta1)
            + counts * ratio * lineshapes.pseudo_voigt(x, 1.0, r2, w2, eta2) + base)
    return x, rng.poisson(mean).astype(float) + rng.normal(0, 5, x.size)


def test_nm_file_with_raman_shift_header_is_read_as_nm(tmp_path, real_data):
    """Issue 10: a header comment saying "Raman shift" must not override 650–750 nm numbers."""
    src = real_data / "pruby" / "test_data1.txt"
    plain = fit_ruby(read_spectrum(src))
    f = tmp_path / "ruby_raman_header.txt"
    f.write_text("# Ruby fluorescence, recorded on the Raman shift spectrometer\n" + src.read_text())
    s = read_spectrum(f)
    assert s.x_unit == "raman_cm-1"            # the reader believes the header...
    r = fit_ruby(s)                             # ...the gauge believes the numbers
    assert r.r1_nm == pytest.approx(plain.r1_nm, abs=1e-9)
    assert any("Raman shift" in n and "read as nm" in n for n in r.verdict.notes)
    assert r.quality == "ok"


def test_true_wavenumber_axis_still_converted():
    x, y = doublet(700.0, w1=0.6, w2=0.6)
    nu = 1e7 / x
    r = fit_ruby(make_spectrum(nu[::-1], y[::-1], x_unit="cm-1"))
    assert r.r1_nm == pytest.approx(700.0, abs=0.01)


def test_raman_shift_far_from_ruby_is_refused():
    x = np.linspace(100, 3000, 2000)
    y = 100 + 1e4 * lineshapes.gaussian(x, 1.0, 1332.0, 3.0)
    with pytest.raises(InputError, match="raman_cm-1"):
        fit_ruby(make_spectrum(x, y, x_unit="raman_cm-1", source="diamond.txt"))


def test_raman_shift_with_laser_is_converted():
    lam = np.arange(688.0, 712.0, 0.02)
    _, y = doublet(700.0, w1=0.6, w2=0.6, x=lam)
    laser = 532.0
    shift = 1e7 / laser - 1e7 / lam
    s = make_spectrum(shift, y, x_unit="raman_cm-1", metadata={"laser_nm": laser})
    assert fit_ruby(s).r1_nm == pytest.approx(700.0, abs=0.01)


def test_free_widths_chosen_when_r2_is_broader_at_high_pressure():
    """Issue 10: at ~14 GPa a shared width biases R1; the data must choose free widths."""
    r1 = 699.44                                   # ≈ 14 GPa
    x, y = doublet(r1, w1=0.8, w2=1.6, ratio=0.55, seed=3)
    r = fit_ruby(make_spectrum(x, y, source="hp.txt"))
    assert r.model == "free-width"
    assert any("own widths" in n for n in r.verdict.notes)
    assert r.r1_nm == pytest.approx(r1, abs=0.005)
    assert r.quality == "ok"
    # the bias the model choice removes is real: a forced shared-width fit is off
    from dackit.core.fitting import fit_batch
    from dackit.gauge.ruby import MODEL
    p0 = [1.9e4, r1, 1e4, r1 - 1.5, 1.0, 0.5, 300, 0]
    shared = fit_batch([x], [y], MODEL, np.array([p0]), window=np.array([[r1 - 6, r1 + 5]]))[0]
    assert abs(shared.params["center0"] - r1) > 0.01


def test_shared_width_kept_when_widths_are_equal():
    x, y = doublet(694.24, w1=0.55, w2=0.55, seed=5)
    r = fit_ruby(make_spectrum(x, y))
    assert r.model == "shared-width"
    assert r.r1_nm == pytest.approx(694.24, abs=0.005)
    assert r.quality == "ok"


def test_asymmetric_r1_reported_at_its_maximum():
    """A red tail (stress gradient) moves a symmetric fit's centre off the maximum."""
    rng = np.random.default_rng(2)
    x = np.arange(688, 704, 0.02)
    line = lineshapes.pseudo_voigt(x, 1.0, 696.0, 0.6, 0.3) + lineshapes.gaussian(x, 0.35, 696.5, 1.2)
    line += 0.6 * lineshapes.pseudo_voigt(x, 1.0, float(r2_from_r1(696.0)), 0.6, 0.3)
    y = rng.poisson(2e4 * line + 200).astype(float)
    fine = np.linspace(695.5, 696.6, 20001)
    peak = fine[np.argmax(lineshapes.pseudo_voigt(fine, 1.0, 696.0, 0.6, 0.3)
                          + lineshapes.gaussian(fine, 0.35, 696.5, 1.2))]
    r = fit_ruby(make_spectrum(x, y))
    assert r.r1_nm == pytest.approx(peak, abs=0.01)


def test_coarse_unresolved_doublet_is_doubtful():
    """0.77 nm per point (rf2gpa's spectrometer): R1 cannot be located to 0.05 GPa."""
    x = np.arange(650, 750, 0.77)
    _, y = doublet(694.5, w1=0.6, w2=0.6, x=x, seed=1)
    r = fit_ruby(make_spectrum(x, y))
    assert r.quality == "doubtful"
    assert any("not resolved" in n for n in r.verdict.notes)


def test_third_line_gives_doubtful():
    """A strong extra line between R1 and R2 (another Cr site, a second grain) is flagged."""
    x, y = doublet(696.0, w1=0.6, w2=0.6, seed=4)
    y = y + 1.5e4 * lineshapes.pseudo_voigt(x, 1.0, 695.2, 0.5, 0.5)
    r = fit_ruby(make_spectrum(x, y))
    assert r.quality == "doubtful"


def test_pressure_beyond_scale_range_is_doubtful():
    x, y = doublet(730.0, w1=1.5, w2=1.5, seed=6)       # ≈ 97 GPa, beyond piermarini1975's 19.5
    r = fit_ruby(make_spectrum(x, y), scale="piermarini1975")
    assert r.quality == "doubtful"
    assert any("calibrated range" in n for n in r.verdict.notes)


def test_real_spectra_ok(real_data):
    for f in ("pruby/test_data1.txt", "pruby/test_data2.txt", "trax/Ruby.spe", "rubycond_of/Ruby_example.dat"):
        r = fit_ruby(read_spectrum(real_data / f))
        assert r.quality == "ok", (f, r.verdict.notes)
        d = r.to_dict()
        assert d["quality"] == "ok" and isinstance(d["quality_notes"], list) and d["model"]


@pytest.mark.parametrize("kind", ["constant", "quantised"])
def test_flat_spectrum_is_no_line_not_saturated(kind):
    """Issue 17: `sm` called a flat file "saturated"."""
    x = np.linspace(675, 700, 1024)
    noise = np.random.default_rng(0).normal(0, 0.3, x.size)
    y = np.full(x.size, 500.0) if kind == "constant" else np.round(500 + noise)
    for fit in (fit_sm, fit_ruby):
        with pytest.raises(InputError) as exc:
            fit(make_spectrum(x if fit is fit_sm else x + 15, y, source="flat.txt"))
        assert "saturated" not in str(exc.value)
        assert "no " in str(exc.value) and "line" in str(exc.value)


def test_real_saturation_still_named():
    x = np.linspace(675, 700, 1024)
    y = np.minimum(200 + 1e5 * lineshapes.pseudo_voigt(x, 1.0, 686.0, 0.2, 0.5), 65535.0)
    with pytest.raises(InputError, match="saturated"):
        fit_sm(make_spectrum(x, y))


def test_sm_verdict_ok_and_doubtful():
    rng = np.random.default_rng(1)
    x = np.linspace(680, 695, 1024)
    y = rng.poisson(1e4 * lineshapes.pseudo_voigt(x, 1.0, 687.9, 0.2, 0.5) + 200).astype(float)
    r = fit_sm(make_spectrum(x, y))
    assert r.quality == "ok" and r.to_dict()["quality"] == "ok"
    # a second line 0.25 nm away (a second grain): the single-line model misses it
    y2 = y + rng.poisson(6e3 * lineshapes.pseudo_voigt(x, 1.0, 688.15, 0.2, 0.5)).astype(float)
    r2 = fit_sm(make_spectrum(x, y2))
    assert r2.quality == "doubtful"
