"""SAXS inputs as users hand them over (issue 10): the q unit only in a column title, 2θ
instead of q, NIST/IGOR .ABS headers, canSAS points that repeat a Q, 2D (Qx, Qy) text, a
beam-stop shadow of zeros, over-subtracted (negative) intensities and NaN rows. Patterns are
built here with numpy — lamellar orders of silver behenate (d001 = 58.380 Å, Blanton et al.,
Powder Diffr. 10, 91 (1995)) on a power-law slope with Poisson noise — not with dackit's
simulator."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from dackit.cli import cli
from dackit.errors import InputError
from dackit.io.cansas import merge_repeated_q, read_cansas
from dackit.io.nistabs import read_nist_abs
from dackit.saxs.analysis import load_saxs

D001 = 58.380


def _agbeh(seed=1):
    rng = np.random.default_rng(seed)
    q = np.linspace(0.02, 0.75, 1500)
    y = 2e-3 * q ** -2.5 + 0.5
    for n in range(1, 8):
        y += (30 / n ** 1.3) * np.exp(-0.5 * ((q - 2 * np.pi * n / D001) / 0.0025) ** 2)
    return q, rng.poisson(y * 200) / 200.0


def _peaks(path, *args):
    out = CliRunner().invoke(cli, ["saxs", "peaks", str(path), *args, "--json"])
    return out.exit_code, json.loads(out.stdout)[0] if out.stdout.strip().startswith("[") else None, out.output


def _write(path, q, y, header, delimiter=" "):
    np.savetxt(path, np.c_[q, y], header=header, comments="# ", delimiter=delimiter)
    return path


@pytest.mark.parametrize("title, factor", [
    ("s, nm^-1  I(s)", 10.0),                 # ATSAS: s is q
    ("q_nm^-1,I", 10.0),                      # pyFAI's unit name as a CSV title
    ("scattering vector (nm^-1)  I", 10.0),
    ("q [nm-1], I [a.u.]", 10.0),
    ("Q [1/Angstrom]  I  err", 1.0),
    ("q (A^-1)  I (cm^-1)", 1.0),
    ("q [nm^{-1}]  I", 10.0),                 # matplotlib LaTeX, as plotting scripts write it
    ("Q (nm$^{-1}$)  I", 10.0),
])
def test_q_unit_in_the_column_title(tmp_path, title, factor):
    """A unit written only in the column title decides the scale; 's, nm^-1' was read as Å⁻¹
    (every d 10× too small)."""
    q, y = _agbeh()
    delim = "," if "," in title and "[" not in title else " "
    path = _write(tmp_path / "curve.dat", q * factor, y, title, delim)
    code, row, text = _peaks(path)
    assert code == 0, text
    # an s column may be 1/d as well as ATSAS's q: read as q, and doubtful
    s_title = title.startswith("s,")
    assert row["mesophase"] == "lamellar", row["quality_notes"]
    assert row["quality"] == ("doubtful" if s_title else "ok"), row["quality_notes"]
    assert any("titled s" in n for n in row["quality_notes"]) == s_title
    assert row["lattice_angstrom"] == pytest.approx(D001, rel=0.005)
    assert not any("does not state the q unit" in n for n in row["quality_notes"])


def test_s_column_as_one_over_d_is_not_ok(tmp_path):
    """'s (1/nm)' in the crystallographers' convention s = 2 sin θ/λ = 1/d: read as ATSAS's
    s = q, the AgBeh d001 came out 2π × 58.38 = 366.7 Å with quality ok. Either reading is
    possible from the file alone, so the row is doubtful and names both."""
    q, y = _agbeh()
    path = _write(tmp_path / "curve.dat", q / (2 * np.pi) * 10, y, "s (1/nm)  I")
    code, row, text = _peaks(path)
    assert code == 0, text
    assert row["quality"] == "doubtful"
    note = next(n for n in row["quality_notes"] if "titled s" in n)
    assert "2π× too large" in note


def test_absolute_intensity_unit_is_not_a_q_unit(tmp_path):
    """'I (1/cm)' is the intensity's unit: q stays unstated (Å⁻¹, with the note)."""
    q, y = _agbeh()
    path = _write(tmp_path / "curve.dat", q, y, "Q  I (1/cm)")
    code, row, text = _peaks(path)
    assert code == 0, text
    assert any("does not state the q unit" in n for n in row["quality_notes"])
    assert row["lattice_angstrom"] == pytest.approx(D001, rel=0.005)


