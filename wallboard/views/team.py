"""One team's view at one board version, built once and read by every face.

``TeamViews.get`` reads a team's panels, formats them and keeps the result until the
board moves on: the hub's frames, the team page, /wall, the API and chat all read the
same ``TeamView`` for a version, so none of them formats a panel a second time.

A view is kept per (team, board version, config): every visible change bumps the
board's version and a reload swaps its config. History alone is not news (see
``Board.seed_history``): it rides along with the next version, as on live screens.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from wallboard.board.board import Board, PanelState, worst
from wallboard.board.deploys import Deploy
from wallboard.config.loader import WallConfig
from wallboard.views.order import rank, worst_first
from wallboard.views.screen_shape import screen_team
from wallboard.views.shapes import panel_view, team_since, team_summary

log = logging.getLogger(__name__)
# What a team's panels say while its view or frames cannot be built; the log says why.
FAILED = "this team's data could not be shown; the server log says why"
# What a panel view holds only with its history (the API leaves it out unless asked).
HISTORY_KEYS = frozenset({"spark", "spark_from", "spark_to", "spark_span"})
# What an update frame carries of the team as a whole, beside its changed panels: a
# /wall tile folds its calm panels and sorts by rank, rules that need the whole team.
WHOLE_KEYS = ("status", "state", "rows", "calm", "deploy_note", "problem", "since", "rank")


@dataclass(frozen=True, eq=False)
class TeamView:
    """A team at one board version: its panel views (with history) and what each face
    reads of them, each built on first use. Read-only: callers copy before changing."""

    id: str
    name: str
    version: int
    position: int  # in the config's teams
    teams: int  # how many teams the config has
    panels: tuple[dict[str, Any], ...]
    config: WallConfig

    @cached_property
    def status(self) -> str:
        return worst(p["status"] for p in self.panels)

    @cached_property
    def rank(self) -> int:
        """Its place in ``worst_first`` (sent to /wall, which sorts its tiles by it)."""
        return rank(self.status, self.position, self.teams)

    def plain(self, history: bool = True) -> dict[str, Any]:
        """The team as the API and chat give it: panels with ``display`` strings,
        thresholds, items and, with ``history``, each panel's sparkline points."""
        return self._full if history else self._brief

    @cached_property
    def _full(self) -> dict[str, Any]:
        return self._team(list(self.panels))

    @cached_property
    def _brief(self) -> dict[str, Any]:
        panels = [{k: v for k, v in p.items() if k not in HISTORY_KEYS} for p in self.panels]
        return self._team(panels)

    def _team(self, panels: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "panels": panels,
            "status": self.status,
            "status_since": team_since(self.status, panels),
        }

    @cached_property
    def screen(self) -> dict[str, Any]:
        """The team as a screen draws it (``screen_shape.screen_team``) and its rank."""
        return {**screen_team(self._full), "rank": self.rank}

    @cached_property
    def summary(self) -> dict[str, Any]:
        """Its status and worst panel, for lists of teams (``shapes.team_summary``)."""
        return team_summary(self._brief)

    def whole(self) -> dict[str, Any]:
        """The team-wide part of an update frame: status, tile rows, deploy note, rank."""
        return {key: self.screen[key] for key in WHOLE_KEYS}

    def changed_since(self, version: int) -> list[dict[str, Any]]:
        """Screen panels changed after ``version`` (an update frame's panels)."""
        return [p for p in self.screen["panels"] if p["version"] > version]


class TeamViews:
    """Every team's ``TeamView`` at the board's current version, built on first request.

    Thread-safe: views are built and the memo changed only inside ``board.read()``.
    """

    def __init__(self, board: Board) -> None:
        self.board = board
        self._views: dict[str, TeamView] = {}
        self._failing: set[str] = set()  # teams whose view failed, logged once

    def get(self, team_id: str) -> TeamView:
        """The team's view now; ``KeyError`` if the config has no such team.

        A view that cannot be built or formatted (a value no format takes) is logged
        once with its traceback and replaced by ``failed``: that team shows an error on
        every face, every other team is untouched."""
        with self.board.read() as config:
            known = self._views.get(team_id)
            if known is not None and known.config is config:
                if known.version == self.board.version:
                    return known
            elif known is not None:  # a reload: forget teams that are gone
                self._views = {t: v for t, v in self._views.items() if t in config.teams}
            if team_id not in config.teams:
                raise KeyError(team_id)
            try:
                view = self._build(config, team_id)
                view.screen  # noqa: B018  # formatted now: a value no format takes fails here
                self._failing.discard(team_id)
            except Exception as exc:  # this team only: it shows an error, the others go on
                if team_id not in self._failing:
                    self._failing.add(team_id)
                    log.error("team %s: its view failed; it shows an error", team_id, exc_info=exc)
                view = self.failed(team_id, FAILED)
            self._views[team_id] = view
            return view

    def all(self) -> list[TeamView]:
        """Every team's view, in config order, read at one version."""
        with self.board.read() as config:
            return [self.get(team) for team in config.teams]

    def worst_first(self) -> list[TeamView]:
        """Every team's view, the most severe first; ties in config order."""
        return worst_first(self.all())

    def failed(self, team_id: str, reason: str) -> TeamView:
        """The team's view with every panel an error saying ``reason``: no value, no items,
        status unknown. What its screens show while its real view cannot be built or
        encoded (``fanout.frames``), so one team's bad data never stops another's."""
        with self.board.read() as config:
            version, states = self.board.team_panels(team_id)
            bare = [PanelState(s.team, s.panel, error=reason, version=s.version) for s in states]
            return self._assemble(config, team_id, version, bare, ())

    def _build(self, config: WallConfig, team_id: str) -> TeamView:
        version, states = self.board.team_panels(team_id)
        deploys = self.board.recent_deploys(team_id)
        return self._assemble(config, team_id, version, states, deploys)

    @staticmethod
    def _assemble(
        config: WallConfig,
        team_id: str,
        version: int,
        states: Sequence[PanelState],
        deploys: Sequence[Deploy],
    ) -> TeamView:
        team = config.teams[team_id]
        panels = tuple(panel_view(s, config, deploys=deploys) for s in states)
        return TeamView(
            id=team.id,
            name=team.name,
            version=version,
            position=list(config.teams).index(team_id),
            teams=len(config.teams),
            panels=panels,
            config=config,
        )


def team_view(board: Board, team_id: str, *, history: bool = True) -> dict[str, Any]:
    """A team with all its panels, read now (``TeamView.plain`` without the memo)."""
    return TeamViews(board).get(team_id).plain(history)
