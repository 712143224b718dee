"""Readable from across the room: measured font sizes on generated walls, in real Chromium.

Targets (CSS px at 1920x1080; the same physical size, twice the px, at 3840x2160):
/wall with 1-4 teams shows values of at least 72 px; with 12 teams x 6 panels the smallest
value is at least 32 px and every crit/warn value at least 48 px. Nothing overflows at any
viewport; the disconnect banner moves nothing; a larger ?scale= never shrinks the value;
a crit tile names what is wrong in type at least as large as the panel titles.
"""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.support.browser import CONNECTED, Screen, open_screen, resize, settled, wait_for
from tests.support.readability import (
    FAILING_SERVICE,
    apply_states,
    generated_config,
    measure,
    team_id,
)
from tests.support.screen_wall import screen_wall
from wallboard.board.deploys import Deploy

pytestmark = pytest.mark.browser

VIEWPORTS = [(1366, 768), (1920, 1080), (3840, 2160)]
PLANNED = "() => document.getElementById('teams').classList.contains('planned')"
RECTS = """() => Array.from(document.querySelectorAll('.tile, .panel')).map((el) => {
  const r = el.getBoundingClientRect();
  return [el.dataset.team || el.dataset.panel, Math.round(r.x), Math.round(r.y),
          Math.round(r.width), Math.round(r.height)];
})"""


def open_wall(browser: Browser, url: str, width: int, height: int) -> Any:
    screen = open_screen(browser, f"{url}/wall", width, height)
    wait_for(screen.page, PLANNED)
    settled(screen.page)
    return screen


def resized(screen: Screen, width: int, height: int) -> None:
    """``resize``, and on /wall its new plan too. Each case loads at one viewport and is
    resized into the others, and the first viewport turns with the case, so every viewport
    is met both freshly loaded and resized into."""
    resize(screen.page, width, height)
    if screen.page.url.endswith("/wall"):
        wait_for(screen.page, PLANNED)


def turned(viewports: list[tuple[int, int]], case: int) -> list[tuple[int, int]]:
    """``viewports`` starting at the case's own: each case loads at another one."""
    k = case % len(viewports)
    return viewports[k:] + viewports[:k]


FEW_TEAMS = [(1, 4), (1, 8), (2, 6), (3, 5), (4, 4), (4, 6), (4, 8)]
TV_SIZES = [(1920, 1080), (3840, 2160)]


@pytest.mark.parametrize(("teams", "panels"), FEW_TEAMS)
def test_a_wall_of_one_to_four_teams_shows_values_of_72_px(
    browser: Browser, tmp_path: Path, teams: int, panels: int
) -> None:
    with screen_wall(generated_config(tmp_path, teams, panels)) as live:
        apply_states(live, teams, panels)
        viewports = turned(TV_SIZES, FEW_TEAMS.index((teams, panels)))
        screen = open_wall(browser, live.url, *viewports[0])
        for width, height in viewports:
            resized(screen, width, height)
            sizes = measure(screen.page)
            px = width / 1920
            assert sizes["values"] == teams * panels or sizes["values"] > 0
            assert sizes["min_value"] >= 72 * px, (width, sizes)
            assert not sizes["overflow"], sizes["overflow"]
        assert not screen.errors
        screen.page.context.close()


