"""Serve the app: one process holding the board, the scheduler and every screen.

A threaded WSGI server (one thread per connection; screens are long-lived
connections) that flask-sock supports. Signals are ours: SIGTERM/SIGINT stop
the scheduler, close screens with 1001 so they reconnect to the next process at
once, and exit within a few seconds.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

from werkzeug.serving import BaseWSGIServer, make_server

from wallboard import config as config_mod
from wallboard.app import create_app, wall

log = logging.getLogger(__name__)


def serve(config_path: str, host: str | None = None, port: int | None = None) -> int:
    try:
        app = create_app(config_path)
    except config_mod.ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    the_wall = wall(app)
    settings = the_wall.config.server
    host = host or settings.host
    port = port or settings.port
    try:
        httpd: BaseWSGIServer = make_server(host, port, app, threaded=True)
    except OSError as exc:
        print(f"wallboard: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    httpd.daemon_threads = True  # type: ignore[attr-defined]
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        stop.set()
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    the_wall.start()
    names = ", ".join(the_wall.config.teams)
    log.info(
        "wallboard %s serving http://%s:%d (teams: %s)",
        the_wall.build_id,
        host,
        httpd.server_port,
        names,
    )
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        the_wall.stop()
        httpd.server_close()
    log.info("stopped")
    return 0
