"""A wall of some teams: ``/wall?teams=a,b`` and ``/rooms/<id>`` draw /wall's page for them.

An unknown team is refused, never dropped silently: 400 naming it, as JSON for
clients that do not ask for HTML (scripts, curl) and as a page for browsers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from flask import Response, abort, request

from wallboard.config.loader import WallConfig
from wallboard.config.model import suggest
from wallboard.web import error_response

MAX_LISTED = 200


def wants_html() -> bool:
    """A browser asks for HTML by name; ``*/*`` alone (curl, scripts) gets JSON."""
    return (
        bool(request.accept_mimetypes.accept_html)
        and request.accept_mimetypes["text/html"] >= request.accept_mimetypes["application/json"]
    )


def refuse(status: int, code: str, message: str, suggestions: list[str] | None = None) -> Response:
    """``status`` with ``message``: a JSON error, or Flask's page for a browser."""
    if wants_html():
        abort(status, message)
    extra = {"suggestions": suggestions} if suggestions else {}
    return error_response(status, code, message, **extra)


def requested_teams(config: WallConfig) -> list[str] | Response | None:
    """``?teams=a,b`` as known team ids in the order given (None: every team), or a 400."""
    raw = request.args.get("teams")
    if raw is None:
        return None
    listed = list(dict.fromkeys(t.strip() for t in raw.split(",") if t.strip()))
    if not listed or len(listed) > MAX_LISTED:
        return refuse(400, "bad_teams", "teams: a comma-separated list of team ids")
    for team in listed:
        if team not in config.teams:
            close = suggest(team, [(t.id, t.id) for t in config.teams.values()], 3)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            return refuse(400, "unknown_team", f'unknown team "{team[:60]}"{hint}', close)
    return listed


def socket_path(teams: Sequence[str] | None) -> str:
    """The socket of a wall of ``teams`` (None: every team, following reloads)."""
    if teams is None:
        return "/ws/screens"
    return "/ws/screens?teams=" + quote(",".join(teams), safe="")


def wall_args(teams: Sequence[str] | None, title: str | None = None) -> dict[str, Any]:
    """What wall.html needs beside its tiles to show only ``teams``."""
    args: dict[str, Any] = {"ws": socket_path(teams)}
    if title is not None:
        args["title"] = title
    return args
