"""Figures render, contain what they claim, and save."""
import numpy as np
import pytest

from dackit.errors import InputError
from dackit.nanocrystal.coreshell import core_shell, pl_vs_pressure
from dackit.nanocrystal.plots import (alpha_design_map, plot_band_diagram, plot_design_map,
                                      plot_pl_vs_pressure, plot_study_comparison, plot_wavefunctions,
                                      save_figure)

NC = core_shell("InP", 2.5, "ZnSe", 1.9)


def test_band_diagram_two_panels_and_file(tmp_path):
    fig = plot_band_diagram(NC, (0.0, 5.6))
    assert len(fig.axes) == 2
    assert "5.6 GPa" in fig.axes[1].get_title()
    path = save_figure(fig, tmp_path / "bands.png", dpi=80)
    assert path.stat().st_size > 10_000
    with pytest.raises(InputError):
        plot_band_diagram(NC, (0.0,))


def test_wavefunctions_and_pl_figures(tmp_path):
    assert save_figure(plot_wavefunctions(NC, 0.0), tmp_path / "wf.pdf").stat().st_size > 1000
    fig = plot_pl_vs_pressure(NC, np.linspace(0, 6, 7), measured_pressure_gpa=[0, 5.6],
                              measured_energy_ev=[2.003, 2.271])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "model" and labels[-1] == "measured"


def test_design_map_values_match_direct_model_and_plot():
    m = alpha_design_map("InP", "ZnSe", core_diameters_nm=[2.0, 3.0], shell_thicknesses_nm=[1.0, 2.0])
    assert m.alpha_mev_per_gpa.shape == (2, 2)
    direct = pl_vs_pressure(core_shell("InP", 3.0, "ZnSe", 1.0), [0.0], n_fit=6).alpha_mev_per_gpa
    assert m.alpha_mev_per_gpa[0, 1] == pytest.approx(direct, rel=1e-12)
    fig = plot_design_map(m)
    assert fig.axes[0].get_xlabel().startswith("InP core diameter")


def test_study_comparison_figure_shows_the_study_beside_the_model(tmp_path):
    fig = plot_study_comparison()
    assert len(fig.axes) == 2
    labels = [t.get_text() for ax in fig.axes for t in ax.get_legend().get_texts()]
    assert any("study fit" in x for x in labels) and any("Almeida" in x for x in labels)
    assert any("576 nm" in x for x in labels) and any("518 nm" in x for x in labels)
    assert save_figure(fig, tmp_path / "study.png", dpi=60).stat().st_size > 5_000
