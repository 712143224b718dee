"""B8: what a screen costs a TV's CPU: forced layouts and main-thread time per update.

A team page of 8 panels, one of them 12 firing alerts with long names (the heaviest
page the suite measures), and ``/wall`` of 12 teams with 3 in trouble, in real Chromium
at 1920x1080 and 3840x2160. Each round opens the page, lets it settle, then makes
value-only changes (one panel's number; what a live wall does every few seconds) and
reads CDP ``Performance.getMetrics`` (LayoutCount, TaskDuration) before and after.

Side by side in one run: the team page with this checkout's ``static/panels.js`` and with
the one of ``BEFORE`` (read from git), which re-fitted the whole page on every update. The
old script is served to the same page through Playwright's routing; nothing else differs.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Route

from bench.common import ROOT, Result, ratio
from collectors.base import Collection, Reading
from tests.support.browser import CONNECTED, chromium, settled, wait_for
from tests.support.four_metres import (
    apply,
    readings,
    team_page_config,
    team_page_readings,
    wall_config,
)
from tests.support.screen_wall import screen_wall

BEFORE = "4cae7ff"  # the last commit whose team page re-fitted on every update
VIEWPORTS = ((1920, 1080), (3840, 2160))
Metrics = dict[str, float]


def old_script() -> bytes | None:
    """``static/panels.js`` as of ``BEFORE``; None outside a git checkout of this history."""
    found = subprocess.run(
        ["git", "show", f"{BEFORE}:static/panels.js"], cwd=ROOT, capture_output=True, check=False
    )
    return found.stdout if found.returncode == 0 else None


def metrics(session: Any) -> Metrics:
    return {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}


def measure(
    browser: Browser,
    url: str,
    size: tuple[int, int],
    change: Callable[[int], int],
    updates: int,
    script: bytes | None = None,
) -> tuple[Metrics, Metrics]:
    """(on load, per update): forced layouts and main-thread ms of one page."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    if script is not None:

        def serve(route: Route) -> None:
            route.fulfill(body=script, content_type="text/javascript")

        page.route(re.compile(r"/panels\.js(\?.*)?$"), serve)  # under the build's id
    session = context.new_cdp_session(page)
    session.send("Performance.enable")
    try:
        page.goto(url)
        wait_for(page, CONNECTED)
        settled(page)
        loaded = metrics(session)
        for i in range(updates):
            version = change(i)
            wait_for(page, "(v) => Number(document.body.dataset.version) >= v", arg=version)
            settled(page)
        done = metrics(session)
    finally:
        context.close()
    per_update = {
        "layouts": (done["LayoutCount"] - loaded["LayoutCount"]) / updates,
        "ms": (done["TaskDuration"] - loaded["TaskDuration"]) * 1000 / updates,
    }
    return {"layouts": loaded["LayoutCount"], "ms": loaded["TaskDuration"] * 1000}, per_update


def run(smoke: bool = False) -> Result:
    rounds, updates = (1, 2) if smoke else (5, 20)
    viewports = VIEWPORTS[:1] if smoke else VIEWPORTS  # the smoke proves it runs, no more
    res = Result("B8 screen cost")
    before = old_script()
    with tempfile.TemporaryDirectory() as tmp, chromium() as browser:
        team_dir, wall_dir = Path(tmp) / "team", Path(tmp) / "wall"
        team_dir.mkdir()
        wall_dir.mkdir()
        base = team_page_readings(8)
        with screen_wall(team_page_config(team_dir, 8)) as live:
            board = live.wall.board
            board.apply("prom", Collection(readings=base))
            board.apply("prom", Collection(readings=base))  # two points: the span label shows

            def team_change(i: int) -> int:
                latency = Reading(0.1 + (i % 50) / 1000)
                changed = {**base, ("team00", "latency"): latency}
                version: int = board.apply("prom", Collection(readings=changed))
                return version

            url = f"{live.url}/teams/team00"
            for size in viewports:
                ours: list[tuple[Metrics, Metrics]] = []
                old: list[tuple[Metrics, Metrics]] = []
                for _ in range(rounds):  # alternating, so a busy moment hits both alike
                    ours.append(measure(browser, url, size, team_change, updates))
                    if before is not None:
                        old.append(measure(browser, url, size, team_change, updates, before))
                report(res, f"team page, 8 panels, 12 alerts, {size[0]}x{size[1]}", ours, old)
        with screen_wall(wall_config(wall_dir, 12)) as live:
            board = live.wall.board
            apply(live.wall, 12, 3)
            calm = readings(12, 3)
            key = next(k for k, r in calm.items() if r.value is not None)

            def wall_change(i: int) -> int:
                changed = {**calm, key: Reading((calm[key].value or 0.0) + (i % 50) / 1000)}
                version: int = board.apply("prom", Collection(readings=changed))
                return version

            for size in viewports:
                url = f"{live.url}/wall"
                runs = [measure(browser, url, size, wall_change, updates) for _ in range(rounds)]
                report(res, f"/wall, 12 teams, 3 troubled, {size[0]}x{size[1]}", runs, [])
    if before is None:
        res.notes.append(f"no git history here: the {BEFORE} script was not measured beside")
    res.notes.append(
        f"{rounds} rounds of {updates} value-only updates each, medians; main-thread time is "
        "this machine's (a TV's CPU is several times slower)"
    )
    return res


def report(
    res: Result, what: str, ours: list[tuple[Metrics, Metrics]], old: list[tuple[Metrics, Metrics]]
) -> None:
    def med(runs: list[tuple[Metrics, Metrics]], which: int, key: str) -> float:
        return statistics.median(r[which][key] for r in runs)

    for which, label in ((1, "per update"), (0, "on load")):
        layouts, ms = med(ours, which, "layouts"), med(ours, which, "ms")
        figure = f"{layouts:.1f} layouts, {ms:.1f} ms"
        if old:
            old_layouts, old_ms = med(old, which, "layouts"), med(old, which, "ms")
            figure += (
                f" | before {old_layouts:.1f} layouts, {old_ms:.1f} ms"
                f" ({ratio(ms, old_ms)} the time)"
            )
        res.add(f"{what}: {label}", figure)
