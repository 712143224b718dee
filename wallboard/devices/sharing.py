"""The devices follow the state store: its pairing store, and (replicas) the shared fleet.

The state store is opened after the app is made (``server.serve``), so the devices
listen for it (``Wall.state_listeners``) rather than pick a store at creation:
- a store that keeps pairings (``state.shared_devices.KeepsDevices``: SQLite, Redis)
  replaces the in-memory one before the first request;
- a store shared by replicas (``SharesFleet``: Redis) gets this replica's fleet rows
  every few seconds and hands over the commands and revocations sent through other
  replicas, applied here to the sockets this replica holds.
"""

from __future__ import annotations

import logging

from wallboard.devices import listing
from wallboard.devices.service import LOGINS_PER_MINUTE, Devices, device_key
from wallboard.devices.store import KeepsSessions, StoreUnavailable
from wallboard.state.protocol import StateStore
from wallboard.state.shared_devices import (
    Command,
    FleetRow,
    KeepsDevices,
    SharesFleet,
    SharesLimits,
)

log = logging.getLogger(__name__)


class Sharing:
    def __init__(self, devices: Devices) -> None:
        self.devices = devices
        devices.wall.state_listeners.append(self.state_changed)
        self.state_changed(devices.wall.state)

    def state_changed(self, state: StateStore | None) -> None:
        devices = self.devices
        if state is None:
            # Closing: stop reaching other replicas. The pairing store stays: a request still
            # in flight must never read "not paired" from an empty store.
            devices.shared = None
            return
        if isinstance(state, KeepsDevices):
            devices.store = state.device_store()
            log.info("pairing: records kept in the %s state store", state.backend)
            if isinstance(devices.store, KeepsSessions):
                devices.sessions.shared = devices.store
        if isinstance(state, SharesLimits):
            settings = devices.wall.config.screen
            devices.guesses = state.limiter("guesses", settings.pairing_guesses_per_minute)
            devices.all_guesses = state.limiter(
                "guesses-all", settings.pairing_guesses_global_per_minute
            )
            devices.logins = state.limiter("logins", LOGINS_PER_MINUTE)
        if isinstance(state, SharesFleet):
            devices.shared = state
            state.join_fleet(self.rows, self.apply)

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
