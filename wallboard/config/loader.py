"""Load ``config.toml`` into immutable, cross-checked objects, or say precisely why not.

The result is a :class:`config_model.WallConfig` (re-exported here). Two phases:
the models in ``settings`` check the shape of each part; then references are
resolved (a panel's source, a team's panels) and each source kind validates its
own keys with its own models. Every problem is collected with its key path
(``teams.payments.panels[1].warn``) and reported at once, not just the first.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from wallboard.config import nesting
from wallboard.config import resolve as config_resolve
from wallboard.config import rooms as config_rooms
from wallboard.config.model import (
    ConfigError,
    ConfigIssue,
    Panel,
    Source,
    Team,
    WallConfig,
    did_you_mean,
    issues_from,
)
from wallboard.config.schema import (
    ApiSettings,
    DeploySettings,
    PanelSettings,
    ScreenSettings,
    ServerSettings,
    SlackSettings,
    SourceSettings,
    StateSettings,
    TeamSettings,
    WallSettings,
)

M = TypeVar("M", bound=BaseModel)
__all__ = [
    "ConfigError",
    "ConfigIssue",
    "Panel",
    "Source",
    "Team",
    "WallConfig",
    "load",
    "parse",
]


_SECTIONS: dict[str, type[BaseModel]] = {
    "wall": WallSettings,
    "screen": ScreenSettings,
    "api": ApiSettings,
    "slack": SlackSettings,
    "server": ServerSettings,
    "deploys": DeploySettings,
    "state": StateSettings,
}
_TABLES: dict[str, type[BaseModel]] = {
    "sources": SourceSettings,
    "panels": PanelSettings,
    "teams": TeamSettings,
}


def _validate(
    model: type[M],
    raw: Any,
    loc: tuple[Any, ...],
    context: dict[str, Any],
    issues: list[ConfigIssue],
) -> M | None:
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as exc:
        issues += issues_from(exc, loc)
        return None


def _shape(
    data: Mapping[str, Any], context: dict[str, Any], issues: list[ConfigIssue]
) -> dict[str, Any]:
    """Phase one, section by section and entry by entry, so one bad part hides no other."""
    out: dict[str, Any] = {}
    for key in data:
        if key not in _SECTIONS and key not in _TABLES and key != "rooms":
            hint = did_you_mean(key, [*_SECTIONS, *_TABLES, "rooms"])
            issues.append(ConfigIssue(key, f"unknown section (check the spelling){hint}"))
    for key, model in _SECTIONS.items():
        out[key] = _validate(model, data.get(key, {}), (key,), context, issues) or model()
    for key, model in _TABLES.items():
        table = data.get(key)
        if not isinstance(table, Mapping) or not table:
            issues.append(ConfigIssue(key, f"at least one [{key}.<id>] table is required"))
            out[key] = {}
            continue
        entries = {}
        for entry_id, raw in table.items():
            entry = _validate(model, raw, (key, entry_id), context, issues)
            if entry is not None:
                entries[entry_id] = entry
        out[key] = entries
    return out


def parse(
    data: Mapping[str, Any],
    *,
    file: str = "config.toml",
    env: Mapping[str, str] | None = None,
    offline: bool = False,
) -> WallConfig:
    """Validate already-parsed TOML data. Raises ConfigError listing every problem.

    ``offline`` checks structure only: ``*_env`` variables need not be set and
    ``*_file`` files need not exist (``check-config --offline``, in CI).
    """
    context = {"env": env if env is not None else os.environ, "offline": offline}
    issues: list[ConfigIssue] = []
    too_deep = _too_deep(data)
    if too_deep is not None:
        raise ConfigError(file, [too_deep])
    shape = _shape(data, context, issues)
    sources = config_resolve.sources(shape["sources"], shape["wall"], context, issues)
    raw = data.get("sources")
    raw_sources: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    source_types = {
        sid: str(entry.get("type")) if isinstance(entry, Mapping) else ""
        for sid, entry in raw_sources.items()
    }
    panels = config_resolve.panels(shape["panels"], source_types, sources, context, issues)
    raw_panels = data.get("panels")
    panel_ids = set(raw_panels) if isinstance(raw_panels, Mapping) else set()
    teams = config_resolve.teams(
        shape["teams"],
        panel_ids,
        sources,
        panels,
        context,
        issues,
        declared_kinds=set(source_types.values()),
    )
    for service, team_id in shape["deploys"].services.items():
        if team_id not in teams and team_id not in (data.get("teams") or {}):
            issues.append(ConfigIssue(f"deploys.services.{service}", f'no team named "{team_id}"'))
    room_table = config_rooms.shape(data.get("rooms"), context, issues)
    raw_teams = data.get("teams")
    team_ids = list(raw_teams) if isinstance(raw_teams, Mapping) else []
    rooms = config_rooms.resolve(room_table, team_ids, issues)
    if issues:
        raise ConfigError(file, issues)
    return WallConfig(
        path=file,
        wall=shape["wall"],
        screen=shape["screen"],
        api=shape["api"],
        slack=shape["slack"],
        server=shape["server"],
        deploys=shape["deploys"],
        sources=sources,
        teams=teams,
        state=shape["state"],
        rooms=rooms,
    )


def load(
    path: str | os.PathLike[str], env: Mapping[str, str] | None = None, offline: bool = False
) -> WallConfig:
    """Read and validate a config file. Raises ConfigError (never a raw traceback)."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(
            file, [ConfigIssue("", f"cannot read the file: {exc.strerror}")]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = f"0x{raw[exc.start]:02x}"
        message = f"the file is not UTF-8 text: byte {byte} at line {line}, column {column}"
        raise ConfigError(file, [ConfigIssue("", message)]) from None
    # Before tomllib, which recurses per level: the text says which key and line nest.
    deep = nesting.too_deep(text, MAX_DEPTH)
    if deep is not None:
        where = f"{_DEEP} (line {deep.line}, column {deep.column})"
        raise ConfigError(file, [ConfigIssue(deep.path, where)])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, [_toml_issue(str(exc))]) from None
    except RecursionError:  # not nested by the scan's count, yet too deep for tomllib
        raise ConfigError(file, [ConfigIssue("", _DEEP)]) from None
    return parse(data, file=file, env=env, offline=offline)


MAX_DEPTH = 16  # the deepest real config nests 5 levels; anything far deeper is a mistake
_DEEP = f"values are nested more than {MAX_DEPTH} levels deep"


def _too_deep(data: Any) -> ConfigIssue | None:
    """The first value nested past MAX_DEPTH, by key path; iterative so depth cannot crash it."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return ConfigIssue(path, _DEEP)
        if isinstance(value, Mapping):
            for key, item in value.items():
                stack.append((item, f"{path}.{key}" if path else str(key), depth + 1))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                stack.append((item, f"{path}[{i}]", depth + 1))
    return None


def _toml_issue(message: str) -> ConfigIssue:
    # tomllib says "Cannot declare ('teams', 'payments') twice (at line 9, column 16)".
    match = re.search(r"\(([^()]*)\) twice", message)
    if match:
        path = ".".join(part.strip(" '\"") for part in match.group(1).split(","))
        return ConfigIssue(path, f"declared twice (duplicate id): TOML {message}")
    return ConfigIssue("", f"invalid TOML: {message}")
