"""The JSON keys the commands promised in earlier issues, built from the library's ``to_dict``.

The library names its results one way (``redchi``, ``<key>_err``, units in the names); a
few keys of the command-line contract predate that convention. They are kept byte for
byte for scripts that read them, and mapped in one place
(:func:`dackit.core.results.renamed`, which ``dackit run`` uses too) rather than by making a
library type answer to the CLI.
"""
from __future__ import annotations

from collections.abc import Iterable

from dackit.core.results import renamed

#: the verdict every per-file row carries once its analysis gives one (issue 10)
VERDICT = ("quality", "quality_notes")

RUBY = ("file", "pressure_gpa", "pressure_gpa_err", "r1_nm", "r1_nm_err", "r2_nm", "scale", "fwhm_nm", "model")
SM = ("file", "pressure_gpa", "pressure_gpa_err", "line_nm", "line_nm_err", "scale", "fwhm_nm")
TAUC = ("file", "gap_ev", "gap_ev_err", "window_ev")
PL_PEAK = ("file", "pressure_gpa", "peak_ev", "peak_ev_err", "peak_nm", "fwhm_mev", "area", "cie_x", "cie_y")
PL_FIT = ("e0_ev", "e0_ev_err", "alpha_mev_per_gpa", "alpha_mev_per_gpa_err", "beta_mev_per_gpa2",
          "beta_mev_per_gpa2_err", "chi2_red")


def pick(row: dict, keys: Iterable[str]) -> dict:
    """The contract ``keys`` of a library ``to_dict`` (renamed), plus the verdict if it has one."""
    row = renamed(row)
    out = {k: row[k] for k in keys}
    out.update({k: row[k] for k in VERDICT if k in row})
    return out


def gauge_row(result, keys: Iterable[str]) -> dict:
    """A gauge command's row: the contract keys of a fit, or ``{file, error}`` of a failure."""
    from dackit.core.results import Failure

    return result.to_dict() if isinstance(result, Failure) else pick(result.to_dict(), keys)
