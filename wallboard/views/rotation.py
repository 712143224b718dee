"""Where a room's rotation stands at a moment: which page, until when, and why.

The position is a function of the time and the board, never of the screen: every TV
of a room shows the same page, and a reload, a reconnect or another replica lands
where the rotation already was (``/rooms/<id>`` renders it, the page reloads itself
when the slot ends or the trouble changes).

- Calm: the pages in order, each for its dwell, the cycle counted from the epoch.
- ``focus = "trouble"`` and some teams crit: only those teams' own pages, the one that
  turned crit most recently first, the cycle counted from that moment, so a team that
  just turned crit is on screen at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wallboard.config.model import Room, RotationPage
from wallboard.config.rooms import page_teams

TROUBLE = "crit"


@dataclass(frozen=True)
class Slot:
    page: RotationPage  # what is on screen now
    index: int  # its place in the cycle shown (``pages``)
    pages: tuple[RotationPage, ...]  # the cycle being shown: all pages, or the troubled teams
    started: float
    ends: float
    troubled: tuple[str, ...]  # crit teams of the rotation (empty unless focus is on)

    @property
    def header(self) -> str:
        """ "2 teams in trouble — calm teams paused", or "" in the full cycle."""
        if not self.troubled:
            return ""
        n = len(self.troubled)
        return f"{n} team{'' if n == 1 else 's'} in trouble — calm teams paused"


def _cycle(pages: Sequence[RotationPage], elapsed: float) -> tuple[int, float, float]:
    """(index, seconds into it, its dwell) ``elapsed`` seconds into a repeating cycle."""
    total = sum(p.dwell for p in pages)
    into = math.fmod(max(0.0, elapsed), total)
    for i, page in enumerate(pages):
        if into < page.dwell:
            return i, into, page.dwell
        into -= page.dwell
    return len(pages) - 1, pages[-1].dwell, pages[-1].dwell  # float rounding at the very end


def position(
    room: Room,
    rooms: Mapping[str, Room],
    all_teams: list[str],
    teams: Mapping[str, tuple[str, float | None]],
    now: float,
) -> Slot:
    """The slot of ``room`` (a rotation) at ``now``; ``teams`` is id -> (status, since)."""
    troubled = _troubled(room, rooms, all_teams, teams, now) if room.focus == "trouble" else []
    if troubled:
        dwell: dict[str, float] = {}
        for page in room.rotation:
            for team in page_teams(page, rooms, all_teams):
                dwell.setdefault(team, page.dwell)
        pages = tuple(RotationPage("team", t, dwell[t]) for t, _ in troubled)
        anchor = troubled[0][1]
    else:
        pages, anchor = room.rotation, 0.0
    index, into, length = _cycle(pages, now - anchor)
    started = now - into
    return Slot(
        pages[index], index, pages, started, started + length, tuple(t for t, _ in troubled)
    )


def _troubled(
    room: Room,
    rooms: Mapping[str, Room],
    all_teams: list[str],
    teams: Mapping[str, tuple[str, float | None]],
    now: float,
) -> list[tuple[str, float]]:
    """Crit teams of the rotation with since when (at most now), the newest first."""
    order = [t for page in room.rotation for t in page_teams(page, rooms, all_teams)]
    out: dict[str, float] = {}
    for team in order:
        status, since = teams.get(team, ("unknown", None))
        if status == TROUBLE and team not in out:
            out[team] = min(now, since if since is not None else now)
    first = {t: i for i, t in reversed(list(enumerate(order)))}
    return sorted(out.items(), key=lambda item: (-item[1], first[item[0]]))
