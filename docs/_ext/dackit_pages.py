"""Sphinx extension: write the API reference and the literature-registry pages at build time.

Both are generated from the package itself (each subpackage's ``__all__``, which lazy_loader
fills from its ``__init__.pyi`` stub, and the registries ``RUBY_SCALES``, ``EOS_FORMS``, …),
so a name added to the package or an entry added to a registry appears in the docs without
anyone editing an .rst file. The generated files live in ``docs/api/`` and
``docs/registries/`` and are not kept in git.
"""
from __future__ import annotations

import importlib
import inspect
import math
import re
from pathlib import Path

#: the subpackages in the order of the data flow (DESIGN.md)
PACKAGES = ["core", "io", "gauge", "optics", "xrd", "eos", "saxs", "tem", "nanocrystal",
            "virtual", "experiment", "report"]


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def _cell(text) -> str:
    """One line of text for a list-table cell (no newlines, no stray RST markup)."""
    out = " ".join(str(text).split())
    if re.fullmatch(r"``[^`]+``( \(default\))?", out):
        return out                       # a literal key written by this module
    return out.replace("\\", "\\\\").replace("*", r"\*").replace("|", r"\|").replace("`", "'") or "—"


def _table(header: list[str], rows: list[list], widths: list[int] | None = None) -> str:
    lines = [".. list-table::", "   :header-rows: 1", "   :class: dackit-registry"]
    if widths:
        lines.append("   :widths: " + " ".join(map(str, widths)))
    lines.append("")
    for row in [header, *rows]:
        for i, cell in enumerate(row):
            lines.append(("   * - " if i == 0 else "     - ") + _cell(cell))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- API reference
def _kind(obj) -> str:
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def api_page(package: str) -> str:
    module = importlib.import_module(f"dackit.{package}")
    names = list(module.__all__)
    groups: dict[str, list[str]] = {"function": [], "class": [], "data": [], "module": []}
    for name in names:
        groups[_kind(getattr(module, name))].append(name)
    full = f"dackit.{package}"
    out = [f".. _api-{package}:\n", _title(f"``{full}``"), f".. automodule:: {full}\n   :no-members:\n"]
    if groups["module"]:
        out.append("Submodules exported by name: " + ", ".join(f"``{full}.{n}``" for n in groups["module"])
                   + ". Their public functions are listed below under the package.\n")
    out.append(".. currentmodule:: " + full + "\n")
    for kind, heading in (("function", "Functions"), ("class", "Classes")):
        if groups[kind]:
            out.append(".. rubric:: " + heading + "\n")
            out.append(".. autosummary::\n   :nosignatures:\n\n" + "\n".join(f"   {n}" for n in groups[kind]) + "\n")
    if groups["data"]:
        # autosummary would show dict's own docstring for a registry: describe them here instead
        out.append(".. rubric:: Registries and constants\n")
        rows = [[f":data:`{n}`", _data_summary(getattr(module, n))] for n in groups["data"]]
        out.append(_data_table(rows))
    for name in groups["function"]:
        out.append(f".. autofunction:: {full}.{name}\n")
    for name in groups["class"]:
        out.append(f".. autoclass:: {full}.{name}\n   :members:\n   :exclude-members: __init__, __new__\n")
    for name in groups["data"]:
        page = REGISTRY_OF.get(f"{full}.{name}")
        extra = f"\n   See :doc:`/registries/{page}` for every entry and its citation.\n" if page else "\n"
        out.append(f".. data:: {full}.{name}\n   :no-index-entry:\n{extra}")
    return "\n".join(out)


def _data_summary(value) -> str:
    if isinstance(value, dict):
        keys = ", ".join(f"``{k}``" for k in list(value)[:8]) + (", …" if len(value) > 8 else "")
        return f"registry of {len(value)} entries: {keys}"
    if isinstance(value, (tuple, list)):
        names = [getattr(v, "name", None) for v in value]
        if all(names):
            return f"{len(value)} entries: " + ", ".join(f"``{n}``" for n in names)
        return f"{type(value).__name__} of {len(value)} entries"
    text = repr(value)
    return f"``{text}``" if len(text) < 80 else f"a ``{type(value).__name__}``"


