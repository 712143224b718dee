"""Coalesced writes on their own thread: at most one save per interval, never on the hub's path.

Whoever learns of a change calls :meth:`Coalescer.mark` (it only sets an event);
the thread saves, then waits out the interval before it looks again, so a burst
of changes costs one write. :meth:`close` saves once more (graceful shutdown).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Coalescer:
    def __init__(
        self, save: Callable[[], None], interval: float = 1.0, name: str = "state"
    ) -> None:
        self._save = save
        self.interval = interval
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self.saves = 0
        self.errors = 0
        self.failing: str | None = None  # why saves fail now; None while they work
        self._thread = threading.Thread(target=self._run, name=f"wallboard-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def mark(self) -> None:
        self._dirty.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait()
            if self._stop.is_set():
                break
            self._dirty.clear()
            self.save_now()
            self._stop.wait(self.interval)

    def save_now(self) -> None:
        try:
            self._save()
        except Exception as exc:  # a failing disk must not stop the wall; the next change retries
            self.errors += 1
            self._dirty.set()
            if self.failing is None:  # logged when it starts failing, not every second
                log.error("state: saving failed, retrying every %.0f s: %s", self.interval, exc)
            self.failing = str(exc) or type(exc).__name__
            return
        self.saves += 1
        if self.failing is not None:
            log.warning("state: saving works again (%d failed saves)", self.errors)
            self.failing = None

    def close(self) -> None:
        self._stop.set()
        self._dirty.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self.save_now()
