"""Reading and writing 1D patterns: real Dioptas/Fit2D files, round trips, bad input."""
import re
from pathlib import Path

import numpy as np
import pytest

from dackit.core.pattern import make_pattern
from dackit.errors import DackitError, InputError
from dackit.io.patterns import read_pattern, write_chi, write_xy


def test_dioptas_ceo2_xy(real_data):
    p = read_pattern(real_data / "dioptas" / "CeO2_Pilatus1M.xy")
    assert p.axis == "2th_deg"
    assert p.wavelength_a == pytest.approx(0.4066)
    assert p.x.size == 1512
    assert p.x[0] == pytest.approx(1.019698551e-2)
    geo = p.metadata["geometry"]
    assert geo["dist_m"] == pytest.approx(0.208651380603)
    assert geo["pixel1_m"] == pytest.approx(172e-6)


def test_fit2d_chi(real_data):
    p = read_pattern(real_data / "dioptas" / "pattern_001.chi")
    assert p.axis == "2th_deg" and p.metadata["format"] == "chi"
    assert p.x.size == 75            # the file was cut down from the 1455 points its header declares
    assert p.metadata["declared_points"] == 1455
    assert p.x[0] == pytest.approx(1.0486433e-2)
    assert p.wavelength_a is None     # Fit2D files do not state it
    assert read_pattern(real_data / "dioptas" / "pattern_001.chi", wavelength_a=0.31).wavelength_a == 0.31


def test_dioptas_pattern_xy(real_data):
    p = read_pattern(real_data / "dioptas" / "pattern_001.xy")
    assert p.wavelength_a == pytest.approx(0.320179398976)
    assert p.metadata["geometry"]["poni2_m"] == pytest.approx(0.2967)


def test_map_xy_wavelength_and_polarisation(real_data):
    files = sorted((real_data / "dioptas" / "map_Fe3O4C").glob("*.xy"))
    assert len(files) >= 2
    for f in files:
        p = read_pattern(f)
        assert p.wavelength_a == pytest.approx(0.3344)
        assert p.metadata["polarization_factor"] == pytest.approx(0.99)
        assert p.metadata["geometry"]["dist_m"] == pytest.approx(0.284634930882)


def _pattern(axis="2th_deg", sigma=True):
    x = np.linspace(2.0, 30.0, 200)
    y = 50 + 1000 * np.exp(-0.5 * ((x - 12) / 0.05) ** 2)
    s = np.sqrt(y) if sigma else None
    meta = {"geometry": {"dist_m": 0.2, "poni1_m": 0.1, "poni2_m": 0.09, "rot1": 0.01,
                         "rot2": -0.02, "rot3": 0.0, "pixel1_m": 1.72e-4, "pixel2_m": 1.72e-4},
            "polarization_factor": 0.99}
    if axis == "q_A^-1":
        x = x / 5
    return make_pattern(x, y, axis=axis, wavelength_a=0.6199, sigma=s, metadata=meta, source="s.tif")


@pytest.mark.parametrize("axis", ["2th_deg", "q_A^-1"])
def test_xy_round_trip(tmp_path, axis):
    p = _pattern(axis)
    q = read_pattern(write_xy(p, tmp_path / "p.xy"))
    assert q.axis == axis
    assert q.wavelength_a == pytest.approx(0.6199, rel=1e-12)
    np.testing.assert_allclose(q.x, p.x, rtol=1e-8)
    np.testing.assert_allclose(q.intensity, p.intensity, rtol=1e-8)
    np.testing.assert_allclose(q.sigma, p.sigma, rtol=1e-8)
    assert q.metadata["polarization_factor"] == pytest.approx(0.99)
    assert q.metadata["geometry"]["rot2"] == pytest.approx(-0.02)


@pytest.mark.parametrize("axis", ["2th_deg", "q_A^-1"])
def test_chi_round_trip(tmp_path, axis):
    p = _pattern(axis, sigma=False)
    q = read_pattern(write_chi(p, tmp_path / "p.chi"))
    assert q.axis == axis and q.metadata["format"] == "chi"
    assert q.wavelength_a == pytest.approx(0.6199)
    np.testing.assert_allclose(q.x, p.x, rtol=1e-7)
    np.testing.assert_allclose(q.intensity, p.intensity, rtol=1e-7)


def test_q_nm_and_2th_rad_are_converted(tmp_path):
    x = np.linspace(5, 40, 30)
    f = tmp_path / "q.xy"
    np.savetxt(f, np.column_stack([x, x + 1]), header="Wavelength: 0.4066 A\nq_nm^-1  I")
    p = read_pattern(f)
    assert p.axis == "q_A^-1"
    np.testing.assert_allclose(p.x, x / 10)
    assert p.wavelength_a == pytest.approx(0.4066)
    f2 = tmp_path / "r.dat"
    np.savetxt(f2, np.column_stack([np.radians(x), x]), header="2th_rad I")
    np.testing.assert_allclose(read_pattern(f2).x, x)


