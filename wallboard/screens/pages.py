"""Pages: the team list and the kiosk screens (a team, /wall, /rotate), server-rendered first."""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    jsonify,
    render_template,
    request,
    url_for,
)

from collectors.options import parse_duration
from wallboard import security
from wallboard.board.board import Board, severity
from wallboard.board.shapes import team_summary, team_view
from wallboard.board.sparkline import points
from wallboard.config.loader import WallConfig
from wallboard.wall import Wall, current_wall

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
    with board.read() as config:
        views = [team_view(board, t, history=False) for t in config.teams]
    for view in views:
        view["rows"] = tile_rows(view["panels"])
    return sorted(views, key=lambda v: -severity(v["status"]))


def _screen(template: str, wall: Wall, config: WallConfig, **context: Any) -> str:
    """A kiosk page rendered from ``config``, the one its board data was read with."""
    return render_template(
        template,
        wall=wall,
        config=config,
        now=time.time(),
        screen_settings=wall.screen_settings(config),
        **context,
    )


def _rotation_args(config: WallConfig) -> tuple[list[str], float]:
    raw = request.args.get("teams", "")
    teams = [t for t in raw.split(",") if t] or list(config.teams)
    unknown = [t for t in teams if t not in config.teams]
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

    # Each page reads the board once, inside board.read(): its config and its data agree
    # even while a reload adds or removes teams. Rendering happens after, outside the lock.
    @bp.get("/")
    def index() -> str:
        wall = current_wall()
        with wall.board.read() as config:
            teams = [team_summary(wall.board, t) for t in config.teams]
            sources = dict(wall.board.sources)
        return render_template("index.html", teams=teams, wall=wall, config=config, sources=sources)

    @bp.get("/teams/<team>")
    def team_page(team: str) -> str:
        wall = current_wall()
        with wall.board.read() as config:
            if team not in config.teams:
                abort(404, f"unknown team: {team}")
            view = team_view(wall.board, team)
        return _screen("team.html", wall, config, team=view)

    @bp.get("/wall")
    def wall_page() -> str:
        wall = current_wall()
        with wall.board.read() as config:
            teams = worst_first(wall.board)
            notes = source_notes(wall.board)
        status = teams[0]["status"] if teams else "unknown"
        return _screen("wall.html", wall, config, teams=teams, status=status, notes=notes)

    @bp.get("/wall/sources")
    def wall_sources() -> Response:
        # The websocket carries panels only; /wall's footer polls this for source problems.
        wall = current_wall()
        with wall.board.read() as config:
            return jsonify(notes=source_notes(wall.board), sources=len(config.sources))

    @bp.get("/rotate")
    def rotate_page() -> str:
        wall = current_wall()
        with wall.board.read() as config:
            teams, every = _rotation_args(config)
            names = [{"id": t, "name": config.teams[t].name} for t in teams]
            first = team_view(wall.board, teams[0])
        return _screen(
            "rotate.html", wall, config, team=first, teams=teams, every=every, names=names
        )

    def asset(name: str) -> str:
        # The build id in the URL: after a deploy a screen never mixes old cached scripts in.
        return url_for("static", filename=name, v=current_wall().build_id)

    app.jinja_env.globals["spark_points"] = points
    app.jinja_env.globals["asset"] = asset
    app.after_request(security.add_headers)
    app.register_blueprint(bp)
