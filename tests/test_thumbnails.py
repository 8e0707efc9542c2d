"""Thumbnails of each measurement's fit in the static report: small inline PNGs, drawn where
the fit is, one per file next to its row, no script."""
import io
import re

import numpy as np
import pytest
from PIL import Image

from dackit.report.html import render_report
from dackit.experiment.measurement import Curve, Marker, MeasurementPlot
from dackit.experiment.thumbnails import HEIGHT_PX, WIDTH_PX, run_thumbnails, thumbnail_png


def _plot(fit_level=0.5, residual=True):
    x = np.linspace(0.0, 1.0, 200)
    y = np.where(x < 0.5, 0.0, 1.0)
    fit = np.full_like(x, fit_level)
    return MeasurementPlot(file="a.txt", technique="ruby", x_label="x", y_label="y", data=Curve("data", x, y),
                           fit=Curve("fit", x, fit), residual=Curve("r", x, y - fit) if residual else None,
                           markers=(Marker(0.25, "m", "peak"),))


def _rgb(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _red_rows(rgb):
    red = (rgb[..., 0] > 180) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
    return np.nonzero(red.any(axis=1))[0], red


def test_thumbnail_is_small_and_draws_the_fit_where_it_is():
    png = thumbnail_png(_plot(residual=False))
    assert png.startswith(b"\x89PNG") and len(png) < 4000
    rgb = _rgb(png)
    assert rgb.shape == (HEIGHT_PX, WIDTH_PX, 3)
    rows, red = _red_rows(rgb)
    # a horizontal fit at half the data's range: a red line across the middle of the image
    assert rows.size and abs(np.median(rows) - HEIGHT_PX / 2) < 0.1 * HEIGHT_PX
    assert red.any(axis=0).sum() > 0.9 * WIDTH_PX
    # the marker at x = 0.25 of the range: a coloured (not grey, not red) vertical line there
    g = rgb[..., 1] > rgb[..., 0] + 40
    cols = np.nonzero(g.any(axis=0))[0]
    assert cols.size and abs(np.median(cols) - 0.25 * WIDTH_PX) <= 3


def test_thumbnail_residual_strip_is_below_the_fit():
    rows_with, _ = _red_rows(_rgb(thumbnail_png(_plot(fit_level=0.9))))
    rows_without, _ = _red_rows(_rgb(thumbnail_png(_plot(fit_level=0.9, residual=False))))
    # the zero line of the residual strip sits in the bottom quarter; without residual, none there
    assert (rows_with > 0.78 * HEIGHT_PX).any()
    assert not (rows_without > 0.78 * HEIGHT_PX).any()


def test_report_puts_one_thumbnail_per_file_next_to_its_row():
    results = {"ruby": [{"file": "ruby/a.txt", "step": 0, "r1_nm": 694.3},
                        {"file": "ruby/b <x>.txt", "step": 1, "r1_nm": 695.1}],
               "xrd": [{"file": "xrd/c.tif", "phase": "zb", "present": True},
                       {"file": "xrd/c.tif", "phase": "rs", "present": False}]}
    png = thumbnail_png(_plot())
    page = render_report(results, thumbnails={"ruby/a.txt": png, "ruby/b <x>.txt": png, "xrd/c.tif": png})
    assert "<script" not in page
    imgs = re.findall(r'<td class="thumb"><img src="data:image/png;base64,[A-Za-z0-9+/=]+" width="160" '
                      r'height="90" alt="fit of ([^"]*)"></td>', page)
    assert imgs == ["ruby/a.txt", "ruby/b &lt;x&gt;.txt", "xrd/c.tif"]   # XRD: once for its two rows
    # each thumbnail sits in the row that holds its file's numbers
    row = re.search(r"<tr><td class=\"thumb\"><img[^>]*alt=\"fit of ruby/a.txt\"></td>(.*?)</tr>", page).group(1)
    assert "694.3" in row


def test_report_without_thumbnails_has_no_fit_column():
    page = render_report({"ruby": [{"file": "ruby/a.txt", "step": 0, "r1_nm": 694.3}]})
    assert 'class="thumb"' not in page and "<th>fit</th>" not in page


def test_run_thumbnails_skips_what_cannot_be_drawn(tmp_path):
    (tmp_path / "experiment.toml").write_text('name = "t"\nrunsheet = "runsheet.csv"\n')
    (tmp_path / "runsheet.csv").write_text("step,direction,technique,file\n")
    results = {"provenance": {"experiment": str(tmp_path / "experiment.toml"),
                              "files": [{"file": "missing.txt", "technique": "ruby", "method": {}},
                                        {"file": "../../etc/passwd", "technique": "ruby", "method": {}},
                                        {"file": "t.tif", "technique": "tem", "method": {}}]}}
    assert run_thumbnails(results) == {}


@pytest.mark.parametrize("log_y", [False, True])
def test_thumbnail_of_a_log_plot_with_non_positive_points(log_y):
    x = np.linspace(0.01, 0.3, 100)
    y = np.r_[np.zeros(10), 1 / x[10:] ** 2]
    plot = MeasurementPlot(file="s", technique="saxs", x_label="q", y_label="I", data=Curve("d", x, y), log_y=log_y)
    assert _rgb(thumbnail_png(plot)).shape == (HEIGHT_PX, WIDTH_PX, 3)


def test_tauc_rows_get_their_thumbnails_and_texture_rows_do_not_repeat_them():
    png = thumbnail_png(_plot())
    results = {"tauc": [{"file": "abs/a.txt", "gap_ev": 2.3}],
               "xrd": [{"file": "xrd/c.tif", "phase": "zb"}], "xrd_texture": [{"file": "xrd/c.tif", "label": "uniform"}]}
    page = render_report(results, thumbnails={"abs/a.txt": png, "xrd/c.tif": png})
    assert re.findall(r'alt="fit of ([^"]*)"', page) == ["abs/a.txt", "xrd/c.tif"]
