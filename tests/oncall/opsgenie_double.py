"""An Opsgenie REST API v2 double: on-calls of all schedules or one, users, open alerts.

Shapes as docs/sources/opsgenie.md writes them down: ``{"data": ..., "took", "requestId"}``
envelopes, ``GenieKey`` auth, ``offset``/``limit`` paging with ``paging.next``, a team
integration's key that may read only its own team's schedules (403 otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tests.oncall.doubles import Answer, Asked, Double, iso


@dataclass
class Opsgenie:
    key: str = "og-key"
    team_key_schedules: set[str] | None = None  # set: the key is a team's, reading only these
    users: dict[str, str] = field(default_factory=dict)  # username (e-mail) -> full name
    schedules: dict[str, list[str]] = field(default_factory=dict)  # name -> usernames on call
    alerts: list[dict[str, Any]] = field(default_factory=list)


def envelope(data: Any, **extra: Any) -> dict[str, Any]:
    return {
        "data": data,
        **extra,
        "took": 0.012,
        "requestId": "9ae63dd7-ed00-4c81-86f0-c4ffd33142c9",
    }


def alert(
    ident: str, tiny: str, message: str, at: float, team: str, acknowledged: bool
) -> dict[str, Any]:
    return {
        "id": ident,
        "tinyId": tiny,
        "alias": f"alias-{ident}",
        "message": message,
        "status": "open",
        "acknowledged": acknowledged,
        "isSeen": True,
        "tags": [],
        "snoozed": False,
        "count": 1,
        "lastOccurredAt": iso(at),
        "createdAt": iso(at),
        "updatedAt": iso(at),
        "source": "prometheus",
        "owner": "",
        "priority": "P2",
        "teams": [{"id": team}],
        "responders": [{"type": "team", "id": team}],
        "integration": {"id": "4513b7ea", "name": "Prometheus", "type": "Prometheus"},
        "report": {"ackTime": 0, "closeTime": 0, "acknowledgedBy": "", "closedBy": ""},
    }


def serve(og: Opsgenie) -> Double:
    double = Double()

    def refused(asked: Asked) -> Answer | None:
        if asked.headers.get("authorization") != f"GenieKey {og.key}":
            return Answer(401, {"message": "Could not authenticate", "took": 0.0, "requestId": "x"})
        return None

    def forbidden() -> Answer:
        return Answer(
            403,
            {"message": "You are not authorized for this schedule", "took": 0.0, "requestId": "y"},
        )

    def parent(name: str) -> dict[str, Any]:
        return {"id": f"id-{name}", "name": name, "enabled": True}

    def all_oncalls(_: re.Match[str], asked: Asked) -> Answer:
        if (answer := refused(asked)) is not None:
            return answer
        if og.team_key_schedules is not None:
            return forbidden()
        rows = [
            {"_parent": parent(n), "onCallRecipients": list(u)} for n, u in og.schedules.items()
        ]
        return Answer(200, envelope(rows))

    def one_oncall(match: re.Match[str], asked: Asked) -> Answer:
        if (answer := refused(asked)) is not None:
            return answer
        name = unquote(match.group(1))
        if name not in og.schedules:
            return Answer(404, {"message": "Schedule not found", "took": 0.0, "requestId": "z"})
        if og.team_key_schedules is not None and name not in og.team_key_schedules:
            return forbidden()
        return Answer(
            200, envelope({"_parent": parent(name), "onCallRecipients": og.schedules[name]})
        )

    def paged(asked: Asked, path: str, rows: list[Any], default: int) -> Answer:
        limit = int(asked.query.get("limit", [str(default)])[0])
        offset = int(asked.query.get("offset", ["0"])[0])
        paging: dict[str, str] = {"first": f"https://api.opsgenie.com{path}?offset=0&limit={limit}"}
        if offset + limit < len(rows):
            paging["next"] = f"https://api.opsgenie.com{path}?offset={offset + limit}&limit={limit}"
        return Answer(
            200, envelope(rows[offset : offset + limit], paging=paging, totalCount=len(rows))
        )

    def users(_: re.Match[str], asked: Asked) -> Answer:
        if (answer := refused(asked)) is not None:
            return answer
        rows = [
            {
                "id": f"u-{n}",
                "username": u,
                "fullName": n,
                "blocked": False,
                "verified": True,
                "role": {"id": "User", "name": "User"},
            }
            for u, n in og.users.items()
        ]
        return paged(asked, "/v2/users", rows, 20)

    def alerts(_: re.Match[str], asked: Asked) -> Answer:
        if (answer := refused(asked)) is not None:
            return answer
        query = asked.query.get("query", [""])[0]
        rows = [
            a
            for a in og.alerts
            if query not in ("status=open", "status:open") or a["status"] == "open"
        ]
        return paged(asked, "/v2/alerts", rows, 20)

    double.route(r"/v2/schedules/on-calls", all_oncalls)
    double.route(r"/v2/schedules/([^/]+)/on-calls", one_oncall)
    double.route(r"/v2/users", users)
    double.route(r"/v2/alerts", alerts)
    return double


def throttled(period: int) -> Answer:
    """Opsgenie's answer over the rate limit."""
    headers = {
        "X-RateLimit-State": "THROTTLED",
        "X-RateLimit-Reason": "INTEGRATION",
        "X-RateLimit-Period-In-Sec": str(period),
    }
    return Answer(429, {"message": "Rate limit exceeded", "took": 0.0, "requestId": "r"}, headers)
