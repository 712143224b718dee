"""Worst first, everywhere: /wall, the team list, the API and Slack list tied teams alike."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from collectors.base import Collection, Reading
from tests.support.api_client import fetch, slack_headers
from tests.support.live import LiveSpec, LiveWall, demo_config, write_config
from wallboard.views.order import rank, worst_first

SECRET = "wallboard-test-signing-secret"
# Config order is not name order (zulu before alpha): a tie broken by name would show.
TEAMS = ("zulu", "alpha", "mike", "bravo")
CONFIG = (
    demo_config("1h").split("[teams.")[0]
    + '[slack]\nsigning_secret_env = "WB_SLACK_SECRET"\n'
    + "".join(f'[teams.{t}]\nname = "{t.title()}"\npanels = ["error_rate"]\n' for t in TEAMS)
)
RATES = {"zulu": 0.001, "alpha": 0.002, "mike": 0.2, "bravo": 0.003}  # mike crit, others ok
EXPECTED = ["mike", "zulu", "alpha", "bravo"]


def rates(live: LiveWall) -> None:
    readings = {(team, "error_rate"): Reading(value=v) for team, v in RATES.items()}
    live.wall.board.apply("demo", Collection(readings=readings))


@pytest.fixture
def live_spec(tmp_path: Path) -> LiveSpec:
    config = write_config(tmp_path, CONFIG)
    return LiveSpec(config, env={"WB_SLACK_SECRET": SECRET}, prepare=rates)


def test_the_rank_sorts_by_severity_then_config_order() -> None:
    assert rank("crit", 3, 4) < rank("warn", 0, 4) < rank("unknown", 0, 4) < rank("ok", 0, 4)
    assert rank("ok", 1, 4) < rank("ok", 2, 4)

    class Team:
        def __init__(self, name: str, status: str, position: int) -> None:
            self.name, self.rank = name, rank(status, position, 3)

    teams = [Team("c", "ok", 0), Team("a", "crit", 1), Team("b", "ok", 2)]
    assert [t.name for t in worst_first(teams)] == ["a", "c", "b"]


def test_slack_the_api_and_the_wall_list_tied_teams_in_config_order(live: LiveWall) -> None:
    api = [t["id"] for t in fetch(f"{live.url}/api/v1/teams").json()["teams"]]

    body = urlencode({"command": "/errors", "text": "", "user_id": "U1"}).encode()
    headers = slack_headers(SECRET, int(time.time()), body)
    answer = fetch(f"{live.url}/api/v1/slack/command", method="POST", headers=headers, data=body)
    blocks = json.dumps(answer.json()["blocks"])
    slack = re.findall(r"/teams/(\w+)\|", blocks)

    page = html.unescape(fetch(f"{live.url}/wall").body.decode())
    tile = r'<section class="tile [^"]*" data-team="(\w+)"[^>]* data-rank="(\d+)"'
    tiles = re.findall(tile, page)
    wall = [team for team, _ in tiles]
    ranks = [int(r) for _, r in tiles]

    rows = re.findall(r'<td><a href="/teams/(\w+)">', fetch(f"{live.url}/").body.decode())
    index = list(dict.fromkeys(rows))  # a row links its team twice (name, "screen")

    assert api == slack == wall == index == EXPECTED
    # The page re-sorts live by the rank it is sent, which gives the same order.
    assert ranks == sorted(ranks)
