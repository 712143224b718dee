"""Source failures logged on a change of state, not on every cycle.

A source failing every 2 s used to write ~43,000 warnings a day. Now one source
writes one warning when it starts failing, a reminder every ``remind_every``
while it keeps failing (with the count and the latest reason), and one info line
when it recovers. Everything else about each cycle is in ``/metrics`` and
``/readyz``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from collectors.errors import CollectorError

log = logging.getLogger("wallboard.sources")
REMIND_EVERY = 300.0  # seconds between "still failing" lines for one source


@dataclass
class _Failing:
    since: float
    logged_at: float
    cycles: int = 1


class FailureLog:
    """Per-source failing/recovered state; one instance per wall."""

    def __init__(
        self, remind_every: float = REMIND_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.remind_every = remind_every
        self._clock = clock
        self._failing: dict[str, _Failing] = {}
        self._lock = threading.Lock()

    def failed(self, source_id: str, error: CollectorError, crash: bool = False) -> None:
        """Record one failed cycle; log only when it starts or a reminder is due."""
        now = self._clock()
        with self._lock:
            state = self._failing.get(source_id)
            if state is None:
                self._failing[source_id] = _Failing(since=now, logged_at=now)
                first = True
            else:
                state.cycles += 1
                if now - state.logged_at < self.remind_every:
                    return
                state.logged_at = now
                first = False
                cycles, since = state.cycles, state.since
        if first:
            # A crash is a bug in the source: its traceback is worth one line, once.
            log.warning("source %s failed: %s", source_id, error.reason, exc_info=crash or None)
        else:
            log.warning(
                "source %s still failing after %d cycles (%.0f s): %s",
                source_id,
                cycles,
                now - since,
                error.reason,
            )

    def succeeded(self, source_id: str) -> None:
        with self._lock:
            state = self._failing.pop(source_id, None)
        if state is not None:
            log.info(
                "source %s recovered after %d failed cycles (%.0f s)",
                source_id,
                state.cycles,
                self._clock() - state.since,
            )
