"""``[state] backend = "sqlite"`` (the default): the board outlives the process in a local file.

:func:`open` is the one way in: it opens the file, loads the board before the
first page, and is the one place that subscribes the store to the Wall's changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from wallboard.config.model import ConfigError
from wallboard.state.sqlite.owner import IDENTITY_KEY, Held, check_identity
from wallboard.state.sqlite.store import SqliteStore

if TYPE_CHECKING:
    from wallboard.wall import Wall

__all__ = ["SqliteStore", "open", "state_path"]


def state_path(wall: Wall) -> Path:
    """``[state] path`` relative to the config file, else $WALLBOARD_STATE_PATH, else
    ``.wallboard/<config file's stem>.db`` beside it: two walls in one folder
    (``config.toml`` and ``wall.toml``) never share a file by default."""
    config = Path(wall.config.path).resolve()
    configured = wall.config.state.path or wall.env.get("WALLBOARD_STATE_PATH")
    return config.parent / (configured or f".wallboard/{config.stem}.db")


def open(wall: Wall) -> SqliteStore:
    """The store with the board loaded from it, told of every change from now on.

    Refused (a ConfigError on ``state.path``) when another server holds the file or
    it belongs to another wall's config."""
    path = state_path(wall)
    identity = str(Path(wall.config.path).resolve())
    held = Held(path, wall.config.path)
    try:
        store = SqliteStore(wall.board, lambda: wall.sources, path, identity=identity, held=held)
    except BaseException:
        held.release()
        raise
    # A file an operator holds locked cannot be read now: it is taken as this wall's.
    saved = None if store.file.locked else store.file.meta(IDENTITY_KEY)
    try:
        check_identity(saved, identity, path, wall.config.path)
    except ConfigError:
        store.file.close()  # not store.close(): its last save would claim the file
        held.release()
        raise
    store.load()
    wall.board.changed.connect(lambda version, teams, layout: store.changed())
    wall.poller.collected.connect(lambda sid, seconds, error: store.changed())
    store.start()
    return store
