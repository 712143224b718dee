"""A websocket screen client for tests: speaks the protocol, answers pings; and a raw
socket's check that the server ended it."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from websockets.sync.client import ClientConnection, connect


class ScreenClient:
    def __init__(self, url: str, **kw: Any) -> None:
        self.conn: ClientConnection = connect(
            url, open_timeout=5, compression=None, legacy=True, **kw
        )

    def next(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next message other than ping (pings are answered with pong)."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message")
            msg = json.loads(self.conn.recv(timeout=left))
            if msg["type"] == "ping":
                self.conn.send(json.dumps({"type": "pong"}))
                continue
            return msg

    def wait_for(self, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            msg = self.next(max(0.01, end - time.monotonic()))
            if predicate(msg):
                return msg

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ScreenClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has ended this raw connection (read without waiting)."""
    sock.settimeout(0.01)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True
