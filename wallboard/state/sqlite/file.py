"""The SQLite file behind the embedded state store: open it safely, read it, write rows.

WAL mode, so the writer thread never blocks a reader and a ``kill -9`` loses at
most the transaction in flight. A file that is not a database, or fails SQLite's
quick check, is moved aside (``state.db.corrupt-<unix time>``) and a fresh one
started; so is another application's database (``state.db.foreign-<unix time>``):
the wall must come up, empty but working, and say why. A file another process holds
locked (an operator's ``sqlite3`` shell in a write transaction) is not ours to take:
the wall serves from memory (:attr:`SqliteFile.locked`) until :meth:`attach` finds
it free.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from wallboard.state.sqlite import tables

log = logging.getLogger(__name__)
SCHEMA = tables.ALL
Rows = tuple[dict[str, str], list[str], list[tuple[str, str, str | None, str | None]]]


class NotOurs(Exception):
    """A database of another application: tables or columns this wall never made."""


def is_locked(exc: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another process holds the file; it is not broken."""
    text = str(exc)
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def columns(schema: Iterable[str]) -> dict[str, set[str]]:
    """The tables ``schema`` makes, with their columns."""
    conn = sqlite3.connect(":memory:")
    try:
        for statement in schema:
            conn.execute(statement)
        return _tables(conn)
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> dict[str, set[str]]:
    names = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return {
        name: {row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')} for (name,) in names
    }


class SqliteFile:
    """One connection, used by the loader first and then by the writer thread only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.schema = SCHEMA  # the board's tables and the pairing records'
        self._ours = columns(self.schema)
        self.problem: str | None = None  # what went wrong opening it, for /readyz
        self.locked = False  # held by another process: serving from memory until attach()
        self._lock = threading.Lock()
        self.conn = self._open()

    def _connect(self, target: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        try:
            # Short: an operator's write transaction fails a save (retried next second) or a
            # pairing write (503, retried), never holds a request for long.
            conn.execute("PRAGMA busy_timeout=500")
            self._check(conn)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it sane
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
            # A write transaction now, so a lock held elsewhere shows here, not at a save.
            conn.execute("BEGIN IMMEDIATE")
            for statement in self.schema:
                conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        return conn

    def _check(self, conn: sqlite3.Connection) -> None:
        found = _tables(conn)
        strangers = sorted(
            name for name, cols in found.items() if self._ours.get(name) not in (None, cols)
        )
        strangers += sorted(set(found) - set(self._ours))
        if strangers:
            raise NotOurs(f"tables this wall never made: {', '.join(strangers)}")

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self._connect(str(self.path))
        except sqlite3.OperationalError as exc:
            if not is_locked(exc):
                return self._fresh("unreadable", exc)
            self.locked = True
            self.problem = (
                f"state file {self.path} is locked by another process ({exc}); serving from "
                "memory, not persisted until it is free (retrying)"
            )
            log.error("state: %s", self.problem)
            return self._memory()
        except NotOurs as exc:
            return self._fresh("foreign", exc)
        except sqlite3.DatabaseError as exc:
            return self._fresh("unreadable", exc)
        except OSError as exc:
            self.problem = f"state file {self.path} cannot be opened ({exc.strerror})"
            log.error("state: %s", self.problem)
            return self._start_again()

    def _fresh(self, why: str, exc: Exception) -> sqlite3.Connection:
        aside = self._move_aside("foreign" if why == "foreign" else "corrupt")
        what = "another application's database" if why == "foreign" else "unreadable"
        self.problem = (
            f"state file {self.path} was {what} ({exc}); moved aside to {aside}; "
            "started with an empty board"
        )
        log.error("state: %s", self.problem)
        return self._start_again()

    def _start_again(self) -> sqlite3.Connection:
        try:
            return self._connect(str(self.path))
        except (sqlite3.DatabaseError, NotOurs, OSError) as exc:
            # Still nothing on disk (read-only volume, full disk): keep the wall up in memory.
            self.problem = f"{self.problem}; not persisted: {exc}"
            log.error("state: keeping state in memory only: %s", exc)
            return self._memory()

    def _memory(self) -> sqlite3.Connection:
        return self._connect(":memory:")

    def attach(self) -> bool:
        """While :attr:`locked`: take the file if it is free now (True), carrying over what was
        kept in memory meanwhile (the pairing records). False: still locked."""
        try:
            conn = self._open_later()
        except sqlite3.OperationalError as exc:
            if is_locked(exc):
                return False
            raise
        with self._lock:
            memory, self.conn = self.conn, conn
            for table in self._ours:
                if table in tables.BOARD_TABLES:
                    continue  # the board's rows: the store writes them all again
                rows = memory.execute(f'SELECT * FROM "{table}"').fetchall()
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    conn.executemany(f'INSERT OR IGNORE INTO "{table}" VALUES ({marks})', rows)
            memory.close()
            self.locked = False
            self.problem = None
        log.warning("state: state file %s is free now; persisting from here on", self.path)
        return True

    def _open_later(self) -> sqlite3.Connection:
        # Locked at start, it may be anything once free: foreign or corrupt goes aside.
        try:
            return self._connect(str(self.path))
        except NotOurs as exc:
            return self._fresh("foreign", exc)
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            return self._fresh("unreadable", exc)

    def _move_aside(self, kind: str) -> Path:
        aside = self.path.with_name(f"{self.path.name}.{kind}-{int(time.time())}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                part.replace(Path(f"{aside}{suffix}"))
        return aside

    def meta(self, key: str) -> str | None:
        """One value of the ``meta`` table (None when absent or unreadable)."""
        with self._lock:
            try:
                row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            except sqlite3.DatabaseError:
                return None
        return str(row[0]) if row else None

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
