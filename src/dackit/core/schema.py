"""The schema of ``results.json``: what ``dackit run`` writes, as pydantic models.

These models are the one definition of the results' keys: ``dackit run`` validates the
document against :class:`Results` before writing it (a failure is a bug in dackit, raised
as :class:`ResultsSchemaError`), ``dackit schema`` prints :func:`json_schema`, and the
report takes its section names and labels from here. Keys follow the library convention:
the unit in the name (``pressure_gpa``, ``volume_a3``), the standard error beside its value
as ``<key>_err``, reduced χ² as ``redchi``. A number that is not finite is written as
``null``, so every float may be ``None``.

The models live in ``core`` because both the pipeline (which writes results) and the
report (which reads them) depend on them, and neither may depend on the other's layer.

>>> doc = {"experiment": "e", "sample": {}, "steps": [], "ruby": [], "inconsistencies": [],
...        "doubtful": [], "failures": [],
...        "provenance": {"dackit_version": "0", "created": "t", "experiment": "x", "files": []}}
>>> validate_results(doc).experiment
'e'
>>> try:
...     validate_results({**doc, "chi2_red": 1.0})
... except ResultsSchemaError as exc:
...     print(str(exc).split("report it): ")[1])
chi2_red: Extra inputs are not permitted
"""
from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dackit.errors import DackitError

Direction = Literal["compression", "decompression"]
Quality = Literal["ok", "doubtful"]
#: a float that may be missing: NaN and ±inf are written to JSON as null
Number = float | None


class ResultsSchemaError(DackitError):
    """A results document that does not match :class:`Results`: dackit wrote something its
    schema does not describe (when raised by ``dackit run``, a bug to report)."""


class _Model(BaseModel):
    # every key is described: an unknown key is drift between the pipeline and the schema;
    # strict: "yes" is not a bool nor "3" a step, in a file other programs read
    model_config = ConfigDict(extra="forbid", strict=True)


class _StepRow(_Model):
    """The step a measurement belongs to and the step's pressure."""

    file: str = Field(description="Input file, as named in the run sheet")
    step: int
    direction: Direction
    pressure_gpa: Number = Field(title="pressure (GPa)", description="Pressure of the step")
    pressure_gpa_err: Number = None


class _Verdict(_Model):
    """Per-file verdict (issue 10); absent in results of analyses that do not give one yet."""

    quality: Quality | None = Field(default=None, description='"ok" or "doubtful"')
    quality_notes: list[str] | None = Field(default=None, description="Why a result is doubtful")


class GaugeReading(_Model):
    """One gauge's reading of a step (its spectra or patterns of that step averaged)."""

    gauge: str = Field(description='"ruby", "Sm:SrB4O7", "diamond edge" or "xrd:<standard>"')
    pressure_gpa: Number = Field(title="P (GPa)")
    pressure_gpa_err: Number
    n: int = Field(description="spectra or patterns of this gauge in the step")
    doubtful: bool = Field(description="every reading of this gauge in the step is doubtful")
    notes: list[str] = Field(default_factory=list, description="temperature corrections applied")


class Step(_Model):
    step: int
    direction: Direction
    pressure_gpa: Number = Field(title="pressure (GPa)")
    pressure_gpa_err: Number
    source: str = Field(description='"ruby (n spectra)", "weighted mean of ...", "typed", "ambient (TEM)" '
                        "or why unmeasured")
    gauges: list[GaugeReading] = Field(default_factory=list, description="each gauge's reading; the step "
                                       "pressure is their weighted mean")
    gauges_disagree: bool = Field(default=False, description="two gauges differ by more than 2σ")
    temperature_k: Number = Field(default=None, title="T (K)", description="from the run sheet; null = room")


class RubyRow(_StepRow, _Verdict):
    """One ruby spectrum; ``pressure_gpa_file`` is its own reading, ``pressure_gpa`` the step's."""

    r1_nm: Number
    r1_nm_err: Number
    r2_nm: Number
    r2_nm_err: Number = None
    fwhm_nm: Number
    scale: str
    resolved: bool
    lambda0_nm: Number = None
    lambda0_nm_err: Number = None
    temperature_k: Number = None
    window_nm: list[Number] | None = None
    redchi: Number = Field(default=None, title="χ²_red")
    model: str | None = Field(default=None, description='R1/R2 model the data chose: "shared-width", '
                              '"free-width" or "tied-splitting"')
    r2_r1_ratio: Number = Field(default=None, title="R2/R1 height ratio")
    pressure_gpa_file: Number
    pressure_gpa_file_err: Number


