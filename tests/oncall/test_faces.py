"""Who is on call and what is open, on every face of a running wall fed by a PagerDuty
double: the screen in real Chromium, the JSON API and the Slack command say the same words."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser

from tests.oncall.doubles import Double
from tests.oncall.pagerduty_double import OnCall, PagerDuty, incident, serve
from tests.oncall.support import teams_toml
from tests.support.api_client import fetch, slack_headers
from tests.support.browser import open_screen
from tests.support.live import LiveSpec, LiveWall, write_config

SECRET = "oncall-slack-secret"
LINK = "https://acme.pagerduty.com/incidents/PINC001"
NOTE = re.compile(r"^level 1 · secondary Cy Twombly · until \w{3} \d\d:\d\d, then Bo Diddley$")

CONFIG = """
[wall]
title = "on-call wall"

[state]
backend = "memory"

[slack]
signing_secret_env = "SLACK_SECRET"

[sources.vendor]
type = "pagerduty"
url = "{url}"
token_env = "PD_TOKEN"
interval = "1h"
timezone = "Europe/Berlin"

[sources.demo]
type = "demo"
interval = "1h"
seed = 7

[panels.error_rate]
title = "HTTP 5xx rate"
source = "demo"
unit = "percent"
warn = 1.0
crit = 5.0

[panels.oncall]
title = "On call"
source = "vendor"
kind = "oncall"

[panels.incidents]
title = "Open incidents"
source = "vendor"
kind = "alerts"
"""


@pytest.fixture(scope="module")
def vendor() -> Iterator[tuple[PagerDuty, Double]]:
    pd = PagerDuty()
    now = time.time()
    pd.users = {"UADA": "Ada Lovelace", "UBO": "Bo Diddley", "UCY": "Cy Twombly"}
    pd.oncalls = [
        OnCall("PEPPAY", 1, "UADA", now - 3600, now + 2 * 86400),
        OnCall("PEPPAY", 1, "UBO", now + 2 * 86400, now + 9 * 86400),
        OnCall("PEPPAY", 2, "UCY", now - 86400, now + 3 * 86400),
    ]
    pd.incidents = [
        incident("PINC001", 41, "Checkout down", "triggered", now - 600, "PEPPAY"),
        incident("PINC002", 42, "Refunds slow", "acknowledged", now - 60, "PEPPAY"),
    ]
    double = serve(pd)
    yield pd, double
    double.close()


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory, vendor: Any) -> LiveSpec:
    pd, double = vendor
    teams = {"payments": {"pagerduty_escalation_policies": ["PEPPAY"]}}
    text = CONFIG.format(url=double.url) + teams_toml(
        teams, '["error_rate", "oncall", "incidents"]'
    )
    path: Path = write_config(tmp_path_factory.mktemp("oncall"), text)

    def prepare(live: LiveWall) -> None:
        live.wall.poller.collect("demo")
        live.wall.poller.collect("vendor")

    env = {"PD_TOKEN": pd.token, "SLACK_SECRET": SECRET}
    return LiveSpec(path, env=env, prepare=prepare, shared=True)


def screen_panel(live: LiveWall, panel: str) -> dict[str, Any]:
    body = fetch(f"{live.url}/api/v1/teams/payments").json()
    found: dict[str, Any] = next(p for p in body["panels"] if p["id"] == panel)
    return found


def test_the_api_and_slack_answer_oncall_with_the_screens_words(live: LiveWall) -> None:
    oncall = screen_panel(live, "oncall")
    assert oncall["display"] == "Ada Lovelace"
    assert NOTE.match(oncall["oncall"]), oncall["oncall"]
    served = html.unescape(fetch(f"{live.url}/teams/payments").body.decode())
    assert oncall["display"] in served and oncall["oncall"] in served  # the screen's words

    answer = fetch(f"{live.url}/api/v1/teams/payments/oncall").json()
    since = time.strftime(
        "%H:%M", time.gmtime(screen_panel(live, "incidents")["items"][0]["since"])
    )
    assert answer["lines"] == [
        f"On call: Ada Lovelace — {oncall['oncall']}",
        "Open incidents: 2 open",
        f"  Checkout down (crit, since {since} UTC) {LINK}",
        answer["lines"][3],
    ]
    assert answer["lines"][3].startswith("  Refunds slow (warn, since ")

    body = urlencode({"command": "/wall", "text": "oncall payments", "user_id": "U1"}).encode()
    reply = fetch(
        f"{live.url}/api/v1/slack/command",
        method="POST",
        headers=slack_headers(SECRET, int(time.time()), body),
        data=body,
    )
    assert reply.status == 200
    message = reply.json()
    blocks = " ".join(str(b) for b in message["blocks"])
    assert "Ada Lovelace" in blocks and oncall["oncall"] in blocks
    assert f"<{LINK}|Checkout down> since {since} UTC" in blocks
    assert oncall["oncall"] in message["text"]


def test_slack_oncall_alone_answers_for_every_team(live: LiveWall) -> None:
    oncall = screen_panel(live, "oncall")
    body = urlencode({"command": "/wall", "text": "oncall", "user_id": "U1"}).encode()
    reply = fetch(
        f"{live.url}/api/v1/slack/command",
        method="POST",
        headers=slack_headers(SECRET, int(time.time()), body),
        data=body,
    ).json()
    assert reply["blocks"][0]["text"]["text"] == "on-call wall: who is on call"
    assert reply["blocks"][1]["text"]["text"] == (
        f":large_green_circle: *payments*: Ada Lovelace — {oncall['oncall']}"
    )


@pytest.mark.browser
def test_the_screen_shows_who_is_on_call_and_an_incident_with_since_and_link(
    browser: Browser, live: LiveWall
) -> None:
    screen = open_screen(browser, f"{live.url}/teams/payments")
    page = screen.page
    note = screen_panel(live, "oncall")["oncall"]
    assert screen.text('[data-panel="oncall"] .value') == "Ada Lovelace"
    assert screen.text('[data-panel="oncall"] .oncall-note') == note
    assert page.locator('[data-panel="oncall"] .oncall-note').is_visible()
    assert screen.text('[data-panel="error_rate"] .value').endswith("%")  # beside error rates

    row = page.locator('[data-panel="incidents"] .item', has_text="Checkout down")
    assert "status-crit" in (row.get_attribute("class") or "")
    since = row.locator(".item-since").text_content() or ""
    assert re.fullmatch(r"firing 1[01] min", since), since  # ten minutes ago, ticking
    link = row.locator(".item-link")
    assert link.is_visible() and link.get_attribute("href") == LINK
    other = page.locator('[data-panel="incidents"] .item', has_text="Refunds slow")
    assert "status-warn" in (other.get_attribute("class") or "")
    assert screen.errors == []
    page.context.close()
