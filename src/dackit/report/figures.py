"""Saving figures the same way everywhere: the one implementation is
:func:`dackit.core.figures.save_figure` (kept importable from here)."""
from dackit.core.figures import FORMATS, save_figure

__all__ = ["FORMATS", "save_figure"]
