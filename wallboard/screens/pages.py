"""Pages: the team list and the kiosk screens (a team, /wall, /rotate), server-rendered first."""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from collectors.options import parse_duration
from wallboard.board.board import SEVERITY, Board
from wallboard.config.loader import WallConfig
from wallboard.devices import listing
from wallboard.devices.gate import devices_of
from wallboard.fanout import protocol
from wallboard.screens import subset
from wallboard.views.scale import SCALE_MAX, SCALE_MIN, parse_scale
from wallboard.views.screen_shape import age_text
from wallboard.wall import Wall, current_wall

ROTATE_MIN_SECONDS = 2.0
ROTATE_MAX_SECONDS = 3600.0
# ?scale= range: at the top of it a 1080p team page still shows the team name and status.


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


def foot_lines(notes: list[dict[str, str]], sources: int, offline: int = 0) -> list[dict[str, str]]:
    """The /wall footer as written (first render and its refresh alike): problems, or one
    all-clear line, then the fleet view's offline screens if any."""
    marks = {"error": "✖"}
    lines = [
        {
            "class": f"note note-{n['level']}",
            "text": f"{marks.get(n['level'], '▲')} {n['source']}: {n['text']}",
        }
        for n in notes
    ]
    if not notes:
        what = "the source is" if sources == 1 else f"all {sources} sources"
        lines.append({"class": "note note-ok", "text": f"✔ {what} collecting"})
    if offline:
        lines.append(
            {
                "class": "note note-warning offline-screens",
                "text": f"▲ {offline} screen{'' if offline == 1 else 's'} offline",
            }
        )
    return lines


def _check_scale() -> None:
    """``?scale=`` is a number in range, or the page answers 400 saying which range."""
    raw = request.args.get("scale")
    if raw is not None and parse_scale(raw) is None:
        abort(400, f"scale: a number from {SCALE_MIN:g} to {SCALE_MAX:g} (got {raw[:20]!r})")


def _screen(template: str, wall: Wall, config: WallConfig, **context: Any) -> str:
    """A kiosk page rendered from ``config``, the one its board data was read with."""
    _check_scale()
    return render_template(
        template,
        wall=wall,
        config=config,
        now=time.time(),
        screen_settings=wall.screen_settings(config),
        protocol=protocol.page_constants(),
        severity=sorted(SEVERITY, key=lambda s: SEVERITY[s]),
        **context,
    )


screen_page = _screen  # the rooms' pages (screens/rooms.py) render the same way


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


bp = Blueprint("web", __name__)


def offline_screens() -> int:
    """Screens the fleet view shows as offline (wallboard/devices), for /wall's footer."""
    return listing.offline_count(devices_of(current_app))


# Each page reads the board once, inside board.read(): its config and its data agree
# even while a reload adds or removes teams. Rendering happens after, outside the lock.
@bp.get("/")
def index() -> str:
    wall = current_wall()
    with wall.board.read() as config:
        teams = [view.summary for view in wall.views.worst_first()]
        sources = dict(wall.board.sources)
    return render_template("index.html", teams=teams, wall=wall, config=config, sources=sources)


@bp.get("/teams/<team>")
def team_page(team: str) -> str:
    wall = current_wall()
    with wall.board.read() as config:
        if team not in config.teams:
            abort(404, f"unknown team: {team}")
        view = wall.views.get(team).screen
    return _screen("team.html", wall, config, team=view)


def wall_tiles(wall: Wall, only: Collection[str] | None = None) -> list[dict[str, Any]]:
    """/wall's tiles, worst first: every team's, or those of ``only`` (a room, ``?teams=``).
    Read inside ``board.read()``."""
    return [v.screen for v in wall.views.worst_first() if only is None or v.id in only]


def wall_screen(
    template: str,
    wall: Wall,
    config: WallConfig,
    teams: list[dict[str, Any]],
    notes: list[dict[str, str]],
    **context: Any,
) -> str:
    """wall.html (or a page extending it) of ``teams``' tiles, with its footer."""
    status = teams[0]["status"] if teams else "unknown"
    foot = foot_lines(notes, len(config.sources), offline_screens())
    return _screen(
        template, wall, config, teams=teams, status=status, notes=notes, foot=foot, **context
    )


@bp.get("/wall")
def wall_page() -> str | Response:
    wall = current_wall()
    with wall.board.read() as config:
        only = subset.requested_teams(config)  # ?teams=a,b: a wall of those teams
        if isinstance(only, Response):
            return only
        teams = wall_tiles(wall, only)
        notes = source_notes(wall.board)
    return wall_screen("wall.html", wall, config, teams, notes, **subset.wall_args(only))


@bp.get("/wall/sources")
def wall_sources() -> Response:
    # The websocket carries panels only; /wall's footer polls this for source problems.
    wall = current_wall()
    with wall.board.read() as config:
        notes = source_notes(wall.board)
        sources = len(config.sources)
    offline = offline_screens()  # the fleet view's count (wallboard/devices)
    return jsonify(
        notes=notes,
        sources=sources,
        offline_screens=offline,
        lines=foot_lines(notes, sources, offline),
    )


@bp.get("/rotate")
def rotate_page() -> str:
    wall = current_wall()
    with wall.board.read() as config:
        teams, every = _rotation_args(config)
        names = [{"id": t, "name": config.teams[t].name} for t in teams]
        first = wall.views.get(teams[0]).screen
    return _screen("rotate.html", wall, config, team=first, teams=teams, every=every, names=names)


@bp.get("/assets/<build>/<path:filename>")
def versioned_asset(build: str, filename: str) -> Response:
    # The build id is in the path, not the query: an ES module's relative imports keep
    # it, so after a deploy a screen never mixes old cached modules with new ones.
    del build  # any build id serves today's file; the id only keys the browser's cache
    return send_from_directory(current_app.static_folder or "static", filename)


# Every template's helpers (the fleet's pages use them too).
bp.add_app_template_global(age_text, "age_text")


@bp.app_template_global("asset")
def asset(name: str) -> str:
    """The URL of a static file under this build's id (see ``versioned_asset``)."""
    return url_for("web.versioned_asset", build=current_wall().build_id, filename=name)
