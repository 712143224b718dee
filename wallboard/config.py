"""Load ``config.toml`` into immutable, cross-checked objects, or say precisely why not.

Two phases: ``settings.FileSettings`` checks the shape; then references are
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
from typing import Any

from pydantic import BaseModel, ValidationError

from collectors.registry import KINDS, source_class
from wallboard.settings import (
    ID_PATTERN,
    ApiSettings,
    FileSettings,
    ScreenSettings,
    ServerSettings,
    SlackSettings,
    Thresholds,
    WallSettings,
)


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
        if err["type"] not in _FRIENDLY and not isinstance(err.get("input"), (dict, list)):
            message += f" (got {err.get('input')!r})"
        issues.append(ConfigIssue(_path(loc), message))
    return issues


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f'; did you mean "{close[0]}"?' if close else f"; known: {', '.join(sorted(choices))}"


def parse(
    data: Mapping[str, Any], *, file: str = "config.toml", env: Mapping[str, str] | None = None
) -> WallConfig:
    """Validate already-parsed TOML data. Raises ConfigError listing every problem."""
    context = {"env": env if env is not None else os.environ}
    try:
        settings = FileSettings.model_validate(data, context=context)
    except ValidationError as exc:
        raise ConfigError(file, _issues(exc)) from None
    issues: list[ConfigIssue] = []
    sources = _sources(settings, context, issues)
    panels = _panels(settings, sources, context, issues)
    teams = _teams(settings, sources, panels, context, issues)
    if issues:
        raise ConfigError(file, issues)
    return WallConfig(
        path=file,
        wall=settings.wall,
        screen=settings.screen,
        api=settings.api,
        slack=settings.slack,
        server=settings.server,
        sources=sources,
        teams=teams,
    )


def _sources(
    settings: FileSettings, context: dict[str, Any], issues: list[ConfigIssue]
) -> dict[str, Source]:
    out = {}
    for sid, src in settings.sources.items():
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
            src.stale_after or settings.wall.stale_after,
            options,
        )
    return out


def _panels(
    settings: FileSettings,
    sources: dict[str, Source],
    context: dict[str, Any],
    issues: list[ConfigIssue],
) -> dict[str, Panel]:
    out = {}
    for pid, p in settings.panels.items():
        if not re.match(ID_PATTERN, pid):
            issues.append(
                ConfigIssue(f"panels.{pid}", "panel ids are lowercase letters, digits, - and _")
            )
        if p.source not in settings.sources:
            issues.append(
                ConfigIssue(
                    f"panels.{pid}.source",
                    f'no source named "{p.source}"{_suggest(p.source, list(settings.sources))}',
                )
            )
            continue
        source = sources.get(p.source)
        if source is None:
            continue  # the source's own error is already reported
        try:
            thresholds = Thresholds(warn=p.warn, crit=p.crit, direction=p.direction)
            options = source_class(source.type).PanelOptions.model_validate(
                p.extras, context=context
            )
        except ValidationError as exc:
            issues += _issues(exc, ("panels", pid))
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
    settings: FileSettings,
    sources: dict[str, Source],
    panels: dict[str, Panel],
    context: dict[str, Any],
    issues: list[ConfigIssue],
) -> dict[str, Team]:
    kinds = {s.type for s in sources.values()}
    out = {}
    names: dict[str, str] = {}
    for tid, t in settings.teams.items():
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
            if ref.panel not in settings.panels:
                issues.append(
                    ConfigIssue(
                        where,
                        f'no panel named "{ref.panel}"{_suggest(ref.panel, list(settings.panels))}',
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
