"""Worst first, the one order in which every face lists teams.

/wall, the team list on ``/``, the API's team list and the Slack answer all sort by
``rank``: the most severe status first, and teams of the same status in config
order. The /wall page re-sorts its tiles live by the rank each frame carries, so it
never applies an order of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from wallboard.board.status import SEVERITY, severity


class Ranked(Protocol):
    @property
    def rank(self) -> int: ...


R = TypeVar("R", bound=Ranked)


def rank(status: str, position: int, teams: int) -> int:
    """A team's place in the worst-first order: lower comes first.

    ``position`` is the team's index in the config and ``teams`` how many there are,
    so a rank compares on its own, without the other teams at hand.
    """
    return (max(SEVERITY.values()) - severity(status)) * max(teams, 1) + position


def worst_first(views: Iterable[R]) -> list[R]:
    """``views`` sorted by rank: the most severe first, ties in config order."""
    return sorted(views, key=lambda view: view.rank)
