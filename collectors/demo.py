"""A built-in source with plausible, moving numbers, so a wall works with no upstream.

It feeds every panel kind: rates, latency, health, firing alerts, Sentry-style top
issues, an SLO with an error budget that burns during incidents, and deploy
markers (see ``demo_world``). Deterministic when seeded: the same seed and cycle
count give the same values, which is what tests and screenshots need. Every panel
it feeds says "demo" on the screen (the app marks it) so nobody mistakes it for
production data.
"""

from __future__ import annotations

import random
import time
from typing import Any, ClassVar, Literal, cast

from pydantic import Field

from collectors import slo
from collectors.base import Collection, Item, Marker, Reading, SourceContext, severity
from collectors.demo_world import TeamWorld
from collectors.errors import CollectorError
from collectors.issue_news import news_rank
from collectors.oncall.rota import (
    ACKNOWLEDGED,
    TRIGGERED,
    Incident,
    Shift,
    incidents_reading,
    oncall_reading,
)
from collectors.options import NoOptions, Options

HISTORY_HINT = 100  # intervals back for the first made-up deploy: inside a default sparkline
Metric = Literal[
    "error_rate", "errors", "latency", "health", "alerts", "issues", "slo", "oncall", "incidents"
]
# The demo rota hands over every two minutes, so a visitor sees a handover happen.
HANDOVER_EVERY = 120.0
PEOPLE = ("Ada Lovelace", "Bo Diddley", "Cy Twombly", "Dee Dee Ramone", "Eve Arden", "Fay Wray")


class DemoOptions(Options):
    seed: int | None = None
    incident_rate: float = Field(default=0.03, ge=0, le=1)
    fail: bool = False  # make every cycle fail, to see the source-error state
    past: bool = True  # a made-up past, so sparklines start full; false: they start empty


class DemoPanelOptions(Options):
    metric: Metric = "error_rate"
    objective: float = Field(default=99.5, gt=0, lt=100)  # for metric = "slo", percent


class DemoSource:
    kind: ClassVar[str] = "demo"
    Options: ClassVar[type[DemoOptions]] = DemoOptions
    PanelOptions: ClassVar[type[DemoPanelOptions]] = DemoPanelOptions
    TeamOptions: ClassVar[type[NoOptions]] = NoOptions

    def __init__(self, context: SourceContext) -> None:
        self.context = context
        # The config loader validated these with DemoOptions; cast only informs type checkers.
        opts = cast(DemoOptions, context.options)
        self.options = opts
        seed = opts.seed if opts.seed is not None else random.SystemRandom().randint(0, 2**31)
        now = time.time()
        self.walks = {
            team.id: TeamWorld(
                random.Random(f"{seed}:{team.id}"),
                4 + i % 5,
                now,
                team.id[:3].upper(),
                recent=context.interval * HISTORY_HINT,
            )
            for i, team in enumerate(context.teams)
        }
        self.cycles = 0

    def collect(self, deadline: float) -> Collection:
        if self.options.fail:
            raise CollectorError("demo source set to fail (fail = true)", kind="demo")
        now = time.time()
        self.cycles += 1
        out = Collection()
        for team, walk in self.walks.items():
            walk.step(self.options.incident_rate, now)
            out.markers += [Marker(team, version, at) for version, at in walk.deploys[-3:]]
        for panel in self.context.panels:
            opts = cast(DemoPanelOptions, panel.options)
            for team in panel.teams:
                if team in self.walks:
                    out.readings[(team, panel.id)] = _reading(opts, self.walks[team], now)
        return out

    def backfill(self, deadline: float, points: int) -> dict[tuple[str, str], list[Any]]:
        """A made-up past, one point per interval, so sparklines (and their span) start full.

        The teams' worlds live through it, so deploys and incidents of that past show
        as ticks and dips; the first live cycle adds the newest point.
        """
        if not self.options.past:
            return {}
        now = time.time()
        history: dict[tuple[str, str], list[Any]] = {}
        for back in range(points - 1, 0, -1):
            at = now - back * self.context.interval
            for walk in self.walks.values():
                walk.step(self.options.incident_rate, at)
            for panel in self.context.panels:
                opts = cast(DemoPanelOptions, panel.options)
                for team in panel.teams:
                    if team in self.walks:
                        reading = _reading(opts, self.walks[team], at)
                        raw = reading.sample if reading.sample is not None else reading.value
                        if raw is not None:
                            history.setdefault((team, panel.id), []).append((at, raw))
        return history

    def close(self) -> None:
        pass


