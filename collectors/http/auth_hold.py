"""The pause after a refused key: one place for every source that holds a vendor key.

A 401/403 needs a person, not a loop: after one, calls fail at once with the same
error (naming the config key to check and when the next try is) until the hold
passes; a changed key builds a new source, and with it a new hold.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from collectors.errors import CollectorError
from collectors.http.response import Response, http_error

AUTH_HOLD = 300.0  # a refused key is tried again after this long


def hhmm(epoch: float) -> str:
    """Server-local wall-clock time, as a person in front of the TV reads it."""
    return time.strftime("%H:%M", time.localtime(epoch))


class AuthHold:
    """Remembers a refused key's error until ``AUTH_HOLD`` seconds have passed."""

    def __init__(self, key_hint: str, clock: Callable[[], float] = time.time) -> None:
        self._key_hint = key_hint  # the config key path to name when the key is refused
        self._clock = clock
        self._lock = threading.Lock()
        self._held: tuple[float, CollectorError] | None = None

    def check(self) -> None:
        """Raise the held error while the hold lasts; forget it once it has passed."""
        now = self._clock()
        with self._lock:
            if self._held is None:
                return
            until, error = self._held
            if now < until:
                raise error
            self._held = None

    def refuse(self, response: Response, detail: str | None = None) -> CollectorError:
        """The error for a 401/403 ``response`` (with the vendor's ``detail``, if given),
        held from now on; the caller raises it."""
        until = self._clock() + AUTH_HOLD
        error = http_error(response)
        reason = error.reason if detail is None else f"{error.reason} ({detail})"
        error = CollectorError(
            f"{reason}; check {self._key_hint}; next try at {hhmm(until)}",
            retryable=False,
            kind=error.kind,
        )
        with self._lock:
            self._held = (until, error)
        return error
