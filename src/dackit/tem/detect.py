"""Segment nanoparticles in a TEM/STEM image and measure each one.

The pipeline, each step chosen to be insensitive to particle size and density:

1. **Contrast**: particles are made bright. ``"bright"`` (HAADF/dark-field), ``"dark"``
   (bright-field), or ``"auto"``: STEM files are HAADF; otherwise the minority Otsu class is
   taken as the particles, unless it covers 25–75 % of the image (dense rafts, where the
   particles can be the majority): then both polarities are measured and the one whose
   accepted particles cover more of the image is kept (:func:`_both_polarities`). Objects of
   the minority class on a regular lattice may be the interstices of a close-packed
   monolayer of the other polarity: doubtful, with a note (:func:`_interstice_check`). When both
   polarities find about as much (a support as contrasted as the particles: HAADF of a
   supported catalyst), bright particles are measured on the image minus its grey-scale
   opening by a disk whose radius is read from the particles themselves
   (:mod:`dackit.tem.background`; ArdaGen STEM Cu4 −73 → −7 %, Pt2 +43 → −21 %, Ru4 −81 →
   −7 %; Pt2 −0.6 % once its 12 px particles' profiles are fitted), still doubtful. The same
   model serves bright particles whose support, at that scale, varies by more than half
   their contrast (:data:`SUPPORT_LUMPINESS`: a global threshold then cuts support and
   particles together), unless the flat model found a population larger than the disk
   (:data:`SUPPORT_SCALE_MARGIN`); doubtful too. On every other corpus image it is not
   used: there it gained nothing and cut grainy-film particles (EMPS a45586af89: −85 %).
2. **Background flattening**: a quadratic surface fitted by least squares to the background
   pixels (Otsu class, two iterations) is subtracted. Unlike a large-σ blur it is not pulled
   up by dense particle fields.
3. **Threshold**: Otsu (Otsu, IEEE Trans. SMC 9, 62 (1979)) on the image smoothed by a
   Gaussian of ``smooth_px`` (1 px; on a grainy carbon film whose specks are all the default
   finds, the σ at which a population ≥ 6σ across keeps its size: :func:`_on_grainy_film`),
   refined to ``level`` (default ½) of the way between the median background and the
   particle plateau (upper quartile of the particle class), so that the
   boundary lies at half the particle contrast whatever the area fraction. That is the edge of a particle of uniform projected
   intensity (bright-field mass–thickness, faceted crystals). For projected spheres
   (HAADF intensity ∝ chord length) the half-contrast line lies inside the rim and
   under-sizes by ≈ 10 %; ``level=0.2`` measures them within ≈ 1 % when they are 20 px or
   more across (checked on :func:`~dackit.tem.simulate.simulate_tem`, ``profile="sphere"``).
   Uniform particles are measured within 1 % from 12 px across, 2 % at 6 px.
   A single global level cannot serve both profiles, hence the fit below.
   With the default (no ``level``), the threshold only finds the particles: each accepted
   particle's diameter is then 2R from a fit of its radial profile with the projected
   thickness (1 − r²/R²)^p blurred by a 2D Gaussian (:func:`~dackit.tem.edges._profile_curve`; p = 0 disk,
   ½ sphere), σ shared by the population (median of up to :data:`~dackit.tem.edges.PROFILE_SAMPLE` full fits; the PSF is common), R
   and p per particle (faceted and round particles share a sample).
   R is where the projected thickness ends, the physical edge whatever the profile: simulated
   spheres and blurred disks come out within 2 %, where the half level is 13 % small for
   spheres. Against hand-drawn masks (EMPS) the half level was 6–17 % small on the eight
   corpus images and 15 % (median) on 43 others; the fitted edge gives −9..+4 % and −6 %
   (14 of 43 within 5 %, was 8). The residual is partly the observer's: the outlines lie
   −0.4 to +1.3 σ (median +0.2 σ) from the fitted edge (19 images). So the mean is still
   re-measured with the edge at ¼ and ¾ of the contrast; when that moves it by more than
   ±5 % (:data:`~dackit.tem.edges.BOUNDARY_TOLERANCE`) the result is doubtful (EMPS: ±9–29 %). Each particle
   is cut at its own plateau for that check, holes filled. And because a reference may put
   the edge up to 1.5 σ from the fitted one (:data:`~dackit.tem.edges.EDGE_CONVENTION_SIGMA`), the result is
   doubtful unless 1.5 σ/R ≤ 5 %, i.e. the particles are ≥ 30 σ in radius (σ includes the
   1 px smoothing: ≥ 60 px across on a sharp image). Fits also make
   the result doubtful when too few converge (below :data:`~dackit.tem.edges.MIN_FIT_FRACTION` of the sample the
   edge stays at half contrast: the model describes few of the particles; ArdaGen Pt2 +64 →
   +43 %), when one shape for all (the median p) would
   move the mean by > 5 %, or when the model's half-contrast size disagrees with the segmentation's by
   > 5 % (:data:`~dackit.tem.edges.PROFILE_CONSISTENCY`: halos, merged objects). Below 6 px across
   (:data:`~dackit.tem.edges.PROFILE_MIN_RADIUS`) or R < 3σ the edge stays at half contrast.
   **Fringes** (:func:`~dackit.tem.edges._fringe_edge`): a ring outside a
   particle of the opposite contrast (the bright Fresnel halo of underfocused bright field,
   the dark shadow ring of SEM spheres), ≥ 10 % of the contrast deep, moves that particle's
   edge out to where its profile, rising from the particle, meets the far background: the
   fitted edge read the ring as background and lay 1–2 px inside, where hand-drawn outlines
   follow the particle to its halo (EMPS 173c98ef82 −8.4 → −0.9 %, a45586af89 −6.8 → −3 %).
   The profile for this reaches past the ring (2R + 6 px), unsmoothed, and the far
   background must surround the particle (not inside a raft).
   A ``level`` given by the caller states the profile: the
   threshold at that level gives the sizes and the ¼–¾ check becomes a note.
   A background floor (histogram mode + 6σ of its particle-free side) keeps a sparse
   particle class from being cut out of the film texture by Otsu.
   **Per-particle level** (default edge only, :func:`_local_levels`): one global level cuts
   particles dimmer than the image's plateau into crescents and holes (SEM spheres with
   bright rims and darker interiors, shading, spheres inside a raft dimmer than isolated
   ones). The objects of the ¼-contrast mask have cores (pixels half a particle radius in:
   no rim, no blurred edge); each core's median is that particle's plateau, and every pixel
   is cut at half the contrast of its nearest core. The image's level is kept where both
   agree within 3σ of the background and 10 % of the contrast (so uniform fields are not
   touched: the NanoparticlesSAM rafts are not re-cut), for cores fainter than 4σ (support
   texture), and below 12 px across. The watershed's intensity term saturates at the same
   per-particle plateau.
4. **Annotation**: information bars along the image edges (FEI/Thermo/JEOL/Zeiss TIFF
   exports: full-width flat bands far from the image body's median or beyond its extremes)
   are cut off before any statistics, unless the band is plain background (its level is
   common in the image and it has the image's noise there: an empty margin beside a dense
   raft, vacuum below a support); long solid axis-aligned rectangles of particle polarity (scale bars), the
   objects beside them (their labels) and hollow frames are not counted and are named in the
   notes.
5. **Splitting**: watershed of the smoothed distance transform (Beucher & Meyer 1993) with
   markers at its maxima at least 0.7·r̃ apart and standing h = 0.15·r̃ above their saddle,
   r̃ the median largest inscribed radius of the blobs (touching clusters share the
   inscribed radius of their members, so r̃ is the single-particle radius). Deeper than
   :data:`DEPTH_CAP` r̃ the marker surface varies only with the brightness, flat at the
   plateau; each top (no trough of :data:`MERGE_DIP` on it) gets one marker
   (:func:`_one_seed_per_top`), not a lattice that slices one body (ArdaGen Cu4's
   largest particle: 12 pieces, 8 counted). A line the
   watershed drew across one body is removed (:func:`_merge_unwaisted`): no waist in the
   distance map (saddle ≥ :data:`NECK_RATIO`) and the intensity on the line that of the
   pieces' plateaus (within :data:`MERGE_DIP`: between two particles it is dimmer, touching
   spheres or a gap, or darker, an overlap). Rods and twins with a shallow waist were cut in
   two (EMPS 6c52a10c75: 88 annotated, 154 counted, mean −13 %; now 88, +4 %).
6. **Rejection**, each counted in ``quality_notes``: objects touching the image edge;
   fragments whose area is below 25 % of the population median area (watershed slivers,
   noise) or below ``min_diameter_nm``; clusters left unsplit (area ≥ 1.5× the median and
   not round: solidity < 0.9 or Feret ratio > 1.5), unless the second pass finds no waist
   between their distance maxima and no step of intensity (:data:`MERGE_DIP`) on the lines
   between its pieces of one particle's width, and they are convex (solidity ≥ 0.9) and
   ≤ 3× the median area: one large body (a cube seen along a diagonal has a Feret ratio of
   √2 or more; from 12 px across, where a pair's waist is resolved). Two particles one on
   the other can have no waist; their overlap, twice as thick, is what parts them (the gold
   colloid tem-au20-004: +7.4 → +5.0 %); and any object less convex than
   ``min_solidity``; thin-stroke objects (text, debris: area > 3× the disk of their
   inscribed radius).
7. **Measures**: equivalent-area diameter 2√(A/π) and max/min Feret diameters from the hull
   of the pixel corners; with the default edge, 2R of the profile fit (step 3), the Feret
   diameters scaled by the same factor and the threshold diameter kept as
   ``diameter_threshold_nm``. An elongated particle (Feret ratio > :data:`~dackit.tem.edges.ROUND_FERET`)
   whose radial fit does not reproduce its own half-contrast outline, or any beyond
   :data:`~dackit.tem.edges.CUBE_FERET` (√3, the most elongated projection of a cube), has no radial profile
   to fit: its outline is moved out by the round particles' median edge offset (Steiner's
   parallel-body area A + PΔ + πΔ²). Uniform rods of Feret ratio 2.2 among disks: +2.6 %;
   fitted radially, a third of them came out +66 % (a dome far beyond their ends).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dackit.core.noise import robust_sigma
from dackit.core.quality import Judged, Verdict
from dackit.errors import InputError, where
from dackit.tem.edges import _apply_profile_edges, _boundary_check, _profile_edges
from dackit.tem.io import TemImage, make_tem_image

CONTRASTS = ("auto", "bright", "dark")


@dataclass(frozen=True)
class Detection(Judged):
    """Result of :func:`detect_particles`.

    ``labels`` holds the accepted particles only (0 = not counted); ``table`` one row per
    candidate object with its measures, ``accepted`` and the rejection ``reason``.
    """

    labels: np.ndarray
    table: pd.DataFrame
    pixel_nm: float
    contrast: str
    threshold: float
    image: np.ndarray = field(repr=False)
    source: str = ""
    verdict: Verdict = field(default_factory=Verdict)
    calibration: str = "given"

    @property
    def diameters_nm(self) -> np.ndarray:
        return self.table.loc[self.table["accepted"], "diameter_nm"].to_numpy()

    @property
    def n(self) -> int:
        return int(self.table["accepted"].sum())


def _label_max(values: np.ndarray, labels: np.ndarray, index) -> np.ndarray:
    """Largest value of each label in ``index``, 0 for a label with no pixel: what
    ``scipy.ndimage.maximum`` returns, without its sort of the whole image (the TEM pipeline
    asks it of million-pixel frames with thousands of labels, dozens of times)."""
    index = np.asarray(index, dtype=np.intp)
    flat = labels.ravel()
    top = max(int(flat.max(initial=0)), int(index.max(initial=0))) + 1
    best = np.full(top, -np.inf)
    np.maximum.at(best, flat, values.ravel().astype(float))
    best[np.bincount(flat, minlength=top) == 0] = 0.0
    return best[index]


def _feret(coords: np.ndarray) -> tuple[float, float]:
    """Max and min caliper width (px) of a pixel set, from the hull of the pixel corners."""
    from scipy.spatial import ConvexHull, QhullError

    corners = (coords[:, None, :] + np.array([[-.5, -.5], [-.5, .5], [.5, -.5], [.5, .5]])).reshape(-1, 2)
    try:
        hull = corners[ConvexHull(corners).vertices]
    except QhullError:
        hull = corners
    ang = np.radians(np.arange(0, 180, 0.5))
    proj = hull @ np.stack([np.cos(ang), np.sin(ang)])
    width = proj.max(axis=0) - proj.min(axis=0)
    return float(width.max()), float(width.min())


#: the terms of the quadratic background surface, as powers (a, b) of u^a v^b
_QUADRATIC = ((0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2))


def _flatten(img: np.ndarray) -> np.ndarray:
    """``img`` less a quadratic surface fitted (twice) to its pixels below Otsu's threshold.

    u depends on the row alone and v on the column alone, so every sum of the least-squares
    normal equations, Σ over the mask of u^a v^b (and of I·u^a v^b), is a product of small
    matrices Uᵀ M V: no design matrix of six columns per pixel (a 2048² frame's was 200 MB
    and most of the time of the grain-film route, which flattens it a dozen times).
    """
    from skimage.filters import threshold_otsu

    h, w = img.shape
    U = (np.arange(h) / h - .5)[:, None] ** np.arange(5)
    V = (np.arange(w) / w - .5)[:, None] ** np.arange(5)
    out = img
    for _ in range(2):
        bg = out < threshold_otsu(out)
        if bg.sum() < len(_QUADRATIC) * 10:
            break
        mask = bg.astype(float)
        moments = U.T @ mask @ V
        weighted = U[:, :3].T @ (mask * img) @ V[:, :3]
        gram = np.array([[moments[a + c, b + d] for c, d in _QUADRATIC] for a, b in _QUADRATIC])
        coef, *_ = np.linalg.lstsq(gram, np.array([weighted[a, b] for a, b in _QUADRATIC]), rcond=None)
        surface = np.zeros((3, 3))
        for (a, b), c in zip(_QUADRATIC, coef):
            surface[a, b] = c
        out = img - U[:, :3] @ surface @ V[:, :3].T
    return out


#: bands at the top/bottom (or left/right) edge whose median lies this fraction of the
#: intensity range away from the image body and which are mostly flat are information bars
_BAR_CONTRAST, _BAR_FLAT = 0.3, 0.5
#: "flat": within this fraction of the intensity range of the band's median
_BAR_FLAT_TOL = 0.05
#: a row whose neighbour-difference noise is below this fraction of the image body's is
#: digital (burned in), not recorded: EMPS 1ecd5c901c's white text bar and its shaded rule
#: line have exactly 0 against ~3 grey levels in the image
_BAR_QUIET = 0.1
#: a candidate band whose level at least this fraction of the rest of the image shares, with
#: at least this fraction of the image's noise at that level, is plain background, not a bar.
#: The background is never a sliver: even close-packed disks leave 1 - π/(2√3) = 9.3 % of
#: the field between them; a bar's level (black or white beyond the particles) is shared by
#: ~1 % (saturated pixels), measured on the corpus (Zeiss bar: 1.1 %; margins: 11-25 %)
_MARGIN_SHARE, _MARGIN_NOISE = 0.05, 0.5
#: fragments: area below this fraction of the population median area
FRAGMENT_FRACTION = 0.25
#: the intensity term saturates at the particle plateau, so overlaps (darker in bright field,
#: brighter in HAADF) do not make a marker of their own
BRIGHT_CLIP = 1.0
#: the distance term of the watershed's marker surface saturates this many typical radii
#: deep; deeper, the surface varies only with the brightness, and at the plateau it is flat
#: (:func:`_one_seed_per_top`)
DEPTH_CAP = 1.5
#: unsplit clusters: at least this multiple of the median area and not round
CLUSTER_AREA, CLUSTER_SOLIDITY, CLUSTER_FERET = 1.5, 0.9, 1.5


def _diff_sigma(values: np.ndarray) -> float:
    """Robust scale of neighbour differences along rows: the pixel noise, blind to text edges."""
    d = np.diff(values, axis=-1).ravel()
    return robust_sigma(d) if d.size > 10 else 0.0


def _is_plain_margin(band: np.ndarray, rest: np.ndarray, rng: float) -> bool:
    """True when an edge band is more of the image background, not a burned-in bar.

    A plain margin (empty support beside a dense particle field, vacuum next to a support)
    sits at a level the image body also has and carries the same pixel noise. A burned-in bar
    is either at a level the body never reaches (black/white beyond the particles) or
    digitally flat, much quieter than the recorded background at its level.
    """
    level = float(np.median(band))
    noise = _diff_sigma(band)
    tol = max(_BAR_FLAT_TOL * rng, 2.0 * noise)
    near = np.abs(rest - level) < tol
    if near.mean() < _MARGIN_SHARE:
        return False
    # noise of the image where it shows that level: horizontal neighbours both near it
    pair = near[:, 1:] & near[:, :-1]
    if pair.sum() < 50:
        return False
    body_noise = robust_sigma(np.diff(rest, axis=1)[pair])
    return noise >= _MARGIN_NOISE * body_noise


def _edge_bands(img: np.ndarray) -> tuple[int, int]:
    """Rows to cut at the top and bottom: full-width information bars of microscope exports.

    Candidate rows are full-width, mostly flat and far from the median of the image body;
    a candidate band that is only plain background (:func:`_is_plain_margin`) is kept.
    """
    lo, hi = np.percentile(img, [0.5, 99.5])
    rng = max(hi - lo, 1e-12)
    h = img.shape[0]
    core = img[h // 4: 3 * h // 4]
    body = float(np.median(core))
    # in a dense raft the body median is the particle level, and a black bar in bright field
    # lies close to it: a level beyond the body's own extremes also marks a bar
    b_lo, b_hi = np.percentile(core, [1, 99])
    med = np.median(img, axis=1)
    tol = _BAR_FLAT_TOL * rng
    flat = np.mean(np.abs(img - med[:, None]) < tol, axis=1)
    apart = (np.abs(med - body) > _BAR_CONTRAST * rng) | (med < b_lo - tol) | (med > b_hi + tol)
    # a recorded row always carries the detector's noise; a burned-in bar is digital, its rows
    # noiseless whatever their level (shaded rule lines, grey separators at the body's level)
    body_noise = _diff_sigma(core)
    row_noise = np.array([_diff_sigma(row) for row in img])
    quiet = (row_noise <= _BAR_QUIET * body_noise) if body_noise > 0 else np.zeros(h, bool)
    is_bar = (apart | quiet) & (flat > _BAR_FLAT)
    # the image outside every candidate row (a bar at the other edge must not vouch for one)
    rest = img[~is_bar] if not is_bar.all() else img

    def run(seq, rows, levels, quiet_seq, apart_seq):
        n = 0
        for v in seq:
            if not v:
                break
            n += 1
        # the band is the rows at the edge row's level: a plain margin between a bar and
        # the particles is a candidate too, but it is image, not bar
        # (noiseless rows are bar whatever their level: a plain margin is recorded, noisy)
        if n >= 3:
            edge_level = np.median(levels[:3])
            same = (np.abs(levels[:n] - edge_level) < tol) | quiet_seq[:n]
            n = int(np.argmin(np.append(same, False)))
        # noiseless rows only extend a band: on its own a run of them can be the image's
        # darkest region quantised to a few grey levels (HAADF vacuum in an 8-bit JPEG)
        if np.count_nonzero(apart_seq[:n]) < 3:
            return 0
        # a band must be a few rows high and leave most of the image; pad over the
        # separator line and JPEG ringing at its border
        if not 3 <= n <= 0.3 * h or _is_plain_margin(rows[:n], rest, rng):
            return 0
        return n + 2

    bar_apart = apart & (flat > _BAR_FLAT)
    return (run(is_bar, img, med, quiet, bar_apart),
            run(is_bar[::-1], img[::-1], med[::-1], quiet[::-1], bar_apart[::-1]))


def _region_shape(reg):
    h, w = reg.bbox[2] - reg.bbox[0], reg.bbox[3] - reg.bbox[1]
    return h, w, reg.area / float(h * w), max(h, w) / max(min(h, w), 1)


def _annotations(binary: np.ndarray, typical_area: float):
    """Scale bars, their labels, boxes and frames among the binary objects.

    Returns (mask of annotation pixels, list of (kind, row, col) found). A scale bar is a
    solid axis-aligned rectangle at least 4× longer than thick; its label is whatever lies
    wholly within half a bar length beside it or four thicknesses above/below. A large solid
    rectangle (≥ 3× the typical particle area, extent ≥ 0.97) is a label box; an object whose
    pixels hug its bounding box is a drawn frame.
    """
    from scipy import ndimage as ndi
    from skimage.measure import regionprops

    comps, _ = ndi.label(binary)
    regs = regionprops(comps)
    mask = np.zeros(binary.shape, bool)
    found, zones = [], []
    for reg in regs:
        h, w, extent, aspect = _region_shape(reg)
        r0, c0, r1, c1 = reg.bbox
        kind = ""
        if extent >= 0.85 and aspect >= 4 and max(h, w) >= 12:
            kind = "scale bar"
            thick, length = min(h, w), max(h, w)
            if w >= h:
                zones.append((r0 - 4 * thick - 3, c0 - length // 2, r1 + 4 * thick + 3, c1 + length // 2))
            else:
                zones.append((r0 - length // 2, c0 - 4 * thick - 3, r1 + length // 2, c1 + 4 * thick + 3))
        elif extent >= 0.97 and reg.area >= 3 * typical_area and min(h, w) >= 4:
            kind = "label box"
        elif min(h, w) >= 10 and reg.area >= 20:
            inner = np.zeros((h, w), bool)
            inner[3:-3, 3:-3] = True
            rr, cc = (reg.coords - [r0, c0]).T
            if np.mean(~inner[rr, cc]) > 0.9 and extent < 0.5:
                kind = "frame"
        if kind:
            mask[tuple(reg.coords.T)] = True
            found.append((kind, float(reg.centroid[0]), float(reg.centroid[1])))
    for reg in regs:
        if mask[tuple(reg.coords[0])]:
            continue
        r0, c0, r1, c1 = reg.bbox
        if any(r0 >= z0 and c0 >= z1 and r1 <= z2 and c1 <= z3 for z0, z1, z2, z3 in zones):
            mask[tuple(reg.coords.T)] = True
            found.append(("label text", float(reg.centroid[0]), float(reg.centroid[1])))
    return mask, found


def _robust_median_area(areas: np.ndarray) -> float:
    """Median area of the single particles: drop fragments (< 25 % of the median) and re-take."""
    med = float(np.median(areas))
    for _ in range(3):
        keep = areas[areas >= FRAGMENT_FRACTION * med]
        med = float(np.median(keep)) if keep.size else med
    return med


#: the round objects that outweigh the specks: inscribed radius at least this multiple of the
#: count-based typical radius, convex (solidity) and filling this fraction of the disk of their
#: inscribed radius at most (a raft or a support lump fills more, or is concave)
ROUND_SCALE, ROUND_SOLIDITY, ROUND_FILL = 3.0, 0.9, 1.3


def _round_population(comps, inscribed, r_typ) -> float:
    """Median inscribed radius (px) of the round, isolated objects far larger than ``r_typ``
    when together they cover more of the mask than every object below that size; else 0.

    The count-based typical radius is the single particles' only while they outnumber the
    specks. Large spheres whose surface texture or shading breaks at the threshold (SEM
    raspberry spheres: hundreds of specks inside their outlines) are outnumbered; the
    particles are then the objects that hold the area and are round: an isolated particle
    fills the disk of its inscribed radius, a raft or a support lump does not.
    """
    from skimage.measure import regionprops

    big = np.flatnonzero(inscribed >= ROUND_SCALE * r_typ) + 1
    if big.size == 0:
        return 0.0
    h, w = comps.shape
    round_r, round_area = [], 0.0
    for reg in regionprops(np.where(np.isin(comps, big), comps, 0)):
        r0, c0, r1, c1 = reg.bbox
        r_in = inscribed[reg.label - 1]
        if (r0 > 0 and c0 > 0 and r1 < h and c1 < w and reg.solidity >= ROUND_SOLIDITY
                and reg.area <= ROUND_FILL * np.pi * r_in ** 2):
            round_r.append(r_in)
            round_area += reg.area
    areas = np.bincount(comps.ravel())[1:]
    small = float(areas[inscribed < ROUND_SCALE * r_typ].sum())
    return float(np.median(round_r)) if round_r and round_area > small else 0.0


def _threshold(img, smooth_px, level):
    from scipy import ndimage as ndi
    from skimage.filters import threshold_otsu

    img = _flatten(img)
    sm = ndi.gaussian_filter(img, smooth_px) if smooth_px > 0 else img
    otsu = threshold_otsu(sm)
    # Sparse particles on a textured film: Otsu then splits the background itself. The
    # background is the histogram mode; its noise is measured on the side away from the
    # particles, and no particle class may start within 6σ of it. (Only when the mode is
    # background: in dense fields the mode is the particle plateau and Otsu is sound.)
    hist, edges = np.histogram(sm, bins=512)
    mode = 0.5 * (edges[hist.argmax()] + edges[hist.argmax() + 1])
    if mode < otsu:
        below = sm[sm < mode] - mode
        if below.size > 100:
            sig = robust_sigma(np.concatenate([below, -below]))
            if np.any(sm > mode + 6 * sig):
                otsu = max(otsu, mode + 6 * sig)
    # particle level: upper quartile of the Otsu particle class, near the plateau even for
    # particles only a few pixels across whose blurred edges dominate the class
    bg_level, fg_level = np.median(sm[sm < otsu]), np.percentile(sm[sm >= otsu], 75)
    thr = bg_level + level * (fg_level - bg_level)
    return sm, float(thr), float(bg_level), float(fg_level)


#: a blob's own half-contrast level replaces the image's when the two differ by more than
#: this many σ of the smoothed background (its noise and texture)
LOCAL_LEVEL_SIGMA = 3.0
#: and by more than this fraction of the image's particle contrast
LOCAL_LEVEL_FRACTION = 0.1


#: a cluster candidate with no neck (:func:`_has_neck`), round by solidity (as convex as the
#: cluster rule asks of a single particle) and at most this multiple of the median area is
#: one large particle: a cube seen along its diagonal has a Feret ratio of √2 and more than
#: 1.8 times the disk of its inscribed radius, like a pair, but no waist. (Two touching disks
#: have solidity 0.88 and a waist, three in a triangle 0.87.)
SINGLE_SOLIDITY, SINGLE_AREA = CLUSTER_SOLIDITY, 3.0
#: distance-map saddle between two maxima, as a fraction of the lower maximum, below which
#: the object has a waist: two disks of radius r overlapping at a centre distance d have
#: √(1 − d²/4r²), 0.66 at d = 1.5 r, 0.80 at d = 1.2 r; a rectangle's ridge is flat (1)
NECK_RATIO = 0.85


#: the words that mark a polarity pass in which a top of the marker surface kept several
#: seeds (its kept polarity is measured again with one seed per top)
_LATTICE_KEPT = "tops seeded as a lattice"


def _one_seed_per_top(peaks, deep, surface, dist, dip):
    """Marker seeds with those on one top of the marker surface replaced by a single seed.

    Deeper than :data:`DEPTH_CAP` typical radii (``deep``) the distance term of the surface
    is saturated and only the brightness varies; at the plateau that is clipped too, and the
    surface is flat to its noise. ``peak_local_max`` then returns the top's pixels thinned to
    the marker spacing: a lattice of seeds, between which the watershed draws straight lines
    through one body. A top is a connected part of a deep region where the surface stands
    within ``dip`` of the region's highest value: seeds on one top have no waist between them
    within the cap and no trough of intensity (as between two touching particles). Each top
    keeps its deepest seed; a large object that is a cluster is split by the second pass on
    its own distance map. Returns the seeds and the number of tops that held more than one.
    """
    from scipy import ndimage as ndi

    regions, n = ndi.label(deep, structure=np.ones((3, 3)))
    if n == 0 or len(peaks) < 2:
        return peaks, 0
    highest = np.concatenate([[np.inf], _label_max(surface, regions, np.arange(1, n + 1))])
    tops, _ = ndi.label(deep & (surface >= highest[regions] - dip), structure=np.ones((3, 3)))
    on = tops[tuple(peaks.T)]
    crowded = int(np.sum(np.bincount(on)[1:] >= 2))
    if crowded == 0:
        return peaks, 0
    depth = dist[tuple(peaks.T)]
    # the deepest seed of each top (seeds off every top are their own group)
    group = np.where(on > 0, on, on.max() + 1 + np.arange(len(peaks)))
    order = np.lexsort((-depth, group))
    first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    return peaks[np.sort(first)], crowded


def _has_neck(dmap, peaks) -> bool:
    """True when the straight path between two distance-map maxima dips below
    :data:`NECK_RATIO` of the lower one (a waist between two bodies)."""
    peaks = peaks[np.argsort(dmap[tuple(peaks.T)])[::-1][:6]]
    for i in range(len(peaks)):
        for j in range(i + 1, len(peaks)):
            a, b = peaks[i].astype(float), peaks[j].astype(float)
            n = int(np.ceil(np.hypot(*(b - a)) * 2)) + 2
            t = np.linspace(0.0, 1.0, n)[:, None]
            rr, cc = np.round(a + t * (b - a)).astype(int).T
            if dmap[rr, cc].min() < NECK_RATIO * min(dmap[tuple(peaks[i])], dmap[tuple(peaks[j])]):
                return True
    return False


#: a watershed line across a body with no waist (:data:`NECK_RATIO`) is kept only where the
#: intensity on it differs from the two pieces' plateaus by more than this fraction of the
#: contrast. Between two particles the line is dimmer (touching spheres thin out towards
#: their contact, a gap shows the support) or darker (overlap: twice the thickness); inside
#: one particle (a rod, a peanut-shaped twin) it carries the plateau. On the EMPS masks
#: (Yildirim & Cole, J. Chem. Inf. Model. 61, 1136 (2021)) lines across one annotated
#: particle with no waist differ by |0.00-0.09| (74 on 6c52a10c75, 95 % within 0.06), lines
#: between two annotated particles with no waist by 0.10 or more (f485e2051b −0.10, −0.17:
#: overlaps; f84ce9e349, e3a800b533: +0.2 and more). The second pass reads the same step to
#: split a cluster candidate without a waist (overlaps in the corpus: −0.11 to −0.15 on
#: tem-au20-004, 6169a602a0, f485e2051b)
MERGE_DIP = 0.075


def _shared_lines(labels, dist, sm, bg_level):
    """Every line the watershed drew between two touching pieces, measured as the waist and
    intensity tests read it.

    Returns the label pairs ``p``, ``q``, the distance-map saddle on each line (its largest
    value), the intensity step across it (``dip``: the plateau of the dimmer piece, the
    median of its core, the pixels at least half its inscribed radius in, less the median
    intensity of the line's middle, where the distance is at least half the saddle, as a
    fraction of that plateau's contrast: > 0 a dimmer line, < 0 a darker one), the dimmer
    plateau's contrast and the inscribed radius of every label (indexed by label).
    """
    from scipy import ndimage as ndi

    n = int(labels.max())
    pairs, pdist, pval = [], [], []
    for a, b, da, db, va, vb in ((labels[:, :-1], labels[:, 1:], dist[:, :-1], dist[:, 1:], sm[:, :-1], sm[:, 1:]),
                                 (labels[:-1, :], labels[1:, :], dist[:-1, :], dist[1:, :], sm[:-1, :], sm[1:, :])):
        m = (a != b) & (a > 0) & (b > 0)
        lo, hi = np.minimum(a[m], b[m]), np.maximum(a[m], b[m])
        pairs.append(lo.astype(np.int64) * (n + 1) + hi)
        pdist.append(np.minimum(da[m], db[m]))
        pval.append(0.5 * (va[m] + vb[m]))
    key = np.concatenate(pairs)
    index = np.arange(n + 1)
    insc = np.asarray(_label_max(dist, labels, index), float)
    if key.size == 0:
        empty = np.zeros(0)
        return empty.astype(int), empty.astype(int), empty, empty, empty, insc
    frame = pd.DataFrame({"key": key, "d": np.concatenate(pdist), "v": np.concatenate(pval)})
    saddle = frame.groupby("key")["d"].transform("max")
    line = frame[frame["d"] >= 0.5 * saddle].groupby("key").agg(d=("d", "max"), v=("v", "median"))
    core = dist >= 0.5 * insc[labels]
    plateau = np.asarray(ndi.median(sm, np.where(core, labels, 0), index), float)
    keys = line.index.to_numpy()
    p, q = keys // (n + 1), keys % (n + 1)
    contrast = np.minimum(plateau[p], plateau[q]) - bg_level
    with np.errstate(invalid="ignore", divide="ignore"):
        dip = (contrast + bg_level - line["v"].to_numpy()) / contrast
    return p, q, line["d"].to_numpy(), dip, contrast, insc


def _join_lines(labels, p, q, join):
    """Labels with the lines between ``p[join]`` and ``q[join]`` removed (pieces joined, each
    group taking its lowest label)."""
    root = np.arange(int(labels.max()) + 1)

    def find(i):
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for a, b in zip(p[join], q[join]):
        ra, rb = find(a), find(b)
        if ra != rb:
            root[max(ra, rb)] = min(ra, rb)
    final = np.array([find(i) for i in range(root.size)])
    return final[labels]


def _merge_unwaisted(labels, dist, sm, bg_level, r_typ):
    """Undo watershed lines drawn across one particle: two pieces are joined when the
    distance map does not dip along their shared line (saddle ≥ :data:`NECK_RATIO` of the
    smaller piece's inscribed radius: no waist) and the intensity on the line's middle lies
    within :data:`MERGE_DIP` of the contrast of the dimmer piece's plateau
    (:func:`_shared_lines`). Only pieces of one particle's width are joined (inscribed
    radius ½–1½ ``r_typ``: not strokes or debris, not blobs of a textured support), and only
    from 12 px across, where a waist is resolved (as for the second pass). Returns the
    labels and the number of lines removed."""
    if int(labels.max()) < 2 or r_typ < 6:
        return labels, 0
    p, q, saddle, dip, contrast, insc = _shared_lines(labels, dist, sm, bg_level)
    small, large = np.minimum(insc[p], insc[q]), np.maximum(insc[p], insc[q])
    join = ((saddle >= NECK_RATIO * small) & (small >= 0.5 * r_typ) & (large <= 1.5 * r_typ)
            & (contrast > 0) & (np.abs(dip) <= MERGE_DIP))
    if not join.any():
        return labels, 0
    return _join_lines(labels, p, q, join), int(join.sum())


def _local_levels(sm, binary, thr, bg_level, fg_level, level, exclude):
    """Per-object edge level: each object of the low-level mask cut at ``level`` of its own
    contrast (its core's median against the background) when that differs from the image's.

    One global level cuts particles dimmer than the image's plateau (SEM spheres whose
    interior is darker than their rim, shading, a raft dimmer than isolated spheres) into
    crescents and holes. Here the objects are found at ¼ of the image's contrast, their
    plateau is the median of their core (pixels at least half the largest inscribed radius
    inside, away from rims and blurred edges), and the edge is put at ``level`` between the
    background and that plateau. The image's level is kept when both agree within
    :data:`LOCAL_LEVEL_SIGMA` σ of the background and :data:`LOCAL_LEVEL_FRACTION` of the
    contrast. Returns the binary mask, the per-pixel level and plateau maps and the number
    of objects re-cut.
    """
    from scipy import ndimage as ndi

    contrast = fg_level - bg_level
    level_map = np.full(sm.shape, thr)
    plateau_map = np.full(sm.shape, fg_level)
    if contrast <= 0:
        return binary, level_map, plateau_map, 0
    bgpix = sm[~ndi.binary_dilation(binary, iterations=2)]
    sig = robust_sigma(bgpix) if bgpix.size > 100 else 0.0
    tol = max(LOCAL_LEVEL_SIGMA * sig, LOCAL_LEVEL_FRACTION * contrast)
    support = ndi.binary_fill_holes(sm > bg_level + 0.5 * level * contrast)
    if exclude is not None:
        support &= ~exclude
    comps, n = ndi.label(support)
    if n == 0:
        return binary, level_map, plateau_map, 0
    index = np.arange(1, n + 1)
    seen = np.concatenate([[False], _label_max(binary, comps, index) > 0])
    # the single-particle radius: inscribed radii of the image-level objects, fragments left out
    blobs, nb = ndi.label(binary)
    if nb == 0:
        return binary, level_map, plateau_map, 0
    inscribed = _label_max(ndi.distance_transform_edt(binary), blobs, np.arange(1, nb + 1))
    r_hi = float(np.percentile(inscribed, 90))
    good = inscribed[inscribed >= max(0.4 * r_hi, 1.5)]
    r_typ = float(np.percentile(good, 25)) if good.size else r_hi
    # a plateau needs a core clear of the blurred edge: from 12 px across, as for the
    # profile fits; smaller particles keep the image's level
    if r_typ < 6:
        return binary, level_map, plateau_map, 0
    # each particle's core (half its radius in from the low-level edge: no rim, no blurred
    # edge; touching particles' cores are apart), its median the particle's own plateau, and
    # every pixel of the low-level mask takes the plateau of the nearest core: a dim
    # particle in a raft of bright ones keeps its own
    core = support & (ndi.distance_transform_edt(support) >= 0.5 * r_typ) & seen[comps]
    cores, nc = ndi.label(core)
    if nc == 0:
        return binary, level_map, plateau_map, 0
    own = np.concatenate([[np.nan], np.asarray(ndi.median(sm, cores, np.arange(1, nc + 1)), float)])
    gap, (ri, ci) = ndi.distance_transform_edt(cores == 0, return_indices=True)
    nearest = cores[ri, ci]
    plateau = own[nearest]
    lvl = bg_level + level * (plateau - bg_level)
    # objects too thin for a core, faint ones (support texture) and agreement with the
    # image's level keep the image's level
    with np.errstate(invalid="ignore"):
        refine = (support & seen[comps] & (gap <= 1.5 * r_typ + 2) & (plateau - bg_level > max(tol, 4 * sig))
                  & (np.abs(lvl - thr) > tol))
    if not refine.any():
        return binary, level_map, plateau_map, 0
    count = int(np.unique(nearest[refine]).size)
    level_map = np.where(refine, lvl, thr)
    plateau_map = np.where(refine, plateau, fg_level)
    out = ndi.binary_fill_holes(sm > level_map) & (support | binary)
    return out, level_map, plateau_map, count


#: Gaussian widths (px) tried when the objects found with 1 px smoothing are grain-sized; each
#: step grows σ by 1.33-1.5×, so blobs of smoothed film grain (whose size scales with σ) grow
#: by at least that much from one step to the next
GRAIN_SMOOTHING = (1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
#: a population found at smoothing σ must be at least this many σ across: R ≥ 3σ, the radius
#: from which a profile fit reads an edge (:func:`~dackit.tem.edges._profile_edges`); smaller objects are the
#: smoothing's own blobs of grain, or particles the smoothing blurs away
GRAIN_SCALE = 6.0
#: and keep its size within this fraction at the next σ: particles' half-contrast outlines do not
#: move with the blur, grain blobs grow with σ (≥ 33 % a step, :data:`GRAIN_SMOOTHING`)
GRAIN_STABILITY = 0.2


def _typical_diameter(img, smooth_px) -> float:
    """Count-median equivalent diameter (px) of the objects above the image's threshold at
    half contrast after smoothing by ``smooth_px``: the grain's specks when they outnumber
    the particles."""
    from scipy import ndimage as ndi

    sm, thr, _, _ = _threshold(img, smooth_px, 0.5)
    comps, _ = ndi.label(ndi.binary_fill_holes(sm > thr))
    areas = np.bincount(comps.ravel())[1:]
    return float(2 * np.sqrt(np.median(areas) / np.pi)) if areas.size else 0.0


def _grain_smoothing(img) -> float | None:
    """The smallest σ of :data:`GRAIN_SMOOTHING` at which the objects are a population of
    particles rather than film grain (:data:`GRAIN_SCALE`, :data:`GRAIN_STABILITY`); None if
    no σ gives one. ``img`` has its particles bright."""
    # σ by σ, each smoothing at most once: the first σ that passes ends the search
    d = _typical_diameter(img, GRAIN_SMOOTHING[0])
    for s, s_next in zip(GRAIN_SMOOTHING, GRAIN_SMOOTHING[1:]):
        d_next = _typical_diameter(img, s_next)
        if d >= GRAIN_SCALE * s and abs(d_next / d - 1) <= GRAIN_STABILITY:
            return s
        d = d_next
    return None


def _on_grainy_film(image, det, kw) -> Detection:
    """Particles measured at the smoothing at which they stand out of a grainy film, when the
    default (1 px) found only objects below :data:`MIN_PX_ACROSS` (the film's grain: a carbon
    film's phase-contrast speckle is 1-3 px and as contrasted, pixel by pixel, as the
    particles). Either polarity when the contrast is auto (the grain fooled the choice); the
    one whose accepted particles cover more of the image is kept. Doubtful: found this way,
    the particles stand only a few grain σ above the film."""
    from dataclasses import replace

    accepted = det.table.loc[det.table["accepted"], "area_px"].to_numpy(float)
    d_old = 2 * np.sqrt(np.median(accepted) / np.pi) if accepted.size else 0.0
    if d_old >= MIN_PX_ACROSS:
        return det
    # cut and normalised as :func:`_detect` does, so that the thresholds are those it will use
    body = _unit_range(_without_bars(image.data.astype(float))[1])
    found = {}
    for c in ((kw["contrast"],) if kw["contrast"] != "auto" else ("bright", "dark")):
        s = _grain_smoothing(body if c == "bright" else -body)
        if s is None:
            continue
        try:
            found[c] = (s, _detect(image, **{**kw, "contrast": c, "smooth_px": s}))
        except InputError:
            continue
    if not found:
        return det
    cover = {c: float(np.sum(d.table.loc[d.table["accepted"], "area_px"])) for c, (_, d) in found.items()}
    best = max(cover, key=lambda c: cover[c])
    s, grainy = found[best]
    doubt = (f"with 1 px smoothing the objects were {d_old:.1f} px across, the film's grain; {best} "
             f"particles measured after smoothing by σ = {s:g} px, where a population at least "
             f"{GRAIN_SCALE:g}σ across keeps its size as σ grows: check the outlines (--plot DIR)")
    return replace(grainy, verdict=grainy.verdict.plus(doubts=[doubt]))


def detect_particles(image, pixel_nm=None, *, contrast="auto", level=None, smooth_px=None,
                     min_diameter_nm=None, min_solidity=0.85, exclude_edge=True,
                     split=True) -> Detection:
    """Find and measure particles; see the module docstring for the method.

    ``image`` is a :class:`~dackit.tem.io.TemImage` or a 2D array (then ``pixel_nm`` is needed).
    The returned :class:`Detection` carries a ``verdict`` whose notes count the objects
    rejected and why, name excluded annotation and check the size distribution.

    ``level=None`` segments at half the contrast and measures each particle at the edge of a
    fitted radial profile (blurred disk or projected sphere, see the module docstring); when
    moving the edge between ¼ and ¾ of the contrast changes the mean by more than
    :data:`~dackit.tem.edges.BOUNDARY_TOLERANCE`, the result is doubtful: where an observer draws a blurred edge
    varies by about that much. A ``level`` given by the caller states the edge, the threshold
    at that level gives the sizes, and the sensitivity is then only reported.

    Parameters
    ----------
    image : TemImage or array_like
        The image (a 2D array needs ``pixel_nm``).
    pixel_nm : float, optional
        Pixel size in nm; taken from a TemImage when None.
    contrast : {"auto", "bright", "dark"}, default 'auto'
        Particles brighter (HAADF) or darker (bright field) than the background; ``"auto"``
        decides.
    level : float, optional
        Threshold between background (0) and particle (1) levels; None segments at 0.5,
        sizes from the fitted profiles and checks the edge sensitivity (see above).
    smooth_px : float, optional
        σ in pixels of the Gaussian smoothing before thresholding. None: 1 px, or, when the
        objects found so are below 8 px across (a grainy film's speckle), the smallest σ at
        which a population at least 6σ across keeps its size (:func:`_on_grainy_film`).
    min_diameter_nm : float, optional
        Smaller objects are rejected; a default from the pixel size when None.
    min_solidity : float, default 0.85
        Objects less convex than this (area / convex-hull area) are not single particles.
    exclude_edge : bool, default True
        Reject objects touching the image edge.
    split : bool, default True
        Split touching particles by a watershed.

    Examples
    --------
    >>> from dackit.tem.simulate import simulate_tem
    >>> sim = simulate_tem(30, 8.0, 0.5, 0.5, touching_fraction=0.0, seed=2)
    >>> det = detect_particles(sim.image, 0.5, contrast="bright", level=0.5)  # simulated disks
    >>> det.n, det.verdict.quality
    (30, 'ok')
    """
    if not isinstance(image, TemImage):
        image = make_tem_image(image, pixel_nm)
    elif pixel_nm is not None:
        image = make_tem_image(image.data, pixel_nm, metadata=image.metadata, source=image.source)
    kw = dict(contrast=contrast, level=level, smooth_px=1.0 if smooth_px is None else smooth_px,
              min_diameter_nm=min_diameter_nm, min_solidity=min_solidity, exclude_edge=exclude_edge,
              split=split)
    det = _detect(image, **kw)
    if det.contrast == "bright" and not any(_SUPPORT_TAKEN in n for n in det.verdict.notes):
        det = _lumpy_support_check(image, det, kw)
    if smooth_px is None:
        det = _on_grainy_film(image, det, kw)
    if contrast == "auto":
        det = _interstice_check(det, smooth_px)
    return det


def _detect(image, pixel_nm=None, *, contrast="auto", level=None, smooth_px=1.0,
            min_diameter_nm=None, min_solidity=0.85, exclude_edge=True, split=True,
            one_seed_per_top=True) -> Detection:
    from scipy import ndimage as ndi
    from skimage.feature import peak_local_max
    from skimage.filters import threshold_otsu
    from skimage.measure import regionprops
    from skimage.segmentation import watershed

    if not isinstance(image, TemImage):
        image = make_tem_image(image, pixel_nm)
    elif pixel_nm is not None:
        image = make_tem_image(image.data, pixel_nm, metadata=image.metadata, source=image.source)
    pre = where(image.source)
    if contrast not in CONTRASTS:
        raise InputError(f"{pre}contrast {contrast!r} unknown; use one of {CONTRASTS}")
    level_given = level is not None
    level = 0.5 if level is None else float(level)
    if not 0 < level < 1:
        raise InputError(f"{pre}level {level} must lie between 0 and 1")
    px = image.pixel_nm
    full = image.data.astype(float)
    H, W = full.shape
    info: list[str] = []
    doubts: list[str] = []

    # information bars are cut first: they would skew every level computed below
    (top, bottom, left, right), img = _without_bars(full)
    if top or bottom or left or right:
        parts = [f"{n} rows at the {s}" for n, s in ((top, "top"), (bottom, "bottom")) if n]
        parts += [f"{n} columns at the {s}" for n, s in ((left, "left"), (right, "right")) if n]
        info.append("information bar excluded (" + ", ".join(parts) + ")")
    if min(img.shape) < 16:
        raise InputError(f"{pre}nothing left after removing the information bars")
    img = _unit_range(img)

    if contrast == "auto":
        mode = " ".join(str(v) for v in image.metadata.values()).upper()
        if "STEM" in mode or "HAADF" in mode or "SCANNING" in mode:
            contrast = "bright"
        else:
            sm = ndi.gaussian_filter(img, smooth_px)
            frac = float(np.mean(sm > threshold_otsu(sm)))
            lo, hi = AMBIGUOUS_FRACTION
            if lo <= frac <= hi:
                return _both_polarities(image, frac, level=None if not level_given else level,
                                        smooth_px=smooth_px, min_diameter_nm=min_diameter_nm,
                                        min_solidity=min_solidity, exclude_edge=exclude_edge, split=split)
            contrast = "bright" if frac < 0.5 else "dark"
    if contrast == "dark":
        img = -img
    sm, thr, bg_level, fg_level = _threshold(img, smooth_px, level)
    binary = ndi.binary_fill_holes(sm > thr)
    comps, ncomp = ndi.label(binary)
    if ncomp == 0:
        raise InputError(f"{pre}no particles found above the background; check --contrast")
    typical = _robust_median_area(np.bincount(comps.ravel())[1:].astype(float))
    annot, found = _annotations(binary, typical)
    if annot.any():
        # annotation is set to the background and the levels recomputed without it
        grown = ndi.binary_dilation(annot, iterations=2)
        img = np.where(grown, np.median(img[~grown]), img)
        sm, thr, bg_level, fg_level = _threshold(img, smooth_px, level)
        binary = ndi.binary_fill_holes(sm > thr) & ~grown
        for kind, r, c in found:
            if kind != "label text":
                info.append(f"{kind} at row {r + top:.0f}, column {c + left:.0f} excluded")
        n_text = sum(k == "label text" for k, _, _ in found)
        if n_text:
            info.append(f"{n_text} object(s) of the label beside the scale bar excluded")
    min_d_px = 3.0 if min_diameter_nm is None else max(float(min_diameter_nm) / px, 1.0)
    level_map = np.full(sm.shape, thr)
    plateau_map = np.full(sm.shape, fg_level)
    if not level_given:
        binary, level_map, plateau_map, n_local = _local_levels(
            sm, binary, thr, bg_level, fg_level, level, None if not annot.any() else grown)
        if n_local:
            info.append(f"{n_local} object(s) cut at their own half contrast (their plateau differs "
                        "from the image's: shading, uneven brightness)")
    comps, ncomp = ndi.label(binary)
    if ncomp == 0:
        raise InputError(f"{pre}no particles found above the background; check --contrast")

    dist = ndi.distance_transform_edt(binary)
    inscribed = _label_max(dist, comps, np.arange(1, ncomp + 1))
    # clusters share the inscribed radius of their members; fragments are dropped by the
    # 0.4·(90th percentile) floor, so the median is the radius of one particle
    r_hi = float(np.percentile(inscribed, 90))
    good = inscribed[inscribed >= max(0.4 * r_hi, min_d_px / 2)]
    r_typ = float(np.percentile(good, 25)) if good.size else r_hi
    r_round = _round_population(comps, inscribed, r_typ)
    if r_round:
        # the specks counted were texture: below half the round objects' diameter they are
        # fragments (as FRAGMENT_FRACTION of their area), and the typical radius is re-read
        min_d_px = max(min_d_px, r_round)
        good = inscribed[inscribed >= max(0.4 * r_hi, min_d_px / 2)]
        r_typ = float(np.percentile(good, 25)) if good.size else r_round
        doubts.append(f"most objects by number are specks (typical radius {r_hi:.1f} px at the 90th "
                      f"percentile), yet round objects of {r_round:.0f} px radius hold more of the "
                      "particle area than all of them: the specks are taken as texture or shading "
                      f"of the large particles and objects below {r_round:.0f} px across are not "
                      "counted; if the sample has two populations give --min-diameter-nm")
    if split:
        # Markers from distance and intensity together: distance separates touching flat
        # (disk-like) particles, intensity the dense packings of projected spheres whose
        # binary mask has no neck.
        bright = np.clip((sm - level_map) / np.maximum(plateau_map - level_map, 1e-12), 0, BRIGHT_CLIP)
        surface = ndi.gaussian_filter(np.minimum(dist / r_typ, DEPTH_CAP) + bright, max(0.15 * r_typ, 0.5))
        peaks = peak_local_max(surface, min_distance=max(1, round(0.6 * r_typ)),
                               threshold_abs=0.3, labels=comps, exclude_border=False)
        # a trough of MERGE_DIP of the contrast, in the brightness term's units (the plateau
        # stands 1 - level of the contrast above the edge level)
        one_each, n_tops = _one_seed_per_top(peaks, dist >= DEPTH_CAP * r_typ, surface, dist,
                                             MERGE_DIP / (1 - level))
        if n_tops and one_seed_per_top:
            peaks = one_each
            info.append(f"{n_tops} top(s) of the marker surface (deeper than {DEPTH_CAP:g} typical "
                        "radii, no trough of intensity) seeded once: not sliced into a lattice")
        elif n_tops:
            info.append(_LATTICE_KEPT)
        markers = np.zeros_like(comps)
        markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
        # blobs without a marker keep their own label
        unmarked = np.setdiff1d(np.arange(1, ncomp + 1), np.unique(comps[tuple(peaks.T)]))
        boxes = ndi.find_objects(comps)
        for k, lab in enumerate(unmarked, start=len(peaks) + 1):
            bb = boxes[lab - 1]
            markers[bb][comps[bb] == lab] = k
        labels = watershed(-surface, markers, mask=binary)
        pieces_ws = labels
        labels, n_joined = _merge_unwaisted(labels, dist, sm, bg_level, r_typ)
        joined_mask = labels != pieces_ws
        if n_joined:
            info.append(f"{n_joined} watershed line(s) across a body without a waist or a change of "
                        "intensity removed (one particle: rod, twin)")
    else:
        labels = comps
        pieces_ws, n_joined = comps, 0

    def measure(labels):
        h, w = labels.shape
        lab_dist = ndi.distance_transform_edt(labels > 0)
        # per-label sums in C: a dense SEM field's wrong polarity has tens of thousands of specks
        index = np.unique(labels[labels > 0])
        if index.size == 0:
            raise InputError(f"{pre}no particle candidates found; check --contrast and --pixel-nm")
        area = ndi.sum_labels(np.ones(labels.shape), labels, index)
        centre = np.array(ndi.center_of_mass(np.ones(labels.shape), labels, index)).reshape(-1, 2)
        inscribed = _label_max(lab_dist, labels, index)
        boxes = ndi.find_objects(labels)
        # a cut-off information bar is an image edge too
        edge = np.array([exclude_edge and (boxes[k - 1][0].start == 0 or boxes[k - 1][1].start == 0
                                           or boxes[k - 1][0].stop == h or boxes[k - 1][1].stop == w)
                         for k in index], dtype=bool)
        d_px = 2 * np.sqrt(area / np.pi)
        big_enough = ~edge & (d_px >= min_d_px)
        med = _robust_median_area(area[big_enough]) if big_enough.any() else float(np.median(area))
        # shape only where it can matter: a fragment is rejected whatever its shape
        shaped = (d_px >= min_d_px) & (area >= FRAGMENT_FRACTION * med)
        fmax, fmin, solidity = d_px.copy(), d_px.copy(), np.ones_like(area)
        regs = {r.label: r for r in regionprops(np.where(np.isin(labels, index[shaped]), labels, 0))}
        for i in np.flatnonzero(shaped):
            reg = regs[int(index[i])]
            fmax[i], fmin[i] = _feret(reg.coords.astype(float))
            solidity[i] = reg.solidity
        rows = {"label": index, "row": centre[:, 0] + top, "col": centre[:, 1] + left,
                "area_px": area, "area_nm2": area * px * px, "diameter_nm": d_px * px,
                "feret_max_nm": fmax * px, "feret_min_nm": fmin * px, "solidity": solidity,
                "inscribed_px": inscribed, "reason": np.where(edge, "edge", "")}
        table = pd.DataFrame(rows)
        ratio = (table["feret_max_nm"] / table["feret_min_nm"].clip(lower=px)).to_numpy()
        return table, area, d_px, med, ratio

    table, area, d_px, med, ratio = measure(labels)
    # cluster candidates the second pass found to be one body (no waist, no step of intensity)
    single: set[int] = set()
    if split:
        # second pass: clusters (≥ 1.5× the median area, not round) are split again on their
        # own distance transform with the marker spacing of one median particle
        r_med = np.sqrt(med / np.pi)
        sol = table["solidity"].to_numpy()
        todo = table["label"].to_numpy()[(area >= CLUSTER_AREA * med)
                                         & ((sol < CLUSTER_SOLIDITY) | (ratio > CLUSTER_FERET)
                                            | (area > 1.8 * np.pi * table["inscribed_px"].to_numpy() ** 2))]
        nxt = int(labels.max()) + 1
        boxes = ndi.find_objects(labels)
        labels = labels.copy()
        for lab in todo:
            # work in the object's box (padded) so that large images stay fast
            bb = boxes[lab - 1]
            bb = tuple(slice(max(s.start - 2, 0), s.stop + 2) for s in bb)
            sub = labels[bb] == lab
            edt = ndi.distance_transform_edt(sub)
            dsub = ndi.gaussian_filter(edt, max(0.1 * r_med, 0.5))
            pk = peak_local_max(dsub, min_distance=max(1, round(0.5 * r_med)),
                                threshold_abs=0.35 * r_med, labels=sub.astype(int), exclude_border=False)
            if len(pk) < 2:
                # one distance maximum: one body (from 12 px across, as below)
                if r_med >= 6:
                    single.add(int(lab))
                continue
            mk = np.zeros(sub.shape, int)
            mk[tuple(pk.T)] = np.arange(1, len(pk) + 1)
            pieces = watershed(-dsub, mk, mask=sub)
            if not _has_neck(dsub, pk):
                # no waist: one convex body (a large cube seen along a diagonal, a rod),
                # unless the intensity steps across a line between two pieces of one
                # particle's width as it does between two particles and not inside one
                # (:data:`MERGE_DIP`: an overlap, darker; touching spheres, dimmer; the
                # pieces as :func:`_merge_unwaisted` reads them). Only said of particles
                # ≥ 12 px across: below, a pair's waist is a pixel or two and the distance
                # map cannot show it
                if r_med < 6:
                    continue
                p, q, _, dip, lift, insc = _shared_lines(pieces, edt, sm[bb], bg_level)
                step = ((lift > 0) & (np.abs(dip) > MERGE_DIP) & (np.minimum(insc[p], insc[q]) >= 0.5 * r_typ)
                        & (np.maximum(insc[p], insc[q]) <= 1.5 * r_typ))
                pieces = _join_lines(pieces, p, q, ~step)
                if np.unique(pieces[sub]).size < 2:
                    single.add(int(lab))
                    continue
            _, piece = np.unique(pieces[sub], return_inverse=True)
            labels[bb][sub] = piece + nxt
            nxt += int(piece.max()) + 1
        if len(todo):
            table, area, d_px, med, ratio = measure(labels)
    sol = table["solidity"].to_numpy()
    disk = np.pi * table["inscribed_px"].to_numpy() ** 2
    thin = area > 3 * disk
    # a round particle fills the disk of its inscribed radius; a compact clump of three or
    # more (one distance maximum, nothing to split on) holds ≥ 2× that area
    plump = area > 1.8 * disk
    reasons = table["reason"].to_numpy(dtype=object)
    labs = table["label"].to_numpy()
    for i in range(len(table)):
        if reasons[i]:
            continue
        if d_px[i] < min_d_px or area[i] < FRAGMENT_FRACTION * med:
            reasons[i] = "fragment"
        elif (area[i] >= CLUSTER_AREA * med and (sol[i] < CLUSTER_SOLIDITY or ratio[i] > CLUSTER_FERET
                                                 or plump[i])
              and not (labs[i] in single and sol[i] >= SINGLE_SOLIDITY and area[i] <= SINGLE_AREA * med)):
            reasons[i] = "cluster"
        elif sol[i] < min_solidity:
            reasons[i] = "cluster" if area[i] >= 1.3 * med else "shape"
        elif thin[i] and table["inscribed_px"].iat[i] < 0.5 * r_typ:
            reasons[i] = "thin"
    if split:
        # the same test on the watershed's own pieces, before lines across one body were
        # removed: joining two pieces of a letter's stroke must not clear the rest of it
        # (a component joined into one body is one particle, not an overlap)
        parent = _label_max(comps, labels, table["label"].to_numpy()).astype(int)
        overlap_ws: dict[int, bool] = {}
        if n_joined:
            a_ws = np.bincount(pieces_ws.ravel())
            med_ws = _robust_median_area(a_ws[1:][a_ws[1:] > 0].astype(float))
            own = _label_max(comps, pieces_ws, np.arange(a_ws.size))
            for g in np.unique(comps[joined_mask]):
                k = np.flatnonzero((own == g) & (a_ws > 0))
                k = k[k > 0]
                overlap_ws[int(g)] = bool(k.size >= 3 and a_ws[k].mean() < 0.8 * med_ws
                                          and np.sum(parent == g) >= 2)
        # a cluster of three or more whose pieces are smaller than a median particle is an
        # overlap: the
        # particles hide each other and no piece has its true size
        for g in np.unique(parent):
            sel = parent == g
            if (sel.sum() >= 3 and area[sel].mean() < 0.8 * med) or overlap_ws.get(int(g), False):
                reasons[sel & (reasons == "")] = "overlap"
    table["reason"] = reasons
    table["accepted"] = table["reason"] == ""
    if not table["accepted"].any():
        raise InputError(f"{pre}no particle passed the edge/size/shape checks "
                         f"({len(table)} candidates); check --contrast and --pixel-nm")
    rejected = table.loc[~table["accepted"], "label"].to_numpy()
    kept = np.where(np.isin(labels, rejected), 0, labels)
    # the ¼–¾ sensitivity stays the gate for "ok" with the default edge: the fitted profile
    # gives a better mean on average, but where the edge is several pixels wide against the
    # size, where an observer draws it varies by about that much (EMPS outlines: ¼–½ of the
    # contrast from image to image)
    _boundary_check(sm, kept, table, bg_level, fg_level, px, doubts if not level_given else info, info)
    edges = None if level_given else _profile_edges(sm, kept, table, img)
    if isinstance(edges, dict):
        doubts.append(f"only {edges['n_fit']} of {edges['n_tried']} particle profiles could be fitted; "
                      "the edge is not well defined and stays at half the contrast: give --level")
    elif edges is not None:
        table = _apply_profile_edges(table, edges, px, doubts, info)
    elif not level_given:
        info.append("edge at half the contrast: the particles are too small or too blurred "
                    "for a fit of their profiles (R < 3 px or R < 3σ), or fewer than 5 fitted")
    full_labels = np.zeros((H, W), dtype=kept.dtype)
    full_labels[top:H - bottom, left:W - right] = kept
    verdict = _verdict(table, med, px, image, doubts, info)
    return Detection(full_labels, table, px, contrast, float(thr), image.data, image.source,
                     verdict, image.calibration)


#: the nearest-neighbour distances of objects on a lattice spread (interquartile range over
#: median) by at most this much: positions within ±5 % of the period. The interstices of a
#: close-packed monolayer sit on the dual lattice of the particles (numpy-built square arrays
#: of touching discs: 0.02; PbS square superlattice ksl-pbs: 0.05); dispersed particles spread
#: by 0.2-1.2 (EMPS corpus), but ordered patches of touching particles come close (EMPS
#: e3a800b533 0.110, 6169a602a0 0.115, 97e645b56e 0.135): geometry alone does not part the
#: two, so this only makes the result doubtful, never changes it
LATTICE_SPREAD = 0.10
#: fewest objects from which a lattice is read
LATTICE_MIN_COUNT = 30
#: the least support equal discs can leave between them: 1 − π/(2√3) of the frame at
#: hexagonal close packing. A minority class covering less is not a packing's gaps: a sparse
#: lattice of separated particles (tests/test_tem_annotation.py's 6 × 6 grid of 24 px disks
#: at 80 px is regular to its noise)
PACKING_MIN_GAP = 1 - np.pi / (2 * np.sqrt(3))


def _interstice_check(det, smooth_px) -> Detection:
    """A doubt naming the interstices when the minority class's objects sit on a lattice.

    In a close-packed monolayer the particles cover most of the frame and the minority
    Otsu class is the support showing between them: its objects are the interstices, on
    the lattice dual to the particles', as regular as the packing. A binary image of
    interstices is the complement of one of particles of the same period, so segmentation
    alone cannot say which phase is the particles; an ordered superlattice of particles
    spaced by wide ligand shells looks the same. Dispersed particles are not on a lattice.

    Parameters
    ----------
    det : Detection
        The result of an automatic contrast choice, after every re-detection.
    smooth_px : float or None
        The smoothing asked for (None: 1 px), as :func:`_detect` reads the Otsu classes.
    """
    from dataclasses import replace

    from scipy import ndimage as ndi
    from scipy.spatial import cKDTree
    from skimage.filters import threshold_otsu

    acc = det.table[det.table["accepted"]]
    if len(acc) < LATTICE_MIN_COUNT:
        return det
    # the Otsu classes as :func:`_detect` reads them: are the objects measured the minority?
    sm = ndi.gaussian_filter(_unit_range(_without_bars(det.image.astype(float))[1]),
                             1.0 if smooth_px is None else smooth_px)
    frac = float(np.mean(sm > threshold_otsu(sm)))
    share = frac if det.contrast == "bright" else 1 - frac
    if not PACKING_MIN_GAP <= share < AMBIGUOUS_FRACTION[0]:
        # measured by the minority rule only: from 25 % both polarities were compared
        return det
    pts = acc[["row", "col"]].to_numpy(dtype=float)
    nn = cKDTree(pts).query(pts, 2)[0][:, 1]
    q1, med, q3 = np.percentile(nn, [25, 50, 75])
    spread = (q3 - q1) / med
    if spread > LATTICE_SPREAD:
        return det
    other = "dark" if det.contrast == "bright" else "bright"
    doubt = (f"the {len(acc)} objects measured ({det.contrast}, the minority: {share:.0%} of the image) sit "
             f"on a regular lattice (nearest-neighbour distance {med:.1f} px, spread {spread:.2f}): they "
             f"may be the interstices between close-packed {other} particles, whose gaps show the "
             "support, rather than particles; if the particles are the majority, measure them with "
             f"--contrast {other} and check the outlines (--plot DIR)")
    return replace(det, verdict=det.verdict.plus(doubts=[doubt]))


#: Otsu's bright class covering a fraction of the image in this range says nothing about
#: which phase is the minority: dense rafts of bright spheres (SEM) and of dark crystals
#: (bright field) both fall here
AMBIGUOUS_FRACTION = (0.25, 0.75)
#: with an ambiguous histogram, the kept polarity's accepted particles must cover at least
#: this multiple of the other polarity's: in a dense raft the wrong polarity yields the
#: interstices, mostly rejected (NanoparticlesSAM SEM rafts: 40 % against 1 %, 19 % against
#: 2 %); supported-catalyst HAADF JPEGs (ArdaGen) give 1 against 1 %, 10 against 7 %,
#: 18 against 10 %: their support is as contrasted as the particles
CONTRAST_MARGIN = 2.0


def _both_polarities(image, frac, **kw) -> Detection:
    """Detect with both contrasts and keep the one whose accepted particles cover more area.

    With the wrong polarity the "particles" are the interstices between the real ones:
    small, irregular, mostly rejected as fragments or clusters, and covering a small part of
    the image; the real particles of a dense field cover most of it. The choice and both
    areas go into the notes.
    """
    results = {}
    for c in ("bright", "dark"):
        try:
            results[c] = _detect(image, contrast=c, one_seed_per_top=False, **kw)
        except InputError:
            continue
    if not results:
        raise InputError(f"{where(image.source)}no particles found with either contrast; "
                         "check the image and --pixel-nm")
    cover = {c: float(np.sum(det.table.loc[det.table["accepted"], "area_px"])) / det.labels.size
             for c, det in results.items()}
    best = max(cover, key=lambda c: cover[c])
    other = ", ".join(f"{cover[c]:.0%} with {c}" for c in cover if c != best) or "nothing with the other"
    note = (f"contrast auto: {frac:.0%} of the image is in the bright class, no clear minority; "
            f"{best} particles kept, their accepted particles cover {cover[best]:.0%} of the image "
            f"({other}); give --contrast if that is wrong")
    doubts = []
    support = None
    runner_up = max((cover[c] for c in cover if c != best), default=0.0)
    if cover[best] < CONTRAST_MARGIN * runner_up:
        # the wrong polarity finds the interstices, mostly rejected; when it finds about as
        # much as the chosen one, the background has structure of the particles' scale and
        # contrast (a catalyst support, a grainy film) and contrast alone does not say
        # which objects are particles
        doubts.append(f"both contrasts find particle-like objects ({cover[best]:.0%} of the image "
                      f"{best}, {runner_up:.0%} the other): the background (support, film) has "
                      "contrast comparable to the particles', or the gaps between packed particles "
                      "look like particles; contrast alone does not say which objects are particles: "
                      "give --contrast and check the outlines (--plot DIR)")
        # the disk is checked against the flat model's particles only when they were bright,
        # as the top-hat's are: dark ones are other objects (ArdaGen Ru3's support gaps)
        support = _on_lumpy_support(image, kw, results[best] if best == "bright" else None)
    if support is not None:
        det, support_note = support
        note += "; " + support_note
    elif any(_LATTICE_KEPT in n for n in results[best].verdict.notes):
        # the choice is made on passes seeded as :data:`CONTRAST_MARGIN` was measured (a
        # lattice on flat tops: the wrong polarity's wide regions of support or film fall
        # into slivers and are rejected); the kept polarity is measured with one seed per top
        det = _detect(image, contrast=best, **kw)
    else:
        det = results[best]
    return Detection(det.labels, det.table, det.pixel_nm, det.contrast, det.threshold, det.image,
                     det.source, det.verdict.plus(doubts=doubts, info=[note]), det.calibration)


def _unit_range(data: np.ndarray) -> np.ndarray:
    """``data`` less its median, over its 0.5–99.5 percentile range: the scale every level
    of the detection is set on."""
    return (data - np.median(data)) / max(np.percentile(data, 99.5) - np.percentile(data, 0.5), 1e-12)


def _without_bars(full: np.ndarray):
    """((top, bottom, left, right) rows and columns of information bars, the image without them)."""
    top, bottom = _edge_bands(full)
    left, right = _edge_bands(full.T)
    H, W = full.shape
    return (top, bottom, left, right), full[top:H - bottom, left:W - right]


def _normalised(image) -> np.ndarray:
    return _unit_range(image.data.astype(float))


def _on_tophat(image, data, radius, kw):
    """Bright particles detected on ``data`` minus its opening by a disk of ``radius`` px, with
    the original image kept for plots; None when nothing is found there."""
    from dataclasses import replace

    from dackit.tem.background import subtract_support

    flat = make_tem_image(subtract_support(data, radius), image.pixel_nm, calibration=image.calibration,
                          metadata=image.metadata, source=image.source)
    try:
        det = _detect(flat, **{**kw, "contrast": "bright"})
    except InputError:
        return None
    return replace(det, image=image.data)


#: the words that mark a top-hat measurement in its notes: such a result is not measured twice
_SUPPORT_TAKEN = "the support was taken as the background"


def _support_note(radius) -> str:
    return (f"{_SUPPORT_TAKEN}: bright particles measured on the image minus "
            f"its opening by a disk of {radius} px, the radius at which the particles leave the "
            "top-hat whole")


def _on_lumpy_support(image, kw, flat):
    """Bright particles on a support as contrasted as they are (HAADF of a supported catalyst):
    detect them on the top-hat whose disk radius is read from the image
    (:mod:`dackit.tem.background`). None when no scale is found, when the disk is narrower
    than the bright particles the flat model found (``flat``, or None;
    :data:`SUPPORT_SCALE_MARGIN`), or when the top-hat finds nothing.

    Used where both polarities found particle-like objects; the result stays doubtful (the
    doubt that sent it here is kept).
    """
    from dackit.tem.background import particle_scale

    data = _normalised(image)
    radius = particle_scale(data)
    if radius is None or (flat is not None and _wider_than_disk(flat, radius)):
        return None
    det = _on_tophat(image, data, radius, kw)
    return None if det is None else (det, _support_note(radius))


#: the support (the opening at the particles' scale, less a quadratic surface) varying over
#: more than this fraction of the particles' top-hat contrast (5th to 95th percentile against
#: the top-hat's 99.5th): one global threshold at half the contrast then lies within the
#: support's own range and cuts support and particles together. Corpus: EMPS films and rafts
#: 0.04-0.26, ArdaGen PtCo 0.10; ArdaGen Cu4 1.2, Pt2 3.9, Ru4 2.6; numpy lumps 0.8-2.5
SUPPORT_LUMPINESS = 0.5
#: the support scale must not be smaller than the particles the flat model found (at least
#: :data:`MIN_FLAT_FOR_SCALE` of them): a disk
#: narrower than a particle cuts it (EMPS a45586af89: a grainy film gives 10 px against
#: particles of 35; its top-hat keeps 3 of 21)
SUPPORT_SCALE_MARGIN = 1.5
#: flat-model particles enough for their median to bound the support scale. Not
#: :data:`MIN_COUNT`: nine bright discs of 25 px on a flat, noisy background (a sparse field,
#: tests/test_tem_sweep.py) were measured right by the flat model, then replaced by the top-hat
#: of an 8 px disk (the noise set the scale) that cut them to one particle
MIN_FLAT_FOR_SCALE = 3


def _wider_than_disk(det, radius) -> bool:
    """The flat model's particles are wider than :data:`SUPPORT_SCALE_MARGIN` times the
    top-hat disk: the disk would cut them (the support scale then read texture on them: SEM
    raspberry spheres of 112 px gave a disk of 16 px)."""
    # (a population: a handful of objects from the flat model are support lumps themselves)
    d_flat = float(np.median(det.diameters_nm)) / det.pixel_nm if det.n >= MIN_FLAT_FOR_SCALE else 0.0
    return d_flat > SUPPORT_SCALE_MARGIN * radius


def _lumpy_support_check(image, det, kw) -> Detection:
    """Bright particles whose support varies by more than :data:`SUPPORT_LUMPINESS` of their
    contrast are measured on the top-hat (:mod:`dackit.tem.background`), doubtful."""
    from scipy import ndimage as ndi

    from dackit.tem.background import particle_scale, support_level

    data = _normalised(image)
    radius = particle_scale(data)
    if radius is None:
        return det
    sm = ndi.gaussian_filter(_flatten(data), 1.0)
    bg = support_level(sm, radius)
    top = float(np.percentile(sm - bg, 99.5))
    lumps = float(np.percentile(bg, 95) - np.percentile(bg, 5)) / max(top, 1e-12)
    if lumps <= SUPPORT_LUMPINESS:
        return det
    if _wider_than_disk(det, radius):
        return det
    sup = _on_tophat(image, data, radius, kw)
    if sup is None:
        return det
    doubt = (f"the support varies by {lumps:.1f}x the particles' contrast (lumpy support or film): "
             "no global threshold separates them; measured on the top-hat, whose residue of the "
             "support may still enter the outlines: check them (--plot DIR)")
    return Detection(sup.labels, sup.table, sup.pixel_nm, sup.contrast, sup.threshold, sup.image,
                     sup.source, sup.verdict.plus(doubts=[doubt], info=[_support_note(radius)]),
                     sup.calibration)


#: a mean from fewer particles is not a population mean
MIN_COUNT = 10
#: below this many pixels across, the boundary level decides the size (blur, pixelation)
MIN_PX_ACROSS = 8


def _calibration_notes(image, doubts, info) -> None:
    """Where the pixel size came from; a scale bar's is checked against the file's own. Also
    which page of a multi-page TIFF was measured."""
    pages = image.metadata.get("tiff_pages")
    if pages:
        info.append(f"the TIFF holds {pages} images of this size and shape; one was measured (the first "
                    "grey page): save each page as its own file to measure the others")
    if image.calibration == "file":
        info.append("pixel size from the file's calibration")
        return
    if image.calibration != "scale bar":
        info.append("pixel size given by the user (--pixel-nm), not checked against the file")
        return
    from dackit.tem.scalebar import MAX_LENGTH_UNCERTAINTY

    bar, bar_nm = image.metadata["scale_bar"], image.metadata["scale_bar_nm"]
    u = bar.relative_uncertainty
    info.append(f"pixel size {image.pixel_nm:.4g} nm from the {bar_nm:g} nm {bar.describe()} "
                f"(±{u:.1%})")
    file_px = image.metadata.get("file_pixel_nm")
    if file_px:
        off = image.pixel_nm / file_px - 1
        # the bar and the file's calibration are two readings of one magnification
        if abs(off) > max(u, MAX_LENGTH_UNCERTAINTY):
            doubts.append(f"the scale bar gives {image.pixel_nm:.4g} nm per pixel, the file's "
                          f"calibration {file_px:.4g} ({off:+.1%}): check the bar's label "
                          "(--scale-bar-nm) or use the file's calibration")
        else:
            info.append(f"agrees with the file's calibration, {file_px:.4g} nm per pixel ({off:+.1%})")
    elif u > MAX_LENGTH_UNCERTAINTY:
        doubts.append(f"the scale bar is only {bar.length_px:.1f} px long: its length is known to "
                      f"±{u:.1%}, and every size with it; give --pixel-nm from the microscope")


def _verdict(table, med_area_px, px, image, doubts, info) -> Verdict:
    acc = table[table["accepted"]]
    n = len(acc)
    counts = table.loc[~table["accepted"], "reason"].value_counts().to_dict()
    words = {"edge": "touching the image edge",
             "overlap": "in overlapping clusters (pieces smaller than one particle)", "thin": "thin strokes (text or debris)",
             "shape": "not convex (solidity below the limit)"}
    if counts.get("fragment"):
        info.append(f"{counts['fragment']} fragment(s) below {FRAGMENT_FRACTION:.0%} of the median "
                    "area rejected")
    if counts.get("cluster"):
        info.append(f"{counts['cluster']} unsplit cluster(s) rejected (≥ {CLUSTER_AREA}× the median "
                    "area and not round)")
    for key, text in words.items():
        if counts.get(key):
            info.append(f"{counts[key]} object(s) {text} rejected")
    info.insert(0, f"{n} particles counted, {int((~table['accepted']).sum())} rejected")
    _calibration_notes(image, doubts, info)
    d = acc["diameter_nm"].to_numpy()
    if n < MIN_COUNT:
        doubts.append(f"only {n} particle(s) counted; at least {MIN_COUNT} are needed for a mean")
    elif n > 1:
        rel_se = np.std(d, ddof=1) / np.sqrt(n) / d.mean()
        if rel_se > 0.03:
            doubts.append(f"standard error of the mean is {rel_se:.1%} with {n} particles; count more")
    d_px = np.sqrt(med_area_px / np.pi) * 2
    if d_px < MIN_PX_ACROSS:
        doubts.append(f"particles are only {d_px:.1f} px across; the boundary level, not the "
                      "particle, sets their size (image at a higher magnification)")
    n_cluster = counts.get("cluster", 0)
    if n_cluster > 0.25 * max(n, 1):
        doubts.append(f"{n_cluster} clusters could not be split against {n} particles counted; "
                      "the particles counted may not represent the sample")
    if n >= MIN_COUNT:
        a = acc["area_px"].to_numpy()
        # a second mode near twice the single-particle area (lower quartile as its scale)
        big = np.mean(a > 1.8 * np.percentile(a, 25))
        if big > 0.2:
            doubts.append(f"{big:.0%} of the particles have ≥ 1.8× the lower-quartile area: a second "
                          "mode, likely touching particles not split")
        # a few giants (round clumps or debris) can carry the mean on their own
        giants = a >= 3 * med_area_px
        shift = d.mean() / d[~giants].mean() - 1 if (~giants).any() else 0.0
        if giants.any() and shift > 0.02:
            doubts.append(f"{int(giants.sum())} object(s) of ≥ 3× the median area raise the mean by "
                          f"{shift:.1%}; check whether they are clumps")
    return Verdict.from_checks(doubts, info)
