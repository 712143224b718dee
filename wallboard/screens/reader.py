"""Reading a screen's frames in its own request thread, with no second thread per screen.

simple-websocket starts a reader thread per connection and the request thread
then polled it every second: two threads and a wake-up a second per screen. At
2000 screens that was 4000 threads, ~80 KB a screen and the GIL churned by 2000
wake-ups a second (docs/benchmarks.md). Here the reader thread is never started
(``NoReaderThread``) and the request thread blocks in ``recv`` on the socket
itself, parsing with the connection's own wsproto state. It never writes: a
reply to a client ping goes to the hub, which owns every write.
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


def read_frames(
    ws: Any,
    on_message: Callable[[str], bool],
    on_ping: Callable[[bytes], None],
    receive_bytes: int = 512,
    on_refused: Callable[[str], None] = lambda reason: None,
) -> tuple[int | None, str]:
    """Read until the peer or the hub ends the connection; ``(close code, reason)`` to send.

    ``receive_bytes`` is small because a blocked ``recv`` holds a buffer that size
    for every idle screen, and a pong is ~20 bytes (bigger frames span reads).

    ``on_message`` gets each whole text message and returns False to end it with
    1008; ``on_ping`` gets the encoded pong frame the hub should write. A message
    nested deeper than any screen's is never parsed: it ends the connection with
    1009 and is told to ``on_refused`` (which logs it, rate-limited).
    """
    sock: socket.socket = ws.sock
    conn = ws.ws  # the handshake's wsproto connection, now in the OPEN state
    text: list[str] = []
    size = 0
    while True:
        try:
            data = sock.recv(receive_bytes)
        except OSError:
            return None, ""
        if not data:  # the peer left, or the hub shut the socket down
            return None, ""
        try:
            conn.receive_data(data)
            for event in conn.events():
                if isinstance(event, CloseConnection):  # answer it, as RFC 6455 asks
                    code = int(event.code)
                    return (code if 1000 <= code < 5000 and code not in _UNSENDABLE else 1000), ""
                if isinstance(event, Ping):
                    on_ping(conn.send(event.response()))
                elif isinstance(event, BytesMessage):
                    return protocol.CLOSE_POLICY, "screens may only send pong"
                elif isinstance(event, TextMessage):
                    size += len(event.data)
                    if size > protocol.MAX_CLIENT_FRAME:
                        return protocol.CLOSE_POLICY, "screens may only send pong"
                    text.append(event.data)
                    if event.message_finished:
                        message, text, size = "".join(text), [], 0
                        if jsonsafe.depth(message, protocol.MAX_CLIENT_DEPTH) > (
                            protocol.MAX_CLIENT_DEPTH
                        ):
                            reason = "frame nested too deep"
                            on_refused(reason)
                            return protocol.CLOSE_TOO_BIG, reason
                        if not on_message(message):
                            return protocol.CLOSE_POLICY, "screens may only send pong"
        except (LocalProtocolError, RemoteProtocolError):
            return protocol.CLOSE_PROTOCOL_ERROR, "protocol error"
