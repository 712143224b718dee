"""The fleet view on real Chromium: reports, page errors, commands, offline, hostile text."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page

from tests.devices.support import ADMIN, ENV, admin, config
from tests.support.api_client import fetch
from tests.support.browser import CONNECTED, open_screen, wait_for
from tests.support.live import LiveSpec, LiveWall

pytestmark = pytest.mark.browser

HOSTILE_NAME = "<img src=x onerror=window.__xss=1>"
HOSTILE_ERROR = "<img src=x onerror=window.__xss=2>"


@pytest.fixture
def live_spec(tmp_path: Path) -> LiveSpec:
    # Open access, as today: any browser shows its page; the fleet view still needs an admin.
    return LiveSpec(config(tmp_path, access="open"), env=ENV, schedule=True)


def row_named(live: LiveWall, name: str, condition: Any = None, timeout: float = 8.0) -> Any:
    """The fleet API's row of a screen, once ``condition(row)`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        rows = [r for r in admin(live.url, "").json()["screens"] if r["name"] == name]
        if rows and (condition is None or condition(rows[0])):
            return rows[0]
        assert time.monotonic() < deadline, rows
        time.sleep(0.1)


def sign_in(browser: Browser, live: LiveWall) -> Page:
    page = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    page.goto(f"{live.url}/screens")
    page.fill("#token", ADMIN)
    page.click("button[type=submit]")
    wait_for(page, "() => Number(document.body.dataset.loaded) > 0")
    return page


def test_open_screens_report_and_page_errors_reach_the_fleet_view(
    browser: Browser, live: LiveWall
) -> None:
    tv = open_screen(browser, f"{live.url}/teams/payments?screen=lobby&scale=1.5", 1280, 720)
    row = row_named(live, "lobby", lambda r: r["dom_nodes"])
    assert row["paired"] is False and row["status"] == "online"
    assert row["page"] == "/teams/payments?screen=lobby&scale=1.5"
    assert row["teams"] == ["payments"]
    assert row["viewport"] == [1280, 720] and row["scale"] == 1.5
    assert row["build"] == "test-build" and row["old_build"] is False
    assert row["heap_bytes"] > 100_000 and row["dom_nodes"] > 20
    assert row["address"] == "127.0.0.1" and row["connected_at"]
    assert row["last_pong_age"] is not None and row["behind_bytes"] == 0

    tv.page.evaluate("setTimeout(() => { throw new Error('boom-from-the-page') }, 0)")
    tv.page.evaluate("() => { Promise.reject(new Error('rejected-in-the-page')); }")
    row = row_named(live, "lobby", lambda r: len(r["errors"]) >= 2)
    texts = [(e["kind"], e["message"]) for e in row["errors"]]
    assert any(k == "error" and "boom-from-the-page" in m for k, m in texts)
    assert ("unhandledrejection", "rejected-in-the-page") in texts

    fleet = sign_in(browser, live)
    wait_for(fleet, "() => document.body.textContent.includes('boom-from-the-page')")
    line = fleet.locator("tr", has_text="lobby")
    assert "unpaired" in line.inner_text()


def test_identify_reload_and_move_are_seen_on_the_tv(browser: Browser, live: LiveWall) -> None:
    tv = open_screen(browser, f"{live.url}/teams/payments?screen=hall")
    screen_id = row_named(live, "hall", lambda r: r["status"] == "online")["id"]
    assert admin(live.url, f"/{screen_id}/identify", {}).status == 200
    wait_for(
        tv.page,
        "() => { const o = document.getElementById('identify'); "
        "return o && !o.hidden && o.textContent === 'hall'; }",
    )
    box = tv.page.locator("#identify").bounding_box()
    assert box is not None and box["width"] == 1920 and box["height"] == 1080
    wait_for(tv.page, "() => document.getElementById('identify').hidden", timeout=15)

    tv.page.evaluate("window.__before_reload = 1")
    assert admin(live.url, f"/{screen_id}/reload", {}).status == 200
    wait_for(
        tv.page,
        "() => window.__before_reload === undefined && document.body.dataset.connected === '1'",
    )

    moved = admin(live.url, f"/{screen_id}/move", {"page": "/teams/search"})
    assert moved.status == 200 and moved.json()["sockets"] == 1
    wait_for(
        tv.page,
        "() => location.pathname === '/teams/search' && document.body.dataset.team === 'search'",
    )
    assert "screen=hall" in tv.page.url
    assert admin(live.url, f"/{screen_id}/move", {"page": "//evil.example/"}).status == 400
    assert admin(live.url, f"/{screen_id}/revoke", {}).status == 409  # open: nothing to revoke


