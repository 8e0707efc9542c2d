"""report.html: formatting, content, escaping, atomic write, and rendering in a real browser."""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dackit.errors import DackitError, InputError
from browser_check import check_in_browser, check_pages, find_chromium
from dackit.report.html import format_value_err, render_report, write_report

# --------------------------------------------------------------------------- helpers


class _Page(HTMLParser):
    """Tags, attributes, images per section, and visible text of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.images: dict[str, list[str]] = {}
        self.section = None
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        attrs = dict(attrs)
        if tag == "section":
            self.section = attrs.get("id")
        if tag == "img":
            self.images.setdefault(self.section, []).append(attrs["src"])

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def chromium():
    """The browser for the real-rendering checks; failing loudly when missing (issue 7 demands
    the check), unless DACKIT_NO_BROWSER=1 asks explicitly to skip."""
    if os.environ.get("DACKIT_NO_BROWSER") == "1":
        pytest.skip("DACKIT_NO_BROWSER=1: real-browser checks of report.html skipped on request")
    exe = find_chromium()
    if exe is None:
        pytest.fail("headless Chromium is needed to test report.html (issue 7) and none was found: "
                    "run `make test` as root (it installs the Debian package `chromium`), install it "
                    "yourself, point DACKIT_CHROMIUM at a Chrome/Chromium binary, or set "
                    "DACKIT_NO_BROWSER=1 to skip these checks explicitly", pytrace=False)
    return exe


def _png(path: Path, kind: str = "line") -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2.4, 1.8))
    if kind == "line":
        ax.plot([0, 5, 10, 15, 20], [0, 4.1, 7.9, 12.2, 16.0], "o-")
    else:
        ax.hist([5.8, 6.1, 6.2, 6.3, 6.6, 6.0, 6.2], bins=4)
    ax.set_xlabel("P (GPa)")
    fig.savefig(path, dpi=60)
    plt.close(fig)
    return path


def _full_results() -> dict:
    return {
        "sample": {"name": "InP/ZnSe 6.2 nm", "medium": "silicone oil"},
        "steps": [
            {"step": 1, "direction": "compression", "pressure_gpa": 0.52, "pressure_gpa_err": 0.04},
            {"step": 2, "direction": "compression", "pressure_gpa": 8.13, "pressure_gpa_err": 0.11},
            {"step": 3, "direction": "compression", "pressure_gpa": 21.71, "pressure_gpa_err": 0.31},
            {"step": 4, "direction": "decompression", "pressure_gpa": 3.05, "pressure_gpa_err": 0.07},
        ],
        "pl_fit": {"e0_ev": 2.01234, "e0_ev_err": 0.0031, "alpha_mev_per_gpa": 53.04,
                   "alpha_mev_per_gpa_err": 1.46, "beta_mev_per_gpa2": -2.07,
                   "beta_mev_per_gpa2_err": 0.23, "redchi": 1.08},
        "eos": {"zinc-blende": {"v0_a3": 202.4, "v0_a3_err": 0.6, "k0_gpa": 57.13, "k0_gpa_err": 0.148,
                                "kp": 4.0, "kp_err": None},
                "rock-salt": {"v0_a3": 165.2, "v0_a3_err": 1.9, "k0_gpa": 71.9, "k0_gpa_err": 6.3,
                              "kp": 4.0, "kp_err": None}},
        "transition_pressure_gpa": 15.9, "transition_pressure_gpa_err": 0.7,
        "ruby": [{"file": "ruby_01.txt", "step": 1, "r1_nm": 694.382, "r1_nm_err": 0.004,
                  "pressure_gpa": 0.52, "pressure_gpa_err": 0.04}],
        "pl": [{"step": 1, "peak_ev": 2.039, "peak_ev_err": 0.002, "fwhm_mev": 120.0}],
        "tauc": [{"pressure_gpa": 0.52, "gap_ev": 2.081, "gap_ev_err": 0.012},
                 {"pressure_gpa": 8.13, "gap_ev": 2.42, "gap_ev_err": float("nan")}],
        "xrd": [{"step": 2, "phase": "zinc-blende", "a_angstrom": 5.771, "a_angstrom_err": 0.002}],
        "saxs": [{"pressure_gpa": 8.13, "direction": "compression", "d_first_angstrom": 71.2,
                  "mesophase": "fcc"}],
        "tem": {"mean_nm": 6.21, "se_nm": 0.05, "n": 412},
        "failures": [{"file": "pl_07.txt", "technique": "pl", "error": "pl_07.txt: no peak above noise"}],
        "inconsistencies": ["E(P) fit gives 2.246 eV at 5.6 GPa, the stated endpoint is 2.271 eV (1.9σ)"],
        "provenance": {"dackit_version": "0.1.0", "created": "2026-11-25T06:00:00Z",
                       "files": [{"file": "ruby_01.txt", "sha256": "ab" * 32, "technique": "ruby",
                                  "method": "mao1986-hydrostatic"}]},
        "calibration_notes": {"poni": "LaB6.poni", "distance_mm": 201.3},
        "extra_table": [{"x": 1, "y": 2.5}, {"x": 2, "z": "c"}],
    }


# --------------------------------------------------------------------------- format_value_err


@pytest.mark.parametrize("value, err, text", [
    (2.01234, 0.0031, "2.0123 ± 0.0031"),     # σ to two significant digits (issue 14)
    (57.13, 0.148, "57.13 ± 0.15"),
    (53.04, 1.46, "53.0 ± 1.5"),
    (1234.0, 56.0, "1234 ± 56"),
    (2.0, 0.00996, "2.000 ± 0.010"),          # rounding carries into the next decade
    (-0.0004, 0.003, "-0.0004 ± 0.0030"),
    (-0.00004, 0.003, "0.0000 ± 0.0030"),     # no negative zero
    (-3.25, 0.25, "-3.25 ± 0.25"),
    (3.2e-7, 4.1e-8, "(3.20 ± 0.41)×10⁻⁷"),
    (1.0e6, 2.0e4, "1000000 ± 20000"),
    (1.0e8, 2.0e4, "(1.00000 ± 0.00020)×10⁸"),
    (15.9, None, "15.9"),
    (15.9, float("nan"), "15.9 ± n/a"),
    (15.9, -0.2, "15.9 ± n/a"),
    (4, 0, "4 ± 0"),
    (None, 0.1, "n/a"),
    (float("nan"), 0.1, "n/a"),
])
def test_format_value_err(value, err, text):
    assert format_value_err(value, err) == text


@settings(max_examples=300, deadline=None)
@given(st.floats(-1e4, 1e4), st.floats(1e-3, 1e3))
def test_format_value_err_rounds_to_the_errors_place(value, err):
    text = format_value_err(value, err)
    shown_v, shown_e = text.split(" ± ")
    decimals = len(shown_v.split(".")[1]) if "." in shown_v else 0
    unit = 10.0 ** -decimals
    # the error's own last place when it is rounded to tens or more
    if decimals == 0:
        unit = 10.0 ** (len(shown_e) - len(shown_e.rstrip("0")))
    assert abs(float(shown_v) - value) <= unit / 2 * (1 + 1e-9) + 1e-12
    assert abs(float(shown_e) - err) <= unit / 2 * (1 + 1e-9) + 1e-12
    digits = shown_e.replace(".", "").lstrip("0") or "0"
    assert len(digits) == 2 or (decimals == 0 and len(digits.rstrip("0")) <= 2), text


# --------------------------------------------------------------------------- content


def test_minimal_report_says_what_is_absent(tmp_path):
    out = write_report({"steps": [{"step": 1, "direction": "compression", "pressure_gpa": 2.31,
                                   "pressure_gpa_err": 0.04}]}, [], tmp_path / "report.html")
    page = _Page(out.read_text(encoding="utf-8"))
    text = " ".join(page.text)
    assert "2.310 ± 0.040" in text
    assert "No E(P) fit in this run." in text
    assert "No equation-of-state fit in this run." in text
    assert "These results do not record failures." in text
    for technique in ("Ruby pressure gauge", "X-ray diffraction", "Small-angle X-ray scattering"):
        assert technique in text.split("not in this run")[1]
    assert page.images == {}


def test_empty_results_still_make_a_page(tmp_path):
    page = _Page(write_report({}, [], tmp_path / "r.html").read_text(encoding="utf-8"))
    assert "No pressure steps in these results." in " ".join(page.text)


def test_full_report_tables_figures_and_sections(tmp_path):
    ruby = _png(tmp_path / "ruby_series.png")
    pl = _png(tmp_path / "pl_vs_pressure.png")
    tem = _png(tmp_path / "tem_histogram.png", kind="hist")
    other = _png(tmp_path / "overview.png")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([1, 2], [2, 1])
    fig.savefig(tmp_path / "eos_fit.svg")
    fig.savefig(tmp_path / "eos_fit.png")   # the same figure in two formats is shown once
    plt.close(fig)
    figures = [ruby, ("PL peak energy versus pressure", pl), tem, tmp_path / "eos_fit.svg", other,
               tmp_path / "eos_fit.png"]
    out = write_report(_full_results(), figures, tmp_path / "out" / "report.html", title="InP/ZnSe run 3")
    html = out.read_text(encoding="utf-8")
    page = _Page(html)
    text = " ".join(page.text)

    assert {k: len(v) for k, v in page.images.items()} == {"ruby": 1, "pl": 1, "tem": 1, "xrd": 1,
                                                            "figures": 1}
    assert all(src.startswith(("data:image/png;base64,", "data:image/svg+xml;base64,"))
               for srcs in page.images.values() for src in srcs)
    for expected in ("2.0123 ± 0.0031", "53.0 ± 1.5", "-2.07 ± 0.23", "57.13 ± 0.15", "71.9 ± 6.3",
                     "15.90 ± 0.70", "6.210 ± 0.050", "694.3820 ± 0.0040", "21.71 ± 0.31",
                     "PL peak energy versus pressure", "no peak above noise", "ab" * 32,
                     "mao1986-hydrostatic", "LaB6.poni", "fcc", "InP/ZnSe 6.2 nm"):
        assert expected in text, expected
    # nothing hidden: unknown keys have their own headings
    assert "calibration notes" in text and "extra table" in text
    # an inconsistency is highlighted, and the summary points to it and to the failure
    assert re.search(r'<div class="warn"><ul><li>E\(P\) fit gives', html)
    assert 'href="#inconsistencies"' in html and 'href="#failures"' in html
    assert "Check:" in text
    # no network and no script in the page itself
    assert "http://" not in html.replace('content="width', "") and "https://" not in html
    assert "script" not in page.tags


def test_report_has_no_script_and_forbids_fetches():
    html = render_report(_full_results())
    assert "<script" not in html.lower()
    assert "default-src 'none'" in html and "img-src data:" in html


HOSTILE = '<script>alert("x")</script>&"\'.spe'


def test_hostile_strings_are_escaped(tmp_path):
    img = _png(tmp_path / "ruby_a.png")
    results = {
        "steps": [{"step": HOSTILE, "direction": "<b>up</b>", "pressure_gpa": 1.0}],
        "failures": [{"file": HOSTILE, "technique": "<i>pl</i>",
                      "error": '<img src=x onerror="alert(1)"> could not be read'}],
        "inconsistencies": ["</ul><script>alert(2)</script>"],
        "<svg onload=alert(3)>": {"<k>": "<v>"},
        "provenance": {"files": [{"file": HOSTILE, "sha256": "<x>", "technique": "ruby"}]},
    }
    html = write_report(results, [(HOSTILE, img)], tmp_path / "r.html",
                        title="</title><script>alert(4)</script>").read_text(encoding="utf-8")
    page = _Page(html)
    assert "script" not in page.tags and "b" not in page.tags and "i" not in page.tags
    assert not [name for name, _ in page.attrs if name.startswith("on")]
    assert "<script" not in html.lower()
    text = " ".join(page.text)
    assert HOSTILE in text   # shown to the reader verbatim, as text
    assert '<img src=x onerror="alert(1)"> could not be read' in text


# --------------------------------------------------------------------------- bad input, atomic write


def test_bad_inputs_raise_clear_errors(tmp_path):
    with pytest.raises(InputError, match="results: expected a dict"):
        render_report([1, 2])
    with pytest.raises(InputError, match=r"results\['steps'\]"):
        render_report({"steps": "1, 2, 3"})
    with pytest.raises(InputError, match="missing.png: figure cannot be read"):
        render_report({}, [tmp_path / "missing.png"])
    (tmp_path / "fake.png").write_text("not a png")
    with pytest.raises(InputError, match="fake.png: not a valid PNG"):
        render_report({}, [tmp_path / "fake.png"])
    (tmp_path / "fig.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match=r"fig.pdf: figure type .pdf cannot be embedded"):
        render_report({}, [tmp_path / "fig.pdf"])
    with pytest.raises(InputError, match="caption, path"):
        render_report({}, [("a", "b", "c")])


def test_write_is_atomic(tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    out.write_text("previous report")
    # a failure while building the page leaves the old report whole, and no temporary file
    with pytest.raises(InputError):
        write_report({}, [tmp_path / "missing.png"], out)
    assert out.read_text() == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]

    # a failure at the rename (disk full, killed) leaves no partial file under either name
    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    new = tmp_path / "new.html"
    with pytest.raises(OSError):
        write_report(_full_results(), [], new)
    assert not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


# --------------------------------------------------------------------------- real browser


def _page(tmp_path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title>'
                    f'<link rel="icon" href="data:,"></head><body>{body}</body></html>')
    return path


def test_browser_detector_catches_each_kind_of_failure(tmp_path, chromium):
    """The check must be able to fail: each defect alone is caught, a clean page passes."""
    import base64
    ok_uri = "data:image/png;base64," + base64.b64encode(_png(tmp_path / "ok.png").read_bytes()).decode()
    pages = {
        "clean": f'<p>fine</p><img src="{ok_uri}">',
        "js": "<script>undefinedFunction();</script>",
        "console": '<script>console.error("boom")</script>',
        "missing": '<img src="no_such.png">',
        "corrupt": '<img src="data:image/png;base64,AAAA">',
        # port 9 (discard) on the loopback: refused at once, but the attempt itself is the failure
        "net": '<img src="http://127.0.0.1:9/x.png">',
    }
    checks = dict(zip(pages, check_pages([_page(tmp_path, f"{k}.html", v) for k, v in pages.items()])))

    assert checks["clean"].ok and checks["clean"].n_images == 1, checks["clean"].summary()
    js = checks["js"]
    assert not js.ok and any("ReferenceError" in e for e in js.errors), js.summary()
    assert any("boom" in e for e in checks["console"].errors), checks["console"].summary()
    missing = checks["missing"]
    assert missing.broken_images and "no_such.png" in missing.broken_images[0]
    assert any("ERR_FILE_NOT_FOUND" in e for e in missing.errors), missing.summary()
    assert checks["corrupt"].broken_images and not checks["corrupt"].ok, checks["corrupt"].summary()
    assert checks["net"].external_requests == ("http://127.0.0.1:9/x.png",), checks["net"].summary()
    # each page's problems stay with that page
    assert not checks["js"].broken_images and not checks["corrupt"].errors


def test_full_report_renders_in_chromium(tmp_path, chromium):
    figures = [_png(tmp_path / "ruby_series.png"), ("TEM sizes", _png(tmp_path / "tem.png", "hist")),
               _png(tmp_path / "saxs_d.png")]
    out = write_report(_full_results(), figures, tmp_path / "report.html")
    check = check_in_browser(out)
    assert check.ok, check.summary()
    assert check.n_images == 3 and not check.broken_images


def test_minimal_and_hostile_reports_render_in_chromium(tmp_path, chromium):
    minimal = write_report({}, [], tmp_path / "minimal.html")
    hostile = write_report({"failures": [{"file": HOSTILE, "error": "<img src=x onerror=alert(1)>"}]},
                           [], tmp_path / "hostile.html", title=HOSTILE)
    for check in check_pages([minimal, hostile]):
        assert check.ok and check.n_images == 0, check.summary()


def test_browser_problems_are_reported_clearly(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="no such HTML file"):
        check_in_browser(tmp_path / "absent.html")
    page = _page(tmp_path, "p.html", "<p>x</p>")
    monkeypatch.setenv("DACKIT_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert find_chromium() is None
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DackitError, match="no Chromium found"):
        check_in_browser(page)
    with pytest.raises(DackitError, match="headless Chromium|cannot start"):
        check_in_browser(page, browser=str(tmp_path / "p.html"), timeout_s=10)


def test_a_page_that_never_loads_times_out(tmp_path, chromium):
    page = _page(tmp_path, "hang.html", "<script>while (true) {}</script>")
    with pytest.raises(DackitError, match="did not answer in time"):
        check_in_browser(page, timeout_s=3)


# --------------------------------------------------------------------------- issue 14: no long decimals


@settings(max_examples=400, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
       st.one_of(st.none(), st.floats(min_value=0, max_value=1e9)))
def test_no_number_is_written_with_six_decimals(value, err):
    from dackit.core.formatting import format_value

    for text in (format_value(value), format_value_err(value, err)):
        assert not re.search(r"\d\.\d{6,}", text), text
        mantissa = re.sub(r"×10.*$", "", text).strip("()")
        assert len(re.sub(r"\D", "", mantissa.split(" ± ")[0]).lstrip("0")) <= 9, text


def test_report_of_raw_floats_has_no_long_decimals():
    results = {"steps": [{"step": 1, "direction": "compression", "pressure_gpa": 0.0009280119721347391,
                          "pressure_gpa_err": 0.0123456789}],
               "pl": [{"step": 1, "cie_y": 0.080984123, "redchi": 0.514538, "slope": -0.00020727,
                       "quality_notes": ["χ² 1.23456789 above 1.2"], "window": [[1.1234567, 2.7654321]]}],
               "extra": {"deep": [{"x": 3.14159265358979}]}}
    html = render_report(results)
    assert not re.search(r"\d\.\d{6,}", html), re.findall(r"\d+\.\d{6,}", html)
    for shown in ("0.08098", "0.51454", "-2.0727×10⁻⁴", "χ² 1.2346 above 1.2"):
        assert shown in html, shown


def test_per_particle_diameters_stay_out_of_the_tables():
    """tem_by_step rows carry every particle's size (for `dackit view`); the report shows the
    step's statistics and images, not hundreds of diameters in one cell."""
    row = {"step": 0, "n": 3, "mean_nm": 5.0, "sd_nm": 0.1, "se_nm": 0.06, "median_nm": 5.0,
           "diameters_nm": [4.91234, 5.01234, 5.09876], "images": [{"file": "tem/a.tif", "n": 3}]}
    html = render_report({"tem_by_step": [row]})
    assert "tem/a.tif" in html and "5.0987" not in html and "4.9123" not in html
