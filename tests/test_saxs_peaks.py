"""SAXS: round trips simulate → analyse, Scherrer (and the study's 27.5 nm), wavelength check,
canSAS reader, 2D integration, CLI."""
import json
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli
from dackit.core.pattern import make_pattern
from dackit.errors import DackitError, FitError, InputError
from dackit.io.cansas import read_cansas
from dackit.saxs import (WavelengthMismatchWarning, analyse_saxs, find_peaks, resolve_wavelength,
                         scherrer_thickness, simulate_saxs, thickness_from_pattern)

CASES = [("lamellar", 120.0, 1), ("hexagonal", 95.0, 2), ("bcc", 160.0, 3), ("fcc", 140.0, 4),
         ("sc", 110.0, 5), ("hcp", 130.0, 6), ("pn3m", 180.0, 7), ("ia3d", 210.0, 8)]


@pytest.mark.parametrize("name,a,seed", CASES)
def test_round_trip_mesophase(name, a, seed):
    sim = simulate_saxs(name, a, n_lines=9, seed=seed, counts=3e4,
                        shape="gaussian" if seed % 2 else "lorentzian")
    res = analyse_saxs(sim.pattern)
    assert res.d_first_a == pytest.approx(sim.d_first_a, rel=0.01)
    assert res.mesophase == name
    assert res.lattice_a == pytest.approx(a, rel=0.005)
    # the first peak's position error covers the truth (4σ, plus the indexing's floor)
    p = res.first_peak
    assert abs(p.q_inv_a - sim.lines_q[0]) < 4 * p.q_err + 1e-3 * sim.lines_q[0]


@pytest.mark.parametrize("shape", ["lorentzian", "gaussian"])
@pytest.mark.parametrize("domain_nm", [40.0, 100.0])
def test_round_trip_scherrer(shape, domain_nm):
    sim = simulate_saxs("lamellar", 120.0, n_lines=4, domain_nm=domain_nm, shape=shape, seed=11)
    r = thickness_from_pattern(sim.pattern, wavelength_a=0.4859)
    assert r.thickness_nm == pytest.approx(domain_nm, rel=0.05)
    assert r.thickness_angle_nm == pytest.approx(r.thickness_nm, rel=1e-4)


def test_study_scherrer_numbers():
    # Study: λ = 0.4859 Å, first peak after release d = 120 Å, D ≈ 27.5 nm with K = 0.89.
    # The paper does not give the FWHM; D = 2πK/Δq fixes it: Δq = 0.02033 Å⁻¹, which is
    # B = 0.0901° of 2θ at 2θ = 0.232°.
    q1 = 2 * np.pi / 120
    dq = 2 * np.pi * 0.89 / 275.0
    r = scherrer_thickness(q1, dq, wavelength_a=0.4859)
    assert r.thickness_nm == pytest.approx(27.5, rel=1e-9)
    assert r.fwhm_2theta_deg == pytest.approx(0.0901, abs=2e-4)
    b = np.radians(r.fwhm_2theta_deg)
    theta = np.arcsin(q1 * 0.4859 / (4 * np.pi))
    assert 0.89 * 0.4859 / (b * np.cos(theta)) / 10 == pytest.approx(27.5, rel=1e-4)
    # with the energy's wavelength (0.932 Å) the same q width gives the same D, but the same
    # angular width B would give a D 1.9× larger: the width must be read on the right axis
    assert scherrer_thickness(q1, dq, wavelength_a=0.9322).thickness_angle_nm == pytest.approx(27.5, rel=1e-3)


def test_study_like_pattern_thickness():
    # lamellar d = 120 Å, D = 27.5 nm: very broad peaks (Δq/q = 0.39), overlapping orders
    for shape in ("lorentzian", "gaussian"):
        sim = simulate_saxs("lamellar", 120.0, n_lines=4, domain_nm=27.5, shape=shape, seed=1)
        r = thickness_from_pattern(sim.pattern, wavelength_a=0.4859)
        assert r.thickness_nm == pytest.approx(27.5, rel=0.05)


