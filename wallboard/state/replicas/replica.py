"""One replica's part: hold or wait for the collection lease, follow the board, forward webhooks.

Threads (all daemons, stopped by :meth:`Replica.close`):
- lease: every ``ttl/3`` renew the lease (leader) or try ``SET NX PX`` (follower whose
  config hash agrees with the leader's); publish this replica's config hash (the
  file's, recomputed after each successful reload);
- follow: subscribe to changes, resync on connect and on a sequence gap;
- write (leader): write each board change at once, fenced by the epoch;
- hooks (leader): apply webhooks queued in Redis by any replica, each exactly once.
While Redis is unreachable every replica keeps its board, runs the stale sweep
locally and shows the notice; the leader stops collecting once its lease has
run out unrenewed, so there is never more than one poller.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

import redis

from collectors.base import Memory
from wallboard.state.replicas import report
from wallboard.state.replicas.config_hash import ConfigHash
from wallboard.state.replicas.devices_redis import RedisDeviceStore
from wallboard.state.replicas.devices_share import SharesDevicesInRedis
from wallboard.state.replicas.fleet_redis import RedisFleet
from wallboard.state.replicas.hooks import HookQueue
from wallboard.state.replicas.keys import NEXT_EPOCH, RAISE_FLOOR, RELEASE, RENEW, Keys
from wallboard.state.replicas.sync import BoardSync, StaleEpoch

if TYPE_CHECKING:
    from wallboard.wall import Wall

log = logging.getLogger(__name__)
SETTLE_TIMEOUT = 0.5  # an API read waits this long at most for a follower to catch up


class Replica(SharesDevicesInRedis):
    backend = "redis"
    starts_scheduler = False  # the lease decides

    def __init__(self, wall: Wall, client: redis.Redis, keys: Keys, ttl: float) -> None:
        self.wall = wall
        self.client = client
        self.keys = keys
        self.ttl = ttl
        self.id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self._config = ConfigHash(wall)
        self.config_hash = self._config.value
        self._stop = threading.Event()
        self.sync = BoardSync(wall, client, keys)
        self.hooks = HookQueue(wall, client, keys, self._stop, lambda: self.leader)
        # Pairings and the fleet of screens, shared by the replicas (devices_share.py).
        self.devices = RedisDeviceStore(client, keys.prefix)
        self.fleet = RedisFleet(client, keys, self.id, self._stop)
        self.leader = False
        self.epoch = 0
        self.takeovers = 0
        self.redis_errors = 0
        self.writes_refused = 0
        self.mismatch: str | None = None  # why this replica may not take the lease
        self.unreachable: str | None = None  # the Redis error, while it lasts
        self._unreachable_at = 0.0
        self._lease_until = 0.0
        self._connected = False
        self._want_resync = False
        self._dirty = threading.Event()
        self._lock = threading.RLock()  # promotion, demotion and writes, one at a time
        self._threads = [
            threading.Thread(target=loop, name=f"wallboard-replica-{name}", daemon=True)
            for name, loop in (
                ("lease", self._lease_loop),
                ("follow", self._follow_loop),
                ("write", self._write_loop),
                ("hooks", self.hooks.loop),
            )
        ]

    # -- start ---------------------------------------------------------------------------
    def load(self) -> None:
        """Before the first page: the shared board, or (Redis down) an empty one that says so."""
        try:
            self._lineage()
            self.sync.resync()
        except redis.RedisError as exc:
            self._failed(exc)
        self.wall.board.changed.connect(self._on_board_change)
        self.wall.poller.collected.connect(lambda sid, seconds, error: self._dirty.set())
        self.wall.hub.notices.connect(self.notice)
        for thread in self._threads:
            thread.start()

    def _on_board_change(self, version: int, teams: frozenset[str], layout: bool) -> None:
        if layout:  # a config reload swapped the config in: republished at the next lease tick
            self.config_hash = self._config.refresh()
        self._dirty.set()

    def _lineage(self) -> None:
        """The shared board's id, part of every ETag: the same on every replica."""
        self.client.set(self.keys.lineage, secrets.token_hex(8), nx=True)
        self.wall.board.lineage = str(self.client.get(self.keys.lineage))

    # -- lease ---------------------------------------------------------------------------
    def _lease_loop(self) -> None:
        period = self.ttl / 3
        wait = 0.0  # the first look at once: a lone replica collects from its first second
        while not self._stop.wait(wait):
            wait = period
            try:
                self._lease_step()
                if self._connected:
                    self._reachable()
            except redis.RedisError as exc:
                self._failed(exc)
                if self.leader and time.monotonic() > self._lease_until:
                    self._demote("lease ran out while Redis was unreachable")
                self.wall.board.sweep()  # nobody else will tell this board it is getting old
                self._stop.wait(min(period, 1.0))

    def _lease_step(self) -> None:
        ttl_ms = int(self.ttl * 1000)
        self.client.set(self.keys.config_of(self.id), self.config_hash, px=ttl_ms * 3)
        if self.leader:
            if self.client.eval(RENEW, 1, self.keys.lease, self.id, ttl_ms):
                self._lease_until = time.monotonic() + self.ttl
                self.client.set(self.keys.leader_config, self.config_hash, px=ttl_ms * 3)
                # A replica back from an outage raised the floor: skip past it even if
                # nothing changes, so every replica's version (and ETag) agrees again.
                floor = self.client.hget(self.keys.meta, "floor")
                if floor is not None and int(floor) > self.sync.written_version:
                    self.wall.board.raise_version(int(floor))
                    self._dirty.set()
            else:
                self._demote("lease taken by another replica")
            return
        theirs = self.client.get(self.keys.leader_config)
        theirs = None if theirs is None else str(theirs)
        if theirs is not None and theirs != self.config_hash:
            if self.mismatch is None:
                log.error("replica: config differs from the leader's; never taking the lease")
            self.mismatch = f"config hash {self.config_hash} differs from the leader's {theirs}"
            return
        self.mismatch = None
        if self.wall.poller.paused and self.client.set(
            self.keys.lease, self.id, nx=True, px=ttl_ms
        ):
            self._promote()

    def _promote(self) -> None:
        with self._lock:
            floor = int(time.time() * 1000)
            self.epoch = int(self.client.eval(NEXT_EPOCH, 1, self.keys.epoch, floor))
            self._lease_until = time.monotonic() + self.ttl
            memory = self.sync.resync()
            for sid, data in memory.items():
                source = self.wall.sources.get(sid)
                if isinstance(source, Memory) and isinstance(data, dict):
                    source.import_memory(data)
            self.sync.forget_written()  # the first write is the whole board: Redis may be empty
            self.client.set(self.keys.leader_config, self.config_hash, px=int(self.ttl * 3000))
            self.leader = True
            self.takeovers += 1
            self.wall.poller.resume()  # every source due now
        log.info("replica %s took the collection lease (epoch %d)", self.id, self.epoch)

    def _demote(self, why: str) -> None:
        with self._lock:
            if not self.leader:
                return
            # Said before the role flips: whoever sees "follower" in /readyz finds the reason
            # already in the log.
            log.warning("replica %s stopped collecting (epoch %d): %s", self.id, self.epoch, why)
            self.leader = False
            self.wall.poller.pause()
            self._want_resync = True  # whatever it did alone is replaced by the shared board

    # -- follow --------------------------------------------------------------------------
    def _follow_loop(self) -> None:
        while not self._stop.is_set():
            # redis-py types pubsub() loosely (no annotations on it).
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
            try:
                pubsub.subscribe(self.keys.channel)
                self._lineage()  # Redis may have lost it (restarted without persistence)
                # This board may have counted further alone (its sweep while Redis was away, or
                # a Redis that lost its data): the shared line of versions skips past it.
                self.client.eval(RAISE_FLOOR, 1, self.keys.meta, self.wall.board.version)
                self._resync()
                self._connected = True
                self._reachable()
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if self._want_resync:
                        self._resync()
                    if message is None or self.leader:
                        continue
                    if not self.sync.on_message(str(message["data"])):
                        self._resync()
            except redis.RedisError as exc:
                self._connected = False
                self._failed(exc)
                self._stop.wait(0.5)
            finally:
                pubsub.close()

    def _resync(self) -> None:
        self._want_resync = False
        if not self.leader:
            self.sync.resync()

    # -- reads in order ------------------------------------------------------------------
    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Before an API answer: this board is at least as new as any replica has shown.

        The leader writes what its board shows before answering (so Redis holds every
        version a client has seen anywhere); a follower waits, briefly, until it has
        applied the version in Redis. With Redis away each replica answers from its board.
        """
        if self.unreachable is not None:
            return
        try:
            if self.leader:
                floor = self.client.hget(self.keys.meta, "floor")
                if floor is not None and int(floor) > self.wall.board.version:
                    self.wall.board.raise_version(int(floor))
                # Only a version Redis does not hold yet needs a write: most requests find
                # the writer thread already done, and skip comparing every panel again.
                if self.wall.board.version > self.sync.written_version:
                    self.flush()
                return
            shared = self.client.hget(self.keys.meta, "version")
        except redis.RedisError as exc:
            self._failed(exc)
            return
        if shared is not None and not self.sync.wait_for_version(int(shared), timeout):
            log.warning("replica: board still behind version %s after %.1f s", shared, timeout)
            self._want_resync = True

    # -- write ---------------------------------------------------------------------------
    def _write_loop(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait(1.0)
            self._dirty.clear()
            self.flush()

    def flush(self) -> None:
        with self._lock:
            if not self.leader:
                return
            try:
                self.sync.write(self.epoch)
            except StaleEpoch as exc:
                self.writes_refused += 1
                log.warning("replica %s: late write refused by Redis: %s", self.id, exc)
                self._demote("a newer leader holds the lease")
            except redis.RedisError as exc:
                self._failed(exc)
                self._dirty.set()  # written in full once Redis is back

    # -- reachability --------------------------------------------------------------------
    def _failed(self, exc: Exception) -> None:
        self.redis_errors += 1
        if self.unreachable is None:
            self._unreachable_at = time.time()
            log.error("replica: Redis unreachable: %s", exc)
            self.unreachable = f"state store (Redis) unreachable: {exc}"
            self.wall.hub.nudge()

    def _reachable(self) -> None:
        if self.unreachable is not None:
            log.info("replica: Redis reachable again")
            self.unreachable = None
            self._want_resync = True
            self._dirty.set()
            self.wall.hub.nudge()

    def notice(self) -> str | None:
        if self.unreachable is None:
            return None
        # A follower's values date from its last apply; the leader's from the outage's start
        # (it stops collecting when its lease runs out, a few seconds later).
        at = self.sync.applied_at if not self.leader else self._unreachable_at
        when = time.strftime("%H:%M", time.localtime(at)) if at else "start"
        return f"state store unreachable — values as of {when}"

    # -- reports (report.py) ----------------------------------------------------------
    def forward_hook(
        self, kind: str, source_id: str, payload: Any, dedup: str | None = None
    ) -> bool:
        """Queue a verified webhook for the leader (state.shared_hooks.SharesHooks)."""
        return self.hooks.forward(kind, source_id, payload, dedup)

    def describe(self) -> dict[str, Any]:
        return report.describe(self)

    def metrics(self) -> list[tuple[str, str, str, float]]:
        return report.metrics(self)

    # -- stop ----------------------------------------------------------------------------
    def close(self) -> None:
        """Last write, then hand the lease over at once (no waiting out the TTL)."""
        self._stop.set()
        self._dirty.set()
        self.flush()
        try:
            if self.leader:
                self.client.eval(RELEASE, 1, self.keys.lease, self.id)
        except redis.RedisError as exc:
            log.warning("replica: could not release the lease: %s", exc)
        for thread in self._threads:
            thread.join(2)
        self.fleet.leave()
        self.client.close()
