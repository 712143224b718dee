"""The wall under test, in its own process: the production server class of
``wallboard serve`` (``WallServer``: threaded, with its caps), plus the hub's own figures.

Prints ``{"port": ..., "pid": ...}`` when it serves and, on SIGTERM, the hub's
stats (every broadcast loop time) as one JSON line, then exits.

    python -m bench.wallserver CONFIG [--port P] [--nofile N]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import signal
import sys
import threading
from types import FrameType
from typing import Any

from bench.common import raise_nofile, record_full_collections
from wallboard.app import create_app
from wallboard.server import WallServer
from wallboard.server_caps import effective_capacity
from wallboard.wall import wall


def hub_figures(hub: object, pauses: list[tuple[float, float]]) -> dict[str, object]:
    stats = hub.stats  # type: ignore[attr-defined]
    return {
        "gc_pauses": pauses,
        "broadcasts": list(stats.broadcasts),
        "messages_sent": stats.messages_sent,
        "updates_coalesced": stats.updates_coalesced,
        "screens_dropped": stats.screens_dropped,
        "screens": hub.screen_count,  # type: ignore[attr-defined]
    }


def profile_hub() -> cProfile.Profile:
    """Profile the hub's writer thread only (started next), not the request threads."""
    profiler = cProfile.Profile()

    def first_call(frame: Any, event: str, arg: Any) -> None:
        if threading.current_thread().name == "wallboard-hub":
            profiler.enable()  # replaces this hook for this thread
        else:
            sys.setprofile(None)

    threading.setprofile(first_call)
    return profiler


def report_profile(profiler: cProfile.Profile, path: str) -> None:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    with open(path, "w") as f:
        f.write(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--nofile", type=int, default=8192)
    parser.add_argument("--profile", help="write a cProfile of the hub thread here on exit")
    args = parser.parse_args()
    # A screen holds one socket; request threads (handshakes) and files hold the rest.
    raise_nofile(args.nofile)
    pauses = record_full_collections()
    stop = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    app = create_app(args.config, build="bench")
    the_wall = wall(app)
    settings = the_wall.config.server
    capacity = effective_capacity(settings.max_screens)  # as `wallboard serve` does
    the_wall.hub.capacity = capacity.describe()
    httpd = WallServer(
        "127.0.0.1",
        args.port,
        app,
        max_screens=capacity.screens,
        timeout=settings.request_timeout,
        max_connections=capacity.request_threads,
    )
    profiler = profile_hub() if args.profile else None
    the_wall.start()
    threading.setprofile(None)  # type: ignore[arg-type]
    server = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2})
    server.start()
    print(json.dumps({"port": httpd.server_port, "pid": os.getpid()}), flush=True)
    stop.wait(3600)  # bounded: a forgotten server ends by itself
    print(json.dumps(hub_figures(the_wall.hub, pauses)), flush=True)
    httpd.shutdown()
    the_wall.stop()  # the hub thread ends: its profile is complete
    httpd.server_close()
    if profiler is not None:
        report_profile(profiler, args.profile)


if __name__ == "__main__":
    main()
