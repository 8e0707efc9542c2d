"""A background under bright particles on a lumpy support, at a scale read from the particles.

In HAADF images of supported catalysts the support adds its own signal, varying on a scale a
few times the particles' and by as much as their contrast; no smooth global surface removes it.
A grey-scale opening with a disk removes every bright feature narrower than the disk and keeps
what is wider (the support): the top-hat ``image − opening`` holds the particles. The disk must
be wider than the particles (or they are cut) and as narrow as possible (or the support's
smaller lumps stay). Its radius comes from the image: with a disk of radius r the top-hat's
bright objects (above half its 99.5th percentile) have an area-weighted median diameter D(r)
that grows with r while the disk still cuts the particles (D > r) and stops growing once it
takes them whole; the smallest r on a geometric grid with D(r) ≤ r is the scale (a disk one
median diameter in radius keeps particles up to twice the median whole).

Measured (bench/tem_background_scale.py): numpy-built disks of 16 px on Gaussian lumps of
0.75–2.5× their contrast give r = 16 and means +1.5 %, +1.7 % (without: −65 to +1100 %); the
ArdaGen STEM images (Genc et al., Ultramicroscopy 271, 114116 (2025)) give Cu4 −7.4 %, Pt2
−21 %, Ru4 −6.5 %, PtCo +3.6 % against hand-drawn boxes (without: −73, +43, −81, +4.8 %);
Pt2's −21 % was its edge, not the support: its 12 px particles kept the half-contrast edge, ~15 %
inside their rim, until profiles were fitted from 6 px across (:data:`dackit.tem.edges.PROFILE_MIN_RADIUS`: −0.6 %).
"""
from __future__ import annotations

import numpy as np

#: opening radii tried (px), geometric: 4 to 96 in steps of ~19 %
SCALE_RADII = tuple(int(r) for r in np.round(np.geomspace(4, 96, 19)))


def _opening(img: np.ndarray, radius: int) -> np.ndarray:
    from skimage.morphology import disk, opening

    # the disk decomposed into a sequence of small footprints: exact to a pixel, fast for
    # radii of tens of pixels
    return opening(img, disk(int(radius), decomposition="sequence"))


def _tophat_diameter(sm: np.ndarray, radius: int) -> float:
    from scipy import ndimage as ndi

    th = sm - _opening(sm, radius)
    lab, _ = ndi.label(th > 0.5 * np.percentile(th, 99.5))
    areas = np.bincount(lab.ravel())[1:]
    # objects below 9 px are noise and support grain, not particles the pipeline can size
    areas = np.sort(areas[areas >= 9]).astype(float)
    if areas.size == 0:
        return 0.0
    # area-weighted: many grain specks must not outvote the particles
    k = int(np.searchsorted(np.cumsum(areas) / areas.sum(), 0.5))
    return float(2 * np.sqrt(areas[k] / np.pi))


def particle_scale(img: np.ndarray) -> int | None:
    """Opening radius (px) at which bright particles leave the top-hat whole; None if none.

    Parameters
    ----------
    img : ndarray
        2D image, particles bright.

    Returns
    -------
    int or None
        The smallest radius of :data:`SCALE_RADII` with D(r) ≤ r (see the module docstring),
        None when no radius up to 96 px takes the bright objects whole.

    Examples
    --------
    >>> rr, cc = np.mgrid[0:200, 0:200]
    >>> img = sum(((rr - r0) ** 2 + (cc - c0) ** 2 < 36).astype(float)
    ...           for r0 in range(20, 200, 40) for c0 in range(20, 200, 40))
    >>> particle_scale(img + 0.5 * np.exp(-((rr - 100) ** 2 + (cc - 80) ** 2) / 3000.0))
    12
    """
    from scipy import ndimage as ndi

    sm = ndi.gaussian_filter(np.asarray(img, float), 1.0)
    for r in SCALE_RADII:
        d = _tophat_diameter(sm, r)
        if 0 < d <= r:
            return r
    return None


def support_level(img: np.ndarray, radius: int) -> np.ndarray:
    """The support under the particles: the grey-scale opening by a disk of ``radius`` px.

    Parameters
    ----------
    img : ndarray
        2D image, particles bright.
    radius : int
        Disk radius in pixels, from :func:`particle_scale`.

    Returns
    -------
    ndarray
        The image with every bright feature narrower than the disk removed.
    """
    return _opening(np.asarray(img, float), radius)


def subtract_support(img: np.ndarray, radius: int) -> np.ndarray:
    """The top-hat: ``img`` minus its grey-scale opening by a disk of ``radius`` px.

    Parameters
    ----------
    img : ndarray
        2D image, particles bright.
    radius : int
        Disk radius in pixels, from :func:`particle_scale`.

    Returns
    -------
    ndarray
        The image with the support (everything wider than the disk) removed.
    """
    img = np.asarray(img, float)
    return img - _opening(img, radius)