def test_two_theta_title_is_read_as_two_theta(tmp_path):
    """A '2theta' column title without a unit: 2θ in degrees, not q (it was read as q and the
    curve refused as wide-angle diffraction)."""
    q, y = _agbeh()
    lam = 1.5418
    tth = np.degrees(2 * np.arcsin(q * lam / (4 * np.pi)))
    path = _write(tmp_path / "curve.dat", tth, y, "2theta I")
    code, row, text = _peaks(path)
    assert code == 2 and "wavelength" in text and "curve.dat" in text
    code, row, text = _peaks(path, "--wavelength", str(lam))
    assert code == 0, text
    assert row["mesophase"] == "lamellar"
    assert row["lattice_angstrom"] == pytest.approx(D001, rel=0.005)


def test_two_theta_scan_range_in_a_comment_header(tmp_path):
    """A lab .xye export whose C-style comment header states the 2θ range ('2Ɵ', U+019F, for
    2θ) and the tube's Kα1 line, over a count line and no column titles: read as 2θ with that
    wavelength (it was read as q and refused as wide-angle diffraction)."""
    q, y = _agbeh()
    lam = 1.540593
    tth = np.degrees(2 * np.arcsin(q * lam / (4 * np.pi)))
    path = tmp_path / "agbeh.xye"
    rows = "\n".join(f"{t:.4f} {v:.4f} {np.sqrt(v + 1):.4f}" for t, v in zip(tth, y))
    path.write_text(f"/* ; 2\u019f {tth[0]:.2f}-{tth[-1]:.2f} by {tth[1] - tth[0]:.3f}, dwell 4 s; "
                    f"Silver Behenate; KAlpha1 {lam}; */\n/* {tth.size} */\n{rows}\n", encoding="utf-8")
    code, row, text = _peaks(path)
    assert code == 0, text
    assert row["mesophase"] == "lamellar"
    assert row["lattice_angstrom"] == pytest.approx(D001, rel=0.005)


def test_two_theta_range_of_other_values_is_not_the_axis(tmp_path):
    """A 2θ range in the header that is not the first column's (a q curve whose notes mention
    the scan of another file) does not turn q into 2θ."""
    q, y = _agbeh()
    path = tmp_path / "curve.dat"
    rows = "\n".join(f"{a:.6f} {v:.4f}" for a, v in zip(q, y))
    path.write_text(f"# calibrated on a 2theta 5.00-90.00 scan\n# q_A^-1 I\n{rows}\n", encoding="utf-8")
    code, row, text = _peaks(path)
    assert code == 0, text
    assert row["lattice_angstrom"] == pytest.approx(D001, rel=0.005)


def test_header_less_nm_curve_error_names_the_unit(tmp_path):
    """nm⁻¹ without a header lands every AgBeh order beyond 1 Å⁻¹: the refusal says how to
    state the unit."""
    q, y = _agbeh()
    path = tmp_path / "curve.dat"
    np.savetxt(path, np.c_[q * 10, y])
    code, _, text = _peaks(path)
    assert code == 2 and "q_nm^-1" in text and "curve.dat" in text


@pytest.mark.parametrize("damage", ["beamstop_zeros", "negative", "nan_rows"])
def test_damaged_curve_still_gives_d001(tmp_path, damage):
    q, y = _agbeh(seed=3)
    path = tmp_path / "curve.dat"
    if damage == "beamstop_zeros":
        y = np.where(q < 0.07, 0.0, y)
        _write(path, q, y, "q(A^-1) I")
    elif damage == "negative":
        _write(path, q, y - np.median(y), "q(A^-1) I")  # an over-subtracted background
    else:
        rows = [f"{a:.6g} {'nan' if k % 50 == 7 else f'{b:.6g}'}" for k, (a, b) in enumerate(zip(q, y))]
        path.write_text("# q(A^-1) I\n" + "\n".join(rows) + "\n")
    code, row, text = _peaks(path)
    assert code == 0, text
    assert row["mesophase"] == "lamellar" and row["quality"] == "ok", row["quality_notes"]
    assert row["lattice_angstrom"] == pytest.approx(D001, rel=0.005)
    assert row["d_first_angstrom"] == pytest.approx(D001, rel=0.01)


