"""Whether this replica reaches Redis: every part reports its errors here, one notice results.

While Redis is unreachable every replica keeps its board and shows a notice on
every screen; when it is back the board is read again (a resync) and written in
full by the leader.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Health:
    def __init__(self, nudge: Callable[[], None], back: Callable[[], None]) -> None:
        self._nudge = nudge  # a heartbeat to every screen now: the notice changed
        self._back = back  # Redis is reachable again: resync and write in full
        self.errors = 0
        self.unreachable: str | None = None  # the Redis error, while it lasts
        self.since = 0.0  # unix time the outage began
        self.connected = False  # the follower's subscription is up (sync.py)

    def failed(self, exc: Exception) -> None:
        self.errors += 1
        if self.unreachable is None:
            self.since = time.time()
            log.error("replica: Redis unreachable: %s", exc)
            self.unreachable = f"state store (Redis) unreachable: {exc}"
            self._nudge()

    def reachable(self) -> None:
        if self.unreachable is not None:
            log.info("replica: Redis reachable again")
            self.unreachable = None
            self._back()
            self._nudge()

    def notice(self, values_at: float | None) -> str | None:
        """What every screen shows while Redis is away (``values_at``: when values date from)."""
        if self.unreachable is None:
            return None
        when = time.strftime("%H:%M", time.localtime(values_at)) if values_at else "start"
        return f"state store unreachable — values as of {when}"
