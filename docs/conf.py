"""Sphinx configuration of the dackit documentation (``make docs``).

The build is offline: no intersphinx, no remote images. The API pages and the literature
registry pages are written by ``_ext/dackit_pages.py`` from the package itself each time the
docs build, and the tutorials in ``tutorials/`` are executed by sphinx-gallery, so neither
can go stale.
"""
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent / "src"))
os.environ.setdefault("MPLBACKEND", "Agg")

import dackit  # noqa: E402

project = "dackit"
author = "dackit developers"
copyright = "dackit developers, BSD-3-Clause"
release = version = dackit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx_gallery.gen_gallery",
    "dackit_pages",
]

napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True

autodoc_typehints = "none"          # signatures show the defaults; types are in the docstrings
autodoc_member_order = "bysource"
autodoc_default_options = {"members": False}
autosummary_generate = False        # the per-package pages are written by dackit_pages

templates_path = []
exclude_patterns = ["_build", "tutorials/*.py", "tutorials/README.rst", "**.ipynb_checkpoints"]
suppress_warnings = ["config.cache"]

html_theme = "pydata_sphinx_theme"
html_title = f"dackit {release}"
html_static_path = []
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
    "navbar_align": "left",
    "icon_links": [],
}
html_show_sourcelink = False

def dackit_figure_scraper(block, block_vars, gallery_conf):
    """Capture the Figures dackit's ``plot_*`` functions return.

    dackit draws on pyplot-free Figures (so that a library call never opens a window or
    leaks pyplot state); sphinx-gallery's matplotlib scraper only sees pyplot's figures.
    This one saves every Figure bound to a name of the tutorial that it has not saved yet.
    """
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    namespace = block_vars["example_globals"]
    done = namespace.setdefault("_dackit_saved_figures", [])
    paths = []
    for value in list(namespace.values()):
        if isinstance(value, Figure) and value.canvas.manager is None and not any(value is f for f in done):
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=90, bbox_inches="tight")
            done.append(value)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


sphinx_gallery_conf = {
    "examples_dirs": "tutorials",
    "gallery_dirs": "auto_tutorials",
    "filename_pattern": r"/plot_",          # every tutorial whose name starts plot_ is executed
    "ignore_pattern": r"/_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib", dackit_figure_scraper),
    "matplotlib_animations": False,
    "plot_gallery": "True",
    "abort_on_example_error": False,       # report every broken tutorial, then fail (-W)
    "only_warn_on_example_error": False,
    "show_memory": False,
    "show_signature": False,
    "capture_repr": ("_repr_html_", "__repr__"),
    "reset_modules": ("matplotlib",),
    "min_reported_time": 1000,
}
