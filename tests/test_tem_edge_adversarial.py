"""Adversarial TEM/SEM images built here with numpy (not dackit's simulator): particles whose
brightness differs across the field and inside each particle, a few large convex particles
among small ones, and touching pairs.

They test two rules of ``dackit.tem.detect``: the edge level is each particle's own (a single
global level cuts dim, shaded particles into crescents) and a large convex body without a waist
is one particle, not an unsplit cluster, while a pair with a waist is never counted as one.
"""
import numpy as np
import pytest
from scipy import ndimage as ndi

from dackit.tem.detect import detect_particles


def _canvas(shape, objects, blur=1.0, noise=0.02, seed=0, background=0.0):
    """Sum of objects (each a function of the pixel grid returning its intensity), blurred,
    with Gaussian noise."""
    rr, cc = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    img = np.full(shape, background)
    for obj in objects:
        img = np.maximum(img, obj(rr, cc))
    img = ndi.gaussian_filter(img, blur)
    return img + np.random.default_rng(seed).normal(0, noise, shape)


def _disk(r0, c0, radius, level, tilt=0.0, angle=0.0):
    """Uniform disk, antialiased at its rim, with a linear shading across it (±tilt of its
    level: SEM spheres lit from one side)."""
    def f(rr, cc):
        cover = np.clip(radius + 0.5 - np.hypot(rr - r0, cc - c0), 0, 1)
        along = ((rr - r0) * np.cos(angle) + (cc - c0) * np.sin(angle)) / radius
        return cover * level * (1 + tilt * along)
    return f


def _rectangle(r0, c0, half_a, half_b, level, angle):
    def f(rr, cc):
        u = (rr - r0) * np.cos(angle) + (cc - c0) * np.sin(angle)
        v = -(rr - r0) * np.sin(angle) + (cc - c0) * np.cos(angle)
        cover = np.clip(half_a + 0.5 - np.abs(u), 0, 1) * np.clip(half_b + 0.5 - np.abs(v), 0, 1)
        return cover * level
    return f


def test_shaded_spheres_with_a_brightness_gradient():
    # bright particles whose level falls from 1.0 at the left to 0.3 at the right (uneven
    # illumination or thickness), each shaded ±35 % across itself: at half the image's
    # plateau the dim ones are crescents or nothing
    radius = 12
    objects, truth = [], []
    rng = np.random.default_rng(4)
    for r0 in range(30, 390, 40):
        for c0 in range(30, 590, 40):
            level = 1.0 - 0.7 * c0 / 590
            objects.append(_disk(r0, c0, radius, level, tilt=0.35, angle=rng.uniform(0, 2 * np.pi)))
            truth.append(2 * radius)
    img = _canvas((420, 620), objects, blur=1.0, noise=0.02, seed=1)
    det = detect_particles(img, 1.0, contrast="bright")
    # every particle is found whole: none lost, none in pieces
    assert det.n >= 0.95 * len(truth), det.table["reason"].value_counts().to_dict()
    assert det.diameters_nm.mean() == pytest.approx(2 * radius + 1, rel=0.05)
    # the dimmest column is measured like the brightest (no crescents on the right)
    right = det.table[det.table["accepted"] & (det.table["col"] > 450)]
    left = det.table[det.table["accepted"] & (det.table["col"] < 150)]
    assert len(right) >= 15
    assert right["diameter_nm"].mean() == pytest.approx(left["diameter_nm"].mean(), rel=0.05)
    assert any("own half contrast" in n for n in det.verdict.notes), det.verdict.notes


def test_uniform_particles_keep_the_image_level():
    # the same field without gradient or shading: no particle needs its own level
    objects = [_disk(r0, c0, 12, 1.0) for r0 in range(30, 390, 40) for c0 in range(30, 590, 40)]
    det = detect_particles(_canvas((420, 620), objects, seed=2), 1.0, contrast="bright")
    assert not any("own half contrast" in n for n in det.verdict.notes), det.verdict.notes
    assert det.n == len(objects)


def _cubes_among_spheres():
    objects, cubes = [], []
    for r0 in range(30, 420, 45):
        for c0 in range(30, 620, 45):
            objects.append(_disk(r0, c0, 10, 1.0))
    # three large rectangular bodies (a cube seen obliquely): 1.8x a small particle's area,
    # Feret ratio 1.6, more than 1.8x the disk of their inscribed radius, but one convex body
    for r0, c0, ang in ((480, 120, 0.5), (480, 330, 1.1), (480, 540, 2.0)):
        objects.append(_rectangle(r0, c0, 14, 10, 1.0, ang))
        cubes.append((r0, c0))
    # touching pairs, fused (centre distance 1.6 r) and just touching (2 r): each has a waist
    pairs = []
    for r0, c0, sep in ((560, 100, 16), (560, 260, 20), (560, 420, 16), (560, 560, 20)):
        objects.append(_disk(r0, c0 - sep / 2, 10, 1.0))
        objects.append(_disk(r0, c0 + sep / 2, 10, 1.0))
        pairs.append((r0, c0))
    return _canvas((600, 640), objects, seed=3), cubes, pairs


def test_large_convex_body_is_one_particle_and_pairs_are_not():
    img, cubes, pairs = _cubes_among_spheres()
    det = detect_particles(img, 1.0, contrast="bright")
    t = det.table

    def at(r0, c0):
        d = np.hypot(t["row"] - r0, t["col"] - c0)
        return t.loc[d.idxmin()], float(d.min())

    for r0, c0 in cubes:
        row, off = at(r0, c0)
        assert off < 3
        assert row["accepted"], row["reason"]
        # its own area, not split into halves
        assert row["area_px"] == pytest.approx(29 * 21, rel=0.15)
    single = np.pi * 10.5 ** 2
    for r0, c0 in pairs:
        near = t[np.hypot(t["row"] - r0, t["col"] - c0) < 25]
        # a pair is split into its two particles or rejected: never one particle of twice the area
        assert not (near["accepted"] & (near["area_px"] > 1.5 * single)).any(), near
