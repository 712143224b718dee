"""A screen's socket handed from its request thread to the hub, and the websocket cap.

Once the handshake is done the hub reads, writes and closes a screen's socket
(``fanout/readers.py``): the request thread returns at once, and werkzeug must
neither answer on that socket nor close it. ``WebsocketCap`` wraps the app to count
and cap screens and to mark handed-over sockets; ``Adopted`` tells werkzeug to stop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from wallboard.screens.sockets import ADOPT

log = logging.getLogger(__name__)


class Adopted(ConnectionAbortedError):
    """Raised past the app once the hub has taken a screen's socket.

    After the handler returns, flask-sock returns a ``200 OK`` response (and would
    send a close frame, which ``serve_screen`` prevents); werkzeug would write that
    response's head on the socket, then read and discard whatever the client sent
    for 10 ms (its 413 drain), then ``shutdown(SHUT_WR)`` and close it. werkzeug
    counts this exception as a dropped connection: it writes nothing and drains
    nothing, and ``WallServer.shutdown_request`` leaves the socket open.
    """


class WebsocketCap:
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
