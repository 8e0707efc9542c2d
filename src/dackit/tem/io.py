"""Read TEM/STEM images with their pixel calibration.

Formats: TIFF (tifffile; the SEM vendors' own calibration tags, Zeiss ``CZ_SEM`` and
FEI/Thermo ``FEI_HELIOS``/``FEI_SFEG``, else ImageJ or resolution-tag calibration), PNG/JPEG
(scikit-image, no calibration), Gatan DM3/DM4, FEI/TIA SER, Thermo Fisher Velox EMD and MRC
(ncempy), HyperSpy ``.hspy`` HDF5 (h5py, the
``Experiments/<name>/axis-*`` scale and units). Pixel sizes are converted to nm; a file
without calibration needs ``pixel_nm`` (``--pixel-nm``), otherwise :class:`InputError`.

>>> import numpy as np
>>> img = make_tem_image(np.random.default_rng(0).random((32, 32)), pixel_nm=0.5)
>>> img.pixel_nm
0.5
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dackit.errors import DackitError, InputError, where

#: length unit → nm. Both the micro sign (U+00B5) and Greek mu (U+03BC) occur in files.
UNIT_TO_NM = {"nm": 1.0, "nanometer": 1.0, "nanometers": 1.0, "um": 1e3, "\u00b5m": 1e3,
              "\u03bcm": 1e3, "micron": 1e3, "microns": 1e3, "micrometer": 1e3,
              "mm": 1e6, "a": 0.1, "\u00e5": 0.1, "angstrom": 0.1, "m": 1e9, "pm": 1e-3,
              "cm": 1e7}


@dataclass(frozen=True)
class TemImage:
    """A 2D image and its pixel size.

    Attributes
    ----------
    data : ndarray (rows, cols) float
    pixel_nm : float
        Pixel size in nm (square pixels assumed).
    calibration : str
        Where ``pixel_nm`` came from: ``"file"``, ``"given"`` or ``"scale bar"``.
    metadata : dict
        Acquisition hints read from the file (e.g. ``"mode": "STEM"``).
    source : str
    """

    data: np.ndarray
    pixel_nm: float
    calibration: str = "given"
    metadata: dict = field(default_factory=dict)
    source: str = ""


def unit_to_nm(unit: str, source="") -> float:
    """Factor turning a length in ``unit`` into nm; InputError for unknown units."""
    key = str(unit).strip().lower()
    if key not in UNIT_TO_NM:
        raise InputError(f"{where(source)}pixel unit {unit!r} is not a length unit dackit knows; "
                         "give the pixel size with --pixel-nm")
    return UNIT_TO_NM[key]


def make_tem_image(data, pixel_nm, *, calibration="given", metadata=None, source="") -> TemImage:
    """Validate a 2D image and pixel size and build a :class:`TemImage`.

    Parameters
    ----------
    data : array_like
        The 2D image.
    pixel_nm : float
        Pixel size in nm.
    calibration : str, default 'given'
        Where the pixel size came from (``"given"``, ``"file"``, …).
    metadata : dict, optional
        Anything worth keeping.
    source : str, default ''
        Where the data came from (usually the file path); kept in the result for messages
        and tables.
    """
    pre = where(source)
    try:
        arr = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{pre}image values are not numbers ({exc})") from None
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):  # RGB(A) export of a grey image
        arr = arr[..., :3].mean(axis=-1)
    if arr.ndim != 2:
        raise InputError(f"{pre}expected a 2D image, got an array of shape {arr.shape}")
    if min(arr.shape) < 16:
        raise InputError(f"{pre}image of shape {arr.shape} is too small to hold particles")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{pre}image holds NaN or infinite pixels")
    if np.ptp(arr) == 0:
        raise InputError(f"{pre}image is uniform (no contrast, no particles)")
    if pixel_nm is None:
        raise InputError(f"{pre}no pixel calibration in this file; give the pixel size with "
                         "--pixel-nm (nm per pixel)")
    pixel_nm = float(pixel_nm)
    if not (np.isfinite(pixel_nm) and pixel_nm > 0):
        raise InputError(f"{pre}pixel size {pixel_nm} nm is not a positive number (--pixel-nm)")
    return TemImage(arr, pixel_nm, calibration, dict(metadata or {}), str(source))


def _read_dm(path: Path):
    import ncempy.io.dm as dm

    try:
        with dm.fileDM(str(path)) as f:
            ds = f.getDataset(0)
            tags = f.allTags
    except Exception as exc:  # noqa: BLE001 - ncempy raises bare errors on corrupt files
        raise InputError(f"{path}: not a readable DM3/DM4 file ({type(exc).__name__}: {exc})") from None
    data = np.asarray(ds["data"])
    if data.ndim == 3:  # a stack: the first frame is the image
        data = data[0]
    size, unit = ds["pixelSize"][-1], ds["pixelUnit"][-1]
    pixel = None
    if unit and float(size) > 0 and str(unit).strip().lower() != "pixel":
        pixel = float(size) * unit_to_nm(unit, path)
    meta = {k.split(".")[-1]: v for k, v in tags.items()
            if k.endswith(("Illumination Mode", "Operation Mode"))}
    return data, pixel, meta


def _read_ser(path: Path):
    """FEI/TIA ``.ser`` (the data file beside a ``.emi``) with ncempy's reader: the first
    image of the series and its pixel size (``CalibrationDelta``, metres)."""
    from ncempy.io import ser

    from dackit.io.guard import check_pixels

    try:
        with ser.fileSER(str(path)) as f:
            if f.head["DataTypeID"] != 0x4122:  # 0x4120: 1D spectra (EDS/EELS), not images
                raise InputError(f"{path}: this SER file holds 1D spectra (EDS/EELS), not images; "
                                 "dackit tem size needs a micrograph")
            data, meta = f.getDataset(0)
            check_pixels(path, np.shape(data))
    except DackitError:
        raise
    except Exception as exc:  # noqa: BLE001 - ncempy raises bare errors on corrupt files
        raise InputError(f"{path}: not a readable FEI/TIA SER file ({type(exc).__name__}: {exc})") from None
    pixel = None
    delta = meta.get("Calibration", [{}])[0].get("CalibrationDelta") if meta.get("Calibration") else None
    if delta and float(delta) > 0:
        pixel = float(delta) * 1e9  # TIA stores metres
    return np.asarray(data), pixel, {}


#: Velox detectors whose "images" are element maps of a spectrum image, not micrographs
_EDS_DETECTORS = ("superx", "eds", "bruker", "edx")


def _read_emd(path: Path):
    """Thermo Fisher Velox ``.emd`` (or Berkeley EMD) with ncempy's readers. A Velox file can
    hold several images of one scan — HAADF, BF, DF, and the EDS element maps of a spectrum
    image; the first image of a non-EDS detector is the micrograph, its frames (Velox stores
    them last: rows, cols, frames) averaged. Pixel size from the file's ``PixelSize``."""
    import h5py
    from ncempy.io import emd, emdVelox

    from dackit.io.guard import check_pixels

    try:
        with h5py.File(path, "r") as h:
            velox = "Data" in h and "Version" in h
    except OSError as exc:
        raise InputError(f"{path}: not a readable EMD (HDF5) file ({exc})") from None
    try:
        if velox:
            with emdVelox.fileEMDVelox(str(path)) as f:
                found = None
                for i, grp in enumerate(f.list_data):
                    if "Data" not in grp:
                        continue
                    shape = grp["Data"].shape
                    check_pixels(path, shape[:2])
                    data, md = f.get_dataset(i)
                    detector = str(md.get("detectorName", ""))
                    if np.ndim(data) >= 2 and not detector.lower().startswith(_EDS_DETECTORS):
                        found = (data, md, detector)
                        break
                if found is None:
                    raise InputError(f"{path}: this Velox EMD file holds no micrograph (only spectra or "
                                     "EDS element maps); export the HAADF/BF image, or give the .emd of an "
                                     "image acquisition")
                data, md, detector = found
                if data.ndim == 3:
                    data = data.mean(axis=2)
                size, unit = md["pixelSize"][-1], md["pixelUnit"][-1]
        else:
            with emd.fileEMD(str(path), readonly=True) as f:
                if not f.list_emds:
                    raise InputError(f"{path}: EMD file without data groups; export the image as TIFF")
                data, dims = f.get_emdgroup(f.list_emds[0])
                axis = dims[-1]  # (values, name, units) of the image's last (column) axis
                size = float(axis[0][1] - axis[0][0]) if len(axis[0]) > 1 else 0.0
                unit, detector = axis[2], ""
                data = np.asarray(data)
                while data.ndim > 2:
                    data = data[0]
    except DackitError:
        raise
    except Exception as exc:  # noqa: BLE001 - ncempy raises bare errors on corrupt files
        raise InputError(f"{path}: not a readable EMD file ({type(exc).__name__}: {exc})") from None
    pixel = None
    if float(size) > 0:
        u = unit.decode() if isinstance(unit, bytes) else str(unit)
        # Berkeley EMD writes units as '[n_m]' (nm), '[]' when uncalibrated
        u = u.strip().strip("[]").replace("_", "")
        if u and u.lower() not in ("pixel", "px"):
            pixel = float(size) * unit_to_nm(u, path)
    return np.asarray(data, dtype=float), pixel, ({"detector": detector} if detector else {})


