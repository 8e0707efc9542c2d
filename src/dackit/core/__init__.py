"""Foundation shared by every technique: units, spectra, results, the batched peak fitter.

The public names (listed in ``__init__.pyi``) import lazily, so ``from dackit.core import
units`` does not pull in the fitter:

>>> from dackit.core import Spectrum, Pattern, fit_batch
>>> "fit_batch" in __all__
True
"""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
