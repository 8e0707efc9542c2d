"""Adversarial absorption spectra for the Tauc sweep (bench/tauc_sweep.py, issue 10), built
with numpy only (not with dackit's ``simulate_absorption``).

A case is a direct-gap (or, one in four, indirect-gap) semiconductor with

* the interband continuum α(E) ∝ (E − E_g)^r / E above the gap (r = ½ direct, r = 2
  indirect allowed; Tauc, Grigorovici & Vancu, phys. stat. sol. 15, 627 (1966)), broadened
  by convolution with either a Laplace kernel exp(−|x|/E_U)/2E_U — which gives the edge an
  exponential Urbach tail of energy E_U below E_g — or a Gaussian of σ = E_U (E_U 5–60 meV);
* optionally an excitonic line at E_g − E_b (E_b 5–40 meV) of the same broadening;
* optionally a sub-gap defect band (Gaussian 0.3–1.0 eV below the gap) or a broad
  exponential tail (0.1–0.25 eV), 1–10 % of the edge's height;
* a scattering background: c·λ⁻⁴ (Rayleigh), c·λ⁻¹ or a constant offset;
* optionally thin-film interference fringes below the gap (they die out above it, where the
  film absorbs);
* a grid in nm (lower end 200–350 nm, upper 700–1100 nm, steps 0.2–2 nm) or in eV;
* noise: a constant absorbance noise plus transmittance noise (σ_A = σ_T·10^A/ln 10, which
  grows where little light comes through);
* stray light: A_meas = −log10(10^−A + 10^−A_max) with A_max 2.5–4, the flattened top of a
  real spectrometer.

Ground truth is the E_g used to build the spectrum. *Right* means
|E − E_g| ≤ ``tolerance_ev(p)`` = max(0.03 eV, k·w) + E_b, with w the broadening energy
(Urbach E_U or Gaussian σ), k = 1.5 for a direct and 2.5 for an indirect gap, and E_b the
exciton binding energy when an exciton is present. Why: the Tauc line is fitted to a
*broadened* edge, whose Tauc curve bends over a few w around E_g. Exact least-squares lines
through the noise-free broadened curves of this module (windows 0.04–0.2 eV wide starting
anywhere from E_g − w to E_g + 4w) extrapolate to E_g − 1.2w … E_g + 0.33w for a direct gap
and E_g − 2.6w … E_g − 0.1w for an indirect one (the square root of an indirect edge lifts its
Urbach foot much more); k is the larger magnitude rounded up. The exciton line adds absorption
down to E_g − E_b, which a Tauc analysis cannot tell from the continuum at this broadening.
0.03 eV is the floor: the corpus's usual agreement between two Tauc constructions of one real
edge (tests/corpus/optics/manifest.toml).
"""
from __future__ import annotations

import numpy as np

HC = 1239.841984  # eV·nm


