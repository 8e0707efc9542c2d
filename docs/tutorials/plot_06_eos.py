"""
Equations of state and the F–f plot
===================================

An isothermal equation of state V(P) gives the bulk modulus K0 and its pressure derivative
K′. dackit fits the forms of :data:`dackit.eos.EOS_FORMS` (see
:doc:`/registries/eos_forms`) with errors in both P and V, weighted as EosFit7 does
(effective variance), and draws the normalised stress F against the Eulerian strain f,
the plot that shows at a glance which order of the Birch–Murnaghan form the data support.

The data are stishovite (SiO₂) P–V points of Andrault et al. (2003) as used in BurnMan's
fitting tutorial (``tests/corpus/eos/stishovite_andrault2003_burnman_tutorial.csv``).
BurnMan's own fit (modified Tait) gives V0 = 46.5117(33) Å³, K0 = 312(3) GPa, K′ = 4.4(2).
"""

# %%
# Read and fit
# ------------
from docdata import corpus

from dackit.eos import fit_eos, read_pv

data = read_pv(corpus("eos/stishovite_andrault2003_burnman_tutorial.csv"))
print(f"{len(data.pressure_gpa)} points, {data.pressure_gpa.min():.1f}–{data.pressure_gpa.max():.1f} GPa")
for form in ("tait", "bm3", "vinet"):
    fit = fit_eos(data.pressure_gpa, data.volume_a3, form=form,
                  pressure_err=data.pressure_err, volume_err=data.volume_err)
    v = dict(zip(fit.names, fit.values))
    e = dict(zip(fit.names, fit.stderr))
    print(f"{form:6s} V0 = {v['v0']:.4f}({e['v0']:.4f}) Å³  K0 = {v['k0']:.1f}({e['k0']:.1f}) GPa  "
          f"K' = {v['kp']:.2f}({e['kp']:.2f})  χ²_ν = {fit.redchi:.2f}")
    for w in fit.warnings:
        print("   warning:", w)

# %%
# P–V with the fitted curve and residuals
# ---------------------------------------
from dackit.eos.plots import plot_ellipse, plot_ff, plot_pv

bm3 = fit_eos(data.pressure_gpa, data.volume_a3, form="bm3",
              pressure_err=data.pressure_err, volume_err=data.volume_err)
fig = plot_pv(bm3)

# %%
# The F–f plot
# ------------
# For a BM3 equation of state F(f) is a straight line: intercept K0, slope (3/2)K0(K′ − 4).
# A horizontal line means K′ = 4 (BM2 is enough); curvature would ask for BM4.
from dackit.eos import ff_from_fit

ff = ff_from_fit(bm3)
ok = ff.valid          # F is undefined at f = 0 (the P = 0 point)
print(f"{ok.sum()} of {ok.size} points: f from {ff.f[ok].min():.4f} to {ff.f[ok].max():.4f}, "
      f"F from {ff.F_gpa[ok].min():.0f} to {ff.F_gpa[ok].max():.0f} GPa")
fig = plot_ff(bm3)

# %%
# K0 and K′ are correlated
# ------------------------
# The 68 % confidence ellipse of (K0, K′): quoting each with its own error hides that a
# higher K0 goes with a lower K′.
fig = plot_ellipse(bm3)
print(f"corr(K0, K') = {bm3.correlation[1, 2]:.3f}")

# %%
# Pressure from a standard
# ------------------------
# The same forms convert the cell volume of an internal standard to pressure
# (:data:`dackit.eos.STANDARDS`, :doc:`/registries/pressure_standards`):
from dackit.eos import pressure_from_volume

for std in ("au", "pt"):
    print(f"{std:3s} V = 60.0 Å³ -> P = {float(pressure_from_volume(60.0, standard=std)):.2f} GPa")

# %%
# Pressure at high temperature
# ----------------------------
# In a heated cell the same volume means a higher pressure: the thermal pressure of a
# Mie–Grüneisen–Debye model is added to the 300 K isotherm (:data:`dackit.eos.THERMAL`,
# listed with their parameters in :doc:`/registries/pressure_standards`). MgO on the scale
# of Tange, Nishihara & Tsuchiya (2009), one cell volume, three temperatures:
from dackit.eos import pressure_at_temperature

v_mgo = 0.9 * 74.698           # 90 % of MgO's ambient cell volume (Å³)
for t_k in (300.0, 1000.0, 2000.0):
    p, p_err = pressure_at_temperature([v_mgo], "mgo", t_k, volume_err=0.02)
    print(f"MgO V = {v_mgo:.3f} Å³, T = {t_k:6.0f} K -> P = {p[0]:.2f} ± {p_err[0]:.2f} GPa")

# %%
# From the command line::
#
#     dackit eos pressure 67.228 --standard mgo --temperature 2000 --err 0.02 --json