class SmRow(_StepRow, _Verdict):
    """One Sm:SrB4O7 spectrum; ``pressure_gpa_file`` is its own reading."""

    line_nm: Number
    line_nm_err: Number
    scale: str
    fwhm_nm: Number
    lambda0_nm: Number = None
    window_nm: list[Number] | None = None
    redchi: Number = Field(default=None, title="χ²_red")
    pressure_gpa_file: Number
    pressure_gpa_file_err: Number


class DiamondRow(_StepRow, _Verdict):
    """One stressed-diamond Raman spectrum; ``pressure_gpa_file`` is its own reading."""

    edge_cm1: Number = Field(title="edge (cm⁻¹)")
    edge_cm1_err: Number
    scale: str
    nu0_cm1: Number = None
    window_cm1: Number = None
    edge_snr: Number = None
    unstressed_cm1: Number = None
    pressure_gpa_err_edge: Number = None
    pressure_gpa_file: Number
    pressure_gpa_file_err: Number


class PlRow(_StepRow, _Verdict):
    """One PL spectrum: band-edge peak, width, area, fit quality and CIE colour."""

    peak_ev: Number
    peak_ev_err: Number
    peak_nm: Number
    peak_nm_err: Number
    fwhm_mev: Number
    fwhm_mev_err: Number
    fwhm_nm: Number
    area: Number
    area_err: Number
    redchi: Number = Field(title="χ²_red")
    cie_x: Number
    cie_y: Number
    colour_hex: str
    pressure_gpa_file: Number = Field(description="Pressure given to the fit (none in a run)")
    pressure_gpa_file_err: Number = None


class PlFit(_Model):
    """E(P) = E0 + αP + βP² of one branch, pressure errors included."""

    e0_ev: Number = Field(title="E0 (eV)")
    e0_ev_err: Number
    alpha_mev_per_gpa: Number = Field(title="α (meV/GPa)")
    alpha_mev_per_gpa_err: Number
    beta_mev_per_gpa2: Number = Field(title="β (meV/GPa²)", description="null for a linear fit")
    beta_mev_per_gpa2_err: Number
    redchi: Number = Field(title="χ²_red")
    n: int = Field(title="points")
    order: Literal[1, 2, 3]
    pressure_range_gpa: list[Number] = Field(min_length=2, max_length=2)


class PlReversibility(_Model):
    residual_shift_mev: Number
    residual_shift_mev_err: Number
    max_shift_mev: Number
    recovered_fraction: Number


class TaucRow(_StepRow, _Verdict):
    gap_ev: Number = Field(title="gap (eV)")
    gap_ev_err: Number
    window_ev: list[Number] = Field(min_length=2, max_length=2)


class XrdRow(_StepRow, _Verdict):
    """One candidate phase in one pattern."""

    phase: str
    present: bool
    fraction: Number
    a_angstrom: Number = Field(title="a (Å)", description="null when the phase is absent")
    a_angstrom_err: Number
    volume_a3: Number
    volume_a3_err: Number


class XrdTextureRow(_StepRow, _Verdict):
    """Azimuthal uniformity of one powder ring of one image (dackit.xrd.cake.ring_texture)."""

    twotheta_deg: Number = Field(title="2θ (°)")
    texture_index: Number = Field(title="texture index",
                                  description="azimuthal coefficient of variation beyond counting noise")
    low_order_fraction: Number = Field(title="smooth share",
                                       description="share of the excess variance in harmonics k ≤ 4 of χ")
    coverage: Number = Field(description="share of the azimuth where the ring is measured")
    label: str = Field(description='"uniform", "textured" or "spotty"')


class XrdFramesRow(_StepRow, _Verdict):
    """A time-resolved XRD step: a frame stack integrated into one NeXus file of patterns."""

    output: str = Field(description="NeXus file of the patterns (/entry/patterns: frame × 2θ)")
    frames: int
    bins: int
    wavelength_a: Number = Field(title="λ (Å)")
    total_intensity: list[Number] = Field(description="sum of each frame's pattern")


class EosPoints(_Model):
    pressure_gpa: list[Number]
    pressure_gpa_err: list[Number]
    volume_a3: list[Number]
    volume_a3_err: list[Number]


