"""Pairing records in Redis, under the wall's key prefix: every replica sees the same ones.

A code shown by a TV on one replica is approved through any other, the credential it
collects opens pages and sockets everywhere, and a revocation holds everywhere at once.
Every method is one Lua script (devices_scripts.py), so it is atomic on the server.
Errors (Redis unreachable) are raised to the caller: the page or API call fails, it is
never taken as "not paired".
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import redis

from wallboard.state.ports import Device, Pending, StoreUnavailable
from wallboard.state.redis import devices_scripts as lua


def _fields(flat: Any) -> dict[str, str] | None:
    """HGETALL's flat [field, value, ...] as a dict; None for nil or an empty hash."""
    if not flat:
        return None
    if isinstance(flat, dict):  # HGETALL called directly (not through a script)
        return {str(k): str(v) for k, v in flat.items()}
    items = [str(x) for x in flat]
    return dict(zip(items[::2], items[1::2], strict=True))


def _time(text: str) -> float | None:
    return float(text) if text else None


def _device(flat: Any) -> Device | None:
    f = _fields(flat)
    if f is None:
        return None
    return Device(
        id=f["id"],
        name=f["name"],
        page=f["page"],
        paired_at=float(f["paired_at"]),
        approved_by=f["approved_by"],
        credential_hash=f["credential_hash"] or None,
        revoked_at=_time(f["revoked_at"]),
    )


def _pending(flat: Any) -> Pending | None:
    f = _fields(flat)
    if f is None:
        return None
    return Pending(
        code=f["code"],
        secret_hash=f["secret_hash"],
        address=f["address"],
        created_at=float(f["created_at"]),
        expires_at=float(f["expires_at"]),
        device_id=f["device_id"] or None,
    )


class RedisDeviceStore:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        scripts = {
            "ADD_PENDING": lua.ADD_PENDING,
            "PENDING_BY_SECRET": lua.PENDING_BY_SECRET,
            "APPROVE": lua.APPROVE,
            "COLLECT": lua.COLLECT,
            "BY_CREDENTIAL": lua.BY_CREDENTIAL,
            "DEVICES": lua.DEVICES,
            "MOVE": lua.MOVE,
            "REVOKE": lua.REVOKE,
            "PENDING_COUNT": lua.PENDING_COUNT,
        }
        self._scripts = {name: client.register_script(text) for name, text in scripts.items()}

    def _run(self, name: str, *args: Any) -> Any:
        try:
            return self._scripts[name](keys=[], args=[self.prefix, *args])
        except redis.RedisError as exc:
            raise StoreUnavailable(f"pairing records in Redis: {exc}") from exc

    def add_pending(self, pending: Pending, per_address: int, limit: int) -> bool:
        added = self._run(
            "ADD_PENDING",
            pending.code,
            pending.secret_hash,
            pending.address,
            repr(pending.created_at),
            repr(pending.expires_at),
            per_address,
            limit,
            int(pending.expires_at * 1000),
        )
        if added and pending.page:
            # Beside the record, expiring with it: the page the screen was opened at.
            try:
                key = f"{self.prefix}:pairing-page:{pending.code}"
                self.client.set(key, pending.page, pxat=int(pending.expires_at * 1000))
            except redis.RedisError as exc:
                raise StoreUnavailable(f"pairing records in Redis: {exc}") from exc
        return bool(added)

    def pending_by_secret(self, secret_hash: str) -> Pending | None:
        found = _pending(self._run("PENDING_BY_SECRET", secret_hash))
        # Redis expires the key itself; this closes the last millisecond of clock skew.
        return found if found is not None and found.expires_at > time.time() else None

    def approve(self, code: str, device: Device, now: float) -> bool:
        approved = self._run(
            "APPROVE",
            code,
            repr(now),
            device.id,
            device.name,
            device.page,
            repr(device.paired_at),
            device.approved_by,
        )
        return bool(approved)

    def collect(self, secret_hash: str, credential_hash: str, now: float) -> Device | None:
        return _device(self._run("COLLECT", secret_hash, credential_hash, repr(now)))

    def device(self, device_id: str) -> Device | None:
        try:
            return _device(self.client.hgetall(f"{self.prefix}:device:{device_id}"))
        except redis.RedisError as exc:
            raise StoreUnavailable(f"pairing records in Redis: {exc}") from exc

    def device_by_credential(self, credential_hash: str) -> Device | None:
        device = _device(self._run("BY_CREDENTIAL", credential_hash))
        return device if device is not None and device.revoked_at is None else None

    def devices(self) -> list[Device]:
        found = [_device(flat) for flat in self._run("DEVICES")]
        return sorted((d for d in found if d is not None), key=lambda d: d.paired_at)

    def move(self, device_id: str, page: str) -> Device | None:
        return _device(self._run("MOVE", device_id, page))

    def revoke(self, device_id: str, now: float) -> Device | None:
        return _device(self._run("REVOKE", device_id, repr(now)))

    def pending_count(self) -> int:
        return int(self._run("PENDING_COUNT", repr(time.time())))

    def waiting(self, now: float) -> list[Pending]:
        try:
            # The client decodes answers (decode_responses=True): codes are str.
            codes = [
                str(c)
                for c in self.client.zrangebyscore(
                    f"{self.prefix}:pairing-index", f"({now!r}", "+inf"
                )
            ]
            pipe = self.client.pipeline(transaction=False)
            for code in codes:
                pipe.hgetall(f"{self.prefix}:pairing:{code}")
                pipe.get(f"{self.prefix}:pairing-page:{code}")
            answers = pipe.execute()
        except redis.RedisError as exc:
            raise StoreUnavailable(f"pairing records in Redis: {exc}") from exc
        out = []
        for flat, page in zip(answers[::2], answers[1::2], strict=True):
            found = _pending(flat)
            if found is not None and found.device_id is None and found.expires_at > now:
                out.append(replace(found, page=str(page) if page else ""))
        return sorted(out, key=lambda p: p.created_at)

    # -- the fleet page's admin sessions (devices.store.KeepsSessions) -------------------
    def _session(self, session_hash: str) -> str:
        return f"{self.prefix}:admin-session:{session_hash}"

    def open_session(self, session_hash: str, ttl: float) -> None:
        try:
            self.client.set(self._session(session_hash), "1", px=int(ttl * 1000))
        except redis.RedisError as exc:
            raise StoreUnavailable(f"admin sessions in Redis: {exc}") from exc

    def session_valid(self, session_hash: str) -> bool:
        try:
            return bool(self.client.exists(self._session(session_hash)))
        except redis.RedisError as exc:
            raise StoreUnavailable(f"admin sessions in Redis: {exc}") from exc

    def close_session(self, session_hash: str) -> None:
        try:
            self.client.delete(self._session(session_hash))
        except redis.RedisError as exc:
            raise StoreUnavailable(f"admin sessions in Redis: {exc}") from exc
