"""``POST /hooks/deploy`` and Sentry releases: ticks on a real screen, refusals change nothing."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import urllib3
from playwright.sync_api import Browser

from tests.support.browser import open_screen, wait_for
from tests.support.live import LiveSpec, LiveWall, serve_wall, write_config
from tests.support.screen_wall import HEARTBEAT, SCREEN_CONFIG, apply, main_readings
from wallboard.views.team import team_view

pytestmark = pytest.mark.browser

TOKEN = "deploy-token-for-tests-7f3a"
ENV = {"WALLBOARD_DEPLOY_TOKEN": TOKEN}
DEPLOYS = """
[deploys]
token_env = "WALLBOARD_DEPLOY_TOKEN"
worse_window = "15m"
services = { "payments-api" = "payments" }
"""


def sparkline(live: LiveWall) -> None:
    for rate in (0.002, 0.003, 0.0025, 0.004, 0.003):  # a sparkline to put ticks on
        apply(live, "main", main_readings(rate))


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    text = SCREEN_CONFIG.format(heartbeat=HEARTBEAT, stale_after="1h", screen="") + DEPLOYS
    path = write_config(tmp_path_factory.mktemp("deploys"), text)
    return LiveSpec(path, env=ENV, prepare=sparkline, shared=True)


HTTP = urllib3.PoolManager(retries=False)


def post(live: LiveWall, body: Any, token: str | None = TOKEN) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer = HTTP.request("POST", f"{live.url}/hooks/deploy", body=data, headers=headers)
    return answer.status, json.loads(answer.data)


def deploys(live: LiveWall, team: str) -> list[dict[str, Any]]:
    answer = HTTP.request("GET", f"{live.url}/api/v1/teams/{team}/deploys")
    assert answer.status == 200
    rows: list[dict[str, Any]] = json.loads(answer.data)["deploys"]
    return rows


def test_a_deploy_ticks_every_sparkline_and_the_header_within_a_second(
    browser: Browser, live: LiveWall
) -> None:
    screen = open_screen(browser, f"{live.url}/teams/payments")
    page = screen.page
    sent = time.monotonic()
    status, body = post(
        live, {"service": "payments-api", "version": "v1.4.2", "environment": "production"}
    )
    assert status == 200, body
    wait_for(page, "() => document.querySelectorAll('.spark-deploy').length >= 1", timeout=1.0)
    assert time.monotonic() - sent < 1.5  # the wait above already failed after 1 s
    ticks = page.eval_on_selector_all(".spark-deploy", "ls => ls.map(l => l.dataset.version)")
    sparklines = page.locator(
        '[data-panel="error_rate"] svg.spark, [data-panel="services"] svg.spark'
    )
    assert ticks and set(ticks) == {"v1.4.2"}
    assert len(ticks) >= sparklines.count()
    assert screen.text('[data-panel="error_rate"] .deploy-tick') == "v1.4.2"
    wait_for(
        page,
        "() => /^deployed v1.4.2 \\d+ s ago$/"
        ".test(document.querySelector('.deploy-note').textContent)",
    )
    listed = deploys(live, "payments")
    assert listed[0]["version"] == "v1.4.2" and listed[0]["environment"] == "production"
    assert screen.errors == []


def test_bad_token_and_malformed_bodies_are_refused_with_the_board_unchanged(
    live: LiveWall,
) -> None:
    version = live.wall.board.version
    before = deploys(live, "search")
    for token in ("wrong", None, TOKEN + "x"):
        status, body = post(live, {"team": "search", "version": "v9"}, token=token)
        assert status == 401 and body["error"]["code"] == "unauthorized"
    for bad in (
        b"{not json",
        b"[1, 2]",
        {"version": "v9"},  # no team or service
        {"team": "search", "service": "payments-api", "version": "v9"},
        {"team": "nobody", "version": "v9"},
        {"service": "unknown-svc", "version": "v9"},
        {"team": "search"},
        {"team": "search", "version": ""},
        {"team": "search", "version": "v9", "time": "yesterday"},
        {"team": "search", "version": "v9", "url": "javascript:alert(1)"},
        {"team": "search", "version": "v9", "colour": "red"},
    ):
        status, body = post(live, bad)
        assert status == 400, bad
        assert body["error"]["code"] == "bad_request" and body["error"]["message"]
    assert live.wall.board.version == version
    assert deploys(live, "search") == before


def test_worse_since_shows_only_when_a_panel_got_worse_inside_the_window(
    browser: Browser, live: LiveWall
) -> None:
    apply(live, "main", main_readings(0.002))  # everything ok
    old = time.time() - 3600
    status, _ = post(live, {"team": "checkout", "version": "v0.9.0", "time": old})
    assert status == 200
    apply(live, "main", main_readings(0.09))  # crit now: an hour after v0.9.0, not "since"
    view = team_view(live.wall.board, "checkout")["panels"][0]
    assert view["status"] == "crit" and view["worse_since"] is None
    apply(live, "main", main_readings(0.002))
    post(live, {"team": "checkout", "version": "v1.0.0"})
    screen = open_screen(browser, f"{live.url}/teams/checkout")
    assert not screen.page.locator('[data-panel="error_rate"] .worse-since').is_visible()
    apply(live, "main", main_readings(0.09))  # worse right after v1.0.0
    wait_for(
        screen.page,
        "() => document.querySelector('[data-panel=\"error_rate\"] .worse-since').textContent"
        " === 'worse since v1.0.0'",
    )
    apply(live, "main", main_readings(0.002))
    wait_for(
        screen.page,
        "() => document.querySelector('[data-panel=\"error_rate\"] .worse-since').hidden",
    )


def test_a_sentry_release_becomes_a_deploy_marker(tmp_path: Path) -> None:
    from tests.support.sentry_double import ALL_SCOPES, SentryDouble
    from tests.support.sentry_wall import wall_config

    token = "sntrys_" + "ab12" * 12
    env = {"SENTRY_AUTH_TOKEN": token, "SENTRY_CLIENT_SECRET": "s"}
    with SentryDouble(tokens={token: ALL_SCOPES}).serve() as double:
        double.add_project("checkout")
        double.add_project("indexer")
        double.add_release("checkout@2.7.1+b311", ["checkout"], ago=120)
        double.add_release("indexer@0.3.0", ["indexer"], ago=30)
        double.add_release("checkout@1.0.0", ["checkout"], ago=30 * 86400)  # history, not news
        text = wall_config(
            double.url,
            {
                "payments": 'sentry_projects = ["checkout"]',
                "search": 'sentry_projects = ["indexer"]',
            },
            extra="releases = true",
        )
        with serve_wall(write_config(tmp_path, text), env=env, schedule=False) as live:
            live.wall.poller.collect("sentry")
            payments = deploys(live, "payments")
            search = deploys(live, "search")
            assert double.count("releases") == 1
    assert [d["version"] for d in payments] == ["checkout@2.7.1+b311"]
    assert payments[0]["short"] == "2.7.1" and payments[0]["source"] == "sentry"
    released = datetime.fromisoformat(double.releases[0]["dateReleased"].replace("Z", "+00:00"))
    assert payments[0]["at"] == pytest.approx(released.timestamp(), abs=0.001)
    assert [d["version"] for d in search] == ["indexer@0.3.0"]


def test_a_rotating_screen_names_the_deploy_of_the_team_it_shows(
    browser: Browser, live: LiveWall
) -> None:
    status, _ = post(live, {"team": "search", "version": "v3.1.0"})
    assert status == 200
    newest = {team: deploys(live, team) for team in ("payments", "search")}
    screen = open_screen(browser, f"{live.url}/rotate?teams=payments,search&every=2s")
    page = screen.page
    for team in ("search", "payments"):
        wait_for(page, "(t) => document.body.dataset.team === t", arg=team, timeout=6.0)
        want = f"deployed {newest[team][0]['short']} " if newest[team] else ""
        wait_for(
            page,
            "(w) => w ? document.querySelector('.deploy-note').textContent.startsWith(w)"
            " : document.querySelector('.deploy-note').hidden",
            arg=want,
        )
    assert screen.errors == []
