"""A thin lamellar stack's Laue fringes are no orders of a supercell (issue 10, helper saxs13).

A stack of N layers of period d scatters with the Laue function sin²(Nqd/2)/sin²(qd/2):
orders at q = 2πh/d and N − 2 weak side maxima between them, one every 2π/(Nd), each
about half as broad as an order (:mod:`dackit.saxs.laue`). Fitted as lines they indexed as
orders of a lamellar cell 3-5 × too large (sasmodels ``lamellar_stack_paracrystal``,
tests/sasmodels_curves cases 7 and 15). Here the patterns are built with numpy alone: the
Laue sum with cumulative (second-kind) disorder, a bilayer of two Gaussian head groups and
a Gaussian hydrocarbon trough (the form factor of Pabst et al., Phys. Rev. E 62, 4000
(2000)), the 2/q² powder factor of a stack, Gaussian resolution and Poisson noise.
"""
import numpy as np
import pytest

from dackit.saxs import analyse_saxs
from dackit.saxs.laue import stack_size_from_fringes, subsidiary_maxima
from laue_stack_synth import stack_pattern, supercell_pattern


def test_subsidiary_maxima_match_the_laue_function():
    for n in (3, 6, 9, 15):
        u, h = subsidiary_maxima(n)
        grid = np.linspace(1e-6, n - 1e-6, 200001)
        lf = np.sin(np.pi * grid) ** 2 / (n * n * np.sin(np.pi * grid / n) ** 2)
        for j, (uj, hj) in enumerate(zip(u, h), start=1):
            seg = (grid > j) & (grid < j + 1)
            assert uj == pytest.approx(grid[seg][np.argmax(lf[seg])], abs=1e-3)
            assert hj == pytest.approx(lf[seg].max(), rel=1e-6)
    assert subsidiary_maxima(3)[1][0] == pytest.approx(1 / 9)


def test_half_orders_of_a_broad_lined_cell_need_an_odd_stack():
    # offsets ½ are the middle fringe of an odd N only
    n, _ = stack_size_from_fringes([0.5], [1e-4], 8.0)
    assert n % 2 == 1


#: (N, d Å, relative disorder, resolution σ Å⁻¹, peak counts, seed): stacks of 11-13 layers
#: that main at d99f54e read as lamellar cells 4 ×, 5 × and 2 × too large (583.3, 685.7 and
#: 282.7 Å, doubtful)
STACKS = [
    (13, 145.9, 0.0021, 0.00094, 3.0e5, 946),
    (12, 137.0, 0.0222, 0.00069, 6.6e4, 223),
    (11, 141.1, 0.0295, 0.00075, 6.1e4, 399),
]


@pytest.mark.parametrize("n, d, disorder, res, counts, seed", STACKS,
                         ids=[f"N{s[0]}-d{s[1]:g}" for s in STACKS])
def test_thin_stack_is_its_own_cell_with_its_layer_count(n, d, disorder, res, counts, seed):
    res_ = analyse_saxs(stack_pattern(n, d, seed=seed, disorder=disorder, res_sigma=res, counts=counts))
    assert res_.mesophase == "lamellar" and res_.lattice_a == pytest.approx(d, rel=0.01), \
        (res_.mesophase, res_.lattice_a, res_.quality_notes)
    fringes = res_.indexing.set_aside
    # the fringe spacing 2π/(Nd) pins N to a layer
    assert abs(fringes.n_layers - n) <= 1, fringes.n_layers
    assert res_.quality == "doubtful"
    assert any("Laue fringes of a stack of about" in note for note in res_.quality_notes)


@pytest.mark.parametrize("n, d, contrast, seed", [(30, 60.0, 0.7, 1), (9, 60.0, 0.5, 4)])
def test_real_supercell_keeps_its_weak_odd_orders(n, d, contrast, seed):
    # two bilayers per period 2d, the second weaker: odd orders of 2d at 3-11 % of the even
    # ones and as broad; with 9 cells the stack's own fringes stand beside them, and the
    # odd orders, read as midpoint fringes (L = 1/N²), would be 30-200 × too strong
    res_ = analyse_saxs(supercell_pattern(n, d, seed=seed, contrast=contrast))
    assert res_.mesophase == "lamellar" and res_.lattice_a == pytest.approx(2 * d, rel=0.01), \
        (res_.mesophase, res_.lattice_a, res_.quality_notes)
