"""The public API: every package exports its main names, lazily, and `dackit --help` stays light."""
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import dackit

SRC = Path(dackit.__file__).parent

#: names the issue (11) and the docs promise, per package
PROMISED = {
    "core": ["fit_batch", "Spectrum", "Pattern", "units", "pseudo_voigt", "pseudo_voigt_unit_area",
             "robust_sigma", "covariance_from_jacobian", "Verdict", "scherrer_size_nm", "williamson_hall",
             "save_figure"],
    "optics": ["fit_pl", "tauc_gap", "fit_energy_vs_pressure", "chromaticity_xy", "plqy_under_pressure"],
    "xrd": ["fit_lattice", "identify_phases", "Integrator", "Geometry", "get_phase", "reflections"],
    "gauge": ["fit_ruby", "pressure_from_r1", "fit_sm"],
    "eos": ["fit_eos", "EOS_FORMS", "pressure_from_volume"],
    "saxs": ["analyse_saxs", "find_peaks", "scherrer_thickness"],
    "tem": ["detect_particles", "size_statistics"],
    "io": ["read_spectrum", "read_pattern", "read_image"],
    "nanocrystal": ["core_shell", "pl_vs_pressure"],
    "virtual": ["preset", "write_experiment"],
    "experiment": ["load_experiment", "run_experiment", "compare_with_truth"],
    "report": ["write_report", "render_report", "save_figure"],
}


@pytest.mark.parametrize("package", sorted(PROMISED))
def test_every_exported_name_resolves(package):
    module = importlib.import_module(f"dackit.{package}")
    assert module.__all__, f"dackit.{package} exports nothing"
    assert len(set(module.__all__)) == len(module.__all__)
    missing = [name for name in module.__all__ if getattr(module, name, None) is None]
    assert not missing, f"dackit.{package}.__all__ names that do not import: {missing}"
    assert set(PROMISED[package]) <= set(module.__all__)
    assert set(PROMISED[package]) <= set(dir(module))


def test_from_imports_of_the_issue():
    from dackit.core import Pattern, Spectrum, fit_batch
    from dackit.core.fitting import fit_batch as direct
    from dackit.optics import fit_pl, tauc_gap
    from dackit.xrd import Integrator, fit_lattice, identify_phases
    assert fit_batch is direct
    assert all(callable(f) for f in (fit_pl, tauc_gap, fit_lattice, identify_phases))
    assert isinstance(Spectrum, type) and isinstance(Pattern, type) and isinstance(Integrator, type)


def test_an_unknown_name_is_an_attribute_error():
    import dackit.core

    with pytest.raises(AttributeError):
        dackit.core.no_such_name  # noqa: B018


def test_all_packages_are_listed():
    # the command line and the review app are interfaces over the library, not library packages
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()} - {"cli", "view"}
    assert packages == set(PROMISED) == dackit._SUBPACKAGES


def test_typed_package():
    assert (SRC / "py.typed").is_file()
    text = (SRC.parents[1] / "pyproject.toml").read_text()
    assert '"py.typed"' in text and '"*.pyi"' in text       # shipped as package data


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True, cwd=SRC.parents[1])
    return set(out.stdout.split())


def test_help_imports_no_numpy():
    loaded = _modules_after("import contextlib, io\nfrom dackit.cli import main\n"
                            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
                            "    main(['--help'])")
    assert "dackit.cli" in loaded
    heavy = {"numpy", "scipy", "pandas", "matplotlib", "pyFAI"} & loaded
    assert not heavy, f"`dackit --help` imports {sorted(heavy)}"


def test_packages_import_lazily():
    loaded = _modules_after("import dackit.core, dackit.optics, dackit.xrd, dackit.io, dackit.experiment, "
                            "dackit.report")
    assert not {"numpy", "pyFAI", "dackit.core.fitting", "dackit.xrd.integrate"} & loaded
    loaded = _modules_after("from dackit.core import units")
    assert "dackit.core.fitting" not in loaded