def test_instrumental_broadening():
    g = scherrer_thickness(0.05, 0.01, instrument_fwhm_inv_a=0.006, instrument_shape="gaussian")
    assert g.fwhm_inv_a == pytest.approx(0.008)
    lz = scherrer_thickness(0.05, 0.01, instrument_fwhm_inv_a=0.006, instrument_shape="lorentzian")
    assert lz.fwhm_inv_a == pytest.approx(0.004)
    with pytest.raises(FitError, match="not broader"):
        scherrer_thickness(0.05, 0.005, instrument_fwhm_inv_a=0.006)


def test_wavelength_energy_consistency():
    with pytest.warns(WavelengthMismatchWarning, match="0.9322"):
        lam, used = resolve_wavelength(0.4859, 13.3)
    assert (lam, used) == (0.4859, "wavelength")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lam, used = resolve_wavelength(0.4859, 25.516)  # consistent within 0.5 %
    assert used == "wavelength"
    assert resolve_wavelength(energy_kev=13.3)[0] == pytest.approx(0.93221, abs=1e-4)
    with pytest.raises(InputError):
        resolve_wavelength()
    with pytest.raises(InputError):
        resolve_wavelength(-1.0)


def test_no_peak_is_an_error():
    rng = np.random.default_rng(0)
    q = np.linspace(0.01, 0.3, 800)
    i = rng.poisson(1e4 * (q / 0.01) ** -3 + 50).astype(float)
    with pytest.raises(InputError, match="no peak"):
        find_peaks(make_pattern(q, i, axis="q_A^-1", sigma=np.sqrt(np.maximum(i, 1))))


def test_twotheta_pattern_needs_wavelength():
    sim = simulate_saxs("lamellar", 120.0, seed=2)
    tth = sim.pattern.twotheta_deg
    pat = make_pattern(tth, sim.pattern.intensity, axis="2th_deg")
    with pytest.raises(InputError, match="wavelength"):
        find_peaks(pat)
    pat = make_pattern(tth, sim.pattern.intensity, axis="2th_deg", wavelength_a=0.4859)
    assert find_peaks(pat).peaks[0].d_a == pytest.approx(120.0, rel=0.01)


def _write_cansas(path, q, i, di=None, unit="1/A", extra=""):
    rows = "".join(f"<Idata><Q unit=\"{unit}\">{a}</Q><I unit=\"1/cm\">{b}</I>"
                   + (f"<Idev unit=\"1/cm\">{c}</Idev>" if di is not None else "") + "</Idata>"
                   for a, b, c in zip(q, i, di if di is not None else q))
    path.write_text("<?xml version=\"1.0\"?><SASroot version=\"1.1\" xmlns=\"urn:cansas1d:1.1\">"
                    f"<SASentry><Title>t</Title><SASdata>{rows}</SASdata>{extra}</SASentry></SASroot>")


def test_cansas_reader(tmp_path):
    sim = simulate_saxs("hexagonal", 100.0, seed=3)
    p = tmp_path / "hex.xml"
    inst = ("<SASinstrument><SASsource><wavelength unit=\"nm\">0.04859</wavelength>"
            "</SASsource></SASinstrument>")
    _write_cansas(p, sim.pattern.x * 10, sim.pattern.intensity, sim.pattern.sigma, unit="1/nm",
                  extra=inst)
    pat = read_cansas(p)
    assert np.allclose(pat.x, sim.pattern.x)
    assert pat.wavelength_a == pytest.approx(0.4859)
    assert np.allclose(pat.sigma, sim.pattern.sigma)
    assert analyse_saxs(pat).mesophase == "hexagonal"


