"""A total deadline for one HTTP request, enforced whatever the server does byte by byte.

urllib3's timeouts bound each ``recv`` on its own: an upstream (or a sick proxy)
that sends one byte per second resets the clock every second and is never cut.
Here every socket a request opens or reuses is registered with the calling
thread's :class:`Budget`; one watchdog thread shuts those sockets down when the
budget's monotonic deadline passes, so the blocked ``recv`` returns at once and
the calling (pool) thread is released on time — in the TLS handshake, the status
line, the headers or the body alike.

The watchdog holds a *duplicate* descriptor of each socket: shutting it down
affects the shared socket (shutdown acts on the connection, not the descriptor),
and the duplicate stays valid even after TLS wrapping detaches the original
Python object. Duplicates are closed when the request ends.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection

_local = threading.local()


class Budget:
    """The time one request may take, from its first connect to its last body byte."""

    def __init__(self, deadline: float, seconds: float) -> None:
        self.deadline = deadline  # time.monotonic()
        self.seconds = seconds  # the whole budget, for "timeout after N s"
        self.fired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()

    def left(self) -> float:
        return self.deadline - time.monotonic()

    @property
    def expired(self) -> bool:
        return self.fired or self.left() <= 0

    def watch(self, sock: socket.socket) -> None:
        try:
            dup = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except OSError:
            return  # already closed: nothing left to cut
        with self._lock:
            self._socks.append(dup)
            fired = self.fired
        if fired:
            _cut(dup)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            socks = list(self._socks)
        for sock in socks:
            _cut(sock)

    def release(self) -> None:
        with self._lock:
            socks, self._socks = self._socks, []
        for sock in socks:
            sock.close()


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread for the whole process, sleeping until the nearest deadline."""

    def __init__(self) -> None:
        self._budgets: set[Budget] = set()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, budget: Budget) -> None:
        with self._cond:
            self._budgets.add(budget)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="http-deadline-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def remove(self, budget: Budget) -> None:
        with self._cond:
            self._budgets.discard(budget)

    def _run(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                due = [b for b in self._budgets if b.deadline <= now]
                for budget in due:
                    self._budgets.discard(budget)
                nearest = min((b.deadline for b in self._budgets), default=now + 60.0)
                if not due:
                    self._cond.wait(timeout=max(0.005, nearest - now))
                    continue
            for budget in due:
                budget.fire()


_WATCHDOG = _Watchdog()


@contextlib.contextmanager
def budget(seconds: float) -> Iterator[Budget]:
    """Run the block under a total deadline ``seconds`` from now (this thread only)."""
    current = Budget(time.monotonic() + seconds, seconds)
    previous = getattr(_local, "budget", None)
    _local.budget = current
    _WATCHDOG.add(current)
    try:
        yield current
    finally:
        _WATCHDOG.remove(current)
        current.release()
        _local.budget = previous


def current() -> Budget | None:
    return getattr(_local, "budget", None)


def _watch(sock: socket.socket | None) -> None:
    active = current()
    if active is not None and sock is not None:
        active.watch(sock)


class GuardedHTTPConnection(HTTPConnection):
    """Registers its socket with the calling thread's budget, new or reused."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock

    def request(self, *args: Any, **kw: Any) -> None:
        _watch(self.sock)  # a kept-alive connection: its socket exists already
        super().request(*args, **kw)


class GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock

    def request(self, *args: Any, **kw: Any) -> None:
        _watch(self.sock)
        super().request(*args, **kw)
