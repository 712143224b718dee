"""What every on-call source shares: two clocks, panels by kind, memory of the rota.

Two clocks: open incidents are asked for every cycle (the source's ``interval``); the
rota (who is on call, and the shifts after) at most every ``schedule_every`` and just
after a known shift boundary, so the name changes at the handover, not minutes later.
Between refreshes the names come from the rota already fetched, with no request, and
``next_wakeup`` tells the poller when the next boundary is (one wake-up per boundary,
whatever the number of teams: no storm of requests at nine o'clock).

A vendor that fails keeps its last known names on the wall (the board keeps a failed
panel's text, the screen says "as of 14:02"); open incidents go unknown, never "none".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ValidationInfo, model_validator

from collectors.base import Collection, PanelTarget, SourceContext, TeamTarget
from collectors.errors import CollectorError
from collectors.http.client import HttpStats
from collectors.oncall.api import VendorApi
from collectors.oncall.rota import (
    Incident,
    Shift,
    incidents_reading,
    next_change,
    oncall_reading,
    rota_data,
    rota_from,
)
from collectors.options import Duration, Options, between

ONCALL, INCIDENTS = "oncall", "alerts"
# A boundary is acted on this long after it passes: the vendor has moved on by then.
AFTER_BOUNDARY = 1.0
# Staggered handovers never make the rota refresh more often than this (the names change
# on time anyway, from the shifts already known).
MIN_REFRESH_GAP = 60.0


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'unknown time zone "{name}" (expected e.g. "Europe/Berlin")') from None
    return name


Timezone = Annotated[str, AfterValidator(check_timezone)]
ScheduleEvery = Annotated[Duration, between(60.0, 86400.0)]


class OncallOptions(Options):
    """Keys every on-call source has (besides ``type``, ``interval`` and ``timeout``)."""

    # Handover times on screen ("until Mon 09:00") are written in this zone.
    timezone: Timezone = "UTC"
    schedule_every: ScheduleEvery = 600.0
    ca_bundle: str | None = None
    verify: bool = True


class OncallPanelOptions(Options):
    """On-call sources feed ``oncall`` panels (who) and ``alerts`` panels (open incidents)."""

    # Failing, an incidents panel is unknown (never the last list, never "none open");
    # the on-call names stay, said to be old (wallboard/board/status.py).
    unknown_when_failing: ClassVar[bool] = True

    @model_validator(mode="after")
    def _kind(self, info: ValidationInfo) -> OncallPanelOptions:
        kind = info.context.get("panel_kind") if isinstance(info.context, dict) else None
        if kind not in (None, ONCALL, INCIDENTS):
            raise ValueError(
                f'an on-call source feeds kind = "{ONCALL}" or "{INCIDENTS}" panels, not "{kind}"'
            )
        return self


class OncallSource:
    """Base of the on-call kinds; a kind implements ``fetch_rota`` and ``fetch_incidents``."""

    kind: ClassVar[str]
    Options: ClassVar[type[OncallOptions]]
    PanelOptions: ClassVar[type[BaseModel]] = OncallPanelOptions
    TeamOptions: ClassVar[type[BaseModel]]
    has_incidents: ClassVar[bool] = True

    def __init__(self, context: SourceContext, api: VendorApi) -> None:
        self.context = context
        self.options = cast(OncallOptions, context.options)
        self.api = api
        # The one clock of the source and its API (a test moves it to a handover).
        self.clock: Callable[[], float] = time.time
        api.clock = lambda: self.clock()
        self._lock = threading.Lock()
        self._rota: dict[str, list[Shift]] = {}
        self._rota_error: dict[str, CollectorError] = {}  # team -> why its rota failed
        self._rota_at: float | None = None  # when the rota was last fetched whole
        self._rota_due = 0.0
        # Shown on the source while true: a key that can write, a listing cut short.
        self.warnings: list[str] = []

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    # -- what a kind implements --------------------------------------------------------
    def fetch_rota(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> tuple[dict[str, list[Shift]], dict[str, CollectorError]]:
        raise NotImplementedError

    def fetch_incidents(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> dict[str, list[Incident]]:
        raise NotImplementedError

    def check_ids(self, deadline: float) -> list[tuple[str, str]]:
        """(key path, reason) for each configured id the vendor does not know, beyond
        what reading the rota already finds (a kind whose rota names every id need not)."""
        return []

    # -- check-config --online (collectors.base.OnlineCheck) -------------------------------
    def check_online(self, deadline: float) -> list[tuple[str, str]]:
        """Read the rota once and ask for every configured id; name what is missing."""
        try:
            _, failed = self.fetch_rota(self.context.teams, deadline)
            problems = [(f"teams.{team}", error.reason) for team, error in failed.items()]
            return problems + self.check_ids(deadline)
        except CollectorError as exc:
            return [(f"sources.{self.context.id}", exc.reason)]

    # -- panels --------------------------------------------------------------------------
    def _panels(self, kind: str) -> list[PanelTarget]:
        return [p for p in self.context.panels if p.kind == kind]

    def _teams(self, panels: list[PanelTarget]) -> tuple[TeamTarget, ...]:
        wanted = {t for p in panels for t in p.teams}
        return tuple(t for t in self.context.teams if t.id in wanted)

    # -- the cycle -----------------------------------------------------------------------
    def collect(self, deadline: float) -> Collection:
        out = Collection()
        errors: list[CollectorError] = []
        oncall, incidents = self._panels(ONCALL), self._panels(INCIDENTS)
        if oncall:
            error = self._refresh_rota(self._teams(oncall), deadline)
            if error is not None:
                errors.append(error)
            self._oncall(oncall, out, error)
        if incidents and self.has_incidents:
            try:
                found = self.fetch_incidents(self._teams(incidents), deadline)
            except CollectorError as exc:
                errors.append(exc)
                for panel in incidents:
                    out.failures[(None, panel.id)] = exc
            else:
                for panel in incidents:
                    for team in panel.teams:
                        out.readings[(team, panel.id)] = incidents_reading(found.get(team, []))
        asked = int(bool(oncall)) + int(bool(incidents and self.has_incidents))
        if errors and len(errors) == asked:
            raise errors[0]  # nothing worked: the source itself is failing
        out.warnings.extend(self.warnings)
        return out

    def _refresh_rota(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> CollectorError | None:
        now = self.clock()
        with self._lock:
            due = now >= self._rota_due
        if not due:
            return None
        try:
            rota, failed = self.fetch_rota(teams, deadline)
        except CollectorError as exc:
            with self._lock:
                self._rota_due = 0.0  # try again next cycle
            return exc
        with self._lock:
            self._rota = rota
            self._rota_error = failed
            self._rota_at = now
            boundary = next_change((s for ss in rota.values() for s in ss), now)
            every = now + self.options.schedule_every
            soon = max(boundary + AFTER_BOUNDARY, now + MIN_REFRESH_GAP) if boundary else every
            self._rota_due = min(every, soon)
        return None

    def _oncall(
        self, panels: list[PanelTarget], out: Collection, error: CollectorError | None
    ) -> None:
        now = self.clock()
        with self._lock:
            rota, failed, fetched = dict(self._rota), dict(self._rota_error), self._rota_at
        for panel in panels:
            for team in panel.teams:
                key = (team, panel.id)
                if error is not None or fetched is None:
                    out.failures[key] = error or CollectorError("no rota yet", kind="waiting")
                elif team in failed:
                    out.failures[key] = failed[team]
                else:
                    shifts = rota.get(team, [])
                    out.readings[key] = oncall_reading(shifts, now, self.options.timezone)

    # -- the poller's second clock (collectors.base.Wakes) ----------------------------------
    def next_wakeup(self) -> float | None:
        """When the next cycle should run to change a name: just after the next boundary."""
        now = self.clock()
        with self._lock:
            shifts = [s for ss in self._rota.values() for s in ss]
            boundary = next_change(shifts, now)
            due = self._rota_due
        if boundary is None:
            return due if due > now else None
        return min(boundary + AFTER_BOUNDARY, due) if due > now else boundary + AFTER_BOUNDARY

    # -- memory across restarts (collectors.base.Memory) -----------------------------------
    def export_memory(self) -> dict[str, Any]:
        with self._lock:
            memory: dict[str, Any] = {"rota": rota_data(self._rota), "rota_at": self._rota_at}
        blocked = self.api.blocked_until()
        if blocked is not None:
            memory["blocked_until"] = blocked
        return memory

    def import_memory(self, memory: Mapping[str, Any]) -> None:
        rota = rota_from(memory.get("rota"), (t.id for t in self.context.teams))
        at = memory.get("rota_at")
        with self._lock:
            self._rota = rota
            self._rota_at = float(at) if isinstance(at, (int, float)) and rota else None
        blocked = memory.get("blocked_until")
        if isinstance(blocked, (int, float)):
            self.api.block(float(blocked))

    def http_stats(self) -> list[HttpStats]:
        return [self.api.client.stats]

    def close(self) -> None:
        self.api.close()