NIST_HEADER = """FILE: test01.SA3_XYZ_R001\t\t CREATED: Mon, Jan 21, 2008 1:34:58 PM
LABEL: behenate test
MON CNT   LAMBDA   DET ANG   DET DIST   TRANS   THICK   AVE   STEP
1e+08  6       25     1     0.5667     0.2C   1
BCENT(X,Y)   A1(mm)   A2(mm)   A1A2DIST(m)   DL/L   BSTOP(mm)   DET_TYP
114.58  64.22  50    12.7    3.914    0.124    50.8    ORNL
SAM: test01.SA3_XYZ_R001
ABS Parameters (3-6): TSTAND=1;DSTAND=1;IZERO=2.547e+05;XSECT=1
Average Choices: AVTYPE=Circular;SAVE=Yes;NAME=Auto;PLOT=Yes;
"""


def _nist_rows(q, y, slit=False):
    sq = -0.117 if slit else 0.004
    return "".join(f"{a:15.6g} {b:15.6g} {max(np.sqrt(abs(b)) * 0.05, 1e-4):15.6g} {sq:15.6g} {a:15.6g} 1\n"
                   for a, b in zip(q, y))


@pytest.mark.parametrize("legend", [True, False])
def test_nist_abs_header_is_skipped(tmp_path, legend):
    """The 'MON CNT' value line ('0.2C') made the column reader stop at line 4."""
    q, y = _agbeh()
    text = NIST_HEADER + ("The 6 columns are | Q (1/A) | I(Q) (1/cm) | std. dev. I(Q) (1/cm) | "
                          "sigmaQ | meanQ | ShadowFactor|\n" if legend else "") + _nist_rows(q, y)
    path = tmp_path / "run.ABS"
    path.write_text(text)
    pat = load_saxs(path)
    assert pat.x.size == q.size and pat.x[0] == pytest.approx(q[0], rel=1e-5)
    assert pat.metadata["format"] == "nist-abs" and not pat.metadata["slit_smeared"]
    code, row, out = _peaks(path)
    assert code == 0 and row["mesophase"] == "lamellar", out
    assert row["lattice_angstrom"] == pytest.approx(D001, rel=0.005)


def test_nist_abs_negative_sigma_q_is_slit_smeared(tmp_path):
    q, y = _agbeh()
    path = tmp_path / "usans.ABS"
    path.write_text(NIST_HEADER + _nist_rows(q, y, slit=True))
    assert read_nist_abs(path).metadata["slit_smeared"]


def test_nist_abs_truncated_row_is_named(tmp_path):
    q, y = _agbeh()
    rows = _nist_rows(q, y).splitlines()
    rows[40] = "   0.0512   3.6"
    path = tmp_path / "cut.ABS"
    path.write_text(NIST_HEADER + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"cut\.ABS.*line 50"):
        read_nist_abs(path)


def test_repeated_q_are_merged_by_weight():
    q = np.array([0.3, 0.1, 0.2, 0.2])
    i = np.array([3.0, 1.0, 2.0, 4.0])
    s = np.array([1.0, 1.0, 1.0, 2.0])
    uq, ui, us, n = merge_repeated_q(q, i, s)
    assert n == 1 and list(uq) == [0.1, 0.2, 0.3]
    assert ui[1] == pytest.approx((2.0 / 1 + 4.0 / 4) / (1 + 1 / 4))
    assert us[1] == pytest.approx(1 / np.sqrt(1.25))
    uq, ui, us, n = merge_repeated_q(q, i, None)
    assert n == 1 and ui[1] == pytest.approx(3.0) and us is None


