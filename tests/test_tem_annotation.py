"""TEM adversarial cases built here with numpy (not with dackit's simulator): scale bars,
their labels, information bars, touching clusters, watershed fragments, verdicts."""
import numpy as np
import pytest
from scipy import ndimage as ndi

from dackit.tem import detect_particles


def _field(centres, d_px, shape=(600, 600), dark=True, seed=0, blur=1.0, noise=0.03):
    """Uniform disks of diameter ``d_px`` (scalar or per disk), blurred, with Gaussian noise.
    Returns the image on a 0..1 scale: background 0.8 and particles 0.2 for bright field."""
    rr, cc = np.mgrid[:shape[0], :shape[1]]
    mask = np.zeros(shape, bool)
    d_px = np.broadcast_to(np.asarray(d_px, float), (len(centres),))
    for (r, c), d in zip(centres, d_px):
        mask |= (rr - r) ** 2 + (cc - c) ** 2 <= (d / 2) ** 2
    img = ndi.gaussian_filter(mask.astype(float), blur)
    img = img + np.random.default_rng(seed).normal(0, noise, shape)
    return (0.8 - 0.6 * img) if dark else (0.2 + 0.6 * img)


def _grid(n_side, step, offset=60):
    return [(offset + i * step, offset + j * step) for i in range(n_side) for j in range(n_side)]


D = 24.0  # px; pixel 0.5 nm → 12 nm particles


def _text(img, r0, c0, value, height=18, stroke=3):
    """Block letters '2', '0', 'n', 'm' drawn as strokes, like a burned-in label."""
    w = height // 2 + 2
    for k in range(4):
        c = c0 + k * (w + 5)
        img[r0:r0 + stroke, c:c + w] = value
        img[r0 + height - stroke:r0 + height, c:c + w] = value
        img[r0:r0 + height, c:c + stroke] = value if k != 0 else img[r0:r0 + height, c:c + stroke]
        if k in (1, 2):
            img[r0:r0 + height, c + w - stroke:c + w] = value


@pytest.mark.parametrize("dark", [True, False])
def test_scale_bar_and_label_excluded(dark):
    img = _field(_grid(5, 80), D, dark=dark, seed=1)
    value = 0.0 if dark else 1.0  # burned-in pure black (bright field) or white (HAADF)
    img[540:552, 300:500] = value  # 200 px bar, 12 px thick: area ≈ 5 particles
    _text(img, 515, 510, value)
    det = detect_particles(img, 0.5, contrast="dark" if dark else "bright", level=0.5)  # uniform disks: half level
    assert det.n == 25
    assert det.diameters_nm.max() < 1.1 * D * 0.5
    assert det.diameters_nm.mean() == pytest.approx(D * 0.5, rel=0.03)
    notes = " ".join(det.verdict.notes)
    assert "scale bar at row 546" in notes
    assert det.verdict.quality == "ok"


def test_info_bar_at_bottom_excluded():
    # FEI-style export: a black band over the bottom 12 % with white text and a white bar
    img = _field(_grid(5, 80), D, seed=2)
    img[528:, :] = 0.02
    img[545:553, 40:240] = 1.0
    _text(img, 560, 300, 1.0)
    _text(img, 560, 420, 1.0)
    det = detect_particles(img, 0.5)
    assert det.contrast == "dark"
    assert det.n == 25
    assert det.diameters_nm.mean() == pytest.approx(D * 0.5, rel=0.03)
    assert any("information bar excluded" in n for n in det.verdict.notes)
    assert det.labels[528:].max() == 0


