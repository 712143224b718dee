"""One JSON-ready shape of a panel and a team's summary, shared by the screen, the API and chat.

Because all three read the same dicts, the TV, a bot and a chat answer cannot
disagree. Non-finite numbers never reach JSON (they are ``None`` plus a text).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from collectors.base import Item
from wallboard.board import units
from wallboard.board.board import PanelState, severity, worst
from wallboard.board.deploys import Deploy, worse_since
from wallboard.config.loader import WallConfig
from wallboard.views.links import item_links
from wallboard.views.oncall import ONCALL, oncall_note
from wallboard.views.sparkline import span_label

DEPLOYS_SHOWN = 5
LIST_KINDS = frozenset({"issues", "alerts", "health"})
# A list source's text that counts its rows in its own noun: "2 open".
COUNTED = re.compile(r"\d+ ([a-z]+)")


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _finite_values(numbers: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _finite(v) if isinstance(v, float) else v for k, v in numbers.items()}


# Words for a list panel's count of bad rows, by the news of the row (Sentry's rule in
# collectors/issue_news.py); a row of another source's list without one is an "issue".
NEWS_WORDS = ("new", "regressed", "escalating")


def _issues_headline(state: PanelState, text: str) -> str:
    """ "2 new", "3 new or regressed", "5+ new" (the source listed only its top rows, all
    news), "0 new" on a calm list; "23 unresolved" when the panel's thresholds on the
    whole count are what colour it, so the headline says what the colour counts."""
    bad = [i for i in state.items if i.status != "ok"]
    rows = worst([i.status for i in bad] or ["ok"])
    if severity(state.status) > severity(rows):
        return f"{text} unresolved"
    kinds = {str(i.meta.get("news") or "issue") for i in bad}
    words = [w for w in (*NEWS_WORDS, "issue") if w in kinds] or ["new"]
    partial = bool(bad) and len(bad) == len(state.items) and (state.value or 0) > len(bad)
    count = f"{len(bad)}{'+' if partial else ''}"
    if words == ["issue"]:
        return f"{count} {'issue' if count == '1' else 'issues'}"
    return f"{count} {' or '.join(words)}"


def _list_headline(state: PanelState, text: str) -> str:
    """A list panel's big text counts its bad rows, in the words of what it counts and in
    its worst row's colour (the source's status): "2 of 9 down", "3 firing", "2 new".
    A list with no bad rows keeps its source's calm text ("9 / 9 up", "none firing")."""
    kind = state.panel.kind
    if kind == "issues":
        return _issues_headline(state, text)
    bad = [i for i in state.items if i.status != "ok"]
    if not bad or state.value is None:
        return text
    if kind == "alerts":
        # In the source's own noun when it counts its rows ("2 open" incidents): one
        # headline, one meaning, on the screen and in the chat alike.
        counted = COUNTED.fullmatch(text)
        return f"{len(bad)} {counted.group(1) if counted else 'firing'}"
    # Health: the rows at the worst status, of every check (the value counts those up).
    status = worst(i.status for i in bad)
    word = {"crit": "down", "warn": "degraded"}.get(status, "unknown")
    total = int(state.value) + len(state.items)
    return f"{sum(i.status == status for i in bad)} of {total} {word}"


def _display(state: PanelState) -> str:
    """The value as every face writes it; an SLO's says that it is budget ("51.4 % budget
    left"), so it never reads as availability; a list's counts its bad rows."""
    panel = state.panel
    if panel.kind == "alerts" and state.effective_status == "unknown":
        return "unknown"  # a list the source could not read is not "none open"
    text = state.text or units.format_value(panel.unit, state.value, panel.decimals)
    if panel.kind in LIST_KINDS and state.value is not None:
        return _list_headline(state, text)
    if panel.kind == "slo" and state.value is not None and state.value >= 0 and state.text:
        return f"{text} budget left"
    return text


def _items(state: PanelState) -> tuple[Item, ...]:
    """The rows shown: none of a list that is unknown (its last rows may be long gone)."""
    if state.panel.kind == "alerts" and state.effective_status == "unknown":
        return ()
    return state.items


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
            for item in _items(state)
        ],
        "source": panel.source,
        "demo": source is not None and source.type == "demo",
        "version": state.version,
        "facts": _finite_values(dict(state.facts)),
        "deploys": [d.view() for d in deploys[:DEPLOYS_SHOWN]],
        "worse_since": None,
        "links": dict(panel.links),
    }
    if panel.kind == ONCALL:  # the line under the names: level, secondary, handover, age
        view["oncall"] = oncall_note(view)
    if state.effective_status in ("warn", "crit"):
        view["worse_since"] = worse_since(deploys, state.worsened_at, config.deploys.worse_window)
    if history:
        view["spark"] = [_finite(v) for _, v in state.history]
        times = [at for at, _ in state.history]
        view["spark_from"] = times[0] if times else None
        view["spark_to"] = times[-1] if times else None
        view["spark_span"] = span_label(times[-1] - times[0]) if len(times) > 1 else ""
        if panel.kind == ONCALL:  # names have no line to span
            view["spark_span"] = ""
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
