"""Every screen seen in the last 24 hours: what it reported, and its live hub state.

One record per screen: a paired device by its id, an open screen by its
``?screen=NAME`` (or its address and teams when it has no name). Live figures
(last pong, bytes behind, coalesced updates) are read from the hub's Screen
objects when asked; reports and page errors arrive over the websocket and are
bounded in count, size and rate.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from wallboard.fanout.protocol import MAX_REPORT_TEXT
from wallboard.fanout.screens import Screen

KEEP_FOR = 24 * 3600.0
MAX_RECORDS = 2000
MAX_ERRORS = 20  # per screen, newest kept
MAX_TEXT = MAX_REPORT_TEXT  # the page cuts its texts to the same (static/device.js)
REPORT_BURST = 6  # reports a screen may send at once, then one per REPORT_EVERY seconds
REPORT_EVERY = 5.0


@dataclass
class Record:
    key: str
    name: str
    device_id: str | None
    address: str
    teams: tuple[str, ...]
    page: str = ""
    # The page its credential was for when its socket opened, or when a move was last sent
    # to it: a paired screen whose stored page differs has missed a move (devices/replicas.py).
    device_page: str = ""
    first_connect: float = field(default_factory=time.time)
    connected_at: float | None = None
    last_seen: float = field(default_factory=time.time)
    connects: deque[float] = field(default_factory=lambda: deque(maxlen=200))
    live: dict[Screen, None] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    errors: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_ERRORS))
    tokens: float = REPORT_BURST
    tokens_at: float = field(default_factory=time.monotonic)
    reports_dropped: int = 0


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _number(value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if low <= value <= high else None


class Fleet:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, Record] = {}
        self._by_screen: dict[Screen, Record] = {}

    def connected(
        self, screen: Screen, key: str, name: str, device_id: str | None, page: str = ""
    ) -> None:
        now = time.time()
        with self._lock:
            record = self._records.get(key)
            if record is None:
                self._evict(now)
                record = Record(key, name, device_id, "", screen.teams)
                self._records[key] = record
            record.name, record.device_id, record.teams = name, device_id, screen.teams
            record.address = str(screen.info.get("remote") or "")
            record.page = page or record.page
            record.device_page = page if device_id else ""
            record.connected_at = record.last_seen = now
            record.connects.append(now)
            record.live[screen] = None
            self._by_screen[screen] = record

    def disconnected(self, screen: Screen) -> None:
        with self._lock:
            record = self._by_screen.pop(screen, None)
            if record is not None:
                record.live.pop(screen, None)
                record.last_seen = max(record.last_seen, _pong_time(screen))
                if not record.live:
                    record.connected_at = None

    def report(self, screen: Screen, data: dict[str, Any]) -> bool:
        """Keep a screen's report; False for a malformed one (the socket is then closed)."""
        errors = data.get("errors", [])
        if not isinstance(errors, list) or len(errors) > 5:
            return False
        with self._lock:
            record = self._by_screen.get(screen)
            if record is None:
                return True
            now = time.monotonic()
            record.tokens = min(
                REPORT_BURST, record.tokens + (now - record.tokens_at) / REPORT_EVERY
            )
            record.tokens_at = now
            if record.tokens < 1:
                record.reports_dropped += 1  # rate-limited: dropped, not an error
                return True
            record.tokens -= 1
            viewport = data.get("viewport")
            record.report = {
                "build": _text(data.get("build"), 64),
                "viewport": [int(v) for v in viewport[:2]]
                if isinstance(viewport, list)
                and len(viewport) == 2
                and all(_number(v, 0, 100_000) is not None for v in viewport)
                else None,
                "scale": _number(data.get("scale"), 0, 100),
                "heap_bytes": _number(data.get("heap"), 0, 1e13),
                "dom_nodes": _number(data.get("dom"), 0, 1e9),
            }
            if not record.device_id:
                record.page = _text(data.get("page")) or record.page
            for error in errors:
                if isinstance(error, dict):
                    kind = error.get("kind")
                    record.errors.append(
                        {
                            "at": time.time(),
                            "kind": kind if kind in ("error", "unhandledrejection") else "error",
                            "message": _text(error.get("message")),
                        }
                    )
            return True

    def records(self) -> list[Record]:
        with self._lock:
            self._evict(time.time())
            return list(self._records.values())

    def screens_of(self, key: str) -> list[Screen]:
        with self._lock:
            record = self._records.get(key)
            return list(record.live) if record else []

    def moved(self, key: str, page: str) -> None:
        """A move was sent to this screen's sockets: its page is ``page`` from now on."""
        with self._lock:
            record = self._records.get(key)
            if record is not None:
                record.device_page = page

    def forget(self, key: str) -> None:
        with self._lock:
            self._records.pop(key, None)

    def _evict(self, now: float) -> None:
        old = [k for k, r in self._records.items() if not r.live and r.last_seen < now - KEEP_FOR]
        for key in old:
            del self._records[key]
        if len(self._records) >= MAX_RECORDS:
            idle = sorted((r for r in self._records.values() if not r.live), key=_seen)
            for record in idle[: len(self._records) - MAX_RECORDS + 1]:
                del self._records[record.key]


def _seen(record: Record) -> float:
    return record.last_seen


def _pong_time(screen: Screen) -> float:
    """A screen's last pong as unix time (the hub keeps it on the monotonic clock)."""
    return time.time() - (time.monotonic() - screen.last_pong)


def last_seen(record: Record) -> float:
    live = [_pong_time(s) for s in list(record.live) if not s.gone]
    return max([record.last_seen, *live])