def test_plain_two_columns_and_descending(tmp_path):
    x = np.linspace(20, 5, 40)         # written high to low
    f = tmp_path / "plain.txt"
    np.savetxt(f, np.column_stack([x, 100 + x]))
    p = read_pattern(f, wavelength_a=0.6199)
    assert p.metadata["axis_assumed"] and p.axis == "2th_deg"
    assert np.all(np.diff(p.x) > 0)
    np.testing.assert_allclose(p.intensity, 100 + p.x)


def _write(tmp_path, text, name="bad.xy"):
    f = tmp_path / name
    f.write_text(text)
    return f


@pytest.mark.parametrize("text,match", [
    ("", "empty"),
    ("# 2th_deg I\n", "no data"),
    ("# 2th_deg I\n1 2\n2 3\nthree 4\n", "line 4 is not numeric"),
    ("# 2th_deg I\n1 2\nnan 3\n3 4\n", "NaN"),
    ("# 2th_deg I\n1 2\n3 3\n2 4\n4 4\n", "not monotonic"),
    ("# r_mm I\n1 2\n2 3\n3 4\n", "r_mm"),
    ("# Wavelength: 0.4066 m\n# 2th_deg I\n1 2\n2 3\n3 4\n", "implausible"),
    ("10 2\n200 3\n300 4\n400 5\n", "not 2θ"),
    ("1\n2\n3\n", "column"),
])
def test_bad_patterns(tmp_path, text, match):
    with pytest.raises(DackitError, match=match):
        read_pattern(_write(tmp_path, text))


def test_missing_file_and_axis_conflict(tmp_path):
    with pytest.raises(DackitError, match="not found"):
        read_pattern(tmp_path / "nope.xy")
    f = _write(tmp_path, "# 2th_deg I\n" + "\n".join(f"{i} {i}" for i in range(1, 20)))
    with pytest.raises(DackitError, match="header says"):
        read_pattern(f, axis="q_A^-1")
    with pytest.raises(DackitError, match="implausible"):
        read_pattern(f, wavelength_a=4.066e-11)


@pytest.mark.parametrize("title,factor", [
    ("# q (nm-1)  I(a.u.)", 0.1), ("# Q [1/nm] I", 0.1), ("q / nm^-1, I, sigma", 0.1),
    ("# q(nm⁻¹) I", 0.1), ("# q (1/A) I", 1.0), ("# Q [Å^-1]  Intensity", 1.0),
    ("# q [nm^{-1}]  I", 0.1), ("# Q (nm$^{-1}$) I", 0.1), ("# q, nm-1, I", 0.1),  # LaTeX, comma
])
def test_free_form_q_titles_set_the_unit(tmp_path, title, factor):
    # a "q (nm-1)" title used to be ignored outside Fit2D .chi files: q read as Å⁻¹, d 10× too large
    f = tmp_path / "curve.dat"
    x = np.linspace(0.5, 2.0, 16)
    f.write_text(title + "\n" + "".join(f"{v:.4f} {100 - v:.2f} 1.0\n" for v in x), encoding="utf-8")
    pat = read_pattern(f)
    assert pat.axis == "q_A^-1"
    np.testing.assert_allclose(pat.x, x * factor)


@pytest.mark.parametrize("sep", [";", "\t", " "])
def test_decimal_comma_pattern(tmp_path, sep):
    """A pattern saved with decimal commas (a spreadsheet's export in many European locales):
    each comma was taken as a column separator, so '28,550;5100,0' became 28, 550, 5100, 0 and the
    file was refused as 'not monotonic (20 then 20)'."""
    x = np.round(np.arange(20.0, 40.0, 0.01), 3)
    y = 100 + 5000 * np.exp(-0.5 * ((x - 28.55) / 0.03) ** 2)
    f = tmp_path / "ceo2.csv"
    f.write_text(f"2theta{sep}I\n" + "".join(f"{a:.3f}{sep}{b:.1f}\n".replace(".", ",") for a, b in zip(x, y)))
    pat = read_pattern(f)
    np.testing.assert_allclose(pat.x, x, atol=5e-4)
    np.testing.assert_allclose(pat.intensity, y, atol=0.05)


def test_wavelength_in_nm_is_not_a_q_unit(tmp_path):
    f = tmp_path / "scan.xy"
    f.write_text("# wavelength 0.15406 nm\n# 2theta intensity\n"
                 + "".join(f"{x:.2f} {x * 3:.1f}\n" for x in np.arange(20.0, 21.6, 0.1)))
    pat = read_pattern(f)
    assert pat.axis == "2th_deg" and pat.wavelength_a == pytest.approx(1.5406)


def test_saxs_curve_without_a_unit_says_so(tmp_path):
    from dackit.saxs import analyse_saxs, load_saxs

    q = np.linspace(0.02, 0.5, 600)
    y = 1e3 * q ** -2 + sum(5e4 / k * np.exp(-0.5 * ((q - 2 * np.pi * k / 58.38) / 0.002) ** 2)
                            for k in range(1, 6))
    y = np.random.default_rng(1).poisson(y).astype(float)
    bare, titled = tmp_path / "bare.dat", tmp_path / "titled.dat"
    bare.write_text("".join(f"{a:.7f} {b:.1f}\n" for a, b in zip(q, y)))
    titled.write_text("# q (nm-1) I\n" + "".join(f"{a * 10:.7f} {b:.1f}\n" for a, b in zip(q, y)))
    r_bare, r_titled = analyse_saxs(load_saxs(bare)), analyse_saxs(load_saxs(titled))
    assert r_titled.d_first_a == pytest.approx(r_bare.d_first_a, rel=1e-5)
    assert r_bare.d_first_a == pytest.approx(58.38, rel=0.01)
    assert any("does not state the q unit" in n for n in r_bare.quality_notes)
    assert not any("does not state the q unit" in n for n in r_titled.quality_notes)


