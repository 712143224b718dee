"""The four-metre suite: every visible text's role and size on generated walls, in real
Chromium, and nothing cut, overlapping or hidden without a "+N more".

The harness (tests/support/four_metres.py) is itself checked first, on pages whose faults
are known, so a pass means the page is clean and not that the measure is blind.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import urllib3
from playwright.sync_api import Browser

from collectors.base import Collection, Item, Reading
from tests.support.alertmanager import alert, payload
from tests.support.browser import open_screen, settled, wait_for
from tests.support.four_metres import (
    CASE_TEAMS,
    HEADER,
    SERVICES,
    TEAM_PANELS,
    VIEWPORTS,
    faults,
    measure,
    readings,
    team_faults,
    team_id,
    team_name,
    team_sizes,
    wall_config,
)
from tests.support.four_metres import (
    apply as apply_readings,
)
from tests.support.four_metres_run import PLANNED, run_cases, team_cases
from tests.support.health_servers import Route, RouteServer
from tests.support.live import serve_wall, write_config
from tests.support.screen_wall import screen_wall
from tests.views.test_shapes import reading as sentry_reading

pytestmark = pytest.mark.browser

FAULTS = """<style>body { font: 20px sans-serif; margin: 0 }
.box { width: 80px; overflow: hidden; white-space: nowrap }
.dots { text-overflow: ellipsis }
ul.items { height: 30px; overflow: hidden; margin: 0; padding: 0; list-style: none }
.a, .b { position: absolute; top: 300px; left: 300px }</style>
<div class="box"><span data-role="cut">a long line cut off mid-word</span></div>
<div class="box dots"><span data-role="dots">a long line ending in dots</span></div>
<p class="a" data-role="one">first text</p><p class="b" data-role="two">second text</p>
<ul class="items" style="margin-top: 80px"><li data-role="list-row">one</li>
<li data-role="list-row">two</li><li data-role="list-row">three</li></ul>
"""


def test_the_harness_sees_cut_text_overlaps_and_silent_lists(browser: Browser) -> None:
    page = browser.new_page()
    page.set_content(FAULTS)
    sizes = measure(page)
    # The second row is cut across (its lower half hidden); the third is hidden whole.
    assert sizes["clipped"] == ["cut: a long line cut off mid-word", "list-row: two"]
    assert sizes["overlaps"] == ["first text / second text"]
    assert len(sizes["silent"]) == 1
    assert sizes["smallest"]["dots"] == 20
    page.close()


def test_the_harness_reads_every_role_of_a_wall(browser: Browser, tmp_path: Path) -> None:
    for _case, sizes, _page in run_cases(browser, tmp_path, (12,), (3,), ((1920, 1080),)):
        roles = set(sizes["smallest"])
        assert {"troubled-name", "what-wrong", "failing-value", "calm-name"} <= roles, roles


@pytest.mark.parametrize("teams", CASE_TEAMS)
def test_the_wall_tells_who_what_and_since_when_at_every_density(
    browser: Browser, tmp_path: Path, teams: int
) -> None:
    """1, 3, 6 and 9 troubled teams (as many as there are) at 1366x768, 1080p and 4K."""
    failures = {}
    for case, sizes, _page in run_cases(browser, tmp_path, (teams,)):
        if found := faults(sizes, case[1], case[3]):
            failures[case] = found
    assert not failures, failures


def test_fifty_teams_with_five_troubled_at_4k(browser: Browser, tmp_path: Path) -> None:
    for case, sizes, _page in run_cases(browser, tmp_path, (50,), (5,), ((3840, 2160),)):
        assert not faults(sizes, 5, 2160), (case, faults(sizes, 5, 2160))


def test_the_qr_names_the_worst_team_of_the_page_shown(browser: Browser, tmp_path: Path) -> None:
    """Nine troubled teams at 1366x768 take turns; on the second page the QR must name a
    team that page shows, not the worst team of the wall (shown on the first page)."""
    with screen_wall(wall_config(tmp_path, 12)) as live:
        apply_readings(live.wall, 12, 9)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        # The page shown is Date.now() in 10 s turns: 6k+1 turns is the second page of 2 or 3.
        page.clock.set_fixed_time((6 * 300_000 + 1) * 10.0 + 5.0)
        page.goto(live.url + "/wall")
        wait_for(page, PLANNED)
        settled(page)
        shown = wait_for(
            page,
            """() => {
              const qr = document.getElementById('qr');
              if (qr.hidden || !qr.dataset.qrTeam) return null;
              const tiles = Array.from(document.querySelectorAll('#teams > .tile'))
                .filter((t) => t.dataset.status !== 'ok' && t.dataset.fit !== 'paged');
              return {qr: qr.dataset.qrTeam, page: tiles.map((t) => t.dataset.team),
                      pager: document.getElementById('pager').textContent.trim()};
            }""",
        )
        assert shown["pager"].startswith("troubled ") and " 1\u2013" not in shown["pager"], shown
        assert team_id(0) not in shown["page"], shown
        assert shown["qr"] == shown["page"][0], shown
        context.close()


def test_a_larger_scale_multiplies_every_floor_on_the_wall(
    browser: Browser, tmp_path: Path
) -> None:
    """At ?scale=2 every role reads at twice its floor (the wall pages sooner instead)."""
    failures = {}
    cases = run_cases(browser, tmp_path, (12,), (3, 9), ((1920, 1080),), path="/wall?scale=2")
    for case, sizes, _page in cases:
        if found := faults(sizes, case[1], 2 * case[3]):  # the floors of a screen twice as tall
            failures[case] = found
    assert not failures, failures


def test_a_long_list_on_a_team_page_shows_what_fits_then_more(
    browser: Browser, tmp_path: Path
) -> None:
    """Twelve services down with long names: whole rows, then "+ N more"; nothing cut
    across, at ?scale=1 and at ?scale=2, where every text is larger. (The list spans the
    grid's empty cell, so it takes more rows than a panel holds.)"""
    down = tuple(
        Item(f"payments-ledger-writer-{i}", "crit", "HTTP 503 Service Unavailable", since=1.0)
        for i in range(12)
    )
    with screen_wall(wall_config(tmp_path, 2)) as live:
        states = readings(2, 1)
        states[("team00", "services")] = Reading(0.0, "0 / 12 up", "crit", items=down)
        live.wall.board.apply("prom", Collection(readings=states))
        for width, height in ((1366, 768), (1920, 1080)):
            smallest = []
            for scale in ("1", "2"):
                url = f"{live.url}/teams/team00?scale={scale}"
                screen = open_screen(browser, url, width, height)
                settled(screen.page)  # fonts loaded, the layout's plan drawn
                sizes = measure(screen.page)
                assert not (sizes["clipped"] or sizes["silent"] or sizes["overlaps"]), sizes
                more = screen.text('[data-panel="services"] [data-role="more"]')
                rows = screen.page.locator('[data-panel="services"] .item:not([hidden])')
                assert more == f"+ {12 - (rows.count() - 1)} more", (more, rows.count())
                smallest.append(min(sizes["smallest"].values()))
                screen.page.context.close()
            # ?scale=2 grows every text: the smallest by 1.3 at least.
            assert smallest[1] >= 1.3 * smallest[0], (width, smallest)


@pytest.mark.parametrize("panels", TEAM_PANELS)
def test_a_team_page_reads_from_four_metres_at_every_scale(
    browser: Browser, tmp_path: Path, panels: int
) -> None:
    """4, 6 and 8 panels, one of them 12 firing alerts with long names, at 1366x768,
    1920x1080 and 3840x2160 and ?scale=1 and 2: values >= 64 px (>= 48 with 8 panels),
    titles and rows >= 28 px (floors scaled by the viewport's height), every list shows
    its first rows (never "+ 12 more" alone: calm panels fold into a strip first), no
    empty cell beside a clipped list, nothing cut, overlapping or hidden without "+N
    more", a since-when on every panel that is not ok. A larger scale never makes titles
    or rows smaller, nor values unless calm panels folded to give the lists room."""
    measured: dict[tuple[str, int], dict[str, float | None]] = {}
    folded = set()
    cases = team_cases(browser, tmp_path, (panels,), viewports=VIEWPORTS)
    for (_, scale, _, height), sizes, _page in cases:
        assert sizes["more"], "12 alerts never fit: a list says + N more"
        assert not team_faults(sizes, panels, height), (
            scale,
            height,
            team_faults(sizes, panels, height),
        )
        measured[(scale, height)] = team_sizes(sizes)
        if "folded-value" in sizes["smallest"]:
            folded.add((scale, height))
    for (scale, height), sizes in measured.items():
        if scale == "1":
            continue
        for role, size in measured[("1", height)].items():
            if role == "values" and (scale, height) in folded:
                continue
            assert size is not None and sizes[role] is not None
            assert sizes[role] >= size, (role, height, measured)


ISSUES_PANEL = (
    '[panels.issues]\ntitle = "Sentry issues"\nsource = "prom"\nkind = "issues"\n'
    'unit = "count"\nquery = "issues"\n'
)


def test_ongoing_issues_read_calm_and_news_reads_in_its_colour(
    browser: Browser, tmp_path: Path
) -> None:
    """Three ongoing level-error Sentry issues: listed, neutral, the panel green "0 new" and
    the team calm on /wall. An issue first seen 5 minutes ago: "1 new" in red, its row
    first, "new 5 min"; the tile says it."""
    config = write_config(
        tmp_path,
        "\n".join(
            [*HEADER, ISSUES_PANEL, '[teams.team00]\nname = "Payments"\npanels = ["issues"]\n']
        ),
    )
    now = time.time()
    ongoing = [("error", "ongoing", 30 * 86400)] * 3
    with screen_wall(config) as live:
        set_issues = lambda *i: live.wall.board.apply(  # noqa: E731
            "prom", Collection(readings={("team00", "issues"): sentry_reading(now, *i)})
        )
        set_issues(*ongoing)
        team = open_screen(browser, f"{live.url}/teams/team00")
        wall = open_screen(browser, f"{live.url}/wall")
        panel = '[data-panel="issues"]'
        assert team.text(f"{panel} .value") == "0 new"
        assert team.page.locator(f"section{panel}.status-ok").count() == 1
        icons = team.page.eval_on_selector_all(
            f"{panel} .item .status-icon",
            "els => els.map(e => getComputedStyle(e, '::before').content)",
        )
        assert icons == ['"•"'] * 3  # neutral: neither a red ✖ nor a green ✔
        assert wall.page.locator('.tile[data-status="ok"]').count() == 1
        set_issues(*ongoing, ("error", "new", 300))
        wait_for(
            team.page, f"() => document.querySelector('{panel} .value').textContent === '1 new'"
        )
        assert team.page.locator(f"section{panel}.status-crit").count() == 1
        first = team.page.locator(f"{panel} .item").first
        assert (first.locator(".item-since").text_content() or "").startswith("new 5 min")
        wait_for(wall.page, "() => document.querySelector('.tile').dataset.status === 'crit'")
        assert wall.text('[data-role="what-wrong"]') == "KeyError 3"  # the new issue, by name
        assert team.errors == [] and wall.errors == []
        team.page.context.close()
        wall.page.context.close()


def loopback_config(directory: Path, health_url: str, am_url: str) -> Path:
    """Three teams read from real inputs: a health double per service and an Alertmanager
    source (its reconciliation against a double that lists nothing; alerts come by webhook)."""
    lines = [
        '[wall]\ntitle = "four metres"\nheartbeat = "1s"\n',
        '[sources.health]\ntype = "health"\ninterval = "1h"\nstale_after = "1h"\n',
        f'[sources.am]\ntype = "alertmanager"\nurl = "{am_url}"\ninterval = "1h"\n'
        'stale_after = "1h"\nwebhook_token_env = "AM_TOKEN"\n',
        '[panels.services]\ntitle = "Services"\nsource = "health"\nkind = "health"\n'
        'unit = "count"\n',
        '[panels.alerts]\ntitle = "Firing alerts"\nsource = "am"\nkind = "alerts"\n',
    ]
    for i in range(3):
        checks = ", ".join(
            f'{{ name = "{s}", url = "{health_url}/{i}/{s}", fail_after = 1 }}' for s in SERVICES
        )
        lines.append(
            f'[teams.{team_id(i)}]\nname = "{team_name(i)}"\npanels = ["services", "alerts"]\n'
            f"health = [{checks}]\n"
        )
    return write_config(directory, "\n".join(lines))


def test_real_inputs_reach_the_wall_with_their_own_since_when(
    browser: Browser, tmp_path: Path
) -> None:
    """No state written onto the board: a health double goes down and an Alertmanager
    webhook (v4, bearer token) says an alert started 12 minutes ago. The tile tells who,
    what and since when; the team page reads "firing 12 min" from startsAt and "down"
    since the failing probe; the wall passes the four-metre checks."""
    routes = {f"/{i}/{s}": Route(200) for i in range(3) for s in SERVICES}
    health_double = RouteServer(routes)
    am_double = RouteServer({"/api/v2/alerts": Route(200, "application/json", b"[]")})
    token = "four-metre-webhook-token"
    config = loopback_config(tmp_path, health_double.url, am_double.url)
    try:
        with serve_wall(config, env={"AM_TOKEN": token}, schedule=False) as live:
            live.wall.poller.collect("health")
            live.wall.poller.collect("am")
            wall = open_screen(browser, f"{live.url}/wall")
            wait_for(
                wall.page, "() => document.querySelectorAll('.tile[data-status=ok]').length === 3"
            )
            health_double.set_route(f"/0/{SERVICES[0]}", Route(503, "text/plain", b"down"))
            went_down = time.time()
            live.wall.poller.collect("health")
            started = time.time() - 12 * 60
            firing = {
                **alert("a1b2c3d4e5f60718", team="team00", severity="critical"),
                "startsAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(started)),
            }
            firing["labels"]["alertname"] = "LedgerWriterErrorBudgetBurn"
            answer = urllib3.request(
                "POST",
                f"{live.url}/hooks/alertmanager",
                body=json.dumps(payload(firing)).encode(),
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
                timeout=5.0,
            )
            assert answer.status == 200, answer.data
            wait_for(wall.page, "() => document.querySelector('.tile').dataset.status === 'crit'")
            wait_for(wall.page, PLANNED)
            settled(wall.page)
            sizes = measure(wall.page)
            assert not faults(sizes, 1, 1080), faults(sizes, 1, 1080)
            assert wall.text(".tile .tile-name") == team_name(0)
            assert SERVICES[0] in wall.text('.tile [data-role="what-wrong"]')
            assert wall.text(".tile .since").startswith("crit for ")
            team = open_screen(browser, f"{live.url}/teams/team00")
            alert_since = team.text('[data-panel="alerts"] .item .item-since')
            assert alert_since == "firing 12 min", alert_since
            assert team.text('[data-panel="alerts"] .value') == "1 firing"
            assert team.text('[data-panel="services"] .value') == "1 of 4 down"
            assert team.text('[data-panel="services"] .item-since').startswith("down ")
            api = live.wall.views.get("team00").plain(history=False)
            down = next(p for p in api["panels"] if p["id"] == "services")["items"][0]
            assert went_down - 1 <= down["since"] <= time.time()
            assert wall.errors == [] and team.errors == []
            wall.page.context.close()
            team.page.context.close()
    finally:
        health_double.stop()
        am_double.stop()