@pytest.mark.parametrize("text,match", [
    ("", "empty"),
    ("<SASroot><SASentry><SASdata><Idata><Q unit='1/A'>0.1", "XML"),
    ("<html/>", "SASroot"),
    ("<SASroot><SASentry><SASdata><Idata><Q unit='1/A'>abc</Q><I>1</I></Idata></SASdata>"
     "</SASentry></SASroot>", "non-numeric"),
    ("<SASroot><SASentry><SASdata><Idata><Q unit='furlong'>0.1</Q><I>1</I></Idata></SASdata>"
     "</SASentry></SASroot>", "unit"),
    ("<SASroot><SASentry><SASdata><Idata><Q>0.1</Q><I>1</I></Idata></SASdata>"
     "</SASentry></SASroot>", "unit"),
])
def test_cansas_bad(tmp_path, text, match):
    p = tmp_path / "bad.xml"
    p.write_text(text)
    with pytest.raises(DackitError, match=match):
        read_cansas(p)


def test_cansas_nan_and_duplicates(tmp_path):
    # a repeated Q is a second measurement of the same I(Q) (two detector banks or frames
    # meeting, as in SasView's latex_smeared.xml): merged, not refused
    q = np.linspace(0.01, 0.2, 30)
    p = tmp_path / "dup.xml"
    _write_cansas(p, np.r_[q, q[:1]], np.r_[np.ones(30), 3.0])
    pat = read_cansas(p)
    assert pat.x.size == 30 and pat.metadata["merged_repeated_q"] == 1
    assert pat.intensity[0] == pytest.approx(2.0)


def test_two_dimensional_round_trip(tmp_path):
    from dackit.saxs.analysis import load_saxs
    from dackit.saxs.simulate import simulate_saxs_image
    from dackit.xrd.geometry import Geometry, write_poni

    geom = Geometry(dist_m=2.0, poni1_m=172e-6 * 100, poni2_m=172e-6 * 200,  # beam off-centre
                    wavelength_a=0.4859, pixel1_m=172e-6, pixel2_m=172e-6, shape=(400, 400))
    img = simulate_saxs_image(geom, "fcc", 150.0, counts=2e3, seed=1)
    path = tmp_path / "frame.npy"
    np.save(path, img)
    poni = write_poni(geom, tmp_path / "saxs.poni")
    pat = load_saxs(path, poni=poni)
    res = analyse_saxs(pat)
    assert res.d_first_a == pytest.approx(150 / np.sqrt(3), rel=0.01)
    assert res.mesophase == "fcc"


