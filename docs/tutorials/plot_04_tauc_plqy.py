"""
Absorption: Tauc gap and PL quantum yield
=========================================

The absorption edge of a semiconductor gives its optical gap. dackit's
:func:`dackit.optics.tauc_gap` removes a scattering background (its form chosen by BIC),
searches the window where (αhν)² is linear, and extrapolates that line to zero; the error
combines the fit error and the spread over acceptable windows.

The spectrum is a real JASCO absorbance measurement of PbSe nanocrystals from the shared
real-data folder (``spectra/PbSe_batch1_JASCO_absorbance.txt``, see its SOURCES.txt). On a
clone without that folder the page falls back to :func:`dackit.optics.simulate_absorption`
with a 2.0 eV gap, and says so.
"""

# %%
# Read and fit
# ------------
from docdata import real

from dackit.io import read_spectrum
from dackit.optics import plot_tauc, simulate_absorption, tauc_gap

path = real("spectra/PbSe_batch1_JASCO_absorbance.txt")
if path is not None:
    spectrum = read_spectrum(path)
    print(f"{path.name}: {spectrum.y.size} points, {spectrum.x.min():.0f}–{spectrum.x.max():.0f} {spectrum.x_unit}")
else:
    spectrum = simulate_absorption(gap_ev=2.0, seed=1)
    print("shared real-data folder absent: simulated absorption, true gap 2.000 eV")

tauc = tauc_gap(spectrum)
print(f"gap = {tauc.gap_ev:.4f} ± {tauc.gap_ev_err:.4f} eV  (window {tauc.window_ev[0]:.3f}–{tauc.window_ev[1]:.3f} eV, "
      f"background {tauc.background.form}, {tauc.n_windows} windows)")
print("quality:", tauc.quality, "|", "; ".join(tauc.quality_notes))

# %%
# The Tauc plot
# -------------
# The corrected curve, the chosen window, the line extrapolated to the gap, and the raw
# curve faint behind it. Read the verdict with it: a soft edge (size distribution, Urbach
# tail) makes the linear window short and the gap doubtful.
fig = plot_tauc(tauc, title="Tauc (direct allowed)")

# %%
# Quantum dots: the first exciton
# -------------------------------
# Strongly confined dots such as these PbSe nanocrystals show a resolved first excitonic
# peak instead of a bulk-like continuum edge, and a Tauc line then follows the peak's
# low-energy flank. :func:`dackit.optics.first_exciton` locates the peak itself, from the
# minimum of the smoothed second derivative; compare the two before quoting a "gap".
from dackit.optics import first_exciton

exciton = first_exciton(spectrum)
print(f"first exciton {exciton.energy_ev:.4f} ± {exciton.energy_ev_err:.4f} eV "
      f"({exciton.wavelength_nm:.0f} nm); Tauc gap {tauc.gap_ev:.4f} eV")

# %%
# PL quantum yield under pressure
# -------------------------------
# The study's PLQY correction (Table S1): Φ(P) = Φ0·(I/I0)·(A0/A)·n²(P)/n0², with n(P)
# from the Lorentz–Lorenz relation at the compressed volume. Here the intensity ratios and
# volumes are the study's illustrative numbers, not a measurement.
import numpy as np

from dackit.optics import plqy_under_pressure

pressure = np.array([0.0, 2.0, 4.0, 6.0])
intensity_ratio = np.array([1.0, 0.8, 0.55, 0.3])
volume_ratio = np.array([1.0, 0.975, 0.953, 0.934])
q = plqy_under_pressure(pressure, intensity_ratio, volume_ratio, qy0=0.60, n0=2.4)
for p, n2, phi in zip(q.pressure_gpa, q.n_squared, q.plqy):
    print(f"P = {p:3.1f} GPa   n² = {n2:.3f}   PLQY = {phi:.3f}")
