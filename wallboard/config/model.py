"""The loaded configuration: immutable objects the rest of the app reads, and its errors."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from wallboard.config.schema import (
    ApiSettings,
    DeploySettings,
    ScreenSettings,
    ServerSettings,
    SlackSettings,
    StateSettings,
    Thresholds,
    WallSettings,
)


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


# [rooms.<id>] as loaded (wallboard/config/rooms.py checks and builds them).
@dataclass(frozen=True)
class RotationPage:
    kind: Literal["team", "room", "wall"]
    target: str  # the team or room id; "" for /wall
    dwell: float

    @property
    def path(self) -> str:
        if self.kind == "team":
            return f"/teams/{self.target}"
        if self.kind == "room":
            return f"/rooms/{self.target}"
        return "/wall"


@dataclass(frozen=True)
class Room:
    id: str
    title: str
    teams: tuple[str, ...] = ()  # a wall of these teams, when not a rotation
    rotation: tuple[RotationPage, ...] = ()
    focus: str = "off"

    @property
    def kind(self) -> str:
        return "rotation" if self.rotation else "wall"

    @property
    def path(self) -> str:
        return f"/rooms/{self.id}"


class ConfigError(Exception):
    """Every problem found in one config file."""

    def __init__(self, file: str, issues: list[ConfigIssue]) -> None:
        self.file = file
        self.issues = issues
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.file}: {len(self.issues)} error(s) in the configuration"]
        lines += [f"  {self.file}: {issue}" for issue in self.issues]
        return "\n".join(lines)


@dataclass(frozen=True)
class Source:
    id: str
    type: str
    interval: float
    timeout: float
    stale_after: float
    options: BaseModel


@dataclass(frozen=True)
class Panel:
    """A panel as one team shows it: the shared definition with that team's overrides."""

    id: str
    title: str
    kind: str
    unit: str
    source: str
    thresholds: Thresholds
    decimals: int | None
    options: BaseModel
    links: Mapping[str, str] = field(default_factory=dict)  # kind -> http(s) URL


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    panels: tuple[Panel, ...]
    options: Mapping[str, BaseModel]  # source kind -> that kind's per-team options
    links: Mapping[str, str] = field(default_factory=dict)  # kind -> http(s) URL


@dataclass(frozen=True)
class WallConfig:
    path: str
    wall: WallSettings
    screen: ScreenSettings
    api: ApiSettings
    slack: SlackSettings
    server: ServerSettings
    sources: Mapping[str, Source]
    teams: Mapping[str, Team]  # in file order
    deploys: DeploySettings = field(default_factory=DeploySettings)
    state: StateSettings = field(default_factory=StateSettings)
    rooms: Mapping[str, Room] = field(default_factory=dict)  # [rooms.<id>], in file order

    def team(self, team_id: str) -> Team | None:
        return self.teams.get(team_id)


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_FRIENDLY = {
    "extra_forbidden": "unknown key (check the spelling)",
    "missing": "required key is missing",
}


def issues_from(exc: ValidationError, prefix: tuple[Any, ...] = ()) -> list[ConfigIssue]:
    issues = []
    for err in exc.errors(include_url=False):
        loc = prefix + tuple(err["loc"])
        message = _FRIENDLY.get(err["type"], err["msg"].removeprefix("Value error, "))
        given = err.get("input")
        if (
            err["type"] not in _FRIENDLY
            and not isinstance(given, (dict, list))
            and str(given) not in message
        ):
            message += f" (got {given!r})"
        issues.append(ConfigIssue(_path(loc), message))
    return issues


def suggest(name: str, choices: Iterable[tuple[str, str]], n: int = 1) -> list[str]:
    """What ``name`` was probably meant to be: at most ``n`` values, the closest first.

    ``choices`` are (spelling, value) pairs, so a team can be found by its id or its
    name and still be suggested by id. Case does not matter; no value comes twice.
    The one typo helper of config errors, the API's 404s and the chat command.
    """
    by_key: dict[str, str] = {}
    for key, value in choices:
        by_key.setdefault(key.lower(), value)
    close = difflib.get_close_matches(name.strip().lower(), list(by_key), n=n * 2, cutoff=0.6)
    return list(dict.fromkeys(by_key[c] for c in close))[:n]


def did_you_mean(name: str, choices: list[str]) -> str:
    """A config error's tail: the closest choice, else every choice."""
    close = suggest(name, [(c, c) for c in choices])
    return f'; did you mean "{close[0]}"?' if close else f"; known: {', '.join(sorted(choices))}"
