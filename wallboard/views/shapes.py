"""One JSON-ready shape of a panel and a team's summary, shared by the screen, the API and chat.

Because all three read the same dicts, the TV, a bot and a chat answer cannot
disagree. Non-finite numbers never reach JSON (they are ``None`` plus a text).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from wallboard.board import units
from wallboard.board.board import PanelState, severity
from wallboard.board.deploys import Deploy, worse_since
from wallboard.config.loader import WallConfig
from wallboard.views.links import item_links
from wallboard.views.sparkline import span_label

DEPLOYS_SHOWN = 5


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _finite_values(numbers: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _finite(v) if isinstance(v, float) else v for k, v in numbers.items()}


def _display(state: PanelState) -> str:
    """The value as every face writes it; an SLO's says that it is budget ("51.4 % budget
    left"), so it never reads as availability."""
    panel = state.panel
    text = state.text or units.format_value(panel.unit, state.value, panel.decimals)
    if panel.kind == "slo" and state.value is not None and state.value >= 0 and state.text:
        return f"{text} budget left"
    return text


def _status_since(state: PanelState) -> float | None:
    """When the status the screen shows began: an ok panel shown unknown (failing or
    stale) has been so since its error, if known."""
    if state.effective_status != state.status:
        return state.error_since
    return state.status_since


def team_since(status: str, panels: Sequence[dict[str, Any]]) -> float | None:
    """Since when a team is at ``status``: the longest-standing of its panels at it (the
    team has been there at least that long)."""
    times = [p["status_since"] for p in panels if p["status"] == status and p["status_since"]]
    return min(times, default=None)


def panel_view(
    state: PanelState,
    config: WallConfig,
    *,
    history: bool = True,
    deploys: Sequence[Deploy] = (),
) -> dict[str, Any]:
    """One panel; ``deploys`` are its team's, newest first (ticks and "worse since")."""
    panel = state.panel
    source = config.sources.get(panel.source)
    view: dict[str, Any] = {
        "id": panel.id,
        "title": panel.title,
        "kind": panel.kind,
        "unit": panel.unit,
        "value": _finite(state.value),
        "display": _display(state),
        "status": state.effective_status,
        "thresholds": {
            "warn": panel.thresholds.warn,
            "crit": panel.thresholds.crit,
            "direction": panel.thresholds.direction,
        },
        "updated_at": state.updated_at,
        "stale": state.stale,
        "error": state.error,
        "config_error": state.config_error,
        "error_since": state.error_since,
        "status_since": _status_since(state),
        "items": [
            {
                "title": item.title,
                "status": item.status,
                "detail": item.detail,
                "since": _finite(item.since),
                "link": item.link,
                "meta": _finite_values(item.meta),
                "links": item_links(item),
            }
            for item in state.items
        ],
        "source": panel.source,
        "demo": source is not None and source.type == "demo",
        "version": state.version,
        "facts": _finite_values(dict(state.facts)),
        "deploys": [d.view() for d in deploys[:DEPLOYS_SHOWN]],
        "worse_since": None,
        "links": dict(panel.links),
    }
    if state.effective_status in ("warn", "crit"):
        view["worse_since"] = worse_since(deploys, state.worsened_at, config.deploys.worse_window)
    if history:
        view["spark"] = [_finite(v) for _, v in state.history]
        times = [at for at, _ in state.history]
        view["spark_from"] = times[0] if times else None
        view["spark_to"] = times[-1] if times else None
        view["spark_span"] = span_label(times[-1] - times[0]) if len(times) > 1 else ""
    return view


def _closeness(panel: dict[str, Any]) -> float:
    """How near a panel's value is to its first threshold (1.0: on it), so that among
    panels of one status the worst is the one nearest to getting worse; -inf unknown."""
    limits, value = panel["thresholds"], panel["value"]
    limit = limits["warn"] if limits["warn"] is not None else limits["crit"]
    if value is None or not limit:
        return -math.inf
    if limits["direction"] == "below":
        return limit / value if value > 0 else math.inf
    return float(value / limit)


def team_summary(view: dict[str, Any]) -> dict[str, Any]:
    """Overall status and the worst panel of a team view (``TeamView.plain``), for lists."""
    worst_panel = max(
        view["panels"], key=lambda p: (severity(p["status"]), _closeness(p)), default=None
    )
    return {
        "id": view["id"],
        "name": view["name"],
        "status": view["status"],
        "worst_panel": None
        if worst_panel is None
        else {
            "id": worst_panel["id"],
            "title": worst_panel["title"],
            "display": worst_panel["display"],
            "status": worst_panel["status"],
            "value": worst_panel["value"],
            "unit": worst_panel["unit"],
        },
    }
