"""Pages: the team list and the kiosk screens (a team, /wall, /rotate), server-rendered first."""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)

from collectors.options import parse_duration
from wallboard import security
from wallboard.board.board import SEVERITY, Board
from wallboard.board.shapes import team_summary, team_view
from wallboard.board.sparkline import points, threshold_lines
from wallboard.wall import Wall, wall

ROTATE_MIN_SECONDS = 2.0
ROTATE_MAX_SECONDS = 3600.0
CALM_AFTER = 6  # panels on a /wall tile before the calm ones fold into one row


def source_notes(board: Board) -> list[dict[str, str]]:
    """Source-level problems a wall must show: failing sources first, then warnings."""
    notes: list[dict[str, str]] = []
    for state in board.sources.values():
        if state.last_error:
            notes.append({"source": state.id, "level": "error", "text": state.last_error})
    for state in board.sources.values():
        for warning in state.warnings:
            notes.append({"source": state.id, "level": "warning", "text": warning})
    return notes


def tile_rows(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A /wall tile's rows: with many panels, the calm ones fold into one summary row.

    static/wall.js (tileRows) does the same for live updates.
    """
    if len(panels) <= CALM_AFTER:
        return panels
    calm = [p for p in panels if p["status"] == "ok" and not p["stale"] and not p["error"]]
    if len(calm) < 2:  # folding one row into one row gains nothing
        return panels
    summary = {"id": "_calm", "status": "ok", "title": f"{len(calm)} more panels ok"}
    return [p for p in panels if p not in calm] + [{**summary, "display": "", "stale": False}]


def worst_first(board: Board) -> list[dict[str, Any]]:
    """Every team's view with its tile rows, the most severe first; ties keep config order."""
    views = [team_view(board, t, history=False) for t in board.config.teams]
    for view in views:
        view["rows"] = tile_rows(view["panels"])
    return sorted(views, key=lambda v: -SEVERITY.get(v["status"], 1))


def _screen(template: str, the_wall: Wall, **context: Any) -> str:
    return render_template(
        template,
        wall=the_wall,
        config=the_wall.config,
        now=time.time(),
        screen_settings=the_wall.screen_settings(),
        **context,
    )


def _rotation_args(the_wall: Wall) -> tuple[list[str], float]:
    raw = request.args.get("teams", "")
    teams = [t for t in raw.split(",") if t] or list(the_wall.config.teams)
    unknown = [t for t in teams if t not in the_wall.config.teams]
    if unknown:
        abort(404, f"unknown team: {unknown[0]}")
    try:
        every = parse_duration(request.args.get("every", "30s"))
    except ValueError as exc:
        abort(400, f"every: {exc}")
    if not ROTATE_MIN_SECONDS <= every <= ROTATE_MAX_SECONDS:
        abort(400, f"every: between {ROTATE_MIN_SECONDS:g} s and {ROTATE_MAX_SECONDS:g} s")
    return list(dict.fromkeys(teams)), every


def register(app: Flask) -> None:
    bp = Blueprint("web", __name__)

    @bp.get("/")
    def index() -> str:
        the_wall = wall(current_app)
        teams = [team_summary(the_wall.board, t) for t in the_wall.config.teams]
        return render_template(
            "index.html",
            teams=teams,
            wall=the_wall,
            config=the_wall.config,
            sources=the_wall.board.sources,
        )

    @bp.get("/teams/<team>")
    def team_page(team: str) -> str:
        the_wall = wall(current_app)
        if team not in the_wall.config.teams:
            abort(404, f"unknown team: {team}")
        return _screen("team.html", the_wall, team=team_view(the_wall.board, team))

    @bp.get("/wall")
    def wall_page() -> str:
        the_wall = wall(current_app)
        teams = worst_first(the_wall.board)
        status = teams[0]["status"] if teams else "unknown"
        notes = source_notes(the_wall.board)
        return _screen("wall.html", the_wall, teams=teams, status=status, notes=notes)

    @bp.get("/wall/sources")
    def wall_sources() -> Response:
        # The websocket carries panels only; /wall's footer polls this for source problems.
        the_wall = wall(current_app)
        return jsonify(notes=source_notes(the_wall.board), sources=len(the_wall.config.sources))

    @bp.get("/rotate")
    def rotate_page() -> str:
        the_wall = wall(current_app)
        teams, every = _rotation_args(the_wall)
        names = [{"id": t, "name": the_wall.config.teams[t].name} for t in teams]
        first = team_view(the_wall.board, teams[0])
        return _screen("rotate.html", the_wall, team=first, teams=teams, every=every, names=names)

    def asset(name: str) -> str:
        # The build id in the URL: after a deploy a screen never mixes old cached scripts in.
        return url_for("static", filename=name, v=wall(current_app).build_id)

    app.jinja_env.globals["spark_points"] = points
    app.jinja_env.globals["threshold_lines"] = threshold_lines
    app.jinja_env.globals["asset"] = asset
    app.after_request(security.add_headers)
    app.register_blueprint(bp)
