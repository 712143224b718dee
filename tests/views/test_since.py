"""Since when: the board records when each panel's status began, the views carry it to
the team (its worst panels') and write it as a ticking "crit for 12 min"; a calm team's
worst panel is the one nearest its threshold.
"""

from __future__ import annotations

import tomllib

from collectors.base import Collection, Reading
from tests.board.test_board import CONFIG, Clock
from wallboard.board.board import Board
from wallboard.config import loader as config_mod
from wallboard.views.screen_shape import age_text, since_line
from wallboard.views.team import TeamViews, team_view


def test_a_status_keeps_its_start_until_it_changes() -> None:
    clock = Clock()
    board = Board(config_mod.parse(tomllib.loads(CONFIG), env={}), clock=clock)
    start = clock.now

    def rate(value: float) -> None:
        board.apply("demo", Collection(readings={("payments", "error_rate"): Reading(value)}))

    rate(0.09)  # crit
    clock.now += 60
    rate(0.08)  # still crit: the start stays
    panel = next(p for p in team_view(board, "payments")["panels"] if p["id"] == "error_rate")
    assert panel["status"] == "crit" and panel["status_since"] == start
    clock.now += 60
    rate(0.02)  # warn: a new start
    team = team_view(board, "payments")
    panel = next(p for p in team["panels"] if p["id"] == "error_rate")
    assert panel["status_since"] == start + 120
    # The team is at its worst panel's status, since that panel's start.
    assert team["status"] == "warn" and team["status_since"] == start + 120


def test_since_reads_as_a_duration_that_ticks() -> None:
    line = since_line("crit", 1000.0)
    assert line == {"lead": "crit for ", "at": 1000.0, "tail": "", "form": "for"}
    assert age_text(720, "for") == "12 min"
    assert since_line("ok", 1000.0)["lead"] == ""
    assert since_line("crit", None)["lead"] == ""


def test_the_worst_panel_of_a_calm_team_is_the_one_nearest_its_threshold() -> None:
    clock = Clock()
    board = Board(config_mod.parse(tomllib.loads(CONFIG), env={}), clock=clock)
    board.apply("demo", Collection(readings={("payments", "error_rate"): Reading(0.002)}))
    # Requests fall towards their "below 50" warning: 60 is nearer than 0.2 % is to 1 %.
    board.apply("other", Collection(readings={("payments", "throughput"): Reading(60.0)}))
    worst = TeamViews(board).get("payments").summary["worst_panel"]
    assert worst is not None and worst["id"] == "throughput"
