"""The SQLite file behind the embedded state store: open it safely, read it, write rows.

WAL mode, so the writer thread never blocks a reader and a ``kill -9`` loses at
most the transaction in flight. A file that is not a database, or fails SQLite's
quick check, is moved aside (``state.db.corrupt-<unix time>``) and a fresh one
started: the wall must come up, empty but working, and say why.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS panels (team TEXT NOT NULL, panel TEXT NOT NULL,"
    " data TEXT NOT NULL, PRIMARY KEY (team, panel))",
    "CREATE TABLE IF NOT EXISTS sources (id TEXT PRIMARY KEY, type TEXT NOT NULL,"
    " state TEXT, memory TEXT)",
)
Rows = tuple[dict[str, str], list[str], list[tuple[str, str, str | None, str | None]]]


class SqliteFile:
    """One connection, used by the loader first and then by the writer thread only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None  # what went wrong opening it, for /readyz
        self._lock = threading.Lock()
        self.conn = self._open()

    def _connect(self, target: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it sane
        conn.execute("PRAGMA busy_timeout=2000")
        check = conn.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            conn.close()
            raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
        for statement in SCHEMA:
            conn.execute(statement)
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self._connect(str(self.path))
        except sqlite3.DatabaseError as exc:
            aside = self._move_aside()
            self.problem = (
                f"state file {self.path} was unreadable ({exc}); moved aside to {aside}; "
                "started with an empty board"
            )
        except OSError as exc:
            self.problem = f"state file {self.path} cannot be opened ({exc.strerror})"
        log.error("state: %s", self.problem)
        try:
            return self._connect(str(self.path))
        except (sqlite3.DatabaseError, OSError) as exc:
            # Still nothing on disk (read-only volume, full disk): keep the wall up in memory.
            self.problem = f"{self.problem}; not persisted: {exc}"
            log.error("state: keeping state in memory only: %s", exc)
            return self._connect(":memory:")

    def _move_aside(self) -> Path:
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                part.replace(Path(f"{aside}{suffix}"))
        return aside

    def read(self) -> Rows:
        """(meta, panel rows as JSON, (source id, type, state JSON, memory JSON))."""
        with self._lock:
            try:
                meta = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
                panels = [row[0] for row in self.conn.execute("SELECT data FROM panels")]
                sources = self.conn.execute("SELECT id, type, state, memory FROM sources")
                return meta, panels, list(sources.fetchall())
            except sqlite3.DatabaseError as exc:
                self.problem = f"state file {self.path} could not be read ({exc}); started empty"
                log.error("state: %s", self.problem)
                return {}, [], []

    def write(
        self,
        meta: Mapping[str, str],
        panels: Mapping[tuple[str, str], str],
        sources: Iterable[tuple[str, str, str | None, str | None]],
        keep: set[tuple[str, str]] | None,
    ) -> None:
        """One transaction; ``keep`` (when given) drops every other panel row."""
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN")
            try:
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
                conn.executemany(
                    "INSERT OR REPLACE INTO panels VALUES (?, ?, ?)",
                    [(t, p, data) for (t, p), data in panels.items()],
                )
                conn.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)", sources)
                if keep is not None:
                    stored = conn.execute("SELECT team, panel FROM panels").fetchall()
                    gone = [row for row in stored if tuple(row) not in keep]
                    conn.executemany("DELETE FROM panels WHERE team = ? AND panel = ?", gone)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): committed on leaving, rolled back on error.

        For other tables in the same file (the pairing records): one connection, so the
        lock orders them with the board writer's transactions.
        """
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self.conn.close()
