"""What the board knows of one panel and one source, and how a value becomes a status."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from collectors.base import SEVERITY, Item, severity
from wallboard.config.loader import Panel
from wallboard.config.schema import Thresholds

__all__ = ["SEVERITY", "PanelState", "SourceState", "evaluate", "severity", "worst"]


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=severity, default="unknown")


def evaluate(value: float | None, thresholds: Thresholds) -> str:
    """ok/warn/crit for a value in the shown unit; unknown when there is no number."""
    if value is None or math.isnan(value):
        return "unknown"
    above = thresholds.direction == "above"

    def breached(limit: float | None) -> bool:
        return limit is not None and (value >= limit if above else value <= limit)

    if breached(thresholds.crit):
        return "crit"
    if breached(thresholds.warn):
        return "warn"
    return "ok"


@dataclass(frozen=True)
class PanelState:
    """What a screen shows for one panel of one team (values in the shown unit)."""

    team: str
    panel: Panel
    value: float | None = None
    text: str | None = None
    status: str = "unknown"
    items: tuple[Item, ...] = ()
    facts: tuple[tuple[str, float | str | None], ...] = ()
    worsened_at: float | None = None  # when the status last got worse (for "worse since")
    status_since: float | None = None  # when ``status`` began ("crit for 12 min")
    updated_at: float | None = None  # last successful collection (unix seconds)
    error: str | None = None  # why the last attempt failed; None when it worked
    config_error: bool = False
    error_since: float | None = None
    stale: bool = False
    version: int = 0
    history: tuple[tuple[float, float | None], ...] = ()

    @property
    def effective_status(self) -> str:
        """A panel we cannot vouch for is never green on a wall.

        A source whose panel is only true while it reads (open incidents) says so in its
        panel options (``unknown_when_failing``): failing, that panel is unknown whatever
        it last showed, never the last list as if it were current."""
        if (self.stale or self.error) and (
            self.status == "ok" or getattr(self.panel.options, "unknown_when_failing", False)
        ):
            return "unknown"
        return self.status

    def visible(self) -> tuple[object, ...]:
        """The fields whose change must reach screens (history alone does not).

        ``updated_at`` is among them: a screen must be able to say "updated 5 s
        ago" truthfully, so a fresh collection of an unchanged value is news too.
        """
        return (
            self.value,
            self.text,
            self.status,
            self.items,
            self.facts,
            self.error,
            self.stale,
            self.config_error,
            self.updated_at,
        )


@dataclass
class SourceState:
    id: str
    type: str
    interval: float
    last_attempt: float | None = None
    last_success: float | None = None
    last_error: str | None = None
    last_error_kind: str | None = None
    last_duration: float | None = None
    warnings: tuple[str, ...] = ()
    failures: int = 0
