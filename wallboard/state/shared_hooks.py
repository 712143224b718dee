"""Webhooks when replicas share a board: queued in the shared store, applied by the leader.

A leaf module (it imports no store backend), so the webhook routes can ask "is there a
shared store?" without importing Redis code or making an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from wallboard.wall import Wall


class StoreUnavailable(Exception):
    """The shared store cannot take a webhook now (the sender should retry: 503)."""


@runtime_checkable
class SharesHooks(Protocol):
    """A store shared by replicas: webhooks are queued there and applied by the leader."""

    def forward_hook(
        self, kind: str, source_id: str, payload: Any, dedup: str | None = None
    ) -> bool:
        """Queue a verified webhook durably; False for a duplicate. Raises on store errors.

        Duplicates are told by ``dedup`` when given, else by the payload itself."""
        ...


def forward_hook(
    wall: Wall, kind: str, source_id: str, payload: Any, dedup: str | None = None
) -> bool | None:
    """Queue a webhook in the shared store: True queued, False duplicate, None no shared store.

    Raises :class:`StoreUnavailable` when it cannot be made durable (answer 503).
    """
    store = wall.state
    if not isinstance(store, SharesHooks):
        return None
    try:
        return bool(store.forward_hook(kind, source_id, payload, dedup))
    except Exception as exc:  # the client's errors; the sender retries on a 503
        raise StoreUnavailable(str(exc)) from exc
