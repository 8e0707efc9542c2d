"""
The pipeline: experiment.toml, run sheet, results and report
============================================================

A DAC experiment is a list of pressure *steps*; at each step several files are measured.
dackit describes it with two files: ``experiment.toml`` (instruments and analysis choices)
and ``runsheet.csv`` (the lab's log: one row per file, with its step, direction and
technique). :func:`dackit.experiment.run_experiment` analyses every file (cached, in
parallel), gives each step its pressure from the ruby spectra, fits the series (E(P), the
equation of state, transition onsets) and writes ``results.json`` and a self-contained
``report.html``.

To keep this page fast it builds a small experiment from real corpus files: three ruby
spectra (pRuby and T-Rax test data) as three pressure steps, each with a CdSe emission
spectrum standing in for the sample's PL. (The PL files are from different syntheses, not
one sample under pressure, so the E(P) fit below only shows the mechanics.) The full virtual
experiment is one command, see the end of the page.
"""

# %%
# The experiment folder
# ---------------------
# Files may stay where they are: ``data_roots`` names folders outside the experiment's own
# that the run sheet may refer to (everything else outside it is refused).
import tempfile
from pathlib import Path

from docdata import CORPUS

folder = Path(tempfile.mkdtemp(prefix="dackit-docs-"))
(folder / "experiment.toml").write_text(f'''
name = "pipeline tutorial"
runsheet = "runsheet.csv"
data_roots = ["{CORPUS.as_posix()}"]

[sample]
name = "CdSe emission spectra standing in for a sample"

[ruby]
scale = "shen2020"
lambda0_nm = 694.24

[pl]
n_peaks = 1
order = 1
''')
optics = CORPUS / "optics"
rows = [
    (0, "trax_Ruby.spe", "cdse_run3_FL_emission.csv"),
    (1, "pruby_test_data1.txt", "cdse_run6_FL_emission.csv"),
    (2, "pruby_test_data2.txt", "cdse_run9_FL_emission.csv"),
]
lines = ["step,direction,technique,file"]
for step, ruby, pl in rows:
    lines += [f"{step},compression,ruby,{optics / ruby}", f"{step},compression,pl,{optics / pl}"]
(folder / "runsheet.csv").write_text("\n".join(lines) + "\n")
print((folder / "runsheet.csv").read_text())

# %%
# Load, check and run
# -------------------
# :func:`dackit.experiment.load_experiment` validates both files first, so a typo is one
# clear message before any analysis runs.
from dackit.experiment import load_experiment, run_experiment

exp = load_experiment(folder / "experiment.toml")
summary = run_experiment(folder / "experiment.toml", folder / "results")
print(summary.to_dict())

# %%
# What results.json holds
# -----------------------
# One entry per step with its pressure (mean of the step's ruby fits, their spread as the
# error), one row per analysed file with ``quality`` and ``quality_notes``, and the series
# fits. Doubtful rows are listed, and left out of the series fits.
import json

results = json.loads(summary.results_path.read_text())
print(sorted(results))
for step in results["steps"]:
    print({k: step[k] for k in ("step", "pressure_gpa", "pressure_gpa_err") if k in step})

# %%
# The report
# ----------
# ``report.html`` is one self-contained file (figures inlined) beside results.json:
print(sorted(p.name for p in (folder / "results").iterdir()))
figures = sorted((folder / "results" / "figures").glob("*.png"))
print([f.name for f in figures])

# %%
# One of the figures the run wrote (each is also inlined in report.html):
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6.4, 4.8))
ax.imshow(plt.imread(figures[0]))
ax.set_axis_off()
ax.set_title(figures[0].name, fontsize=9)

# %%
# Excluding a file, changing one file's settings
# ------------------------------------------------
# A judgement about one file ("the beam hit the gasket", "this band needs a narrower
# window") goes into ``overrides.toml`` beside experiment.toml, not into the data or the
# code, so the run stays reproducible. To have something to exclude, say step 1 also has a
# second PL spectrum:
with open(folder / "runsheet.csv", "a") as f:
    f.write(f"1,compression,pl,{optics / 'cdse_run7_FL_emission.csv'}\n")
