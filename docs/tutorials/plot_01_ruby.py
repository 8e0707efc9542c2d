"""
Ruby pressure
=============

The R1 line of ruby (Cr³⁺:Al₂O₃) shifts to longer wavelength under pressure; a published
calibration scale turns the shift into GPa. Here we fit a real ruby spectrum recorded with
pRuby's test data (``tests/corpus/optics/pruby_test_data1.txt``, see the corpus manifest for
its source and licence). pRuby's own calculator gives R1 = 694.814 nm and P = 1.558 GPa
for this file with the Ruby2020 scale.
"""

# %%
# Read the spectrum
# -----------------
# :func:`dackit.io.read_spectrum` detects the file format and returns a validated
# :class:`~dackit.core.spectrum.Spectrum` (x in nm, counts, metadata).
from docdata import corpus

from dackit.io import read_spectrum

spectrum = read_spectrum(corpus("optics/pruby_test_data1.txt"))
print(spectrum.x.min(), spectrum.x.max(), spectrum.y.size)

# %%
# Fit the doublet and convert R1 to pressure
# ------------------------------------------
# :func:`dackit.gauge.fit_ruby` fits R1 and R2 as two pseudo-Voigts on a linear baseline,
# weighted by counting noise. The default scale is ``shen2020`` (IPPS-Ruby2020) with the
# reference λ0 = 694.24 nm; both are arguments. The pressure error combines the R1 position
# error and the uncertainty of λ0.
from dackit.gauge import fit_ruby

fit = fit_ruby(spectrum)
print(f"R1 = {fit.r1_nm:.3f} ± {fit.r1_nm_err:.3f} nm, R2 = {fit.r2_nm:.3f} nm")
print(f"P  = {fit.pressure_gpa:.3f} ± {fit.pressure_gpa_err:.3f} GPa ({fit.scale}, model {fit.model})")
print("quality:", fit.quality, fit.quality_notes)

# %%
# The fit and its residuals
# -------------------------
# Look at the residuals before trusting the number: structure there (a third line, a
# wrong baseline) is what the verdict checks for.
from dackit.core import plot_fit

fig = plot_fit(spectrum.x, spectrum.y, fit.fit, window=fit.window_nm,
               title=f"ruby, P = {fit.pressure_gpa:.2f} GPa",
               annotation=f"R1 = {fit.r1_nm:.3f} nm")

# %%
# Scales disagree at high pressure
# --------------------------------
# All ruby scales agree near ambient and part ways above ~30 GPa. The registry
# :data:`dackit.gauge.RUBY_SCALES` lists them with their citations (see
# :doc:`/registries/gauge_scales`).
import matplotlib.pyplot as plt
import numpy as np

from dackit.gauge import RUBY_SCALES, pressure_from_r1

r1 = np.linspace(694.24, 730.0, 200)
fig, ax = plt.subplots(figsize=(6.4, 4))
for name in RUBY_SCALES:
    ax.plot(r1, pressure_from_r1(r1, scale=name), lw=1, label=name)
ax.set_xlabel("R1 wavelength (nm)")
ax.set_ylabel("Pressure (GPa)")
ax.legend(fontsize=7, frameon=False)
for name in ("mao1986-hydrostatic", "dewaele2008", "shen2020"):
    print(f"{name:22s} R1 = 720 nm -> {float(pressure_from_r1(720.0, scale=name)):6.2f} GPa")

# %%
# From the command line
# ---------------------
# The same fit, one row per file, with ``quality`` and ``quality_notes`` in the JSON::
#
#     dackit ruby tests/corpus/optics/pruby_test_data1.txt --json
