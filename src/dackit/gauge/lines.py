"""Finding a gauge's fluorescence line in a spectrum before fitting it.

Shared by the ruby and Sm:SrB4O7 gauges: bring the spectrum to nm, check it covers the
range where the line can be, and check there is a peak that stands out of the noise — so
that a noise-only or wrong-range spectrum is an :class:`InputError`, not a nonsense pressure.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

from dackit.core import units
from dackit.core.fitting import PeakModel, fit_batch
from dackit.core.noise import counting_sigma, white_noise_sigma
from dackit.core.spectrum import Spectrum, clipped_top, despike
from dackit.errors import InputError, where

#: A line must rise this many noise standard deviations above the baseline to be fitted.
MIN_SNR = 8.0
#: Width (nm) of the blocks whose minima trace the background under a gauge line: wider
#: than an R1/R2 doublet with broadened lines (~6 nm), narrower than background curvature.
BLOCK_NM = 10.0
#: An axis wholly inside this range (nm) that holds the gauge's window is read as nm even if
#: the file's words say cm-1: visible/NIR spectrometers used for gauges cover 400–1100 nm.
NM_AXIS_PLAUSIBLE = (400.0, 1100.0)
#: Silicon CCD and InGaAs spectrometers end near 1700 nm; a header-less axis running beyond
#: this is not in nm (a ruby R1 Raman shift is 1400–10000 cm⁻¹ for 405–633 nm lasers).
MAX_SPECTROMETER_NM = 1700.0
#: Laser lines gauges are excited with (nm): Ar+ 457.9/488/514.5, DPSS 473/532/561, Kr+
#: 568.2, He-Ne 632.8, diodes 405/660. Only used to word a refusal, never to read a file.
COMMON_LASERS_NM = (405.0, 457.9, 473.0, 488.0, 514.5, 532.0, 561.0, 568.2, 632.8, 660.0)


@dataclass(frozen=True)
class LineGuess:
    center_nm: float
    height: float
    baseline: float
    fwhm_nm: float
    noise: float


def spectrum_in_nm(spectrum: Spectrum, what: str,
                   search_nm: tuple[float, float] | None = None, *,
                   laser_nm: float | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """x in nm (ascending), y, and notes on how the axis was read; an axis that cannot hold the
    line is an InputError.

    Absolute wavenumbers and photon energies (eV) are converted; a Raman shift is converted
    with the excitation wavelength (``laser_nm``, else the file's own ``laser_nm``). A
    header-less axis whose numbers cannot be wavelengths of the line but can be a Raman
    shift of it (ruby R1 is ~3200 cm⁻¹ from a 568 nm laser) is read as a Raman shift when
    ``laser_nm`` is given, and refused with a message naming ``--laser-nm`` when it is not.
    When the file's words and its numbers disagree — a header that says "Raman shift" or
    "cm-1" over values that lie where the gauge line lies in nm (650–750 for ruby; as cm⁻¹
    those are 13–15 µm, or a Raman shift with no laser to anchor it) — the numbers win: a
    gauge line cannot sit at such an axis in any other reading. The note says so (issue 10:
    a ruby file in nm refused because its header said Raman shift).

    Parameters
    ----------
    spectrum : Spectrum
        The spectrum as read.
    what : str
        The gauge's name, for messages ("ruby", "Sm:SrB4O7").
    search_nm : tuple of float, optional
        Where the gauge line can lie (nm); None accepts any axis.
    laser_nm : float, optional
        Excitation wavelength (nm) for an axis that is a Raman shift (cm⁻¹).

    Returns
    -------
    tuple
        (x in nm ascending, y in the same order, list of notes).
    """
    x, y, notes = _axis_in_nm(spectrum, what, search_nm, laser_nm)
    y, note = despike(x, y, noise=noise_sigma(np.asarray(y, float)))
    return x, y, [*notes, note] if note else notes


def _axis_in_nm(spectrum: Spectrum, what: str, search_nm: tuple[float, float] | None,
                laser_nm: float | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    notes: list[str] = layout_notes(spectrum)
    x, y = spectrum.x, spectrum.y
    unit = spectrum.x_unit
    pre = where(spectrum.source)
    if laser_nm is not None and not (150.0 < laser_nm < 1100.0):
        raise InputError(f"laser wavelength {laser_nm} nm is not a Raman excitation line "
                         "(expected 200-1100 nm, e.g. 532 or 568.189)")

    def covers(lam) -> bool:
        if search_nm is None:
            return True
        lo, hi = search_nm
        return int(np.count_nonzero((lam >= lo) & (lam <= hi))) >= 5

    def from_shift(laser: float):
        with np.errstate(divide="ignore", invalid="ignore"):
            lam = 1e7 / (1e7 / laser - x)
        return lam if np.all(np.isfinite(lam) & (lam > 0)) else None

    def ascending(lam, note=None):
        if note:
            notes.append(note)
        order = np.argsort(lam)
        return lam[order], y[order], notes

    if unit == "nm":
        # an extended Raman scan (100–4534 cm-1 from a 532 nm laser, ruby near 4400) also covers
        # the line's window as numbers: read as nm, a sample band at 705 cm-1 gave R1 = 705.0 nm,
        # 31.7 GPa, beside the ruby's 3.1; no optical spectrometer reaches such an axis's top in nm
        beyond = float(np.max(x)) > MAX_SPECTROMETER_NM
        if covers(x) and not (beyond and (laser_nm is not None
                                          or spectrum.metadata.get("x_unit_from") == "assumed")):
            return x, y, notes
        if laser_nm is not None:
            # the user says this is Raman data: an axis that misses the line in nm is a shift
            lam = from_shift(laser_nm)
            if lam is not None and covers(lam):
                why = "runs beyond any optical spectrometer as nm" if covers(x) else f"misses the {what} line as nm"
                return ascending(lam, f"x ({x.min():.1f}–{x.max():.1f}) {why}; read as "
                                      f"Raman shift (cm-1) from the {laser_nm:g} nm laser and converted to nm")
            raise InputError(f"{pre}x runs {x.min():.1f}–{x.max():.1f}: neither as wavelengths (nm) nor as a Raman "
                             f"shift from a {laser_nm:g} nm laser does it reach the {what} line; wrong file or "
                             "wrong laser wavelength?")
        if float(np.max(x)) > MAX_SPECTROMETER_NM:
            # no header said what x is, and as nm it is beyond any optical spectrometer.
            # Wavelengths in Å (peak-o-mat's ruby examples, 6920–6957) reach the line as x/10;
            # they are not read so unasked, since a Raman shift from a ~470 nm laser lands on
            # the same numbers, but the refusal names the header that reads them
            angstrom = (f"; if x is in Å (x/10 reaches the {what} line), name it in the column header "
                        "(\"wavelength (Å)\")" if search_nm is not None and covers(x / 10.0) else "")
            raise InputError(f"{pre}x runs {x.min():.1f}–{x.max():.1f}, too long for wavelengths (nm) of an "
                             f"optical spectrum; if x is a Raman shift (cm-1) give the excitation laser with "
                             "--laser-nm (e.g. --laser-nm 532; laser_nm in experiment.toml's [ruby]/[sm]), if absolute "
                             "wavenumbers or eV, name the unit "
                             f"in the column header (\"wavenumber (cm-1)\", \"energy (eV)\"){angstrom}")
        if search_nm is not None and spectrum.metadata.get("x_unit_from") == "assumed":
            # a header-less Raman shift from a red laser (He-Ne: R1 at ~1400 cm-1) passes as
            # nm and was refused as "wrong file or wrong calibration" with no word of --laser-nm
            fits = [laser for laser in COMMON_LASERS_NM
                    if (lam := from_shift(laser)) is not None and covers(lam)]
            if fits and not covers(x):
                raise InputError(f"{pre}x runs {x.min():.1f}–{x.max():.1f}: as wavelengths (nm) it misses the "
                                 f"{what} line ({search_nm[0]:.0f}–{search_nm[1]:.0f} nm), as a Raman shift (cm-1) "
                                 f"it reaches it from a laser at {' or '.join(f'{v:g}' for v in fits)} nm; if x "
                                 "is a Raman shift give the laser with --laser-nm (laser_nm in experiment.toml's "
                                 "[ruby]/[sm]), otherwise check the file and its wavelength calibration")
        return x, y, notes   # locate_line says what range the line needs

    lam = None
    if unit == "cm-1":
        lam = units.wavenumber_to_nm(x)
    elif unit == "eV":
        with np.errstate(divide="ignore"):
            lam = units.ev_to_nm(x) if np.all(x > 0) else None
        if lam is not None:
            notes.append("x read as photon energy (eV) and converted to nm")
    elif unit == "raman_cm-1":
        file_laser = spectrum.metadata.get("laser_nm")
        laser = laser_nm if laser_nm is not None else (float(file_laser) if file_laser else None)
        if laser is not None:
            lam = from_shift(laser)
            if lam is not None:
                said = "--laser-nm" if laser_nm is not None else "the file's"
                notes.append(f"x read as Raman shift from a {laser:g} nm laser ({said}) and converted to nm")
                if laser_nm is not None and file_laser and abs(float(file_laser) - laser_nm) > 0.01:
                    notes.append(f"the file states a {float(file_laser):g} nm laser; --laser-nm "
                                 f"{laser_nm:g} was used")
    if lam is not None and covers(lam):
        return ascending(lam)
    # the whole axis must look like an optical spectrum in nm, not merely pass through the
    # gauge's range (a Raman spectrum of 100–3000 cm⁻¹ does that too)
    # (not when the unit was inferred because nm contradicts the file's own spectrograph setting)
    if (unit in ("cm-1", "raman_cm-1") and search_nm is not None and covers(x)
            and not spectrum.metadata.get("x_unit_note")
            and NM_AXIS_PLAUSIBLE[0] <= float(np.min(x)) and float(np.max(x)) <= NM_AXIS_PLAUSIBLE[1]):
        said = "Raman shift" if unit == "raman_cm-1" else "wavenumbers (cm-1)"
        notes.append(f"the file calls x {said}, but its values ({x[0]:.1f}–{x[-1]:.1f}) lie where "
                     f"the {what} line lies in nm and nowhere near it in {unit}: x read as nm")
        return x, y, notes
    if unit == "raman_cm-1" and lam is None:
        why = spectrum.metadata.get("x_unit_note")
        raise InputError(f"{pre}x axis is a Raman shift (raman_cm-1) and no laser wavelength is known; give the "
                         "excitation wavelength with --laser-nm (e.g. --laser-nm 532; laser_nm in experiment.toml's "
                         "[ruby]/[sm])" + (f"; {why}" if why else ""))
    raise InputError(f"{pre}x axis is in {unit}; a {what} fit needs wavelengths in nm (calibrate the "
                     "spectrometer or export in nm)" + (f"; as converted it spans {lam.min():.1f}–"
                                                        f"{lam.max():.1f} nm, missing the {what} line"
                                                        if lam is not None else ""))


def layout_notes(spectrum: Spectrum) -> list[str]:
    """Say what part of a file holding several spectra was measured (the reader takes one).

    A multi-frame SPE/SIF gives frame 0 and a table with several intensity columns its
    first; the result is right for that spectrum, but the others were not looked at.
    """
    meta = spectrum.metadata
    notes = []
    n_frames = int(meta.get("n_frames", 1) or 1)
    if n_frames > 1:
        notes.append(f"the file holds {n_frames} frames; frame {meta.get('frame', 0)} was measured "
                     "(the others were not)")
    columns = meta.get("columns") or []
    if len(columns) > 2 and meta.get("y_column"):
        others = [c for c in columns if c not in (meta.get("x_column"), meta.get("y_column"))]
        notes.append(f"the file holds {len(columns) - 1} columns beside x; {meta['y_column']!r} was measured, "
                     f"not {', '.join(repr(c) for c in others[:3])}{'…' if len(others) > 3 else ''}")
    return notes


def noise_sigma(y: np.ndarray) -> float:
    """White-noise σ of a spectrum from its first differences (insensitive to peaks and slopes).

    Integer counts with a spread under one count have a median absolute difference of 0;
    their noise is then the RMS of the differences / √2, not nothing.
    """
    sigma = white_noise_sigma(y, order=1)
    if sigma == 0.0 and np.size(y) > 2:
        sigma = float(np.std(np.diff(y)) / np.sqrt(2))
    return sigma


def lower_envelope(x: np.ndarray, y: np.ndarray, block_nm: float) -> np.ndarray:
    """A rough baseline under narrow lines: minima of blocks ``block_nm`` wide, interpolated.

    Lines narrower than a block cannot lift it, while a sloping or curved background (a
    diamond's or the sample's fluorescence) is followed; O(n), so cheap on large batches.
    """
    step = float(np.median(np.diff(x)))
    block = max(5, int(round(block_nm / step)))
    if x.size < 2 * block:
        return np.full_like(y, np.min(y))
    starts = np.arange(0, x.size, block)
    idx = np.array([s0 + int(np.argmin(y[s0:s0 + block])) for s0 in starts])
    return np.interp(x, x[idx], y[idx])


def locate_line(x: np.ndarray, y: np.ndarray, search_nm: tuple[float, float], *,
                what: str, source: str = "") -> LineGuess:
    """The strongest peak inside ``search_nm``, with rough height, width and noise.

    Raises InputError when the spectrum does not reach the search range or when nothing
    rises ``MIN_SNR`` noise σ above the baseline there.
    """
    pre = where(source)
    lo, hi = search_nm
    inside = (x >= lo) & (x <= hi)
    if inside.sum() < 5:
        raise InputError(f"{pre}the spectrum spans {x[0]:.1f}–{x[-1]:.1f} nm but a {what} line lies in "
                         f"{lo:.0f}–{hi:.0f} nm; wrong file or wrong wavelength calibration?")
    noise = max(noise_sigma(y), 1e-12 * max(1.0, float(np.max(np.abs(y)))))
    n_clipped = clipped_top(y[inside], rise_min=MIN_SNR * noise)
    if n_clipped:
        raise InputError(f"{pre}the {what} line is saturated ({n_clipped} pixels at {np.max(y[inside]):g} counts); "
                         "measure again with a shorter exposure or lower laser power")
    smooth = uniform_filter1d(y, 3, mode="nearest")
    base = lower_envelope(x, smooth, BLOCK_NM)
    xi, si, bi = x[inside], (smooth - base)[inside], base[inside]
    k = int(np.argmax(si))
    baseline = float(bi[k])
    height = float(si[k])
    si = si + baseline  # half-maximum crossings below are measured above the local baseline
    # The smoothed max of pure noise is ~3σ; demand a clear line.
    if height < MIN_SNR * noise:
        raise InputError(f"{pre}no {what} line found: the highest point in {lo:.0f}–{hi:.0f} nm is only "
                         f"{height / noise:.1f}× the noise (need {MIN_SNR:.0f}×); is the gauge in focus "
                         "and the spectrum in the right range?")
    half = baseline + height / 2
    left = k
    while left > 0 and si[left] > half:
        left -= 1
    right = k
    while right < si.size - 1 and si[right] > half:
        right += 1
    step = float(np.median(np.diff(x)))
    fwhm = max(float(xi[right] - xi[left]), 2 * step)
    return LineGuess(center_nm=float(xi[k]), height=height, baseline=baseline,
                     fwhm_nm=fwhm, noise=noise)


#: Lines narrower than this (nm, FWHM) are atomic, laser or Raman lines, not a sample's PL band.
NARROW_LINE_NM = 3.0
#: This many narrow lines outside the gauge's range, each higher than the gauge line, make a
#: line-rich emission spectrum (a plasma or a lamp), not a gauge spectrum: one laser line and
#: one diamond Raman line are common in gauge spectra, a third stronger line is not.
MAX_STRONGER_LINES = 2


def stronger_lines_outside(x: np.ndarray, y: np.ndarray, search_nm: tuple[float, float],
                           height: float) -> list[float]:
    """Positions (nm) of narrow lines outside ``search_nm`` that rise higher above the
    background than ``height`` (the gauge line's rise), strongest first.

    Why: a gauge spectrum's line is the strongest narrow line it holds, bar a laser leak or a
    diamond Raman line; an atomic-emission spectrum (a LIBS plasma: sif_parser's boron
    echelle file) also has a line in the gauge's range, and a fit there gave a Sm:SrB4O7
    pressure of 92 GPa marked ok.

    Parameters
    ----------
    x, y : numpy.ndarray
        Spectrum in nm (ascending) and its counts.
    search_nm : tuple of float
        The gauge's range; lines inside it are not counted.
    height : float
        Rise of the gauge line above its background.
    """
    from scipy.signal import find_peaks

    if height <= 0 or x.size < 10:
        return []
    step = float(np.median(np.diff(x)))
    smooth = uniform_filter1d(y, 3, mode="nearest")
    rise = smooth - lower_envelope(x, smooth, BLOCK_NM)
    peaks, props = find_peaks(rise, height=height, width=(None, NARROW_LINE_NM / step))
    outside = (x[peaks] < search_nm[0]) | (x[peaks] > search_nm[1])
    order = np.argsort(props["peak_heights"][outside])[::-1]
    return [float(v) for v in x[peaks][outside][order]]


def fit_weighted(xs, ys, model: PeakModel, p0, windows, *, return_sigma: bool = False):
    """Batch fit in two passes: unweighted, then weighted by counting statistics.

    Shot noise makes a line noisier than the baseline around it; weighting by the variance
    estimated from the first pass (:func:`~dackit.core.noise.counting_sigma`) gives the
    line position its true standard error. With ``return_sigma`` the per-spectrum σ arrays
    come back too, so a rival model can be fitted with the same weights and compared by χ².
    """
    windows = np.asarray(windows, dtype=float)
    first = fit_batch(xs, ys, model, p0, window=windows)
    sigmas = [counting_sigma(x, y, first[k], w) if first.success[k] else np.ones_like(y)
              for k, (x, y, w) in enumerate(zip(xs, ys, windows))]
    start = np.where(first.success[:, None], first.params, np.asarray(p0, dtype=float))
    second = fit_batch(xs, ys, model, start, sigma=sigmas, window=windows)
    return (second, sigmas) if return_sigma else second


def pressure_doubts(pressure: float, pressure_err: float, scale, line: str = "line") -> list[str]:
    """The checks every gauge makes on its pressure: inside the ``scale``'s calibrated range,
    not below ambient (a wrong reference λ0), and an error small enough to be a reading."""
    doubts = []
    if pressure > scale.max_pressure_gpa:
        doubts.append(f"{pressure:.1f} GPa is beyond the {scale.name} scale's calibrated range "
                      f"(≤ {scale.max_pressure_gpa:g} GPa)")
    if pressure < -0.5:
        doubts.append(f"pressure {pressure:.2f} GPa is below ambient: check the reference λ0 "
                      "(--ref) and the spectrometer calibration")
    if not pressure_err < 0.5:
        doubts.append(f"pressure error {pressure_err:.2f} GPa is large: the {line} position is poorly determined")
    return doubts


def default_reference_note(line: str, lambda0_nm: float, gpa_per_nm: float) -> str:
    """The note every gauge result carries when its reference λ0 is dackit's default.

    The ambient line must be measured on the same crystal with the same spectrometer: a
    calibration offset of the spectrometer goes straight into the pressure (issue 10: a
    spectrometer reading ambient R1 at 693.66 nm turned a labelled 6.6 GPa into 4.9 GPa).
    """
    return (f"reference {line} λ0 = {lambda0_nm:g} nm is dackit's default, not measured on this crystal: "
            f"give --ref (its ambient {line} on this spectrometer); every 0.1 nm of spectrometer offset "
            f"is {0.1 * gpa_per_nm:.2f} GPa")


#: A reference spectrum's line farther than this (nm) from the literature ambient value is
#: not an ambient spectrum (2 nm of R1 is 5 GPa), whatever the spectrometer's offset.
MAX_REFERENCE_OFFSET_NM = 2.0


def reference_line(fit, position, spectrum, *, laser_nm, ambient_nm: float, line: str) -> tuple[float, float]:
    """λ0 and its error from an ambient spectrum: ``fit(spectrum, ...)`` once to find the line,
    refused unless within MAX_REFERENCE_OFFSET_NM of ``ambient_nm``, then again with that λ0,
    refused unless the fit is ok; ``position(result)`` gives (line nm, error nm)."""
    first = fit(spectrum, laser_nm=laser_nm)
    line_nm = position(first)[0]
    if abs(line_nm - ambient_nm) > MAX_REFERENCE_OFFSET_NM:
        raise InputError(f"{where(spectrum.source)}the reference {line} is at {line_nm:.2f} nm, "
                         f"{line_nm - ambient_nm:+.2f} nm from its ambient {ambient_nm:g} nm: this is not an "
                         "ambient-pressure spectrum (or the spectrometer is miscalibrated by more than "
                         f"{MAX_REFERENCE_OFFSET_NM:g} nm); give the ambient spectrum or --ref")
    again = fit(spectrum, laser_nm=laser_nm, lambda0_nm=line_nm, lambda0_err_nm=0.0)
    if again.quality != "ok":
        raise InputError(f"{where(spectrum.source)}this reference spectrum is not a clean ambient {line}: "
                         f"{again.verdict.notes[0]}; measure the ambient spectrum again or give --ref")
    return position(again)
