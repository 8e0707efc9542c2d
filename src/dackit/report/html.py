"""The self-contained HTML report of a run: ``report.html``.

One file that opens anywhere with no network: the figures are embedded as ``data:`` URIs, the
style sheet is inline, there is no script, and a Content-Security-Policy meta tag forbids every
fetch, so a page that tried one would show as a console error in the browser test
(``tests/browser_check.py``). Every string from the results — file names, error messages,
keys — is HTML-escaped, because they come from users' files.

The report only reads ``results`` (the content of ``results.json``); any key may be missing, and
keys it does not know are shown generically (a dict as a definition table, a list of dicts as a
table) so that nothing a run produced is hidden.

>>> from dackit.report.html import format_value_err
>>> format_value_err(2.01234, 0.0031)
'2.0123 ± 0.0031'
>>> format_value_err(53.04, 1.46)
'53.0 ± 1.5'

Numbers are written by :mod:`dackit.core.formatting` (also used by ``dackit view``): σ to two
significant digits with the value to the same decimal, plain values to five significant
digits, never six decimals.
"""
from __future__ import annotations

import base64
import html
import json
import math
import numbers
import re
from datetime import datetime, UTC
from pathlib import Path

from dackit.core import schema
from dackit.core.formatting import format_value, format_value_err, tidy_numbers
from dackit.errors import InputError

# Keys are named through the schema of results.json (dackit.core.schema), never typed here.
R = schema.keys(schema.Results)
STEP = schema.keys(schema.Step)
TRANSITION = schema.keys(schema.Transition)
TEM = schema.keys(schema.TemPooled)
FAILURE = schema.keys(schema.FailureRow)
PROV = schema.keys(schema.Provenance)
PROV_FILE = schema.keys(schema.ProvenanceFile)

# Techniques in report order: (results key(s), section title, figure-name tokens that belong there).
# ("absorption" and "plqy" are not keys of a dackit run's results, but of results assembled by
# hand from `dackit tauc` / `dackit plqy` output, which the report shows as well.)
TECHNIQUES = (
    ("ruby", (R.ruby,), "Ruby pressure gauge", ("ruby", "gauge", "sm", "samarium")),
    ("sm", (R.sm,), "Sm:SrB4O7 pressure gauge", ()),
    ("diamond", (R.diamond,), "Diamond Raman edge gauge", ("diamond", "edge")),
    ("pl", (R.pl,), "Photoluminescence", ("pl", "photoluminescence", "emission", "cie",
                                          "chromaticity", "colour", "color")),
    ("absorption", ("absorption", R.tauc), "Absorption and Tauc band gap",
     ("absorption", "absorbance", "tauc", "gap")),
    ("xrd", (R.xrd, R.xrd_texture, R.xrd_frames), "X-ray diffraction", ("xrd", "adxrd", "diffraction", "lattice", "eos",
                                            "pattern", "patterns", "waterfall", "volume", "pv")),
    ("saxs", (R.saxs,), "Small-angle X-ray scattering", ("saxs", "mesophase")),
    ("tem", (R.tem,), "Transmission electron microscopy", ("tem", "size", "sizes", "histogram")),
    ("plqy", ("plqy",), "Photoluminescence quantum yield", ("plqy", "qy")),
)

# Keys shown in their own sections; every other key goes to "Other results".
_HANDLED = {R.sample, R.steps, R.pl_fit, R.eos, R.transition_pressure_gpa, "transition_pressure_gpa_err",
            R.failures, R.inconsistencies, R.doubtful, R.provenance, R.exclusions, R.overrides} | {k for _, keys, _, _ in TECHNIQUES
                                                                        for k in keys}

# Per-particle lists (hundreds of numbers a row): in results.json and drawn by `dackit view`,
# not written into a table cell.
PER_PARTICLE = {"diameters_nm"}

