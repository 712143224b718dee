"""The fleet across replicas: each publishes its live screens, and takes commands for them.

A screen's websocket lives on one replica; the fleet view, commands and revocations
may come through any. So:
- every ``PUBLISH_EVERY`` seconds each replica writes its fleet rows to
  ``<prefix>:fleet:<replica>`` with an expiry of ``FLEET_TTL`` (indexed in the sorted
  set ``<prefix>:fleet-replicas`` by expiry): a replica that dies drops out of every
  fleet view once its key expires, and its screens reappear where they reconnect;
- commands (reload, move, identify) and revocations are published on the channel
  ``<prefix>:screens``; every replica applies them to the sockets it holds.
Pub/sub delivers at most once: a replica cut off from Redis at that moment misses a
revocation, so the devices code also checks its own paired sockets against the store
at every publish (devices.service).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

import redis

from wallboard.state import codec
from wallboard.state.ports import Command, FleetRow
from wallboard.state.redis.keys import Keys

log = logging.getLogger(__name__)
PUBLISH_EVERY = 2.0
FLEET_TTL = 10.0  # five missed publishes: the replica is gone

# KEYS: index; ARGV: now (unix ms), key prefix of the fleets. [replica, rows JSON, ...]
READ_FLEET = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local rows = redis.call('GET', ARGV[2] .. id)
  if rows then table.insert(out, id); table.insert(out, rows) end
end
return out
"""


class RedisFleet:
    def __init__(
        self, client: redis.Redis, keys: Keys, replica_id: str, stop: threading.Event
    ) -> None:
        self.client = client
        self.keys = keys
        self._id = replica_id
        self._stop = stop
        self._wake = keys.wake(replica_id)  # published on stop: the command loop looks up
        self._read = client.register_script(READ_FLEET)
        self._threads: list[threading.Thread] = []
        self.commands_applied = 0

    @property
    def replica_id(self) -> str:
        return self._id

    def join_fleet(
        self, rows: Callable[[], list[FleetRow]], apply: Callable[[Command], None]
    ) -> None:
        if self._threads:
            return  # one set of threads per replica
        self._threads = [
            threading.Thread(target=loop, args=(fn,), name=name, daemon=True)
            for name, loop, fn in (
                ("wallboard-fleet-publish", self._publish_loop, rows),
                ("wallboard-fleet-commands", self._command_loop, apply),
            )
        ]
        for thread in self._threads:
            thread.start()

    # -- publish -------------------------------------------------------------------------
    def _publish_loop(self, rows: Callable[[], list[FleetRow]]) -> None:
        while not self._stop.is_set():
            try:
                self.publish(rows())
            except redis.RedisError as exc:
                log.debug("fleet: could not publish this replica's screens: %s", exc)
            except Exception:  # a bad row must not end the loop
                log.exception("fleet: publishing this replica's screens failed")
            self._stop.wait(PUBLISH_EVERY)

    def publish(self, rows: list[FleetRow]) -> None:
        ttl_ms = int(FLEET_TTL * 1000)
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self.keys.fleet_of(self._id), codec.dumps(rows), px=ttl_ms)
        pipe.zadd(self.keys.fleet_index, {self._id: int(time.time() * 1000) + ttl_ms})
        pipe.execute()

    def fleet_elsewhere(self) -> dict[str, list[FleetRow]]:
        flat = self._read(
            keys=[self.keys.fleet_index],
            args=[int(time.time() * 1000), self.keys.fleet_of("")],
        )
        found: dict[str, list[FleetRow]] = {}
        for replica, raw in zip(flat[::2], flat[1::2], strict=True):
            if replica != self._id:
                rows = json.loads(raw)
                found[str(replica)] = [r for r in rows if isinstance(r, dict)]
        return found

    # -- commands ------------------------------------------------------------------------
    def tell_replicas(self, command: Command) -> None:
        self.client.publish(self.keys.screens_channel, codec.dumps({**command, "from": self._id}))

    def _command_loop(self, apply: Callable[[Command], None]) -> None:
        while not self._stop.is_set():
            # redis-py types pubsub() loosely (no annotations on it).
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
            try:
                pubsub.subscribe(self.keys.screens_channel, self._wake)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message is None or message["channel"] != self.keys.screens_channel:
                        continue
                    command = json.loads(str(message["data"]))
                    if isinstance(command, dict) and command.get("from") != self._id:
                        self._apply(apply, command)
            except redis.RedisError as exc:
                log.debug("fleet: command channel lost: %s", exc)
                self._stop.wait(0.5)
            finally:
                pubsub.close()

    def _apply(self, apply: Callable[[Command], None], command: Command) -> None:
        try:
            apply(command)
            self.commands_applied += 1
        except Exception:  # one bad command must not end the loop
            log.exception("fleet: a command from replica %s failed", command.get("from"))

    @property
    def threads(self) -> list[threading.Thread]:
        return list(self._threads)

    def leave(self) -> None:
        """On a graceful stop (threads stopped): out of every fleet view now, not at expiry."""
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.delete(self.keys.fleet_of(self._id))
            pipe.zrem(self.keys.fleet_index, self._id)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("fleet: could not withdraw this replica's screens: %s", exc)