def _read_mrc(path: Path):
    """MRC / IMOD image (``.mrc``, SerialEM and Velox exports) with ncempy's reader: the first
    section of a stack, read alone (a movie stack can be gigabytes); pixel size from the
    header's cell length over sampling (Å), none when that is exactly 1 Å (the writers'
    placeholder)."""
    from ncempy.io import mrc

    from dackit.io.guard import check_pixels

    try:
        with mrc.fileMRC(str(path)) as f:
            check_pixels(path, tuple(int(n) for n in f.dataSize[-2:]))  # (sections, rows, cols)
            data = f.getSlice(0)
            size = float(f.voxelSize[-1])
    except DackitError:
        raise
    except Exception as exc:  # noqa: BLE001 - ncempy raises bare errors on corrupt files
        raise InputError(f"{path}: not a readable MRC file ({type(exc).__name__}: {exc})") from None
    pixel = None
    # a cell equal to the grid (1 Å per pixel) is what MRC writers put when no pixel size is
    # known (IMOD's default): no calibration, rather than a 0.1 nm pixel nobody measured
    if size > 0 and abs(size - 1.0) > 1e-6:
        pixel = size * UNIT_TO_NM["a"]
    return data, pixel, {}


def _foreign_hdf5(path: Path) -> str:
    """What an HDF5 file without a HyperSpy ``Experiments`` group holds, for the message."""
    from dackit.io.images import holds_nxcansas_curve

    if holds_nxcansas_curve(path):
        return ("this HDF5 file holds an NXcanSAS 1D curve, not a micrograph; "
                "analyse it with `dackit saxs peaks`")
    return ("HDF5 file has no HyperSpy 'Experiments' group (dackit reads micrographs saved by "
            "HyperSpy/RosettaSciIO as .hspy/.h5, and Velox .emd); a detector image goes to "
            "`dackit xrd integrate` or `dackit saxs peaks` with --poni")


