"""`dackit xrd lattice` and `dackit xrd phases`: lattice parameters and phase identification.

Registered on the ``xrd`` group of :mod:`dackit.cli.xrd` (imported at its end).
"""
from __future__ import annotations

from pathlib import Path

import click

from dackit.cli._common import dump_json, finish, json_option, plot_option, print_table, run_per_file
from dackit.cli.xrd import command
from dackit.cli.xrd_options import integration_options

LATTICE_COLUMNS = [("file", "file", ""), ("phase", "phase", ""), ("a_angstrom", "a (Å)", ".5f"),
                   ("a_angstrom_err", "± a", ".5f"), ("volume_a3", "V (Å³)", ".3f"),
                   ("volume_a3_err", "± V", ".3f"), ("n_peaks", "peaks", "d"), ("size_nm", "Scherrer (nm)", ".1f"),
                   ("quality", "quality", "")]


class _PatternSource:
    """Turns each FILE into a Pattern: patterns are read, images integrated with one
    Integrator built from the PONI and reused for every image."""

    def __init__(self, poni, settings, wavelength):
        self.poni, self.settings, self.wavelength = poni, settings, wavelength
        self._integrator = None
        self._geometry = None
        self._flipped: _PatternSource | None = None

    def geometry(self):
        if self._geometry is None:
            from dackit.xrd.geometry import read_poni

            self._geometry = read_poni(self.poni)
        return self._geometry

    def orientation_unknown(self) -> bool:
        """The PONI predates pyFAI's detector orientation (v1/v2): whether the image was
        calibrated as read or flipped up–down (old Dioptas) cannot be told from the file."""
        if self.poni is None or self.settings.flip_ud:
            return False
        text = Path(self.poni).read_text(errors="replace").lower()
        return "orientation" not in text

    def is_image(self, path: Path) -> bool:
        from dackit.io.kinds import xray_kind

        return xray_kind(path) != "pattern"

    def integrates(self, path: Path) -> bool:
        """FILE is a detector image this source integrates (not a pattern, not an NXcanSAS curve)."""
        from dackit.io.images import holds_nxcansas_curve

        return self.is_image(path) and not holds_nxcansas_curve(Path(path))

    def flipped(self) -> _PatternSource:
        """The same source, integrating the images flipped up–down (``--flip-ud``)."""
        from dataclasses import replace

        if self._flipped is None:  # one flipped integrator, reused for every image
            self._flipped = _PatternSource(self.poni, replace(self.settings, flip_ud=True), self.wavelength)
            self._flipped._geometry = self._geometry
        return self._flipped

    def analyse(self, path: Path, analyse, accept, as_read_note, check=None):
        """``analyse(pattern)`` of FILE, retried on the image flipped up–down when the result
        is not accepted and the PONI gives no orientation.

        Dioptas before PONI v2.1 calibrated the image flipped up–down and saved no
        orientation: its CeO2 Pilatus PONI, used as is, gave a = 5.152 Å (doubtful). The
        phase indexing ok on the flipped image (``accept``) is the evidence; never a generic
        sharpness score, which chose wrongly on a DAC map frame with diamond spots. Returns
        the result; raises the first failure when neither reading is accepted.
        ``as_read_note(result or None, failure or None)`` says how the image as read did.
        ``check(source, result)``, for an image it integrated, returns the result judged on the
        image itself (``source`` is the one, as read or flipped, that made it).
        """
        from dataclasses import replace

        from dackit.errors import DackitError

        failure = None
        try:
            result = analyse(self(path))
        except DackitError as exc:
            result, failure = None, exc
        if (result is None or not accept(result)) and self.is_image(path) and self.orientation_unknown():
            try:
                alt = analyse(self.flipped()(path))
            except DackitError:
                alt = None
            if alt is not None and accept(alt):
                alt = replace(alt, verdict=alt.verdict.plus(info=[
                    "image integrated flipped up-down (as --flip-ud): the PONI gives no detector "
                    f"orientation and {as_read_note(result, failure)}"]))
                return check(self.flipped(), alt) if check is not None and self.integrates(path) else alt
        if failure is not None:
            raise failure
        return check(self, result) if check is not None and self.integrates(path) else result

    def by_sector(self, path: Path, result, judge):
        """``result`` of the image ``path`` judged on its cell read in azimuth sectors:
        ``judge(result, integrator, image, n_frames=)``, :func:`dackit.xrd.sectors.lattice_by_sector`
        or :func:`~dackit.xrd.sectors.phases_by_sector` (a calibration that does not fit the image)."""
        from dackit.xrd.frames import summed_image

        image, n_frames = summed_image(self._integrator, path)
        return judge(result, self._integrator, image, n_frames=n_frames)

    def _given_wavelength(self) -> float | None:
        """--wavelength, else the PONI's; None leaves it to the file."""
        if self.wavelength is None and self.poni is not None:
            return self.geometry().wavelength_a
        return self.wavelength

    def __call__(self, path: Path):
        from dackit.errors import InputError

        from dackit.io.kinds import xray_kind

        if xray_kind(path) == "pattern":
            from dackit.io.patterns import read_pattern

            return read_pattern(path, wavelength_a=self._given_wavelength())
        from dackit.io.kinds import refuse_micrograph

        from dackit.io.images import holds_nxcansas_curve

        if holds_nxcansas_curve(Path(path)):
            # a reduced 1D curve in NXcanSAS (a WAXS curve as well as a SAXS one) is a pattern
            # on q; 'saxs peaks' sends wide-angle curves here, so refusing them left the user
            # going round in circles (pyNika's examples/WAXS.hdf)
            from dackit.io.nxcansas import read_nxcansas

            curve = read_nxcansas(path, wavelength_a=self._given_wavelength())
            q_lo = float(curve.q_inv_a.min())
            if q_lo < WAXS_Q_MIN:
                raise InputError(f"{path}: this HDF5 file holds an NXcanSAS 1D curve (q, I) from "
                                 f"q = {q_lo:.3g} Å⁻¹, a small-angle curve; analyse it with dackit saxs peaks")
            return curve
        refuse_micrograph(path, "dackit xrd lattice/phases")
        if self.poni is None:
            from dackit.io.images import check_image_file, needs_poni_message

            check_image_file(Path(path))  # an NXcanSAS curve or text is named, not "needs --poni"
            raise InputError(f"{path}: {needs_poni_message(Path(path))}")
        if self._integrator is None:
            self._integrator = self.settings.integrator(self.geometry())
        from dackit.xrd.frames import iter_frame_patterns

        # a stack counts as the sum of its frames (one exposure split in time)
        pattern = next(iter(iter_frame_patterns(self._integrator, path, "sum"))).pattern
        if self.wavelength is not None:
            from dataclasses import replace

            pattern = replace(pattern, wavelength_a=float(self.wavelength))
        return pattern


