"""The description of an experiment: ``experiment.toml`` (instruments, analysis choices)
plus the run sheet CSV (the lab's log, one row per measurement).

Both are validated up front, so that a typo surfaces as one clear message naming the key
or the run-sheet row, before any analysis runs.

``experiment.toml``::

    name = "InP/ZnSe compression"
    runsheet = "runsheet.csv"            # relative to this file

    [sample]
    core = "InP"
    shell = "ZnSe"
    core_diameter_nm = 2.5
    shell_thickness_nm = 1.9

    [ruby]
    scale = "mao1986-hydrostatic"
    lambda0_nm = 694.24
    t_correction = "datchi2007"          # R1(T) at a row's temperature_k: or ragan1992, vos1991

    [xrd]
    wavelength_a = 0.6199
    poni = "xrd/geometry.poni"           # or calibrant_image + calibrant + detector|pixel_um
    phases = ["zincblende", "rocksalt"]
    polarization = 0.99                  # optional image corrections:
    sigma_clip = 3                       # diamond spots and zingers out
    background = "xrd/empty_cell.tif"    # scale fitted, or background_scale = 0.8

Paths (run-sheet files, PONI, mask, phase files) are relative to the folder of
experiment.toml, and a run-sheet file must lie inside that folder: ``../../etc/passwd`` is
refused. Data kept elsewhere (a beamline's data folder) is allowed by naming its root::

    data_roots = ["/beamline/data"]      # absolute, or relative to experiment.toml

Run sheet columns: ``step, direction, technique, file[, pressure_gpa, pressure_gpa_err,
temperature_k, note]`` (``temperature_k``: the cell's temperature, used by the ruby
temperature correction and the thermal EoS of an X-ray standard; 300 K when empty);
``direction`` is ``compression`` or ``decompression``; ``technique`` one of :data:`TECHNIQUES`.
``xrd_frames`` is a time-resolved XRD step: a multi-frame file (HDF5/Eiger stack, EDF…)
integrated frame by frame with the ``[xrd]`` settings into one NeXus file of patterns
(``OUT/xrd_series/<file stem>.nxs``).
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal, overload

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dackit.core.units import kev_to_angstrom
from dackit.errors import ConfigError

#: what a run-sheet row can be
TECHNIQUES = ("ruby", "sm", "diamond", "pl", "absorption", "xrd", "xrd_frames", "saxs", "tem")
#: techniques whose spectra give a step's pressure (an XRD pattern too, when
#: ``xrd.pressure_standard`` names the standard mixed with the sample)
GAUGE_TECHNIQUES = ("ruby", "sm", "diamond")
#: phase specs that name a file (see dackit.xrd.phases.get_phase)
PHASE_FILE_SUFFIXES = (".jcpds", ".cif", ".mcif")
DIRECTIONS = ("compression", "decompression")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sample(_Section):
    name: str = ""
    core: str = "InP"
    shell: str | None = "ZnSe"
    core_diameter_nm: float | None = Field(default=None, gt=0)
    shell_thickness_nm: float | None = Field(default=None, ge=0)


class RubySettings(_Section):
    scale: str = "shen2020"
    lambda0_nm: float = Field(default=694.24, gt=600, lt=800)
    lambda0_err_nm: float = Field(default=0.01, ge=0)
    temperature_k: float | None = Field(default=None, gt=0)
    t_correction: str = "datchi2007"   # a key of dackit.gauge.ruby.TEMPERATURE_CORRECTIONS
    laser_nm: float | None = Field(default=None, gt=200, lt=1200)   # x is a Raman shift from this laser


class SmSettings(_Section):
    scale: str = "datchi1997"
    lambda0_nm: float = Field(default=685.41, gt=600, lt=800)
    lambda0_err_nm: float = Field(default=0.01, ge=0)
    laser_nm: float | None = Field(default=None, gt=200, lt=1200)   # x is a Raman shift from this laser


class DiamondSettings(_Section):
    scale: str = "akahama2006"
    laser_nm: float | None = Field(default=None, gt=200, lt=1200)
    nu0_cm1: float | None = Field(default=None, gt=1300, lt=1360)


class PLSettings(_Section):
    n_peaks: int = Field(default=1, ge=1, le=4)
    order: int = Field(default=2, ge=1, le=2)
    fit_max_pressure_gpa: float | None = None   # E(P) fit range (the study: 0-5.6 GPa)


class AbsorptionSettings(_Section):
    transition: Literal["direct", "indirect"] = "direct"
    quantity: Literal["absorbance", "transmittance", "od", "alpha"] = "absorbance"


class _XraySettings(_Section):
    wavelength_a: float | None = Field(default=None, gt=0.01, lt=10)
    energy_kev: float | None = Field(default=None, gt=1, lt=500)
    poni: str | None = None
    mask: str | None = None
    flip_ud: bool = False
    bins: int | None = Field(default=None, gt=10)
    # image corrections (dackit.xrd.integrate.IntegrationSettings; paths like poni)
    polarization: float | None = Field(default=None, ge=-1, le=1)
    solid_angle: bool = True
    dark: str | None = None
    flat: str | None = None
    background: str | None = None
    background_scale: float | None = None
    background_region: list[float] | None = Field(default=None, min_length=2, max_length=2)
    sigma_clip: float | None = Field(default=None, gt=0)
    # instead of poni: calibrate from a calibrant image (see dackit.experiment.calibration)
    calibrant_image: str | None = None
    calibrant: str | None = None
    detector: str | None = None
    pixel_um: float | None = Field(default=None, gt=0)
    distance_mm: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _consistent(self):
        if self.calibrant_image is not None:
            if self.poni is not None:
                raise ValueError("give either poni or calibrant_image, not both")
            if not self.calibrant:
                raise ValueError("calibrant_image needs calibrant (a pyFAI name such as CeO2 or LaB6)")
            if (self.detector is None) == (self.pixel_um is None):
                raise ValueError("calibrant_image needs detector (a pyFAI name) or pixel_um, one of the two")
            if not (self.wavelength_a or self.energy_kev):
                raise ValueError("calibrant_image needs the X-ray wavelength_a or energy_kev")
        if self.wavelength_a and self.energy_kev:
            lam = float(kev_to_angstrom(self.energy_kev))
            if abs(lam - self.wavelength_a) / self.wavelength_a > 0.005:
                # an experiment file must say one thing (the SAXS/CLI level only warns)
                raise ValueError(f"wavelength {self.wavelength_a} Å and energy {self.energy_kev} keV "
                                 f"(= {lam:.4f} Å) disagree by more than 0.5 %; keep the one that is right")
        return self

    @property
    def resolved_wavelength_a(self) -> float | None:
        if self.wavelength_a:
            return self.wavelength_a
        return float(kev_to_angstrom(self.energy_kev)) if self.energy_kev else None


class XRDSettings(_XraySettings):
    phases: list[str] = ["zincblende", "rocksalt"]
    eos_form: str = "bm3"
    #: a pressure standard mixed with the sample (a key of dackit.eos.standards.STANDARDS:
    #: "au", "pt", "mgo", "nacl-b1", "nacl-b2", "ne", ...); its lattice gives the step pressure
    pressure_standard: str | None = None


class SAXSSettings(_XraySettings):
    k: float = Field(default=0.89, gt=0, le=2)


class TEMSettings(_Section):
    pixel_nm: float | None = Field(default=None, gt=0)
    #: the length written on the images' scale bar (dackit.tem.scalebar); not with pixel_nm
    scale_bar_nm: float | None = Field(default=None, gt=0)
    contrast: Literal["dark", "bright", "auto"] = "auto"
    #: edge level as a fraction of the particle contrast; unset = 0.5 with the edge-sensitivity check
    level: float | None = Field(default=None, gt=0, lt=1)

    @model_validator(mode="after")
    def _one_calibration(self):
        if self.pixel_nm is not None and self.scale_bar_nm is not None:
            raise ValueError("give either pixel_nm or scale_bar_nm, not both")
        return self


class Experiment(_Section):
    """A validated ``experiment.toml``; paths are resolved against its folder."""

    name: str = "experiment"
    runsheet: str = "runsheet.csv"
    sample: Sample = Sample()
    ruby: RubySettings = RubySettings()
    sm: SmSettings = SmSettings()
    diamond: DiamondSettings = DiamondSettings()
    pl: PLSettings = PLSettings()
    absorption: AbsorptionSettings = AbsorptionSettings()
    xrd: XRDSettings = XRDSettings()
    saxs: SAXSSettings = SAXSSettings()
    tem: TEMSettings = TEMSettings()
    data_roots: list[str] = []
    base_dir: str = "."

    @overload
    def path(self, relative: str) -> Path: ...

    @overload
    def path(self, relative: None) -> None: ...

    def path(self, relative: str | None) -> Path | None:
        """A path of the description, resolved against the folder of experiment.toml."""
        if relative is None:
            return None
        p = Path(relative)
        return p if p.is_absolute() else Path(self.base_dir) / p

    def allowed(self, path) -> bool:
        """Whether ``path`` lies in the experiment folder or one of ``data_roots``.

        Judged on the path as written (``..`` collapsed, symlinks not followed): a link the
        user put inside the folder is theirs to follow; a run sheet's ``../../etc/passwd`` is not.
        """
        target = os.path.normpath(os.path.abspath(path))
        for root in [self.base_dir, *self.data_roots]:
            root = os.path.normpath(os.path.abspath(self.path(root)))
            if target == root or target.startswith(root.rstrip(os.sep) + os.sep):
                return True
        return False

    def phase_spec(self, spec: str) -> str:
        """A phase of ``xrd.phases`` as :func:`dackit.xrd.phases.get_phase` needs it: a
        .jcpds/.cif file resolved against the experiment folder, a library name unchanged."""
        if Path(str(spec).strip()).suffix.lower() in PHASE_FILE_SUFFIXES:
            return str(self.path(str(spec).strip()))
        return spec


def _location(err) -> str:
    return ".".join(str(part) for part in err["loc"]) or "(top level)"


def load_experiment(path) -> Experiment:
    """Read and validate ``experiment.toml``; ConfigError names the key at fault.

    Parameters
    ----------
    path : str or Path
        Path of ``experiment.toml``.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: experiment description not found")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    raw.setdefault("base_dir", str(path.resolve().parent))
    try:
        exp = Experiment(**raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_location(e)}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None
    from dackit.gauge.ruby import RUBY_SCALES
    if exp.ruby.scale not in RUBY_SCALES:
        raise ConfigError(f"{path}: ruby.scale {exp.ruby.scale!r} is not one of {', '.join(sorted(RUBY_SCALES))}")
    from dackit.gauge.ruby import TEMPERATURE_CORRECTIONS
    if exp.ruby.t_correction not in TEMPERATURE_CORRECTIONS:
        raise ConfigError(f"{path}: ruby.t_correction {exp.ruby.t_correction!r} is not one of "
                          f"{', '.join(sorted(TEMPERATURE_CORRECTIONS))}")
    from dackit.gauge.diamond import DIAMOND_SCALES
    from dackit.gauge.sm import SM_SCALES
    if exp.sm.scale not in SM_SCALES:
        raise ConfigError(f"{path}: sm.scale {exp.sm.scale!r} is not one of {', '.join(sorted(SM_SCALES))}")
    if exp.diamond.scale not in DIAMOND_SCALES:
        raise ConfigError(f"{path}: diamond.scale {exp.diamond.scale!r} is not one of "
                          f"{', '.join(sorted(DIAMOND_SCALES))}")
    if exp.xrd.pressure_standard is not None:
        from dackit.eos.standards import STANDARDS
        if exp.xrd.pressure_standard.lower() not in STANDARDS:
            raise ConfigError(f"{path}: xrd.pressure_standard {exp.xrd.pressure_standard!r} is not one of "
                              f"{', '.join(STANDARDS)}")
    for key in ("xrd.poni", "xrd.mask", "xrd.calibrant_image", "saxs.poni", "saxs.mask", "saxs.calibrant_image",
                "runsheet", "xrd.dark", "xrd.flat", "xrd.background", "saxs.dark", "saxs.flat", "saxs.background"):
        section, _, name = key.rpartition(".")
        value = getattr(getattr(exp, section) if section else exp, name)
        if value is not None and not exp.path(value).is_file():
            raise ConfigError(f"{path}: {key} = {value!r} does not exist (looked in {exp.base_dir})")
    _check_inputs(path, exp)
    return exp


