"""The hub's writer thread: the one place that sends to screens.

Each cycle takes what the inbox holds (screens to greet or close, frames owed,
teams changed), broadcasts each changed team's frame once to its screens, and
flushes screens that are behind; a screen that cannot take an update now gets
the latest snapshot when it drains (coalesced: never a queue of old updates).
Every screen is pinged once a heartbeat, a slice of them at a time, and those
silent for ``missed_pongs`` heartbeats are dropped. Apart from ``hub.py``, which
is what request threads call: this module is only ever run by the one writer thread.

A cycle costs O(screens) only when it broadcasts: screens that need attention
(closing, behind, owed a snapshot or a pong) are kept in their own sets, so the
thousands of wake-ups while screens connect do not each walk every screen
(docs/benchmarks.md, B1 profile).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, Protocol

from wallboard.board.board import Board
from wallboard.fanout import protocol
from wallboard.fanout.frames import Frames
from wallboard.fanout.inbox import Inbox
from wallboard.fanout.readers import Readers
from wallboard.fanout.roster import Roster
from wallboard.fanout.screens import HubStats, Screen
from wallboard.fanout.sender import Sender

log = logging.getLogger(__name__)
# The heartbeat pings screens in this many slices spread over its period. Pinged all at
# once, 10,000 screens answered with 10,000 pongs together: parsing them held the GIL
# through the next broadcast, and that broadcast's slowest screens set the p99
# (docs/benchmarks.md, B1 at scale).
PING_SLICES = 10


class Host(Protocol):
    """What the writer reads of its hub, live (a test may change ``stall_timeout``)."""

    board: Board
    frames: Frames
    build_id: str
    heartbeat: float
    stall_timeout: float
    missed_pongs: int
    reconnect_spread: float
    stats: HubStats
    roster: Roster
    readers: Readers
    screen_settings: Callable[[], dict[str, Any]]

    def notice(self) -> str | None: ...


class Writer:
    def __init__(self, hub: Host, inbox: Inbox) -> None:
        self._hub = hub
        self._inbox = inbox
        self._sender = Sender(
            hub.stats,
            drop=lambda screen: self.close(screen, send_close=False),
            resync=self._want_snapshot,
        )
        self._needs_snapshot: set[Screen] = set()
        self._team_version: dict[str, int] = {}
        self.running = False
        self.stopping_code: int | None = None  # the close code ``run`` ends screens with
        # Liveness: stamped every loop (it wakes at least once a heartbeat), so a dead or
        # stuck writer shows as an old stamp (``Hub.problem``, read by /healthz).
        self.beat = time.monotonic()

    def run(self) -> None:
        """The thread's body: cycles until ``running`` is cleared, then closes every screen."""
        try:
            self._loop()
        finally:
            if self.running:  # not asked to stop: /healthz now fails, say why in the log
                log.error("hub writer thread stopped unexpectedly; screens get no updates")
        self._shutdown()

    def _loop(self) -> None:
        next_ping = time.monotonic() + self._hub.heartbeat / PING_SLICES
        part = 0  # the slice of screens the next heartbeat step pings
        while self.running:
            self.beat = time.monotonic()
            wait = 0.05 if self._sender.behind else max(0.0, next_ping - time.monotonic())
            self._inbox.wake.wait(wait)
            self._inbox.wake.clear()
            try:
                self._cycle()
                if self._inbox.ping_now:  # the notice changed: every screen at once
                    self._inbox.ping_now = False
                    self._heartbeat()
                if time.monotonic() >= next_ping:
                    self._heartbeat(part)
                    part = (part + 1) % PING_SLICES
                    next_ping = time.monotonic() + self._hub.heartbeat / PING_SLICES
            except Exception:  # the writer must outlive any one bad cycle
                log.exception("hub cycle failed")

    def _cycle(self) -> None:
        mail = self._inbox.take()
        new, dirty, layout = mail.new, mail.dirty, mail.layout
        closing, controls = mail.closing, mail.controls
        now = time.monotonic()
        for screen in closing:
            self.close(screen)
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
            self._inbox.owe_later(later)
        for screen in new:
            if not screen.gone:
                screen.greeted = True
                self._sender.write(
                    screen,
                    protocol.hello(
                        self._hub.build_id,
                        self._hub.heartbeat,
                        list(screen.teams),
                        self._hub.screen_settings(),
                        self._hub.notice(),
                    ),
                )
                self._want_snapshot(screen)
        if layout:
            teams_now = tuple(self._hub.board.config.teams)
            dirty = set(teams_now)
            for screen in self._hub.roster.everyone():
                if self._follow_layout(screen, teams_now):
                    self._want_snapshot(screen)
        started = time.perf_counter()
        for team in dirty:
            self._broadcast(team)
        if dirty:
            stats = self._hub.stats
            stats.last_broadcast_seconds = time.perf_counter() - started
            stats.broadcasts.append((time.time(), stats.last_broadcast_seconds))
        for screen in list(self._sender.behind):
            self._sender.flush(screen, now, self._hub.stall_timeout)
        for screen in list(self._needs_snapshot):
            if screen.gone:
                self._needs_snapshot.discard(screen)
            elif screen.pending is None and screen.greeted:
                self._resync(screen)

    def _follow_layout(self, screen: Screen, teams_now: tuple[str, ...]) -> bool:
        """After a config reload: keep a screen in step with the teams that exist now.

        A screen of every team gains new teams in place; one whose team is gone is
        closed (4404 when nothing it showed is left, else 4001 so the page reloads)
        instead of staying connected to data that will never change again.
        """
        missing = [t for t in screen.teams if t not in teams_now]
        if screen.info.get("all_teams") and not missing:
            self._hub.roster.show_all(screen, teams_now)
            return True
        if not missing:
            return True
        if len(missing) == len(screen.teams):
            screen.close_code = protocol.CLOSE_UNKNOWN_TEAM
            screen.close_reason = f"team removed: {missing[0]}"[:120]
        else:
            screen.close_code = protocol.CLOSE_TEAMS_CHANGED
            screen.close_reason = "teams changed"
        self.close(screen)
        return False

    def _want_snapshot(self, screen: Screen) -> None:
        screen.needs_resync = True
        self._needs_snapshot.add(screen)

    def _broadcast(self, team: str) -> None:
        since = self._team_version.get(team, -1)
        made = self._hub.frames.update(team, since)
        if made is None:  # a reload removed the team
            return
        version, frame = made
        self._team_version[team] = version
        for screen in self._hub.roster.of_team(team):
            if screen.gone or screen.needs_resync or not screen.greeted:
                continue  # (not greeted yet: its hello comes first, then its snapshot)
            if screen.sent.get(team) != since or screen.pending is not None:
                self._want_snapshot(screen)  # behind: the latest snapshot when it drains
                self._hub.stats.updates_coalesced += 1
                screen.coalesced += 1  # per screen, for the fleet view
                continue
            if self._sender.write(screen, frame):
                screen.sent[team] = version

    def _resync(self, screen: Screen) -> None:
        screen.needs_resync = False
        self._needs_snapshot.discard(screen)
        for team in screen.teams:
            made = self._hub.frames.snapshot(team)
            if made is None:  # a reload removed the team
                continue
            screen.sent[team], frame = made
            if not self._sender.write(screen, frame):
                return

    def _heartbeat(self, part: int | None = None) -> None:
        """Ping the screens of slice ``part`` (None: every screen), dropping the silent."""
        frame = protocol.ping(self._hub.notice())
        limit = time.monotonic() - self._hub.heartbeat * self._hub.missed_pongs
        for screen in self._hub.roster.everyone():
            if (part is not None and screen.serial % PING_SLICES != part) or not screen.greeted:
                continue
            if screen.last_pong < limit and screen.connected_at < limit:
                log.info(
                    "dropping a screen of %s: no pong for %d heartbeats",
                    ",".join(screen.teams),
                    self._hub.missed_pongs,
                )
                self._hub.stats.screens_dropped += 1
                screen.close_code = protocol.CLOSE_POLICY
                screen.close_reason = "no pong"
                self.close(screen)
            elif screen.pending is None:
                self._sender.write(screen, frame)

    def close(self, screen: Screen, send_close: bool = True) -> None:
        if screen.gone:
            return
        # Uncounted before the peer can see the close: whoever it tells never counts it.
        self._hub.roster.remove(screen)
        self._sender.hang_up(screen, send_close)
        if screen.adopted:  # the writer is done with it: the reader closes the descriptor
            self._hub.readers.release(screen.sock, screen.on_closed)
        screen.gone = True
        self._needs_snapshot.discard(screen)
        screen.closed.set()

    def _shutdown(self) -> None:
        for screen in self._hub.roster.everyone():
            screen.close_code = self.stopping_code
            # A spread hint, so a replica's screens land on the others over a few seconds
            # rather than all at once (connection.js waits this long before reconnecting).
            wait = int(random.uniform(0, self._hub.reconnect_spread) * 1000)
            screen.close_reason = f"server restarting; retry in {wait} ms"
            self.close(screen)
