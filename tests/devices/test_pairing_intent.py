"""Pairing keeps intent: the page a TV was opened at is its approval's default target, and
the fleet view offers every team, room, /wall and rotation; without an admin token,
/screens says how to get one instead of a sign-in that cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.devices.support import ADMIN, ENV, config, shown_code
from tests.support.api_client import fetch
from tests.support.browser import CONNECTED, wait_for
from tests.support.live import LiveSpec, LiveWall, demo_config, serve_wall, write_config
from wallboard.devices.scope import ALL, page_teams

pytestmark = pytest.mark.browser

ROOM = '\n[rooms.window]\ntitle = "By the window"\nteams = ["payments", "search"]\n'


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    path = config(tmp_path_factory.mktemp("intent"))
    path.write_text(path.read_text() + ROOM)
    return LiveSpec(path, env=ENV, shared=True)


def test_a_tv_opened_at_a_team_and_approved_with_the_defaults_lands_there(
    browser: Browser, live: LiveWall
) -> None:
    tv = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    tv.goto(f"{live.url}/teams/search?scale=1.5")
    code = shown_code(tv)
    approval = tv.get_attribute(".pairing-qr", "data-approval") or ""
    # The page it was opened at, its ?scale= too: a big room's TV keeps its larger text.
    assert approval.endswith("&page=%2Fteams%2Fsearch%3Fscale%3D1.5"), approval
    # The person scans the QR, signs in, types a name and presses Approve: nothing else.
    fleet = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    fleet.goto(approval)
    fleet.fill("#token", ADMIN)
    fleet.click("button[type=submit]")
    wait_for(fleet, "() => Number(document.body.dataset.loaded) > 0")
    assert fleet.input_value("#approve input[name=code]") == code
    offered = fleet.eval_on_selector_all(
        "#approve select[name=page] option", "(os) => os.map((o) => o.value)"
    )
    assert offered == [
        "/wall",
        "/rotate",
        "/rooms/window",
        "/teams/payments",
        "/teams/search",
        "/teams/search?scale=1.5",
    ]
    assert fleet.input_value("#approve select[name=page]") == "/teams/search?scale=1.5"
    moves = fleet.eval_on_selector_all("#move-pages", "(t) => t[0].content.children.length")
    assert moves == len(offered) - 1  # Move offers the same pages (not the TV's own)
    fleet.fill("#approve input[name=name]", "Search corner")
    fleet.click("#approve button[type=submit]")
    wait_for(tv, "() => location.pathname === '/teams/search'")
    wait_for(tv, CONNECTED)
    assert tv.evaluate("() => document.body.dataset.team") == "search"
    assert tv.evaluate("() => location.search") == "?scale=1.5"


def test_a_waiting_tv_is_listed_in_the_fleet_view_and_paired_to_a_room_from_there(
    browser: Browser, live: LiveWall
) -> None:
    tv = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    tv.goto(f"{live.url}/rooms/window")
    code = shown_code(tv)
    fleet = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    fleet.goto(f"{live.url}/screens")  # no code in the link: the person finds it listed
    fleet.fill("#token", ADMIN)
    fleet.click("button[type=submit]")
    wait_for(fleet, "() => Number(document.body.dataset.loaded) > 0")
    waiting = fleet.locator(f'#waiting li[data-code="{code}"]')
    text = waiting.text_content() or ""
    assert text.startswith(f"{code} · 127.0.0.1 · /rooms/window · ")
    waiting.locator("button[data-action^=approve]").click()
    assert fleet.input_value("#approve input[name=code]") == code
    assert fleet.input_value("#approve select[name=page]") == "/rooms/window"
    fleet.fill("#approve input[name=name]", "Window TV")
    fleet.click("#approve button[type=submit]")
    wait_for(tv, "() => location.pathname === '/rooms/window' && document.body.dataset.ws")
    wait_for(tv, "() => document.querySelectorAll('#teams .tile').length === 2")
    wait_for(fleet, "(c) => !document.querySelector(`#waiting li[data-code='${c}']`)", arg=code)
    # Its scope is the room's teams: another team's page sends it back to its room.
    tv.goto(f"{live.url}/teams/checkout")
    assert tv.url.endswith("/rooms/window")


def test_screens_explains_how_to_enable_admin_access_without_a_token(tmp_path: Path) -> None:
    with serve_wall(write_config(tmp_path, demo_config())) as live:
        answer = fetch(f"{live.url}/screens")
    page = answer.body.decode()
    assert answer.status == 401
    assert "No admin token is configured" in page
    assert "admin_tokens_env" in page
    assert 'name="token"' not in page  # no sign-in that cannot work


def test_a_page_with_a_scale_in_range_is_a_screen_page_and_shows_the_same_teams() -> None:
    known = {"payments", "search"}
    assert page_teams("/teams/search?scale=1.5", known) == {"search"}
    assert page_teams("/wall?scale=3", known) is ALL
    assert page_teams("/wall?teams=payments&scale=2", known) == {"payments"}
    for page in (
        "/teams/search?scale=9",
        "/teams/search?scale=nan",
        "/teams/search?scale=1&scale=2",
        "/teams/search?scale=1&x=1",
        "/teams/nobody?scale=1",
    ):
        with pytest.raises(ValueError):
            page_teams(page, known)
