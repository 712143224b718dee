"""Reads in version order when replicas share a board: the hook the API calls before answering.

A leaf module (it imports no store backend), so the API can ask for ordered reads
without importing Redis code or making an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from wallboard.wall import Wall


@runtime_checkable
class OrdersReads(Protocol):
    """A store shared by replicas, whose boards may be a few milliseconds apart."""

    def settle(self) -> None:
        """Return once this board is at least as new as any version a replica has shown."""
        ...


def settle(wall: Wall) -> None:
    """Before an answer that carries a version: never older than one already shown."""
    store = wall.state
    if isinstance(store, OrdersReads):
        store.settle()