def test_cli_peaks_and_thickness(tmp_path):
    sim = simulate_saxs("lamellar", 120.0, n_lines=4, domain_nm=60.0, seed=5)
    dat = tmp_path / "released.dat"
    np.savetxt(dat, np.c_[sim.pattern.x, sim.pattern.intensity], header="q_A^-1 I")
    bad = tmp_path / "bad.dat"
    bad.write_text("q I\n1 2\nx y\n")
    runner = CliRunner()
    res = runner.invoke(cli, ["saxs", "peaks", str(dat), str(bad), "--json", "--plot",
                              str(tmp_path / "figs")])
    assert res.exit_code == 2
    rows = json.loads(res.stdout)
    assert {"file", "peaks", "d_first_angstrom", "mesophase", "lattice_angstrom"} <= set(rows[0])
    assert set(rows[0]["peaks"][0]) == {"q_inv_a", "q_inv_a_err", "d_angstrom", "fwhm_inv_a"}
    assert rows[0]["d_first_angstrom"] == pytest.approx(120.0, rel=0.01)
    # every number with its standard error: d₁ = 2π/q₁, so σ_d/d = σ_q/q
    first = rows[0]["peaks"][0]
    assert rows[0]["d_first_angstrom_err"] == pytest.approx(
        rows[0]["d_first_angstrom"] * first["q_inv_a_err"] / first["q_inv_a"], rel=1e-6)
    assert 0 < rows[0]["lattice_angstrom_err"] < 0.01 * rows[0]["lattice_angstrom"]
    assert rows[0]["mesophase"] == "lamellar"
    assert "bad.dat" in rows[1]["error"]
    assert (tmp_path / "figs" / "released_saxs.png").is_file()

    res = runner.invoke(cli, ["saxs", "thickness", str(dat), "--wavelength", "0.4859", "--energy",
                              "13.3", "--json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout)
    assert set(row) == {"file", "thickness_nm", "thickness_nm_err", "quality", "quality_notes"}
    assert row["thickness_nm"] == pytest.approx(60.0, rel=0.05)
    assert "disagree" in res.stderr


def test_figures(tmp_path):
    from dackit.saxs.plots import plot_d_vs_pressure, plot_waterfall, save_pattern_figure

    pressures = [0.0, 4.0, 9.0, 0.0]
    lattices = [83.0 * np.sqrt(3), 72.0 * np.sqrt(3), 63.0 * np.sqrt(3), 120.0]
    phases = ["fcc", "fcc", "fcc", "lamellar"]
    results = [analyse_saxs(simulate_saxs(ph, a, seed=i, n_lines=5).pattern)
               for i, (ph, a) in enumerate(zip(phases, lattices))]
    ax = plot_waterfall(results, pressures).axes[0]
    assert len(ax.lines) >= len(results)
    ax2 = plot_d_vs_pressure(pressures, [r.d_first_a for r in results],
                             [r.d_first_err for r in results],
                             ["compression"] * 3 + ["decompression"]).axes[0]
    assert {t.get_text() for t in ax2.get_legend().get_texts()} == {"compression", "decompression"}
    assert save_pattern_figure(results[-1], tmp_path / "p.png").stat().st_size > 1000
    assert [r.d_first_a for r in results] == pytest.approx([83, 72, 63, 120], rel=0.01)


def test_a_weak_peak_broader_than_a_line_above_it_is_background():
    # Williamson-Hall: the lines of one lattice are never narrower at higher q, so a weak
    # peak three times broader than a well-determined line above it is background
    # structure (the foot of a hump the background left), while one that is only as broad
    # within its error, or better determined than the line, or above it, stays
    from dackit.saxs.peaks import SaxsPeak, _consistent_widths

    def pk(q, w, w_err, amp, amp_err):
        return SaxsPeak(q, 1e-5, w, w_err, amp, amp_err, 0.5, 0.05, amp / amp_err)

    line = pk(0.080, 0.0037, 0.0001, 100.0, 0.2)
    hump = pk(0.046, 0.0118, 0.0015, 0.3, 0.03)
    assert _consistent_widths([hump, line], 5.0) == [line]
    # width not determined well enough to tell (2σ reaches twice the line's): kept
    vague = pk(0.046, 0.0118, 0.0025, 0.3, 0.03)
    assert vague in _consistent_widths([vague, line], 5.0)
    # the same width above the line: strain broadening allows it
    above = pk(0.150, 0.0118, 0.0015, 0.3, 0.03)
    assert above in _consistent_widths([line, above], 5.0)
    # a blob better determined than the narrow line above it (an unresolved multiplet
    # such as HCP 100/002/101) is not judged by that line
    blob = pk(0.046, 0.0118, 0.0005, 100.0, 0.1)
    assert blob in _consistent_widths([blob, line], 5.0)


def test_a_spike_under_the_threshold_sets_no_width():
    # a two-step noise spike fitted at 3.5σ must not be the domain-size reference that
    # drops the real lines 5x broader than it (a hexagonal pattern lost 20, 11 and 21)
    from dackit.saxs.peaks import SaxsPeak, _consistent_widths

    def pk(q, w, amp, amp_err):
        return SaxsPeak(q, 1e-5, w, 0.1 * w, amp, amp_err, 0.5, 0.05, amp / amp_err)

    lines = [pk(0.1078, 0.0014, 2.25, 0.163), pk(0.1246, 0.0015, 1.68, 0.206)]
    spike = pk(0.2248, 0.00027, 1.0, 0.286)
    kept = _consistent_widths([*lines, spike], 5.0, min_significance=5.0)
    assert all(p in kept for p in lines)
