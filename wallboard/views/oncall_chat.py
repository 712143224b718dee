"""``/wall oncall payments``: who is on call and what is open, in the screen's own words.

Reads the panel views of ``TeamView.plain`` (the dicts the screen renders): the on-call
panel's names (its ``display``) and its line (``oncall``), then every open item of the
team's ``alerts`` panels with its since-when and link. A message does not tick, so it
gives the start ("since 14:02 UTC") where the screen counts ("firing 12 min").
"""

from __future__ import annotations

from typing import Any

from wallboard.views.chat import SECTION_MAX, clip, emoji, escape, link, text_message
from wallboard.views.oncall import ONCALL
from wallboard.views.problems_named import safe_link, since_text

INCIDENTS = "alerts"
ROWS_SHOWN = 10


Section = tuple[dict[str, Any], list[dict[str, Any]], int]  # panel, rows shown, rows left


def sections(view: dict[str, Any]) -> list[Section]:
    """The on-call panels, then the incidents panels with their first rows and how many
    more: the plain answer and Slack's say the same, "+ N more" included."""
    oncall: list[Section] = [(p, [], 0) for p in view["panels"] if p.get("kind") == ONCALL]
    incidents = [
        (p, p["items"][:ROWS_SHOWN], max(0, len(p["items"]) - ROWS_SHOWN))
        for p in view["panels"]
        if p.get("kind") == INCIDENTS
    ]
    return [*oncall, *incidents]


def oncall_lines(view: dict[str, Any]) -> list[str]:
    """Plain lines: one per on-call panel, one per incidents panel, one per open item."""
    lines = []
    for panel, items, more in sections(view):
        line = f"{panel['title']}: {panel['display']}"
        if panel.get("oncall"):
            line += f" — {panel['oncall']}"
        if panel.get("error"):
            line += f" (source error: {panel['error']})"
        lines.append(line)
        for item in items:
            parts = [item["status"], since_text(item.get("since"))]
            row = f"  {item['title']} ({', '.join(p for p in parts if p)})"
            url = safe_link(item.get("link"))
            if url:
                row += f" {url}"
            lines.append(row)
        if more:
            lines.append(f"  + {more} more")
    return lines or ["no on-call or incident panels"]


def oncall_message(view: dict[str, Any], screen_url: str) -> dict[str, Any]:
    """The Slack answer: the same lines in mrkdwn, links as links."""
    rows = []
    for panel, items, more in sections(view):
        text = f"{emoji(panel['status'])} *{escape(panel['title'])}*: {escape(panel['display'])}"
        if panel.get("oncall"):
            text += f"\n{escape(panel['oncall'])}"
        if panel.get("error"):
            text += f"\n_source error: {escape(panel['error'])}_"
        for item in items:
            url = safe_link(item.get("link"))
            shown = link(url, item["title"]) if url else escape(item["title"])
            text += f"\n{emoji(item['status'])} {shown} {since_text(item.get('since'))}".rstrip()
        if more:
            text += f"\n+ {more} more"
        rows.append(text)
    header = f"{view['name']}: who is on call, what is open"
    body = "\n\n".join(rows) or "no on-call or incident panels"
    message = text_message(body)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(header, 150)}},
        *message["blocks"],
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": link(screen_url, "Open the screen")}],
        },
    ]
    fallback = clip(escape(f"{view['name']}: " + "; ".join(oncall_lines(view))), SECTION_MAX)
    return {"text": fallback, "blocks": blocks}


def everyone_message(views: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """``/wall oncall``: each team's on-call names and line, one row per team that has them."""
    rows = []
    for view in views:
        for panel in view["panels"]:
            if panel.get("kind") != ONCALL:
                continue
            row = f"{emoji(panel['status'])} *{escape(view['name'])}*: {escape(panel['display'])}"
            if panel.get("oncall"):
                row += f" — {escape(panel['oncall'])}"
            rows.append(row)
    body = "\n".join(rows) or "no team has an on-call panel"
    message = text_message(clip(body, SECTION_MAX))
    header = {"type": "header", "text": {"type": "plain_text", "text": clip(title, 150)}}
    return {"text": message["text"], "blocks": [header, *message["blocks"]]}
