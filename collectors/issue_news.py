"""Which error-tracker issues are news on a wall, shared by the Sentry and demo sources.

Nearly every unresolved Sentry issue is level ``error``, so the level alone would keep
every team red. A wall shows an issue as bad only while it is news: **new** (first seen
within the last hour), **regressed** (resolved, then seen again) or **escalating**
(Sentry's ``substatus``). Every other unresolved issue is *ongoing*: listed, neutral
(status ok), and never makes its panel worse. Sentry keeps ``substatus`` "new" for a
week; a wall that stayed red for a week after each new issue would stop being read, so
"new" here is the hour of ``new_1h``, and Sentry's word decides only when the first
seen time is unknown (an ``event_alert`` webhook carries none).
"""

from __future__ import annotations

NEW_FOR = 3600.0  # seconds an issue counts as new after it is first seen
# News by how it reads, most telling first: rows sort in this order before frequency.
NEWS = ("regressed", "escalating", "new")


def issue_news(substatus: str | None, first_seen: float | None, now: float) -> str:
    """ "regressed", "escalating", "new", or "" (ongoing: listed, not news)."""
    if substatus in ("regressed", "escalating"):
        return substatus
    if first_seen is not None:
        return "new" if now - first_seen < NEW_FOR else ""
    return "new" if substatus == "new" else ""


def news_rank(news: str) -> int:
    """Sort key: news first (in ``NEWS`` order), ongoing last."""
    return NEWS.index(news) if news in NEWS else len(NEWS)
