"""Real health endpoints on loopback: every format, and every way a server can misbehave.

- :class:`RouteServer`: an HTTP/1.1 keep-alive server answering from a table of
  routes (status, content type, body, delay), counting connections and requests;
  optionally TLS (a self-signed certificate from :mod:`tests.support.tls`).
- :class:`HangingServer`: accepts connections and never answers.
- :class:`ResetServer`: reads the request, then resets the connection.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.tls import TlsFiles

HEALTH_JSON = "application/health+json"
SPRING = "application/vnd.spring-boot.actuator.v3+json"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Route:
    status: int = 200
    content_type: str = TEXT
    body: bytes = b"OK"
    delay: float = 0.0  # seconds before answering
    fail_first: int = 0  # answer the first N requests with 502 Bad Gateway instead


def _json(status: int, content_type: str, doc: object) -> Route:
    return Route(status, content_type, json.dumps(doc).encode())


_SPRING_DOWN = {
    "status": "DOWN",
    "components": {
        "db": {"status": "UP", "details": {"database": "PostgreSQL"}},
        "broker": {
            "status": "DOWN",
            "components": {"kafka": {"status": "DOWN"}, "rabbit": {"status": "UP"}},
        },
    },
}

# Every format in up / degraded / down variants, as real services answer
# (docs/api-facts.md section 3).
FORMATS: dict[str, Route] = {
    "/plain/up": Route(200, TEXT, b"OK"),
    "/plain/degraded": _json(200, "application/json", {"status": "warn"}),
    "/plain/down": Route(503, "text/html", b"<h1>Service Unavailable</h1>"),
    "/ietf/up": _json(200, HEALTH_JSON, {"status": "pass", "version": "1"}),
    "/ietf/degraded": _json(
        200,
        HEALTH_JSON,
        {
            "status": "warn",
            "checks": {
                "db:responseTime": [
                    {"componentType": "datastore", "observedValue": 250, "status": "warn"}
                ],
                "uptime": [{"componentType": "system", "status": "pass"}],
            },
        },
    ),
    "/ietf/down": _json(
        503,
        HEALTH_JSON,
        {
            "status": "fail",
            "output": "connection pool exhausted",
            "checks": {
                "db:connections": [{"componentId": "pg-main", "status": "fail"}],
                "cache:hitRatio": [{"status": "pass"}],
            },
        },
    ),
    "/spring/up": _json(
        200, SPRING, {"status": "UP", "components": {"db": {"status": "UP"}}, "groups": ["live"]}
    ),
    # Spring has no "warn": a custom status such as DEGRADED is how services say it.
    "/spring/degraded": _json(
        200, SPRING, {"status": "DEGRADED", "components": {"cache": {"status": "DEGRADED"}}}
    ),
    "/spring/down": _json(503, SPRING, _SPRING_DOWN),
    "/spring/out-of-service": _json(503, SPRING, {"status": "OUT_OF_SERVICE"}),
    "/spring/unknown": _json(200, SPRING, {"status": "UNKNOWN"}),
    "/k8s/up": Route(200, TEXT, b"ok"),
    "/k8s/up-verbose": Route(200, TEXT, b"[+]ping ok\n[+]etcd ok\nlivez check passed\n"),
    # The API server answers 500 when a check fails; a 200 naming a failed check
    # (a hand-rolled endpoint) is alive but not healthy.
    "/k8s/degraded": Route(200, TEXT, b"[+]ping ok\n[-]informer-sync failed: reason withheld\n"),
    "/k8s/down": Route(
        500, TEXT, b"[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n"
    ),
    "/garbage-json": Route(200, "application/json", b"<html>502 Bad Gateway</html>"),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real services do
    server: RouteServer
    timeout = 30  # an idle keep-alive connection is dropped after this

    def _answer(self, with_body: bool) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?")[0]
        seen = self.server.count_request(path, dict(self.headers))
        route = self.server.routes.get(path, Route(404, TEXT, b"no such route"))
        if route.delay:
            time.sleep(route.delay)
        self.send_response(502 if seen <= route.fail_first else route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body)))
        if 300 <= route.status < 400:
            self.send_header("Location", route.body.decode())
        self.end_headers()
        if with_body:
            self.wfile.write(route.body)

    def do_GET(self) -> None:
        self._answer(True)

    def do_POST(self) -> None:
        self._answer(True)

    def do_HEAD(self) -> None:
        self._answer(False)

    def log_message(self, format: str, *args: object) -> None:  # quiet tests
        pass


class RouteServer(ThreadingHTTPServer):
    """Serves ``routes`` on 127.0.0.1 (a free port) until :meth:`stop`."""

    daemon_threads = True
    request_queue_size = 512  # 200 checks may connect at once

    def __init__(self, routes: dict[str, Route] | None = None, tls: TlsFiles | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = dict(routes if routes is not None else FORMATS)
        self.connections = 0
        self.requests: Counter[str] = Counter()
        self.last_headers: dict[str, str] = {}
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(tls.cert, tls.key)
            self.socket = context.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_port}"

    def get_request(self) -> tuple[socket.socket, object]:
        conn, addr = super().get_request()
        with self._lock:
            self.connections += 1
            self._open.add(conn)
        return conn, addr

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up (or fails TLS) is part of what is tested

    def count_request(self, path: str, headers: dict[str, str]) -> int:
        """Count one request; returns how many ``path`` has had, this one included."""
        with self._lock:
            self.requests[path] += 1
            self.last_headers = headers
            return self.requests[path]

    def set_route(self, path: str, route: Route) -> None:
        with self._lock:
            self.routes = {**self.routes, path: route}

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        with self._lock:
            for conn in self._open:
                _close(conn)
            self._open.clear()


# struct tcp_info (linux/tcp.h): tcpi_last_data_recv, in ms, after 8 bytes of u8 fields
# and 11 u32 fields.
LAST_DATA_RECV = struct.Struct("=I")
LAST_DATA_RECV_AT = 8 + 11 * 4


def idle_seconds(conn: socket.socket) -> float:
    """Seconds since the kernel last received data on ``conn`` (or since it was set up)."""
    info = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    (ms,) = LAST_DATA_RECV.unpack_from(info, LAST_DATA_RECV_AT)
    return ms / 1000


class HangingServer:
    """Accepts every connection and never answers a byte."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self.accepts = 0  # connections accepted so far
        # When each connection's request reached the kernel (or the connection was set up,
        # if it sent nothing), by the kernel's own clock: this thread may accept late on a
        # loaded machine, the kernel's queue does not.
        self.arrived_at: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepts += 1
            self.arrived_at.append(time.monotonic() - idle_seconds(conn))
            self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        self.accepted.append(conn)  # held open, unanswered, until stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
        for conn in self.accepted:
            _close(conn)


class ResetServer(HangingServer):
    """Reads the start of each request, then resets the connection (RST, not FIN)."""

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(2)
        with contextlib.suppress(OSError):
            conn.recv(4096)
        # SO_LINGER with a zero timeout makes close() send RST.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()


def _close(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()
