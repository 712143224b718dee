"""A PagerDuty REST API v2 double: /oncalls, /incidents, /schedules/{id}, /users/{id}.

Shapes as docs/sources/pagerduty.md writes them down: classic pagination (``limit`` at
most 100, ``offset``, ``more``), references with ``id``/``type``/``summary``/``self``/
``html_url``, ``Authorization: Token token=...``, 401 and 429 bodies as PagerDuty sends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.oncall.doubles import Answer, Asked, Double, Route, iso

API = "https://api.pagerduty.com"
WEB = "https://acme.pagerduty.com"
MAX_LIMIT = 100


@dataclass
class OnCall:
    policy: str
    level: int
    user: str  # id
    start: float
    end: float
    schedule: str | None = None


@dataclass
class PagerDuty:
    token: str = "pd-read-only"
    users: dict[str, str] = field(default_factory=dict)  # id -> display name
    oncalls: list[OnCall] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    # v3 schedules: id -> rendered entries (start, end, user id); ids only, no summary
    finals: dict[str, list[tuple[float, float, str]]] = field(default_factory=dict)
    services: set[str] = field(default_factory=set)  # ids GET /services/{id} knows


def ref(kind: str, path: str, ident: str, summary: str) -> dict[str, Any]:
    return {
        "id": ident,
        "type": f"{kind}_reference",
        "summary": summary,
        "self": f"{API}/{path}/{ident}",
        "html_url": f"{WEB}/{path}/{ident}",
    }


def incident(
    ident: str,
    number: int,
    title: str,
    status: str,
    at: float,
    policy: str,
    service: str = "PSVC001",
) -> dict[str, Any]:
    """An incident as ``GET /incidents`` lists it."""
    return {
        "id": ident,
        "type": "incident",
        "summary": f"[#{number}] {title}",
        "self": f"{API}/incidents/{ident}",
        "html_url": f"{WEB}/incidents/{ident}",
        "incident_number": number,
        "title": title,
        "created_at": iso(at),
        "updated_at": iso(at),
        "status": status,
        "incident_key": f"key-{ident}",
        "service": ref("service", "services", service, "Checkout API"),
        "assignments": [],
        "last_status_change_at": iso(at),
        "escalation_policy": ref("escalation_policy", "escalation_policies", policy, policy),
        "teams": [],
        "urgency": "high",
    }


def serve(pd: PagerDuty) -> Double:
    double = Double()

    def authorised(asked: Asked) -> Answer | None:
        if asked.headers.get("authorization") != f"Token token={pd.token}":
            body = {"error": {"message": "Unauthorized", "code": 2006}}
            return Answer(401, body)
        return None

    def page(asked: Asked, key: str, items: list[Any]) -> Answer:
        limit = min(int(asked.query.get("limit", ["25"])[0]), MAX_LIMIT)
        offset = int(asked.query.get("offset", ["0"])[0])
        chunk = items[offset : offset + limit]
        body = {
            key: chunk,
            "limit": limit,
            "offset": offset,
            "total": None,
            "more": offset + limit < len(items),
        }
        return Answer(200, body)

    def oncalls(_: re.Match[str], asked: Asked) -> Answer:
        refused = authorised(asked)
        if refused:
            return refused
        policies = asked.query.get("escalation_policy_ids[]")
        schedules = asked.query.get("schedule_ids[]")
        since = asked.query.get("since", [None])[0]
        until = asked.query.get("until", [None])[0]
        found = [
            o
            for o in pd.oncalls
            if (policies is None or o.policy in policies)
            and (schedules is None or o.schedule in schedules)
            and (since is None or o.end > _epoch(since))
            and (until is None or o.start < _epoch(until))
        ]
        if asked.query.get("earliest") == ["true"]:
            first: dict[tuple[str, int, str], OnCall] = {}
            for o in sorted(found, key=lambda o: o.start):
                first.setdefault((o.policy, o.level, o.user), o)
            found = list(first.values())
        rows = [
            {
                "escalation_policy": ref(
                    "escalation_policy", "escalation_policies", o.policy, o.policy
                ),
                "escalation_level": o.level,
                "schedule": ref("schedule", "schedules", o.schedule, o.schedule)
                if o.schedule
                else None,
                "user": ref("user", "users", o.user, pd.users[o.user]),
                "start": iso(o.start, -5),
                "end": iso(o.end, -5),
            }
            for o in found
        ]
        return page(asked, "oncalls", rows)

    def incidents(_: re.Match[str], asked: Asked) -> Answer:
        refused = authorised(asked)
        if refused:
            return refused
        statuses = asked.query.get("statuses[]")
        rows = [i for i in pd.incidents if statuses is None or i["status"] in statuses]
        return page(asked, "incidents", rows)

    def schedule(match: re.Match[str], asked: Asked) -> Answer:
        refused = authorised(asked)
        if refused:
            return refused
        ident = match.group(1)
        v2 = {o.schedule for o in pd.oncalls if o.schedule}
        if ident not in pd.finals and ident not in v2:
            return Answer(404, {"error": {"message": "Not Found", "code": 2100}})
        if "since" not in asked.query:  # asked whether it exists
            return Answer(
                200,
                {"schedule": {**ref("schedule", "schedules", ident, ident), "type": "schedule"}},
            )
        since = _epoch(asked.query["since"][0])
        until = _epoch(asked.query["until"][0])
        entries = [
            {
                "start": iso(max(s, since)),
                "end": iso(min(e, until)),
                "user": {"id": u, "type": "user_reference", "self": f"{API}/users/{u}"},
            }
            for s, e, u in pd.finals[ident]
            if e > since and s < until
        ]
        body = {
            "schedule": {
                "id": ident,
                "type": "schedule",
                "summary": ident,
                "name": ident,
                "time_zone": "Europe/Berlin",
                "final_schedule": {
                    "name": "Final Schedule",
                    "rendered_schedule_entries": entries,
                    "rendered_coverage_percentage": None,
                },
            }
        }
        return Answer(200, body)

    def user(match: re.Match[str], asked: Asked) -> Answer:
        refused = authorised(asked)
        if refused:
            return refused
        ident = match.group(1)
        if ident not in pd.users:
            return Answer(404, {"error": {"message": "Not Found", "code": 2100}})
        name = pd.users[ident]
        email = name.lower().replace(" ", ".") + "@example.com"
        body = {
            "user": {
                "id": ident,
                "type": "user",
                "name": name,
                "email": email,
                "summary": name,
                "html_url": f"{WEB}/users/{ident}",
            }
        }
        return Answer(200, body)

    def one(kind: str, path: str, known: Callable[[], set[str]]) -> Route:
        def answer(match: re.Match[str], asked: Asked) -> Answer:
            refused = authorised(asked)
            if refused:
                return refused
            ident = match.group(1)
            if ident not in known():
                return Answer(404, {"error": {"message": "Not Found", "code": 2100}})
            return Answer(200, {kind: {**ref(kind, path, ident, ident), "type": kind}})

        return answer

    def policies() -> set[str]:
        return {o.policy for o in pd.oncalls}

    double.route(
        r"/escalation_policies/([A-Z0-9]+)",
        one("escalation_policy", "escalation_policies", policies),
    )
    double.route(r"/services/([A-Z0-9]+)", one("service", "services", lambda: pd.services))
    double.route(r"/oncalls", oncalls)
    double.route(r"/incidents", incidents)
    double.route(r"/schedules/([A-Z0-9]+)", schedule)
    double.route(r"/users/([A-Z0-9]+)", user)
    return double


def _epoch(raw: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(raw).timestamp()


def rate_limited(seconds: int) -> Answer:
    """PagerDuty's 429: its body, and ``ratelimit-reset`` saying how long to wait."""
    body = {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
    headers = {
        "ratelimit-limit": "960",
        "ratelimit-remaining": "0",
        "ratelimit-reset": str(seconds),
    }
    return Answer(429, body, headers)
