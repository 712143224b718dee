"""The writer's sends: non-blocking, at most one frame's rest kept, a stalled screen dropped.

Every write uses ``MSG_DONTWAIT``, so a screen that stops reading can never hold
up the writer thread (docs/fanout.md: a blocking ``ws.send`` froze every screen).
What the kernel does not take is kept as ``screen.pending``, and the screen is
*behind* until it drains; then it is owed a fresh snapshot rather than the
updates it missed. Only the hub's writer thread calls this.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Callable

from wallboard.fanout import protocol
from wallboard.fanout.screens import HubStats, Screen

log = logging.getLogger(__name__)


class Sender:
    def __init__(
        self,
        stats: HubStats,
        *,
        drop: Callable[[Screen], None],
        resync: Callable[[Screen], None],
    ) -> None:
        self.stats = stats
        self._drop = drop  # close a screen whose socket failed or stalled (no close frame)
        self._resync = resync  # owe a screen the latest snapshot once it can take one
        self.behind: set[Screen] = set()  # screens holding an unsent rest

    def write(self, screen: Screen, frame: bytes) -> bool:
        """Try to hand ``frame`` to the kernel now; keep at most its unsent rest."""
        if screen.pending is not None:
            self._resync(screen)
            return False
        try:
            sent = screen.sock.send(frame, socket.MSG_DONTWAIT)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._drop(screen)
            return False
        self.stats.messages_sent += 1
        if sent < len(frame):
            screen.pending = memoryview(frame)[sent:]
            screen.behind_since = time.monotonic()
            self.behind.add(screen)
            return False
        return True

    def flush(self, screen: Screen, now: float, stall_timeout: float) -> None:
        """Send more of a behind screen's rest; drop it if behind over ``stall_timeout``."""
        if screen.pending is None:
            return
        try:
            sent = screen.sock.send(screen.pending, socket.MSG_DONTWAIT)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._drop(screen)
            return
        if sent == len(screen.pending):
            screen.pending = None
            screen.behind_since = None
            self.behind.discard(screen)
            self._resync(screen)
        else:
            screen.pending = screen.pending[sent:]
            if screen.behind_since is not None and now - screen.behind_since > stall_timeout:
                log.info(
                    "dropping a screen of %s: not reading for %.0f s",
                    ",".join(screen.teams),
                    now - screen.behind_since,
                )
                self.stats.screens_dropped += 1
                self._drop(screen)

    def hang_up(self, screen: Screen, send_close: bool) -> None:
        """Send the close frame (when asked and nothing is half-sent) and end the socket's
        reading: the reader thread's, or its request thread's."""
        if send_close and screen.close_code is not None and screen.pending is None:
            with contextlib.suppress(OSError):
                screen.sock.send(
                    protocol.close_frame(screen.close_code, screen.close_reason),
                    socket.MSG_DONTWAIT,
                )
        with contextlib.suppress(OSError):
            screen.sock.shutdown(socket.SHUT_RDWR)
        screen.pending = None
        self.behind.discard(screen)
