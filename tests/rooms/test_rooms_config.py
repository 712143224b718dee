"""``[rooms.<id>]`` in the config: both forms load; every bad reference is a key-path error,
and ``check-config`` exits 1 naming them without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.live import demo_config, write_config
from wallboard.config import loader
from wallboard.config.model import RotationPage

GOOD = """
[rooms.window]
title = "By the window"
teams = ["search", "payments"]

[rooms.platform]
title = "Platform TV"
focus = "trouble"
rotation = [
  { team = "payments", dwell = "20s" },
  { room = "window" },
  { wall = true, dwell = "1m" },
]
"""


def errors_of(tmp_path: Path, rooms: str) -> list[str]:
    with pytest.raises(loader.ConfigError) as info:
        loader.load(write_config(tmp_path, demo_config() + rooms))
    return [str(issue) for issue in info.value.issues]


def test_it_loads_a_wall_room_and_a_rotation(tmp_path: Path) -> None:
    config = loader.load(write_config(tmp_path, demo_config() + GOOD))
    window, platform = config.rooms["window"], config.rooms["platform"]
    assert (window.title, window.teams, window.kind) == (
        "By the window",
        ("search", "payments"),
        "wall",
    )
    assert platform.kind == "rotation" and platform.focus == "trouble"
    assert platform.rotation == (
        RotationPage("team", "payments", 20.0),
        RotationPage("room", "window", 30.0),
        RotationPage("wall", "", 60.0),
    )
    assert [p.path for p in platform.rotation] == ["/teams/payments", "/rooms/window", "/wall"]


@pytest.mark.parametrize(
    ("rooms", "expected"),
    [
        (
            '[rooms.tv]\ntitle = "TV"\nteams = ["payments", "serch"]\n',
            'rooms.tv.teams[1]: no team named "serch"; did you mean "search"?',
        ),
        (
            '[rooms.tv]\ntitle = "TV"\nrotation = [{ team = "payments" }, { team = "nobody" }]\n',
            'rooms.tv.rotation[1].team: no team named "nobody"',
        ),
        (
            '[rooms.tv]\ntitle = "TV"\nrotation = [{ room = "lobby" }]\n',
            'rooms.tv.rotation[0].room: no room named "lobby"',
        ),
        (
            '[rooms.a]\ntitle = "A"\nrotation = [{ wall = true }]\n'
            '[rooms.b]\ntitle = "B"\nrotation = [{ room = "a" }]\n',
            "rooms.b.rotation[0].room: a rotation shows rooms that are walls of teams",
        ),
        (
            '[rooms.tv]\ntitle = "TV"\nrotation = [{ team = "payments", wall = true }]\n',
            "rooms.tv.rotation[0]: each page names exactly one of",
        ),
        (
            '[rooms.tv]\ntitle = "TV"\nteams = ["payments"]\nrotation = [{ wall = true }]\n',
            "rooms.tv: a room has either teams = [...] or rotation = [...], not both",
        ),
        (
            '[rooms.tv]\ntitle = "TV"\nteams = ["payments"]\nfocus = "trouble"\n',
            'rooms.tv: focus = "trouble" applies to a rotation only',
        ),
        (
            '[rooms.tv]\ntitle = "TV"\nrotation = [{ team = "payments", dwell = "1s" }]\n',
            "rooms.tv.rotation[0].dwell: must be between 2 s and",
        ),
        ('[rooms.tv]\nteams = ["payments"]\n', "rooms.tv.title: required key is missing"),
        ('[rooms.TV]\ntitle = "TV"\nteams = ["payments"]\n', "rooms.TV: room ids are lowercase"),
    ],
)
def test_it_names_the_key_path_of_every_bad_room(tmp_path: Path, rooms: str, expected: str) -> None:
    errors = errors_of(tmp_path, rooms)
    assert any(e.startswith(expected) for e in errors), errors


@pytest.mark.processes
def test_check_config_exits_1_naming_an_unknown_team_of_a_room(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config() + '[rooms.tv]\ntitle = "TV"\nteams = ["nope"]\n')
    result = subprocess.run(
        [sys.executable, "-m", "wallboard", "check-config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f'{path}: rooms.tv.teams[0]: no team named "nope"' in result.stderr
    assert "Traceback" not in result.stderr
