"""This replica's part in a fleet shared by replicas (``state.ports.SharesFleet``: Redis).

Once the state store is open (``server.serve``), :func:`join` has it publish this
replica's fleet rows every few seconds and hand over the commands and revocations
sent through other replicas, applied here to the sockets this replica holds.
"""

from __future__ import annotations

import logging

from wallboard.devices import listing
from wallboard.devices.service import Devices, device_key
from wallboard.state.ports import Command, FleetRow, SharesFleet, StoreUnavailable

log = logging.getLogger(__name__)


def join(devices: Devices, store: object) -> None:
    """With a store shared by replicas, take part in its fleet; without one, nothing."""
    if isinstance(store, SharesFleet):
        member = Member(devices)
        store.join_fleet(member.rows, member.apply)


class Member:
    def __init__(self, devices: Devices) -> None:
        self.devices = devices

    def rows(self) -> list[FleetRow]:
        """What this replica publishes; first, the revocations and moves it may have missed."""
        self.repair_missed()
        return listing.local_rows(self.devices)

    def repair_missed(self) -> None:
        # Pub/sub is at most once: a replica cut off from Redis when a revocation or a move
        # was sent finds its own paired sockets out of step with the store here, at its
        # next publish, and closes them or sends them their page.
        devices = self.devices
        mine = {
            r.device_id: r.device_page for r in devices.fleet.records() if r.device_id and r.live
        }
        if not mine:
            return
        try:
            stored = {d.id: d for d in devices.store.devices() if d.revoked_at is None}
        except StoreUnavailable:
            return  # the next publish looks again
        for device_id, page in mine.items():
            key = device_key(device_id)
            device = stored.get(device_id)
            if device is None:
                if devices.close_revoked(key):
                    log.info(
                        "pairing: closed screen %s, revoked through another replica", device_id
                    )
            elif device.page != page and devices.send_here(key, "move", {"page": device.page}):
                log.info(
                    "pairing: moved screen %s to %s, a move it had missed", device_id, device.page
                )

    def apply(self, command: Command) -> None:
        """A command sent through another replica, for the sockets this one holds."""
        key = command.get("key")
        if not isinstance(key, str):
            return
        if command.get("op") == "revoke":
            self.devices.close_revoked(key)
        elif command.get("op") == "send":
            fields = command.get("fields")
            fields = fields if isinstance(fields, dict) else {}
            action = str(command.get("action"))
            self.devices.send_here(key, action, {str(k): str(v) for k, v in fields.items()})
