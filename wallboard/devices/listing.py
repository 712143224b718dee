"""The fleet as rows: every paired device and every screen seen in the last 24 hours."""

from __future__ import annotations

import contextlib
import hashlib
import time
from typing import Any

from wallboard.devices.fleet import Record, last_seen
from wallboard.devices.service import Devices, device_key
from wallboard.state.ports import Device, StoreUnavailable


def record_id(record: Record) -> str:
    """A stable id for actions: the device id, or a digest of an open screen's key."""
    if record.device_id:
        return record.device_id
    return "o" + hashlib.sha256(record.key.encode()).hexdigest()[:16]


def offline_after(devices: Devices) -> float:
    return devices.wall.config.wall.heartbeat * devices.wall.hub.missed_pongs


def _row(devices: Devices, device: Device | None, record: Record | None) -> dict[str, Any]:
    now = time.time()
    build = devices.wall.build_id
    row: dict[str, Any] = {
        "id": device.id if device else record_id(record) if record else "",
        "name": device.name if device else (record.name if record else ""),
        "paired": device is not None,
        "page": device.page if device else (record.page if record else ""),
        "teams": list(record.teams) if record else [],
        "paired_at": device.paired_at if device else None,
        "approved_by": device.approved_by if device else None,
        "status": "never connected",
        "connected_at": None,
        "last_seen": None,
        "last_pong_age": None,
        "behind_bytes": 0,
        "coalesced": 0,
        "build": None,
        "old_build": False,
        "viewport": None,
        "scale": None,
        "heap_bytes": None,
        "dom_nodes": None,
        "errors": [],
        "reconnects_last_hour": 0,
        "address": None,
        "reports_dropped": 0,
    }
    if record is None:
        return row
    seen = last_seen(record)
    live = [s for s in list(record.live) if not s.gone]
    pongs = [s.last_pong for s in live]
    recent = [t for t in record.connects if t > now - 3600 and t > record.first_connect]
    row.update(
        status="offline" if now - seen > offline_after(devices) else "online",
        connected_at=record.connected_at,
        last_seen=seen,
        last_pong_age=round(time.monotonic() - max(pongs), 1) if pongs else None,
        behind_bytes=sum(len(s.pending) if s.pending is not None else 0 for s in live),
        coalesced=sum(s.coalesced for s in live),
        reconnects_last_hour=len(recent),
        address=record.address,
        errors=list(record.errors),
        reports_dropped=record.reports_dropped,
        **record.report,
    )
    row["old_build"] = bool(row["build"]) and row["build"] != build
    return row


def local_rows(devices: Devices) -> list[dict[str, Any]]:
    """This replica's records as rows, with what merging needs (published to the others)."""
    out = []
    for record in devices.fleet.records():
        row = _row(devices, None, record)
        row.update(
            key=record.key,
            device_id=record.device_id,
            sockets=sum(1 for s in list(record.live) if not s.gone),
            replica=devices.replica_id,
        )
        out.append(row)
    return out


def _rank(row: dict[str, Any]) -> tuple[bool, bool, float]:
    return row.get("status") == "online", bool(row.get("sockets")), float(row["last_seen"] or 0)


def _best(devices: Devices) -> dict[str, dict[str, Any]]:
    """One row per screen across replicas: where it is online (it may have moved), else newest."""
    candidates = local_rows(devices)
    # Another replica may run another version (a rolling upgrade): its rows are read
    # field by field as this version knows them, defaults for what it did not send.
    blank = {**_row(devices, None, None), "key": "", "device_id": None, "sockets": 0}
    for replica, published in devices.fleet_elsewhere().items():
        candidates += [
            {**{k: r.get(k, v) for k, v in blank.items()}, "replica": replica}
            for r in published
            if isinstance(r.get("key"), str)
        ]
    best: dict[str, dict[str, Any]] = {}
    for row in candidates:
        key = row["key"]
        if key not in best or _rank(row) > _rank(best[key]):
            best[key] = row
    return best


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("key", "device_id", "sockets")}


def rows(devices: Devices) -> list[dict[str, Any]]:
    """Every paired screen and every screen seen in 24 h, on this replica or any other."""
    best = _best(devices)
    out = []
    for device in devices.store.devices():
        if device.revoked_at is not None:
            continue
        found = best.get(device_key(device.id))
        row = dict(found) if found is not None else {**_row(devices, device, None), "replica": None}
        row.update(
            id=device.id,
            name=device.name,
            paired=True,
            page=device.page,
            paired_at=device.paired_at,
            approved_by=device.approved_by,
        )
        out.append(_public(row))
    out += [_public(row) for row in best.values() if not row.get("device_id")]
    order = {"offline": 0, "online": 1, "never connected": 2}
    out.sort(key=lambda r: (order.get(r["status"], 3), str(r["name"]).lower()))
    return out


def offline_of(listed: list[dict[str, Any]]) -> int:
    """Offline screens among ``listed`` rows that count: paired, or named with
    ``?screen=NAME``. An anonymous tab that closed is a laptop, not a TV going dark (it
    stays listed, uncounted)."""
    return sum(1 for r in listed if r["status"] == "offline" and (r["paired"] or r["name"]))


def offline_count(devices: Devices) -> int:
    """Offline screens (named or paired ones only); cached a second, as every /wall footer
    asks (O(screens) each time)."""
    now = time.monotonic()
    at, count = devices.offline_cache
    if now - at >= 1.0:
        # Pairing store unreachable: the footer keeps the last count; the page must not fail.
        with contextlib.suppress(StoreUnavailable):
            count = offline_of(rows(devices))
        devices.offline_cache = (now, count)
    return count


def find(devices: Devices, screen_id: str) -> tuple[str, Device | None] | None:
    """(fleet key, device) of a screen id from the listing; None if unknown."""
    device = devices.store.device(screen_id)
    if device is not None and device.revoked_at is None:
        return device_key(device.id), device
    for key, row in _best(devices).items():
        if not row.get("device_id") and row.get("id") == screen_id:
            return key, None
    return None
