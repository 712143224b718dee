"""What a team's list panels name, for chat and the API: the TV's rows, not only counts.

A screen lists firing alerts, failing services and top issues by name; "3 firing" in
chat is less than the TV says. Each row keeps its since-when and link, so the API and
Slack answer who, what and since when in the same words as the screen.
"""

from __future__ import annotations

import time
from typing import Any

from collectors.options import http_link

# Panel kinds whose items are named, and the word that introduces them in one line.
NAMED_KINDS = {"alerts": "firing", "health": "failing", "issues": "top issues"}
LINE_NAMES = 5  # names per kind in the one-line text; then "+N more"


def problems(view: dict[str, Any]) -> list[dict[str, Any]]:
    """Every named row, in screen order: not-ok alerts and services, and every top issue."""
    rows = []
    for panel in view["panels"]:
        kind = panel.get("kind")
        if kind not in NAMED_KINDS:
            continue
        for item in panel.get("items") or ():
            if kind != "issues" and item["status"] == "ok":
                continue  # a service that is up is not news
            rows.append(
                {
                    "panel": panel["id"],
                    "kind": kind,
                    "title": item["title"],
                    "status": item["status"],
                    "detail": item["detail"],
                    "since": item["since"],
                    "link": item["link"],
                }
            )
    return rows


def since_text(since: float | None) -> str:
    return "" if since is None else f"since {time.strftime('%H:%M', time.gmtime(since))} UTC"


def names_line(rows: list[dict[str, Any]]) -> str:
    """``firing: HighErrorRate, DiskFull; top issues: KeyError ... (+3 more)``."""
    parts = []
    for kind, word in NAMED_KINDS.items():
        titles = [str(r["title"]) for r in rows if r["kind"] == kind]
        if titles:
            more = len(titles) - LINE_NAMES
            shown = ", ".join(titles[:LINE_NAMES]) + (f" (+{more} more)" if more > 0 else "")
            parts.append(f"{word}: {shown}")
    return "; ".join(parts)


def safe_link(url: object) -> str | None:
    """A link Slack can show as ``<url|label>``: http(s) only, nothing that ends it early."""
    link = http_link(url)
    return None if link is None or any(c in link for c in "|<> \n") else link
