"""FTIR/Raman vendor binaries and MATLAB files end in an error naming the format (issue 10,
helper blindhunt). Before, `dackit ruby` said 'unknown spectrum format' and `dackit saxs peaks`
took them for detector images and asked for --poni (then failed inside fabio). The headers
are those of spectrochempy_data's real files (OPUS background.0, OMNIC 2-BaSO4_0.SPA,
MATLAB v5), built here as bytes."""
import numpy as np
import pytest

from click.testing import CliRunner

from dackit.cli import cli


def run_dackit(*args):
    """(exit code, stdout, stderr) of the CLI, in-process."""
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    return res.exit_code, res.stdout, getattr(res, "stderr", "") or ""

OPUS = b"\x0a\x0a\xfe\xfe\x00\x00\x00\x00\x5c\x18\x2c\x41\x18\x00\x00\x00" + bytes(range(256)) * 40
OMNIC = b"Spectral Data File\r\n" + bytes(12) + b"2-BaSO4" + bytes(range(256)) * 40
MATLAB = b"MATLAB 5.0 MAT-file, Platform: PCWIN64, Created on: Mon Jan  1 2024" + bytes(60) + \
    np.arange(500, dtype="<f8").tobytes()


@pytest.mark.parametrize("name, content, word", [
    ("background.0", OPUS, "OPUS"), ("sample.spa", OMNIC, "OMNIC"), ("series.srs", bytes(64) + OMNIC, "OMNIC"),
    ("data.mat", MATLAB, "MATLAB"), ("v4.mat", bytes(16) + np.arange(900, dtype="<f8").tobytes(), "MATLAB"),
])
@pytest.mark.parametrize("command", [["ruby"], ["pl", "--pressure", "0"], ["tauc"], ["saxs", "peaks"],
                                     ["xrd", "lattice", "--phase", "ceo2", "--wavelength", "0.4"]])
def test_vendor_binary_is_named(tmp_path, name, content, word, command):
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run_dackit(*command, path)
    text = out + err
    assert code == 2 and "Traceback" not in text, text
    assert word in text and path.name in text, text
    assert "--poni" not in text, text


def test_text_with_a_mat_ending_is_still_read(tmp_path):
    """Only binary content is named MATLAB: a text table saved as .mat is read as columns."""
    x = np.linspace(680, 710, 400)
    y = 100 + 5000 * np.exp(-0.5 * ((x - 694.3) / 0.2) ** 2)
    path = tmp_path / "ruby.mat"
    np.savetxt(path, np.column_stack([x, y]))
    code, out, err = run_dackit("ruby", path, "--json")
    assert code == 0 and "MATLAB" not in out + err, err
