"""HAADF particles on a lumpy support, built with numpy: the failure of the ArdaGen STEM corpus
images (Genc et al., Ultramicroscopy 271, 114116 (2025)) reproduced with a known truth.

A supported catalyst seen in HAADF adds the particles' signal to that of a support whose
thickness varies on a scale a few times the particles' and by as much as their contrast. No
global background (the quadratic surface of :func:`dackit.tem.detect._flatten`) removes that,
and the threshold then cuts support lumps and particles together: on these fields dackit is
off by -65 to +1100 %. The rule under test is issue 10's: such a mean is never marked ok.
The control (the same particles on a flat support) shows the field itself is measurable, so
the lumps, not the generator, make the difference.
"""
import numpy as np
import pytest
from scipy import ndimage as ndi

from dackit.tem.background import particle_scale, subtract_support
from dackit.tem.detect import detect_particles

#: particle radius (px) and contrast; the lumps' amplitude is given against this contrast
RADIUS, CONTRAST = 8.0, 0.4


def _lumps_and_centres(rng, shape, lump_amplitude, n, radius, margin):
    """Pixel grids, 14 Gaussian lumps of σ 25–50 px and height ``lump_amplitude`` × 0.5–1 (a
    support grain), and ``n`` particle centres at least ``margin`` px inside the image and
    6 px apart rim to rim."""
    rr, cc = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    img = np.zeros(shape)
    for _ in range(14):
        r0, c0 = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        s = rng.uniform(25, 50)
        img += lump_amplitude * rng.uniform(0.5, 1) * np.exp(-((rr - r0) ** 2 + (cc - c0) ** 2) / (2 * s * s))
    centres: list[np.ndarray] = []
    while len(centres) < n:
        p = rng.uniform(radius + margin, shape[0] - radius - margin, 2)
        if all(np.hypot(*(p - q)) > 2 * radius + 6 for q in centres):
            centres.append(p)
    return rr, cc, img, centres


def _lumpy_field(seed, lump_amplitude, n=40, shape=(400, 400)):
    """``n`` uniform bright disks of radius :data:`RADIUS` on a sum of 14 Gaussian lumps of
    σ 25–50 px (3–6 particle radii, a support grain), each of height ``lump_amplitude`` times
    0.5–1; blurred (σ 1 px), Gaussian noise 0.02. Returns the image and the true diameter."""
    rng = np.random.default_rng(seed)
    rr, cc, img, centres = _lumps_and_centres(rng, shape, lump_amplitude, n, RADIUS, 4)
    for r0, c0 in centres:
        # antialiased rim: the disk's area is π·RADIUS² to within a fraction of a pixel
        img += CONTRAST * np.clip(RADIUS + 0.5 - np.hypot(rr - r0, cc - c0), 0, 1)
    img = ndi.gaussian_filter(img, 1.0) + rng.normal(0, 0.02, shape)
    return img, 2 * RADIUS


def test_flat_support_control_is_measured():
    img, d_true = _lumpy_field(0, 0.0)
    det = detect_particles(img, 1.0, contrast="bright")
    assert det.n == 40
    assert det.diameters_nm.mean() == pytest.approx(d_true, rel=0.05)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("lumps", [0.3, 1.0])
def test_lumpy_support_never_confidently_wrong(seed, lumps):
    # lumps 0.75-2.5x the particle contrast (0.4), as on the ArdaGen Cu4/Pt2/Ru4 images
    img, d_true = _lumpy_field(seed, lumps)
    contrasts = ("bright", "auto") if seed == 0 else ("bright",)
    for contrast in contrasts:
        det = detect_particles(img, 1.0, contrast=contrast)
        err = det.diameters_nm.mean() / d_true - 1
        v = det.verdict.to_dict()
        assert abs(err) <= 0.05 or v["quality"] == "doubtful", (contrast, err, v["quality_notes"])
        if v["quality"] == "doubtful":
            assert v["quality_notes"]


