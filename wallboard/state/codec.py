"""Panel and source state as JSON-ready dicts, and back, for every state backend.

Times are unix seconds, so a restored value keeps its true age. Decoding takes
today's config: a panel that is gone, or whose source id or kind changed, is
dropped (it starts empty) rather than showing a value from another source.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import Any

from collectors.base import Item
from wallboard.board.status import PanelState, SourceState
from wallboard.config.loader import WallConfig


def dumps(data: Any, **options: Any) -> str:
    """JSON text that every parser reads: a non-finite number is a ValueError, never
    ``NaN``/``Infinity`` (which only Python reads back). Values are made JSON-ready where
    they are produced (``_num`` below); this is the guard should one slip through."""
    return json.dumps(data, allow_nan=False, **options)


def _num(value: float | None) -> float | str | None:
    # JSON has no NaN/inf: "no traffic" is NaN and must come back as NaN.
    if value is not None and not math.isfinite(value):
        return repr(value)
    return value


def _unnum(value: Any) -> float | None:
    if value is None:
        return None
    return float(value)  # float("nan") / float("inf") read the repr back


def _is_num_repr(value: Any) -> bool:
    return value in ("nan", "inf", "-inf")


def panel_data(state: PanelState, source_type: str) -> dict[str, Any]:
    return {
        "team": state.team,
        "panel": state.panel.id,
        "source": state.panel.source,
        "source_type": source_type,
        "value": _num(state.value),
        "text": state.text,
        "status": state.status,
        "items": [
            asdict(item) | {"meta": dict(item.meta), "links": dict(item.links)}
            for item in state.items
        ],
        "facts": [[k, _num(v) if isinstance(v, float) else v] for k, v in state.facts],
        "worsened_at": state.worsened_at,
        "status_since": state.status_since,
        "updated_at": state.updated_at,
        "error": state.error,
        "config_error": state.config_error,
        "error_since": state.error_since,
        "stale": state.stale,
        "version": state.version,
        "history": state.history,
    }


def panel_from(data: Mapping[str, Any], config: WallConfig) -> PanelState | None:
    """A saved panel for today's config, or None if it no longer fits (or is malformed)."""
    try:
        team = config.teams.get(str(data["team"]))
        panel = next((p for p in team.panels if p.id == data["panel"]), None) if team else None
        source = config.sources.get(panel.source) if panel else None
        if panel is None or source is None or panel.source != data["source"]:
            return None
        if source.type != data["source_type"]:
            return None
        names = {f.name for f in fields(Item)}
        items = tuple(Item(**{k: v for k, v in i.items() if k in names}) for i in data["items"])
        return PanelState(
            team=team.id,  # type: ignore[union-attr]
            panel=panel,
            value=_unnum(data["value"]),
            text=data["text"],
            status=str(data["status"]),
            items=items,
            # An SLO's facts and "worse since" (absent from files written before them).
            facts=tuple(
                (str(k), _unnum(v) if isinstance(v, (int, float)) or _is_num_repr(v) else v)
                for k, v in data.get("facts") or ()
            ),
            worsened_at=_unnum(data.get("worsened_at")),
            # When its status began (absent from files written before it).
            status_since=_unnum(data.get("status_since")),
            updated_at=_unnum(data["updated_at"]),
            error=data["error"],
            config_error=bool(data["config_error"]),
            error_since=_unnum(data["error_since"]),
            stale=bool(data["stale"]),
            version=int(data.get("version") or 0),
            # The board never keeps a non-finite sample (None instead): plain pairs.
            history=tuple(map(tuple, data["history"])),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def source_data(state: SourceState) -> dict[str, Any]:
    out = asdict(state)
    out["warnings"] = list(state.warnings)
    return out


def source_from(data: Mapping[str, Any]) -> SourceState | None:
    try:
        values = {f.name: data[f.name] for f in fields(SourceState)}
        values["warnings"] = tuple(str(w) for w in values["warnings"])
        return SourceState(**values)
    except (KeyError, TypeError):
        return None
