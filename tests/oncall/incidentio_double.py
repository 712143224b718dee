"""An incident.io API double: /v2/schedules (current and next shifts), /v2/incidents,
/v1/identity, cursor pages, Bearer keys, and a 429 whose body says ``retry_after``.

Shapes as docs/sources/incidentio.md writes them down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.oncall.doubles import Answer, Asked, Double, iso

NEXT_SHIFTS_UP_TO = 25  # next_shifts are only returned when page_size is 25 or lower


@dataclass
class IncidentIo:
    key: str = "io-key"
    roles: list[str] = field(default_factory=lambda: ["viewer"])
    # schedule id -> (current shifts, next shifts) as (start, end, user name)
    schedules: dict[str, tuple[list[tuple[float, float, str]], list[tuple[float, float, str]]]] = (
        field(default_factory=dict)
    )
    incidents: list[dict[str, Any]] = field(default_factory=list)


def user(name: str) -> dict[str, Any]:
    slug = name.lower().replace(" ", ".")
    return {
        "id": f"01U{slug.upper()[:10]}",
        "name": name,
        "email": f"{slug}@example.com",
        "role": "responder",
        "slack_user_id": "U02AYNF2XJM",
    }


def shift(start: float, end: float, name: str) -> dict[str, Any]:
    return {
        "start_at": iso(start),
        "end_at": iso(end),
        "entry_id": "01GENTRY",
        "fingerprint": "f",
        "layer_id": "01GLAYER",
        "rotation_id": "01GROTATION",
        "user": user(name),
    }


def incident(
    ident: str, ref: str, name: str, category: str, at: float, team: str
) -> dict[str, Any]:
    return {
        "id": ident,
        "reference": ref,
        "name": name,
        "permalink": f"https://app.incident.io/acme/incidents/{ref.split('-')[-1]}",
        "incident_status": {
            "id": f"st-{category}",
            "name": category.title(),
            "category": category,
            "rank": 1,
        },
        "severity": {"id": "sev1", "name": "Major", "rank": 2},
        "mode": "standard",
        "visibility": "public",
        "created_at": iso(at),
        "updated_at": iso(at),
        "custom_field_entries": [
            {
                "custom_field": {"id": "01GCF", "name": "Team", "field_type": "single_select"},
                "values": [{"value_option": {"id": "01GOPT", "value": team, "sort_key": 10}}],
            }
        ],
    }


def serve(io: IncidentIo) -> Double:
    double = Double()

    def refused(asked: Asked) -> Answer | None:
        if asked.headers.get("authorization") != f"Bearer {io.key}":
            return Answer(
                401,
                {
                    "type": "authentication_error",
                    "status": 401,
                    "request_id": "r",
                    "errors": [{"code": "unauthenticated", "message": "bad key"}],
                },
            )
        return None

    def paged(asked: Asked, key: str, rows: list[Any]) -> Answer:
        size = int(asked.query.get("page_size", ["25"])[0])
        after = asked.query.get("after", [None])[0]
        start = next((i + 1 for i, r in enumerate(rows) if r["id"] == after), 0)
        chunk = rows[start : start + size]
        meta = {"page_size": size, "total_record_count": len(rows)}
        if start + size < len(rows):
            meta["after"] = chunk[-1]["id"]
        return Answer(200, {key: chunk, "pagination_meta": meta})

    def schedules(_: re.Match[str], asked: Asked) -> Answer:
        if (answer := refused(asked)) is not None:
            return answer
        size = int(asked.query.get("page_size", ["25"])[0])
        rows = []
        for ident, (now, after) in io.schedules.items():
            row: dict[str, Any] = {
                "id": ident,
                "name": ident,
                "timezone": "Europe/London",
                "current_shifts": [shift(*s) for s in now],
            }
            if size <= NEXT_SHIFTS_UP_TO:
                row["next_shifts"] = [shift(*s) for s in after]
            rows.append(row)
        return paged(asked, "schedules", rows)

    def incidents(_: re.Match[str], asked: Asked) -> Answer:
        if (answer := refused(asked)) is not None:
            return answer
        wanted = asked.query.get("status_category[one_of]")
        rows = [i for i in io.incidents if not wanted or i["incident_status"]["category"] in wanted]
        return paged(asked, "incidents", rows)

    def identity(_: re.Match[str], asked: Asked) -> Answer:
        if (answer := refused(asked)) is not None:
            return answer
        return Answer(
            200,
            {
                "identity": {
                    "name": "wallboard",
                    "roles": io.roles,
                    "dashboard_url": "https://app.incident.io/acme",
                }
            },
        )

    double.route(r"/v2/schedules", schedules)
    double.route(r"/v2/incidents", incidents)
    double.route(r"/v1/identity", identity)
    return double


def too_many(retry_at: float) -> Answer:
    """incident.io's 429: ``retry_after`` in the body says when to come back."""
    body = {
        "type": "too_many_requests",
        "status": 429,
        "request_id": "r",
        "errors": [{"code": "too_many_requests", "message": "Rate limit exceeded"}],
        "retry_after": iso(retry_at),
    }
    return Answer(429, body)
