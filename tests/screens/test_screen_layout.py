"""Twelve panels, or twelve teams, fit any screen from 1366x768 to 4K: no scrollbar, no overlap."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from collectors.base import Collection, Reading
from collectors.errors import CollectorError
from tests.support.browser import ARTIFACTS, CONNECTED, open_screen, resize, settled, wait_for
from tests.support.four_metres import alert_names, measure, team_page_config, team_page_readings
from tests.support.live import LiveSpec, LiveWall, write_config
from tests.support.screen_wall import health, screen_wall

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (1920, 1080), (3840, 2160)]
PANELS = 12
TEAMS = 12
# Values of every width a wall shows: short, long, text, a long error reason.
VALUES = [0.0042, 0.12345, 1204.0 / 60, 0.999, None, 0.0]


def config_text() -> str:
    lines = ['[wall]\nheartbeat = "1s"\n[screen]\ndrift_every = "1h"\n']
    lines.append('[sources.main]\ntype = "demo"\ninterval = "1h"\n')
    lines.append('[sources.flaky]\ntype = "demo"\ninterval = "1h"\n')
    for i in range(PANELS):
        unit = ("percent", "per_minute", "ms", "count")[i % 4]
        kind = 'kind = "health"\n' if unit == "count" else "warn = 1\ncrit = 5\n"
        source = "flaky" if i == 5 else "main"
        lines.append(
            f'[panels.p{i}]\ntitle = "Panel {i}: a long, descriptive panel title"\n'
            f'source = "{source}"\nunit = "{unit}"\n{kind}'
        )
    every = ", ".join(f'"p{i}"' for i in range(PANELS))
    lines.append(f'[teams.big]\nname = "A team with a rather long name"\npanels = [{every}]\n')
    for t in range(1, TEAMS):  # teams of 1 to 11 panels: every grid shape
        some = ", ".join(f'"p{i}"' for i in range(t))
        lines.append(f'[teams.t{t}]\nname = "Team {t}"\npanels = [{some}]\n')
    return "\n".join(lines)


def readings(config_teams: list[str]) -> dict[tuple[str, str], Reading]:
    out: dict[tuple[str, str], Reading] = {}
    for team in config_teams:
        for i in range(PANELS):
            if i % 4 == 3:
                out[(team, f"p{i}")] = health(11, 12, ("payments-api-gateway",))
            else:
                out[(team, f"p{i}")] = Reading(value=VALUES[i % len(VALUES)])
    return out


def crowded_board(live: LiveWall) -> None:
    teams = list(live.wall.config.teams)
    live.wall.board.apply("main", Collection(readings=readings(teams)))
    reason = "upstream answered HTTP 503 Service Unavailable after 10 s; retrying with backoff"
    live.wall.board.fail("flaky", CollectorError(reason))


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    config = write_config(tmp_path_factory.mktemp("layout"), config_text())
    return LiveSpec(config, prepare=crowded_board, shared=True)


BOXES = """(selector) => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {x: r.left, y: r.top, right: r.right, bottom: r.bottom}; };
  const doc = document.documentElement;
  return {
    width: innerWidth, height: innerHeight,
    scroll: [doc.scrollWidth, doc.clientWidth, doc.scrollHeight, doc.clientHeight,
             document.body.scrollWidth, document.body.scrollHeight],
    boxes: Array.from(document.querySelectorAll(selector)).map((el) => ({
      box: box(el),
      parts: Array.from(el.querySelectorAll(
          '.panel-title, .panel-value, .updated, .tile-head, .row'))
        .filter((p) => p.getClientRects().length).map(box),
      clipped: Array.from(el.querySelectorAll('.value, .row-value'))
        .filter((v) => v.scrollWidth > v.clientWidth + 1).map((v) => v.textContent),
      font: parseFloat(getComputedStyle(el.querySelector('.value, .tile-head')).fontSize),
    })),
  };
}"""


def overlap(a: dict[str, float], b: dict[str, float]) -> float:
    width = min(a["right"], b["right"]) - max(a["x"], b["x"])
    height = min(a["bottom"], b["bottom"]) - max(a["y"], b["y"])
    return max(0.0, width) * max(0.0, height)


def inside(inner: dict[str, float], outer: dict[str, float], slack: float = 0.5) -> bool:
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["right"] <= outer["right"] + slack
        and inner["bottom"] <= outer["bottom"] + slack
    )


def check_layout(
    browser: Browser, url: str, selector: str, name: str, first: int = 0
) -> dict[tuple, float]:
    """Boxes at every size of ``SIZES``: one page, loaded at ``SIZES[first]`` and resized
    into the others (a load costs about 2 CPU-seconds, a resize a layout)."""
    fonts = {}
    sizes = SIZES[first:] + SIZES[:first]
    screen = open_screen(browser, url, *sizes[0])
    for width, height in sizes:
        resize(screen.page, width, height)
        layout = screen.page.evaluate(BOXES, selector)
        screen.page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"))
        sw, cw, sh, ch, bw, bh = layout["scroll"]
        assert sw <= cw and sh <= ch and bw <= cw and bh <= ch, f"scrollbars at {width}x{height}"
        view = {"x": 0, "y": 0, "right": width, "bottom": height}
        boxes = [b["box"] for b in layout["boxes"]]
        assert len(boxes) == 12
        for b in layout["boxes"]:
            assert inside(b["box"], view), f"off screen at {width}x{height}: {b['box']}"
            assert all(inside(p, b["box"]) for p in b["parts"]), f"spills at {width}x{height}"
            assert b["clipped"] == [], f"values cut at {width}x{height}: {b['clipped']}"
        for a, b in combinations(boxes, 2):
            assert overlap(a, b) < 1, f"overlap at {width}x{height}: {a} {b}"
        fonts[(width, height)] = min(b["font"] for b in layout["boxes"])
    assert screen.errors == []
    screen.page.context.close()
    return fonts


def test_it_fits_twelve_panels_on_every_screen_size(browser: Browser, live: LiveWall) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    fonts = check_layout(browser, f"{live.url}/teams/big", ".panel", "team")
    # Text grows with the screen: a 4K TV shows what a 1080p one does, twice as large.
    assert fonts[(3840, 2160)] / fonts[(1920, 1080)] == pytest.approx(2.0, rel=0.1)
    assert fonts[(1920, 1080)] > fonts[(1366, 768)]
    print(f"smallest panel value font, px: {fonts}")


def test_it_fits_twelve_teams_on_the_wall_on_every_screen_size(
    browser: Browser, live: LiveWall
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    check_layout(browser, f"{live.url}/wall", ".tile", "wall", first=1)


def test_it_fits_every_panel_count_on_the_smallest_screen(browser: Browser, live: LiveWall) -> None:
    screen = open_screen(browser, f"{live.url}/teams/t1", 1366, 768)
    for count in range(1, TEAMS):
        screen.page.goto(f"{live.url}/teams/t{count}")
        wait_for(screen.page, CONNECTED)
        layout = screen.page.evaluate(BOXES, ".panel")
        sw, cw, sh, ch, *_ = layout["scroll"]
        assert sw <= cw and sh <= ch, count
        boxes = [b["box"] for b in layout["boxes"]]
        assert len(boxes) == count
        view = {"x": 0, "y": 0, "right": 1366, "bottom": 768}
        for b in layout["boxes"]:
            assert inside(b["box"], view), count
            assert all(inside(p, b["box"]) for p in b["parts"]), count
            assert b["clipped"] == [], (count, b["clipped"])
        for a, b in combinations(boxes, 2):
            assert overlap(a, b) < 1, count
    screen.page.context.close()


def test_it_still_fits_when_scaled_up(browser: Browser, live: LiveWall) -> None:
    screen = open_screen(browser, f"{live.url}/teams/big?scale=1.5", 1920, 1080)
    layout = screen.page.evaluate(BOXES, ".panel")
    screen.page.screenshot(path=str(ARTIFACTS / "team-1920x1080-scale1.5.png"))
    sw, cw, sh, ch, *_ = layout["scroll"]
    assert sw <= cw and sh <= ch
    for a, b in combinations([b["box"] for b in layout["boxes"]], 2):
        assert overlap(a, b) < 1
    screen.page.context.close()


CALM = (0, 1, 2, 6, 8)  # panels of the big team made calm for the folding test


def test_it_folds_a_big_teams_calm_panels_into_one_row_on_the_wall(
    browser: Browser, live: LiveWall
) -> None:
    teams = list(live.wall.config.teams)
    calmer = readings(teams) | {("big", f"p{i}"): Reading(value=0.0001) for i in CALM}
    live.wall.board.apply("main", Collection(readings=calmer))
    _, states = live.wall.board.team_panels("big")
    calm = [s for s in states if s.effective_status == "ok" and not s.stale and not s.error]
    assert [s.panel.id for s in calm] == [f"p{i}" for i in CALM]
    try:
        screen = open_screen(browser, f"{live.url}/wall", 1366, 768)
        tile = '[data-team="big"]'
        assert screen.page.locator(f"{tile} .row").count() == PANELS - len(CALM) + 1
        summary = screen.text(f'{tile} [data-panel="_calm"] .row-title')
        assert summary == f"{len(CALM)} ok"
        for state in calm:
            assert screen.page.locator(f'{tile} [data-panel="{state.panel.id}"]').count() == 0
        screen.page.context.close()
    finally:
        live.wall.board.apply("main", Collection(readings=readings(teams)))


def test_an_update_refits_the_page_only_when_its_shape_changed(
    browser: Browser, tmp_path: Path
) -> None:
    """A TV's CPU: a new value or age keeps the layout (before, each update of a team page
    of 8 panels with 12 alerts re-fitted it: 56 forced layouts); a changed list re-fits,
    and still shows whole rows, then "+N more"."""
    readings = team_page_readings(8)
    with screen_wall(team_page_config(tmp_path, 8)) as live:
        live.wall.board.apply("prom", Collection(readings=readings))
        screen = open_screen(browser, f"{live.url}/teams/team00", 1920, 1080)
        page = screen.page
        settled(page)
        session = page.context.new_cdp_session(page)
        session.send("Performance.enable")

        def update(changes: dict[tuple[str, str], Reading]) -> float:
            """Forced layouts the page ran for one board change."""
            layouts = lambda: next(  # noqa: E731
                m["value"]
                for m in session.send("Performance.getMetrics")["metrics"]
                if m["name"] == "LayoutCount"
            )
            before = layouts()
            version = live.wall.board.apply("prom", Collection(readings={**readings, **changes}))
            wait_for(page, "(v) => Number(document.body.dataset.version) >= v", arg=version)
            settled(page)
            return float(layouts() - before)

        update({})  # a second point of history: the sparklines' span label appears
        # The latency's digits change; nothing else does. A layout to draw the new frame is
        # one or two; a re-fit tries every column count and each list's rows (tens).
        # (An age whose text grows a digit, "9 s" to "10 s", re-fits rightly: most do not.)
        value_only = [update({("team00", "latency"): Reading(0.1 + i / 100)}) for i in range(5)]
        assert sorted(value_only)[2] <= 4, value_only
        # Three alerts instead of twelve: the list re-fits and shows them all (without the
        # re-fit, the "+N more" the last fit wrote would still show).
        few = Reading(3.0, "3 firing", "crit", items=alert_names(3))
        update({("team00", "alerts"): few})
        assert page.locator('[data-panel="alerts"] [data-role="list-row"]:visible').count() == 3
        assert page.locator('[data-role="more"]:visible').count() == 0
        sizes = measure(page)
        assert not sizes["clipped"] and not sizes["silent"], sizes
        # Twelve again: whole rows, then "+N more".
        update({})
        assert page.locator('[data-role="more"]:visible').count() > 0
        sizes = measure(page)
        assert not sizes["clipped"] and not sizes["silent"], sizes
        assert screen.errors == []
