"""The on-call panel's second line, in words: "level 1 · secondary Bo · until Mon 09:00, then Cy".

The source hands over facts (``collectors/oncall/rota.py``: level, secondary, until,
next, timezone); the words are written here once, for the screen, the API and chat.
When the vendor fails or the panel is stale, the kept names say how old they are:
"as of 14:02", never a guess that looks current.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ONCALL = "oncall"


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def clock_time(at: float, zone: Any, near: float | None = None) -> str:
    """ "14:02"; with ``near``, a day too unless it is the same day: "Mon 09:00" within
    six days of it, else "12 Jan 09:00". ``near`` is when the reading was taken, so one
    board version always reads the same (no "today" that turns wrong at midnight)."""
    tz = _zone(zone)
    when = datetime.fromtimestamp(at, tz)
    if near is None:
        return when.strftime("%H:%M")
    if when.date() == datetime.fromtimestamp(near, tz).date():
        return when.strftime("%H:%M")  # later the same day
    if abs(at - near) < 6 * 86400:
        return when.strftime("%a %H:%M")
    return f"{when.day} {when.strftime('%b %H:%M')}"


def oncall_facts(view: dict[str, Any]) -> dict[str, Any]:
    facts = view.get("facts") or {}
    return facts if isinstance(facts, dict) else {}


def oncall_note(view: dict[str, Any]) -> str:
    """The line under the names; empty for panels of other kinds."""
    if view.get("kind") != ONCALL:
        return ""
    facts = oncall_facts(view)
    zone = facts.get("timezone")
    parts = []
    updated = view.get("updated_at")
    if (view.get("error") or view.get("stale")) and updated:
        parts.append(f"as of {clock_time(updated, zone)}")
    level = facts.get("level")
    if isinstance(level, (int, float)):
        parts.append(f"level {int(level)}")
    if facts.get("secondary"):
        parts.append(f"secondary {facts['secondary']}")
    until = facts.get("until")
    if isinstance(until, (int, float)):
        handover = f"until {clock_time(until, zone, updated or until)}"
        if facts.get("next"):
            handover += f", then {facts['next']}"
        parts.append(handover)
    return " · ".join(parts)