def _check_inputs(path: Path, exp: Experiment) -> None:
    """Read the PONI, mask and phase files now: one bad setting would otherwise fail every
    XRD/SAXS row of the run, each with the same message."""
    from dackit.errors import DackitError

    def check(key, value, reader):
        try:
            reader()
        except DackitError as exc:
            raise ConfigError(f"{path}: {key} = {value!r} cannot be used: {exc}") from None

    for section in ("xrd", "saxs"):
        settings = getattr(exp, section)
        if settings.poni is not None:
            from dackit.xrd.geometry import read_poni
            check(f"{section}.poni", settings.poni, lambda p=settings.poni: read_poni(exp.path(p)))
        if settings.mask is not None:
            from dackit.io.images import read_mask
            check(f"{section}.mask", settings.mask, lambda p=settings.mask: read_mask(exp.path(p)))
    for i, spec in enumerate(exp.xrd.phases):
        from dackit.xrd.phases import get_phase
        check(f"xrd.phases[{i}]", spec, lambda s=spec: get_phase(exp.phase_spec(s)))


def read_runsheet(exp: Experiment, *, allow_missing: bool = False) -> pd.DataFrame:
    """The run sheet as a DataFrame with resolved ``path``; ConfigError names the row at fault.

    Checks: required columns, known technique and direction, integer step, the file exists,
    and each step's pressure is either typed or measurable from a ruby row of that step.

    ``allow_missing=True`` is for a sheet filled in during a beamtime (``dackit watch``): a
    row whose file does not exist yet is not an error but left out of the table, and so are
    the rows of a step whose pressure cannot be measured yet (no typed pressure and none of
    its ruby files there). The rows left out are listed in ``table.attrs["waiting"]`` as
    ``{"row", "step", "technique", "file", "reason"}`` dicts; the table may then be empty.

    Parameters
    ----------
    exp : Experiment
        The validated experiment description, from :func:`load_experiment`.
    allow_missing : bool, default False
        Leave out run-sheet rows whose file has not arrived yet (during a beamtime) instead
        of failing.
    """
    path = exp.path(exp.runsheet)
    assert path is not None  # runsheet is a str, so it always resolves
    sheet = _read_sheet(path, ("step", "direction", "technique", "file"),
                        "step,direction,technique,file[,pressure_gpa,pressure_gpa_err,note]")
    for col in ("pressure_gpa", "pressure_gpa_err", "temperature_k"):
        if col not in sheet:
            sheet[col] = float("nan")
    if "note" not in sheet:
        sheet["note"] = ""
    rows = []
    for i, row in sheet.iterrows():
        where = f"{path}: row {i + 2}"  # header is line 1
        technique = str(row["technique"]).strip().lower()
        if technique not in TECHNIQUES:
            raise ConfigError(f"{where}: unknown technique {row['technique']!r}; use one of {', '.join(TECHNIQUES)}")
        direction = _direction(row["direction"], where)
        try:
            step = int(row["step"])
            typed = float(row["pressure_gpa"]) if pd.notna(row["pressure_gpa"]) else float("nan")
            typed_err = float(row["pressure_gpa_err"]) if pd.notna(row["pressure_gpa_err"]) else float("nan")
            temperature = float(row["temperature_k"]) if pd.notna(row["temperature_k"]) else float("nan")
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: step must be an integer and pressure_gpa, temperature_k numbers") from None
        if np.isfinite(temperature) and not 0 < temperature <= 5000:
            raise ConfigError(f"{where}: temperature_k {temperature} is not a temperature in K (0-5000)")
        file = exp.path(str(row["file"]).strip())
        if not exp.allowed(file):
            raise ConfigError(f"{where}: file {row['file']!r} lies outside the experiment folder "
                              f"{exp.base_dir}; move it there, or name its folder in experiment.toml "
                              "as data_roots = [\"/path/to/data\"]")
        if _missing(file) and not allow_missing:
            raise ConfigError(f"{where}: file {row['file']!r} does not exist (looked in {exp.base_dir})")
        rows.append({"row": i + 2, "step": step, "direction": direction, "technique": technique,
                     "file": str(row["file"]).strip(), "path": str(file), "pressure_gpa": typed,
                     "pressure_gpa_err": typed_err, "temperature_k": temperature,
                     "note": "" if pd.isna(row["note"]) else str(row["note"])})
    table = pd.DataFrame(rows)
    if table.empty:
        raise ConfigError(f"{path}: the run sheet has no measurements")
    gauges = gauge_techniques(exp)
    for step, group in table.groupby("step"):
        if group["pressure_gpa"].isna().all() and not group["technique"].isin(gauges).any():
            if group["technique"].eq("tem").all():
                continue  # TEM is measured outside the cell, at ambient
            raise ConfigError(f"{path}: step {step} has neither a typed pressure_gpa nor a gauge "
                              f"measurement ({', '.join(gauges)}) (rows {', '.join(map(str, group['row']))})")
    if allow_missing:
        table = _hold_back_missing(table, gauges)
    return table


