"""Read 2D detector images: every format fabio reads, plus frames of HDF5/NeXus files.

fabio covers tif, edf, cbf, mar3450, mccd, Princeton SPE, Eiger/Lima HDF5 and many more.
Generic HDF5/NeXus files are read with h5py: ``file.h5::/entry/data/data`` names the
dataset; without a path, the NeXus default signal is used, else the largest 2D/3D dataset.

Masks (:func:`read_mask`) are images too (a Dioptas ``.mask`` is a tif) or ``.npy`` arrays;
nonzero means masked.
"""
from __future__ import annotations

import contextlib
import io
import threading
from pathlib import Path

import numpy as np

from dackit.errors import InputError, where
from dackit.io.guard import IMAGE_PIXELS_ENV, check_pixels, regular_file

_HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".nxs", ".nx5", ".nexus")


def _split_h5_path(path) -> tuple[Path, str | None]:
    text = str(path)
    if "::" in text:
        file_part, inner = text.split("::", 1)
        return Path(file_part), inner or None
    return Path(text), None


def _h5_default_dataset(h5file):
    """NeXus default signal (``default`` → NXdata ``signal`` attributes), else the biggest image stack."""
    import h5py

    def _attr(node, name):
        value = node.attrs.get(name)
        return value.decode() if isinstance(value, bytes) else value

    node = h5file
    for _ in range(3):
        default = _attr(node, "default")
        if not default or default not in node:
            break
        node = node[default]
    if isinstance(node, h5py.Group):
        signal = _attr(node, "signal")
        if signal and signal in node and isinstance(node[signal], h5py.Dataset):
            return node[signal]
    found = []

    def _visit(_, obj):
        try:  # a dataset with a null dataspace or an unmapped type raises on .ndim/.shape
            if isinstance(obj, h5py.Dataset) and obj.ndim in (2, 3) and min(obj.shape[-2:]) > 1 \
                    and np.issubdtype(obj.dtype, np.number):
                found.append(obj)
        except (RuntimeError, TypeError, ValueError, KeyError, OSError):
            pass

    h5file.visititems(_visit)
    if not found:
        return None
    return max(found, key=lambda d: int(np.prod(d.shape[-2:])))


def _read_h5(path: Path, inner: str | None, frame: int) -> np.ndarray:
    import h5py

    pre = where(path)
    try:
        with h5py.File(path, "r") as h5:
            if inner is not None:
                if inner not in h5:
                    raise InputError(f"{pre}no dataset {inner!r} in the HDF5 file")
                dset = h5[inner]
                if not isinstance(dset, h5py.Dataset):
                    raise InputError(f"{pre}{inner!r} is a group, not a dataset")
            else:
                dset = _h5_default_dataset(h5)
                if dset is None:
                    raise InputError(f"{pre}no 2D or 3D image dataset in the HDF5 file")
            check_pixels(path, dset.shape)
            if dset.ndim == 2:
                if frame != 0:
                    raise InputError(f"{pre}frame {frame} requested but {dset.name} holds one image")
                return np.asarray(dset[()])
            if dset.ndim == 3:
                if not 0 <= frame < dset.shape[0]:
                    raise InputError(f"{pre}frame {frame} out of range: {dset.name} holds "
                                     f"{dset.shape[0]} frames (0–{dset.shape[0] - 1})")
                return np.asarray(dset[frame])
            raise InputError(f"{pre}dataset {dset.name} has {dset.ndim} dimensions; "
                             "an image needs 2 (or 3 for a stack of frames)")
    except InputError:
        raise
    except (OSError, RuntimeError, KeyError, ValueError, TypeError) as exc:
        # h5py raises RuntimeError/KeyError for datasets it cannot map (compound, external, missing links)
        raise InputError(f"{pre}cannot read an image from the HDF5 file ({type(exc).__name__}: {exc})") from None


def _not_an_image(path: Path) -> None:
    """InputError naming the format of a file that is no detector image (text, a spectrum, a
    TEM file, an NXcanSAS curve…), before fabio tries every reader it has on it."""
    from dackit.io.signatures import identify, read_head
    from dackit.io.textcols import looks_like_text

    head = read_head(path)
    known = identify(path, head)
    if known is not None and known.name == "gzip-compressed file" and gzipped_image(path):
        return  # fabio reads .cbf.gz/.edf.gz/.tif.gz as they are (ESRF and DLS archives keep them so)
    if known is not None and known.kind not in ("image", "container"):
        raise InputError(f"{where(path)}this is {known.a_file}, not a detector image; {known.advice}")
    if known is not None and known.kind == "container" and known.name != "HDF5":
        raise InputError(f"{where(path)}this is {known.a_name}, not a detector image; {known.advice}")
    if known is None and looks_like_text(head):
        raise InputError(f"{where(path)}cannot read it as a detector image: this is a text file; a 1D pattern "
                         "(2θ or q, I columns) goes straight to dackit xrd lattice/phases or saxs peaks")


