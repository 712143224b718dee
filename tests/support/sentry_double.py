"""A Sentry Web API double: a real HTTP server on loopback, built from docs/api-facts.md section 2.

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
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from tests.support.sentry_double_http import (
    ALL_SCOPES,
    BAD_TOKEN,
    NO_AUTH,
    NO_PERMISSION,
    NOT_FOUND,
    Handler,
    Recorded,
    Window,
    iso,
)

__all__ = ["ALL_SCOPES", "BAD_TOKEN", "NOT_FOUND", "NO_AUTH", "NO_PERMISSION", "SentryDouble"]


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
    releases: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    limits: dict[str, Window] = field(default_factory=dict)
    failures: dict[str, list[int]] = field(default_factory=dict)  # endpoint -> statuses
    delay: float = 0.0  # seconds between reading the issues and answering (a slow listing)
    # The host Sentry writes into Link URLs; behind a proxy it can be an internal name.
    link_host: str | None = None
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
            # Sentry calls an issue "new" for its first week, "ongoing" after.
            "substatus": (
                None if status != "unresolved" else "new" if age < 7 * 86400 else "ongoing"
            ),
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

    def add_release(
        self, version: str, projects: list[str], *, ago: float = 60.0, released: bool = True
    ) -> dict[str, Any]:
        """A release in the shape of "List an Organization's Releases" in Sentry's API docs."""
        created = time.time() - ago
        release = {
            "id": len(self.releases) + 1,
            "authors": [],
            "commitCount": 0,
            "data": {},
            "dateCreated": iso(created),
            "dateReleased": iso(created + 5) if released else None,
            "deployCount": 1 if released else 0,
            "firstEvent": None,
            "lastCommit": None,
            "lastDeploy": None,
            "lastEvent": None,
            "newGroups": 0,
            "owner": None,
            "projects": [
                {"name": self.project(s)["name"], "slug": s} for s in projects
            ],  # only name and slug: no project id in this listing
            "ref": None,
            "shortVersion": version[:12],
            "url": None,
            "version": version,
        }
        self.releases.append(release)
        return release

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

        class Bound(Handler):
            api = double

        server = ThreadingHTTPServer(("127.0.0.1", 0), Bound)
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


def event_alert(issue: dict[str, Any]) -> bytes:
    """An ``event_alert`` webhook about ``issue``, as Sentry sends it (docs/api-facts.md 2.7)."""
    return json.dumps(
        {
            "action": "triggered",
            "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
            "data": {
                "event": {
                    "event_id": "f6bd8d3ad1c04f3c9d2e9b6a8f0c1d2e",
                    "issue_id": issue["id"],
                    "project": int(issue["project"]["id"]),  # an integer here, unlike issues
                    "title": issue["title"],
                    "level": "error",
                    "datetime": "2026-01-01T10:00:00.000000Z",
                    "timestamp": 1767261600.0,
                    "tags": [["environment", "production"]],
                    "web_url": issue["permalink"],
                },
                "triggered_rule": "Errors in checkout",
            },
            "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
        }
    ).encode()
