"""Cakes (azimuth × 2θ images) and the azimuthal uniformity of each powder ring.

A fine powder gives rings of the same intensity at every azimuth χ. Under pressure a sample
can recrystallise into few large grains (rings break into spots) or develop a preferred
orientation (intensity varies smoothly along the ring). :func:`ring_texture` measures both
on the cake from :meth:`~dackit.xrd.integrate.Integrator.integrate2d` (pyFAI ``integrate2d_ng``).

Texture index
-------------
For a ring at 2θ₀ with half-maximum width w (found on the upper-quartile profile over χ), the ring
signal at each azimuth bin is S(χ) = mean of the cake over |2θ − 2θ₀| ≤ w/2 minus the mean
over the flanking background windows 1.5w … 3w on both sides. Its variance along the ring,
Var_χ(S), holds the texture and the counting noise; the noise part is the mean over χ of
the Poisson variance of S(χ) propagated from pyFAI's per-bin σ. The index is

    texture_index = √max(0, Var_χ(S) − ⟨σ²_S⟩) / ⟨S⟩,

the coefficient of variation of the ring's intensity along χ beyond what counting noise
gives: 0 for an ideal powder, ≈ 0.3 for a ring ±30 % modulated, ≥ 1 for a ring made of spots.
``low_order_fraction`` is the share of that excess variance carried by the harmonics
cos kχ, sin kχ with k ≤ 4 (a least-squares fit): near 1 for a smooth preferred orientation,
small for spots. ``label``: "uniform" when the index is below :data:`UNIFORM_INDEX`, else
"textured" (low-order fraction ≥ 0.5) or "spotty". Neighbouring pixels shared by pixel
splitting make the Poisson term a slight underestimate, so a weak uniform ring reads a few
hundredths, not 0; an uncorrected polarisation adds ≈ 0.35·sin²2θ₀ (a few hundredths below
15°) — give the polarisation factor.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dackit.core.noise import white_noise_sigma
from dackit.core.quality import Judged, Verdict
from dackit.errors import InputError

#: below this excess coefficient of variation a ring counts as uniform (a ±14 % sinusoidal
#: modulation, or one ring in ten twice as bright, reads 0.1)
UNIFORM_INDEX = 0.1
#: a ring is measured only where its signal exists on at least this share of the azimuth
MIN_COVERAGE = 0.5
#: fewest radial bins of a cake by default
MIN_RADIAL_BINS = 180
#: harmonics of χ counted as smooth (preferred-orientation) modulation
LOW_ORDERS = 4


@dataclass(frozen=True)
class Cake:
    """A 2D integration: ``intensity[azimuth, radial]`` with its axes (NaN = no pixel)."""

    radial: np.ndarray
    azimuth_deg: np.ndarray
    intensity: np.ndarray
    sigma: np.ndarray
    unit: str = "2th_deg"
    wavelength_a: float | None = None
    source: str = ""
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RingTexture(Judged):
    """Azimuthal uniformity of one powder ring (see the module docstring for the definitions)."""

    position: float
    fwhm: float
    texture_index: float
    low_order_fraction: float
    coverage: float
    mean_signal: float
    label: str
    verdict: Verdict = Verdict()

    def to_dict(self, unit: str = "2th_deg") -> dict:
        key = "twotheta_deg" if unit == "2th_deg" else "q_inv_a"
        return {key: self.position, "fwhm": self.fwhm, "texture_index": self.texture_index,
                "low_order_fraction": self.low_order_fraction, "coverage": self.coverage,
                "label": self.label, **self.verdict.to_dict()}


def cake_image(integrator, image, *, azimuth_bins: int = 360, radial_bins: int | None = None,
               source="", n_frames: int = 1) -> Cake:
    """Integrate one image into a :class:`Cake` with an :class:`~dackit.xrd.integrate.Integrator`.

    Parameters
    ----------
    integrator : Integrator
        Geometry, mask and corrections (reused across images).
    image : 2D array
        The detector frame (or a sum of frames, see ``n_frames``).
    azimuth_bins : int
        Bins over 360° of χ (at least 4).
    radial_bins : int, optional
        Default: half the integrator's 1D bins (about one per pixel of radius), at least
        :data:`MIN_RADIAL_BINS`.
    source : str
        File name for messages and the result.
    n_frames : int
        Number of frames summed into ``image`` (dark and a fixed background scale are
        subtracted that many times).

    Returns
    -------
    Cake
    """
    if int(azimuth_bins) < 4:
        raise InputError(f"azimuth_bins={azimuth_bins}: at least 4 bins are needed")
    if integrator.shape is None:
        integrator.integrate_arrays(image, source=source)  # sets up geometry and bins
    # about one bin per pixel of radius, and never so few that rings merge on a small detector
    radial_bins = int(radial_bins or max(MIN_RADIAL_BINS, integrator.bins // 2))
    r, chi, inten, sig = integrator.integrate2d(image, azimuth_bins=int(azimuth_bins), radial_bins=radial_bins,
                                                source=source, n_frames=n_frames)
    return Cake(radial=r, azimuth_deg=chi, intensity=inten, sigma=sig, unit=integrator.unit,
                wavelength_a=integrator.geometry.wavelength_a, source=str(source),
                metadata=dict(integrator.metadata))


def find_rings(cake: Cake, *, min_snr: float = 8.0) -> list[tuple[int, float]]:
    """Rings of a cake: (radial index, FWHM in bins) of the peaks of its azimuthal profile.

    The profile is the upper quartile of each 2θ column over χ, so that single-crystal spots
    and zingers (a few χ bins each) do not count as rings.

    A peak counts when its prominence exceeds ``min_snr`` times the white noise of the
    profile (second differences, :func:`dackit.core.noise.white_noise_sigma`).
    """
    from scipy.signal import find_peaks, peak_widths

    valid = np.isfinite(cake.intensity)
    coverage = valid.mean(axis=0)
    if not valid.any():
        return []
    usable = coverage >= MIN_COVERAGE
    # the upper quartile along χ: isolated spots (a few χ bins) do not make a ring, a ring
    # present on a quarter of the azimuth or more does
    profile = np.full(coverage.shape, np.nan)
    if usable.any():
        profile[usable] = np.nanpercentile(cake.intensity[:, usable], 75, axis=0)
    profile = np.where(usable, profile, np.nan)
    finite = np.isfinite(profile)
    if finite.sum() < 10:
        return []
    filled = np.interp(np.arange(profile.size), np.flatnonzero(finite), profile[finite])
    noise = white_noise_sigma(filled[finite], order=2)
    scale = max(noise, 1e-12 * max(float(np.nanmax(np.abs(filled))), 1e-300))
    peaks, _ = find_peaks(filled, prominence=min_snr * scale)
    peaks = np.asarray([p for p in peaks if finite[p]], dtype=int)
    if peaks.size == 0:
        return []
    widths = peak_widths(filled, peaks, rel_height=0.5)[0]
    return [(int(p), float(max(w, 1.0))) for p, w in zip(peaks, widths)]


def ring_texture(cake: Cake, *, min_snr: float = 8.0) -> list[RingTexture]:
    """The texture index of every ring found in ``cake`` (definitions in the module docstring).

    Parameters
    ----------
    cake : Cake
        From :func:`cake_image`.
    min_snr : float
        A ring counts when the prominence of its peak in the azimuthal profile exceeds this
        many times the profile's white noise (see :func:`find_rings`).

    Returns
    -------
    list of RingTexture
        In order of radial position. Empty when no ring stands above the noise.

    Examples
    --------
    A perfectly uniform ring has index 0; a ring whose intensity follows 1 + 0.5·cos 2χ is
    "textured" (index ≈ 0.35, low-order fraction ≈ 1).
    """
    inten, sig = np.asarray(cake.intensity, float), np.asarray(cake.sigma, float)
    n_rad = inten.shape[1]
    chi = np.radians(np.asarray(cake.azimuth_deg, float))
    step = float(np.median(np.diff(cake.radial))) if cake.radial.size > 1 else 1.0
    out = []
    for p, w in find_rings(cake, min_snr=min_snr):
        half = max(1, int(round(0.5 * w)))
        core = np.arange(max(0, p - half), min(n_rad, p + half + 1))
        lo = np.arange(max(0, p - int(np.ceil(3 * w)) - 1), max(0, p - int(np.floor(1.5 * w)) - 1))
        hi = np.arange(min(n_rad, p + int(np.floor(1.5 * w)) + 2), min(n_rad, p + int(np.ceil(3 * w)) + 2))
        if p - 3 * w - 1 < 0 or p + 3 * w + 2 > n_rad or lo.size == 0 or hi.size == 0:
            continue  # a ring needs background on both sides (not the beam centre, not the edge)
        flank = np.concatenate([lo, hi])
        block = np.concatenate([core, flank])
        rows = np.isfinite(inten[:, block]).all(axis=1) & np.isfinite(sig[:, block]).all(axis=1)
        coverage = float(rows.mean())
        notes: list[str] = []
        position = float(cake.radial[p])
        if rows.sum() < 8:
            continue
        s = inten[rows][:, core].mean(axis=1) - inten[rows][:, flank].mean(axis=1)
        var_s = (sig[rows][:, core] ** 2).sum(axis=1) / core.size**2 \
            + (sig[rows][:, flank] ** 2).sum(axis=1) / flank.size**2
        mean_s = float(s.mean())
        noise_var = float(var_s.mean())
        if not mean_s > 5.0 * np.sqrt(noise_var / s.size):
            continue  # not a ring on this cake (a feature of the mean profile only)
        excess = max(0.0, float(s.var(ddof=1)) - noise_var)
        index = float(np.sqrt(excess) / mean_s)
        design = [np.ones_like(chi[rows])]
        for k in range(1, LOW_ORDERS + 1):
            design += [np.cos(k * chi[rows]), np.sin(k * chi[rows])]
        a = np.column_stack(design)
        coef, *_ = np.linalg.lstsq(a, s, rcond=None)
        smooth = a[:, 1:] @ coef[1:]
        low = float(np.clip(smooth.var() / excess, 0.0, 1.0)) if excess > 0 else 0.0
        if index < UNIFORM_INDEX:
            label = "uniform"
        else:
            label = "textured" if low >= 0.5 else "spotty"
        if coverage < MIN_COVERAGE:
            notes.append(f"ring at {position:.3f}: only {100 * coverage:.0f} % of the azimuth is on the "
                         "detector or unmasked; its texture index describes that part only")
        if mean_s < 10.0 * np.sqrt(noise_var):
            notes.append(f"ring at {position:.3f} is weak (signal {mean_s:.3g} per bin, noise "
                         f"{np.sqrt(noise_var):.2g}): its texture index is uncertain")
        out.append(RingTexture(position=position, fwhm=float(w * step), texture_index=index,
                               low_order_fraction=low, coverage=coverage, mean_signal=mean_s, label=label,
                               verdict=Verdict.from_checks(notes)))
    return out


def cake_verdict(cake: Cake, rings: list[RingTexture]) -> Verdict:
    """Doubtful when the cake shows no powder ring, or none could be measured reliably."""
    doubts, info = [], []
    if not rings:
        doubts.append("no powder ring stands above the noise on the cake: no texture can be measured")
    elif not any(r.verdict.ok for r in rings):
        doubts.append("every ring found is weak or mostly off the detector: texture indices are uncertain")
    if cake.metadata.get("polarization_factor") is None:
        info.append("no polarisation correction: rings carry a small cos²χ modulation "
                    "(texture index + ~0.35·sin²2θ)")
    labels = [r.label for r in rings]
    if labels:
        info.append("rings: " + ", ".join(f"{r.position:.2f} {r.label} ({r.texture_index:.2f})" for r in rings))
    return Verdict.from_checks(doubts, info)


def write_cake_nexus(cake: Cake, path, rings: list[RingTexture] | None = None) -> Path:
    """Write a cake as NeXus/HDF5: ``/entry/cake`` NXdata (intensity[azimuth, 2θ] with axes and units).

    ``/entry/cake``: ``intensity`` (signal), ``intensity_errors``, ``azimuth`` (degrees, axis 0),
    ``twotheta`` (degrees) or ``q`` (1/angstrom) (axis 1). ``/entry/texture``: per ring its
    position, texture_index, low_order_fraction, coverage and label. The root and entry carry
    NeXus ``default`` attributes, so NeXus viewers open the cake directly.

    Parameters
    ----------
    cake : Cake
        From :func:`cake_image`.
    path : str or Path
        Output file (overwritten; parent folders are created).
    rings : list of RingTexture, optional
        From :func:`ring_texture`; without them no ``/entry/texture`` group is written.

    Returns
    -------
    Path
        The file written.
    """
    import h5py

    from dackit.xrd.nexus import create_nexus, radial_axis

    path = Path(path)
    axis, axis_units = radial_axis(cake.unit)
    h5, entry = create_nexus(path, default="cake", source=cake.source, what="the cake")
    with h5:
        if cake.wavelength_a is not None:
            entry["wavelength_a"] = float(cake.wavelength_a)
            entry["wavelength_a"].attrs["units"] = "angstrom"
        data = entry.create_group("cake")
        data.attrs.update(NX_class="NXdata", signal="intensity", axes=["azimuth", axis],
                          azimuth_indices=0, **{f"{axis}_indices": 1})
        d = data.create_dataset("intensity", data=cake.intensity.astype(np.float32), compression="gzip")
        d.attrs.update(units="counts", long_name="intensity (solid-angle corrected, per bin mean)")
        data.create_dataset("intensity_errors", data=cake.sigma.astype(np.float32), compression="gzip")
        data["azimuth"] = np.asarray(cake.azimuth_deg, float)
        data["azimuth"].attrs.update(units="degrees", long_name="azimuth χ (pyFAI)")
        data[axis] = np.asarray(cake.radial, float)
        data[axis].attrs["units"] = axis_units
        if rings is not None:
            tex = entry.create_group("texture")
            tex.attrs["NX_class"] = "NXcollection"
            tex[axis] = np.asarray([r.position for r in rings], float)
            tex["texture_index"] = np.asarray([r.texture_index for r in rings], float)
            tex["low_order_fraction"] = np.asarray([r.low_order_fraction for r in rings], float)
            tex["coverage"] = np.asarray([r.coverage for r in rings], float)
            tex["label"] = np.asarray([r.label for r in rings], dtype=h5py.string_dtype())
    return path


def plot_cake(cake: Cake, rings: list[RingTexture] | None = None, *, title: str = ""):
    """The cake as an image (χ vertical, 2θ horizontal), rings marked with their texture index.

    Parameters
    ----------
    cake : Cake
        From :func:`cake_image`.
    rings : list of RingTexture, optional
        From :func:`ring_texture`; each is marked by a dotted line and its index.
    title : str
        Axes title; default the cake's file name.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from dackit.core.figures import new_figure

    fig, ax = new_figure((8.0, 4.5))
    finite = cake.intensity[np.isfinite(cake.intensity)]
    lo, hi = (np.percentile(finite, [1, 99.5]) if finite.size else (0.0, 1.0))
    ax.imshow(cake.intensity, origin="lower", aspect="auto", cmap="viridis", vmin=lo, vmax=hi,
              extent=(float(cake.radial[0]), float(cake.radial[-1]),
                      float(cake.azimuth_deg[0]), float(cake.azimuth_deg[-1])))
    for r in rings or []:
        ax.axvline(r.position, color="w", lw=0.5, ls=":")
        ax.text(r.position, float(cake.azimuth_deg[-1]), f"{r.texture_index:.2f}", color="w",
                fontsize=7, rotation=90, va="top", ha="right")
    ax.set_xlabel("2θ (°)" if cake.unit == "2th_deg" else "q (Å⁻¹)")
    ax.set_ylabel("χ (°)")
    ax.set_title(title or Path(cake.source).name)
    return fig


def texture_summary(rings: list[RingTexture], unit: str = "2th_deg") -> list[dict]:
    """Rows for JSON and reports: one dict a ring."""
    return [r.to_dict(unit) for r in rings]