def needs_poni_message(path: Path) -> str:
    """Why an image given without ``--poni`` is refused: a detector image (by its ending) needs
    its calibration; binary data under another ending is named as no format dackit knows
    (Canberra ``.mca``/``.CNF`` spectra were told they "need --poni").

    Parameters
    ----------
    path : Path
        The file.
    """
    from dackit.io.kinds import IMAGE_SUFFIXES

    if path.suffix.lower() in IMAGE_SUFFIXES or not path.is_file():
        return "a detector image needs its calibration: give --poni FILE (or give an integrated pattern: .xy, .chi, .dat)"
    return (f"binary data in a format dackit does not name ({path.suffix or 'no ending'}): not a detector "
            f"image it knows ({', '.join(IMAGE_SUFFIXES)}) nor a 1D pattern; export the pattern as text "
            "(2θ or q, I columns: .xy, .dat), or, if it is an image fabio reads, give --poni FILE")


def holds_nxcansas_curve(path: Path) -> bool:
    """True if ``path`` is an HDF5 file holding an NXcanSAS SASdata group (a reduced 1D curve).

    Parameters
    ----------
    path : Path
        The file.
    """
    from dackit.io.nxcansas import is_hdf5

    return path.is_file() and is_hdf5(path) and _nxcansas_curve(path)


def gzipped_image(path) -> bool:
    """True if a gzip file holds a detector image format dackit names (CBF, EDF, TIFF, …).

    Parameters
    ----------
    path : str or Path
        The gzip file.
    """
    import gzip

    from dackit.io.signatures import HEAD_BYTES, identify

    try:
        with gzip.open(path, "rb") as fh:
            inner = fh.read(HEAD_BYTES)
    except (OSError, EOFError):
        return False
    known = identify(Path(path).with_suffix(""), inner)
    return known is not None and known.kind == "image"


def _nxcansas_curve(path: Path) -> bool:
    """True if an HDF5 file holds an NXcanSAS SASdata group (a reduced 1D curve)."""
    try:
        import h5py

        from dackit.io.nxcansas import _find_sasdata

        with h5py.File(path, "r") as h5:
            return bool(_find_sasdata(h5))
    except Exception:  # noqa: BLE001 - only a hint for the message; the reader reports the failure
        return False


def check_image_file(path: Path, inner: str | None = None) -> bool:
    """Refuse, with its format named, a file that is no detector image; True if it is HDF5.

    Text, spectra, electron-microscopy files and NXcanSAS curves would otherwise reach
    fabio, whose message ("Fabio could not identify …") does not say what to do.
    """
    from dackit.io.nxcansas import is_hdf5

    hdf5 = inner is not None or path.suffix.lower() in _HDF5_SUFFIXES or is_hdf5(path)
    if not hdf5:
        _not_an_image(path)
    elif inner is None and _nxcansas_curve(path):
        raise InputError(f"{where(path)}this HDF5 file holds an NXcanSAS 1D curve (q, I), not a "
                         "detector image; analyse it with dackit saxs peaks")
    return hdf5


#: compressed files fabio unpacks itself (and, for TIFF, announces on stdout)
_COMPRESSED_SUFFIXES = (".gz", ".bz2")
_STDOUT_LOCK = threading.Lock()


@contextlib.contextmanager
def fabio_stdout_muted(path):
    """Swallow what fabio prints to stdout while it unpacks a compressed image.

    fabio prints "<name> rb <file object>" when it unpacks a gzipped TIFF, which would corrupt
    the --json output on stdout. ``redirect_stdout`` swaps the process-wide ``sys.stdout``:
    two threads entering and leaving it out of order leave stdout redirected for good (a
    ``dackit run`` with thread workers lost its JSON summary), so only compressed files are
    muted, one at a time.

    Parameters
    ----------
    path : str or Path
        The image file.
    """
    if Path(path).suffix.lower() not in _COMPRESSED_SUFFIXES:
        yield
        return
    with _STDOUT_LOCK, contextlib.redirect_stdout(io.StringIO()):
        yield