# Unit suffixes of dackit's column names → what a reader sees in a header.
_UNITS = (
    ("_mev_per_gpa2", "meV/GPa²"), ("_mev_per_gpa", "meV/GPa"), ("_ev_per_gpa", "eV/GPa"),
    ("_angstrom", "Å"), ("_a3", "Å³"), ("_gpa", "GPa"), ("_mev", "meV"), ("_ev", "eV"),
    ("_nm", "nm"), ("_cm1", "cm⁻¹"), ("_deg", "°"), ("_kev", "keV"), ("_k", "K"), ("_s", "s"),
)

_IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg",
                ".jpeg": "image/jpeg"}

_CSS = """
:root { --ink: #1d232a; --muted: #5b6670; --rule: #d5dbe0; --warn: #a12a1c; --warnbg: #fdf0ee; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); max-width: 68rem; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; } h2 { font-size: 1.25rem; margin: 2rem 0 .6rem;
  border-bottom: 2px solid var(--rule); padding-bottom: .2rem; } h3 { font-size: 1.05rem; }
.meta, .absent, figcaption { color: var(--muted); }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #f2f4f6; } td.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; } td.na { color: var(--muted); text-align: center; }
table.defs th { background: none; font-weight: 600; }
code, .hash { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85em; }
.hash { word-break: break-all; }
.wrap { overflow-x: auto; max-width: 100%; }
td { overflow-wrap: anywhere; max-width: 28rem; } td.num { overflow-wrap: normal; }
td.thumb { padding: .1rem .3rem; width: 160px; } td.thumb img { display: block; border: 1px solid var(--rule); }
.headline { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .4rem .8rem;
  margin: .6rem 0; } .headline div { border: 1px solid var(--rule); border-radius: 4px; padding: .3rem .6rem; }
.headline b { display: block; font-size: .8rem; color: var(--muted); font-weight: 600; }
.warn { border-left: 4px solid var(--warn); background: var(--warnbg); padding: .5rem 1rem;
        margin: .6rem 0; }
.warn li { margin: .2rem 0; }
.ok { color: #1f6b34; }
figure { margin: 1rem 0; break-inside: avoid; } figure img { max-width: 100%; height: auto;
  border: 1px solid var(--rule); } figcaption { font-size: .88rem; }
nav ul { columns: 2; } nav a { color: inherit; }
@media print { body { max-width: none; padding: 0; font-size: 11pt; } nav { display: none; }
  h2 { break-after: avoid; } table, figure, .warn { break-inside: avoid; }
  .wrap { overflow: visible; } a { color: inherit; text-decoration: none; } }
"""

