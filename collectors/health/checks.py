"""What a health check has shown over time: fail_after, down-since, latency history.

A probe gives one :class:`Outcome` per cycle; :class:`CheckState` turns the run
of outcomes into what the wall shows, and :func:`summarize` turns a team's
checks into one panel reading ("7 / 8 up"). No network, no threads: the source
calls ``record`` from its collecting thread only.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from collectors.base import Item, Reading
from collectors.health.formats import DEGRADED, DOWN, UNKNOWN, UP, Verdict

# Board statuses for check states, and their order from worst to best.
PANEL_STATUS = {UP: "ok", DEGRADED: "warn", UNKNOWN: "unknown", DOWN: "crit"}
_RANK = {DOWN: 0, DEGRADED: 1, UNKNOWN: 2, UP: 3}


@dataclass(frozen=True)
class Outcome:
    """One probe: the verdict, the latency of the answer (None without one).

    ``checked`` is False when the cycle's deadline came before the probe could
    start: that says nothing about the service, so it neither fails nor heals.
    """

    verdict: Verdict
    latency: float | None = None
    checked: bool = True


@dataclass
class CheckState:
    """One check of one team, as the wall shows it."""

    fail_after: int
    window: int
    status: str = UNKNOWN
    reason: str = "not checked yet"
    components: tuple[str, ...] = ()
    failures: int = 0  # consecutive
    failing_since: float | None = None
    changed_at: float | None = None  # when ``status`` last changed
    latencies: deque[float] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.latencies = deque(self.latencies, maxlen=self.window)

    def record(self, outcome: Outcome, now: float) -> None:
        """Fold one cycle's outcome in (``now`` in unix seconds)."""
        if outcome.latency is not None:
            self.latencies.append(outcome.latency)
        verdict = outcome.verdict
        if not outcome.checked:
            self._show(UNKNOWN, verdict.reason, (), now)
            return
        if not verdict.failed:
            self.failures = 0
            self.failing_since = None
            self._show(verdict.state, verdict.reason, verdict.components, now)
            return
        self.failures += 1
        if self.failing_since is None:
            self.failing_since = now
        if self.failures >= self.fail_after:
            self._show(DOWN, verdict.reason, verdict.components, now)
        elif self.status != UP:
            # Not down yet, and nothing good to keep showing: say what happened.
            left = self.fail_after - self.failures
            note = f"{left} more failure{'s' if left > 1 else ''} before down"
            self._show(self.status, f"{verdict.reason} ({note})", verdict.components, now)
        # An up check stays up through fewer than fail_after failures: one dropped
        # packet must not flash red on a wall.

    def _show(self, status: str, reason: str, components: tuple[str, ...], now: float) -> None:
        if status != self.status:
            self.changed_at = now
        self.status = status
        self.reason = reason
        self.components = components

    @property
    def since(self) -> float | None:
        """Down since the first failure of the run; otherwise since the status changed."""
        if self.status == DOWN:
            return self.failing_since
        return self.changed_at

    def export(self) -> dict[str, Any]:
        """What must outlive a restart: the status shown and since when (unix seconds)."""
        return {
            "status": self.status,
            "reason": self.reason,
            "components": list(self.components),
            "failures": self.failures,
            "failing_since": self.failing_since,
            "changed_at": self.changed_at,
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Take back :meth:`export` output; a malformed entry leaves the fresh state."""
        try:
            status, reason = str(data["status"]), str(data["reason"])
            components = tuple(str(c) for c in data.get("components") or ())
            failures = int(data.get("failures") or 0)
            failing = data.get("failing_since")
            changed = data.get("changed_at")
            failing_since = float(failing) if failing is not None else None
            changed_at = float(changed) if changed is not None else None
        except (KeyError, TypeError, ValueError):
            return
        self.status, self.reason, self.components = status, reason, components
        self.failures, self.failing_since, self.changed_at = failures, failing_since, changed_at

    def latency_p50(self) -> float | None:
        return statistics.median(self.latencies) if self.latencies else None


def item(name: str, state: CheckState) -> Item:
    """A row of the "services not up" list."""
    p50 = state.latency_p50()
    return Item(
        title=name,
        status=PANEL_STATUS[state.status],
        detail=state.reason,
        since=state.since,
        meta={
            "state": state.status,
            "components": ", ".join(state.components) or None,
            "failures": state.failures,
            "latency_p50_ms": round(p50 * 1000, 1) if p50 is not None else None,
        },
    )


def summarize(checks: Iterable[tuple[str, CheckState]]) -> Reading:
    """One team's panel: "7 / 8 up", the worst status, the checks not up, latency p50.

    ``value`` is the number up; ``sample`` (the sparkline) is the median latency
    in seconds over every answer in the team's recent history, NaN (a gap) when
    no check answered at all, so the sparkline never mixes in the up count.
    """
    checks = list(checks)
    up = sum(1 for _, state in checks if state.status == UP)
    not_up = sorted(
        ((name, state) for name, state in checks if state.status != UP),
        key=lambda pair: (_RANK[pair[1].status], pair[0]),
    )
    worst = not_up[0][1].status if not_up else UP
    latencies = [sample for _, state in checks for sample in state.latencies]
    return Reading(
        value=float(up),
        text=f"{up} / {len(checks)} up",
        status=PANEL_STATUS[worst],
        items=tuple(item(name, state) for name, state in not_up),
        sample=statistics.median(latencies) if latencies else math.nan,
    )
