"""Config reload without a restart: validate the new file, then swap it in whole or not at all.

Triggered by SIGHUP (``wallboard reload`` sends it). A valid file replaces the
running config atomically: new sources are built before anything changes, then
the board is reconfigured (it keeps what it knows of panels that still exist),
jobs are rescheduled and the old sources closed. Screens get the new layout as
fresh snapshots through the hub's layout path, on the connections they already
have: the build id is unchanged, so no screen reloads its page (no reload storm).
An invalid file changes nothing: the old config keeps running, and the errors are
logged, kept in ``Wall.config_error`` and shown on ``/`` and in ``/readyz``.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

from collectors.base import Source
from wallboard.config import loader as config_mod
from wallboard.wall import Wall, build_sources

log = logging.getLogger(__name__)
_lock = threading.Lock()  # one reload at a time, even if SIGHUPs arrive in a burst


def reload_config(the_wall: Wall, path: str | None = None) -> bool:
    """Load ``path`` (default: the running config's file) into ``the_wall``; True if applied.

    Whatever step fails (reading, validating, building sources, swapping them in),
    the old config keeps serving in full and the failure is kept in
    ``Wall.config_error`` for ``/``, ``/readyz`` and ``wallboard_config_reload_failed``.
    """
    path = path or the_wall.config.path
    with _lock:
        try:
            new = config_mod.load(path, env=the_wall.env)
            sources = build_sources(new, the_wall.env)
        except config_mod.ConfigError as exc:
            the_wall.config_error = "; ".join(str(issue) for issue in exc.issues)
            # One event (one log line, one Sentry event), however many issues the file has.
            log.error(
                "config reload rejected, keeping the running config: %s: %s",
                exc.file,
                the_wall.config_error,
            )
            return False
        except Exception as exc:  # a source that cannot even be built must not take us down
            the_wall.config_error = f"sources could not be built: {type(exc).__name__}"
            log.exception("config reload rejected, keeping the running config")
            return False
        old_config, old_sources = the_wall.config, the_wall.sources
        try:
            _swap(the_wall, new, sources)
        except Exception as exc:  # e.g. the scheduler refusing a job: undo every step
            log.exception("config reload failed while applying it; restoring the running config")
            _restore(the_wall, old_config, old_sources)
            for source in sources.values():
                source.close()
            the_wall.config_error = f"reload failed while applying it: {type(exc).__name__}"
            return False
        for source in old_sources.values():
            source.close()
        the_wall.config_error = None
    log.info(
        "config reloaded from %s: %d teams, %d sources", path, len(new.teams), len(new.sources)
    )
    return True


def _swap(the_wall: Wall, new: config_mod.WallConfig, sources: dict[str, Source]) -> None:
    old_sources = the_wall.sources
    # Sources first, so a job firing mid-swap finds a source for every configured id.
    the_wall.sources = {**old_sources, **sources}
    the_wall.config = new
    the_wall.board.reconfigure(new)
    the_wall.sources = sources
    _reschedule(the_wall, new)


def _reschedule(the_wall: Wall, config: config_mod.WallConfig) -> None:
    scheduler = the_wall.scheduler
    if scheduler is None:
        return
    for job in scheduler.get_jobs():
        if job.id.startswith("source:") and job.id.removeprefix("source:") not in config.sources:
            job.remove()
    the_wall.schedule_sources(scheduler)


def _restore(
    the_wall: Wall,
    old: config_mod.WallConfig,
    old_sources: dict[str, Source],
) -> None:
    the_wall.sources = {**the_wall.sources, **old_sources}
    the_wall.config = old
    the_wall.board.reconfigure(old)
    the_wall.sources = old_sources
    _reschedule(the_wall, old)


def send_reload(config_path: str, *, pid_file: str | None, pid: int | None) -> int:
    """``wallboard reload``: refuse a bad file here, else SIGHUP the server to load it."""
    try:
        config_mod.load(config_path)
    except config_mod.ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        print("not reloading: the running server keeps its config", file=sys.stderr)
        return 1
    if pid is None and pid_file:
        try:
            pid = int(Path(pid_file).read_text().strip())
        except (OSError, ValueError) as exc:
            print(f"wallboard: cannot read a pid from {pid_file}: {exc}", file=sys.stderr)
            return 1
    if pid is None:
        print("wallboard: give --pid or --pid-file (or set WALLBOARD_PID_FILE)", file=sys.stderr)
        return 1
    try:
        os.kill(pid, signal.SIGHUP)
    except OSError as exc:
        print(f"wallboard: cannot signal process {pid}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"{config_path}: valid; sent SIGHUP to process {pid} (see /readyz for the outcome)")
    return 0
