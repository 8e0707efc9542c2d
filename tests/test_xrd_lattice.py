"""Lattice fits: real CeO2 calibrant, synthetic nanocrystal patterns, sizes, bad input."""
import numpy as np
import pytest

from dackit.core.pattern import make_pattern
from dackit.errors import FitError, InputError
from dackit.xrd.lattice import fit_lattice, scherrer_sizes, williamson_hall
from dackit.xrd.phases import fluorite, rocksalt, wurtzite, zincblende
from dackit.xrd.structure_factor import simulate_pattern

LAM = 0.6199                      # the study's wavelength (Å)
X = np.linspace(6, 30, 2401)


def _ceo2_pattern(real_data):
    path = real_data / "dioptas" / "CeO2_Pilatus1M.xy"
    lam = None
    for line in path.read_text().splitlines():
        if line.startswith("# Wavelength:"):
            lam = float(line.split(":")[1].split()[0]) * 1e10     # header gives metres
    d = np.loadtxt(path)
    return make_pattern(d[:, 0], d[:, 1], wavelength_a=lam, source=str(path))


def test_real_ceo2_pilatus_matches_nist_srm674b(real_data):
    pat = _ceo2_pattern(real_data)
    assert pat.wavelength_a == pytest.approx(0.4066)
    fit = fit_lattice(pat, "ceo2")
    assert abs(fit.a - 5.41165) < 0.002
    assert 0 < fit.a_err < 0.001
    assert len(fit.peaks) >= 12
    assert fit.volume_a3 == pytest.approx(fit.a**3)
    assert fit.volume_a3_err == pytest.approx(3 * fit.a**2 * fit.a_err, rel=1e-4)
    # every peak indexed within a few hundredths of a degree
    assert np.all(np.abs(fit.peaks.residual_deg) < 0.02)


@pytest.mark.parametrize("a_true", [5.8697, 5.70, 5.55])
def test_broad_zincblende_recovers_compressed_a(a_true):
    """6 nm InP (FWHM ≈ 0.5° at 0.62 Å), starting from the ambient a: the coarse search finds
    the compressed lattice; the result is within 0.004 Å and within 5 standard errors."""
    pat = simulate_pattern(X, [zincblende(a=a_true)], LAM, crystallite_size_nm=6, peak_counts=2e4, seed=11)
    fit = fit_lattice(pat, zincblende())
    assert abs(fit.a - a_true) < 0.004
    assert abs(fit.a - a_true) < 5 * fit.a_err
    assert 0.3 < fit.peaks.fwhm_deg.iloc[0] < 0.7


def test_errors_consistent_with_noise():
    """Over independent noise draws, (a − a_true)/a_err has a spread of order 1
    (χ² of 8 draws with 8 dof below its 99.9 % point, 26.1)."""
    z = []
    for seed in range(8):
        pat = simulate_pattern(X, [zincblende(a=5.75)], LAM, crystallite_size_nm=6, peak_counts=5e3, seed=seed)
        fit = fit_lattice(pat, zincblende())
        z.append((fit.a - 5.75) / fit.a_err)
    assert np.sum(np.square(z)) < 26.1


def test_sharp_peaks_and_zero_shift():
    shift = 0.03
    pat = simulate_pattern(X, [fluorite()], LAM, fwhm_deg=0.05, peak_counts=5e4, seed=4)
    shifted = make_pattern(pat.x + shift, pat.intensity, wavelength_a=LAM, sigma=pat.sigma)
    fit = fit_lattice(shifted, fluorite(a=5.40), zero_shift=True)
    assert fit.params["zero_deg"] == pytest.approx(shift, abs=5 * fit.stderr["zero_deg"] + 1e-4)
    assert abs(fit.a - 5.41165) < 5 * fit.a_err + 1e-4
    plain = fit_lattice(shifted, fluorite(a=5.40))
    # ignoring the shift biases a and shows as a position misfit (χ²_red)
    assert abs(plain.a - 5.41165) > 0.005 and plain.redchi > 10 * fit.redchi


def test_hexagonal_a_and_c():
    truth = wurtzite(a=4.25, c=6.95)
    pat = simulate_pattern(X, [truth], LAM, crystallite_size_nm=15, peak_counts=3e4, seed=2)
    fit = fit_lattice(pat, wurtzite())
    assert fit.param_names == ("a", "c")
    assert abs(fit.params["a"] - 4.25) < 0.004 and abs(fit.params["c"] - 6.95) < 0.006
    assert fit.volume_a3 == pytest.approx(truth.volume_a3, rel=3e-3)
    summary = fit.to_dict()
    assert summary["c_a"] == fit.params["c"] and summary["n_peaks"] == len(fit.peaks)


