# Public names of dackit.report, loaded lazily by lazy_loader.attach_stub (see __init__.py).
from . import figures as figures
from . import html as html
from . import measurement as measurement
from .figures import save_figure as save_figure
from .html import format_value_err as format_value_err
from .html import render_report as render_report
from .html import write_report as write_report
from .measurement import MeasurementPlot as MeasurementPlot
from .measurement import measurement_from_results as measurement_from_results
from .measurement import measurement_plot as measurement_plot
from . import measurement_images as measurement_images
from .measurement_images import cake_view as cake_view
from .measurement_images import detector_view as detector_view
from .measurement_images import tem_view as tem_view
from . import thumbnails as thumbnails
from .thumbnails import run_thumbnails as run_thumbnails
from .thumbnails import thumbnail_png as thumbnail_png
