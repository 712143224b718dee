"""Each team's snapshot and update frames, encoded once per ``TeamView`` (team, version).

The hub asks for bytes and writes them; what a frame holds (the team's screen view,
the changed panels, the tile's rows and rank) is decided here and in ``views``. Every
screen of a team at one version gets the same bytes: one snapshot per version however
many screens resync, one update per broadcast. A team whose frames fail (a value no
formatting or JSON takes) gets an error snapshot instead; every other team's frames
keep flowing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from wallboard.fanout import protocol
from wallboard.views.team import FAILED, TeamView, TeamViews

log = logging.getLogger(__name__)


@dataclass
class _Encoded:
    view: TeamView
    snapshot: bytes | None = None
    updates: dict[int, bytes] = field(default_factory=dict)  # since -> frame


class Frames:
    """Encoded frames by team, kept while the team's view is current.

    Used by the hub's writer thread only, so it takes no lock of its own (the views
    it reads are built under the board's)."""

    def __init__(self, views: TeamViews) -> None:
        self.views = views
        self._encoded: dict[str, _Encoded] = {}
        self._failing: set[str] = set()  # teams whose frames failed, logged once

    def snapshot(self, team: str) -> tuple[int, bytes] | None:
        """(version, the team's snapshot frame); None if the config has no such team."""
        try:
            made = self._snapshot(team)
        except Exception as exc:  # this team's data only: see _failed
            return self._failed(team, exc)
        self._failing.discard(team)
        return made

    def update(self, team: str, since: int) -> tuple[int, bytes] | None:
        """(version, the frame of what changed after ``since``); None for an unknown team.

        After the team's frames failed, its screens hold an error snapshot: the first
        good frame is then a whole snapshot, not the changes."""
        try:
            made = self._snapshot(team) if team in self._failing else self._update(team, since)
        except Exception as exc:  # this team's data only: see _failed
            return self._failed(team, exc)
        self._failing.discard(team)
        return made

    def _snapshot(self, team: str) -> tuple[int, bytes] | None:
        encoded = self._current(team)
        if encoded is None:
            return None
        if encoded.snapshot is None:
            encoded.snapshot = protocol.snapshot(encoded.view.screen)
        return encoded.view.version, encoded.snapshot

    def _update(self, team: str, since: int) -> tuple[int, bytes] | None:
        encoded = self._current(team)
        if encoded is None:
            return None
        view = encoded.view
        frame = encoded.updates.get(since)
        if frame is None:
            frame = protocol.update(view.id, view.version, view.changed_since(since), view.whole())
            encoded.updates[since] = frame
        return view.version, frame

    def _failed(self, team: str, exc: Exception) -> tuple[int, bytes] | None:
        """A snapshot of ``team`` with every panel in error, after its frames could not
        be built or encoded (a value no formatting or JSON takes). Logged once, with the
        traceback, until the team's frames work again; other teams are untouched."""
        if team not in self._failing:
            self._failing.add(team)
            log.error("team %s: frames failed; its screens show an error", team, exc_info=exc)
        try:
            view = self.views.failed(team, FAILED)
            return view.version, protocol.snapshot(view.screen)
        except Exception:  # even the bare view failed (or a reload removed the team)
            log.debug("team %s: no error snapshot either", team, exc_info=True)
            return None

    def _current(self, team: str) -> _Encoded | None:
        try:
            view = self.views.get(team)
        except KeyError:  # a reload removed it
            self._encoded.pop(team, None)
            return None
        encoded = self._encoded.get(team)
        if encoded is None or encoded.view is not view:
            encoded = self._encoded[team] = _Encoded(view)
        return encoded