def test_scherrer_and_williamson_hall_recover_size():
    pat = simulate_pattern(X, [zincblende(a=5.8697)], LAM, crystallite_size_nm=6, peak_counts=5e4, seed=5)
    fit = fit_lattice(pat, zincblende())
    assert fit.scherrer_size_nm == pytest.approx(6.0, rel=0.08)
    assert fit.wh_size_nm == pytest.approx(6.0, rel=0.15)
    assert abs(fit.wh_strain) < 3 * fit.wh_strain_err + 1e-4
    size, err = scherrer_sizes([20.0], [0.5], [0.01], LAM, instrumental_fwhm_deg=0.3)
    beta = np.radians(0.4)
    assert size[0] == pytest.approx(0.9 * LAM / (beta * np.cos(np.radians(10))) / 10)
    assert np.isnan(williamson_hall([10, 11], [0.5, 0.5], [0.01, 0.01], LAM)[0])


def test_weak_reflections_dropped_with_note():
    """ZnSe: F(200) = 4(f_Zn − f_Se) is almost zero; it must be dropped, not fitted into noise."""
    znse = zincblende(a=5.668, cation="Zn", anion="Se")
    pat = simulate_pattern(X, [znse], LAM, crystallite_size_nm=6, peak_counts=2e3, seed=8)
    fit = fit_lattice(pat, znse)
    assert "200" not in list(fit.peaks.hkl)
    assert "200" in list(fit.dropped.hkl)
    assert any(n.startswith("200") for n in fit.notes)
    assert abs(fit.a - 5.668) < 0.004


def test_mixture_other_phase_peaks_fitted_as_nuisance():
    """60/40 wt % zinc blende / rock salt: the rock-salt lines next to zinc-blende ones are
    found in the residual and fitted as nuisance peaks, so the zinc-blende a stays right."""
    pat = simulate_pattern(X, [zincblende(a=5.53), rocksalt(a=5.26)], LAM, weight_fractions=[0.6, 0.4],
                           crystallite_size_nm=6, peak_counts=1e4, seed=1)
    fit = fit_lattice(pat, zincblende())
    assert abs(fit.a - 5.53) < 0.004
    assert {"111", "200", "220", "311"} <= set(fit.peaks.hkl)
    rs_lines = [2 * np.degrees(np.arcsin(LAM * np.sqrt(n) / (2 * 5.26))) for n in (3, 4, 8)]
    nuisance = [float(n.split()[2][:-1]) for n in fit.notes if n.startswith("peak at")]
    assert nuisance and all(min(abs(p - r) for r in rs_lines) < 0.1 for p in nuisance)


def test_bad_input():
    pat = simulate_pattern(X, [zincblende()], LAM, crystallite_size_nm=6, seed=1)
    nolam = make_pattern(pat.x, pat.intensity, source="p.xy")
    with pytest.raises(InputError, match="p.xy.*wavelength"):
        fit_lattice(nolam, zincblende())
    with pytest.raises(InputError, match="fewer than 20 points"):
        fit_lattice(pat, zincblende(), twotheta_range=(40, 50))
    with pytest.raises(InputError, match="twotheta_range"):
        fit_lattice(pat, zincblende(), twotheta_range=(20, 10))
    rng = np.random.default_rng(0)
    flat = make_pattern(X, rng.poisson(100, X.size).astype(float), wavelength_a=LAM, source="flat.xy")
    with pytest.raises(FitError, match="flat.xy"):
        fit_lattice(flat, zincblende())
    with pytest.raises(InputError, match="peak_shape"):
        fit_lattice(pat, zincblende(), peak_shape="voigt")
    with pytest.raises(InputError, match="unknown name"):
        fit_lattice(pat, "diamondoid")


# -- adversarial: detector images reduced the hard way (built with numpy, not dackit's simulator)

LAB6_A = 4.15689                   # NIST SRM 660b certificate


def _lab6_lines(a, lam, tth_max):
    """Bragg angles of primitive-cubic reflections (all hkl allowed) below tth_max."""
    q = sorted({h * h + k * k + l * l for h in range(7) for k in range(7) for l in range(7)} - {0})
    tth = [np.degrees(2 * np.arcsin(lam * np.sqrt(s) / (2 * a))) for s in q if lam * np.sqrt(s) / (2 * a) < 1]
    return [t for t in tth if t < tth_max]


