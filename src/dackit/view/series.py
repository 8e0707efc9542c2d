"""Rows of the series pages of ``dackit view``, read from results.json (no Panel here).

* :func:`gauge_rows`: every gauge's reading of every step (ruby, Sm:SrB4O7, diamond edge,
  the XRD pressure standard), each with a file of that step to open;
* :func:`volume_rows`: V/V0 of each present phase against pressure, V0 from its EoS fit;
* :func:`ff_rows` and :func:`eos_lines`: the F–f points (Eulerian strain
  f = ((V0/V)^⅔ − 1)/2, normalised pressure F = P / (3f(1+2f)^{5/2})) and the fitted EoS
  as V/V0(P) and F(f), computed by :mod:`dackit.eos` (no formula written here);
* :func:`tem_histogram`: the particle sizes of each TEM step, bars split by image.
"""
from __future__ import annotations

import math

import numpy as np

#: a gauge's name in a step's readings → the results key of its per-file rows
GAUGE_ROWS = {"ruby": "ruby", "Sm:SrB4O7": "sm", "diamond edge": "diamond"}
#: the EoS parameters as results.json names them
EOS_KEYS = {"v0": "v0_a3", "k0": "k0_gpa", "kp": "kp", "kpp": "kpp_per_gpa"}


def _num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def gauge_rows(results: dict) -> list[dict]:
    """One row per gauge reading per step: step, gauge, pressure (± err), doubtful, and
    the first file of that gauge in that step (for a click to open).

    Parameters
    ----------
    results : dict
        The content of results.json.

    Returns
    -------
    list of dict
    """
    files: dict[tuple[str, int], str] = {}
    for key in ("ruby", "sm", "diamond", "xrd"):
        for row in results.get(key) or []:
            files.setdefault((key, row.get("step")), str(row.get("file", "")))
    out = []
    for step in results.get("steps") or []:
        for g in step.get("gauges") or []:
            name = str(g.get("gauge", ""))
            key = "xrd" if name.startswith("xrd:") else GAUGE_ROWS.get(name, name)
            if _num(g.get("pressure_gpa")):
                out.append({"step": step.get("step"), "direction": step.get("direction", "compression"),
                            "gauge": name, "pressure_gpa": g["pressure_gpa"],
                            "pressure_gpa_err": g.get("pressure_gpa_err"), "doubtful": bool(g.get("doubtful")),
                            "file": files.get((key, step.get("step")), "")})
    return out


def _params(fit: dict):
    """The fitted form and its parameters in its own order, or None if one is missing."""
    from dackit.eos.forms import get_form

    try:
        form = get_form(str(fit.get("form")))
    except Exception:  # a form this dackit does not know: no curve, the points still show
        return None
    values = [fit.get(EOS_KEYS[p]) for p in form.params]
    return (form, values) if all(_num(v) for v in values) else None


def volume_rows(results: dict) -> list[dict]:
    """V/V0 (± err) against pressure of each present phase that has an EoS fit.

    Parameters
    ----------
    results : dict
        The content of results.json.

    Returns
    -------
    list of dict
        Keys file, step, direction, phase, pressure_gpa(_err), v_v0, v_v0_err.
    """
    eos = results.get("eos") or {}
    out = []
    for row in results.get("xrd") or []:
        fit = (eos.get(row.get("phase")) if isinstance(eos, dict) else None) or {}
        v, v0 = row.get("volume_a3"), fit.get("v0_a3")
        if not (row.get("present") and _num(v) and _num(v0) and v0 > 0):  # type: ignore[operator]
            continue
        v, v0 = float(v), float(v0)  # type: ignore[arg-type]
        err = v / v0 * math.hypot((row.get("volume_a3_err") or 0.0) / v, (fit.get("v0_a3_err") or 0.0) / v0)
        out.append({"file": row.get("file"), "step": row.get("step"), "direction": row.get("direction", "compression"),
                    "phase": row["phase"], "pressure_gpa": row.get("pressure_gpa"),
                    "pressure_gpa_err": row.get("pressure_gpa_err"), "v_v0": v / v0, "v_v0_err": err})
    return out


