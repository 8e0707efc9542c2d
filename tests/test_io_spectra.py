"""Tests of dackit.io spectrum reading and writing: real files, dialects, round trips, bad input."""
import shutil
import zipfile

import numpy as np
import pytest

from dackit.core.spectrum import make_spectrum
from dackit.errors import InputError
from dackit.io import FORMATS, detect_format, read_spectrum, write_spectrum
from dackit.io.textcols import exposure_seconds, parse_table, pick_columns

# --- every real spectrum file listed in SOURCES.txt ------------------------------------
# (file, format, points, x first, x last, (x, y) pair copied from the file, exposure_s)
REAL_FILES = [
    ("pruby/test_data1.txt", "text", 3648, 680.10, 779.48, (680.10, 592.74), None),
    ("pruby/test_data2.txt", "oceanoptics", 3648, 669.64, 769.23, (669.74, 764.38), 0.2),
    ("rf2gpa/p1.1_RF.txt", "craic", 395, 500.26, 799.81, (500.26, -1.52), 0.1),
    ("rf2gpa/p1.2_RF.txt", "craic", 395, 500.26, 799.81, (500.26, -1.26), 0.1),
    ("rf2gpa/p1.3_RF.txt", "craic", 395, 500.26, 799.81, (500.26, -4.0), 0.1),
    ("rf2gpa/p1.4_RF.txt", "craic", 395, 500.26, 799.81, (500.26, -0.9001), 0.1),
    ("rf2gpa/p1.5_RF.txt", "craic", 395, 500.26, 799.81, (500.26, -2.4802), 0.1),
    ("rubycond_of/Ruby_example.dat", "text", 1024, 680.1266, 710.1806, (680.1266, 1329.75), None),
    ("spectra/BB_PF21_4.ProcSpec", "procspec", 3648, 176.3604183, 893.6943397, None, 0.01),
    ("spectra/BB_PF21_4.txt", "text", 3648, 176.36, 893.69, (177.24, 26.111), None),
    ("spectra/OOusb4000.txt", "oceanoptics", 3648, 178.65, 888.37, (179.30, 93.625), 0.02),
    ("spectra/OceanView.txt", "oceanoptics", 2389, 187.92, 2116.5, (187.92, 18.995), 0.02),
    ("spectra/OceanView_nonEN.txt", "oceanoptics", 2048, 190.74, 889.44, (192.63, 2433.333), 3.0),
    ("spectra/PbSe_batch1_JASCO_absorbance.txt", "jasco", 1801, 700.0, 2500.0, (2500.0, 0.10852), None),
    ("spectra/jobinyvon_test_spec.xml", "labspec-xml", 34, 522.574, 537.361, (537.361, 1496), 1.0),
    ("spectra/lightfield_step_and_glue.spe", "spe", 5344, 340.0304015, 690.0564203, (340.0304015, 1650), None),
    ("spectra/raman1.asc", "text", 1024, 405.23318, 454.55334, (405.23318, 280099), 0.1),
    ("spectra/raman1.sif", "sif", 1024, 405.2331717, 454.5533376, (405.2331717, 280099), 0.1),
    # SPE 2.x x = header polynomial at pixel numbers from 1 (a 150-850 nm glue; LightField's own
    # conversion of SPE_v2_converted.SPE, tests/corpus/formats): was one pixel blue (149.851, 610.535)
    ("spectra/step_and_glue_v2.spe", "spe", 4711, 149.9999994, 850.0000332, None, 0.02),
    ("spectra/tsunami_oceanoptics.scope", "oceanoptics", 2048, 339.95, 1013.55, (340.32, 166.2), 0.008),
    ("trax/Ruby.spe", "spe", 1340, 685.6481246, 713.4567818, (685.6481246, 157881), 1.0),
    ("trax/SPE_v2_PIXIS.SPE", "spe", 1340, 610.7448620, 887.2983236, (610.7448620, 303), 0.5),
    ("trax/SPE_v3_PIMAX.spe", "spe", 1024, 359.0008157, 573.9118098, (359.0008157, 80336), 0.1),
]


