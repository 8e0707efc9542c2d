"""The cell read in azimuth sectors of an image: does the calibration make the rings round?

A powder pattern integrated over the whole azimuth is only as right as the geometry it was
integrated with. A beam centre or detector tilt that does not fit the image moves each ring
by Δ2θ(χ), mostly the first and second harmonics of the azimuth χ; over a full ring they
largely cancel in the mean, but on a detector that sees part of each ring (a grazing-incidence
set-up, a DAC's opening, module gaps) they do not, and the cell comes out wrong with
well-fitted peaks. The rings of a Pilatus 1M LaB6 (SRM 660c) image integrated with a later
PONI of the same set-up (tilts zeroed, centre 2 mm off) gave a = 4.15918 Å, ok, against the
certified 4.156826 Å (NIST SRM 660c certificate); its quadrants gave 4.15901, 4.16447 and
4.15379 Å (the image's own earlier PONI: 4.15719, 4.15739, 4.15602 Å, and a = 4.15688 Å
overall).

:func:`sector_cells` cuts the cake of the image into :data:`POSITION_SECTORS` sectors and
reads, in each, every fitted line's position: the line's width and shape from the whole-ring
fit, its centre found by a scan with its height and a linear background solved at each step.
Each shift Δ2θ gives Δd/d = −cot θ · Δθ (Bragg's law); their weighted mean over the lines of a
sector gives that sector's a = a_fit (1 + Δd/d). :func:`sector_doubts` makes the result
doubtful when the sectors say the whole rings' a is off by more than 3 standard errors plus
:data:`~dackit.xrd.cell.MAX_AXIS_MODEL_SPREAD_A`: against the sectors' mean when the rings
are seen all around (the harmonics cancel), against one another when part of the azimuth is
missing. The cause is a calibration that does not fit the image, or a sample strained
differently along different directions (non-hydrostatic stress seen in radial geometry).
:func:`lattice_by_sector` judges a :func:`~dackit.xrd.lattice.fit_lattice` result this way,
:func:`phases_by_sector` each present phase of :func:`~dackit.xrd.transitions.identify_phases`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dackit.core.lineshapes import pseudo_voigt

#: sectors of the azimuth in which the rings' positions are read (45° each)
POSITION_SECTORS = 8
#: a line is read in a sector when its fitted height stands this many standard errors above zero
SECTOR_LINE_SIGNIFICANCE = 5.0
#: a sector is read where this share of its azimuth bins has pixels all across the line's window
SECTOR_MIN_COVERAGE = 0.5
#: half-width of the window a line's centre is read in, in units of its FWHM
WINDOW_FWHM = 2.0
#: the centre scan reaches this far either side of the whole-ring position, in FWHM
SCAN_FWHM = 0.75


@dataclass(frozen=True)
class SectorCell:
    """The cell length read from the rings of one azimuth sector (χ in degrees, pyFAI's)."""

    chi_lo: float
    chi_hi: float
    a: float
    a_err: float
    n_lines: int


def _line_centre(x, y, s, centre, fwhm, eta) -> tuple[float, float] | None:
    """Centre and its standard error of one line of fixed FWHM and shape on a linear background,
    or None when the line is not ``SECTOR_LINE_SIGNIFICANCE`` σ high or its centre leaves the scan."""
    w = 1.0 / s
    steps = np.linspace(-SCAN_FWHM, SCAN_FWHM, 61) * fwhm
    # every step of the scan at once: weighted designs (step, point, [line, 1, x − centre])
    prof = pseudo_voigt(x[None, :], 1.0, centre + steps[:, None], fwhm, eta)
    design = np.stack([prof, np.ones_like(prof), np.broadcast_to(x - centre, prof.shape)], axis=2) * w[None, :, None]
    try:
        coef = np.linalg.solve(np.einsum("mni,mnj->mij", design, design),
                               np.einsum("mni,n->mi", design, y * w)[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return None
    chi2 = np.sum((np.einsum("mni,mi->mn", design, coef) - y * w) ** 2, axis=1)
    i = int(np.argmin(chi2))
    if i in (0, steps.size - 1):
        return None
    h = steps[1] - steps[0]
    curv = (chi2[i - 1] - 2 * chi2[i] + chi2[i + 1]) / h**2
    if not curv > 0:
        return None
    best = centre + steps[i] + h * (chi2[i - 1] - chi2[i + 1]) / (2 * (chi2[i - 1] - 2 * chi2[i] + chi2[i + 1]))
    design = np.column_stack([pseudo_voigt(x, 1.0, best, fwhm, eta), np.ones_like(x), x - centre])
    coef, *_ = np.linalg.lstsq(design * w[:, None], y * w, rcond=None)
    redchi = max(float(np.sum(((design @ coef - y) * w) ** 2)) / max(x.size - 4, 1), 1.0)
    cov = np.linalg.pinv((design * w[:, None]).T @ (design * w[:, None])) * redchi
    if not coef[0] > SECTOR_LINE_SIGNIFICANCE * np.sqrt(max(cov[0, 0], 0.0)):
        return None
    return float(best), float(np.sqrt(2.0 / curv * redchi))


def _radial_deg(cake) -> np.ndarray | None:
    """The cake's radial axis as 2θ in degrees (None for q without a wavelength)."""
    radial = np.asarray(cake.radial, float)
    if not cake.unit.startswith("q_"):
        return radial
    if not cake.wavelength_a:
        return None
    q = radial / (10.0 if cake.unit == "q_nm^-1" else 1.0)
    return np.degrees(2 * np.arcsin(np.clip(q * cake.wavelength_a / (4 * np.pi), -1, 1)))


def _read_cell(cake, radial, rows, lines, a, chi_lo, chi_hi) -> SectorCell | None:
    """The cell from the lines' centres in the cake rows ``rows`` (None when no line is read)."""
    step = float(np.median(np.diff(radial)))
    shifts, errs = [], []
    for tth, fwhm, eta in lines:
        cols = np.abs(radial - tth) <= max(WINDOW_FWHM * fwhm, 5 * step)
        if cols.sum() < 8:
            continue
        block = cake.intensity[np.ix_(rows, cols)]
        sig = cake.sigma[np.ix_(rows, cols)]
        full = np.all(np.isfinite(block) & np.isfinite(sig), axis=1)
        if full.sum() < SECTOR_MIN_COVERAGE * rows.sum():
            continue
        y = block[full].mean(axis=0)
        s = np.sqrt(np.sum(sig[full] ** 2, axis=0)) / full.sum()
        s = np.maximum(s, 1e-12 * max(float(np.max(np.abs(y))), 1e-300))
        found = _line_centre(radial[cols], y, s, tth, fwhm, eta)
        if found is None:
            continue
        centre, err = found
        cot = 1.0 / np.tan(np.radians(tth / 2))
        # Bragg: Δd/d = −cot θ Δθ, with Δθ half the shift of 2θ
        shifts.append(-np.radians(centre - tth) / 2 * cot)
        errs.append(np.radians(err) / 2 * cot)
    if not shifts:
        return None
    wts = 1.0 / np.square(errs)
    mean = float(np.sum(wts * np.asarray(shifts)) / np.sum(wts))
    return SectorCell(float(chi_lo), float(chi_hi), a * (1 + mean), a / float(np.sqrt(np.sum(wts))), len(shifts))


def sector_cells(cake, lines, a, *, sectors: int = POSITION_SECTORS) -> tuple[list[SectorCell], SectorCell | None]:
    """The cell length ``a`` read in each azimuth sector of ``cake`` from the positions of ``lines``,
    and read the same way over the whole azimuth.

    Parameters
    ----------
    cake : Cake
        Of the image the pattern came from (:func:`~dackit.xrd.cake.cake_image`), radial unit
        2θ in degrees or q in Å⁻¹ (converted with the cake's wavelength).
    lines : iterable of (twotheta_deg, fwhm_deg, eta)
        The whole-ring fit's lines (positions, widths and Lorentzian fractions).
    a : float
        The whole-ring fit's cell length (Å).
    sectors : int
        Number of equal sectors of the azimuth.

    Returns
    -------
    (list of SectorCell, SectorCell or None)
        The sectors where at least one line was read, and the whole azimuth read by the same
        line model (so that its biases, a Kα2 line read with its Kα1 line, are the sectors').
    """
    radial = _radial_deg(cake)
    if radial is None or radial.size < 8:
        return [], None
    lines = list(lines)
    chi = np.asarray(cake.azimuth_deg, float)
    edges = np.linspace(-180.0, 180.0, sectors + 1)
    sector_rows = [((chi >= lo) & (chi < hi), lo, hi) for lo, hi in zip(edges[:-1], edges[1:])]
    cells = [_read_cell(cake, radial, rows, lines, a, lo, hi) for rows, lo, hi in sector_rows if rows.any()]
    whole = _read_cell(cake, radial, np.ones(chi.size, bool), lines, a, -180.0, 180.0)
    return [c for c in cells if c is not None], whole


def sector_doubts(cells: list[SectorCell], whole: SectorCell | None, tolerance_a: float, *,
                  sectors: int = POSITION_SECTORS) -> tuple[list[str], list[str]]:
    """(doubts, info) on the cells of the azimuth sectors, against each other and the whole azimuth.

    A calibration error moves the rings by harmonics of the azimuth (a beam-centre offset the
    first, a tilt mostly the second), which cancel over the full azimuth. So when every sector
    is read, the whole azimuth's reading is compared with the plain mean of the sectors (equal
    sectors of the full circle cancel the first three harmonics; uneven ring intensity, texture,
    would weigh them unevenly in the whole rings); a spread of the sectors is then only noted.
    When part of the azimuth holds no ring, the harmonics do not cancel and the sectors
    themselves must agree: each within 3 standard errors plus ``tolerance_a`` of their weighted
    mean (their shared line-shape biases cancel in that comparison).

    Parameters
    ----------
    cells : list of SectorCell
        From :func:`sector_cells`.
    whole : SectorCell or None
        The whole azimuth read the same way (from :func:`sector_cells`).
    tolerance_a : float
        How far (Å) beyond 3 standard errors a cell may lie
        (:data:`~dackit.xrd.cell.MAX_AXIS_MODEL_SPREAD_A`).
    sectors : int
        Number of sectors of the azimuth :func:`sector_cells` was given.

    Returns
    -------
    (list of str, list of str)
        A doubt when the cells say the whole rings' ``a`` is off; otherwise a note.
    """
    if len(cells) < 2:
        return [], []
    values = np.array([c.a for c in cells])
    errs = np.array([c.a_err for c in cells])
    wts = 1.0 / errs**2
    spread = bool(np.any(np.abs(values - np.sum(wts * values) / np.sum(wts)) - 3 * errs > tolerance_a))
    lo, hi = cells[int(np.argmin(values))], cells[int(np.argmax(values))]
    span = (f"a from {len(cells)} azimuth sectors of {360 / sectors:g}° ranges {lo.a:.5f} "
            f"(χ {lo.chi_lo:g}…{lo.chi_hi:g}°) to {hi.a:.5f} Å (χ {hi.chi_lo:g}…{hi.chi_hi:g}°)")
    cause = ("the calibration (beam centre, tilt) does not fit this image, or the sample is strained "
             "differently along different directions; recalibrate on a standard taken in the same geometry")
    if len(cells) == sectors and whole is not None:
        mean, mean_err = float(values.mean()), float(np.sqrt(np.sum(errs**2))) / len(cells)
        if abs(whole.a - mean) - 3 * np.hypot(mean_err, whole.a_err) > tolerance_a:
            return [f"the whole rings read a = {whole.a:.5f} Å but the mean of the azimuth sectors is "
                    f"{mean:.5f} Å ({span}): {cause}"], []
        if spread:
            return [], [f"the ring positions vary around the azimuth ({span}: a calibration a little off "
                        "the image, or anisotropic strain); over the full rings this cancels in a "
                        f"(sector mean {mean:.5f} Å)"]
        return [], [f"ring positions agree around the azimuth: {span}"]
    if spread:
        return [f"the ring positions depend on the azimuth and {sectors - len(cells)} of {sectors} sectors "
                f"hold no ring, so the variation does not cancel in a: {span}, more than "
                f"{tolerance_a:g} Å beyond their errors: {cause}"], []
    return [], [f"ring positions agree around the azimuth: {span}"]


def _image_cake(integrator, image, n_frames: int):
    """The cake the checks read: 360 azimuth bins, the 1D pattern's radial bins (the cake's
    default, half as many, leaves a sharp line a few bins)."""
    from dackit.xrd.cake import cake_image

    return cake_image(integrator, image, azimuth_bins=360, radial_bins=integrator.bins, n_frames=n_frames)


def _sector_verdict(cake, lines, a) -> tuple[list[str], list[str]]:
    from dackit.xrd.cell import MAX_AXIS_MODEL_SPREAD_A

    return sector_doubts(*sector_cells(cake, lines, a), MAX_AXIS_MODEL_SPREAD_A)


def lattice_by_sector(fit, integrator, image, *, n_frames: int = 1):
    """``fit`` with the verdict of :func:`sector_doubts` on the image it was integrated from.

    Parameters
    ----------
    fit : LatticeFit
        Of the pattern ``integrator`` made of ``image`` (:func:`~dackit.xrd.lattice.fit_lattice`).
    integrator : Integrator
        The one that integrated the pattern (same geometry, mask and corrections).
    image : 2D array
        The detector frame (or the sum of ``n_frames`` frames).
    n_frames : int
        Number of frames summed into ``image``.

    Returns
    -------
    LatticeFit
        The same fit; a doubt added when the sectors disagree, else a note of their range.
    """
    from dataclasses import replace

    peaks = fit.peaks
    lines = list(zip(peaks["twotheta_obs"], peaks["fwhm_deg"], peaks["eta"]))
    doubts, info = _sector_verdict(_image_cake(integrator, image, n_frames), lines, fit.a)
    return replace(fit, verdict=fit.verdict.plus(doubts=doubts, info=info)) if doubts or info else fit


def phases_by_sector(result, integrator, image, *, n_frames: int = 1):
    """``result`` of :func:`~dackit.xrd.transitions.identify_phases` with each present phase's
    cell read in azimuth sectors of the image (:func:`sector_doubts`), from the lines of the
    whole-pattern fit (:attr:`~dackit.xrd.transitions.PhaseResult.lines`).

    A phase whose sectors disagree is doubtful, and so are the result and its
    ``lattices_ok``. Lines of two phases that overlap are read together in every sector, a
    bias the sectors share and that cancels when they are compared.

    Parameters
    ----------
    result : PhaseIdentification
        Of the pattern ``integrator`` made of ``image``.
    integrator : Integrator
        The one that integrated the pattern.
    image : 2D array
        The detector frame (or the sum of ``n_frames`` frames).
    n_frames : int
        Number of frames summed into ``image``.

    Returns
    -------
    PhaseIdentification
    """
    from dataclasses import replace

    if not any(r.present and r.lines for r in result.phases):
        return result
    cake = _image_cake(integrator, image, n_frames)
    phases, all_doubts = [], []
    for r in result.phases:
        if r.present and r.lines:
            doubts, info = _sector_verdict(cake, r.lines, r.a_a)
            doubts = [f"{r.name}: {d}" for d in doubts]
            all_doubts += doubts
            r = replace(r, verdict=r.verdict.plus(doubts=doubts, info=info))
        phases.append(r)
    return replace(result, phases=tuple(phases), verdict=result.verdict.plus(doubts=all_doubts),
                   lattices_ok=result.lattices_ok and not all_doubts)
