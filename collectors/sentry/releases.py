"""New Sentry releases as deploy markers: one request per cycle, for every team at once.

``GET /api/0/organizations/{org}/releases/`` (scope ``project:releases``) lists
releases newest first; each names its projects by slug and name only, so a
release reaches the teams whose projects have that slug. Its time is
``dateReleased`` when set (the deploy finished), else ``dateCreated``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from collectors.base import Marker
from collectors.sentry.api import SentryApi
from collectors.sentry.issues import parse_time

RECENT = 7 * 86400.0  # older releases are history, not news on a wall


def markers(
    releases: list[Any], teams_by_slug: Mapping[str, list[str]], now: float | None = None
) -> list[Marker]:
    """One marker per (release, team) for releases of the last week."""
    now = time.time() if now is None else now
    out = []
    for release in releases:
        if not isinstance(release, Mapping) or not isinstance(release.get("version"), str):
            continue
        at = parse_time(release.get("dateReleased")) or parse_time(release.get("dateCreated"))
        if at is None or at < now - RECENT:
            continue
        url = release.get("url") if isinstance(release.get("url"), str) else None
        teams: set[str] = set()
        for project in release.get("projects") or []:
            if isinstance(project, Mapping):
                teams.update(teams_by_slug.get(str(project.get("slug") or ""), []))
        out += [Marker(team, release["version"], at, url) for team in sorted(teams)]
    return out


def fetch(api: SentryApi, org: str, deadline: float, not_found: str) -> list[Any]:
    """The first page of the organisation's releases (the newest)."""
    pages = api.pages(
        "releases",
        f"/api/0/organizations/{org}/releases/",
        [("per_page", 25)],
        deadline=deadline,
        max_pages=1,
        not_found=not_found,
    )
    return pages.items