def _read_fabio(path: Path, frame: int) -> np.ndarray:
    with fabio_stdout_muted(path):
        return _read_fabio_quiet(path, frame)


def _read_fabio_quiet(path: Path, frame: int) -> np.ndarray:
    import logging

    import fabio

    pre = where(path)
    # fabio logs tracebacks for every format it tries before it finds the right one.
    logging.getLogger("fabio").setLevel(logging.CRITICAL)
    try:  # the header alone: a declared 100000 × 100000 must not be allocated
        shape = getattr(fabio.openheader(str(path)), "shape", None)
    except Exception:  # noqa: BLE001 - fabio.open below says what is wrong with the file
        shape = None
    if shape:
        check_pixels(path, shape)
    try:
        img = fabio.open(str(path))
    except MemoryError:
        raise InputError(f"{pre}not enough memory to read this image (damaged header?); "
                         f"lower {IMAGE_PIXELS_ENV} to refuse such files sooner") from None
    except Exception as exc:  # noqa: BLE001 - fabio raises anything from IOError to struct.error
        raise InputError(f"{pre}cannot read the image ({type(exc).__name__}: {exc}); "
                         "is it a complete detector image in a format fabio knows?") from None
    with img:
        nframes = int(getattr(img, "nframes", 1) or 1)
        if not 0 <= frame < nframes:
            raise InputError(f"{pre}frame {frame} out of range: the file holds {nframes} frame(s)")
        try:
            data = img.data if frame == 0 else img.getframe(frame).data
        except MemoryError:
            raise InputError(f"{pre}not enough memory to read frame {frame}") from None
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"{pre}cannot read frame {frame} ({type(exc).__name__}: {exc})") from None
    return data


def read_image(path, frame: int = 0) -> np.ndarray:
    """One frame of a detector image as a 2D float array (counts).

    Parameters
    ----------
    path : str or Path
        Image file; for HDF5/NeXus optionally ``"file.h5::/path/to/dataset"``.
    frame : int
        Frame index for multi-frame files (HDF5 stacks, multi-frame EDF/SPE).

    Returns
    -------
    numpy.ndarray
        The frame as 2D float counts.

    Raises
    ------
    InputError
        A missing, empty, truncated or unreadable file, or data that is not 2D, is an
    :class:`~dackit.errors.InputError`.
    """
    file_path, inner = _split_h5_path(path)
    pre = where(file_path)
    if regular_file(file_path, "image file").st_size == 0:
        raise InputError(f"{pre}image file is empty")
    frame = int(frame)
    if check_image_file(file_path, inner):
        data = None
        if inner is None:
            try:  # Eiger/Lima files: fabio knows their layout
                data = _read_fabio(file_path, frame)
            except InputError:
                data = None
        if data is None:
            data = _read_h5(file_path, inner, frame)
    else:
        data = _read_fabio(file_path, frame)
    data = np.asarray(data)
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data.ndim != 2 or min(data.shape) < 2:
        raise InputError(f"{pre}expected a 2D image, got data of shape {data.shape}")
    if not np.issubdtype(data.dtype, np.number):
        raise InputError(f"{pre}image data are not numbers (dtype {data.dtype})")
    return np.asarray(data, dtype=float)


def read_mask(path, shape=None) -> np.ndarray:
    """A mask file as a boolean array, True = masked (nonzero pixels).

    Any image :func:`read_image` reads (a Dioptas ``.mask`` is a tif) or a ``.npy`` array.
    If ``shape`` is given, a mask of another shape is an :class:`~dackit.errors.InputError`.

    Parameters
    ----------
    path : str or Path
        Mask file: any fabio-readable image, a Dioptas ``.mask`` or a ``.npy`` array.
    shape : tuple of int, optional
        Expected (rows, columns); a mask of another shape is an InputError.
    """
    path = Path(path)
    pre = where(path)
    if path.suffix.lower() == ".npy":
        regular_file(path, "mask file")
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"{pre}cannot read the mask ({exc})") from None
        if data.ndim != 2:
            raise InputError(f"{pre}mask must be 2D, got shape {data.shape}")
    else:
        data = read_image(path)
    mask = np.asarray(data) != 0
    if shape is not None and mask.shape != tuple(shape):
        raise InputError(f"{pre}mask has shape {mask.shape} but the images have shape {tuple(shape)}")
    return mask
