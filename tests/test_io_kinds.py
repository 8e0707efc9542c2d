"""One table decides pattern vs image vs spectrum, for the CLI, the pipeline and SAXS (issue 11)."""
import numpy as np
import pytest

from dackit.io import kind_of
from dackit.io.kinds import IMAGE_SUFFIXES, PATTERN_SUFFIXES, SPECTRUM_SUFFIXES


@pytest.mark.parametrize("name, kind", [
    ("a.xy", "pattern"), ("a.XYE", "pattern"), ("a.xye", "pattern"), ("a.chi", "pattern"),
    ("a.qxy", "pattern"), ("dir.v2/a.dat", "pattern"), ("a.csv", "pattern"), ("a.txt", "pattern"),
    ("sasdata.xml", "pattern"), ("a.tif", "image"), ("a.cbf", "image"), ("a.edf", "image"),
    ("a.h5", "image"), ("a.nxs", "image"), ("a.npy", "image"), ("frame.0001", "image"),
    ("a.ProcSpec", "spectrum"), ("a.sif", "spectrum"),
])
def test_kind_of(name, kind):
    assert kind_of(name) == kind


def test_tables_do_not_overlap():
    tables = [set(PATTERN_SUFFIXES), set(IMAGE_SUFFIXES), set(SPECTRUM_SUFFIXES)]
    assert all(not (a & b) for i, a in enumerate(tables) for b in tables[i + 1:])
    assert all(s == s.lower() and s.startswith(".") for t in tables for s in t)


def _xye(path):
    """A 2θ pattern in GSAS .xye layout (x, I, σ), written without dackit's writers."""
    x = np.linspace(5, 30, 600)
    y = 100 + 1000 * np.exp(-0.5 * ((x - 12.0) / 0.05) ** 2)
    np.savetxt(path, np.column_stack([x, y, np.sqrt(y)]), header="2theta I sigma")
    return path


def test_pipeline_reads_xye_as_a_pattern(tmp_path):
    """.xye was a detector image to `dackit run` and a pattern to `dackit xrd`; now both read it."""
    from dackit.experiment.analyses import _pattern_or_image

    settings = {"unit": "2th_deg", "wavelength_a": 0.6199, "poni": None}
    p = _pattern_or_image(str(_xye(tmp_path / "step1.xye")), settings)
    assert p.twotheta_deg[np.argmax(p.intensity)] == pytest.approx(12.0, abs=0.05)


def test_saxs_and_xrd_cli_use_the_same_table(tmp_path):
    from dackit.cli.xrd_analysis import _PatternSource
    from dackit.saxs.analysis import load_saxs

    path = _xye(tmp_path / "s.xye")
    assert _PatternSource(None, False, 0.6199)(path).intensity.size == 600
    # SAXS takes a header-less or 2θ file as its q pattern; what matters is that it is read
    # as a pattern, not sent to the image reader (which would ask for a PONI)
    assert load_saxs(path, wavelength_a=0.6199).intensity.size == 600


def test_pipeline_reads_cansas_xml_like_dackit_saxs(tmp_path):
    """A SAXS row may be a canSAS 1D XML file: `dackit run` reads it as `dackit saxs` does."""
    from dackit.experiment.analyses import _pattern_or_image
    from dackit.saxs.analysis import load_saxs

    q = np.linspace(0.02, 0.3, 200)
    i = 1 + 100 * np.exp(-0.5 * ((q - 0.08) / 0.004) ** 2)
    rows = "".join(f"<Idata><Q unit=\"1/A\">{a}</Q><I unit=\"1/cm\">{b}</I></Idata>" for a, b in zip(q, i))
    xml = tmp_path / "saxs.xml"
    xml.write_text('<?xml version="1.0"?><SASroot version="1.1" xmlns="urn:cansas1d:1.1">'
                   f"<SASentry><Title>t</Title><Run>1</Run><SASdata>{rows}</SASdata></SASentry></SASroot>")
    settings = {"unit": "q_A^-1", "wavelength_a": 1.0, "poni": None}
    p = _pattern_or_image(str(xml), settings)
    ref = load_saxs(xml, wavelength_a=1.0)
    assert np.array_equal(p.q_inv_a, ref.q_inv_a) and np.array_equal(p.intensity, ref.intensity)
    assert p.q_inv_a[np.argmax(p.intensity)] == pytest.approx(0.08, abs=0.002)


@pytest.mark.parametrize("ending", [".rad", ".int", ".0001"])
def test_unknown_ending_text_columns_is_a_pattern(tmp_path, ending):
    """A 1D text file with an ending in no table (GSAS .rad, Fit2D-like .int) is a pattern,
    not a detector image that asks for --poni."""
    path = tmp_path / f"curve{ending}"
    q = np.linspace(0.01, 0.3, 300)
    np.savetxt(path, np.column_stack([q, 100 + 1e4 * np.exp(-0.5 * ((q - 0.1) / 0.003) ** 2)]),
               header="q(A-1) I", comments="# ")
    assert kind_of(path) == "pattern"
    from dackit.saxs.analysis import load_saxs

    p = load_saxs(path)
    assert p.q_inv_a[np.argmax(p.intensity)] == pytest.approx(0.1, abs=0.002)


def test_unknown_ending_binary_is_an_image(tmp_path):
    path = tmp_path / "frame.0001"
    path.write_bytes(b"\x00\x01\x02" * 1000)
    assert kind_of(path) == "image"


def test_unknown_ending_text_without_numbers_is_refused(tmp_path):
    from dackit.errors import InputError

    path = tmp_path / "notes.log"
    path.write_text("beamtime notes\nsample A in the cell\nshutter opened\n" * 5)
    with pytest.raises(InputError, match=r"notes\.log.*not a known format.*\.xy.*\.tif"):
        kind_of(path)
    from dackit.saxs.analysis import load_saxs

    with pytest.raises(InputError, match="not a known format"):
        load_saxs(path)


def test_gsas_pdcif_with_esd_rows_is_a_pattern(tmp_path):
    """A GSAS pdCIF (rowlesmr/pdCIFplotter's ALUMINA.cif) writes its profile rows with esds
    ("119(17)  0.002770  101.5  101.5"): no row reads as numeric columns, so the .cif was refused
    as 'not a known format' without a word of what it is. It is a pattern (dackit.io.pdcif);
    this one, cut before its _pd_meas_2theta_range_inc, has no 2θ grid and says so."""
    from dackit.errors import InputError

    rows = "".join(f"   {120 + i % 9}({11 + i % 3})   0.00{277 + i}   {101.9 - 0.4 * i:.1f}   .\n"
                   for i in range(60))
    path = tmp_path / "ALUMINA.cif"
    path.write_text("data_ALUMINA_publ\n_pd_block_id  2011-03-04T10:31|ALUMINA_H_01|rowles\n\n"
                    "_pd_meas_2theta_range_min   3.0\n_pd_meas_2theta_range_max   167.95\n\n"
                    "loop_\n      _pd_meas_intensity_total\n      _pd_proc_ls_weight\n"
                    "      _pd_proc_intensity_bkg_calc\n      _pd_calc_intensity_total\n" + rows)
    assert kind_of(path) == "pattern"
    from dackit.io.patterns import read_pattern

    with pytest.raises(InputError, match=r"ALUMINA\.cif.*_pd_meas_intensity_total loop has no 2θ"):
        read_pattern(path)
