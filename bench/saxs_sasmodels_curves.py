"""Regenerate the SAXS curves of tests/sasmodels_curves with sasmodels' paracrystal models.

A generator independent of dackit and of ``tests/saxs_ff_synth.py``: sasmodels 1.1.0
(SasView's model library, https://github.com/SasView/sasmodels, BSD-3-Clause) computes the
orientation-averaged paracrystal intensities of Matsuoka et al., Phys. Rev. B 36, 1754 (1987)
(``bcc_paracrystal``, ``fcc_paracrystal``, ``sc_paracrystal``: polydisperse spheres on a
distorted lattice, the sphere form factor included) and Bergström et al., J. Phys. Chem. B
103, 9888 (1999) (``lamellar_stack_paracrystal``). Each curve is smeared with a Gaussian
instrument resolution (σ_q = 0.5–2 % of the first line's q: without it the low orders are
narrower than the q step and sasmodels' orientation quadrature splits them into spikes),
scaled to 10^3.5–10^5.5 counts, given a Porod q⁻⁴ term and a flat background, and Poisson
noise. ``tests/sasmodels_curves/manifest.toml`` records each curve's parameters and true lattice.

Not run by the tests (sasmodels is not a dependency of dackit)::

    python -m venv /tmp/sas && /tmp/sas/bin/pip install sasmodels==1.1.0 numpy
    /tmp/sas/bin/python bench/saxs_sasmodels_curves.py --n 24 --seed 3
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sasmodels.core import load_model
from sasmodels.direct_model import call_kernel

#: nearest-neighbour distance → cubic cell, and s = q·a/2π of the first allowed line
CUBIC = {"bcc": (2 / np.sqrt(3), np.sqrt(2)), "fcc": (np.sqrt(2), np.sqrt(3)), "sc": (1.0, 1.0)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "tests" / "sasmodels_curves")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    models = {k: load_model(k) for k in ("bcc_paracrystal", "fcc_paracrystal", "sc_paracrystal",
                                          "lamellar_stack_paracrystal")}
    rows = []
    for i in range(args.n):
        kind = ["bcc", "fcc", "sc", "lamellar"][i % 4]
        npts = int(rng.integers(400, 900))
        if kind == "lamellar":
            d = float(rng.uniform(40, 200))
            pars = dict(thickness=float(rng.uniform(0.2, 0.5)) * d, Nlayers=int(rng.integers(8, 40)),
                        d_spacing=d, sigma_d=float(rng.uniform(0.0, 0.04)), sld=4, sld_solvent=1)
            a, q1 = d, 2 * np.pi / d
            model = models["lamellar_stack_paracrystal"]
        else:
            dnn = float(rng.uniform(80, 400))
            pars = dict(dnn=dnn, d_factor=float(rng.uniform(0.02, 0.07)),
                        radius=float(rng.uniform(0.3, 0.45)) * dnn,
                        radius_pd=float(rng.uniform(0.03, 0.1)), radius_pd_n=5, sld=4, sld_solvent=1)
            cell, first = CUBIC[kind]
            a = cell * dnn
            q1 = 2 * np.pi * first / a
            model = models[f"{kind}_paracrystal"]
        q = np.linspace(q1 * rng.uniform(0.3, 0.8), q1 * rng.uniform(4, 7), npts)
        sq = q1 * float(rng.uniform(0.005, 0.02))
        qf = np.arange(q[0] - 4 * sq, q[-1] + 4 * sq, min(sq / 3, q[1] - q[0]))
        fine = call_kernel(model.make_kernel([qf]), pars)
        kernel = np.exp(-0.5 * ((qf[None, :] - q[:, None]) / sq) ** 2)
        intensity = (kernel @ fine) / kernel.sum(axis=1)
        counts = 10 ** rng.uniform(3.5, 5.5)
        intensity = intensity / intensity.max() * counts + counts * 1e-3 * (q / q[0]) ** -4 + counts * 2e-3
        noisy = rng.poisson(np.maximum(intensity, 0)).astype(float)
        name = f"case{i:03d}_{kind}.dat"
        np.savetxt(args.out / name, np.c_[q, noisy, np.sqrt(np.maximum(noisy, 1))],
                   fmt=("%.8g", "%d", "%.6g"), header="q(A^-1) I(q) sigma")
        rows.append((name, kind, a, dict(pars, resolution_sigma_q=sq, counts=counts)))
    with open(args.out / "manifest.toml", "w") as fh:
        fh.write(f"# written by bench/saxs_sasmodels_curves.py --n {args.n} --seed {args.seed} (sasmodels 1.1.0)\n")
        for name, kind, a, pars in rows:
            fh.write(f'\n[[case]]\nfile = "{name}"\nmesophase = "{kind}"\nlattice_a = {a:.4f}\n'
                     "parameters = { " + ", ".join(f"{k} = {v:.6g}" for k, v in pars.items()) + " }\n")


if __name__ == "__main__":
    main()
