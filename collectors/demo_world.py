"""One demo team's made-up world: traffic, errors, latency, services, issues, alerts, deploys.

Each quantity has its own random walk (and traffic its own daily wave), so the
curves of one team do not share a shape; incidents tie them together as real
ones do: errors jump, latency rises, a service may go down, alerts fire, a
Sentry-style issue appears, and the error budget burns. A deploy now and then
precedes an incident, so "worse since v1.4.2" shows up too.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass

SERVICES = ("api", "worker", "db", "cache", "search", "auth", "billing", "queue")
_ISSUES = (
    ("KeyError: 'amount'", "payments.views in charge"),
    ("TimeoutError: upstream took 30s", "clients.http in send"),
    ("IntegrityError: duplicate key", "orders.models in save"),
    ("ConnectionResetError", "cache.redis in get"),
    ("ValueError: invalid literal for int()", "search.query in parse"),
    ("PermissionDenied", "auth.middleware in check"),
    ("MemoryError", "reports.export in render"),
    ("JSONDecodeError: Expecting value", "webhooks.receive in handle"),
)
SLO_MINUTES_PER_CYCLE = 5.0  # demo time runs fast so the burn windows fill in minutes
SLO_PERIOD_MINUTES = 30 * 24 * 60.0


@dataclass
class DemoIssue:
    title: str
    culprit: str
    short_id: str
    count: float
    first_seen: float
    level: str


def _walk(rng: random.Random, value: float, step: float, limit: float) -> float:
    return max(-limit, min(limit, value + rng.uniform(-step, step)))


class TeamWorld:
    def __init__(
        self, rng: random.Random, services: int, now: float, prefix: str, recent: float
    ) -> None:
        """``recent``: how far back the first deploy may lie (inside the sparklines' span)."""
        self.rng = rng
        self.prefix = prefix
        self.base_rate = rng.uniform(0.001, 0.008)
        self.base_latency = rng.uniform(0.08, 0.25)
        self.base_traffic = rng.uniform(20.0, 400.0)  # requests per second
        self.phase = rng.uniform(0, 2 * math.pi)
        self.services = SERVICES[:services]
        self.incident_left = 0
        self.severity = 1.0
        self.down_service: str | None = None
        self.down_since: float | None = None
        self.incident_since: float | None = None
        self.error_noise = self.latency_noise = self.traffic_noise = 0.0
        self.cycle = 0
        # The SLI's error ratio over the whole period: a starting point, then a moving
        # average in which each (fast) cycle weighs its share of the period.
        self.period_ratio = rng.uniform(0.0003, 0.0025)
        self.slo_ratios: deque[float] = deque(maxlen=int(3 * 24 * 60 / SLO_MINUTES_PER_CYCLE))
        self.slo_base = rng.uniform(0.0003, 0.0015)
        self.version = (1, rng.randint(0, 9), rng.randint(0, 9))
        self.deploys: list[tuple[str, float]] = [
            (self.version_text, now - rng.uniform(0.2, 0.8) * recent)
        ]
        self.issues = [
            DemoIssue(title, culprit, f"{prefix}-{i + 1:X}", rng.uniform(3, 900), age, "error")
            for i, (title, culprit) in enumerate(rng.sample(_ISSUES, 3))
            for age in [now - rng.uniform(3600, 86400 * 6)]
        ]

    @property
    def version_text(self) -> str:
        return "v{}.{}.{}".format(*self.version)

    def step(self, incident_rate: float, now: float) -> None:
        rng = self.rng
        self.cycle += 1
        self.error_noise = _walk(rng, self.error_noise, 0.15, 0.8)
        self.latency_noise = _walk(rng, self.latency_noise, 0.1, 0.5)
        self.traffic_noise = _walk(rng, self.traffic_noise, 0.05, 0.3)
        if self.incident_left > 0:
            self.incident_left -= 1
            if self.incident_left == 0:
                self.down_service = self.down_since = self.incident_since = None
                self.severity = 1.0
        elif rng.random() < incident_rate:
            self._incident(now)
        elif rng.random() < incident_rate / 2:
            self._deploy(now)
        for issue in self.issues:
            issue.count += self.traffic * self.error_rate * rng.uniform(0.0, 0.02)
        ratio = self.slo_base * (1 + self.error_noise) * self.severity
        self.slo_ratios.append(ratio)
        weight = SLO_MINUTES_PER_CYCLE / SLO_PERIOD_MINUTES
        self.period_ratio += (ratio - self.period_ratio) * weight

    def _deploy(self, now: float) -> None:
        major, minor, patch = self.version
        self.version = (
            (major, minor + 1, 0) if self.rng.random() < 0.3 else (major, minor, patch + 1)
        )
        self.deploys.append((self.version_text, now))

    def _incident(self, now: float) -> None:
        rng = self.rng
        if rng.random() < 0.5:  # half the incidents follow a deploy, as in life
            self._deploy(now)
        self.incident_left = rng.randint(5, 20)
        self.incident_since = now
        self.severity = rng.uniform(8.0, 45.0)
        if rng.random() < 0.5:
            self.down_service = rng.choice(self.services)
            self.down_since = now
        known = {issue.title for issue in self.issues}
        fresh = [(t, c) for t, c in _ISSUES if t not in known]
        if fresh:  # a new issue; once every title exists, the old ones just grow
            title, culprit = rng.choice(fresh)
            short = f"{self.prefix}-{len(self.issues) + 1:X}"
            self.issues.append(DemoIssue(title, culprit, short, 1.0, now, "error"))

    @property
    def traffic(self) -> float:
        wave = 1 + 0.35 * math.sin(self.phase + self.cycle / 40)
        return self.base_traffic * wave * (1 + self.traffic_noise)

    @property
    def error_rate(self) -> float:
        spike = 8.0 if self.incident_left else 1.0
        return self.base_rate * (1 + self.error_noise) * spike

    @property
    def latency(self) -> float:
        spike = 3.0 if self.incident_left else 1.0
        return self.base_latency * (1 + self.latency_noise) * spike

    def slo_window(self, minutes: float) -> float | None:
        """The SLI error ratio over the last ``minutes`` of demo time (None before any)."""
        if not self.slo_ratios:
            return None
        cycles = max(1, int(minutes / SLO_MINUTES_PER_CYCLE))
        recent = list(self.slo_ratios)[-cycles:]
        return sum(recent) / len(recent)
