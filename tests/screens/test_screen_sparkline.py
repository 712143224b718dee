"""Sparklines in real Chromium: faint threshold lines on the panel's scale, the span covered."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.browser import CONNECTED, open_screen, wait_for
from tests.support.live import LiveSpec, LiveWall
from tests.support.screen_wall import apply, main_readings, screen_config
from wallboard.views.sparkline import span_label

pytestmark = pytest.mark.browser

PANEL = '[data-panel="error_rate"]'
LINES = (
    "(s) => [...document.querySelectorAll(s)]"
    ".map(l => [l.dataset.threshold, +l.getAttribute('y1')])"
)
POINTS = "(s) => document.querySelector(s).getAttribute('points')"


@pytest.fixture
def live_spec(tmp_path: Path) -> LiveSpec:
    return LiveSpec(screen_config(tmp_path))


def level(value: float, low: float, high: float) -> float:
    """Where a value sits in the 24-unit-high box the sparkline draws into (1 unit margins)."""
    return 24 - (value - low) / (high - low) * 22 - 1


def ys(points: str) -> list[float]:
    return [float(p.split(",")[1]) for p in points.split()]


def test_a_threshold_near_the_curve_is_drawn_where_it_falls_on_the_scale(
    browser: Browser, live: LiveWall
) -> None:
    rates = [0.004, 0.006, 0.005, 0.008, 0.007]  # 0.4 .. 0.8 %; warn is 1 %, crit 5 %
    for rate in rates:
        apply(live, "main", main_readings(rate))
    screen = open_screen(browser, f"{live.url}/teams/payments")
    page = screen.page
    wait_for(page, f"() => document.querySelectorAll('{PANEL} .spark-threshold').length > 0")
    lines = dict(page.evaluate(LINES, f"{PANEL} .spark-threshold"))
    assert set(lines) == {"warn"}  # crit at 5 % lies far beyond a 0.4-0.8 % curve
    shown = [r * 100 for r in rates]
    low, high = min(shown), max([*shown, 1.0])  # the scale stretches to take the warn line in
    assert lines["warn"] == pytest.approx(level(1.0, low, high), abs=0.02)
    curve = ys(page.evaluate(POINTS, f"{PANEL} polyline"))
    assert curve == pytest.approx([level(v, low, high) for v in shown], abs=0.06)
    assert all(y > lines["warn"] for y in curve)  # every point below the warn line on screen
    assert screen.errors == []


def test_both_lines_sit_between_the_points_they_separate(browser: Browser, live: LiveWall) -> None:
    rates = [0.003, 0.02, 0.07, 0.04]  # 0.3 %, 2 %, 7 %, 4 %: warn 1 and crit 5 fall inside
    for rate in rates:
        apply(live, "main", main_readings(rate))
    screen = open_screen(browser, f"{live.url}/teams/payments")
    page = screen.page
    wait_for(page, f"() => document.querySelectorAll('{PANEL} .spark-threshold').length === 2")
    lines = dict(page.evaluate(LINES, f"{PANEL} .spark-threshold"))
    curve = ys(page.evaluate(POINTS, f"{PANEL} polyline"))
    # SVG y grows downwards: 0.3 % is lowest, 7 % highest.
    assert curve[0] > lines["warn"] > curve[1] > lines["crit"] > curve[2]
    assert curve[3] > lines["crit"]
    assert lines["crit"] == pytest.approx(level(5.0, 0.3, 7.0), abs=0.02)
    faint = page.evaluate(
        f"() => +getComputedStyle(document.querySelector('{PANEL} .spark-threshold')).opacity"
    )
    assert 0 < faint < 1


def test_the_span_label_says_how_much_history_the_board_holds(
    browser: Browser, live: LiveWall
) -> None:
    now = time.time()
    past = [(now - 3600 + 60 * i, 0.002 + 0.0001 * (i % 7)) for i in range(60)]
    keys = [("payments", "error_rate"), ("payments", "services")]
    live.wall.board.seed_history("main", {key: past for key in keys})
    apply(live, "main", main_readings(0.004))
    _, states = live.wall.board.team_panels("payments")
    held = next(s.history for s in states if s.panel.id == "error_rate")
    expected = span_label(held[-1][0] - held[0][0])
    assert expected == "last 1 h"  # an hour of minute points and the live one
    for width, height in ((1920, 1080), (3840, 2160)):
        screen = open_screen(browser, f"{live.url}/teams/payments", width, height)
        page = screen.page
        wait_for(page, f"() => document.querySelector('{PANEL} .spark-span').textContent !== ''")
        assert screen.text(f"{PANEL} .spark-span") == expected
        sizes = page.evaluate(
            "(s) => [s + ' .spark-span', s + ' .updated', s + ' .value']"
            ".map(q => parseFloat(getComputedStyle(document.querySelector(q)).fontSize))",
            PANEL,
        )
        # As large as the panel's "updated" line, the smallest text the wall shows.
        assert sizes[0] >= sizes[1] * 0.99
        assert sizes[0] >= 0.8 * height / 1080 * 18  # 18 px on 1080p, twice that on 4K
        page.context.close()


def test_the_server_drawn_first_paint_matches_the_script(browser: Browser, live: LiveWall) -> None:
    for rate in (0.004, 0.006, 0.009, 0.007):
        apply(live, "main", main_readings(rate))
    screen = open_screen(browser, f"{live.url}/teams/payments")
    wait_for(screen.page, CONNECTED)
    # A new point arrives as an update: the script redraws the line and its marks.
    apply(live, "main", main_readings(0.008))
    wait_for(
        screen.page,
        f"() => document.querySelector('{PANEL} polyline').getAttribute('points')"
        ".split(' ').length === 5",
    )
    script_points = screen.page.evaluate(POINTS, f"{PANEL} polyline")
    script_lines = screen.page.evaluate(LINES, f"{PANEL} .spark-threshold")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live.url}/teams/payments")
    assert page.evaluate(POINTS, f"{PANEL} polyline") == script_points
    assert page.evaluate(LINES, f"{PANEL} .spark-threshold") == script_lines
    assert script_lines  # warn at 1 % lies near a 0.4-0.9 % curve
    context.close()