def _reading(opts: DemoPanelOptions, walk: TeamWorld, now: float) -> Reading:
    metric = opts.metric
    if metric == "error_rate":
        return Reading(value=walk.error_rate)
    if metric == "errors":
        # Errors per second, as Prometheus' rate() would give; the unit scales it.
        return Reading(value=walk.error_rate * walk.traffic)
    if metric == "latency":
        return Reading(value=walk.latency)
    if metric == "alerts":
        return _alerts(walk)
    if metric == "issues":
        return _issues(walk, now)
    if metric == "slo":
        return _slo(walk, opts.objective / 100.0)
    if metric == "oncall":
        return _oncall(walk, now)
    if metric == "incidents":
        return _incidents(walk, now)
    total = len(walk.services)
    down = [walk.down_service] if walk.down_service else []
    items = tuple(
        Item(title=name, status="crit", detail="HTTP 503", since=walk.down_since) for name in down
    )
    return Reading(
        value=float(total - len(down)),
        text=f"{total - len(down)} / {total} up",
        status="crit" if down else "ok",
        items=items,
        sample=float(total - len(down)),
    )


def _alerts(walk: TeamWorld) -> Reading:
    if not walk.incident_left:
        return Reading(value=0.0, text="none firing", status="ok", sample=0.0)
    items = [
        Item("HighErrorRate", "crit", "5xx above 5 % for 5 min", since=walk.incident_since),
        Item("LatencyP99High", "warn", "p99 above 800 ms", since=walk.incident_since),
    ]
    if walk.down_service:
        detail = f"{walk.down_service} failing its health check"
        items.append(Item("TargetDown", "crit", detail, since=walk.down_since))
    return Reading(
        value=float(len(items)), text=f"{len(items)} firing", status="crit", items=tuple(items)
    )


def _issues(walk: TeamWorld, now: float) -> Reading:
    """Sentry's rule (collectors/issue_news.py) on the demo's fast clock: an issue the
    current incident made is new, in its level's colour, listed first (an hour of news
    would outlast every demo incident and leave no team calm); the rest are listed,
    neutral."""
    start = walk.incident_since
    news = {
        i.short_id: "new" if start is not None and i.first_seen >= start else ""
        for i in walk.issues
    }
    top = sorted(walk.issues, key=lambda i: (news_rank(news[i.short_id]), -i.count))
    items = tuple(
        Item(
            title=i.title,
            status=("crit" if i.level == "error" else "warn") if news[i.short_id] else "ok",
            detail=f"{int(i.count)} events · {_age(now - i.first_seen)} old · {i.culprit}",
            since=i.first_seen,
            meta={
                "events": int(i.count),
                "age": int(now - i.first_seen),
                "short_id": i.short_id,
                "news": news[i.short_id] or None,
            },
        )
        for i in top
    )
    status = max((i.status for i in items), key=severity, default="ok")
    return Reading(value=float(len(walk.issues)), status=status, items=items[:5])


def _age(seconds: float) -> str:
    if seconds < 5400:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 172800:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


def _slo(walk: TeamWorld, objective: float) -> Reading:
    windows = {
        name: slo.Window(walk.slo_window(seconds / 60.0)) for name, seconds in slo.WINDOWS.items()
    }
    budget = slo.compute(objective, 30 * slo.DAY, slo.Window(walk.period_ratio), windows)
    return slo.reading(budget)


def _oncall(walk: TeamWorld, now: float) -> Reading:
    """A made-up rota: a new person every two minutes, a secondary one step behind."""
    slot = int(now // HANDOVER_EVERY)
    offset = sum(map(ord, walk.prefix))  # each team's own order through the people
    shifts = []
    for n in (slot, slot + 1):
        start, end = n * HANDOVER_EVERY, (n + 1) * HANDOVER_EVERY
        shifts.append(Shift(start, end, (PEOPLE[(n + offset) % len(PEOPLE)],), 1))
        shifts.append(Shift(start, end, (PEOPLE[(n + offset + 3) % len(PEOPLE)],), 2))
    return oncall_reading(shifts, now, "UTC")


def _incidents(walk: TeamWorld, now: float) -> Reading:
    """An incident while the team's world has one: triggered, then acknowledged."""
    if not walk.incident_left or walk.incident_since is None:
        return incidents_reading(())
    acknowledged = now - walk.incident_since > 60
    number = int(walk.incident_since) % 10000
    incident = Incident(
        key=f"{walk.prefix}-{number}",
        title="Error rate above 5 %",
        status=ACKNOWLEDGED if acknowledged else TRIGGERED,
        since=walk.incident_since,
        link=f"https://incidents.example.com/demo/{walk.prefix}-{number}",
        detail="demo incident",
    )
    return incidents_reading((incident,))
