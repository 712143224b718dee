"""``/api/v1/rooms``: every ``[rooms.<id>]``, its teams, their worst status and, for a
rotation, what it shows now (the same slot the room's TVs show, ``views.rotation``)."""

from __future__ import annotations

import time
from typing import Any, Literal

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel

from wallboard.api import auth as api_auth
from wallboard.api.links import PREFIX, base_url
from wallboard.api.models import Status, Uri, _Closed
from wallboard.board.status import worst
from wallboard.config.rooms import room_teams
from wallboard.views.rotation import position
from wallboard.wall import current_wall
from wallboard.web import body


class RoomPage(_Closed):
    kind: Literal["team", "room", "wall"]
    target: str
    path: str
    dwell: float


class RoomNow(_Closed):
    path: str
    ends: float
    troubled: list[str]
    header: str


class Room(_Closed):
    id: str
    title: str
    kind: Literal["wall", "rotation"]
    focus: Literal["off", "trouble"]
    screen_url: Uri
    teams: list[str]
    status: Status
    pages: list[RoomPage]
    now: RoomNow | None


class RoomList(_Closed):
    version: int
    rooms: list[Room]


ROOM_RESPONSES: tuple[type[BaseModel], ...] = (RoomList,)

bp = Blueprint("rooms_api", __name__, url_prefix=PREFIX)
bp.before_request(lambda: api_auth.require_token(frozenset()))


@bp.get("/rooms")
def rooms() -> Response:
    wall = current_wall()
    now = time.time()
    with wall.board.read() as config:
        base = base_url(config)
        everyone = list(config.teams)
        rows: list[dict[str, Any]] = []
        for room in config.rooms.values():
            teams = room_teams(room, config.rooms, everyone)
            plain = {t: wall.views.get(t).plain(history=False) for t in teams}
            row: dict[str, Any] = {
                "id": room.id,
                "title": room.title,
                "kind": room.kind,
                "focus": room.focus,
                "screen_url": base + room.path,
                "teams": teams,
                "status": worst(v["status"] for v in plain.values()),
                "pages": [
                    {"kind": p.kind, "target": p.target, "path": p.path, "dwell": p.dwell}
                    for p in room.rotation
                ],
                "now": None,
            }
            if room.rotation:
                states = {t: (v["status"], v["status_since"]) for t, v in plain.items()}
                slot = position(room, config.rooms, everyone, states, now)
                row["now"] = {
                    "path": slot.page.path,
                    "ends": slot.ends,
                    "troubled": list(slot.troubled),
                    "header": slot.header,
                }
            rows.append(row)
        version = wall.board.version
    response = jsonify(body(RoomList, {"version": version, "rooms": rows}))
    response.headers["Cache-Control"] = "no-cache"
    return response