# --- d-spacing patterns (Dioptas saves in d_A too) ---------------------------------------
def _d_pattern_rows(lam=0.4066, a=5.411651):
    """Two Gaussian lines of CeO2 (111, 200) on a flat background, tabulated in d (Å), d
    descending as Dioptas writes it (its d comes from 2θ ascending)."""
    tth = np.linspace(5.0, 10.0, 501)
    d = lam / (2 * np.sin(np.radians(tth / 2)))
    y = 50.0 + sum(1000 * np.exp(-0.5 * ((d - a / np.sqrt(s)) / 0.003) ** 2) for s in (3, 4))
    return d, y


@pytest.mark.parametrize("title", ["d_A\tI", "d-spacing (A)  intensity", "d (Å)  I", "dspacing [A] counts"])
def test_d_spacing_columns_are_put_on_two_theta(tmp_path, title):
    """Read as 2θ in degrees, a d column of 0.8–8 Å gave 'the radial column runs … not 2θ' or,
    cropped, was fitted as 2θ. With the wavelength, each d must land at 2 asin(λ/2d)."""
    d, y = _d_pattern_rows()
    path = tmp_path / "ceo2_d.xy"
    path.write_text(f"# {title}\n" + "\n".join(f"{u:.8f} {v:.4f}" for u, v in zip(d, y)) + "\n")
    with pytest.raises(InputError, match="d-spacing.*--wavelength"):
        read_pattern(path)
    pat = read_pattern(path, wavelength_a=0.4066)
    assert pat.axis == "2th_deg" and np.all(np.diff(pat.x) > 0)
    peak = pat.x[np.argmax(pat.intensity)]
    want = np.degrees(2 * np.arcsin(0.4066 / (2 * 5.411651 / np.sqrt(3))))
    assert abs(peak - want) < 0.02, (peak, want)
    assert pat.metadata["converted_from"] == "d_A"


def test_d_spacing_with_the_header_wavelength_and_impossible_d(tmp_path):
    d, y = _d_pattern_rows()
    path = tmp_path / "d.xy"
    body = "\n".join(f"{u:.8f} {v:.4f}" for u, v in zip(d, y))
    path.write_text("# Wavelength: 4.066e-11 m\n# d_A\tI\n" + body + "\n")
    assert read_pattern(path).wavelength_a == pytest.approx(0.4066)
    bad = tmp_path / "bad.xy"
    bad.write_text("# d_A\tI\n0.1 5\n0.2 6\n1.0 7\n")   # d = 0.1 Å < λ/2 at 0.4066 Å
    with pytest.raises(InputError, match="below λ/2"):
        read_pattern(bad, wavelength_a=0.4066)
    # a header that only mentions a distance is not a d column
    dist = tmp_path / "dist.xy"
    dist.write_text("# Distance Sample to Detector: 0.2 m\n# 2th_deg I\n"
                    + "\n".join(f"{5 + 0.1 * i} {i}" for i in range(20)) + "\n")
    assert read_pattern(dist, wavelength_a=0.4).x[0] == 5


def test_spec_scan_files_are_named_not_read_column_by_column(tmp_path):
    """A SPEC scan '#L TwoTheta Theta Monitor Detector': read as x, I, σ, θ became the
    intensity ('no peak rises above 3× the noise'). Name the format and the columns."""
    tth = np.arange(20.0, 60.0, 0.1)
    det = 100 + 5000 * np.exp(-0.5 * ((tth - 28.44) / 0.05) ** 2)
    path = tmp_path / "scan.spec"
    path.write_text("#F scan.spec\n#E 1\n\n#S 1 ascan tth 20 60 400 1\n#N 4\n"
                    "#L TwoTheta Theta Monitor Detector\n"
                    + "\n".join(f"{t:.3f} {t / 2:.4f} 1000 {d:.0f}" for t, d in zip(tth, det)) + "\n")
    with pytest.raises(InputError, match="SPEC scan file.*TwoTheta Theta Monitor Detector"):
        read_pattern(path, wavelength_a=1.5406)
    # a SPEC scan of just 2θ and the counts is a pattern as it stands
    two = tmp_path / "two.spec"
    two.write_text("#S 1 ascan tth 20 60 400 1\n#L TwoTheta Detector\n"
                   + "\n".join(f"{t:.3f} {d:.0f}" for t, d in zip(tth, det)) + "\n")
    pat = read_pattern(two, wavelength_a=1.5406)
    assert pat.x[np.argmax(pat.intensity)] == pytest.approx(28.4, abs=0.1)


