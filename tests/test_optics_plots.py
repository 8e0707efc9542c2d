"""Optical figures: each draws what its result says, into a caller's axes or a new Figure."""
import numpy as np
from matplotlib.figure import Figure

from dackit.core.figures import new_figure
from dackit.optics.absorption import simulate_absorption, tauc_gap
from dackit.optics.pl import fit_pl, simulate_pl
from dackit.optics.plots import plot_cie, plot_energy_vs_pressure, plot_pl_stack, plot_tauc
from dackit.optics.pressure_coeff import fit_energy_vs_pressure


def test_tauc_plot_marks_the_fitted_gap():
    res = tauc_gap(simulate_absorption(gap_ev=2.1, seed=3))
    fig = plot_tauc(res, title="gap")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    vertical = [ln for ln in ax.lines if len(set(ln.get_xdata())) == 1]
    assert vertical and float(vertical[0].get_xdata()[0]) == res.gap_ev
    assert f"{res.gap_ev:.4f}" in " ".join(t.get_text() for t in ax.texts)


def test_energy_vs_pressure_into_callers_axes():
    p = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 2.0])
    e = 2.0 + 0.05 * p + np.array([0.001, -0.002, 0.0, 0.002, -0.001, 0.0])
    fit = fit_energy_vs_pressure(p[:5], e[:5], order=1)
    own, (left, right) = new_figure((8, 3), 1, 2)
    assert plot_energy_vs_pressure(p, e, ax=right, fit=fit, e_err=np.full(6, 0.002),
                                   decompression=[False] * 5 + [True]) is own
    assert not left.has_data()
    labels = [t.get_text() for t in right.get_legend().get_texts()]
    assert "compression" in labels and "decompression" in labels and "fit" in labels


def test_pl_stack_and_cie():
    fits = [fit_pl(simulate_pl(p, seed=i)) for i, p in enumerate((0.0, 3.0))]
    fits = [type(f)(**{**f.__dict__, "pressure_gpa": p}) for f, p in zip(fits, (0.0, 3.0))]
    fig = plot_pl_stack(fits)
    assert "3.0 GPa" in [t.get_text() for t in fig.axes[0].texts]
    cie = plot_cie([0.3, 0.4], [0.5, 0.45], pressure_gpa=[0.0, 3.0])
    assert len(cie.axes) == 2            # the diagram and its pressure colour bar
