"""A built-in source with plausible, moving numbers, so a wall works with no upstream.

Deterministic when seeded: the same seed and cycle count give the same values,
which is what tests and screenshots need. Every panel it feeds says "demo" on
the screen (the app marks it) so nobody mistakes it for production data.
"""

from __future__ import annotations

import random
import time
from typing import ClassVar, Literal, cast

from pydantic import Field

from collectors.base import Collection, Item, Reading, SourceContext
from collectors.errors import CollectorError
from collectors.options import NoOptions, Options

_SERVICES = ("api", "worker", "db", "cache", "search", "auth", "billing", "queue")


class DemoOptions(Options):
    seed: int | None = None
    incident_rate: float = Field(default=0.03, ge=0, le=1)
    fail: bool = False  # make every cycle fail, to see the source-error state


class DemoPanelOptions(Options):
    metric: Literal["error_rate", "errors", "latency", "health"] = "error_rate"


class _TeamWalk:
    """One team's random walk, with an incident now and then."""

    def __init__(self, rng: random.Random, services: int) -> None:
        self.rng = rng
        self.base_rate = rng.uniform(0.001, 0.008)
        self.base_latency = rng.uniform(0.08, 0.25)
        self.services = _SERVICES[:services]
        self.incident_left = 0
        self.down_service: str | None = None
        self.down_since: float | None = None
        self.noise = 0.0

    def step(self, incident_rate: float, now: float) -> None:
        self.noise = max(-0.8, min(0.8, self.noise + self.rng.uniform(-0.15, 0.15)))
        if self.incident_left > 0:
            self.incident_left -= 1
            if self.incident_left == 0:
                self.down_service = None
                self.down_since = None
        elif self.rng.random() < incident_rate:
            self.incident_left = self.rng.randint(5, 20)
            if self.rng.random() < 0.5:
                self.down_service = self.rng.choice(self.services)
                self.down_since = now

    @property
    def error_rate(self) -> float:
        spike = 8.0 if self.incident_left else 1.0
        return self.base_rate * (1 + self.noise) * spike

    @property
    def latency(self) -> float:
        spike = 3.0 if self.incident_left else 1.0
        return self.base_latency * (1 + self.noise / 2) * spike


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
        self.walks = {
            team.id: _TeamWalk(random.Random(f"{seed}:{team.id}"), 4 + i % 5)
            for i, team in enumerate(context.teams)
        }
        self.cycles = 0

    def collect(self, deadline: float) -> Collection:
        if self.options.fail:
            raise CollectorError("demo source set to fail (fail = true)", kind="demo")
        now = time.time()
        self.cycles += 1
        for walk in self.walks.values():
            walk.step(self.options.incident_rate, now)
        out = Collection()
        for panel in self.context.panels:
            metric = panel.options.metric  # type: ignore[attr-defined]
            for team in panel.teams:
                if team in self.walks:
                    out.readings[(team, panel.id)] = _reading(metric, self.walks[team])
        return out

    def close(self) -> None:
        pass


def _reading(metric: str, walk: _TeamWalk) -> Reading:
    if metric == "error_rate":
        return Reading(value=walk.error_rate)
    if metric == "errors":
        # Errors per second, as Prometheus' rate() would give; the unit scales it.
        return Reading(value=walk.error_rate * 40.0)
    if metric == "latency":
        return Reading(value=walk.latency)
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
