"""What the sentry source knows between requests: unresolved issues and error volume.

One :class:`IssueBook` holds the organisation's unresolved issues (for every
team's projects) and the last hour's accepted error events per project. Polls
replace it; webhooks amend it; each team's readings are computed from it, so a
webhook and a poll can never disagree on how a number is counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from collectors.base import Item, Reading, severity
from collectors.errors import CollectorError
from collectors.issue_news import issue_news, news_rank

METRICS = ("unresolved", "new_1h", "new_24h", "events_1h", "top_issues")
# Sentry levels on the wall's scale; an unresolved "info" issue is not an alarm.
_LEVEL_STATUS = {"fatal": "crit", "error": "crit", "warning": "warn", "info": "ok", "debug": "ok"}


def parse_time(raw: object) -> float | None:
    """Unix seconds from Sentry's ISO-8601 (``2018-11-06T21:19:55Z``, maybe fractional)."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _int(raw: object, key: str) -> int:
    """A count as Sentry sends it: ``count`` a string ("150"), ``userCount`` an int.

    Anything else ("Infinity", "1e400", 40 digits) is a bad answer, never a silent 0:
    a count the wall cannot read must not make an issue look quiet."""
    text = str(raw)
    if isinstance(raw, bool) or not (text.isdigit() and len(text) <= 18):
        raise CollectorError(
            f"unexpected issue {key} from Sentry: {text[:40]!r}", kind="bad_response"
        )
    return int(text)


@dataclass(frozen=True)
class Issue:
    id: str
    project_id: str
    project: str
    title: str
    culprit: str
    level: str
    count: int
    users: int
    first_seen: float | None
    last_seen: float | None
    short_id: str
    permalink: str | None
    substatus: str = ""  # Sentry's: new, ongoing, regressed, escalating, archived_...

    @classmethod
    def from_api(cls, raw: object) -> Issue:
        """An issue as listed by the org issues endpoint or sent in an ``issue`` webhook."""
        if not isinstance(raw, Mapping) or "id" not in raw:
            raise CollectorError("unexpected issue shape from Sentry", kind="bad_response")
        project = raw.get("project")
        project = project if isinstance(project, Mapping) else {}
        return cls(
            id=str(raw["id"]),
            project_id=str(project.get("id", "")),
            project=str(project.get("slug") or ""),
            title=str(raw.get("title") or ""),
            culprit=str(raw.get("culprit") or ""),
            level=str(raw.get("level") or "error"),
            count=_int(raw.get("count", 0), "count"),
            users=_int(raw.get("userCount", 0), "userCount"),
            first_seen=parse_time(raw.get("firstSeen")),
            last_seen=parse_time(raw.get("lastSeen")),
            short_id=str(raw.get("shortId") or ""),
            permalink=raw.get("permalink") if isinstance(raw.get("permalink"), str) else None,
            substatus=str(raw.get("substatus") or ""),
        )

    def news(self, now: float) -> str:
        """What makes it news on a wall (collectors/issue_news.py), or "" (ongoing)."""
        return issue_news(self.substatus, self.first_seen, now)

    def item(self, now: float) -> Item:
        age = int(now - self.first_seen) if self.first_seen is not None else None
        parts = [self.culprit, f"{self.count} events", f"{self.users} users", self.short_id]
        news = self.news(now)
        return Item(
            title=self.title,
            # Only news takes its level's colour; an ongoing issue is listed, neutral.
            status=_LEVEL_STATUS.get(self.level, "unknown") if news else "ok",
            detail=" · ".join(p for p in parts if p),
            since=self.first_seen,
            link=self.permalink,
            meta={
                "short_id": self.short_id,
                "level": self.level,
                "news": news or None,
                "substatus": self.substatus or None,
                "culprit": self.culprit,
                "events": self.count,
                "users": self.users,
                "first_seen": self.first_seen,
                "last_seen": self.last_seen,
                "age": age,
                "project": self.project,
                "permalink": self.permalink,
            },
            links={"sentry": self.permalink} if self.permalink else {},
        )


