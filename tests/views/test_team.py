"""A team's view is built once per board version and read by every face."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.base import Collection, Reading
from tests.support.live import demo_config, write_config
from wallboard.board.board import Board
from wallboard.config import loader
from wallboard.fanout.frames import Frames
from wallboard.views.team import TeamViews


def board_of(tmp_path: Path) -> Board:
    return Board(loader.load(write_config(tmp_path, demo_config())))


def reading(board: Board, rate: float) -> int:
    readings = {("payments", "error_rate"): Reading(value=rate)}
    return board.apply("demo", Collection(readings=readings))


def test_it_builds_a_view_once_per_version(tmp_path: Path) -> None:
    board = board_of(tmp_path)
    views = TeamViews(board)
    first = views.get("payments")
    assert views.get("payments") is first  # nothing changed: the same view, not a copy
    version = reading(board, 0.07)
    fresh = views.get("payments")
    assert fresh is not first and fresh.version == version
    assert fresh.status == "crit" and fresh.screen["status"] == "crit"
    assert fresh.screen["rank"] == fresh.rank


def test_it_forgets_teams_a_reload_removed(tmp_path: Path) -> None:
    board = board_of(tmp_path)
    views = TeamViews(board)
    views.get("search")
    board.reconfigure(loader.load(write_config(tmp_path, demo_config().split("[teams.search]")[0])))
    with pytest.raises(KeyError):
        views.get("search")
    assert [v.id for v in views.all()] == ["payments"]


def test_the_api_shape_leaves_history_out_unless_asked(tmp_path: Path) -> None:
    board = board_of(tmp_path)
    reading(board, 0.004)
    view = TeamViews(board).get("payments")
    assert "spark" in view.plain(history=True)["panels"][0]
    brief = view.plain(history=False)["panels"][0]
    assert "spark" not in brief and "spark_span" not in brief
    assert brief["display"] == "0.40 %"
    # services has no reading: unknown is worse than ok, so it is the worst panel.
    assert view.summary["worst_panel"]["id"] == "services"


def test_frames_are_encoded_once_per_version(tmp_path: Path) -> None:
    board = board_of(tmp_path)
    frames = Frames(TeamViews(board))
    made = frames.snapshot("payments")
    assert made is not None
    assert frames.snapshot("payments") == made and frames.snapshot("payments")[1] is made[1]
    since = made[0]
    version = reading(board, 0.02)
    update = frames.update("payments", since)
    assert update is not None and update[0] == version
    assert frames.update("payments", since)[1] is update[1]
    assert frames.snapshot("nope") is None and frames.update("nope", -1) is None
