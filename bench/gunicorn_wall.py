"""The wall under gunicorn's gthread worker (one worker: the board lives in it), the
alternative to the in-process werkzeug server that flask-sock supports.

Used as gunicorn's config module and app; speaks the same lines as
``bench.wallserver`` (ready, then the hub's figures at exit)::

    WALLBOARD_CONFIG=... BENCH_PORT=... gunicorn -c python:bench.gunicorn_wall \\
        bench.gunicorn_wall:app
"""

from __future__ import annotations

import json
import os
from typing import Any

from bench.common import raise_nofile
from bench.wallserver import hub_figures
from wallboard.app import create_app
from wallboard.wall import wall

SCREENS = int(os.environ.get("BENCH_SCREENS", "2000"))

# gunicorn settings (this module is also its config file).
bind = f"127.0.0.1:{os.environ.get('BENCH_PORT', '8080')}"
worker_class = "gthread"
workers = 1
# A websocket holds a thread and a worker connection for its whole life (docs/fanout.md).
threads = SCREENS + 64
worker_connections = SCREENS + 64
backlog = 4096
graceful_timeout = 3
timeout = 120
loglevel = "warning"

app = create_app(os.environ.get("WALLBOARD_CONFIG", "config.toml"), build="bench")


def on_starting(server: Any) -> None:
    raise_nofile(3 * SCREENS + 1024)


def post_worker_init(worker: Any) -> None:
    wall(app).start()
    port = int(bind.rsplit(":", 1)[1])
    print(json.dumps({"port": port, "pid": os.getpid()}), flush=True)


def worker_exit(server: Any, worker: Any) -> None:
    print(json.dumps(hub_figures(wall(app).hub, [])), flush=True)
    wall(app).stop()
