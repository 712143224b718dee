"""A Grafana OnCall public API double: schedules (list and detail), users, alert groups.

Shapes as docs/sources/grafana-oncall.md writes them down: ``count``/``next``/``previous``/
``results`` pages of 50 (``page``), ``on_call_now`` as user ids, one ``state`` filter,
OSS ``Authorization: <token>`` or Cloud ``Bearer`` with ``X-Grafana-URL``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.oncall.doubles import Answer, Asked, Double, iso

PAGE = 50


@dataclass
class OnCall:
    token: str = "oncall-token"
    grafana_url: str | None = None  # set: a Cloud stack (Bearer + X-Grafana-URL)
    users: dict[str, str] = field(default_factory=dict)  # id -> username
    listed: dict[str, list[str]] = field(default_factory=dict)  # the list's on_call_now
    own: dict[str, list[str]] = field(default_factory=dict)  # the detail's, when it differs
    groups: list[dict[str, Any]] = field(default_factory=list)


def group(ident: str, title: str, state: str, at: float, integration: str) -> dict[str, Any]:
    return {
        "id": ident,
        "integration_id": integration,
        "route_id": "RIYGUJXCPFHXY",
        "alerts_count": 3,
        "state": state,
        "created_at": iso(at),
        "resolved_at": None,
        "acknowledged_at": iso(at) if state == "acknowledged" else None,
        "acknowledged_by": None,
        "resolved_by": None,
        "title": title,
        "permalinks": {
            "slack": None,
            "telegram": None,
            "web": f"https://grafana.example.com/a/grafana-oncall-app/alert-groups/{ident}",
        },
        "silenced_at": None,
    }


def serve(oc: OnCall) -> Double:
    double = Double()

    def refused(asked: Asked) -> Answer | None:
        expected = oc.token if oc.grafana_url is None else f"Bearer {oc.token}"
        if asked.headers.get("authorization") != expected or (
            oc.grafana_url and asked.headers.get("x-grafana-url") != oc.grafana_url
        ):
            return Answer(401, {"detail": "Invalid token."})
        return None

    def page(asked: Asked, path: str, rows: list[Any]) -> Answer:
        number = int(asked.query.get("page", ["1"])[0])
        chunk = rows[(number - 1) * PAGE : number * PAGE]
        more = number * PAGE < len(rows)
        return Answer(
            200,
            {
                "count": len(rows),
                "next": f"{double.url}{path}?page={number + 1}" if more else None,
                "previous": None,
                "results": chunk,
                "page_size": PAGE,
                "current_page_number": number,
                "total_pages": -(-len(rows) // PAGE),
            },
        )

    def schedule(ident: str, on_call: list[str]) -> dict[str, Any]:
        return {
            "id": ident,
            "team_id": None,
            "name": ident,
            "type": "web",
            "time_zone": "Europe/Berlin",
            "on_call_now": on_call,
            "shifts": [],
            "slack": {"channel_id": None, "user_group_id": None},
        }

    def schedules(_: re.Match[str], asked: Asked) -> Answer:
        if (answer := refused(asked)) is not None:
            return answer
        rows = [schedule(i, u) for i, u in oc.listed.items()]
        return page(asked, "/api/v1/schedules/", rows)

    def detail(match: re.Match[str], asked: Asked) -> Answer:
        if (answer := refused(asked)) is not None:
            return answer
        ident = match.group(1)
        if ident not in oc.listed:
            return Answer(404, {"detail": "Not found."})
        return Answer(200, schedule(ident, oc.own.get(ident, oc.listed[ident])))

    def user(match: re.Match[str], asked: Asked) -> Answer:
        if (answer := refused(asked)) is not None:
            return answer
        ident = match.group(1)
        name = oc.users[ident]
        return Answer(
            200,
            {
                "id": ident,
                "email": f"{name}@example.com",
                "slack": [],
                "username": name,
                "role": "user",
                "timezone": "UTC",
                "teams": [],
            },
        )

    def groups(_: re.Match[str], asked: Asked) -> Answer:
        if (answer := refused(asked)) is not None:
            return answer
        state = asked.query.get("state", [None])[0]
        rows = [g for g in oc.groups if state is None or g["state"] == state]
        return page(asked, "/api/v1/alert_groups/", rows)

    double.route(r"/api/v1/schedules/", schedules)
    double.route(r"/api/v1/schedules/([A-Z0-9]+)/", detail)
    double.route(r"/api/v1/users/([A-Z0-9]+)/", user)
    double.route(r"/api/v1/alert_groups/", groups)
    return double
