"""Moving the board through Redis: the leader's fenced writes, the followers' applies and resyncs.

The leader writes only what changed since its last write (latest state and
history of each changed panel, each source's visible state and memory, and the
deploy log when it changed) in one fenced script call that also publishes the
change with its sequence number.
A follower applies each message in order; a gap in sequence numbers, or a new
connection, makes it read the whole board instead (a resync).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import redis

from collectors.base import Memory
from wallboard.board.status import PanelState, SourceState
from wallboard.state import codec
from wallboard.state.replicas.keys import WRITE, Keys

if TYPE_CHECKING:
    from wallboard.wall import Wall

log = logging.getLogger(__name__)
Fingerprint = tuple[object, ...]


class StaleEpoch(Exception):
    """Redis refused a write: another replica took the lease with a newer epoch."""


class BoardSync:
    def __init__(self, wall: Wall, client: redis.Redis, keys: Keys) -> None:
        self.wall = wall
        self.client = client
        self.keys = keys
        self.last_seq = 0
        self.resyncs = 0
        self.lag: float | None = None  # leader write -> apply here, seconds (last message)
        self.applied_at: float | None = None  # unix time of the last state taken from Redis
        self._write = client.register_script(WRITE)
        self._written: dict[tuple[str, str], Fingerprint] = {}
        self._sources_written: dict[str, str] = {}
        self.written_version = 0  # the version in Redis after this leader's last write
        self._applied = threading.Condition()  # notified after each apply (wait_for_version)
        self._deploys_written: str | None = None

    # -- follower ----------------------------------------------------------------------
    def resync(self) -> dict[str, Any]:
        """Read the whole board from Redis and take it; returns the source memories."""
        pipe = self.client.pipeline(transaction=True)
        pipe.hgetall(self.keys.meta)
        pipe.hgetall(self.keys.board)
        meta, fields = pipe.execute()
        panels, sources, memory = [], {}, {}
        deploys = json.loads(fields.pop("deploys", "null"))
        for name, raw in fields.items():
            kind, _, ident = name.partition(":")
            if kind == "panel":
                panels.append(json.loads(raw))
            elif kind == "source":
                sources[ident] = json.loads(raw)
            elif kind == "memory":
                memory[ident] = json.loads(raw)
        self._take(panels, sources, int(meta.get("version", 0)), deploys)
        self.last_seq = int(meta.get("seq", 0))
        self.resyncs += 1
        self.applied_at = time.time()
        self._announce()
        return memory

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
        self._take(message["panels"], message["sources"], int(raw_version), message.get("deploys"))
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
        board = self.wall.board
        with self._applied:
            return self._applied.wait_for(lambda: board.version >= version, timeout)

    def _take(
        self, panels: list[Any], sources: Mapping[str, Any], version: int, deploys: object
    ) -> None:
        config = self.wall.config
        # Deploys first: the panels the leader resent for a deploy are fanned out by
        # ``replicate``, and their views must already carry the new tick.
        self.wall.board.load_deploys(deploys)
        states: list[PanelState] = []
        for data in panels:
            state = codec.panel_from(data, config)
            if state is not None:
                states.append(state)
        kept: dict[str, SourceState] = {}
        for sid, data in sources.items():
            src = codec.source_from(data)
            if src is not None:
                kept[sid] = src
        self.wall.board.replicate(states, kept, version)

    # -- leader ------------------------------------------------------------------------
    def forget_written(self) -> None:
        """Write the whole board next time (a new leader: Redis may have lost it)."""
        self._written = {}
        self._sources_written = {}
        self.written_version = 0
        self._deploys_written = None

    def write(self, epoch: int) -> int | None:
        """Write what changed under ``epoch``; the new sequence number (None: nothing to do)."""
        board, config = self.wall.board, self.wall.config
        version = board.version
        fields: dict[str, str] = {}
        panels = []
        marks = {}
        for state in board.dump():
            key = (state.team, state.panel.id)
            marks[key] = _mark(state)
            if self._written.get(key) == marks[key]:
                continue
            source = config.sources.get(state.panel.source)
            data = codec.panel_data(state, source.type if source is not None else "")
            panels.append(data)
            fields[f"panel:{key[0]}/{key[1]}"] = json.dumps(data)
        sources: dict[str, Any] = {}
        for sid, src in list(board.sources.items()):
            data = codec.source_data(src)
            running = self.wall.sources.get(sid)
            memory = json.dumps(running.export_memory()) if isinstance(running, Memory) else "null"
            text = json.dumps(data) + memory
            if self._sources_written.get(sid) == text:
                continue
            sources[sid] = data
            fields[f"source:{sid}"] = json.dumps(data)
            fields[f"memory:{sid}"] = memory
        # The whole log (at most 20 per team), only when it changed: deploys are rare.
        deploy_rows = board.dump_deploys()
        deploys = json.dumps(deploy_rows)
        if deploys != self._deploys_written:
            fields["deploys"] = deploys
        if not fields and version <= self.written_version:
            return None
        at = time.time()
        message = json.dumps(
            {
                "epoch": epoch,
                "at": at,
                "panels": panels,
                "sources": sources,
                "deploys": deploy_rows if "deploys" in fields else None,
            }
        )
        args: list[Any] = [epoch, version, repr(at), self.keys.channel, message]
        for name, value in fields.items():
            args += [name, value]
        answer = self._write(keys=[self.keys.epoch, self.keys.meta, self.keys.board], args=args)
        if not isinstance(answer, list):
            raise StaleEpoch(f"epoch {epoch} is no longer current")
        seq, written = int(answer[0]), int(answer[1])
        # Redis may have skipped ahead (a replica's floor): this board follows, so it never
        # shows a version that another replica already passed.
        board.raise_version(written)
        self.written_version = written
        self._written.update(marks)
        self._deploys_written = deploys
        for sid in sources:
            self._sources_written[sid] = fields[f"source:{sid}"] + fields[f"memory:{sid}"]
        self.last_seq = seq
        return seq


def _mark(state: PanelState) -> Fingerprint:
    last = state.history[-1] if state.history else None
    return (
        state.version,
        state.updated_at,
        state.stale,
        state.error_since,
        len(state.history),
        last,
    )
