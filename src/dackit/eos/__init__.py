"""dackit.eos: equations of state (isothermal, and P–V–T of the pressure standards) — forms, fits with errors in P and V, F–f
analysis, EosFit7/CSV files, internal pressure standards and figures.

>>> from dackit.eos import EOS_FORMS, fit_eos, read_pv, pressure_from_volume
>>> sorted(EOS_FORMS)
['bm2', 'bm3', 'bm4', 'murnaghan', 'natural', 'tait', 'vinet']
"""
from dackit.eos.eosfit_io import PVData, read_eosfit, read_pv, read_pv_csv, write_eosfit
from dackit.eos.ff import FfData, confidence_ellipse, ff_from_fit, ff_line, normalized_stress
from dackit.eos.fit import EosFit, fit_eos
from dackit.eos.forms import EOS_FORMS, EosForm, get_form
from dackit.eos.standards import STANDARDS, PressureStandard, pressure_from_volume
from dackit.eos.thermal import (THERMAL, ThermalModel, convert_pressure, pressure_at_temperature,
                                thermal_pressure, volume_at)

__all__ = [
    "EOS_FORMS", "EosForm", "get_form", "EosFit", "fit_eos", "FfData", "normalized_stress",
    "ff_from_fit", "ff_line", "confidence_ellipse", "PVData", "read_pv", "read_eosfit",
    "read_pv_csv", "write_eosfit", "STANDARDS", "PressureStandard", "pressure_from_volume",
    "THERMAL", "ThermalModel", "thermal_pressure", "pressure_at_temperature", "convert_pressure",
    "volume_at",
]
