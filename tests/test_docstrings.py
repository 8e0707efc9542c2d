"""Issue 18: every public function documents its parameters (numpydoc ``Parameters`` section).

The API reference of the docs site is generated from these docstrings, so a function added to
a package's ``__init__.pyi`` without a Parameters section, or with a parameter left out of it,
fails here rather than shipping an API page that does not say what the arguments mean.
"""
import importlib
import inspect
import re

import pytest

import dackit

PACKAGES = sorted(dackit._SUBPACKAGES)


def _public_functions():
    seen = {}
    for package in PACKAGES:
        module = importlib.import_module(f"dackit.{package}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                seen.setdefault(f"{obj.__module__}.{obj.__qualname__}", (f"dackit.{package}.{name}", obj))
    return sorted(seen.values(), key=lambda item: item[0])


def _documented_names(doc: str) -> set[str] | None:
    """Names listed in the Parameters section of a cleaned docstring (None: no section)."""
    lines = doc.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == "Parameters" and re.fullmatch(r"\s*-{3,}\s*", lines[i + 1]):
            indent = len(line) - len(line.lstrip())
            names: set[str] = set()
            prev = ""
            for entry in lines[i + 2:]:
                if not entry.strip():
                    continue
                own = len(entry) - len(entry.lstrip())
                if own < indent:
                    break
                if own == indent:
                    if re.fullmatch(r"\s*-{3,}\s*", entry):   # the next section's underline
                        names.discard(prev)
                        break
                    prev = entry.split(" : ")[0].strip()
                    for part in prev.split(","):                 # "a, b : float" documents both
                        names.add(part.strip())
            return names
    return None


def _signature_names(func) -> list[str]:
    out = []
    for p in inspect.signature(func).parameters.values():
        prefix = "*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else ""
        out.append(prefix + p.name)
    return out


FUNCTIONS = _public_functions()


def test_the_walk_sees_the_public_api():
    names = {public for public, _ in FUNCTIONS}
    # a few names every reader of the docs meets first
    assert {"dackit.gauge.fit_ruby", "dackit.optics.tauc_gap", "dackit.xrd.fit_lattice",
            "dackit.eos.fit_eos", "dackit.core.fit_batch"} <= names
    assert len(FUNCTIONS) > 100


@pytest.mark.parametrize("public,func", FUNCTIONS, ids=[public for public, _ in FUNCTIONS])
def test_public_function_documents_every_parameter(public, func):
    wanted = _signature_names(func)
    if not wanted:
        return          # nothing to document
    documented = _documented_names(inspect.getdoc(func) or "")
    assert documented is not None, f"{public}: docstring has no numpydoc 'Parameters' section"
    missing = [n for n in wanted if n not in documented and n.lstrip("*") not in documented]
    assert not missing, f"{public}: Parameters section does not list {missing}"


def test_the_check_can_fail():
    def undocumented(a, b=1):
        """Summary only."""

    def half(a, *, b=1, **kw):
        """Summary.

        Parameters
        ----------
        a : int
            The first.

        Returns
        -------
        int
        """

    def full(a, *, b=1, **kw):
        """Summary.

        Parameters
        ----------
        a, b : int
            Both.
        **kw
            Passed on.
        """

    assert _documented_names(inspect.getdoc(undocumented)) is None
    assert _documented_names(inspect.getdoc(half)) == {"a"}
    assert set(_signature_names(full)) <= _documented_names(inspect.getdoc(full)) | {"kw"}
