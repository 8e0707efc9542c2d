"""
Reading instrument files
========================

:func:`dackit.io.read_spectrum` detects the format of a spectrum file from its content
(not its name): plain or named columns, Ocean Optics text and ``.ProcSpec``, Princeton SPE,
Andor SIF, Horiba LabSpec XML, JASCO and CRAIC-style text. It returns a validated
:class:`~dackit.core.spectrum.Spectrum` with the metadata the file states (exposure,
instrument, serial number, date) and says where the x unit came from. Bad input ends in a
:class:`~dackit.errors.InputError` that names the file.

The files are the corpus files of the other tutorials, in four formats.
"""

# %%
# Four formats, one call
# ----------------------
from docdata import corpus

from dackit.io import read_spectrum

for name in ("optics/trax_Ruby.spe", "optics/pruby_test_data1.txt", "optics/rf2gpa_p1.1_RF.txt",
             "optics/cdse_run2_FL_emission.csv"):
    s = read_spectrum(corpus(name))
    meta = {k: s.metadata[k] for k in ("format", "n_frames", "exposure_s", "x_unit_from") if k in s.metadata}
    print(f"{name:36s} {s.y.size:5d} points {s.x.min():7.2f}–{s.x.max():7.2f} {meta}")

# %%
# Patterns and SAXS files
# -----------------------
# 1D diffraction patterns (``.xy``, ``.chi`` from pyFAI, Dioptas or Fit2D) keep the header's
# wavelength and geometry; NXcanSAS HDF5 files give a q pattern with its uncertainties.
from dackit.io import read_pattern
from dackit.saxs import load_saxs

for name in ("xrd/lab6_p49_001_pyfai.xy", "xrd/lab6_p49_001_fit2d.chi"):
    p = read_pattern(corpus(name))
    print(f"{name:34s} {p.axis:8s} {p.x.size} points, wavelength {p.wavelength_a} Å, format {p.metadata.get('format')}")
q = load_saxs(corpus("saxs/simpleexamplefile.h5"))
print(f"saxs/simpleexamplefile.h5: {q.axis}, {q.x.size} points, sigma given: {q.sigma is not None}")

# %%
# A bad file is a clear error
# ---------------------------
import tempfile
from pathlib import Path

from dackit.errors import InputError

bad = Path(tempfile.mkdtemp()) / "truncated.txt"
bad.write_text("wavelength,counts\n694.1,12\n694.2,abc\n")
try:
    read_spectrum(bad)
except InputError as exc:
    print("InputError:", exc)

# %%
# A plot of what was read
# -----------------------
import matplotlib.pyplot as plt

s = read_spectrum(corpus("optics/trax_Ruby.spe"))
fig, ax = plt.subplots(figsize=(6.4, 3.5))
ax.plot(s.x, s.y, lw=0.8)
ax.set_xlabel("Wavelength (nm)")
ax.set_ylabel("Counts")
ax.set_title("trax_Ruby.spe (Princeton SPE)")
