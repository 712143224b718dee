"""Pairing records in one process's memory: the store when the state store keeps none.

Only hashes of secrets are kept (a credential or a pairing secret is 256 random
bits, so SHA-256 is enough: nothing to brute-force). It implements the same
interface (``state.ports.DeviceStore``) as the persistent and shared stores
(SQLite, Redis), which make pairings outlive the process and span replicas.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

from wallboard.state.ports import Device, Pending


@dataclass
class MemoryDeviceStore:
    """The store for one process. Swap for a shared one without touching its callers."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: dict[str, Pending] = field(default_factory=dict)  # by code
    _devices: dict[str, Device] = field(default_factory=dict)  # by id
    _by_credential: dict[str, str] = field(default_factory=dict)  # hash -> device id

    def _prune(self, now: float) -> None:
        for code in [c for c, p in self._pending.items() if p.expires_at <= now]:
            del self._pending[code]

    def add_pending(self, pending: Pending, per_address: int, limit: int) -> bool:
        """Add unless ``limit`` codes wait; an address over ``per_address`` loses its oldest."""
        with self._lock:
            self._prune(pending.created_at)
            mine = sorted(
                (p for p in self._pending.values() if p.address == pending.address),
                key=lambda p: p.created_at,
            )
            for old in mine[: max(0, len(mine) - per_address + 1)]:
                del self._pending[old.code]
            if len(self._pending) >= limit or pending.code in self._pending:
                return False
            self._pending[pending.code] = pending
            return True

    def pending_by_secret(self, secret_hash: str) -> Pending | None:
        with self._lock:
            self._prune(time.time())
            return next((p for p in self._pending.values() if p.secret_hash == secret_hash), None)

    def approve(self, code: str, device: Device, now: float) -> bool:
        """Single use: only a live, not yet approved code is approved, once."""
        with self._lock:
            self._prune(now)
            pending = self._pending.get(code)
            if pending is None or pending.device_id is not None:
                return False
            self._pending[code] = replace(pending, device_id=device.id)
            self._devices[device.id] = device
            return True

    def collect(self, secret_hash: str, credential_hash: str, now: float) -> Device | None:
        """The approved screen takes its credential; the code is gone from then on."""
        with self._lock:
            self._prune(now)
            found = [p for p in self._pending.values() if p.secret_hash == secret_hash]
            if not found or found[0].device_id is None:
                return None
            del self._pending[found[0].code]
            device = self._devices.get(found[0].device_id)
            if device is None or device.revoked_at is not None:
                return None
            device = replace(device, credential_hash=credential_hash)
            self._devices[device.id] = device
            self._by_credential[credential_hash] = device.id
            return device

    def device(self, device_id: str) -> Device | None:
        with self._lock:
            return self._devices.get(device_id)

    def device_by_credential(self, credential_hash: str) -> Device | None:
        with self._lock:
            device = self._devices.get(self._by_credential.get(credential_hash, ""))
            return device if device is not None and device.revoked_at is None else None

    def devices(self) -> list[Device]:
        with self._lock:
            return list(self._devices.values())

    def move(self, device_id: str, page: str) -> Device | None:
        with self._lock:
            device = self._devices.get(device_id)
            if device is None or device.revoked_at is not None:
                return None
            self._devices[device_id] = device = replace(device, page=page)
            return device

    def revoke(self, device_id: str, now: float) -> Device | None:
        with self._lock:
            device = self._devices.get(device_id)
            if device is None or device.revoked_at is not None:
                return None
            self._by_credential.pop(device.credential_hash or "", None)
            self._devices[device_id] = device = replace(device, revoked_at=now)
            return device

    def pending_count(self) -> int:
        with self._lock:
            self._prune(time.time())
            return len(self._pending)

    def waiting(self, now: float) -> list[Pending]:
        with self._lock:
            self._prune(now)
            found = [p for p in self._pending.values() if p.device_id is None]
        return sorted(found, key=lambda p: p.created_at)
