"""A phase whose cell is a sub-lattice of the sample's: bixbyite In2O3 (Ia3̄, a = 10.12 Å) is a
fluorite superstructure, so a fluorite cell of half its edge indexes its strongest lines (222,
400, 440, 622 become 111, 200, 220, 311), intensities ranked alike. Only the weaker
superstructure lines (211, 411, 332, 431 …, half-integer indices of the small cell) betray it:
an A-Lab In2O3 + MnCO3 scan fitted as CeO2 was ok at a = 5.0576 Å. Such a fit must not be
"ok"; a fluorite pattern beside a few lines of another phase must stay ok. Patterns are built
with numpy line by line."""
import numpy as np
import pytest

from dackit.core.pattern import make_pattern
from dackit.xrd.lattice import fit_lattice

LAM = 0.4066   # Å
A = 5.0585     # Å, half of In2O3's edge: CeO2's cell 6.5 % compressed, inside the search
FWHM = 0.03    # °


def _pattern(lines, seed):
    """2–30° at 0.005°, background 50, pseudo-Voigt lines, Poisson noise."""
    rng = np.random.default_rng(seed)
    x = np.arange(2.0, 30.0, 0.005)
    y = 50.0 + 0.0 * x
    for tth, inten in lines:
        g = np.exp(-4 * np.log(2) * ((x - tth) / FWHM) ** 2)
        lor = 1 / (1 + 4 * ((x - tth) / FWHM) ** 2)
        y += inten * (0.5 * g + 0.5 * lor)
    return make_pattern(x, rng.poisson(y).astype(float), wavelength_a=LAM, source=f"synthetic_{seed}.xy")


def _tth(d):
    return float(np.degrees(2 * np.arcsin(LAM / (2 * d))))


def _fluorite_lines():
    """The small cell's F-centred lines, intensity falling with h² + k² + l²."""
    out = {}
    for h in range(9):
        for k in range(h + 1):
            for m in range(k + 1):
                n = h * h + k * k + m * m
                if n and len({h % 2, k % 2, m % 2}) == 1 and 2.5 < _tth(A / np.sqrt(n)) < 29.5:
                    out[n] = (_tth(A / np.sqrt(n)), 4000.0 / (1 + n / 8))
    return list(out.values())


#: In2O3's superstructure lines (hkl of the doubled cell, each with an odd index) and their
#: heights relative to the strongest line, as the In2O3 powder file (ICDD 06-0416) lists them
SUPERSTRUCTURE = {(2, 1, 1): 0.14, (4, 1, 1): 0.06, (3, 3, 2): 0.08, (4, 3, 1): 0.10, (5, 2, 1): 0.04,
                  (4, 3, 3): 0.06, (6, 1, 1): 0.12, (5, 4, 1): 0.05}


def _superstructure_lines():
    top = max(i for _, i in _fluorite_lines())
    return [(_tth(2 * A / np.sqrt(sum(v * v for v in hkl))), rel * top) for hkl, rel in SUPERSTRUCTURE.items()]


#: lines of an unrelated second phase (2θ °, height), off the fluorite cells' and the doubled
#: cell's lines: a mixture's lines the fluorite cell leaves unexplained
OTHER_PHASE = [(6.83, 1200.0), (10.37, 900.0), (11.6, 700.0), (16.11, 500.0), (21.4, 400.0)]


@pytest.mark.parametrize("seed", [1, 2])
def test_half_cell_of_a_fluorite_superstructure_is_not_ok(seed):
    lines = _fluorite_lines() + _superstructure_lines() + OTHER_PHASE
    fit = fit_lattice(_pattern(lines, seed), "ceo2")
    assert abs(fit.params["a"] - A) < 0.002, fit.params
    assert fit.quality == "doubtful", fit.quality_notes
    assert any("cell doubled" in n for n in fit.quality_notes), fit.quality_notes


@pytest.mark.parametrize("seed", [3, 4])
def test_fluorite_beside_another_phase_stays_ok(seed):
    fit = fit_lattice(_pattern(_fluorite_lines() + OTHER_PHASE, seed), "ceo2")
    assert abs(fit.params["a"] - A) < 0.002, fit.params
    assert fit.quality == "ok", fit.quality_notes