def _read_hspy(path: Path):
    import h5py

    from dackit.io.guard import check_pixels

    try:
        with h5py.File(path, "r") as h:
            exps = h.get("Experiments")
            if exps is None or not len(exps):
                raise InputError(f"{path}: {_foreign_hdf5(path)}")
            grp = exps[next(iter(exps))]
            check_pixels(path, grp["data"].shape)
            data = np.asarray(grp["data"])
            axis = grp.get("axis-1") or grp.get("axis-0")
            pixel = None
            if axis is not None and "scale" in axis.attrs:
                unit = axis.attrs.get("units", "")
                unit = unit.decode() if isinstance(unit, bytes) else str(unit)
                if unit and unit not in ("<undefined>", "_None_"):
                    pixel = float(axis.attrs["scale"]) * unit_to_nm(unit, path)
            meta = {}
            tem = grp.get("metadata/Acquisition_instrument/TEM")
            if tem is not None and "acquisition_mode" in tem.attrs:
                meta["mode"] = str(tem.attrs["acquisition_mode"])
    except OSError as exc:
        raise InputError(f"{path}: not a readable HDF5/HyperSpy file ({exc})") from None
    return data, pixel, meta


def _vendor_pixel_nm(tf, path) -> tuple[float | None, str]:
    """Pixel size from the calibration tags SEM vendors write into their TIFFs.

    Zeiss SmartSEM stores ``ap_image_pixel_size`` = (label, value, unit) in the CZ_SEM tag;
    FEI/Thermo Fisher store ``[Scan] PixelWidth`` in metres in their FEI_HELIOS/FEI_SFEG tag.
    Both leave the TIFF resolution tags at a meaningless 1 or 72 per inch, so without this
    an SEM image from either has no calibration at all.
    """
    sem = tf.sem_metadata if tf.is_sem else None
    if sem:
        for key in ("ap_image_pixel_size", "ap_pixel_size"):
            entry = sem.get(key)
            if isinstance(entry, tuple) and len(entry) >= 3:
                try:
                    value = float(entry[1])
                except (TypeError, ValueError):
                    continue
                if value > 0:
                    return value * unit_to_nm(str(entry[2]), path), "Zeiss CZ_SEM"
    fei = tf.fei_metadata if tf.is_fei else None
    if fei:
        for section in ("Scan", "EScan", "IScan"):
            width = (fei.get(section) or {}).get("PixelWidth")
            try:
                if width is not None and float(width) > 0:
                    return float(width) * 1e9, f"FEI [{section}] PixelWidth"
            except (TypeError, ValueError):
                continue
    return None, ""


