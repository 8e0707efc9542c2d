"""Dark nanocrystals on a grainy amorphous carbon film, built with numpy (issue 10).

At a magnification where the film's phase-contrast grain is resolved (speckle correlated over
1-3 px), the grain is, pixel by pixel, about as contrasted as the particles: a threshold after
1 px smoothing cuts the film into thousands of specks, and dackit reported their size (real
frames: -85 to -94 % on the mean, doubtful). Particles many grain lengths across stand out
once the image is smoothed at a σ where the grain averages out and they still keep their size
(:func:`dackit.tem.detect._on_grainy_film`). The film alone has no such population: its mean
must never be ok.
"""
from functools import lru_cache

import numpy as np
import pytest
from scipy import ndimage as ndi

from dackit.errors import InputError
from dackit.tem.detect import detect_particles

#: disk diameter (px), grain correlation σ (px) and grain amplitude (standard deviation per
#: pixel, as a fraction of the particles' contrast): ±2 grain σ spans the particles' contrast
DIAMETER, GRAIN_PX, GRAIN = 24.0, 1.5, 0.45
SHAPE = (512, 512)


def _film(rng):
    g = ndi.gaussian_filter(rng.normal(size=SHAPE), GRAIN_PX)
    return GRAIN * g / g.std()


def _grainy_field(seed, n=40):
    """``n`` dark uniform disks of :data:`DIAMETER` (contrast 1, antialiased rims, blurred by
    σ 1 px) at least 0.6 diameters apart rim to rim and one diameter inside the image, on the
    correlated film. Returns the image and the disks' centres."""
    rng = np.random.default_rng(seed)
    rr, cc = np.mgrid[0:SHAPE[0], 0:SHAPE[1]].astype(float)
    centres: list[np.ndarray] = []
    while len(centres) < n:
        p = rng.uniform(DIAMETER, SHAPE[0] - DIAMETER, 2)
        if all(np.hypot(*(p - q)) > 1.6 * DIAMETER for q in centres):
            centres.append(p)
    disks = np.zeros(SHAPE)
    for r0, c0 in centres:
        disks = np.maximum(disks, np.clip(DIAMETER / 2 + 0.5 - np.hypot(rr - r0, cc - c0), 0, 1))
    return 1.0 - ndi.gaussian_filter(disks, 1.0) + _film(rng), np.array(centres)


@lru_cache(maxsize=1)
def _measured():
    return detect_particles(_grainy_field(0)[0], 1.0)


def test_particles_not_grain_are_found():
    # main took the bright grain for particles here: 1400+ specks, -74 % on the mean
    det = _measured()
    assert det.contrast == "dark"
    centres = _grainy_field(0)[1]
    ids = np.unique(det.labels)[1:]
    found = np.array(ndi.center_of_mass(det.labels > 0, det.labels, ids))
    # distance of each accepted object to the nearest disk centre, and of each disk to the
    # nearest object: no object of grain off the disks, and every disk found (all lie
    # inside the image). A disk cut in two by the watershed is not excluded here (1 of 40)
    gap = np.hypot(*(found[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    assert gap.min(axis=1).max() < DIAMETER / 2
    assert gap.min(axis=0).max() < DIAMETER / 2
    # found only after smoothing, a few grain σ above the film: never ok
    assert det.verdict.quality == "doubtful"


@pytest.mark.xfail(strict=True, reason="the fitted edge comes out +10 % on the smoothed grainy "
                   "disks (median shape p 0.31, grain read as fringes); not yet solved")
def test_particles_on_grain_mean_within_five_percent():
    # issue 10's criterion; the fitted edge of a blurred disk carries no bias
    assert _measured().diameters_nm.mean() == pytest.approx(DIAMETER, rel=0.05)


def test_film_alone_is_not_ok():
    film = 1.0 + _film(np.random.default_rng(5))
    try:
        det = detect_particles(film, 1.0)
    except InputError:
        return
    assert det.verdict.quality != "ok"
