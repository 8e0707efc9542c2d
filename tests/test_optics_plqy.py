"""PLQY under pressure: Table S1 of the reference study, Lorentz–Lorenz limits, bad input."""
import numpy as np
import pytest

from dackit.errors import InputError
from dackit.optics.plqy import n_squared_lorentz_lorenz, plqy_under_pressure

# study.md, Table S1: P, I/I0, V/V0, n², PLQY (%)
TABLE_S1 = np.array([
    [0.0, 1.000, 1.000, 20.151, 30.09],
    [0.6, 0.836, 0.992, 21.408, 26.72],
    [1.7, 0.616, 0.979, 23.727, 21.83],
    [2.5, 0.524, 0.970, 25.793, 20.18],
    [3.5, 0.417, 0.958, 28.778, 17.92],
    [6.6, 0.192, 0.924, 45.118, 12.94],
    [7.7, 0.139, 0.911, 57.604, 11.96],
])
N0 = 4.489


@pytest.mark.parametrize("row", range(len(TABLE_S1)))
def test_table_s1_every_row(row):
    p, i_ratio, v_ratio, n2_table, qy_table = TABLE_S1[row]
    res = plqy_under_pressure([p], [i_ratio], [v_ratio], qy0=30.09, n0=N0)
    rel = abs(res.plqy[0] - qy_table) / qy_table
    # study.md: the published n² follows from the 3-digit V/V0 only to ~1 % (its own rounding
    # of V/V0 and of n); the acceptance bound is 1.5 % on every row
    assert rel <= 0.015
    assert abs(res.n_squared[0] - n2_table) / n2_table <= 0.015
    # with the published n² instead of the recomputed one, only I/I0 (±0.0005) and the PLQY
    # (±0.005 %) rounding remain
    direct = 30.09 * i_ratio * n2_table / N0 ** 2
    assert abs(direct - qy_table) <= 30.09 * 0.0005 * n2_table / N0 ** 2 + 0.005 + 1e-9


def test_whole_table_vectorised_and_rows():
    res = plqy_under_pressure(TABLE_S1[:, 0], TABLE_S1[:, 1], TABLE_S1[:, 2], qy0=30.09, n0=N0)
    assert res.n_squared[0] == pytest.approx(N0 ** 2)
    assert np.all(np.diff(res.n_squared) > 0)          # compression raises n
    rows = res.rows()
    assert set(rows[0]) == {"pressure_gpa", "n_squared", "plqy"}
    assert np.allclose([r["plqy"] for r in rows], TABLE_S1[:, 4], rtol=0.015)


def test_absorptance_ratio_divides():
    a = plqy_under_pressure([1.0], [0.5], [0.98], qy0=30.0, n0=N0)
    b = plqy_under_pressure([1.0], [0.5], [0.98], qy0=30.0, n0=N0, absorptance_ratio=[2.0])
    assert b.plqy[0] == pytest.approx(a.plqy[0] / 2)


def test_lorentz_lorenz_catastrophe_raises():
    l0 = (N0 ** 2 - 1) / (N0 ** 2 + 2)
    n_squared_lorentz_lorenz(l0 * 1.001, N0)          # just above the limit: finite, large
    with pytest.raises(InputError, match="volume_ratio"):
        n_squared_lorentz_lorenz(l0, N0)              # L reaches 1
    with pytest.raises(InputError, match="V/V0"):
        plqy_under_pressure([30.0], [0.1], [0.8], qy0=30.0, n0=N0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(pressure_gpa=[0, 1], intensity_ratio=[1.0], volume_ratio=[1.0, 0.99]), "same length"),
    (dict(pressure_gpa=[0.0], intensity_ratio=[np.nan], volume_ratio=[1.0]), "intensity_ratio"),
    (dict(pressure_gpa=[0.0], intensity_ratio=[1.0], volume_ratio=[-1.0]), "volume_ratio"),
    (dict(pressure_gpa=[], intensity_ratio=[], volume_ratio=[]), "pressure_gpa"),
    (dict(pressure_gpa=["a"], intensity_ratio=[1.0], volume_ratio=[1.0]), "pressure_gpa"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        plqy_under_pressure(**kwargs, qy0=30.0, n0=N0)


def test_bad_n0():
    with pytest.raises(InputError, match="n0"):
        n_squared_lorentz_lorenz([1.0], 0.5)
