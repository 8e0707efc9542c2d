"""Mesophases of nanocrystal superlattices and surfactant-like assemblies, and their indexing.

Each :class:`Mesophase` lists its allowed reflections as ``s = q·a/2π`` (so q = 2π s / a,
a the lattice constant), with multiplicity and structure-factor weight. Indexing
(:func:`index_peaks`) is written by hand: no maintained library indexes SAXS mesophases.

Reflection conditions (International Tables for Crystallography Vol. A):

* ``lamellar``: (00l), q/q1 = 1 : 2 : 3 …; a = the layer period d.
* ``hexagonal`` p6mm (2D, cylinders): q = (4π/(√3 a))·√(h²+hk+k²): 1 : √3 : 2 : √7 : 3 …
* ``sc`` Pm3̄m: all hkl; √N with N = 1, 2, 3, 4, 5, 6, 8, 9 … (7, 15, 23 … are not sums of
  three squares).
* ``bcc`` Im3̄m: h+k+l even; q/q1 = 1 : √2 : √3 : 2 : √5 : √6 : √7 … — identical to SC for
  the first six lines, so SC and BCC can only be told apart from the 7th peak (√7, absent in
  SC) on.
* ``fcc`` Fm3̄m: h, k, l all even or all odd; √3 : √4 : √8 : √11 : √12 …
* ``hcp`` P6₃/mmc with ideal c/a = √(8/3) (hard spheres); weight |F|² = 4 cos²[π((h−k)/3 + l/2)]
  from the two-sphere basis (1/3, 2/3, 1/4), (2/3, 1/3, 3/4); (00l) with l odd vanish.
* ``pn3m`` (double diamond, Pn3̄m): 0kl: k+l = 2n (so h00: h = 2n): √2 : √3 : √4 : √6 : √8 : √9 …
* ``ia3d`` (gyroid, Ia3̄d): h+k+l = 2n; 0kl: k, l = 2n; hhl: 2h+l = 4n; h00: h = 4n:
  √6 : √8 : √14 : √16 : √20 : √22 : √24 : √26 …
  (cubic bicontinuous sequences as tabulated by Seddon & Templer, in *Handbook of Biological
  Physics* 1, 97 (1995)).

Centre-to-centre (nearest-neighbour) distance ``nn_factor·a``: FCC a/√2, BCC a√3/2, SC a,
HCP a, hexagonal a, lamellar d. From the first peak: FCC d₁₁₁·√(3/2) = 1.2247·2π/q1,
BCC d₁₁₀·√(3/2) = 1.2247·2π/q1, HCP d₁₀₀·2/√3 = 1.1547·2π/q1, SC d₁₀₀ = a (checked here:
``nn_factor / s_first``). Pn3m and Ia3d are bicontinuous networks, not particle lattices:
no centre-to-centre distance.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

import numpy as np

from dackit.errors import InputError

HCP_C_OVER_A = np.sqrt(8 / 3)


@dataclass(frozen=True)
class Reflections:
    """Allowed lines of a mesophase sorted by s = q·a/2π (families merged by equal s)."""

    s: np.ndarray
    multiplicity: np.ndarray
    weight: np.ndarray  # multiplicity × |F|² (relative)
    hkl: tuple


def _cubic(condition, s_max):
    n = int(np.ceil(s_max)) + 1
    groups: dict = {}
    for h, k, l in product(range(-n, n + 1), repeat=3):
        N = h * h + k * k + l * l
        if N == 0 or N > s_max**2 + 1e-9 or not condition(abs(h), abs(k), abs(l)):
            continue
        g = groups.setdefault(N, [0, set()])
        g[0] += 1
        g[1].add(tuple(sorted((abs(h), abs(k), abs(l)), reverse=True)))
    keys = sorted(groups)
    return Reflections(np.sqrt(np.array(keys, float)), np.array([groups[k][0] for k in keys]),
                       np.array([groups[k][0] for k in keys], float),
                       tuple("/".join("".join(map(str, f)) for f in sorted(groups[k][1])) for k in keys))


def _perm_any(h, k, l, test):
    """True if ``test(x, y, z)`` holds for some permutation (cubic conditions are stated for one)."""
    return any(test(*p) for p in ((h, k, l), (k, l, h), (l, h, k), (h, l, k), (k, h, l), (l, k, h)))


def _pn3m(h, k, l):
    # 0kl: k + l = 2n for each index that is zero
    return not _perm_any(h, k, l, lambda a, b, c: a == 0 and (b + c) % 2)


def _ia3d(h, k, l):
    if (h + k + l) % 2:
        return False
    if _perm_any(h, k, l, lambda a, b, c: a == 0 and (b % 2 or c % 2)):
        return False
    if _perm_any(h, k, l, lambda a, b, c: a == b and (2 * a + c) % 4):
        return False
    return True


def _lamellar(s_max):
    l = np.arange(1, int(np.floor(s_max + 1e-9)) + 1)
    return Reflections(l.astype(float), np.full(l.size, 2), np.full(l.size, 2.0),
                       tuple(f"00{v}" for v in l))


def _hexagonal(s_max):
    n = int(np.ceil(s_max)) + 1
    groups: dict = {}
    for h, k in product(range(-n, n + 1), repeat=2):
        m = h * h + h * k + k * k
        if m == 0 or 4 * m / 3 > s_max**2 + 1e-9:
            continue
        g = groups.setdefault(m, [0, set()])
        g[0] += 1
        if h >= k >= 0:
            g[1].add(f"{h}{k}")
    keys = sorted(groups)
    return Reflections(np.sqrt(4 * np.array(keys, float) / 3), np.array([groups[k][0] for k in keys]),
                       np.array([groups[k][0] for k in keys], float),
                       tuple("/".join(sorted(groups[k][1])) or "?" for k in keys))


def _hcp(s_max):
    n = int(np.ceil(s_max)) + 2
    lmax = int(np.ceil(s_max * HCP_C_OVER_A)) + 1
    groups: dict = {}
    for h, k in product(range(-n, n + 1), repeat=2):
        for l in range(-lmax, lmax + 1):
            s2 = 4 / 3 * (h * h + h * k + k * k) + (l / HCP_C_OVER_A) ** 2
            if s2 == 0 or s2 > s_max**2 + 1e-9:
                continue
            f2 = 4 * np.cos(np.pi * ((h - k) / 3 + l / 2)) ** 2
            if f2 < 1e-9:
                continue
            key = round(s2, 9)
            g = groups.setdefault(key, [0, 0.0, set()])
            g[0] += 1
            g[1] += f2
            if h >= k >= 0 and l >= 0:
                g[2].add(f"{h}{k}{l}")
    keys = sorted(groups)
    return Reflections(np.sqrt(np.array(keys)), np.array([groups[k][0] for k in keys]),
                       np.array([groups[k][1] for k in keys]),
                       tuple("/".join(sorted(groups[k][2])) or "?" for k in keys))


@dataclass(frozen=True)
class Mesophase:
    """A mesophase: its reflections and the meaning of its lattice constant."""

    name: str
    description: str
    nn_factor: float  # centre-to-centre distance / a (NaN: not a particle lattice)
    _gen: object = field(repr=False, compare=False)

    def reflections(self, s_max: float) -> Reflections:
        """Allowed lines with s = q·a/2π ≤ ``s_max`` (at most :data:`REFLECTION_S_MAX`)."""
        s_max = min(float(s_max), REFLECTION_S_MAX)
        cap = max(8.0, 2.0 ** np.ceil(np.log2(s_max)))  # cache a few sizes, slice the rest
        full = _reflections_cached(self.name, cap)
        n = int(np.searchsorted(full.s, s_max + 1e-9, side="right"))
        return Reflections(full.s[:n], full.multiplicity[:n], full.weight[:n], full.hkl[:n])

    @property
    def s_first(self) -> float:
        return float(self.reflections(3.0).s[0])


@lru_cache(maxsize=64)
def _reflections_cached(name, s_max):
    return MESOPHASES[name]._gen(s_max)


#: registry of mesophases, keyed by short name; the order breaks exact ties (see index_peaks)
MESOPHASES = {
    "lamellar": Mesophase("lamellar", "lamellar stack, q/q1 = 1:2:3", 1.0, _lamellar),
    "hexagonal": Mesophase("hexagonal", "2D hexagonal p6mm (cylinders)", 1.0, _hexagonal),
    "bcc": Mesophase("bcc", "body-centred cubic Im-3m", np.sqrt(3) / 2,
                     lambda s: _cubic(lambda h, k, l: (h + k + l) % 2 == 0, s)),
    "fcc": Mesophase("fcc", "face-centred cubic Fm-3m", 1 / np.sqrt(2),
                     lambda s: _cubic(lambda h, k, l: len({h % 2, k % 2, l % 2}) == 1, s)),
    "sc": Mesophase("sc", "simple cubic Pm-3m", 1.0, lambda s: _cubic(lambda h, k, l: True, s)),
    "hcp": Mesophase("hcp", "hexagonal close packed P63/mmc, c/a = sqrt(8/3)", 1.0, _hcp),
    "pn3m": Mesophase("pn3m", "double-diamond bicontinuous cubic Pn-3m", float("nan"),
                      lambda s: _cubic(_pn3m, s)),
    "ia3d": Mesophase("ia3d", "gyroid bicontinuous cubic Ia-3d", float("nan"),
                      lambda s: _cubic(_ia3d, s)),
}


def get_mesophase(name: str) -> Mesophase:
    """The registered mesophase ``name`` (case-insensitive), or an InputError listing the choices.

    Parameters
    ----------
    name : str
        Mesophase key of :data:`~dackit.saxs.MESOPHASES` (case-insensitive).
    """
    key = str(name).lower()
    if key not in MESOPHASES:
        raise InputError(f"mesophase {name!r} unknown; use one of {tuple(MESOPHASES)}")
    return MESOPHASES[key]


def centre_distance_factor(name: str) -> float:
    """Centre-to-centre distance in units of 2π/q1 (first allowed peak): 1.2247 for FCC/BCC,
    1.1547 for HCP and hexagonal, 1 for SC and lamellar, NaN for Pn3m/Ia3d.

    Parameters
    ----------
    name : str
        Mesophase key of :data:`~dackit.saxs.MESOPHASES`.

    Examples
    --------
    >>> round(centre_distance_factor("fcc"), 4), round(centre_distance_factor("hcp"), 4)
    (1.2247, 1.1547)
    """
    m = get_mesophase(name)
    return float(m.nn_factor * m.s_first)


@dataclass(frozen=True)
class Candidate:
    """One mesophase fitted to the observed peaks.

    ``assignment[i]`` is the reflection label matched to observed peak i ("" if unexplained),
    ``residual_inv_a[i]`` its q_obs − q_calc (NaN if unexplained). ``missing_hkl``: strong
    predicted lines inside the observed range with no peak. ``score`` = χ² + 16 per
    unexplained peak + 3 per missing strong line (scaled down for lines whose multiplicity
    × ``|F|²/q²`` is under half the strongest in range; lines under 20 % are not counted)
    − ``match_credit`` (what the matches are worth beyond coincidence, :func:`_match_credit`;
    the score can be negative).
    ``strength_chi2`` compares the observed peak strengths with ``line_weight``; it only
    reorders phases whose scores tie (see :func:`index_peaks`).
    """

    name: str
    lattice_a: float
    lattice_a_err: float
    assignment: tuple
    residual_inv_a: np.ndarray
    chi2: float
    n_unexplained: int
    missing_hkl: tuple
    score: float
    #: Lorentz-weighted predicted strength (multiplicity × |F|²/s², summed over the lines
    #: one peak stands for) of each observed peak; NaN where unexplained
    line_weight: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: χ² of the observed line strengths against ``line_weight`` (see
    #: :func:`strength_misfit`); NaN when no strengths were given
    strength_chi2: float = float("nan")
    #: χ² worth of evidence the matches give beyond coincidence (:func:`_match_credit`),
    #: subtracted in ``score``
    match_credit: float = 0.0

    @property
    def centre_distance_a(self) -> float:
        return self.lattice_a * MESOPHASES[self.name].nn_factor


@dataclass(frozen=True)
class Indexing:
    """All candidates sorted by score; ``tie`` names every phase within ``tie_margin`` of the best."""

    candidates: tuple
    tie: tuple
    #: how the phases were ranked: "positions" (:func:`index_peaks`), "one line"
    #: (:func:`dackit.saxs.oneline.index_one_line`: weak lines and the form factor),
    #: "positions + weak lines", "positions, spike set aside" or "positions, marginal top
    #: aside" (reordered; :func:`dackit.saxs.analysis._clear_peaks_first`), "positions,
    #: foreign line aside" (one weak peak left out: :func:`dackit.saxs.analysis._foreign_line_aside`),
    #: "positions, bump aside" (one marginal peak that is no line left out:
    #: :func:`dackit.saxs.analysis._bump_aside`), "positions, narrow marginals aside"
    #: (marginal peaks narrower than the lines left out:
    #: :func:`dackit.saxs.analysis._narrow_marginals_aside`), "positions, broad peak aside"
    #: (a peak too broad for a line left out: :func:`dackit.saxs.analysis._broad_peak_aside`),
    #: "positions, Laue fringes aside" (:func:`dackit.saxs.analysis._laue_fringes_aside`),
    #: "positions, absent line" (the best by position had its first line measured absent:
    #: :func:`dackit.saxs.analysis._absent_first_line_aside`)
    method: str = "positions"
    #: with "one line": the weak lines seen at the best phase's predicted positions
    weak_lines: tuple = ()
    #: with "positions, spike set aside": the weak, too-narrow peak that alone put the
    #: runner-up first (:func:`dackit.saxs.quality.marginal_hinge`); with "positions,
    #: foreign line aside", "positions, bump aside" or "positions, broad peak aside": the
    #: peak left out; with "positions, absent line": the
    #: :class:`~dackit.saxs.analysis.AbsentFirstLine`
    set_aside: object = None

    @property
    def best(self) -> Candidate:
        return self.candidates[0]

    @property
    def mesophase(self) -> str:
        return self.best.name

    def candidate(self, name) -> Candidate:
        for c in self.candidates:
            if c.name == name:
                return c
        raise KeyError(name)


UNEXPLAINED_PENALTY = 16.0  # a 4σ outlier: an unexplained peak costs more than any match
MISSING_PENALTY = 3.0
#: a peak left unexplained that is stronger than every explained one by this many standard
#: errors of the difference (3σ) is the pattern's strongest line (see
#: :func:`_charge_strongest_unexplained`)
STRONGEST_LINE_SIGMA = 3.0
STRONG_FRACTION = 0.2  # lines with Lorentz-weighted intensity ≥ 20 % of the strongest count
# Highest s = q·a/2π worth indexing against. Cubic lines sit at s = √N with consecutive
# allowed N one to three apart, so their relative spacing near s is ≈ ΔN/(2s²): at s = 16
# it is ≈ 0.2 %, under the 0.3 % position floor, and every peak there matches some line
# (no information). HCP is denser still; the 2D hexagonal lines thin out as m = h²+hk+k²
# skips values, so it keeps more. Without a bound, one spurious low-q peak (a beamstop
# edge) below a dozen real orders asks for s ≈ 300 and enumerating the cubic lines takes
# hours (silver behenate, APS 15ID-D frame in tests/corpus/saxs).
# No line beyond s = 32 is worth predicting for any check: cubic lines there lie ≈ 0.05 %
# apart (see INDEX_S_LIMIT) and no mesophase keeps 32 orders. Callers ask for lines up to the
# end of the data: a USAXS curve (q from 1e-4 Å⁻¹) with its one line at q = 0.0026 Å⁻¹ asked
# the one-line weak-line search for s ≈ 120-290 (0.00033 Å⁻¹: up to 2250), and enumerating the
# cubic and hcp lines did not end in hours; up to s = 32 it takes seconds.
REFLECTION_S_MAX = 32.0
INDEX_S_LIMIT = {"hexagonal": 32.0, "bcc": 16.0, "fcc": 16.0, "sc": 16.0, "hcp": 16.0,
                 "pn3m": 16.0, "ia3d": 16.0}


def _fit_one(phase: Mesophase, q, sig, q_lo, merge_rel, anchor_obs, anchor_line, refl,
             visibility=None, q_hi=None):
    k = q[anchor_obs] / refl.s[anchor_line]  # k = 2π/a
    assign = np.full(q.size, -1)
    for window in (0.03, None):
        pred = refl.s * k
        assign[:] = -1
        for i, qi in enumerate(q):
            j = int(np.argmin(np.abs(pred - qi)))
            tol = 0.03 * qi if window else max(4 * sig[i], 0.01 * qi)
            if abs(pred[j] - qi) <= tol:
                assign[i] = j
        # one observed peak per line: keep the closest
        for j in np.unique(assign[assign >= 0]):
            idx = np.flatnonzero(assign == j)
            if idx.size > 1:
                keep = idx[np.argmin(np.abs(q[idx] - refl.s[j] * k))]
                assign[idx[idx != keep]] = -1
        m = assign >= 0
        if not m.any():
            return None
        w = 1 / sig[m] ** 2
        s = refl.s[assign[m]]
        k = np.sum(w * s * q[m]) / np.sum(w * s * s)
    m = assign >= 0
    s = refl.s[assign[m]]
    w = 1 / sig[m] ** 2
    credit = _match_credit(refl.s * k, assign, q, sig)
    resid = np.full(q.size, np.nan)
    resid[m] = q[m] - s * k
    chi2 = float(np.sum(w * resid[m] ** 2))
    dof = m.sum() - 1
    k_err = np.sqrt(1 / np.sum(w * s * s)) * (max(1.0, np.sqrt(chi2 / dof)) if dof > 0 else 1.0)
    # missing strong lines between q_lo and the last observed peak; lines closer than the
    # resolution are merged (one observed peak can stand for several)
    pred = refl.s * k
    lorentz = refl.weight / refl.s**2
    if visibility is not None:
        # a line is only as strong as the form factor lets it be (I = P·S): near a minimum
        # of P its absence is no evidence against the lattice
        lorentz = lorentz * np.clip(np.asarray(visibility(pred), float), 0.0, 1.0)
    inside = (pred >= q_lo) & (pred <= (q.max() if q_hi is None else q_hi) * 1.01)
    top = lorentz[inside].max() if inside.any() else 0.0
    top = top if top > 0 else 1.0
    strong = lorentz >= STRONG_FRACTION * top if inside.any() else inside
    matched_q = q[m]
    missing, miss_pen = [], 0.0
    # a line predicted stronger than a line observed beyond it should be seen too (unless
    # a form-factor minimum hides it: a moderate penalty, not a veto)
    matched_lines = assign[m]
    weakest_beyond = np.full(pred.size, np.inf)
    for j in range(pred.size):
        beyond = matched_lines[refl.s[matched_lines] > refl.s[j] + 1e-9]
        if beyond.size:
            weakest_beyond[j] = lorentz[beyond].min()
    expected = inside & (lorentz > 0) & (strong | (lorentz >= 0.5 * weakest_beyond))
    for j in np.flatnonzero(expected):
        if matched_q.size and np.min(np.abs(matched_q - pred[j])) <= merge_rel * pred[j]:
            continue
        missing.append(refl.hkl[j])
        miss_pen += MISSING_PENALTY * max(0.5, min(1.0, lorentz[j] / top / 0.5))
    n_unexp = int((~m).sum())
    score = chi2 + UNEXPLAINED_PENALTY * n_unexp + miss_pen - credit
    a = 2 * np.pi / k
    # predicted strength of each observed peak: every line it stands for (within the
    # merge distance), without the form factor (the caller's strengths are S(q) − 1)
    lw = np.full(q.size, np.nan)
    plain = refl.weight / refl.s**2
    for i in np.flatnonzero(m):
        lw[i] = float(np.sum(plain[np.abs(pred - q[i]) <= max(merge_rel * q[i], abs(resid[i]))]))
    return Candidate(phase.name, float(a), float(2 * np.pi * k_err / k**2),
                     tuple(refl.hkl[j] if j >= 0 else "" for j in assign), resid, chi2, n_unexp,
                     tuple(missing), float(score), lw, match_credit=credit)


def _match_credit(pred, assign, q, sig) -> float:
    """Evidence (in χ² units) that the matched peaks give for the lattice beyond what a
    dense line list would catch by coincidence.

    Under a lattice whose peaks may come from any of its lines, a peak at q_i matched to a
    line has likelihood ≈ N(r_i; σ_i)/n (n lines over the range), against ≈ 1/Q (Q the
    range) for a position the lattice does not constrain; the ratio is gap_i/(√(2π)·σ_i),
    gap_i = Q/n the local line spacing (mean of the spacings on either side of the
    matched line; below the first line, the line's own q). So a match earns
    2·ln(gap_i/(√(2π)·σ_i)) — nothing where the lines are denser than the position
    error (a high cubic or HCP order, a supercell), most at a sparse lattice's low
    orders — while its misfit is already in χ². The largest credit is not counted: one
    peak's position is spent on fitting the lattice constant, whatever the phase."""
    credits = [2 * np.log(r) if r > 1 else 0.0 for r in _match_ratios(pred, assign, q, sig)]
    return float(np.sum(credits) - max(credits)) if credits else 0.0


def _match_ratios(pred, assign, q, sig) -> np.ndarray:
    """gap/(√(2π)σ) of each matched peak, in peak order (see :func:`_match_credit`): over
    one, the match is unlikely by coincidence."""
    out = []
    for i in np.flatnonzero(assign >= 0):
        j = int(assign[i])
        gaps = [pred[j] - (pred[j - 1] if j > 0 else 0.0)]
        if j + 1 < pred.size:
            gaps.append(pred[j + 1] - pred[j])
        out.append(float(np.mean(gaps)) / (np.sqrt(2 * np.pi) * sig[i]))
    return np.asarray(out, float)


def _charge_strongest_unexplained(c: Candidate, strengths, strength_err) -> Candidate:
    """``c`` with :data:`UNEXPLAINED_PENALTY` more in its score when the peak it leaves
    unexplained is the strongest of the pattern: stronger than every peak it explains by
    :data:`STRONGEST_LINE_SIGMA` standard errors of their difference.

    In an ordered mesophase the strongest reflections are the lattice's own low orders
    (multiplicity × |F|²/s² falls with s, and the strengths are in units of S(q) − 1, the
    form factor divided out), so a line stronger than all of them is no stray peak but the
    pattern's main lattice: leaving it out is a second misfit, in strength as well as in
    position. Without it, a gyroid explaining a lamellar stack's second and third orders
    and a form-factor lobe ties the lamellar reading that explains the first order, twice
    as strong as any other line (DOPC at 100 MPa, tests/corpus/saxs). Arguments in the
    order of ``c.assignment``; no strengths, or none finite on either side, no charge."""
    if strengths is None:
        return c
    unexplained = np.array([not h for h in c.assignment])
    ok = np.isfinite(strengths) & np.isfinite(strength_err)
    lost, kept = ok & unexplained, ok & ~unexplained
    if not lost.any() or not kept.any():
        return c
    i = np.flatnonzero(lost)[np.argmax(strengths[lost])]
    j = np.flatnonzero(kept)[np.argmax(strengths[kept])]
    if strengths[i] - strengths[j] <= STRONGEST_LINE_SIGMA * np.hypot(strength_err[i], strength_err[j]):
        return c
    return dataclasses.replace(c, score=c.score + UNEXPLAINED_PENALTY)


def _smallest_cell(cands, margin):
    """Best-scoring cell of one phase, but the smallest cell among those that explain the
    peaks as well: a supercell (3 × d001 for a lamellar stack) explains every peak of the
    true cell, so a score within ``margin`` of the best, no more unexplained peaks and a
    smaller lattice constant win (the smallest consistent cell, as in powder indexing)."""
    if not cands:
        return None
    best = min(cands, key=lambda c: c.score)
    pool = [c for c in cands if c.n_unexplained <= best.n_unexplained
            and c.score <= best.score + margin]
    return min(pool, key=lambda c: (round(c.lattice_a, 6), c.score))


def index_peaks(q_inv_a, q_err=None, *, fwhm_inv_a=None, q_min=0.0, phases=None,
                rel_floor=0.003, tie_margin=1.0, visibility=None, strengths=None,
                strength_err=None, missing_q_max=None) -> Indexing:
    """Index observed peak positions against the mesophase registry.

    For each phase and each hypothesis "observed peak i (of the first two) is allowed line j
    (of the first four)", observed peaks are matched to the nearest line, the lattice
    constant is fitted by weighted least squares of q = 2π s / a over matched peaks, and the
    assignment repeated at the fitted a. Position errors are ``q_err`` combined in quadrature
    with ``rel_floor``·q (systematic shifts from background and overlap). Missing reflections
    are allowed; see :class:`Candidate` for the score.

    A match is evidence for a lattice only insofar as it is unlikely by coincidence: a
    dense lattice (a cubic cell large enough that its high orders are closer together
    than the position error, or a supercell) matches any foreign line — a crystal's
    extra peaks, an impurity, a harmonic. So each matched peak earns a credit, the log
    likelihood ratio of its position under the lattice against an unconstrained one,
    2·ln(gap/(√(2π)σ)) with gap the local spacing of the predicted lines
    (:func:`_match_credit`): large at the low orders of a sparse lattice, nothing where the
    lines are denser than σ. A peak left unexplained still costs the full penalty. This
    is what keeps a lamellar stack with a few weak foreign lines from being read as a
    large BCC cell that explains the foreign lines with its high orders and most of its
    own lines missing (cholesteryl palmitate, tests/corpus/saxs), and it prefers the
    smallest consistent cell for the same reason. The credits are an Occam preference of
    a few χ² units, not proof: a phase within ``tie_margin`` of the best by the score
    without them stays in ``tie`` (two peaks at 1 : 2 are lamellar or hexagonal with 11
    unseen, however much sparser the lamellar lines).

    Phases whose scores are within ``tie_margin`` of the best are reported in ``tie`` —
    e.g. SC and BCC with fewer than seven peaks give identical scores. Exact ties keep the registry order (BCC before SC:
    nanocrystal superlattices are far more often BCC) unless observed ``strengths`` are
    given: among the tied phases that explain as many peaks, the one whose predicted line
    strengths fit best (:func:`strength_misfit`) is reported first when it beats the
    leader by :data:`STRENGTH_PREFER`, and any whose strength χ² is worse than it by
    :data:`STRENGTH_DECISIVE` leaves the tie — a phase tied only without the match
    credits as well, judged against the best strength fit among all the tied phases
    unless that would rule out the leader itself (then the tie stands).

    Parameters
    ----------
    q_inv_a : array_like
        Observed peak positions in Å⁻¹.
    q_err : array_like, optional
        Their standard errors in Å⁻¹.
    fwhm_inv_a : array_like, optional
        Observed FWHM in Å⁻¹ (to judge whether missing lines would be resolved).
    q_min : float, default 0.0
        Usable low-q limit in Å⁻¹; lines below it are not counted as missing.
    phases : sequence of str, optional
        Mesophases to try; all of :data:`~dackit.saxs.MESOPHASES` when None.
    rel_floor : float, default 0.003
        Relative floor on the position errors (systematic shifts from background and
        overlap).
    tie_margin : float, default 1.0
        Phases whose scores are within this of the best are reported as a tie.
    visibility : callable, optional
        q (Å⁻¹, array) → factor in [0, 1] by which the particle form factor scales a line's
        expected strength (:meth:`dackit.saxs.formfactor.FormFactorFit.visibility`); a line
        in a form-factor dip is then not expected, and its absence not penalised.
    missing_q_max : float, optional
        Predicted lines above this q (Å⁻¹) are not counted missing; the highest observed
        peak when None (:func:`dackit.saxs.quality.saxs_verdict` asks how the ranking
        stands without the lines expected only because of marginal peaks beyond the
        clear ones).
    strengths, strength_err : array_like, optional
        Integrated peak areas in units of S(q) − 1 (pattern divided by its smooth
        background) and their errors, in the order of ``q_inv_a``. Phases tied by position
        whose strength χ² (:func:`strength_misfit`) is worse than the best tied one's by
        :data:`STRENGTH_DECISIVE` leave the tie (SC and BCC before the √7 line: the second
        line of SC is as strong as the first, that of BCC a quarter).

    Examples
    --------
    >>> import numpy as np
    >>> idx = index_peaks(2 * np.pi / 120 * np.array([1, 2, 3]))
    >>> idx.mesophase, round(idx.best.lattice_a, 1)
    ('lamellar', 120.0)
    """
    q = np.asarray(q_inv_a, dtype=float).ravel()
    if q.size == 0 or not np.all(np.isfinite(q)) or np.any(q <= 0):
        raise InputError("peak positions: need at least one positive finite q to index")
    order = np.argsort(q)
    q = q[order]
    if strengths is not None:
        strengths = np.asarray(strengths, float).ravel()
        strength_err = (np.full(q.size, np.nan) if strength_err is None
                        else np.asarray(strength_err, float).ravel())
        if strengths.size != q.size or strength_err.size != q.size:
            raise InputError("strengths: give one per peak position")
    err = np.zeros_like(q) if q_err is None else np.nan_to_num(np.asarray(q_err, float).ravel()[order])
    sig = np.sqrt(err**2 + (rel_floor * q) ** 2)
    if fwhm_inv_a is not None:
        fw = np.asarray(fwhm_inv_a, float).ravel()
        merge_rel = float(np.clip(np.nanmedian(fw / q[np.argsort(order)] if fw.size == q.size else fw) * 0.5,
                                  0.01, 0.1))
    else:
        merge_rel = 0.01
    names = list(MESOPHASES) if phases is None else [get_mesophase(p).name for p in phases]
    st_sorted = None if strengths is None else strengths[order]
    st_err_sorted = None if strengths is None else strength_err[order]
    cands = []
    for name in names:
        phase = MESOPHASES[name]
        s_limit = INDEX_S_LIMIT.get(name, np.inf)
        tried = []
        # up to three stray low-q peaks (beamstop rim, shoulders) below the first true line
        for anchor_obs in range(min(3, q.size)):
            s_need = min(4.0 * q.max() / q[anchor_obs] * 1.1 + 1, s_limit)
            refl = phase.reflections(s_need)
            for anchor_line in range(min(4, refl.s.size)):
                s_max = min(refl.s[anchor_line] * q.max() / q[anchor_obs] * 1.05, s_limit)
                refl_use = phase.reflections(max(s_max, refl.s[anchor_line]) + 1e-6)
                c = _fit_one(phase, q, sig, q_min, merge_rel, anchor_obs, anchor_line, refl_use,
                             visibility, missing_q_max)
                if c is not None:
                    tried.append(_charge_strongest_unexplained(c, st_sorted, st_err_sorted))
        best = _smallest_cell(tried, tie_margin)
        if best is not None:
            # residuals and assignments back in the caller's peak order
            inv = np.argsort(order)
            lw = best.line_weight[inv]
            chi_s = (strength_misfit(q[inv], strengths, strength_err, lw)
                     if strengths is not None else float("nan"))
            best = Candidate(best.name, best.lattice_a, best.lattice_a_err,
                             tuple(best.assignment[i] for i in inv), best.residual_inv_a[inv],
                             best.chi2, best.n_unexplained, best.missing_hkl, best.score, lw,
                             chi_s, best.match_credit)
            cands.append(best)
    rank = {n: i for i, n in enumerate(MESOPHASES)}
    cands.sort(key=lambda c: (round(c.score, 6), rank[c.name]))  # registry order breaks exact ties
    tied = [c for c in cands if c.score <= cands[0].score + tie_margin]
    top = None
    if strengths is not None and len(tied) > 1:
        # phases that explain the same peaks equally well by position are told apart by
        # the relative strengths of those peaks, when they decide (see strength_misfit)
        n_min = min(c.n_unexplained for c in tied)
        fair = [c for c in tied if c.n_unexplained == n_min and np.isfinite(c.strength_chi2)]
        if fair:
            top = min(fair, key=lambda c: c.strength_chi2)
            if (top is not cands[0] and (not np.isfinite(cands[0].strength_chi2)
                                         or cands[0].strength_chi2 >= top.strength_chi2 + STRENGTH_PREFER)):
                cands = [top, *[c for c in cands if c is not top]]
                tied = [top, *[c for c in tied if c is not top]]
            out = {c.name for c in fair if c.strength_chi2 > top.strength_chi2 + STRENGTH_DECISIVE}
            tied = [c for c in tied if c.name not in out]
    # the match credits rank the phases but are a weak (Occam) preference: a phase within
    # the margin of the leader without them stays in the tie
    # (unless the strengths have ruled it out, as above)
    lead = cands[0]
    near = [c for c in cands if c not in tied and c.score + c.match_credit
            <= lead.score + lead.match_credit + tie_margin]
    if strengths is not None and near:
        # a phase tied only without the credits is ruled out by the strengths as one tied
        # by the score is (SC 100/110/111 at 1 : 1 : 0.4 is no BCC 110/200/211, 1 : 0.25
        # : 0.67); judged against the best strength fit among every tied phase, so long as
        # the leader itself is not ruled out by it (then the tie stands)
        pool = [c for c in (*tied, *near) if np.isfinite(c.strength_chi2)]
        n_min = min((c.n_unexplained for c in pool), default=0)
        pool = [c for c in pool if c.n_unexplained == n_min]
        best_s = min(pool, key=lambda c: c.strength_chi2) if pool else None
        if (best_s is not None and lead in pool
                and lead.strength_chi2 <= best_s.strength_chi2 + STRENGTH_DECISIVE
                and (top is None or best_s.strength_chi2 < top.strength_chi2)):
            top = best_s
    tied += [c for c in near
             if not (top is not None and c.strength_chi2 > top.strength_chi2 + STRENGTH_DECISIVE)]
    tie = tuple(c.name for c in tied)
    return Indexing(tuple(cands), tie)


#: relative scatter of an observed line strength about its prediction beyond its fit
#: error (ln 1.35): Lorentz-factor and Debye–Waller approximations, overlapping wings, the
#: form factor divided out imperfectly
STRENGTH_SCATTER = float(np.log(1.35))
#: among phases tied by position, one whose strength χ² is lower than the leader's by
#: this much (a likelihood ratio of e) is reported first; the tie stays
STRENGTH_PREFER = 2.0
#: a phase whose strength χ² exceeds another's (explaining the same peaks as well by
#: position) by this much (3σ) leaves the tie
STRENGTH_DECISIVE = 9.0


def strength_misfit(q, strengths, strength_err, line_weight) -> float:
    """χ² of observed line strengths against a phase's predicted ones.

    ``strengths`` are the integrated areas of the peaks in units of S(q) − 1 (the pattern
    divided by its smooth background, the particle form factor included), so for one
    particle per lattice point they follow multiplicity × |F|²/s² (the powder Lorentz
    factor) up to one scale and a Debye–Waller / paracrystalline decay exp(−b q²), b ≥ 0.
    Both are fitted by weighted least squares of ln(strength) − ln(weight); each point's
    σ is its relative fit error combined with :data:`STRENGTH_SCATTER`. Peaks without a
    strength, a weight or a positive area are skipped; NaN with fewer than two left.

    Parameters
    ----------
    q : array_like
        Peak positions (Å⁻¹).
    strengths, strength_err : array_like
        Observed areas in units of S(q) − 1 and their standard errors.
    line_weight : array_like
        Predicted strengths (:attr:`Candidate.line_weight`).

    Returns
    -------
    float
        The χ², or NaN.
    """
    q = np.asarray(q, float)
    a = np.asarray(strengths, float)
    ea = np.asarray(strength_err, float)
    w = np.asarray(line_weight, float)
    ok = np.isfinite(a) & np.isfinite(w) & (a > 0) & (w > 0)
    if ok.sum() < 2:
        return float("nan")
    rel = np.where(np.isfinite(ea[ok]) & (ea[ok] >= 0), ea[ok] / a[ok], 1.0)
    sig = np.hypot(np.minimum(rel, 1.0), STRENGTH_SCATTER)
    r = np.log(a[ok]) - np.log(w[ok])
    x = q[ok] ** 2
    wt = 1 / sig**2
    # r = c − b·x, b ≥ 0
    xm, rm = np.sum(wt * x) / wt.sum(), np.sum(wt * r) / wt.sum()
    sxx = np.sum(wt * (x - xm) ** 2)
    b = -np.sum(wt * (x - xm) * (r - rm)) / sxx if sxx > 0 else 0.0
    b = max(b, 0.0)
    c = rm + b * xm
    return float(np.sum(wt * (r - c + b * x) ** 2))
