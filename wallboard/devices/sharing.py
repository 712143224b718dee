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
from wallboard.state.shared_devices import (
    Command,
    FleetRow,
    KeepsDevices,
    SharesFleet,
    SharesLimits,
)
from wallboard.state.store import StateStore

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
        """What this replica publishes; first, the revocations it may have missed."""
        self.close_missed_revocations()
        return listing.local_rows(self.devices)

    def close_missed_revocations(self) -> None:
        # Pub/sub is at most once: a replica cut off from Redis when a revocation was sent
        # finds the revoked screen's sockets here, at its next publish.
        devices = self.devices
        mine = {r.device_id for r in devices.fleet.records() if r.device_id and r.live}
        if not mine:
            return
        try:
            live = {d.id for d in devices.store.devices() if d.revoked_at is None}
        except StoreUnavailable:
            return  # the next publish looks again

        for device_id in mine - live:
            if devices.close_revoked(device_key(device_id)):
                log.info("pairing: closed screen %s, revoked through another replica", device_id)

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
