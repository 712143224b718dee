"""Phase two of loading: resolve references and let each source kind check its own keys."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from collectors.registry import KINDS, source_class
from wallboard.config.links import Links
from wallboard.config.model import (
    ConfigIssue,
    Panel,
    Source,
    Team,
    did_you_mean,
    issues_from,
)
from wallboard.config.schema import (
    ID_PATTERN,
    PanelSettings,
    SourceSettings,
    TeamSettings,
    Thresholds,
    WallSettings,
)


def sources(
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
                    f'unknown source type "{src.type}"{did_you_mean(src.type, list(KINDS))}',
                )
            )
            continue
        try:
            options = source_class(src.type).Options.model_validate(src.extras, context=context)
        except ValidationError as exc:
            issues += issues_from(exc, ("sources", sid))
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


def _links(links: Links | None) -> dict[str, str]:
    return links.as_dict() if links is not None else {}


def panels(
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
                    f'no source named "{p.source}"{did_you_mean(p.source, sorted(source_types))}',
                )
            )
            continue
        # Even when the source itself is invalid, its declared type still checks this panel's keys.
        kind = source_types[p.source]
        if kind not in KINDS:
            continue  # the source's own error is already reported
        try:
            thresholds = Thresholds(warn=p.warn, crit=p.crit, direction=p.direction)
            # The panel's kind rides along: a source checks e.g. an "slo" panel's own keys.
            options = source_class(kind).PanelOptions.model_validate(
                p.extras, context={**context, "panel_kind": p.kind}
            )
        except ValidationError as exc:
            issues += issues_from(exc, ("panels", pid))
            continue
        if p.source not in sources:
            continue
        out[pid] = Panel(
            pid,
            p.title,
            p.kind,
            p.unit,
            p.source,
            thresholds,
            p.decimals,
            options,
            _links(p.links),
        )
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
            issues += issues_from(exc, ("teams", tid))
    for key in sorted(set(extras) - claimed):
        issues.append(
            ConfigIssue(
                f"teams.{tid}.{key}",
                "unknown key (check the spelling, or add a source whose type uses it)",
            )
        )
    return out


def teams(
    table: dict[str, TeamSettings],
    panel_ids: set[str],
    sources: dict[str, Source],
    panels: dict[str, Panel],
    context: dict[str, Any],
    issues: list[ConfigIssue],
    declared_kinds: set[str] | None = None,
) -> dict[str, Team]:
    # Every *declared* kind claims its team keys, valid source or not: a source rejected
    # for a missing secret must not turn its teams' correct keys into "unknown key".
    kinds = {s.type for s in sources.values()} | {k for k in declared_kinds or () if k in KINDS}
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
                        f'no panel named "{ref.panel}"{did_you_mean(ref.panel, sorted(panel_ids))}',
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
                issues += [ConfigIssue(where, i.message) for i in issues_from(exc)]
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
                    base.links,
                )
            )
        options = _team_options(tid, t.extras, kinds, context, issues)
        out[tid] = Team(tid, name, tuple(team_panels), options, _links(t.links))
    return out
