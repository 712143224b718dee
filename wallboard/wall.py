"""The running wall: config, board, hub, sources and the scheduler that drives them.

Built by ``create_app`` but *started* only by the entry point (or a test), so
that importing the app or running it under a reloader never starts threads.

The config has one owner, the board: it swaps the config and its slots together
under its lock, so ``Wall.config`` is a view of the board's and a reader inside
``board.read()`` sees one consistent (config, board) pair, even mid-reload.

Config reload without a restart (``Wall.reload``, triggered by SIGHUP, which
``wallboard reload`` sends): validate the new file, then swap it in whole or not
at all. New sources are built before anything changes, then the board is
reconfigured (it keeps what it knows of panels that still exist), jobs are
rescheduled and the old sources closed. Screens get the new layout as fresh
snapshots through the hub's layout path, on the connections they already have:
the build id is unchanged, so no screen reloads its page (no reload storm). An
invalid file changes nothing: the old config keeps running, and the errors are
logged, kept in ``Wall.config_error`` and shown on ``/`` and in ``/readyz``. A
failure while applying a valid file (the scheduler refusing a job) undoes every
step: the old config, sources and jobs keep serving, and it is reported the same way.
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

from collectors.base import Backfill, Source
from collectors.errors import CollectorError
from wallboard import assets
from wallboard.board.board import Board
from wallboard.config import loader as config_mod
from wallboard.config.loader import WallConfig
from wallboard.config.schema import ACCESS_FIELDS
from wallboard.fanout.hub import Hub
from wallboard.ops.redact import redact, secret_values
from wallboard.ops.source_log import FailureLog
from wallboard.sources import build_sources
from wallboard.state.ports import StateStore

log = logging.getLogger(__name__)
SWEEP_SECONDS = 1.0
# The sweep job stamps ``Wall.swept_at``; it may wait for a free worker while collections
# run (each bounded by its source's timeout), so the bound adds the longest timeout.
SCHEDULER_STUCK_AFTER = 10.0
# Secret files may be rotated without a reload (*_file keys are read at use): the values
# masked on the board's way in are re-read this often, not for every upstream string.
SECRETS_REREAD_SECONDS = 10.0


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
        self, config: WallConfig, env: Mapping[str, str] | None = None, build: str | None = None
    ) -> None:
        self.env = dict(os.environ if env is None else env)
        self.build_id = build or build_id()
        self._secrets: tuple[tuple[int, int], list[str]] = ((0, -1), [])
        self.board = Board(config, scrub=self.redact)
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
        self.config_loaded_at = time.time()  # start, then every good reload (/metrics)
        # Called after every cycle with (source id, seconds, error or None); /metrics listens.
        self.collect_listeners: list[Callable[[str, float, CollectorError | None], None]] = []
        # Webhook kind -> how a queued push is applied (set by each webhook route when it is
        # registered): the replicas' leader replays queued pushes through it without the
        # state package importing the routes.
        self.push_appliers: dict[str, Callable[[Wall, str, Mapping[str, Any]], object]] = {}
        self._reload_lock = threading.Lock()  # one reload at a time, even in a SIGHUP burst
        self._seeded: set[str] = set()  # sources whose sparkline history was backfilled
        self.failures = FailureLog()  # logs a failing source on changes of state only
        self.swept_at = time.monotonic()  # the scheduler's heartbeat (see scheduler_problem)
        # Where the board outlives the process; opened by the entry point (server.serve).
        # Told to whoever keeps records of their own in it (the devices' pairings), when it
        # is opened (after the app is made) and when it is closed.
        self.state_listeners: list[Callable[[StateStore | None], None]] = []
        self._state: StateStore | None = None

    @property
    def state(self) -> StateStore | None:
        return self._state

    @state.setter
    def state(self, store: StateStore | None) -> None:
        self._state = store
        for listener in list(self.state_listeners):
            listener(store)

    @property
    def config(self) -> WallConfig:
        """The running config; the board owns it (see the module docstring)."""
        return self.board.config

    def redact(self, text: str) -> str:
        """``text`` as it may be shown to people: no secret of the running config in it."""
        key = (id(self.config), int(time.monotonic() // SECRETS_REREAD_SECONDS))
        cached, values = self._secrets
        if cached != key:  # once per config (a reload swaps the object) and per period
            values = secret_values(self.config, self.env)
            self._secrets = (key, values)
        return redact(text, values)

    def screen_settings(self, config: WallConfig | None = None) -> dict[str, Any]:
        """The screen settings of ``config`` (default: the running one), as screens get them."""
        # Every ScreenSettings field but the access ones (the server's business only): the
        # screen ignores what it does not know.
        screen = (config or self.config).screen
        return screen.model_dump(mode="json", exclude=set(ACCESS_FIELDS))

    # -- collection ----------------------------------------------------------------------
    def collect(self, source_id: str) -> None:
        """Run one cycle of one source and record the outcome on the board."""
        source = self.sources.get(source_id)
        settings = self.config.sources.get(source_id)
        if source is None or settings is None:  # removed by a reload while this job waited
            return
        timeout = settings.timeout
        if source_id not in self._seeded:
            # Inside the first job, not in start(): a slow upstream never delays startup.
            self._seeded.add(source_id)
            self._seed_history(source_id, source, timeout)
        started = time.monotonic()
        try:
            collection = source.collect(started + timeout)
        except CollectorError as exc:
            self.failures.failed(source_id, exc)
            self.board.fail(source_id, exc, time.monotonic() - started)
            self._observed(source_id, started, exc)
            return
        except Exception as exc:  # a bug in one source must not stop the others
            error = CollectorError(f"internal error: {type(exc).__name__}", kind="internal")
            self.failures.failed(source_id, error, crash=True)
            self.board.fail(source_id, error, time.monotonic() - started)
            self._observed(source_id, started, error)
            return
        self.board.apply(source_id, collection, time.monotonic() - started)
        self.failures.succeeded(source_id)
        self._observed(source_id, started, None)

    def _observed(self, source_id: str, started: float, error: CollectorError | None) -> None:
        for listener in list(self.collect_listeners):
            listener(source_id, time.monotonic() - started, error)

    def _seed_history(self, source_id: str, source: Source, timeout: float) -> None:
        """Fill sparklines from the source's own history (see ``collectors.base.Backfill``)."""
        if not isinstance(source, Backfill):
            return
        try:
            history = source.backfill(time.monotonic() + timeout, self.config.wall.history)
        except CollectorError as exc:
            # Info, not warning: the live cycle fails the same way and says so (source_log).
            log.info("source %s: no history backfill: %s", source_id, exc.reason)
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
        self.swept_at = time.monotonic()
        scheduler.add_job(
            self._sweep,
            "interval",
            seconds=SWEEP_SECONDS,
            id="sweep",
            max_instances=1,
            coalesce=True,
        )
        scheduler.start()
        self.scheduler = scheduler

    def _sweep(self) -> None:
        self.swept_at = time.monotonic()
        self.board.sweep()

    def scheduler_problem(self, now: float | None = None) -> str | None:
        """Why the scheduler cannot drive collections (None when fine or never started)."""
        scheduler = self.scheduler
        if scheduler is None:
            return None
        # APScheduler keeps its loop thread private; a dead one never runs a job again.
        thread = getattr(scheduler, "_thread", None)
        if not scheduler.running or (thread is not None and not thread.is_alive()):
            return "scheduler thread is dead"
        bound = SCHEDULER_STUCK_AFTER + max(
            (s.timeout for s in self.config.sources.values()), default=0.0
        )
        age = (time.monotonic() if now is None else now) - self.swept_at
        if age > bound:
            return f"scheduler is stuck: no sweep for {age:.1f} s (bound {bound:.0f} s)"
        return None

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

    # -- reload --------------------------------------------------------------------------
    def reload(self, path: str | None = None) -> bool:
        """Load ``path`` (default: the running config's file) and swap it in; True if applied."""
        path = path or self.config.path
        with self._reload_lock:
            try:
                new = config_mod.load(path, env=self.env)
                sources = build_sources(new, self.env)
            except config_mod.ConfigError as exc:
                self.config_error = "; ".join(str(issue) for issue in exc.issues)
                # One event (one log line, one Sentry event), however many issues the file has.
                log.error(
                    "config reload rejected, keeping the running config: %s: %s",
                    exc.file,
                    self.config_error,
                )
                return False
            except Exception as exc:  # a source that cannot even be built must not take us down
                self.config_error = f"sources could not be built: {type(exc).__name__}"
                log.exception("config reload rejected, keeping the running config")
                return False
            old_config, old_sources = self.config, self.sources
            try:
                self._swap(new, sources)
            except Exception as exc:  # e.g. the scheduler refusing a job: undo every step
                log.exception("config reload failed while applying it; restoring the running one")
                self._swap(old_config, old_sources)
                for source in sources.values():
                    source.close()
                self.config_error = f"reload failed while applying it: {type(exc).__name__}"
                return False
            for source in old_sources.values():
                source.close()
            self.config_error = None
            self.config_loaded_at = time.time()
        log.info(
            "config reloaded from %s: %d teams, %d sources", path, len(new.teams), len(new.sources)
        )
        return True

    def _swap(self, new: WallConfig, sources: dict[str, Source]) -> None:
        """Make ``new`` and its ``sources`` the running ones (also used to undo a swap)."""
        # Sources first, so a job firing mid-swap finds a source for every configured id.
        self.sources = {**self.sources, **sources}
        # Config and slots change together, under the board's lock: no reader sees a team
        # in the config that the board does not have yet (the old 500 during a reload).
        self.board.reconfigure(new)
        self.sources = sources
        scheduler = self.scheduler
        if scheduler is not None:
            for job in scheduler.get_jobs():
                sid = job.id.removeprefix("source:")
                if job.id.startswith("source:") and sid not in new.sources:
                    job.remove()
            self.schedule_sources(scheduler)

    def stop(self) -> None:
        if self.scheduler is not None:
            if self.scheduler.running:  # it may have died already (see scheduler_problem)
                self.scheduler.shutdown(wait=False)
            self.scheduler = None
        self.hub.stop()
        store = self.state
        if store is not None:
            self.state = None  # its listeners let go of it first (the devices' fleet sync)
            store.close()  # the last flush: a graceful stop loses nothing
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
