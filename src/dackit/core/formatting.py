"""Numbers as people read them: one rounding rule for the report and ``dackit view``.

* A value with an uncertainty: σ to two significant digits, the value rounded to the same
  decimal place (``2.0123 ± 0.0031``). Two digits rather than Taylor's one: the second digit
  of σ still carries information when σ itself is the output of a fit (Particle Data Group,
  *Review of Particle Physics*, Introduction §5.3, keeps two digits for σ in 100–354 and
  one above; here always two, so a table's column is uniform).
* A plain value: at most five significant digits.
* Never six or more decimals: a number that would need them (|x| < 10⁻³, or σ < 10⁻⁴ relative
  to the decimal point) is written with a power of ten, ``(3.21 ± 0.41)×10⁻⁷``.

>>> format_value_err(2.01234, 0.0031)
'2.0123 ± 0.0031'
>>> format_value(0.514538), format_value(0.080984), format_value(-0.00020727), format_value(57123456.0)
('0.51454', '0.08098', '-2.0727×10⁻⁴', '5.7123×10⁷')
"""
from __future__ import annotations

import math
import numbers
import re

__all__ = ["format_value", "format_value_err", "tidy_numbers"]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

#: significant digits of a plain value and of an uncertainty
VALUE_DIGITS = 5
ERROR_DIGITS = 2
#: most decimals a number may show before it takes a power of ten
MAX_DECIMALS = 5


def _finite(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def _power(exponent: int) -> str:
    return f"×10{str(exponent).translate(_SUPERSCRIPT)}"


def format_value(x, digits: int = VALUE_DIGITS) -> str:
    """A number without an uncertainty: integers in full, floats to ``digits`` significant
    digits but never more than five decimals (trailing zeros dropped), a power of ten below
    10⁻³ and from 10⁷ on.

    Parameters
    ----------
    x : number, bool or None
        The value. Booleans print ``yes``/``no``, None and NaN ``n/a``.
    digits : int
        Significant digits of a float.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(0.0009280119), format_value(694.2412), format_value(12), format_value(float("nan"))
    ('9.2801×10⁻⁴', '694.24', '12', 'n/a')
    """
    if x is None:
        return "n/a"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, numbers.Integral):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == 0:
        return "0"
    mantissa, _, exponent = f"{x:.{digits - 1}e}".partition("e")  # rounded, carry included
    magnitude = int(exponent)
    if magnitude < -3 or magnitude >= 7:
        return mantissa.rstrip("0").rstrip(".") + _power(magnitude)
    decimals = min(max(digits - 1 - magnitude, 0), MAX_DECIMALS)  # 0.080984 → 0.08098
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_value_err(value, err=None) -> str:
    """``"value ± σ"``: σ to two significant digits and the value to the same decimal place.

    Parameters
    ----------
    value : float
        The value.
    err : float or None
        Its standard uncertainty. None prints the value alone (:func:`format_value`); an
        uncertainty that is not a finite non-negative number prints ``± n/a``.

    Returns
    -------
    str
        With a common power of ten when the value is 10⁷ or more, or when σ would need more
        than five decimals.

    Examples
    --------
    >>> format_value_err(53.04, 1.46), format_value_err(1234.0, 56.0), format_value_err(0.0, 0.0096)
    ('53.0 ± 1.5', '1234 ± 56', '0.0000 ± 0.0096')
    >>> format_value_err(3.2e-7, 4.1e-8), format_value_err(15.9, None), format_value_err(15.9, float("nan"))
    ('(3.20 ± 0.41)×10⁻⁷', '15.9', '15.9 ± n/a')
    """
    if value is None:
        return "n/a"
    if not _finite(value):
        return format_value(value) if isinstance(value, numbers.Real) else str(value)
    if err is None:
        return format_value(value)
    if not _finite(err) or err < 0:
        return f"{format_value(value)} ± n/a"
    v, e = float(value), float(err)
    if e == 0:
        return f"{format_value(v)} ± 0"
    e_r = float(f"{e:.{ERROR_DIGITS - 1}e}")  # carry included: 0.00996 → 0.010
    exp_e = math.floor(math.log10(e_r))
    magnitude = math.floor(math.log10(max(abs(v), e_r)))
    shift = 0  # a common power of ten, 10^shift, only when plain decimals would not do
    if magnitude >= 7 or ERROR_DIGITS - 1 - exp_e > MAX_DECIMALS:
        # the value's own power of ten when σ then fits in the decimals, else σ's
        fits = 0 <= ERROR_DIGITS - 1 - exp_e + magnitude <= MAX_DECIMALS
        shift = magnitude if fits else exp_e + ERROR_DIGITS - 1
    if magnitude - shift >= 7 or abs(shift) > 300:
        # σ below the value's seventh digit: a shared power of ten would print a long mantissa
        return f"{format_value(v, digits=MAX_DECIMALS + 1)} ± {format_value(e, digits=ERROR_DIGITS)}"
    scale = 10.0 ** shift
    decimals = ERROR_DIGITS - 1 - exp_e + shift
    places = max(decimals, 0)
    v_r = round(v / scale, decimals) + 0.0
    if v_r == 0:
        v_r = 0.0  # no "-0.00": a value that rounds to zero has no sign worth showing
    text = f"{v_r:.{places}f} ± {round(e_r / scale, decimals):.{places}f}"
    return f"({text}){_power(shift)}" if shift else text


_LONG = re.compile(r"(?<![\w.])-?\d+\.\d{6,}(?:[eE][-+]?\d+)?(?![\w.])")


def tidy_numbers(text: str) -> str:
    """Free text (a quality note, an error message) with every number of six or more decimals
    rounded by :func:`format_value`; file-name-like tokens (``scan_0.1234567.tif``) are left alone.

    >>> tidy_numbers("redchi 1.23456789 above 1.5; file a_0.1234567.tif")
    'redchi 1.2346 above 1.5; file a_0.1234567.tif'
    """
    return _LONG.sub(lambda m: format_value(float(m.group(0))), str(text))
