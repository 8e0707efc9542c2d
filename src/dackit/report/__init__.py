"""dackit.report: the self-contained HTML report of a run and the figure-saving convention.

>>> from dackit.report import write_report, save_figure
"""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