#: an NXcanSAS curve that starts below this q (Å⁻¹; d above 21 Å) is a small-angle curve for
#: ``dackit saxs peaks``; one that starts above it (a WAXS curve) is a pattern for xrd
WAXS_Q_MIN = 0.3


def _source_options(f):
    f = click.option("--wavelength", type=click.FloatRange(0.01, 10, min_open=True), default=None,
                     help="X-ray wavelength in Å (overrides the PONI or pattern header).")(f)
    f = integration_options(f)
    f = click.option("--poni", type=click.Path(path_type=Path, dir_okay=False), default=None,
                     help="Calibration (PONI) to integrate images; also gives the wavelength.")(f)
    return f


def _spec_name(spec: str) -> str:
    return Path(spec).stem if Path(spec).suffix.lower() in (".jcpds", ".cif") else spec.split(":")[0]


_radiation_option = click.option(
    "--radiation", type=click.Choice(["xray", "neutron"]), default=None,
    help="Line intensities from X-ray form factors or neutron scattering lengths "
         "[default: neutron when the file says so (header, GSAS instrument file), else xray].")


@command.command("lattice")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_source_options
@click.option("--phase", "phase_spec", required=True,
              help="Library phase with optional parameters (zincblende, rocksalt, fluorite/ceo2, "
                   "wurtzite, fcc; calibrants lab6, si, corundum/al2o3; markers au, pt, mgo, nacl, ne; "
                   "e.g. 'rocksalt:a=5.3:cation=In:anion=P', 'fcc:a=4.05:element=Al') or a .jcpds/.cif file.")
@click.option("--range", "tth_range", nargs=2, type=float, default=None,
              help="2θ range in degrees to fit (default: the whole pattern).")
@click.option("--zero-shift", is_flag=True, help="Refine a 2θ zero shift with the cell.")
@click.option("--monochromated", is_flag=True,
              help="A laboratory scan behind a Kα1 monochromator: fit Kα1 lines alone, without "
                   "looking for Kα2 [default: the data decide].")
