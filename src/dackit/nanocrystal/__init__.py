"""Physics of a core–shell nanocrystal under pressure.

One concept a module: :mod:`.materials` (parameters with sources), :mod:`.strain` (BM3 and
the Lamé misfitting sphere), :mod:`.bands` (deformation potentials, Kane masses, Luttinger parameters),
:mod:`.confinement` (radial BenDaniel–Duke solver), :mod:`.luttinger` (4- and 6-band spherical
1S3/2 hole), :mod:`.coulomb` (electron–hole attraction), :mod:`.sizing` (an independent InP
sizing curve), :mod:`.coreshell` (the exciton model and E(P) fits), :mod:`.ensemble` (size
distribution line shapes) and :mod:`.plots` (figures). :mod:`.tight_binding` (imported on
demand) is an independent atomistic sp3s* model of the same particles, the cross-check of
the k·p exciton on the atomic scale.

Example
-------
>>> from dackit.nanocrystal import core_shell, pl_vs_pressure
>>> series = pl_vs_pressure(core_shell("InP", 2.5, "ZnSe", 1.9), [0.0, 5.6])
>>> round(series.alpha_mev_per_gpa) > 0
True
"""
from dackit.nanocrystal.coreshell import (CoreShell, ExcitonState, ModelOptions, PressureSeries, core_shell,
                                          exciton_energy, exciton_state, pl_energy, pl_vs_pressure,
                                          stokes_shift, study_comparison)
from dackit.nanocrystal.ensemble import EnsembleSpectrum, diameter_sd_for_fwhm, ensemble_spectra
from dackit.nanocrystal.materials import MATERIALS, Material, material

__all__ = [
    "CoreShell", "ExcitonState", "ModelOptions", "PressureSeries", "core_shell", "exciton_energy",
    "exciton_state", "pl_energy", "pl_vs_pressure", "stokes_shift", "study_comparison", "EnsembleSpectrum",
    "diameter_sd_for_fwhm", "ensemble_spectra", "MATERIALS", "Material", "material",
]
