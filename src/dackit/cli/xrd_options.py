"""The image-correction and integration options every XRD command that integrates shares.

``@integration_options`` adds them to a command and hands it one ``settings`` argument, an
:class:`~dackit.xrd.integrate.IntegrationSettings` built by :func:`integration_settings`:
``xrd integrate``, ``xrd cake``, ``xrd lattice`` and ``xrd phases`` integrate the same way.
"""
from __future__ import annotations

import functools
from pathlib import Path

import click

from dackit.errors import InputError

_FILE = click.Path(path_type=Path, dir_okay=False)

_OPTIONS = [
    click.option("--mask", "mask", type=_FILE, default=None,
                 help="Mask image (Dioptas .mask, tif, edf, .npy); nonzero pixels are ignored."),
    click.option("--flip-ud", is_flag=True,
                 help="The PONI was calibrated on the image flipped upside down "
                      "(Dioptas PONI files without detector orientation)."),
    click.option("--polarization", type=click.FloatRange(-1, 1), default=None,
                 help="Polarisation factor (0.99 for a horizontally polarised synchrotron beam) "
                      "[default: no correction]."),
    click.option("--no-solid-angle", "no_solid_angle", is_flag=True,
                 help="Do not correct pixels for the solid angle they subtend."),
    click.option("--saturation", type=float, default=None,
                 help="Mask pixels at or above this count (saturated or hot)."),
    click.option("--dark", type=_FILE, default=None,
                 help="Dark image subtracted from every frame (a multi-frame file is averaged)."),
    click.option("--flat", type=_FILE, default=None, help="Flat-field image every frame is divided by."),
    click.option("--background", type=_FILE, default=None,
                 help="Empty-cell image, subtracted with a scale (see --background-scale)."),
    click.option("--background-scale", type=float, default=None,
                 help="Fixed scale of --background [default: fitted to each image by least squares]."),
    click.option("--background-region", nargs=2, type=float, default=None,
                 help="Radial range (pattern unit) where only the cell scatters, for fitting the scale "
                      "[default: the whole pattern with the sample's peaks left out]."),
    click.option("--sigma-clip", type=click.FloatRange(min=0, min_open=True), default=None,
                 help="Discard pixels more than N standard deviations from their ring's mean "
                      "(pyFAI sigma clipping, azimuthal error model): removes diamond spots and zingers."),
    click.option("--azimuth-range", nargs=2, type=float, default=None,
                 help="Integrate only this azimuthal sector, in degrees (pyFAI χ, -180…180)."),
]

_NAMES = ("mask", "flip_ud", "polarization", "no_solid_angle", "saturation", "dark", "flat", "background",
          "background_scale", "background_region", "sigma_clip", "azimuth_range")


def integration_settings(*, mask=None, flip_ud=False, polarization=None, no_solid_angle=False,
                         saturation=None, dark=None, flat=None, background=None, background_scale=None,
                         background_region=None, sigma_clip=None, azimuth_range=None):
    """The :class:`~dackit.xrd.integrate.IntegrationSettings` of the shared command-line options."""
    from dackit.xrd.integrate import IntegrationSettings

    if background is None and (background_scale is not None or background_region):
        raise InputError("--background-scale/--background-region need --background EMPTY_CELL_IMAGE")
    if background_region and not background_region[0] < background_region[1]:
        raise InputError(f"--background-region {background_region[0]} {background_region[1]}: give MIN MAX")
    if azimuth_range and not azimuth_range[0] < azimuth_range[1]:
        raise InputError(f"--azimuth-range {azimuth_range[0]} {azimuth_range[1]}: give MIN MAX in degrees")
    return IntegrationSettings(
        mask=mask, flip_ud=bool(flip_ud), polarization=polarization, solid_angle=not no_solid_angle,
        saturation=saturation, dark=dark, flat=flat, background=background,
        background_scale=background_scale,
        background_region=tuple(background_region) if background_region else None,
        sigma_clip=sigma_clip, azimuth_range=tuple(azimuth_range) if azimuth_range else None)


def integration_options(f):
    """Add the shared options to a click command; it receives them as ``settings``."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        values = {name: kwargs.pop(name) for name in _NAMES}
        return f(*args, settings=integration_settings(**values), **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper
