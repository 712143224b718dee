"""Moving the board through Redis: the leader's fenced writes, the followers' applies and resyncs.

The leader writes only what changed since its last write (``state.image``: the
latest state and history of each changed panel, each source's visible state and
memory, and the deploy log when it changed) in one fenced script call that also
publishes the change with its sequence number. A follower applies each message in
order; a gap in sequence numbers, or a new connection, makes it read the whole
board instead (a resync). Two threads: ``follow`` (subscribed to the changes) and
``write`` (the leader's writes, at once after each change).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import redis

from wallboard.board.board import Board
from wallboard.state import image
from wallboard.state.redis.health import Health
from wallboard.state.redis.keys import RAISE_FLOOR, WRITE, Keys
from wallboard.state.redis.leadership import Leadership

log = logging.getLogger(__name__)
SETTLE_TIMEOUT = 0.5  # an API read waits this long at most for a follower to catch up


class StaleEpoch(Exception):
    """Redis refused a write: another replica took the lease with a newer epoch."""


class BoardSync:
    def __init__(
        self,
        board: Board,
        sources: Callable[[], Mapping[str, object]],
        client: redis.Redis,
        keys: Keys,
        lead: Leadership,
        health: Health,
    ) -> None:
        self.board = board
        self.sources = sources  # the running sources (a reload swaps them)
        self.client = client
        self.keys = keys
        self.lead = lead
        self.health = health
        self.wake = keys.wake(lead.id)  # published on stop: the follow loop looks up at once
        self.last_seq = 0
        self.resyncs = 0
        self.writes_refused = 0
        self.lag: float | None = None  # leader write -> apply here, seconds (last message)
        self.applied_at: float | None = None  # unix time of the last state taken from Redis
        self.written = image.Written()
        self.written_version = 0  # the version in Redis after this leader's last write
        self.want_resync = False
        self.dirty = threading.Event()
        self._write = client.register_script(WRITE)
        self._applied = threading.Condition()  # notified after each apply (wait_for_version)

    # -- follower ----------------------------------------------------------------------
    def lineage(self) -> None:
        """The shared board's id, part of every ETag: the same on every replica."""
        self.client.set(self.keys.lineage, secrets.token_hex(8), nx=True)
        self.board.lineage = str(self.client.get(self.keys.lineage))

    def resync(self) -> image.Saved:
        """Read the whole board from Redis and take it; returns what was read."""
        pipe = self.client.pipeline(transaction=True)
        pipe.hgetall(self.keys.meta)
        pipe.hgetall(self.keys.board)
        meta, fields = pipe.execute()
        saved = image.Saved(
            int(meta.get("version", 0)), deploys=image.decode(fields.pop("deploys", None))
        )
        memory: dict[str, Any] = {}
        for name, raw in fields.items():
            kind, _, ident = name.partition(":")
            if kind == "panel":
                saved.panels.append(json.loads(raw))
            elif kind == "source":
                saved.sources[ident] = json.loads(raw)
            elif kind == "memory":
                memory[ident] = json.loads(raw)
        for sid, data in memory.items():
            source = saved.sources.get(sid)
            saved.memory[sid] = (source.get("type") if isinstance(source, dict) else None, data)
        image.load(self.board, saved, "replicate")
        self.last_seq = int(meta.get("seq", 0))
        self.resyncs += 1
        self.applied_at = time.time()
        self._announce()
        return saved

    def on_message(self, data: str) -> bool:
        """Apply one published change; False when a gap means a resync is needed."""
        head, _, rest = data.partition("\n")
        seq = int(head)
        # The version comes from the script (it may skip past a replica's floor), not the body.
        raw_version, _, body = rest.partition("\n")
        if seq <= self.last_seq:
            return True  # already in the board (read by the resync that preceded it)
        if seq != self.last_seq + 1:
            log.warning("replica: missed changes %d..%d; resyncing", self.last_seq + 1, seq - 1)
            return False
        message = json.loads(body)
        saved = image.Saved(
            int(raw_version), message["panels"], message["sources"], deploys=message.get("deploys")
        )
        image.load(self.board, saved, "replicate")
        self.last_seq = seq
        self.applied_at = time.time()
        self.lag = max(0.0, self.applied_at - float(message["at"]))
        self._announce()
        return True

    def _announce(self) -> None:
        with self._applied:
            self._applied.notify_all()

    def wait_for_version(self, version: int, timeout: float) -> bool:
        """Block until this board is at ``version`` or later (False: not within ``timeout``)."""
        board = self.board
        with self._applied:
            return self._applied.wait_for(lambda: board.version >= version, timeout)

    def follow_loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            # redis-py types pubsub() loosely (no annotations on it).
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
            try:
                pubsub.subscribe(self.keys.channel, self.wake)
                self.lineage()  # Redis may have lost it (restarted without persistence)
                # This board may have counted further alone (its sweep while Redis was away, or
                # a Redis that lost its data): the shared line of versions skips past it.
                self.client.eval(RAISE_FLOOR, 1, self.keys.meta, self.board.version)
                self._resync()
                self.health.connected = True
                self.health.reachable()
                while not stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if self.want_resync:
                        self._resync()
                    if message is None or message["channel"] != self.keys.channel:
                        continue
                    if not self.lead.leader and not self.on_message(str(message["data"])):
                        self._resync()
            except redis.RedisError as exc:
                self.health.connected = False
                self.health.failed(exc)
                stop.wait(0.5)
            finally:
                pubsub.close()

    def _resync(self) -> None:
        self.want_resync = False
        if not self.lead.leader:
            self.resync()

    # -- what leadership hands over (leadership.Handover) ------------------------------
    def took_over(self) -> None:
        """Before collecting: the shared board and the sources' memory; then write it all."""
        saved = self.resync()
        image.import_memory(self.board, saved, self.sources())
        self.written.forget()  # the first write is the whole board: Redis may be empty
        self.written_version = 0

    def stepped_down(self) -> None:
        self.want_resync = True  # whatever it did alone is replaced by the shared board

    def renewed(self) -> None:
        # A replica back from an outage raised the floor: skip past it even if nothing
        # changes, so every replica's version (and ETag) agrees again.
        floor = self.client.hget(self.keys.meta, "floor")
        if floor is not None and int(floor) > self.written_version:
            image.raise_version(self.board, int(floor))
            self.dirty.set()

    def back(self) -> None:
        """Redis is reachable again: read the board, and (leader) write it in full."""
        self.want_resync = True
        self.dirty.set()

    # -- leader ------------------------------------------------------------------------
    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Before an API answer: this board is at least as new as any replica has shown.

        The leader writes what its board shows before answering (so Redis holds every
        version a client has seen anywhere); a follower waits, briefly, until it has
        applied the version in Redis. With Redis away each replica answers from its board.
        """
        if self.health.unreachable is not None:
            return
        try:
            if self.lead.leader:
                floor = self.client.hget(self.keys.meta, "floor")
                if floor is not None and int(floor) > self.board.version:
                    image.raise_version(self.board, int(floor))
                # Only a version Redis does not hold yet needs a write: most requests find
                # the writer thread already done, and skip comparing every panel again.
                if self.board.version > self.written_version:
                    self.flush()
                return
            shared = self.client.hget(self.keys.meta, "version")
        except redis.RedisError as exc:
            self.health.failed(exc)
            return
        if shared is not None and not self.wait_for_version(int(shared), timeout):
            log.warning("replica: board still behind version %s after %.1f s", shared, timeout)
            self.want_resync = True

    def write_loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.dirty.wait(1.0)
            self.dirty.clear()
            self.flush()

    def flush(self) -> None:
        lead = self.lead
        with lead.lock:
            if not lead.leader:
                return
            try:
                self.write(lead.epoch)
            except StaleEpoch as exc:
                self.writes_refused += 1
                log.warning("replica %s: late write refused by Redis: %s", lead.id, exc)
                lead.demote("a newer leader holds the lease")
            except redis.RedisError as exc:
                self.health.failed(exc)
                self.dirty.set()  # written in full once Redis is back

    def write(self, epoch: int) -> int | None:
        """Write what changed under ``epoch``; the new sequence number (None: nothing to do)."""
        diff = self.written.diff(self.board, self.sources())
        fields = {f"panel:{t}/{p}": json.dumps(data) for (t, p), data in diff.panels.items()}
        for sid, row in diff.sources.items():
            fields[f"source:{sid}"] = row.state
            fields[f"memory:{sid}"] = row.memory if row.memory is not None else "null"
        # The whole log (at most 20 per team), only when it changed: deploys are rare.
        if diff.deploys_changed:
            fields["deploys"] = diff.deploys_text
        if not fields and diff.version <= self.written_version:
            return None
        at = time.time()
        message = json.dumps(
            {
                "epoch": epoch,
                "at": at,
                "panels": list(diff.panels.values()),
                "sources": {sid: row.data for sid, row in diff.sources.items()},
                "deploys": diff.deploys if diff.deploys_changed else None,
            }
        )
        args: list[Any] = [epoch, diff.version, repr(at), self.keys.channel, message]
        for name, value in fields.items():
            args += [name, value]
        answer = self._write(keys=[self.keys.epoch, self.keys.meta, self.keys.board], args=args)
        if not isinstance(answer, list):
            raise StaleEpoch(f"epoch {epoch} is no longer current")
        seq, written = int(answer[0]), int(answer[1])
        # Redis may have skipped ahead (a replica's floor): this board follows, so it never
        # shows a version that another replica already passed.
        image.raise_version(self.board, written)
        self.written_version = written
        self.written.wrote(diff)
        self.last_seq = seq
        return seq
