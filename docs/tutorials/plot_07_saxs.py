"""
SAXS: peaks, d-spacings and the superlattice
============================================

Nanocrystals that order into a superlattice give sharp small-angle peaks; their positions
(q ratios) tell the lattice (fcc, bcc, hexagonal, …) and the first peak's spacing tells
the particle distance. :func:`dackit.saxs.analyse_saxs` subtracts a background, finds and
fits the peaks, and indexes them against the mesophases of
:doc:`/registries/phases_mesophases`.

The first file is a real NXcanSAS measurement from the canSAS working group's examples
(``tests/corpus/saxs/33837rear_1D_1.75_16.5_NXcanSAS_v3.h5``). It is not a superlattice:
two broad bumps. dackit fits them but says plainly that they cannot fix a lattice.
"""

# %%
# A real NXcanSAS file
# --------------------
from docdata import corpus

from dackit.saxs import analyse_saxs, load_saxs
from dackit.saxs.plots import plot_pattern

pattern = load_saxs(corpus("saxs/33837rear_1D_1.75_16.5_NXcanSAS_v3.h5"))
print(f"{pattern.x.size} points, q = {pattern.x.min():.4f}–{pattern.x.max():.3f} Å⁻¹")
res = analyse_saxs(pattern)
for pk in res.peakset.peaks:
    print(f"peak q = {pk.q_inv_a:.4f} Å⁻¹  d = {pk.d_a:.1f} Å  FWHM = {pk.fwhm_inv_a:.4f} Å⁻¹")
print("quality:", res.quality)
for note in res.quality_notes:
    print("  -", note)
fig = plot_pattern(res)

# %%
# An ordered superlattice
# -----------------------
# For contrast, a simulated fcc superlattice (a = 150 Å) with Poisson noise: eight lines,
# indexed without ambiguity, and the lattice constant recovered.
from dackit.saxs import centre_distance_factor, simulate_saxs

sim = simulate_saxs("fcc", 150.0, seed=2)
fcc = analyse_saxs(sim.pattern)
print(f"mesophase {fcc.mesophase}, a = {fcc.lattice_a:.2f} ± "
      f"{fcc.lattice_a_err:.2f} Å (truth 150), quality {fcc.quality}")
d1 = 2 * 3.141592653589793 / fcc.peakset.peaks[0].q_inv_a
print(f"centre-to-centre distance = {centre_distance_factor('fcc') * d1:.1f} Å")
fig = plot_pattern(fcc)
