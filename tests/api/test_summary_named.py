"""The API summary and the Slack answer name what the TV lists, and the team list filters.

Alerts arrive as real Alertmanager webhooks on a running wall, so the names, since-when
and links travel the whole way: webhook -> board -> view -> API and Block Kit.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3

from tests.support.alertmanager import alert, payload
from tests.support.api_client import fetch
from tests.support.daemons import free_port
from tests.support.live import LiveSpec, LiveWall, write_config
from wallboard.views.chat import SECTION_MAX, team_line, team_message
from wallboard.views.problems_named import problems

TOKEN = "am-token-for-summary-tests"
FIRING = 60  # more than one Slack section can name
LONG = "x" * 60


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    text = f"""
[wall]
heartbeat = "1s"

[sources.am]
type = "alertmanager"
url = "http://127.0.0.1:{free_port()}"
interval = "1h"
timeout = "1s"
webhook_token_env = "AM_TOKEN"

[panels.alerts]
title = "Alerts"
source = "am"
kind = "alerts"

[teams.payments]
panels = ["alerts"]

[teams.search]
panels = ["alerts"]
"""

    def fire(live: LiveWall) -> None:
        alerts = [
            alert(
                f"{i:016x}", alertname=f"Alert{i:02d}{LONG}", team="payments", severity="critical"
            )
            for i in range(FIRING)
        ]
        answer = urllib3.request(
            "POST",
            f"{live.url}/hooks/alertmanager",
            body=json.dumps(payload(*alerts)).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
            timeout=5.0,
        )
        assert answer.status == 200, answer.data

    path = write_config(tmp_path_factory.mktemp("summary"), text)
    return LiveSpec(path, env={"AM_TOKEN": TOKEN}, prepare=fire, shared=True)


def test_the_summary_names_every_firing_alert_with_since_and_link(live: LiveWall) -> None:
    answer = fetch(live.url + "/api/v1/teams/payments/summary")
    assert answer.status == 200
    body = answer.json()
    named = body["problems"]
    assert [p["title"] for p in named] == sorted(f"Alert{i:02d}{LONG}" for i in range(FIRING))
    assert all(p["since"] is not None and p["link"] == "http://127.0.0.1:9090/graph" for p in named)
    assert f"firing: Alert00{LONG}, Alert01{LONG}" in body["text"]
    assert f"(+{FIRING - 5} more)" in body["text"]
    # Slack: as many names as one message holds, each with its since-when, then "+N more".
    section = next(b["text"]["text"] for b in body["slack"]["blocks"] if "Alert00" in json.dumps(b))
    lines = section.split("\n")
    shown = [line for line in lines if line.startswith("• ")]
    assert 10 < len(shown) < FIRING and len(section) <= SECTION_MAX
    assert lines[-1] == f"+{FIRING - len(shown)} more on the screen"
    assert "since " in shown[0] and "UTC" in shown[0]
    assert f"<http://127.0.0.1:9090/graph|Alert00{LONG}>" in shown[0]


def test_the_team_list_filters_by_status_and_names_bad_values(live: LiveWall) -> None:
    everyone = fetch(live.url + "/api/v1/teams").json()["teams"]
    assert {t["id"]: t["status"] for t in everyone} == {"payments": "crit", "search": "ok"}
    crit = fetch(live.url + "/api/v1/teams?status=crit,warn").json()["teams"]
    assert [t["id"] for t in crit] == ["payments"]
    calm = fetch(live.url + "/api/v1/teams?status=ok").json()["teams"]
    assert [t["id"] for t in calm] == ["search"]
    bad = fetch(live.url + "/api/v1/teams?status=crit,red,,bogus")
    assert bad.status == 400 and bad.headers["content-type"].startswith("application/json")
    message = bad.json()["error"]["message"]
    assert '"red"' in message and '"bogus"' in message and "ok, warn, crit, unknown" in message


def test_chat_names_failing_services_and_top_issues_and_drops_hostile_links() -> None:
    view: dict[str, Any] = {
        "id": "payments",
        "name": "Payments",
        "status": "crit",
        "panels": [
            {
                "id": "services",
                "kind": "health",
                "title": "Services",
                "display": "1 / 2 up",
                "status": "crit",
                "stale": False,
                "error": None,
                "items": [
                    {
                        "title": "api",
                        "status": "crit",
                        "detail": "HTTP 503",
                        "since": 1.8e9,
                        "link": "https://api.example/healthz",
                        "meta": {},
                    },
                    {
                        "title": "web",
                        "status": "ok",
                        "detail": "",
                        "since": None,
                        "link": None,
                        "meta": {},
                    },
                ],
            },
            {
                "id": "top",
                "kind": "issues",
                "title": "Top issues",
                "display": "8",
                "status": "warn",
                "stale": False,
                "error": None,
                "items": [
                    {
                        "title": "KeyError: 'user'",
                        "status": "warn",
                        "detail": "app.views",
                        "since": 1.8e9,
                        "link": "javascript:alert(1)|x",
                        "meta": {},
                    },
                ],
            },
        ],
    }
    rows = problems(view)
    assert [(r["kind"], r["title"]) for r in rows] == [
        ("health", "api"),
        ("issues", "KeyError: 'user'"),
    ]
    assert team_line(view).endswith("— failing: api; top issues: KeyError: 'user'")
    message = team_message(view, "http://wall/teams/payments")
    text = "\n".join(b["text"]["text"] for b in message["blocks"] if "text" in b)
    assert "• :red_circle: <https://api.example/healthz|api> — HTTP 503 · since " in text
    assert "javascript:" not in text and "*KeyError: 'user'*" in text