def _data_table(rows: list[list[str]]) -> str:
    # cells here hold trusted RST (roles and literals), so they are not escaped like _table's
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 30 70", "", "   * - name", "     - what"]
    for name, what in rows:
        lines += [f"   * - {name}", f"     - {what}"]
    return "\n".join(lines) + "\n"


def api_index() -> str:
    out = [_title("API reference"),
           "Every public name of dackit, package by package, as exported by each package's "
           "``__all__`` (the ``__init__.pyi`` stubs list them for type checkers and for the lazy "
           "imports). Each function lists its parameters; names that are registries of published "
           "methods link to the registry pages, which give each entry's citation.\n",
           ".. toctree::\n   :maxdepth: 1\n\n" + "\n".join(f"   {p}" for p in PACKAGES) + "\n"]
    return "\n".join(out)


# -------------------------------------------------------------------------- registry pages
REGISTRY_OF = {
    "dackit.gauge.RUBY_SCALES": "gauge_scales", "dackit.gauge.SM_SCALES": "gauge_scales",
    "dackit.gauge.DIAMOND_SCALES": "gauge_scales",
    "dackit.eos.EOS_FORMS": "eos_forms", "dackit.eos.STANDARDS": "pressure_standards",
    "dackit.eos.THERMAL": "pressure_standards",
    "dackit.nanocrystal.MATERIALS": "materials", "dackit.xrd.PHASES": "phases_mesophases",
    "dackit.saxs.MESOPHASES": "phases_mesophases", "dackit.optics.TRANSITIONS": "phases_mesophases",
}


def _num(value) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return "—"
        return f"{value:.6g}"
    return str(value)


def gauge_scales() -> str:
    from dackit.gauge import DIAMOND_SCALES, RUBY_SCALES, SM_SCALES
    from dackit.gauge import diamond, ruby, scales, sm

    forms = inspect.getdoc(scales).split("\n\n", 1)[1]
    out = [_title("Optical pressure gauge scales"),
           "Generated from :data:`dackit.gauge.RUBY_SCALES`, :data:`dackit.gauge.SM_SCALES` and "
           ":data:`dackit.gauge.DIAMOND_SCALES`. "
           "Choose one with ``scale=`` (Python) or ``--scale`` (command line).\n",
           forms + "\n"]
    for title, registry, default in (("Ruby R1 scales", RUBY_SCALES, ruby.DEFAULT_SCALE),
                                     ("Sm²⁺:SrB₄O₇ 0–0 line scales", SM_SCALES, sm.DEFAULT_SCALE)):
        rows = [[f"``{s.name}``" + (" (default)" if s.name == default else ""), s.form, _num(s.A),
                 _num(s.B) if s.B else "—", _num(s.C) if s.C else "—", _num(s.lambda0_nm),
                 s.medium or "—", _num(s.max_pressure_gpa), s.citation]
                for s in registry.values()]
        out.append(_title(title, "-"))
        out.append(_table(["key", "form", "A", "B", "C", "λ0 (nm)", "medium", "P max (GPa)", "citation"],
                          rows, [14, 6, 6, 6, 6, 7, 6, 6, 43]))
    out += [_title("Diamond Raman edge scales", "-"),
            "Generated from :data:`dackit.gauge.DIAMOND_SCALES` (:func:`dackit.gauge.fit_diamond_edge`, "
            "``dackit diamond``): pressure from the high-frequency edge ν of the stressed first-order "
            "Raman band of the anvil, P = K0·x·[1 + ½(K0′ − 1)·x] with x = (ν − ν0)/ν0. "
            "K0 and K0′ carry the published 1σ, propagated into ``pressure_gpa_err``.\n"]
    rows = [[f"``{s.name}``" + (" (default)" if s.name == diamond.DEFAULT_SCALE else ""),
             f"{_num(s.k0_gpa)} ± {_num(s.k0_gpa_err)}", f"{_num(s.kp)} ± {_num(s.kp_err)}",
             _num(s.nu0_cm1), _num(s.max_pressure_gpa), s.citation]
            for s in DIAMOND_SCALES.values()]
    out.append(_table(["key", "K0 (GPa)", "K0′", "ν0 (cm⁻¹)", "P max (GPa)", "citation"],
                      rows, [14, 9, 8, 8, 8, 53]))
    return "\n".join(out)


