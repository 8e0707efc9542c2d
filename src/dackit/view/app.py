"""The review app behind ``dackit view OUT``: look at every fit, exclude a file, see it follow.

Built on Panel + Bokeh (kept, BSD-3-Clause libraries for scientific dashboards): no JavaScript
is written here. The app only *reads* ``OUT/results.json`` and the raw files that results.json's
provenance names inside the experiment folder; the one thing it writes is the experiment's
``overrides.toml``, through :mod:`dackit.experiment.overrides` (the same writer ``dackit run``
reads), after which it re-runs the experiment into OUT (only the touched file is recomputed:
the cache). Nothing is served from disk: no static route is registered, so a path that climbs
out of OUT has nothing to reach. Every string shown comes through Bokeh/Panel text widgets or
``html.escape``.

Live: a periodic callback watches the modification time of results.json, so results that
``dackit watch`` (or a re-run) writes appear without reloading the page.
"""
from __future__ import annotations

import html
import json
import secrets
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from dackit.core.formatting import format_value_err
from dackit.errors import DackitError, InputError

COLOURS = {"compression": "#c0392b", "decompression": "#2c7fb8"}


def read_results(out_dir) -> dict:
    """``OUT/results.json`` as a dict; InputError naming the folder when it is not a results folder."""
    path = Path(out_dir) / "results.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{out_dir}: no results.json here; give the --out folder of `dackit run`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as results ({exc}); re-run `dackit run`") from None


def sample_name(results: dict) -> str:
    sample = results.get("sample") or {}
    return str(sample.get("name") or results.get("experiment") or "dackit results")