class IssueBook:
    """Unresolved issues by id, and error events in the last hour by project id.

    ``events`` is None when the stats request failed; ``truncated`` when the page
    cap stopped the listing (counts are then lower bounds and say so: "100+").
    """

    def __init__(self) -> None:
        self.issues: dict[str, Issue] = {}
        self.events: dict[str, float] | None = None
        self.truncated = False
        self.loaded = False

    def load(self, issues: Iterable[Issue], truncated: bool) -> None:
        self.issues = {i.id: i for i in issues}
        self.truncated = truncated
        self.loaded = True

    # -- webhooks ---------------------------------------------------------------------
    def apply_issue(self, action: str, issue: Issue, status: str) -> None:
        """``issue`` webhooks: resolved/archived (Sentry's "ignored") drop it, others keep it."""
        if action in ("resolved", "archived") or status in ("resolved", "ignored", "muted"):
            self.issues.pop(issue.id, None)
        else:
            self.issues[issue.id] = issue

    def apply_event(self, event: Mapping[str, Any], project: Mapping[str, str]) -> None:
        """``event_alert``: one more event of an issue that is (again) unresolved.

        ``project`` is ``{"id": ..., "slug": ...}`` for the event's project id.
        """
        issue_id = str(event.get("issue_id") or "")
        seen = parse_time(event.get("datetime")) or _float(event.get("timestamp"))
        known = self.issues.get(issue_id)
        if known is not None:
            self.issues[issue_id] = replace(known, count=known.count + 1, last_seen=seen)
        elif issue_id:
            # Unknown here: first seen is not in the payload, so it is not counted as new.
            self.issues[issue_id] = Issue(
                id=issue_id,
                project_id=project["id"],
                project=project.get("slug", ""),
                title=str(event.get("title") or ""),
                culprit=str(event.get("culprit") or ""),
                level=str(event.get("level") or "error"),
                count=1,
                users=0,
                first_seen=None,
                last_seen=seen,
                short_id="",
                permalink=event.get("web_url") if isinstance(event.get("web_url"), str) else None,
            )
        if self.events is not None:
            self.events[project["id"]] = self.events.get(project["id"], 0.0) + 1

    # -- readings ---------------------------------------------------------------------
    def reading(self, metric: str, projects: frozenset[str], limit: int, now: float) -> Reading:
        """One team's reading of ``metric`` over its project ids."""
        if metric == "events_1h":
            if self.events is None:
                raise CollectorError("error counts unavailable", kind="bad_response")
            return Reading(value=float(sum(self.events.get(p, 0.0) for p in projects)))
        mine = [i for i in self.issues.values() if i.project_id in projects]
        if metric == "new_1h":
            mine = [i for i in mine if i.first_seen is not None and i.first_seen >= now - 3600]
        elif metric == "new_24h":
            mine = [i for i in mine if i.first_seen is not None and i.first_seen >= now - 86400]
        text = f"{len(mine)}+" if self.truncated else None
        if metric != "top_issues":
            return Reading(value=float(len(mine)), text=text)
        # News first, so the rows a wall lists are the ones it counts, then the most
        # frequent. The panel is as bad as its worst news, over all its issues.
        ranked = sorted(
            mine, key=lambda i: (news_rank(i.news(now)), -i.count, -(i.last_seen or 0.0), i.id)
        )
        rows = [i.item(now) for i in ranked]
        status = max((it.status for it in rows), key=severity, default="ok")
        return Reading(value=float(len(mine)), text=text, status=status, items=tuple(rows[:limit]))


def events_by_project(body: object, field: str) -> dict[str, float]:
    """Accepted error events per project id from a stats_v2 answer grouped by project+outcome."""
    if not isinstance(body, Mapping) or not isinstance(body.get("groups"), list):
        raise CollectorError("unexpected stats_v2 answer from Sentry", kind="bad_response")
    out: dict[str, float] = {}
    for group in body["groups"]:
        by = group.get("by", {}) if isinstance(group, Mapping) else {}
        totals = group.get("totals", {}) if isinstance(group, Mapping) else {}
        # Only accepted events are errors that happened and were kept; filtered and
        # rate-limited outcomes are billing noise here.
        if by.get("outcome", "accepted") != "accepted" or "project" not in by:
            continue
        project = str(by["project"])
        out[project] = out.get(project, 0.0) + _float(totals.get(field))
    return out


def _float(raw: object) -> float:
    try:
        return float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def issue_data(issue: Issue) -> dict[str, Any]:
    """An issue as JSON-ready data (for the state store)."""
    return asdict(issue)


def issue_from(data: object) -> Issue | None:
    """:func:`issue_data` back into an issue; None when it is not one."""
    if not isinstance(data, Mapping):
        return None
    try:
        # A field added since the data was stored (``substatus``) takes its default.
        return Issue(**{f.name: data[f.name] for f in fields(Issue) if f.name in data})
    except (KeyError, TypeError):
        return None
