"""The pages a person may send a screen to (approve, Move), and the page a TV asked for.

Every team, every room, ``/wall`` and the rotation of every team: the fleet view's
lists are written from here, so the approval and Move offer the same pages.
"""

from __future__ import annotations

from flask import request

from wallboard.config.loader import WallConfig
from wallboard.devices import scope


def screen_pages(config: WallConfig) -> list[tuple[str, str]]:
    """(page, label) of every page a screen may show, /wall first."""
    out = [("/wall", "/wall (every team)"), ("/rotate", "/rotate (every team in turn)")]
    out += [(room.path, f"{room.path} ({room.title})") for room in config.rooms.values()]
    out += [(f"/teams/{t.id}", f"/teams/{t.id} ({t.name})") for t in config.teams.values()]
    return out


def requested_page(config: WallConfig) -> str | None:
    """The screen page this request asked for, if it is one a screen may be paired to: the
    default target of its approval (a TV opened at /teams/search lands there)."""
    # With its query when that is a screen page's (/rotate?teams=…, ?scale=1.5), else
    # without it (an unknown parameter is dropped, not a reason to land on /wall).
    for page in (request.full_path.rstrip("?"), request.path):
        try:
            scope.page_teams(page, config.teams, config.rooms)
        except ValueError:
            continue
        return page
    return None


def chosen_page(config: WallConfig, raw: str | None) -> str:
    """The approval form's default page: ``raw`` (from the QR's link) when valid, else /wall."""
    if raw:
        try:
            scope.page_teams(raw, config.teams, config.rooms)
        except ValueError:
            return "/wall"
        return raw
    return "/wall"