def test_a_closed_page_goes_offline_after_three_heartbeats_and_the_wall_counts_it(
    browser: Browser, live: LiveWall
) -> None:
    tv = open_screen(browser, f"{live.url}/teams/search?screen=stairs")
    # An anonymous tab (a laptop's, no ?screen=): listed, but its closing is no TV going dark.
    laptop = open_screen(browser, f"{live.url}/teams/payments")
    row_named(live, "stairs", lambda r: r["status"] == "online")
    row_named(live, "", lambda r: r["status"] == "online")
    assert "offline" not in fetch(f"{live.url}/wall").body.decode()
    closed = time.monotonic()
    tv.page.context.close()
    laptop.page.context.close()
    row = row_named(live, "stairs", lambda r: r["status"] == "offline", timeout=10)
    row_named(live, "", lambda r: r["status"] == "offline", timeout=10)
    waited = time.monotonic() - closed
    heartbeat = live.wall.config.wall.heartbeat
    assert waited >= heartbeat * 2  # not at once: a blip is not "offline"
    assert row["connected_at"] is None
    wall = open_screen(browser, f"{live.url}/wall")
    assert "1 screen offline" in wall.text("#sources")
    metrics = fetch(f"{live.url}/metrics").body.decode()
    assert "wallboard_screens_offline 1.0" in metrics
    assert fetch(f"{live.url}/wall/sources").json()["offline_screens"] == 1
    assert admin(live.url, "").json()["offline"] == 1


def test_a_hostile_name_and_page_error_are_inert_on_the_fleet_view(
    browser: Browser, live: LiveWall
) -> None:
    tv = open_screen(browser, f"{live.url}/teams/payments?screen={quote(HOSTILE_NAME)}")
    tv.page.evaluate("(m) => setTimeout(() => { throw new Error(m) }, 0)", HOSTILE_ERROR)
    row_named(live, HOSTILE_NAME, lambda r: r["errors"])
    fleet = sign_in(browser, live)
    wait_for(fleet, "(m) => document.body.textContent.includes(m)", arg=HOSTILE_ERROR)
    assert fleet.locator("#fleet-rows td.screen-name", has_text=HOSTILE_NAME).count() == 1
    assert fleet.locator("#fleet-rows img").count() == 0
    assert fleet.evaluate("window.__xss") is None
    # The TV's identify overlay shows the name as text too.
    screen_id = row_named(live, HOSTILE_NAME)["id"]
    admin(live.url, f"/{screen_id}/identify", {})
    wait_for(
        tv.page, "(n) => document.getElementById('identify')?.textContent === n", arg=HOSTILE_NAME
    )
    assert tv.page.evaluate("window.__xss") is None


def test_with_open_access_screens_work_as_today(browser: Browser, live: LiveWall) -> None:
    tv = open_screen(browser, f"{live.url}/teams/payments")
    wait_for(tv.page, CONNECTED)
    assert "Payments" in tv.text(".team-name")
    assert not tv.errors
    assert tv.page.context.cookies() == []  # no cookie of any kind for an open screen
    assert fetch(f"{live.url}/wall/sources").status == 200