@_radiation_option
@click.option("--instrumental-fwhm", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Instrumental FWHM (degrees 2θ) subtracted in quadrature for Scherrer sizes.")
@json_option
@plot_option
def lattice(files, poni, settings, wavelength, phase_spec, tth_range, zero_shift, monochromated, radiation,
            instrumental_fwhm, as_json, plot_dir):
    """Refine the lattice parameter of one phase in each FILE (image or pattern).

    The phase's reflections are located by a coarse search over −12 %…+5 % of its nominal
    cell (so compressed lattices are found), fitted with pseudo-Voigt peaks (overlapping ones
    together), and the cell refined by weighted least squares on all indexed peak positions.
    With a laboratory wavelength (Cu/Co/Fe/Cr/Mo/Ag Kα1 or Kα mean, e.g. 1.5406 or 1.5418)
    the Kα2 line of every reflection is fitted when it lowers χ² significantly (F-test
    against Kα1 lines alone; --monochromated fits Kα1 lines alone), and a zero shift or
    specimen displacement is refined when the peak positions demand it (said in the notes).
    Prints a, V with standard errors (JSON keys: file, phase, a_angstrom, a_angstrom_err,
    and c_angstrom/b_angstrom with their errors for a hexagonal, tetragonal or lower cell,
    volume_a3, volume_a3_err). An image's cell is also read in eight azimuth sectors: when
    they disagree where the rings do not go all round (a PONI that does not fit the image),
    the result is doubtful. A file that fails is named (exit status 2); the others go on.

    \b
    Example:
      dackit xrd lattice CeO2_Pilatus1M.xy --phase ceo2
      dackit xrd lattice run/*.tif --poni cal.poni --phase zincblende --json --plot figs
      dackit xrd lattice p15.xy --wavelength 0.6199 --phase rocksalt:a=5.3:cation=In:anion=P
      dackit xrd lattice lab_scan.gsas --wavelength 1.5406 --phase lab6
    """
    from dackit.xrd.lattice import fit_lattice
    from dackit.xrd.phases import get_phase
    from dackit.xrd.sectors import lattice_by_sector

    source = _PatternSource(poni, settings, wavelength)
    phase = get_phase(phase_spec)
    name = _spec_name(phase_spec)

    def one(path: Path) -> dict:
        def as_read(fit, failure) -> str:
            done = f"a = {fit.a:.5f} Å, doubtful" if fit is not None else str(failure).split(": ")[-1]
            return f"the image as read did not index ({done})"

        fit = source.analyse(path, lambda pattern: fit_lattice(
            pattern, phase, twotheta_range=tth_range, zero_shift=zero_shift, kalpha2=not monochromated,
            instrumental_fwhm_deg=instrumental_fwhm, radiation=radiation), lambda fit: fit.quality == "ok", as_read,
            check=lambda src, fit: src.by_sector(path, fit, lattice_by_sector))
        for note in fit.notes:
            click.echo(f"note: {path.name}: {note}", err=True)
        if plot_dir is not None:
            from dackit.core.figures import save_figure
            from dackit.xrd.plots import DPI, plot_lattice_fit

            save_figure(plot_lattice_fit(fit), Path(plot_dir) / f"{path.stem}_lattice.png", dpi=DPI)
        # b and c of a non-cubic cell (hexagonal corundum: a and c), beside the contract's a
        other = {f"{k}_angstrom{e}": (fit.params if not e else fit.stderr)[k]
                 for k in ("b", "c") if k in fit.param_names for e in ("", "_err")}
        return {"file": str(path), "phase": name, "a_angstrom": fit.a, "a_angstrom_err": fit.a_err, **other,
                "volume_a3": fit.volume_a3, "volume_a3_err": fit.volume_a3_err, **fit.verdict.to_dict(),
                "_n_peaks": len(fit.peaks), "_size_nm": fit.scherrer_size_nm}

    rows, status = run_per_file(files, one)
    if as_json:
        dump_json([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])
    else:
        shown = [{**{k: v for k, v in r.items() if not k.startswith("_")},
                  "n_peaks": r.get("_n_peaks"), "size_nm": r.get("_size_nm")} for r in rows]
        print_table(shown, LATTICE_COLUMNS, title=f"Lattice of {phase.name}")
    finish(status)


@command.command("phases")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_source_options
@click.option("--candidates", required=True,
              help="Comma-separated candidate phases (library names with optional ':key=value' "
                   "parameters, or .jcpds/.cif files), e.g. 'zincblende,rocksalt:a=5.3:cation=In:anion=P'.")
@click.option("--range", "tth_range", nargs=2, type=float, default=None,
              help="2θ range in degrees to analyse (default: the whole pattern).")
@click.option("--threshold", type=click.FloatRange(min=1), default=5.0, show_default=True,
              help="Evidence (in σ of the noise) a phase's own peaks need to count as present.")
@click.option("--lp", "lp", type=click.Choice(["unpolarized", "corrected"]), default="unpolarized",
              show_default=True,
              help="Lorentz–polarisation factor of the line intensities: 'unpolarized' for a laboratory "
                   "tube or a synchrotron image averaged over the whole ring; 'corrected' for a "
                   "synchrotron point-detector scan in the vertical plane (APS 11-BM, ESRF ID22, "
                   "Diamond I11) or an image integrated with --polarization.")
@_radiation_option
@json_option
@plot_option
def phases(files, poni, settings, wavelength, candidates, tth_range, threshold, lp, radiation, as_json, plot_dir):
    """Identify which candidate phases are present in each FILE, with weight fractions.

    Whole-pattern fit (one scale, cell and width per phase; structure-factor intensities;
    Chebyshev background). A phase is present when its own peaks, where the others have
    none, stand above the noise by --threshold σ, and — refitted with the other present
    phases — its weight fraction stands 3σ above zero. Weight fractions by Hill & Howard
    (1987); fraction_err is counting noise ⊕ the systematic error from the scatter of each
    phase's reflection intensities about its structure model (texture, Debye–Waller,
    extinction, overlap), and a fraction whose phases scatter by more than 5 % is doubtful.
    JSON: list of {file, phases: [{name, present, fraction, fraction_err, a_angstrom,
    quality, quality_notes}], quality, quality_notes}.

    \b
    Example:
      dackit xrd phases p*.xy --wavelength 0.6199 --candidates zincblende,rocksalt:a=5.3:cation=In:anion=P
      dackit xrd phases run/*.tif --poni cal.poni --candidates zincblende,rocksalt --json
      dackit xrd phases 11bm_scan.fxye --candidates si,corundum --lp corrected
    """
    from dackit.errors import InputError
    from dackit.xrd.phases import get_phase
    from dackit.xrd.sectors import phases_by_sector
    from dackit.xrd.transitions import identify_phases

    specs = [s.strip() for s in candidates.split(",") if s.strip()]
    if not specs:
        raise InputError("--candidates: give at least one phase name")
    phase_list = [get_phase(s) for s in specs]
    names = [_spec_name(s) for s in specs]
    source = _PatternSource(poni, settings, wavelength)

    def one(path: Path) -> dict:
        def convincing(res) -> bool:
            present = [p for p in res.phases if p.present]
            return bool(present) and res.verdict.ok and all(p.verdict.ok for p in present)

        result = source.analyse(path, lambda pattern: identify_phases(
            pattern, phase_list, twotheta_range=tth_range, threshold=threshold, polarization=lp,
            radiation=radiation),
            convincing, lambda result, failure: "the candidates did not explain the image as read",
            check=lambda src, res: src.by_sector(path, res, phases_by_sector))
        if plot_dir is not None:
            from dackit.core.figures import save_figure
            from dackit.xrd.plots import DPI, plot_phase_fit

            save_figure(plot_phase_fit(result), Path(plot_dir) / f"{path.stem}_phases.png", dpi=DPI)
        return {"file": str(path), "phases": [
            {"name": n, "present": bool(p.present), "fraction": p.fraction if p.present else 0.0,
             "fraction_err": p.fraction_err if p.present else 0.0,
             "a_angstrom": p.a_a if p.present else None, **p.verdict.to_dict()}
            for n, p in zip(names, result.phases)], **result.verdict.to_dict()}

    rows, status = run_per_file(files, one)
    if as_json:
        dump_json(rows)
    else:
        flat = []
        for r in rows:
            if "error" in r:
                flat.append(r)
                continue
            for p in r["phases"]:
                flat.append({"file": r["file"], "name": p["name"], "present": "yes" if p["present"] else "no",
                             "fraction": p["fraction"], "a_angstrom": p["a_angstrom"],
                             "quality": p["quality"] if p["present"] else ""})
        print_table(flat, [("file", "file", ""), ("name", "phase", ""), ("present", "present", ""),
                           ("fraction", "weight fraction", ".3f"), ("a_angstrom", "a (Å)", ".5f"),
                           ("quality", "quality", "")],
                    title="Phases")
    finish(status)
