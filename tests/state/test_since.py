"""Since when a panel and a team are in their status: kept by the store across a restart.

A TV that says "crit for 40 min" must not say "crit for 1 min" after a deploy: the time
a status began is part of the state the SQLite file keeps (and Redis replicates: see
``test_replicas.py``).
"""

from __future__ import annotations

import time
from pathlib import Path

from collectors.base import Collection, Reading
from tests.support.live import demo_config, write_config
from wallboard.config import loader as config_mod
from wallboard.reload import Reload
from wallboard.server import open_state
from wallboard.wall import Wall


def opened(path: Path) -> Wall:
    wall = Wall(config_mod.load(str(path), env={}), env={}, build="test")
    wall.state = open_state(wall)
    wall.start(schedule=False)
    return wall


def crit(wall: Wall, value: float = 9.0) -> None:
    # A ratio: 9.0 is 900 %, over the panel's crit of 5 %.
    wall.board.apply("demo", Collection(readings={("payments", "error_rate"): Reading(value)}))


def since(wall: Wall) -> tuple[float | None, float | None]:
    """(panel, team) since-when as every face reads them (the team's view)."""
    with wall.board.read():
        team = wall.views.get("payments").plain()
    panel = next(p for p in team["panels"] if p["id"] == "error_rate")
    assert panel["status"] == "crit"
    return panel["status_since"], team["status_since"]


def test_since_when_survives_a_restart_and_a_same_status_reading(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config())
    first = opened(path)
    try:
        crit(first)
        began = since(first)
        assert began[0] is not None and began[0] <= time.time()
        assert began[1] == began[0]
    finally:
        first.stop()  # the last flush
    second = opened(path)
    try:
        assert since(second) == began  # not "crit for 0 min" after a restart
        crit(second, 12.0)  # still crit: the clock carries on
        assert since(second) == began
    finally:
        second.stop()


def test_a_reload_that_changes_the_status_restarts_the_clock(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config())
    wall = opened(path)
    try:
        crit(wall, 9.0)
        began, _ = since(wall)
        # New thresholds make the same value warn: the crit clock does not carry over.
        write_config(tmp_path, demo_config().replace("crit = 5.0", "crit = 5000.0"))
        assert Reload(wall)(str(path))
        with wall.board.read():
            team = wall.views.get("payments").plain()
        panel = next(p for p in team["panels"] if p["id"] == "error_rate")
        assert panel["status"] == "warn"
        assert panel["status_since"] is not None and panel["status_since"] > began
    finally:
        wall.stop()
