"""A pattern holding one reflection (a strip detector that catches one calibrant ring), drawn
as smooth as an azimuthal integration draws it: the ring is fitted with its own width, its
cell comes out right but doubtful (one line cannot check its indexing), and a lone line is
never an "ok" cell of a phase it does not belong to."""
import numpy as np
import pytest

from dackit.core.pattern import make_pattern
from dackit.errors import FitError
from dackit.xrd.lattice import fit_lattice, prepare

LAM = 0.8856          # Å, as at SSRL 7-2 (the real case in the xrd corpus)
A_LAB6 = 4.156826     # Å, NIST SRM 660c
FWHM = 0.027          # °, the ring's width on the real strip image


def _one_ring(seed, d=A_LAB6):
    """10–15.3° over 1024 points, background 12, one pseudo-Voigt ring of 1800 counts at d
    (LaB6 100 by default), noise 0.02, and fifteen integration ripples (0.5–1.5 counts, three
    points wide) away from the ring, as on the real strip image."""
    rng = np.random.default_rng(seed)
    x = np.linspace(9.967, 15.259, 1024)
    step = x[1] - x[0]
    tth = np.degrees(2 * np.arcsin(LAM / (2 * d)))
    g = np.exp(-4 * np.log(2) * ((x - tth) / FWHM) ** 2)
    lor = 1 / (1 + 4 * ((x - tth) / FWHM) ** 2)
    y = 12.0 + 1800.0 * (0.5 * g + 0.5 * lor)
    spots = rng.uniform(x[20], x[-20], 40)
    spots = spots[np.abs(spots - tth) > 0.5][:15]
    for c, h in zip(spots, rng.uniform(0.5, 1.5, spots.size)):
        y += h * np.exp(-4 * np.log(2) * ((x - c) / (3 * step)) ** 2)
    y += rng.normal(0.0, 0.02, x.size)
    return make_pattern(x, y, wavelength_a=LAM, source=f"one_ring_{seed}.xy")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_integration_ripples_do_not_set_the_width(seed):
    pat = _one_ring(seed)
    fwhm = prepare(pat.x, pat.intensity)[2]
    # the width is read from the ring (about 5 points per FWHM here), not from the ripples
    assert abs(fwhm - FWHM) < 0.3 * FWHM, fwhm


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lone_ring_gives_its_cell_but_doubtful(seed):
    fit = fit_lattice(_one_ring(seed), "lab6")
    # the ring's position to a tenth of its width: Δa/a = Δθ cot θ ≈ 4e-4 at 0.1 FWHM
    assert abs(fit.params["a"] - A_LAB6) < 0.002, fit.params
    assert fit.quality == "doubtful"
    assert any("not cross-checked" in n for n in fit.quality_notes), fit.quality_notes


@pytest.mark.parametrize("phase", ["ceo2", "si", "au"])
def test_lone_ring_is_never_an_ok_cell_of_another_phase(phase):
    try:
        fit = fit_lattice(_one_ring(7), phase)
    except FitError:
        return  # refused by name: fine
    assert fit.quality != "ok", (phase, fit.params)
