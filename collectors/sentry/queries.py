"""The two listings a sentry cycle asks for all teams at once: issues and error volume.

Kept apart from the source so that ``source.py`` is about the book (polls, webhooks,
memory) and this module about the requests' shape (docs/api-facts.md section 2).
"""

from __future__ import annotations

from typing import Any

from collectors.sentry.api import PAGE_LIMIT, SentryApi
from collectors.sentry.issues import Issue, events_by_project

STATS_FIELD = "sum(quantity)"


def org_not_found(org: str, source_id: str) -> str:
    """A 404's reason: the organisation, and the config key that names it."""
    return f'organisation "{org}" not found (sources.{source_id}.org)'


def unresolved_issues(
    api: SentryApi,
    org: str,
    ids: frozenset[str],
    *,
    period: str,
    max_pages: int,
    deadline: float,
    not_found: str,
) -> tuple[list[Issue], bool, int | None]:
    """Unresolved issues of every project in ``ids``: (issues, truncated, Sentry's total)."""
    params: list[tuple[str, Any]] = [("project", p) for p in sorted(ids, key=lambda p: (len(p), p))]
    params += [
        ("query", "is:unresolved"),
        ("statsPeriod", period),
        ("sort", "freq"),  # the most frequent first, so a page cap keeps the top
        ("limit", PAGE_LIMIT),
        ("groupStatsPeriod", ""),  # no per-issue timelines: not shown, costly upstream
    ]
    pages = api.pages(
        "issues",
        f"/api/0/organizations/{org}/issues/",
        params,
        deadline=deadline,
        max_pages=max_pages,
        not_found=not_found,
    )
    return [Issue.from_api(raw) for raw in pages.items], pages.truncated, pages.hits


def events_last_hour(
    api: SentryApi, org: str, *, deadline: float, not_found: str
) -> dict[str, float]:
    """Error events of the last hour by project id, as ``events_by_project`` counts them."""
    params: list[tuple[str, Any]] = [
        ("field", STATS_FIELD),
        ("category", "error"),
        ("groupBy", "project"),
        ("groupBy", "outcome"),
        ("statsPeriod", "1h"),
        ("interval", "1h"),
    ]
    response = api.get(
        "stats",
        f"/api/0/organizations/{org}/stats_v2/",
        params,
        deadline=deadline,
        not_found=not_found,
    )
    return events_by_project(response.json(), STATS_FIELD)
