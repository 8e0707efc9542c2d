"""PL and Tauc on the axes and y quantities real exports bring (issue 10): absolute
wavenumbers with and without a header, a '%T' column, a header-less transmittance. Built
here with numpy (a Gaussian band in energy, a direct edge), not with dackit's simulators.
"""
import numpy as np
import pytest

from cli_helpers import run_json

HC = 1239.841984


def _write(path, x, y, header=None):
    lines = ([header] if header else []) + [f"{a:.4f}\t{b:.6g}" for a, b in zip(x, y)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _pl_band(seed=4):
    """A Gaussian band at 2.100 eV (FWHM 80 meV) as a CCD records it per nm, 450-750 nm."""
    rng = np.random.default_rng(seed)
    nm = np.linspace(450, 750, 601)
    e = HC / nm
    per_nm = 2e4 * np.exp(-4 * np.log(2) * ((e - 2.10) / 0.08) ** 2) * (e / 2.1) ** 2
    return nm, rng.poisson(per_nm + 100).astype(float)


def _edge(seed=5):
    """Absorbance of a direct gap at 2.000 eV, (αE)² ∝ E − Eg, on 400-900 nm with 0.002 noise."""
    rng = np.random.default_rng(seed)
    nm = np.linspace(400, 900, 501)
    e = HC / nm
    alpha = np.sqrt(np.clip(e - 2.0, 0, None)) / e
    return nm, 0.02 + 1.5 * alpha / alpha.max() + rng.normal(0, 0.002, nm.size)


def test_pl_in_wavenumbers_reads_as_in_nm(tmp_path):
    """The same band exported per cm⁻¹ against 'Wavenumber (cm-1)' gives the nm file's peak
    (was refused: 'PL needs x in nm or eV, not cm-1')."""
    nm, y = _pl_band()
    wn = 1e7 / nm
    _, out_nm, _ = run_json("pl", _write(tmp_path / "pl_nm.txt", nm, y, "Wavelength (nm)\tIntensity"),
                            "--pressure", "0")
    per_wn = y * 1e7 / wn**2
    code, out, err = run_json("pl", _write(tmp_path / "pl_wn.txt", wn[::-1], per_wn[::-1],
                                           "Wavenumber (cm-1)\tIntensity"), "--pressure", "0")
    assert code == 0, err
    ref, row = out_nm["peaks"][0], out["peaks"][0]
    assert abs(ref["peak_ev"] - 2.100) < 0.003 and ref["quality"] == "ok"
    assert abs(row["peak_ev"] - ref["peak_ev"]) < 1e-3 and row["quality"] == "ok"


def test_pl_in_wavenumbers_without_a_header_is_refused(tmp_path):
    """13300-22200 with no unit was read as nm: a 0.073 eV 'peak' marked ok."""
    nm, y = _pl_band()
    wn = 1e7 / nm
    path = _write(tmp_path / "pl_wn_bare.txt", wn[::-1], (y * 1e7 / wn**2)[::-1])
    code, out, _ = run_json("pl", path, "--pressure", "0")
    assert code == 2
    assert "wavenumber" in out["peaks"][0]["error"] and path.name in out["peaks"][0]["error"]


@pytest.mark.parametrize("header, ok", [("Wavenumber (cm-1)\tAbsorbance", True), (None, False)])
def test_absorbance_in_wavenumbers(tmp_path, header, ok):
    nm, a = _edge()
    path = _write(tmp_path / "abs_wn.txt", (1e7 / nm)[::-1], a[::-1], header)
    code, out, err = run_json("tauc", path)
    if ok:
        assert code == 0, err
        assert abs(out[0]["gap_ev"] - 2.0) < 0.005 and out[0]["quality"] == "ok"
    else:
        assert code == 2 and "wavenumber" in out[0]["error"]


@pytest.mark.parametrize("header", ["Wavelength (nm)\t%T", "Wavelength (nm)\tT (%)", "nm\tSample %T"])
def test_percent_t_column_is_a_transmittance(tmp_path, header):
    """'%T' heads the transmittance column of many UV-Vis exports; read as absorbance it has
    no rising edge (was 'no absorption edge')."""
    nm, a = _edge()
    code, out, err = run_json("tauc", _write(tmp_path / "t.txt", nm, 100 * 10 ** (-a), header))
    assert code == 0, err
    assert abs(out[0]["gap_ev"] - 2.0) < 0.005 and out[0]["quality"] == "ok"


def test_headerless_transmittance_is_refused_with_a_hint(tmp_path):
    nm, a = _edge()
    code, out, _ = run_json("tauc", _write(tmp_path / "t_bare.txt", nm, 100 * 10 ** (-a)))
    assert code == 2 and "--kind transmittance" in out[0]["error"]
    code, out, err = run_json("tauc", tmp_path / "t_bare.txt", "--kind", "transmittance")
    assert code == 0 and abs(out[0]["gap_ev"] - 2.0) < 0.005, err


def test_a_laser_leak_taken_for_the_pl_peak_is_doubtful(tmp_path):
    """A 532 nm laser line (σ 0.3 nm, ten times the band's height) beside a PL band at 2.10 eV,
    0.5 nm per point: the laser was reported as the PL peak (2.33 eV), 'ok', χ²_ν 5e4."""
    rng = np.random.default_rng(7)
    nm = np.linspace(450, 750, 601)
    e = HC / nm
    band = 2e4 * np.exp(-4 * np.log(2) * ((e - 2.10) / 0.08) ** 2) * (e / 2.1) ** 2
    laser = 2e5 * np.exp(-0.5 * ((nm - 532.0) / 0.3) ** 2)
    path = _write(tmp_path / "pl_laser.txt", nm, rng.poisson(band + laser + 100).astype(float),
                  "Wavelength (nm)\tIntensity")
    code, out, err = run_json("pl", path, "--pressure", "0")
    row = out["peaks"][0]
    if "error" not in row:
        assert abs(row["peak_ev"] - 2.100) < 0.01 or row["quality"] == "doubtful", row


def test_a_decay_curve_over_time_is_not_a_spectrum(tmp_path):
    """A Becker & Hickl SPCM export ('*BLOCK 1 ( Time[ns] No_of_photons )') over 0-200 ns:
    as nm its axis would hold a 'PL peak' at the decay's rise; a header naming a setting
    time ('Integration time (ms): 100') above wavelengths still reads."""
    t = np.linspace(0, 200, 1024)
    counts = np.round(1e4 * np.exp(-np.clip(t - 20, 0, None) / 15) * (t > 20) + 5)
    decay = _write(tmp_path / "decay.asc", t, counts, "  Title : nd 0.9_001\n\n*BLOCK 1  ( Time[ns]  No_of_photons )")
    for args in (("pl", decay, "--pressure", "0"), ("tauc", decay), ("ruby", decay)):
        code, out, _ = run_json(*args)
        row = out["peaks"][0] if args[0] == "pl" else out[0]
        assert code == 2 and "over time" in row["error"], row
    nm, y = _pl_band()
    ok = _write(tmp_path / "pl_setting.txt", nm, y, "Integration time (ms): 100")
    code, out, err = run_json("pl", ok, "--pressure", "0")
    assert code == 0 and abs(out["peaks"][0]["peak_ev"] - 2.1) < 0.003, err
