"""Absolute links to a team's screen and API, as people outside the server reach them."""

from __future__ import annotations

from collections.abc import Mapping

from wallboard.web import PREFIX as PREFIX
from wallboard.web import base_url as base_url


def screen_url(base: str, team_id: str) -> str:
    return f"{base}/teams/{team_id}"


def team_links(base: str, team_id: str, more: Mapping[str, str] | None = None) -> dict[str, str]:
    """The team's API and screen links, and ``more`` (its runbook, dashboard…) when given."""
    return {
        "self": f"{base}{PREFIX}/teams/{team_id}",
        "summary": f"{base}{PREFIX}/teams/{team_id}/summary",
        "screen": screen_url(base, team_id),
        **(more or {}),
    }
