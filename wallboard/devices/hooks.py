"""What the websocket endpoints tell the fleet: a screen attached, reported, detached."""

from __future__ import annotations

from typing import Any

from flask import g, request

from wallboard.devices.gate import current_devices
from wallboard.devices.service import device_key
from wallboard.fanout.screens import Screen

MAX_NAME = 60


def attached(screen: Screen) -> None:
    """Called in the socket's request: a paired device by its id, else ``?screen=NAME``."""
    devices = current_devices()
    device = g.get("device")
    if device is not None:
        devices.fleet.connected(screen, device_key(device.id), device.name, device.id, device.page)
        return
    name = " ".join(request.args.get("screen", "").split())[:MAX_NAME]
    if name:
        key = f"name:{name}"
    else:  # no name: one record per address and page, so reconnects count on one row
        key = f"addr:{request.remote_addr}|{request.path}?{request.args.get('teams', '')}"
    devices.fleet.connected(screen, key, name, None)


def detached(screen: Screen) -> None:
    current_devices().fleet.disconnected(screen)


def report(screen: Screen, data: dict[str, Any]) -> bool:
    return current_devices().fleet.report(screen, data)
