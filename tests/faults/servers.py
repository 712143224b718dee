"""Hostile upstreams on loopback: real sockets that misbehave the way sick proxies do.

:class:`FaultServer` reads one HTTP request per connection and then plays a
:class:`Script`: answer at once, trickle the answer one byte per ``pace``
seconds (status line, headers and body alike), stream a huge body, or echo the
request's headers back in an error page (a proxy that quotes ``Authorization``).
Every connection runs on its own daemon thread and ends when the client goes
away or the server closes; ``open_connections`` tells whether a client still
holds one.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from tests.support.tls import TlsFiles

POLL = 0.05


@dataclass
class Script:
    status: int = 200
    content_type: str = "application/json"
    body: bytes = b"{}"
    pace: float = 0.0  # > 0: one byte every ``pace`` seconds, from the status line on
    huge: int = 0  # > 0: send this many bytes of body (valid JSON prefix, then padding)
    echo_headers: bool = False  # answer ``status`` quoting the request's head in every field
    echo_status: str = "fail"  # the echoed document's "status" ("error" for Prometheus)
    no_length: bool = False  # no Content-Length: the body ends when the connection closes


class FaultServer:
    def __init__(self, script: Script | None = None, tls: TlsFiles | None = None) -> None:
        self.script = script or Script()
        self._tls: ssl.SSLContext | None = None
        if tls is not None:
            self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._tls.load_cert_chain(tls.cert, tls.key)
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.listener.settimeout(POLL)
        self.port = self.listener.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.requests = 0
        self.open_connections = 0
        self._lock = threading.Lock()
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()
        self._accepter.join(timeout=2)

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.open_connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            if self._tls is not None:
                conn = self._tls.wrap_socket(conn, server_side=True)
            with conn:
                while not self.stopped.is_set():
                    head = _read_head(conn)
                    if head is None:
                        return
                    with self._lock:
                        self.requests += 1
                    if not self._answer(conn, head):
                        return
        except OSError:
            return
        finally:
            with self._lock:
                self.open_connections -= 1

    def _answer(self, conn: socket.socket, head: bytes) -> bool:
        script = self.script
        body = script.body
        status = script.status
        if script.echo_headers:
            # Every field a source might quote: Prometheus' error, Sentry's detail,
            # an IETF health document's output, a plain-text page.
            # Credentials first, as a proxy complaining about them would quote them, so no
            # source's truncation of long error texts hides the leak.
            lines = head.decode("latin-1").split("\r\n")
            lines.sort(key=lambda line: not line.lower().startswith("authorization"))
            said = "proxy refused: " + "; ".join(lines)
            doc = {"status": script.echo_status, "errorType": "bad_data"}
            doc.update(error=said, detail=said, output=said)
            body = json.dumps(doc).encode()
        length = script.huge or len(body)
        framing = "Connection: close\r\n" if script.no_length else f"Content-Length: {length}\r\n"
        answer = (
            f"HTTP/1.1 {status} X\r\nContent-Type: {script.content_type}\r\n{framing}\r\n"
        ).encode()
        if script.pace > 0:
            for i in range(len(answer + body)):
                if self.stopped.is_set():
                    return False
                conn.sendall((answer + body)[i : i + 1])
                time.sleep(script.pace)
            return True
        conn.sendall(answer)
        if script.huge:
            # No Content-Length lie: the body really is this large, sent as fast as read.
            block = b" " * (256 * 1024)
            sent = 0
            while sent < script.huge and not self.stopped.is_set():
                piece = block[: script.huge - sent]
                conn.sendall(piece)
                sent += len(piece)
            return not script.no_length
        conn.sendall(body)
        return not script.no_length


def _read_head(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = conn.recv(4096)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
        if len(data) > 65536:
            return None
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(rest) < length:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        rest += chunk
    return head


def wait_until(condition: object, timeout: float, what: str) -> float:
    """Poll ``condition()`` until true; return the seconds it took (or fail naming ``what``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(POLL)
    raise AssertionError(f"not within {timeout} s: {what}")


@contextlib.contextmanager
def servers(*scripts: Script):  # type: ignore[no-untyped-def]
    made = [FaultServer(s) for s in scripts]
    try:
        yield made
    finally:
        for server in made:
            server.close()
