"""Pairing codes, secrets and their hashes, and the sliding-window limiter for guesses."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque

# RFC 8628 section 6.1: consonants only, no vowels (no words), no 0/O or 1/I to confuse.
ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
CODE_LENGTH = 8  # 20^8 ≈ 2.6e10 codes; with the guess limits a guess is hopeless


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display(code: str) -> str:
    """``BCDF-GHJK``: two groups of four are easier to read across a room and to type."""
    return f"{code[:4]}-{code[4:]}"


def normalize(typed: str) -> str | None:
    """What a person typed (any case, dashes, spaces) as a code, or None if it cannot be one."""
    code = "".join(ch for ch in typed.upper() if ch not in "- ")
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def new_secret() -> str:
    """A 256-bit secret for a cookie (a device credential or a pairing secret)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(8)


class Limiter:
    """At most ``limit`` events per ``window`` seconds per key; bounded memory."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._events: dict[str, deque[float]] = {}

    def blocked(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` may try again (0: it may now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.get(key)
            if events is None:
                return 0.0
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) < self.limit:
                return 0.0
            return max(0.0, events[0] + self.window - now)

    def take(self, key: str, now: float | None = None) -> float:
        """Count one event if ``key`` is under its limit, in one step: 0 when counted, else
        the seconds until it may try again. Concurrent callers never pass the limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.get(key)
            if events is not None:
                while events and events[0] <= now - self.window:
                    events.popleft()
                if len(events) >= self.limit:
                    return max(0.001, events[0] + self.window - now)
            self._count(key, now)
            return 0.0

    def refund(self, key: str) -> None:
        """Take back the newest event of ``key`` (an attempt that turned out right)."""
        with self._lock:
            events = self._events.get(key)
            if events:
                events.pop()

    def _latest(self, key: str) -> float:
        events = self._events[key]
        return events[-1] if events else 0.0

    def hit(self, key: str, now: float | None = None) -> int:
        """Count one event; how many ``key`` had in the window, this one included."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return self._count(key, now)

    def _count(self, key: str, now: float) -> int:
        """With the lock held."""
        if key not in self._events and len(self._events) >= self.max_keys:
            # Forget the quietest keys rather than grow: a flood of addresses stays bounded.
            for old in sorted(self._events, key=self._latest)[:100]:
                del self._events[old]
        events = self._events.setdefault(key, deque(maxlen=self.limit + 1))
        while events and events[0] <= now - self.window:
            events.popleft()
        events.append(now)
        return len(events)
