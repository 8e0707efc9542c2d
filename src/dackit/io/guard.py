"""Checks every reader makes before it opens a file: a regular file, of a size it can read.

Opening a FIFO for reading blocks until a writer appears (for ever, in a batch); a device
such as /dev/zero never ends; a folder or a symlink loop is not data. :func:`regular_file`
refuses all of them with an :class:`~dackit.errors.InputError` naming the file, using only
``os.stat`` (which never blocks).

Text parsers hold every line as a Python string (≈ 20× the file's size in memory), and an
image header can declare any size. So sizes are checked *before* reading, against limits a
user can raise through environment variables (named in every refusal):

``DACKIT_MAX_TEXT_MB``       text files (spectra, patterns, P–V tables, PONI), default 50 MB
``DACKIT_MAX_IMAGE_PIXELS``  pixels of one detector/TEM image frame, default 1e8
``DACKIT_MAX_UNZIPPED_MB``   inflated size of a member of a zip container (.ProcSpec), default 50 MB
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from dackit.errors import InputError, where

TEXT_MB_ENV = "DACKIT_MAX_TEXT_MB"
IMAGE_PIXELS_ENV = "DACKIT_MAX_IMAGE_PIXELS"
UNZIPPED_MB_ENV = "DACKIT_MAX_UNZIPPED_MB"

# A measured spectrum or 1D pattern is < 1 MB; 50 MB of text is ~2.5 million lines, which
# the column parser holds in ~1 GB. A Pilatus 6M frame is 6.2e6 pixels, an Eiger2 16M one
# 1.8e7: 1e8 pixels (0.8 GB as float64) leaves room for any detector sold today.
DEFAULTS = {TEXT_MB_ENV: 50.0, IMAGE_PIXELS_ENV: 1e8, UNZIPPED_MB_ENV: 50.0}

_KIND = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device",
         stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


def limit(env: str) -> float:
    """The limit set by environment variable ``env`` (or its default)."""
    text = os.environ.get(env, "").strip()
    if not text:
        return DEFAULTS[env]
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"environment variable {env}={text!r} is not a number; unset it or give "
                         f"a number (default {DEFAULTS[env]:g})") from None
    if not value > 0:
        raise InputError(f"environment variable {env}={text!r} must be positive")
    return value


def regular_file(path, what: str = "file") -> os.stat_result:
    """``os.stat`` of ``path`` when it is a regular file; InputError naming it otherwise.

    Follows symlinks (a link to a good file is fine); missing file, folder, FIFO, device,
    socket, symlink loop and unreadable parent folders are each refused with their reason.
    """
    path = Path(path)
    pre = where(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise InputError(f"{pre}{what} is a symbolic link to a missing file") from None
        raise InputError(f"{pre}file not found; check the path and name") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{pre}symbolic link loop; point the link at a real file") from None
        if exc.errno == errno.ENAMETOOLONG:
            raise InputError(f"{pre}file name too long") from None
        raise InputError(f"{pre}cannot be read ({exc.strerror or exc}); check its permissions") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"{pre}is a folder, not a file; give the files inside it")
    if not stat.S_ISREG(mode):
        kind = _KIND.get(stat.S_IFMT(mode), "not a regular file")
        raise InputError(f"{pre}is {kind}, not a regular file; copy the data to a regular file")
    return st


def text_file(path, what: str = "file") -> os.stat_result:
    """:func:`regular_file`, non-empty and within ``DACKIT_MAX_TEXT_MB``."""
    st = regular_file(path, what)
    check_text_size(path, st.st_size)
    return st


def check_text_size(path, size: int, *, env: str = TEXT_MB_ENV, kind: str = "text") -> None:
    cap = limit(env)
    if size > cap * 1e6:
        raise InputError(f"{where(path)}{size / 1e6:.3g} MB of {kind} is more than the limit of "
                         f"{cap:g} MB (a spectrum or pattern is < 1 MB; is this the right file?); "
                         f"to read it anyway set {env}={int(size / 1e6) + 1}")


def check_pixels(path, shape) -> None:
    """InputError when a declared image ``shape`` exceeds ``DACKIT_MAX_IMAGE_PIXELS``."""
    dims = [int(n) for n in shape if n is not None]
    if len(dims) < 2:
        return
    pixels = dims[-1] * dims[-2]
    cap = limit(IMAGE_PIXELS_ENV)
    if pixels > cap:
        raise InputError(f"{where(path)}the image declares {' × '.join(map(str, dims[-2:]))} = "
                         f"{pixels:.3g} pixels, more than the limit of {cap:.3g} "
                         f"(damaged header?); to read it anyway set {IMAGE_PIXELS_ENV}={pixels}")


def read_text_bytes(path, what: str = "file") -> bytes:
    """The bytes of a text file after :func:`text_file`'s checks (OSError → InputError)."""
    text_file(path, what)
    try:
        with open(path, "rb") as fh:
            return fh.read(int(limit(TEXT_MB_ENV) * 1e6) + 1)
    except OSError as exc:
        raise InputError(f"{where(path)}cannot be read ({exc.strerror or exc})") from None
