"""A list panel's headline counts its bad rows and takes the worst row's colour, on every
face: the team page, /wall, the API and chat read the same view."""

from __future__ import annotations

import tomllib

from collectors.base import Collection, Item, Reading
from tests.board.test_board import Clock
from wallboard.board.board import Board
from wallboard.config import loader as config_mod
from wallboard.views.chat import team_message
from wallboard.views.team import TeamViews

CONFIG = """
[sources.demo]
type = "demo"
interval = "30s"

[panels.issues]
title = "Sentry issues"
source = "demo"
kind = "issues"
unit = "count"
metric = "issues"
warn = 10
crit = 20

[teams.payments]
name = "Payments"
panels = ["issues"]
"""


def issues(*levels: str, listed: int | None = None) -> tuple[Board, Clock]:
    clock = Clock()
    board = Board(config_mod.parse(tomllib.loads(CONFIG), env={}), clock=clock)
    rows = tuple(
        Item(f"KeyError {n}", status, since=clock.now - 60 * (n + 1))
        for n, status in enumerate(levels)
    )
    value = float(len(rows) if listed is None else listed)
    board.apply("demo", Collection(readings={("payments", "issues"): Reading(value, items=rows)}))
    return board, clock


def test_a_list_never_shows_a_green_number_over_red_rows() -> None:
    board, clock = issues("crit", "crit", "crit", "crit", "crit", "ok", "ok", "ok")
    view = TeamViews(board).get("payments")
    panel = view.plain()["panels"][0]
    # 8 issues is under the warn threshold of 10, but five of them are errors.
    assert (panel["display"], panel["status"]) == ("5 issues", "crit")
    assert panel["status_since"] == clock.now - 5 * 60  # the oldest red row's start
    assert view.status == "crit" and view.summary["worst_panel"]["display"] == "5 issues"
    screen = view.screen["panels"][0]
    assert screen["screen"]["class"].startswith("panel status-crit")
    assert screen["screen"]["since"]["lead"] == "crit for "


def test_the_count_is_the_bad_rows_coloured_by_the_worst() -> None:
    board, _ = issues("warn", "ok", "warn")
    panel = TeamViews(board).get("payments").plain()["panels"][0]
    assert (panel["display"], panel["status"]) == ("2 issues", "warn")
    board, _ = issues("ok", "warn")
    panel = TeamViews(board).get("payments").plain()["panels"][0]
    assert (panel["display"], panel["status"]) == ("1 issue", "warn")


def test_rows_all_fine_read_zero_in_green() -> None:
    board, _ = issues("ok", "ok")
    panel = TeamViews(board).get("payments").plain()["panels"][0]
    assert (panel["display"], panel["status"]) == ("0 issues", "ok")


def test_a_partial_list_says_its_count_is_a_lower_bound() -> None:
    board, _ = issues("crit", "ok", listed=30)  # the source listed its top 2 of 30
    panel = TeamViews(board).get("payments").plain()["panels"][0]
    assert (panel["display"], panel["status"]) == ("1+ issues", "crit")


def test_chat_says_the_same_words_as_the_screen() -> None:
    board, _ = issues("crit", "crit", "ok")
    view = TeamViews(board).get("payments")
    text = str(team_message(view.plain(history=False), "http://wall/t/payments"))
    assert "2 issues" in text
