"""
TEM: particle sizes
===================

:func:`dackit.tem.detect_particles` thresholds a (smoothed) image, separates touching
particles by a watershed, rejects objects that are not round particles (low solidity,
fragments, scale bars and labels), and measures equivalent-circle diameters; the verdict
counts what was rejected and why.

The image is a real JEOL HAADF STEM image of nanoparticles (``tem/JEOL_HAADF.dm4`` from the
shared real-data folder; its source carries no licence, so it is not copied into the
repository). Without that folder the page uses :func:`dackit.tem.simulate_tem`, and says so.
"""

# %%
# Read, detect, measure
# ---------------------
from docdata import real

from dackit.tem import detect_particles, read_tem_image, simulate_tem, size_statistics
from dackit.tem.plots import plot_histogram, plot_overlay

path = real("tem/JEOL_HAADF.dm4")
if path is not None:
    image = read_tem_image(path)
    det = detect_particles(image, contrast="bright")
    print(f"{path.name}: {image.data.shape[1]}×{image.data.shape[0]} px, {image.pixel_nm:.4f} nm/px")
else:
    sim = simulate_tem(60, 8.0, 0.7, 0.4, seed=5)
    det = detect_particles(sim.image, 0.4, contrast="bright")
    print(f"shared real-data folder absent: simulated image, true mean diameter {sim.diameters_nm.mean():.2f} nm")

stats = size_statistics(det.diameters_nm)
print(f"n = {stats.n}, mean = {stats.mean_nm:.2f} nm, SD = {stats.sd_nm:.2f} nm, SE = {stats.se_nm:.2f} nm, "
      f"median = {stats.median_nm:.2f} nm")
print("quality:", det.verdict.quality)
for note in det.verdict.notes:
    print("  -", note)

# %%
# What was counted
# ----------------
# Always look at the overlay: outlined particles were measured, the rest were rejected.
fig = plot_overlay(det)

# %%
# The size distribution
# ---------------------
fig = plot_histogram(det.diameters_nm)
