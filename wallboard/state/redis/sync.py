"""The board from Redis on a follower: applies in sequence order, and resyncs.

A follower applies each change the leader published (``write.py``) in order; a
gap in sequence numbers, or a new connection, makes it read the whole board
instead (a resync), through ``state.image`` like the SQLite store's load. Its
thread, ``follow``, stays subscribed to the changes.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

from wallboard.board.board import Board
from wallboard.state import image
from wallboard.state.ports import ReplicaBehind
from wallboard.state.redis.health import Health
from wallboard.state.redis.keys import RAISE_FLOOR, Keys
from wallboard.state.redis.leadership import Leadership

log = logging.getLogger(__name__)
LOOK_EVERY = 1.0  # seconds between a follower's own checks (reset store, stale rule)


@dataclass(frozen=True)
class Link:
    """What the follower and the writer both work with."""

    board: Board
    sources: Callable[[], Mapping[str, object]]  # the running sources (a reload swaps them)
    client: redis.Redis
    keys: Keys
    lead: Leadership
    health: Health


def saved_of(version: int, fields: Mapping[str, str]) -> image.Saved:
    """The board hash's fields (``write.py``) as the image a board loads."""
    saved = image.Saved(version, deploys=image.decode(fields.get("deploys")))
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
    return saved


class BoardSync:
    def __init__(self, link: Link) -> None:
        self.board, self.sources, self.lead = link.board, link.sources, link.lead
        self.client, self.keys, self.health = link.client, link.keys, link.health
        self.wake = link.keys.wake(link.lead.id)  # published on stop: the loop looks up at once
        self.last_seq = 0  # the leader's writes set it too
        self.generation: str | None = None  # of the shared line of sequence numbers
        self.resets = 0  # times the shared board was found gone (Redis lost its data)
        self.resyncs = 0
        self.behind = 0  # API answers refused (503): this board had not caught up in time
        self.lag: float | None = None  # leader write -> apply here, seconds (last message)
        self.applied_at: float | None = None  # unix time of the last state taken from Redis
        self.want_resync = False
        # A version this replica counted alone while Redis was away (a step-down's
        # restore), raised as the floor at the next look.
        self.floor_owed = 0
        self._applied = threading.Condition()  # notified after each apply (catch_up)

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
        self.generation = meta.get("gen")
        saved = saved_of(int(meta.get("version", 0)), fields)
        image.load(self.board, saved, "replicate")
        if self.board.version > saved.version:  # taken under a version of its own (Board.take)
            self.floor_owed = max(self.floor_owed, self.board.version)
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
        message = json.loads(body)
        if message.get("gen") != self.generation:
            # A new line of sequence numbers: Redis lost the board (FLUSHALL, a restart
            # without persistence, an evicted key) and a leader wrote it anew. Its numbers
            # start again from 1: never compare them with the old line's.
            if self.generation is not None:
                self._reset("a change of another generation")
            return False
        if seq <= self.last_seq:
            return True  # already in the board (read by the resync that preceded it)
        if seq != self.last_seq + 1:
            log.warning("replica: missed changes %d..%d; resyncing", self.last_seq + 1, seq - 1)
            return False
        saved = image.Saved(
            int(raw_version), message["panels"], message["sources"], deploys=message.get("deploys")
        )
        image.load(self.board, saved, "replicate")
        if self.board.version > saved.version:  # taken under a version of its own (Board.take)
            self.floor_owed = max(self.floor_owed, self.board.version)
        self.last_seq = seq
        self.applied_at = time.time()
        self.lag = max(0.0, self.applied_at - float(message["at"]))
        self._announce()
        return True

    def _reset(self, why: str) -> None:
        self.resets += 1
        log.warning("replica: the shared board was reset in Redis (%s); resyncing", why)

    def look(self) -> None:
        """A follower's own checks, about once a second while Redis answers.

        The shared board gone (its meta hash missing while this replica had one): resync at
        once. And the stale rule from this replica's clock: a value older than its
        ``stale_after`` is shown stale whatever Redis says (a leader that stopped collecting
        or writing, a change this replica never got); the floor it raises makes the
        leader's next write skip past the version this counted alone.
        """
        if self.generation is not None and self.client.hget(self.keys.meta, "gen") is None:
            self._reset("its meta hash is gone")
            self._resync()
        before = self.board.version
        version = self.board.sweep()
        owed = max(self.floor_owed, version if version > before else 0)
        if owed:
            self.client.eval(RAISE_FLOOR, 1, self.keys.meta, owed)
            self.floor_owed = 0

    def _announce(self) -> None:
        with self._applied:
            self._applied.notify_all()

    def catch_up(self, version: int, timeout: float) -> None:
        """Block until this board is at ``version`` or later. Not within ``timeout``: count
        it, have the follow loop read the whole board, and raise ``ReplicaBehind``."""
        board = self.board
        with self._applied:
            if self._applied.wait_for(lambda: board.version >= version, timeout):
                return
        log.warning("replica: board still behind version %s after %.1f s", version, timeout)
        self.want_resync = True
        self.behind += 1
        raise ReplicaBehind(version, board.version)

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
                looked = time.monotonic()
                while not stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if self.want_resync:
                        self._resync()
                    if not self.lead.leader and time.monotonic() - looked >= LOOK_EVERY:
                        looked = time.monotonic()
                        self.look()
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

    def took_over(self) -> image.Saved:
        """Before this replica collects: the shared board (its memory, for the sources)."""
        saved = self.resync()
        image.import_memory(self.board, saved, self.sources())
        return saved
