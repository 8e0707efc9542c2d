"""dackit — diamond-anvil-cell experiment analysis.

Raw DAC data (ruby, PL, absorption, XRD, SAXS, TEM) to every number of a paper,
with uncertainties, plus the forward physics to check each analysis against truth.

>>> import dackit
>>> round(float(dackit.gauge.ruby.pressure_from_r1(700.0, scale="mao1986-hydrostatic")), 2)
16.24
"""
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("dackit")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

from dackit.errors import DackitError, FitError, InputError  # noqa: E402

_SUBPACKAGES = {"core", "io", "gauge", "optics", "xrd", "eos", "saxs", "tem",
                "nanocrystal", "virtual", "experiment", "report"}


def __getattr__(name):
    # Subpackages import lazily so `import dackit` stays fast (pyFAI alone costs ~1 s).
    if name in _SUBPACKAGES:
        return import_module(f"dackit.{name}")
    raise AttributeError(f"module 'dackit' has no attribute {name!r}")


__all__ = ["__version__", "DackitError", "InputError", "FitError", *sorted(_SUBPACKAGES)]
