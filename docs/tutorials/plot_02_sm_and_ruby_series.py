"""
Sm²⁺:SrB₄O₇ gauge and a ruby pressure series
=============================================

The 0–0 line of Sm²⁺ in SrB₄O₇ is a second optical gauge: a single sharp line that barely
moves with temperature, useful where ruby's R lines broaden. dackit fits it with
:func:`dackit.gauge.fit_sm` and the scales of :data:`dackit.gauge.SM_SCALES`.

No public Sm:SrB₄O₇ spectrum with an independent pressure is in the corpus yet, so the Sm
section uses the simulator (its line position follows the Datchi 1997 scale; the fit must
recover it). The second half fits a real series: three ruby spectra of the rf2gpa project
(``tests/corpus/optics/rf2gpa_p1.*_RF.txt``) as one batch. The last section reads the
pressure from the Raman edge of the diamond anvil itself, on a simulated spectrum.
"""

# %%
# The Sm line, simulated at 12 GPa and fitted
# -------------------------------------------
from dackit.core import plot_fit
from dackit.gauge import fit_sm, simulate_sm

sm_spectrum = simulate_sm(12.0, seed=3)
sm = fit_sm(sm_spectrum)
print(f"Sm 0-0 line {sm.line_nm:.3f} nm -> P = {sm.pressure_gpa:.2f} ± {sm.pressure_gpa_err:.2f} GPa "
      f"(truth 12.00, scale {sm.scale}), quality {sm.quality}")
fig = plot_fit(sm_spectrum.x, sm_spectrum.y, sm.fit, window=sm.window_nm, title="Sm:SrB4O7, simulated 12 GPa")

# %%
# A real ruby series, fitted as one batch
# ---------------------------------------
# A sequence of spectra goes through the vectorised fitting engine in one call; the answer
# is a list with one :class:`~dackit.gauge.ruby.RubyFit` (or a
# :class:`~dackit.core.results.Failure`) per file. rf2gpa's own analysis, with its default
# reference λ0 = 693.889 nm, gives −0.159, 0.24 and 0.815 GPa for these files. The
# spectrometer records 0.77 nm per pixel, too coarse to resolve R1 from R2 (1.4 nm apart):
# dackit ties the splitting to its ambient value and calls each result *doubtful*, saying
# why, rather than handing over a confident number the data cannot support.
import matplotlib.pyplot as plt
from docdata import corpus

from dackit.gauge import fit_ruby
from dackit.io import read_spectrum

files = [corpus(f"optics/rf2gpa_p1.{i}_RF.txt") for i in (1, 3, 5)]
spectra = [read_spectrum(f) for f in files]
fits = fit_ruby(spectra, lambda0_nm=693.889)
for f, r in zip(files, fits):
    print(f"{f.name:18s} R1 = {r.r1_nm:.3f} nm  P = {r.pressure_gpa:+.3f} ± {r.pressure_gpa_err:.3f} GPa  {r.quality}")

print("why doubtful:", "; ".join(fits[0].quality_notes))

fig, ax = plt.subplots(figsize=(6.4, 4))
for s, r in zip(spectra, fits):
    ax.plot(s.x, s.y / s.y.max(), ".-", lw=1, ms=3, label=f"{r.pressure_gpa:.2f} GPa")
ax.set_xlim(688, 700)
ax.set_xlabel("Wavelength (nm)")
ax.set_ylabel("Normalised counts")
ax.legend(frameon=False)

# %%
# The reference wavelength matters
# --------------------------------
# λ0 is the R1 position of the same ruby at ambient pressure and the same temperature.
# The default, 694.24 nm, is a typical ruby; a 0.35 nm difference in λ0 is about 1 GPa:
default = fit_ruby(spectra[0])
print(f"λ0 = 694.240 nm -> {default.pressure_gpa:+.2f} GPa;  λ0 = 693.889 nm -> {fits[0].pressure_gpa:+.2f} GPa")

# %%
# Above ruby: the diamond anvil's Raman edge
# ------------------------------------------
# Where ruby fades (above ~50–100 GPa), the anvil is the gauge: its first-order Raman band
# spreads from the unstressed 1332.5 cm⁻¹ line up to an *edge* set by the stress on the
# culet. :func:`dackit.gauge.fit_diamond_edge` takes the edge at the minimum of the smoothed
# derivative and converts it with a scale of :data:`dackit.gauge.DIAMOND_SCALES`
# (Akahama & Kawamura 2006 by default; see :doc:`/registries/gauge_scales`). The spectrum
# here is **simulated** by :func:`dackit.gauge.simulate_diamond_edge` at 120 GPa (no public
# stressed-anvil spectrum with an independent pressure is in the corpus yet); the fit must
# recover the pressure the simulator put in.
from dackit.gauge import edge_from_pressure, fit_diamond_edge, simulate_diamond_edge

anvil = simulate_diamond_edge(120.0, seed=4)
edge = fit_diamond_edge(anvil)
print(f"edge {edge.edge_cm1:.1f} ± {edge.edge_cm1_err:.1f} cm⁻¹ (simulated at "
      f"{float(edge_from_pressure(120.0)):.1f}) -> P = {edge.pressure_gpa:.1f} ± {edge.pressure_gpa_err:.1f} GPa "
      f"(truth 120.0, scale {edge.scale}), quality {edge.quality}")

fig, ax = plt.subplots(figsize=(6.4, 3.5))
ax.plot(anvil.x, anvil.y, lw=0.8, label="simulated anvil spectrum")
ax.axvline(edge.edge_cm1, color="tab:red", lw=1, ls="--", label=f"edge → {edge.pressure_gpa:.1f} GPa")
ax.set_xlabel("Raman shift (cm⁻¹)")
ax.set_ylabel("Counts")
ax.legend(frameon=False)

# %%
# The same from the command line (x in Raman shift, or in nm with ``--laser-nm``)::
#
#     dackit diamond anvil_tip_*.txt --scale akahama2006 --json
