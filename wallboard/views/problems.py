"""What is wrong with a team, in one short line a person reads from across the room.

The /wall tile of a troubled team names it (the failing services, the firing alert, the
worst panel and its value); the same line reaches every screen in snapshots and updates,
so the first paint and the live page say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wallboard.board.status import severity

MAX_CHARS = 140  # a tile shows one line of it; longer text would only be cut by CSS
MAX_ITEMS = 3  # failing items named before "+ N more"


def _panel_problem(view: dict[str, Any]) -> str:
    status = view["status"]
    failing = [item for item in view["items"] if item["status"] in ("crit", "warn")]
    if status in ("crit", "warn") and failing:
        # An SLO's rows are measures ("budget gone in"): named with their value.
        slo = view.get("kind") == "slo"
        names = [f"{i['title']} {i['detail']}" if slo else i["title"] for i in failing[:MAX_ITEMS]]
        more = len(failing) - len(names)
        return ", ".join(names) + (f" + {more} more" if more > 0 else "")
    if status == "unknown":
        if view["error"]:
            return f"{view['title']}: source error"
        return f"{view['title']}: {'no fresh data' if view['stale'] else 'no data'}"
    return str(view["title"])  # its value is on the row below


def team_problem(panels: Iterable[dict[str, Any]]) -> str:
    """The problem of every panel that is not ok (panel views), worst first; "" if none."""
    troubled = sorted(
        (p for p in panels if p["status"] != "ok"), key=lambda p: -severity(p["status"])
    )
    text = " · ".join(_panel_problem(p) for p in troubled)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rstrip() + "…"
