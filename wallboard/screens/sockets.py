"""Websocket endpoints: a screen subscribes to one team, a list of teams, or all of them.

Under ``wallboard serve`` the request thread hands the open socket to the hub and
returns: the hub's reader thread reads every screen (pongs, reports, closes) and
its writer writes every frame. Under a server that cannot hand sockets over, the
request thread reads its screen itself (reader.py); every write goes through the
hub either way.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, request
from flask_sock import Sock

from wallboard.devices import hooks as devices
from wallboard.devices.gate import current_devices
from wallboard.fanout import protocol
from wallboard.fanout.hub import Hub
from wallboard.fanout.screens import Screen
from wallboard.screens.reader import FrameReader, open_connection, read_frames
from wallboard.security import origin_allowed
from wallboard.wall import current_wall

log = logging.getLogger(__name__)
# The WSGI environ key of a server that can take a screen's socket off its request thread
# (``wallboard.server``): a callable that marks it taken and returns what to call once the
# hub has closed it.
ADOPT = "wallboard.adopt"


# flask-sock and simple-websocket ship no type hints: the socket is typed as what it is to
# us (an object with send/receive/close and .sock), the decorator as what it returns.
WebSocket = Any
Handler = Callable[..., None]


def _route(path: str) -> Callable[[Handler], Handler]:
    decorator: Callable[[Handler], Handler] = _sock.route(path, bp=bp)
    return decorator


bp = Blueprint("sockets", __name__)
# Only its route decorator is used: the routes live on ``bp``, so nothing binds it to an app.
# The server options (a frame cap, no reader thread per screen) are the app's config.
_sock = Sock()


@bp.before_request
def _handshake_rules() -> None:
    allowed = current_wall().config.wall.allowed_origins
    if not origin_allowed(request.headers.get("Origin"), request.host, allowed):
        abort(403, "websocket Origin not allowed")
    # Refuse permessage-deflate: it cost ~90 % of CPU and most memory per screen,
    # and without it one encoded frame serves every screen (docs/fanout.md).
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)


@_route("/ws/teams/<team>")
def team_socket(ws: WebSocket, team: str) -> None:
    serve_screen(ws, (team,))


@_route("/ws/screens")
def screens_socket(ws: WebSocket) -> None:
    # /ws/screens?teams=a,b,c for rotations; no teams means every team (/wall).
    raw = request.args.get("teams", "")
    # Each team once, in the order given: a repeated team would be sent twice over.
    listed = tuple(dict.fromkeys(t for t in raw.split(",") if t))
    # A screen of every team follows config reloads: new teams appear on it.
    serve_screen(ws, listed or tuple(current_wall().config.teams), all_teams=not listed)


def serve_screen(ws: WebSocket, teams: tuple[str, ...], all_teams: bool = False) -> None:
    wall = current_wall()
    unknown = [t for t in teams if t not in wall.config.teams]
    if unknown:
        ws.close(protocol.CLOSE_UNKNOWN_TEAM, f"unknown team: {unknown[0]}"[:120])
        # No reader thread closes it (screen_reader.py): end the connection here, or the
        # server would keep it as an idle HTTP keep-alive.
        with contextlib.suppress(OSError):
            ws.sock.shutdown(socket.SHUT_RDWR)
        return
    hub = wall.hub
    remote = request.remote_addr
    fleet = current_devices().fleet  # captured: the reader thread has no request context
    screen = hub.attach(ws.sock, teams, remote=remote, all_teams=all_teams)
    devices.attached(screen)  # the fleet view (wallboard/devices)

    def on_message(message: str) -> bool:
        frame = protocol.client_frame(message)
        if frame is None:
            return False
        if frame["type"] == "pong":
            hub.pong(screen)
            return True
        # A screen's report (build, heap, page errors): bounded and rate-limited there.
        return frame["type"] == "report" and fleet.report(screen, frame)

    frames = FrameReader(
        open_connection(ws),
        on_message,
        lambda frame: hub.control(screen, frame),
        on_refused=lambda why: hub.refusals.note(why, remote),
    )
    # The hub owns the socket's writes: flask-sock must not send its own close frame.
    ws.connected = False
    take = request.environ.get(ADOPT)
    if take is not None and hub.started:
        _adopt(hub, screen, frames, take(), lambda: fleet.disconnected(screen))
        return
    code, reason = None, ""
    try:
        code, reason = read_frames(ws.sock, frames)
    finally:
        hub.detach(screen, code, reason)
        fleet.disconnected(screen)


def _adopt(
    hub: Hub,
    screen: Screen,
    frames: FrameReader,
    released: Callable[[], None],
    detached: Callable[[], None],
) -> None:
    """From now on the hub's reader thread feeds ``frames``; this request returns."""

    def on_data(data: bytes) -> bool:
        ended = frames.feed(data)
        if ended is None:
            return True
        hub.end(screen, *ended)
        return False

    def on_closed() -> None:
        detached()
        released()

    hub.adopt(screen, on_data, on_closed)
