"""`dackit view` in real headless Chromium: loads with no console errors, shows the series plots
and the sample's name, listens on loopback only, serves nothing of the disk, and updates live
when an exclusion is written (same overrides.toml writer as `dackit run` reads)."""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("panel")
from browser_check import _FLAGS, find_chromium  # noqa: E402
from dackit.experiment.pipeline import run_experiment  # noqa: E402
from dackit.view.app import exclude_and_rerun, override_and_rerun  # noqa: E402
from dackit.virtual.description import Step, preset  # noqa: E402
from dackit.virtual.experiment import write_experiment  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    """Five compression steps of the virtual experiment, ruby + PL + absorption, analysed."""
    root = tmp_path_factory.mktemp("view")
    steps = tuple(Step(i, "compression", p) for i, p in enumerate((0.0, 1.5, 3.0, 4.5, 6.0)))
    written = write_experiment(root / "experiment", replace(preset("inp-znse", seed=4), steps=steps))
    folder = written.experiment_toml.parent
    rows = (folder / "runsheet.csv").read_text().splitlines()
    keep = [r for r in rows[1:] if r.split(",")[2] in ("ruby", "pl", "absorption")]
    (folder / "runsheet.csv").write_text("\n".join([rows[0], *keep]) + "\n")
    shutil.rmtree(folder / "tem")
    head, sample = (folder / "experiment.toml").read_text().split("[sample]", 1)
    sample = re.sub(r'(?m)^name = .*$', 'name = "InP/ZnSe <b>run 7</b>"', sample, count=1)
    (folder / "experiment.toml").write_text(head + "[sample]" + sample)
    run_experiment(written.experiment_toml, root / "out", report=False)
    return root / "out"


def _listening(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net/tcp* writes them) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                found.append(local.rsplit(":", 1)[0])
    return found


@pytest.fixture(scope="module")
def server(out):
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen([sys.executable, "-m", "dackit", "view", str(out), "--no-browser"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), (url, proc.stderr.read() if proc.poll() is not None else "")
        yield proc, url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _get(port: int, raw_path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest("GET", raw_path, skip_accept_encoding=True)  # the path exactly as given
    conn.endheaders()
    resp = conn.getresponse()
    return resp.status, resp.read()


def test_listens_on_loopback_only(server):
    _, url = server
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    addresses = _listening(port)
    assert addresses, "nothing listens on the printed port"
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
    assert set(addresses) <= loopback, addresses


@pytest.mark.parametrize("path", ["/../../../../etc/passwd", "/static/../../../../../etc/passwd",
                                  "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                                  "/static/extensions/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
                                  "/results.json", "/?file=../../../../etc/passwd", "//etc/passwd"])
def test_paths_that_climb_out_return_nothing_of_the_disk(server, out, path):
    _, url = server
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    status, body = _get(port, path)
    assert b"root:" not in body
    assert (out / "results.json").read_bytes()[:200] not in body


def test_app_in_chromium_plots_name_and_live_update(server, out):
    chromium = find_chromium()
    if chromium is None:
        pytest.fail("no Chromium found: run `make browser` or set DACKIT_CHROMIUM")
    from playwright.sync_api import sync_playwright

    _, url = server
    before = json.loads((out / "results.json").read_text())
    pl = [r for r in before["pl"] if r["quality"] == "ok" and r["direction"] == "compression"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium,
                                    args=[*_FLAGS, "--disable-background-networking"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, timeout=180_000)
            page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 "
                                   "&& Bokeh.documents[0].roots().length > 0", timeout=180_000)
            page.wait_for_selector("text=InP/ZnSe <b>run 7</b>", timeout=60_000)  # escaped: shown as text
            figures = page.evaluate("() => [...Bokeh.documents[0].all_models]"
                                    ".filter(m => m.constructor.__name__ === 'Figure').length")
            assert figures >= 4
            # the measurement page: the first file's fit and its residual, drawn when opened
            page.click("text=Measurement")
            page.wait_for_function("() => [...Bokeh.documents[0].all_models].some(m => m.constructor.__name__ "
                                   "=== 'Figure' && m.title && m.title.text === 'residual')", timeout=120_000)
            # an exclusion written from outside the page (what its button does) shows up live
            exclude_and_rerun(out, pl[1]["file"], "test: exclude one PL point")
            page.wait_for_selector("text=1 excluded", timeout=120_000)
            assert not errors, errors
        finally:
            browser.close()
    after = json.loads((out / "results.json").read_text())
    assert after["pl_fit"]["n"] == before["pl_fit"]["n"] - 1
    assert after["exclusions"][0]["file"] == pl[1]["file"]


def test_other_hosts_need_the_token(out):
    from dackit.cli import main  # noqa: F401 - the command is importable without a server

    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen([sys.executable, "-m", "dackit", "view", str(out), "--no-browser", "--host", "127.0.0.2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.2:") and "?token=" in url, url
        port = int(url.split(":")[2].split("/")[0])
        deadline = time.time() + 120
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.2", port, timeout=120)
                conn.request("GET", "/")
                body = conn.getresponse().read()
                break
            except ConnectionRefusedError:
                assert time.time() < deadline
                time.sleep(0.5)
        assert b"InP/ZnSe" not in body
        chromium = find_chromium()
        if chromium is None:
            pytest.fail("no Chromium found: run `make browser` or set DACKIT_CHROMIUM")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=_FLAGS)
            try:
                page = browser.new_page()
                page.goto(url.split("?")[0] + "?token=wrong", timeout=180_000)
                page.wait_for_selector("text=needs the token", timeout=180_000)
                assert "InP/ZnSe" not in page.content()
                page.goto(url, timeout=180_000)
                page.wait_for_selector("text=InP/ZnSe <b>run 7</b>", timeout=180_000)
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_setting_from_the_app_goes_through_overrides_toml(out):
    from dackit.errors import ConfigError

    results = json.loads((out / "results.json").read_text())
    target = [r for r in results["pl"] if r["quality"] == "ok"][-1]["file"]
    summary = override_and_rerun(out, target, "n_peaks = 2", "trap emission")
    assert summary.computed == 1
    after = json.loads((out / "results.json").read_text())
    assert {o["file"]: o["settings"] for o in after["overrides"]}[target] == {"n_peaks": 2}
    experiment = Path(after["provenance"]["experiment"]).parent
    assert "n_peaks = 2" in (experiment / "overrides.toml").read_text()
    with pytest.raises(ConfigError, match=r"overrides\.toml.*n_peaks = 7.*between 1 and 4"):
        override_and_rerun(out, target, "n_peaks = 7")
    with pytest.raises(ConfigError, match="key = value"):
        override_and_rerun(out, target, "n_peaks two")