def _olympus_sis_page(tf):
    """(page, pixel nm or None): Olympus Soft Imaging Solutions cameras (Quemesa, Veleta, …)
    write an RGB preview first and the raw grey image, with its OlympusSIS tag (33560,
    ``pixelsizex`` in metres), second; rosettasciio reads the same page and scale. Other
    TIFFs: the first page, no pixel size."""
    for page in tf.pages[:4]:
        tags = getattr(page, "tags", None)
        entry = tags.get(33560) if tags is not None else None
        value = entry.value if entry is not None else None
        if isinstance(value, dict):
            try:
                size = float(value.get("pixelsizex") or 0.0)
            except (TypeError, ValueError):
                size = 0.0
            return page, (size * 1e9 if size > 0 else None)
    return tf.pages[0], None


def _tiff_pixels(page, path: Path):
    """The first page's pixels. tifffile decodes LZW and JPEG only with imagecodecs (a 26 MB
    binary we do not require); Pillow, already installed with scikit-image, decodes both, and
    microscope software writes LZW often."""
    try:
        return page.asarray()
    except ValueError as exc:
        if "imagecodecs" not in str(exc):
            raise
    from PIL import Image

    try:
        with Image.open(path) as im:
            return np.asarray(im)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: a {page.compression.name} compressed TIFF that neither tifffile nor "
                         f"Pillow decodes ({exc}); save it uncompressed (ImageJ: File > Save As > Tiff)") from None


