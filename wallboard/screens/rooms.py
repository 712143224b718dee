"""``/rooms/<id>``: a room's screen, /wall's page for its teams or its rotation's page now.

A rotation is driven by the server (``views.rotation``): each load renders the page
its slot holds, with the slot's end; the page reloads itself then, or at once when
the rotation's trouble changes (``static/rotation.js``). So every TV of a room agrees,
and a reload or reconnect lands where the rotation was.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response

from wallboard.config.loader import WallConfig
from wallboard.config.model import Room, suggest
from wallboard.config.rooms import page_teams, room_teams
from wallboard.screens import pages, subset
from wallboard.views.rotation import Slot, position
from wallboard.wall import Wall, current_wall

bp = Blueprint("rooms", __name__)


def unknown_room(room_id: str, config: WallConfig) -> Response:
    close = suggest(room_id, [(r, r) for r in config.rooms], 3)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return subset.refuse(404, "unknown_room", f'no room "{room_id[:60]}"{hint}', close)


def statuses(wall: Wall, teams: list[str]) -> dict[str, tuple[str, float | None]]:
    """id -> (status, since when) of ``teams``, as every face reads them."""
    out = {}
    for team in teams:
        view = wall.views.get(team).plain(history=False)
        out[team] = (view["status"], view["status_since"])
    return out


def slot_of(wall: Wall, config: WallConfig, room: Room, now: float) -> tuple[Slot, list[str]]:
    """Where ``room``'s rotation stands at ``now``, and every team it shows."""
    everyone = list(config.teams)
    teams = room_teams(room, config.rooms, everyone)
    return position(room, config.rooms, everyone, statuses(wall, teams), now), teams


def _rotation_context(
    config: WallConfig, room: Room, slot: Slot, teams: list[str]
) -> dict[str, Any]:
    names = {t.id: t.name for t in config.teams.values()}
    titles = {r.id: r.title for r in config.rooms.values()}

    def label(page: Any) -> str:
        if page.kind == "team":
            return str(names[page.target])
        return str(titles[page.target]) if page.kind == "room" else "All teams"

    return {
        "room": room,
        "slot": slot,
        "ws": subset.socket_path(teams),
        "rotation_teams": teams,
        "labels": [label(p) for p in slot.pages],
        "next_label": label(slot.pages[(slot.index + 1) % len(slot.pages)]),
    }


@bp.get("/rooms/<room_id>")
def room_page(room_id: str) -> str | Response:
    wall = current_wall()
    now = time.time()
    team: dict[str, Any] | None = None
    # Read inside board.read() (config and data agree), render after, outside the lock.
    with wall.board.read() as config:
        room = config.rooms.get(room_id)
        if room is None:
            return unknown_room(room_id, config)
        notes = pages.source_notes(wall.board)
        if not room.rotation:
            tiles = pages.wall_tiles(wall, room.teams)
            args = subset.wall_args(room.teams, room.title)
            template = "wall.html"
        else:
            slot, teams = slot_of(wall, config, room, now)
            args = _rotation_context(config, room, slot, teams)
            only = page_teams(slot.page, config.rooms, list(config.teams))
            if slot.page.kind == "team":
                team = wall.views.get(slot.page.target).screen
            else:
                tiles = pages.wall_tiles(wall, only)
                args.update(only=only, title=room.title)
                template = "room_wall.html"
    if team is not None:
        return pages.screen_page("room_team.html", wall, config, team=team, **args)
    return pages.wall_screen(template, wall, config, tiles, notes, **args)
