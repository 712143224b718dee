"""A connected screen's send state, the hub's counters, and its log of refused frames."""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_COMMANDS = 32  # queued per screen; a person's clicks, never a flood
_serials = itertools.count()  # next() is atomic under the GIL: request threads share it
REFUSAL_LOG_EVERY = 60.0  # seconds between log lines about refused screen frames

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Screen:
    """One connected screen. Only the hub's writer thread touches the send state."""

    sock: socket.socket
    teams: tuple[str, ...]
    info: dict[str, Any] = field(default_factory=dict)
    connected_at: float = field(default_factory=time.monotonic)
    last_pong: float = field(default_factory=time.monotonic)
    sent: dict[str, int] = field(default_factory=dict)  # team -> version it is in sync with
    pending: memoryview | None = None
    behind_since: float | None = None
    needs_resync: bool = False
    gone: bool = False  # ``closed`` as a plain flag, for the writer's hot loop
    # Sent its hello. The roster holds a screen before the writer takes the mail that greets
    # it: a cycle already under way must not send it a snapshot or a ping first.
    greeted: bool = False
    control: bytes | None = None  # a pong owed to a client ping; written by the hub
    # Commands (reload, move...) in order: each must arrive, unlike pongs where the newest
    # stands for all. Bounded: people send them, a handful at a time.
    commands: deque[bytes] = field(default_factory=lambda: deque(maxlen=MAX_COMMANDS))
    coalesced: int = 0  # updates folded into a later snapshot for this screen
    close_code: int | None = None
    close_reason: str = ""
    closed: threading.Event = field(default_factory=threading.Event)
    adopted: bool = False  # read by the hub's reader thread, closed by it (readers.py)
    on_closed: Callable[[], None] | None = None  # called once its descriptor is closed
    # In order of connection: which slice of the heartbeat pings it (writer.py, PING_SLICES).
    serial: int = field(default_factory=lambda: next(_serials))


@dataclass
class HubStats:
    messages_sent: int = 0
    updates_coalesced: int = 0
    screens_dropped: int = 0
    last_broadcast_seconds: float = 0.0
    # Recent (unix time, loop seconds) of broadcasts, for benchmarks and metrics; bounded.
    broadcasts: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=4096))


class Refusals:
    """Screen frames refused (nested too deep, not JSON): counted, and logged in one
    line at most every ``every`` seconds, never with a traceback. In open mode anyone
    may connect, so a flood of bad frames must not become a flood of log lines."""

    def __init__(self, every: float = REFUSAL_LOG_EVERY) -> None:
        self.every = every
        self.count = 0
        self._unlogged = 0
        self._logged_at: float | None = None
        self._lock = threading.Lock()

    def note(self, reason: str, remote: str | None) -> None:
        now = time.monotonic()
        with self._lock:
            self.count += 1
            self._unlogged += 1
            if self._logged_at is not None and now - self._logged_at < self.every:
                return
            self._logged_at, unlogged, self._unlogged = now, self._unlogged, 0
        log.warning(
            "screen frame refused from %s: %s (%d refused since the last such line)",
            remote or "unknown",
            reason,
            unlogged,
        )