def test_white_info_bar_behind_shaded_rule_line_excluded():
    # A camera-software export (EMPS 1ecd5c901c): bright-field field, then a white text panel
    # (full width, at the level of the brightest background) closed at the image edge by a
    # shaded rule line whose rows run dark→grey→white. Before, the rule line's grey rows (at
    # the background's level) stopped the band at the edge; text glyphs and pieces of the
    # rule were counted as ~10-px particles and pulled the mean down.
    img = _field(_grid(5, 80), D, seed=7)
    img = np.clip(img, 0, 0.9)
    img[520:590, :] = 1.0
    for k, v in enumerate((0.05, 0.25, 0.4, 0.55, 0.7, 0.8, 0.95)):
        img[590 + k, :] = v
    img[597:, :] = 1.0
    for r0 in (530, 555):
        for c0 in range(20, 560, 60):
            _text(img, r0, c0, 0.1, height=12, stroke=2)
    det = detect_particles(img, 0.5)
    assert any("information bar excluded" in n for n in det.verdict.notes), det.verdict.notes
    assert det.labels[520:].max() == 0
    assert det.n == 25
    assert det.diameters_nm.mean() == pytest.approx(D * 0.5, rel=0.03)


def test_touching_pairs_and_triplets_split():
    # 16 pairs and 8 triplets of touching disks (centre distance 0.9 d) plus 12 singles
    centres = []
    rng = np.random.default_rng(3)
    for i in range(6):
        for j in range(6):
            r, c = 60 + 100 * i, 60 + 100 * j
            k = (i * 6 + j) % 3
            centres.append((r, c))
            if k >= 1:
                centres.append((r, c + 0.9 * D))
            if k == 2:
                centres.append((r + 0.78 * D, c + 0.45 * D))
    d = rng.normal(D, 1.0, len(centres))
    img = _field(centres, d, shape=(680, 680), seed=4)
    det = detect_particles(img, 0.5)
    # pairs are split; a compact triplet may stay one blob but is then rejected, not measured
    assert det.n >= 12 + 24 - 2
    acc = det.table[det.table.accepted]
    assert acc.area_px.max() < 1.5 * np.pi * (D / 2) ** 2
    # merged pairs would inflate the mean by ≥ 10 %
    assert det.diameters_nm.mean() == pytest.approx(np.mean(d) * 0.5, rel=0.04)
    n_cl = (det.table.reason == "cluster").sum()
    if n_cl:
        assert any(f"{n_cl} unsplit cluster" in n for n in det.verdict.notes)


def test_unsplittable_blob_rejected_not_measured():
    # 20 singles and a bent chain of 6 overlapping disks (spacing 0.6 d): a sausage whose
    # distance transform has no separate maxima; it must be split or rejected, not measured
    centres = _grid(5, 90)[:20]
    lump = [(470 + 1.2 * D * np.sin(a), 470 + 1.2 * D * np.cos(a)) for a in np.linspace(0, 2.6, 6)]
    img = _field(centres + lump, D, seed=5)
    det = detect_particles(img, 0.5)
    assert det.diameters_nm.max() < 1.3 * D * 0.5
    # pieces of a chain this tight are partly hidden by their neighbours (each ≈ 0.8 of a
    # particle): measured as pieces they may pull the mean of 26 down by ≤ 4 %, inside the
    # issue's 5 % budget; measured as one object it would be +12 %
    assert det.diameters_nm.mean() == pytest.approx(D * 0.5, rel=0.05)


def test_round_clump_kept_but_doubtful():
    # the same 7 disks packed tight (0.5 d) make one round object of 2 d: nothing shows it is
    # a clump, but it carries the mean: the verdict must not be ok
    centres = _grid(5, 90)[:20]
    lump = [(500, 500)] + [(500 + 0.5 * D * np.sin(a), 500 + 0.5 * D * np.cos(a))
                           for a in np.linspace(0, 2 * np.pi, 6, endpoint=False)]
    det = detect_particles(_field(centres + lump, D, seed=5), 0.5)
    assert det.verdict.quality == "doubtful"
    assert any("3× the median area" in n for n in det.verdict.notes)


