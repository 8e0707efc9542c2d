"""`dackit pl` (defined in :mod:`dackit.cli.optics`)."""
from dackit.cli.optics import pl_command as command

__all__ = ["command"]