def test_cansas_with_a_repeated_q_reads(tmp_path):
    """A SANS entry whose Q repeats (two detector banks meet) was 'duplicate values on the
    radial axis'."""
    q, y = _agbeh()
    q = np.insert(q, 700, q[700])
    y = np.insert(y, 700, y[700] * 1.01)
    pts = "".join(f'<Idata><Q unit="1/A">{a:.8g}</Q><I unit="1/cm">{b:.8g}</I>'
                  f'<Idev unit="1/cm">{0.05 * abs(b) + 1e-3:.6g}</Idev></Idata>' for a, b in zip(q, y))
    path = tmp_path / "two_banks.xml"
    path.write_text('<?xml version="1.0"?><SASroot version="1.0" xmlns="cansas1d/1.0">'
                    f"<SASentry><Title>t</Title><SASdata>{pts}</SASdata></SASentry></SASroot>")
    pat = read_cansas(path)
    assert pat.x.size == q.size - 1 and pat.metadata["merged_repeated_q"] == 1
    code, row, out = _peaks(path)
    assert code == 0 and row["mesophase"] == "lamellar", out


def test_2d_qx_qy_text_is_refused_by_name(tmp_path):
    qx, qy = np.meshgrid(np.linspace(-0.1, 0.1, 41), np.linspace(-0.1, 0.1, 41))
    img = np.exp(-((np.hypot(qx, qy) - 0.05) / 0.005) ** 2) + 0.1
    data = np.c_[qx.ravel(), qy.ravel(), img.ravel(), 0.01 * np.ones(img.size)]
    with_header = tmp_path / "frame2d.dat"
    np.savetxt(with_header, data, header="Data columns Qx - Qy - I(Qx,Qy) - err(I)\nASCII data", comments="")
    bare = tmp_path / "frame2d_bare.dat"
    np.savetxt(bare, data[:, :3])
    # Qx the slow axis, each value held over a row of Qy bins, under a run-number comment
    # (ORNL EQSANS Iq2d text): was 'the radial column is not monotonic … two files joined?'
    slow = tmp_path / "frame2d_qx_slow.dat"
    np.savetxt(slow, np.c_[qx.T.ravel(), qy.T.ravel(), img.T.ravel()], header="Run 132743")
    for path in (with_header, bare, slow):
        code, _, text = _peaks(path)
        assert code == 2 and "2D data" in text and path.name in text, text


def test_atsas_s_title_superlattice_is_not_ten_times_too_small(tmp_path):
    """The silent miss: a lamellar stack of d = 150 Å saved as 's, nm^-1' was indexed with
    d = 15.0 Å and quality ok (peaks below 1 Å⁻¹ even on the wrong scale, so no refusal)."""
    rng = np.random.default_rng(2)
    q = np.linspace(0.01, 0.3, 1200)
    y = 1e-4 * q ** -3 + 0.5
    for n in range(1, 6):
        y += (30 / n ** 1.3) * np.exp(-0.5 * ((q - 2 * np.pi * n / 150.0) / 0.0012) ** 2)
    path = _write(tmp_path / "stack.dat", q * 10, rng.poisson(y * 200) / 200.0, "s, nm^-1  I(s)")
    code, row, text = _peaks(path)
    assert code == 0, text
    assert row["lattice_angstrom"] == pytest.approx(150.0, rel=0.005)
    assert row["d_first_angstrom"] == pytest.approx(150.0, rel=0.01)


def test_unstated_unit_note_names_the_right_direction(tmp_path):
    q, y = _agbeh()
    path = tmp_path / "curve.dat"
    np.savetxt(path, np.c_[q, y])
    code, row, text = _peaks(path)
    assert code == 0, text
    note = next(n for n in row["quality_notes"] if "does not state the q unit" in n)
    assert "too small" in note


def test_bare_curve_with_an_nm_range_is_doubtful(tmp_path):
    """No header, q from 0.1 to 3: a lab camera in nm⁻¹ as likely as Å⁻¹, and read as Å⁻¹
    the d = 150 Å stack comes out 15 Å. It must not be ok."""
    rng = np.random.default_rng(2)
    q = np.linspace(0.01, 0.3, 1200)
    y = 1e-4 * q ** -3 + 0.5
    for n in range(1, 6):
        y += (30 / n ** 1.3) * np.exp(-0.5 * ((q - 2 * np.pi * n / 150.0) / 0.0012) ** 2)
    path = tmp_path / "stack.dat"
    np.savetxt(path, np.c_[q * 10, rng.poisson(y * 200) / 200.0])
    code, row, text = _peaks(path)
    assert code == 0, text
    assert row["quality"] == "doubtful"
    assert any("10× too small" in n and "nm⁻¹" in n for n in row["quality_notes"])
    # said once, with the range; not again as a general reading note
    assert sum("does not state the q unit" in n for n in row["quality_notes"]) == 1


