"""The HTTP side of the Sentry double: routes, auth, rate windows, pagination, shapes.

Every answer follows docs/api-facts.md section 2; see ``sentry_double`` for the data side.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

if TYPE_CHECKING:
    from tests.support.sentry_double import SentryDouble

ALL_SCOPES = frozenset({"event:read", "org:read", "project:read", "project:releases", "team:read"})
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


ROUTES = (
    ("issues", re.compile(r"^/api/0/organizations/([^/]+)/issues/$"), "event:read"),
    ("stats", re.compile(r"^/api/0/organizations/([^/]+)/stats_v2/$"), "org:read"),
    ("projects", re.compile(r"^/api/0/organizations/([^/]+)/projects/$"), "project:read"),
    ("team_projects", re.compile(r"^/api/0/teams/([^/]+)/([^/]+)/projects/$"), "project:read"),
    ("releases", re.compile(r"^/api/0/organizations/([^/]+)/releases/$"), "project:releases"),
)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Sentry's servers
    api: SentryDouble
    _asked: tuple[str, str, dict[str, list[str]]] | None = None  # the request being answered

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        for name, pattern, scope in ROUTES:
            match = pattern.match(parts.path)
            if match:
                self._asked = (name, parts.path, query)
                self._route(name, match.groups(), scope, parts.path, query)
                return
        self._asked = None
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
        if name == "releases":
            # Newest first; "query" is a starts-with filter on the version (Sentry's docs).
            prefix = (query.get("query") or [""])[0]
            rows = [r for r in reversed(api.releases) if r["version"].startswith(prefix)]
            return self._page(path, query, rows, headers)
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
            # A hostile count (a test's "Infinity") sorts first rather than stop the double.
            "freq": lambda i: -float(i["count"]),
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
        base = f"{self.api.link_host or self.api.url}{path}?{rest}"
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
        # Recorded before the answer goes out: a client that has its answer finds its
        # request counted (recorded after, a starved thread counted it late).
        if self._asked is not None:
            with self.api.lock:
                self.api.recorded.append(Recorded(*self._asked, status))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        return status