def _fit2d_like_lab6(seed=0):
    """A Fit2D-style un-normalised sum: background rising ×6 with 2θ, a beamstop shadow
    (intensity ×0.02) below 1.5° with a ramp, a broad strong hump at 2.3°, zeros beyond the
    detector edge at 22.4°; LaB6 lines 0.07° wide on it, Poisson noise."""
    rng = np.random.default_rng(seed)
    lam = 0.31
    x = np.arange(0.01, 30.0, 0.0208)
    bg = 4e5 * (1 + x / 4.0)
    y = bg.copy()
    sig = 0.07 / 2.3548
    for i, t in enumerate(_lab6_lines(LAB6_A, lam, 30)):
        y += 2.5e5 / (1 + 0.15 * i) * np.exp(-0.5 * ((x - t) / sig) ** 2)
    y += 6e5 * np.exp(-0.5 * ((x - 2.3) / 0.5) ** 2)              # beamstop hump
    shadow = 0.02 + 0.98 / (1 + np.exp(-(x - 1.5) / 0.05))
    y = rng.poisson(y * shadow).astype(float)
    y[x > 22.4] = 0.0
    return make_pattern(x, y, wavelength_a=lam, source="fit2d_like.chi")


def test_shadowed_edges_and_hump_found_by_default():
    fit = fit_lattice(_fit2d_like_lab6(), "lab6")
    assert abs(fit.a - LAB6_A) < 0.002
    assert fit.quality == "ok", fit.quality_notes
    notes = " ".join(fit.quality_notes)
    assert "beamstop" in notes and "zero" in notes
    assert fit.x.min() > 1.5 and fit.x.max() < 22.4


def test_broad_humps_are_not_reported_as_fine():
    """Only broad humps (1.2° FWHM, a halo-like pattern) where a cubic cell could index them:
    the fit may return a number but must not call it ok."""
    rng = np.random.default_rng(4)
    x = np.linspace(2, 25, 1200)
    y = 500 + 5 * x
    for t, h in ((6.1, 800), (8.7, 500), (10.6, 400), (12.3, 300), (13.8, 250)):
        y = y + h * np.exp(-0.5 * ((x - t) / (1.2 / 2.3548)) ** 2)
    pat = make_pattern(x, rng.poisson(y).astype(float), wavelength_a=0.31, source="humps.xy")
    try:
        fit = fit_lattice(pat, "lab6")
    except FitError:
        return
    assert fit.quality == "doubtful"


def test_wrong_phase_on_real_pattern_is_doubtful(real_data):
    fit = fit_lattice(_ceo2_pattern(real_data), "lab6")
    assert fit.quality == "doubtful"


def test_usable_range_leaves_subtracted_and_broad_patterns_alone():
    """No cut where there is no step: a background-subtracted pattern (baseline ≈ 0, negative
    noise) and broad nanocrystal peaks on a low background keep every point; a zero tail and
    a constant fill are cut."""
    from dackit.xrd.lattice import usable_range

    rng = np.random.default_rng(2)
    x = np.linspace(5, 30, 1500)
    subtracted = rng.normal(0, 5, x.size) + 800 * np.exp(-0.5 * ((x - 12) / 0.05) ** 2)
    assert usable_range(x, subtracted)[:2] == (0, x.size)
    broad = 20 + sum(500 * np.exp(-0.5 * ((x - t) / 0.3) ** 2) for t in (8, 13, 19, 24))
    assert usable_range(x, rng.poisson(broad).astype(float))[:2] == (0, x.size)
    tail = rng.poisson(broad).astype(float)
    tail[x > 27] = 0.0
    i0, i1, notes = usable_range(x, tail)
    assert (i0, x[i1 - 1] <= 27) == (0, True) and "zero" in notes[0]
    fill = rng.poisson(broad).astype(float)
    fill[x > 28] = -1.0
    assert x[usable_range(x, fill)[1] - 1] <= 28


