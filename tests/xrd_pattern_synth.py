"""1D powder patterns of cubic and hexagonal phases built with numpy only, for adversarial lattice sweeps.

Independent of dackit's simulator and structure factors: line intensities come from the
atom positions written out here, with a crude form factor Z·(0.3 + 0.7·exp(-8 s²)) and a
Debye–Waller factor, summed over every (h, k, l) of a cube (multiplicities and extinctions
follow); each line is then scaled by a random texture factor. On top come the things real
DAC patterns carry: a decaying background, an amorphous hump, a beam-stop shadow, a detector
edge, single-crystal (diamond) spikes, impurity lines and Poisson noise.
"""
from __future__ import annotations

import numpy as np

_FCC = [(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0)]


def _shift(points, d):
    return [tuple((p[i] + d[i]) % 1.0 for i in range(3)) for p in points]


def _lab6_boron(x=0.1992):
    return [(x, .5, .5), (-x, .5, .5), (.5, x, .5), (.5, -x, .5), (.5, .5, x), (.5, .5, -x)]


_WURTZITE = [((1 / 3, 2 / 3, 0), (2 / 3, 1 / 3, .5)), ((1 / 3, 2 / 3, .375), (2 / 3, 1 / 3, .875))]

#: name → (dackit phase spec, nominal a, nominal c (None: cubic), [(Z, fractional positions)])
STRUCTURES = {
    "Au": ("Au", 4.0786, None, [(79, _FCC)]),
    "Pt": ("Pt", 3.9231, None, [(78, _FCC)]),
    "Ne": ("Ne", 4.4644, None, [(10, _FCC)]),
    "MgO": ("MgO", 4.2112, None, [(12, _FCC), (8, _shift(_FCC, (.5, .5, .5)))]),
    "NaCl": ("NaCl", 5.6402, None, [(11, _FCC), (17, _shift(_FCC, (.5, .5, .5)))]),
    "CeO2": ("CeO2", 5.41165, None, [(58, _FCC), (8, _shift(_FCC, (.25, .25, .25)) + _shift(_FCC, (.75, .75, .75)))]),
    "Si": ("Si", 5.431144, None, [(14, _FCC + _shift(_FCC, (.25, .25, .25)))]),
    "LaB6": ("LaB6", 4.156826, None, [(57, [(0, 0, 0)]), (5, _lab6_boron())]),
    "CdSe-wz": ("wurtzite", 4.30, 7.01, [(48, list(_WURTZITE[0])), (34, list(_WURTZITE[1]))]),
    "ZnO-wz": ("wurtzite:a=3.2496:c=5.2042:cation=Zn:anion=O", 3.2496, 5.2042,
               [(30, list(_WURTZITE[0])), (8, list(_WURTZITE[1]))]),
}


def lines(structure: str, a: float, s_max: float, c: float | None = None, b_iso: float = 0.5):
    """(d in Å, relative intensity without Lorentz–polarisation) of every line of
    ``structure`` (cubic cell a, or hexagonal a, c) with sin θ/λ below ``s_max``; lines
    closer than 1e-6 Å are summed."""
    _, _, _, sites = STRUCTURES[structure]
    n = int(np.ceil(2.4 * s_max * max(a, c or a))) + 1
    h, k, l = np.mgrid[-n:n + 1, -n:n + 1, -n:n + 1].reshape(3, -1)
    if c is None:
        inv_d2 = (h * h + k * k + l * l) / a**2
    else:
        inv_d2 = 4 / 3 * (h * h + h * k + k * k) / a**2 + l * l / c**2
    keep = (inv_d2 > 0) & (np.sqrt(inv_d2) / 2 <= s_max)
    h, k, l, inv_d2 = h[keep], k[keep], l[keep], inv_d2[keep]
    s2 = inv_d2 / 4
    f = np.zeros(h.size, dtype=complex)
    for z, points in sites:
        fz = z * (0.3 + 0.7 * np.exp(-8.0 * s2)) * np.exp(-b_iso * s2)
        for p in points:
            f += fz * np.exp(2j * np.pi * (h * p[0] + k * p[1] + l * p[2]))
    intensity = np.abs(f) ** 2
    out: dict = {}
    for d, i in zip(np.round(1 / np.sqrt(inv_d2), 6), intensity):
        out[d] = out.get(d, 0.0) + float(i)
    f000 = sum(z * len(points) for z, points in sites)  # extinct lines: |F|² ~ 1e-27 f000²
    return [(float(d), i) for d, i in sorted(out.items(), reverse=True) if i > 1e-8 * f000 ** 2]


def _pseudo_voigt(x, x0, fwhm, eta):
    g = np.exp(-4 * np.log(2) * ((x - x0) / fwhm) ** 2)
    lor = 1 / (1 + 4 * ((x - x0) / fwhm) ** 2)
    return eta * lor + (1 - eta) * g


