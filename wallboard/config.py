"""Load ``config.toml`` into immutable, cross-checked objects, or say precisely why not.

Two phases: the models in ``settings`` check the shape of each part; then references are
resolved (a panel's source, a team's panels) and each source kind validates its
own keys with its own models. Every problem is collected with its key path
(``teams.payments.panels[1].warn``) and reported at once, not just the first.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from collectors.registry import KINDS, source_class
from wallboard.settings import (
    ID_PATTERN,
    ApiSettings,
    PanelSettings,
    ScreenSettings,
    ServerSettings,
    SlackSettings,
    SourceSettings,
    TeamSettings,
    Thresholds,
    WallSettings,
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


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


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    panels: tuple[Panel, ...]
    options: Mapping[str, BaseModel]  # source kind -> that kind's per-team options


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


def _issues(exc: ValidationError, prefix: tuple[Any, ...] = ()) -> list[ConfigIssue]:
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


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f'; did you mean "{close[0]}"?' if close else f"; known: {', '.join(sorted(choices))}"


_SECTIONS: dict[str, type[BaseModel]] = {
    "wall": WallSettings,
    "screen": ScreenSettings,
    "api": ApiSettings,
    "slack": SlackSettings,
    "server": ServerSettings,
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
        issues += _issues(exc, loc)
        return None


def _shape(
    data: Mapping[str, Any], context: dict[str, Any], issues: list[ConfigIssue]
) -> dict[str, Any]:
    """Phase one, section by section and entry by entry, so one bad part hides no other."""
    out: dict[str, Any] = {}
    for key in data:
        if key not in _SECTIONS and key not in _TABLES:
            issues.append(
                ConfigIssue(
                    key,
                    f"unknown section (check the spelling){_suggest(key, [*_SECTIONS, *_TABLES])}",
                )
            )
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
    data: Mapping[str, Any], *, file: str = "config.toml", env: Mapping[str, str] | None = None
) -> WallConfig:
    """Validate already-parsed TOML data. Raises ConfigError listing every problem."""
    context = {"env": env if env is not None else os.environ}
    issues: list[ConfigIssue] = []
    shape = _shape(data, context, issues)
    sources = _sources(shape["sources"], shape["wall"], context, issues)
    raw = data.get("sources")
    raw_sources: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    source_types = {
        sid: str(entry.get("type")) if isinstance(entry, Mapping) else ""
        for sid, entry in raw_sources.items()
    }
    panels = _panels(shape["panels"], source_types, sources, context, issues)
    teams = _teams(shape["teams"], set(data.get("panels") or {}), sources, panels, context, issues)
    if issues:
        raise ConfigError(file, issues)
    return WallConfig(
        path=file,
        wall=shape["wall"],
        screen=shape["screen"],
        api=shape["api"],
        slack=shape["slack"],
        server=shape["server"],
        sources=sources,
        teams=teams,
    )


def _sources(
    table: dict[str, SourceSettings],
    wall: WallSettings,
    context: dict[str, Any],
    issues: list[ConfigIssue],
) -> dict[str, Source]:
    out = {}
    for sid, src in table.items():
        if not re.match(ID_PATTERN, sid):
            issues.append(
                ConfigIssue(f"sources.{sid}", "source ids are lowercase letters, digits, - and _")
            )
        if src.type not in KINDS:
            issues.append(
                ConfigIssue(
                    f"sources.{sid}.type",
                    f'unknown source type "{src.type}"{_suggest(src.type, list(KINDS))}',
                )
            )
            continue
        try:
            options = source_class(src.type).Options.model_validate(src.extras, context=context)
        except ValidationError as exc:
            issues += _issues(exc, ("sources", sid))
            continue
        out[sid] = Source(
            sid,
            src.type,
            src.interval,
            src.timeout,
            src.stale_after or wall.stale_after,
            options,
        )
    return out


def _panels(
    table: dict[str, PanelSettings],
    source_types: dict[str, str],
    sources: dict[str, Source],
    context: dict[str, Any],
    issues: list[ConfigIssue],
) -> dict[str, Panel]:
    out = {}
    for pid, p in table.items():
        if not re.match(ID_PATTERN, pid):
            issues.append(
                ConfigIssue(f"panels.{pid}", "panel ids are lowercase letters, digits, - and _")
            )
        if p.source not in source_types:
            issues.append(
                ConfigIssue(
                    f"panels.{pid}.source",
                    f'no source named "{p.source}"{_suggest(p.source, sorted(source_types))}',
                )
            )
            continue
        # Even when the source itself is invalid, its declared type still checks this panel's keys.
        kind = source_types[p.source]
        if kind not in KINDS:
            continue  # the source's own error is already reported
        try:
            thresholds = Thresholds(warn=p.warn, crit=p.crit, direction=p.direction)
            options = source_class(kind).PanelOptions.model_validate(p.extras, context=context)
        except ValidationError as exc:
            issues += _issues(exc, ("panels", pid))
            continue
        if p.source not in sources:
            continue
        out[pid] = Panel(pid, p.title, p.kind, p.unit, p.source, thresholds, p.decimals, options)
    return out


def _team_options(
    tid: str,
    extras: dict[str, Any],
    kinds: set[str],
    context: dict[str, Any],
    issues: list[ConfigIssue],
) -> dict[str, BaseModel]:
    out: dict[str, BaseModel] = {}
    claimed: set[str] = set()
    for kind in sorted(kinds):
        model = source_class(kind).TeamOptions
        keys = set(model.model_fields)
        claimed |= keys
        try:
            out[kind] = model.model_validate(
                {k: v for k, v in extras.items() if k in keys}, context=context
            )
        except ValidationError as exc:
            issues += _issues(exc, ("teams", tid))
    for key in sorted(set(extras) - claimed):
        issues.append(
            ConfigIssue(
                f"teams.{tid}.{key}",
                "unknown key (check the spelling, or add a source whose type uses it)",
            )
        )
    return out


def _teams(
    table: dict[str, TeamSettings],
    panel_ids: set[str],
    sources: dict[str, Source],
    panels: dict[str, Panel],
    context: dict[str, Any],
    issues: list[ConfigIssue],
) -> dict[str, Team]:
    kinds = {s.type for s in sources.values()}
    out = {}
    names: dict[str, str] = {}
    for tid, t in table.items():
        if not re.match(ID_PATTERN, tid):
            issues.append(
                ConfigIssue(
                    f"teams.{tid}",
                    "team ids are lowercase letters, digits, - and _ (they appear in screen URLs)",
                )
            )
        name = t.name or tid
        if name.lower() in names:
            issues.append(
                ConfigIssue(
                    f"teams.{tid}.name",
                    f'"{name}" is already the name of team "{names[name.lower()]}"',
                )
            )
        names[name.lower()] = tid
        team_panels = []
        seen: set[str] = set()
        for i, ref in enumerate(t.panels):
            where = f"teams.{tid}.panels[{i}]"
            if ref.panel in seen:
                issues.append(ConfigIssue(where, f'panel "{ref.panel}" is listed twice'))
                continue
            seen.add(ref.panel)
            if ref.panel not in panel_ids:
                issues.append(
                    ConfigIssue(
                        where,
                        f'no panel named "{ref.panel}"{_suggest(ref.panel, sorted(panel_ids))}',
                    )
                )
                continue
            base = panels.get(ref.panel)
            if base is None:
                continue
            try:
                thresholds = Thresholds(
                    warn=ref.warn if ref.warn is not None else base.thresholds.warn,
                    crit=ref.crit if ref.crit is not None else base.thresholds.crit,
                    direction=ref.direction or base.thresholds.direction,
                )
            except ValidationError as exc:
                issues += [ConfigIssue(where, i.message) for i in _issues(exc)]
                continue
            team_panels.append(
                Panel(
                    base.id,
                    ref.title or base.title,
                    base.kind,
                    base.unit,
                    base.source,
                    thresholds,
                    base.decimals,
                    base.options,
                )
            )
        options = _team_options(tid, t.extras, kinds, context, issues)
        out[tid] = Team(tid, name, tuple(team_panels), options)
    return out


def load(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> WallConfig:
    """Read and validate a config file. Raises ConfigError (never a raw traceback)."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(
            file, [ConfigIssue("", f"cannot read the file: {exc.strerror}")]
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(file, [ConfigIssue("", "the file is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, [_toml_issue(str(exc))]) from None
    return parse(data, file=file, env=env)


def _toml_issue(message: str) -> ConfigIssue:
    # tomllib says "Cannot declare ('teams', 'payments') twice (at line 9, column 16)".
    match = re.search(r"\(([^()]*)\) twice", message)
    if match:
        path = ".".join(part.strip(" '\"") for part in match.group(1).split(","))
        return ConfigIssue(path, f"declared twice (duplicate id): TOML {message}")
    return ConfigIssue("", f"invalid TOML: {message}")
