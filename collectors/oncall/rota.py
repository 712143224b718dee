"""Who is on call, as every on-call source sees it: shifts, the reading they make, incidents.

A vendor answer becomes a list of :class:`Shift` per team (a person, or several, on call
from ``start`` to ``end`` at an escalation ``level``); the panel's words come from that
list alone, so every vendor reads the same on a wall. Shifts in the future are kept: the
name changes at the handover from what is already known, before the next request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from collectors.base import Item, Reading, severity

NOBODY = "nobody on call"
# Open incidents by vendor state: triggered pages someone (crit); acknowledged is handled.
TRIGGERED, ACKNOWLEDGED = "crit", "warn"


@dataclass(frozen=True)
class Shift:
    """``names`` on call from ``start`` to ``end`` (unix seconds; None: open-ended).

    ``names`` empty is an empty slot: the schedule has a gap, nobody gets paged.
    ``level`` is the escalation level (1: paged first).
    """

    start: float
    end: float | None
    names: tuple[str, ...]
    level: int = 1

    def covers(self, at: float) -> bool:
        return self.start <= at and (self.end is None or at < self.end)

    def data(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "names": list(self.names),
            "level": self.level,
        }


def shift_from(data: Any) -> Shift | None:
    """A saved shift (``Shift.data``), or None when it is malformed."""
    try:
        end = data["end"]
        shift = Shift(
            float(data["start"]),
            None if end is None else float(end),
            tuple(str(n) for n in data["names"]),
            int(data.get("level", 1)),
        )
    except (KeyError, TypeError, ValueError):
        return None
    finite = math.isfinite(shift.start) and (shift.end is None or math.isfinite(shift.end))
    return shift if finite else None


def _names(shifts: Iterable[Shift]) -> tuple[str, ...]:
    # Concurrent shifts of one level are several people on call at once; order kept.
    return tuple(dict.fromkeys(n for s in shifts for n in s.names))


def current(shifts: Sequence[Shift], at: float) -> dict[int, list[Shift]]:
    """The shifts covering ``at``, by escalation level."""
    out: dict[int, list[Shift]] = {}
    for shift in shifts:
        if shift.covers(at):
            out.setdefault(shift.level, []).append(shift)
    return dict(sorted(out.items()))


def next_change(shifts: Iterable[Shift], after: float) -> float | None:
    """The first moment after ``after`` at which a shift starts or ends."""
    times = [t for s in shifts for t in (s.start, s.end) if t is not None and t > after]
    return min(times, default=None)


def oncall_reading(shifts: Sequence[Shift], at: float, timezone: str) -> Reading:
    """The on-call panel's reading: names first, an empty slot in warn, never a guess.

    ``facts`` carry what the screen's second line says ("secondary Bo · until Mon 09:00,
    then Cy"); the views format the times in ``timezone``.
    """
    levels = current(shifts, at)
    first = min(levels, default=None)
    people = _names(levels[first]) if first is not None else ()
    facts: dict[str, float | str | None] = {"timezone": timezone}
    if first is not None:
        facts["level"] = float(first)
        later = [lv for lv in levels if lv > first and _names(levels[lv])]
        if later:
            facts["secondary"] = ", ".join(_names(levels[later[0]]))
        ends = [s.end for s in levels[first] if s.end is not None]
        if ends:
            until = min(ends)
            facts["until"] = until
            after = current(shifts, until).get(first, [])
            facts["next"] = ", ".join(_names(after)) or NOBODY
    if not people:
        # An empty slot still says when it ends and who comes then, if the rota knows.
        starts = [s.start for s in shifts if s.start > at and s.names]
        if starts:
            facts["until"] = min(starts)
            then = current(shifts, min(starts))
            facts["next"] = ", ".join(_names(then[min(then)])) or NOBODY
        return Reading(text=NOBODY, status="warn", facts=facts)
    return Reading(text=", ".join(people), status="ok", facts=facts)


@dataclass(frozen=True)
class Incident:
    """An open incident: ``status`` is crit (triggered) or warn (acknowledged)."""

    key: str
    title: str
    status: str
    since: float | None
    link: str | None
    detail: str = ""


def incidents_reading(incidents: Iterable[Incident]) -> Reading:
    """The incidents panel (the ``alerts`` list kind): worst first, then newest."""
    items = sorted(
        (
            Item(
                title=i.title,
                status=i.status,
                detail=i.detail,
                since=i.since,
                link=i.link,
                meta={"id": i.key},
            )
            for i in incidents
        ),
        key=lambda it: (-severity(it.status), -(it.since or 0.0), it.title),
    )
    if not items:
        return Reading(value=0.0, text="none open", status="ok", sample=0.0)
    status = max((it.status for it in items), key=severity)
    return Reading(
        value=float(len(items)), text=f"{len(items)} open", status=status, items=tuple(items)
    )


def rota_data(rota: Mapping[str, Sequence[Shift]]) -> dict[str, list[dict[str, Any]]]:
    return {team: [s.data() for s in shifts] for team, shifts in rota.items()}


def rota_from(data: Any, teams: Iterable[str]) -> dict[str, list[Shift]]:
    """A saved rota for today's teams (a team that is gone is dropped)."""
    if not isinstance(data, Mapping):
        return {}
    out: dict[str, list[Shift]] = {}
    for team in teams:
        saved = data.get(team)
        if isinstance(saved, list):
            out[team] = [s for s in (shift_from(d) for d in saved) if s is not None]
    return out
