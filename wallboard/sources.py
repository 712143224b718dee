"""The configured sources as objects: built from a config, and asked online by ``check-config``.

Building is shared by the running wall (at start and on every reload) and by
``wallboard check-config --online``, which builds each source for a moment, asks
those that can (``collectors.base.OnlineCheck``) whether their upstream accepts the
config, and closes them; problems are printed with their key paths.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping

from collectors.base import (
    Memory,
    OnlineCheck,
    OnlineWarnings,
    PanelTarget,
    Source,
    SourceContext,
    TeamTarget,
)
from collectors.errors import CollectorError
from collectors.registry import source_class
from wallboard.config.loader import WallConfig


def build_sources(config: WallConfig, env: Mapping[str, str]) -> dict[str, Source]:
    """One object per configured source, given only the panels and teams it feeds."""
    sources: dict[str, Source] = {}
    for sid, src in config.sources.items():
        cls = source_class(src.type)
        panels: dict[str, PanelTarget] = {}
        teams: list[TeamTarget] = []
        for team in config.teams.values():
            uses = [p for p in team.panels if p.source == sid]
            if not uses:
                continue
            teams.append(TeamTarget(team.id, team.name, team.options[src.type]))
            for panel in uses:
                prev = panels.get(panel.id)
                names = (prev.teams if prev else ()) + (team.id,)
                panels[panel.id] = PanelTarget(
                    panel.id, panel.kind, panel.unit, names, panel.options
                )
        context = SourceContext(
            sid, src.interval, src.timeout, src.options, tuple(panels.values()), tuple(teams), env
        )
        sources[sid] = cls(context)
    return sources


def _report_health(source: Source, deadline: float) -> None:
    """Each health check's status after one probe, once per check (its memory holds them)."""
    try:
        source.collect(deadline)
    except CollectorError as exc:
        print(f"health: cannot check: {exc.reason}")
        return
    checks = source.export_memory().get("checks") if isinstance(source, Memory) else None
    for key, state in sorted((checks or {}).items()):
        team, _, name = str(key).partition("/")
        reason = state.get("reason") if isinstance(state, dict) else None
        status = state.get("status") if isinstance(state, dict) else None
        if isinstance(state, dict) and state.get("failures") and status != "down":
            status = "failing"  # one probe: the wall would wait for fail_after in a row
        print(f"health: teams.{team}: {name}: {status}" + (f" ({reason})" if reason else ""))


def check_online(cfg: WallConfig) -> int:
    """Print every problem upstreams report, as ``file: key.path: reason``; 1 if any.

    Warnings (a team without data while others have some) are printed and do not fail."""
    problems: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    sources = build_sources(cfg, os.environ)
    try:
        for sid, source in sources.items():
            if isinstance(source, OnlineCheck):
                problems += source.check_online(time.monotonic() + cfg.sources[sid].timeout)
            if isinstance(source, OnlineWarnings):
                warnings += source.online_warnings
            if cfg.sources[sid].type == "health":
                _report_health(source, time.monotonic() + cfg.sources[sid].timeout)
    finally:
        for source in sources.values():
            source.close()
    for path, reason in warnings:
        print(f"warning: {cfg.path}: {path}: {reason}", file=sys.stderr)
    if not problems:
        print("online: every upstream accepted its queries and every panel has data")
        return 0
    print(f"{cfg.path}: {len(problems)} error(s) found online", file=sys.stderr)
    for path, reason in problems:
        print(f"  {cfg.path}: {path}: {reason}", file=sys.stderr)
    return 1