def sweep_params(n: int, seed: int = 2026) -> list[dict]:
    """``n`` random cases (dicts of plain floats/strings) from ``seed``."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        indirect = rng.random() < 0.25
        p = {
            "case": i,
            "transition": "indirect" if indirect else "direct",
            "gap_ev": float(rng.uniform(1.5, 3.6)),
            "kernel": str(rng.choice(["urbach", "gaussian"])),
            "broad_ev": float(rng.uniform(0.005, 0.06)),
            # absorbance of the continuum 0.3 eV above the gap (before stray light)
            "height": float(10 ** rng.uniform(-0.7, 0.6)),
            "exciton": float(rng.uniform(0.2, 1.0)) if (not indirect and rng.random() < 0.3) else 0.0,
            "exciton_eb": float(rng.uniform(0.005, 0.04)),
            "subgap": str(rng.choice(["none", "none", "band", "tail"])),
            "subgap_amp": float(rng.uniform(0.01, 0.1)),
            "subgap_pos": float(rng.uniform(0.3, 1.0)),
            "subgap_width": float(rng.uniform(0.1, 0.3)),
            "scatter": str(rng.choice(["rayleigh", "inverse", "constant"])),
            "scatter_amp": float(rng.uniform(0.0, 0.5)),
            "fringes": float(rng.uniform(0.005, 0.04)) if rng.random() < 0.25 else 0.0,
            "fringe_period_ev": float(rng.uniform(0.08, 0.4)),
            "grid": "nm" if rng.random() < 0.75 else "eV",
            "nm_lo": float(rng.uniform(200, 350)),
            "nm_hi": float(rng.uniform(700, 1100)),
            "nm_step": float(rng.choice([0.2, 0.5, 1.0, 2.0])),
            "ev_step": float(rng.choice([0.002, 0.005, 0.01])),
            "noise_a": float(10 ** rng.uniform(-4, -2)),
            "noise_t": float(10 ** rng.uniform(-5, -3.5)),
            "a_max": float(rng.uniform(2.5, 4.0)),
            "noise_seed": int(rng.integers(2**31)),
        }
        out.append(p)
    return out


def tolerance_ev(p: dict) -> float:
    """Largest |E − E_g| still counted right (see the module docstring)."""
    k = 1.5 if p["transition"] == "direct" else 2.5
    return max(0.03, k * p["broad_ev"]) + (p["exciton_eb"] if p["exciton"] > 0 else 0.0)


def _energy_grid(p):
    """(x, x_unit, E) of the measured grid."""
    if p["grid"] == "nm":
        x = np.arange(p["nm_lo"], p["nm_hi"] + 1e-9, p["nm_step"])
        return x, "nm", HC / x
    lo, hi = HC / p["nm_hi"], HC / p["nm_lo"]
    x = np.arange(lo, hi + 1e-12, p["ev_step"])
    return x, "eV", x


def true_absorbance(p: dict, e: np.ndarray) -> np.ndarray:
    """Noise-free absorbance (before stray light) at energies ``e`` in eV."""
    eg, w = p["gap_ev"], p["broad_ev"]
    r = 0.5 if p["transition"] == "direct" else 2.0
    step = 0.0005
    pad = 12 * w
    fine = np.arange(e.min() - pad - 0.1, e.max() + pad + 0.1, step)
    cont = np.where(fine > eg, np.clip(fine - eg, 0, None) ** r, 0.0) / fine
    if p["exciton"] > 0:
        # a narrow line before broadening: the kernel gives it its width
        x0 = eg - p["exciton_eb"]
        line = np.exp(-0.5 * ((fine - x0) / 0.002) ** 2)
        ref = (0.3 ** r) / (eg + 0.3)
        # area 2.5·w·ref: after broadening the peak is about ``exciton`` × the continuum
        # 0.3 eV above the gap
        cont = cont + p["exciton"] * ref * 2.5 * w * line / (0.002 * np.sqrt(2 * np.pi))
    k = np.arange(-pad, pad + step / 2, step)
    if p["kernel"] == "urbach":
        ker = np.exp(-np.abs(k) / w)
    else:
        ker = np.exp(-0.5 * (k / w) ** 2)
    ker /= ker.sum()
    broad = np.convolve(cont, ker, mode="same")
    scale = p["height"] / ((0.3 ** r) / (eg + 0.3))
    a = scale * np.interp(e, fine, broad)
    if p["subgap"] == "band":
        a += p["subgap_amp"] * p["height"] * np.exp(
            -0.5 * ((e - (eg - p["subgap_pos"])) / p["subgap_width"]) ** 2)
    elif p["subgap"] == "tail":
        tail_e = 0.1 + 0.5 * (p["subgap_width"] - 0.1)   # 0.1–0.2 eV
        a += p["subgap_amp"] * p["height"] * np.exp(np.clip((e - eg) / tail_e, None, 0.0))
    lam = HC / e
    if p["scatter"] == "rayleigh":
        a += p["scatter_amp"] * p["height"] * (500.0 / lam) ** 4 / 4.0
    elif p["scatter"] == "inverse":
        a += p["scatter_amp"] * p["height"] * (500.0 / lam)
    else:
        a += p["scatter_amp"] * p["height"]
    if p["fringes"] > 0:
        fade = 1.0 / (1.0 + np.exp((e - (eg - 0.1)) / 0.03))
        a += p["fringes"] * fade * np.cos(2 * np.pi * e / p["fringe_period_ev"])
    return a


def spectrum(p: dict):
    """(x, absorbance, x_unit) as measured: stray-light saturation and noise added."""
    x, unit, e = _energy_grid(p)
    a = true_absorbance(p, e)
    seen = -np.log10(10.0 ** (-a) + 10.0 ** (-p["a_max"]))
    rng = np.random.default_rng(p["noise_seed"])
    sigma = p["noise_a"] + p["noise_t"] * 10.0 ** seen / np.log(10)
    return x, seen + rng.normal(0.0, 1.0, e.size) * sigma, unit
