"""Building an on-call source from a config text, as the wall does, and running its cycles."""

from __future__ import annotations

import time
import tomllib
from collections.abc import Mapping
from typing import Any

from collectors.base import Collection
from collectors.oncall.source import OncallSource
from wallboard.config import loader as config_mod
from wallboard.sources import build_sources

PANELS = """
[panels.oncall]
title = "On call"
source = "{source}"
kind = "oncall"

[panels.incidents]
title = "Incidents"
source = "{source}"
kind = "alerts"
"""


def build(text: str, env: Mapping[str, str], source: str = "vendor") -> Any:
    cfg = config_mod.parse(tomllib.loads(text), env=dict(env))
    built = build_sources(cfg, dict(env))[source]
    assert isinstance(built, OncallSource)
    return built


def collect(source: Any) -> Collection:
    result: Collection = source.collect(time.monotonic() + 5)
    return result


def teams_toml(
    teams: Mapping[str, Mapping[str, Any]], panels: str = '["oncall", "incidents"]'
) -> str:
    lines = []
    for team, keys in teams.items():
        lines.append(f"[teams.{team}]\npanels = {panels}")
        for key, value in keys.items():
            lines.append(f"{key} = {value!r}".replace("'", '"'))
    return "\n".join(lines) + "\n"
