"""The optional chime: off by default, once per turn to critical, rate-limited, quiet hours."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright

from tests.support.browser import launch, open_screen, own_contexts, wait_for
from tests.support.screen_wall import apply, main_readings, screen_config, screen_wall

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sound_chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    """Chromium as a kiosk runs it for the chime: sound allowed without a click."""
    browser = launch(playwright_driver, ("--autoplay-policy=no-user-gesture-required",))
    yield browser
    browser.close()


@pytest.fixture
def browser(sound_chromium: Browser) -> Iterator[Browser]:
    with own_contexts(sound_chromium) as browser:
        yield browser


CRIT = main_readings(0.09)
OK = main_readings(0.0042)


# The state of the chime's audio context, from the page's own chime module (the one its
# scripts import, not a copy).
AUDIO_STATE = """async () => {
  const entry = document.querySelector("script[type=module]").src;
  const { audioState } = await import(new URL("chime.js", entry).href);
  return audioState();
}"""


def hhmm(delta: timedelta) -> str:
    # The browser runs in UTC here (timezone_id="UTC"), so quiet hours are written in UTC.
    return (datetime.now(UTC) + delta).strftime("%H:%M")


def test_it_chimes_once_when_a_panel_turns_critical_then_holds_its_peace(
    browser: Browser, tmp_path: Path
) -> None:
    config = screen_config(tmp_path, screen='chime = true\nchime_min_interval = "1h"')
    with screen_wall(config) as live:
        apply(live, "main", OK)
        screen = open_screen(browser, f"{live.url}/teams/payments")
        page = screen.page
        assert screen.data("chimes") == ""  # the first snapshot is not news
        apply(live, "main", CRIT)
        wait_for(page, "() => document.body.dataset.chimes === '1'")
        deadline = time.monotonic() + 5
        while page.evaluate(AUDIO_STATE) != "running":  # evaluate awaits the import
            assert time.monotonic() < deadline, "the chime's audio never started"
            page.wait_for_timeout(50)
        apply(live, "main", OK)
        apply(live, "main", CRIT)  # critical again within chime_min_interval
        wait_for(page, "() => document.querySelector('[data-panel=\"error_rate\"].status-crit')")
        page.wait_for_timeout(300)
        assert screen.data("chimes") == "1"
        assert screen.errors == []
    page.context.close()


def test_it_stays_silent_by_default_and_in_quiet_hours(browser: Browser, tmp_path: Path) -> None:
    quiet = f'chime = true\nchime_quiet_from = "{hhmm(-timedelta(hours=1))}"\n'
    quiet += f'chime_quiet_until = "{hhmm(timedelta(hours=1))}"'
    for extra in ("", quiet):
        with screen_wall(screen_config(tmp_path, screen=extra)) as live:
            apply(live, "main", OK)
            context = browser.new_context(timezone_id="UTC")
            page = context.new_page()
            page.goto(f"{live.url}/teams/payments")
            wait_for(page, "() => document.body.dataset.connected === '1'")
            apply(live, "main", CRIT)
            wait_for(page, "() => document.querySelector('.panel.status-crit')")
            page.wait_for_timeout(300)
            assert page.evaluate("() => document.body.dataset.chimes") is None
            context.close()
