"""Where the next step is: a team's, a panel's and a list row's links, as every face gives them.

Config links are checked when loaded; a row's come from upstream (an alert's
``runbook_url`` and ``generatorURL``, a Sentry permalink) and are hostile: only
http(s) URLs with a host become links, anything else (``javascript:``) is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collectors.base import Item
from collectors.options import http_link

LABELS = {
    "runbook": "Runbook",
    "dashboard": "Dashboard",
    "oncall": "On-call",
    "incident": "Incident",
    "source": "Alert source",
    "sentry": "Sentry issue",
    "open": "Open",
}


def safe(links: Mapping[str, str]) -> dict[str, str]:
    """``links`` without any that is not an http(s) URL with a host."""
    return {kind: url for kind, url in links.items() if http_link(url)}


def item_links(item: Item) -> dict[str, str]:
    """A list row's links: its own, else its one ``link`` as "open"."""
    return safe(item.links or ({"open": item.link} if item.link else {}))


def label(kind: str) -> str:
    return LABELS.get(kind, kind.capitalize())


def problems(view: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A team's panels that are not ok, each with its rows that are not ok, and links.

    ``view`` is ``TeamView.plain``: what the API gives, so the phone, the API and the
    chat name the same problems."""
    out = []
    for panel in view["panels"]:
        if panel["status"] == "ok":
            continue
        rows = [i for i in panel["items"] if i["status"] != "ok"]
        out.append({**panel, "items": rows, "links": dict(panel.get("links") or {})})
    return out


def next_steps(
    team_links: Mapping[str, str], view: Mapping[str, Any], limit: int = 8
) -> list[tuple[str, str]]:
    """(label, URL) of the team's links, then its problems' panel and row links; each URL once."""
    found: dict[str, str] = {}
    for kind, url in team_links.items():
        found.setdefault(url, label(kind))
    for panel in problems(view):
        for kind, url in panel["links"].items():
            found.setdefault(url, f"{panel['title']}: {label(kind)}")
        for item in panel["items"]:
            for kind, url in item.get("links", {}).items():
                found.setdefault(url, f"{item['title']}: {label(kind)}")
    return [(text, url) for url, text in found.items()][:limit]
