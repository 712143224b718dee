"""Real Chromium (Debian's), driven by Playwright, for the screen tests and screenshots."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A kiosk is never "in the background": keep timers at full speed in headless runs too.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    # The screens are one origin with no frames, so site isolation guards nothing here; off,
    # a page costs about 15 % less CPU (the suite is CPU-bound on 2 cores).
    "--disable-site-isolation-trials",
    "--disable-features=IsolateOrigins,site-per-process",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
CONNECTED = "() => document.body.dataset.connected === '1' && document.body.dataset.version"


def ensure_chromium() -> str:
    """The Chromium binary; installed with the repository's script when missing (no skip)."""
    if not Path(CHROMIUM).exists():
        subprocess.run([str(ROOT / "scripts" / "install-system-deps")], check=True)
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing and could not be installed")
    return CHROMIUM


_drivers: list[Playwright] = []  # the driver running in this process, if any


@contextmanager
def driver() -> Iterator[Playwright]:
    """Playwright's driver: the one already running in this process, else a new one.

    The sync API cannot run twice in one thread, and a test worker keeps one driver
    for its whole session (see tests/conftest.py); code that launches its own
    Chromium (the soak benchmark) shares it.
    """
    if _drivers:
        yield _drivers[-1]
        return
    with sync_playwright() as playwright:
        _drivers.append(playwright)
        try:
            yield playwright
        finally:
            _drivers.pop()


def launch(playwright: Playwright, extra_args: tuple[str, ...] = ()) -> Browser:
    """A real, headless Chromium (close it when done)."""
    return playwright.chromium.launch(
        executable_path=ensure_chromium(), args=[*ARGS, *extra_args], headless=True
    )


@contextmanager
def chromium(extra_args: tuple[str, ...] = ()) -> Iterator[Browser]:
    """A real, headless Chromium for as long as the block runs."""
    with driver() as playwright:
        browser = launch(playwright, extra_args)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def own_contexts(browser: Browser) -> Iterator[Browser]:
    """``browser`` for one test: every context the test opened is closed after it.

    A worker's Chromium outlives its tests, so pages left open would pile up in it.
    """
    try:
        yield browser
    finally:
        for context in list(browser.contexts):
            context.close()


@dataclass
class Screen:
    """A page showing a screen, with every console error and page error it produced."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).first.text_content() or "")

    def data(self, name: str) -> str:
        return str(self.page.evaluate("(n) => document.body.dataset[n] || ''", name))


def open_screen(
    browser: Browser, url: str, width: int = 1920, height: int = 1080, connected: bool = True
) -> Screen:
    """Open ``url`` in a fresh context; by default wait until its websocket said hello."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    screen = Screen(page)
    page.on("pageerror", lambda exc: screen.errors.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: screen.errors.append(msg.text) if msg.type in ("error", "warning") else None,
    )
    page.goto(url)
    if connected:
        wait_for(page, CONNECTED)
    return screen


def resize(page: Page, width: int, height: int) -> None:
    """The same page at another viewport, once its resize observers have laid it out again
    on the loaded fonts: a load costs about 2 CPU-seconds, a resize a layout."""
    page.set_viewport_size({"width": width, "height": height})
    settled(page)


def dom_metrics(page: Page) -> dict[str, float]:
    """CDP Performance.getMetrics after a forced garbage collection (exact figures)."""
    session = page.context.new_cdp_session(page)
    try:
        session.send("HeapProfiler.collectGarbage")
        session.send("Performance.enable")
        metrics: dict[str, Any] = session.send("Performance.getMetrics")
        return {m["name"]: m["value"] for m in metrics["metrics"]}
    finally:
        session.detach()


def settled_metrics(page: Page, samples: int = 3, pause_ms: int = 200) -> dict[str, float]:
    """The smallest of a few ``dom_metrics`` readings, each after its own GC.

    Blink sweeps dead nodes lazily, so one reading can count garbage that the next
    one no longer does; a leaked node is alive in every reading, so the minimum
    still shows it.
    """
    readings = []
    for _ in range(samples):
        readings.append(dom_metrics(page))
        page.wait_for_timeout(pause_ms)
    return {name: min(r[name] for r in readings) for name in readings[0]}


def wait_for(page: Page, expression: str, timeout: float = 20.0, arg: Any = None) -> Any:
    """Wait until a JS expression (a function of ``arg``) is truthy; its value.

    A condition, so the default costs nothing when it holds early: 10 s was too short
    for a team page of 8 panels to load and say hello in CI's full suite (2 cores, load
    average 30, where a page's load takes about 2 CPU-seconds).
    """
    handle = page.wait_for_function(expression, arg=arg, timeout=timeout * 1000, polling=20)
    try:
        return handle.json_value()
    finally:
        handle.dispose()  # a kept handle would count against the page's heap in soak tests


SETTLED = """async () => {
  await document.fonts.ready;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""


def settled(page: Page) -> None:
    """Wait until the page's fonts are loaded and two frames have been drawn since: the
    layout's ResizeObserver plans (fit-panels.js, wall.js) have run on the final glyphs."""
    page.evaluate(SETTLED)
