# Public names of dackit.io, loaded lazily by lazy_loader.attach_stub (see __init__.py).
from . import (cansas as cansas, images as images, oceanoptics as oceanoptics, patterns as patterns, spectra as
               spectra, textcols as textcols, vendor as vendor)
from .cansas import read_cansas as read_cansas
from .images import read_image as read_image
from .images import read_mask as read_mask
from .patterns import read_pattern as read_pattern
from .patterns import write_chi as write_chi
from .patterns import write_xy as write_xy
from .spectra import FORMATS as FORMATS
from .spectra import SpectrumFormat as SpectrumFormat
from .spectra import detect_format as detect_format
from .spectra import read_spectrum as read_spectrum
from .spectra import supported_formats as supported_formats
from .spectra import write_spectrum as write_spectrum
