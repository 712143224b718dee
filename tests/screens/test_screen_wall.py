"""/wall: every team on one screen, the worst first, with the sources' own problems below."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from collectors.base import Collection, Reading
from collectors.errors import CollectorError
from tests.support.browser import open_screen, wait_for
from tests.support.screen_wall import apply, main_readings, screen_config, screen_wall

pytestmark = pytest.mark.browser

ORDER = "() => Array.from(document.querySelectorAll('.tile')).map((t) => t.dataset.team)"
UNLABELLED = "2 firing alerts have no team label"


def test_it_puts_the_worst_team_first_and_reorders_live(browser: Browser, tmp_path: Path) -> None:
    with screen_wall(screen_config(tmp_path)) as live:
        readings = main_readings(0.0042)
        readings[("search", "error_rate")] = Reading(value=0.09)  # crit
        readings[("checkout", "error_rate")] = Reading(value=0.02)  # warn
        apply(live, "main", readings)
        apply(live, "other", {("payments", "latency"): Reading(value=0.1)})
        screen = open_screen(browser, f"{live.url}/wall")
        page = screen.page
        # Payments is ok, Search crit, Checkout warn.
        assert page.evaluate(ORDER) == ["search", "checkout", "payments"]
        search = page.locator('[data-team="search"]')
        assert "status-crit" in (search.get_attribute("class") or "")
        assert search.locator(".tile-name").text_content() == "Search"
        assert search.locator('[data-panel="error_rate"] .row-value').text_content() == "9.00 %"

        # Payments loses a service: it goes crit too and moves ahead of Checkout, and ahead
        # of Search, which is as bad: ties keep config order, as on a fresh load and in the
        # API and Slack (the page sorts by the rank the server sends).
        readings[("payments", "services")] = main_readings(0.0042, up=3, down=("db",))[
            ("payments", "services")
        ]
        apply(live, "main", readings)
        wait_for(page, f"() => ({ORDER})()[0] === 'payments'")
        assert page.evaluate(ORDER) == ["payments", "search", "checkout"]
        assert screen.text(".team-status .status-text") == "crit"
        fresh = open_screen(browser, f"{live.url}/wall").page
        assert fresh.evaluate(ORDER) == page.evaluate(ORDER)
        fresh.context.close()
    page.context.close()


def test_it_shows_source_failures_and_warnings_in_the_footer(
    browser: Browser, tmp_path: Path
) -> None:
    with screen_wall(screen_config(tmp_path)) as live:
        apply(live, "main", main_readings(0.0042))
        apply(live, "other", {("payments", "latency"): Reading(value=0.1)})
        screen = open_screen(browser, f"{live.url}/wall")
        page = screen.page
        assert screen.text("#sources").strip() == "✔ all 2 sources collecting"
        live.wall.board.apply(
            "main", Collection(readings=main_readings(0.0042), warnings=[UNLABELLED])
        )
        live.wall.board.fail("other", CollectorError("bad token (HTTP 401)", retryable=False))
        wait_for(
            page,
            "(w) => document.getElementById('sources').textContent.includes(w)",
            arg=UNLABELLED,
            timeout=4,  # refreshed within 2 s of the news
        )
        foot = screen.text("#sources")
        assert "✖ other: bad token (HTTP 401)" in foot
        assert f"▲ main: {UNLABELLED}" in foot
        # The failing source's panel says so on its tile as well.
        row = page.locator('[data-team="payments"] [data-panel="latency"]')
        assert "has-error" in (row.get_attribute("class") or "")
        assert row.locator(".row-flag").text_content() == "⚠ bad token (HTTP 401)"
    page.context.close()
