"""Fan-out of board changes to connected screens, where no screen can hold up another.

One writer thread owns every send. Each message is encoded once per team and
written with ``MSG_DONTWAIT``: a socket whose buffer is full keeps at most the
unsent rest of one frame and is marked behind; when it drains it gets a fresh
snapshot (coalesced: never a queue of old updates). A screen behind for longer
than ``stall_timeout``, or silent for several heartbeats, is dropped. So a hung
TV costs one frame of memory and never delays a broadcast, a collector or the
other screens. Measured reasons in ``docs/fanout.md``: a blocking
``ws.send`` froze every screen; a queue and a thread per screen collapsed.

A cycle costs O(screens) only when it broadcasts: screens that need attention
(closing, behind, owed a snapshot or a pong) are kept in their own sets, so the
thousands of wake-ups while screens connect do not each walk every screen
(docs/benchmarks.md, B1 profile).
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from wallboard.board.board import Board
from wallboard.fanout import protocol
from wallboard.fanout.frames import Frames
from wallboard.fanout.readers import OnData, Readers
from wallboard.fanout.roster import Roster
from wallboard.fanout.screens import HubStats, Refusals, Screen
from wallboard.fanout.sender import Sender
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
        self._screen_settings = screen_settings
        # Asked at every heartbeat for a board-level warning (a state store answers): see notice.
        self.notices: Signal[[], str | None] = Signal()
        self.reconnect_spread = reconnect_spread  # on stop, screens come back over this long
        self._ping_now = False
        # Guards what request threads hand the writer: new, closing, owed controls, changes.
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self.roster = Roster()  # who is connected, by team
        self._new: list[Screen] = []
        self._closing: list[Screen] = []
        self._controls: list[Screen] = []
        # Touched by the writer thread only.
        self._sender = Sender(
            self.stats,
            drop=lambda screen: self._close(screen, send_close=False),
            resync=self._want_snapshot,
        )
        self._needs_snapshot: set[Screen] = set()
        self._dirty: set[str] = set()
        self._layout = False
        self._team_version: dict[str, int] = {}
        self._running = False
        self._thread: threading.Thread | None = None
        # Every adopted screen's socket is read by this one thread (readers.py).
        self.readers = Readers()
        # The server's effective caps (wallboard/limits.py), for /readyz and /metrics.
        self.capacity: dict[str, Any] | None = None
        self._stopping_code: int | None = None
        # Liveness: the writer stamps this every loop (it wakes at least once a heartbeat),
        # so a dead or stuck writer shows as an old stamp (``problem``, read by /healthz).
        self.beat = time.monotonic()
        board.changed.connect(self._on_change)

    # -- called from request threads ---------------------------------------------------
    def attach(self, sock: socket.socket, teams: tuple[str, ...], **info: Any) -> Screen:
        # A small kernel send buffer per screen: a TV that stops reading is noticed after
        # a few frames instead of megabytes, and costs bounded kernel memory meanwhile.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        screen = Screen(sock=sock, teams=teams, info=info)
        self.roster.add(screen)  # before the writer hears of it: it never meets an unknown
        with self._lock:
            self._new.append(screen)
        self._wake.set()
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
            with self._lock:
                self._closing.append(screen)
        self._wake.set()

    def detach(self, screen: Screen, code: int | None = None, reason: str = "") -> None:
        """``end``, and wait (a little) until the writer has closed it."""
        self.end(screen, code, reason)
        screen.closed.wait(timeout=2.0)

    def pong(self, screen: Screen) -> None:
        screen.last_pong = time.monotonic()

    def control(self, screen: Screen, frame: bytes) -> None:
        """Have the writer send ``frame`` (a reply to a client ping); the latest one wins."""
        screen.control = frame
        with self._lock:
            self._controls.append(screen)
        self._wake.set()

    def command(self, screen: Screen, frame: bytes) -> None:
        """Have the writer send ``frame`` (a command) after those queued before it, none lost."""
        with self._lock:
            screen.commands.append(frame)
            self._controls.append(screen)
        self._wake.set()

    def screens_by_team(self) -> dict[str, int]:
        return self.roster.counts_by_team()

    @property
    def screen_count(self) -> int:
        return len(self.roster)

    def _on_change(self, version: int, teams: frozenset[str], layout: bool) -> None:
        with self._lock:
            self._dirty |= teams
            self._layout = self._layout or layout
        self._wake.set()

    def notice(self) -> str | None:
        """The warning every screen shows over the board (the first listener's); None: all well."""
        return next((text for text in self.notices.send() if text is not None), None)

    def nudge(self) -> None:
        """Send the heartbeat (with the current notice) now rather than at its time."""
        self._ping_now = True
        self._wake.set()

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
        age = (time.monotonic() if now is None else now) - self.beat
        if age > self.stuck_after:
            return f"hub writer thread is stuck: no loop for {age:.1f} s"
        return None

    @property
    def stuck_after(self) -> float:
        return 2 * self.heartbeat + 1.0

    def start(self) -> None:
        if self._thread is not None:
            return
        self.beat = time.monotonic()
        self._running = True
        self.readers.start()
        self._thread = threading.Thread(target=self._run, name="wallboard-hub", daemon=True)
        self._thread.start()

    def stop(self, code: int = protocol.CLOSE_GOING_AWAY, timeout: float = 3.0) -> None:
        """Close every screen with ``code`` (1001: reconnect to the next process) and stop."""
        if self._thread is None:
            return
        self._stopping_code = code
        self._running = False
        self._wake.set()
        self._thread.join(timeout)
        self._thread = None
        self.readers.stop()  # closes what the writer released, then anything left

    # -- the writer thread ---------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._loop()
        finally:
            if self._running:  # not asked to stop: /healthz now fails, say why in the log
                log.error("hub writer thread stopped unexpectedly; screens get no updates")
        self._shutdown()

    def _loop(self) -> None:
        next_ping = time.monotonic() + self.heartbeat
        while self._running:
            self.beat = time.monotonic()
            wait = 0.05 if self._sender.behind else max(0.0, next_ping - time.monotonic())
            self._wake.wait(wait)
            self._wake.clear()
            try:
                self._cycle()
                if time.monotonic() >= next_ping or self._ping_now:
                    self._ping_now = False
                    self._heartbeat()
                    next_ping = time.monotonic() + self.heartbeat
            except Exception:  # the writer must outlive any one bad cycle
                log.exception("hub cycle failed")

    def _cycle(self) -> None:
        with self._lock:
            new, self._new = self._new, []
            dirty, self._dirty = self._dirty, set()
            layout, self._layout = self._layout, False
            closing, self._closing = self._closing, []
            controls, self._controls = self._controls, []
        now = time.monotonic()
        for screen in closing:
            self._close(screen)
        later: list[Screen] = []
        for screen in controls:
            frame, screen.control = screen.control, None
            if frame is not None and not screen.gone and screen.pending is None:
                self._sender.write(screen, frame)
            while screen.commands and not screen.gone and screen.pending is None:
                self._sender.write(screen, screen.commands.popleft())
            if screen.commands and not screen.gone:
                later.append(screen)  # behind: the rest once its socket drains
        if later:
            with self._lock:
                self._controls.extend(later)
        for screen in new:
            if not screen.gone:
                self._sender.write(
                    screen,
                    protocol.hello(
                        self.build_id,
                        self.heartbeat,
                        list(screen.teams),
                        self._screen_settings(),
                        self.notice(),
                    ),
                )
                self._want_snapshot(screen)
        if layout:
            teams_now = tuple(self.board.config.teams)
            dirty = set(teams_now)
            for screen in self.roster.everyone():
                if self._follow_layout(screen, teams_now):
                    self._want_snapshot(screen)
        started = time.perf_counter()
        for team in dirty:
            self._broadcast(team)
        if dirty:
            self.stats.last_broadcast_seconds = time.perf_counter() - started
            self.stats.broadcasts.append((time.time(), self.stats.last_broadcast_seconds))
        for screen in list(self._sender.behind):
            self._sender.flush(screen, now, self.stall_timeout)
        for screen in list(self._needs_snapshot):
            if screen.gone:
                self._needs_snapshot.discard(screen)
            elif screen.pending is None:
                self._resync(screen)

    def _follow_layout(self, screen: Screen, teams_now: tuple[str, ...]) -> bool:
        """After a config reload: keep a screen in step with the teams that exist now.

        A screen of every team gains new teams in place; one whose team is gone is
        closed (4404 when nothing it showed is left, else 4001 so the page reloads)
        instead of staying connected to data that will never change again.
        """
        missing = [t for t in screen.teams if t not in teams_now]
        if screen.info.get("all_teams") and not missing:
            self.roster.show_all(screen, teams_now)
            return True
        if not missing:
            return True
        if len(missing) == len(screen.teams):
            screen.close_code = protocol.CLOSE_UNKNOWN_TEAM
            screen.close_reason = f"team removed: {missing[0]}"[:120]
        else:
            screen.close_code = protocol.CLOSE_TEAMS_CHANGED
            screen.close_reason = "teams changed"
        self._close(screen)
        return False

    def _want_snapshot(self, screen: Screen) -> None:
        screen.needs_resync = True
        self._needs_snapshot.add(screen)

    def _broadcast(self, team: str) -> None:
        since = self._team_version.get(team, -1)
        made = self.frames.update(team, since)
        if made is None:  # a reload removed the team
            return
        version, frame = made
        self._team_version[team] = version
        for screen in self.roster.of_team(team):
            if screen.gone or screen.needs_resync:
                continue
            if screen.sent.get(team) != since or screen.pending is not None:
                self._want_snapshot(screen)  # behind: the latest snapshot when it drains
                self.stats.updates_coalesced += 1
                screen.coalesced += 1  # per screen, for the fleet view
                continue
            if self._sender.write(screen, frame):
                screen.sent[team] = version

    def _resync(self, screen: Screen) -> None:
        screen.needs_resync = False
        self._needs_snapshot.discard(screen)
        for team in screen.teams:
            made = self.frames.snapshot(team)
            if made is None:  # a reload removed the team
                continue
            screen.sent[team], frame = made
            if not self._sender.write(screen, frame):
                return

    def _heartbeat(self) -> None:
        frame = protocol.ping(self.notice())
        limit = time.monotonic() - self.heartbeat * self.missed_pongs
        for screen in self.roster.everyone():
            if screen.last_pong < limit and screen.connected_at < limit:
                log.info(
                    "dropping a screen of %s: no pong for %d heartbeats",
                    ",".join(screen.teams),
                    self.missed_pongs,
                )
                self.stats.screens_dropped += 1
                screen.close_code = protocol.CLOSE_POLICY
                screen.close_reason = "no pong"
                self._close(screen)
            elif screen.pending is None:
                self._sender.write(screen, frame)

    def _close(self, screen: Screen, send_close: bool = True) -> None:
        if screen.gone:
            return
        # Uncounted before the peer can see the close: whoever it tells never counts it.
        self.roster.remove(screen)
        self._sender.hang_up(screen, send_close)
        if screen.adopted:  # the writer is done with it: the reader closes the descriptor
            self.readers.release(screen.sock, screen.on_closed)
        screen.gone = True
        self._needs_snapshot.discard(screen)
        screen.closed.set()

    def _shutdown(self) -> None:
        for screen in self.roster.everyone():
            screen.close_code = self._stopping_code
            # A spread hint, so a replica's screens land on the others over a few seconds
            # rather than all at once (connection.js waits this long before reconnecting).
            wait = int(random.uniform(0, self.reconnect_spread) * 1000)
            screen.close_reason = f"server restarting; retry in {wait} ms"
            self._close(screen)
