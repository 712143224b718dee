"""A loopback TCP relay that can go silent without closing anything: a network blip, or a cut.

While frozen it forwards nothing in either direction and holds new connections
unanswered, exactly what a screen sees when a switch or Wi-Fi drops packets, and
what a replica sees when its link to Redis is blackholed: no RST, no FIN, its
writes pile up in the kernel's buffers and its reads wait. Thawed, what was held
flows on, as TCP's retransmissions deliver it after a partition heals.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

POLL = 0.05
Passes = Callable[[bytes], bool]


def everything(data: bytes) -> bool:
    return True


class Blackhole:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.frozen = threading.Event()
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(POLL)
        self.port = self.listener.getsockname()[1]
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def url(self, database: int = 0) -> str:
        """A Redis URL through this relay."""
        return f"redis://127.0.0.1:{self.port}/{database}"

    def freeze(self) -> float:
        """Stop forwarding now; the monotonic time of the cut."""
        self.frozen.set()
        return time.monotonic()

    def thaw(self) -> None:
        self.frozen.clear()

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> Blackhole:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _wait_unfrozen(self) -> bool:
        while self.frozen.is_set() and not self.stopped.is_set():
            time.sleep(POLL)
        return not self.stopped.is_set()

    def _serve(self, client: socket.socket) -> None:
        if not self._wait_unfrozen():
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
        sent, received = self._filters()
        back = threading.Thread(target=self._pump, args=(upstream, client, received), daemon=True)
        back.start()
        self._pump(client, upstream, sent)
        back.join(timeout=2)

    def _filters(self) -> tuple[Passes, Passes]:
        """For one connection: what the client sends, and what it is sent (see ``_pump``)."""
        return everything, everything

    def _pump(
        self,
        source: socket.socket,
        sink: socket.socket,
        passes: Passes,
    ) -> None:
        """Forward ``source`` to ``sink``; ``passes`` sees each read before it is sent and
        may hold it (returning once it may go on, False to stop)."""
        source.settimeout(POLL)
        try:
            while self._wait_unfrozen():
                try:
                    data = source.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                if not self._wait_unfrozen():  # data read just before a freeze waits too
                    break
                if not passes(data):
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class LatePubSub(Blackhole):
    """A Redis relay that, while ``late`` is set, holds what Redis sends to a subscriber
    connection (the published changes) and lets every other connection through: a
    follower whose changes arrive late while its commands are answered at once (a starved
    follow loop, a congested link)."""

    def __init__(self, target_port: int) -> None:
        self.late = threading.Event()
        super().__init__(target_port)

    def _filters(self) -> tuple[Passes, Passes]:
        subscriber = threading.Event()

        def sent(data: bytes) -> bool:
            if b"SUBSCRIBE" in data.upper():
                subscriber.set()
            return True

        def received(data: bytes) -> bool:
            while subscriber.is_set() and self.late.is_set() and not self.stopped.is_set():
                time.sleep(POLL)
            return not self.stopped.is_set()

        return sent, received