def test_fragments_rejected_and_counted():
    img = _field(_grid(5, 80), D, seed=6)
    # 12 specks of 2-3 px: noise or watershed slivers that a fixed 3-px minimum lets through
    for k in range(12):
        r, c = 100 + 80 * (k % 4), 100 + 80 * (k // 4)
        img[r:r + 3, c:c + 3] = 0.2
    det = detect_particles(img, 0.5)
    assert det.n == 25
    note = [n for n in det.verdict.notes if "fragment" in n]
    assert note and note[0].startswith("12 fragment")


def test_verdict_doubtful_for_few_particles_and_ok_for_clean():
    few = detect_particles(_field(_grid(2, 150, offset=150), D, seed=7), 0.5)
    assert few.n == 4 and few.verdict.quality == "doubtful"
    assert any("only 4 particle" in n for n in few.verdict.notes)
    clean = detect_particles(_field(_grid(6, 80), D, seed=8), 0.5, level=0.5)
    assert clean.verdict.quality == "ok"
    assert any("given by the user" in n for n in clean.verdict.notes)


def test_bimodal_population_is_doubtful():
    # half the objects are round disks of twice the area: a second mode an unsplit-cluster
    # check must report, even though each object is round
    centres = _grid(6, 90)
    d = np.where(np.arange(36) % 2 == 0, D, D * np.sqrt(2))
    det = detect_particles(_field(centres, d, shape=(620, 620), seed=9), 0.5)
    assert det.verdict.quality == "doubtful"
    assert any("second mode" in n for n in det.verdict.notes)


def test_edge_level_sensitivity_makes_default_doubtful():
    # the same blurred disks without a stated edge level: the mean moves by more than 5 %
    # between the ¼ and ¾ contrast edges, so the default half level cannot be trusted
    img = _field(_grid(6, 80), D, seed=8, blur=2.0)
    det = detect_particles(img, 0.5)
    assert det.verdict.quality == "doubtful"
    assert any(n.startswith("edge sensitivity") for n in det.verdict.notes)
    # sharp edges on large particles: where the edge is drawn hardly matters, the default is ok
    # (fitted σ ≈ 1.1 px with the 1 px smoothing, R = 36 px: 1.5 σ/R = 4.6 %)
    sharp = detect_particles(_field(_grid(5, 100), 72.0, seed=8, blur=0.5), 0.5)
    assert sharp.verdict.quality == "ok", sharp.verdict.notes
    assert sharp.diameters_nm.mean() == pytest.approx(36.0, rel=0.02)
    assert any(n.startswith("edge convention") for n in sharp.verdict.notes)


def test_edge_convention_makes_moderately_sharp_default_doubtful():
    # 48 px disks, σ/R ≈ 0.046: the ¼–¾ band moves the mean by only ±3 %, but hand-drawn
    # outlines lie up to 1.4 σ outside the fitted edge (EMPS a45586af89: σ/R = 0.051, mean
    # 6.8 % below the outlines): doubtful, for the edge convention alone
    det = detect_particles(_field(_grid(6, 80), 48.0, seed=8, blur=0.5), 0.5)
    assert det.diameters_nm.mean() == pytest.approx(24.0, rel=0.02)
    assert det.verdict.quality == "doubtful"
    doubts = [n for n in det.verdict.notes if "decides the size" in n]
    assert len(doubts) == 1 and doubts[0].startswith("edge convention"), det.verdict.notes


def _spheres(centres, d_px, shape=(600, 600), blur=1.2, noise=0.02, seed=0):
    """Projected spheres (intensity ∝ chord 2√(R² − r²)) on a dark film, blurred, with noise:
    the half-contrast line lies at √¾ R before blur, so a threshold at half contrast
    measures them about 13 % small."""
    rr, cc = np.mgrid[:shape[0], :shape[1]]
    img = np.zeros(shape)
    for (r, c), d in zip(centres, np.broadcast_to(np.asarray(d_px, float), (len(centres),))):
        rho2 = ((rr - r) ** 2 + (cc - c) ** 2) / (d / 2) ** 2
        img = np.maximum(img, np.sqrt(np.clip(1 - rho2, 0, 1)))
    img = ndi.gaussian_filter(img, blur)
    return 0.2 + 0.6 * img + np.random.default_rng(seed).normal(0, noise, shape)


def test_blurred_disk_edges_measured_at_known_radius():
    # uniform disks with a 1 px blur: the fitted profile (p near 0) puts the edge at R
    det = detect_particles(_field(_grid(6, 80), D, seed=8, blur=1.0), 0.5)
    assert det.n == 36
    assert det.diameters_nm.mean() == pytest.approx(D * 0.5, rel=0.03)
    note = [n for n in det.verdict.notes if n.startswith("edge from the radial profiles")]
    assert note and ("p = 0.0" in note[0] or "p = 0.1" in note[0]), det.verdict.notes
    # a 2 px blur (R/σ ≈ 5 after smoothing): the radial-blur model is no longer exact and
    # the mean may be off by a few per cent, so it must not be ok unless it is right
    wide = detect_particles(_field(_grid(6, 80), D, seed=8, blur=2.0), 0.5)
    right = abs(wide.diameters_nm.mean() / (D * 0.5) - 1) < 0.03
    assert right or wide.verdict.quality == "doubtful"


@pytest.mark.parametrize("d_px", [20.0, 30.0])
def test_projected_spheres_measured_at_the_rim(d_px):
    # numpy-built spheres of known radius: the half-contrast threshold is ~13 % small, the
    # default (profile fit) must find the rim; a stated level=0.5 keeps the old threshold
    img = _spheres(_grid(6, 80), d_px, seed=3)
    half = detect_particles(img, 1.0, contrast="bright", level=0.5)
    det = detect_particles(img, 1.0, contrast="bright")
    assert det.n == 36
    assert half.diameters_nm.mean() < 0.93 * d_px
    assert det.diameters_nm.mean() == pytest.approx(d_px, rel=0.03)


def test_touching_spheres_and_scale_bar_with_profile_edges():
    # touching pairs of spheres beside a scale bar with its label: the pairs are split, the
    # bar and letters are not counted, and the sizes come out at the rim
    centres = []
    for r, c in _grid(4, 120, offset=80):
        centres += [(r, c - 12.5), (r, c + 12.5)]
    img = _spheres(centres, 25.0, seed=4)
    img[540:548, 380:520] = 0.8
    _text(img, 515, 390, 0.8)
    det = detect_particles(img, 1.0, contrast="bright")
    assert det.n == 32
    assert any("scale bar" in n for n in det.verdict.notes)
    assert det.diameters_nm.mean() == pytest.approx(25.0, rel=0.04)
    assert det.diameters_nm.max() < 1.3 * 25.0  # no bar, label or merged pair counted


def _raft(d_px, shape=(600, 600), dark=False, seed=3):
    """A close-packed raft of touching disks over the whole image with empty voids in it: the
    particles are the majority phase (~55 % of the area), as in dense SEM/TEM fields."""
    step = d_px + 3.0  # a dark seam between neighbours, as between SEM spheres
    centres = [(r, c) for i, r in enumerate(np.arange(d_px / 2, shape[0], step * np.sqrt(3) / 2))
               for c in np.arange(d_px / 2 + (step / 2 if i % 2 else 0), shape[1], step)]
    voids = [(150, 150, 80), (420, 430, 90), (470, 120, 50)]
    centres = [(r, c) for r, c in centres
               if all((r - vr) ** 2 + (c - vc) ** 2 > rad ** 2 for vr, vc, rad in voids)]
    return _field(centres, d_px, shape=shape, dark=dark, seed=seed, blur=1.0)


@pytest.mark.parametrize("dark", [False, True])
def test_auto_contrast_dense_raft_majority_phase(dark):
    # particles cover ~60 % of the image: "the minority Otsu class is the particles" picks
    # the gaps between them (SEM GM 59_28: 30 nm instead of 130 nm). Both polarities are
    # tried and the one whose accepted particles cover more of the image is kept.
    img = _raft(30.0, dark=dark)
    det = detect_particles(img, 1.0)
    assert det.contrast == ("dark" if dark else "bright")
    assert det.n >= 100
    assert det.diameters_nm.mean() == pytest.approx(30.0, rel=0.05)
    assert any(n.startswith("contrast auto") for n in det.verdict.notes)


@pytest.mark.parametrize("dark", [True, False])
def test_uneven_illumination_with_scale_bar_and_label_defaults(dark):
    # bright field or HAADF with the illumination falling off across the field by more than
    # the particle contrast at its steepest (a condenser not centred, a thickness wedge of the
    # support), a burned-in scale bar and its "20nm" label: default command, no hints
    rr, cc = np.mgrid[:600, :600] / 600.0
    img = _field(_grid(5, 100), 40.0, dark=dark, seed=4)
    img = img + 0.5 * (cc - 0.5) + 0.3 * (rr - 0.5) ** 2
    value = float(img.min() - 0.1) if dark else float(img.max() + 0.1)
    img[560:570, 300:480] = value
    _text(img, 535, 490, value)
    det = detect_particles(img, 0.5)
    assert det.contrast == ("dark" if dark else "bright")
    assert det.n == 25
    assert det.diameters_nm.mean() == pytest.approx(20.0, rel=0.03)
    notes = " ".join(det.verdict.notes)
    assert "scale bar at row 564" in notes
    assert "of the label beside the scale bar excluded" in notes


def _raft_with_margin(margin, shape=(600, 600), d=24.0, step=26.0, seed=4):
    """Hexagonal raft of dark disks (gaps of 2 px) on a grey support, with ``margin`` rows of
    plain support below it: the image median is the particle level, not the background."""
    centres, r, row = [], 20.0, 0
    while r < shape[0] - margin - d / 2:
        c = 20.0 + (step / 2 if row % 2 else 0.0)
        while c < shape[1] - 20:
            centres.append((r, c))
            c += step
        r += step * np.sqrt(3) / 2
        row += 1
    return _field(centres, d, shape=shape, seed=seed), len(centres)


def test_plain_margin_beside_dense_raft_is_not_an_info_bar():
    # a wide empty margin at the background level, with the background's noise, is image:
    # cutting it (as a bar far from the raft's median) put the edge through the last row
    img, n_disks = _raft_with_margin(margin=120)
    det = detect_particles(img, 1.0, contrast="dark")
    assert not any("information bar" in n for n in det.verdict.notes)
    assert det.n == n_disks
    assert det.diameters_nm.mean() == pytest.approx(24.0, rel=0.05)


def test_black_info_bar_below_dense_raft_still_removed():
    # the same raft and margin with a black FEI-style band (white text blobs, a white scale
    # bar) over the bottom 90 rows: the band is cut, the plain margin above it is kept
    img, n_disks = _raft_with_margin(margin=120)
    img[-90:] = 0.02
    img[-70:-62, 40:240] = 1.0
    _text(img, 540, 300, 1.0)
    _text(img, 540, 420, 1.0)
    det = detect_particles(img, 1.0, contrast="dark")
    bar = [n for n in det.verdict.notes if "information bar" in n]
    assert bar and "92 rows at the bottom" in bar[0]
    assert det.n == n_disks
    assert det.labels[-90:].max() == 0


def _textured_support(seed, amplitude):
    """Bright disks (HAADF-like, contrast 0.6) on a support whose own blobs, of the particles'
    scale, reach ``amplitude`` of that contrast (a catalyst support, a grainy film)."""
    rng = np.random.default_rng(seed)
    tex = ndi.gaussian_filter(rng.normal(size=(600, 600)), 6.0)
    tex = amplitude * 0.6 * tex / tex.std()
    return _field(_grid(5, 100), D, dark=False, seed=seed) + tex


def test_support_as_contrasted_as_particles_is_doubtful():
    # The histogram has no minority class, so both polarities are tried; on this support
    # the wrong one finds the support's blobs and covers about as much as the right one.
    # Before, the choice was reported as a note only (no doubt); the note must say why.
    det = detect_particles(_textured_support(11, 0.6), 0.5)
    notes = " ".join(det.verdict.notes)
    assert "contrast auto" in notes
    assert det.verdict.quality == "doubtful"
    assert "contrast comparable to the particles'" in notes, notes
    # control: the same disks on a plain background, dense enough for the ambiguous path
    # (a raft): the right polarity wins clearly and this doubt is not raised
    raft = _field(_grid(20, 27, offset=40), D, dark=False, seed=12)
    det = detect_particles(raft, 0.5)
    assert "contrast comparable to the particles'" not in " ".join(det.verdict.notes)