@pytest.mark.parametrize("seed", [0, 2])
def test_support_scale_from_the_particles_measures_them(seed):
    # the opening radius comes from the image, whatever the lumps' height, and the top-hat
    # then measures the particles as on a flat support (the control: +2 %, the edge blur)
    img, d_true = _lumpy_field(seed, 1.0)
    radius = particle_scale(img)
    # a disk narrower than a particle cuts it; wider than two keeps support lumps
    assert RADIUS <= radius <= 4 * RADIUS
    det = detect_particles(subtract_support(img, radius), 1.0, contrast="bright")
    assert det.n == 40
    assert det.diameters_nm.mean() == pytest.approx(d_true, rel=0.05)


def test_support_scale_none_without_compact_objects():
    # a bright connected network (the gaps of a dense raft seen in the wrong polarity) grows
    # with every disk: no radius takes it whole
    rr, cc = np.mgrid[0:300, 0:300]
    lines = ((rr % 40) < 4) | ((cc % 40) < 4)
    assert particle_scale(ndi.gaussian_filter(lines.astype(float), 1.0)) is None


def test_auto_contrast_on_a_lumpy_support_uses_the_support_model():
    # both polarities find particle-like objects here (the support is as contrasted as the
    # particles): the particles are measured on the top-hat, still doubtful
    img, d_true = _lumpy_field(2, 0.6)
    det = detect_particles(img, 1.0)
    notes = det.verdict.to_dict()["quality_notes"]
    assert any("support was taken as the background" in n for n in notes), notes
    assert det.verdict.quality == "doubtful"
    assert det.diameters_nm.mean() == pytest.approx(d_true, rel=0.05)


def test_given_bright_contrast_on_lumps_measures_on_the_top_hat_and_says_why():
    # lumps 1.25-2.5x the particle contrast: the support model is used, with its own doubt
    img, d_true = _lumpy_field(1, 1.0)
    det = detect_particles(img, 1.0, contrast="bright")
    notes = det.verdict.to_dict()["quality_notes"]
    assert det.verdict.quality == "doubtful"
    assert any("the support varies by" in n for n in notes), notes
    assert det.n == 40
    assert det.diameters_nm.mean() == pytest.approx(d_true, rel=0.05)


def test_flat_support_keeps_the_flat_model():
    img, _ = _lumpy_field(0, 0.0)
    notes = detect_particles(img, 1.0, contrast="bright").verdict.to_dict()["quality_notes"]
    assert not any("support" in n for n in notes), notes


def _sphere_field(seed, lump_amplitude, radius, n=60, shape=(400, 400)):
    """``n`` projected spheres (HAADF intensity ∝ chord, √(1 − r²/R²)) of radius ``radius`` px,
    4×4 sub-pixel sampled, on the lumps of :func:`_lumpy_field`; blurred (σ 1 px), noise 0.02.
    The small catalyst particles of ArdaGen Pt2/Ru3 (boxes of 11.7 and 12.5 px)."""
    rng = np.random.default_rng(seed)
    rr, cc, img, centres = _lumps_and_centres(rng, shape, lump_amplitude, n, radius, 6)
    sub = (np.arange(4) + 0.5) / 4 - 0.5
    for r0, c0 in centres:
        chord = sum(np.sqrt(np.clip(1 - ((rr + dy - r0) ** 2 + (cc + dx - c0) ** 2) / radius**2, 0, 1))
                    for dy in sub for dx in sub)
        img += CONTRAST * chord / 16
    return ndi.gaussian_filter(img, 1.0) + rng.normal(0, 0.02, shape), 2 * radius


@pytest.mark.parametrize("lumps", [0.0, 1.0])
def test_small_projected_spheres_measured_at_the_rim(lumps):
    # 12 px spheres: the half-contrast line lies at ~0.87 R less the blur's curvature shift, so
    # a threshold measures them ~15 % small (-14 % flat, -17 % on lumps before profiles were
    # fitted below 12 px across); the profile fit puts the edge where the chord ends. 5 %:
    # issue 10's tolerance, against a fit that reproduces these spheres within ~1 %
    img, d_true = _sphere_field(0, lumps, 6.0)
    det = detect_particles(img, 1.0, contrast="bright")
    assert det.n >= 55
    assert det.diameters_nm.mean() == pytest.approx(d_true, rel=0.05)
    # blur σ ≈ 1.4 px against R = 6 px: where a reference draws the edge still decides the size
    assert det.verdict.quality == "doubtful"
