"""The running wall: config, board, hub, sources and the poller that drives them.

Built by ``create_app`` but *started* only by the entry point (or a test), so
that importing the app or running it under a reloader never starts threads.

The config has one owner, the board: it swaps the config and its slots together
under its lock, so ``Wall.config`` is a view of the board's and a reader inside
``board.read()`` sees one consistent (config, board) pair, even mid-reload
(``reload.py`` swaps a new file in).

The parts talk through signals (``signals.py``), connected by whoever listens:
``board.changed`` (the hub, a state store), ``poller.collected`` (``/metrics``, a
state store) and ``hub.notices`` (a state store's warning on every screen).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from flask import Flask, current_app

from wallboard import assets
from wallboard.board.board import Board
from wallboard.config.loader import WallConfig
from wallboard.config.redact import Redactor
from wallboard.config.schema import ACCESS_FIELDS
from wallboard.fanout.hub import Hub
from wallboard.polling.poller import Poller
from wallboard.sources import build_sources
from wallboard.state.ports import StateStore
from wallboard.views.team import TeamViews

EXTENSION = "wallboard"
# How a webhook a replica queued is applied, by kind: (wall, source id, queued payload).
PushApplier = Callable[["Wall", str, Mapping[str, Any]], object]


def build_id() -> str:
    """Identifies the code the screens run; a change makes every screen reload itself."""
    explicit = os.environ.get("WALLBOARD_BUILD_ID")
    if explicit:
        return explicit
    digest = hashlib.sha256()
    # The package's own code only (.py): an installed package also holds the two folders.
    folders: tuple[tuple[Path, set[str]], ...] = (
        (assets.STATIC, {".js", ".css", ".html"}),
        (assets.TEMPLATES, {".js", ".css", ".html"}),
        (assets.PACKAGE, {".py"}),
    )
    for folder, suffixes in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in suffixes:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class Wall:
    def __init__(
        self,
        config: WallConfig,
        env: Mapping[str, str] | None = None,
        build: str | None = None,
        push_appliers: Mapping[str, PushApplier] | None = None,
    ) -> None:
        self.env = dict(os.environ if env is None else env)
        self.build_id = build or build_id()
        # Every upstream string on its way into the board loses the config's secrets.
        self.board = Board(config, scrub=Redactor(lambda: self.config, self.env))
        self.views = TeamViews(self.board)  # read by the hub's frames, the pages, API, chat
        self.hub = Hub(
            self.board,
            views=self.views,
            build_id=self.build_id,
            heartbeat=config.wall.heartbeat,
            stall_timeout=config.wall.drop_stalled_after,
            screen_settings=self.screen_settings,
        )
        self.sources = build_sources(config, self.env)
        self.poller = Poller(self.board, lambda: self.sources)
        # Webhook kind -> how the replicas' leader applies a queued push: given here by
        # whoever composes the app, so the state package never imports the routes.
        self.push_appliers: Mapping[str, PushApplier] = MappingProxyType(dict(push_appliers or {}))
        self.config_error: str | None = None  # the last reload's errors, shown on / and /readyz
        self.config_loaded_at = time.time()  # start, then every good reload (/metrics)
        # Where the board outlives the process; opened by the entry point (server.serve).
        # Whoever keeps records of their own in it (the devices) asks for it at each use.
        self.state: StateStore | None = None

    @property
    def config(self) -> WallConfig:
        """The running config; the board owns it (see the module docstring)."""
        return self.board.config

    def screen_settings(self, config: WallConfig | None = None) -> dict[str, Any]:
        """The screen settings of ``config`` (default: the running one), as screens get them."""
        # Every ScreenSettings field but the access ones (the server's business only): the
        # screen ignores what it does not know.
        screen = (config or self.config).screen
        return screen.model_dump(mode="json", exclude=set(ACCESS_FIELDS))

    # -- lifecycle -----------------------------------------------------------------------
    def start(self, *, schedule: bool = True) -> None:
        """Start the hub and (unless told not to) the poller. Never called at import."""
        self.hub.start()
        if schedule:
            self.poller.resume()

    def stop(self) -> None:
        self.poller.pause()
        self.hub.stop()
        store, self.state = self.state, None
        if store is not None:
            store.close()  # the last flush: a graceful stop loses nothing
        for source in self.sources.values():
            source.close()


def wall(app: Flask) -> Wall:
    """The running wall behind an app."""
    result: Wall = app.extensions[EXTENSION]
    return result


def current_wall() -> Wall:
    """The running wall behind the app handling this request."""
    return wall(current_app)
