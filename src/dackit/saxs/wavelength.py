"""X-ray wavelength from a wavelength and/or a photon energy, with a consistency check.

The reference study states λ = 0.4859 Å *and* 13.3 keV for its SAXS beamline; 13.3 keV is
0.9322 Å (hc = 12.39842 keV·Å), so the two disagree by a factor 1.9. When both are given
and differ by more than ``rtol`` (0.5 %), :func:`resolve_wavelength` warns and uses the
wavelength (it is what d = 2π/q and the Scherrer angle need, and the study's d-spacings
were computed from it).

>>> import warnings
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     lam, used = resolve_wavelength(0.4859, 13.3)
>>> lam, used, w[0].category.__name__
(0.4859, 'wavelength', 'WavelengthMismatchWarning')
"""
from __future__ import annotations

import warnings

from dackit.core.units import angstrom_to_kev, kev_to_angstrom
from dackit.errors import InputError


class WavelengthMismatchWarning(UserWarning):
    """The stated X-ray wavelength and photon energy do not describe the same photons."""


def resolve_wavelength(wavelength_a=None, energy_kev=None, *, rtol=0.005, prefer="wavelength"):
    """Return ``(wavelength_a, used)`` with ``used`` in {"wavelength", "energy"}.

    Raises :class:`InputError` if neither is given or a value is not positive; warns with
    :class:`WavelengthMismatchWarning` when both are given and disagree by more than ``rtol``,
    naming the one used (``prefer``).

    Parameters
    ----------
    wavelength_a : float, optional
        X-ray wavelength in Å.
    energy_kev : float, optional
        Photon energy in keV.
    rtol : float, default 0.005
        Relative disagreement between the two above which a warning is issued.
    prefer : {"wavelength", "energy"}, default 'wavelength'
        Which one to use when both are given.
    """
    if prefer not in ("wavelength", "energy"):
        raise InputError(f"prefer={prefer!r}: use 'wavelength' or 'energy'")
    if wavelength_a is None and energy_kev is None:
        raise InputError("give the X-ray wavelength (--wavelength, Å) or the photon energy (keV)")
    if wavelength_a is not None and not float(wavelength_a) > 0:
        raise InputError(f"wavelength {wavelength_a} Å must be positive")
    if energy_kev is not None and not float(energy_kev) > 0:
        raise InputError(f"energy {energy_kev} keV must be positive")
    if energy_kev is None:
        return float(wavelength_a), "wavelength"
    from_energy = float(kev_to_angstrom(float(energy_kev)))
    if wavelength_a is None:
        return from_energy, "energy"
    lam = float(wavelength_a)
    if abs(from_energy - lam) > rtol * lam:
        chosen = lam if prefer == "wavelength" else from_energy
        warnings.warn(
            f"X-ray wavelength {lam:g} Å and energy {energy_kev:g} keV disagree "
            f"({energy_kev:g} keV is {from_energy:.4f} Å; {lam:g} Å is "
            f"{float(angstrom_to_kev(lam)):.3f} keV); using the {prefer}, {chosen:.4f} Å",
            WavelengthMismatchWarning, stacklevel=2)
        return chosen, prefer
    return (lam, "wavelength") if prefer == "wavelength" else (from_energy, "energy")
