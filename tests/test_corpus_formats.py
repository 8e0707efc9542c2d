"""Format sweep (issue 10): real files of many kinds through the default commands, and
adversarial files built here with numpy and bytes.

Every file either reads to the values its source's own reader gives (tests/corpus/formats/
manifest.toml) or ends in a DackitError that names the file and its format and says what to
do — exit status 2, never a traceback, never "unexpected … (please report this)", never a
silent number from a misread file.
"""
from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from corpus_manifest import load_cases, within
from dackit.cli import cli
from dackit.errors import DackitError

CASES = load_cases("formats")

#: a generic calibration (a Pilatus 1M at 0.2 m, λ = 0.4066 Å) for commands that integrate images
PONI = """poni_version: 2
Detector: Detector
Detector_config: {"pixel1": 0.000172, "pixel2": 0.000172, "max_shape": null}
Distance: 0.2
Poni1: 0.04
Poni2: 0.04
Rot1: 0.0
Rot2: 0.0
Rot3: 0.0
Wavelength: 4.066e-11
"""


@pytest.fixture(scope="module")
def poni(tmp_path_factory):
    path = tmp_path_factory.mktemp("poni") / "generic.poni"
    path.write_text(PONI)
    return path


def run(args, tmp_path):
    """(exit code, JSON rows or None, stdout + stderr) of the CLI, in-process."""
    out = ["--out", str(tmp_path / "out")] if args[:2] == ["xrd", "integrate"] else ["--json"]
    res = CliRunner().invoke(cli, [*map(str, args), *out], catch_exceptions=True)
    text = (res.stdout or "") + (getattr(res, "stderr", "") or "")
    assert res.exception is None or isinstance(res.exception, SystemExit), \
        f"traceback: {type(res.exception).__name__}: {res.exception}"
    assert "unexpected" not in text and "Traceback" not in text, text
    rows = None
    if "--json" in out and res.stdout.strip().startswith("["):
        rows = json.loads(res.stdout)
    return res.exit_code, rows, text


def _read(case):
    path = case["path_on_disk"]
    reader = case["reader"]
    if reader == "load_saxs":
        from dackit.saxs.analysis import load_saxs

        p = load_saxs(path)
        return {"n_points": len(p.x), "x_first": float(p.x[0]), "y_first": float(p.intensity[0]),
                "wavelength_a": p.wavelength_a}
    if reader == "read_pattern":
        from dackit.io.patterns import read_pattern

        p = read_pattern(path)
        return {"n_points": len(p.x), "x_first": float(p.x[0]), "x_second": float(p.x[1]),
                "x_last": float(p.x[-1]), "y_first": float(p.intensity[0]), "y_last": float(p.intensity[-1]),
                "wavelength_a": p.wavelength_a, "axis": p.axis}
    if reader == "read_spectrum":
        from dackit.io import read_spectrum

        s = read_spectrum(path)
        return {"n_points": len(s.x), "x_min": float(s.x.min()), "x_max": float(s.x.max()),
                "x_unit": s.x_unit}
    if reader == "read_image":
        from dackit.io import read_image

        img = read_image(path)
        return {"shape": list(img.shape), "sum": float(img.sum()), "max": float(img.max())}
    if reader == "read_tem_image":
        from dackit.tem.io import read_tem_image

        t = read_tem_image(path)
        return {"shape": list(t.data.shape), "pixel_nm": t.pixel_nm}
    raise AssertionError(f"unknown reader {reader}")


