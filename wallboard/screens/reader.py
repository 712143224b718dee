"""Reading a screen's frames: its own wsproto state, fed by the hub's reader or its thread.

simple-websocket starts a reader thread per connection and the request thread
then polled it every second: two threads and a wake-up a second per screen. At
2000 screens that was 4000 threads, ~80 KB a screen and the GIL churned by 2000
wake-ups a second (docs/benchmarks.md). Here the library's reader thread is never
started (``NoReaderThread``). Under ``wallboard serve`` the request thread hands
the socket to the hub's one reader thread and returns (``wallboard/fanout/readers.py``),
which feeds each chunk to the screen's ``FrameReader``; under other servers the
request thread reads itself (``read_frames``). Neither ever writes: a reply to a
client ping goes to the hub, which owns every write.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from collectors import jsonsafe
from wallboard.fanout import protocol

_UNSENDABLE = {1005, 1006, 1015}  # codes a close frame must not carry


class NoReaderThread:
    """``thread_class`` for simple-websocket: accepted, never started."""

    def __init__(self, target: Callable[[], None] | None = None, **kwargs: Any) -> None:
        self.name = "screen-reader"

    def start(self) -> None:
        pass

    def is_alive(self) -> bool:
        return False

    def join(self, timeout: float | None = None) -> None:
        pass


class FrameReader:
    """One screen's incoming frames, parsed with its own wsproto state, fed chunk by chunk.

    ``on_message`` gets each whole text message and returns False to end it with
    1008; ``on_ping`` gets the encoded pong frame the hub should write. A message
    nested deeper than any screen's is never parsed: it ends the connection with
    1009 and is told to ``on_refused`` (which logs it, rate-limited).
    """

    __slots__ = ("_conn", "_on_message", "_on_ping", "_on_refused", "_size", "_text")

    def __init__(
        self,
        conn: Any,
        on_message: Callable[[str], bool],
        on_ping: Callable[[bytes], None],
        on_refused: Callable[[str], None] = lambda reason: None,
    ) -> None:
        self._conn = conn
        self._on_message = on_message
        self._on_ping = on_ping
        self._on_refused = on_refused
        self._text: list[str] = []
        self._size = 0

    def feed(self, data: bytes) -> tuple[int | None, str] | None:
        """Parse ``data``; None to read on, else ``(close code, reason)`` to end with.

        ``data`` empty means the peer left (or the hub shut the socket down): no code.
        """
        if not data:
            return None, ""
        try:
            self._conn.receive_data(data)
            for event in self._conn.events():
                ended = self._event(event)
                if ended is not None:
                    return ended
        except (LocalProtocolError, RemoteProtocolError):
            return protocol.CLOSE_PROTOCOL_ERROR, "protocol error"
        return None

    def _event(self, event: Any) -> tuple[int | None, str] | None:
        if isinstance(event, CloseConnection):  # answer it, as RFC 6455 asks
            code = int(event.code)
            return (code if 1000 <= code < 5000 and code not in _UNSENDABLE else 1000), ""
        if isinstance(event, Ping):
            self._on_ping(self._conn.send(event.response()))
        elif isinstance(event, BytesMessage):
            return protocol.CLOSE_POLICY, "screens may only send pong"
        elif isinstance(event, TextMessage):
            self._size += len(event.data)
            if self._size > protocol.MAX_CLIENT_FRAME:
                return protocol.CLOSE_POLICY, "screens may only send pong"
            self._text.append(event.data)
            if event.message_finished:
                message, self._text, self._size = "".join(self._text), [], 0
                if jsonsafe.depth(message, protocol.MAX_CLIENT_DEPTH) > protocol.MAX_CLIENT_DEPTH:
                    reason = "frame nested too deep"
                    self._on_refused(reason)
                    return protocol.CLOSE_TOO_BIG, reason
                if not self._on_message(message):
                    return protocol.CLOSE_POLICY, "screens may only send pong"
        return None


def open_connection(ws: Any) -> Any:
    """The handshake's wsproto state, now OPEN, without the handshake's own buffers.

    ``WSConnection`` keeps its h11 handshake (parser, buffers) for the connection's
    life; its ``connection`` alone parses frames, which is all a screen needs.
    """
    return getattr(ws.ws, "connection", None) or ws.ws


def read_frames(
    sock: socket.socket, frames: FrameReader, receive_bytes: int = 512
) -> tuple[int | None, str]:
    """Read in this thread until the peer or the hub ends it; ``(close code, reason)``.

    Only for servers that cannot hand the socket over (gunicorn, a bare werkzeug
    server): ``wallboard serve`` adopts every screen's socket instead (server.py).
    ``receive_bytes`` is small because a blocked ``recv`` holds a buffer that size
    for every idle screen, and a pong is ~20 bytes (bigger frames span reads).
    """
    while True:
        try:
            data = sock.recv(receive_bytes)
        except OSError:
            return None, ""
        ended = frames.feed(data)
        if ended is not None:
            return ended