def _read_tiff(path: Path):
    import tifffile

    from dackit.io.guard import check_pixels

    logging.getLogger("tifffile").setLevel(logging.CRITICAL)  # it logs damaged headers to stderr
    try:
        with tifffile.TiffFile(path) as tf:
            page, sis_pixel = _olympus_sis_page(tf)
            check_pixels(path, page.shape[:2])  # before allocating what the header declares
            data = _tiff_pixels(page, path)
            pixel = None
            ij = tf.imagej_metadata or {}
            if not isinstance(page, tifffile.TiffPage):  # the first page is always a TiffPage, never a TiffFrame
                raise AttributeError(f"{type(page).__name__!r} object has no attribute 'tags'")
            tags = page.tags
            pixel, vendor = (sis_pixel, "Olympus SIS") if sis_pixel else _vendor_pixel_nm(tf, path)
            if pixel is None and "XResolution" in tags:
                num, den = tags["XResolution"].value
                if num and den and num / den not in (1.0, 72.0, 96.0, 300.0):
                    per_unit = num / den
                    unit = ij.get("unit")
                    if unit:
                        unit = str(unit).replace("\\u00B5", "\u00b5")
                        pixel = unit_to_nm(unit, path) / per_unit
                    else:
                        res_unit = int(tags["ResolutionUnit"].value) if "ResolutionUnit" in tags else 2
                        if res_unit == 3:  # pixels per cm
                            pixel = 1e7 / per_unit
            pages = sum(1 for p in tf.pages if getattr(p, "shape", None) == page.shape)
    except DackitError:
        raise
    except (tifffile.TiffFileError, ValueError, OSError, IndexError, KeyError) as exc:
        # a TIFF cut after its header has no page: tifffile says IndexError
        raise InputError(f"{path}: not a readable TIFF file ({type(exc).__name__}: {exc})") from None
    meta: dict = {"calibration_tag": vendor} if vendor else {}
    if pages > 1:
        # a stack (frames, tilt series, reference images) of which one page is measured
        meta["tiff_pages"] = pages
    return data, pixel, meta


def _read_plain(path: Path):
    from skimage import io as skio

    try:
        data = skio.imread(str(path))
    except Exception as exc:  # noqa: BLE001 - imageio raises many types on bad files
        raise InputError(f"{path}: not a readable image ({type(exc).__name__}: {exc})") from None
    return data, None, {}


READERS = {".dm3": _read_dm, ".dm4": _read_dm, ".hspy": _read_hspy, ".h5": _read_hspy, ".ser": _read_ser,
           ".emd": _read_emd, ".mrc": _read_mrc,
           ".tif": _read_tiff, ".tiff": _read_tiff, ".png": _read_plain, ".jpg": _read_plain,
           ".jpeg": _read_plain, ".bmp": _read_plain}


def read_tem_image(path, *, pixel_nm=None, scale_bar_nm=None) -> TemImage:
    """Read a TEM/STEM image and its pixel size in nm.

    ``pixel_nm`` overrides the file's calibration; ``scale_bar_nm`` calibrates by the image's
    burned-in scale bar (:mod:`dackit.tem.scalebar`), and the file's own calibration, when it
    has one, is kept in the metadata to be compared. Raises :class:`InputError` for a
    missing, empty or unreadable file, an unknown extension, no calibration and neither
    option, both options, or no clear scale bar.

    Parameters
    ----------
    path : str or Path
        The image (``.dm3``, ``.dm4``, ``.hspy``/``.h5``, TIFF, …).
    pixel_nm : float, optional
        Pixel size in nm; overrides the file's calibration when given.
    scale_bar_nm : float, optional
        The length written on the image's scale bar, in nm.
    """
    from dackit.io.guard import regular_file

    path = Path(path)
    if regular_file(path, "TEM image").st_size == 0:
        raise InputError(f"{path}: file is empty")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        from dackit.io.signatures import identify

        known = identify(path)
        what = f"this is {known.a_file}, not a micrograph ({known.advice}); " if known else ""
        raise InputError(f"{path}: {what}unknown image type {path.suffix!r}; use one of "
                         f"{', '.join(sorted(READERS))}")
    if pixel_nm is not None and scale_bar_nm is not None:
        raise InputError(f"{path}: give either --pixel-nm or --scale-bar-nm, not both")
    data, file_pixel, meta = reader(path)
    if scale_bar_nm is not None:
        from dackit.tem.scalebar import scale_bar_to_pixel_nm

        bar_pixel, bar = scale_bar_to_pixel_nm(data, scale_bar_nm, source=path)
        meta = {**meta, "scale_bar": bar, "scale_bar_nm": float(scale_bar_nm), "file_pixel_nm": file_pixel}
        return make_tem_image(data, bar_pixel, calibration="scale bar", metadata=meta, source=path)
    if pixel_nm is not None:
        return make_tem_image(data, pixel_nm, calibration="given", metadata=meta, source=path)
    return make_tem_image(data, file_pixel, calibration="file", metadata=meta, source=path)
