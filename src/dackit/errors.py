"""Errors dackit raises.

Every error a user can cause is a :class:`DackitError`. Its message names the file or the
argument at fault and says what to do about it; the CLI prints the message and exits 2,
and batch work records it per file and carries on.
"""


class DackitError(Exception):
    """Base class of every error dackit raises on purpose."""


class InputError(DackitError, ValueError):
    """A file or argument cannot be used: unreadable, malformed, out of range, no signal."""


class FitError(DackitError, RuntimeError):
    """A fit did not converge or gave a result that cannot be trusted."""


class ConfigError(DackitError, ValueError):
    """An experiment description or run sheet is inconsistent."""


def where(source) -> str:
    """Prefix for messages: ``"file.txt: "`` or ``""`` when there is no source."""
    return f"{source}: " if source else ""


class OutputError(DackitError, OSError):
    """An output file cannot be written: no space left, read-only or not permitted."""
