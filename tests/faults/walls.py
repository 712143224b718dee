"""One-source walls per source kind, pointed at a fault server, and what their screen shows."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.faults.servers import Script
from wallboard.app import create_app
from wallboard.views.team import team_view
from wallboard.wall import Wall
from wallboard.wall import wall as wall_of

KINDS = ("prometheus", "sentry", "health", "alertmanager")
TOKEN = "s3cr3t-Upstream-Token-42"  # what each source sends upstream, and must never show
ENV = {"UP_TOKEN": TOKEN}
TEAM = "payments"
PANEL = "main"

_SOURCE = {
    "prometheus": 'url = "{url}"\nbearer_token_env = "UP_TOKEN"',
    "sentry": 'url = "{url}"\norg = "acme"\ntoken_env = "UP_TOKEN"',
    "health": 'check_timeout = "{check}"',
    "alertmanager": 'url = "{url}"\nbearer_token_env = "UP_TOKEN"\nwebhook_token_env = "UP_TOKEN"',
}
_PANEL = {
    "prometheus": 'query = "sum by (team) (rate(errors[5m]))"\nwarn = 5.0\ncrit = 10.0',
    "sentry": 'metric = "unresolved"',
    "health": 'kind = "health"\nunit = "count"',
    "alertmanager": 'kind = "alerts"',
}
_TEAM = {
    "prometheus": "",
    "sentry": 'sentry_projects = ["web"]',
    "health": (
        '[[teams.payments.health]]\nname = "api"\nurl = "{url}/health"\n'
        'headers_env = {{ "Authorization" = "UP_TOKEN" }}\nfail_after = 1'
    ),
    "alertmanager": "",
}


def config_text(kind: str, url: str, *, timeout: float = 2.0, extra: str = "") -> str:
    check = f"{max(0.1, timeout - 0.5):g}s"
    return f"""
[wall]
heartbeat = "1s"
stale_after = "1h"

[sources.up]
type = "{kind}"
interval = "1h"
timeout = "{timeout:g}s"
{_SOURCE[kind].format(url=url, check=check)}
{extra}

[panels.{PANEL}]
title = "Main"
source = "up"
{_PANEL[kind]}

[teams.{TEAM}]
panels = ["{PANEL}"]
{_TEAM[kind].format(url=url)}
"""


def make_wall(tmp_path: Path, kind: str, url: str, **kw: Any) -> Wall:
    path = tmp_path / f"{kind}.toml"
    path.write_text(config_text(kind, url, **kw))
    return wall_of(create_app(path, env=ENV, build="faults"))


def shown(wall: Wall) -> dict[str, Any]:
    """The panel as a screen and the API show it."""
    view = team_view(wall.board, TEAM)
    return next(p for p in view["panels"] if p["id"] == PANEL)


def timed_collect(wall: Wall) -> float:
    started = time.monotonic()
    wall.poller.collect("up")
    return time.monotonic() - started


def good_answer(kind: str) -> Script:
    """An answer each kind reads as a healthy value (sentry/alertmanager: none needed)."""
    if kind == "prometheus":
        doc = {
            "status": "success",
            "data": {
                "resultType": "vector",
                "result": [{"metric": {"team": TEAM}, "value": [time.time(), "1.5"]}],
            },
        }
        return Script(body=json.dumps(doc).encode())
    if kind == "health":
        return Script(content_type="text/plain", body=b"OK")
    if kind == "sentry":  # the project listing; issue listings read it as an empty page
        return Script(body=json.dumps([{"id": "1", "slug": "web"}]).encode())
    return Script(body=b"[]")


def echo_script(kind: str) -> Script:
    """A sick proxy quoting the request (Authorization included) in its error answer."""
    if kind == "prometheus":  # Prometheus' own error envelope, quoting the request
        return Script(status=400, echo_headers=True, echo_status="error")
    return Script(status=503, echo_headers=True)
