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
            self.saves += 1
        except Exception:  # a failing disk must not stop the wall; the next change retries
            self.errors += 1
            self._dirty.set()
            log.exception("state: saving failed")

    def close(self) -> None:
        self._stop.set()
        self._dirty.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self.save_now()