# No script, no fetch: images only from data: URIs, styles only inline.
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _finite(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def _fmt_number(x) -> str:
    """A number without an error, as everywhere in dackit (:func:`dackit.core.formatting.format_value`)."""
    return format_value(x)


def _label(key: str) -> str:
    """Column header from a dackit key: ``pressure_gpa`` → ``pressure (GPa)``."""
    key = str(key)
    for suffix, unit in _UNITS:
        if key.endswith(suffix) and len(key) > len(suffix):
            return f"{key[:-len(suffix)].replace('_', ' ')} ({unit})"
    return key.replace("_", " ")


def _cell(value) -> str:
    """One table cell (``<td>``) of any value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '<td class="na">—</td>'
    if isinstance(value, (numbers.Real, bool)):
        return f'<td class="num">{_esc(_fmt_number(value))}</td>'
    if isinstance(value, dict):
        return f"<td>{_defs(value)}</td>"
    if isinstance(value, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            return "<td>" + _esc(", ".join(_fmt_number(v) if isinstance(v, numbers.Real) else tidy_numbers(v)
                                           for v in value)) + "</td>"
        return f"<td><code>{_esc(_compact(value))}</code></td>"
    return f"<td>{_esc(tidy_numbers(value))}</td>"


def _compact(value) -> str:
    """Nested lists and dicts in one line, every number written by :func:`format_value`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    if isinstance(value, numbers.Real) or value is None:
        return _fmt_number(value)
    return tidy_numbers(value)


def _paired(keys) -> tuple[list[str], set[str]]:
    """The columns to show and the ``*_err`` columns folded into their value's column."""
    keys = [str(k) for k in keys]
    errs = {f"{k}_err" for k in keys if f"{k}_err" in keys}
    return [k for k in keys if k not in errs], errs


def _value_cell(row: dict, key: str, errs: set[str]) -> str:
    value = row.get(key)
    if f"{key}_err" in errs and _finite(value):
        return f'<td class="num">{_esc(format_value_err(value, row.get(f"{key}_err")))}</td>'
    return _cell(value)


def _thumb_cell(row: dict, thumbs: dict, seen: set) -> str:
    """The fit's thumbnail of the row's file (once per file: XRD has a row per phase)."""
    file = row.get("file")
    if not isinstance(file, str) or file not in thumbs or file in seen:
        return '<td class="thumb"></td>'
    seen.add(file)
    uri = f"data:image/png;base64,{base64.b64encode(thumbs[file]).decode('ascii')}"
    return f'<td class="thumb"><img src="{uri}" width="160" height="90" alt="fit of {_esc(file)}"></td>'


def _table(rows: list[dict], first: tuple[str, ...] = (), labels: dict | None = None,
           thumbs: dict | None = None) -> str:
    """A table of a list of dicts: columns in the order first seen (``first`` ahead), each
    ``x`` with an ``x_err`` beside it shown as ``x ± err``; with ``thumbs`` (file → PNG), a
    first column shows the fit of each row's file."""
    labels = labels or {}
    keys = [k for k in first if any(k in r for r in rows)]
    for row in rows:
        keys += [str(k) for k in row if str(k) not in keys and str(k) not in PER_PARTICLE]
    cols, errs = _paired(keys)
    thumbs = thumbs if thumbs and any(r.get("file") in thumbs for r in rows) else None
    seen: set = set()
    head = ("<th>fit</th>" if thumbs else "") + "".join(f"<th>{_esc(labels.get(k, _label(k)))}</th>" for k in cols)
    body = "".join("<tr>" + (_thumb_cell(row, thumbs, seen) if thumbs else "")
                   + "".join(_value_cell({str(k): v for k, v in row.items()}, k, errs)
                             for k in cols) + "</tr>\n" for row in rows)
    return f'<div class="wrap"><table><thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody></table></div>'


def _defs(mapping: dict, labels: dict | None = None) -> str:
    """A two-column definition table of a dict, ``x`` and ``x_err`` joined as ``x ± err``."""
    labels = labels or {}
    items = {str(k): v for k, v in mapping.items()}
    cols, errs = _paired(items)
    rows = "".join(f"<tr><th>{_esc(labels.get(k, _label(k)))}</th>{_value_cell(items, k, errs)}</tr>"
                   for k in cols)
    return f'<table class="defs"><tbody>{rows}</tbody></table>'


def _generic(value) -> str:
    """Whatever shape a result has, as HTML."""
    if isinstance(value, dict):
        if value and all(isinstance(v, dict) for v in value.values()):
            return _table([{"name": k, **v} for k, v in value.items()], first=("name",))
        return _defs(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return '<p class="absent">(empty)</p>'
        if all(isinstance(v, dict) for v in value):
            return _table(list(value))
        return f"<table><tbody><tr>{_cell(list(value))}</tr></tbody></table>"
    return f"<p>{_esc(_fmt_number(value) if isinstance(value, numbers.Real) else tidy_numbers(value))}</p>"


def _absent(text: str) -> str:
    return f'<p class="absent">{_esc(text)}</p>'


def _rows(value, what: str) -> list[dict]:
    """``value`` as a list of dicts, or an InputError naming the results key."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, dict) for v in value):
        return list(value)
    raise InputError(f"results[{what!r}]: expected a list of records (dicts), got {type(value).__name__}")


# ---------------------------------------------------------------- figures

def _figure_items(figures) -> list[tuple[str, Path]]:
    """(caption, path) pairs; one figure written in two formats (a.png, a.svg) is kept once."""
    items, seen = [], set()
    for fig in figures or ():
        if isinstance(fig, (tuple, list)):
            if len(fig) != 2:
                raise InputError(f"figures: expected a path or a (caption, path) pair, got {fig!r}")
            caption, path = str(fig[0]), Path(fig[1])
        else:
            path = Path(fig)
            caption = path.stem.replace("_", " ")
        if path.with_suffix("") in seen:
            continue
        seen.add(path.with_suffix(""))
        items.append((caption, path))
    return items


def _figure_section(path: Path) -> str | None:
    """The technique a figure belongs to, from the words of its file name; None → general."""
    for token in re.split(r"[^a-z0-9]+", path.stem.lower()):
        for key, _, _, tokens in TECHNIQUES:
            if token in tokens:
                return key
    return None


def _embed(caption: str, path: Path) -> str:
    """A ``<figure>`` with the image inlined as a data URI (checked to be what its suffix says)."""
    mime = _IMAGE_TYPES.get(path.suffix.lower())
    if mime is None:
        raise InputError(f"{path}: figure type {path.suffix or '(none)'} cannot be embedded; "
                         f"use one of {', '.join(sorted(_IMAGE_TYPES))}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: figure cannot be read ({exc.strerror or exc})") from None
    signature_ok = {"image/png": data.startswith(b"\x89PNG\r\n\x1a\n"),
                    "image/jpeg": data.startswith(b"\xff\xd8\xff"),
                    "image/svg+xml": b"<svg" in data[:4096]}[mime]
    if not signature_ok:
        raise InputError(f"{path}: not a valid {path.suffix.lower()[1:].upper()} file "
                         "(empty, truncated or mislabelled); re-create the figure")
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return (f'<figure><img src="{uri}" alt="{_esc(caption)}">'
            f"<figcaption>{_esc(caption)} <span class=\"meta\">({_esc(path.name)})</span>"
            "</figcaption></figure>")


# ---------------------------------------------------------------- sections

def _summary(results: dict, present: list[str], absent: list[str]) -> str:
    steps = _rows(results.get(R.steps), R.steps)
    failures = results.get(R.failures) or []
    incons = results.get(R.inconsistencies) or []
    doubtful = _rows(results.get(R.doubtful), R.doubtful)
    files = (results.get(R.provenance) or {}).get(PROV.files) or []
    sample = results.get(R.sample)
    rows: dict[str, object] = {}
    if isinstance(sample, dict):
        rows["sample"] = ", ".join(f"{k}: {v}" for k, v in sample.items())
    elif sample is not None:
        rows["sample"] = sample
    if steps:
        directions: dict[object, int] = {}
        for s in steps:
            directions[s.get(STEP.direction, "?")] = directions.get(s.get(STEP.direction, "?"), 0) + 1
        pressures = [s[STEP.pressure_gpa] for s in steps if _finite(s.get(STEP.pressure_gpa))]
        rows["pressure steps"] = f"{len(steps)} (" + ", ".join(f"{n} {d}" for d, n in directions.items()) + ")"
        if pressures:
            rows["pressure range"] = f"{_fmt_number(min(pressures))} – {_fmt_number(max(pressures))} GPa"
    else:
        rows["pressure steps"] = "none recorded"
    if files:
        rows["input files"] = len(files)
    rows["failed files"] = len(failures) if R.failures in results else "not recorded"
    if R.doubtful in results:
        rows["doubtful results"] = len(doubtful)
    rows["inconsistencies"] = len(incons) if R.inconsistencies in results else "not checked"
    rows["techniques with results"] = ", ".join(present) or "none"
    if absent:
        rows["not in this run"] = ", ".join(absent)
    out = [_defs(rows, labels={k: k for k in rows})]
    n_excl, n_over = len(results.get(R.exclusions) or []), len(results.get(R.overrides) or [])
    if n_excl or n_over:
        rows["your changes"] = f"{n_excl} file(s) excluded, {n_over} with their own settings (overrides.toml)"
    if failures or incons or doubtful or n_excl or n_over:
        links = []
        if n_excl or n_over:
            links.append(f'<a href="#changes">{n_excl} excluded, {n_over} overridden</a>')
        if failures:
            links.append(f'<a href="#failures">{len(failures)} file(s) failed</a>')
        if doubtful:
            links.append(f'<a href="#doubtful">{len(doubtful)} doubtful result(s) left out of the fits</a>')
        if incons:
            links.append(f'<a href="#inconsistencies">{len(incons)} internal inconsistenc'
                         f'{"y" if len(incons) == 1 else "ies"} found</a>')
        out.append(f'<div class="warn"><strong>Check:</strong> {" · ".join(links)}.</div>')
    return "\n".join(out)


def _headline(results: dict) -> str:
    """The few numbers a reader came for, as tiles that fit one screen with the summary."""
    tiles: list[tuple[str, str]] = []
    pl_fit = results.get(R.pl_fit)
    if isinstance(pl_fit, dict):
        tiles.append(("PL E0 (eV)", format_value_err(pl_fit.get("e0_ev"), pl_fit.get("e0_ev_err"))))
        tiles.append(("PL dE/dP α (meV/GPa)", format_value_err(pl_fit.get("alpha_mev_per_gpa"),
                                                                pl_fit.get("alpha_mev_per_gpa_err"))))
    eos = results.get(R.eos)
    if isinstance(eos, dict):
        for phase, fit in eos.items():
            if isinstance(fit, dict) and "k0_gpa" in fit:
                tiles.append((f"K0 {phase} (GPa)", format_value_err(fit.get("k0_gpa"), fit.get("k0_gpa_err"))))
    pt = results.get(R.transition_pressure_gpa)
    if _finite(pt):
        tiles.append(("transition onset (GPa)", format_value_err(pt, results.get("transition_pressure_gpa_err",
                      (results.get(R.transition) or {}).get("transition_pressure_gpa_err")))))
    tem = results.get(R.tem)
    if isinstance(tem, dict) and _finite(tem.get("mean_nm")):
        tiles.append(("TEM mean diameter (nm)", format_value_err(tem["mean_nm"], tem.get("se_nm"))))
    if not tiles:
        return ""
    return '<div class="headline">' + "".join(f"<div><b>{_esc(k)}</b>{_esc(v)}</div>" for k, v in tiles) + "</div>"


def _steps(results: dict) -> str:
    steps = _rows(results.get(R.steps), R.steps)
    if not steps:
        return _absent("No pressure steps in these results.")
    # each gauge's reading has its own section (_gauges); here the step's combined pressure
    shown = [{k: v for k, v in s.items() if k != STEP.gauges} for s in steps]
    return _table(shown, first=(STEP.step, STEP.direction, STEP.pressure_gpa))


GAUGE = schema.keys(schema.GaugeReading)


def _gauges(results: dict) -> str | None:
    """Each gauge's pressure per step beside the step's weighted mean; None when the steps
    have no gauge readings (typed pressures, older results)."""
    steps = _rows(results.get(R.steps), R.steps)
    rows = []
    for s in steps:
        for g in s.get(STEP.gauges) or []:
            if not isinstance(g, dict):
                continue
            rows.append({STEP.step: s.get(STEP.step), GAUGE.gauge: g.get(GAUGE.gauge),
                         "gauge_pressure_gpa": g.get(GAUGE.pressure_gpa),
                         "gauge_pressure_gpa_err": g.get(GAUGE.pressure_gpa_err), GAUGE.n: g.get(GAUGE.n),
                         GAUGE.doubtful: g.get(GAUGE.doubtful),
                         "step_pressure_gpa": s.get(STEP.pressure_gpa),
                         "step_pressure_gpa_err": s.get(STEP.pressure_gpa_err),
                         STEP.gauges_disagree: s.get(STEP.gauges_disagree),
                         GAUGE.notes: "; ".join(g.get(GAUGE.notes) or [])})
    if not rows:
        return None
    flagged = sorted({str(r[STEP.step]) for r in rows if r[STEP.gauges_disagree]}, key=lambda s: (len(s), s))
    note = ("<p>Gauges disagree by more than 2σ in step(s) " + ", ".join(map(str, flagged)) + ".</p>"
            if flagged else "<p>Where a step has several gauges they agree within 2σ.</p>")
    labels = {"gauge_pressure_gpa": "gauge P (GPa)", "step_pressure_gpa": "step P, weighted mean (GPa)",
              STEP.gauges_disagree: "disagree > 2σ"}
    return note + _table(rows, first=(STEP.step, GAUGE.gauge), labels=labels)


def _fits(results: dict) -> str:
    out = []
    pl_fit = results.get(R.pl_fit)
    out.append("<h3>PL energy versus pressure, E(P) = E0 + αP + βP²</h3>")
    if isinstance(pl_fit, dict):
        out.append(_defs(pl_fit, labels=schema.titles(schema.PlFit)))
    else:
        out.append(_absent("No E(P) fit in this run."))
    out.append("<h3>Equation of state</h3>")
    eos = results.get(R.eos)
    if isinstance(eos, dict) and eos and all(isinstance(v, dict) for v in eos.values()):
        e = schema.keys(schema.EosFit)
        out.append(_table([{"phase": k, **v} for k, v in eos.items()], first=("phase", e.v0_a3, e.k0_gpa, e.kp),
                          labels=schema.titles(schema.EosFit)))
    elif eos:
        out.append(_generic(eos))
    else:
        out.append(_absent("No equation-of-state fit in this run."))
    out.append("<h3>Phase transition</h3>")
    pt = results.get(R.transition_pressure_gpa)
    found = results.get(R.transition)
    transition: dict = found if isinstance(found, dict) else {}
    if isinstance(pt, dict):
        out.append(_generic(pt))
    elif pt is not None:
        err = results.get("transition_pressure_gpa_err", transition.get(TRANSITION.transition_pressure_gpa_err))
        out.append(_defs({R.transition_pressure_gpa: pt, f"{R.transition_pressure_gpa}_err": err},
                         labels={R.transition_pressure_gpa: schema.title(schema.Results,
                                                                         R.transition_pressure_gpa)}))
    else:
        out.append(_absent("No phase-transition onset in this run."))
    return "\n".join(out)


def _technique(results: dict, keys: tuple[str, ...], figures: list[str], thumbs: dict | None = None) -> str:
    out = []
    main = next((k for k in keys if results.get(k) is not None), None)  # the table that gets thumbnails
    for key in keys:
        if key not in results or results[key] is None:
            continue
        value = results[key]
        if len(keys) > 1:
            out.append(f"<h3>{_esc(_label(key))}</h3>")
        if key == R.tem and isinstance(value, dict):
            shown = dict(value)
            if TEM.mean_nm in shown and TEM.se_nm in shown and TEM.mean_nm_err not in shown:
                shown[TEM.mean_nm_err] = shown.pop(TEM.se_nm)
            out.append(_defs(shown, labels=schema.titles(schema.TemPooled)))
        elif key == R.xrd_frames and isinstance(value, list):
            # a series of thousands of frames: its intensity range, not every number
            frame_rows: list[dict] = []
            for row in value:
                row = dict(row)
                totals = [t for t in row.pop("total_intensity", None) or [] if _finite(t)]
                if totals:
                    row["total_intensity_min_max"] = [min(totals), max(totals)]
                frame_rows.append(row)
            out.append(_table(frame_rows, first=(STEP.step, STEP.direction, STEP.pressure_gpa)))
        elif isinstance(value, (list, tuple)) and all(isinstance(v, dict) for v in value):
            # thumbnails in the technique's main table only (not again beside texture rows)
            out.append(_table(list(value), first=(STEP.step, STEP.direction, STEP.pressure_gpa),
                              thumbs=thumbs if key == main else None) if value else _absent("(no rows)"))
        else:
            out.append(_generic(value))
    out += figures
    return "\n".join(out)


def _failures(results: dict) -> str:
    if R.failures not in results:
        return _absent("These results do not record failures.")
    failures = _rows(results[R.failures], R.failures)
    if not failures:
        return '<p class="ok">None: every input file was analysed.</p>'
    return _table(failures, first=(FAILURE.file, FAILURE.technique, FAILURE.error),
                  labels=schema.titles(schema.FailureRow))


def _doubtful(results: dict) -> str:
    doubtful = _rows(results.get(R.doubtful), R.doubtful)
    if not doubtful:
        return '<p class="ok">None: every analysed file passed its checks.</p>'
    intro = ("<p>These files were analysed, but their analysis does not vouch for the number: "
             "they are left out of the series fits (E(P), equations of state, trends).</p>")
    return intro + '<div class="warn">' + _table(doubtful, labels=schema.titles(schema.DoubtfulResult)) + "</div>"


def _changes(results: dict) -> str:
    """The user's judgement (overrides.toml): every exclusion and override with its reason."""
    exclusions = _rows(results.get(R.exclusions), R.exclusions)
    overrides = _rows(results.get(R.overrides), R.overrides)
    out = []
    if exclusions:
        out.append("<h3>Excluded files</h3><p>Left out of this run by <code>overrides.toml</code>:</p>")
        out.append(_table(exclusions, first=("file", "technique", "step", "reason")))
    if overrides:
        out.append("<h3>Files analysed with their own settings</h3>")
        rows = [{**o, "settings": ", ".join(f"{k} = {json.dumps(v)}" for k, v in (o.get("settings") or {}).items())}
                for o in overrides]
        out.append(_table(rows, first=("file", "technique", "step", "settings", "reason")))
    return "\n".join(out)


def _inconsistencies(results: dict) -> str:
    if R.inconsistencies not in results:
        return _absent("These results carry no consistency checks.")
    items = results[R.inconsistencies] or []
    if isinstance(items, (str, dict)):
        items = [items]
    if not items:
        return '<p class="ok">None found.</p>'
    lis = "".join(f"<li>{_esc(tidy_numbers(i)) if not isinstance(i, dict) else _defs(i)}</li>" for i in items)
    return f'<div class="warn"><ul>{lis}</ul></div>'


def _provenance(results: dict) -> str:
    prov = results.get(R.provenance)
    if not isinstance(prov, dict):
        return _absent("No provenance recorded.") if prov is None else _generic(prov)
    out = [_defs({k: v for k, v in prov.items() if k != PROV.files})]
    files = _rows(prov.get(PROV.files), "provenance.files")
    if files:
        cols = [PROV_FILE.file, PROV_FILE.sha256, PROV_FILE.technique, PROV_FILE.method]
        cols += [str(k) for f in files for k in f if str(k) not in cols]
        cols = list(dict.fromkeys(cols))
        head = "".join(f"<th>{_esc(_label(c))}</th>" for c in cols)
        body = "".join("<tr>" + "".join(
            f'<td class="hash">{_esc(f.get(c, ""))}</td>' if c == PROV_FILE.sha256 else _cell(f.get(c))
            for c in cols) + "</tr>\n" for f in files)
        out.append(f'<div class="wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')
    return "\n".join(out)


def render_report(results: dict, figures=(), *, title: str = "dackit report", thumbnails=None) -> str:
    """The report as one HTML string (see :func:`write_report`).

    Parameters
    ----------
    results : dict
        The content of ``results.json``.
    figures : sequence of (str, Path), default ()
        (caption, image path) pairs, embedded in the page.
    title : str, default 'dackit report'
        Title of the page.
    thumbnails : dict, optional
        file → PNG bytes of its fit (:func:`dackit.experiment.thumbnails.run_thumbnails`),
        shown inline at the start of that file's row.
    """
    if not isinstance(results, dict):
        raise InputError(f"results: expected a dict (the content of results.json), got {type(results).__name__}")
    figs_by_section: dict[str | None, list[str]] = {}
    for caption, path in _figure_items(figures):
        figs_by_section.setdefault(_figure_section(path), []).append(_embed(caption, path))

    sections: list[tuple[str, str, str]] = [("pressures", "Pressure per step", _steps(results))]
    gauges = _gauges(results)
    if gauges is not None:
        sections.append(("gauges", "Pressure gauges", gauges))
    sections.append(("fits", "Fitted parameters", _fits(results)))
    present, absent = [], []
    for key, keys, heading, _ in TECHNIQUES:
        figs = figs_by_section.get(key, [])
        if any(results.get(k) is not None for k in keys) or figs:
            present.append(heading)
            sections.append((key, heading, _technique(results, keys, figs, thumbnails)))
        else:
            absent.append(heading)
    others = [k for k in results if k not in _HANDLED]
    if others:
        body = "\n".join(f"<h3>{_esc(_label(k))}</h3>\n{_generic(results[k])}" for k in others)
        sections.append(("other", "Other results", body))
    if figs_by_section.get(None):
        sections.append(("figures", "Other figures", "\n".join(figs_by_section[None])))
    sections += [
        *([("changes", "Exclusions and overrides", _changes(results))]
          if results.get(R.exclusions) or results.get(R.overrides) else []),
        ("failures", "Failures", _failures(results)),
        *([("doubtful", "Doubtful results", _doubtful(results))] if R.doubtful in results else []),
        ("inconsistencies", "Internal inconsistencies", _inconsistencies(results)),
        ("provenance", "Provenance", _provenance(results)),
    ]
    prov = results.get(R.provenance)
    if not isinstance(prov, dict):
        prov = {}
    created = prov.get(PROV.created) or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    version = prov.get(PROV.dackit_version, "")
    nav = "".join(f'<li><a href="#{sid}">{_esc(name)}</a></li>' for sid, name, _ in sections)
    body = "\n".join(f'<section id="{sid}">\n<h2>{_esc(name)}</h2>\n{content}\n</section>'
                     for sid, name, content in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dackit {_esc(version)}">
<title>{_esc(title)}</title>
<link rel="icon" href="data:,">
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{_esc(title)}</h1>
<p class="meta">Created {_esc(created)}{' by dackit ' + _esc(version) if version else ''}.</p>
</header>
<section id="summary">
<h2>Summary</h2>
{_summary(results, present, absent)}
</section>
<nav><ul>{nav}</ul></nav>
{body}
</body>
</html>
"""


def write_report(results: dict, figures=(), out_path="report.html", *, title: str = "dackit report",
                 thumbnails=None) -> Path:
    """Write the self-contained HTML report of ``results`` (the content of ``results.json``).

    ``figures`` is a list of image paths (PNG, SVG or JPEG) or ``(caption, path)`` pairs; each is
    embedded and placed in the section of the technique its file name names (``ruby_series.png``
    → ruby, ``eos_fit.svg`` → X-ray diffraction), others under "Other figures". A figure given in
    two formats (``a.png`` and ``a.svg``) is shown once, in the first given. The page is built
    entirely in memory and written through a temporary file and a rename, so ``out_path`` is
    never half-written. Returns ``out_path``.

    Parameters
    ----------
    results : dict
        The content of ``results.json``.
    figures : sequence of (str, Path), default ()
        (caption, image path) pairs, embedded in the page.
    out_path : str or Path, default 'report.html'
        Output HTML file.
    title : str, default 'dackit report'
        Title of the page.
    thumbnails : dict, optional
        file → PNG bytes of its fit, shown at the start of that file's row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_report({"steps": [{"step": 1, "direction": "compression", "pressure_gpa": 2.31,
    ...                                "pressure_gpa_err": 0.04}]}, [],
    ...                    pathlib.Path(tempfile.mkdtemp()) / "report.html")
    >>> "2.310 ± 0.040" in out.read_text()
    True
    """
    from dackit.core.files import atomic_write_text

    return atomic_write_text(Path(out_path), render_report(results, figures, title=title, thumbnails=thumbnails))