class EosFit(_Model):
    """Equation of state of one phase from its compression points."""

    form: str
    v0_a3: Number = Field(title="V0 (Å³)")
    v0_a3_err: Number
    k0_gpa: Number = Field(title="K0 (GPa)")
    k0_gpa_err: Number
    kp: Number = Field(title="K′")
    kp_err: Number
    redchi: Number = Field(title="χ²_red")
    n: int = Field(title="points")
    fixed: list[str]
    points: EosPoints


class Transition(_Model):
    phase: str
    transition_pressure_gpa: Number
    transition_pressure_gpa_err: Number
    bracket_gpa: list[Number] = Field(min_length=2, max_length=2)


class SaxsPeak(_Model):
    q_inv_a: Number
    q_inv_a_err: Number
    d_angstrom: Number
    fwhm_inv_a: Number


class SaxsRow(_StepRow, _Verdict):
    d_first_angstrom: Number
    d_first_angstrom_err: Number
    mesophase: str | None
    mesophase_tie: list[str] | None = Field(default=None, description="phases that fit equally well (a tie)")
    lattice_angstrom: Number
    lattice_angstrom_err: Number
    centre_distance_angstrom: Number
    thickness_nm: Number
    thickness_nm_err: Number
    peaks: list[SaxsPeak]


class TemPooled(_Model):
    """Size statistics of the first TEM step (the sample as made)."""

    step: int
    n: int = Field(title="particles measured")
    mean_nm: Number = Field(title="mean size (nm) ± standard error")
    mean_nm_err: Number
    sd_nm: Number
    se_nm: Number
    median_nm: Number


class TemImage(_Model):
    """One TEM image whose particles entered its step's statistics."""

    file: str
    n: int = Field(description="particles of this image in the step's diameters_nm")


class TemStep(_Model):
    step: int
    n: int
    mean_nm: Number
    sd_nm: Number
    se_nm: Number
    median_nm: Number
    diameters_nm: list[float] = Field(default_factory=list, description="every particle's equivalent-circle "
                                      "diameter, image after image in the order of images")
    images: list[TemImage] = Field(default_factory=list, description="the step's images, in the order of "
                                   "diameters_nm, each with its particle count")
    gaussian_mu_nm: Number = None
    gaussian_mu_nm_err: Number = None
    gaussian_sigma_nm: Number = None


class DoubtfulResult(_Model):
    """A per-file result whose verdict is "doubtful", with why."""

    file: str
    technique: str
    step: int
    quality_notes: list[str] = Field(title="why")


class FailureRow(_Model):
    file: str
    technique: str
    step: int
    error: str = Field(title="reason")


class WaitingRow(_Model):
    row: int
    step: int
    technique: str
    file: str
    reason: str


class ExclusionRow(_Model):
    """A run-sheet file left out of the run by an ``[[exclude]]`` entry of overrides.toml."""

    file: str
    technique: str
    step: int
    reason: str


class OverrideRow(_Model):
    """A run-sheet file analysed with its own settings (``[[override]]`` in overrides.toml)."""

    file: str
    technique: str
    step: int
    settings: dict[str, Any] = Field(description="The settings changed for this file")
    reason: str


class ProvenanceFile(_Model):
    file: str
    # None for a run-sheet file that could not be read (a FIFO, a folder, /dev/zero): the
    # pipeline lists it under failures and still writes results.json
    sha256: Annotated[str, Field(pattern="^[0-9a-f]{64}$")] | None = Field(
        description="SHA-256 of the file; null when it could not be read")
    technique: str
    method: dict[str, Any] = Field(description="The analysis settings (they enter the cache key)")


class Provenance(_Model):
    dackit_version: str
    created: str = Field(description="UTC time of the run, ISO 8601")
    experiment: str = Field(description="Absolute path of experiment.toml")
    files: list[ProvenanceFile]


