"""The JSON API under ``/api/v1``: teams, a team's panels, a team's summary.

Every answer is read from the board through ``views`` (the same dicts the
screen renders), never from upstream. Answers carry an ``ETag`` made of the
board version, so a bot polling every few seconds gets a bodiless 304 until
something it could see has changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from wallboard.api import auth as api_auth
from wallboard.api import errors as api_errors
from wallboard.api import openapi, slack
from wallboard.api.links import PREFIX, base_url, screen_url, team_links
from wallboard.api.messages import team_line, team_message
from wallboard.board.shapes import team_summary, team_view
from wallboard.wall import Wall, wall

# Clients may keep an answer but must ask again each time; the ETag makes asking cheap.
CACHE_CONTROL = "no-cache"
_BOOLEAN = {"1": True, "true": True, "0": False, "false": False}
# The machine-readable description is public: it holds no board data and no secret.
_OPEN_ENDPOINTS = frozenset({"api.openapi_document"})


def _query(allowed: Mapping[str, Mapping[str, bool]]) -> dict[str, bool] | Response:
    """Boolean query parameters by name, or a 400 naming the bad one (typos included)."""
    out = {}
    for name in request.args:
        if name not in allowed:
            known = ", ".join(allowed) or "none"
            return api_errors.error_response(
                400, "bad_parameter", f'unknown query parameter "{name}" (allowed: {known})'
            )
    for name, choices in allowed.items():
        raw = request.args.getlist(name)
        if len(raw) > 1 or (raw and raw[0].lower() not in choices):
            return api_errors.error_response(
                400, "bad_parameter", f'"{name}" must be one of {", ".join(choices)}'
            )
        out[name] = choices[raw[0].lower()] if raw else False
    return out


def _conditional(the_wall: Wall, base: str, build: Callable[[], Any]) -> Response:
    """200 with an ETag, or 304 without building anything if the client is current.

    The tag holds the version read *before* building, so it never claims more
    than the body shows (at worst the next poll gets one extra 200). The prefix
    ties it to the board's lineage (this process, or the replicas' shared board in
    Redis, so every replica gives the same tag for the same state) and base URL.
    """
    version = the_wall.board.version
    seed = f"{the_wall.build_id}|{the_wall.board.lineage}|{base}"
    tag = f"{hashlib.sha256(seed.encode()).hexdigest()[:12]}-{version}"
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        response = jsonify(build())
    response.set_etag(tag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _known(the_wall: Wall) -> list[tuple[str, str]]:
    return [(t.id, t.name) for t in the_wall.config.teams.values()]


Body = Callable[[Wall, str, dict[str, bool]], dict[str, Any]]


def _answer(team: str | None, params: Mapping[str, Mapping[str, bool]], body: Body) -> Response:
    """Check the query and the team, then answer conditionally with ``body(...)``."""
    query = _query(params)
    if isinstance(query, Response):
        return query
    the_wall = wall(current_app)
    base = base_url(the_wall)
    if team is not None and team not in the_wall.config.teams:
        return api_errors.unknown_team(team, _known(the_wall))
    return _conditional(the_wall, base, lambda: body(the_wall, base, query))


def teams_body(the_wall: Wall, base: str, query: dict[str, bool]) -> dict[str, Any]:
    rows = [
        {**team_summary(the_wall.board, team_id), "links": team_links(base, team_id)}
        for team_id in the_wall.config.teams
    ]
    return {"version": the_wall.board.version, "teams": rows}


def team_body(the_wall: Wall, base: str, team: str, history: bool) -> dict[str, Any]:
    view = team_view(the_wall.board, team, history=history)
    return {**view, "links": team_links(base, team)}


def summary_body(the_wall: Wall, base: str, team: str) -> dict[str, Any]:
    view = team_view(the_wall.board, team, history=False)
    url = screen_url(base, team)
    return {
        "id": view["id"],
        "name": view["name"],
        "status": view["status"],
        "version": view["version"],
        "text": team_line(view),
        "screen_url": url,
        "slack": team_message(view, url),
    }


def register(app: Flask) -> None:
    bp = Blueprint("api", __name__, url_prefix=PREFIX)
    bp.before_request(lambda: api_auth.require_token(_OPEN_ENDPOINTS))

    @bp.get("/teams")
    def teams() -> Response:
        return _answer(None, {}, teams_body)

    @bp.get("/teams/<team>")
    def team(team: str) -> Response:
        return _answer(
            team, {"history": _BOOLEAN}, lambda w, b, q: team_body(w, b, team, q["history"])
        )

    @bp.get("/teams/<team>/summary")
    def summary(team: str) -> Response:
        return _answer(team, {}, lambda w, b, q: summary_body(w, b, team))

    @bp.get("/openapi.json")
    def openapi_document() -> Response:
        the_wall = wall(current_app)
        doc = openapi.document(
            base_url(the_wall), list(the_wall.config.teams), bool(the_wall.config.api.tokens_env)
        )
        response = jsonify(doc)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response

    api_errors.register(app)
    app.register_blueprint(bp)
    slack.register(app)
