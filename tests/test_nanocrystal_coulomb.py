"""Electron–hole Coulomb integral via the shell theorem."""
import numpy as np
import pytest

from dackit.nanocrystal.coulomb import COULOMB_EV_NM, coulomb_energy_ev, mean_inverse_distance


def test_constant():
    assert COULOMB_EV_NM == pytest.approx(1.439964, rel=1e-6)


@pytest.mark.parametrize("radius", [1.0, 3.15])
def test_infinite_sphere_brus_constant(radius):
    # Brus (1984): both carriers in sin(πr/R)/r → ⟨1/|re − rh|⟩ = 1.786/R (1.7862...)
    r = np.linspace(0, radius, 4001)
    p = np.sin(np.pi * r / radius) ** 2
    assert mean_inverse_distance(r, p, p) * radius == pytest.approx(1.7862, abs=2e-4)
    assert coulomb_energy_ev(r, p, p, 10.0) == pytest.approx(1.7862 * 1.439964 / (10 * radius), rel=2e-4)


def test_two_thin_shells_give_one_over_the_larger_radius():
    r = np.linspace(0, 10, 20001)
    pe = np.exp(-0.5 * ((r - 2.0) / 0.02) ** 2)
    ph = np.exp(-0.5 * ((r - 5.0) / 0.02) ** 2)
    assert mean_inverse_distance(r, pe, ph) == pytest.approx(1 / 5.0, rel=1e-4)
    assert mean_inverse_distance(r, ph, pe) == pytest.approx(1 / 5.0, rel=1e-4)   # symmetric
