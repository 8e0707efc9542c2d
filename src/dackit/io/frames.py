"""Frames of multi-frame detector files, read one at a time.

A beamline stack can hold thousands of 2048² frames: :class:`FrameSource` never holds more
than two of them (the one in use and the next, read ahead in a thread). HDF5/NeXus stacks
(Eiger master files with ``/entry/data/data`` or the chained ``data_000001``,
``data_000002``… external links, Lima files, any 3D dataset) are read with h5py, with
hdf5plugin registering the compression filters detectors write (bitshuffle-LZ4, LZ4, Blosc,
Zstd); HDF5 chunks of one frame are decompressed one at a time.
Multi-frame EDF, CBF and Princeton SPE files are read with fabio's ``getframe``.

Frame selections (:func:`parse_frames`): ``"all"``, ``"sum"``, ``"mean"``, ``"N"`` (one
frame, counted from 0) or ``"N:M"`` (frames N … M−1, as a Python slice; an open end
``"N:"`` runs to the last frame).

>>> parse_frames("2:5", 10).indices
[2, 3, 4]
>>> parse_frames("sum", 3).combine
'sum'
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dackit.errors import InputError, where
from dackit.io.guard import check_pixels, regular_file
from dackit.io.images import (_h5_default_dataset, _read_fabio, _split_h5_path, check_image_file,
                               fabio_stdout_muted)

#: Eiger/Lima master files: the NeXus path of the image data (issue 12)
EIGER_DATA = "/entry/data/data"
#: Eiger's per-pixel mask of the master file (nonzero = gap, dead, hot, noisy)
EIGER_PIXEL_MASK = "/entry/instrument/detector/detectorSpecific/pixel_mask"


@dataclass(frozen=True)
class FrameSelection:
    """Which frames to integrate and how: ``combine`` is None (one pattern a frame), "sum" or "mean"."""

    indices: list[int]
    combine: str | None = None
    spec: str = "all"


def parse_frames(spec: str | None, nframes: int, *, source="") -> FrameSelection:
    """Turn ``--frames`` text into frame indices; an InputError names the option and the range.

    Parameters
    ----------
    spec : str or None
        ``all`` (default when None), ``sum``, ``mean``, ``N`` (one frame) or ``N:M``
        (frames N to M−1; either end may be left out).
    nframes : int
        Number of frames in the file.
    source : str
        File name for error messages.

    Returns
    -------
    FrameSelection
        ``indices``, ``combine`` (``"sum"``, ``"mean"`` or None) and the normalised ``spec``.
    """
    pre = where(source)
    text = "all" if spec is None else str(spec).strip().lower()
    if nframes < 1:
        raise InputError(f"{pre}the file holds no frame")
    if text in ("all", "sum", "mean"):
        return FrameSelection(list(range(nframes)), None if text == "all" else text, text)
    try:
        if ":" in text:
            start_s, stop_s = text.split(":", 1)
            start = int(start_s) if start_s.strip() else 0
            stop = int(stop_s) if stop_s.strip() else nframes
        else:
            start = int(text)
            stop = start + 1
    except ValueError:
        raise InputError(f"--frames {spec!r}: use all, sum, mean, N or N:M (frames N to M-1)") from None
    if not 0 <= start < stop <= nframes:
        raise InputError(f"{pre}--frames {spec!r} is outside the file's {nframes} frame(s) "
                         f"(valid: 0 to {nframes - 1}; N:M takes frames N to M-1)")
    return FrameSelection(list(range(start, stop)), None, text)


class FrameSource:
    """An open multi-frame file: ``nframes``, ``shape``, ``mask`` and ``frame(i)``.

    Use as a context manager; frames are read only when asked for. ``frame(i)`` returns the
    detector's own dtype (no float copy): pyFAI converts on the fly. In unsigned-integer
    Eiger data the largest value marks a gap or dead pixel; such frames get those pixels
    set to −1 (masked like Pilatus gaps), which costs a pass only over frames that hold one.
    """

    def __init__(self, path):
        self.path, inner = _split_h5_path(path)
        self._pre = where(self.path)
        if regular_file(self.path, "image file").st_size == 0:
            raise InputError(f"{self._pre}image file is empty")
        self._h5 = None
        self._fabio = None
        self._parts: list = []
        self.mask: np.ndarray | None = None
        if check_image_file(self.path, inner):
            try:
                self._open_h5(inner)
            except InputError:
                raise
            except (RuntimeError, KeyError, ValueError, TypeError, OSError) as exc:
                # h5py's own errors for datasets it cannot map (null dataspace, compound types)
                self.close()
                raise InputError(f"{self._pre}cannot read an image from the HDF5 file "
                                 f"({type(exc).__name__}: {exc})") from None
        else:
            self._open_fabio()

    # -- HDF5 -------------------------------------------------------------------------------
    def _open_h5(self, inner):
        import h5py
        import hdf5plugin  # noqa: F401  (registers the detectors' compression filters)

        try:
            self._h5 = h5py.File(self.path, "r")
        except OSError as exc:
            raise InputError(f"{self._pre}cannot open the HDF5 file ({exc})") from None
        h5 = self._h5
        if inner is not None:
            if inner not in h5 or not isinstance(h5[inner], h5py.Dataset):
                self.close()
                raise InputError(f"{self._pre}no dataset {inner!r} in the HDF5 file")
            parts = [h5[inner]]
        elif EIGER_DATA in h5 and isinstance(h5[EIGER_DATA], h5py.Dataset):
            parts = [h5[EIGER_DATA]]
        elif "/entry/data" in h5 and any(k.startswith("data_") for k in h5["/entry/data"]):
            group = h5["/entry/data"]
            parts = []
            for key in sorted(k for k in group if k.startswith("data_")):
                try:  # an external link to a file not copied with the master
                    parts.append(group[key])
                except (KeyError, OSError) as exc:
                    self.close()
                    raise InputError(f"{self._pre}/entry/data/{key} cannot be opened ({exc}); "
                                     "copy the data_00000N files beside the master file") from None
        else:
            found = _h5_default_dataset(h5)
            if found is None:
                self.close()
                raise InputError(f"{self._pre}no 2D or 3D image dataset in the HDF5 file")
            parts = [found]
        for dset in parts:
            if dset.ndim not in (2, 3) or not np.issubdtype(dset.dtype, np.number):
                self.close()
                raise InputError(f"{self._pre}dataset {dset.name} of shape {dset.shape} and type "
                                 f"{dset.dtype} is not an image or a stack of images")
        shapes = {tuple(d.shape[-2:]) for d in parts}
        if len(shapes) != 1:
            self.close()
            raise InputError(f"{self._pre}the data files hold frames of different shapes {sorted(shapes)}")
        self.shape = shapes.pop()
        check_pixels(self.path, self.shape)
        self._parts = parts
        self._counts = [1 if d.ndim == 2 else int(d.shape[0]) for d in parts]
        self.nframes = int(sum(self._counts))
        dtype = parts[0].dtype
        self._invalid = np.iinfo(dtype).max if np.issubdtype(dtype, np.unsignedinteger) else None
        if EIGER_PIXEL_MASK in h5:
            pm = np.asarray(h5[EIGER_PIXEL_MASK][()])
            if pm.shape == self.shape and pm.any():
                self.mask = pm != 0

    # -- fabio ------------------------------------------------------------------------------
    def _open_fabio(self):
        with fabio_stdout_muted(self.path):
            self._open_fabio_quiet()

    def _open_fabio_quiet(self):
        img = None
        self._invalid = None
        import fabio

        try:  # the header alone first: a declared 100000 × 100000 must not be allocated
            shape = getattr(fabio.openheader(str(self.path)), "shape", None)
        except Exception:  # noqa: BLE001 - fabio.open below says what is wrong with the file
            shape = None
        if shape:
            check_pixels(self.path, shape)
        try:
            img = fabio.open(str(self.path))
            self.nframes = int(getattr(img, "nframes", 1) or 1)
            self.shape = tuple(int(n) for n in img.data.shape[-2:])
        except Exception:  # noqa: BLE001 - _read_fabio says what is wrong with the file
            if img is not None:
                img.close()
            data = _read_fabio(self.path, 0)  # raises the InputError with the reason
            self.nframes, self.shape = 1, tuple(np.asarray(data).shape[-2:])
            img = None
            self._single = data
        self._fabio = img

    # -- access -----------------------------------------------------------------------------
    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` (0-based) as a 2D array of the detector's dtype."""
        index = int(index)
        if not 0 <= index < self.nframes:
            raise InputError(f"{self._pre}frame {index} out of range: the file holds {self.nframes} "
                             f"frame(s) (0–{self.nframes - 1})")
        if self._h5 is not None:
            for dset, count in zip(self._parts, self._counts):
                if index < count:
                    data = dset[()] if dset.ndim == 2 else dset[index]
                    break
                index -= count
            if self._invalid is not None and data.max() == self._invalid:
                data = np.where(data == self._invalid, -1, data.astype(np.int64))
            return np.asarray(data)
        if self._fabio is None:
            return np.asarray(self._single)
        try:
            data = self._fabio.data if index == 0 else self._fabio.getframe(index).data
        except Exception as exc:  # noqa: BLE001 - fabio raises anything on a damaged frame
            raise InputError(f"{self._pre}cannot read frame {index} ({type(exc).__name__}: {exc})") from None
        # fabio's PIL fallback (JPEG-compressed TIFF) gives a read-only view; pyFAI writes to its input
        data = np.array(data) if not np.asarray(data).flags.writeable else np.asarray(data)
        if data.ndim == 3 and data.shape[0] == 1:
            data = data[0]
        if data.shape != self.shape:
            raise InputError(f"{self._pre}frame {index} has shape {data.shape}, frame 0 {self.shape}")
        return data

    def frames(self, indices) -> Iterator[tuple[int, np.ndarray]]:
        """(index, frame) for each index; the next frame is read and decompressed in a
        background thread while the caller works on this one (pyFAI's integration releases
        the GIL), so at most two frames are in memory at a time."""
        from concurrent.futures import Future, ThreadPoolExecutor

        order = [int(i) for i in indices]
        if len(order) < 2:
            for i in order:
                yield i, self.frame(i)
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dackit-frames") as pool:
            ahead: Future | None = pool.submit(self.frame, order[0])
            try:
                for n, i in enumerate(order):
                    assert ahead is not None
                    frame = ahead.result()
                    ahead = pool.submit(self.frame, order[n + 1]) if n + 1 < len(order) else None
                    yield i, frame
            finally:  # the caller stopped early (or failed): let the read in flight finish
                if ahead is not None:
                    ahead.cancel()

    def close(self) -> None:
        for handle in (self._h5, self._fabio):
            if handle is not None:
                handle.close()
        self._h5 = self._fabio = None

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_frames(path) -> FrameSource:
    """Open a (possibly multi-frame) detector file for frame-by-frame reading.

    Parameters
    ----------
    path : str or Path
        An image file fabio reads, or an HDF5/NeXus file (``file.h5::/path`` names a dataset).

    Returns
    -------
    FrameSource
        With ``nframes``, ``shape``, ``mask`` (Eiger pixel mask or None) and ``frame(i)``.

    Examples
    --------
    >>> with open_frames("stack.h5") as src:          # doctest: +SKIP
    ...     for i, frame in src.frames(range(src.nframes)):
    ...         pass
    """
    return FrameSource(Path(path) if "::" not in str(path) else path)


def mean_image(path) -> np.ndarray:
    """The mean of every frame of a file (a dark or flat series), accumulated one frame at a time.

    Parameters
    ----------
    path : str or Path
        Image file (any format :func:`open_frames` reads; ``file.h5::/dataset`` for an
        HDF5 dataset).

    Returns
    -------
    ndarray
        The mean frame (float64).
    """
    with open_frames(path) as src:
        total = np.zeros(src.shape, dtype=np.float64)
        for _, frame in src.frames(range(src.nframes)):
            total += frame
        return total / src.nframes
