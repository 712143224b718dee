"""The leader's writes: what changed on its board, fenced by its epoch, published at once.

Only what changed since its last write (``state.image``, like the SQLite store:
the latest state and history of each changed panel, each source's visible state
and memory, the deploy log when it changed) in one script call that checks the
epoch, bumps the sequence number and publishes the change (``keys.WRITE``). Its
thread, ``write``, writes at once after each change: the followers' screens wait.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from wallboard.state import codec, image
from wallboard.state.redis.keys import DEDUP_SECONDS, RAISE_FLOOR, WRITE
from wallboard.state.redis.sync import BoardSync, Link, saved_of

log = logging.getLogger(__name__)


class StaleEpoch(Exception):
    """Redis refused a write: another replica took the lease with a newer epoch, or Redis
    lost the epoch with its data. ``why`` is the reason this leader stops collecting."""

    def __init__(self, message: str, why: str) -> None:
        super().__init__(message)
        self.why = why


class Writer:
    def __init__(self, link: Link, sync: BoardSync, after_renewal: Callable[[], None]) -> None:
        self.board, self.sources, self.lead = link.board, link.sources, link.lead
        self.client, self.keys, self.health = link.client, link.keys, link.health
        self.sync = sync  # its sequence number follows the writes
        self.written = image.Written()
        self.written_version = 0  # the version in Redis after this leader's last write
        self.writes_refused = 0
        self.dirty = threading.Event()
        # Webhooks applied to this board, acknowledged by the next fenced write (their
        # digests: a second copy of one is not applied again meanwhile).
        self.acks: dict[str, str] = {}  # digest -> the raw entry in this epoch's taken list
        self._write = self.client.register_script(WRITE)
        # The board hash as this leader's writes left it (since its takeover): restore().
        self.stored: dict[str, str] = {}
        # Set by each renewal: the chores after it (renewed(), ``after_renewal``) run here,
        # on this thread, so the lease's thread waits on no call but the renewal.
        self.renewal_due = threading.Event()
        self._after_renewal = after_renewal
        self._refused_texts: set[str] = set()

    def forget(self) -> None:
        """The first write is the whole board: Redis may be empty (a new leader)."""
        self.written.forget()
        self.written_version = 0
        self.stored = {}
        self.acks.clear()  # an earlier epoch's: its taken list goes back to the queue

    def restore(self) -> None:
        """The board (and the sources' memory) back to what this leader last wrote.

        Called on a step-down (before the role can change again) and at a takeover: what
        the board did alone since (a webhook applied, a poll whose write was refused) is
        dropped. The store may have lost it all (``FLUSHALL``): this copy is the only one.
        Once: a follower's board comes from the store after this.
        """
        stored, self.stored = self.stored, {}
        if not stored:
            return
        saved = saved_of(self.written_version, stored)
        image.load(self.board, saved, "replicate")
        image.import_memory(self.board, saved, self.sources())
        self.written.forget()
        # The panels went back under a version of this board's own (Board.take), so an
        # ETag a client took of the dropped changes never answers 304 for the board as it
        # is now; the floor makes the next leader's versions pass it.
        version = self.board.version
        try:
            self.client.eval(RAISE_FLOOR, 1, self.keys.meta, version)
        except redis.RedisError:
            self.sync.floor_owed = version  # Redis away: raised at the follower's next look
        log.info("replica %s: its board is back to what it last wrote", self.lead.id)

    def acknowledge(self, digest: str, raw: str) -> None:
        """A queued webhook applied to this board: acknowledged with the next write."""
        self.acks[digest] = raw
        self.dirty.set()

    def renewed(self) -> None:
        # A replica back from an outage raised the floor: skip past it even if nothing
        # changes, so every replica's version (and ETag) agrees again.
        floor, generation = self.client.hmget(self.keys.meta, ["floor", "gen"])
        if generation is None and self.written_version > 0:
            # Redis lost the shared board under this leader (its meta hash evicted): the
            # next write is the whole board again, under a new generation.
            log.warning(
                "replica %s: the shared board is gone from Redis; rewriting it", self.lead.id
            )
            self.written.forget()
            self.written_version = 0
            self.dirty.set()
        if floor is not None and int(floor) > self.written_version:
            image.raise_version(self.board, int(floor))
            self.dirty.set()

    def loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.dirty.wait(1.0)
            self.dirty.clear()
            if self.renewal_due.is_set():
                self.renewal_due.clear()
                self._renewal_chores()
            self.flush()

    def _renewal_chores(self) -> None:
        try:
            if self.lead.leader:
                self.renewed()
                self._after_renewal()
        except redis.RedisError as exc:
            self.health.failed(exc)

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
                lead.demote(exc.why)
            except redis.RedisError as exc:
                self.health.failed(exc)
                self.dirty.set()  # written in full once Redis is back
            except ValueError as exc:  # a number that is not JSON reached the board: a bug
                if str(exc) not in self._refused_texts:  # said once, not at every change
                    self._refused_texts.add(str(exc))
                    log.exception("replica %s: the board is not JSON; not written", lead.id)

    def write(self, epoch: int) -> int | None:
        """Write what changed under ``epoch``; the new sequence number (None: nothing to do)."""
        diff = self.written.diff(self.board, self.sources())
        fields = {f"panel:{t}/{p}": codec.dumps(data) for (t, p), data in diff.panels.items()}
        for sid, row in diff.sources.items():
            fields[f"source:{sid}"] = row.state
            fields[f"memory:{sid}"] = row.memory if row.memory is not None else "null"
        # The whole log (at most 20 per team), only when it changed: deploys are rare.
        if diff.deploys_changed:
            fields["deploys"] = diff.deploys_text
        acks = list(self.acks.items())
        if not fields and diff.version <= self.written_version:
            if not acks:
                return None
            # The webhook changed nothing: only its acknowledgement, still fenced.
            self._run(epoch, ["", "", self.keys.channel, ""], acks, {})
            self._acked(acks)
            return None
        at = time.time()
        message = codec.dumps(
            {
                "epoch": epoch,
                "at": at,
                "panels": list(diff.panels.values()),
                "sources": {sid: row.data for sid, row in diff.sources.items()},
                "deploys": diff.deploys if diff.deploys_changed else None,
            }
        )
        answer = self._run(
            epoch, [diff.version, repr(at), self.keys.channel, message], acks, fields
        )
        self._acked(acks)
        self.stored.update(fields)
        seq, written = int(answer[0]), int(answer[1])
        # Redis may have skipped ahead (a replica's floor): this board follows, so it never
        # shows a version that another replica already passed.
        image.raise_version(self.board, written)
        self.written_version = written
        self.written.wrote(diff)
        self.sync.last_seq = seq
        return seq

    def _run(
        self, epoch: int, head: list[Any], acks: list[tuple[str, str]], fields: dict[str, str]
    ) -> list[Any]:
        # A new generation each time: taken only by a meta hash that has none (see WRITE).
        args: list[Any] = [epoch, *head, secrets.token_hex(8), len(acks), DEDUP_SECONDS]
        for digest, raw in acks:
            args += [raw, self.keys.hook_seen(digest)]
        for name, value in fields.items():
            args += [name, value]
        keys = [self.keys.epoch, self.keys.meta, self.keys.board, self.keys.hooks_taken(epoch)]
        answer = self._write(keys=keys, args=args)
        if answer == -2:
            raise StaleEpoch(f"epoch {epoch} is gone from Redis", "Redis lost its data")
        if not isinstance(answer, list):
            raise StaleEpoch(
                f"epoch {epoch} is no longer current", "a newer leader holds the lease"
            )
        return answer

    def _acked(self, acks: list[tuple[str, str]]) -> None:
        for digest, _ in acks:
            self.acks.pop(digest, None)