class Results(_Model):
    """``results.json``: everything ``dackit run`` measured, fitted and checked.

    A technique that is not in the run sheet (or whose files all failed) has no key.
    """

    model_config = ConfigDict(extra="forbid", strict=True, title="dackit results.json")

    experiment: str = Field(description="name in experiment.toml")
    sample: dict[str, Any] = Field(description="the [sample] table of experiment.toml")
    steps: list[Step]
    ruby: list[RubyRow]
    sm: list[SmRow] | None = None
    diamond: list[DiamondRow] | None = None
    pl: list[PlRow] | None = None
    pl_fit: PlFit | None = Field(default=None, description="E(P) of the compression branch")
    pl_fit_decompression: PlFit | None = None
    pl_reversibility: PlReversibility | None = None
    pl_quench_pressure_gpa: Number = None
    tauc: list[TaucRow] | None = None
    xrd: list[XrdRow] | None = None
    xrd_frames: list[XrdFramesRow] | None = Field(default=None, description="time-resolved XRD steps")
    xrd_texture: list[XrdTextureRow] | None = Field(default=None, description="texture index of each ring")
    eos: dict[str, EosFit] | None = Field(default=None, description="phase → EoS fit")
    transition_pressure_gpa: Number = Field(default=None, title="onset pressure (GPa)")
    transition: Transition | None = None
    saxs: list[SaxsRow] | None = None
    tem: TemPooled | None = None
    tem_by_step: list[TemStep] | None = None
    inconsistencies: list[str] = Field(description="Internal inconsistencies found, in words")
    doubtful: list[DoubtfulResult] = Field(description='Per-file results whose quality is "doubtful"')
    failures: list[FailureRow]
    waiting: list[WaitingRow] | None = Field(default=None, description="Rows not analysable yet (dackit watch)")
    warnings: list[str] | None = Field(default=None, description="Things the run repaired on its way, e.g. "
                                       "damaged cache entries it recomputed")
    exclusions: list[ExclusionRow] | None = Field(default=None, description="Files excluded in overrides.toml")
    overrides: list[OverrideRow] | None = Field(default=None, description="Files analysed with their own "
                                                "settings (overrides.toml)")
    provenance: Provenance


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of ``results.json``, as ``dackit schema`` prints it."""
    schema = Results.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _where(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _problems(exc: ValidationError, limit: int = 10) -> str:
    """The first ``limit`` distinct problems, list indices folded (``ruby[*].x`` once)."""
    import re

    seen: dict[str, None] = {}
    for e in exc.errors():
        seen.setdefault(re.sub(r"\[\d+\]", "[*]", f"{_where(e['loc'])}: {e['msg']}"), None)
    items = list(seen)
    more = f" (and {len(items) - limit} more)" if len(items) > limit else ""
    return "; ".join(items[:limit]) + more


def validate_results(doc: dict) -> Results:
    """``doc`` (the JSON-able content of results.json, as ``dackit run`` is about to write
    it) as :class:`Results`, or a :class:`ResultsSchemaError` naming each key at fault."""
    try:
        return Results.model_validate(doc)
    except ValidationError as exc:
        raise ResultsSchemaError("results.json does not match its schema (a bug in dackit, please "
                                 f"report it): {_problems(exc)}") from None


def read_results(path) -> Results:
    """Read and validate a results.json file."""
    from pathlib import Path

    from dackit.errors import InputError

    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: results file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    try:
        return Results.model_validate(doc)
    except ValidationError as exc:
        raise InputError(f"{path}: not a results.json of this dackit version ({_problems(exc)}); "
                         "re-run `dackit run` to write it again") from None


class Keys:
    """The keys of a model as attributes: ``keys(Results).pl_fit == "pl_fit"``.

    Code that reads results (the report) names keys through this, so a key renamed or
    removed in the schema fails loudly where it is read instead of silently showing nothing.

    >>> keys(Step).pressure_gpa
    'pressure_gpa'
    >>> keys(Step).pressure
    Traceback (most recent call last):
    ...
    AttributeError: results.json schema: Step has no key 'pressure'
    """

    def __init__(self, model: type[BaseModel]):
        self._model = model

    def __getattr__(self, name: str) -> str:
        if name.startswith("_") or name not in self._model.model_fields:
            raise AttributeError(f"results.json schema: {self._model.__name__} has no key {name!r}")
        return name


def keys(model: type[BaseModel]) -> Keys:
    """See :class:`Keys`."""
    return Keys(model)


def title(model: type[BaseModel], key: str) -> str | None:
    """The display title of ``model``'s field ``key`` (None when it has none or no such field)."""
    field = model.model_fields.get(key)
    return None if field is None else field.title


def titles(model: type[BaseModel]) -> dict[str, str]:
    """Field → display title of every titled field of ``model`` (labels of report tables)."""
    return {k: f.title for k, f in model.model_fields.items() if f.title}


def sections() -> tuple[str, ...]:
    """The top-level keys of results.json, in the order the pipeline writes them."""
    return tuple(Results.model_fields)
