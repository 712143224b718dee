"""Fan-out of board changes to connected screens, where no screen can hold up another.

One writer thread owns every send. Each message is encoded once per team and
written with ``MSG_DONTWAIT``: a socket whose buffer is full keeps at most the
unsent rest of one frame and is marked behind; when it drains it gets a fresh
snapshot (coalesced: never a queue of old updates). A screen behind for longer
than ``stall_timeout``, or silent for several heartbeats, is dropped. So a hung
TV costs one frame of memory and never delays a broadcast, a collector or the
other screens. Measured reasons in ``docs/fanout.md``: a blocking
``ws.send`` froze every screen; a queue and a thread per screen collapsed.

This module is what request threads call (and the thread's lifecycle). The rest
is split by who runs it: ``inbox.py`` holds what they hand the writer thread,
``writer.py`` is that thread's cycle, ``sender.py`` its non-blocking sends,
``roster.py`` which screens follow which team, ``readers.py`` the reader thread.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from wallboard.board.board import Board
from wallboard.fanout import protocol
from wallboard.fanout.frames import Frames
from wallboard.fanout.inbox import Inbox
from wallboard.fanout.readers import OnData, Readers
from wallboard.fanout.roster import Roster
from wallboard.fanout.screens import HubStats, Refusals, Screen
from wallboard.fanout.writer import Writer
from wallboard.signals import Signal
from wallboard.views.team import TeamViews

log = logging.getLogger(__name__)
SEND_BUFFER_BYTES = 256 * 1024
__all__ = ["Hub", "HubStats", "Screen"]


class Hub:
    def __init__(
        self,
        board: Board,
        *,
        build_id: str,
        heartbeat: float,
        screen_settings: Callable[[], dict[str, Any]] = dict,
        stall_timeout: float = 10.0,
        missed_pongs: int = 3,
        reconnect_spread: float = 3.0,
        views: TeamViews | None = None,
    ) -> None:
        self.board = board
        # Frames come encoded, once per team and version, from the views the pages share.
        self.frames = Frames(views or TeamViews(board))
        self.build_id = build_id
        self.heartbeat = heartbeat
        self.stall_timeout = stall_timeout
        self.missed_pongs = missed_pongs
        self.stats = HubStats()
        self.refusals = Refusals()  # screens' bad frames, logged rate-limited
        self.screen_settings = screen_settings  # the hello's settings, asked per screen
        # Asked at every heartbeat for a board-level warning (a state store answers): see notice.
        self.notices: Signal[[], str | None] = Signal()
        self.reconnect_spread = reconnect_spread  # on stop, screens come back over this long
        self.roster = Roster()  # who is connected, by team
        # What request threads and the board hand the writer thread (inbox.py).
        self._inbox = Inbox()
        self._thread: threading.Thread | None = None
        # Every adopted screen's socket is read by this one thread (readers.py).
        self.readers = Readers()
        # The server's effective caps (wallboard/limits.py), for /readyz and /metrics.
        self.capacity: dict[str, Any] | None = None
        self._writer = Writer(self, self._inbox)  # every send, in its one thread (writer.py)
        board.changed.connect(self._on_change)

    # -- called from request threads ---------------------------------------------------
    def attach(self, sock: socket.socket, teams: tuple[str, ...], **info: Any) -> Screen:
        # A small kernel send buffer per screen: a TV that stops reading is noticed after
        # a few frames instead of megabytes, and costs bounded kernel memory meanwhile.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        screen = Screen(sock=sock, teams=teams, info=info)
        self.roster.add(screen)  # before the writer hears of it: it never meets an unknown
        self._inbox.greet(screen)
        return screen

    def adopt(
        self, screen: Screen, on_data: OnData, on_closed: Callable[[], None] | None = None
    ) -> None:
        """Read ``screen``'s socket in the reader thread from now on; the caller returns.

        The socket is then the hub's: the writer closes it when the screen is over
        and the reader closes the descriptor, then calls ``on_closed``.
        """
        screen.on_closed = on_closed
        screen.adopted = True
        self.readers.add(screen.sock, on_data)

    def end(self, screen: Screen, code: int | None = None, reason: str = "") -> None:
        """Ask the writer to close ``screen`` (with a close frame when ``code`` is given)."""
        screen.close_code = code
        screen.close_reason = reason
        if screen in self.roster:
            screen.info["closing"] = True
            self._inbox.close(screen)
        self._inbox.wake.set()

    def detach(self, screen: Screen, code: int | None = None, reason: str = "") -> None:
        """``end``, and wait (a little) until the writer has closed it."""
        self.end(screen, code, reason)
        screen.closed.wait(timeout=2.0)

    def pong(self, screen: Screen) -> None:
        screen.last_pong = time.monotonic()

    def control(self, screen: Screen, frame: bytes) -> None:
        """Have the writer send ``frame`` (a reply to a client ping); the latest one wins."""
        screen.control = frame
        self._inbox.owe(screen)

    def command(self, screen: Screen, frame: bytes) -> None:
        """Have the writer send ``frame`` (a command) after those queued before it, none lost."""
        self._inbox.owe(screen, command=frame)

    def screens_by_team(self) -> dict[str, int]:
        return self.roster.counts_by_team()

    @property
    def screen_count(self) -> int:
        return len(self.roster)

    def _on_change(self, version: int, teams: frozenset[str], layout: bool) -> None:
        # The version is not needed: the writer broadcasts each team's latest frame.
        self._inbox.changed(teams, layout)

    def notice(self) -> str | None:
        """The warning every screen shows over the board (the first listener's); None: all well."""
        return next((text for text in self.notices.send() if text is not None), None)

    def nudge(self) -> None:
        """Send the heartbeat (with the current notice) now rather than at its time."""
        self._inbox.ping()

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self._thread is not None

    def problem(self, now: float | None = None) -> str | None:
        """Why the writer cannot serve screens (None when it is fine or was never started).

        A loop takes at most one heartbeat when idle; twice that plus a margin for a
        slow machine is the bound past which the writer counts as stuck.
        """
        thread = self._thread
        if thread is None:
            return None
        if not thread.is_alive():
            return "hub writer thread is dead"
        if not self.readers.alive:
            return "screen reader thread is dead"
        age = (time.monotonic() if now is None else now) - self._writer.beat
        if age > self.stuck_after:
            return f"hub writer thread is stuck: no loop for {age:.1f} s"
        return None

    @property
    def stuck_after(self) -> float:
        return 2 * self.heartbeat + 1.0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._writer.beat = time.monotonic()
        self._writer.running = True
        self.readers.start()
        self._thread = threading.Thread(target=self._writer.run, name="wallboard-hub", daemon=True)
        self._thread.start()

    def stop(self, code: int = protocol.CLOSE_GOING_AWAY, timeout: float = 3.0) -> None:
        """Close every screen with ``code`` (1001: reconnect to the next process) and stop."""
        if self._thread is None:
            return
        self._writer.stopping_code = code
        self._writer.running = False
        self._inbox.wake.set()
        self._thread.join(timeout)
        self._thread = None
        self.readers.stop()  # closes what the writer released, then anything left
