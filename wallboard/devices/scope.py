"""Which pages a screen may be sent to, and which teams a device's page lets it see."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import parse_qs, urlsplit

ALL = None  # a page of every team (/wall, /rotate without teams)


def page_teams(page: str, known: Collection[str]) -> frozenset[str] | None:
    """The teams ``page`` shows (``ALL``: every team); ValueError if it is no screen page.

    Accepted pages: ``/wall``, ``/teams/<team>``, ``/rotate`` and ``/rotate?teams=a,b``
    (other rotate parameters such as ``every`` pass through). Only known teams.
    """
    if len(page) > 300 or not page.startswith("/") or page.startswith("//"):
        raise ValueError(page)
    parts = urlsplit(page)
    if parts.scheme or parts.netloc or parts.fragment:
        raise ValueError(page)
    path = parts.path
    if path == "/wall" and not parts.query:
        return ALL
    if path.startswith("/teams/") and not parts.query:
        team = path[len("/teams/") :]
        if team not in known:
            raise ValueError(page)
        return frozenset({team})
    if path == "/rotate":
        raw = parse_qs(parts.query, keep_blank_values=True).get("teams", [""])
        listed = [t for t in ",".join(raw).split(",") if t]
        if not listed:
            return ALL
        if not all(t in known for t in listed):
            raise ValueError(page)
        return frozenset(listed)
    raise ValueError(page)


def may_see(granted: frozenset[str] | None, wanted: frozenset[str] | None) -> bool:
    """A device granted ``granted`` teams may open a page or socket of ``wanted`` teams."""
    if granted is ALL:
        return True
    return wanted is not ALL and wanted <= granted
