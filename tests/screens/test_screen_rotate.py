"""/rotate shows each team in turn on one socket, passes a failing team, resumes after a reload."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser

from collectors.base import Reading
from collectors.errors import CollectorError
from tests.support.browser import open_screen, wait_for
from tests.support.live import LiveSpec, LiveWall
from tests.support.screen_wall import apply, main_readings, screen_config

pytestmark = pytest.mark.browser

EVERY = 2.0  # seconds per team (the smallest /rotate accepts)
ORDER = ["payments", "search", "checkout"]
URL = f"/rotate?teams={','.join(ORDER)}&every={EVERY:g}s"
RESUMED = """() => ({
  team: document.body.dataset.team,
  name: document.querySelector('.team-name').textContent,
  advanced: 'shown' in document.body.dataset,
})"""


def one_failing_team(live: LiveWall) -> None:
    apply(live, "main", main_readings(0.0042))
    # Search's latency comes from "other", which fails: Search is the failing team.
    apply(live, "other", {("payments", "latency"): Reading(value=0.2)})
    live.wall.board.fail("other", CollectorError("upstream timed out after 10 s"))


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    config = screen_config(tmp_path_factory.mktemp("rotate"))
    return LiveSpec(config, prepare=one_failing_team, shared=True)


WATCH = """() => ({
  team: document.body.dataset.team,
  name: document.querySelector('.team-name').textContent,
  error: Array.from(document.querySelectorAll('.error-badge')).map((e) => e.textContent).join(),
  next: document.getElementById('rotation-next').textContent,
})"""


def test_it_rotates_through_every_team_on_one_socket_past_a_failing_one(
    browser: Browser, live: LiveWall
) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(live.url + URL)
    shown: list[dict[str, str]] = []
    end = time.monotonic() + EVERY * 5
    while len(shown) < 4 and time.monotonic() < end:
        now = page.evaluate(WATCH)
        if not shown or shown[-1]["team"] != now["team"]:
            shown.append(now)
        elif now["team"] == "search" and now["error"]:
            shown[-1] = now  # Search, drawn from its snapshot, with its source error
        time.sleep(0.05)
    assert [s["team"] for s in shown] == ["payments", "search", "checkout", "payments"]
    search = shown[1]
    assert search["name"] == "Search"
    assert "upstream timed out" in search["error"]
    assert search["next"].startswith("next: Checkout in ")
    assert len(sockets) == 1
    assert sockets[0].endswith("/ws/screens?teams=payments%2Csearch%2Ccheckout")
    context.close()


def test_it_resumes_at_the_same_team_after_a_reload(browser: Browser, live: LiveWall) -> None:
    screen = open_screen(browser, live.url + URL)
    page = screen.page
    wait_for(page, "() => document.body.dataset.team === 'search'", timeout=EVERY * 2)
    page.reload()
    # Read at once, in one go: the turn's timer starts when the script runs, not when the
    # socket says hello (which a loaded machine can delay past the 2 s turn), and the
    # name comes from the rotation's own list until the team's data arrives.
    first = page.evaluate(RESUMED)
    assert first == {"team": "search", "name": "Search", "advanced": False}
    wait_for(page, "() => document.body.dataset.connected === '1'")
    wait_for(page, "() => document.body.dataset.team === 'checkout'", timeout=EVERY * 2)
    assert screen.text(".team-name") == "Checkout"
    page.context.close()


def test_it_refuses_unknown_teams_and_silly_periods(browser: Browser, live: LiveWall) -> None:
    context = browser.new_context()
    page = context.new_page()
    for query, status in (("teams=nope", 404), ("every=0s", 400), ("every=soon", 400)):
        response = page.goto(f"{live.url}/rotate?{query}")
        assert response is not None and response.status == status, query
    context.close()
