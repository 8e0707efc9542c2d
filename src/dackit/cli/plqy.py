"""`dackit plqy` (defined in :mod:`dackit.cli.optics`)."""
from dackit.cli.optics import plqy_command as command

__all__ = ["command"]
