"""dackit.saxs: SAXS peaks, d-spacings, mesophase indexing, Scherrer thickness, simulation.

>>> from dackit.saxs import simulate_saxs, analyse_saxs
>>> res = analyse_saxs(simulate_saxs("hexagonal", 110.0, seed=4).pattern)
>>> res.mesophase
'hexagonal'
"""
from dackit.saxs.analysis import SaxsResult, analyse_saxs, load_saxs, thickness_from_pattern
from dackit.saxs.formfactor import FormFactorFit, fit_form_factor
from dackit.saxs.mesophase import (MESOPHASES, Candidate, Indexing, Mesophase,
                                   centre_distance_factor, get_mesophase, index_peaks)
from dackit.saxs.oneline import index_one_line
from dackit.saxs.peaks import BACKGROUNDS, PeakSet, SaxsPeak, estimate_background, find_peaks
from dackit.saxs.scherrer import ScherrerResult, scherrer_thickness
from dackit.saxs.simulate import (SimulatedSAXS, saxs_profile, simulate_saxs, simulate_saxs_image,
                                  sphere_form_factor)
from dackit.saxs.wavelength import WavelengthMismatchWarning, resolve_wavelength

__all__ = ["SaxsResult", "analyse_saxs", "load_saxs", "thickness_from_pattern", "FormFactorFit",
           "fit_form_factor", "MESOPHASES",
           "Candidate", "Indexing", "Mesophase", "centre_distance_factor", "get_mesophase",
           "index_peaks", "index_one_line", "BACKGROUNDS", "PeakSet", "SaxsPeak", "estimate_background", "find_peaks",
           "ScherrerResult", "scherrer_thickness", "SimulatedSAXS", "saxs_profile", "simulate_saxs",
           "simulate_saxs_image", "sphere_form_factor", "WavelengthMismatchWarning",
           "resolve_wavelength"]