@pytest.mark.parametrize("name, fmt, n, x0, x1, pair, exposure", REAL_FILES,
                         ids=[r[0] for r in REAL_FILES])
def test_real_files_read_correctly(real_data, name, fmt, n, x0, x1, pair, exposure):
    s = read_spectrum(real_data / name)
    assert s.metadata["format"] == fmt
    assert len(s) == n
    assert s.x[0] == pytest.approx(x0, abs=1e-4) and s.x[-1] == pytest.approx(x1, abs=1e-4)
    assert np.all(np.diff(s.x) > 0)
    assert s.source == str(real_data / name)
    if pair is not None:
        i = int(np.argmin(np.abs(s.x - pair[0])))
        assert s.x[i] == pytest.approx(pair[0], abs=1e-7) and s.y[i] == pytest.approx(pair[1], abs=1e-9)
    if exposure is None:
        assert "exposure_s" not in s.metadata
    else:
        assert s.metadata["exposure_s"] == pytest.approx(exposure, rel=1e-7)


def test_real_file_list_covers_sources(real_data):
    """Every spectrum listed under the spectrum folders of SOURCES.txt is in REAL_FILES."""
    folders = ("spectra/", "pruby/", "rf2gpa/", "rubycond_of/", "trax/")
    listed = {line.split(" | ")[0] for line in (real_data / "SOURCES.txt").read_text().splitlines()
              if line.startswith(folders)}
    assert listed == {r[0] for r in REAL_FILES}


def test_procspec_equals_its_text_export(real_data):
    proc = read_spectrum(real_data / "spectra/BB_PF21_4.ProcSpec")
    text = read_spectrum(real_data / "spectra/BB_PF21_4.txt")
    # SpectraSuite printed x with 2 decimals and y with 3: at most half a last digit off.
    assert np.abs(proc.x - text.x).max() <= 0.005 + 1e-9
    assert np.abs(proc.y - text.y).max() <= 0.0005 + 1e-9
    assert proc.metadata["serial"] == "USB4C00008"
    assert proc.y_unit == "transmittance"


def test_sif_equals_andor_ascii_export(real_data):
    sif = read_spectrum(real_data / "spectra/raman1.sif")
    asc = read_spectrum(real_data / "spectra/raman1.asc")
    # Solis computes the axis in float32 (one ulp at 455 nm is 3.05e-5 nm) and prints
    # counts with 6 significant digits (error at most half the 6th digit).
    assert np.abs(sif.x - asc.x).max() <= np.spacing(np.float32(455.0))
    half_digit = 0.5 * 10.0 ** (np.floor(np.log10(np.abs(asc.y))) - 5)
    assert np.all(np.abs(sif.y - asc.y) <= half_digit)
    assert sif.metadata["instrument"] == "Andor DU888_BV"
    assert sif.metadata["laser_nm"] == 422.0


def test_spe_metadata_matches_t_rax_expectations(real_data):
    v2 = read_spectrum(real_data / "trax/SPE_v2_PIXIS.SPE")
    assert v2.metadata["grating"] == "300" and v2.metadata["center_wavelength_nm"] == 750.0
    assert v2.metadata["date"] == "2013-07-13T19:42:23"
    v3 = read_spectrum(real_data / "trax/SPE_v3_PIMAX.spe")
    assert v3.metadata["instrument"] == "PIXIS: 100BR"
    assert v3.metadata["grating"] == "860nm,300" and v3.metadata["center_wavelength_nm"] == 500.0
    assert v3.metadata["date"].startswith("2013-09-06T16:50")
    assert v3.metadata["rows_summed"] == 100


