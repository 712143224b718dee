"""``[rooms.<id>]``: the room a TV hangs in, as a wall of some teams or as a rotation.

A room has a title and exactly one of two forms:

- ``teams = ["payments", "search"]``: a wall of those teams (``/rooms/<id>``);
- ``rotation = [{team = "payments", dwell = "30s"}, {room = "window"}, {wall = true}]``:
  pages shown in turn, each a team, a team-list room or ``/wall``, for its own dwell.
  ``focus = "trouble"`` makes it cycle among the crit teams while any is crit.

Phase one (``RoomSettings``) checks the shape; ``resolve`` checks every reference
against the teams and rooms of the same file and reports key paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from collectors.options import Duration, Options, between
from wallboard.config.model import ConfigIssue, Room, RotationPage, did_you_mean, issues_from
from wallboard.config.schema import ID_PATTERN

DEFAULT_DWELL = 30.0
Dwell = Annotated[Duration, between(2.0, 3600.0)]  # /rotate's range
MAX_PAGES = 100


class RotationPageSettings(Options):
    """One page of a rotation: exactly one of ``team``, ``room`` or ``wall = true``."""

    team: str | None = None
    room: str | None = None
    wall: bool = False
    dwell: Dwell = DEFAULT_DWELL

    @model_validator(mode="after")
    def _one_target(self) -> RotationPageSettings:
        given = [k for k in ("team", "room") if getattr(self, k) is not None]
        if self.wall:
            given.append("wall")
        if len(given) != 1:
            raise ValueError('each page names exactly one of team = "…", room = "…" or wall = true')
        return self


class RoomSettings(Options):
    title: str = Field(min_length=1, max_length=80)
    teams: list[str] | None = Field(default=None, min_length=1, max_length=MAX_PAGES)
    rotation: list[RotationPageSettings] | None = Field(
        default=None, min_length=1, max_length=MAX_PAGES
    )
    focus: Literal["off", "trouble"] = "off"

    @model_validator(mode="after")
    def _one_form(self) -> RoomSettings:
        if (self.teams is None) == (self.rotation is None):
            raise ValueError("a room has either teams = [...] or rotation = [...], not both")
        if self.focus != "off" and self.rotation is None:
            raise ValueError('focus = "trouble" applies to a rotation only')
        return self


def page_teams(page: RotationPage, rooms: Mapping[str, Room], all_teams: list[str]) -> list[str]:
    """The teams one rotation page shows, in config order for /wall."""
    if page.kind == "team":
        return [page.target]
    if page.kind == "room":
        return list(rooms[page.target].teams)
    return list(all_teams)


def room_teams(room: Room, rooms: Mapping[str, Room], all_teams: list[str]) -> list[str]:
    """Every team a room shows (a rotation: of all its pages), each once, in order."""
    if not room.rotation:
        return list(room.teams)
    out: list[str] = []
    for page in room.rotation:
        out += page_teams(page, rooms, all_teams)
    return list(dict.fromkeys(out))


def shape(raw: Any, context: dict[str, Any], issues: list[ConfigIssue]) -> dict[str, RoomSettings]:
    """Phase one: each ``[rooms.<id>]`` table checked on its own. Rooms are optional."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        issues.append(ConfigIssue("rooms", "expected [rooms.<id>] tables"))
        return {}
    out = {}
    for rid, table in raw.items():
        try:
            out[rid] = RoomSettings.model_validate(table, context=context)
        except ValidationError as exc:
            issues += issues_from(exc, ("rooms", rid))
    return out


def _team_issue(where: str, team: str, teams: list[str]) -> ConfigIssue:
    return ConfigIssue(where, f'no team named "{team}"{did_you_mean(team, teams)}')


def resolve(
    table: Mapping[str, RoomSettings], teams: list[str], issues: list[ConfigIssue]
) -> dict[str, Room]:
    """Phase two: every team and room a room names exists; a rotation's rooms are walls."""
    out: dict[str, Room] = {}
    walls = {rid for rid, r in table.items() if r.teams is not None}
    for rid, settings in table.items():
        if not re.match(ID_PATTERN, rid):
            issues.append(
                ConfigIssue(f"rooms.{rid}", "room ids are lowercase letters, digits, - and _")
            )
        bad = False
        for i, team in enumerate(settings.teams or ()):
            if team not in teams:
                issues.append(_team_issue(f"rooms.{rid}.teams[{i}]", team, teams))
                bad = True
        pages = []
        for i, page in enumerate(settings.rotation or ()):
            where = f"rooms.{rid}.rotation[{i}]"
            if page.team is not None:
                if page.team not in teams:
                    issues.append(_team_issue(f"{where}.team", page.team, teams))
                    bad = True
                pages.append(RotationPage("team", page.team, page.dwell))
            elif page.room is not None:
                if page.room not in walls:
                    why = "a rotation shows rooms that are walls of teams"
                    if page.room not in table:
                        why = f'no room named "{page.room}"{did_you_mean(page.room, sorted(walls))}'
                    issues.append(ConfigIssue(f"{where}.room", why))
                    bad = True
                pages.append(RotationPage("room", page.room, page.dwell))
            else:
                pages.append(RotationPage("wall", "", page.dwell))
        if not bad:
            listed = tuple(dict.fromkeys(settings.teams or ()))
            out[rid] = Room(rid, settings.title, listed, tuple(pages), settings.focus)
    return out
