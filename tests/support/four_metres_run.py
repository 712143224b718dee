"""Runs the four-metre cases on one page: a wall per team count, its states changed on the
board and the viewport resized between cases, so a case costs a measurement, not a browser.

``python -m tests.support.four_metres_run`` prints the smallest size of each tracked role
per case (the before/after table of the issue note); with ``--shot PATH`` it takes the
README's screenshot of /wall (12 teams, 3 troubled) instead.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from playwright.sync_api import Browser, Page

from collectors.base import Collection
from tests.support.browser import chromium, open_screen, resize, settled, wait_for
from tests.support.four_metres import (
    CASE_TEAMS,
    CASE_TROUBLED,
    EMPTY_CELLS,
    QR_COVERS,
    TEAM_PANELS,
    TEAM_SCALES,
    TRACKED,
    VIEWPORTS,
    apply,
    measure,
    team_page_config,
    team_page_readings,
    team_sizes,
    tracked,
    wall_config,
)
from tests.support.screen_wall import screen_wall

Case = tuple[int, int, int, int]  # teams, troubled, width, height
PLANNED = "() => document.getElementById('teams').classList.contains('planned')"
TROUBLED = """(n) => Array.from(document.querySelectorAll('#teams > .tile'))
  .filter((t) => t.dataset.status !== 'ok').length === n"""


def show(page: Page, troubled: int, width: int, height: int) -> None:
    """Wait until the page shows ``troubled`` troubled teams at ``width`` x ``height``."""
    page.set_viewport_size({"width": width, "height": height})
    wait_for(page, TROUBLED, arg=troubled)
    wait_for(page, PLANNED)
    settled(page)  # the resize observer's new plan, on the loaded fonts


def run_cases(
    browser: Browser,
    directory: Path,
    teams_counts: tuple[int, ...] = CASE_TEAMS,
    troubled_counts: tuple[int, ...] = CASE_TROUBLED,
    viewports: tuple[tuple[int, int], ...] = VIEWPORTS,
    path: str = "/wall",
) -> Iterator[tuple[Case, dict[str, Any], Page]]:
    """Each case's measurement (``four_metres.measure``), one page per team count."""
    for teams in teams_counts:
        (directory / f"t{teams}").mkdir(exist_ok=True)
        config = wall_config(directory / f"t{teams}", teams)
        with screen_wall(config) as live:
            apply(live.wall, teams, troubled_counts[0])
            width, height = viewports[0]
            screen = open_screen(browser, live.url + path, width, height)
            try:
                for troubled in (t for t in troubled_counts if t <= teams):
                    apply(live.wall, teams, troubled)
                    for width, height in viewports:
                        show(screen.page, troubled, width, height)
                        sizes = measure(screen.page)
                        sizes["qrCovers"] = screen.page.evaluate(QR_COVERS)
                        yield (teams, troubled, width, height), sizes, screen.page
                assert not screen.errors, screen.errors
            finally:
                screen.page.context.close()


QR_PLACED = "() => !document.getElementById('qr').hidden && document.body.dataset.qrAt"
TeamCase = tuple[int, str, int, int]  # panels, scale, width, height


def team_cases(
    browser: Browser,
    directory: Path,
    panel_counts: tuple[int, ...] = TEAM_PANELS,
    scales: tuple[str, ...] = TEAM_SCALES,
    viewports: tuple[tuple[int, int], ...] = ((1920, 1080),),
) -> Iterator[tuple[TeamCase, dict[str, Any], Page]]:
    """Each team page's measurement, with ``emptyCells`` (grid cells no panel fills) and
    ``more`` (some list shows "+N more"); one page per scale, resized between viewports."""
    for panels in panel_counts:
        (directory / f"p{panels}").mkdir(exist_ok=True)
        config = team_page_config(directory / f"p{panels}", panels)
        with screen_wall(config) as live:
            live.wall.board.apply("prom", Collection(readings=team_page_readings(panels)))
            for scale in scales:
                url = f"{live.url}/teams/team00?scale={scale}"
                screen = open_screen(browser, url, *viewports[0])
                try:
                    for width, height in viewports:
                        resize(screen.page, width, height)
                        # The team is in trouble: its QR shows, in the room its fit left it.
                        wait_for(screen.page, QR_PLACED)
                        sizes = measure(screen.page)
                        sizes["qrSize"] = screen.page.locator("#qr-code").bounding_box()
                        sizes["emptyCells"] = screen.page.evaluate(EMPTY_CELLS)
                        sizes["qrCovers"] = screen.page.evaluate(QR_COVERS)
                        more = screen.page.locator('[data-role="more"]:visible').count()
                        sizes["more"] = more
                        yield (panels, scale, width, height), sizes, screen.page
                    assert not screen.errors, screen.errors
                finally:
                    screen.page.context.close()


def team_row(case: TeamCase, sizes: dict[str, Any]) -> str:
    panels, scale, width, height = case
    cells = [f"{s:.1f}" if s is not None else "-" for s in team_sizes(sizes).values()]
    problems = (len(sizes[k]) for k in ("clipped", "overlaps", "silent", "starved"))
    counts = "/".join(str(n) for n in problems)
    head = f"{panels:>2} panels x{scale:<3} {width}x{height:<5}"
    tail = f"clip/overlap/silent/no-row {counts}  empty cells {sizes['emptyCells']}"
    return f"{head} {' '.join(f'{c:>8}' for c in cells)}  {tail}  no-since {sizes['noSince']}"


def row(case: Case, sizes: dict[str, Any]) -> str:
    teams, troubled, width, height = case
    cells = [f"{s:.1f}" if s is not None else "-" for s in tracked(sizes).values()]
    problems = (len(sizes[k]) for k in ("clipped", "overlaps", "silent", "starved", "merged"))
    sizes_text = " ".join(f"{c:>8}" for c in cells)
    counts = "/".join(str(n) for n in problems)
    head = f"{teams:>3} {troubled:>2} {width}x{height:<5}"
    return f"{head} {sizes_text}  clip/overlap/silent/no-row/merged {counts}"


def screenshot(path: Path) -> None:
    """The README's /wall: 12 teams, 3 troubled, 1920x1080."""
    with chromium() as browser, TemporaryDirectory() as tmp:
        for _case, _sizes, page in run_cases(browser, Path(tmp), (12,), (3,), ((1920, 1080),)):
            page.wait_for_timeout(1500)  # time passes: a since-when that has started ticking
            page.screenshot(path=str(path))


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if sys.argv[1:2] == ["--shot"]:
        screenshot(Path(sys.argv[2]))
        return 0
    if sys.argv[1:2] == ["--team"]:
        print("team page                     values    title      row")
        with chromium() as browser, TemporaryDirectory() as tmp:
            for case, sizes, _page in team_cases(browser, Path(tmp), viewports=VIEWPORTS):
                print(team_row(case, sizes), flush=True)
        return 0
    print("teams tr viewport   " + " ".join(f"{r[:8]:>8}" for r in TRACKED))
    with chromium() as browser, TemporaryDirectory() as tmp:
        for case, sizes, _page in run_cases(browser, Path(tmp)):
            print(row(case, sizes), flush=True)
        for case, sizes, _page in run_cases(browser, Path(tmp), (50,), (5,), ((3840, 2160),)):
            print(row(case, sizes), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