def _read_sheet(path: Path, required: tuple[str, ...], expected: str) -> pd.DataFrame:
    """A run-sheet CSV with lower-cased column names; ConfigError names the file at fault."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: run sheet not found")
    try:
        sheet = pd.read_csv(path, dtype={"file": str, "note": str}, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the run sheet ({exc})") from None
    sheet.columns = [str(c).strip().lower() for c in sheet.columns]
    missing = [c for c in required if c not in sheet.columns]
    if missing:
        raise ConfigError(f"{path}: missing column(s) {', '.join(sorted(missing))}; expected {expected}")
    return sheet


def _direction(value, where: str) -> str:
    """``compression`` or ``decompression`` (also from the short labels up/c, down/d/release)."""
    from dackit.errors import InputError
    from dackit.optics.pressure_coeff import direction_labels

    try:
        return str(direction_labels([value], 1)[0])
    except InputError:
        raise ConfigError(f"{where}: direction {value!r} must be compression or decompression") from None


def read_pressure_sheet(path) -> pd.DataFrame:
    """The run sheet of a single-technique command (``dackit pl --runsheet``): one row per
    file with its pressure, read by the same rules as an experiment's run sheet.

    Columns ``file, pressure_gpa[, pressure_gpa_err][, direction]``; files are relative to
    the sheet's folder. Returns ``file, path, pressure_gpa, pressure_gpa_err`` (NaN when not
    given) and ``direction`` (None without that column), in order: a file may appear twice
    (on compression and on decompression). ConfigError names the row at fault.
    """
    path = Path(path)
    sheet = _read_sheet(path, ("file", "pressure_gpa"), "file,pressure_gpa[,pressure_gpa_err][,direction]")
    if sheet.empty:
        raise ConfigError(f"{path}: the run sheet has no rows")
    rows = []
    for i, row in sheet.iterrows():
        where = f"{path}: row {i + 2}"
        try:
            p = float(row["pressure_gpa"])
            pe = float(row["pressure_gpa_err"]) if "pressure_gpa_err" in sheet.columns else float("nan")
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: pressure is not a number") from None
        if not np.isfinite(p):
            raise ConfigError(f"{where}: pressure_gpa is missing or not finite")
        name = str(row["file"]).strip()
        full = Path(name) if Path(name).is_absolute() else path.parent / name
        rows.append({"file": name, "path": str(full), "pressure_gpa": p, "pressure_gpa_err": pe,
                     "direction": _direction(row["direction"], where) if "direction" in sheet.columns
                     else None})
    return pd.DataFrame(rows)


def _missing(path) -> bool:
    """Nothing there yet (a link to nothing counts as nothing). A folder, a FIFO or a link
    loop *is* there: its analysis fails with the reason, it does not wait for ever."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


