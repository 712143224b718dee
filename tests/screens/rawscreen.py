"""A screen over a plain socket and wsproto: hundreds of them cost the test no thread.

``websockets.sync`` starts a thread per connection, which would drown the thread
count these tests measure on the server's side (the server runs in-process).
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Callable
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    Pong,
    RejectConnection,
    TextMessage,
)
from wsproto.events import Message as WsMessage
from wsproto.events import Request as WsRequest


class RawScreen:
    def __init__(self, url: str, *, rcvbuf: int | None = None, timeout: float = 10.0) -> None:
        """Open ``url`` (``http://host:port/path``) and complete the handshake."""
        rest = url.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:  # before connect, so the window is small from the start
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, int(port)))
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.messages: list[dict[str, Any]] = []
        self.after_handshake = bytearray()  # every byte the server sent after its 101
        self.pongs: list[bytes] = []
        self.close_code: int | None = None
        self.eof = False
        self.accepted = False
        self._text: list[str] = []
        self.sock.sendall(self.ws.send(WsRequest(host=hostport, target="/" + path)))
        self.pump_until(lambda: self.accepted, timeout)

    # -- reading ------------------------------------------------------------------------------
    def pump(self, timeout: float) -> bool:
        """Read what arrives within ``timeout``; False at end of stream."""
        if self.eof:
            return False
        self.sock.settimeout(max(0.001, timeout))
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return True
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return False
        if self.accepted:
            self.after_handshake += data
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, AcceptConnection):
                self.accepted = True
            elif isinstance(event, RejectConnection):
                raise ConnectionError(f"handshake refused: {event.status_code}")
            elif isinstance(event, TextMessage):
                self._text.append(event.data)
                if event.message_finished:
                    message = json.loads("".join(self._text))
                    self._text = []
                    if message.get("type") == "ping":  # as the page does
                        # A server that closed meanwhile (a SIGTERM) refuses it; so be it.
                        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                            self.send_json({"type": "pong"})
                    else:
                        self.messages.append(message)
            elif isinstance(event, CloseConnection):
                self.close_code = int(event.code)
            elif isinstance(event, Pong):
                self.pongs.append(bytes(event.payload))
            elif isinstance(event, Ping):
                pass  # the wall pings in JSON; a protocol ping is never sent to screens
        return True

    def pump_until(self, done: Callable[[], bool], timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while not done():
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("the screen did not get what it waited for")
            if not self.pump(min(left, 0.5)) and not done():
                raise ConnectionError("the server closed the socket first")

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> None:
        self.pump_until(lambda: any(predicate(m) for m in self.messages), timeout)

    def wait_closed(self, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while self.pump(max(0.001, min(0.5, end - time.monotonic()))):
            if time.monotonic() > end:
                raise TimeoutError("the socket is still open")

    # -- writing ------------------------------------------------------------------------------
    def send_json(self, message: dict[str, Any]) -> None:
        self.sock.sendall(self.ws.send(WsMessage(data=json.dumps(message))))

    def ping(self, payload: bytes) -> None:
        self.sock.sendall(self.ws.send(Ping(payload=payload)))

    def close(self) -> None:
        self.sock.close()