def _mantid_xye(path, caption, x, y, column):
    """A Mantid SaveFocusedXYE file: header lines quoted with ', then x, y, e."""
    head = ("' File generated by Mantid:\n' Instrument: POWGEN\n"
            f"' The X-axis unit is: {caption}\n' The Y-axis unit is: Counts\n' Data for spectra :2\n"
            f"' {column}              Y                 E\n")
    path.write_text(head + "\n".join(f"{u:.6f} {v:.4f} {np.sqrt(v):.4f}" for u, v in zip(x, y)) + "\n")


def test_mantid_time_of_flight_export_is_refused_by_name(tmp_path):
    """POWGEN's TOF .xye (7004…102618 µs) was refused only for its 2θ range, with advice
    (axis='q_A^-1') the command line cannot take. The header names the axis: say TOF."""
    tof = np.linspace(7000.0, 100000.0, 4000)
    y = 50 + 800 * np.exp(-0.5 * ((tof - 22585.8 * 3.1235) / 8.0) ** 2)   # CeO2 111 at DIFC 22585.8
    path = tmp_path / "PG3_1.xye"
    _mantid_xye(path, "Time-of-flight", tof, y, "Time-of-flight")
    with pytest.raises(InputError, match="time-of-flight.*ConvertUnits"):
        read_pattern(path, wavelength_a=1.0)
    # the same numbers without any header: the range, and what such numbers usually are
    bare = tmp_path / "bare.xye"
    bare.write_text("\n".join(f"{u:.3f} {v:.3f}" for u, v in zip(tof, y)) + "\n")
    with pytest.raises(InputError, match="time-of-flight in µs") as exc:
        read_pattern(bare)
    assert "axis=" not in str(exc.value)
    other = tmp_path / "lam.xye"
    _mantid_xye(other, "Wavelength", np.linspace(0.5, 3, 50), np.ones(50), "Wavelength")
    with pytest.raises(InputError, match="'Wavelength'"):
        read_pattern(other, wavelength_a=1.0)


def test_mantid_d_spacing_and_q_exports_are_read_on_their_axis(tmp_path):
    """A focused TOF bank saved in d-spacing is a pattern: each d must land at 2 asin(λ/2d)
    (read as 2θ, d = 0.5–4 Å were fitted as angles); a 'q' caption is q in Å⁻¹."""
    d = np.linspace(0.5, 4.0, 3000)
    a = 5.411651
    lines = (a / np.sqrt(3), a / np.sqrt(8))
    y = 20 + sum(h * np.exp(-0.5 * ((d - dl) / 0.002) ** 2) for h, dl in zip((900, 300), lines))
    path = tmp_path / "bank2_d.xye"
    _mantid_xye(path, "d-Spacing", d, y, "d-Spacing")
    pat = read_pattern(path, wavelength_a=0.4)
    assert pat.axis == "2th_deg" and pat.metadata["converted_from"] == "d_A"
    peak = pat.x[np.argmax(pat.intensity)]
    assert abs(peak - np.degrees(2 * np.arcsin(0.4 / (2 * lines[0])))) < 0.01
    q = 2 * np.pi / d[::-1]
    qpath = tmp_path / "bank2_q.xye"
    _mantid_xye(qpath, "q", q, y[::-1], "q")
    qpat = read_pattern(qpath, wavelength_a=0.4)
    assert qpat.axis == "q_A^-1"
    assert qpat.x[np.argmax(qpat.intensity)] == pytest.approx(2 * np.pi / lines[0], abs=0.01)


@pytest.mark.parametrize("name,head", [
    ("ni.gr", "# r(A)  G(r)\n"),                                      # by its suffix
    ("ni.dat", "[DEFAULT]\noutputtype = gr\n#### start data\n#S 1\n#L r(Å)  G(Å$^{-2}$)\n"),
    ("ni.txt", "# r(Å)   G\n"),
])
def test_pair_distribution_functions_are_refused_by_name(tmp_path, name, head):
    """xPDFsuite's Ni G(r) read as a pattern: its r column (0–60 Å) became 2θ and Ni fitted
    a = 3.31 Å; GSAS-II's G(r) export was called a SPEC scan file. Both are G(r): say so."""
    r = np.arange(0.0, 30.0, 0.01)
    g = np.sin(2 * np.pi * r / 2.49) * np.exp(-r / 20)
    path = tmp_path / name
    path.write_text(head + "\n".join(f"{u:.2f} {v:.6f}" for u, v in zip(r, g)) + "\n")
    with pytest.raises(InputError, match="pair distribution function G\\(r\\)"):
        read_pattern(path, wavelength_a=0.1)


def test_q_patterns_of_pdf_programs_are_still_patterns(tmp_path):
    """The I(Q) the same programs write (q axis, 'r' nowhere as a column) is a pattern."""
    q = np.linspace(0.5, 20, 2000)
    y = 10 + 500 * np.exp(-0.5 * ((q - 3.087) / 0.01) ** 2)
    path = tmp_path / "ni.chi"
    path.write_text("# xPDFsuite integration\n# Wavelength: 1.671e-11 m\n# q_A^-1  I\n"
                    + "\n".join(f"{u:.5f} {v:.4f}" for u, v in zip(q, y)) + "\n")
    pat = read_pattern(path)
    assert pat.axis == "q_A^-1" and pat.x[np.argmax(pat.intensity)] == pytest.approx(3.087, abs=0.01)


