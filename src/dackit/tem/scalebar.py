"""Calibrate a micrograph by its burned-in scale bar.

Images saved as PNG or JPEG (from a paper, a slide, a screen capture) carry no pixel size,
only the bar the microscope software drew. The user reads the bar's label (``100 nm``) and
gives it; :func:`find_scale_bar` measures the bar's length in pixels and
:func:`scale_bar_to_pixel_nm` divides. No text is read: a number read wrongly from a
label would be a silent wrong calibration, and the user reads the label once per series.

A scale bar is an axis-aligned solid bar at the image's extreme grey (white or black, the
colour the software paints with) or, in an RGB export, in a colour on the grey image; at
least 3× longer than thick, not touching the image border (the information banner it often
sits on does). Software differs in how it draws one, and each is accepted:

- a plain rectangle (Gatan DigitalMicrograph, ImageJ's *Scale Bar…*);
- a line with end caps, ├──┤ (Zeiss SmartSEM, FEI): the caps stand beyond the line's
  thickness only within a few pixels of its ends;
- a bar with its label written inside it in the opposite colour (JEOL TEM): the label's
  strokes are holes in the bar and are filled before the bar's shape is judged.

The length is measured along the bar's rows (columns for a vertical bar) at half the
contrast between the bar and its surroundings, to a fraction of a pixel; a capped bar's
length runs between its caps' centres (Zeiss, checked against the file's own calibration).

>>> import numpy as np
>>> img = np.full((200, 300), 120.0)
>>> img[180:186, 40:140] = 255.0          # a white bar of 100 px
>>> bar = find_scale_bar(img)
>>> round(bar.length_px, 1), bar.orientation
(100.0, 'horizontal')
>>> round(scale_bar_to_pixel_nm(img, 50.0)[0], 3)
0.5
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from dackit.errors import InputError, where

#: shortest bar measured: ±0.5 px at each end of a 20 px bar is already ±5 % in the
#: calibration, the whole of issue 10's tolerance on a mean size
MIN_LENGTH_PX = 20
#: a bar is at least this many times longer than thick (JEOL draws 50 × 13 px bars)
MIN_ASPECT = 3.0
#: a bar is no thicker than this fraction of the image's smaller side (an information
#: banner framed by a line is a long solid rectangle too, 8 % of a Zeiss image's height)
MAX_THICKNESS = 0.04
#: and spans at most this fraction of the image along it
MAX_SPAN = 0.75
#: a core row (column) of the bar is filled over at least this fraction of its length
CORE_FILL = 0.9
#: another bar-like object at least this fraction of the longest one's length makes the
#: choice ambiguous (text strokes such as "=" or "_" are far shorter than a scale bar)
RIVAL_FRACTION = 0.6
#: the calibration is doubtful when ±1 px of bar length (±0.5 px at each blurred end) is
#: more than this fraction of it
MAX_LENGTH_UNCERTAINTY = 0.02


@dataclass(frozen=True)
class ScaleBar:
    """A scale bar found in an image.

    Attributes
    ----------
    length_px : float
        Length end to end in pixels, at half the bar's contrast.
    thickness_px : int
        Rows (columns) of its solid core.
    row, col : float
        Centre of the bar.
    orientation : str
        ``"horizontal"`` or ``"vertical"``.
    polarity : str
        ``"bright"`` (white bar), ``"dark"`` (black bar) or ``"coloured"`` (a coloured bar on
        a grey image, found by its chroma).
    cap_px : float
        Width of its end caps (0 for a plain bar).
    others : tuple of float
        Lengths of the other, shorter bar-like objects (text strokes), for the record.
    """

    length_px: float
    thickness_px: int
    row: float
    col: float
    orientation: str
    polarity: str
    cap_px: float = 0.0
    others: tuple = ()

    @property
    def relative_uncertainty(self) -> float:
        """±1 px over the length (each blurred end is placed to about half a pixel), plus half
        a cap's width for a capped bar, whose ends some software may draw at the caps' outer
        edges rather than their centres."""
        return (1.0 + 0.5 * self.cap_px) / self.length_px

    def describe(self) -> str:
        """One line for a result's notes."""
        return (f"{self.polarity} {self.orientation} scale bar of {self.length_px:.1f} px at row "
                f"{self.row:.0f}, column {self.col:.0f}" + (" between its end caps' centres" if self.cap_px else ""))


