"""The running wall: config, board, hub, sources and the scheduler that drives them.

Built by ``create_app`` but *started* only by the entry point (or a test), so
that importing the app or running it under a reloader never starts threads.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask, current_app

from collectors.base import PanelTarget, Source, SourceContext, TeamTarget
from collectors.errors import CollectorError
from collectors.registry import source_class
from wallboard.board.board import Board
from wallboard.config.loader import WallConfig
from wallboard.fanout.hub import Hub
from wallboard.state.store import StateStore

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
SWEEP_SECONDS = 1.0


def build_id() -> str:
    """Identifies the code the screens run; a change makes every screen reload itself."""
    explicit = os.environ.get("WALLBOARD_BUILD_ID")
    if explicit:
        return explicit
    digest = hashlib.sha256()
    for folder in ("static", "templates", "wallboard"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".js", ".css", ".html", ".py"}:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def build_sources(config: WallConfig, env: Mapping[str, str]) -> dict[str, Source]:
    """One object per configured source, given only the panels and teams it feeds."""
    sources: dict[str, Source] = {}
    for sid, src in config.sources.items():
        cls = source_class(src.type)
        panels: dict[str, PanelTarget] = {}
        teams: list[TeamTarget] = []
        for team in config.teams.values():
            uses = [p for p in team.panels if p.source == sid]
            if not uses:
                continue
            teams.append(TeamTarget(team.id, team.name, team.options[src.type]))
            for panel in uses:
                prev = panels.get(panel.id)
                names = (prev.teams if prev else ()) + (team.id,)
                panels[panel.id] = PanelTarget(
                    panel.id, panel.kind, panel.unit, names, panel.options
                )
        context = SourceContext(
            sid, src.interval, src.timeout, src.options, tuple(panels.values()), tuple(teams), env
        )
        sources[sid] = cls(context)
    return sources


class Wall:
    def __init__(
        self, config: WallConfig, env: Mapping[str, str] | None = None, build: str | None = None
    ) -> None:
        self.env = dict(os.environ if env is None else env)
        self.config = config
        self.build_id = build or build_id()
        self.board = Board(config)
        self.hub = Hub(
            self.board,
            build_id=self.build_id,
            heartbeat=config.wall.heartbeat,
            stall_timeout=config.wall.drop_stalled_after,
            screen_settings=self.screen_settings,
        )
        self.sources = build_sources(config, self.env)
        self.scheduler: BackgroundScheduler | None = None
        self.config_error: str | None = None  # the last reload's errors, shown on / and /readyz
        # Called after every cycle with (source id, seconds, error or None); /metrics listens.
        self.collect_listeners: list[Callable[[str, float, CollectorError | None], None]] = []
        self._run_lock = threading.Lock()
        self._seeded: set[str] = set()  # sources whose sparkline history was backfilled
        # Where the board outlives the process; opened by the entry point (server.serve).
        self.state: StateStore | None = None

    def screen_settings(self) -> dict[str, Any]:
        # Every ScreenSettings field: the screen ignores what it does not know.
        return self.config.screen.model_dump(mode="json")

    # -- collection ----------------------------------------------------------------------
    def collect(self, source_id: str) -> None:
        """Run one cycle of one source and record the outcome on the board."""
        source = self.sources.get(source_id)
        if source is None:
            return
        timeout = self.config.sources[source_id].timeout
        if source_id not in self._seeded:
            # Inside the first job, not in start(): a slow upstream never delays startup.
            self._seeded.add(source_id)
            self._seed_history(source_id, source, timeout)
        started = time.monotonic()
        try:
            collection = source.collect(started + timeout)
        except CollectorError as exc:
            log.warning("source %s failed: %s", source_id, exc.reason)
            self.board.fail(source_id, exc, time.monotonic() - started)
            self._observed(source_id, started, exc)
            return
        except Exception as exc:  # a bug in one source must not stop the others
            log.exception("source %s crashed", source_id)
            error = CollectorError(f"internal error: {type(exc).__name__}", kind="internal")
            self.board.fail(source_id, error, time.monotonic() - started)
            self._observed(source_id, started, error)
            return
        self.board.apply(source_id, collection, time.monotonic() - started)
        self._observed(source_id, started, None)

    def _observed(self, source_id: str, started: float, error: CollectorError | None) -> None:
        for listener in list(self.collect_listeners):
            listener(source_id, time.monotonic() - started, error)

    def _seed_history(self, source_id: str, source: Source, timeout: float) -> None:
        """Fill sparklines from the source's own history (see ``collectors.base.Backfill``)."""
        backfill = getattr(source, "backfill", None)
        if backfill is None:
            return
        try:
            history = backfill(time.monotonic() + timeout, self.config.wall.history)
        except CollectorError as exc:
            log.warning("source %s: no history backfill: %s", source_id, exc.reason)
            return
        except Exception:  # history is a nicety; the live cycle still runs
            log.exception("source %s: history backfill crashed", source_id)
            return
        self.board.seed_history(source_id, history)

    # -- lifecycle -----------------------------------------------------------------------
    def start(self, *, schedule: bool = True) -> None:
        """Start the hub and (unless told not to) the scheduler. Never called at import."""
        self.hub.start()
        if not schedule:
            return
        scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
        self.schedule_sources(scheduler)
        scheduler.add_job(
            self.board.sweep,
            "interval",
            seconds=SWEEP_SECONDS,
            id="sweep",
            max_instances=1,
            coalesce=True,
        )
        scheduler.start()
        self.scheduler = scheduler

    def schedule_sources(self, scheduler: BackgroundScheduler) -> None:
        """(Re)schedule one job per configured source; the first run is now."""
        for sid, src in self.config.sources.items():
            scheduler.add_job(
                self.collect,
                "interval",
                args=[sid],
                id=f"source:{sid}",
                seconds=src.interval,
                jitter=min(src.interval * 0.1, 5.0),
                max_instances=1,
                coalesce=True,
                next_run_time=_now_utc(),
                replace_existing=True,
            )

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        self.hub.stop()
        if self.state is not None:
            self.state.close()  # the last flush: a graceful stop loses nothing
            self.state = None
        for source in self.sources.values():
            source.close()


def _now_utc() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


EXTENSION = "wallboard"


def wall(app: Flask) -> Wall:
    """The running wall behind an app."""
    result: Wall = app.extensions[EXTENSION]
    return result


def current_wall() -> Wall:
    """The running wall behind the app handling this request."""
    return wall(current_app)
