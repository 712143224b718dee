"""Which screens are connected, and to which teams: the hub's attach/detach bookkeeping.

Request threads add screens and the writer removes them, so every read and write
holds one lock; a team's screens are kept in an insertion-ordered dict so a
broadcast reaches them in the order they connected.
"""

from __future__ import annotations

import threading

from wallboard.fanout.screens import Screen


class Roster:
    """The connected screens, by team. Thread-safe; never touches a socket."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._screens: set[Screen] = set()
        self._by_team: dict[str, dict[Screen, None]] = {}  # insertion-ordered sets

    def add(self, screen: Screen) -> None:
        with self._lock:
            self._screens.add(screen)
            for team in screen.teams:
                self._by_team.setdefault(team, {})[screen] = None

    def remove(self, screen: Screen) -> None:
        with self._lock:
            self._screens.discard(screen)
            for team in screen.teams:
                self._by_team.get(team, {}).pop(screen, None)

    def show_all(self, screen: Screen, teams: tuple[str, ...]) -> None:
        """``screen`` (one of every team) now shows ``teams``: those it lacked are added."""
        with self._lock:
            added = [t for t in teams if t not in screen.teams]
            screen.teams = teams
            for team in added:
                self._by_team.setdefault(team, {})[screen] = None

    def __contains__(self, screen: Screen) -> bool:
        with self._lock:
            return screen in self._screens

    def __len__(self) -> int:
        return len(self._screens)

    def everyone(self) -> list[Screen]:
        with self._lock:
            return list(self._screens)

    def of_team(self, team: str) -> list[Screen]:
        with self._lock:
            return list(self._by_team.get(team, ()))

    def counts_by_team(self) -> dict[str, int]:
        with self._lock:
            counts: dict[str, int] = {}
            for screen in self._screens:
                for team in screen.teams:
                    counts[team] = counts.get(team, 0) + 1
            return counts
