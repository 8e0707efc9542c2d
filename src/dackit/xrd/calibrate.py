"""Automatic detector calibration from a calibrant image (CeO2, LaB6, Si, …): no clicked point.

:func:`calibrate` finds the geometry (distance, point of normal incidence, two tilts) of a
detector from the powder rings of a calibrant of known lattice, at a known wavelength, in
three stages:

1. **Beam centre** — the point about which the image is most nearly a function of radius
   alone: the between-radius sum of squares of the azimuthal averages (the part of the
   image's variance a radial profile explains) is largest there. Searched on a coarse grid
   of a 16×16-binned image, then refined on 4× and 2× binned images.
2. **Distance** — the radii of the rings about that centre scale with the distance as
   ``D·tan 2θ_j``; the distance whose predicted rings best line up with the peaks of the
   radial profile (a matched-filter score Σⱼ z(rⱼ)/√N, which does not favour a dense comb
   of predicted rings) is taken, within ±30 % of ``distance_mm`` when given.
3. **Refinement** — control points on every ring (intensity-weighted centroids of the
   ring pixels above background in short arcs of about 4 pixels), assigned to the ring
   whose 2θ band they fall in, then a least-squares fit of distance, PONI and two tilts
   (wavelength fixed, rot3 = 0: it does not change 2θ) with pyFAI's geometry
   (:class:`pyFAI.geometryRefinement.GeometryRefinement`), repeated with narrower bands
   and outlier rejection until the 2θ map stops moving.

Ring d-spacings come from pyFAI's calibrant library (:func:`pyFAI.calibrant.get_calibrant`;
names case-insensitive) or a ``.D`` file; detectors from :func:`pyFAI.detectors.detector_factory`
or a pixel size. The result is a :class:`Calibration` whose :class:`~dackit.xrd.geometry.Geometry`
describes the image *as stored* (pyFAI's default detector orientation), so
``Integrator(calibration.geometry)`` integrates that image with no flip.

Why a home-made centre and distance search: pyFAI's own automatic ring extraction
(:mod:`pyFAI.ring_extraction`) starts from a geometry that is already roughly right; its
GUI asks the user to click a ring. Why scipy's ``least_squares`` drives the fit rather than
``GeometryRefinement.refine3``: the latter's SLSQP with numerical gradients calls pyFAI's
OpenMP 2θ kernel hundreds of times, each call costing tens of ms of thread start-up on a
busy machine; the residuals here are pyFAI's own ``calc_pos_zyx`` (numpy path).

>>> import numpy as np
>>> from dackit.xrd.calibrate import calibrant_rings
>>> np.round(calibrant_rings("ceo2", 0.4066)[:3], 3).tolist()      # 2θ (°) of (111), (200), (220)
[7.462, 8.618, 12.199]
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dackit.core.quality import Judged, Verdict
from dackit.errors import FitError, InputError, where
from dackit.xrd.geometry import Geometry

# Wavelength plausibility, as Geometry checks it (Å).
_WAVELENGTH_A = (0.05, 10.0)
# Distance search range without a guess (m): 20 mm … 5 m.
_DIST_RANGE_M = (0.02, 5.0)
# Width of a control-point arc along the ring (pixels): short enough that the centroid of
# a curved arc sits on the ring (sagitta L²/8r < 0.02 px for r ≥ 100 px).
_ARC_PX = 4.0
# Coarse azimuthal sectors for the local background under each ring.
_BG_SECTORS = 36
# A pixel is ring signal when it exceeds the local background by this many σ.
_SIGNAL_NSIGMA = 3.0
# Control points further than this many robust σ from their ring are rejected.
_OUTLIER_NSIGMA = 4.0
# A ring counts as found with at least this many control points.
_MIN_POINTS_PER_RING = 10
# Doubt thresholds (see Calibration.verdict).
_MIN_RINGS_OK = 4
_MAX_RMS_PIXELS = 0.5
# Beyond this the points are not on rings at all: an error, not a doubtful result.
_MAX_RMS_FIT_PIXELS = 2.0
_MIN_FOUND_FRACTION = 0.5


def _lookup_calibrant(name: str):
    """pyFAI calibrant by case-insensitive name, or from a ``.D`` file path."""
    from pyFAI.calibrant import CALIBRANT_FACTORY, Calibrant

    text = str(name).strip()
    path = Path(text)
    if path.suffix.lower() == ".d" and path.is_file():
        try:
            cal = Calibrant(filename=str(path))
            if not cal.dspacing:
                raise ValueError("no d-spacings")
            return cal
        except Exception as exc:  # noqa: BLE001 - pyFAI raises anything for a damaged file
            raise InputError(f"{path}: cannot read the calibrant file ({exc})") from None
    names = {n.lower(): n for n in CALIBRANT_FACTORY.keys()}
    key = names.get(text.lower())
    if key is None:
        raise InputError(f"calibrant {text!r} is unknown; use one of pyFAI's calibrants "
                         f"({', '.join(sorted(names.values(), key=str.lower))}) or a .D file of d-spacings")
    return CALIBRANT_FACTORY(key)


def calibrant_rings(calibrant: str, wavelength_a: float) -> np.ndarray:
    """2θ (degrees) of the distinct rings of ``calibrant`` at ``wavelength_a`` (Å), ascending.

    Parameters
    ----------
    calibrant : str
        pyFAI calibrant name (case-insensitive: ``"CeO2"``, ``"lab6"``, ``"Si"``) or a ``.D`` file.
    wavelength_a : float
        X-ray wavelength (Å).

    Returns
    -------
    numpy.ndarray
        Ring positions 2θ (°) for every d-spacing above λ/2.
    """
    wavelength_a = _check_wavelength(wavelength_a)
    cal = _lookup_calibrant(calibrant)
    d = np.asarray(cal.dspacing, dtype=float)
    d = d[d > wavelength_a / 2]
    tth = np.degrees(2 * np.arcsin(wavelength_a / (2 * d)))
    return np.unique(np.round(tth, 9))


def _check_wavelength(wavelength_a) -> float:
    if wavelength_a is None:
        raise InputError("the X-ray wavelength is needed: give --wavelength in Å or --energy in keV "
                         "(wavelength_a or energy_kev in experiment.toml)")
    try:
        value = float(wavelength_a)
    except (TypeError, ValueError):
        raise InputError(f"wavelength {wavelength_a!r} is not a number (give it in Å)") from None
    lo, hi = _WAVELENGTH_A
    if not (math.isfinite(value) and lo < value < hi):
        raise InputError(f"wavelength {value:g} Å is implausible; give it in Å, between {lo} and {hi} "
                         "(0.4066 Å is 30.5 keV)")
    return value


def wavelength_from(wavelength_a=None, energy_kev=None) -> float:
    """The wavelength (Å) from exactly one of ``wavelength_a`` (Å) or ``energy_kev`` (keV)."""
    from dackit.core.units import kev_to_angstrom

    if wavelength_a is not None and energy_kev is not None:
        raise InputError("give either the wavelength (Å) or the energy (keV), not both")
    if energy_kev is not None:
        try:
            e = float(energy_kev)
        except (TypeError, ValueError):
            raise InputError(f"energy {energy_kev!r} is not a number (give it in keV)") from None
        if not (math.isfinite(e) and e > 0):
            raise InputError(f"energy {e:g} keV must be positive (give it in keV, e.g. 30.5)")
        return _check_wavelength(float(kev_to_angstrom(e)))
    return _check_wavelength(wavelength_a)


def _make_detector(detector: str | None, pixel_um: float | None, shape: tuple[int, int], pre: str):
    from pyFAI import detectors

    if (detector is None) == (pixel_um is None):
        raise InputError(f"{pre}give the detector: a pyFAI detector name (--detector Pilatus1M) "
                         "or the pixel size (--pixel-um 172), one of the two")
    if pixel_um is not None:
        size = float(pixel_um)
        if not (math.isfinite(size) and 1.0 <= size <= 5000.0):
            raise InputError(f"pixel size {pixel_um} µm is implausible; give it in micrometres (e.g. 172)")
        return detectors.Detector(pixel1=size * 1e-6, pixel2=size * 1e-6, max_shape=shape)
    try:
        det = detectors.detector_factory(str(detector))
    except (RuntimeError, ValueError, KeyError, TypeError):
        raise InputError(f"detector {detector!r} is unknown to pyFAI; use a pyFAI detector name "
                         "(Pilatus1M, Eiger2_4M, Perkin, mar345, …) or --pixel-um with the pixel size") from None
    if det.max_shape is not None and tuple(det.max_shape) != tuple(shape):
        hint = " (transposed?)" if tuple(det.max_shape) == tuple(shape)[::-1] else " (binned or cropped?)"
        raise InputError(f"{pre}image shape {tuple(shape)} differs from the {type(det).__name__} shape "
                         f"{tuple(det.max_shape)}{hint}; give --pixel-um instead of the detector name")
    return det


# -- stage 1: beam centre ------------------------------------------------------------------

def _binned(values: np.ndarray, weights: np.ndarray, b: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = (values.shape[0] // b) * b, (values.shape[1] // b) * b
    s = values[:rows, :cols].reshape(rows // b, b, cols // b, b).sum(axis=(1, 3))
    n = weights[:rows, :cols].reshape(rows // b, b, cols // b, b).sum(axis=(1, 3)).astype(float)
    return s, n


def _radial_scores(s: np.ndarray, n: np.ndarray, cys, cxs) -> np.ndarray:
    """Between-radius sum of squares Σ_k S_k²/N_k of the image about each candidate centre."""
    ok = n > 0
    yy, xx = np.nonzero(ok)
    ys, xs = yy + 0.5, xx + 0.5
    S, N = s[ok], n[ok]
    out = np.empty((len(cys), len(cxs)))
    for i, cy in enumerate(cys):
        dy2 = (ys - cy) ** 2
        for j, cx in enumerate(cxs):
            k = np.sqrt(dy2 + (xs - cx) ** 2).astype(np.int64)
            ss = np.bincount(k, S)
            nn = np.bincount(k, N)
            m = nn > 0
            out[i, j] = float((ss[m] ** 2 / nn[m]).sum())
    return out


def find_beam_centre(image: np.ndarray, valid: np.ndarray) -> tuple[float, float, bool]:
    """Beam centre (row, column) in pixels (pixel i spans [i, i+1)), and whether it is interior.

    The centre maximises the image variance explained by a radial profile (rings are
    circles about it; tilts of a few degrees only make them slightly elliptical). The
    search covers the image and a quarter of its size beyond each edge; the flag is False
    when the best centre lies on the border of that search (the rings' centre is probably
    further away and the result is unreliable).

    Parameters
    ----------
    image : 2D array
        The calibrant image (clip hot pixels first: they would dominate the score).
    valid : 2D bool array
        True for pixels to use (same shape as ``image``).

    Returns
    -------
    (float, float, bool)
        Row and column of the centre (pixels) and whether it lies inside the search area.
    """
    values = np.where(valid, image, 0.0)
    shape = image.shape
    b0 = int(max(1, min(16, min(shape) // 48)))
    s, n = _binned(values, valid, b0)
    cys = np.arange(-0.25 * s.shape[0], 1.25 * s.shape[0] + 1e-9, 1.0)
    cxs = np.arange(-0.25 * s.shape[1], 1.25 * s.shape[1] + 1e-9, 1.0)
    score = _radial_scores(s, n, cys, cxs)
    i, j = np.unravel_index(int(score.argmax()), score.shape)
    interior = 0 < i < len(cys) - 1 and 0 < j < len(cxs) - 1
    cy, cx = cys[i] * b0, cxs[j] * b0
    for b, half, step in ((max(1, b0 // 4), 1.5 * b0, 1.0), (max(1, b0 // 8), 1.5 * max(1, b0 // 4), 0.5)):
        s, n = _binned(values, valid, b)
        offsets = np.arange(-half / b, half / b + 1e-9, step)
        cys, cxs = cy / b + offsets, cx / b + offsets
        score = _radial_scores(s, n, cys, cxs)
        i, j = np.unravel_index(int(score.argmax()), score.shape)
        cy, cx = cys[i] * b, cxs[j] * b
    return float(cy), float(cx), bool(interior)


# -- stage 2: distance ---------------------------------------------------------------------

def _snr_profile(image, valid, cy, cx, rstep=0.5) -> tuple[np.ndarray, np.ndarray]:
    """Radial profile about (cy, cx) as signal-to-noise above a running background."""
    from scipy import ndimage

    yy, xx = np.nonzero(valid)
    k = (np.hypot(yy + 0.5 - cy, xx + 0.5 - cx) / rstep).astype(np.int64)
    ss = np.bincount(k, image[yy, xx])
    nn = np.bincount(k)
    ok = nn >= 20
    if ok.sum() < 20:
        raise FitError("too few unmasked pixels to follow the rings; check the mask")
    prof = np.where(ok, ss / np.maximum(nn, 1), np.nan)
    idx = np.arange(prof.size)
    prof[~ok] = np.interp(idx[~ok], idx[ok], prof[ok])
    size = int(40 / rstep) | 1
    bg = ndimage.uniform_filter1d(ndimage.percentile_filter(prof, 20, size=size), size)
    hp = prof - bg
    # robust σ of first differences over a window: the noise of the profile
    noise = ndimage.median_filter(np.abs(np.diff(hp, prepend=hp[0])), size=size)
    # noise-free (simulated) images: 0.1 % of the strong rings' height stands in for the noise
    strong = float(np.percentile(hp[ok], 99.5) - np.median(hp[ok]))
    noise = np.maximum(noise, 1e-3 * strong if strong > 0 else 1e-12)
    z = hp / noise
    z[~ok] = np.nan
    return (idx + 0.5) * rstep, z


def _distance_scores(radius, z, tth_deg, pixel_m, d_range, tol_px=2.0):
    from scipy import ndimage

    rstep = radius[1] - radius[0]
    valid = np.isfinite(z)
    rmin, rmax = radius[valid].min(), radius[valid].max()
    zs = ndimage.gaussian_filter1d(np.clip(np.nan_to_num(z, nan=0.0), -3, 10), tol_px / rstep)
    base = float(np.mean(zs[valid]))
    t = np.tan(np.radians(tth_deg))
    dists = np.exp(np.arange(math.log(d_range[0]), math.log(d_range[1]), 0.25 / rmax))
    scores = np.full(dists.size, -np.inf)
    for i, dist in enumerate(dists):
        r = dist * t / pixel_m
        r = r[(r > rmin) & (r < rmax)]
        idx = (r / rstep).astype(np.int64)
        idx = idx[valid[idx]]
        if idx.size >= 2:
            scores[i] = float((zs[idx] - base).sum() / math.sqrt(idx.size))
    return dists, scores


def _best_and_runner_up(dists, scores) -> tuple[float, float, float]:
    i = int(np.argmax(scores))
    best = float(scores[i])
    far = np.abs(np.log(dists / dists[i])) > 0.03
    runner = float(scores[far].max()) if far.any() and np.isfinite(scores[far]).any() else -np.inf
    return float(dists[i]), best, runner


# -- stage 3: control points and refinement ------------------------------------------------

def _pixel_angles(gr, rows, cols, param) -> tuple[np.ndarray, np.ndarray]:
    """2θ and χ (rad) of pixel centres (row, col indices) for pyFAI parameters ``param``."""
    t3, t1, t2 = gr.calc_pos_zyx(d1=rows, d2=cols, param=param, use_cython=False)
    return np.arctan2(np.hypot(t1, t2), t3), np.arctan2(t1, t2)


def _nearest_ring(tth, ring_tth) -> np.ndarray:
    """Index of the ring nearest in 2θ to each value."""
    if len(ring_tth) < 2:
        return np.zeros(np.shape(tth), dtype=np.int64)
    j = np.clip(np.searchsorted(ring_tth, tth), 1, len(ring_tth) - 1)
    return np.where(np.abs(tth - ring_tth[j - 1]) < np.abs(tth - ring_tth[j]), j - 1, j)


def _control_points(intensity, rows, cols, tth, chi, ring_tth, half_width, dist_px, *, counts=True,
                    floor=0.0):
    """Ring control points (row, col, ring index): weighted centroids of the ring pixels
    above background in arcs of about _ARC_PX pixels."""
    j = _nearest_ring(tth, ring_tth)
    band = np.abs(tth - ring_tth[j]) < half_width[j]
    if not band.any():
        return np.zeros((0, 3))
    I, R, C, J, X = intensity[band], rows[band], cols[band], j[band], chi[band]
    sector = np.minimum(((X + np.pi) / (2 * np.pi) * _BG_SECTORS).astype(np.int64), _BG_SECTORS - 1)
    key = J * _BG_SECTORS + sector
    order = np.lexsort((I, key))
    ks, Is = key[order], I[order]
    uk, start, count = np.unique(ks, return_index=True, return_counts=True)
    median = Is[start + count // 2]
    p16 = Is[start + (0.16 * count).astype(np.int64)]
    # median − 16th percentile ≈ 1σ of a Gaussian background; for counts at least the Poisson
    # σ (a background of a few counts is discrete); for noise-free or scaled data a tiny floor
    noise = np.maximum(median - p16, np.sqrt(np.maximum(median, 1.0)) if counts else floor)
    g = np.searchsorted(uk, key)
    weight = I - median[g]
    signal = (weight > _SIGNAL_NSIGMA * noise[g]) & (count[g] >= 10)
    if not signal.any():
        return np.zeros((0, 3))
    w, R, C, J, X = weight[signal], R[signal], C[signal], J[signal], X[signal]
    radius_px = np.maximum(dist_px * np.tan(ring_tth[J]), _ARC_PX)
    nsec = np.maximum((2 * np.pi * radius_px / _ARC_PX).astype(np.int64), 8)
    arc = np.minimum(((X + np.pi) / (2 * np.pi) * nsec).astype(np.int64), nsec - 1)
    fine = J.astype(np.int64) * (int(nsec.max()) + 1) + arc
    uf, inv, npix = np.unique(fine, return_inverse=True, return_counts=True)
    W = np.bincount(inv, w)
    Y = np.bincount(inv, w * R) / W
    Xc = np.bincount(inv, w * C) / W
    ring = np.bincount(inv, J) / npix
    keep = npix >= 2
    return np.column_stack([Y[keep], Xc[keep], np.rint(ring[keep])])


def _unexplained_rings(tth, intensity, ring_tth, bin_rad) -> list[float]:
    """2θ (°) of strong rings of the image that are not calibrant rings.

    The azimuthal average in bins of one pixel angle; its peaks at least 20 % as high above
    the background as the strongest one, and further than 3 bins from every calibrant ring.
    Catches a calibrant whose reflections are a subset of the sample's (Si for CeO2: the
    same fcc lattice within 0.4 %, without the (200), (222), (420) rings).
    """
    from scipy import ndimage
    from scipy.signal import find_peaks

    k = ((tth - tth.min()) / bin_rad).astype(np.int64)
    nn = np.bincount(k)
    ss = np.bincount(k, intensity)
    ok = nn >= 50
    if ok.sum() < 20:
        return []
    centres = tth.min() + (np.arange(nn.size) + 0.5) * bin_rad
    prof = np.interp(centres, centres[ok], ss[ok] / nn[ok])
    bg = ndimage.percentile_filter(prof, 20, size=41)
    hp = np.where(ok, prof - bg, 0.0)
    if hp.max() <= 0:
        return []
    peaks, _ = find_peaks(hp, height=0.2 * hp.max(), distance=3)
    far = [float(np.degrees(centres[i])) for i in peaks
           if np.min(np.abs(ring_tth - centres[i])) > 3 * bin_rad]
    return far


@dataclass(frozen=True)
class Calibration(Judged):
    """A calibrated detector geometry and how well the calibrant rings support it.

    Attributes
    ----------
    geometry : Geometry
        The fitted geometry (image as stored, detector orientation of pyFAI's detector).
    calibrant : str
        Calibrant name as pyFAI spells it (or the ``.D`` file).
    rings : int
        Calibrant rings with at least 10 control points in the final fit.
    rings_expected : int
        Calibrant rings that cross unmasked pixels of the detector.
    control_points : numpy.ndarray
        (n, 3) rows, columns (pixel indices) and ring index of the points fitted.
    rms_deg : float
        Root-mean-square 2θ residual of the control points (°).
    stderr : dict
        Standard errors of ``dist_m``, ``poni1_m``, ``poni2_m``, ``rot1``, ``rot2``.
    ring_tth_deg : numpy.ndarray
        2θ (°) of the calibrant rings at this wavelength.
    verdict : Verdict
    source : str
        Image file.
    """

    geometry: Geometry
    calibrant: str
    rings: int
    rings_expected: int
    control_points: np.ndarray = field(repr=False)
    rms_deg: float
    stderr: dict
    ring_tth_deg: np.ndarray = field(repr=False)
    verdict: Verdict = field(default_factory=Verdict)
    source: str = ""

    @property
    def rms_pixels(self) -> float:
        """The rms residual in units of the angle one pixel subtends."""
        return self.rms_deg / self.geometry.pixel_angle_deg

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (lengths mm, angles rad, λ Å) with the verdict."""
        g = self.geometry
        return {"file": self.source, "distance_mm": g.dist_m * 1e3, "poni1_mm": g.poni1_m * 1e3,
                "poni2_mm": g.poni2_m * 1e3, "rot1_rad": g.rot1, "rot2_rad": g.rot2, "rot3_rad": g.rot3,
                "wavelength_a": g.wavelength_a, "rings": self.rings, "rms_deg": self.rms_deg,
                **self.verdict.to_dict()}


def _fit(gr, points, ring_tth, p0, scale):
    """Least squares of the control points' 2θ on their rings' 2θ; returns (params, result)."""
    from scipy.optimize import least_squares

    rows, cols, target = points[:, 0], points[:, 1], ring_tth[points[:, 2].astype(np.int64)]

    def residuals(p):
        tth, _ = _pixel_angles(gr, rows, cols, (*p, 0.0))
        return tth - target

    res = least_squares(residuals, p0, x_scale=scale, method="lm", xtol=1e-12, ftol=1e-12, max_nfev=200)
    return res.x, res


@dataclass(frozen=True)
class _Pixels:
    """The unmasked pixels the refinement works on."""

    intensity: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    counts: bool
    floor: float


def _distance_candidates(dists, scores, *, ratio=0.6, most=3) -> list[float]:
    """Starting distances: the best score and up to ``most`` − 1 other local maxima within
    ``ratio`` of it, at least 3 % apart."""
    finite = np.where(np.isfinite(scores), scores, -np.inf)
    best = float(finite.max())
    peaks = [i for i in range(len(finite)) if finite[i] >= ratio * best
             and finite[i] >= finite[max(i - 1, 0)] and finite[i] >= finite[min(i + 1, len(finite) - 1)]]
    peaks.sort(key=lambda i: finite[i], reverse=True)
    chosen: list[float] = []
    for i in peaks:
        if all(abs(math.log(dists[i] / c)) > 0.03 for c in chosen):
            chosen.append(float(dists[i]))
        if len(chosen) >= most:
            break
    return chosen or [float(dists[int(np.argmax(finite))])]


def _refine(gr, data: _Pixels, ring_tth, p, pixel_m):
    """Control points and least squares, rings added from the inside out, bands narrowing.

    Starts with the innermost four rings in wide bands (their positions about a rough
    centre suffer least from tilts); each round admits rings out to 1.6× the tangent of
    the outermost ring fitted, and once all are in, the bands narrow to 8 then 6 pixels
    until the 2θ map moves by less than 0.02 pixel.
    """
    from dackit.core.noise import robust_sigma

    scale = np.array([0.01, 1e-3, 1e-3, 1e-3, 1e-3])
    gaps = np.diff(ring_tth)
    if gaps.size:
        gap = np.minimum(np.r_[gaps[:1], gaps], np.r_[gaps, gaps[-1:]])
    else:
        gap = np.full(ring_tth.size, np.inf)
    reach = None
    narrow = iter([8.0, 6.0])
    band_px = 20.0
    tth_prev = None
    points, fit = np.zeros((0, 3)), None
    for _ in range(12):
        tth, chi = _pixel_angles(gr, data.rows, data.cols, (*p, 0.0))
        visible = ring_tth[ring_tth <= float(tth.max())]
        if visible.size == 0:
            break
        if reach is None:
            use = ring_tth <= visible[min(4, visible.size) - 1]
        else:
            use = ring_tth <= math.atan(1.6 * math.tan(reach))
        all_in = bool(use[ring_tth <= visible[-1]].all())
        if fit is not None and all_in:
            if band_px <= 6.0 and tth_prev is not None and \
                    float(np.max(np.abs(tth - tth_prev))) * p[0] / pixel_m < 0.02:
                break
            band_px = next(narrow, 6.0)
        elif fit is not None:
            band_px = 12.0
        tth_prev = tth
        half = np.where(use, np.minimum(0.45 * gap, band_px * pixel_m / p[0] * np.cos(ring_tth) ** 2), 0.0)
        pts = _control_points(data.intensity, data.rows, data.cols, tth, chi, ring_tth, half, p[0] / pixel_m,
                              counts=data.counts, floor=data.floor)
        if pts.shape[0] < 10:
            if fit is None:
                raise FitError("no ring pixels above the background")
            break
        p_new, fit_new = _fit(gr, pts, ring_tth, p, scale)
        res = fit_new.fun
        sig = max(robust_sigma(res), 0.05 * pixel_m / p_new[0])
        keep = np.abs(res - np.median(res)) < _OUTLIER_NSIGMA * sig
        if keep.sum() >= 10 and not keep.all():
            pts = pts[keep]
            p_new, fit_new = _fit(gr, pts, ring_tth, p_new, scale)
        p, points, fit = p_new, pts, fit_new
        reach = float(ring_tth[int(points[:, 2].max())])
    if fit is None:
        raise FitError("no ring pixels above the background")
    return p, points, fit


def _merit(gr, data: _Pixels, ring_tth, p, points, fit, pixel_m) -> tuple:
    """(fits within half a pixel, rings found, −rms in pixels): larger is better."""
    ids, per_ring = np.unique(points[:, 2].astype(np.int64), return_counts=True)
    found = int((per_ring >= _MIN_POINTS_PER_RING).sum())
    rms_px = float(np.sqrt(np.mean(fit.fun ** 2))) * p[0] / pixel_m
    return (rms_px <= _MAX_RMS_PIXELS, found, -round(rms_px, 2))


def calibrate(image, calibrant: str, *, wavelength_a: float | None = None, energy_kev: float | None = None,
              detector: str | None = None, pixel_um: float | None = None,
              distance_mm: float | None = None, mask=None, source: str = "") -> Calibration:
    """Calibrate a detector from one image of a calibrant powder, automatically.

    Parameters
    ----------
    image : 2D array
        The calibrant image as stored (counts; negative pixels count as masked).
    calibrant : str
        pyFAI calibrant name, case-insensitive (``"CeO2"``, ``"LaB6"``, ``"Si"``), or a ``.D`` file.
    wavelength_a, energy_kev : float
        X-ray wavelength (Å) or photon energy (keV); exactly one.
    detector : str, optional
        pyFAI detector name, case-insensitive (``"Pilatus1M"``); or give ``pixel_um``.
    pixel_um : float, optional
        Square pixel size (µm) of a detector pyFAI does not know.
    distance_mm : float, optional
        Rough sample–detector distance; the search then stays within ±30 % of it.
    mask : array or path, optional
        Pixels to ignore (nonzero = masked), as for :class:`~dackit.xrd.integrate.Integrator`.
    source : str
        File name for messages and the result.

    Returns
    -------
    Calibration
        The geometry, rings found, rms residual and a verdict.

    Raises
    ------
    InputError
        Unknown calibrant or detector, missing wavelength, a shape that does not fit.
    FitError
        No calibrant rings could be found.

    Examples
    --------
    >>> import numpy as np
    >>> from pyFAI.integrator.azimuthal import AzimuthalIntegrator
    >>> from pyFAI.detectors import Detector
    >>> from pyFAI.calibrant import get_calibrant
    >>> det = Detector(172e-6, 172e-6, max_shape=(500, 500))
    >>> ai = AzimuthalIntegrator(dist=0.1, poni1=0.045, poni2=0.042, rot1=0.02, detector=det,
    ...                          wavelength=0.4066e-10)
    >>> cal = get_calibrant("LaB6"); cal.wavelength = 0.4066e-10
    >>> img = cal.fake_calibration_image(ai, Imax=1000, Imin=20, resolution=0.03)
    >>> c = calibrate(img, "lab6", wavelength_a=0.4066, pixel_um=172)
    >>> round(c.geometry.dist_m * 1e3, 1), c.quality
    (100.0, 'ok')
    """
    from pyFAI.geometryRefinement import GeometryRefinement

    from dackit.xrd.integrate import _as_mask

    pre = where(source)
    lam = wavelength_from(wavelength_a, energy_kev)
    img = np.asarray(image, dtype=float)
    if img.ndim != 2 or min(img.shape) < 32:
        raise InputError(f"{pre}expected a 2D detector image of at least 32×32 pixels, got shape {img.shape}")
    shape = (int(img.shape[0]), int(img.shape[1]))
    det = _make_detector(detector, pixel_um, shape, pre)
    cal = _lookup_calibrant(calibrant)
    cal_name = calibrant if Path(str(calibrant)).suffix.lower() == ".d" else cal.name
    ring_tth_deg = calibrant_rings(calibrant, lam)
    ring_tth = np.radians(ring_tth_deg)

    valid = np.isfinite(img) & (img >= 0)
    if det.mask is not None:
        valid &= det.mask == 0
    user_mask = _as_mask(mask, shape, pre)
    if user_mask is not None:
        valid &= ~user_mask
    if valid.sum() < 1000:
        raise InputError(f"{pre}fewer than 1000 usable pixels (mask, negative or NaN values); nothing to calibrate on")
    good = img[valid]
    if float(np.ptp(good)) <= 0:
        raise FitError(f"{pre}the image is flat: no calibrant rings to calibrate on")
    # Hot pixels and zingers would dominate the centroids: clip at the 99.95th percentile.
    top = float(np.percentile(good, 99.95))
    work = np.where(valid, np.minimum(img, top), 0.0)
    sample = good[:: max(1, good.size // 100_000)]
    counts = bool(np.all(sample == np.round(sample))) and top >= 10
    floor = 1e-4 * max(top - float(np.median(good)), 1e-300)

    pixel_m = float(min(det.pixel1, det.pixel2))
    cy, cx, interior = find_beam_centre(work, valid)
    radius, z = _snr_profile(work, valid, cy, cx)
    if distance_mm is not None:
        guess = float(distance_mm) * 1e-3
        if not (math.isfinite(guess) and _DIST_RANGE_M[0] <= guess <= _DIST_RANGE_M[1]):
            raise InputError(f"distance guess {distance_mm} mm is implausible; give it in mm (e.g. 200)")
        d_range = (guess / 1.3, guess * 1.3)
    else:
        d_range = _DIST_RANGE_M
    dists, scores = _distance_scores(radius, z, ring_tth_deg, pixel_m, d_range)
    if not np.isfinite(scores).any():
        raise FitError(f"{pre}no distance puts two or more {cal_name} rings on the detector; "
                       "check the calibrant, wavelength and distance guess")
    dist0, best, _ = _best_and_runner_up(dists, scores)
    if best < 3.0:
        raise FitError(f"{pre}no {cal_name} rings found in the image (best ring match {best:.1f}σ); "
                       "check the calibrant name, the wavelength and the mask")

    rows_all, cols_all = np.nonzero(valid)
    intensity = work[rows_all, cols_all]
    rows_f, cols_f = rows_all.astype(float), cols_all.astype(float)
    gr = GeometryRefinement(None, calibrant=cal, dist=dist0, poni1=cy * det.pixel1, poni2=cx * det.pixel2,
                            detector=det, wavelength=lam * 1e-10)
    data = _Pixels(intensity, rows_f, cols_f, counts, floor)
    # Several distances can put a comb of rings on the profile (LaB6's ring N and 2N at √2 the
    # distance); each candidate is refined and the one whose rings fit best is kept.
    candidates = _distance_candidates(dists, scores)
    trials = []
    for d0 in candidates:
        try:
            p, points, fit = _refine(gr, data, ring_tth, np.array([d0, cy * det.pixel1, cx * det.pixel2, 0.0, 0.0]),
                                     pixel_m)
        except FitError:
            continue
        trials.append((_merit(gr, data, ring_tth, p, points, fit, pixel_m), p, points, fit))
    if not trials:
        raise FitError(f"{pre}found no {cal_name} ring pixels above the background; check the "
                       "calibrant, the wavelength and the mask")
    trials.sort(key=lambda t: t[0], reverse=True)
    _, p, points, fit = trials[0]
    rms_px = float(np.sqrt(np.mean(fit.fun ** 2))) * p[0] / pixel_m
    if rms_px > _MAX_RMS_FIT_PIXELS:
        # real ring pixels lie within a fraction of a pixel of their ring; noise fills the band
        raise FitError(f"{pre}no {cal_name} rings could be fitted: the points picked scatter by {rms_px:.1f} "
                       "pixels about the rings (noise, or another material); check the calibrant, "
                       "the wavelength and the mask")
    alternatives = [t for t in trials[1:] if t[0][0] == trials[0][0][0] and t[0][1] == trials[0][0][1]
                    and abs(t[1][0] / p[0] - 1) > 0.03]

    from dackit.core.lsq import covariance_from_jacobian

    cov = covariance_from_jacobian(fit.jac, fit.fun)
    stderr = dict(zip(("dist_m", "poni1_m", "poni2_m", "rot1", "rot2"), (float(s) for s in cov.stderr)))
    rms_deg = float(np.degrees(np.sqrt(np.mean(fit.fun ** 2))))
    ring_ids, per_ring = np.unique(points[:, 2].astype(np.int64), return_counts=True)
    found = int((per_ring >= _MIN_POINTS_PER_RING).sum())
    tth, _ = _pixel_angles(gr, rows_f, cols_f, (*p, 0.0))
    nearest = _nearest_ring(tth, ring_tth)
    near = np.abs(tth - ring_tth[nearest]) < 0.5 * pixel_m / p[0]
    crossing = np.bincount(nearest[near], minlength=ring_tth.size) >= 50
    expected = int(crossing.sum())
    # High-angle rings may be too weak to see; a ring missing *between* found rings is not.
    found_ids = ring_ids[per_ring >= _MIN_POINTS_PER_RING]
    within = int(crossing[: int(found_ids.max()) + 1].sum()) if found_ids.size else expected

    name = "Detector" if pixel_um is not None else type(det).__name__
    geometry = Geometry(dist_m=float(p[0]), poni1_m=float(p[1]), poni2_m=float(p[2]), rot1=float(p[3]),
                        rot2=float(p[4]), rot3=0.0, wavelength_a=lam, detector=name,
                        pixel1_m=float(det.pixel1), pixel2_m=float(det.pixel2), shape=shape,
                        orientation=int(getattr(det, "orientation", 3) or 3), source=str(source))
    px_deg = geometry.pixel_angle_deg
    doubts = []
    if found < _MIN_RINGS_OK:
        doubts.append(f"only {found} {cal_name} ring(s) found; distance and tilts need at least "
                      f"{_MIN_RINGS_OK} well-spread rings")
    if within and found < _MIN_FOUND_FRACTION * within:
        doubts.append(f"only {found} of the {within} {cal_name} rings up to the outermost ring found "
                      "show on the image (wrong calibrant or wavelength?)")
    if rms_deg > _MAX_RMS_PIXELS * px_deg:
        doubts.append(f"ring residuals rms {rms_deg:.4f}° exceed {_MAX_RMS_PIXELS} pixel "
                      f"({_MAX_RMS_PIXELS * px_deg:.4f}°): the rings do not follow one geometry")
    extra = _unexplained_rings(tth, intensity, ring_tth, pixel_m / p[0])
    if extra:
        doubts.append(f"{len(extra)} strong ring(s) at 2θ = {', '.join(f'{t:.3f}' for t in extra[:5])}° "
                      f"are not {cal_name} rings (another calibrant, or an impurity?)")
    if alternatives:
        doubts.append(f"distance ambiguous: {alternatives[0][1][0] * 1e3:.1f} mm fits the rings as well as "
                      f"{p[0] * 1e3:.1f} mm; give --distance-mm")
    if not interior:
        doubts.append("the beam centre lies at the edge of the search area (rings centred far off the detector)")
    if cov.singular or stderr["rot1"] > math.radians(0.5) or stderr["rot2"] > math.radians(0.5):
        doubts.append("tilts poorly determined by the rings found")
    info = [f"{points.shape[0]} control points on {found} rings; rms {rms_deg / px_deg:.2f} pixel"]
    return Calibration(geometry=geometry, calibrant=cal_name, rings=found, rings_expected=expected,
                       control_points=points, rms_deg=rms_deg, stderr=stderr, ring_tth_deg=ring_tth_deg,
                       verdict=Verdict.from_checks(doubts, info), source=str(source))


def calibrate_image(image_path, calibrant: str, **kwargs) -> Calibration:
    """Read a calibrant image (any format :func:`~dackit.io.images.read_image` reads) and
    :func:`calibrate` it.

    Parameters
    ----------
    image_path : str or Path
        The calibrant image file; its path becomes the result's ``source``.
    calibrant : str
        pyFAI calibrant name (``"CeO2"``, ``"LaB6"``, ...) or a ``.D`` file.
    **kwargs
        As for :func:`calibrate`: ``wavelength_a`` or ``energy_kev``, ``detector`` or
        ``pixel_um``, ``distance_mm``, ``mask``.

    Returns
    -------
    Calibration
    """
    from dackit.io.images import read_image

    return calibrate(read_image(image_path), calibrant, source=str(image_path), **kwargs)


def plot_calibration(image, calibration: Calibration, *, ax=None, title: str = ""):
    """The image (log scale) with the fitted calibrant rings and the control points.

    Parameters
    ----------
    image : 2D array
        The calibrant image that was calibrated.
    calibration : Calibration
        From :func:`calibrate` or :func:`calibrate_image`.
    ax : matplotlib Axes, optional
        Draw into these axes; default a new figure.
    title : str
        Axes title; default the calibrant, rings found, distance and rms residual.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with :func:`dackit.core.figures.save_figure`.
    """
    from dackit.core.figures import axes_or_new

    fig, ax = axes_or_new(ax, (6.5, 6.5))
    img = np.asarray(image, dtype=float)
    shown = np.log10(np.clip(np.where(np.isfinite(img), img, 0.0), 0, None) + 1.0)
    hi = float(np.percentile(shown, 99.8)) if shown.size else 1.0
    ax.imshow(shown, cmap="gray_r", vmin=float(np.percentile(shown, 5)), vmax=hi, origin="upper",
              interpolation="nearest")
    g = calibration.geometry
    step = max(1, int(max(img.shape) // 500))
    tth = np.degrees(g.azimuthal_integrator().center_array(img.shape, unit="2th_rad", scale=False))[::step, ::step]
    levels = [t for t in calibration.ring_tth_deg if tth.min() < t < tth.max()]
    if levels:
        yy = np.arange(0, img.shape[0], step)
        xx = np.arange(0, img.shape[1], step)
        ax.contour(xx, yy, tth, levels=levels, colors="tab:red", linewidths=0.6)
    pts = calibration.control_points
    if pts.size:
        ax.plot(pts[:, 1], pts[:, 0], ",", color="tab:cyan")
    ax.set_xlabel("column (pixel)")
    ax.set_ylabel("row (pixel)")
    ax.set_title(title or f"{calibration.calibrant}: {calibration.rings} rings, D = {g.dist_m * 1e3:.2f} mm, "
                 f"rms {calibration.rms_deg:.4f}°", fontsize=9)
    return fig
