"""The figure convention (ax=None → Figure, no pyplot in the library) and the one save function."""
import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import dackit
from dackit.core.figures import figure_of, new_figure, plot_fit, save_figure
from dackit.core.fitting import PeakModel, fit_spectrum

SRC = Path(dackit.__file__).parent


def _fit():
    rng = np.random.default_rng(5)
    x = np.linspace(690, 698, 400)
    m = PeakModel("pseudo_voigt", 1, baseline_degree=1)
    y = m.evaluate(x, [1000.0, 694.2, 0.6, 0.4, 50.0, 2.0], x_ref=694.0) + rng.normal(0, 5, x.size)
    return x, y, fit_spectrum(x, y, m, window=(690, 698))


def test_plot_fit_draws_data_model_and_residuals():
    x, y, fit = _fit()
    fig = plot_fit(x, y, fit, title="ruby", annotation="P = 1 GPa")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    top, bottom = fig.axes
    assert top.get_title() == "ruby"
    # the residual panel shows exactly data − model at the data points
    rx, ry = bottom.lines[0].get_data()
    np.testing.assert_allclose(ry, y - fit.eval(x))
    assert {ln.get_label() for ln in top.lines} >= {"data", "fit"}


def test_plot_fit_into_callers_axes():
    x, y, fit = _fit()
    own, axes = new_figure((6, 6), 2, 1)
    assert plot_fit(x, y, fit, axes=axes) is own
    assert len(own.axes) == 2 and axes[1].lines


def test_figure_of_subfigure_is_the_root():
    fig = Figure()
    sub = fig.subfigures(1, 2)[1]
    ax = sub.subplots()
    assert figure_of(ax) is fig


def test_save_figure_formats(tmp_path):
    fig, ax = new_figure((3, 2))
    ax.plot([0, 1], [1, 0])
    png = save_figure(fig, tmp_path / "sub" / "line")
    assert png == tmp_path / "sub" / "line.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "sub" / "line.svg").read_text().lstrip().startswith("<?xml")
    pdf = save_figure(fig, tmp_path / "line.pdf")
    assert pdf.read_bytes()[:4] == b"%PDF" and not (tmp_path / "line.png").exists()


def test_library_selects_no_backend_and_imports_no_pyplot():
    """No module of the package calls matplotlib.use or imports pyplot (issue 11)."""
    offenders = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "use" and getattr(node.func.value, "id", "") == "matplotlib":
                offenders.append(f"{path}: matplotlib.use")
            if isinstance(node, ast.ImportFrom) and node.module and "pyplot" in node.module:
                offenders.append(f"{path}: from {node.module}")
            if isinstance(node, ast.Import) and any("pyplot" in a.name for a in node.names):
                offenders.append(f"{path}: import pyplot")
    assert not offenders


def test_drawing_and_saving_leave_pyplot_unloaded(tmp_path):
    code = f"""
import sys
import pandas as pd
from dackit.core.figures import save_figure
from dackit.experiment.figures import plot_gap_vs_pressure, plot_steps
steps = pd.DataFrame({{"step": [0, 1, 2], "pressure_gpa": [0.1, 2.0, 0.5],
                      "pressure_gpa_err": [0.05, 0.05, 0.05],
                      "direction": ["compression", "compression", "decompression"]}})
save_figure(plot_steps(steps), r"{tmp_path}/steps")
rows = [{{"pressure_gpa": p, "gap_ev": 1.9 + 0.05 * p, "gap_ev_err": 0.01, "direction": d}}
        for p, d in ((0.0, "compression"), (3.0, "compression"), (1.0, "decompression"))]
save_figure(plot_gap_vs_pressure(rows), r"{tmp_path}/gap.png")
print("matplotlib.pyplot" in sys.modules)
"""
    env_out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert env_out.stdout.strip() == "False"
    assert (tmp_path / "steps.png").stat().st_size > 5000 and (tmp_path / "steps.svg").is_file()
    assert (tmp_path / "gap.png").stat().st_size > 5000


def test_step_figure_marks_directions():
    from dackit.experiment.figures import plot_steps

    steps = pd.DataFrame({"step": [0, 1, 2], "pressure_gpa": [0.1, 2.0, 0.5], "pressure_gpa_err": [0.05] * 3,
                          "direction": ["compression", "compression", "decompression"]})
    fig, ax = new_figure((4, 3))
    assert plot_steps(steps, ax=ax) is fig
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["compression", "decompression"]
