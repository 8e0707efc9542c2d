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
from dackit.experiment.store import atomic_write_bytes, atomic_write_text

#: results keys written as CSV tables (one row per measurement or step)
TABLES = ("steps", "ruby", "pl", "tauc", "xrd", "saxs")


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


def _patterns(sheet, by_row, steps) -> list[tuple[str, float, object]]:
    """(file, step pressure, Pattern) of every XRD row analysed."""
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
    return out


def write_patterns(patterns, out_dir: Path) -> list[Path]:
    """Dioptas/GSAS-II readable ``.xy`` files of every integrated pattern."""
    from dackit.io.patterns import write_xy

    folder = out_dir / "patterns"
    folder.mkdir(parents=True, exist_ok=True)
    return [write_xy(p, folder / f"{Path(f).stem}.xy") for f, _, p in patterns]


def write_eosfit_files(results: dict, out_dir: Path) -> list[Path]:
    from dackit.eos.eosfit_io import write_eosfit

    paths = []
    (out_dir / "eos").mkdir(parents=True, exist_ok=True)
    for phase, fit in results.get("eos", {}).items():
        pts = fit["points"]
        paths.append(write_eosfit(out_dir / "eos" / f"{phase}.dat", pts["pressure_gpa"], pts["volume_a3"],
                                  pts["pressure_gpa_err"], pts["volume_a3_err"],
                                  title=f"{phase} P-V from dackit run"))
    return paths


def write_nexus(results: dict, patterns, out_dir: Path) -> Path:
    """Reduced data in NeXus/HDF5: steps, per-technique tables, integrated patterns."""
    import h5py

    path = out_dir / "reduced.nxs"
    tmp = path.with_name(f".{path.name}.part")
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
            for file, pressure, p in patterns:
                g = xrd.create_group(Path(file).stem)
                g.attrs["NX_class"] = "NXdata"
                g.attrs["signal"] = "intensity"
                g.attrs["axes"] = "two_theta"
                g.attrs["pressure_gpa"] = pressure
                g.create_dataset("two_theta", data=p.twotheta_deg).attrs["units"] = "degree"
                g.create_dataset("intensity", data=p.intensity)
                if p.wavelength_a:
                    g.attrs["wavelength_angstrom"] = p.wavelength_a
    tmp.replace(path)
    return path


def results_digest(results: dict) -> str:
    """Hash of the results that figures depend on (not the run's timestamp)."""
    stable = {k: v for k, v in results.items() if k != "provenance"}
    return hashlib.sha256(json.dumps(to_jsonable(stable), sort_keys=True).encode()).hexdigest()


def write_outputs(results: dict, exp, sheet, by_row, out_dir: Path, *, report: bool = True) -> Path | None:
    """Write tables, patterns, EosFit files and NeXus; figures and report.html if asked
    (and only when the results changed since they were last drawn)."""
    out_dir.mkdir(parents=True, exist_ok=True)
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
        results.setdefault("inconsistencies", []).extend(drawn.get("notes", []))
        return report_path
    from dackit.experiment.figures import draw_figures
    from dackit.report.html import write_report

    before = len(results.setdefault("inconsistencies", []))
    figures = draw_figures(results, exp, sheet, by_row, patterns, out_dir / "figures")
    write_report(results, figures, report_path, title=f"dackit report: {exp.name}")
    atomic_write_bytes(stamp, json.dumps({"digest": digest,
                                          "notes": results["inconsistencies"][before:]}).encode())
    return report_path
