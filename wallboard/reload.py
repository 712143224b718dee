"""Config reload without a restart: a new file swapped in whole, or not at all.

Triggered by SIGHUP (which ``wallboard reload`` sends; see ``server.serve``):
validate the new file, then swap it in whole or not at all. New sources are built
before anything changes, then the board is reconfigured (it keeps what it knows of
panels that still exist), jobs are rescheduled and the old sources closed. Screens
get the new layout as fresh snapshots through the hub's layout path, on the
connections they already have: the build id is unchanged, so no screen reloads its
page (no reload storm). An invalid file changes nothing: the old config keeps
running, and the errors are logged, kept in ``Wall.config_error`` and shown on ``/``
and in ``/readyz``. A failure while applying a valid file (the scheduler refusing a
job) undoes every step: the old config, sources and jobs keep serving, and it is
reported the same way.
"""

from __future__ import annotations

import logging
import threading
import time

from collectors.base import Source
from wallboard.config import loader as config_mod
from wallboard.config.loader import WallConfig
from wallboard.sources import build_sources
from wallboard.wall import Wall

log = logging.getLogger(__name__)


class Reload:
    """``Reload(wall)(path)``: one reload at a time, even in a burst of SIGHUPs."""

    def __init__(self, wall: Wall) -> None:
        self.wall = wall
        self._lock = threading.Lock()

    def __call__(self, path: str | None = None) -> bool:
        """Load ``path`` (default: the running config's file) and swap it in; True if applied."""
        wall = self.wall
        path = path or wall.config.path
        with self._lock:
            try:
                new = config_mod.load(path, env=wall.env)
                sources = build_sources(new, wall.env)
            except config_mod.ConfigError as exc:
                wall.config_error = "; ".join(str(issue) for issue in exc.issues)
                # One event (one log line, one Sentry event), however many issues the file has.
                log.error(
                    "config reload rejected, keeping the running config: %s: %s",
                    exc.file,
                    wall.config_error,
                )
                return False
            except Exception as exc:  # a source that cannot even be built must not take us down
                wall.config_error = f"sources could not be built: {type(exc).__name__}"
                log.exception("config reload rejected, keeping the running config")
                return False
            old_config, old_sources = wall.config, wall.sources
            try:
                self._swap(new, sources)
            except Exception as exc:  # e.g. the scheduler refusing a job: undo every step
                log.exception("config reload failed while applying it; restoring the running one")
                self._swap(old_config, old_sources)
                for source in sources.values():
                    source.close()
                wall.config_error = f"reload failed while applying it: {type(exc).__name__}"
                return False
            for source in old_sources.values():
                source.close()
            wall.config_error = None
            wall.config_loaded_at = time.time()
        log.info(
            "config reloaded from %s: %d teams, %d sources", path, len(new.teams), len(new.sources)
        )
        return True

    def _swap(self, new: WallConfig, sources: dict[str, Source]) -> None:
        """Make ``new`` and its ``sources`` the running ones (also used to undo a swap)."""
        wall = self.wall
        # Sources first, so a job firing mid-swap finds a source for every configured id.
        wall.sources = {**wall.sources, **sources}
        # Config and slots change together, under the board's lock: no reader sees a team
        # in the config that the board does not have yet (the old 500 during a reload).
        wall.board.reconfigure(new)
        wall.sources = sources
        wall.poller.reschedule()
