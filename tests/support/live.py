"""A real wall served on a loopback port, for end-to-end tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from werkzeug.serving import BaseWSGIServer

from wallboard.app import create_app
from wallboard.config import loader as config_mod
from wallboard.server import WallServer
from wallboard.wall import Wall, wall


@dataclass
class LiveWall:
    app: Flask
    wall: Wall
    server: BaseWSGIServer
    url: str

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")


@dataclass(frozen=True)
class LiveSpec:
    """What the ``live`` fixture serves (tests/conftest.py); a module overrides ``live_spec``.

    ``prepare`` makes the board's first changes once the wall runs. ``shared``: one wall
    for all the module's tests (give the spec module scope then); else one per test.
    """

    config: config_mod.WallConfig | str | Path
    env: Mapping[str, str] | None = None
    schedule: bool = False
    prepare: Callable[[LiveWall], object] | None = None
    shared: bool = False


@contextmanager
def serve_spec(spec: LiveSpec) -> Iterator[LiveWall]:
    """The wall ``spec`` describes, prepared; stopped on exit."""
    with serve_wall(spec.config, env=spec.env, schedule=spec.schedule) as running:
        if spec.prepare is not None:
            spec.prepare(running)
        yield running


@contextmanager
def serve_wall(
    config: config_mod.WallConfig | str | Path,
    *,
    env: Mapping[str, str] | None = None,
    build: str = "test-build",
    schedule: bool = True,
    port: int = 0,
) -> Iterator[LiveWall]:
    """Serve a wall on 127.0.0.1 (a free port unless given); stop it on exit."""
    app = create_app(
        config if isinstance(config, config_mod.WallConfig) else str(config), env=env, build=build
    )
    the_wall = wall(app)
    settings = the_wall.config.server
    # The production server: screens' sockets are handed to the hub as under `wallboard serve`.
    server = WallServer(
        "127.0.0.1",
        port,
        app,
        max_screens=settings.max_screens,
        timeout=settings.request_timeout,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    the_wall.start(schedule=schedule)
    thread.start()
    try:
        yield LiveWall(app, the_wall, server, f"http://127.0.0.1:{server.server_port}")
    finally:
        the_wall.stop()
        server.shutdown()
        server.server_close()


def write_config(directory: Path, text: str, name: str = "config.toml") -> Path:
    path = directory / name
    path.write_text(text)
    return path


DEMO_CONFIG = """
[wall]
title = "test wall"
stale_after = "30s"
heartbeat = "1s"

[sources.demo]
type = "demo"
interval = "{interval}"
seed = 1

[panels.error_rate]
title = "HTTP 5xx rate"
source = "demo"
unit = "percent"
warn = 1.0
crit = 5.0

[panels.services]
title = "Services"
source = "demo"
kind = "health"
unit = "count"
metric = "health"

[teams.payments]
name = "Payments"
panels = ["error_rate", "services"]

[teams.search]
name = "Search"
panels = ["error_rate"]
"""


def demo_config(interval: str = "30s") -> str:
    return DEMO_CONFIG.format(interval=interval)
