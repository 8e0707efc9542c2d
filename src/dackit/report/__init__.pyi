# Public names of dackit.report, loaded lazily by lazy_loader.attach_stub (see __init__.py).
from . import figures as figures
from . import html as html
from .figures import save_figure as save_figure
from .html import format_value_err as format_value_err
from .html import render_report as render_report
from .html import write_report as write_report
