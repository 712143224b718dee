"""A Sentry Web API double: a real HTTP server on loopback, built from api-facts.md section 2.

It implements what the sentry source calls, with Sentry's shapes and quirks:
issue ``count`` as a string, ``Link`` headers with ``results="true"/"false"`` and
opaque ``<id>:<offset>:<is_prev>`` cursors, ``X-Hits``/``X-Max-Hits``, the
``X-Sentry-Rate-Limit-*`` headers per caller and endpoint (none when
``self_hosted``), a 429 whose body is a bare JSON string and which carries no
``Retry-After`` unless ``edge_retry_after`` is set, ``{"detail": ...}`` for
401/403/404/400, and scopes per token. It records every request.

Simplification: a rate-limit window starts at its first request (Sentry aligns
windows to the clock); what a client sees in the headers is the same.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ALL_SCOPES = frozenset({"event:read", "org:read", "project:read", "team:read"})
MAX_LIMIT = 100
_PERIOD = re.compile(r"^(\d+)([smhdw])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Sentry's own wording, so clients are tested against the real strings.
NO_AUTH = "Authentication credentials were not provided."
BAD_TOKEN = "Invalid token"
NO_PERMISSION = "You do not have permission to perform this action."
NOT_FOUND = "The requested resource does not exist"


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Window:
    limit: int
    seconds: float
    ends: float = 0.0
    used: int = 0


@dataclass
class Recorded:
    endpoint: str
    path: str
    query: dict[str, list[str]]
    status: int


@dataclass
class SentryDouble:
    org: str = "acme"
    tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    self_hosted: bool = False
    edge_retry_after: int | None = None  # add Retry-After to 429s, as an edge proxy might
    projects: list[dict[str, Any]] = field(default_factory=list)
    teams: dict[str, list[str]] = field(default_factory=dict)  # team slug -> project slugs
    issues: list[dict[str, Any]] = field(default_factory=list)
    events: dict[tuple[int, str], int] = field(default_factory=dict)  # (project, outcome)
    limits: dict[str, Window] = field(default_factory=dict)
    failures: dict[str, list[int]] = field(default_factory=dict)  # endpoint -> statuses
    delay: float = 0.0  # seconds between reading the issues and answering (a slow listing)
    recorded: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    # -- data ---------------------------------------------------------------------------
    def add_project(self, slug: str, team: str | None = None) -> dict[str, Any]:
        project = {
            "id": str(4500000 + len(self.projects) * 7 + 1),
            "slug": slug,
            "name": slug.replace("-", " ").title(),
            "platform": "python",
        }
        self.projects.append(project)
        if team:
            self.teams.setdefault(team, []).append(slug)
        return project

    def project(self, slug: str) -> dict[str, Any]:
        return next(p for p in self.projects if p["slug"] == slug)

    def add_issue(
        self,
        project: str,
        title: str,
        *,
        count: int = 1,
        users: int = 1,
        age: float = 86400.0 * 3,
        last_seen_ago: float = 60.0,
        level: str = "error",
        status: str = "unresolved",
        culprit: str = "app.views in index",
    ) -> dict[str, Any]:
        proj = self.project(project)
        now = time.time()
        number = len(self.issues) + 1
        issue_id = str(7000000000 + number)
        short = f"{proj['slug'].upper()}-{number:X}"
        issue = {
            "id": issue_id,
            "shortId": short,
            "title": title,
            "culprit": culprit,
            "level": level,
            "status": status,
            "substatus": "ongoing" if status == "unresolved" else None,
            "statusDetails": {},
            "count": str(count),  # Sentry serialises times_seen as a string
            "userCount": users,
            "firstSeen": iso(now - age),
            "lastSeen": iso(now - last_seen_ago),
            "permalink": f"https://sentry.io/organizations/{self.org}/issues/{issue_id}/",
            "project": {k: proj[k] for k in ("id", "name", "slug", "platform")},
            "type": "error",
        }
        self.issues.append(issue)
        return issue

    def set_events(self, project: str, accepted: int, **other: int) -> None:
        pid = int(self.project(project)["id"])
        self.events[(pid, "accepted")] = accepted
        for outcome, quantity in other.items():
            self.events[(pid, outcome)] = quantity

    def limit(self, endpoint: str, requests: int, seconds: float) -> None:
        self.limits[endpoint] = Window(requests, seconds)

    def exhaust(self, endpoint: str) -> None:
        """Spend the current window, as another client of the same token would."""
        with self.lock:
            window = self.limits[endpoint]
            window.ends = time.time() + window.seconds
            window.used = window.limit

    def fail_next(self, endpoint: str, *statuses: int) -> None:
        self.failures.setdefault(endpoint, []).extend(statuses)

    # -- what the tests read ------------------------------------------------------------
    def count(self, endpoint: str | None = None) -> int:
        with self.lock:
            return sum(1 for r in self.recorded if endpoint is None or r.endpoint == endpoint)

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(r.endpoint for r in self.recorded)

    # -- the server ---------------------------------------------------------------------
    @contextmanager
    def serve(self) -> Iterator[SentryDouble]:
        double = self

        class Handler(_Handler):
            api = double

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_port}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)


ROUTES = (
    ("issues", re.compile(r"^/api/0/organizations/([^/]+)/issues/$"), "event:read"),
    ("stats", re.compile(r"^/api/0/organizations/([^/]+)/stats_v2/$"), "org:read"),
    ("projects", re.compile(r"^/api/0/organizations/([^/]+)/projects/$"), "project:read"),
    ("team_projects", re.compile(r"^/api/0/teams/([^/]+)/([^/]+)/projects/$"), "project:read"),
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Sentry's servers
    api: SentryDouble

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        for name, pattern, scope in ROUTES:
            match = pattern.match(parts.path)
            if match:
                status = self._route(name, match.groups(), scope, parts.path, query)
                with self.api.lock:
                    self.api.recorded.append(Recorded(name, parts.path, query, status))
                return
        self._send(404, {"detail": NOT_FOUND})

    def _route(
        self, name: str, groups: tuple[str, ...], scope: str, path: str, query: dict[str, Any]
    ) -> int:
        api = self.api
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return self._send(401, {"detail": NO_AUTH})
        scopes = api.tokens.get(auth.removeprefix("Bearer "))
        if scopes is None:
            return self._send(401, {"detail": BAD_TOKEN})
        if groups[0] != api.org:
            return self._send(404, {"detail": NOT_FOUND})
        if scope not in scopes:
            return self._send(403, {"detail": NO_PERMISSION})
        headers, limited = self._rate(name)
        if limited is not None:
            return self._send(429, limited, headers)
        with api.lock:
            forced = api.failures.get(name)
            status = forced.pop(0) if forced else None
        if status is not None:
            return self._send(status, {"detail": f"forced {status}"}, headers)
        if name == "issues":
            return self._issues(path, query, headers)
        if name == "stats":
            return self._stats(query, headers)
        if name == "projects":
            return self._page(path, query, list(api.projects), headers)
        slugs = api.teams.get(groups[1])
        if slugs is None:
            return self._send(404, {"detail": NOT_FOUND})
        projects = [p for p in api.projects if p["slug"] in slugs]
        return self._page(path, query, projects, headers)

    def _rate(self, name: str) -> tuple[dict[str, str], Any]:
        window = self.api.limits.get(name)
        if self.api.self_hosted or window is None:
            return {}, None
        with self.api.lock:
            now = time.time()
            if now >= window.ends:
                window.ends, window.used = now + window.seconds, 0
            window.used += 1
            headers = {
                "X-Sentry-Rate-Limit-Limit": str(window.limit),
                "X-Sentry-Rate-Limit-Remaining": str(max(0, window.limit - window.used)),
                "X-Sentry-Rate-Limit-Reset": str(math.ceil(window.ends)),
                "X-Sentry-Rate-Limit-ConcurrentLimit": "25",
                "X-Sentry-Rate-Limit-ConcurrentRemaining": "24",
            }
            if window.used <= window.limit:
                return headers, None
        if self.api.edge_retry_after is not None:
            headers["Retry-After"] = str(self.api.edge_retry_after)
        body = (
            "You are attempting to use this endpoint too frequently. "
            f"Limit is {window.limit} requests in {window.seconds:g} seconds"
        )
        return headers, body

    def _issues(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> int:
        group_period = query.get("groupStatsPeriod", [""])[0]
        if group_period not in ("", "24h", "14d", "auto"):
            detail = "Invalid stats_period. Valid choices are '', '24h', '14d', and 'auto'"
            return self._send(400, {"detail": detail})
        wanted = {int(p) for p in query.get("project", [])}
        text = query.get("query", ["is:unresolved"])[0].strip()
        if text not in ("", "is:unresolved"):
            return self._send(400, {"detail": f"the double does not search {text!r}"})
        period = _PERIOD.match(query.get("statsPeriod", ["14d"])[0])
        if period is None:
            return self._send(400, {"detail": "Invalid statsPeriod"})
        since = time.time() - int(period.group(1)) * _SECONDS[period.group(2)]
        issues = [
            dict(i)
            for i in self.api.issues
            if (-1 in wanted or not wanted or int(i["project"]["id"]) in wanted)
            and (text == "" or i["status"] == "unresolved")
            and datetime.fromisoformat(i["lastSeen"].replace("Z", "+00:00")).timestamp() >= since
        ]
        keys = {
            "freq": lambda i: -int(i["count"]),
            "date": lambda i: i["lastSeen"],
            "new": lambda i: i["firstSeen"],
            "user": lambda i: -i["userCount"],
        }
        sort = query.get("sort", ["date"])[0]
        issues.sort(key=keys.get(sort, keys["date"]), reverse=sort in ("date", "new"))
        if self.api.delay:
            time.sleep(self.api.delay)
        if group_period:
            for issue in issues:
                issue["stats"] = {group_period: [[int(time.time()) // 3600 * 3600, 0]]}
        return self._page(path, query, issues, headers, hits=True)

    def _stats(self, query: dict[str, list[str]], headers: dict[str, str]) -> int:
        field_ = query.get("field", [""])[0]
        group_by = query.get("groupBy", [])
        if field_ not in ("sum(quantity)", "sum(times_seen)"):
            return self._send(400, {"detail": 'Invalid field: "' + field_ + '"'})
        if not group_by:
            return self._send(400, {"detail": "At least one groupBy is required"})
        if query.get("category", [""])[0] != "error":
            return self._send(200, {"start": "", "end": "", "intervals": [], "groups": []})
        totals: Counter[tuple[tuple[str, Any], ...]] = Counter()
        for (project, outcome), quantity in self.api.events.items():
            by = {"project": project, "outcome": outcome}
            totals[tuple((k, by[k]) for k in group_by if k in by)] += quantity
        now = time.time()
        body = {
            "start": iso(now // 3600 * 3600 - 3600),
            "end": iso(now),
            "intervals": [iso(now // 3600 * 3600 - 3600), iso(now // 3600 * 3600)],
            "groups": [
                {"by": dict(key), "totals": {field_: n}, "series": {field_: [0, n]}}
                for key, n in totals.items()
            ],
        }
        return self._send(200, body, headers)

    def _page(
        self,
        path: str,
        query: dict[str, list[str]],
        rows: list[Any],
        headers: dict[str, str],
        *,
        hits: bool = False,
    ) -> int:
        try:
            limit = int(query.get("limit", [str(MAX_LIMIT)])[0])
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            return self._send(400, {"detail": "Invalid per_page parameter."})
        cursor = query.get("cursor", ["0:0:0"])[0].split(":")
        offset = int(cursor[1]) if len(cursor) == 3 and cursor[1].isdigit() else 0
        rest = urlencode([(k, v) for k, vs in query.items() if k != "cursor" for v in vs])
        base = f"{self.api.url}{path}?{rest}"
        prev_offset = max(0, offset - limit)
        more = offset + limit < len(rows)
        headers = dict(headers)
        headers["Link"] = (
            f'<{base}&cursor=0:{prev_offset}:1>; rel="previous"; '
            f'results="{str(offset > 0).lower()}"; cursor="0:{prev_offset}:1", '
            f'<{base}&cursor=0:{offset + limit}:0>; rel="next"; '
            f'results="{str(more).lower()}"; cursor="0:{offset + limit}:0"'
        )
        if hits:
            headers["X-Hits"] = str(len(rows))
            headers["X-Max-Hits"] = "1000"
        return self._send(200, rows[offset : offset + limit], headers)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> int:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        return status


PANELS = """
[panels.unresolved]
title = "Unresolved"
source = "sentry"
unit = "count"
metric = "unresolved"

