"""Benchmark and comparison: the sp3s* tight-binding nanocrystal (issue 16) against k·p and data.

Prints one JSON object with, for bare InP spheres of 1–4 nm and the study's InP/ZnSe
2.5/1.9 nm particle: atoms, first excitonic absorption, seconds per calculation, the k·p
model's absorption for the same geometry (``dackit.nanocrystal.coreshell`` defaults), the
Almeida et al. 2023 sizing curve at the same volume (inside its data range; also for
In- and P-terminated tetrahedra, which come in magic sizes), and the
pressure coefficient of the absorption (quadratic fit over 0–5.6 GPa, like the study). Also
the sensitivity of the 2.5 nm bare core to the passivation energy.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/tight_binding.py            # ~5 min
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/tight_binding.py --quick    # bare cores only
"""
from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from dackit.nanocrystal.coreshell import STUDY, core_shell, exciton_energy, pl_vs_pressure
from dackit.nanocrystal.materials import material
from dackit.nanocrystal.sizing import almeida_e1s_from_volume
from dackit.nanocrystal.tight_binding import (TightBindingOptions, bulk_bands, bulk_gap_coefficient_mev_per_gpa, bulk_masses,
                                              tight_binding_state, tight_binding_vs_pressure)

FIT_P = np.linspace(0.0, 5.6, 5)


def _almeida(d_nm: float) -> float | None:
    v = math.pi / 6.0 * d_nm ** 3
    try:
        return float(almeida_e1s_from_volume(v))
    except Exception:   # outside the curve's data range
        return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="bare cores only, no core/shell pressure series")
    args = ap.parse_args()
    out: dict = {}
    k = [[0, 0, 0], [1, 0, 0], [0.5, 0.5, 0.5]]
    for name in ("InP", "ZnSe"):
        e = bulk_bands(name, k)
        out[f"bulk_{name}"] = {"gamma_gap_ev": round(float(e[0, 4] - e[0, 3]), 3),
                               "x_gap_ev": round(float(e[1, 4] - e[0, 3]), 3),
                               "l_gap_ev": round(float(e[2, 4] - e[0, 3]), 3)}
    out["bulk_InP_alpha_mev_per_gpa_tb"] = round(bulk_gap_coefficient_mev_per_gpa("InP", material("InP")), 1)
    out["bulk_InP_masses_tb"] = {k: round(v, 3) for k, v in bulk_masses("InP", material("InP").lattice_a).items()}
    rows = []
    for d in (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0):
        nc = core_shell("InP", d, None, 0.0)
        s = tight_binding_state(nc)
        deq = s.equivalent_core_diameter_nm
        rows.append({"diameter_nm": d, "atoms": s.n_atoms, "equivalent_diameter_nm": round(deq, 3),
                     "tb_absorption_ev": round(s.absorption_ev, 3), "tb_gap_ev": round(s.gap_ev, 3),
                     "coulomb_ev": round(s.coulomb_ev, 3), "kp_absorption_ev": round(float(exciton_energy(nc)), 3),
                     "almeida_ev": None if _almeida(deq) is None else round(_almeida(deq), 3),
                     "seconds": round(s.seconds, 2), "quality": s.quality})
    out["bare_inp"] = rows
    tet = {}
    for edge in (2.5, 3.5, 4.1, 5.0):   # tetrahedra come in magic sizes: {111} layers
        nc = core_shell("InP", edge, None, 0.0, core_shape="tetrahedron")
        for shape in ("tetrahedron", "tetrahedron-anion"):
            s = tight_binding_state(nc, 0.0, TightBindingOptions(shape=shape))
            deq = s.equivalent_core_diameter_nm
            tet[f"{shape}-{s.n_atoms}"] = {
                "atoms": s.n_atoms, "equivalent_diameter_nm": round(deq, 3),
                "tb_absorption_ev": round(s.absorption_ev, 3),
                "almeida_ev": None if _almeida(deq) is None else round(_almeida(deq), 3),
                "electron_s_fraction": round(s.electron_s_fraction, 2), "quality": s.quality}
    out["bare_inp_tetrahedra"] = tet
    nc = core_shell("InP", 2.5, None, 0.0)
    out["bare_2.5nm_passivation"] = {
        str(e): round(tight_binding_state(nc, 0.0, TightBindingOptions(passivation_ev=e)).absorption_ev, 3)
        for e in (10.0, 20.0, 40.0, 1000.0)}
    out["bare_2.5nm_anion_centred_ev"] = round(
        tight_binding_state(nc, 0.0, TightBindingOptions(centre="anion")).absorption_ev, 3)
    t = time.perf_counter()
    ser = tight_binding_vs_pressure(nc, FIT_P)
    kp = pl_vs_pressure(nc, [0.0])
    out["bare_2.5nm_pressure"] = {"tb_alpha_mev_per_gpa": round(ser.alpha_mev_per_gpa, 1),
                                  "tb_beta_mev_per_gpa2": round(ser.beta_mev_per_gpa2, 2),
                                  "tb_e0_ev": round(ser.e0_ev, 3), "kp_pl_alpha_mev_per_gpa": round(kp.alpha_mev_per_gpa, 1),
                                  "electron_s_fraction_vs_p": [round(x.electron_s_fraction, 3) for x in ser.states],
                                  "fit_pressures_gpa": ser.fit_pressures_gpa.tolist(),
                                  "seconds": round(time.perf_counter() - t, 1)}
    if not args.quick:
        cs = core_shell("InP", STUDY["core_diameter_nm"], "ZnSe", STUDY["shell_thickness_nm"])
        t = time.perf_counter()
        ser = tight_binding_vs_pressure(cs, FIT_P)
        s0 = ser.states[0]
        kp = pl_vs_pressure(cs, [0.0])
        out["core_shell_2.5_1.9"] = {
            "atoms": s0.n_atoms, "core_atoms": s0.n_core_atoms, "tb_absorption_ev": round(s0.absorption_ev, 3),
            "kp_absorption_ev": round(float(exciton_energy(cs)), 3),
            "study_absorption_ev": round(1239.84198 / STUDY["absorption_nm"], 3),
            "tb_alpha_mev_per_gpa": round(ser.alpha_mev_per_gpa, 1), "tb_beta_mev_per_gpa2": round(ser.beta_mev_per_gpa2, 2),
            "tb_e0_absorption_ev": round(ser.e0_ev, 3),
            "kp_pl_alpha_mev_per_gpa": round(kp.alpha_mev_per_gpa, 1), "study_pl_alpha_mev_per_gpa": STUDY["alpha_mev_per_gpa"],
            "electron_in_shell": round(s0.electron_in_shell_fraction, 3), "hole_in_shell": round(s0.hole_in_shell_fraction, 3),
            "core_pressure_gpa": round(s0.core_pressure_gpa, 2),
            "seconds_per_pressure": [round(x.seconds, 1) for x in ser.states],
            "absorption_ev_vs_p": [round(x, 4) for x in ser.absorption_ev.tolist()],
            "electron_s_fraction_vs_p": [round(x.electron_s_fraction, 3) for x in ser.states],
            "fit_pressures_gpa": ser.fit_pressures_gpa.tolist(), "warnings": list(ser.warnings),
            "quality": [x.quality for x in ser.states], "seconds_total": round(time.perf_counter() - t, 1)}
        out["core_shell_anion_centred_ev"] = round(
            tight_binding_state(cs, 0.0, TightBindingOptions(centre="anion")).absorption_ev, 3)
    out["study_bare_absorption_ev"] = round(1239.84198 / STUDY["absorption_core_nm"], 3)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
