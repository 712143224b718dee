"""The JSON API under ``/api/v1``: teams, a team's panels, a team's summary.

Every answer is read from the board through ``views`` (the same dicts the
screen renders), never from upstream. Answers carry an ``ETag`` made of the
board version, so a bot polling every few seconds gets a bodiless 304 until
something it could see has changed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from collectors.base import STATUSES
from wallboard.api import auth as api_auth
from wallboard.api import errors as api_errors
from wallboard.api import models, openapi
from wallboard.api.links import PREFIX, base_url, screen_url, team_links
from wallboard.config.loader import WallConfig
from wallboard.devices import mobile_links
from wallboard.state import ports
from wallboard.views import links
from wallboard.views.chat import team_line, team_message
from wallboard.views.oncall_chat import oncall_lines, oncall_message
from wallboard.views.problems_named import problems
from wallboard.wall import Wall, current_wall

# Clients may keep an answer but must ask again each time; the ETag makes asking cheap.
CACHE_CONTROL = "no-cache"
_BOOLEAN = {"1": True, "true": True, "0": False, "false": False}
# The machine-readable description is public: it holds no board data and no secret.
_OPEN_ENDPOINTS = frozenset({"api.openapi_document"})


def _query(
    allowed: Mapping[str, Mapping[str, bool]], extra: tuple[str, ...] = ()
) -> dict[str, bool] | Response:
    """Boolean query parameters by name, or a 400 naming the bad one (typos included).
    ``extra`` names parameters the route checks itself."""
    out = {}
    for name in request.args:
        if name not in allowed and name not in extra:
            known = ", ".join([*allowed, *extra]) or "none"
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


def _conditional(wall: Wall, base: str, build: Callable[[], Any]) -> Response:
    """200 with an ETag, or 304 without building anything if the client is current.

    The tag holds the version read *before* building, so it never claims more
    than the body shows (at worst the next poll gets one extra 200). The prefix
    ties it to the board's lineage (this process, or the replicas' shared board in
    Redis, so every replica gives the same tag for the same state) and base URL.
    """
    version = wall.board.version
    seed = f"{wall.build_id}|{wall.board.lineage}|{base}"
    tag = f"{hashlib.sha256(seed.encode()).hexdigest()[:12]}-{version}"
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        response = jsonify(build())
    response.set_etag(tag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _known(config: WallConfig) -> list[tuple[str, str]]:
    return [(t.id, t.name) for t in config.teams.values()]


# (wall, the config its board is read with, base URL, query) -> the JSON body
Body = Callable[[Wall, WallConfig, str, dict[str, bool]], dict[str, Any]]


def _answer(
    team: str | None,
    params: Mapping[str, Mapping[str, bool]],
    body: Body,
    extra: tuple[str, ...] = (),
) -> Response:
    """Check the query and the team, then answer conditionally with ``body(...)``."""
    query = _query(params, extra)
    if isinstance(query, Response):
        return query
    wall = current_wall()
    # With replicas, a client that switches between them never sees the board go back.
    try:
        ports.settle(wall.state)
    except ports.ReplicaBehind as behind:
        return api_errors.replica_behind(behind.shown, behind.here)
    # One read of the board: the team check and the body see the same config, even
    # while a reload adds or removes teams.
    with wall.board.read() as config:
        base = base_url(config)
        if team is not None and team not in config.teams:
            return api_errors.unknown_team(team, _known(config))
        return _conditional(wall, base, lambda: body(wall, config, base, query))


def teams_body(wall: Wall, base: str, statuses: frozenset[str] | None = None) -> dict[str, Any]:
    # Worst first, ties in config order: the order of /wall and of the Slack answer.
    views = [v for v in wall.views.worst_first() if statuses is None or v.status in statuses]
    rows = [{**v.summary, "links": team_links(base, v.id)} for v in views]
    return models.body(models.TeamList, {"version": wall.board.version, "teams": rows})


def _statuses() -> frozenset[str] | Response | None:
    """``?status=crit,warn``: the statuses to keep (None: all), or a 400 naming bad ones."""
    raw = request.args.getlist("status")
    if not raw:
        return None
    given = [part.strip().lower() for value in raw for part in value.split(",")]
    bad = [part for part in given if part not in STATUSES]
    if bad or not given:
        named = ", ".join(f'"{b}"' for b in bad) or '""'
        return api_errors.error_response(
            400,
            "bad_parameter",
            f'"status" has {named}: give one or more of {", ".join(STATUSES)}, comma-separated',
        )
    return frozenset(given)


def next_step_links(wall: Wall, base: str, team: str) -> dict[str, str]:
    """The team's configured links and its signed mobile page (the QR's link)."""
    mobile = mobile_links.mobile_url(current_app, wall, base, team, time.time())
    return {**wall.config.teams[team].links, "mobile": mobile}


def team_body(wall: Wall, base: str, team: str, history: bool) -> dict[str, Any]:
    view = wall.views.get(team).plain(history)
    more = next_step_links(wall, base, team)
    return models.body(models.Team, {**view, "links": team_links(base, team, more)})


def summary_body(wall: Wall, base: str, team: str) -> dict[str, Any]:
    view = wall.views.get(team).plain(history=False)
    url = screen_url(base, team)
    steps = links.next_steps(next_step_links(wall, base, team), view)
    summary = {
        "problems": problems(view),
        "id": view["id"],
        "name": view["name"],
        "status": view["status"],
        "version": view["version"],
        "text": team_line(view),
        "screen_url": url,
        "slack": team_message(view, url, steps),
    }
    return models.body(models.Summary, summary)


def oncall_body(wall: Wall, base: str, team: str) -> dict[str, Any]:
    """Who is on call and what is open: the answer of ``/wall oncall <team>``."""
    view = wall.views.get(team).plain(history=False)
    url = screen_url(base, team)
    answer = {
        "id": view["id"],
        "name": view["name"],
        "version": view["version"],
        "lines": oncall_lines(view),
        "screen_url": url,
        "slack": oncall_message(view, url),
    }
    return models.body(models.Oncall, answer)


def deploys_body(wall: Wall, team: str) -> dict[str, Any]:
    """Recent deploys of ``team``, newest first (from the hook, Sentry releases, the demo)."""
    rows = [d.view() for d in wall.board.recent_deploys(team)]
    return models.body(
        models.DeployList, {"id": team, "version": wall.board.version, "deploys": rows}
    )


bp = Blueprint("api", __name__, url_prefix=PREFIX)
bp.before_request(lambda: api_auth.require_token(_OPEN_ENDPOINTS))
# JSON errors for every /api and /hooks answer, the other faces' routes included.
bp.app_errorhandler(HTTPException)(api_errors.json_error)


@bp.get("/teams")
def teams() -> Response:
    statuses = _statuses()
    if isinstance(statuses, Response):
        return statuses
    return _answer(None, {}, lambda w, c, b, q: teams_body(w, b, statuses), extra=("status",))


@bp.get("/teams/<team>")
def team(team: str) -> Response:
    return _answer(
        team, {"history": _BOOLEAN}, lambda w, c, b, q: team_body(w, b, team, q["history"])
    )


@bp.get("/teams/<team>/summary")
def summary(team: str) -> Response:
    return _answer(team, {}, lambda w, c, b, q: summary_body(w, b, team))


@bp.get("/teams/<team>/oncall")
def oncall(team: str) -> Response:
    return _answer(team, {}, lambda w, c, b, q: oncall_body(w, b, team))


@bp.get("/teams/<team>/deploys")
def deploys(team: str) -> Response:
    return _answer(team, {}, lambda w, c, b, q: deploys_body(w, team))


@bp.get("/openapi.json")
def openapi_document() -> Response:
    config = current_wall().config
    doc = openapi.document(
        base_url(config),
        list(config.teams),
        bool(config.api.tokens_env or config.api.tokens_file),
    )
    response = jsonify(doc)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
