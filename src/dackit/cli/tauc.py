"""`dackit tauc` (defined in :mod:`dackit.cli.optics`)."""
from dackit.cli.optics import tauc_command as command

__all__ = ["command"]