before = json.loads(run_experiment(folder / "experiment.toml", folder / "results").results_path.read_text())
print("E(P) fit before:", before["pl_fit"]["n"], "points")

# %%
# An ``[[exclude]]`` entry names a file as the run sheet writes it, with a reason; the
# run goes on as if that row were not there. An ``[[override]]`` entry changes settings of
# one file; which keys a technique accepts is listed in :mod:`dackit.experiment.overrides`
# (PL: ``n_peaks``, ``window_nm``, ``baseline``; ruby: ``scale``, ``lambda0_nm``,
# ``temperature_k``; …). A key the file's technique does not have, or a file the run sheet
# does not list, is an error naming the entry.
(folder / "overrides.toml").write_text(f'''
[[exclude]]
file = "{optics / 'cdse_run7_FL_emission.csv'}"
reason = "beam on the gasket (for the tutorial)"

[[override]]
file = "{optics / 'cdse_run3_FL_emission.csv'}"
window_nm = [490, 560]
reason = "fit the band only, not the tail towards 600 nm"
''')
after_summary = run_experiment(folder / "experiment.toml", folder / "results")
after = json.loads(after_summary.results_path.read_text())
print("E(P) fit after:", after["pl_fit"]["n"], "points;",
      after_summary.computed, "file(s) recomputed,", after_summary.cached, "from the cache")
print("exclusions:", json.dumps(after["exclusions"], indent=1))
print("overrides:", json.dumps(after["overrides"], indent=1))

# %%
# Only the overridden file was analysed again (its settings are part of its cache key);
# the excluded one is listed with its reason in results.json and in the report.
peak = {Path(r["file"]).name: r["peak_ev"] for r in before["pl"]}
for row in after["pl"]:
    name = Path(row["file"]).name
    print(f"{name}: {peak[name]:.4f} eV -> {row['peak_ev']:.4f} eV ({row['quality']})")

# %%
# Looking at every fit: ``dackit view``
# -------------------------------------
# ``dackit view OUT`` opens a review app (Panel/Bokeh) on the output folder of
# ``dackit run`` or ``dackit watch``. Its overview shows every series (clicking a point
# opens that measurement); each measurement's page shows the raw data with its fit and
# residual, quality and notes. Results arriving from ``dackit watch`` appear as they are
# written. "Exclude" (with a reason) writes the same ``[[exclude]]`` entry into
# overrides.toml, and a setting typed as TOML (``window_nm = [490, 560]``) an
# ``[[override]]`` entry; the app then re-runs the experiment (only the touched file is
# recomputed), so ``dackit run`` afterwards gives the same results as the app shows. It is
# not run here, since it serves a web page::
#
#     dackit view results                      # opens a browser on http://127.0.0.1:PORT/
#     dackit view results --no-browser         # only print the URL (first line of output)
#     dackit view results --no-browser --json  # {"url": "...", "out": "..."}
#     dackit view results --host 0.0.0.0 --port 5006
#
# By default the app listens on loopback (127.0.0.1) only, on a free port. With ``--host``
# set to any other address, every request needs the token printed in the URL
# (``...?token=...``): give that URL only to the people who should see the data.

# %%
# The whole virtual experiment
# ----------------------------
# ``make demo`` (or ``dackit demo --out demo_output``) simulates the InP/ZnSe study at every
# pressure step (ruby, PL, absorption, XRD and SAXS detector images, TEM), runs this same
# pipeline on the raw files and prints every result against the simulation's truth. It
# takes a few minutes, so it is not run here::
#
#     make demo
#     dackit simulate experiment /tmp/exp --preset inp-znse
#     dackit run /tmp/exp/experiment.toml --out /tmp/exp/results
#
# During a beamtime, ``dackit watch`` re-runs the analysis as files arrive (rows whose file
# is not there yet wait).
