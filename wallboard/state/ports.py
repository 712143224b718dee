"""The contract between a state store and the app: every capability the app may ask of it.

A store is opened by a backend (``state.sqlite.open`` or ``state.redis.open``) and
held by the Wall as :class:`StateStore`. Every other ability is a protocol the app
tests with ``isinstance`` (they are ``runtime_checkable``); a store opts in by
having the methods, and nothing outside ``wallboard/state`` imports a backend:

- :class:`ReportsMetrics`: series of its own for /metrics (replicas: leader, lag...);
- :class:`OrdersReads`: an API answer never older than a version another replica showed;
- :class:`SharesHooks`: webhooks queued durably, applied once by the leader;
- :class:`KeepsDevices`: pairing records (a :class:`DeviceStore`) that outlive the process;
- :class:`KeepsSessions`: the fleet page's admin sessions, for every replica;
- :class:`SharesFleet`: each replica's screens published, commands passed on;
- :class:`SharesLimits`: rate limits (:class:`RateLimiter`) counted for all replicas.

A store that cannot answer now raises :class:`StoreUnavailable`: never taken as "not
paired" or "nothing there"; the request fails with 503 and the sender retries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


class StoreUnavailable(Exception):
    """A shared or persistent store cannot answer now (Redis unreachable, disk error)."""


class ReplicaBehind(Exception):
    """This replica's board is older than a version another replica has already shown, and
    did not catch up in time: an answer now would go back in time. Ask again shortly."""

    def __init__(self, shown: int, here: int) -> None:
        super().__init__(f"board at version {here}, behind version {shown} shown elsewhere")
        self.shown, self.here = shown, here


# -- records a store keeps for the devices -------------------------------------------------
@dataclass(frozen=True)
class Pending:
    """A screen showing a code, waiting for a person to approve it."""

    code: str
    secret_hash: str  # of the HttpOnly pairing cookie: only that browser can collect
    address: str
    created_at: float
    expires_at: float
    device_id: str | None = None  # set by approval; the credential is minted at collection
    page: str = ""  # the page the screen was opened at: its approval's default (fleet view)


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    page: str
    paired_at: float
    approved_by: str  # "api", "cli", "slack:U123", "fleet"
    credential_hash: str | None = None  # None until the screen collects its credential
    revoked_at: float | None = None


# A fleet row as published (``devices.listing`` makes them) and a command to screens:
# {"op": "send", "key": ..., "action": ..., "fields": {...}} or {"op": "revoke", "key": ...}.
FleetRow = dict[str, Any]
Command = dict[str, Any]


# -- the store itself ----------------------------------------------------------------------
@runtime_checkable
class StateStore(Protocol):
    backend: str
    starts_scheduler: bool  # False: the store decides when this process collects (a lease)

    def describe(self) -> dict[str, Any]:
        """For /readyz: at least ``backend``, ``ready`` and ``reasons``."""
        ...

    def close(self) -> None:
        """Flush what is not written yet and stop (graceful shutdown)."""
        ...


@runtime_checkable
class ReportsMetrics(Protocol):
    def metrics(self) -> list[tuple[str, str, str, float]]:
        """(name, help, "gauge" | "counter", value)."""
        ...


@runtime_checkable
class OrdersReads(Protocol):
    def settle(self) -> None:
        """Return once this board is at least as new as any version a replica has shown;
        raise ``ReplicaBehind`` when it cannot be, in time."""
        ...


@runtime_checkable
class SharesHooks(Protocol):
    def forward_hook(
        self, kind: str, source_id: str, payload: Any, dedup: str | None = None
    ) -> bool:
        """Queue a verified webhook durably; False for a duplicate. Raises on store errors.

        Duplicates are told by ``dedup`` when given, else by the payload itself."""
        ...


# -- the devices' part ---------------------------------------------------------------------
@runtime_checkable
class DeviceStore(Protocol):
    """Pairing records; every method is one atomic step (a transaction, a script)."""

    def add_pending(self, pending: Pending, per_address: int, limit: int) -> bool: ...
    def pending_by_secret(self, secret_hash: str) -> Pending | None: ...
    def approve(self, code: str, device: Device, now: float) -> bool: ...
    def collect(self, secret_hash: str, credential_hash: str, now: float) -> Device | None: ...
    def device(self, device_id: str) -> Device | None: ...
    def device_by_credential(self, credential_hash: str) -> Device | None: ...
    def devices(self) -> list[Device]: ...
    def move(self, device_id: str, page: str) -> Device | None: ...
    def revoke(self, device_id: str, now: float) -> Device | None: ...
    def pending_count(self) -> int: ...
    def waiting(self, now: float) -> list[Pending]:
        """Codes shown and not yet approved, oldest first, with the page each screen asked for."""
        ...


@runtime_checkable
class KeepsDevices(Protocol):
    def device_store(self) -> DeviceStore: ...


@runtime_checkable
class KeepsSessions(Protocol):
    """Admin sessions by hash, with a TTL (a device store that also keeps them)."""

    def open_session(self, session_hash: str, ttl: float) -> None: ...
    def session_valid(self, session_hash: str) -> bool: ...
    def close_session(self, session_hash: str) -> None: ...


@runtime_checkable
class RateLimiter(Protocol):
    """Counts events per key in a sliding window (one process's, or shared by replicas)."""

    def blocked(self, key: str) -> float:
        """Seconds until ``key`` may try again (0: it may now)."""
        ...

    def hit(self, key: str) -> int:
        """Count one event; how many ``key`` had in the window, this one included."""
        ...

    def take(self, key: str) -> float:
        """Check and count in one step: 0 when this event was counted under the limit, else
        the seconds until ``key`` may try again (nothing counted)."""
        ...

    def refund(self, key: str) -> None:
        """Take back ``key``'s newest event: an attempt counted by ``take`` that was right."""
        ...


@runtime_checkable
class SharesFleet(Protocol):
    @property
    def replica_id(self) -> str: ...

    def join_fleet(
        self, rows: Callable[[], list[FleetRow]], apply: Callable[[Command], None]
    ) -> None:
        """Publish ``rows()`` every few seconds (with an expiry); call ``apply`` per command."""
        ...

    def fleet_elsewhere(self) -> dict[str, list[FleetRow]]:
        """The rows other live replicas published, by replica id (raises on store errors)."""
        ...

    def tell_replicas(self, command: Command) -> None:
        """Send ``command`` to every other replica (raises on store errors)."""
        ...


@runtime_checkable
class SharesLimits(Protocol):
    def limiter(self, name: str, limit: int, window: float = 60.0) -> RateLimiter:
        """A limiter whose counts every replica sees (raises StoreUnavailable on errors)."""
        ...


# -- asking a store that may not have the ability ------------------------------------------
def settle(store: object) -> None:
    """Before an answer that carries a version: never older than one already shown
    (``ReplicaBehind`` when this replica cannot show it yet)."""
    if isinstance(store, OrdersReads):
        store.settle()


def forward_hook(
    store: object, kind: str, source_id: str, payload: Any, dedup: str | None = None
) -> bool | None:
    """Queue a webhook in a shared store: True queued, False duplicate, None no shared store.

    Raises :class:`StoreUnavailable` when it cannot be made durable (answer 503).
    """
    if not isinstance(store, SharesHooks):
        return None
    try:
        return bool(store.forward_hook(kind, source_id, payload, dedup))
    except Exception as exc:  # the client's errors; the sender retries on a 503
        raise StoreUnavailable(str(exc)) from exc