[panels.new_1h]
title = "New (1 h)"
source = "sentry"
unit = "count"
metric = "new_1h"

[panels.new_24h]
title = "New (24 h)"
source = "sentry"
unit = "count"
metric = "new_24h"

[panels.events]
title = "Errors (1 h)"
source = "sentry"
unit = "count"
metric = "events_1h"

[panels.top]
title = "Top issues"
source = "sentry"
kind = "issues"
unit = "count"
metric = "top_issues"
limit = 3
"""


def wall_config(
    url: str,
    teams: dict[str, str],
    *,
    max_pages: int = 10,
    interval: str = "1h",
    extra: str = "",
) -> str:
    """A wall whose every team shows the five sentry panels; ``teams`` maps id -> mapping line."""
    text = f"""
[wall]
title = "sentry test"
stale_after = "5m"
heartbeat = "1s"

[sources.sentry]
type = "sentry"
url = "{url}"
org = "acme"
token_env = "SENTRY_AUTH_TOKEN"
webhook_secret_env = "SENTRY_CLIENT_SECRET"
interval = "{interval}"
timeout = "10s"
max_pages = {max_pages}
{extra}
{PANELS}
"""
    for team, mapping in teams.items():
        text += f"""
[teams.{team}]
panels = ["unresolved", "new_1h", "new_24h", "events", "top"]
{mapping}
"""
    return text
