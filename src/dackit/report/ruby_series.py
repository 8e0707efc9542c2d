"""Figure of a ruby pressure series: measured against true (or nominal) pressure."""
from __future__ import annotations

from pathlib import Path


def plot_pressure_series(table, path) -> Path:
    """Measured vs true pressure with error bars, and the deviation in units of σ below.

    ``table`` needs columns ``true_pressure_gpa``, ``pressure_gpa``, ``pressure_gpa_err``.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t, p, e = table["true_pressure_gpa"], table["pressure_gpa"], table["pressure_gpa_err"]
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(5.5, 5.5), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1], "hspace": 0.05})
    ax.errorbar(t, p, yerr=e, fmt="o", ms=4, color="crimson", label="ruby fit")
    lim = [0, max(float(t.max()), float(p.max())) * 1.05]
    ax.plot(lim, lim, color="0.5", lw=1, label="truth")
    ax.set_ylabel("Measured pressure (GPa)")
    ax.legend(frameon=False)
    axr.errorbar(t, p - t, yerr=e, fmt="o", ms=3, color="crimson")
    axr.axhline(0, color="0.5", lw=1)
    axr.set_xlabel("True pressure (GPa)")
    axr.set_ylabel("ΔP (GPa)")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return path