def test_ruby_spe_frame_shows_the_r1_r2_doublet(real_data):
    s = read_spectrum(real_data / "trax/Ruby.spe").crop(688.0, 700.0)
    y = np.convolve(s.y, np.ones(5) / 5, mode="same")
    peaks = [i for i in range(2, len(y) - 2) if y[i] == y[i - 2:i + 3].max()
             and y[i] - np.median(y) > 10 * np.std(np.diff(s.y))]
    top = sorted(peaks, key=lambda i: y[i])[-2:]
    r2, r1 = sorted(s.x[top])
    # Ambient ruby: R1 694.24 nm, R2 692.8 nm, split 1.4 nm (Syassen 2008, High Press. Res. 28, 75).
    assert 693.5 < r1 < 695.5 and 1.2 < r1 - r2 < 1.7
    assert y[np.argmin(np.abs(s.x - r1))] > y[np.argmin(np.abs(s.x - r2))]  # R1 is the stronger


def test_jasco_units(real_data):
    s = read_spectrum(real_data / "spectra/PbSe_batch1_JASCO_absorbance.txt")
    assert (s.x_unit, s.y_unit) == ("nm", "absorbance")


# --- text dialects -----------------------------------------------------------------------

X = np.round(np.linspace(690.0, 699.0, 19), 2)
Y = np.round(1000 + 500 * np.exp(-((X - 694.24) / 0.4) ** 2), 1)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rows(fmt, decimal=".", x=X, y=Y):
    lines = [fmt.format(a, b) for a, b in zip(x, y)]
    return "\n".join(line.replace(".", decimal) for line in lines) + "\n"


@pytest.mark.parametrize("body", [
    _rows("{}\t{}"),
    _rows("{}    {}"),
    _rows("{},{}"),
    _rows("{}, {}"),
    _rows("{};{}"),
    _rows("{};{}", decimal=","),
    _rows("{}\t{}", decimal=","),
    _rows("{} {}", decimal=","),
    "# ruby at ambient\n% exported\n; by hand\n" + _rows("{}\t{}"),
    '"Wavelength","Intensity"\n' + _rows('"{}","{}"'),
    "Some Program v1\nUser: me\n\n" + _rows("{}\t{}\t7\t8"),
    _rows("{}\t{}") + "\nEnd of data\nTotal: 12 lines\n",
    _rows("{}\r\n{}").replace("\r\n", "\t").replace("\n", "\r\n"),
], ids=["tab", "spaces", "comma", "comma-space", "semicolon", "semicolon-decimal-comma",
        "tab-decimal-comma", "space-decimal-comma", "comments", "quoted-header", "extra-columns",
        "trailing-junk", "crlf"])
def test_text_dialects(tmp_path, body):
    s = read_spectrum(_write(tmp_path, "ruby.txt", body))
    np.testing.assert_array_equal(s.x, X)
    np.testing.assert_array_equal(s.y, Y)
    assert s.x_unit == "nm"


def test_decimal_comma_example_from_the_issue(tmp_path):
    body = "".join(f"{694 + i / 10:.2f};{1234.5 + i:.1f}\n".replace(".", ",") for i in range(12))
    s = read_spectrum(_write(tmp_path, "a.csv", body))
    assert s.x[0] == 694.0 and s.y[0] == 1234.5 and s.metadata["decimal"] == ","


@pytest.mark.parametrize("header, unit, y_unit", [
    ("Wavelength (nm),Intensity", "nm", "counts"),
    ("lambda;counts", "nm", "counts"),
    ("Energy (eV)\tCounts", "eV", "counts"),
    ("Wavenumber (cm-1),Absorbance", "cm-1", "absorbance"),
    ("Raman shift (cm-1),Intensity", "raman_cm-1", "counts"),
    ("Pixel,Counts", "pixel", "counts"),
])
def test_named_columns_set_units(tmp_path, header, unit, y_unit):
    delimiter = ";" if ";" in header else "\t" if "\t" in header else ","
    # photon energies under an eV label (wavelength numbers there are read as nm: issue 10)
    x = X / 400 if unit == "eV" else X
    body = header + "\n" + _rows("{}" + delimiter + "{}", x=x)
    s = read_spectrum(_write(tmp_path, "named.csv", body))
    assert (s.x_unit, s.y_unit, s.metadata["x_unit_from"]) == (unit, y_unit, "file")


