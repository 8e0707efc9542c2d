"""dackit.experiment: the experiment description (experiment.toml, run sheet), per-step
pressures, the pipeline that analyses every file (cached, optionally distributed), the
series fits and outputs of a run, and watching a folder during a beamtime.

Main names (listed in ``__init__.pyi``) import on first use:

>>> from dackit.experiment import load_experiment, run_experiment
"""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
