"""The contract between sources and the app: what a source is given, what it returns.

A source collects for *all* teams at once (one query per panel, one request per
organisation) and returns a :class:`Collection`. The app turns that into board
state; the source never sees Flask, the board or a screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel

from collectors.errors import CollectorError

STATUSES = ("ok", "warn", "crit", "unknown")


@dataclass(frozen=True)
class Item:
    """One row of a list panel: a service not up, a Sentry issue, a firing alert."""

    title: str
    status: str = "unknown"  # one of STATUSES
    detail: str = ""  # the reason in words ("HTTP 503", "culprit in app.views")
    since: float | None = None  # unix seconds: down since, first seen, firing since
    link: str | None = None  # only ever rendered as text or an href on the same screen
    meta: Mapping[str, str | int | float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Reading:
    """What a source observed for one (team, panel).

    ``value`` is in the source's natural unit (ratios, per second, seconds);
    the panel's unit decides how it is shown. ``status`` is set only by sources
    that decide it themselves (health, alerts); otherwise the board's thresholds
    decide. ``text`` replaces the formatted value ("no traffic", "7 / 8 up").
    """

    value: float | None = None
    text: str | None = None
    status: str | None = None
    items: tuple[Item, ...] = ()
    sample: float | None = None  # the value to put on the sparkline, if not ``value``


@dataclass
class Collection:
    """The result of one collection cycle of one source.

    ``readings`` are the (team, panel) pairs collected; ``failures`` are pairs
    or whole panels (key ``(None, panel)``) whose collection failed while the rest
    of the source worked; ``warnings`` are shown on the source, not on a panel.
    """

    readings: dict[tuple[str, str], Reading] = field(default_factory=dict)
    failures: dict[tuple[str | None, str], CollectorError] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PanelTarget:
    """A panel this source feeds: its id, kind, unit, the teams showing it, its options."""

    id: str
    kind: str
    unit: str
    teams: tuple[str, ...]
    options: BaseModel


@dataclass(frozen=True)
class TeamTarget:
    """A team this source collects for, with its per-team options for this kind."""

    id: str
    name: str
    options: BaseModel


@dataclass(frozen=True)
class SourceContext:
    """Everything a source is built from. ``env`` holds secrets named by ``*_env`` keys."""

    id: str
    interval: float
    timeout: float
    options: BaseModel
    panels: tuple[PanelTarget, ...]
    teams: tuple[TeamTarget, ...]
    env: Mapping[str, str]


class Source(Protocol):
    """A kind of source. ``Options``/``PanelOptions``/``TeamOptions`` are its config models.

    ``collect`` must return before ``deadline`` (a ``time.monotonic()`` value) and
    raise only :class:`CollectorError` for a failure of the whole source.
    """

    kind: ClassVar[str]
    Options: ClassVar[type[BaseModel]]
    PanelOptions: ClassVar[type[BaseModel]]
    TeamOptions: ClassVar[type[BaseModel]]

    def __init__(self, context: SourceContext) -> None: ...

    def collect(self, deadline: float) -> Collection: ...

    def close(self) -> None: ...


class Backfill(Protocol):
    """Optional: a source that can tell its recent past, so sparklines start full.

    ``backfill`` returns, per (team, panel), ``(unix seconds, raw value)`` points
    oldest first, at most ``points`` of them, one per collection interval and
    ending before the present (the first live cycle adds the newest). The wall
    calls it once, inside the source's first collection job; a CollectorError
    only means the sparklines start empty.
    """

    def backfill(
        self, deadline: float, points: int
    ) -> Mapping[tuple[str, str], list[tuple[float, float]]]: ...


class OnlineCheck(Protocol):
    """Optional: a source that can ask its upstream whether its config makes sense.

    ``check_online`` returns ``(key path, reason)`` pairs, e.g.
    ``("panels.errors.query", "parse error ...")``; ``wallboard check-config --online``
    prints them. An unreachable upstream is one pair naming the source's URL.
    """

    def check_online(self, deadline: float) -> list[tuple[str, str]]: ...


class PushReceiver(Protocol):
    """Optional: a source that also takes pushed payloads (webhooks).

    ``receive`` returns readings to apply at once; it must not call upstream
    synchronously for long (webhook senders time out quickly).
    """

    def receive(self, payload: object) -> Collection: ...


class Memory(Protocol):
    """Optional: a source whose memory must outlive a restart (or move to another replica).

    What a fresh process cannot learn from one upstream answer: when a health check
    went down, which issues are new, which alerts a webhook reported, until when the
    upstream rate-limits us. ``export_memory`` returns JSON-ready data (unix seconds,
    never monotonic times); ``import_memory`` takes it back before the first cycle and
    ignores what no longer fits the config (a check or team that is gone).
    """

    def export_memory(self) -> dict[str, Any]: ...

    def import_memory(self, memory: Mapping[str, Any]) -> None: ...