@pytest.mark.parametrize("case", [c for c in CASES if "reader" in c], ids=lambda c: c["id"])
def test_reads_what_the_source_reads(case):
    got = _read(case)
    tol = case.get("tolerance", {})
    for key, want in case["expected"].items():
        if isinstance(want, (str, list)) or key in ("n_points", "sum", "max"):
            assert got[key] == want, f"{case['id']}: {key} = {got[key]!r}, source says {want!r}"
        else:
            assert within(got[key], want, key, tol), f"{case['id']}: {key} = {got[key]!r}, source says {want!r}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_command_reads_or_names_the_format(case, poni, tmp_path):
    args = [a.replace("{poni}", str(poni)) for a in case.get("args", [])]
    path = case["path_on_disk"]
    code, rows, text = run([*case["command"], path, *args], tmp_path)
    error = case["expected"].get("error") or case.get("command_error")
    if error is None:
        # a readable file: the command must finish, or fail with a reason that names the file
        assert code in (0, 2), text
        if code == 2:
            assert str(path) in text, text
        return
    assert code == 2, f"{case['id']}: exit {code}, expected the error {error!r}:\n{text}"
    assert error in text, f"{case['id']}: expected {error!r} in:\n{text}"
    assert str(path) in text, f"{case['id']}: the error does not name the file:\n{text}"
    if rows is not None:
        assert rows and "error" in rows[0] and error in rows[0]["error"]


def test_smv_pixels_match_the_header_description():
    """The SMV image decoded by hand from its own header equals what dackit (fabio) reads."""
    from dackit.io import read_image

    case = next(c for c in CASES if c["id"] == "smv-timepix-image")
    raw = case["path_on_disk"].read_bytes()
    header = raw[:512].decode("ascii", errors="replace")
    assert "HEADER_BYTES=  512" in header and "little_endian" in header and "unsigned_short" in header
    expected = np.frombuffer(raw[512:], "<u2").reshape(512, 512)
    np.testing.assert_array_equal(read_image(case["path_on_disk"]), expected)


# --- adversarial files, built here --------------------------------------------------------------

SPECTRUM_COMMANDS = (["ruby"], ["pl", "--pressure", "0"], ["tauc"])
XRAY_COMMANDS = (["xrd", "lattice", "--phase", "ceo2", "--wavelength", "0.4"],
                 ["xrd", "phases", "--candidates", "ceo2", "--wavelength", "0.4"], ["saxs", "peaks"])


def _expect_named_error(args, path, tmp_path, *words):
    code, rows, text = run([*args, path], tmp_path)
    assert code == 2, f"{args}: exit {code} for {path.name}:\n{text}"
    assert path.name in text, text
    for word in words:
        assert word.lower() in text.lower(), f"{args} on {path.name}: {word!r} not in\n{text}"