class Review:
    """The state of one browser session over one results folder."""

    def __init__(self, out_dir):
        import panel as pn

        self.pn = pn
        self.out_dir = Path(out_dir).resolve()
        self.results = read_results(self.out_dir)
        self.mtime = (self.out_dir / "results.json").stat().st_mtime
        self.status = pn.pane.Str("", sizing_mode="stretch_width")
        self.file_select = pn.widgets.Select(name="measurement", options=self._files(), width=420)
        self.reason = pn.widgets.TextInput(name="reason", placeholder="why (goes to overrides.toml)", width=420)
        self.exclude_button = pn.widgets.Button(name="Exclude this file and re-run", button_type="danger")
        self.exclude_button.on_click(self._exclude)
        self.setting = pn.widgets.TextInput(name="setting for this file", placeholder="n_peaks = 2", width=420)
        self.setting_button = pn.widgets.Button(name="Apply setting and re-run", button_type="primary")
        self.setting_button.on_click(self._override)
        self.file_select.param.watch(lambda event: self._show_measurement(), "value")
        self.shown: str | None = None  # the file whose measurement page is drawn
        self.overview = pn.Column(sizing_mode="stretch_width")
        self.measurement = pn.Column(sizing_mode="stretch_width")
        self.tabs = pn.Tabs(("Overview", self.overview),
                            ("Measurement", pn.Column(pn.Row(self.file_select), self.measurement,
                                                      pn.Row(self.reason, self.exclude_button),
                                                      pn.Row(self.setting, self.setting_button))),
                            dynamic=False, sizing_mode="stretch_width")
        # a measurement is refitted from its raw file: only once its tab is opened (first paint)
        self.tabs.param.watch(lambda event: self._show_measurement(), "active")
        self.title = pn.pane.HTML("", sizing_mode="stretch_width")
        self.layout = pn.Column(self.title, self.status, self.tabs, sizing_mode="stretch_width")
        self.refresh()
        pn.state.add_periodic_callback(self._poll, period=1000)

    # ------------------------------------------------------------------ data
    def _files(self) -> list[str]:
        files = (self.results.get("provenance") or {}).get("files") or []
        return [f["file"] for f in files]

    def _provenance(self, file: str) -> dict:
        for f in (self.results.get("provenance") or {}).get("files") or []:
            if f["file"] == file:
                return f
        return {}

    def _experiment(self):
        from dackit.experiment.description import load_experiment

        return load_experiment((self.results.get("provenance") or {}).get("experiment", ""))

    def _row(self, file: str) -> dict | None:
        for key in ("ruby", "pl", "tauc", "xrd", "saxs"):
            for row in self.results.get(key) or []:
                if row.get("file") == file:
                    return row
        return None

    # ------------------------------------------------------------------ pages
    def refresh(self) -> None:
        r = self.results
        n_fail, n_doubt = len(r.get("failures") or []), len(r.get("doubtful") or [])
        excluded = [e["file"] for e in r.get("exclusions") or []]
        self.title.object = (f"<h1 id='sample'>{html.escape(sample_name(r))}</h1>"
                             f"<p>{len(r.get('steps') or [])} steps · {n_fail} failed · {n_doubt} doubtful · "
                             f"{len(excluded)} excluded</p>")
        self.file_select.options = self._files()
        self.overview.objects = [self.pn.GridBox(*self._series_plots(), ncols=3, sizing_mode="stretch_width"),
                                 self._problems()]
        self.shown = None  # new results: the measurement is drawn again when shown
        self._show_measurement()

    def _problems(self):
        rows = [f"<li>failed: {html.escape(f['file'])}: {html.escape(f['error'])}</li>"
                for f in self.results.get("failures") or []]
        rows += [f"<li>doubtful: {html.escape(d.get('file', ''))}: {html.escape('; '.join(d.get('quality_notes') or []))}</li>"
                 for d in self.results.get("doubtful") or []]
        rows += [f"<li>excluded: {html.escape(e['file'])}: {html.escape(e.get('reason', ''))}</li>"
                 for e in self.results.get("exclusions") or []]
        return self.pn.pane.HTML("<ul>" + "".join(rows) + "</ul>" if rows else "<p>No failures, doubts or exclusions.</p>",
                                 sizing_mode="stretch_width")

    def _figure(self, title: str, x: str, y: str, **kw):
        from dackit.view.figures import new_figure

        return new_figure(title, x, y, **kw)

    def _points(self, fig, rows: list[dict], x: str, y: str, err: str | None = None, *, by: str = "direction",
                hollow: str | None = None) -> None:
        """Scatter ``rows``, one colour per value of ``by`` (direction, gauge, phase); a row
        whose ``hollow`` key is true is drawn open. A tap opens that row's measurement."""
        from bokeh.models import ColumnDataSource, Whisker  # type: ignore[attr-defined]

        from dackit.view.figures import PALETTE

        values = list(dict.fromkeys(str(r.get(by, "compression")) for r in rows))
        for i, value in enumerate(values):
            colour = COLOURS.get(value, PALETTE[i % len(PALETTE)]) if by == "direction" else PALETTE[i % len(PALETTE)]
            part = [r for r in rows if str(r.get(by, "compression")) == value
                    and isinstance(r.get(x), (int, float)) and isinstance(r.get(y), (int, float))]
            if not part:
                continue
            ys = np.array([r[y] for r in part], float)
            es = np.array([r.get(err) if isinstance(r.get(err), (int, float)) else 0.0 for r in part], float) if err else 0 * ys
            src = ColumnDataSource({"x": [r[x] for r in part], "y": ys, "lo": ys - es, "hi": ys + es,
                                    "file": [str(r.get("file", "")) for r in part],
                                    "fill": ["white" if hollow and r.get(hollow) else colour for r in part],
                                    "label": [format_value_err(r[y], r.get(err) if err else None) for r in part]})
            fig.scatter("x", "y", source=src, color=colour, fill_color="fill", size=8, legend_label=value)
            if err:
                fig.add_layout(Whisker(source=src, base="x", lower="lo", upper="hi", line_color=colour))
            src.selected.on_change("indices",  # type: ignore[attr-defined]
                                    lambda attr, old, new, s=src: self._open(s, new))
        if fig.legend:
            fig.legend.location = "top_left"

    def _gauges_plot(self):
        """Every gauge's reading of every step (open: doubtful); failed files marked ×."""
        from dackit.view.series import gauge_rows

        fig = self._figure("Every gauge per step (open: doubtful, ×: a file failed)", "step", "pressure (GPa)")
        rows = gauge_rows(self.results)
        if len({r["gauge"] for r in rows}) < 2 and not self.results.get("failures"):
            return fig  # one gauge: the step plot says it all (an empty figure is dropped)
        self._points(fig, rows, "step", "pressure_gpa", "pressure_gpa_err", by="gauge", hollow="doubtful")
        pressure = {s.get("step"): s.get("pressure_gpa") for s in self.results.get("steps") or []}
        failed = [(f.get("step"), pressure.get(f.get("step"))) for f in self.results.get("failures") or []]
        failed = [(s, p) for s, p in failed if isinstance(s, int) and isinstance(p, (int, float))]
        if failed:
            fig.scatter([s for s, _ in failed], [p for _, p in failed], marker="x", size=12, color="black",
                        legend_label="failed file")
        return fig

    def _eos_plots(self) -> list:
        """V/V0 against P and the Eulerian F–f plot, with the fitted EoS of each phase."""
        from dackit.view.figures import PALETTE
        from dackit.view.series import eos_lines, ff_rows, volume_rows

        lines = eos_lines(self.results)
        phases = list(dict.fromkeys(r["phase"] for r in volume_rows(self.results)))
        vfig = self._figure("V/V0 vs pressure", "pressure (GPa)", "V/V0")
        self._points(vfig, volume_rows(self.results), "pressure_gpa", "v_v0", "v_v0_err", by="phase")
        ffig = self._figure("EoS F–f (Eulerian)", "f = ((V0/V)^⅔ − 1)/2", "F = P/(3f(1+2f)^5/2) (GPa)")
        self._points(ffig, ff_rows(self.results), "f", "F_gpa", "F_gpa_err", by="phase")
        for phase, line in lines.items():
            colour = PALETTE[phases.index(phase) % len(PALETTE)] if phase in phases else "black"
            fit = (self.results.get("eos") or {}).get(phase) or {}
            label = f"{phase} {fit.get('form', '')} fit"
            vfig.line(line["p"], line["v_v0"], color=colour, legend_label=label)
            if "f" in line:
                ffig.line(line["f"], line["F"], color=colour, legend_label=label)
        return [vfig, ffig]

    def _tem_plot(self):
        """Particle sizes of each TEM step, each bar stacked by image; a click opens the image."""
        from bokeh.models import ColumnDataSource, HoverTool

        from dackit.view.figures import PALETTE
        from dackit.view.series import tem_histogram

        fig = self._figure("TEM particle sizes per step", "diameter (nm)", "particles")
        bars = tem_histogram(self.results)
        steps = list(dict.fromkeys(b["step"] for b in bars))
        for i, step in enumerate(steps):
            part = [b for b in bars if b["step"] == step]
            src = ColumnDataSource({k: [b[k] for b in part] for k in ("left", "right", "bottom", "top", "count", "file")})
            fig.quad(left="left", right="right", bottom="bottom", top="top", source=src, fill_alpha=0.5,
                     color=PALETTE[i % len(PALETTE)], line_color="white", legend_label=f"step {step}")
            src.selected.on_change("indices", lambda attr, old, new, s=src: self._open(s, new))
        hover = fig.select_one(HoverTool)
        if hover is not None:
            hover.tooltips = [("image", "@file"), ("particles", "@count"), ("size (nm)", "@left{0.0}–@right{0.0}")]
        if fig.legend:
            fig.legend.click_policy = "hide"
        return fig

    def _open(self, source, indices) -> None:
        if indices:
            file = source.data["file"][indices[0]]
            if file in self.file_select.options:
                self.file_select.value = file
                self.tabs.active = 1

    def _series_plots(self) -> list:
        r = self.results
        plots = []
        steps = r.get("steps") or []
        fig = self._figure("Pressure per step", "step", "pressure (GPa)")
        self._points(fig, steps, "step", "pressure_gpa", "pressure_gpa_err")
        plots.append(fig)
        plots.append(self._gauges_plot())
        pl = [row for row in r.get("pl") or [] if row.get("quality", "ok") == "ok"]
        fig = self._figure("PL peak energy E(P)", "pressure (GPa)", "peak energy (eV)")
        self._points(fig, pl, "pressure_gpa", "peak_ev", "peak_ev_err")
        fit = r.get("pl_fit")
        if isinstance(fit, dict) and fit.get("pressure_range_gpa"):
            lo, hi = (float(v) for v in fit["pressure_range_gpa"])
            p = np.linspace(lo, hi, 100)
            e = fit["e0_ev"] + fit["alpha_mev_per_gpa"] * 1e-3 * p + (fit.get("beta_mev_per_gpa2") or 0.0) * 1e-3 * p ** 2
            band = np.sqrt(fit.get("e0_ev_err", 0.0) ** 2 + (fit.get("alpha_mev_per_gpa_err", 0.0) * 1e-3 * p) ** 2)
            fig.varea(x=p, y1=e - band, y2=e + band, fill_alpha=0.2, color="grey")
            fig.line(p, e, color="black", legend_label=f"fit, {fit['n']} points")
        plots.append(fig)
        fig = self._figure("CIE 1931 chromaticity path", "x", "y")
        cie = [row for row in r.get("pl") or [] if isinstance(row.get("cie_x"), (int, float))
               and isinstance(row.get("cie_y"), (int, float))]  # a colour not computed: no point
        if cie:
            fig.line([c["cie_x"] for c in cie], [c["cie_y"] for c in cie], color="grey")
            self._points(fig, cie, "cie_x", "cie_y")
        plots.append(fig)
        fig = self._figure("Tauc gap vs pressure", "pressure (GPa)", "gap (eV)")
        self._points(fig, r.get("tauc") or [], "pressure_gpa", "gap_ev", "gap_ev_err")
        plots.append(fig)
        fig = self._figure("Lattice parameter vs pressure", "pressure (GPa)", "a (Å)")
        xrd = []
        for row in r.get("xrd") or []:
            for ph in row.get("phases") or []:
                if ph.get("present"):
                    xrd.append({**row, "a": ph.get("a_angstrom"), "a_err": ph.get("a_angstrom_err")})
        if not xrd:
            xrd = [row for row in r.get("xrd") or [] if "a_angstrom" in row]
            xrd = [{**row, "a": row.get("a_angstrom"), "a_err": row.get("a_angstrom_err")} for row in xrd]
        self._points(fig, xrd, "pressure_gpa", "a", "a_err", by="phase")
        plots.append(fig)
        plots += self._eos_plots()
        fig = self._figure("SAXS first-peak d vs pressure", "pressure (GPa)", "d (Å)")
        self._points(fig, r.get("saxs") or [], "pressure_gpa", "d_first_angstrom", "d_first_angstrom_err")
        plots.append(fig)
        plots.append(self._tem_plot())
        return [p for p in plots if p.renderers]  # a technique not in this run: no empty frame

    def _show_measurement(self) -> None:
        file = self.file_select.value
        if not file:
            self.measurement.objects = [self.pn.pane.Str("No measurement selected.")]
            return
        if self.tabs.active != 1 or file == self.shown:
            return
        self.shown = file
        try:
            self.measurement.objects = self._measurement_view(file)
        except Exception as exc:  # noqa: BLE001 - one page not drawn, the app goes on; the reason is shown
            self.measurement.objects = [self.pn.pane.Str(f"{file}: cannot be shown ({exc})")]

    def _measurement_view(self, file: str) -> list:
        """Raw data, fit and residual of ``file`` (and its image, rings, cake or outlines),
        recomputed from the raw file with the run's settings (:mod:`dackit.experiment.measurement`)."""
        from dackit.experiment.measurement import locate, measurement_plot
        from dackit.experiment.measurement_images import calibrant_markers, cake_view, detector_view, tem_view
        from dackit.view.figures import cake_figure, image_figure, measurement_figures

        found = locate(self.results, file)  # refuses a path outside the experiment
        row = found.rows[0] if found.rows else {}
        notes = "; ".join(row.get("quality_notes") or [])
        parts: list = [self.pn.pane.Str(f"{file} · {found.technique} · quality {row.get('quality', '?')} {notes}")]
        if found.technique == "tem":
            view = tem_view(found.path, found.settings, file=file)
            parts += [self.pn.pane.Str("; ".join(view.notes)), image_figure(view)]
            if view.sizes_nm is not None and view.sizes_nm.size:
                fig = self._figure(f"{file}: particle sizes", "diameter (nm)", "count")
                hist, edges = np.histogram(view.sizes_nm, bins=max(5, min(30, view.sizes_nm.size // 5)))
                fig.quad(top=hist, bottom=0, left=edges[:-1], right=edges[1:], alpha=0.6)
                parts.append(fig)
            return parts
        if found.technique not in ("ruby", "sm", "diamond", "pl", "absorption", "xrd", "saxs"):
            return parts + [self.pn.pane.Str(f"no view for technique {found.technique!r}")]
        plot = replace(measurement_plot(found.technique, found.path, found.settings, found.rows), file=file)
        if plot.notes:
            parts.append(self.pn.pane.Str("; ".join(plot.notes)))
        parts += measurement_figures(plot)
        from dackit.io.kinds import kind_of

        if found.technique in ("xrd", "saxs") and kind_of(str(found.path)) != "pattern":
            # the calibrant's rings (geometry from xrd.calibrant_image) start hidden: a click on
            # their legend entry shows where the calibration puts them
            calibrant = calibrant_markers(found.settings)
            view = detector_view(found.path, found.settings, [*plot.markers, *calibrant], file=file)
            parts.append(image_figure(view, title=f"{file}: detector, mask and rings of the ticks above"
                                      + (" (and of the calibrant)" if calibrant else ""),
                                      hidden={m.group for m in calibrant}))
            parts.append(cake_figure(cake_view(found.path, found.settings, file=file), plot.markers))
        return parts

    # ------------------------------------------------------------------ actions
    def _exclude(self, event=None) -> None:
        file = self.file_select.value
        if not file:
            return
        self.status.object = f"excluding {file} and re-running…"
        threading.Thread(target=self._apply_exclusion, args=(file, self.reason.value or "excluded in dackit view"),
                         daemon=True).start()

    def _override(self, event=None) -> None:
        file, setting = self.file_select.value, self.setting.value
        if not file or not setting.strip():
            return
        self.status.object = f"{file}: {setting} and re-running…"
        threading.Thread(target=self._apply, args=(override_and_rerun, file, setting, self.reason.value or "",
                                                   f"{file}: {setting} (overrides.toml); results updated"),
                         daemon=True).start()

    def _apply_exclusion(self, file: str, reason: str) -> None:
        self._apply(exclude_and_rerun, file, reason, None, f"{file} excluded (overrides.toml); results updated")

    def _apply(self, action, file: str, first: str, second: str | None, done: str) -> None:
        try:
            action(self.out_dir, file, first) if second is None else action(self.out_dir, file, first, second)
            message = done
        except DackitError as exc:
            message = f"not done: {exc}"
        doc = self.pn.state.curdoc
        if doc is not None and doc.session_context is not None:
            doc.add_next_tick_callback(lambda: self._after(message))
        else:
            self._after(message)

    def _after(self, message: str) -> None:
        self.status.object = message
        self._poll()

    def _poll(self) -> None:
        try:
            mtime = (self.out_dir / "results.json").stat().st_mtime
        except OSError:
            return
        if mtime != self.mtime:
            try:
                self.results = read_results(self.out_dir)
            except InputError:
                return  # being written: next tick
            self.mtime = mtime
            self.refresh()


def exclude_and_rerun(out_dir, file: str, reason: str, *, report: bool = False):
    """Exclude ``file`` in the experiment's overrides.toml and re-run it into ``out_dir``.

    The same writer and the same run as ``dackit run`` with that overrides.toml, so the result
    is reproducible without the app. ``report=False`` skips figures and report.html (the app
    shows its own plots; ``dackit run`` writes the report).
    """
    from dackit.experiment.description import load_experiment, read_runsheet
    from dackit.experiment.overrides import add_exclusion
    from dackit.experiment.pipeline import run_experiment

    results = read_results(out_dir)
    experiment = (results.get("provenance") or {}).get("experiment")
    if not experiment:
        raise InputError(f"{out_dir}: results.json names no experiment; re-run `dackit run`")
    exp = load_experiment(experiment)
    add_exclusion(exp, read_runsheet(exp, allow_missing=True), file, reason)
    return run_experiment(experiment, out_dir, report=report, allow_missing="waiting" in results)


def override_and_rerun(out_dir, file: str, setting: str, reason: str = "", *, report: bool = False):
    """Change one analysis setting of ``file``, written as TOML (``n_peaks = 2``,
    ``window_nm = [520, 720]``), in overrides.toml and re-run into ``out_dir``.

    The setting is checked as ``dackit run`` checks overrides.toml (ConfigError naming the
    entry); only that file is recomputed (its cache key holds the override).
    """
    import tomllib

    from dackit.errors import ConfigError
    from dackit.experiment.description import load_experiment, read_runsheet
    from dackit.experiment.overrides import set_override
    from dackit.experiment.pipeline import run_experiment

    try:
        settings = tomllib.loads(setting)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"setting {setting!r}: write it as key = value, e.g. n_peaks = 2 ({exc})") from None
    results = read_results(out_dir)
    experiment = (results.get("provenance") or {}).get("experiment")
    if not experiment:
        raise InputError(f"{out_dir}: results.json names no experiment; re-run `dackit run`")
    exp = load_experiment(experiment)
    set_override(exp, read_runsheet(exp, allow_missing=True), file, settings, reason)
    return run_experiment(experiment, out_dir, report=report, allow_missing="waiting" in results)


def serve(out_dir, *, port: int = 0, host: str = "127.0.0.1", show: bool = True, token: str | None = None,
          on_ready=None) -> Any:
    """Serve the app over ``out_dir`` until interrupted; returns nothing while it runs.

    Binds ``host`` (loopback by default). Any other address requires ``token`` (made up
    when None) as the ``token`` query argument of every page. ``on_ready(url)`` is called
    once the port is bound, before the server loop starts.
    """
    import socket

    import panel as pn

    out = Path(out_dir).resolve()
    read_results(out)  # a clear error before any server starts
    loopback = host in ("127.0.0.1", "localhost", "::1")
    if not loopback and token is None:
        token = secrets.token_urlsafe(16)
    try:  # a taken port or an address not of this machine: one line, before any server starts
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.bind((host, port))
            port = s.getsockname()[1]
    except (OSError, OverflowError) as exc:
        raise InputError(f"--host {host} --port {port}: cannot listen there ({getattr(exc, 'strerror', None) or exc}); "
                         "choose another --port or an address of this machine") from None

    def page():
        if token is not None:
            given = (pn.state.session_args.get("token") or [b""])[0].decode(errors="replace")
            if not secrets.compare_digest(given, token):
                return pn.pane.Str("403: this dackit view needs the token printed in its URL")
        review = Review(out)
        return review.layout

    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/" + (f"?token={token}" if token else "")
    pn.config.raw_css = []
    server = pn.serve(page, port=port, address=host, show=False, start=False, verbose=False,
                      websocket_origin=[f"{shown_host}:{port}", *([f"localhost:{port}"] if loopback else [])],
                      title="dackit view")
    if on_ready:
        on_ready(url)
    if show:
        import webbrowser
        server.io_loop.add_callback(lambda: webbrowser.open(url))
    server.start()
    server.io_loop.start()
