# Public names of dackit.experiment, loaded lazily by lazy_loader.attach_stub (see __init__.py).
from . import (analyses as analyses, compare as compare, description as description, execute as execute,
               figures as figures, outputs as outputs, pipeline as pipeline, series as series, steps as steps,
               store as store, watch as watch)
from .compare import compare_with_truth as compare_with_truth
from .description import AbsorptionSettings as AbsorptionSettings
from .description import Experiment as Experiment
from .description import PLSettings as PLSettings
from .description import RubySettings as RubySettings
from .description import SAXSSettings as SAXSSettings
from .description import Sample as Sample
from .description import TEMSettings as TEMSettings
from .description import XRDSettings as XRDSettings
from .description import load_experiment as load_experiment
from .description import read_runsheet as read_runsheet
from .figures import draw_figures as draw_figures
from .outputs import write_outputs as write_outputs
from .pipeline import RunSummary as RunSummary
from .pipeline import analyse_files as analyse_files
from .pipeline import run_experiment as run_experiment
from .series import assemble_results as assemble_results
from .steps import step_pressures as step_pressures
from .store import ResultCache as ResultCache
from .watch import Watcher as Watcher
from .watch import watch_experiment as watch_experiment
