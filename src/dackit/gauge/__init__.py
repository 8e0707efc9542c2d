"""Optical pressure gauges: ruby R1 fluorescence, the Sm²⁺:SrB4O7 0–0 line, the diamond Raman edge.

Each gauge module owns both directions of its physics: the calibration (pressure ↔ line
wavelength, in a registry of literature scales), the spectrum fit, and a simulator.
"""
from dackit.gauge import diamond, ruby, sm
from dackit.gauge.diamond import (DIAMOND_SCALES, edge_from_pressure, fit_diamond_edge,
                                  pressure_from_edge, simulate_diamond_edge)
from dackit.gauge.ruby import (RUBY_SCALES, fit_ruby, pressure_from_r1, r1_from_pressure,
                               simulate_ruby)
from dackit.gauge.sm import SM_SCALES, fit_sm, pressure_from_sm, simulate_sm, sm_from_pressure

__all__ = ["diamond", "ruby", "sm", "DIAMOND_SCALES", "edge_from_pressure", "fit_diamond_edge",
           "pressure_from_edge", "simulate_diamond_edge", "RUBY_SCALES", "SM_SCALES", "pressure_from_r1", "r1_from_pressure",
           "fit_ruby", "simulate_ruby", "pressure_from_sm", "sm_from_pressure", "fit_sm",
           "simulate_sm"]
