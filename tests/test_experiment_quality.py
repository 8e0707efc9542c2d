"""Doubtful results stay out of the series fits and step pressures, and the report lists them."""
import pandas as pd

from dackit.experiment.series import doubtful_results, lattices_trusted, technique_rows
from dackit.experiment.steps import step_pressures
from dackit.report.html import render_report


def _sheet():
    return pd.DataFrame({
        "row": [0, 1, 2, 3], "step": [1, 1, 1, 2], "direction": ["compression"] * 4,
        "technique": ["ruby", "ruby", "pl", "ruby"], "file": ["r1.txt", "r2.txt", "pl.txt", "r3.txt"],
        "pressure_gpa": [float("nan")] * 4, "pressure_gpa_err": [float("nan")] * 4})


def _by_row():
    ok = {"quality": "ok", "quality_notes": []}
    bad = {"quality": "doubtful", "quality_notes": ["R1 and R2 not resolved"]}
    return {
        0: {"ok": True, "value": {"pressure_gpa": 5.0, "pressure_gpa_err": 0.05, **ok}},
        1: {"ok": True, "value": {"pressure_gpa": 9.0, "pressure_gpa_err": 0.05, **bad}},
        2: {"ok": True, "value": {"peak_ev": 2.1, "peak_ev_err": 0.001, **bad}},
        3: {"ok": True, "value": {"pressure_gpa": 7.0, "pressure_gpa_err": 0.05, **bad}},
    }


def test_step_pressure_prefers_trusted_ruby_and_says_when_it_cannot():
    sheet, by_row = _sheet(), _by_row()
    ruby = {r: by_row[r]["value"] for r in (0, 1, 3)}
    steps = step_pressures(sheet, ruby).set_index("step")
    assert steps.loc[1, "pressure_gpa"] == 5.0          # the doubtful 9 GPa reading is not averaged in
    assert "doubtful" not in steps.loc[1, "source"]
    assert steps.loc[2, "pressure_gpa"] == 7.0          # only a doubtful reading: used, and labelled
    assert "doubtful" in steps.loc[2, "source"]


def test_series_rows_leave_out_doubtful_results_which_are_listed():
    sheet, by_row = _sheet(), _by_row()
    steps = step_pressures(sheet, {r: by_row[r]["value"] for r in (0, 1, 3)})
    assert technique_rows("pl", sheet, steps, by_row) == []
    assert [r["file"] for r in technique_rows("ruby", sheet, steps, by_row)] == ["r1.txt"]
    listed = doubtful_results(sheet, by_row)
    assert [d["file"] for d in listed] == ["r2.txt", "pl.txt", "r3.txt"]
    assert listed[1]["quality_notes"] == ["R1 and R2 not resolved"]


def test_report_lists_doubtful_results_with_reasons(tmp_path):
    results = {"steps": [], "failures": [],
               "doubtful": [{"file": "pl_07.txt", "technique": "pl", "step": 7,
                             "quality_notes": ["no emission peak above the noise"]}]}
    html = render_report(results, figures=[])
    assert 'id="doubtful"' in html and "pl_07.txt" in html
    assert "no emission peak above the noise" in html
    assert "1 doubtful result(s)" in html


def test_xrd_step_with_only_fraction_doubts_keeps_its_cells_for_the_eos():
    fractions = {"quality": "doubtful", "quality_notes": ["weight fractions: 11 % scatter"]}
    assert lattices_trusted({**fractions, "lattice_quality": "ok"})
    assert not lattices_trusted({**fractions, "lattice_quality": "doubtful"})
    assert not lattices_trusted(fractions)                   # an older cached result: no split verdict
    assert lattices_trusted({"quality": "ok", "quality_notes": []})
