"""The embedded store: the board, source memory and deploys in a local SQLite file.

Opened (and the board loaded) before the first page is served, told of changes by
the board and by finished cycles (``open.py`` subscribes it), written coalesced
off the hub's path, and closed with a last write on shutdown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from wallboard.board.board import Board
from wallboard.state import codec, image
from wallboard.state.sqlite.devices import SqliteDeviceStore
from wallboard.state.sqlite.file import SqliteFile
from wallboard.state.sqlite.owner import IDENTITY_KEY, Held
from wallboard.state.sqlite.writer import Coalescer

log = logging.getLogger(__name__)
SAVE_INTERVAL = 1.0  # seconds between writes at most: a kill -9 loses about this much
RETRY_FIRST, RETRY_MOST = 0.5, 5.0  # seconds between tries of a locked file, doubling


class SqliteStore:
    backend = "sqlite"
    starts_scheduler = True

    def __init__(
        self,
        board: Board,
        sources: Callable[[], Mapping[str, object]],
        path: Path,
        *,
        identity: str | None = None,
        held: Held | None = None,
    ) -> None:
        self.board = board
        self.identity = identity  # the config this file belongs to (owner.py)
        self.held = held
        self.sources = sources  # the running sources (a reload swaps them)
        self.file = SqliteFile(path)
        self.devices = SqliteDeviceStore(self.file)  # pairings, in the same file
        self.restored = 0
        self.saved_at: float | None = None
        self.written = image.Written()
        self._keys: set[image.Key] = set()
        self._saving = threading.Lock()  # a save, or taking a file that was locked
        self._stop = threading.Event()
        self.writer = Coalescer(self._save, SAVE_INTERVAL, name="state-sqlite")
        self._retry = threading.Thread(target=self._wait_for_file, name="wallboard-state-retry")
        self._retry.daemon = True

    def start(self) -> None:
        """The writer; and while the file is locked by another process, its retries."""
        self.writer.start()
        if self.file.locked:
            self._retry.start()

    # -- a file locked by another process at start ----------------------------------------
    def _wait_for_file(self) -> None:
        delay = RETRY_FIRST
        while not self._stop.wait(delay):
            with self._saving:
                if self.file.attach():
                    self._load_late()
                    self.written = image.Written()  # the file gets everything once
                    self._keys = set()
                    break
            delay = min(delay * 2, RETRY_MOST)
        self.writer.mark()

    def _load_late(self) -> None:
        # The wall ran from memory meanwhile: take only what it has not collected since.
        now = {(s.team, s.panel.id): s for s in self.board.image().panels}
        fresh = {key for key, state in now.items() if state.updated_at is not None}
        ran = {sid for sid, src in self.board.sources.items() if src.last_success is not None}
        self.load(skip_panels=fresh, skip_sources=ran)

    # -- load, before the first page ------------------------------------------------------
    def load(
        self,
        skip_panels: AbstractSet[image.Key] = frozenset(),
        skip_sources: AbstractSet[str] = frozenset(),
    ) -> None:
        meta, panel_rows, source_rows = self.file.read()
        decoded = [row for row in map(image.decode, panel_rows) if isinstance(row, dict)]
        decoded = [
            r for r in decoded if (str(r.get("team")), str(r.get("panel"))) not in skip_panels
        ]
        saved = image.Saved(int(meta.get("version", "0") or 0), decoded)
        for sid, kind, state_raw, memory_raw in source_rows:
            if sid in skip_sources:
                continue
            saved.sources[sid] = image.decode(state_raw)
            saved.memory[sid] = (kind, image.decode(memory_raw))
        # Deploy markers outlive the process like the panels they tick.
        saved.deploys = image.decode(meta.get("deploys"))
        image.import_memory(self.board, saved, self.sources())
        self.restored, states = image.load(self.board, saved, "restore")
        if panel_rows:
            saved_at = float(meta.get("saved_at", "0") or 0)
            log.info(
                "state: restored %d of %d panels from %s (saved %.0f s ago)",
                self.restored,
                len(panel_rows),
                self.file.path,
                time.time() - saved_at,
            )
        # What was just read needs no writing back; rows that no longer fit are dropped by
        # the writer's first save, off the start-up path.
        self.written.panels = {(s.team, s.panel.id): image.fingerprint(s) for s in states}
        self._keys = {(str(r.get("team")), str(r.get("panel"))) for r in decoded}
        self.writer.mark()

    def changed(self) -> None:
        """The board or a source changed: a save is due (coalesced)."""
        self.writer.mark()

    # -- writes, on the writer thread ---------------------------------------------------
    def _save(self) -> None:
        with self._saving:
            if not self.file.locked:  # else nowhere to write yet: kept in memory
                self._write()

    def _write(self) -> None:
        diff = self.written.diff(self.board, self.sources())
        rows = {key: codec.dumps(data) for key, data in diff.panels.items()}
        sources = [(sid, r.type, r.state, r.memory) for sid, r in diff.sources.items()]
        keys = set(diff.marks)
        keep = keys if keys != self._keys else None
        now = time.time()
        meta = {
            "version": str(diff.version),
            "saved_at": repr(now),
            "schema": "1",
            "deploys": diff.deploys_text,
        }
        if self.identity is not None:
            meta[IDENTITY_KEY] = self.identity
        self.file.write(meta, rows, sources, keep)
        self.written.wrote(diff)
        self._keys = keys
        self.saved_at = now

    def device_store(self) -> SqliteDeviceStore:
        """Pairing records survive a restart with the board (ports.KeepsDevices)."""
        return self.devices

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "ready": True,  # a bad file is reported, not fatal: the wall works without it
            "reasons": [],
            "path": str(self.file.path),
            "problem": self.file.problem,
            "persisting": not self.file.locked and not self.writer.failing,
            "locked": self.file.locked,
            "restored_panels": self.restored,
            "saved_at": self.saved_at,
            "save_errors": self.writer.errors,
            "save_error": self.writer.failing,
        }

    def metrics(self) -> list[tuple[str, str, str, float]]:
        """(name, help, kind, value) for /metrics (ports.ReportsMetrics)."""
        return [
            (
                "wallboard_state_persisting",
                "1 while the board is written to the state file: 0 while it is locked by"
                " another process or saves fail.",
                "gauge",
                0.0 if self.file.locked or self.writer.failing else 1.0,
            ),
            (
                "wallboard_state_save_errors",
                "Saves of the state file that failed.",
                "counter",
                float(self.writer.errors),
            ),
        ]

    def close(self) -> None:
        self._stop.set()
        if self._retry.is_alive():
            self._retry.join(5)
        self.writer.close()
        self.file.close()
        if self.held is not None:
            self.held.release()