def random_case(rng, hexagonal: bool = False) -> dict:
    """The parameters of one adversarial pattern (all plain numbers, for a JSON case file):
    a cubic phase, or with ``hexagonal`` a wurtzite."""
    names = sorted(n for n, v in STRUCTURES.items() if (v[2] is not None) == hexagonal)
    name = str(rng.choice(names))
    _, nominal, c_nominal, _ = STRUCTURES[name]
    lam = float(rng.choice([0.2066, 0.2952, 0.3344, 0.4066, 0.4133, 0.6199, 0.7093]))
    tth_lo = float(rng.uniform(1.0, 6.0))
    tth_hi = float(rng.uniform(max(14.0, tth_lo + 8), 42.0))
    return {
        "phase": name, "a_true": nominal * (1 + (strain := float(rng.uniform(-0.10, 0.03)))),
        # c/a of a hexagonal cell changes by up to 1 % under pressure
        "c_true": None if c_nominal is None else c_nominal * (1 + strain) * (1 + float(rng.uniform(-0.01, 0.01))),
        "wavelength_a": lam, "tth_lo": tth_lo, "tth_hi": tth_hi,
        "step_deg": float(rng.uniform(0.002, 0.015)),
        "fwhm_deg": float(10 ** rng.uniform(np.log10(0.008), np.log10(0.12))),
        "fwhm_growth": float(rng.uniform(0.0, 1.5)),   # FWHM ∝ 1 + g·tan θ / tan θ_max
        "eta": float(rng.uniform(0.0, 0.9)),
        "texture": float(rng.uniform(0.0, 0.5)),       # SD of log line intensities
        "peak_counts": float(10 ** rng.uniform(2.0, 5.0)),
        "background": float(10 ** rng.uniform(-1.5, 0.5)),   # relative to the strongest line
        "bg_decay_deg": float(rng.uniform(2.0, 20.0)),
        "hump": float(rng.uniform(0, 1.0)) if rng.random() < 0.4 else 0.0,
        "hump_at_deg": float(rng.uniform(tth_lo, tth_hi)),
        "hump_fwhm_deg": float(rng.uniform(1.5, 8.0)),
        "beamstop_deg": float(tth_lo + rng.uniform(0.2, 1.5)) if rng.random() < 0.4 else 0.0,
        "edge_deg": float(tth_hi - rng.uniform(0.5, 3.0)) if rng.random() < 0.3 else 0.0,
        "n_spikes": int(rng.integers(0, 4)) if rng.random() < 0.3 else 0,
        "n_impurity": int(rng.integers(2, 8)) if rng.random() < 0.35 else 0,
        "impurity_level": float(rng.uniform(0.02, 0.3)),
        "with_geometry": bool(rng.random() < 0.7),
        "seed": int(rng.integers(0, 2**31)),
    }


def _phase_profile(x, rng, case, phase, a, c):
    """Lines of one phase (unscaled) on the 2θ grid ``x``, with the case's widths and texture."""
    lam = case["wavelength_a"]
    s_max = np.sin(np.radians(case["tth_hi"] + 1) / 2) / lam
    tan_max = np.tan(np.radians(case["tth_hi"] / 2))
    y = np.zeros_like(x)
    for d, f2 in lines(phase, a, s_max, c=c):
        if lam / (2 * d) >= 1:
            continue
        th = np.arcsin(lam / (2 * d))
        tth = np.degrees(2 * th)
        lp = (1 + np.cos(2 * th) ** 2) / (np.sin(th) ** 2 * np.cos(th))
        fwhm = case["fwhm_deg"] * (1 + case["fwhm_growth"] * np.tan(th) / tan_max)
        texture = np.exp(rng.normal(0.0, case["texture"]))
        shift = case.get("zero_deg", 0.0) + case.get("displacement_deg", 0.0) * np.cos(th)
        y += f2 * lp * texture * _pseudo_voigt(x, tth + shift, fwhm, case["eta"])
        if case.get("kalpha2_ratio"):
            # the Kα2 line: same d at λ2 (Kα1/Kα2 of the case's anode)
            s2 = case["kalpha2_lambda_ratio"] * lam / (2 * d)
            if s2 < 1:
                tth2 = np.degrees(2 * np.arcsin(s2)) + shift
                y += case["kalpha2_ratio"] * f2 * lp * texture * _pseudo_voigt(x, tth2, fwhm, case["eta"])
    if y.max() <= 0:
        raise ValueError(f"no line of {phase} in range")
    return y / y.max()


def components(case: dict) -> list[dict]:
    """The phases of ``case``: its ``mixture`` (a list of {phase, a_true, c_true, weight}),
    or its one phase."""
    return case.get("mixture") or [{"phase": case["phase"], "a_true": case["a_true"],
                                    "c_true": case.get("c_true"), "weight": 1.0}]


