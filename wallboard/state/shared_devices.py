"""What a state store may offer the screens-as-devices code: a pairing store, a shared fleet.

A leaf module (it imports no store backend), so ``wallboard.devices`` can ask "does the
state store keep pairings?" and "is the fleet shared with other replicas?" without
importing SQLite or Redis code, and without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from wallboard.devices.codes import RateLimiter
    from wallboard.devices.store import DeviceStore

# A fleet row as published (``devices.listing`` makes them) and a command to screens:
# {"op": "send", "key": ..., "action": ..., "fields": {...}} or {"op": "revoke", "key": ...}.
FleetRow = dict[str, Any]
Command = dict[str, Any]


@runtime_checkable
class KeepsDevices(Protocol):
    """A store that keeps pairing records (pending codes, devices, credential hashes)."""

    def device_store(self) -> DeviceStore: ...


@runtime_checkable
class SharesFleet(Protocol):
    """A store shared by replicas: each publishes its live fleet and takes others' commands."""

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
    """A store shared by replicas that counts rate limits for all of them at once."""

    def limiter(self, name: str, limit: int, window: float = 60.0) -> RateLimiter:
        """A limiter whose counts every replica sees (raises StoreUnavailable on errors)."""
        ...
