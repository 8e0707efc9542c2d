"""Close-packed monolayers of dark nanocrystals (bright field), built with numpy
(:func:`tem_synth.packed_monolayer`, not dackit's simulator).

The particles cover most of the frame and the support shows only in the gaps between them,
so the minority Otsu class is the gaps: measured as particles they come out at about half
the particle diameter. The physics allows two honest answers: the particles' mean within
5 % (the corpus tolerance), or a doubtful result whose note names the interstices. A result
off by more than 5 % with neither is what must not happen.
"""
from pathlib import Path

import numpy as np
import pytest

from dackit.tem.detect import detect_particles
from tem_synth import micrograph, packed_monolayer, typical_params


# Not solved (issue 10): when blur widens the gaps to 25-35 % of the frame (Otsu's bright
# class), both polarities are compared; the dark network is left unsplit and rejected, the gaps
# are kept as particles, and the lattice doubt (given only where the minority rule chose the
# contrast) is not given. Measured on these two: bright class 25.4 % and 34.7 %, mean -41 % and
# -42 %, doubtful only through the edge level.
_OPEN = pytest.mark.xfail(strict=True, reason="both-polarity branch: gaps kept without the lattice doubt")


@pytest.mark.parametrize("kind, radius, gap, blur, noise, domains", [
    pytest.param("square", 9.0, 0.0, 1.0, 0.02, False, marks=_OPEN),
    ("hex", 8.0, 1.0, 1.0, 0.02, False),
    pytest.param("square", 7.0, 0.0, 0.6, 0.01, True, marks=_OPEN),
])
def test_packed_dark_discs_are_measured_or_the_gaps_are_named(kind, radius, gap, blur, noise, domains):
    img, truth = packed_monolayer(kind, radius, gap, blur, noise, size_px=320, domains=domains, seed=1)
    det = detect_particles(img, 1.0)
    mean = float(np.mean(det.diameters_nm))
    if abs(mean / truth - 1) <= 0.05:
        return
    assert det.verdict.quality == "doubtful"
    assert any("interstices" in n for n in det.verdict.notes), (mean, truth, det.verdict.notes)


def test_dispersed_particles_are_not_called_interstices():
    # particles placed at random sit on no lattice: their nearest-neighbour distances spread
    # by far more than a packing's
    for seed in range(3):
        p = typical_params(np.random.default_rng(seed))
        p.update(bright=False, n=80, mean_d_px=14.0, size_px=384, scale_bar=False)
        img, _, _ = micrograph(p)
        det = detect_particles(img, 1.0)
        assert not any("interstices" in n for n in det.verdict.notes)


def test_pbs_square_superlattice_gaps_are_named():
    # the corpus image whose minority class is the gaps (18 % of the frame): measured at 2.97
    # against 6.58 nm, the note must say they may be interstices
    from dackit.tem.io import read_tem_image

    path = Path(__file__).parent / "corpus" / "tem" / "ksl_pbs_square_superlattice_olympus_sis.tif"
    det = detect_particles(read_tem_image(path))
    assert det.verdict.quality == "doubtful"
    assert any("interstices" in n for n in det.verdict.notes)
