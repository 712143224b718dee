"""What a kiosk screen writes, every text already formatted, in one place.

The first render (templates/_panel.html) and the websocket frames read the same
dicts, and the page's script only copies their strings into the markup that the
templates define (as ``<template>`` elements). So the server render and a live
screen cannot drift: no formatting, threshold or folding rule lives in the script.
The one exception is relative ages ("updated 40 s ago"), which must tick between
messages; ``age_text`` and static/clock.js (``age``) write them by the same rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from collectors.options import http_link
from wallboard.views.problems import team_problem
from wallboard.views.sparkline import deploy_ticks, lines, threshold_lines

MAX_ITEMS = 6  # list rows a panel shows before "+ N more"
CALM_AFTER = 6  # panels on a /wall tile before the calm ones fold into one row


def _half_up(x: float) -> int:
    # JavaScript's Math.round, not Python's round (2.5 -> 3, not 2): the ticks must agree.
    return math.floor(x + 0.5)


def age_text(seconds: float, form: str = "ago") -> str:
    """ "40 s ago", "3 min ago", "5 h ago", "2 days ago"; with ``form`` "for", a duration
    ("3 min") (static/clock.js: age)."""
    s = max(0, _half_up(seconds))
    if s < 90:
        text = f"{s} s"
    elif s < 5400:
        text = f"{_half_up(s / 60)} min"
    elif s < 172800:
        text = f"{_half_up(s / 3600)} h"
    else:
        text = f"{_half_up(s / 86400)} days"
    return text if form == "for" else text + " ago"


def _line(
    lead: str = "", at: float | None = None, tail: str = "", form: str = "ago"
) -> dict[str, Any]:
    """A text with an optional ticking age in the middle: lead, age of ``at``, tail; the
    age reads "3 min ago", or with ``form`` "for" "3 min" (a duration)."""
    line: dict[str, Any] = {"lead": lead, "at": at, "tail": tail}
    if form != "ago":
        line["form"] = form
    return line


def since_line(status: str, since: float | None) -> dict[str, Any]:
    """ "crit for 12 min" (ticking) for a status that is not ok; an empty line otherwise."""
    if status == "ok" or since is None:
        return _line()
    return _line(f"{status} for ", since, form="for")


# How long a list row has been in trouble, by panel kind: a service down, an alert firing.
ITEM_SINCE = {"health": "down ", "alerts": "firing "}


def item_since(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    """ "down 3 min", "firing 12 min" (ticking; an alert's from its startsAt), "new 5 min"
    (an issue, from its first seen), "regressed", for a row that is not ok; an empty line
    otherwise."""
    if item["status"] == "ok":
        return _line()
    news = (item.get("meta") or {}).get("news")
    if kind == "issues" and news in ("regressed", "escalating"):
        return _line(f"{news} ")  # Sentry gives no time for it; first seen is not it
    lead = "new " if kind == "issues" and news == "new" else ITEM_SINCE.get(kind)
    if lead is None or not item.get("since"):
        return _line()
    return _line(lead, item["since"], form="for")


# List kinds whose rows show their link on screen (an open incident's page); other
# kinds keep their rows as they were (a Sentry row's link stays in the API and chat).
ITEM_LINK = frozenset({"alerts"})


def href(link: object) -> str:
    """An upstream's link as an href, only when it is http(s): a hostile ``javascript:``
    never becomes clickable."""
    return http_link(link) or ""


def item_class(kind: str, status: str) -> str:
    """A row's classes: an ok row of an issues list is listed, not news (neutral, no ✔)."""
    quiet = " is-listed" if kind == "issues" and status == "ok" else ""
    return f"item status-{status}{quiet}"


def spark_marks(view: dict[str, Any]) -> dict[str, Any]:
    """A panel's sparkline as drawn: its lines (broken at gaps), threshold lines, deploy
    ticks, span label."""
    limits = view.get("thresholds") or {}
    thresholds = [
        {"class": f"spark-threshold {name}", "name": name, "y": f"{y:.2f}"}
        for name, y in threshold_lines(view)
    ]
    ticks = []
    marks = list(deploy_ticks(view))
    newest = max((x for _, x in marks), default=None)
    for deploy, x in marks:
        # A label near an edge hangs inwards so it stays whole inside the panel.
        edge = " at-end" if x > 90 else " at-start" if x < 10 else ""
        ticks.append(
            {
                "x": f"{x:.2f}",
                "version": deploy["short"],
                # Only the newest deploy is labelled: labels side by side would overlap
                # ("v1:3:5"); older deploys are unlabelled ticks.
                "label": deploy["short"] if x == newest else "",
                "label_class": "deploy-tick" + edge,
            }
        )
    return {
        "lines": lines(view.get("spark") or [], (limits.get("warn"), limits.get("crit"))),
        "thresholds": thresholds,
        "ticks": ticks,
        "span": view.get("spark_span") or "",
    }


def deploy_note(view: dict[str, Any]) -> dict[str, Any]:
    """The team header's "deployed v1.4.2 12 min ago" (a ticking line), or an empty line.

    Every panel of a team carries the team's deploys, newest first."""
    for panel in view["panels"]:
        if panel.get("deploys"):
            newest = panel["deploys"][0]
            return _line(f"deployed {newest['short']} ", newest["at"])
    return _line()


def state_classes(status: str, stale: bool = False, error: object = None) -> str:
    return f"status-{status}" + (" is-stale" if stale else "") + (" has-error" if error else "")


def screen_panel(view: dict[str, Any]) -> dict[str, Any]:
    """The formatted texts of a panel view (shapes.panel_view) for the panel and its row."""
    error, stale, at = view["error"], view["stale"], view["updated_at"]
    state = state_classes(view["status"], stale, error)
    # One message per problem: a failing source explains its stale value, so its badge is
    # the only one; the "updated" line then gives the age of the last good value, if any.
    badges = []
    if error:
        kind = "⚙ config error: " if view["config_error"] else "⚠ source error: "
        badges.append({"class": "error-badge", "text": kind + error})
    elif stale:
        badges.append({"class": "stale-badge", "text": "◷ STALE"})
    items = view["items"]
    if at is None:
        updated = _line() if error else _line("waiting for data")
    else:
        updated = _line("last good value, updated " if error else "updated ", at)
    if view["demo"]:
        updated["tail"] = " · demo data"
    if error:
        flag = _line(f"⚠ {error}")
    elif stale:
        flag = _line("◷ stale, updated ", at) if at is not None else _line("◷ stale, no data")
    else:
        flag = _line()
    return {
        "class": "panel " + state,
        "badges": badges,
        **spark_marks(view),
        "items": [
            {
                "class": item_class(view.get("kind", ""), it["status"]),
                "title": it["title"],
                "detail": it["detail"],
                "since": item_since(view.get("kind", ""), it),
                "link": href(it.get("link")) if view.get("kind") in ITEM_LINK else "",
            }
            for it in items[:MAX_ITEMS]
        ],
        "more": f"+ {len(items) - MAX_ITEMS} more" if len(items) > MAX_ITEMS else "",
        # When fewer rows fit than are sent (static/panels.js: fitItems), the words for
        # each count shown: ``more_after[n]`` follows the first n rows.
        "more_after": [f"+ {len(items) - n} more" for n in range(min(len(items), MAX_ITEMS))],
        "updated": updated,
        "oncall": view.get("oncall", ""),
        "worse_since": f"worse since {view['worse_since']}" if view.get("worse_since") else "",
        "since": since_line(view["status"], view.get("status_since")),
        "row_class": "row " + state,
        "flag": flag,
    }


def with_screen(panels: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Panel views, each with its ``screen`` texts (what the frames and templates read)."""
    return [{**p, "screen": screen_panel(p)} for p in panels]


def tile_rows(panels: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A /wall tile's rows (of ``with_screen`` panels) as panel ids, in order. With many
    panels the calm ones fold into one summary row, id "_calm", drawn from ``calm``.

    Ids, not copies: a frame carries each panel's texts once, and a screen finds the
    rows' panels in what it already knows.
    """
    ids = [p["id"] for p in panels]
    calm = {p["id"] for p in panels if p["status"] == "ok" and not p["stale"] and not p["error"]}
    # A troubled team shows only what fails; its healthy panels fold into one line.
    troubled = len(calm) < len(panels)
    if not calm or (not troubled and (len(panels) <= CALM_AFTER or len(calm) < 2)):
        return {"rows": ids, "calm": None}
    summary = {
        "id": "_calm",
        "title": f"{len(calm)} ok" if troubled else f"{len(calm)} more panels ok",
        "display": "",
        "screen": {"row_class": "row " + state_classes("ok"), "flag": _line()},
    }
    return {"rows": [i for i in ids if i not in calm] + ["_calm"], "calm": summary}


def screen_team(view: dict[str, Any]) -> dict[str, Any]:
    """A team view (``TeamView.plain``, all panels) as a screen draws it: panels, tile rows."""
    panels = with_screen(view["panels"])
    state = state_classes(view["status"])
    return {
        **view,
        "panels": panels,
        "state": state,
        "deploy_note": deploy_note(view),
        **tile_rows(panels),
        "problem": team_problem(panels),
        "since": since_line(view["status"], view.get("status_since")),
    }
