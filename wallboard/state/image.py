"""The board as a store writes and reads it: one fingerprint, one diff, one load.

Both backends write only what changed since their own last write (:class:`Written`):
each panel whose :func:`fingerprint` moved (latest state and history), each source
whose visible state or memory moved, and the deploy log. Both read back through
:func:`load`: rows that no longer fit today's config are dropped (``codec``), the
board takes the rest (``restore`` at start, ``replicate`` on a follower), and
:func:`import_memory` gives source memory back only to a configured source of the
kind that saved it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from collectors.base import Memory
from wallboard.board.board import Board, Image
from wallboard.board.status import PanelState, SourceState
from wallboard.state import codec

Key = tuple[str, str]
Fingerprint = tuple[object, ...]


def fingerprint(state: PanelState) -> Fingerprint:
    """What must differ for a panel to be written again: its version (a deploy resends
    a team's panels), what screens see, since when it fails, and its newest sample."""
    last = state.history[-1] if state.history else None
    return (state.version, *state.visible(), state.error_since, len(state.history), last)


@dataclass(frozen=True)
class SourceRow:
    """One source as written: its type, its visible state and its memory, JSON-ready."""

    type: str
    data: dict[str, Any]  # codec.source_data
    state: str  # ``data`` as JSON
    memory: str | None  # export_memory() as JSON; None for a source without memory


@dataclass
class Diff:
    """What changed on the board since a writer's last write."""

    version: int
    marks: dict[Key, Fingerprint]  # every panel on the board now
    panels: dict[Key, dict[str, Any]] = field(default_factory=dict)  # codec.panel_data
    sources: dict[str, SourceRow] = field(default_factory=dict)
    deploys: list[Any] = field(default_factory=list)  # the whole log (at most 20 per team)
    deploys_text: str = "[]"
    deploys_changed: bool = False

    @property
    def empty(self) -> bool:
        return not self.panels and not self.sources and not self.deploys_changed


class Written:
    """What one writer last wrote: :meth:`diff` against the board, :meth:`wrote` once stored."""

    def __init__(self) -> None:
        self.panels: dict[Key, Fingerprint] = {}
        self.sources: dict[str, tuple[str, str | None]] = {}
        self.deploys: str | None = None

    def forget(self) -> None:
        """Write the whole board next time (a new leader: the store may have lost it)."""
        self.panels, self.sources, self.deploys = {}, {}, None

    def diff(self, board: Board, sources: Mapping[str, object]) -> Diff:
        """The panels, sources and deploys that differ from the last write (cheap when few do)."""
        config = board.config
        image = board.image()
        diff = Diff(image.version, {(s.team, s.panel.id): fingerprint(s) for s in image.panels})
        for state in image.panels:
            key = (state.team, state.panel.id)
            if self.panels.get(key) == diff.marks[key]:
                continue
            source = config.sources.get(state.panel.source)
            diff.panels[key] = codec.panel_data(state, source.type if source is not None else "")
        for sid, src in image.sources.items():
            running = sources.get(sid)
            memory = codec.dumps(running.export_memory()) if isinstance(running, Memory) else None
            data = codec.source_data(src)
            row = SourceRow(src.type, data, codec.dumps(data), memory)
            if self.sources.get(sid) != (row.state, row.memory):
                diff.sources[sid] = row
        diff.deploys = list(image.deploys or ())
        diff.deploys_text = codec.dumps(diff.deploys)
        diff.deploys_changed = diff.deploys_text != self.deploys
        return diff

    def wrote(self, diff: Diff) -> None:
        """``diff`` is in the store now."""
        self.panels = diff.marks
        for sid, row in diff.sources.items():
            self.sources[sid] = (row.state, row.memory)
        self.deploys = diff.deploys_text


@dataclass
class Saved:
    """What a store read back, decoded from JSON (any part may be malformed)."""

    version: int = 0
    panels: list[Any] = field(default_factory=list)  # codec.panel_data dicts
    sources: dict[str, Any] = field(default_factory=dict)  # codec.source_data dicts
    memory: dict[str, tuple[str | None, Any]] = field(default_factory=dict)  # (kind, memory)
    deploys: Any = None


def load(
    board: Board, saved: Saved, mode: Literal["restore", "replicate"]
) -> tuple[int, list[PanelState]]:
    """Give the board what still fits today's config: (panels taken, panels decoded)."""
    config = board.config
    decoded = (codec.panel_from(d, config) for d in saved.panels if isinstance(d, dict))
    states = [state for state in decoded if state is not None]
    kept: dict[str, SourceState] = {}
    for sid, data in saved.sources.items():
        src = codec.source_from(data) if isinstance(data, Mapping) else None
        if src is not None:
            kept[sid] = src
    deploys = saved.deploys if isinstance(saved.deploys, list) else None
    if deploys is not None and not any(s.type == "demo" for s in config.sources.values()):
        # Made-up deploys of a demo source never appear on a wall without one.
        deploys = [d for d in deploys if not (isinstance(d, Mapping) and d.get("source") == "demo")]
    return board.take(Image(saved.version, tuple(states), kept, deploys), mode), states


def import_memory(board: Board, saved: Saved, sources: Mapping[str, object]) -> None:
    """Source memory back into the running sources still configured with the same kind."""
    for sid, (kind, memory) in saved.memory.items():
        configured = board.config.sources.get(sid)
        if configured is None or configured.type != kind:
            continue  # gone, or now another kind of source: its memory means nothing
        source = sources.get(sid)
        if isinstance(source, Memory) and isinstance(memory, Mapping):
            source.import_memory(memory)


def raise_version(board: Board, version: int) -> None:
    """Move the board's version up to ``version`` (never down), changing no panel."""
    board.take(Image(version, (), {}), "replicate")


def decode(raw: str | None) -> Any:
    """JSON text as data; None for nothing or for what is not JSON."""
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
