"""GSAS-II export: FXYE columns and BANK record as GSAS-II's reader (G2pwd_fxye.py) parses
them, the matching .instprm, round trips, and `xrd integrate --format fxye`."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import run_dackit
from dackit.core.pattern import make_pattern
from dackit.errors import InputError
from dackit.io.gsas import PROFILE_DEFAULTS, read_fxye, write_fxye, write_instprm


def gsas2_parse_fxye(path):
    """What GSAS-II's FXYE import does (GSASII/imports/G2pwd_fxye.py, GetFXYEdata): title on
    line 1, optional 'Instrument parameter file:' on line 2, '#' comments, a BANK record with
    FXYE, then x/100 (centidegrees → degrees), y, weight 1/esd² (0 where y or esd ≤ 0)."""
    lines = path.read_text().splitlines()
    prm = None
    if lines[1][:4].lower() == "inst" and ":" in lines[1]:
        prm = lines[1].split(":")[1].strip("[]").strip()
    bank = next(i for i, line in enumerate(lines) if line[:4] == "BANK")
    assert "FXYE" in lines[bank]
    x, y, w = [], [], []
    for line in lines[bank + 1:]:
        if line[:4] == "BANK" or line[0] == "#":
            break
        vals = line.split()
        x.append(float(vals[0]) / 100.0)
        f, s = float(vals[1]), float(vals[2])
        y.append(f if f > 0 and s > 0 else 0.0)
        w.append(1 / s ** 2 if f > 0 and s > 0 else 0.0)
    return lines[bank].split(), np.array(x), np.array(y), np.array(w), prm


def gsas2_parse_instprm(path):
    """GSASIIfiles.ReadInstprm: the first line must hold 'GSAS-II'; 'name:value' items,
    ';'-separated allowed, values converted to float where they can be."""
    lines = path.read_text().splitlines()
    assert "GSAS-II" in lines[0]
    out = {}
    for line in lines[1:]:
        if line.startswith("#"):
            continue
        for item in line.replace(" ", "").split(";"):
            key, val = item.split(":", 1)
            try:
                out[key] = float(val)
            except ValueError:
                out[key] = val
    return out


@pytest.fixture
def pattern():
    x = np.linspace(3.0, 25.0, 1101)
    y = 100 + 5000 * np.exp(-0.5 * ((x - 8.6) / 0.02) ** 2)
    return make_pattern(x, y, sigma=np.sqrt(y), wavelength_a=0.4066, source="ceo2.tif")


def test_fxye_follows_gsas2_reader_and_round_trips(pattern, tmp_path):
    path = write_fxye(pattern, tmp_path / "ceo2.fxye")
    bank, x, y, w, prm = gsas2_parse_fxye(path)
    assert bank[:5] == ["BANK", "1", "1101", "1101", "CONS"] and bank[-1] == "FXYE"
    assert float(bank[5]) == pytest.approx(300.0) and float(bank[6]) == pytest.approx(2.0)  # centidegrees
    np.testing.assert_allclose(x, pattern.x, atol=1e-8)
    np.testing.assert_allclose(y, pattern.intensity, rtol=1e-5)
    np.testing.assert_allclose(1 / np.sqrt(w), pattern.sigma, rtol=1e-5)
    assert prm == "ceo2.instprm" and (tmp_path / prm).is_file()
    back = read_fxye(path)
    assert back.wavelength_a == 0.4066 and back.axis == "2th_deg"
    np.testing.assert_allclose(back.x, pattern.x, atol=1e-8)
    np.testing.assert_allclose(back.sigma, pattern.sigma, rtol=1e-5)
    # raw columns: x in centidegrees
    first = path.read_text().splitlines()[4].split()
    assert float(first[0]) == pytest.approx(300.0)


def test_instprm_has_pxc_wavelength_and_documented_defaults(pattern, tmp_path):
    write_fxye(pattern, tmp_path / "a.fxye", polarization=0.95)
    prm = gsas2_parse_instprm(tmp_path / "a.instprm")
    assert prm["Type"] == "PXC" and prm["Lam"] == 0.4066 and prm["Zero"] == 0.0
    assert prm["Polariz."] == 0.95 and prm["Azimuth"] == 0.0
    for key, value in PROFILE_DEFAULTS.items():
        assert prm[key] == value
    write_instprm(tmp_path / "b.instprm", 0.3344)
    assert gsas2_parse_instprm(tmp_path / "b.instprm")["Polariz."] == 0.99


def test_missing_or_bad_sigma_and_no_instprm(tmp_path):
    counts = np.array([4.0, 9.0, 0.0, 16.0, 25.0, 1.0, 4.0, 9.0, 16.0, 25.0, 36.0])
    p = make_pattern(np.linspace(5, 10, 11), counts, wavelength_a=0.5)
    path = write_fxye(p, tmp_path / "n.fxye", instprm=False)
    _, x, y, w, prm = gsas2_parse_fxye(path)
    assert prm is None and not (tmp_path / "n.instprm").exists()
    np.testing.assert_allclose(1 / np.sqrt(w[y > 0]), np.sqrt(counts[counts > 0]), rtol=1e-5)
    sigma = np.sqrt(counts + 1)
    sigma[1] = 0.0
    p2 = make_pattern(np.linspace(5, 10, 11), counts, sigma=sigma, wavelength_a=0.5)
    back = read_fxye(write_fxye(p2, tmp_path / "s.fxye"))
    assert back.sigma[1] == pytest.approx(sigma.max(), rel=1e-5)  # largest σ, as GSAS-II does


def test_refuses_q_axis_and_missing_wavelength(tmp_path):
    q = make_pattern(np.linspace(1, 5, 12), np.ones(12), axis="q_A^-1", wavelength_a=0.4)
    with pytest.raises(InputError, match="2θ"):
        write_fxye(q, tmp_path / "q.fxye")
    nolam = make_pattern(np.linspace(5, 10, 12), np.ones(12))
    with pytest.raises(InputError, match="wavelength"):
        write_fxye(nolam, tmp_path / "l.fxye")
    bad = tmp_path / "bad.fxye"
    bad.write_text("title\nBANK 1 2 2 CONS 100 1 0 0 FXYE\n100 a 1\n")
    with pytest.raises(InputError, match="line 3"):
        read_fxye(bad)


def test_xrd_integrate_format_fxye(tmp_path):
    from dackit.xrd.geometry import Geometry, write_poni
    from dackit.xrd.simulate import simulate_image

    g = Geometry(dist_m=0.2, poni1_m=0.0516, poni2_m=0.0516, wavelength_a=0.4066,
                 pixel1_m=172e-6, pixel2_m=172e-6, shape=(600, 600))
    import fabio

    img = simulate_image([(8.0, 500.0, 0.1)], g, seed=1)
    fabio.tifimage.TifImage(data=img.astype(np.float32)).write(str(tmp_path / "f.tif"))
    write_poni(g, tmp_path / "g.poni")
    code, text, err = run_dackit("xrd", "integrate", str(tmp_path / "f.tif"), "--poni", str(tmp_path / "g.poni"),
                                 "--format", "fxye", "--out", str(tmp_path / "out"), "--json")
    assert code == 0, err
    row = json.loads(text)[0]
    assert row["output"].endswith("f.fxye")
    _, x, y, w, prm = gsas2_parse_fxye(tmp_path / "out" / "f.fxye")
    assert prm == "f.instprm" and gsas2_parse_instprm(tmp_path / "out" / "f.instprm")["Lam"] == 0.4066
    assert abs(x[np.argmax(y)] - 8.0) < g.pixel_angle_deg and len(x) == row["points"]


def test_unknown_wavelength_is_not_called_x_ray(tmp_path):
    """A neutron GSAS scan without its .ins has no wavelength; the error said 'the X-ray
    wavelength is unknown' of neutron data. It names no radiation it cannot know."""
    src = Path(__file__).parent / "corpus" / "xrd" / "alumina_bt1_neutron_spotlight.gsa"
    shutil.copy(src, tmp_path / src.name)  # without bt1demo.ins beside it
    code, _, err = run_dackit("xrd", "lattice", tmp_path / src.name, "--phase", "corundum")
    assert code == 2 and "the wavelength (X-ray or neutron) is unknown" in err and "--wavelength" in err
