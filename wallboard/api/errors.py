"""Errors under ``/api/`` and ``/hooks/`` as JSON ``{"error": {"code", "message"}}``, never HTML.

Machines call both (scripts, Slack, Alertmanager, Sentry). Pages outside them keep
Flask's own error pages: the handler hands their exceptions back untouched.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, request
from werkzeug.exceptions import HTTPException

from wallboard.config.model import suggest
from wallboard.web import error_response as error_response

API_PREFIX = "/api/"
HOOKS_PREFIX = "/hooks/"

# Werkzeug's names, shortened to stable machine-readable codes clients can branch on.
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
}


def unknown_team(name: str, known: Iterable[tuple[str, str]]) -> Response:
    """404 for a team nobody configured, with the closest ids as suggestions."""
    suggestions = suggest_team(name, known)
    message = f'no team "{name}"'
    if suggestions:
        message += "; did you mean " + " or ".join(f'"{s}"' for s in suggestions) + "?"
    return error_response(404, "unknown_team", message, suggestions=suggestions)


def replica_behind(shown: int, here: int) -> Response:
    """503 from a replica that could not catch up with a version another one has shown: an
    answer now would go back in time. It reads the whole board meanwhile; ask again."""
    message = (
        f"this replica is at version {here}, behind version {shown} shown by another; "
        "it is catching up: retry"
    )
    response = error_response(503, "replica_behind", message)
    response.headers["Retry-After"] = "1"
    return response


def suggest_team(name: str, known: Iterable[tuple[str, str]], n: int = 3) -> list[str]:
    """Team ids whose id or display name is close to ``name`` (case-insensitive)."""
    return suggest(
        name, [(key, team_id) for team_id, team_name in known for key in (team_id, team_name)], n
    )


def _is_api() -> bool:
    path = request.path
    return path == API_PREFIX.rstrip("/") or path.startswith((API_PREFIX, HOOKS_PREFIX))


def json_error(exc: HTTPException) -> HTTPException | Response:
    """An error answer as JSON under /api and /hooks; elsewhere Flask's own page."""
    if not _is_api():
        return exc
    status = exc.code or 500
    # Never echo an exception's text for server errors: it may name internals.
    message = (exc.description or exc.name) if status < 500 else "internal error"
    response = error_response(
        status, _CODES.get(status, exc.name.lower().replace(" ", "_")), message
    )
    for name, value in exc.get_headers():
        if name.lower() in {"allow", "retry-after", "www-authenticate"}:
            response.headers[name] = value
    return response