@pytest.mark.parametrize(("title", "axis", "x0"), [("chi_Q chi_I", "q_A^-1", 1.5115), ("chi_2theta chi_I", "2th_deg", 2.2937)])
def test_xpd_pipeline_column_titles_set_the_unit(tmp_path, title, axis, x0):
    """NSLS-II XPD's pipeline (xpdAcq pdfstream) names its integrated columns chi_Q (q in Å⁻¹, saved
    with dim1_unit='q_A^-1'), chi_2theta (2θ in degrees) and chi_I. DanOlds/RoboMage's
    examples/pdf_SRM_660b_q.chi ('# chi_Q chi_I', LaB6 at 0.1665 Å) was read as 2θ: LaB6 100 at
    q = 1.511 Å⁻¹ became "1.511°" and the cell came out 3.650 Å (doubtful) instead of 4.157 Å."""
    x = np.arange(0.5, 12.0, 0.0083)
    y = 400 + 5e3 * np.exp(-0.5 * ((x - x0) / 0.01) ** 2)
    path = tmp_path / "lab6.chi"
    path.write_text(f"# {title}\n" + "\n".join(f"{u:.6f} {v:.3f}" for u, v in zip(x, y)) + "\n")
    pat = read_pattern(path, wavelength_a=0.1665)
    assert pat.axis == axis and not pat.metadata.get("axis_assumed")
    assert pat.x[np.argmax(pat.intensity)] == pytest.approx(x0, abs=0.005)


@pytest.mark.parametrize(("space", "axis"), [("qspace", "q_A^-1"), ("twotheta", "2th_deg")])
def test_srxplanar_integration_space_sets_the_unit(tmp_path, space, axis):
    """diffpy SrXplanar/SrXgui write their configuration above the data: 'integrationspace = qspace'
    is q in Å⁻¹. Billingegroup/pdfttp_data ch04GetPDF/datah/Ni.chi (Ni at 0.1835957 Å) was read as
    2θ: Ni 111 at q = 3.088 Å⁻¹ became "3.08°" and the cell came out 3.613 Å (doubtful)."""
    x = np.arange(0.0, 12.0, 0.02)
    y = 400 + 5e3 * np.exp(-0.5 * ((x - 3.088) / 0.02) ** 2)
    head = ("# SrXgui configration #\n[Experiment]\nmaskfile = mask.npy\n"
            f"integrationspace = {space}\nwavelength = 0.1835957\nqstep = 0.02\n\n"
            "[Others]\nuncertaintyenable = True\n\n#### start data\n")
    path = tmp_path / "Ni.chi"
    path.write_text(head + "\n".join(f"{u:g} {v:.3f} {np.sqrt(v):.3f}" for u, v in zip(x, y)) + "\n")
    pat = read_pattern(path)
    assert pat.axis == axis and not pat.metadata.get("axis_assumed")
    assert pat.wavelength_a == pytest.approx(0.1835957)
    assert pat.x[np.argmax(pat.intensity)] == pytest.approx(3.088, abs=0.02)


@pytest.mark.parametrize("suffix", [".iq", ".sq", ".fq"])
def test_headerless_pdf_program_intensities_are_in_q(tmp_path, suffix):
    """diffpy.srfit's ni.iq (PDFgetX3 I(Q), no header) was read as 2θ: Ni 111 at q = 3.09 Å⁻¹
    became "3.09°" and a came out anywhere (3.22 Å at λ = 0.1 Å). These suffixes are q in Å⁻¹."""
    q = np.arange(0.5, 20.0, 0.011)
    y = 400 + 5e4 * np.exp(-0.5 * ((q - 2 * np.pi * np.sqrt(3) / 3.5239) / 0.015) ** 2)
    path = tmp_path / f"ni{suffix}"
    path.write_text("\n".join(f"{u:.6f} {v:.3f}" for u, v in zip(q, y)) + "\n")
    pat = read_pattern(path, wavelength_a=0.1)
    assert pat.axis == "q_A^-1"
    assert pat.x[np.argmax(pat.intensity)] == pytest.approx(3.0882, abs=0.006)
    same = tmp_path / "ni.dat"   # without the suffix, a bare two-column file stays 2θ
    same.write_text(path.read_text())
    assert read_pattern(same, wavelength_a=0.1).axis == "2th_deg"