def gauge_techniques(exp: Experiment) -> tuple[str, ...]:
    """Run-sheet techniques that measure a step's pressure in this experiment."""
    return GAUGE_TECHNIQUES + (("xrd",) if exp.xrd.pressure_standard else ())


def _hold_back_missing(table: pd.DataFrame, gauges=("ruby",)) -> pd.DataFrame:
    """``table`` without the rows that cannot be analysed yet, those listed in attrs["waiting"]."""
    exists = table["path"].map(lambda p: not _missing(p))
    ruby_there = table[table["technique"].isin(gauges) & exists].groupby("step").size()
    typed = table.groupby("step")["pressure_gpa"].agg(lambda p: p.notna().any())
    unmeasured = [s for s, group in table.groupby("step")
                  if not typed[s] and group["technique"].isin(gauges).any() and s not in ruby_there.index]
    waiting = []
    for r, there in zip(table.itertuples(), exists):
        if not there:
            reason = "file not there yet"
        elif r.step in unmeasured:
            reason = "waiting for a gauge measurement of its step (no pressure yet)"
        else:
            continue
        waiting.append({"row": r.row, "step": int(r.step), "technique": r.technique, "file": r.file,
                        "reason": reason})
    held = {w["row"] for w in waiting}
    ready = table[~table["row"].isin(held)].reset_index(drop=True)
    ready.attrs["waiting"] = waiting
    return ready