def _core_profile(comp: np.ndarray):
    """(core rows, cap width) of a component's filled box, long axis along columns; None if
    it is not a bar. The cap width is 0 for a plain bar."""
    fill = comp.mean(axis=1)
    core = np.flatnonzero(fill >= CORE_FILL)
    if core.size == 0 or np.any(np.diff(core) != 1):
        return None
    t = core.size
    outside = comp.copy()
    outside[core[0]:core[-1] + 1] = False
    # end caps stand beyond the core only near the ends
    cap = max(3, t)
    beyond = np.asarray(outside.any(axis=0))
    if beyond[cap:-cap].any():
        return None
    if not beyond.any():
        return slice(int(core[0]), int(core[-1]) + 1), 0
    # a cap stands on both sides of the line at both ends; a bracket "[" or a letter (L, T,
    # Z) has serifs on one side, or at one end
    above, below = np.asarray(comp[:core[0]].any(axis=0)), np.asarray(comp[core[-1] + 1:].any(axis=0))
    for end in (slice(0, cap), slice(-cap, None)):
        if not (above[end].any() and below[end].any()):
            return None
    width = 0.5 * (int(beyond[:cap].sum()) + int(beyond[-cap:].sum()))
    return slice(int(core[0]), int(core[-1]) + 1), width


def _measured_length(data: np.ndarray, rows: slice, c0: int, c1: int, bar_level: float) -> float:
    """Length along the core rows at half the contrast to the surroundings, to a sub-pixel.

    Each end is placed by the bar's coverage summed over the few pixels around it (a blurred
    edge's coverage integrates to its position); between the ends the bar counts as whole,
    so a label written inside it does not shorten it.
    """
    pad, edge = 3, 2
    ends = np.concatenate([data[rows, max(c0 - 2 * pad, 0):max(c0 - pad, 0)].ravel(),
                           data[rows, min(c1 + pad, data.shape[1]):min(c1 + 2 * pad, data.shape[1])].ravel()])
    around = float(np.median(ends)) if ends.size else float(np.median(data))
    span = bar_level - around
    if span == 0:
        return float(c1 - c0)
    lo, hi = max(c0 - pad, 0), min(c1 + pad, data.shape[1])
    lengths = []
    for row in np.clip((data[rows, lo:hi] - around) / span, 0.0, 1.0):
        on = np.flatnonzero(row >= 0.5)
        if on.size == 0:
            continue
        i0, i1 = int(on[0]), int(on[-1])
        if i1 - i0 < 2 * edge + 1:
            lengths.append(float(row.sum()))
            continue
        left = row[max(i0 - edge, 0):i0 + edge].sum()
        right = row[i1 - edge + 1:i1 + edge + 1].sum()
        lengths.append(float(left + right + (i1 - edge + 1) - (i0 + edge)))
    return float(np.median(lengths)) if lengths else float(c1 - c0)


