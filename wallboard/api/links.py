"""Absolute links to a team's screen and API, as people outside the server reach them."""

from __future__ import annotations

from flask import request

from wallboard.config.loader import WallConfig

PREFIX = "/api/v1"


def base_url(config: WallConfig) -> str:
    """``wall.public_url`` when configured (behind a proxy), else the host that was asked."""
    return (config.wall.public_url or request.host_url).rstrip("/")


def screen_url(base: str, team_id: str) -> str:
    return f"{base}/teams/{team_id}"


def team_links(base: str, team_id: str) -> dict[str, str]:
    return {
        "self": f"{base}{PREFIX}/teams/{team_id}",
        "summary": f"{base}{PREFIX}/teams/{team_id}/summary",
        "screen": screen_url(base, team_id),
    }
