"""The devices of one wall: pairing, approval, moves, revocation and commands to screens."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from wallboard.devices import codes, scope
from wallboard.devices.admin import Sessions
from wallboard.devices.codes import Limiter
from wallboard.devices.fleet import Fleet
from wallboard.devices.store import MemoryDeviceStore
from wallboard.fanout import protocol
from wallboard.fanout.screens import Screen
from wallboard.state.ports import (
    Command,
    Device,
    DeviceStore,
    FleetRow,
    KeepsDevices,
    KeepsSessions,
    Pending,
    RateLimiter,
    SharesFleet,
    SharesLimits,
)
from wallboard.wall import Wall

log = logging.getLogger(__name__)
# How long a moved screen's page has to leave the teams it may no longer show on its own.
MOVE_GRACE = 0.5
EXTENSION = "wallboard.devices"
PENDING_PER_ADDRESS = 4  # a TV reloading its pairing page replaces its own older codes
MAX_NAME = 60
LOGINS_PER_MINUTE = 10  # fleet page admin-token guesses per address


class Refused(Exception):
    """An approval or command that cannot be done; ``status`` and a stable ``code``."""

    def __init__(self, status: int, code: str, message: str, retry_after: float = 0) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


@dataclass(frozen=True)
class Started:
    code: str
    secret: str  # only ever sent to the pairing browser, in an HttpOnly cookie
    expires_at: float


def device_key(device_id: str) -> str:
    return f"device:{device_id}"


class Devices:
    """The state store is asked at each use (``wall.state``, through ``state.ports``): it is
    opened after the app is made, and closed before the last request is done."""

    def __init__(self, wall: Wall, store: DeviceStore | None = None) -> None:
        self.wall = wall
        self._store: DeviceStore = store or MemoryDeviceStore()
        self.fleet = Fleet()
        self.sessions = Sessions(self._shared_sessions)
        settings = wall.config.screen
        # Events per minute, as configured at start. Counted here, or in the state store when
        # replicas share one (n replicas must not mean n times the guesses).
        self._limits = {
            "guesses": settings.pairing_guesses_per_minute,
            "guesses-all": settings.pairing_guesses_global_per_minute,
            "logins": LOGINS_PER_MINUTE,
        }
        self._local: dict[str, RateLimiter] = {n: Limiter(v) for n, v in self._limits.items()}
        self.offline_cache: tuple[float, int] = (-1e9, 0)  # (monotonic time, count)

    @property
    def store(self) -> DeviceStore:
        """The state store's pairing records when it keeps them, else this process's."""
        state = self.wall.state
        if isinstance(state, KeepsDevices):
            # Kept once the state store is closed: a request still in flight must never
            # read "not paired" from an empty store.
            self._store = state.device_store()
        return self._store

    def _shared_sessions(self) -> KeepsSessions | None:
        store = self.store
        return store if isinstance(store, KeepsSessions) else None

    def _limiter(self, name: str) -> RateLimiter:
        state = self.wall.state
        if isinstance(state, SharesLimits):
            return state.limiter(name, self._limits[name])
        return self._local[name]

    @property
    def guesses(self) -> RateLimiter:
        """Wrong codes per address and minute."""
        return self._limiter("guesses")

    @property
    def all_guesses(self) -> RateLimiter:
        """Wrong codes from everywhere per minute."""
        return self._limiter("guesses-all")

    @property
    def logins(self) -> RateLimiter:
        """Admin token guesses on the fleet page per address and minute."""
        return self._limiter("logins")

    def admin_attempt(self, address: str, right: Callable[[], bool]) -> bool:
        """An admin token tried from ``address`` (sign-in form or bearer): whether ``right()``.

        Checked and counted in one step before it is evaluated (a lock here, one script in
        Redis), so a burst never gets more evaluations than the limit; a right token gives
        its count back, so an admin's own requests never use the limit up. Raises Refused
        (429, with the wait) past the limit, without evaluating anything.
        """
        wait = self.logins.take(address)
        if wait > 0:
            raise Refused(429, "too_many_attempts", "too many attempts; try later", wait)
        if right():
            self.logins.refund(address)
            return True
        return False

    @property
    def shared(self) -> SharesFleet | None:
        """The fleet of every replica, when the state store is shared (Redis)."""
        state = self.wall.state
        return state if isinstance(state, SharesFleet) else None

    @property
    def paired(self) -> bool:
        return self.wall.config.screen.access == "paired"

    # -- the screen's side ---------------------------------------------------------------
    def start(self, address: str, page: str = "") -> Started | None:
        """A new code for a browser opened at ``page``; None when too many screens wait."""
        now = time.time()
        limit = self.wall.config.screen.pairing_max_pending
        ttl = self.wall.config.screen.pairing_code_ttl
        for _ in range(3):  # a fresh code colliding with a waiting one is rare; retry
            secret = codes.new_secret()
            pending = Pending(
                codes.new_code(), codes.digest(secret), address, now, now + ttl, page=page
            )
            if self.store.add_pending(pending, PENDING_PER_ADDRESS, limit):
                return Started(pending.code, secret, pending.expires_at)
            if self.store.pending_count() >= limit:
                log.warning("pairing: %d screens already wait for approval; refused one", limit)
                return None
        return None

    def waiting(self, secret: str | None) -> Pending | None:
        return self.store.pending_by_secret(codes.digest(secret)) if secret else None

    def collect(self, secret: str) -> tuple[Device, str] | None:
        """(device, credential) once the code was approved; the credential is made here."""
        credential = codes.new_secret()
        device = self.store.collect(codes.digest(secret), codes.digest(credential), time.time())
        if device is None:
            return None
        log.info("pairing: screen %s (%s) took its credential", device.id, device.name)
        return device, credential

    def device_for(self, credential: str | None) -> Device | None:
        return self.store.device_by_credential(codes.digest(credential)) if credential else None

    # -- the admin's side ----------------------------------------------------------------
    def check_page(self, page: str) -> str:
        try:
            scope.page_teams(page, self.wall.config.teams, self.wall.config.rooms)
        except ValueError:
            raise Refused(
                400,
                "bad_page",
                "page must be /wall, /teams/<team>, /rooms/<room> or /rotate?teams=…",
            ) from None
        return page

    def approve(self, typed: str, name: str, page: str, by: str, address: str) -> Device:
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise Refused(400, "bad_name", f"name: 1 to {MAX_NAME} characters")
        self.check_page(page)
        # Every code evaluated counts, checked and counted in one step (a lock here, one
        # script in Redis): concurrent guesses never get more evaluations than the limit.
        wait = self.guesses.take(address) or self.all_guesses.take("*")
        if wait > 0:
            log.warning("pairing: guess refused from %s (rate limit)", address)
            raise Refused(429, "too_many_attempts", "too many attempts; try later", wait)
        code = codes.normalize(typed)
        device = Device(codes.new_id("d"), name, page, time.time(), by)
        if code is None or not self.store.approve(code, device, time.time()):
            log.warning("pairing: wrong, expired or used code from %s", address)
            # One answer for wrong, expired and used: nothing tells a guesser which.
            raise Refused(404, "invalid_code", "no screen waits with this code")
        log.info("pairing: %s approved screen %s (%s) for %s", by, device.id, name, page)
        return device

    def move(self, device_id: str, page: str) -> None:
        self.check_page(page)
        if self.store.move(device_id, page) is None:
            raise Refused(404, "unknown_screen", "no such paired screen")
        self.send(device_key(device_id), "move", page=page)

    def revoke(self, device_id: str) -> Device:
        device = self.store.revoke(device_id, time.time())
        if device is None:
            raise Refused(404, "unknown_screen", "no such paired screen")
        log.info("pairing: screen %s (%s) revoked", device.id, device.name)
        self.close_revoked(device_key(device_id))
        self.tell({"op": "revoke", "key": device_key(device_id)})
        return device

    def close_revoked(self, key: str) -> int:
        """Close this replica's sockets of a revoked screen."""
        screens = self.fleet.screens_of(key)
        for screen in screens:
            # The page sees 4403 and goes back to the pairing view (static/device.js).
            self.wall.hub.detach(screen, protocol.CLOSE_REVOKED, "revoked")
        return len(screens)

    def send(self, key: str, action: str, **fields: str) -> int:
        """Send a command to every live socket of one screen, on every replica; how many."""
        sent = self.send_here(key, action, fields)
        if self.tell({"op": "send", "key": key, "action": action, "fields": fields}):
            elsewhere = self.fleet_elsewhere().values()
            sent += sum(
                int(r.get("sockets") or 0)
                for rows in elsewhere
                for r in rows
                if r.get("key") == key
            )
        return sent

    def send_here(self, key: str, action: str, fields: dict[str, str]) -> int:
        screens = self.fleet.screens_of(key)
        if action == "move" and "page" in fields:
            self.fleet.moved(key, fields["page"])
        for screen in screens:
            self.wall.hub.command(screen, protocol.command(action, **fields))
        if action == "move" and "page" in fields:
            # A page that obeys leaves within milliseconds; one that does not is closed.
            closer = threading.Timer(
                MOVE_GRACE, self._close_out_of_scope, (screens, fields["page"])
            )
            closer.daemon = True
            closer.start()
        return len(screens)

    def _close_out_of_scope(self, screens: list[Screen], page: str) -> None:
        """The server, not the page, enforces a moved screen's scope: its sockets of teams
        the new page does not show close (4001: a page that missed the move reloads and the
        gate sends it to its new page), whether or not the page obeyed the command."""
        try:
            granted = scope.page_teams(page, self.wall.config.teams, self.wall.config.rooms)
        except ValueError:  # a page this wall no longer shows: nothing is allowed
            granted = frozenset()
        for screen in screens:
            if not scope.may_see(granted, frozenset(screen.teams)):
                self.wall.hub.detach(screen, protocol.CLOSE_TEAMS_CHANGED, "moved")

    # -- other replicas (state.ports.SharesFleet) ---------------------------------------------
    @property
    def replica_id(self) -> str | None:
        return self.shared.replica_id if self.shared is not None else None

    def tell(self, command: Command) -> bool:
        """Pass a command on to the other replicas; False when there are none (or no Redis)."""
        shared = self.shared
        if shared is None:
            return False
        try:
            shared.tell_replicas(command)
            return True
        except Exception as exc:  # the store's client errors; the local part is done
            log.warning("fleet: could not reach the other replicas: %s", exc)
            return False

    def fleet_elsewhere(self) -> dict[str, list[FleetRow]]:
        """The fleet rows other replicas published (empty without them, or without Redis)."""
        shared = self.shared
        if shared is None:
            return {}
        try:
            return shared.fleet_elsewhere()
        except Exception as exc:  # the store's client errors: this replica's own screens only
            log.warning("fleet: could not read the other replicas' screens: %s", exc)
            return {}