def _fit2d_header_curve(path, axis_title, q, y):
    """Fit2D's 4-line header (title, axis title, intensity title, point count), as other
    programs write it too (e.g. the SphereSimulator profiles of matumot/fc-benten-applsci)."""
    with open(path, "w") as fh:
        fh.write(f"lamellar test\n{axis_title}\nIntensity\n{len(q)}\n")
        for a, b in zip(q, y):
            fh.write(f" {a:.6e} {b:.6e}\n")
    return path


@pytest.mark.parametrize("axis_title, scale, quality", [
    ("q [1/nm]", 10.0, "ok"),             # a column title in the axis line: d = 100 Å
    ("Q (Inverse Nanometres)", 10.0, "ok"),
    ("q (A^-1)", 1.0, "ok"),
    ("q [nm$^{-1}$]", 10.0, "ok"),        # LaTeX, read as no unit before
    ("Scattering vector", 10.0, "doubtful"),  # no unit at all: read as Å⁻¹, d = 10 Å, not ok
])
def test_fit2d_header_axis_line_states_the_q_unit(tmp_path, axis_title, scale, quality):
    """A lamellar d = 100 Å stack (numpy-built, 4 orders) under a Fit2D-style 4-line header.
    The axis line 'q [1/nm]' was not read (only Fit2D's own spellings were), so q in nm⁻¹
    came out d = 9.99 Å with quality ok; an axis line with no unit gave the same, ok, with no
    word that the unit was assumed."""
    rng = np.random.default_rng(1)
    q = np.linspace(0.02, 0.35, 700)
    y = 30 * (q / 0.02) ** -2.5 + 2
    for n in range(1, 5):
        y += 400 / n * np.exp(-0.5 * ((q - 2 * np.pi * n / 100.0) / 0.002) ** 2)
    path = _fit2d_header_curve(tmp_path / "stack.chi", axis_title, q * scale, rng.poisson(y * 50) / 50)
    code, row, text = _peaks(path)
    assert code == 0, text
    assert row["mesophase"] == "lamellar"
    assert row["quality"] == quality
    if quality == "ok":
        assert row["d_first_angstrom"] == pytest.approx(100.0, rel=0.01)
    else:
        assert any("does not state the q unit" in n and "10× too small" in n for n in row["quality_notes"])


@pytest.mark.parametrize("name, a", [("bcc", 400.0), ("sc", 400.0)])
def test_bare_nm_curve_of_a_large_superlattice_is_doubtful(tmp_path, name, a):
    """A superlattice of a = 400 Å measured to 4 q₁ (saxs_ff_synth, numpy-built), q in nm⁻¹
    with no header: 0.10-0.63 (SC) or 0.10-0.89 (BCC) read as Å⁻¹. Both readings are lab
    SAXS ranges, and the Å⁻¹ one indexed a = 40 Å with quality ok (the range doubt asked for
    q reaching 1.0). It must not be ok, and the note must name nm⁻¹."""
    from saxs_ff_synth import sweep_pattern, typical_params

    p = next(p for p in typical_params(40, seed=5) if p["name"] == name)
    q, y, _ = sweep_pattern({**p, "a": a, "q_max_rel": 4.0})
    path = tmp_path / "superlattice.dat"
    np.savetxt(path, np.c_[q * 10, y])
    code, row, text = _peaks(path)
    assert code == 0, text
    assert row["lattice_angstrom"] == pytest.approx(a / 10, rel=0.01)  # read as Å⁻¹, as stated
    assert row["quality"] == "doubtful", row["quality_notes"]
    assert any("10× too small" in n and "nm⁻¹" in n for n in row["quality_notes"])
