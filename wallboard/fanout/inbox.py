"""What request threads and the board leave for the hub's writer thread.

Screens to greet or close, replies and commands owed, teams changed: each is
noted under one short lock and wakes the writer, which takes them all at once at
the start of a cycle. So a request thread never waits on a socket, and the
thousands of wake-ups while screens connect do not each walk every screen.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from wallboard.fanout.screens import Screen


@dataclass
class Mail:
    """One cycle's worth of what the inbox held."""

    new: list[Screen] = field(default_factory=list)
    closing: list[Screen] = field(default_factory=list)
    controls: list[Screen] = field(default_factory=list)  # owed a pong or commands
    dirty: set[str] = field(default_factory=set)  # teams changed on the board
    layout: bool = False  # a config reload changed the teams


class Inbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.wake = threading.Event()
        self._mail = Mail()
        self.ping_now = False  # send the heartbeat at the next cycle, not at its time

    def greet(self, screen: Screen) -> None:
        """A new screen: owed its hello and a snapshot."""
        with self._lock:
            self._mail.new.append(screen)
        self.wake.set()

    def close(self, screen: Screen) -> None:
        with self._lock:
            self._mail.closing.append(screen)

    def owe(self, screen: Screen, command: bytes | None = None) -> None:
        """``screen`` is owed its ``control`` frame, or ``command`` after those before it."""
        with self._lock:
            if command is not None:
                screen.commands.append(command)
            self._mail.controls.append(screen)
        self.wake.set()

    def owe_later(self, screens: list[Screen]) -> None:
        """Still owed (behind): tried again at the next cycle, without waking the writer."""
        with self._lock:
            self._mail.controls.extend(screens)

    def changed(self, teams: frozenset[str], layout: bool) -> None:
        with self._lock:
            self._mail.dirty |= teams
            self._mail.layout = self._mail.layout or layout
        self.wake.set()

    def ping(self) -> None:
        self.ping_now = True
        self.wake.set()

    def take(self) -> Mail:
        with self._lock:
            mail, self._mail = self._mail, Mail()
        return mail
