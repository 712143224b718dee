"""The hooks between the Wall and a state backend, and the embedded SQLite store.

The Wall knows only :class:`StateStore`: it is opened (and the board loaded)
before the first page is served, told nothing on the hot path (it listens to the
board and to finished cycles itself) and closed, with a last flush, on shutdown.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collectors.base import Memory
from wallboard.board.status import PanelState
from wallboard.state import codec
from wallboard.state.devices_sqlite import SqliteDeviceStore
from wallboard.state.protocol import StateStore
from wallboard.state.sqlite_file import SqliteFile
from wallboard.state.writer import Coalescer

if TYPE_CHECKING:
    from wallboard.wall import Wall

log = logging.getLogger(__name__)
SAVE_INTERVAL = 1.0  # seconds between writes at most: a kill -9 loses about this much
Fingerprint = tuple[object, ...]


def state_path(wall: Wall) -> Path:
    """``[state] path`` relative to the config file, else $WALLBOARD_STATE_PATH, else beside it."""
    base = Path(wall.config.path).resolve().parent
    configured = wall.config.state.path or wall.env.get("WALLBOARD_STATE_PATH")
    return base / (configured or ".wallboard/state.db")


class SqliteStore:
    backend = "sqlite"
    starts_scheduler = True

    def __init__(self, wall: Wall, path: Path) -> None:
        self.wall = wall
        self.file = SqliteFile(path)
        self.devices = SqliteDeviceStore(self.file)  # pairings, in the same file
        self.restored = 0
        self.saved_at: float | None = None
        self._written: dict[tuple[str, str], Fingerprint] = {}
        self._sources_written: dict[str, tuple[str | None, str | None]] = {}
        self._keys: set[tuple[str, str]] = set()
        self.writer = Coalescer(self._save, SAVE_INTERVAL, name="state-sqlite")

    # -- load, before the first page ------------------------------------------------------
    def load(self) -> None:
        meta, panel_rows, source_rows = self.file.read()
        config = self.wall.config
        states = []
        decoded = [row for row in (_json(raw) for raw in panel_rows) if isinstance(row, dict)]
        for row in decoded:
            state = codec.panel_from(row, config)
            if state is not None:
                states.append(state)
        sources = {}
        for sid, kind, state_raw, memory_raw in source_rows:
            configured = config.sources.get(sid)
            if configured is None or configured.type != kind:
                continue  # gone, or now another kind of source: its memory means nothing
            saved = codec.source_from(_json(state_raw) or {})
            if saved is not None:
                sources[sid] = saved
            memory = _json(memory_raw)
            source = self.wall.sources.get(sid)
            if isinstance(source, Memory) and isinstance(memory, Mapping):
                source.import_memory(memory)
        version = int(meta.get("version", "0") or 0)
        self.restored = self.wall.board.restore(states, sources, version)
        # Deploy markers outlive the process like the panels they tick.
        self.wall.board.load_deploys(_json(meta.get("deploys")))
        saved_at = float(meta.get("saved_at", "0") or 0)
        if panel_rows:
            log.info(
                "state: restored %d of %d panels from %s (saved %.0f s ago)",
                self.restored,
                len(panel_rows),
                self.file.path,
                time.time() - saved_at,
            )
        # What was just read needs no writing back; rows that no longer fit are dropped by
        # the writer's first save, off the start-up path.
        self._written = {(s.team, s.panel.id): _mark(s) for s in states}
        self._keys = {(str(r.get("team")), str(r.get("panel"))) for r in decoded}
        self.writer.mark()

    def start(self) -> None:
        self.wall.board.changed.connect(lambda version, teams, layout: self.writer.mark())
        self.wall.poller.collected.connect(lambda sid, seconds, error: self.writer.mark())
        self.writer.start()

    # -- writes, on the writer thread ---------------------------------------------------
    def _save(self) -> None:
        board = self.wall.board
        config = self.wall.config
        version = board.version
        rows: dict[tuple[str, str], str] = {}
        fingerprints: dict[tuple[str, str], Fingerprint] = {}
        for state in board.dump():
            key = (state.team, state.panel.id)
            mark = _mark(state)
            fingerprints[key] = mark
            if self._written.get(key) != mark:
                source = config.sources.get(state.panel.source)
                kind = source.type if source is not None else ""
                rows[key] = json.dumps(codec.panel_data(state, kind))
        sources = []
        for sid, src in list(board.sources.items()):
            running = self.wall.sources.get(sid)
            memory = json.dumps(running.export_memory()) if isinstance(running, Memory) else None
            pair = (json.dumps(codec.source_data(src)), memory)
            if self._sources_written.get(sid) != pair:
                sources.append((sid, src.type, *pair))
                self._sources_written[sid] = pair
        keys = set(fingerprints)
        keep = keys if keys != self._keys else None
        now = time.time()
        meta = {
            "version": str(version),
            "saved_at": repr(now),
            "schema": "1",
            "deploys": json.dumps(board.dump_deploys()),
        }
        self.file.write(meta, rows, sources, keep)
        self._written = fingerprints
        self._keys = keys
        self.saved_at = now

    def device_store(self) -> SqliteDeviceStore:
        """Pairing records survive a restart with the board (state.shared_devices)."""
        return self.devices

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "ready": True,  # a bad file is reported, not fatal: the wall works without it
            "reasons": [],
            "path": str(self.file.path),
            "problem": self.file.problem,
            "restored_panels": self.restored,
            "saved_at": self.saved_at,
            "save_errors": self.writer.errors,
        }

    def close(self) -> None:
        self.writer.close()
        self.file.close()


def _mark(state: PanelState) -> Fingerprint:
    """What must differ for a panel to be written again (not its version: a restart bumps it)."""
    last = state.history[-1] if state.history else None
    return (*state.visible(), state.error_since, len(state.history), last)


def _json(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def open_state(wall: Wall) -> StateStore | None:
    """Open the configured backend and load the board from it (None for ``memory``)."""
    settings = wall.config.state
    if settings.backend == "memory":
        return None
    if settings.backend == "redis":
        from wallboard.state.replicas.open import open_replica  # only replicas need redis

        return open_replica(wall)
    store = SqliteStore(wall, state_path(wall))
    store.load()
    store.start()
    return store


__all__ = ["SqliteStore", "StateStore", "open_state"]