def eos_forms() -> str:
    from dackit.eos import EOS_FORMS

    rows = [[f"``{f.name}``", ", ".join(f.params), f.doc, f.citation] for f in EOS_FORMS.values()]
    return "\n".join([_title("Equation-of-state forms"),
                      "Generated from :data:`dackit.eos.EOS_FORMS`; choose one with ``form=`` in "
                      ":func:`dackit.eos.fit_eos` or ``--form`` on ``dackit eos fit``. Volumes in Å³, "
                      "pressures and K0 in GPa, K′ dimensionless, K″ in GPa⁻¹.\n",
                      _table(["key", "parameters", "form", "citation"], rows, [10, 15, 40, 35])])


def pressure_standards() -> str:
    from dackit.eos import STANDARDS, THERMAL
    from dackit.eos import thermal

    rows = [[f"``{s.name}``", s.form, _num(s.v0_a3), _num(s.k0_gpa), _num(s.kp), s.z, s.citation]
            for s in STANDARDS.values()]
    out = [_title("Pressure standards"),
           "Generated from :data:`dackit.eos.STANDARDS`: 300 K isotherms of internal "
           "pressure standards used by :func:`dackit.eos.pressure_from_volume`. V0 is per "
           "conventional cell (Z formula units).\n",
           _table(["key", "form", "V0 (Å³)", "K0 (GPa)", "K′", "Z", "citation"], rows,
                  [12, 7, 8, 8, 6, 4, 55])]
    out += [_title("Thermal (P–V–T) standards", "-"),
            "Generated from :data:`dackit.eos.THERMAL`: the thermal pressure added to the 300 K "
            "isotherm of the same key (column *isotherm*) by :func:`dackit.eos.thermal_pressure`, "
            ":func:`dackit.eos.pressure_at_temperature` and ``dackit eos pressure --temperature``. "
            "The forms of γ(V) and θ(V) are described in the module notes below.\n",
            "\n\n".join(inspect.getdoc(thermal).split("\n\n>>>")[0].split("\n\n")[1:]) + "\n"]
    rows = [[f"``{m.name}``", f"``{m.isotherm}``", m.oscillator, m.gamma_form, m.n_atoms,
             _num(m.theta0_k), _num(m.gamma0), _num(m.t_ref_k), m.citation]
            for m in THERMAL.values()]
    out.append(_table(["key", "isotherm", "oscillator", "γ(V) form", "n", "θ0 (K)", "γ0", "T ref (K)",
                       "citation"], rows, [11, 11, 7, 7, 3, 6, 5, 6, 44]))
    return "\n".join(out)


def materials() -> str:
    import dataclasses

    from dackit.nanocrystal import MATERIALS
    from dackit.nanocrystal import materials as mod

    out = [_title("Semiconductor materials"),
           "Generated from :data:`dackit.nanocrystal.MATERIALS`, the parameters of the core–shell "
           "model. Every value carries its source; the tags are explained in the module notes below.\n",
           (inspect.getdoc(mod) or "") + "\n"]
    fields = [f.name for f in dataclasses.fields(next(iter(MATERIALS.values()))) if f.name not in ("name", "sources")]
    for m in MATERIALS.values():
        out.append(_title(m.name, "-"))
        rows = [[f"``{f}``", _num(getattr(m, f)), m.sources.get(f, "—")] for f in fields]
        out.append(_table(["parameter", "value", "source"], rows, [20, 12, 68]))
    return "\n".join(out)