def _candidates(data: np.ndarray, polarity: str):
    from scipy import ndimage as ndi

    med = float(np.median(data))
    extreme = float(data.max() if polarity == "bright" else data.min())
    if extreme == med:
        return []
    level = 0.5 * (extreme + med)
    binary = data >= level if polarity == "bright" else data <= level
    labels, _ = ndi.label(binary, structure=np.ones((3, 3)))
    found = []
    rows_n, cols_n = data.shape
    for i, sl in enumerate(ndi.find_objects(labels), start=1):
        if sl is None:
            continue
        r0, r1, c0, c1 = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
        if r0 == 0 or c0 == 0 or r1 == rows_n or c1 == cols_n:
            continue  # the banner, a frame line or a cut object
        h, w = r1 - r0, c1 - c0
        if max(h, w) < MIN_LENGTH_PX:
            continue
        comp = ndi.binary_fill_holes(labels[sl] == i)
        horizontal = w >= h
        box = comp if horizontal else comp.T
        profile = _core_profile(box)
        if profile is None:
            continue
        core, cap = profile
        t = core.stop - core.start
        length = box.shape[1]
        if (length < MIN_ASPECT * t or t > max(4.0, MAX_THICKNESS * min(rows_n, cols_n))
                or length > MAX_SPAN * (cols_n if horizontal else rows_n)):
            continue
        on_bar = binary[sl] & comp
        bar_level = float(np.median(data[sl][on_bar])) if on_bar.any() else extreme
        if horizontal:
            rows = slice(r0 + core.start, r0 + core.stop)
            measured = _measured_length(data, rows, c0, c1, bar_level)
            centre = (r0 + 0.5 * (core.start + core.stop), 0.5 * (c0 + c1))
        else:
            cols = slice(c0 + core.start, c0 + core.stop)
            measured = _measured_length(data.T, cols, r0, r1, bar_level)
            centre = (0.5 * (r0 + r1), c0 + 0.5 * (core.start + core.stop))
        # a capped bar's length runs between the caps' centres: Zeiss SmartSEM's 300 nm bar
        # at 4.466 nm/px (the file's calibration) is 69 px outside, 67 px centre to centre,
        # 67.2 px nominal (tests/corpus/tem sem_gm59_20.tif)
        found.append(ScaleBar(measured - cap, int(t), float(centre[0]), float(centre[1]),
                              "horizontal" if horizontal else "vertical", polarity, cap_px=cap))
    return found


def find_scale_bar(data, *, source="") -> ScaleBar:
    """Find the scale bar of a micrograph and measure its length in pixels.

    Parameters
    ----------
    data : array_like (rows, cols)
        The image (grey; RGB is averaged).
    source : str, default ''
        File name for error messages.

    Returns
    -------
    ScaleBar

    Raises
    ------
    InputError
        No bar-like object at least ``MIN_LENGTH_PX`` long, or two of comparable length
        (within ``RIVAL_FRACTION``) that differ: the message lists them.
    """
    pre = where(source)
    arr = np.asarray(data, dtype=float)
    chroma = None
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):
        # a coloured bar (yellow, red: overlays of Velox, Gatan, ImageJ) on a grey micrograph
        # stands out by its chroma, not its grey level
        chroma = np.ptp(arr[..., :3], axis=-1)
        arr = arr[..., :3].mean(axis=-1)
    if arr.ndim != 2 or not np.all(np.isfinite(arr)):
        raise InputError(f"{pre}a scale bar is looked for in a 2D image of finite values")
    found = _candidates(arr, "bright") + _candidates(arr, "dark")
    if chroma is not None:
        found += [replace(b, polarity="coloured") for b in _candidates(chroma, "bright")]
    if not found:
        raise InputError(f"{pre}no scale bar found (a solid white, black or coloured bar ≥ {MIN_LENGTH_PX} px, "
                         f"≥ {MIN_ASPECT:g}× longer than thick, inside the image); give the pixel size "
                         "with --pixel-nm instead")
    found.sort(key=lambda b: -b.length_px)
    best = found[0]
    rivals = [b for b in found[1:] if b.length_px >= RIVAL_FRACTION * best.length_px
              and abs(b.length_px - best.length_px) > 1.0]
    if rivals:
        listed = "; ".join(b.describe() for b in [best, *rivals])
        raise InputError(f"{pre}{len(rivals) + 1} bar-like objects of different lengths, which is the "
                         f"scale bar is not clear: {listed}; give the pixel size with --pixel-nm")
    return replace(best, others=tuple(b.length_px for b in found[1:]))


def scale_bar_to_pixel_nm(data, bar_nm: float, *, source="") -> tuple[float, ScaleBar]:
    """Pixel size in nm from the scale bar and the length its label states.

    Parameters
    ----------
    data : array_like (rows, cols)
        The image.
    bar_nm : float
        The length written on the bar, in nm (``--scale-bar-nm``).
    source : str, default ''
        File name for error messages.

    Returns
    -------
    (pixel_nm, ScaleBar)
    """
    bar_nm = float(bar_nm)
    if not (np.isfinite(bar_nm) and bar_nm > 0):
        raise InputError(f"{where(source)}scale bar length {bar_nm} nm is not a positive number "
                         "(--scale-bar-nm)")
    bar = find_scale_bar(data, source=source)
    return bar_nm / bar.length_px, bar
