"""What the Wall knows of a state backend: a leaf module, so the Wall imports no backend.

The backends (SQLite in ``store.py``, Redis in ``replicas/``) hold the Wall; the Wall
holds one of them through these protocols only, so no import runs both ways.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


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
    """A store with series of its own for /metrics (replicas: leader, lag, takeovers...)."""

    def metrics(self) -> list[tuple[str, str, str, float]]:
        """(name, help, "gauge" | "counter", value)."""
        ...