def test_fit2d_chi_titles_as_fit2d_writes_them(tmp_path):
    """Fit2D titles a q scan 'Q (Inverse Nanometres)' (its own source, and the IDL/MATLAB
    writers that copy it): that was 'unknown radial axis title …; give axis=', advice the
    command line cannot take. q in nm⁻¹ must come out in Å⁻¹ with the peak where it was."""
    q_nm = np.linspace(5.0, 40.0, 1400)
    q111 = 10 * 2 * np.pi * np.sqrt(3) / 5.411651            # nm⁻¹
    y = 30 + 900 * np.exp(-0.5 * ((q_nm - q111) / 0.05) ** 2)
    body = "\n".join(f" {u:.6e}  {v:.6e}" for u, v in zip(q_nm, y))
    path = tmp_path / "ceo2_q.chi"
    path.write_text(f"ceo2_001.tif\nQ (Inverse Nanometres)\nIntensity\n       {q_nm.size}\n{body}\n")
    pat = read_pattern(path)
    assert pat.axis == "q_A^-1"
    assert pat.x[np.argmax(pat.intensity)] == pytest.approx(q111 / 10, abs=0.003)
    radial = tmp_path / "ceo2_mm.chi"
    radial.write_text(f"ceo2_001.tif\nRadial Distance (mm)\nIntensity\n       {q_nm.size}\n{body}\n")
    with pytest.raises(InputError, match="Radial Distance.*integrate the image to 2θ or q") as exc:
        read_pattern(radial)
    assert "axis=" not in str(exc.value)


def test_gsas2_q_exports_are_read_in_q(tmp_path):
    """GSAS-II's 'Fit2D q-bin chi' export writes 'Q <λ>' as the axis line (.qchi), and its
    Topas-style .qye a /* … */ comment block over q columns: the first was 'unknown radial
    axis title', the second was read as 2θ. Both are q in Å⁻¹ (GSAS-II's own G2pwd_xye)."""
    a = 5.411651
    qs = [2 * np.pi * np.sqrt(n) / a for n in (3, 4, 8, 11)]
    q = np.linspace(1.0, 7.0, 3000)
    y = 20 + sum(h * np.exp(-0.5 * ((q - c) / 0.006) ** 2) for c, h in zip(qs, (1000, 300, 500, 400)))
    body = "\n".join(f" {u:.7e}   {v:.7e}" for u, v in zip(q, y))
    path = tmp_path / "ceo2.qchi"
    path.write_text(f"ceo2_11bm.fxye Bank 1\nQ{0.413263:>20.6f}\nIntensity\n       {q.size}\n{body}\n")
    pat = read_pattern(path)
    assert pat.axis == "q_A^-1" and pat.wavelength_a == pytest.approx(0.413263)
    assert pat.x[np.argmax(pat.intensity)] == pytest.approx(qs[0], abs=0.004)
    qye = tmp_path / "ceo2.qye"
    qye.write_text("/*\n# ceo2_11bm.fxye Bank 1\n*/\n" + body + "\n")
    pat = read_pattern(qye, wavelength_a=0.413263)
    assert pat.axis == "q_A^-1" and pat.x[np.argmax(pat.intensity)] == pytest.approx(qs[0], abs=0.004)
    # a .qchi of a Kα1/Kα2 pattern carries λ = 0: q still, the wavelength from the caller
    path.write_text(f"lab\nQ{0.0:>20.6f}\nIntensity\n       {q.size}\n{body}\n")
    assert read_pattern(path).wavelength_a is None


def _with_third_column(src, dst, third):
    """``src`` (a real pyFAI pattern, header kept) with ``third(y)`` as a third column."""
    lines = src.read_text().splitlines()
    header = [ln for ln in lines if ln.startswith("#")]
    x, y = np.loadtxt(src, unpack=True)
    body = [f"{a:.8g} {b:.8g} {c:.8g}" for a, b, c in zip(x, y, third(y))]
    dst.write_text("\n".join(header + body) + "\n")
    return dst


def _smoothed(y):
    from scipy.signal import savgol_filter

    return savgol_filter(y, 7, 3)


@pytest.mark.parametrize("what, third, says", [
    ("a fitted curve", lambda y: np.clip(_smoothed(y), 0.0, None), "of the intensity"),
    ("GSAS-II weights 1/σ²", lambda y: 1.0 / np.maximum(y, 1.0), "falls as the intensity rises"),
    ("a difference curve", lambda y: y - _smoothed(y), "negative"),
    ("a constant background", lambda y: np.full_like(y, np.median(y)), "scatter"),
])
def test_a_third_column_that_is_no_uncertainty_is_set_aside(tmp_path, what, third, says):
    """Exports put fitted curves, weights or backgrounds in the third column. Read as σ, a
    fitted curve hid every LaB6 line under "the noise" (no peak rises above 3×) and weights
    made the noise ~1000× too small. The real pyFAI pattern must give the same cell with its
    third column set aside, and the result must say why (SRM 660a a = 4.15689 Å, manifest
    case lab6-pyfai-xy; 0.002 Å: issue 10's tolerance)."""
    from dackit.io.patterns import read_pattern
    from dackit.xrd.lattice import fit_lattice
    from dackit.xrd.phases import get_phase

    src = Path(__file__).parent / "corpus" / "xrd" / "lab6_p49_001_pyfai.xy"
    p = read_pattern(_with_third_column(src, tmp_path / "lab6_3col.xy", third))
    assert p.sigma is None, what
    assert any(says in n for n in p.reader_notes), p.reader_notes
    fit = fit_lattice(p, get_phase("LaB6"))
    assert fit.params["a"] == pytest.approx(4.15689, abs=0.002)
    assert any("third column" in n for n in fit.verdict.notes)


