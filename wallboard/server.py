"""Serve the app: one process holding the board, the scheduler and every screen.

Why this server and not gunicorn: the hub owns every websocket write (one
writer thread, non-blocking sends) and, once a screen's handshake is done, every
read too (one reader thread, ``fanout/readers.py``): the server only has to give
each *request* a thread, and the board lives in this one process. A screen's
request thread hands its socket to the hub and returns (``handover.py``), so
screens cost no thread. werkzeug's threaded server does that; what it lacks for
production is added here: a cap on websockets (``server.max_screens``, lowered to
what the kernel's limits allow: ``limits.py``, ``server_caps.py``), a cap on
request threads (within the open-files limit, beside the screens' sockets), a
*total* deadline on every request of a connection that is not a screen
(``server.request_timeout``, see ``connections.py``: a slowloris client is cut,
not just an idle one) and, when the server is full, the eviction of the
connection waiting longest, so a probe always gets a thread; and our own signals.
gunicorn's master owns SIGHUP (it restarts workers, losing the board and dropping
every screen) and its ``--worker-connections`` cap; one process with its own
signal handling keeps config reload in-process.

Signals: SIGTERM/SIGINT close screens with 1001 (they reconnect to the next
process at once), stop the scheduler and exit within a few seconds; SIGHUP
reloads the config (see reload.py).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from wallboard.app import create_app
from wallboard.config import loader as config_mod
from wallboard.config.redact import secret_values
from wallboard.connections import ConnectionGuard
from wallboard.devices import replicas as device_replicas
from wallboard.devices.service import EXTENSION as DEVICES
from wallboard.handover import Adopted, WebsocketCap
from wallboard.ops import error_reporting as errors_sentry
from wallboard.ops import logs
from wallboard.reload import Reload
from wallboard.server_caps import (
    FD_RESERVE,
    HTTP_CONNECTIONS,
    HTTP_RESERVE,
    connection_cap,
    descriptors,
    effective_capacity,
    raise_open_files,
)
from wallboard.state import sqlite
from wallboard.state.ports import KeepsDevices, StateStore
from wallboard.wall import Wall
from wallboard.wall import wall as wall_of

log = logging.getLogger(__name__)
EXIT_GRACE_SECONDS = 2.0  # after SIGTERM, how long an in-flight collection may hold the exit
EVICTION_SLACK = 64  # connections accepted past the cap while evicted ones are closing


class WallServer(ThreadedWSGIServer):
    """werkzeug's threaded server with a connection cap and a websocket cap."""

    # After a deploy every screen reconnects within seconds; werkzeug's backlog of 128
    # would drop SYNs and stretch that out (the kernel caps it at net.core.somaxconn).
    request_queue_size = 1024

    def __init__(
        self,
        host: str,
        port: int,
        app: Any,
        *,
        max_screens: int,
        timeout: float,
        max_connections: int | None = None,
    ) -> None:
        self.guard = ConnectionGuard(timeout)
        handler = type("Handler", (_Handler,), {"timeout": timeout})
        self.screens = WebsocketCap(app, max_screens, on_upgrade=self.guard.disarm)
        super().__init__(host, port, self.screens, handler=handler)
        # Request threads and screens are counted apart: a screen holds a socket, not a
        # thread. Both spend descriptors, so the threads get what the screens leave.
        self.max_connections = max_connections or connection_cap(0)
        self._descriptors = descriptors()
        self._active = 0  # live request threads
        self._count_lock = threading.Lock()
        self.refused = 0

    @property
    def request_threads(self) -> int:
        return self._active

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self._count_lock:
            cap = max(1, min(self.max_connections, self._descriptors - self.screens.screens))
            if self._active >= cap and (
                self._active >= cap + EVICTION_SLACK or not self.guard.evict_oldest()
            ):
                self.refused += 1
                return False  # socketserver closes it: cheaper than any answer
            self._active += 1
            return True

    def shutdown_request(self, request: Any) -> None:
        # A screen's socket outlives its request thread: the hub reads, writes and closes it.
        if not self.screens.handed_over(request):
            super().shutdown_request(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.guard.disarm(request)
            with self._count_lock:
                self._active -= 1

    def server_close(self) -> None:
        self.guard.stop()
        super().server_close()


class _Handler(WSGIRequestHandler):
    server: WallServer

    def handle_one_request(self) -> None:
        # Armed from the wait for the request line to the last byte of the answer.
        self.server.guard.arm(self.connection)
        try:
            super().handle_one_request()
        finally:
            self.server.guard.disarm(self.connection)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # logs.py writes the access line, without the query string

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        if isinstance(error, Adopted):
            # Keep-alive would read the next "request" off the screen's socket: stop here.
            self.close_connection = True


def serve(
    config_path: str, host: str | None = None, port: int | None = None, pid_file: str | None = None
) -> int:
    try:
        app = create_app(config_path)
    except config_mod.ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    wall = wall_of(app)
    settings = wall.config.server
    logs.configure(settings.log_format, secrets=lambda: secret_values(wall.config, wall.env))
    errors_sentry.init(wall)
    host = host or settings.host
    port = port if port is not None else settings.port
    raise_open_files(
        settings.max_screens + HTTP_RESERVE + FD_RESERVE,
        settings.max_screens + HTTP_CONNECTIONS + FD_RESERVE,
    )
    capacity = effective_capacity(settings.max_screens)
    wall.hub.capacity = capacity.describe()  # /readyz and /metrics report it
    try:
        httpd = WallServer(
            host,
            port,
            app,
            max_screens=capacity.screens,
            timeout=settings.request_timeout,
            max_connections=capacity.request_threads,
        )
    except OSError as exc:
        print(f"wallboard: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_stop(signum: int, frame: FrameType | None) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        stop.set()
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    reload = Reload(wall)

    def on_hup(signum: int, frame: FrameType | None) -> None:
        log.info("received SIGHUP, reloading %s", wall.config.path)
        # Not in the handler itself: loading and swapping takes locks other threads hold.
        threading.Thread(target=reload, name="wallboard-reload").start()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_hup)
    # Before the first page: a restart shows the last board, with its true age.
    try:
        wall.state = open_state(wall)
    except config_mod.ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    device_replicas.join(app.extensions[DEVICES], wall.state)
    wall.start(schedule=wall.state is None or wall.state.starts_scheduler)
    if pid_file:
        Path(pid_file).write_text(f"{os.getpid()}\n")
    log.info(
        "wallboard %s serving http://%s:%d (teams: %s; up to %d screens)",
        wall.build_id,
        host,
        httpd.server_port,
        ", ".join(wall.config.teams),
        capacity.screens,
    )
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        wall.stop()
        httpd.server_close()
        if pid_file:
            Path(pid_file).unlink(missing_ok=True)
        _exit_after(EXIT_GRACE_SECONDS)
    log.info("stopped")
    return 0


def open_state(wall: Wall) -> StateStore | None:
    """The configured state backend, opened and the board loaded (None for ``memory``)."""
    backend = wall.config.state.backend
    if backend == "memory":
        return None
    if backend == "redis":
        from wallboard.state import redis as shared  # only replicas need the Redis client

        store: StateStore = shared.open(wall)
    else:
        store = sqlite.open(wall)
    if isinstance(store, KeepsDevices):
        log.info("pairing: records kept in the %s state store", store.backend)
    return store


def _exit_after(grace: float) -> None:
    """Leave within ``grace`` seconds even if a collection is still in flight.

    The scheduler's worker threads are joined at interpreter exit, so a source
    waiting on a slow upstream (up to its own timeout) would hold the process;
    screens have already been told to reconnect elsewhere, so nothing is lost.
    """

    def force() -> None:
        log.warning("a collection was still running %.0f s after shutdown; exiting now", grace)
        errors_sentry.flush(timeout=1.0)
        logging.shutdown()
        os._exit(0)

    timer = threading.Timer(grace, force)
    timer.daemon = True
    timer.start()
