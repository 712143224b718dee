"""``[state] backend = "sqlite"`` (the default): the board outlives the process in a local file.

:func:`open` is the one way in: it opens the file, loads the board before the
first page, and is the one place that subscribes the store to the Wall's changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from wallboard.state.sqlite.store import SqliteStore

if TYPE_CHECKING:
    from wallboard.wall import Wall

__all__ = ["SqliteStore", "open", "state_path"]


def state_path(wall: Wall) -> Path:
    """``[state] path`` relative to the config file, else $WALLBOARD_STATE_PATH, else beside it."""
    base = Path(wall.config.path).resolve().parent
    configured = wall.config.state.path or wall.env.get("WALLBOARD_STATE_PATH")
    return base / (configured or ".wallboard/state.db")


def open(wall: Wall) -> SqliteStore:
    """The store with the board loaded from it, told of every change from now on."""
    store = SqliteStore(wall.board, lambda: wall.sources, state_path(wall))
    store.load()
    wall.board.changed.connect(lambda version, teams, layout: store.changed())
    wall.poller.collected.connect(lambda sid, seconds, error: store.changed())
    store.start()
    return store
