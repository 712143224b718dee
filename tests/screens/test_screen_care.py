"""Looking after a TV: burn-in drift, night dimming and the daily soft reload."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import open_screen, wait_for
from tests.support.screen_wall import apply, main_readings, screen_config, screen_wall

pytestmark = pytest.mark.browser

# The stage's next position, as the screen set it: "translate(3px, -2px)".
MOVED = (
    "(p) => { const t = document.getElementById('stage').style.transform; return t !== p && t; }"
)
CRIT = main_readings(0.09)
OK = main_readings(0.0042)


def hhmm(delta: timedelta) -> str:
    # The browser runs in UTC here (timezone_id below), so the schedule is written in UTC.
    return (datetime.now(UTC) + delta).strftime("%H:%M")


def test_it_drifts_the_screen_by_a_few_pixels(browser: Browser, tmp_path: Path) -> None:
    config = screen_config(tmp_path, screen='drift_every = "1s"\ndrift_pixels = 6')
    with screen_wall(config) as live:
        screen = open_screen(browser, f"{live.url}/teams/payments")
        page = screen.page
        moves = []
        for _ in range(3):
            previous = moves[-1] if moves else ""
            # A 1 s drift: the bound is for a starved host (it timed out at 3 s once, in parallel).
            moves.append(wait_for(page, MOVED, arg=previous, timeout=10))
        shifts = [[float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", m)] for m in moves]
        assert all(len(s) == 2 and all(abs(v) <= 6 for v in s) for s in shifts), moves
        assert len({tuple(s) for s in shifts}) > 1  # it really moves
        size = "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        assert page.evaluate(size) == [1920, 1080]  # and never makes the page scroll
    page.context.close()


def test_it_dims_at_night_but_never_hides_a_critical_team(browser: Browser, tmp_path: Path) -> None:
    night = f'dim_from = "{hhmm(-timedelta(hours=1))}"\ndim_until = "{hhmm(timedelta(hours=1))}"'
    with screen_wall(screen_config(tmp_path, screen=night + "\ndim_brightness = 0.3")) as live:
        apply(live, "main", OK)
        context = browser.new_context(timezone_id="UTC")
        page = context.new_page()
        page.goto(f"{live.url}/teams/payments")
        wait_for(page, "() => document.body.classList.contains('dimmed')")
        filtered = "() => getComputedStyle(document.getElementById('stage')).filter"
        wait_for(page, f"() => ({filtered})() === 'brightness(0.3)'", timeout=5)  # fades in 3 s
        apply(live, "main", CRIT)
        wait_for(page, "() => !document.body.classList.contains('dimmed')", timeout=3)
        assert "status-crit" in (page.get_attribute("body", "class") or "")
        context.close()


def test_it_keeps_the_day_bright(browser: Browser, tmp_path: Path) -> None:
    later = f'dim_from = "{hhmm(timedelta(hours=2))}"\ndim_until = "{hhmm(timedelta(hours=3))}"'
    with screen_wall(screen_config(tmp_path, screen=later)) as live:
        context = browser.new_context(timezone_id="UTC")
        page = context.new_page()
        page.goto(f"{live.url}/teams/payments")
        wait_for(page, "() => document.body.dataset.connected === '1'")
        page.wait_for_timeout(1100)  # a tick has run
        assert not page.evaluate("() => document.body.classList.contains('dimmed')")
        context.close()


def open_at(browser: Browser, url: str, when: datetime) -> Page:
    """A page whose clock starts at ``when`` (UTC) and moves only when the test says so."""
    page = browser.new_context(timezone_id="UTC").new_page()
    page.clock.install(time=when)
    page.goto(url)
    wait_for(page, "() => document.body.dataset.connected === '1'")
    page.evaluate("() => { window.__samePage = true; }")
    return page


RELOADS = "() => JSON.parse(sessionStorage.getItem('wb-reloads') || '[]').map((r) => r.why)"
BEFORE_SOFT_RELOAD = datetime(2026, 11, 26, 3, 28, tzinfo=UTC)  # soft_reload_at is 03:30


def test_it_reloads_itself_daily_at_the_configured_time(browser: Browser, tmp_path: Path) -> None:
    with screen_wall(screen_config(tmp_path, screen='soft_reload_at = "03:30"')) as live:
        page = open_at(browser, f"{live.url}/teams/payments", BEFORE_SOFT_RELOAD)
        page.clock.fast_forward("05:00")  # past 03:30 and its two minutes of jitter
        wait_for(page, "() => window.__samePage === undefined && document.body.dataset.connected")
        assert page.evaluate(RELOADS) == ["scheduled"]
        page.context.close()


def test_it_never_reloads_into_an_error_page_while_the_server_is_down(
    browser: Browser, tmp_path: Path
) -> None:
    with screen_wall(screen_config(tmp_path, screen='soft_reload_at = "03:30"')) as live:
        page = open_at(browser, f"{live.url}/teams/payments", BEFORE_SOFT_RELOAD)
    wait_for(page, "() => !document.getElementById('banner').hidden")
    page.clock.fast_forward("05:00")
    page.wait_for_timeout(1500)  # the reload check runs, its probe fails
    assert page.evaluate("() => window.__samePage") is True
    assert page.evaluate(RELOADS) == []
    assert "Disconnected" in (page.text_content("#banner") or "")
    page.context.close()


def test_it_reads_schedules_that_cross_midnight(browser: Browser, tmp_path: Path) -> None:
    with screen_wall(screen_config(tmp_path)) as live:
        screen = open_screen(browser, f"{live.url}/teams/payments")
        # The page's own settings module (the one its scripts import), not a copy.
        within = """async ([a, b, h, m]) => {
          const entry = document.querySelector("script[type=module]").src;
          const { within } = await import(new URL("settings.js", entry).href);
          return within(a, b, new Date(2026, 0, 1, h, m));
        }"""
        cases = {
            ("22:00", "06:00", 23, 0): True,
            ("22:00", "06:00", 5, 59): True,
            ("22:00", "06:00", 6, 0): False,
            ("22:00", "06:00", 12, 0): False,
            ("09:00", "17:30", 17, 29): True,
            ("09:00", "17:30", 8, 59): False,
        }
        for case, expected in cases.items():
            assert screen.page.evaluate(within, list(case)) is expected, case
        screen.page.context.close()