def test_unit_from_a_header_that_does_not_split_into_columns(tmp_path):
    s = read_spectrum(_write(tmp_path, "raman.txt", "Raman Shift Intensity\n" + _rows("{} {}")))
    assert s.x_unit == "raman_cm-1"


def test_named_columns_pick_x_and_y_by_name(tmp_path):
    body = "Pixel,Dark,Wavelength,Intensity\n" + "".join(
        f"{i},5,{a},{b}\n" for i, (a, b) in enumerate(zip(X, Y)))
    s = read_spectrum(_write(tmp_path, "oo.csv", body))
    np.testing.assert_array_equal(s.x, X)
    np.testing.assert_array_equal(s.y, Y)
    assert pick_columns(("Pixel", "Dark", "Wavelength", "Intensity")) == (2, 3, "nm")


def test_utf16_export(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes(("Wavelength\tIntensity\r\n" + _rows("{}\t{}")).encode("utf-16"))
    s = read_spectrum(path)
    np.testing.assert_array_equal(s.y, Y)


def test_unsorted_input_is_sorted(tmp_path):
    body = _rows("{}\t{}", x=X[::-1], y=Y[::-1])
    s = read_spectrum(_write(tmp_path, "desc.txt", body))
    np.testing.assert_array_equal(s.x, X)
    np.testing.assert_array_equal(s.y, Y)


def test_x_unit_argument(tmp_path):
    plain = _write(tmp_path, "plain.txt", _rows("{}\t{}", x=np.linspace(1.7, 1.8, 19)))
    s = read_spectrum(plain, x_unit="eV")
    assert s.x_unit == "eV" and s.metadata["x_unit_from"] == "argument"
    named = _write(tmp_path, "named.csv", "Energy (eV),Counts\n" + _rows("{},{}"))
    with pytest.raises(InputError, match=r"named\.csv.*gives x in eV"):
        read_spectrum(named, x_unit="nm")
    with pytest.raises(InputError, match="x_unit='furlong'"):
        read_spectrum(plain, x_unit="furlong")


def test_exposure_units():
    assert exposure_seconds("Integration Time (sec)", "2.000000E-2") == 0.02
    assert exposure_seconds("Integration Time (msec)", "8") == 0.008
    assert exposure_seconds("Exposure Time (secs)", "0.1") == 0.1
    assert exposure_seconds("Integration time", "250 ms") == 0.25
    assert exposure_seconds("Integration time", "250") is None


TEXT_FILES = [r[0] for r in REAL_FILES if r[1] in ("text", "oceanoptics", "craic", "jasco")]


@pytest.mark.parametrize("name", TEXT_FILES)
def test_bulk_parse_equals_line_by_line(real_data, name):
    from dackit.io.textcols import read_lines
    lines = read_lines(real_data / name)
    if any(">>>>>" in line for line in lines):  # Ocean Optics: the block between the markers
        begin = next(i for i, line in enumerate(lines) if ">>>>>" in line)
        end = next((i for i in range(begin + 1, len(lines)) if ">>>>>" in lines[i]), len(lines))
        lines, whole = lines[begin + 1:end], True
    else:
        whole = False
    fast, slow = (parse_table(lines, name, whole=whole, fast=f) for f in (True, False))
    np.testing.assert_array_equal(fast.data, slow.data)
    assert (fast.names, fast.first_line, fast.header) == (slow.names, slow.first_line, slow.header)


def test_parse_table_reports_dialect():
    t = parse_table(["x\ty", "1,5\t2", "2,5\t3"], "t.txt")
    assert (t.delimiter, t.decimal, t.names, t.first_line) == ("\t", ",", ("x", "y"), 2)


JCAMP_Y = np.arange(1, 41) * 25  # 40 points, 25..1000


def _jcamp(form="(X++(Y..Y))", rows=None, npoints=40):
    head = ["##TITLE=ruby test", "##JCAMP-DX=4.24", "##DATA TYPE=UV/VIS SPECTRUM",
            "##XUNITS=NANOMETERS", "##YUNITS=ABSORBANCE", "##XFACTOR=0.01", "##YFACTOR=0.001",
            "##FIRSTX=690.0", "##LASTX=699.75", f"##NPOINTS={npoints}", f"##XYDATA={form}"]
    if rows is None:
        rows = [f"{69000 + 25 * i} " + " ".join(str(v) for v in JCAMP_Y[i:i + 8])
                for i in range(0, 40, 8)]
    return "\n".join(head + rows + ["##END="]) + "\n"


def test_jcamp_affn(tmp_path):
    s = read_spectrum(_write(tmp_path, "a.jdx", _jcamp()))
    assert (s.metadata["format"], s.x_unit, s.y_unit, len(s)) == ("jcamp", "nm", "absorbance", 40)
    np.testing.assert_allclose(s.x, 690.0 + 0.25 * np.arange(40), rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.y, JCAMP_Y * 0.001, rtol=1e-15)
    pairs = [f"{(69000 + 25 * i)},{v}" for i, v in enumerate(JCAMP_Y)]
    xy = read_spectrum(_write(tmp_path, "b.jdx", _jcamp("(XY..XY)", rows=[" ".join(pairs)])))
    np.testing.assert_allclose(xy.x, s.x, atol=1e-12)
    np.testing.assert_allclose(xy.y, s.y, rtol=1e-15)


@pytest.mark.parametrize("text, message", [
    (_jcamp(rows=["69000@J0K1L2"]), "compressed JCAMP-DX"),
    (_jcamp(npoints=48), "NPOINTS=48 but the table holds 40"),
    (_jcamp(rows=[]), "holds no data"),
])
def test_jcamp_bad(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        read_spectrum(_write(tmp_path, "bad.jdx", text))


# --- writing and reading back --------------------------------------------------------------

def _ruby(unit="nm"):
    rng = np.random.default_rng(7)
    x = np.linspace(685.0, 705.0, 1024)
    y = 200 + 5000 / (1 + ((x - 694.24) / 0.3) ** 2) + rng.normal(0, 3, x.size)
    if unit == "eV":  # an eV axis holds photon energies (wavelength numbers would be read as nm)
        x = 1239.84193 / x[::-1]
    return make_spectrum(x, y, x_unit=unit, metadata={"exposure_s": 0.25, "serial": "SIM0001",
                                                      "instrument": "simulated", "np": np.float64(2.5)},
                         source="simulated")


def test_write_dackit_round_trip_is_exact(tmp_path):
    s = _ruby()
    back = read_spectrum(write_spectrum(s, tmp_path / "r.txt"))
    np.testing.assert_array_equal(back.x, s.x)
    np.testing.assert_array_equal(back.y, s.y)
    assert back.metadata["exposure_s"] == 0.25 and back.metadata["np"] == 2.5
    assert back.metadata["original_source"] == "simulated" and back.metadata["format"] == "dackit"


@pytest.mark.parametrize("unit", ["nm", "eV", "cm-1", "raman_cm-1", "pixel"])
def test_csv_flavour_round_trip_keeps_unit(tmp_path, unit):
    s = _ruby(unit)
    back = read_spectrum(write_spectrum(s, tmp_path / "r.csv", flavour="csv"))
    assert back.x_unit == unit and back.metadata["format"] == "text"
    np.testing.assert_array_equal(back.y, s.y)


def test_oceanoptics_flavour_round_trip(tmp_path):
    s = _ruby()
    path = write_spectrum(s, tmp_path / "r.txt", flavour="oceanoptics")
    text = path.read_text()
    assert ">>>>>Begin Processed Spectral Data<<<<<" in text and "Integration Time (usec): 250000" in text
    back = read_spectrum(path)
    assert back.metadata["format"] == "oceanoptics" and back.metadata["flavour"] == "SpectraSuite"
    assert back.metadata["exposure_s"] == 0.25 and back.metadata["serial"] == "SIM0001"
    np.testing.assert_array_equal(back.x, s.x)
    np.testing.assert_array_equal(back.y, s.y)
    with pytest.raises(InputError, match="nm"):
        write_spectrum(_ruby("eV"), tmp_path / "e.txt", flavour="oceanoptics")
    with pytest.raises(InputError, match="flavour"):
        write_spectrum(s, tmp_path / "x.txt", flavour="origin")


def test_registry_names_are_unique_and_text_is_last():
    names = [f.name for f in FORMATS]
    assert len(set(names)) == len(names) and names[-1] == "text"


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, message", [
    ("", "empty"),
    ("hello world\nthis is not\na spectrum\n", "no rows of numbers"),
    (_rows("{}\t{}").replace("1016.3", "abc"), r"non-numeric at line 8: 'abc'"),
    (_rows("{}\t{}").replace("\n", "\nsaturated here\n", 3), r"non-numeric at line 2"),
    (_rows("{}\t{}").replace("1000.0", "nan", 1), "NaN or infinite"),
    (_rows("{}\t{}").replace("1000.0", "inf", 1), "NaN or infinite"),
    (_rows("{}\t{}", x=X[:5], y=Y[:5]), "only 5 data points"),
    (_rows("{}\t{}", x=np.r_[X[:10], X[:10]], y=np.r_[Y[:10], Y[:10]]), "duplicate x"),
    (_rows("{}\t{}", y=np.zeros_like(Y)), "all intensities are zero"),
    ("694.1\n694.2\n694.3\n", "single value"),
])
def test_bad_text_files(tmp_path, body, message):
    path = _write(tmp_path, "bad.txt", body)
    with pytest.raises(InputError, match=message) as err:
        read_spectrum(path)
    assert "bad.txt" in str(err.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match=r"nope\.txt: file not found"):
        read_spectrum(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a folder"):
        read_spectrum(tmp_path)


def test_binary_garbage_lists_supported_formats(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(InputError, match=r"noise\.bin: unknown spectrum format.*spe:.*text:"):
        read_spectrum(path)


def test_oceanoptics_header_without_data(tmp_path, real_data):
    lines = (real_data / "pruby/test_data2.txt").read_text().splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith(">>>>>Begin"))
    cut = _write(tmp_path, "oo.txt", "\n".join(lines[:begin + 1]) + "\n")
    with pytest.raises(InputError, match=r"oo\.txt: Ocean Optics header found but no spectral data"):
        read_spectrum(cut)
    short = _write(tmp_path, "short.txt", "\n".join(lines[:begin + 500]) + "\n")
    with pytest.raises(InputError, match="announces 3648 pixels but only 499"):
        read_spectrum(short)
    words = lines[:begin + 30] + ["700.01\tsaturated"] + lines[begin + 30:]
    with pytest.raises(InputError, match=f"non-numeric at line {begin + 31}"):
        read_spectrum(_write(tmp_path, "words.txt", "\n".join(words) + "\n"))


@pytest.mark.parametrize("cut", [2000, 100_000, 272_200])
def test_spe_cut_short(tmp_path, real_data, cut):
    path = tmp_path / "ruby.spe"
    path.write_bytes((real_data / "trax/Ruby.spe").read_bytes()[:cut])
    with pytest.raises(InputError, match=r"ruby\.spe: .*truncated"):
        read_spectrum(path)


def test_spe_frame_selection(real_data):
    with pytest.raises(InputError, match="frame 1 does not exist; the file holds 1 frame"):
        read_spectrum(real_data / "trax/Ruby.spe", frame=1)
    assert read_spectrum(real_data / "trax/Ruby.spe", frame=-1).metadata["frame"] == 0


def test_spe_multi_frame(tmp_path, real_data):
    """A two-frame SPE 2.x built from the PIXIS file: header NumFrames (byte 1446) set to 2."""
    raw = bytearray((real_data / "trax/SPE_v2_PIXIS.SPE").read_bytes())
    one = read_spectrum(real_data / "trax/SPE_v2_PIXIS.SPE")
    header, frame0 = raw[:4100], np.frombuffer(bytes(raw[4100:4100 + 1340 * 100 * 4]), "<i4")
    header[1446:1450] = (2).to_bytes(4, "little")
    path = tmp_path / "two.spe"
    path.write_bytes(bytes(header) + frame0.tobytes() + (3 * frame0 + 7).astype("<i4").tobytes())
    first, second = read_spectrum(path), read_spectrum(path, frame=1)
    assert first.metadata["n_frames"] == 2 and second.metadata["frame"] == 1
    np.testing.assert_array_equal(first.y, one.y)
    np.testing.assert_array_equal(second.y, 3 * one.y + 7 * 100)  # 100 rows summed
    with pytest.raises(InputError, match="frame 2 does not exist; the file holds 2 frame"):
        read_spectrum(path, frame=2)


def test_frame_on_single_spectrum_format(real_data):
    with pytest.raises(InputError, match="frame=2 given but a oceanoptics file holds one spectrum"):
        read_spectrum(real_data / "pruby/test_data2.txt", frame=2)


def test_procspec_not_a_zip_or_damaged(tmp_path, real_data):
    fake = _write(tmp_path, "fake.ProcSpec", _rows("{}\t{}"))
    with pytest.raises(InputError, match=r"fake\.ProcSpec: not a zip archive"):
        read_spectrum(fake)
    half = tmp_path / "half.ProcSpec"
    half.write_bytes((real_data / "spectra/BB_PF21_4.ProcSpec").read_bytes()[:90_000])
    with pytest.raises(InputError, match=r"half\.ProcSpec"):
        read_spectrum(half)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match="without a ps_N.xml"):
        read_spectrum(other)


