"""Stale and source-error panels look different from each other and from healthy ones."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from collectors.base import Reading
from collectors.errors import CollectorError
from tests.support.browser import open_screen, wait_for
from tests.support.screen_wall import apply, main_readings, screen_config, screen_wall

pytestmark = pytest.mark.browser

STALE_AFTER = 1.0  # the "main" source's stale_after in this module's config


def classes(page: object, selector: str) -> set[str]:
    return set((page.get_attribute(selector, "class") or "").split())  # type: ignore[attr-defined]


def test_it_marks_stale_and_failing_panels_each_in_its_own_way(
    browser: Browser, tmp_path: Path
) -> None:
    with screen_wall(screen_config(tmp_path, stale_after=f"{STALE_AFTER:g}s")) as live:
        apply(live, "main", main_readings(0.0042))
        apply(live, "other", {("payments", "latency"): Reading(value=0.245)})
        screen = open_screen(browser, f"{live.url}/teams/payments")
        page = screen.page
        assert "is-stale" not in classes(page, '[data-panel="error_rate"]')

        # "main" has not succeeded for longer than its stale_after; "other" fails.
        time.sleep(STALE_AFTER + 0.2)
        apply(live, "other", {("payments", "latency"): Reading(value=0.245)})
        live.wall.board.fail("other", CollectorError("upstream answered HTTP 503"))
        live.wall.board.sweep()
        wait_for(page, "() => document.querySelector('[data-panel=\"error_rate\"].is-stale')")
        wait_for(page, "() => document.querySelector('[data-panel=\"latency\"].has-error')")

        stale = '[data-panel="error_rate"]'
        assert classes(page, stale) >= {"is-stale", "status-unknown"}  # never green when unsure
        assert "STALE" in screen.text(f"{stale} .stale-badge")
        assert screen.text(f"{stale} .value") == "0.42 %"  # the value stays, greyed and hatched
        hatch = page.evaluate(
            "(s) => getComputedStyle(document.querySelector(s + ' .panel-value')).backgroundImage",
            stale,
        )
        assert "repeating-linear-gradient" in hatch
        assert re.match(r"updated \d+ s ago", screen.text(f"{stale} .updated"))
        assert page.locator(f"{stale} .error-badge").count() == 0

        failing = '[data-panel="latency"]'
        assert "has-error" in classes(page, failing)
        assert "is-stale" not in classes(page, failing)
        assert (
            screen.text(f"{failing} .error-badge") == "⚠ source error: upstream answered HTTP 503"
        )
        assert screen.text(f"{failing} .value") == "245 ms"  # last good value kept
        assert screen.text(f"{failing} .updated").startswith("last good value, updated ")
        assert page.locator(f"{failing} .stale-badge").count() == 0

        # The age keeps counting on the screen without any message from the server.
        first = screen.text(f"{stale} .updated")
        wait_for(
            page,
            "([s, t]) => document.querySelector(s).textContent !== t",
            arg=[f"{stale} .updated", first],
            timeout=3,
        )
    page.context.close()


def test_it_clears_the_markers_when_the_sources_recover(browser: Browser, tmp_path: Path) -> None:
    with screen_wall(screen_config(tmp_path)) as live:
        live.wall.board.fail("main", CollectorError("timeout after 10 s"))
        screen = open_screen(browser, f"{live.url}/teams/search")
        page = screen.page
        assert screen.text('[data-panel="error_rate"] .error-badge').endswith("timeout after 10 s")
        # The badge says it all: no "waiting for data" beside it (the demo marker stays).
        assert screen.text('[data-panel="error_rate"] .updated').strip() == "· demo data"
        apply(live, "main", main_readings(0.0042))
        wait_for(page, "() => !document.querySelector('.has-error')")
        assert screen.text('[data-panel="error_rate"] .value') == "0.42 %"
        assert page.locator(".error-badge").count() == 0
    page.context.close()
