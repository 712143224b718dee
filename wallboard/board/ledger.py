"""The board's panels by (team, panel) and its one line of versions.

Every visible change takes the next version and stamps it on the panels it
changed, so a reader asking "what changed since N" gets exactly those panels
(the hub's updates, the API's ETags). Kept apart from ``board.py``, which decides
*what* a cycle, a webhook or a store changes; this decides how that is recorded.
Not thread-safe on its own: the board calls it under its lock.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from wallboard.board import units
from wallboard.board.status import PanelState
from wallboard.board.transitions import panel_status, restated
from wallboard.config.loader import WallConfig

Key = tuple[str, str]  # (team id, panel id)


@dataclass
class Slot:
    state: PanelState
    history: deque[tuple[float, float | None]] = field(default_factory=deque)


class Ledger:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.slots: dict[Key, Slot] = {}
        self.version = 0
        self.changed_at = clock()

    def install(self, config: WallConfig) -> None:
        """Slots for ``config``'s panels, keeping state and history of those whose source
        is unchanged (re-evaluated against their new thresholds)."""
        old = self.slots
        slots: dict[Key, Slot] = {}
        maxlen = config.wall.history
        for team in config.teams.values():
            for panel in team.panels:
                key = (team.id, panel.id)
                prev = old.get(key)
                if prev is not None and prev.state.panel.source == panel.source:
                    state = replace(prev.state, panel=panel)
                    if state.value is not None:
                        state = restated(
                            state, panel_status(panel, state.value, None, state.status)
                        )
                    slots[key] = Slot(state, deque(prev.history, maxlen=maxlen))
                else:
                    slots[key] = Slot(PanelState(team.id, panel), deque(maxlen=maxlen))
        self.slots = slots

    def take(
        self, panels: Iterable[PanelState], mode: Literal["restore", "replicate"]
    ) -> tuple[int, set[str]]:
        """Saved panels into the slots still configured with the same source (``Board.take``
        says how the modes differ). Returns (panels taken, teams whose panels a replica
        sees change: visibly or in version)."""
        teams: set[str] = set()
        taken = 0
        for saved in panels:
            slot = self.slots.get((saved.team, saved.panel.id))
            if slot is None or slot.state.panel.source != saved.panel.source:
                continue
            panel = slot.state.panel
            if mode == "restore":
                status = saved.status
                limits = (panel.thresholds.warn, panel.thresholds.crit)
                if saved.value is not None and limits != (None, None):
                    status = panel_status(panel, saved.value, None, saved.status)
                slot.state = replace(restated(saved, status), panel=panel, history=())
            else:
                if saved.visible() != slot.state.visible() or saved.version != slot.state.version:
                    teams.add(saved.team)
                slot.state = replace(saved, panel=panel, history=())
            slot.history.clear()
            slot.history.extend(saved.history)
            taken += 1
        return taken, teams

    def seed_history(
        self, source_id: str, history: Mapping[Key, Sequence[tuple[float, float]]]
    ) -> None:
        """Fill the empty sparklines of ``source_id``'s panels (``Board.seed_history``)."""
        for key, points in history.items():
            slot = self.slots.get(key)
            if slot is None or slot.state.panel.source != source_id or slot.history:
                continue
            unit = slot.state.panel.unit
            for at, raw in points:
                value = units.scale(unit, raw)
                finite = value is not None and math.isfinite(value)
                slot.history.append((at, value if finite else None))

    def commit(self, changes: dict[Key, PanelState]) -> tuple[int, frozenset[str]]:
        """Record ``changes``; those visible take a new version. Returns (version, teams)."""
        changed = {k: s for k, s in changes.items() if s.visible() != self.slots[k].state.visible()}
        for key, state in changes.items():
            if key not in changed:  # keep fresh timestamps without a new version
                self.slots[key].state = replace(state, version=self.slots[key].state.version)
        if not changed:
            return self.version, frozenset()
        self._next()
        for key, state in changed.items():
            self.slots[key].state = replace(state, version=self.version)
        return self.version, frozenset(team for team, _ in changed)

    def bump_all(self) -> int:
        """A new version on every panel (a reload, a restore): every reader resends all."""
        self._next()
        for slot in self.slots.values():
            slot.state = replace(slot.state, version=self.version)
        return self.version

    def bump_teams(self, teams: frozenset[str]) -> int:
        """A new version on every panel of ``teams`` (a deploy tick rides on them)."""
        self._next()
        for (team, _), slot in self.slots.items():
            if team in teams:
                slot.state = replace(slot.state, version=self.version)
        return self.version

    def raise_to(self, version: int) -> None:
        """Move the version to ``version`` (a leader's, or a restored one), changing no panel."""
        self.version = version
        self.changed_at = self._clock()

    def _next(self) -> None:
        self.version += 1
        self.changed_at = self._clock()
