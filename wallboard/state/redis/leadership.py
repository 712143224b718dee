"""Who collects: the lease (``SET NX PX``, renewed every ``ttl/3``) and its fencing epoch.

A follower whose config hash agrees with the leader's takes a free lease, gets a
new epoch (never below the clock) and starts collecting; a leader that cannot
renew (taken, or Redis away past the TTL) stops at once. Every replica publishes
the hash of its config file, recomputed after each successful reload.

On time, whatever the network does: the lease has its own connection pool (a
renewal never queues behind a write or a pop), every Redis call ends within
:func:`call_timeout` (under ``ttl/3``), and a watch thread stops collecting the
moment the lease, counted from when its last successful renewal was *sent*, runs
out, even while a call still hangs on a blackholed link.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from wallboard.state.redis.config_hash import ConfigHash
from wallboard.state.redis.health import Health
from wallboard.state.redis.keys import NEXT_EPOCH, RELEASE, RENEW, Keys

log = logging.getLogger(__name__)


def call_timeout(ttl: float) -> float:
    """Every Redis call's socket timeout: a quarter of the lease TTL, at most 2 s."""
    return min(2.0, ttl / 4)


@dataclass(frozen=True)
class Collecting:
    """What leadership does to this process's collection (given by ``open``)."""

    running: Callable[[], bool]
    start: Callable[[], None]  # every source due now
    stop: Callable[[], None]


@dataclass(frozen=True)
class Handover:
    """What the board sync does when the role changes (given by the facade)."""

    took_over: Callable[[], None]  # before collecting: the shared board, source memory
    stepped_down: Callable[[int], None]  # what this board did alone (that epoch) is dropped
    renewed: Callable[[], None]  # each renewal: catch up with the shared line of versions
    cut_off: Callable[[], object]  # Redis away: nobody else tells this board it gets old


class Leadership:
    def __init__(
        self,
        client: redis.Redis,  # the lease's own pool
        keys: Keys,
        ttl: float,
        replica_id: str,
        config: ConfigHash,
        health: Health,
        collecting: Collecting,
        handover: Handover,
    ) -> None:
        self.client = client
        self.keys = keys
        self.ttl = ttl
        self.id = replica_id
        self.config = config
        self.config_hash = config.value
        self.health = health
        self.collecting = collecting
        self.handover = handover
        # Set while this replica holds the lease: the webhook loop waits on it, so a new
        # leader applies what was queued during the handover at once, not at its next look.
        self.leading = threading.Event()
        self.epoch = 0
        self.takeovers = 0
        self.mismatch: str | None = None  # why this replica may not take the lease
        self.lock = threading.RLock()  # promotion, demotion and writes, one at a time
        self._role = threading.Lock()  # the flip itself: held for no Redis call, ever
        # Monotonic end of the lease here: when the last successful renewal was sent, plus
        # nine tenths of the TTL. Redis started its own TTL later (on receipt): this leader
        # has stopped polling before a successor can take the lease.
        self._until = 0.0
        self._hold = ttl * 0.9

    def config_changed(self) -> None:
        """A reload swapped the config in: its hash is published at the next tick."""
        self.config_hash = self.config.refresh()

    def loop(self, stop: threading.Event) -> None:
        period = self.ttl / 3
        wait = 0.0  # the first look at once: a lone replica collects from its first second
        while not stop.wait(wait):
            wait = period
            try:
                self._step()
                if self.health.connected:
                    self.health.reachable()
            except redis.RedisError as exc:
                self.health.failed(exc)
                self.handover.cut_off()
                if not self.leader:  # a leader tries again at its next period: its lease runs
                    stop.wait(min(period, 1.0))

    def watch(self, stop: threading.Event) -> None:
        """Stop collecting when the lease runs out unrenewed, whatever the lease loop waits on."""
        period = self.ttl / 3
        while not stop.is_set():
            if not self.leader:
                # A stop wakes it at once; a promotion is seen within 0.1 s, long before its
                # lease (most of a TTL ahead) can run out.
                stop.wait(0.1)
                continue
            left = self._until - time.monotonic()
            if left <= 0:
                self.demote("lease ran out unrenewed (Redis unreachable or too slow)")
                continue
            stop.wait(min(left, period))

    def _step(self) -> None:
        ttl_ms = int(self.ttl * 1000)
        if self.leader:  # the renewal first: nothing else this step does may delay it
            sent = time.monotonic()
            if self.client.eval(RENEW, 1, self.keys.lease, self.id, ttl_ms):
                self._until = sent + self._hold
                self.handover.renewed()
                self.client.set(self.keys.leader_config, self.config_hash, px=ttl_ms * 3)
                self.client.set(self.keys.config_of(self.id), self.config_hash, px=ttl_ms * 3)
            else:
                self.demote("lease taken by another replica")
            return
        self.client.set(self.keys.config_of(self.id), self.config_hash, px=ttl_ms * 3)
        theirs = self.client.get(self.keys.leader_config)
        theirs = None if theirs is None else str(theirs)
        if theirs is not None and theirs != self.config_hash:
            if self.mismatch is None:
                log.error("replica: config differs from the leader's; never taking the lease")
            self.mismatch = f"config hash {self.config_hash} differs from the leader's {theirs}"
            return
        self.mismatch = None
        sent = time.monotonic()
        if not self.collecting.running() and self.client.set(
            self.keys.lease, self.id, nx=True, px=ttl_ms
        ):
            self._promote(sent)

    @property
    def leader(self) -> bool:
        return self.leading.is_set()

    def _promote(self, sent: float) -> None:
        with self.lock:
            floor = int(time.time() * 1000)
            self.epoch = int(self.client.eval(NEXT_EPOCH, 1, self.keys.epoch, floor))
            self._until = sent + self._hold
            self.handover.took_over()
            self.client.set(self.keys.leader_config, self.config_hash, px=int(self.ttl * 3000))
            with self._role:
                self.leading.set()
            self.takeovers += 1
            self.collecting.start()
        log.info("replica %s took the collection lease (epoch %d)", self.id, self.epoch)

    def demote(self, why: str) -> None:
        # Collection stops before anything that may wait (a write holding ``lock`` on a
        # hung link): the lease is what allows polling, not the writes.
        with self._role:
            if not self.leader:
                return
            # Said before the role flips: whoever sees "follower" in /readyz finds the reason
            # already in the log.
            log.warning("replica %s stopped collecting (epoch %d): %s", self.id, self.epoch, why)
            self.leading.clear()
            self.collecting.stop()
            epoch = self.epoch
        with self.lock:
            self.handover.stepped_down(epoch)

    def release(self) -> None:
        """Hand the lease over at once (a graceful stop: no waiting out the TTL)."""
        try:
            if self.leader:
                self.client.eval(RELEASE, 1, self.keys.lease, self.id)
        except redis.RedisError as exc:
            log.warning("replica: could not release the lease: %s", exc)