@pytest.mark.parametrize("name, content, words", [
    ("empty.txt", b"", ["empty"]),
    ("nan.txt", b"".join(b"%d nan\n" % (690 + i) for i in range(40)), ["nan"]),
    ("words.txt", b"wavelength intensity\nabc def\nghi jkl\n" * 5, []),
    ("one_column.txt", b"\n".join(b"%d" % (690 + i) for i in range(40)), []),
    ("truncated.spc", bytes([0, 0x4B]) + bytes(30), ["SPC"]),
    ("book.xlsx", b"PK\x03\x04" + bytes(200), ["spreadsheet", ".csv"]),
    ("project.opj", b"CPYA 4.2188 571 #\n" + bytes(300), ["Origin"]),
    ("curve.h5", b"\x89HDF\r\n\x1a\n" + bytes(500), ["HDF5"]),
    ("andi.cdf", b"CDF\x01" + bytes(500), ["netCDF"]),
])
def test_adversarial_spectra(name, content, words, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    for args in SPECTRUM_COMMANDS:
        _expect_named_error(args, path, tmp_path, *words)


def _rasx_bytes():
    """A SmartLab Studio II .rasx: zip of Data0/Profile0.txt (2θ, counts, attenuator factor)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("Data0/Profile0.txt", "".join(f"{10 + 0.04 * i:.4f}\t{170 + i % 7}\t1\n" for i in range(60)))
        zf.writestr("root.xml", "<RootFile />")
    return buf.getvalue()


@pytest.mark.parametrize("name, content, words", [
    ("empty.dat", b"", ["empty"]),
    ("nan.dat", b"".join(b"%.3f nan\n" % (0.01 * (i + 1)) for i in range(40)), ["nan"]),
    ("words.dat", b"q intensity\nabc def\nghi jkl\n" * 5, []),
    ("one_column.dat", b"\n".join(b"%.3f" % (0.01 * (i + 1)) for i in range(40)), ["column"]),
    ("noise.dat", bytes(np.random.default_rng(2).integers(0, 256, 6000, dtype=np.uint8)) + bytes(3000),
     ["binary data"]),
    ("spectrum.spc", bytes([0, 0x4B]) + bytes(3000), ["SPC"]),
    # a Rigaku .rasx is a zip whose Profile0.txt has an attenuator factor as third column:
    # "unzip it" advice led to that factor being read as the intensity's σ
    ("scan.rasx", _rasx_bytes(), ["Rigaku SmartLab .rasx", "export"]),
    # the raw spectrum of an energy-dispersive (EDXRD) beamline: one column of channel counts
    ("edxrd.mca", b"<<PMCA SPECTRUM>>\nTAG - live_data_1\nGAIN - 2\n<<CALIBRATION>>\nLABEL - keV\n"
     b"0 0\n2047 80\n<<DATA>>\n" + b"".join(b"%d\n" % (100 + i % 9) for i in range(2048)) + b"<<END>>\n",
     ["multichannel-analyser", "energy-dispersive"]),
])
def test_adversarial_xray_files(name, content, words, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    for args in XRAY_COMMANDS:
        _expect_named_error(args, path, tmp_path, *words)


def test_dark_and_reference_columns_are_not_the_spectrum(tmp_path):
    """An Ocean Optics-style export 'Wavelength, Dark, Reference, Sample, Processed': the
    ruby line is in Processed; the dark column (first after x) was taken as the spectrum."""
    from dackit.io import read_spectrum

    x = np.linspace(690, 700, 120)
    line = 50 + 4000 * np.exp(-0.5 * ((x - 694.3) / 0.15) ** 2)
    dark = np.full_like(x, 50.0) + np.sin(x)
    table = np.column_stack([x, dark, dark + 2000, line + dark, line])
    path = tmp_path / "ocean_full.csv"
    np.savetxt(path, table, delimiter=",", header="Wavelength,Dark,Reference,Sample,Processed", comments="",
               fmt="%.4f")
    s = read_spectrum(path)
    np.testing.assert_allclose(s.y, np.round(line, 4))
    assert s.metadata["y_column"] == "Processed"


def test_utf16_spectrum_reads_like_utf8(tmp_path):
    """A Windows export in UTF-16 (BOM) holds the same numbers as its UTF-8 twin."""
    from dackit.io import read_spectrum

    x = np.linspace(690, 700, 60)
    y = 100 + 1000 * np.exp(-0.5 * ((x - 694.3) / 0.2) ** 2)
    text = "wavelength_nm\tcounts\n" + "".join(f"{a:.4f}\t{b:.3f}\n" for a, b in zip(x, y))
    u8, u16 = tmp_path / "u8.txt", tmp_path / "u16.txt"
    u8.write_text(text, encoding="utf-8")
    u16.write_bytes(text.encode("utf-16"))
    a, b = read_spectrum(u8), read_spectrum(u16)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)


def test_utf16_pattern_reads_like_utf8(tmp_path):
    from dackit.io.patterns import read_pattern

    q = np.linspace(0.01, 0.3, 80)
    text = "# q_A^-1 I\n" + "".join(f"{a:.5f} {1 / a:.4f}\n" for a in q)
    u16 = tmp_path / "curve.dat"
    u16.write_bytes(text.encode("utf-16"))
    p = read_pattern(u16)
    assert p.axis == "q_A^-1" and len(p.x) == 80
    np.testing.assert_allclose(p.x, np.round(q, 5))


def test_ten_unnamed_columns_are_not_guessed(tmp_path):
    """A table of 10 columns without names (a map export, several spectra side by side):
    taking columns 0 and 1 would be a guess, so the readers ask which columns to use."""
    rng = np.random.default_rng(3)
    x = np.linspace(690, 700, 50)
    table = np.column_stack([x] + [rng.random(50) * 100 for _ in range(9)])
    path = tmp_path / "map.txt"
    np.savetxt(path, table, fmt="%.5f")
    for args in SPECTRUM_COMMANDS:
        _expect_named_error(args, path, tmp_path, "10 columns")
    for args in XRAY_COMMANDS:
        _expect_named_error(args, path, tmp_path, "10 columns")


def test_truncated_binaries_end_in_named_errors(tmp_path):
    """Real files cut short (an interrupted copy) give a named error in every command."""
    by_id = {c["id"]: c for c in CASES}
    cuts = {"smv-timepix-image": (["xrd", "integrate", "--poni", None], 2000),
            "tia-ser-tem-search": (["tem", "size"], 3000),
            "nxcansas-aps-usaxs-irena": (["saxs", "peaks"], 4000)}
    poni = tmp_path / "g.poni"
    poni.write_text(PONI)
    for cid, (args, n) in cuts.items():
        src = by_id[cid]["path_on_disk"]
        cut = tmp_path / f"cut_{src.name}"
        cut.write_bytes(src.read_bytes()[:n])
        args = [str(poni) if a is None else a for a in args]
        code, _, text = run([*args, cut], tmp_path)
        assert code == 2 and cut.name in text, f"{cid}: exit {code}\n{text}"


def test_image_to_ruby_and_spectrum_to_tem(tmp_path):
    img = tmp_path / "frame.tif"
    import tifffile

    tifffile.imwrite(img, (np.random.default_rng(0).random((64, 64)) * 1000).astype(np.uint16))
    _expect_named_error(["ruby"], img, tmp_path, "TIFF")
    spec = tmp_path / "ruby.txt"
    x = np.linspace(690, 700, 200)
    spec.write_text("".join(f"{a:.3f} {100 + 900 * np.exp(-((a - 694.3) / 0.3) ** 2):.2f}\n" for a in x))
    _expect_named_error(["tem", "size"], spec, tmp_path, "image type")
    npy = tmp_path / "spectrum.npy"
    np.save(npy, np.column_stack([x, x]))
    _expect_named_error(["ruby"], npy, tmp_path, "NumPy")


def test_signature_table_names_real_magic_numbers():
    from dackit.io.signatures import identify

    assert identify("a.dm3", struct.pack(">i", 3) + bytes(20)).name.startswith("Gatan")
    assert identify("a.ser", b"II\x97\x01" + bytes(20)).name == "FEI/TIA SER"
    assert identify("a.wdf", b"WDF1" + bytes(20)).name.startswith("Renishaw")
    assert identify("a.raw", b"RAW1.01\0" + bytes(20)).name == "Bruker/Siemens RAW version 3"
    assert identify("a.txt", b"#FORMAT : EMSA/MAS Spectral Data File\n").kind == "spectrum-xray"
    # plain numeric text and unknown bytes are left to the readers
    assert identify("a.txt", b"690.0 12\n690.1 13\n") is None
    assert identify("a.bin", bytes(range(7, 200))) is None


def test_every_refusal_is_a_dackit_error(tmp_path):
    """The library (not only the CLI) raises DackitError for each refused corpus file."""
    from dackit.io import read_spectrum

    for case in CASES:
        if case["command"] == ["ruby"] and "error" in case["expected"]:
            with pytest.raises(DackitError, match=case["expected"]["error"].replace("/", ".")):
                read_spectrum(case["path_on_disk"])


def test_real_command_line_names_the_format():
    """The installed entry point (a subprocess, as a user types it), not only CliRunner."""
    from cli_helpers import run_dackit

    case = next(c for c in CASES if c["id"] == "galactic-spc-to-ruby")
    code, out, err = run_dackit("ruby", case["path_on_disk"])
    assert code == 2 and "Traceback" not in err
    assert "Galactic/Thermo SPC" in err and case["path_on_disk"].name in err


def test_velox_emd_micrograph_is_the_haadf_image_at_the_files_own_pixel_size():
    """The Velox EMD corpus file holds four SuperX element maps before its HAADF image: the
    micrograph dackit reads is the HAADF one — same pixels as the HDF5 dataset whose metadata
    JSON names that detector, decoded here with h5py — at the file's own PixelSize (metres)."""
    import h5py

    from dackit.tem.io import read_tem_image

    path = next(c for c in CASES if c["id"] == "velox-emd-si-haadf")["path_on_disk"]
    with h5py.File(path, "r") as h:
        for grp in h["Data/Image"].values():
            meta = json.loads(grp["Metadata"][:, 0].tobytes().decode("utf-8", "ignore").rstrip("\x00"))
            if meta["BinaryResult"]["Detector"] == "HAADF":
                haadf = np.asarray(grp["Data"], dtype=float)
                width_m = float(meta["BinaryResult"]["PixelSize"]["width"])
    img = read_tem_image(path)
    np.testing.assert_allclose(img.data, haadf.mean(axis=2) if haadf.ndim == 3 else haadf)
    assert img.pixel_nm == pytest.approx(width_m * 1e9, rel=1e-12)
    assert img.metadata["detector"] == "HAADF"


def test_mrc_with_the_placeholder_cell_is_not_calibrated(tmp_path):
    """An MRC whose cell equals its grid (1 Å per pixel, what IMOD writes when no pixel size
    is known) is read without calibration, so `tem size` asks for --pixel-nm instead of
    sizing particles on a 0.1 nm pixel nobody measured. Header written here by hand
    (MRC2014: nx, ny, nz, mode 2 = float32, mx, my, mz, cell in Å, 'MAP ' at byte 208)."""
    from dackit.errors import InputError
    from dackit.tem.io import read_tem_image

    nx = ny = 64
    header = bytearray(1024)
    struct.pack_into("<4i", header, 0, nx, ny, 1, 2)
    struct.pack_into("<3i", header, 28, nx, ny, 1)
    struct.pack_into("<3f", header, 40, float(nx), float(ny), 1.0)
    struct.pack_into("<3i", header, 64, 1, 2, 3)
    header[208:212] = b"MAP "
    header[212:216] = bytes([0x44, 0x44, 0, 0])
    data = np.random.default_rng(0).random((ny, nx)).astype("<f4")
    path = tmp_path / "placeholder.mrc"
    path.write_bytes(bytes(header) + data.tobytes())
    assert read_tem_image(path, pixel_nm=0.5).data.shape == (ny, nx)
    with pytest.raises(InputError, match="pixel"):
        read_tem_image(path)
    struct.pack_into("<3f", header, 40, 2.5 * nx, 2.5 * ny, 2.5)
    path.write_bytes(bytes(header) + data.tobytes())
    assert read_tem_image(path).pixel_nm == pytest.approx(0.25)


def test_tem_names_what_a_foreign_hdf5_holds(tmp_path):
    """An NXcanSAS curve or an Eiger master file given to `tem size` is named as such, with the
    command that reads it (was: "no HyperSpy 'Experiments' group" for both)."""
    corpus = Path(__file__).parent / "corpus"
    curve = corpus / "saxs" / "33837rear_1D_1.75_16.5_NXcanSAS_v3.h5"
    _expect_named_error(["tem", "size", "--pixel-nm", "1"], curve, tmp_path, "NXcanSAS", "saxs peaks")
    eiger = corpus / "formats" / "dials_dectris_eiger_master.h5"
    _expect_named_error(["tem", "size", "--pixel-nm", "1"], eiger, tmp_path, "HyperSpy", "xrd integrate")


def test_whole_corpus_within_the_issue_budget():
    from corpus_manifest import CORPUS

    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    assert total < 40e6  # issue 10: "keep the total size reasonable (≤ 40 MB)"