def test_a_half_cell_of_a_larger_cubic_lattice_is_recognised():
    """Lines of a cubic a = 10.2512 Å cell (NAC) that a half cell (CeO2 at 5.1256 Å) leaves
    unexplained — 211 and 431, odd — index on that half cell doubled; a peak between the
    doubled cell's lines does not."""
    from dackit.xrd.lattice import _doubled_cell_indexes

    lam, big = 0.413909, 10.2512
    tth = [float(np.degrees(2 * np.arcsin(lam * np.sqrt(n) / (2 * big)))) for n in (6, 26)]
    half = fluorite(a=big / 2)
    assert _doubled_cell_indexes(tth, half, lam, 0.002)
    # halfway between the doubled cell's lines N = 26 and 27
    off = float(np.degrees(2 * np.arcsin(lam * np.sqrt(26.5) / (2 * big))))
    assert _doubled_cell_indexes([tth[0], off], half, lam, 0.002) == ""


#: CeO2 line heights (X-ray, % of 111; ICDD 34-394 rounded) for the lines 111 … 420
CEO2_HEIGHTS = (100, 30, 52, 42, 8, 7, 15, 11)


def _headerless(tmp_path, name, x, lines_x, width):
    y = 50 + sum(40 * h * np.exp(-0.5 * ((x - c) / width) ** 2) for c, h in zip(lines_x, CEO2_HEIGHTS))
    y = np.random.default_rng(3).poisson(y).astype(float)
    path = tmp_path / name
    path.write_text("\n".join(f"{u:.5f} {v:.1f}" for u, v in zip(x, y)) + "\n")
    return path


def test_headerless_q_file_read_as_two_theta_is_not_ok(tmp_path):
    """A q export (Å⁻¹) without its header is read as 2θ; at λ = 0.1 Å the q numbers index a
    cubic phase ≈ 9 % small (x° vs x Å⁻¹: d ratio 0.1097/λ) with well-fitting peaks. That
    'compressed' cell must not be ok: the file cannot tell which unit it holds."""
    from dackit.io.patterns import read_pattern

    a = 5.411651
    hkl = [(1, 1, 1), (2, 0, 0), (2, 2, 0), (3, 1, 1), (2, 2, 2), (4, 0, 0), (3, 3, 1), (4, 2, 0)]
    q_lines = [2 * np.pi * np.sqrt(h * h + k * k + m * m) / a for h, k, m in hkl]
    path = _headerless(tmp_path, "ceo2_q.xy", np.arange(1.0, 5.4, 0.004), q_lines, 0.01)
    pat = read_pattern(path, wavelength_a=0.1)
    assert pat.axis == "2th_deg" and pat.metadata["axis_assumed"]
    fit = fit_lattice(pat, fluorite(a=a, cation="Ce", anion="O"))
    assert abs(fit.a - a * 0.1 / 0.10966) < 0.01            # the 2θ reading: 9 % short
    assert fit.quality == "doubtful", fit.quality_notes
    assert any("states no radial unit" in n and "q in Å⁻¹" in n for n in fit.quality_notes), fit.quality_notes
    # the same lines written as 2θ at λ = 0.3 Å (no unit either): the q reading cannot index
    # them, so nothing is doubted
    tth = [np.degrees(2 * np.arcsin(0.3 * q / (4 * np.pi))) for q in q_lines]
    path2 = _headerless(tmp_path, "ceo2_tth.xy", np.arange(2.0, 14.8, 0.004), tth, 0.01)
    fit2 = fit_lattice(read_pattern(path2, wavelength_a=0.3), fluorite(a=a, cation="Ce", anion="O"))
    assert abs(fit2.a - a) < 0.002 and fit2.quality == "ok", fit2.quality_notes
    assert not any("radial unit" in n for n in fit2.quality_notes)


def test_q_pattern_notes_say_their_angles_are_2theta(real_data):
    """The CeO2 pattern put on q: the fit and its notes work in 2θ at the wavelength, and the
    notes say so (a Ni q-space .chi was told of a 'shadowed high-angle end above 60.811°'
    with no word that the file's axis was q). The cell is the one of the 2θ reading."""
    pat = _ceo2_pattern(real_data)
    q = 4 * np.pi * np.sin(np.radians(pat.x / 2)) / pat.wavelength_a
    as_q = make_pattern(q, pat.intensity, axis="q_A^-1", wavelength_a=pat.wavelength_a, source=pat.source)
    fit_2th, fit_q = fit_lattice(pat, "ceo2"), fit_lattice(as_q, "ceo2")
    assert fit_q.a == pytest.approx(fit_2th.a, abs=2e-4)
    said = [n for n in fit_q.verdict.notes if "axis is q" in n]
    assert len(said) == 1 and "λ = 0.4066 Å" in said[0]
    assert not any("axis is q" in n for n in fit_2th.verdict.notes)
