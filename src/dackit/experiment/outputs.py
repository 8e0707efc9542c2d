"""Everything ``dackit run`` writes besides results.json: tables, patterns, EosFit files,
NeXus, figures and report.html.

Figures and the report are redrawn only when the results changed, so that a warm re-run
stays fast.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from dackit.core.results import to_jsonable
from dackit.core.files import atomic_write_bytes, atomic_write_json, atomic_write_text, output_error
from dackit.experiment.store import safe_name

#: results keys written as CSV tables (one row per measurement or step)
TABLES = ("steps", "ruby", "sm", "diamond", "pl", "tauc", "xrd", "saxs")


def _table_frame(rows: list[dict]) -> pd.DataFrame:
    flat = []
    for r in rows:
        row = {}
        for k, v in r.items():
            if isinstance(v, (list, tuple)) and all(np.isscalar(x) for x in v):
                row[k] = ";".join(f"{x:.6g}" if isinstance(x, float) else str(x) for x in v)
            elif not isinstance(v, (dict, list, tuple)):
                row[k] = v
        flat.append(row)
    return pd.DataFrame(flat)


def write_tables(results: dict, out_dir: Path) -> list[Path]:
    paths = []
    for key in TABLES:
        rows = results.get(key)
        if isinstance(rows, list) and rows:
            csv = _table_frame(rows).to_csv(index=False, float_format="%.8g")
            paths.append(atomic_write_text(out_dir / "tables" / f"{key}.csv", csv))
    return paths


def unique_names(files) -> list[str]:
    """One output name per run-sheet file: its stem, or, when two files share a stem
    (``a/x.tif`` and ``b/x.tif``), its path below the experiment folder (``a_x``, ``b_x``)."""
    stems = [safe_name(Path(f).stem) for f in files]
    names = [s if stems.count(s) == 1 else safe_name(str(Path(f).with_suffix("")).replace("/", "_"))
             for s, f in zip(stems, files)]
    seen: dict[str, int] = {}
    out = []
    for name in names:  # the same file listed twice, or a/b_x.tif next to a_b/x.tif
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _patterns(sheet, by_row, steps) -> list[tuple[str, float, object]]:
    """(output name, step pressure, Pattern) of every XRD row analysed; names unique per row."""
    from dackit.core.pattern import make_pattern

    pressure = steps.set_index("step")["pressure_gpa"]
    out = []
    for r in sheet[sheet["technique"] == "xrd"].itertuples():
        o = by_row[r.row]
        if o["ok"] and "pattern" in o["value"]:
            pat = o["value"]["pattern"]
            out.append((r.file, float(pressure.loc[r.step]),
                        make_pattern(pat["twotheta_deg"], pat["intensity"],
                                     wavelength_a=o["value"]["wavelength_a"], source=r.file)))
    names = unique_names([f for f, _, _ in out])
    return [(name, p, pat) for name, (_, p, pat) in zip(names, out)]


def write_patterns(patterns, out_dir: Path) -> list[Path]:
    """Dioptas/GSAS-II readable ``.xy`` files of every integrated pattern."""
    from dackit.io.patterns import write_xy

    folder = out_dir / "patterns"
    return [write_xy(p, folder / f"{name}.xy") for name, _, p in patterns]


def write_eosfit_files(results: dict, out_dir: Path) -> list[Path]:
    from dackit.eos.eosfit_io import write_eosfit

    paths = []
    for phase, fit in results.get("eos", {}).items():
        pts = fit["points"]
        paths.append(write_eosfit(out_dir / "eos" / f"{safe_name(phase)}.dat", pts["pressure_gpa"], pts["volume_a3"],
                                  pts["pressure_gpa_err"], pts["volume_a3_err"],
                                  title=f"{phase} P-V from dackit run"))
    return paths


def write_nexus(results: dict, patterns, out_dir: Path) -> Path:
    """Reduced data in NeXus/HDF5: steps, per-technique tables, integrated patterns."""
    import os
    import tempfile

    path = out_dir / "reduced.nxs"
    # a name of its own: two runs (or a run and a killed one's leftovers) never share it
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=out_dir)
        os.close(fd)
    except OSError as exc:
        raise output_error(path, exc) from None
    tmp = Path(tmp)
    try:
        _fill_nexus(tmp, results, patterns)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise output_error(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _fill_nexus(tmp: Path, results: dict, patterns) -> None:
    import h5py

    with h5py.File(tmp, "w") as h5:
        h5.attrs["default"] = "entry"
        entry = h5.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry.attrs["default"] = "steps"
        entry["title"] = str(results.get("experiment", ""))
        entry["program_name"] = "dackit"
        for key in TABLES:
            rows = results.get(key)
            if not (isinstance(rows, list) and rows):
                continue
            frame = _table_frame(rows)
            group = entry.create_group(key)
            group.attrs["NX_class"] = "NXdata"
            numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
            for col in frame.columns:
                # text as UTF-8 (quality notes hold χ², ×, –): fixed-width "S" is ASCII-only
                data = (frame[col].to_numpy(float) if col in numeric else
                        np.array([str(v) for v in frame[col].tolist()], dtype=h5py.string_dtype("utf-8")))
                group.create_dataset(col, data=data)
            if "pressure_gpa" in numeric:
                group.attrs["axes"] = "pressure_gpa"
                group["pressure_gpa"].attrs["units"] = "GPa"
        if patterns:
            xrd = entry.create_group("xrd_patterns")
            xrd.attrs["NX_class"] = "NXcollection"
            for name, pressure, p in patterns:
                g = xrd.create_group(name)
                g.attrs["NX_class"] = "NXdata"
                g.attrs["signal"] = "intensity"
                g.attrs["axes"] = "two_theta"
                g.attrs["pressure_gpa"] = pressure
                g.create_dataset("two_theta", data=p.twotheta_deg).attrs["units"] = "degree"
                g.create_dataset("intensity", data=p.intensity)
                if p.wavelength_a:
                    g.attrs["wavelength_angstrom"] = p.wavelength_a


def results_digest(results: dict) -> str:
    """Hash of the results that figures depend on (not the run's timestamp)."""
    stable = {k: v for k, v in results.items() if k != "provenance"}
    return hashlib.sha256(json.dumps(to_jsonable(stable), sort_keys=True).encode()).hexdigest()


def write_results_json(results: dict, out_dir: Path) -> Path:
    """results.json, checked against the schema ``dackit schema`` prints before it is written:
    a key the schema does not describe is a bug in dackit, and must not reach users' files."""
    from dackit.core.schema import validate_results

    document = to_jsonable(results)
    validate_results(document)
    return atomic_write_json(out_dir / "results.json", document)


def write_outputs(results: dict, exp, sheet, by_row, out_dir: Path, *, report: bool = True) -> Path | None:
    """Write results.json first (every number is safe once it exists), then tables,
    patterns, EosFit files and NeXus; figures and report.html if asked (and only when the
    results changed since they were last drawn), and results.json again if drawing added notes.

    Every file is written atomically; a full or read-only disk raises a one-line
    :class:`~dackit.errors.OutputError` naming the folder.

    Parameters
    ----------
    results : dict
        The results dict (see :func:`~dackit.experiment.assemble_results`).
    exp : Experiment
        The validated experiment description, from
        :func:`~dackit.experiment.load_experiment`.
    sheet : pandas.DataFrame
        The run sheet, from :func:`~dackit.experiment.read_runsheet`.
    by_row : dict
        Outcome of each run-sheet row (row number → result dict or failure), from
        :func:`~dackit.experiment.analyse_files`.
    out_dir : Path
        Output folder.
    report : bool, default True
        Also write ``report.html``.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(out_dir / "results.json", exc) from None
    write_results_json(results, out_dir)
    steps = pd.DataFrame(results["steps"])
    patterns = _patterns(sheet, by_row, steps)
    write_tables(results, out_dir)
    write_patterns(patterns, out_dir)
    write_eosfit_files(results, out_dir)
    write_nexus(results, patterns, out_dir)
    if not report:
        return None
    report_path = out_dir / "report.html"
    stamp = out_dir / ".cache" / "figures.json"
    digest = results_digest(results)
    try:
        drawn = json.loads(stamp.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        drawn = {}
    if report_path.exists() and drawn.get("digest") == digest:
        # same results as last time: keep the figures, and the notes drawing them gave
        if drawn.get("notes"):
            results.setdefault("inconsistencies", []).extend(drawn["notes"])
            write_results_json(results, out_dir)
        return report_path
    from dackit.experiment.figures import draw_figures
    from dackit.report.html import write_report
    from dackit.experiment.thumbnails import run_thumbnails

    before = len(results.setdefault("inconsistencies", []))
    figures = draw_figures(results, exp, sheet, by_row, patterns, out_dir / "figures")
    if len(results["inconsistencies"]) > before:
        write_results_json(results, out_dir)
    thumbnails = run_thumbnails(results, {getattr(pat, "source", ""): pat for _, _, pat in patterns})
    write_report(results, figures, report_path, title=f"dackit report: {exp.name}", thumbnails=thumbnails)
    atomic_write_bytes(stamp, json.dumps({"digest": digest,
                                          "notes": results["inconsistencies"][before:]}).encode())
    return report_path
