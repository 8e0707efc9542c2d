"""Open an HTML file in headless Chromium and report what went wrong: console errors, broken images.

Issue 7 asks that ``report.html`` render in a real browser with no console errors and with every
figure. This test helper checks exactly that through Playwright (a kept library, Apache-2.0),
driving the system's Chromium (``$DACKIT_CHROMIUM`` or the first of :data:`CHROMIUM_NAMES` on
PATH), so no browser is downloaded.

What counts as an error:

* an uncaught JavaScript exception (``pageerror``);
* ``console.error(...)``/``console.assert`` and what the browser itself logs as an error (a
  resource that failed to load, a Content-Security-Policy violation, ...);
* an ``<img>`` whose ``naturalWidth`` is 0 after the load event (missing or undecodable image);
* a request to anything but ``file:``, ``data:`` or ``about:`` (the report must need no network):
  such requests are recorded and aborted, so the check itself never goes on the network.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from dackit.errors import DackitError, InputError

#: Executable names tried in order when ``DACKIT_CHROMIUM`` is not set.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

# root needs --no-sandbox; containers often have a tiny /dev/shm
_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]

_IMAGES_JS = ("Array.from(document.images).map("
              "i => [i.currentSrc || i.src, i.complete, i.naturalWidth, i.naturalHeight])")

_LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome:", "devtools:")


@dataclass(frozen=True)
class BrowserCheck:
    """What headless Chromium saw while loading one page.

    ``errors`` are console errors, uncaught exceptions and failed loads, as text; ``broken_images``
    the ``src`` (cut to 100 characters) of every ``<img>`` that did not decode; ``external_requests``
    every URL the page tried to fetch over the network.
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


def check_in_browser(path, *, browser: str | None = None, timeout_s: float = 60.0) -> BrowserCheck:
    """Load the HTML file ``path`` in headless Chromium and collect its errors and broken images.

    ``browser`` is the executable (default :func:`find_chromium`). Raises :class:`DackitError`
    when no browser is found or it does not answer within ``timeout_s`` seconds, and
    :class:`InputError` when ``path`` is not a file.
    """
    return check_pages([path], browser=browser, timeout_s=timeout_s)[0]


def check_pages(paths, *, browser: str | None = None, timeout_s: float = 60.0) -> list[BrowserCheck]:
    """:func:`check_in_browser` for several files, each in its own page of one browser (one start-up,
    the slow part, instead of one per file). ``timeout_s`` bounds each page's load."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: no such HTML file to open in the browser")
    exe = browser or find_chromium()
    if exe is None:
        raise DackitError("no Chromium found (tried $DACKIT_CHROMIUM and " + ", ".join(CHROMIUM_NAMES)
                          + "): install it, e.g. `apt-get install chromium`, or set DACKIT_CHROMIUM")
    exe = shutil.which(exe) or exe
    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(executable_path=exe, args=_FLAGS, timeout=timeout_s * 1000)
        except PlaywrightError as exc:
            raise DackitError(f"cannot start headless Chromium {exe}: {str(exc)[:1500]}") from None
        try:
            return [_check_one(chromium, path.resolve().as_uri(), exe, timeout_s, PlaywrightTimeout)
                    for path in paths]
        finally:
            chromium.close()


def _check_one(chromium, url: str, exe: str, timeout_s: float, timeout_error) -> BrowserCheck:
    """Open ``url`` in a new page, wait for its load event, read its images, close the page."""
    errors: list[str] = []
    warnings: list[str] = []
    external: list[str] = []
    page = chromium.new_page()

    def on_request(route):
        external.append(route.request.url)
        route.abort()

    def on_console(msg):
        text = f"console.{msg.type}: {msg.text}"
        if msg.type in ("error", "assert"):
            errors.append(text)
        elif msg.type == "warning":
            warnings.append(text)

    page.route(lambda u: not u.startswith(_LOCAL_SCHEMES), on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"{exc.name}: {exc.message}"))
    try:
        page.goto(url, wait_until="load", timeout=timeout_s * 1000)
    except timeout_error:
        raise DackitError(f"headless Chromium did not answer in time ({timeout_s:g} s) loading {url}") from None
    images = page.evaluate(_IMAGES_JS)
    page.close()
    broken = tuple(src[:100] for src, complete, width, _height in images if not (complete and width > 0))
    return BrowserCheck(url=url, errors=tuple(errors), warnings=tuple(warnings), n_images=len(images),
                        broken_images=broken, external_requests=tuple(external), browser=exe)