def test_a_real_uncertainty_column_is_kept(tmp_path):
    """Counting σ = √I written beside the same pattern stays σ, and so do the σ columns of
    every real 3-column file in the corpus (65 checked when the rule was written)."""
    from dackit.io.patterns import read_pattern

    src = Path(__file__).parent / "corpus" / "xrd" / "lab6_p49_001_pyfai.xy"
    p = read_pattern(_with_third_column(src, tmp_path / "lab6_sigma.xy", lambda y: np.sqrt(np.maximum(y, 1.0))))
    assert p.sigma is not None and not p.reader_notes
    xye = read_pattern(Path(__file__).parent / "corpus" / "xrd" / "lab6_d500_si_psd_xrayutilities.xye")
    assert xye.sigma is not None and not xye.reader_notes


def test_powder_cif_profile_is_read_not_taken_as_columns(tmp_path):
    """A pdCIF (EasyDiffraction's hrpt.cif, GSAS-II's CIF export) keeps the profile in a loop_
    of _pd_meas items: read as text columns it ended in 'line 28 is not numeric: loop_'.
    It is read as a powder CIF (dackit.io.pdcif), in DDLm and in DDL1 spelling; a file whose
    comment mentions data_ is still a plain pattern."""
    rows = "".join(f"{i} {10 + 0.05 * i:.2f} {150 + i % 7} 12.5\n" for i in range(40))
    for meas in ("_pd_meas.2theta_scan", "_pd_meas_2theta_scan"):
        path = tmp_path / "profile.cif"
        path.write_text("data_hrpt\n_instr.wavelength 1.494\n\nloop_\n_pd_data.point_id\n"
                        f"{meas}\n_pd_meas.intensity_total\n_pd_meas.intensity_total_su\n" + rows)
        p = read_pattern(path)
        assert p.metadata["format"] == "pdcif" and p.x.size == 40
        assert p.x[1] == pytest.approx(10.05) and p.intensity[1] == 151 and p.sigma[1] == 12.5
    plain = tmp_path / "plain.xy"
    plain.write_text("# data_ are numbers below\n" + "".join(f"{10 + 0.05 * i:.2f} {150 + i % 7}\n" for i in range(40)))
    assert read_pattern(plain).x.size == 40


def _udf_text(start, step, counts, lam="1.54060"):
    end = start + step * (len(counts) - 1)
    rows = [",".join(f"{c:8d}" for c in counts[i:i + 8]) for i in range(0, len(counts), 8)]
    return ("SampleIdent,Si,/\nAnode,Cu,/\n"
            f"LabdaAlpha1, {lam},/\nLabdaAlpha2, 1.54443,/\nRatioAlpha21, 0.50000,/\n"
            f"DataAngleRange,  {start:.4f}, {end:.4f},/\nScanStepSize,   {step:g},/\nScanType,Continuous,/\n"
            "RawScan\n" + ",\n".join(rows) + ",/\n")


def test_philips_udf_is_read(tmp_path):
    """Philips UDF (PC-APD / X'Pert export): header 'Key,value,/' lines, 'RawScan', then
    counts 8 a line ending with '/'. Read as text columns it ended in 'line 1145 is not
    numeric'. 2θ = start + i·step, λ = LabdaAlpha1; a count-range mismatch is damage."""
    counts = list(np.random.default_rng(3).integers(100, 2000, 45))
    path = tmp_path / "scan.UDF"
    path.write_text(_udf_text(20.0158, 0.013, counts))
    pat = read_pattern(path)
    np.testing.assert_allclose(pat.twotheta_deg, 20.0158 + 0.013 * np.arange(45), atol=1e-9)
    assert pat.metadata["format"] == "philips-udf" and pat.wavelength_a == pytest.approx(1.5406)
    assert read_pattern(path, wavelength_a=0.7093).wavelength_a == pytest.approx(0.7093)
    bad = tmp_path / "short.udf"
    bad.write_text(_udf_text(20.0158, 0.013, counts).replace(f"{20.0158 + 0.013 * 44:.4f}", "30.0000"))
    with pytest.raises(InputError, match="damaged"):
        read_pattern(bad)
    cut = tmp_path / "cut.udf"
    cut.write_text(_udf_text(20.0158, 0.013, counts).rsplit(",/", 1)[0])
    with pytest.raises(InputError, match="truncated"):
        read_pattern(cut)


def _uxd_text(ranges, drive="COUPLED"):
    """A DIFFRAC UXD export: file-wide keys, then per range its keys and a data marker."""
    out = ["; (C) Bruker AXS", "_FILEVERSION=1", "_WL1=1.540600", "_WL2=1.544390", "_WLRATIO=0.500000",
           "_ANODE='Cu'"]
    for marker, start, step, values in ranges:
        out += ["; (Data for Range number 1)", f"_DRIVE='{drive}'", "_STEPTIME=2.000000",
                f"_STEPSIZE={step:f}", f"_START={start:f}", marker]
        if marker.startswith("_2THETA"):
            out += [f"  {start + step * i:.4f}  {v:g}" for i, v in enumerate(values)]
        else:
            out += ["  ".join(f"{v:g}" for v in values[i:i + 6]) for i in range(0, len(values), 6)]
    return "\n".join(out) + "\n"


