"""Open an HTML file in headless Chromium and report what went wrong: console errors, broken images.

Issue 7 asks that ``report.html`` render in a real browser with no console errors and with every
figure. This module checks exactly that, through the Chrome DevTools Protocol (CDP). It talks CDP
over ``--remote-debugging-pipe`` (commands on the browser's fd 3, replies on its fd 4, each JSON
message ended by a NUL byte), which needs neither a websocket library nor a free TCP port; the
standard library has no websocket client, so this small client is written by hand.

What counts as an error:

* ``Runtime.exceptionThrown`` — an uncaught JavaScript exception;
* ``Runtime.consoleAPICalled`` of type ``error`` or ``assert`` — ``console.error(...)``;
* ``Log.entryAdded`` of level ``error`` — what the browser itself logs: a resource that failed to
  load, a Content-Security-Policy violation, ...;
* an ``<img>`` whose ``naturalWidth`` is 0 after the load event (missing or undecodable image);
* a request to anything but ``file:``, ``data:`` or ``about:`` (the report must need no network).

>>> check = check_in_browser("report.html")          # doctest: +SKIP
>>> check.ok, check.n_images                         # doctest: +SKIP
(True, 7)
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from dackit.errors import DackitError, InputError

#: Executable names tried in order when ``DACKIT_CHROMIUM`` is not set.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

# Flags for a quiet, offline, throw-away browser: root needs --no-sandbox; containers often have
# a tiny /dev/shm; the background services would otherwise try to reach the network.
_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-extensions", "--disable-default-apps", "--disable-quic",
    "--mute-audio", "--remote-debugging-pipe",
)

# Moves the pipe ends onto fds 3 and 4 and becomes the browser. Done in a separate interpreter
# because subprocess closes every fd not in pass_fds *after* preexec_fn, and /bin/sh (dash)
# cannot redirect fds above 9.
_TRAMPOLINE = ("import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
               "os.execv(sys.argv[3], sys.argv[3:])")

_IMAGES_JS = ("JSON.stringify(Array.from(document.images).map("
              "i => [i.currentSrc || i.src, i.complete, i.naturalWidth, i.naturalHeight]))")

_LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome:", "devtools:")


@dataclass(frozen=True)
class BrowserCheck:
    """What headless Chromium saw while loading one page.

    ``errors`` are console errors, uncaught exceptions and failed loads, as text; ``broken_images``
    the ``src`` (cut to 100 characters) of every ``<img>`` that did not decode; ``external_requests``
    every URL fetched over the network.
    """

    url: str
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    n_images: int
    broken_images: tuple[str, ...]
    external_requests: tuple[str, ...]
    browser: str

    @property
    def ok(self) -> bool:
        return not (self.errors or self.broken_images or self.external_requests)

    def summary(self) -> str:
        """Multi-line account of the problems, for an assertion message or a log."""
        lines = [f"{self.url}: {self.n_images} image(s); "
                 + ("no problem" if self.ok else "problems found")]
        lines += [f"  console error: {e}" for e in self.errors]
        lines += [f"  broken image: {s}" for s in self.broken_images]
        lines += [f"  network request: {u}" for u in self.external_requests]
        return "\n".join(lines)


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable: ``$DACKIT_CHROMIUM`` if set, else the first on PATH."""
    env = os.environ.get("DACKIT_CHROMIUM")
    if env:
        return shutil.which(env)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _kill(proc) -> None:
    """Kill the browser and its renderer processes (its own process group), and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


class _Pipe:
    """A CDP connection over the two pipes of a browser process."""

    def __init__(self, proc, log, write_fd: int, read_fd: int, deadline: float):
        self.proc, self.log, self.write_fd, self.read_fd = proc, log, write_fd, read_fd
        self.deadline = deadline
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []

    def _fail(self, what: str) -> DackitError:
        _kill(self.proc)
        self.log.seek(0)
        stderr = self.log.read().decode(errors="replace")[-1500:]
        return DackitError(f"headless Chromium {what}; its last output:\n{stderr}")

    def receive(self) -> dict:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise self._fail("did not answer in time")
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if ready:
                chunk = os.read(self.read_fd, 1 << 16)
                if not chunk:
                    raise self._fail("exited unexpectedly")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise self._fail("closed its command pipe") from None
        while True:
            reply = self.receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise DackitError(f"headless Chromium refused {method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str) -> dict:
        def wanted(event):
            return event.get("method") == method and event.get("sessionId") == session

        for event in self.events:
            if wanted(event):
                return event
        while True:
            event = self.receive()
            self.events.append(event)
            if wanted(event):
                return event


def _exception_text(details: dict) -> str:
    exc = details.get("exception") or {}
    text = exc.get("description") or details.get("text", "exception")
    return f"{text} ({details.get('url', '')}:{details.get('lineNumber', 0) + 1})"


def _console_text(params: dict) -> str:
    parts = [str(a.get("value", a.get("description", a.get("type")))) for a in params.get("args", [])]
    return "console." + params.get("type", "error") + ": " + " ".join(parts)


def check_in_browser(path, *, browser: str | None = None, timeout_s: float = 60.0) -> BrowserCheck:
    """Load the HTML file ``path`` in headless Chromium and collect its errors and broken images.

    ``browser`` is the executable (default :func:`find_chromium`). Raises :class:`DackitError`
    when no browser is found or it does not answer within ``timeout_s`` seconds, and
    :class:`InputError` when ``path`` is not a file.
    """
    return check_pages([path], browser=browser, timeout_s=timeout_s)[0]


def check_pages(paths, *, browser: str | None = None, timeout_s: float = 60.0) -> list[BrowserCheck]:
    """:func:`check_in_browser` for several files, each in its own tab of one browser (one start-up,
    the slow part, instead of one per page). ``timeout_s`` bounds the whole run."""
    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: no such HTML file to open in the browser")
    exe = browser or find_chromium()
    if exe is None:
        raise DackitError("no Chromium found (tried $DACKIT_CHROMIUM and " + ", ".join(CHROMIUM_NAMES)
                          + "): install it, e.g. `apt-get install chromium`, or set DACKIT_CHROMIUM")
    exe = shutil.which(exe) or exe
    cmd_read, cmd_write = os.pipe()
    out_read, out_write = os.pipe()
    profile = tempfile.mkdtemp(prefix="dackit-chromium-")
    # A file, not a pipe, for the browser's chatter: an unread pipe that fills up would block it.
    log = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, str(cmd_read), str(out_write), exe, *_FLAGS,
             f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(cmd_read, out_write), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=log, start_new_session=True)
    except OSError as exc:
        for fd in (cmd_read, cmd_write, out_read, out_write):
            os.close(fd)
        log.close()
        shutil.rmtree(profile, ignore_errors=True)
        raise DackitError(f"cannot start {exe}: {exc}") from None
    os.close(cmd_read)
    os.close(out_write)
    cdp = _Pipe(proc, log, cmd_write, out_read, time.monotonic() + timeout_s)
    checks = []
    try:
        for path in paths:
            checks.append(_check_one(cdp, path.resolve().as_uri(), exe))
        try:
            cdp.call("Browser.close")
        except DackitError:
            pass  # it may close the pipe before answering; it is waited for (or killed) below
    finally:
        os.close(cmd_write)
        os.close(out_read)
        if proc.poll() is None:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _kill(proc)
        log.close()
        shutil.rmtree(profile, ignore_errors=True)
    return checks


def _check_one(cdp: _Pipe, url: str, exe: str) -> BrowserCheck:
    """Open ``url`` in a new tab, wait for its load event, read its images, close the tab."""
    target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Runtime", "Log", "Page", "Network"):
        cdp.call(f"{domain}.enable", session=session)
    cdp.call("Page.navigate", {"url": url}, session=session)
    cdp.wait_event("Page.loadEventFired", session)
    images = json.loads(cdp.call("Runtime.evaluate", {"expression": _IMAGES_JS, "returnByValue": True},
                                 session=session)["result"]["value"])
    cdp.call("Target.closeTarget", {"targetId": target})

    errors, warnings, external = [], [], []
    for event in cdp.events:
        if event.get("sessionId") != session:
            continue
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            errors.append(_exception_text(params.get("exceptionDetails", {})))
        elif method == "Runtime.consoleAPICalled":
            if params.get("type") in ("error", "assert"):
                errors.append(_console_text(params))
            elif params.get("type") == "warning":
                warnings.append(_console_text(params))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            text = f"{entry.get('text', '')} ({entry.get('url', '')})".strip()
            if entry.get("level") == "error":
                errors.append(text)
            elif entry.get("level") == "warning":
                warnings.append(text)
        elif method == "Network.requestWillBeSent":
            req_url = params.get("request", {}).get("url", "")
            if not req_url.startswith(_LOCAL_SCHEMES):
                external.append(req_url)
    broken = tuple(src[:100] for src, complete, width, _height in images if not (complete and width > 0))
    return BrowserCheck(url=url, errors=tuple(errors), warnings=tuple(warnings), n_images=len(images),
                        broken_images=broken, external_requests=tuple(external), browser=exe)
