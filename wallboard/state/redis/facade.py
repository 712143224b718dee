"""One replica's store: a small facade over the parts that share one Redis.

Parts (each its own object, none knows the Wall):
- ``lead`` (leadership.py): the lease and its fencing epoch; starts and stops collecting;
- ``writer`` (write.py): the leader's fenced writes of what changed;
- ``sync`` (sync.py): the followers' applies and resyncs;
- ``hooks`` (hooks.py): webhooks queued by any replica, applied once by the leader;
- ``devices``, ``fleet``, limiters (devices.py, fleet.py, limits.py): pairings, the
  screens of every replica, rate limits counted for all;
- ``health`` (health.py): Redis reachability and the notice every screen shows.
Threads (daemons): lease, lease-watch, follow, write, hooks, and the fleet's two once
joined. The lease has a client (a connection pool) of its own. A
stop wakes every blocking read (a message on this replica's wake channel; for the leader,
an entry on the webhook queue) and joins them together, so it takes milliseconds, not seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import redis

from wallboard.board.board import Board
from wallboard.state import image
from wallboard.state.ports import Command, FleetRow
from wallboard.state.redis import report
from wallboard.state.redis.config_hash import ConfigHash
from wallboard.state.redis.devices import RedisDeviceStore
from wallboard.state.redis.fleet import RedisFleet
from wallboard.state.redis.health import Health
from wallboard.state.redis.hooks import HookQueue
from wallboard.state.redis.keys import RAISE_FLOOR, Keys
from wallboard.state.redis.leadership import Collecting, Handover, Leadership
from wallboard.state.redis.limits import RedisLimiter
from wallboard.state.redis.sync import BoardSync, Link
from wallboard.state.redis.write import Writer

log = logging.getLogger(__name__)
# An API read waits this long at most for a follower to catch up (it returns as soon as the
# follower has applied the version; 0.5 s was too short for a follower starved of CPU on 2
# busy cores). Past it, the follower answers 503 with Retry-After rather than a version
# older than one a client may already have seen (which it did before, under load), and
# reads the whole board from Redis meanwhile.
SETTLE_TIMEOUT = 2.0
STOP_WITHIN = 2.0  # seconds for every thread together; they are woken, so it is never reached


class Replica:
    backend = "redis"
    starts_scheduler = False  # the lease decides

    def __init__(
        self,
        client: redis.Redis,
        lease_client: redis.Redis,
        keys: Keys,
        ttl: float,
        board: Board,
        sources: Callable[[], Mapping[str, object]],
        collecting: Collecting,
        apply_push: Callable[[str, str, Any], bool],
        nudge: Callable[[], None],
    ) -> None:
        self.client = client
        self.keys = keys
        self.id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self._stop = threading.Event()
        self.board = board
        self.health = Health(nudge, back=self._back)
        handover = Handover(
            took_over=self._took_over,
            stepped_down=self._stepped_down,
            renewed=self._renewed,
            cut_off=board.sweep,
        )
        config = ConfigHash(lambda: board.config)
        self.lead = Leadership(
            lease_client, keys, ttl, self.id, config, self.health, collecting, handover
        )
        link = Link(board, sources, client, keys, self.lead, self.health)
        self.sync = BoardSync(link)
        self.writer = Writer(link, self.sync, after_renewal=lambda: self.hooks.requeue())
        self.hooks = HookQueue(client, keys, self.lead, self.writer, apply_push)
        self.devices = RedisDeviceStore(client, keys.prefix)
        self.fleet = RedisFleet(client, keys, self.id, self._stop)
        self._limiters: dict[tuple[str, int, float], RedisLimiter] = {}
        self._threads = [
            threading.Thread(target=loop, args=(self._stop,), name=f"wallboard-replica-{name}")
            for name, loop in (
                ("lease", self.lead.loop),
                ("lease-watch", self.lead.watch),
                ("follow", self.sync.follow_loop),
                ("write", self.writer.loop),
                ("hooks", self.hooks.loop),
            )
        ]
        for thread in self._threads:
            thread.daemon = True

    # -- start (``open``) ----------------------------------------------------------------
    def load(self) -> None:
        """Before the first page: the shared board, or (Redis down) an empty one that says so."""
        try:
            self.sync.lineage()
            self.sync.resync()
        except redis.RedisError as exc:
            self.health.failed(exc)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def board_changed(self, version: int, teams: frozenset[str], layout: bool) -> None:
        if layout:  # a config reload swapped the config in: republished at the next lease tick
            self.lead.config_changed()
        self.writer.dirty.set()

    def collected(self) -> None:
        self.writer.dirty.set()

    # -- between the parts ---------------------------------------------------------------
    def _took_over(self) -> None:
        self.writer.restore()  # a step-down this promotion overtook: its unwritten changes go
        self.sync.took_over()  # the shared board and the sources' memory, before collecting
        self.writer.forget()
        self.hooks.requeue()  # what a paused or dead leader took goes back, first in line

    def _renewed(self) -> None:
        # Off the lease thread (the writer's does it): a renewal never waits on these calls.
        # A leader paused in its blocking move may still have taken one after the takeover.
        self.writer.renewal_due.set()
        self.writer.dirty.set()

    def _stepped_down(self, epoch: int) -> None:
        if self.lead.leader:
            return  # promoted again meanwhile: the takeover did all of this, for every epoch
        # What this board did alone (a webhook applied, a poll) is dropped before anything
        # else: its entries go back to the queue, and are applied again by a leader, once.
        self.writer.restore()
        self.sync.want_resync = True  # and whatever the shared board has since, read
        self.hooks.stepped_down(epoch)

    def _back(self) -> None:
        self.sync.want_resync = True  # Redis is back: read the board, and (leader) write it
        self.writer.dirty.set()

    def notice(self) -> str | None:
        # A follower's values date from its last apply; the leader's from the outage's start
        # (it stops collecting when its lease runs out, a few seconds later).
        at = self.sync.applied_at if not self.lead.leader else self.health.since
        return self.health.notice(at)

    # -- ports (state.ports) -------------------------------------------------------------
    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Before an API answer: this board is at least as new as any replica has shown.

        The leader writes what its board shows before answering (so Redis holds every
        version a client has seen anywhere); a follower waits, briefly, until it has
        applied the version in Redis, else raises ``ReplicaBehind`` and resyncs. With Redis
        away each replica answers from its board.
        """
        if self.health.unreachable is not None:
            return
        try:
            floor, shared = (
                int(v) if v is not None else 0
                for v in self.client.hmget(self.keys.meta, ["floor", "version"])
            )
            if self.lead.leader:
                if floor > self.board.version:
                    image.raise_version(self.board, floor)
                # Only a version Redis does not hold yet needs a write: most requests find
                # the writer thread already done, and skip comparing every panel again.
                if self.board.version > self.writer.written_version:
                    self.writer.flush()
                return
            if shared:
                self.sync.catch_up(shared, timeout)
            # A follower whose board counted further alone (its stale sweep) records the
            # version it is about to show as the floor first, so the leader's next answer is
            # not older (its sweep raises the floor too, but only after it has swept).
            if self.board.version > max(floor, shared):
                self.client.eval(RAISE_FLOOR, 1, self.keys.meta, self.board.version)
        except redis.RedisError as exc:
            self.health.failed(exc)

    def forward_hook(
        self, kind: str, source_id: str, payload: Any, dedup: str | None = None
    ) -> bool:
        return self.hooks.forward(kind, source_id, payload, dedup)

    def device_store(self) -> RedisDeviceStore:
        return self.devices

    def limiter(self, name: str, limit: int, window: float = 60.0) -> RedisLimiter:
        key = (name, limit, window)
        if key not in self._limiters:
            self._limiters[key] = RedisLimiter(self.client, self.keys, name, limit, window)
        return self._limiters[key]

    @property
    def replica_id(self) -> str:
        return self.id

    def join_fleet(
        self, rows: Callable[[], list[FleetRow]], apply: Callable[[Command], None]
    ) -> None:
        self.fleet.join_fleet(rows, apply)

    def fleet_elsewhere(self) -> dict[str, list[FleetRow]]:
        return self.fleet.fleet_elsewhere()

    def tell_replicas(self, command: Command) -> None:
        self.fleet.tell_replicas(command)

    def describe(self) -> dict[str, Any]:
        return report.describe(self.lead, self.sync, self.health)

    def metrics(self) -> list[tuple[str, str, str, float]]:
        return report.metrics(self.lead, self.sync, self.writer, self.health)

    # -- stop ----------------------------------------------------------------------------
    def close(self) -> None:
        """Last write, then hand the lease over at once (no waiting out the TTL)."""
        self._stop.set()
        self.writer.dirty.set()
        self.writer.flush()
        leading = self.lead.leader
        self.lead.release()
        wake = self.keys.wake(self.id)
        try:
            self.client.publish(wake, "stop")  # the follow and command loops' get_message
            if leading:
                self.hooks.wake_up()  # the hook loop's blocking move
        except redis.RedisError as exc:  # their reads time out within a second instead
            log.debug("replica: could not wake its threads: %s", exc)
        deadline = time.monotonic() + STOP_WITHIN
        for thread in [*self._threads, *self.fleet.threads]:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.fleet.leave()
        with contextlib.suppress(redis.RedisError):  # else one item nobody reads, left behind
            self.client.delete(wake)
        self.client.close()
        self.lead.client.close()
