"""dackit.optics: optical spectroscopy under pressure.

- :mod:`~dackit.optics.pl` — PL peaks fitted in energy space (``fit_pl``, ``fit_pl_series``,
  ``simulate_pl``)
- :mod:`~dackit.optics.pressure_coeff` — E(P) = E0 + αP + βP² fits, branches, reversibility
- :mod:`~dackit.optics.colour` — CIE chromaticity, dominant wavelength, sRGB swatch
- :mod:`~dackit.optics.absorption` — absorbance, scattering background, Tauc gaps, first
  exciton, ``simulate_absorption``
- :mod:`~dackit.optics.plqy` — PL quantum yield under pressure (Lorentz–Lorenz n²)
- :mod:`~dackit.optics.plots` — figures

The main names are exported here (listed in ``__init__.pyi``) and imported on first use, so
``import dackit.optics`` stays light:

>>> from dackit.optics import fit_pl, tauc_gap
"""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
