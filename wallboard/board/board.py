"""The board: the single truth of every (team, panel), from which screens, API and chat read.

Thresholds are evaluated here, once, so the TV and the chat answer cannot
disagree. Every visible change bumps one monotonically increasing version;
listeners of ``Board.changed`` (the hub) are told which teams changed. Thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Literal

from collectors.base import Collection, Reading
from collectors.errors import CollectorError
from wallboard.board.deploys import Deploy, DeployLog
from wallboard.board.ledger import Key, Ledger, Slot
from wallboard.board.scrub import Scrub, scrub_collection, scrub_error
from wallboard.board.status import (
    SEVERITY,
    PanelState,
    SourceState,
    evaluate,
    severity,
    worst,
)
from wallboard.board.transitions import after_error, after_reading
from wallboard.config.loader import WallConfig
from wallboard.signals import Signal

__all__ = [
    "SEVERITY",
    "Board",
    "Image",
    "PanelState",
    "SourceState",
    "evaluate",
    "severity",
    "worst",
]


@dataclass(frozen=True)
class Image:
    """The board as a state store keeps it (``Board.image``, ``Board.take``)."""

    version: int
    panels: tuple[PanelState, ...]  # each with its history
    sources: Mapping[str, SourceState]
    deploys: Sequence[object] | None = None  # JSON-ready rows (``DeployLog.dump``)


class Board:
    def __init__(
        self,
        config: WallConfig,
        clock: Callable[[], float] = time.time,
        scrub: Scrub | None = None,
    ) -> None:
        # Every upstream string passes ``scrub`` on its way in, so no page, API answer,
        # chat reply or probe can show a secret an upstream echoed (see board/scrub.py).
        self.scrub: Scrub = scrub or (lambda text: text)
        self._lock = threading.RLock()
        self._clock = clock
        # (version, changed teams, layout changed) after every visible change, outside the lock.
        self.changed: Signal[[int, frozenset[str], bool], None] = Signal()
        self._ledger = Ledger(clock)  # the panels and the version line (board/ledger.py)
        self.started_at = clock()
        # Names this board's line of versions in ETags: one process, or one shared Redis board.
        self.lineage = repr(self.started_at)
        self.sources: dict[str, SourceState] = {}
        self.deploys = DeployLog()  # read under the board's lock
        self.config = config
        self._install(config)

    # -- configuration ---------------------------------------------------------------
    def _install(self, config: WallConfig) -> None:
        self._ledger.install(config)
        self.sources = {
            sid: self.sources.get(sid) or SourceState(sid, s.type, s.interval)
            for sid, s in config.sources.items()
        }
        for sid, s in config.sources.items():
            self.sources[sid].interval = s.interval
        self.config = config

    def reconfigure(self, config: WallConfig) -> None:
        """Swap in a new config, keeping what is known of panels that still exist."""
        with self._lock:
            self._install(config)
            version = self._ledger.bump_all()
            teams = frozenset(config.teams)
        self._notify(version, teams, True)

    @contextmanager
    def read(self) -> Iterator[WallConfig]:
        """Hold the board still for one reader: the config it yields matches every read inside.

        ``reconfigure`` swaps config and slots together under this lock, so a page that
        lists the config's teams and then reads each one never meets a team the slots
        do not have yet, or no longer have. Reentrant and short: build the dicts inside,
        render outside. The board is the config's only owner (``Wall.config`` reads it).
        """
        with self._lock:
            yield self.config

    # -- reads -----------------------------------------------------------------------
    @property
    def version(self) -> int:
        return self._ledger.version

    @property
    def changed_at(self) -> float:
        """When the version last moved (unix seconds)."""
        return self._ledger.changed_at

    @property
    def _slots(self) -> dict[Key, Slot]:
        return self._ledger.slots

    def team_panels(self, team: str, since: int = -1) -> tuple[int, list[PanelState]]:
        """(board version, panels of ``team`` changed after ``since``) in the team's order."""
        with self._lock:
            team_cfg = self.config.teams.get(team)
            if team_cfg is None:
                raise KeyError(team)
            states = []
            for panel in team_cfg.panels:
                slot = self._slots[(team, panel.id)]
                if slot.state.version > since:
                    states.append(replace(slot.state, history=tuple(slot.history)))
            return self._ledger.version, states

    def team_status(self, team: str) -> str:
        """The worst panel's status; read off the slots (no history copies: a hot path)."""
        with self._lock:
            team_cfg = self.config.teams.get(team)
            if team_cfg is None:
                raise KeyError(team)
            return worst(self._slots[(team, p.id)].state.effective_status for p in team_cfg.panels)

    # -- what a state store keeps and gives back -------------------------------------
    def image(self) -> Image:
        """Everything a state store keeps, at one moment (panels with their history)."""
        with self._lock:
            return Image(
                self._ledger.version,
                tuple(replace(s.state, history=tuple(s.history)) for s in self._slots.values()),
                {sid: replace(src) for sid, src in self.sources.items()},
                tuple(self.deploys.dump()),
            )

    def take(self, image: Image, mode: Literal["restore", "replicate"]) -> int:
        """Take what a store kept: panels still configured with the same source, sources of
        the same type, deploys of configured teams. Returns the panels taken.

        ``restore`` (a store read at start): status is re-evaluated against today's
        thresholds and the stale rule runs at once, so nothing looks fresher than it is;
        versions continue from the saved one, so an ETag never goes back.
        ``replicate`` (a follower): the leader's states as they are, versions included; no
        thresholds, no sweep, so every replica shows, and versions, the same. An image
        without panels only moves the version up. Either way the version never goes back.
        """
        # Deploys first: the panels a leader resent for a deploy are fanned out below, and
        # their views must already carry the new tick.
        with self._lock:
            self.deploys.load(image.deploys or (), self.config.teams)
        with self._lock:
            taken, teams = self._ledger.take(image.panels, mode)
            for sid, src in image.sources.items():
                if sid in self.sources and self.sources[sid].type == src.type:
                    self.sources[sid] = replace(src, interval=self.sources[sid].interval)
            if mode == "restore":
                self._ledger.raise_to(max(self._ledger.version, image.version))
                self._ledger.bump_all()
            elif image.version > self._ledger.version:
                self._ledger.raise_to(image.version)
            elif teams:
                # Panels changed under a version this board already passed (its own sweep
                # while Redis was away, or a step-down putting it back to its last write):
                # a version of its own, so one version never names two contents (views,
                # ETags); the replica raises the shared floor past it.
                self._ledger.bump_teams(frozenset(teams))
            current = self._ledger.version
        if mode == "restore":
            self.sweep()
        else:
            self._notify(current, frozenset(teams), False)
        return taken

    # -- writes ----------------------------------------------------------------------
    def apply(self, source_id: str, collection: Collection, duration: float | None = None) -> int:
        """Record one successful cycle of a source; returns the board version after it."""
        collection = scrub_collection(collection, self.scrub)
        now = self._clock()
        with self._lock:
            src = self.sources.get(source_id)
            if src is None:  # removed by a config reload while it was collecting
                return self._ledger.version
            src.last_attempt = src.last_success = now
            src.last_error = src.last_error_kind = None
            src.last_duration = duration
            src.warnings = tuple(collection.warnings)
            changes: dict[tuple[str, str], PanelState] = {}
            for key, slot in self._slots.items():
                if slot.state.panel.source != source_id:
                    continue
                failure = collection.failures.get(key) or collection.failures.get((None, key[1]))
                if failure is not None:
                    changes[key] = after_error(slot.state, slot.history, failure, now)
                    continue
                reading = collection.readings.get(key) or Reading(text="no data")
                changes[key] = after_reading(slot.state, slot.history, reading, now)
            version, teams = self._ledger.commit(changes)
            marked = self.deploys.mark(collection.markers, source_id, self.config.teams)
            if marked:
                version, teams = self._ledger.bump_teams(marked), teams | marked
        self._notify(version, teams, False)
        return version

    # -- deploys ---------------------------------------------------------------------
    def add_deploy(self, deploy: Deploy) -> int:
        """Record a deploy (from the hook); every panel of the team is resent with its tick."""
        with self._lock:
            if deploy.team not in self.config.teams:
                raise KeyError(deploy.team)
            if not self.deploys.add(deploy):
                return self._ledger.version
            version = self._ledger.bump_teams(frozenset({deploy.team}))
        self._notify(version, frozenset({deploy.team}), False)
        return version

    def recent_deploys(self, team: str, limit: int = 10) -> list[Deploy]:
        with self._lock:
            return self.deploys.recent(team, limit)

    def seed_history(
        self,
        source_id: str,
        history: Mapping[tuple[str, str], Sequence[tuple[float, float]]],
    ) -> None:
        """Fill empty sparklines of ``source_id`` with its past (raw values, oldest first).

        Only empty histories are filled, so a late backfill never duplicates or
        reorders points a live cycle already recorded. No version bump: history
        alone is not news; it rides along with the next change.
        """
        with self._lock:
            self._ledger.seed_history(source_id, history)

    def push(self, source_id: str, collection: Collection) -> int:
        """Apply pushed readings (webhooks) to just the pairs they name."""
        collection = scrub_collection(collection, self.scrub)
        now = self._clock()
        with self._lock:
            changes = {}
            for key, reading in collection.readings.items():
                slot = self._slots.get(key)
                if slot is not None and slot.state.panel.source == source_id:
                    changes[key] = after_reading(slot.state, slot.history, reading, now)
            version, teams = self._ledger.commit(changes)
        self._notify(version, teams, False)
        return version

    def fail(self, source_id: str, error: CollectorError, duration: float | None = None) -> int:
        """Record a failed cycle: every panel of the source keeps its value and shows why."""
        error = scrub_error(error, self.scrub)
        now = self._clock()
        with self._lock:
            src = self.sources.get(source_id)
            if src is None:  # removed by a config reload while it was collecting
                return self._ledger.version
            src.last_attempt = now
            src.last_error = error.reason
            src.last_error_kind = error.kind
            src.last_duration = duration
            src.failures += 1
            changes = {
                key: after_error(slot.state, slot.history, error, now)
                for key, slot in self._slots.items()
                if slot.state.panel.source == source_id
            }
            version, teams = self._ledger.commit(changes)
        self._notify(version, teams, False)
        return version

    def sweep(self) -> int:
        """Mark panels stale whose source has not succeeded for its ``stale_after``."""
        now = self._clock()
        with self._lock:
            changes = {}
            for key, slot in self._slots.items():
                state = slot.state
                limit = self.config.sources[state.panel.source].stale_after
                seen = state.updated_at if state.updated_at is not None else self.started_at
                stale = now - seen > limit
                if stale != state.stale:
                    changes[key] = replace(state, stale=stale)
            version, teams = self._ledger.commit(changes)
        self._notify(version, teams, False)
        return version

    def _notify(self, version: int, teams: frozenset[str], layout: bool) -> None:
        if not teams and not layout:
            return
        self.changed.send(version, teams, layout)
