import numpy as np
import pytest

from dackit.gauge.sm import SM_SCALES, fit_sm, pressure_from_sm, simulate_sm, sm_from_pressure


@pytest.mark.parametrize("scale", sorted(SM_SCALES))
def test_round_trip(scale):
    p = np.linspace(0, 120, 25)
    assert np.allclose(pressure_from_sm(sm_from_pressure(p, scale=scale), scale=scale), p, atol=1e-9)


def test_datchi_low_pressure_slope():
    # physics.md §2: low-P sensitivity ≈ 0.248 nm/GPa (1/4.032)
    assert (sm_from_pressure(0.01) - sm_from_pressure(0.0)) / 0.01 == pytest.approx(1 / 4.032, rel=1e-3)


def test_datchi_value():
    d = 10.0  # P = 4.032·Δλ(1 + 9.29e-3Δλ)/(1 + 2.32e-2Δλ)
    assert pressure_from_sm(685.41 + d) == pytest.approx(4.032 * d * (1 + 0.0929) / (1 + 0.232), rel=1e-12)


@pytest.mark.parametrize("pressure", [0.0, 15.0, 60.0])
def test_fit_round_trip(pressure):
    r = fit_sm(simulate_sm(pressure, seed=7), lambda0_err_nm=0.0)
    assert r.pressure_gpa == pytest.approx(pressure, abs=0.05)
    assert abs(r.pressure_gpa - pressure) < 4 * r.pressure_gpa_err + 0.01