@pytest.mark.parametrize("panels", [6, 8])
def test_twelve_teams_read_at_four_metres_and_troubled_ones_read_larger(
    browser: Browser, tmp_path: Path, panels: int
) -> None:
    with screen_wall(generated_config(tmp_path, 12, panels)) as live:
        apply_states(live, 12, panels)
        viewports = turned(TV_SIZES, panels // 2)
        screen = open_wall(browser, live.url, *viewports[0])
        for width, height in viewports:
            resized(screen, width, height)
            sizes = measure(screen.page)
            px = width / 1920
            assert sizes["min_value"] >= 32 * px, (width, sizes)
            assert sizes["min_troubled_value"] >= 48 * px, (width, sizes)
            assert sizes["min_troubled_value"] > sizes["min_value"] or sizes["values"] <= 2 * panels
            assert not sizes["overflow"], sizes["overflow"]
        screen.page.context.close()


WALLS = [(1, 4), (2, 6), (4, 8), (12, 6), (24, 8)]


@pytest.mark.parametrize(("teams", "panels"), WALLS)
def test_nothing_overflows_at_any_viewport(
    browser: Browser, tmp_path: Path, teams: int, panels: int
) -> None:
    with screen_wall(generated_config(tmp_path, teams, panels)) as live:
        apply_states(live, teams, panels)
        viewports = turned(VIEWPORTS, WALLS.index((teams, panels)))
        screen = open_wall(browser, live.url, *viewports[0])
        for path in ("/wall", f"/teams/{team_id(0)}"):
            if path != "/wall":  # the same TV, moved on to a team page
                screen.page.goto(f"{live.url}{path}")
                wait_for(screen.page, CONNECTED)
                settled(screen.page)
            for width, height in viewports:
                resized(screen, width, height)
                sizes = measure(screen.page)
                assert not sizes["overflow"], (path, width, sizes["overflow"])
                body = screen.page.evaluate(
                    "() => [document.documentElement.scrollWidth,"
                    " document.documentElement.scrollHeight]"
                )
                assert body[0] <= width and body[1] <= height, (path, width, body)
        screen.page.context.close()


def test_a_crit_tile_names_what_is_wrong_as_large_as_the_titles(
    browser: Browser, tmp_path: Path
) -> None:
    with screen_wall(generated_config(tmp_path, 12, 6)) as live:
        apply_states(live, 12, 6)
        screen = open_wall(browser, live.url, 1920, 1080)
        tile = screen.page.locator(f'[data-team="{team_id(0)}"]')
        assert FAILING_SERVICE in (tile.locator(".what-wrong").text_content() or "")
        sizes = screen.page.evaluate(
            """(id) => {
              const tile = document.querySelector(`[data-team="${id}"]`);
              const px = (sel) => parseFloat(getComputedStyle(tile.querySelector(sel)).fontSize);
              const titles = Array.from(document.querySelectorAll('.row-title'))
                .filter((el) => el.getBoundingClientRect().width > 0)
                .map((el) => parseFloat(getComputedStyle(el).fontSize));
              return {wrong: px('.what-wrong'), title: Math.max(...titles)};
            }""",
            team_id(0),
        )
        assert sizes["wrong"] >= sizes["title"], sizes
        screen.page.context.close()


def test_the_disconnect_banner_leaves_the_layout_unchanged(
    browser: Browser, tmp_path: Path
) -> None:
    config = generated_config(tmp_path, 2, 6)
    with screen_wall(config) as live:
        apply_states(live, 2, 6)
        wall = open_wall(browser, live.url, 1920, 1080)
        team = open_screen(browser, f"{live.url}/teams/{team_id(0)}", 1920, 1080)
        before = {"wall": wall.page.evaluate(RECTS), "team": team.page.evaluate(RECTS)}
    # The server is gone: both screens show the banner, and nothing below it moves.
    for name, screen in (("wall", wall), ("team", team)):
        wait_for(screen.page, "() => !document.getElementById('banner').hidden", timeout=10)
        settled(screen.page)
        assert screen.page.evaluate(RECTS) == before[name], name
        screen.page.context.close()


@pytest.mark.parametrize("panels", [4, 6, 8])
def test_a_larger_scale_never_shrinks_the_value_and_keeps_the_name(
    browser: Browser, tmp_path: Path, panels: int
) -> None:
    # The ends and the steps a TV is set to: a shrink between them shows at one of these.
    scales = ["1", "1.5", "2", "3"]
    with screen_wall(generated_config(tmp_path, 1, panels)) as live:
        apply_states(live, 1, panels)
        # A deploy note in the header too: it gives way before the team name does.
        live.wall.board.add_deploy(Deploy(team_id(0), "v1.42.0-rc.7", time.time(), "hook"))
        viewports = turned(VIEWPORTS, [4, 6, 8].index(panels))
        values: dict[int, list[float]] = {width: [] for width, _ in viewports}
        # One TV whose ?scale= is set again and again: the page loads afresh each time.
        screen = open_screen(browser, f"{live.url}/teams/{team_id(0)}", *viewports[0])
        for scale in scales:
            screen.page.goto(f"{live.url}/teams/{team_id(0)}?scale={scale}")
            wait_for(screen.page, CONNECTED)
            for width, height in viewports:
                resized(screen, width, height)
                values[width].append(measure(screen.page)["min_value"])
                head = screen.page.evaluate(
                    """() => ['.team-name', '.team-status'].map((sel) => {
                      const r = document.querySelector(sel).getBoundingClientRect();
                      return r.width > 20 && r.height > 10 && r.right <= innerWidth;
                    })"""
                )
                assert head == [True, True], (width, scale)
            viewports.reverse()  # the next load starts at the last viewport: no resize wasted
        screen.page.context.close()
        for width, seen in values.items():
            assert all(b >= a - 0.5 for a, b in pairwise(seen)), (width, seen)


@pytest.mark.parametrize("scale", ["0.1", "3.5", "nan", "inf", "big"])
def test_a_scale_out_of_range_is_a_clear_400(tmp_path: Path, scale: str) -> None:
    with screen_wall(generated_config(tmp_path, 1, 4)) as live:
        client = live.app.test_client()
        for path in (f"/teams/{team_id(0)}", "/wall", "/rotate"):
            answer = client.get(f"{path}?scale={scale}")
            assert answer.status_code == 400, path
            assert "scale: a number from 0.5 to 3" in answer.get_data(as_text=True)


def test_the_pulse_stops_as_soon_as_the_panel_recovers(browser: Browser, tmp_path: Path) -> None:
    from tests.support.screen_wall import apply, main_readings, screen_config

    # highlight_for is 3 s in this config: the recovery lands well inside it.
    with screen_wall(screen_config(tmp_path)) as live:
        apply(live, "main", main_readings(0.0042))
        screen = open_screen(browser, f"{live.url}/teams/payments", 1920, 1080)
        page = screen.page
        panel = '[data-panel="error_rate"]'
        apply(live, "main", main_readings(0.09))  # crit: it pulses (for up to 3 s)
        wait_for(page, f"() => document.querySelector('{panel}').classList.contains('worsened')")
        apply(live, "main", main_readings(0.0042))  # recovered: the frame goes at once
        wait_for(
            page,
            f"() => !document.querySelector('{panel}').classList.contains('worsened')",
            timeout=1,
        )
        assert "status-ok" in (page.locator(panel).get_attribute("class") or "")
        page.context.close()
