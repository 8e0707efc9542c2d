"""dackit.optics: optical spectroscopy under pressure.

- :mod:`~dackit.optics.pl` — PL peaks fitted in energy space (``fit_pl``, ``fit_pl_series``,
  ``simulate_pl``)
- :mod:`~dackit.optics.pressure_coeff` — E(P) = E0 + αP + βP² fits, branches, reversibility
- :mod:`~dackit.optics.colour` — CIE chromaticity, dominant wavelength, sRGB swatch
- :mod:`~dackit.optics.absorption` — absorbance, scattering background, Tauc gaps, first
  exciton, ``simulate_absorption``
- :mod:`~dackit.optics.plqy` — PL quantum yield under pressure (Lorentz–Lorenz n²)
- :mod:`~dackit.optics.plots` — figures

Submodules are imported on use, so ``import dackit.optics`` stays light.
"""