def random_mixture(rng, pool=("Au", "Pt", "Ne", "MgO", "NaCl", "CeO2", "Si", "LaB6")) -> dict:
    """A case of one to three phases of ``pool`` (the first the strongest, the others 5-100 %
    of it), with one or two other phases of the pool as decoy candidates (``candidates``)."""
    case = random_case(rng)
    n_true = int(rng.integers(1, 4))
    chosen = [str(p) for p in rng.choice(pool, size=n_true + int(rng.integers(1, 3)), replace=False)]
    mixture = []
    for k, name in enumerate(chosen[:n_true]):
        mixture.append({"phase": name, "a_true": STRUCTURES[name][1] * (1 + float(rng.uniform(-0.10, 0.03))),
                        "c_true": None, "weight": 1.0 if k == 0 else float(10 ** rng.uniform(-1.3, 0))})
    order = rng.permutation(len(chosen))
    case.update(phase="+".join(chosen[:n_true]), a_true=mixture[0]["a_true"], mixture=mixture,
                candidates=[chosen[i] for i in order])
    return case


#: laboratory anodes: Kα1 (Å) and λ(Kα2)/λ(Kα1) (Hölzer et al., Phys. Rev. A 56, 4554 (1997))
LAB_ANODES = {"Cu": (1.5405929, 1.5444140 / 1.5405929), "Co": (1.788996, 1.792835 / 1.788996),
              "Mo": (0.7093171, 0.713607 / 0.7093171)}


def random_lab_mixture(rng, pool=("Au", "Pt", "MgO", "NaCl", "CeO2", "Si", "LaB6")) -> dict:
    """A laboratory Bragg–Brentano scan of a :func:`random_mixture`: a Cu, Co or Mo Kα1
    wavelength with each line's Kα2 partner (Kα2/Kα1 ≈ 0.5, or 0 behind a Kα1
    monochromator), a wide 2θ range, a specimen displacement and zero error, no beam stop,
    detector edge or diamond spots."""
    case = random_mixture(rng, pool)
    anode = str(rng.choice(sorted(LAB_ANODES)))
    lam, ratio = LAB_ANODES[anode]
    tth_lo = float(rng.uniform(10.0, 25.0)) if anode != "Mo" else float(rng.uniform(5.0, 10.0))
    case.update(wavelength_a=lam, kalpha2_lambda_ratio=ratio,
                kalpha2_ratio=0.0 if rng.random() < 0.25 else float(rng.uniform(0.45, 0.55)),
                tth_lo=tth_lo, tth_hi=float(rng.uniform(tth_lo + 50, 125.0 if anode != "Mo" else 60.0)),
                step_deg=float(rng.uniform(0.005, 0.03)), fwhm_deg=float(10 ** rng.uniform(np.log10(0.04), np.log10(0.2))),
                displacement_deg=float(rng.uniform(-0.1, 0.1)), zero_deg=float(rng.uniform(-0.03, 0.03)),
                beamstop_deg=0.0, edge_deg=0.0, n_spikes=0, with_geometry=False)
    return case


def random_lab_case(rng) -> dict:
    """One phase of a :func:`random_lab_mixture` (the same draws): a laboratory scan of a
    single cubic phase, for lattice sweeps."""
    case = random_lab_mixture(rng)
    first = case["mixture"][0]
    case.update(phase=first["phase"], a_true=first["a_true"], mixture=[first], candidates=[first["phase"]])
    return case


def pattern_arrays(case: dict):
    """(2θ in degrees, counts) of ``case``."""
    rng = np.random.default_rng(case["seed"])
    x = np.arange(case["tth_lo"], case["tth_hi"], case["step_deg"])
    y = np.zeros_like(x)
    for comp in components(case):
        y += comp["weight"] * _phase_profile(x, rng, case, comp["phase"], comp["a_true"], comp.get("c_true"))
    y *= case["peak_counts"] / y.max()
    peak = case["peak_counts"]
    bg = case["background"] * peak * (0.3 + np.exp(-(x - x[0]) / case["bg_decay_deg"]))
    if case["hump"]:
        bg += case["hump"] * case["background"] * peak * np.exp(
            -4 * np.log(2) * ((x - case["hump_at_deg"]) / case["hump_fwhm_deg"]) ** 2)
    model = y + bg
    for _ in range(case["n_impurity"]):
        model += case["impurity_level"] * peak * rng.uniform(0.2, 1.0) * _pseudo_voigt(
            x, rng.uniform(x[0], x[-1]), case["fwhm_deg"] * rng.uniform(0.8, 2.0), case["eta"])
    for _ in range(case["n_spikes"]):
        model += peak * rng.uniform(1.0, 10.0) * _pseudo_voigt(x, rng.uniform(x[0], x[-1]), 0.012, 0.1)
    if case["beamstop_deg"]:
        model *= 1 / (1 + np.exp(-(x - case["beamstop_deg"]) / 0.05)) * 0.98 + 0.02
    counts = rng.poisson(np.clip(model, 0, None)).astype(float)
    if case["edge_deg"]:
        counts[x > case["edge_deg"]] = 0.0
    return x, counts