def test_bruker_uxd_is_read(tmp_path):
    """Bruker UXD (DIFFRAC text export): '_KEY=value' header lines, then counts after
    '_COUNTS' (several a line, 2θ = _START + i·_STEPSIZE) or position–intensity pairs after
    '_2THETACOUNTS'. Read as text columns the _COUNTS form was refused as 'several patterns
    side by side'. A '*CPS' range is turned into counts with _STEPTIME; later ranges are
    named, not read; a rocking curve (_DRIVE 'OMEGA') is not a powder pattern."""
    counts = [float(c) for c in np.random.default_rng(4).integers(100, 2000, 40)]
    grid = 20.0 + 0.02 * np.arange(40)
    for marker in ("_COUNTS", "_2THETACOUNTS"):
        path = tmp_path / f"{marker[1:]}.uxd"
        path.write_text(_uxd_text([(marker, 20.0, 0.02, counts)]))
        pat = read_pattern(path)
        np.testing.assert_allclose(pat.twotheta_deg, grid, atol=1e-9)
        np.testing.assert_allclose(pat.intensity, counts)
        assert pat.metadata["format"] == "bruker-uxd" and pat.wavelength_a == pytest.approx(1.5406)
    cps = tmp_path / "cps.txt"  # the content decides, not the suffix
    cps.write_text(_uxd_text([("_CPS", 20.0, 0.02, [c / 2 for c in counts]),
                              ("_COUNTS", 60.0, 0.02, counts)]))
    pat = read_pattern(cps, wavelength_a=0.7093)
    np.testing.assert_allclose(pat.intensity, counts)
    assert pat.wavelength_a == pytest.approx(0.7093) and pat.x.size == 40
    assert any("2 ranges" in n for n in pat.metadata["reader_notes"])
    rocking = tmp_path / "rocking.uxd"
    rocking.write_text(_uxd_text([("_COUNTS", 10.0, 0.01, counts)], drive="OMEGA"))
    with pytest.raises(InputError, match="OMEGA.*not 2θ"):
        read_pattern(rocking)
    cut = tmp_path / "cut.uxd"
    cut.write_text(_uxd_text([("_COUNTS", 20.0, 0.02, counts)]).split("_COUNTS")[0] + "_COUNTS\n")
    with pytest.raises(InputError, match="truncated"):
        read_pattern(cut)


@pytest.mark.parametrize("title", ["Theta Intensity", "theta(deg),counts", "θ/° I", "Theta_deg  I  sigma"])
def test_a_theta_column_is_refused_naming_it(tmp_path, title):
    """A column titled θ (not 2θ): reflectivity and some goniometer exports hold the sample
    angle θ there, home-made ones often 2θ. Read as 2θ, the θ values of this LaB6 Cu scan
    (100 line at θ = 10.7°) gave d = 8.3 Å instead of 4.15 Å; the reader cannot tell the two
    apart, so it refuses, naming the column and both fixes. An explicit axis is taken."""
    theta = np.linspace(5.0, 40.0, 800)
    y = 100.0 + 1e4 * np.exp(-0.5 * ((theta - 10.7) / 0.02) ** 2)
    sep = "," if "," in title else " "
    f = tmp_path / "scan.xy"
    f.write_text(f"# {title}\n" + "".join(f"{a:.4f}{sep}{b:.2f}\n" for a, b in zip(theta, y)))
    first = title.split(",")[0].split()[0]
    with pytest.raises(InputError, match=rf"first column is titled '{re.escape(first)}'.*θ, not 2θ.*'2theta'.*double it"):
        read_pattern(f, wavelength_a=1.5406)
    pat = read_pattern(f, wavelength_a=1.5406, axis="2th_deg")
    assert pat.twotheta_deg.max() == pytest.approx(40.0, abs=1e-3)


@pytest.mark.parametrize("title", ["2Theta Intensity", "two_theta counts", "2θ I", "TwoTheta I"])
def test_a_two_theta_column_is_not_taken_for_theta(tmp_path, title):
    x = np.linspace(10.0, 80.0, 700)
    f = tmp_path / "scan.xy"
    f.write_text(f"# {title}\n" + "".join(f"{a:.4f} {100 + 50 * np.sin(a):.2f}\n" for a in x))
    assert read_pattern(f, wavelength_a=1.5406).twotheta_deg.max() == pytest.approx(x.max(), abs=1e-3)


def test_masked_nan_bins_are_dropped_with_a_note(tmp_path):
    # pyFAI writes masked (empty) bins as NaN: a few are dropped, and the result says so
    x = np.linspace(0.02, 0.3, 200)
    y = 100 + 1000 * np.exp(-0.5 * ((x - 0.1076) / 0.002) ** 2)
    y[40:43] = np.nan
    path = tmp_path / "masked.dat"
    np.savetxt(path, np.column_stack([x, y]), header="q_A^-1 I")
    pat = read_pattern(path)
    assert pat.x.size == 197
    assert any("3 empty (NaN, masked) bin(s) dropped" in n for n in pat.reader_notes)
