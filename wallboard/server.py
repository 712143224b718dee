"""Serve the app: one process holding the board, the scheduler and every screen.

Why this server and not gunicorn: the hub owns every websocket write (one
writer thread, non-blocking sends) and, once a screen's handshake is done, every
read too (one reader thread, ``fanout/readers.py``): the server only has to give
each *request* a thread, and the board lives in this one process. A screen's
request thread hands its socket to the hub and returns (``_WebsocketCap``), so
screens cost no thread. werkzeug's
threaded server does that; what it lacks for production is added here: a cap on
websockets (``server.max_screens``, lowered to what the kernel's limits allow:
``limits.py``), a cap on request threads (within the open-files limit, beside the
screens' sockets), a *total* deadline on every request of a connection
that is not a screen (``server.request_timeout``, see ``connections.py``: a
slowloris client is cut, not just an idle one) and, when the server is full, the
eviction of the connection waiting longest, so a probe always gets a thread; and
our own signals. gunicorn's master owns SIGHUP (it restarts workers, losing the board and
dropping every screen) and its ``--worker-connections`` cap; one process with
its own signal handling keeps config reload in-process.

Signals: SIGTERM/SIGINT close screens with 1001 (they reconnect to the next
process at once), stop the scheduler and exit within a few seconds; SIGHUP
reloads the config (see reload.py).
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from wallboard import limits
from wallboard.app import create_app
from wallboard.config import loader as config_mod
from wallboard.config.redact import secret_values
from wallboard.connections import ConnectionGuard
from wallboard.devices import replicas as device_replicas
from wallboard.devices.service import EXTENSION as DEVICES
from wallboard.ops import error_reporting as errors_sentry
from wallboard.ops import logs
from wallboard.reload import Reload
from wallboard.screens.sockets import ADOPT
from wallboard.state import sqlite
from wallboard.state.ports import KeepsDevices, StateStore
from wallboard.wall import Wall
from wallboard.wall import wall as wall_of

log = logging.getLogger(__name__)
EXIT_GRACE_SECONDS = 2.0  # after SIGTERM, how long an in-flight collection may hold the exit
HTTP_RESERVE = 32  # connections kept for probes, the API and pages beyond max_screens
HTTP_CONNECTIONS = 1024  # at most this many request threads (HTTP, handshakes) at once
FD_RESERVE = 128  # files, upstream pools, the listening socket
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
        self.screens = _WebsocketCap(app, max_screens, on_upgrade=self.guard.disarm)
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


def connection_cap(max_screens: int) -> int:
    """Connections at once: ``max_screens`` plus HTTP_CONNECTIONS, within ``ulimit -n``."""
    return max(min(max_screens + HTTP_CONNECTIONS, descriptors()), 1)


def descriptors() -> int:
    """Descriptors for connections (screens and request threads): ``ulimit -n`` less a reserve."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return sys.maxsize if soft == resource.RLIM_INFINITY else soft - FD_RESERVE


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


class Adopted(ConnectionAbortedError):
    """Raised past the app once the hub has taken a screen's socket.

    After the handler returns, flask-sock returns a ``200 OK`` response (and would
    send a close frame, which ``serve_screen`` prevents); werkzeug would write that
    response's head on the socket, then read and discard whatever the client sent
    for 10 ms (its 413 drain), then ``shutdown(SHUT_WR)`` and close it. werkzeug
    counts this exception as a dropped connection: it writes nothing and drains
    nothing, and ``WallServer.shutdown_request`` leaves the socket open.
    """


class _WebsocketCap:
    """Refuses websocket upgrades beyond ``max_screens``; lifts the HTTP timeout on the rest.

    A screen is legitimately silent between heartbeats, so the idle timeout that
    protects HTTP threads must not apply to it (the hub drops dead screens itself).
    """

    def __init__(
        self, app: Any, max_screens: int, on_upgrade: Callable[[Any], None] | None = None
    ) -> None:
        self.app = app
        self.max_screens = max_screens
        self.on_upgrade = on_upgrade
        self.screens = 0  # upgrading or adopted: each holds a socket until the hub closes it
        self._handed: set[Any] = set()  # adopted sockets whose request thread is ending
        self._lock = threading.Lock()

    def handed_over(self, sock: Any) -> bool:
        """True (once) when ``sock`` belongs to the hub now: its request must not close it."""
        with self._lock:
            if sock in self._handed:
                self._handed.discard(sock)
                return True
            return False

    def _screen_gone(self) -> None:
        with self._lock:
            self.screens -= 1

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ.get("HTTP_UPGRADE", "").lower() != "websocket":
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        with self._lock:
            full = self.screens >= self.max_screens
            if not full:
                self.screens += 1
        if full:
            start_response("503 Service Unavailable", [("Retry-After", "10")])
            return [b"too many screens on this server (server.max_screens)\n"]
        sock = environ.get("werkzeug.socket")
        taken = False

        def take() -> Callable[[], None]:
            nonlocal taken
            taken = True
            with self._lock:
                self._handed.add(sock)
            return self._screen_gone  # the hub calls it once the socket is closed

        if sock is not None:
            sock.settimeout(None)
            if self.on_upgrade is not None:
                self.on_upgrade(sock)  # no request deadline for a screen
            environ[ADOPT] = take
        try:
            result = self.app(environ, start_response)
        except Exception:
            if not taken:
                self._screen_gone()
                raise
            # werkzeug would write a 500 on a socket the hub now writes to.
            log.exception("websocket handler failed after handing its socket to the hub")
            raise Adopted("websocket handed to the hub") from None
        if not taken:
            self._screen_gone()
        else:
            close = getattr(result, "close", None)
            if close is not None:
                close()
            raise Adopted("websocket handed to the hub")
        return result  # type: ignore[no-any-return]


def raise_open_files(needed: int, wanted: int | None = None) -> int:
    """Lift the soft ``ulimit -n`` towards ``wanted`` (one descriptor per connection)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target_wanted = max(needed, wanted or needed)
    if soft != resource.RLIM_INFINITY and soft < target_wanted:
        target = target_wanted if hard == resource.RLIM_INFINITY else min(target_wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, target), hard))
        soft = max(soft, target)
    return soft  # below ``needed``: limits.capacity lowers max_screens and says so


def effective_capacity(max_screens: int, **roots: Any) -> limits.Capacity:
    """``max_screens`` and the request threads, lowered to what the kernel allows (logged)."""
    cap = limits.capacity(
        max_screens,
        http_threads=HTTP_CONNECTIONS,
        reserve_fds=FD_RESERVE,
        reserve_threads=HTTP_RESERVE,
        **roots,
    )
    if cap.screens_limited_by is not None:
        log.warning(
            "server.max_screens lowered from %d to %d: that is all %s allows; raise it",
            cap.configured,
            cap.screens,
            cap.screens_limited_by,
        )
    if cap.threads_limited_by is not None:
        log.warning(
            "request threads capped at %d (pages, probes and handshakes at once, not screens): "
            "that is all %s allows; raise it",
            cap.request_threads,
            cap.threads_limited_by,
        )
    return cap


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
