"""One thread reads every screen's socket: an epoll loop (``selectors``), no thread per screen.

A screen sends almost nothing (a pong per heartbeat, a report now and then), so a
thread blocked in ``recv`` per screen held ~16 KB of stack and two memory maps to
wait (docs/fanout.md, "Screens per process"). Once a websocket is open, its
request thread hands the socket over here and returns; this loop reads whatever
arrives, without blocking, and gives each chunk to that screen's parser.

Ownership: the hub's writer thread owns every *write* and decides when a screen is
over (it sends the close frame and shuts the socket down); only then is the socket
*released* here, and this thread closes the descriptor. So the descriptor is never
closed while the writer may still use it, and a reused descriptor number can never
reach the wrong screen.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
RECEIVE_BYTES = 4096  # one buffer for the loop, not one per screen

# Gets each chunk read (b"" when the peer left or the socket failed); False: stop reading.
OnData = Callable[[bytes], bool]


class Readers:
    def __init__(self, receive_bytes: int = RECEIVE_BYTES) -> None:
        self.receive_bytes = receive_bytes
        # Made in start(), closed when the loop ends: an app that never serves holds none.
        self._selector: selectors.BaseSelector | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._lock = threading.Lock()
        self._adds: list[tuple[socket.socket, OnData]] = []
        self._releases: list[tuple[socket.socket, Callable[[], None] | None]] = []
        self._thread: threading.Thread | None = None
        self._running = False
        self.held = 0  # sockets adopted and not yet closed (the loop's own count)

    # -- from other threads ----------------------------------------------------------------
    def add(self, sock: socket.socket, on_data: OnData) -> None:
        """Read ``sock`` from now on (non-blocking), giving every chunk to ``on_data``."""
        sock.setblocking(False)
        with self._lock:
            self._adds.append((sock, on_data))
            self.held += 1
        self._wake()

    def release(self, sock: socket.socket, then: Callable[[], None] | None = None) -> None:
        """The writer is done with ``sock``: stop reading it, close it, then call ``then``."""
        with self._lock:
            self._releases.append((sock, then))
        self._wake()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._running = True
        self._thread = threading.Thread(target=self._run, name="wallboard-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Close what was released, then every socket still held, and end the loop."""
        thread = self._thread
        if thread is None:
            return
        self._running = False
        self._wake()
        thread.join(timeout)
        self._thread = None

    # -- the reader thread -------------------------------------------------------------------
    def _wake(self) -> None:
        wake = self._wake_w
        if wake is not None:
            with contextlib.suppress(BlockingIOError, OSError):
                wake.send(b"\0")

    def _run(self) -> None:
        selector, wake_r, wake_w = self._selector, self._wake_r, self._wake_w
        assert selector is not None and wake_r is not None and wake_w is not None
        try:
            while self._running:
                try:
                    self._turn(selector, wake_r)
                except Exception:  # the loop must outlive any one bad screen
                    log.exception("screen reader loop failed")
        finally:
            self._housekeeping(selector)
            for key in list(selector.get_map().values()):
                if key.data is not None:
                    self._close(selector, key.fileobj)  # type: ignore[arg-type]
            self._wake_w = None
            selector.close()
            wake_r.close()
            wake_w.close()

    def _turn(self, selector: selectors.BaseSelector, wake_r: socket.socket) -> None:
        for key, _ in selector.select(timeout=1.0):
            if key.data is None:
                with contextlib.suppress(BlockingIOError, OSError):
                    wake_r.recv(4096)
                continue
            sock: socket.socket = key.fileobj  # type: ignore[assignment]
            try:
                data = sock.recv(self.receive_bytes)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            keep = key.data(data)
            if not data or not keep:
                # Stop reading: the writer closes the screen and releases the socket.
                selector.unregister(sock)
        self._housekeeping(selector)

    def _housekeeping(self, selector: selectors.BaseSelector) -> None:
        with self._lock:
            adds, self._adds = self._adds, []
            releases, self._releases = self._releases, []
        for sock, on_data in adds:
            try:
                selector.register(sock, selectors.EVENT_READ, on_data)
            except (ValueError, KeyError, OSError):  # closed already, or a descriptor reused
                on_data(b"")
        for sock, then in releases:
            self._close(selector, sock)
            if then is not None:
                try:
                    then()
                except Exception:
                    log.exception("after closing a screen")

    def _close(self, selector: selectors.BaseSelector, sock: socket.socket) -> None:
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(sock)
        if sock.fileno() == -1:
            return
        sock.close()
        with self._lock:
            self.held -= 1
