"""Deadlines for the server's connections: no client can hold a thread for long.

A socket timeout bounds one ``recv``; a client sending a header line per second
(slowloris) resets it forever. Every connection that has not become a screen is
*armed* here with a total deadline for its current request (waiting for it,
reading it, answering it); one reaper thread shuts down the sockets whose
deadline passed, so their handler threads end at once. A websocket is disarmed
when it upgrades: screens are legitimately quiet and the hub watches them.

When the server is full, :meth:`ConnectionGuard.evict_oldest` cuts the armed
connection that has waited longest, so a new client (a probe) always gets a
thread: an attacker has to keep opening connections faster than the server
evicts them, and each of theirs is gone within the request deadline anyway.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class ConnectionGuard:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.cut = 0  # connections shut down at their deadline
        self.evicted = 0  # connections shut down to make room
        self._armed: dict[socket.socket, tuple[float, float]] = {}  # sock -> (armed at, deadline)
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._reap, name="wallboard-reaper", daemon=True)
        self._thread.start()

    def arm(self, sock: socket.socket) -> None:
        now = time.monotonic()
        with self._cond:
            self._armed[sock] = (now, now + self.timeout)
            self._cond.notify()

    def disarm(self, sock: socket.socket) -> None:
        with self._cond:
            self._armed.pop(sock, None)

    @property
    def armed(self) -> int:
        with self._cond:
            return len(self._armed)

    def evict_oldest(self) -> bool:
        """Cut the armed connection armed longest ago; False if none is armed."""
        with self._cond:
            if not self._armed:
                return False
            sock = min(self._armed, key=lambda s: self._armed[s][0])
            del self._armed[sock]
            self.evicted += 1
        _shutdown(sock)
        return True

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(timeout=2)

    def _reap(self) -> None:
        while True:
            with self._cond:
                if self._stopped:
                    return
                now = time.monotonic()
                due = [s for s, (_, deadline) in self._armed.items() if deadline <= now]
                for sock in due:
                    del self._armed[sock]
                self.cut += len(due)
                if not due:
                    nearest = min((d for _, d in self._armed.values()), default=now + 1.0)
                    self._cond.wait(timeout=min(1.0, max(0.01, nearest - now)))
                    continue
            for sock in due:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    # shutdown, not close: the handler thread owns the descriptor and closes it itself.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
