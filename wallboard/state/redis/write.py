"""The leader's writes: what changed on its board, fenced by its epoch, published at once.

Only what changed since its last write (``state.image``, like the SQLite store:
the latest state and history of each changed panel, each source's visible state
and memory, the deploy log when it changed) in one script call that checks the
epoch, bumps the sequence number and publishes the change (``keys.WRITE``). Its
thread, ``write``, writes at once after each change: the followers' screens wait.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import redis

from wallboard.state import image
from wallboard.state.redis.keys import WRITE
from wallboard.state.redis.sync import BoardSync, Link

log = logging.getLogger(__name__)


class StaleEpoch(Exception):
    """Redis refused a write: another replica took the lease with a newer epoch."""


class Writer:
    def __init__(self, link: Link, sync: BoardSync) -> None:
        self.board, self.sources, self.lead = link.board, link.sources, link.lead
        self.client, self.keys, self.health = link.client, link.keys, link.health
        self.sync = sync  # its sequence number follows the writes
        self.written = image.Written()
        self.written_version = 0  # the version in Redis after this leader's last write
        self.writes_refused = 0
        self.dirty = threading.Event()
        self._write = self.client.register_script(WRITE)

    def forget(self) -> None:
        """The first write is the whole board: Redis may be empty (a new leader)."""
        self.written.forget()
        self.written_version = 0

    def renewed(self) -> None:
        # A replica back from an outage raised the floor: skip past it even if nothing
        # changes, so every replica's version (and ETag) agrees again.
        floor = self.client.hget(self.keys.meta, "floor")
        if floor is not None and int(floor) > self.written_version:
            image.raise_version(self.board, int(floor))
            self.dirty.set()

    def loop(self, stop: threading.Event) -> None:
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
        self.sync.last_seq = seq
        return seq
