"""The contract between sources and the app: what a source is given, what it returns.

A source collects for *all* teams at once (one query per panel, one request per
organisation) and returns a :class:`Collection`. The app turns that into board
state; the source never sees Flask, the board or a screen.

Optional abilities are protocols the app tests with ``isinstance`` (they are
``runtime_checkable``): :class:`Backfill`, :class:`OnlineCheck`,
:class:`PushReceiver`, :class:`HttpCounted` and :class:`Wakes`. A source opts in by having the
method; the app never looks for attributes by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from collectors.errors import CollectorError

if TYPE_CHECKING:
    from collectors.http.client import HttpStats

STATUSES = ("ok", "warn", "crit", "unknown")
# The one severity order of statuses: sources sort their items by it, the board picks a
# team's worst panel by it, pages and chat sort teams by it. A status nobody knows counts
# as "unknown". static/render.js keeps the browser's copy.
SEVERITY = {"ok": 0, "unknown": 1, "warn": 2, "crit": 3}


def severity(status: str) -> int:
    """How bad ``status`` is: higher is worse."""
    return SEVERITY.get(status, SEVERITY["unknown"])


@dataclass(frozen=True)
class Item:
    """One row of a list panel: a service not up, a Sentry issue, a firing alert."""

    title: str
    status: str = "unknown"  # one of STATUSES
    detail: str = ""  # the reason in words ("HTTP 503", "culprit in app.views")
    since: float | None = None  # unix seconds: down since, first seen, firing since
    link: str | None = None  # only ever rendered as text or an href on the same screen
    meta: Mapping[str, str | int | float | None] = field(default_factory=dict)
    # The row's next steps by kind ("runbook", "source", "sentry"): upstream URLs, shown
    # only once they pass the http(s) check (wallboard/views/links.py).
    links: Mapping[str, str] = field(default_factory=dict)


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
    # Named numbers behind the shown value (an SLO's burns), for the API and chat.
    facts: Mapping[str, float | str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Marker:
    """A deploy (or release) of one team's code: a tick on that team's sparklines."""

    team: str
    version: str
    at: float  # unix seconds
    url: str | None = None
    environment: str | None = None


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
    markers: list[Marker] = field(default_factory=list)  # deploys seen this cycle


@dataclass(frozen=True)
class PanelTarget:
    """A panel this source feeds: its id, kind, unit, the teams showing it, its options."""

    id: str
    kind: str
    unit: str
    teams: tuple[str, ...]
    options: BaseModel


TeamOptionsT = TypeVar("TeamOptionsT", bound=BaseModel)


@dataclass(frozen=True)
class TeamTarget:
    """A team this source collects for, with its per-team options for this kind."""

    id: str
    name: str
    options: BaseModel


def team_options(team: TeamTarget, kind: type[TeamOptionsT]) -> TeamOptionsT:
    """``team``'s options for a source whose per-team model is ``kind`` (its defaults when
    the team's options are not of that kind)."""
    options = team.options
    return options if isinstance(options, kind) else kind()


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


@runtime_checkable
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


@runtime_checkable
class OnlineCheck(Protocol):
    """Optional: a source that can ask its upstream whether its config makes sense.

    ``check_online`` returns ``(key path, reason)`` pairs, e.g.
    ``("panels.errors.query", "parse error ...")``; ``wallboard check-config --online``
    prints them. An unreachable upstream is one pair naming the source's URL.
    """

    def check_online(self, deadline: float) -> list[tuple[str, str]]: ...


@runtime_checkable
class OnlineWarnings(Protocol):
    """Optional, beside :class:`OnlineCheck`: what the last ``check_online`` found that
    does not make the config wrong, as ``(key path, reason)`` (a team without data)."""

    online_warnings: list[tuple[str, str]]


@dataclass(frozen=True)
class PushRequest:
    """A webhook as it arrived: its headers (names lower-cased) and its exact raw body."""

    headers: Mapping[str, str]
    body: Callable[[], bytes]  # read on demand: a token check needs no body

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@runtime_checkable
class PushReceiver(Protocol):
    """Optional: a source that also takes pushed payloads (webhooks).

    ``accepts_pushes`` says whether it is set up for them (its secret is set).
    ``verify`` checks one request's token or signature, in constant time, before
    anything is parsed: each kind knows its own scheme, so the webhook routes need
    no concrete source class. ``receive`` turns a verified request into readings to
    apply at once, None for a push it does not handle (answered and ignored), and
    raises :class:`CollectorError` (kind ``bad_request``) for a malformed one. It must
    not call upstream synchronously for long (webhook senders time out quickly).
    ``check`` validates a verified request the way ``receive`` would, applying
    nothing: False for a push it does not handle, :class:`CollectorError` naming what
    is wrong for a malformed one. Replicas check before they queue a push for the
    leader, so the sender gets the 4xx, not a 2xx for a push that is later dropped.
    """

    kind: ClassVar[str]
    accepts_pushes: bool

    def verify(self, request: PushRequest) -> bool: ...

    def check(self, request: PushRequest) -> bool: ...

    def receive(self, request: PushRequest) -> Collection | None: ...


@runtime_checkable
class HttpCounted(Protocol):
    """Optional: a source whose HTTP clients count requests and connections (for /metrics)."""

    def http_stats(self) -> list[HttpStats]: ...


@runtime_checkable
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


@runtime_checkable
class Wakes(Protocol):
    """Optional: a source that knows a moment, sooner than its next interval, when a cycle
    must run (an on-call handover: the name changes then, not up to an interval later).

    ``next_wakeup`` returns unix seconds or None; the poller moves the source's next cycle
    to then (the same job, so never two cycles of a source at once).
    """

    def next_wakeup(self) -> float | None: ...