def phases_mesophases() -> str:
    from dackit.optics import TRANSITIONS
    from dackit.saxs import MESOPHASES
    from dackit.xrd import PHASES

    out = [_title("Crystal phases, mesophases and Tauc transitions")]
    out.append(_title("XRD phase library", "-"))
    out.append("Generated from :data:`dackit.xrd.PHASES` (used by :func:`dackit.xrd.get_phase` with "
               "``NAME[:key=value…]``). Each factory's docstring gives its structure and the source of "
               "its default lattice constant.\n")
    rows = []
    for key, factory in PHASES.items():
        doc = " ".join((inspect.getdoc(factory) or "").split("\n\n")[0].split())
        rest = " ".join(p for p in (inspect.getdoc(factory) or "").split("\n\n")[1:] if ">>>" not in p
                        and "----" not in p)
        rows.append([f"``{key}``", f"``{factory.__name__}``", doc, rest])
    out.append(_table(["key", "factory", "structure", "constants and sources"], rows, [10, 12, 30, 48]))
    out.append(_title("SAXS mesophases", "-"))
    out.append("Generated from :data:`dackit.saxs.MESOPHASES`, the lattices :func:`dackit.saxs.index_peaks` "
               "tries. The centre-distance factor converts the first-peak spacing 2π/q₁ to the "
               "particle centre-to-centre distance.\n")
    from dackit.saxs import centre_distance_factor
    rows = [[f"``{m.name}``", m.description, _num(round(centre_distance_factor(m.name), 4))]
            for m in MESOPHASES.values()]
    out.append(_table(["key", "lattice", "centre distance / (2π/q₁)"], rows, [15, 55, 30]))
    out.append(_title("Tauc transitions", "-"))
    out.append("Generated from :data:`dackit.optics.TRANSITIONS`: the exponent r of (αhν)^(1/r) in "
               ":func:`dackit.optics.tauc_gap` (Tauc, Grigorovici & Vancu, phys. stat. sol. 15, 627 "
               "(1966); r = ½ for direct allowed, 2 for indirect allowed transitions).\n")
    rows = [[f"``{t.name}``", _num(t.r), t.label] for t in TRANSITIONS.values()]
    out.append(_table(["key", "r", "plotted quantity"], rows, [20, 10, 70]))
    return "\n".join(out)


REGISTRY_PAGES = {"gauge_scales": gauge_scales, "eos_forms": eos_forms,
                  "pressure_standards": pressure_standards, "materials": materials,
                  "phases_mesophases": phases_mesophases}


def registry_index() -> str:
    return "\n".join([_title("Literature registries"),
                      "Methods with literature behind them sit in registries keyed by a short name, "
                      "and ``method=``/``scale=``/``form=`` selects one. These pages are generated "
                      "from the registries when the docs build.\n",
                      ".. toctree::\n   :maxdepth: 1\n\n" + "\n".join(f"   {p}" for p in REGISTRY_PAGES) + "\n"])


def _write(path: Path, text: str) -> None:
    # Rewrite only on change so Sphinx's incremental build does not re-read every page.
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate(app) -> None:
    src = Path(app.srcdir)
    api = src / "api"
    reg = src / "registries"
    api.mkdir(exist_ok=True)
    reg.mkdir(exist_ok=True)
    _write(api / "index.rst", api_index())
    for package in PACKAGES:
        _write(api / f"{package}.rst", api_page(package))
    _write(reg / "index.rst", registry_index())
    for name, func in REGISTRY_PAGES.items():
        _write(reg / f"{name}.rst", func())


def setup(app):
    app.connect("builder-inited", generate)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
