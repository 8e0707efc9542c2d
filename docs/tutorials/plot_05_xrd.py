"""
X-ray diffraction: integrate, refine the lattice, identify phases
=================================================================

A DAC diffraction experiment records 2D detector images; a calibration (a PONI file, from a
standard such as CeO₂ or LaB₆) maps each pixel to 2θ, and azimuthal integration (pyFAI)
gives a 1D pattern. dackit then fits the reflections of a phase to refine its cell, and
decides which of several candidate phases are present.

The integrated pattern is a real LaB₆ measurement at 40 keV integrated by pyFAI
(``tests/corpus/xrd/lab6_p49_001_pyfai.xy``); the NIST SRM 660 value is a = 4.15689 Å.
When the shared real-data folder is present, the first sections integrate Dioptas' CeO₂
Pilatus 1M image with its PONI file, calibrate the detector from the same image
automatically, and measure the texture of its rings on a cake.
"""

# %%
# From image to pattern
# ---------------------
import matplotlib.pyplot as plt
from docdata import corpus, real

from dackit.xrd import integrate_image

image, poni = real("dioptas/CeO2_Pilatus1M.tif"), real("dioptas/CeO2_Pilatus1M.poni")
if image is not None and poni is not None:
    # Old Dioptas calibrated this image flipped up-down; flip_ud reproduces its frame.
    ceo2 = integrate_image(image, poni, flip_ud=True)
    fig, ax = plt.subplots(figsize=(6.4, 3.5))
    ax.plot(ceo2.x, ceo2.intensity, lw=0.8)
    ax.set_xlabel("2θ (°)")
    ax.set_ylabel("Intensity")
    ax.set_title("CeO2, Pilatus 1M, integrated by dackit (pyFAI)")
    print(f"CeO2: {ceo2.x.size} points, wavelength {ceo2.wavelength_a:.4f} Å")
else:
    print("shared real-data folder absent: the image step is skipped; the pattern below is real")

# %%
# Calibrate the detector from the calibrant image
# -----------------------------------------------
# :func:`dackit.xrd.calibrate_image` needs only the calibrant, the wavelength and the
# detector: it finds the beam centre, the distance and the tilts from the rings themselves
# (no clicked point) and says how well the rings support the geometry. Dioptas' own
# calibration of this image (the PONI above) puts the detector at 208.7 mm.
from dackit.io import read_image
from dackit.xrd import Integrator, cake_image, calibrate_image, plot_cake, plot_calibration, ring_texture

if image is not None:
    cal = calibrate_image(image, "CeO2", wavelength_a=0.4066, detector="Pilatus1M")
    g = cal.geometry
    print(f"distance {g.dist_m * 1e3:.2f} mm, {cal.rings} of {cal.rings_expected} rings, "
          f"rms {cal.rms_deg:.4f}°, quality {cal.quality}")
    frame = read_image(image)
    fig = plot_calibration(frame, cal)
else:
    print("shared real-data folder absent: the calibration and cake steps are skipped")

# %%
# The cake and a texture index per ring
# -------------------------------------
# Integrating over 2θ *and* azimuth χ gives the cake; along each ring a fine powder has a
# flat intensity. :func:`dackit.xrd.ring_texture` gives each ring a texture index: the
# coefficient of variation of its background-subtracted intensity along χ beyond counting
# noise (0 for a fine powder, ≥ 0.1 textured or spotty, ≥ 1 single spots), and calls the
# ring *textured* when slow (low-order) variation dominates, *spotty* when it does not.
# The geometry is the calibration just found; the white arcs are the Pilatus module gaps.
if image is not None:
    cake = cake_image(Integrator(g, polarization=0.99), frame, azimuth_bins=180, source=image.name)
    rings = ring_texture(cake)
    for r in rings[:6]:
        print(f"2θ = {r.position:6.3f}°  texture index {r.texture_index:.2f}  {r.label:8s}  {r.quality}")
    fig = plot_cake(cake, rings)

# %%
# This CeO₂ powder is coarse: its rings are made of single-crystal spots (indices near 1),
# which the cake shows at a glance and a 1D pattern hides.

# %%
# Refine the LaB₆ cell
# --------------------
# :func:`dackit.xrd.fit_lattice` searches the cell scale, fits every allowed reflection
# (pseudo-Voigt on a smooth background) and refines a from their positions by weighted least
# squares; peaks that are not significant are dropped and listed.
from dackit.io import read_pattern
from dackit.xrd import fit_lattice, plot_lattice_fit

pattern = read_pattern(corpus("xrd/lab6_p49_001_pyfai.xy"))
lat = fit_lattice(pattern, "lab6", twotheta_range=(2.0, 22.0))
a, a_err = lat.params["a"], lat.stderr["a"]
print(f"a = {a:.5f} ± {a_err:.5f} Å (NIST SRM 660: 4.15689 Å), V = {lat.volume_a3:.3f} Å³, "
      f"{len(lat.peaks)} peaks, quality {lat.quality}")
fig = plot_lattice_fit(lat, title="LaB6 lattice fit")

# %%
# Which phases are present?
# -------------------------
# :func:`dackit.xrd.identify_phases` fits all candidates at once (whole-pattern, each with its
# own cell and scale) and keeps a phase when dropping it worsens the fit by more than
# ``threshold`` σ. Here LaB₆ against a wrong candidate, rock-salt NaCl:
from dackit.xrd import identify_phases, plot_phase_fit

ident = identify_phases(pattern, ["lab6", "nacl"], twotheta_range=(2.0, 22.0))
for ph in ident.phases:
    print(f"{ph.name:10s} present={ph.present!s:5s} significance {ph.significance:8.1f} σ")
fig = plot_phase_fit(ident, title="LaB6 vs NaCl")

# %%
# From the command line::
#
#     dackit xrd calibrate CeO2_Pilatus1M.tif --calibrant CeO2 --wavelength 0.4066 \
#         --detector Pilatus1M --out cal.poni --json
#     dackit xrd integrate frames/*.tif --poni cal.poni --out patterns --json
#     dackit xrd cake frames/*.tif --poni cal.poni --polarization 0.99 --out cakes --json
#     dackit xrd lattice patterns/*.xy --phase lab6 --json
