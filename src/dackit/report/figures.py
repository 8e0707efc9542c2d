"""Saving figures the same way everywhere: PNG for the report, SVG for papers."""
from __future__ import annotations

from pathlib import Path

#: formats written when a figure path is given without a suffix
FORMATS = (".png", ".svg")


def save_figure(fig, path, *, dpi: int = 200) -> Path:
    """Save ``fig`` to ``path``; without a suffix, to ``path.png`` and ``path.svg``.

    Closes pyplot figures so long runs do not accumulate them. Returns the PNG (or the
    single) path.
    """
    import io

    from dackit.experiment.store import atomic_write_bytes

    path = Path(path)
    targets = [path] if path.suffix else [path.with_suffix(s) for s in FORMATS]
    for target in targets:  # through memory and a rename: a full disk leaves no half PNG
        buf = io.BytesIO()
        fig.savefig(buf, dpi=dpi, bbox_inches="tight", format=target.suffix.lstrip(".") or None)
        atomic_write_bytes(target, buf.getvalue())
    try:
        import matplotlib.pyplot as plt
        plt.close(fig)
    except Exception:  # noqa: BLE001 - a Figure made without pyplot has nothing to close
        pass
    return targets[0]
