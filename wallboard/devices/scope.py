"""Which pages a screen may be sent to, and which teams a device's page lets it see."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from urllib.parse import parse_qs, urlsplit

from wallboard.config.model import Room
from wallboard.views.scale import parse_scale

ALL = None  # a page of every team (/wall, /rotate without teams)


def room_scope(room: Room) -> frozenset[str] | None:
    """The teams a room shows; ``ALL`` when its rotation shows /wall."""
    if any(page.kind == "wall" for page in room.rotation):
        return ALL
    return frozenset(room.teams) | frozenset(p.target for p in room.rotation if p.kind == "team")


def page_teams(
    page: str, known: Collection[str], rooms: Mapping[str, Room] | None = None
) -> frozenset[str] | None:
    """The teams ``page`` shows (``ALL``: every team); ValueError if it is no screen page.

    Accepted pages: ``/wall``, ``/wall?teams=a,b``, ``/teams/<team>``, ``/rooms/<room>``,
    ``/rotate`` and ``/rotate?teams=a,b`` (other rotate parameters such as ``every`` pass
    through), each with an optional ``scale`` in range (it draws larger, it shows no other
    team). Only known teams and rooms.
    """
    if len(page) > 300 or not page.startswith("/") or page.startswith("//"):
        raise ValueError(page)
    parts = urlsplit(page)
    if parts.scheme or parts.netloc or parts.fragment:
        raise ValueError(page)
    params = parse_qs(parts.query, keep_blank_values=True)
    scale = params.pop("scale", None)
    if scale is not None and (len(scale) != 1 or parse_scale(scale[0]) is None):
        raise ValueError(page)
    path = parts.path
    if path == "/wall" and not params:
        return ALL
    if path.startswith("/rooms/") and not params:
        room = (rooms or {}).get(path[len("/rooms/") :])
        if room is None:
            raise ValueError(page)
        return _rooms_teams(room, rooms or {})
    if path.startswith("/teams/") and not params:
        team = path[len("/teams/") :]
        if team not in known:
            raise ValueError(page)
        return frozenset({team})
    if path in ("/rotate", "/wall"):
        raw = params.get("teams", [""])
        listed = [t for t in ",".join(raw).split(",") if t]
        if not listed:
            return ALL
        if not all(t in known for t in listed):
            raise ValueError(page)
        return frozenset(listed)
    raise ValueError(page)


def _rooms_teams(room: Room, rooms: Mapping[str, Room]) -> frozenset[str] | None:
    scope = room_scope(room)
    if scope is ALL:
        return ALL
    inner = [rooms[p.target].teams for p in room.rotation if p.kind == "room"]
    return scope.union(*inner)


def may_see(granted: frozenset[str] | None, wanted: frozenset[str] | None) -> bool:
    """A device granted ``granted`` teams may open a page or socket of ``wanted`` teams."""
    if granted is ALL:
        return True
    return wanted is not ALL and wanted <= granted
