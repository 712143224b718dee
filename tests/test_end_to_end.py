"""End to end: a real wall on a loopback port, a real websocket screen, the real demo source."""

from __future__ import annotations

import html
import re
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.live import LiveSpec, LiveWall, demo_config, serve_wall, write_config
from tests.support.screens import ScreenClient


@pytest.fixture
def live_spec(tmp_path: Path) -> LiveSpec:
    # A long interval: the test, not the scheduler, decides when the source reports.
    config = write_config(tmp_path, demo_config(interval="1h"))
    return LiveSpec(config, prepare=lambda live: live.wall.poller.collect("demo"))


def get(url: str) -> tuple[int, str, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode(), dict(response.headers)


def test_a_screen_gets_hello_and_snapshot_at_once_then_an_update_within_a_second(
    live: LiveWall,
) -> None:
    with ScreenClient(f"{live.ws_url}/ws/teams/payments") as screen:
        started = time.monotonic()
        hello, snapshot = screen.next(timeout=2), screen.next(timeout=2)
        first_paint = time.monotonic() - started
        assert hello["type"] == "hello" and snapshot["type"] == "snapshot"
        before = {p["id"]: p["display"] for p in snapshot["data"]["panels"]}
        assert before["error_rate"].endswith("%")
        assert first_paint < 1.0

        reported = time.monotonic()
        live.wall.poller.collect("demo")  # the source reports a new cycle
        update = screen.wait_for(lambda m: m["type"] == "update", timeout=2)
        latency = time.monotonic() - reported
    assert latency < 1.0
    assert update["version"] > snapshot["version"]
    changed = {p["id"]: p for p in update["panels"]}
    assert "error_rate" in changed and changed["error_rate"]["updated_at"]


def test_the_team_page_shows_current_values_without_javascript(live: LiveWall) -> None:
    status, body, headers = get(f"{live.url}/teams/payments")
    assert status == 200
    _, panels = live.wall.board.team_panels("payments")
    from wallboard.views.shapes import panel_view

    for state in panels:
        view = panel_view(state, live.wall.config)
        assert html.escape(view["display"]) in body, view["display"]
        assert html.escape(view["title"]) in body
    assert "DEMO DATA" in body.upper()
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", body), "no inline script on the screen"


def test_the_index_lists_teams_with_status_and_links(live: LiveWall) -> None:
    status, body, _ = get(f"{live.url}/")
    assert status == 200
    for team in ("payments", "search"):
        assert f'href="/teams/{team}"' in body
    assert "Payments" in body and "Search" in body


def test_a_failing_source_shows_as_failing_while_the_last_value_stays(
    tmp_path: Path,
) -> None:
    text = demo_config(interval="1h") + (
        '\n[sources.broken]\ntype = "demo"\nfail = true\n'
        '\n[panels.broken_rate]\ntitle = "Broken"\nsource = "broken"\nunit = "percent"\n'
    )
    text = text.replace(
        'panels = ["error_rate", "services"]', 'panels = ["error_rate", "services", "broken_rate"]'
    )
    with serve_wall(write_config(tmp_path, text), schedule=False) as live:
        live.wall.poller.collect("demo")
        live.wall.poller.collect("broken")
        with ScreenClient(f"{live.ws_url}/ws/teams/payments") as screen:
            screen.next()
            panels = {p["id"]: p for p in screen.next()["data"]["panels"]}
    assert panels["broken_rate"]["error"] == "demo source set to fail (fail = true)"
    assert panels["broken_rate"]["status"] == "unknown"
    assert panels["error_rate"]["error"] is None and panels["error_rate"]["value"] is not None


def test_an_unknown_team_page_is_a_404(live: LiveWall) -> None:
    with pytest.raises(urllib.error.HTTPError) as info:
        get(f"{live.url}/teams/nobody")
    assert info.value.code == 404


def test_the_wall_moves_on_its_own_schedule(tmp_path: Path) -> None:
    config = write_config(tmp_path, demo_config(interval="1s"))
    with serve_wall(config) as live, ScreenClient(f"{live.ws_url}/ws/teams/payments") as screen:
        screen.next()
        first = screen.next()["version"]
        update = screen.wait_for(lambda m: m["type"] == "update", timeout=3)
    assert update["version"] > first
