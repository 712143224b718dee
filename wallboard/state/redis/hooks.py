"""Webhooks on any replica, applied once by the leader: durable in Redis before the 2xx.

A replica that accepts a webhook (token or signature checked, body parsed) queues
it in Redis with a marker keyed by a digest of (kind, source, body) in one script:
a sender's retry of the same body is a duplicate and is not queued again. The
leader pops entries and applies them as the single-process wall would; the change
then reaches every replica's screens through the normal replication.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import redis

from wallboard.state.redis.keys import ENQUEUE_HOOK, Keys

log = logging.getLogger(__name__)
DEDUP_SECONDS = 24 * 3600  # senders retry for minutes to hours, never for a day


class HookQueue:
    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        wake: str,
        leading: threading.Event,
        apply: Callable[[str, str, Any], bool],
    ) -> None:
        self.client = client
        self.keys = keys
        self.wake = wake  # a list pushed on stop: the blocking pop returns at once
        self._leading = leading  # only the leader applies; the lease decides who that is
        # How each kind is applied (the routes registered it; given by ``open``): no import
        # of the routes from here. False for a kind nobody registered.
        self._apply_push = apply
        self._enqueue = client.register_script(ENQUEUE_HOOK)
        self.applied = 0
        self.duplicates = 0

    def forward(self, kind: str, source_id: str, payload: Any, dedup: str | None = None) -> bool:
        """Queue a webhook durably; False when it is a duplicate. Raises RedisError.

        ``dedup`` names what makes two pushes the same when the payload cannot (a deploy
        stamped with its arrival time is the same deploy when team and version match)."""
        body = (
            dedup
            if dedup is not None
            else json.dumps(payload, sort_keys=True, separators=(",", ":"))
        )
        digest = hashlib.sha256(f"{kind}\n{source_id}\n{body}".encode()).hexdigest()
        entry = json.dumps({"kind": kind, "source": source_id, "payload": payload})
        queued = bool(
            self._enqueue(
                keys=[self.keys.hook_seen(digest), self.keys.hooks], args=[DEDUP_SECONDS, entry]
            )
        )
        if not queued:
            self.duplicates += 1
        return queued

    def loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            # Wakes the moment this replica takes the lease; looks at ``stop`` every 50 ms
            # meanwhile, so a follower's close never waits for it.
            if not self._leading.wait(0.05):
                continue
            try:
                popped = self.client.blpop([self.keys.hooks, self.wake], timeout=1)
            except redis.RedisError:
                stop.wait(0.5)  # the lease loop reports it
                continue
            if popped is None or popped[0] == self.wake:
                continue
            self._apply(json.loads(popped[1]))

    def _apply(self, entry: dict[str, Any]) -> None:
        kind = str(entry.get("kind"))
        try:
            if not self._apply_push(kind, str(entry["source"]), entry["payload"]):
                log.error("replica: unknown queued webhook kind %r dropped", entry.get("kind"))
                return
            self.applied += 1
        except Exception:  # one bad entry must not stop the queue
            log.exception("replica: a queued %s webhook could not be applied", entry.get("kind"))
