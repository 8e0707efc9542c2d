"""Detector geometry from a calibrant image named in experiment.toml, calibrated once.

``[xrd]`` (or ``[saxs]``) may give ``calibrant_image`` + ``calibrant`` (+ ``detector`` or
``pixel_um``, optional ``distance_mm``) instead of ``poni``::

    [xrd]
    wavelength_a = 0.4066
    calibrant_image = "xrd/CeO2.tif"
    calibrant = "CeO2"
    detector = "Pilatus1M"

The calibration (:func:`dackit.xrd.calibrate.calibrate`) runs once per image content and
settings: its result is kept in memory for the process and on disk in
``<experiment folder>/.dackit/calibration-<key>.json`` (the key hashes the image bytes and
the settings), so later runs and ``dackit watch`` reuse it. The pipeline puts the geometry
and the calibration summary (rings, rms, quality) into the analysis settings, which
results.json records in the provenance of every XRD row.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dackit.errors import ConfigError, DackitError

_MEMO: dict[str, dict] = {}


def calibration_settings(exp, section, name: str) -> dict:
    """``{"geometry": Geometry.to_dict(), "calibration": summary, "image_sha256": sha}`` for
    the calibrant image of ``section`` (``exp.xrd`` or ``exp.saxs``), from the cache or computed.

    A calibration that fails is a :class:`~dackit.errors.ConfigError` naming ``name.calibrant_image``.
    """
    from dackit.experiment.store import sha256_file

    image = exp.path(section.calibrant_image)
    sha = sha256_file(image)
    params = {"calibrant": section.calibrant, "wavelength_a": section.resolved_wavelength_a,
              "detector": section.detector, "pixel_um": section.pixel_um, "distance_mm": section.distance_mm,
              "mask": None if section.mask is None else sha256_file(exp.path(section.mask))}
    key = hashlib.sha256(json.dumps([sha, params], sort_keys=True).encode()).hexdigest()[:24]
    if key in _MEMO:
        return _MEMO[key]
    cache = Path(exp.base_dir) / ".dackit" / f"calibration-{key}.json"
    try:
        out = json.loads(cache.read_text())
        if {"geometry", "calibration"} <= set(out):
            _MEMO[key] = out
            return out
    except (OSError, ValueError):
        pass
    from dackit.xrd.calibrate import calibrate_image

    try:
        result = calibrate_image(image, section.calibrant, wavelength_a=section.resolved_wavelength_a,
                                 detector=section.detector, pixel_um=section.pixel_um,
                                 distance_mm=section.distance_mm,
                                 mask=None if section.mask is None else exp.path(section.mask))
    except DackitError as exc:
        raise ConfigError(f"{name}.calibrant_image = {section.calibrant_image!r} cannot be calibrated: {exc}") from None
    summary = result.to_dict()
    summary["calibrant"] = result.calibrant
    out = {"geometry": result.geometry.to_dict(), "calibration": summary, "image_sha256": sha}
    _MEMO[key] = out
    try:  # a read-only experiment folder only costs a recalibration next time
        from dackit.core.files import atomic_write_text

        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cache, json.dumps(out, indent=1))
    except OSError:
        pass
    return out