def test_sif_cut_short(tmp_path, real_data):
    path = tmp_path / "raman.sif"
    path.write_bytes((real_data / "spectra/raman1.sif").read_bytes()[:5000])
    with pytest.raises(InputError, match=r"raman\.sif: cannot read this SIF file"):
        read_spectrum(path)


def test_detect_format_uses_content_not_extension(tmp_path, real_data):
    renamed = tmp_path / "ruby_export.dat"
    shutil.copy(real_data / "pruby/test_data2.txt", renamed)
    assert detect_format(renamed).name == "oceanoptics"
    spe = tmp_path / "frame.bin"
    shutil.copy(real_data / "trax/Ruby.spe", spe)
    assert detect_format(spe).name == "spe"


def test_sif_raman_shift_display_keeps_the_nm_calibration():
    """Solis writes a 'Raman shift' axis as an nm polynomial plus the laser (sif_parser's ethanol
    file, 354.67 nm): read as nm, the six strongest lines fall on ethanol's Raman lines
    (433, 882, 1052, 1096, 1275, 1454 cm⁻¹) within 3 cm⁻¹ (≈ one pixel there)."""
    from pathlib import Path

    from scipy.signal import find_peaks

    s = read_spectrum(Path(__file__).parent / "corpus/formats/andor_sif_ethanol_354_raman.sif")
    assert s.x_unit == "nm" and s.metadata["laser_nm"] == 354.67
    shift = 1e7 / 354.67 - 1e7 / s.x
    peaks, props = find_peaks(s.y, prominence=0.05 * np.ptp(s.y))
    strongest = np.sort(shift[peaks[np.argsort(props["prominences"])[::-1][:6]]])
    np.testing.assert_allclose(strongest, [433, 882, 1052, 1096, 1275, 1454], atol=3.0)
