"""
Photoluminescence: peak, width and colour
=========================================

PL of a nanocrystal ensemble is fitted in energy space (the Jacobian converts counts per nm
to counts per eV), with Gaussian bands by default: the width of an ensemble's band comes
from its size distribution. The files are fluorescence emission spectra of CdSe quantum
dots from eight synthesis runs (``tests/corpus/optics/cdse_run*_FL_emission.csv``; the
corpus manifest gives the peak each run's authors report).
"""

# %%
# One spectrum
# ------------
from docdata import corpus

from dackit.io import read_spectrum
from dackit.optics import fit_pl

spectrum = read_spectrum(corpus("optics/cdse_run2_FL_emission.csv"))
pl = fit_pl(spectrum)
print(pl.to_dict())

# %%
# The fit in energy, with residuals
# ---------------------------------
from dackit.core import plot_fit

fig = plot_fit(pl.energy_ev, pl.intensity_ev, pl.fit, xlabel="Energy (eV)", ylabel="PL (per eV)",
               title="CdSe run 2")

# %%
# Eight runs: the colour of each emission
# ---------------------------------------
# :func:`dackit.optics.chromaticity_xy` integrates a spectrum against the CIE 1931
# colour-matching functions (colour-science); :func:`dackit.optics.plot_cie` draws the
# points on the chromaticity diagram. Blue-shifted runs (smaller dots) move along the
# spectral locus toward blue.
import numpy as np

from dackit.optics import chromaticity_xy, plot_cie

runs = [2, 3, 4, 5, 6, 7, 8, 9]
fits = [fit_pl(read_spectrum(corpus(f"optics/cdse_run{r}_FL_emission.csv"))) for r in runs]
xy = []
for r, f in zip(runs, fits):
    c = chromaticity_xy(f.wavelength_nm, np.clip(f.intensity_nm, 0, None))
    xy.append((c.x, c.y))
    print(f"run {r}: peak {f.peak_nm:6.1f} nm, FWHM {f.fwhm_mev:5.0f} meV, "
          f"CIE x,y = {c.x:.3f}, {c.y:.3f}, dominant {c.dominant_wavelength_nm:.0f} nm, {f.quality}")
xy = np.array(xy)
fig = plot_cie(xy[:, 0], xy[:, 1])

# %%
# Under pressure
# --------------
# In a pressure series the same fit runs on each step (``fit_pl_series`` or ``dackit pl``),
# and :func:`dackit.optics.fit_energy_vs_pressure` fits E(P) = E0 + αP + βP² with the
# errors of both axes. Here the peak energies of the simulated InP/ZnSe experiment of the
# :doc:`plot_09_pipeline` tutorial stand in for a measured series:
from dackit.nanocrystal import core_shell, pl_vs_pressure
from dackit.optics import fit_energy_vs_pressure, plot_energy_vs_pressure

pressures = np.array([0.0, 1.1, 2.3, 3.4, 4.5, 5.6])
model = pl_vs_pressure(core_shell("InP", 2.5, "ZnSe", 1.9), pressures)
rng = np.random.default_rng(1)
energies = np.asarray(model.pl_ev) + rng.normal(0, 0.003, pressures.size)
efit = fit_energy_vs_pressure(pressures, energies, e_err=0.003, pressure_err=0.05)
print(f"E0 = {efit.params[0]:.4f} eV, alpha = {1e3 * efit.params[1]:.1f} meV/GPa, "
      f"(model: alpha = {model.alpha_mev_per_gpa:.1f} meV/GPa)")
fig = plot_energy_vs_pressure(pressures, energies, e_err=np.full(pressures.size, 0.003), fit=efit)
