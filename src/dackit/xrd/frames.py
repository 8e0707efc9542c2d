"""Multi-frame images to patterns: one pattern a frame, or the sum or mean of frames.

Frames are streamed: one frame (plus, for ``sum``/``mean``, one float64 accumulator) is in
memory at a time whatever the number of frames, and one :class:`~dackit.xrd.integrate.Integrator`
(one pyFAI engine: same integrator object, method and shape) serves them all. A series is
written as one NeXus file (:func:`write_pattern_series`) rather than thousands of ``.xy``.

The pattern of a sum of frames is the sum of their patterns (azimuthal integration is linear
in the counts; dark and a fixed background scale are subtracted once per frame); its σ is the
Poisson σ of the summed counts. ``mean`` divides both by the number of frames.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from dackit.core.pattern import Pattern
from dackit.errors import InputError, where
from dackit.io.frames import open_frames, parse_frames
from dackit.xrd.nexus import create_nexus, radial_axis


@dataclass(frozen=True)
class FramePattern:
    """One pattern of a stack: ``frame`` (int, or "sum"/"mean"), ``n_frames`` combined, ``pattern``,
    and ``file_frames``, the number of frames the file holds."""

    frame: int | str
    n_frames: int
    pattern: Pattern
    file_frames: int = 1


def sum_frames(integrator, src, indices) -> np.ndarray:
    """The sum of frames ``indices`` of an open :class:`~dackit.io.frames.FrameSource`, one frame
    in memory at a time; a pixel saturated in any frame is set to the integrator's dead-pixel
    value (gap pixels, −1 in each frame, sum to −n: still negative, still masked)."""
    total = None
    for _, frame in src.frames(indices):
        if total is None:
            total = np.zeros(frame.shape, dtype=np.float64)
        if integrator.saturation is not None:  # saturated in any frame → masked in the sum
            frame = np.where(frame >= integrator.saturation, -np.inf, frame)
        total += frame
    if total is None:
        raise InputError(f"{where(src.path)}no frame selected")
    total[~np.isfinite(total)] = integrator._replacement  # noqa: SLF001 - the dead-pixel value
    return total


def summed_image(integrator, path) -> tuple[np.ndarray, int]:
    """The image of ``path`` as its ``sum`` pattern sees it: the frame of a single image, the sum
    of a stack's frames (:func:`sum_frames`); and the number of frames summed.

    Parameters
    ----------
    integrator : Integrator
        Its saturation and dead-pixel value mask the sum; a mask stored in the file is added to it.
    path : str or Path
        The image or stack.
    """
    with open_frames(path) as src:
        if src.mask is not None:
            integrator.add_mask(src.mask)
        image = src.frame(0) if src.nframes == 1 else sum_frames(integrator, src, range(src.nframes))
        return image, src.nframes


def _combined(integrator, src, selection, source: str) -> FramePattern:
    n = len(selection.indices)
    total = sum_frames(integrator, src, selection.indices)
    pattern = integrator.integrate(total, source=source, n_frames=n)
    if selection.combine == "mean":
        pattern = replace(pattern, intensity=pattern.intensity / n,
                          sigma=None if pattern.sigma is None else pattern.sigma / n)
    return FramePattern(frame=str(selection.combine), n_frames=n, pattern=pattern, file_frames=src.nframes)


def iter_frame_patterns(integrator, path, frames: str | None = "all") -> Iterator[FramePattern]:
    """Patterns of the frames of ``path`` selected by ``frames`` (see :func:`dackit.io.frames.parse_frames`).

    Parameters
    ----------
    integrator : Integrator
        Built once; reused for every frame.
    path : str or Path
        A multi-frame file (HDF5/NeXus/Eiger master, EDF, CBF, SPE) or a single image.
    frames : "all", "sum", "mean", "N" or "N:M"

    Yields
    ------
    FramePattern
        One a frame, or a single one for ``sum``/``mean``.
    """
    source = str(path)
    with open_frames(path) as src:
        selection = parse_frames(frames, src.nframes, source=source)
        if src.mask is not None:
            integrator.add_mask(src.mask)
        if selection.combine is not None:
            yield _combined(integrator, src, selection, source)
            return
        for index, frame in src.frames(selection.indices):
            yield FramePattern(frame=index, n_frames=1, file_frames=src.nframes,
                               pattern=integrator.integrate(frame, source=f"{source} frame {index}"))


def write_pattern_series(integrator, path, output, frames: str | None = "all") -> dict:
    """Integrate the frames of ``path`` into one NeXus/HDF5 file of patterns (streamed).

    ``/entry/patterns`` is an NXdata: ``intensity`` (frames × bins, NaN in bins no pixel
    reaches), ``intensity_errors``, axes ``frame`` and ``twotheta`` (or ``q``) with units;
    ``/entry/patterns/background_scale`` when a background is subtracted. Rows are written
    as frames are integrated: memory does not grow with the number of frames.

    Parameters
    ----------
    integrator : Integrator
        Geometry, mask and corrections; a mask stored in the file is added to it.
    path : str or Path
        Multi-frame image file (``file.h5::/dataset`` for an HDF5 dataset).
    output : str or Path
        The NeXus/HDF5 file to write (overwritten; parent folders are created).
    frames : str or None
        ``all`` or ``N:M`` (see :func:`dackit.io.parse_frames`); ``sum`` and ``mean`` are
        refused (a series has one pattern a frame).

    Returns
    -------
    dict
        ``output``, ``frames`` (count), ``bins``, ``total_intensity`` (per frame: the sum of
        each pattern, a quick look at beam or sample changes along the series).
    """
    import h5py

    output = Path(output)
    source = str(path)
    totals: list[float] = []
    with open_frames(path) as src:
        selection = parse_frames(frames, src.nframes, source=source)
        if selection.combine is not None:
            raise InputError(f"{where(source)}a pattern series needs one pattern a frame (all or N:M), "
                             f"not {selection.combine}")
        if src.mask is not None:
            integrator.add_mask(src.mask)
        n = len(selection.indices)
        h5, entry = create_nexus(output, default="patterns", source=source, what="the pattern series")
        with h5:
            data = entry.create_group("patterns")
            axis, axis_units = radial_axis(integrator.unit)
            data.attrs.update(NX_class="NXdata", signal="intensity", axes=["frame", axis],
                              frame_indices=0, **{f"{axis}_indices": 1})
            data["frame"] = np.asarray(selection.indices, dtype=np.int64)
            inten: h5py.Dataset | None = None
            errs: h5py.Dataset | None = None
            scales: h5py.Dataset | None = None
            for row, (index, frame) in enumerate(src.frames(selection.indices)):
                x, y, s, info = integrator.integrate_arrays(frame, source=f"{source} frame {index}")
                if inten is None:
                    ax = data.create_dataset(axis, data=x)
                    ax.attrs["units"] = axis_units
                    inten = data.create_dataset("intensity", shape=(n, x.size), dtype="f4",
                                                chunks=(1, x.size), compression="gzip", fillvalue=np.nan)
                    inten.attrs["units"] = "counts"
                    errs = data.create_dataset("intensity_errors", shape=(n, x.size), dtype="f4",
                                               chunks=(1, x.size), compression="gzip", fillvalue=np.nan)
                    if info["background_scale"] is not None:
                        scales = data.create_dataset("background_scale", shape=(n,), dtype="f8")
                assert inten is not None and errs is not None
                inten[row] = y
                errs[row] = s
                if scales is not None and info["background_scale"] is not None:
                    scales[row] = info["background_scale"]
                totals.append(float(np.nansum(y)))
            entry["wavelength_a"] = float(integrator.geometry.wavelength_a)
            entry["wavelength_a"].attrs["units"] = "angstrom"
    return {"output": str(output), "frames": n, "bins": int(integrator.bins), "total_intensity": totals}