def ff_rows(results: dict) -> list[dict]:
    """Eulerian F–f points of every present phase with an EoS fit, by
    :func:`dackit.eos.ff.normalized_stress` (Heinz–Jeanloz errors); points at or near
    P = 0, where F is undefined, are left out.

    Parameters
    ----------
    results : dict
        The content of results.json.

    Returns
    -------
    list of dict
        Keys file, step, direction, phase, pressure_gpa, f, f_err, F_gpa, F_gpa_err.
    """
    from dackit.eos.ff import normalized_stress

    eos = results.get("eos") or {}
    by_phase: dict[str, list[dict]] = {}
    for row in results.get("xrd") or []:
        if row.get("present") and _num(row.get("volume_a3")) and _num(row.get("pressure_gpa")):
            by_phase.setdefault(str(row.get("phase")), []).append(row)
    out = []
    for phase, rows in by_phase.items():
        fit = eos.get(phase) if isinstance(eos, dict) else None
        if not fit or not _num(fit.get("v0_a3")):
            continue
        ff = normalized_stress([r["pressure_gpa"] for r in rows], [r["volume_a3"] for r in rows], fit["v0_a3"],
                               pressure_err=[r.get("pressure_gpa_err") or 0.0 for r in rows],
                               volume_err=[r.get("volume_a3_err") or 0.0 for r in rows],
                               v0_err=fit.get("v0_a3_err") or 0.0)
        for i, r in enumerate(rows):
            if ff.valid[i]:
                out.append({"file": r.get("file"), "step": r.get("step"), "direction": r.get("direction", "compression"),
                            "phase": phase, "pressure_gpa": r["pressure_gpa"], "f": float(ff.f[i]),
                            "f_err": float(ff.f_err[i]), "F_gpa": float(ff.F_gpa[i]), "F_gpa_err": float(ff.F_err[i])})
    return out


def eos_lines(results: dict, n: int = 100) -> dict[str, dict]:
    """The fitted EoS of each phase over its points' pressure range: ``{"p", "v_v0"}``
    (V/V0 against P) and ``{"f", "F"}`` (the F–f line), by :mod:`dackit.eos.forms`.

    Parameters
    ----------
    results : dict
        The content of results.json.
    n : int, default 100
        Points per line.

    Returns
    -------
    dict
        phase → {"p": array, "v_v0": array, "f": array, "F": array}.
    """
    from dackit.eos.ff import normalized_stress

    out = {}
    for phase, fit in (results.get("eos") or {}).items():
        if not isinstance(fit, dict):
            continue
        got = _params(fit)
        pts = (fit.get("points") or {}).get("pressure_gpa") or []
        pts = [p for p in pts if _num(p)]
        if got is None or not pts:
            continue
        form, values = got
        p = np.linspace(min(0.0, min(pts)), max(pts), n)
        v = np.asarray(form.volume(p, *values), float)
        ok = np.isfinite(v) & (v > 0)
        p, v = p[ok], v[ok]
        line = {"p": p, "v_v0": v / values[0]}
        positive = p > 0.05 * max(pts)  # F is 0/0 at P = 0
        if positive.sum() > 1:
            ff = normalized_stress(p[positive], v[positive], values[0])
            line.update(f=ff.f, F=ff.F_gpa)
        out[str(phase)] = line
    return out


def tem_histogram(results: dict, max_bins: int = 40) -> list[dict]:
    """The size histogram of every TEM step's particles, each bar split by the image its
    particles came from (so that a click opens that image); bins shared by all steps.

    Parameters
    ----------
    results : dict
        The content of results.json (its ``tem_by_step`` rows with ``diameters_nm`` and
        ``images``; rows of an older dackit without them give no bars).
    max_bins : int, default 40
        At most this many bins (numpy's "auto" rule below it).

    Returns
    -------
    list of dict
        One per non-empty (step, image, bin): step, file, left, right, bottom, top, count;
        within a step the images are stacked (bottom of one = top of the one before).

    Examples
    --------
    >>> bars = tem_histogram({"tem_by_step": [{"step": 0, "n": 3, "diameters_nm": [4.0, 4.1, 6.0],
    ...                                        "images": [{"file": "a.tif", "n": 3}]}]})
    >>> sum(b["count"] for b in bars)
    3
    """
    steps = []
    for row in results.get("tem_by_step") or []:
        d = np.asarray([x for x in row.get("diameters_nm") or [] if _num(x)], float)
        images = [im for im in row.get("images") or [] if isinstance(im, dict)]
        if d.size and sum(int(im.get("n", 0)) for im in images) == d.size:
            steps.append((row.get("step"), d, images))
        elif d.size:  # counts that do not add up: the particles still show, under the step
            steps.append((row.get("step"), d, [{"file": "", "n": d.size}]))
    if not steps:
        return []
    everything = np.concatenate([d for _, d, _ in steps])
    edges = np.histogram_bin_edges(everything, bins="auto")
    if edges.size - 1 > max_bins:
        edges = np.histogram_bin_edges(everything, bins=max_bins)
    out = []
    for step, d, images in steps:
        bottom = np.zeros(edges.size - 1)
        start = 0
        for im in images:
            k = int(im.get("n", 0))
            counts, _ = np.histogram(d[start:start + k], bins=edges)
            start += k
            for i in np.flatnonzero(counts):
                out.append({"step": step, "file": str(im.get("file", "")), "left": float(edges[i]),
                            "right": float(edges[i + 1]), "bottom": float(bottom[i]),
                            "top": float(bottom[i] + counts[i]), "count": int(counts[i])})
            bottom += counts
    return out


__all__ = ["eos_lines", "ff_rows", "gauge_rows", "tem_histogram", "volume_rows"]
