"""Webhooks on any replica, applied once by the leader: durable in Redis before the 2xx.

A replica that accepts a webhook (token or signature checked, body parsed) queues
it in Redis, unless a marker keyed by a digest of (kind, source, body) says it was
already applied. The leader moves each entry into its epoch's taken list (``BLMOVE``,
Redis's reliable-queue pattern), applies it to its board, and acknowledges it in the
fenced write of that change (``keys.WRITE``: removed from the taken list, marked
applied). A leader whose write is refused (paused, cut off) or that dies leaves its
entries taken; the next leader puts them back at the head of the queue when it takes
the lease and at each renewal (``keys.REQUEUE_HOOKS``). At least once, applied once:
a copy whose digest is marked (or pending here) is acknowledged without applying it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import redis

from wallboard.state import codec
from wallboard.state.redis.keys import ENQUEUE_HOOK, REQUEUE_HOOKS, Keys
from wallboard.state.redis.leadership import Leadership, call_timeout
from wallboard.state.redis.write import Writer

log = logging.getLogger(__name__)


class HookQueue:
    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        lead: Leadership,
        writer: Writer,
        apply: Callable[[str, str, Any], bool],
    ) -> None:
        self.client = client
        self.keys = keys
        self.lead = lead  # only the leader applies; the lease decides who that is
        self.writer = writer  # its fenced write acknowledges what was applied
        # How each kind is applied (the routes registered it; given by ``open``): no import
        # of the routes from here. False for a kind nobody registered.
        self._apply_push = apply
        self._enqueue = client.register_script(ENQUEUE_HOOK)
        self._requeue = client.register_script(REQUEUE_HOOKS)
        self.applied = 0
        self.duplicates = 0
        self.requeued = 0
        self._owed: int | None = None  # an epoch whose taken entries go back (stepped_down)
        # The blocking move waits half a call's timeout: Redis answers (nil) before the
        # socket gives up, so an empty queue is never taken for an unreachable Redis.
        self.block = call_timeout(lead.ttl) / 2

    def forward(self, kind: str, source_id: str, payload: Any, dedup: str | None = None) -> bool:
        """Queue a webhook durably; False when it was already applied. Raises RedisError.

        ``dedup`` names what makes two pushes the same when the payload cannot (a deploy
        stamped with its arrival time is the same deploy when team and version match)."""
        body = (
            dedup
            if dedup is not None
            else codec.dumps(payload, sort_keys=True, separators=(",", ":"))
        )
        digest = hashlib.sha256(f"{kind}\n{source_id}\n{body}".encode()).hexdigest()
        entry = codec.dumps({"kind": kind, "source": source_id, "payload": payload, "id": digest})
        queued = bool(
            self._enqueue(keys=[self.keys.hook_seen(digest), self.keys.hooks], args=[entry])
        )
        if not queued:
            self.duplicates += 1
        return queued

    def requeue(self) -> None:
        """Leader only: what earlier leaders took and never acknowledged goes back."""
        epoch = self.lead.epoch
        moved = int(
            self._requeue(
                keys=[self.keys.epoch, self.keys.hooks_taken_index, self.keys.hooks],
                args=[epoch, self.keys.hooks_taken(epoch)],
            )
        )
        if moved > 0:
            self.requeued += moved
            log.warning("replica: %d webhook(s) an earlier leader took are queued again", moved)

    def stepped_down(self, epoch: int) -> None:
        """What this leader took under ``epoch`` and never wrote goes back to the queue (by
        the hook thread: demoting never waits on Redis). No write of that epoch can happen
        any more, so every entry still taken is unapplied. The next leader does it too,
        unless Redis lost the index of taken lists with its data."""
        self.writer.acks.clear()
        self._owed = epoch

    def _give_back(self, epoch: int) -> None:
        taken = self.keys.hooks_taken(epoch)
        moved = 0
        while self.client.lmove(taken, self.keys.hooks, "RIGHT", "LEFT") is not None:
            moved += 1
        if moved:
            self.requeued += moved
            log.warning("replica: %d webhook(s) it had not written are queued again", moved)

    def wake_up(self) -> None:
        """On stop: an entry that ends this leader's blocking move at once (anyone drops it)."""
        self.client.lpush(self.keys.hooks, codec.dumps({"wake": self.lead.id}))

    def loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            owed = self._owed
            if owed is not None:
                try:
                    self._give_back(owed)
                    if self._owed == owed:  # unless it stepped down again meanwhile
                        self._owed = None
                except redis.RedisError:
                    stop.wait(0.5)  # the lease loop reports it
                    continue
            # Wakes the moment this replica takes the lease; looks at ``stop`` every 50 ms
            # meanwhile, so a follower's close never waits for it.
            if not self.lead.leading.wait(0.05):
                continue
            epoch = self.lead.epoch
            taken = self.keys.hooks_taken(epoch)
            try:
                # Redis takes a decimal timeout (6.0+); redis-py's stub says int.
                block: Any = self.block
                raw = self.client.blmove(self.keys.hooks, taken, block, "LEFT", "RIGHT")
                if raw is not None:
                    self._take(str(raw), taken, epoch)
            except redis.RedisError:
                stop.wait(0.5)  # the lease loop reports it; what was taken stays taken

    def _take(self, raw: str, taken: str, epoch: int) -> None:
        try:
            entry = json.loads(raw)
        except ValueError:
            entry = None
        if not isinstance(entry, dict) or "wake" in entry:
            self.client.lrem(taken, 1, raw)
            if entry is None:
                log.error("replica: a queued webhook that is not JSON was dropped")
            return
        digest = str(entry.get("id") or hashlib.sha256(raw.encode()).hexdigest())
        lead = self.lead
        with lead.lock:
            if not lead.leader or lead.epoch != epoch:
                # Taken by a read begun under an earlier epoch: back to the head of the queue
                # (the next leader would do it too, unless Redis lost the list's index).
                self.client.lmove(taken, self.keys.hooks, "RIGHT", "LEFT")
                return
            if digest in self.writer.acks or self.client.exists(self.keys.hook_seen(digest)):
                self.client.lrem(taken, 1, raw)  # a retry of one applied already
                self.duplicates += 1
                return
            if not self._apply(entry):
                self.client.lrem(taken, 1, raw)
                return
            self.writer.acknowledge(digest, raw)
            self.writer.flush()  # the change and its acknowledgement, at once

    def _apply(self, entry: dict[str, Any]) -> bool:
        kind = str(entry.get("kind"))
        try:
            if not self._apply_push(kind, str(entry["source"]), entry["payload"]):
                log.error("replica: unknown queued webhook kind %r dropped", entry.get("kind"))
                return False
            self.applied += 1
            return True
        except Exception:  # one bad entry must not stop the queue
            log.exception("replica: a queued %s webhook could not be applied", entry.get("kind"))
            return False
