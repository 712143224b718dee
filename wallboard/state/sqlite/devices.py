"""Pairing records in the SQLite state file: they outlive a restart of ``wallboard serve``.

Two tables beside the board's: ``device_pending`` (codes shown by screens, with their
expiry) and ``device_records`` (approved screens, the SHA-256 of their credential and
their revocation). Each method of the ``DeviceStore`` interface is one transaction
(``BEGIN IMMEDIATE``), so two request threads never approve one code twice. A file
that was unreadable at start was moved aside by :class:`SqliteFile`: the screens then
pair again, like the board starts empty.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from wallboard.state.ports import Device, Pending, StoreUnavailable
from wallboard.state.sqlite import tables
from wallboard.state.sqlite.file import SqliteFile

SCHEMA = tables.DEVICES
PENDING = "code, secret_hash, address, created_at, expires_at, device_id"
DEVICE = "id, name, page, paired_at, approved_by, credential_hash, revoked_at"


def _pending(row: Sequence[Any] | None) -> Pending | None:
    return None if row is None else Pending(*row)


def _device(row: Sequence[Any] | None) -> Device | None:
    return None if row is None else Device(*row)


class SqliteDeviceStore:
    def __init__(self, file: SqliteFile) -> None:
        self.file = file
        with file.transaction() as conn:
            for statement in SCHEMA:
                conn.execute(statement)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        try:
            with self.file.transaction() as conn:
                yield conn
        except sqlite3.Error as exc:  # a full disk, a file gone read-only
            raise StoreUnavailable(f"pairing records in {self.file.path}: {exc}") from exc

    def _prune(self, conn: sqlite3.Connection, now: float) -> None:
        conn.execute("DELETE FROM device_pending WHERE expires_at <= ?", (now,))
        conn.execute(
            "DELETE FROM device_pending_page WHERE code NOT IN (SELECT code FROM device_pending)"
        )

    def add_pending(self, pending: Pending, per_address: int, limit: int) -> bool:
        with self._tx() as conn:
            self._prune(conn, pending.created_at)
            mine = conn.execute(
                "SELECT code FROM device_pending WHERE address = ? ORDER BY created_at",
                (pending.address,),
            ).fetchall()
            drop = mine[: max(0, len(mine) - per_address + 1)]
            conn.executemany("DELETE FROM device_pending WHERE code = ?", drop)
            (count,) = conn.execute("SELECT COUNT(*) FROM device_pending").fetchone()
            taken = conn.execute(
                "SELECT 1 FROM device_pending WHERE code = ?", (pending.code,)
            ).fetchone()
            if count >= limit or taken is not None:
                return False
            conn.execute(
                f"INSERT INTO device_pending ({PENDING}) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    pending.code,
                    pending.secret_hash,
                    pending.address,
                    pending.created_at,
                    pending.expires_at,
                    pending.device_id,
                ),
            )
            if pending.page:
                conn.execute(
                    "INSERT OR REPLACE INTO device_pending_page (code, page) VALUES (?, ?)",
                    (pending.code, pending.page),
                )
            return True

    def pending_by_secret(self, secret_hash: str) -> Pending | None:
        with self._tx() as conn:
            row = conn.execute(
                f"SELECT {PENDING} FROM device_pending WHERE secret_hash = ? AND expires_at > ?",
                (secret_hash, time.time()),
            ).fetchone()
            return _pending(row)

    def approve(self, code: str, device: Device, now: float) -> bool:
        """Single use: only a live, not yet approved code is approved, once."""
        with self._tx() as conn:
            self._prune(conn, now)
            claimed = conn.execute(
                "UPDATE device_pending SET device_id = ? WHERE code = ? AND device_id IS NULL",
                (device.id, code),
            ).rowcount
            if claimed != 1:
                return False
            conn.execute(
                f"INSERT INTO device_records ({DEVICE}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    device.id,
                    device.name,
                    device.page,
                    device.paired_at,
                    device.approved_by,
                    device.credential_hash,
                    device.revoked_at,
                ),
            )
            return True

    def collect(self, secret_hash: str, credential_hash: str, now: float) -> Device | None:
        """The approved screen takes its credential; the code is gone from then on."""
        with self._tx() as conn:
            self._prune(conn, now)
            found = _pending(
                conn.execute(
                    f"SELECT {PENDING} FROM device_pending WHERE secret_hash = ?", (secret_hash,)
                ).fetchone()
            )
            if found is None or found.device_id is None:
                return None
            conn.execute("DELETE FROM device_pending WHERE code = ?", (found.code,))
            conn.execute(
                "UPDATE device_records SET credential_hash = ? WHERE id = ? AND revoked_at IS NULL",
                (credential_hash, found.device_id),
            )
            return self._live(conn, found.device_id)

    def _live(self, conn: sqlite3.Connection, device_id: str) -> Device | None:
        row = conn.execute(
            f"SELECT {DEVICE} FROM device_records WHERE id = ? AND revoked_at IS NULL",
            (device_id,),
        ).fetchone()
        return _device(row)

    def device(self, device_id: str) -> Device | None:
        with self._tx() as conn:
            row = conn.execute(
                f"SELECT {DEVICE} FROM device_records WHERE id = ?", (device_id,)
            ).fetchone()
            return _device(row)

    def device_by_credential(self, credential_hash: str) -> Device | None:
        with self._tx() as conn:
            row = conn.execute(
                f"SELECT {DEVICE} FROM device_records"
                " WHERE credential_hash = ? AND revoked_at IS NULL",
                (credential_hash,),
            ).fetchone()
            return _device(row)

    def devices(self) -> list[Device]:
        with self._tx() as conn:
            rows = conn.execute(f"SELECT {DEVICE} FROM device_records ORDER BY paired_at")
            return [Device(*row) for row in rows.fetchall()]

    def move(self, device_id: str, page: str) -> Device | None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE device_records SET page = ? WHERE id = ? AND revoked_at IS NULL",
                (page, device_id),
            )
            return self._live(conn, device_id)

    def revoke(self, device_id: str, now: float) -> Device | None:
        with self._tx() as conn:
            changed = conn.execute(
                "UPDATE device_records SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now, device_id),
            ).rowcount
            if changed != 1:
                return None
            row = conn.execute(
                f"SELECT {DEVICE} FROM device_records WHERE id = ?", (device_id,)
            ).fetchone()
            return _device(row)

    def waiting(self, now: float) -> list[Pending]:
        with self._tx() as conn:
            self._prune(conn, now)
            rows = conn.execute(
                f"SELECT {', '.join('p.' + c for c in PENDING.split(', '))}, COALESCE(g.page, '')"
                " FROM device_pending p LEFT JOIN device_pending_page g ON g.code = p.code"
                " WHERE p.device_id IS NULL ORDER BY p.created_at"
            ).fetchall()
        return [Pending(*row) for row in rows]

    def pending_count(self) -> int:
        with self._tx() as conn:
            self._prune(conn, time.time())
            (count,) = conn.execute("SELECT COUNT(*) FROM device_pending").fetchone()
            return int(count)
