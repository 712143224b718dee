"""Each team's snapshot and update frames, encoded once per ``TeamView`` (team, version).

The hub asks for bytes and writes them; what a frame holds (the team's screen view,
the changed panels, the tile's rows and rank) is decided here and in ``views``. Every
screen of a team at one version gets the same bytes: one snapshot per version however
many screens resync, one update per broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wallboard.fanout import protocol
from wallboard.views.team import TeamView, TeamViews


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

    def snapshot(self, team: str) -> tuple[int, bytes] | None:
        """(version, the team's snapshot frame); None if the config has no such team."""
        encoded = self._current(team)
        if encoded is None:
            return None
        if encoded.snapshot is None:
            encoded.snapshot = protocol.snapshot(encoded.view.screen)
        return encoded.view.version, encoded.snapshot

    def update(self, team: str, since: int) -> tuple[int, bytes] | None:
        """(version, the frame of what changed after ``since``); None for an unknown team."""
        encoded = self._current(team)
        if encoded is None:
            return None
        view = encoded.view
        frame = encoded.updates.get(since)
        if frame is None:
            frame = protocol.update(view.id, view.version, view.changed_since(since), view.whole())
            encoded.updates[since] = frame
        return view.version, frame

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
