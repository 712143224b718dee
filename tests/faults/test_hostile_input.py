"""Bad input gets a 4xx or a quiet close, never a 500 or a traceback per request.

A deploy ``time`` of 400 digits, a screen frame nested 2000 deep (many times over),
``?teams=`` naming one team again and again, a config nested past any sane depth and
a CLI whose reader goes away early (``| head -2``).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import urllib3
from websockets.exceptions import ConnectionClosed

from tests.support.live import LiveSpec, LiveWall, demo_config, serve_wall, write_config
from tests.support.screens import ScreenClient
from wallboard.config import loader

TOKEN = "deploy-token-for-hostile-tests"
DEPLOYS = '\n[deploys]\ntoken_env = "DEPLOY_TOKEN"\n'
HTTP = urllib3.PoolManager(retries=False)


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    path = write_config(tmp_path_factory.mktemp("hostile-input"), demo_config() + DEPLOYS)
    return LiveSpec(path, env={"DEPLOY_TOKEN": TOKEN}, shared=True)


def deploy(live: LiveWall, body: bytes) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    answer = HTTP.request("POST", f"{live.url}/hooks/deploy", body=body, headers=headers)
    return answer.status, json.loads(answer.data)


TIMES = {
    "400 digits": b"1" + b"0" * 399,
    "negative 400 digits": b"-1" + b"0" * 399,
    "float overflowing": b"1e400",
    "NaN": b"NaN",
    "Infinity": b"Infinity",
    "year 1 at +23:59": b'"0001-01-01T00:00:00+23:59"',
    "a long ISO string": b'"' + b"2026-01-01T00:00:00" + b"0" * 5000 + b'+00:00"',
}


@pytest.mark.parametrize("name", list(TIMES))
def test_a_deploy_time_out_of_any_range_is_a_400(live: LiveWall, name: str) -> None:
    version = live.wall.board.version
    body = b'{"team": "payments", "version": "v1", "time": ' + TIMES[name] + b"}"
    status, answer = deploy(live, body)
    assert status == 400, (name, status, answer)
    assert answer["error"]["message"], answer
    assert live.wall.board.version == version


def closed_with(client: ScreenClient) -> int | None:
    """The close code the server sent (None: the connection dropped without one)."""
    try:
        while True:
            client.conn.recv(timeout=5)
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd is not None else None


def test_a_deeply_nested_screen_frame_closes_1009_with_one_log_line(
    live: LiveWall, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    frame = "[" * 2000 + "]" * 2000  # fits in a screen's 4096-byte frame
    for _ in range(5):
        with ScreenClient(f"{live.ws_url}/ws/teams/payments") as client:
            assert client.next()["type"] == "hello"
            client.conn.send(frame)
            assert closed_with(client) == 1009
    with ScreenClient(f"{live.ws_url}/ws/teams/payments") as client:  # still serving
        assert client.next()["type"] == "hello"
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    refused = [r for r in caplog.records if "frame refused" in r.getMessage()]
    assert len(refused) == 1, [r.getMessage() for r in refused]
    assert live.wall.hub.refusals.count == 5


def test_repeating_a_team_in_teams_sends_it_once(live: LiveWall) -> None:
    url = f"{live.ws_url}/ws/screens?teams=" + ",".join(["payments"] * 50 + ["search"])
    with ScreenClient(url) as client:
        hello = client.next()
        assert hello["teams"] == ["payments", "search"]
        snapshots = [client.next()["team"], client.next()["team"]]
        assert snapshots == ["payments", "search"]
        with pytest.raises(TimeoutError):
            client.next(timeout=0.5)
    assert live.wall.hub.screen_count <= 1


def test_a_config_nested_too_deep_names_the_key_and_the_line(tmp_path: Path) -> None:
    text = demo_config() + "\n[teams.deep]\npanels = []\nweights = " + "[" * 3000 + "]" * 3000
    path = write_config(tmp_path, text)
    with pytest.raises(loader.ConfigError) as info:
        loader.load(path, env={})
    (issue,) = info.value.issues
    line = text.count("\n", 0, text.index("weights")) + 1
    assert issue.path == "teams.deep.weights", issue
    assert f"line {line}," in issue.message, issue


def test_every_cli_command_exits_quietly_when_its_reader_leaves(tmp_path: Path) -> None:
    text = demo_config()
    for i in range(1500):  # a summary longer than a pipe buffer (64 KiB)
        text += f'\n[teams.team{i}]\nname = "Team {i}"\npanels = ["error_rate"]\n'
    path = write_config(tmp_path, text)
    for command in (["check-config", str(path)], ["check-config", "--offline", str(path)]):
        run = subprocess.Popen(
            [sys.executable, "-m", "wallboard", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert run.stdout is not None and run.stderr is not None
        run.stdout.readline()
        run.stdout.readline()
        run.stdout.close()  # `| head -2`
        errors = run.stderr.read().decode()
        assert run.wait(timeout=30) == 141, errors
        assert errors == "", errors


def test_json_bodies_read_by_flask_are_bounded_too(tmp_path: Path) -> None:
    """``request.get_json`` (the screens API) parses like the webhooks: a body nested
    100,000 deep or holding a huge number is refused with a 400, not a 500."""
    text = demo_config() + '\n[screen]\nadmin_tokens_env = ["ADMIN_TOKEN"]\n'
    path = write_config(tmp_path, text)
    with serve_wall(path, env={"ADMIN_TOKEN": TOKEN}, schedule=False) as running:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        for body in (b"[" * 100_000, b'{"code": 1' + b"0" * 400 + b"}", b'{"code": NaN}'):
            answer = HTTP.request(
                "POST", f"{running.url}/api/v1/screens/approve", body=body, headers=headers
            )
            assert answer.status == 400, (body[:20], answer.status, answer.data[:200])
            assert json.loads(answer.data)["error"]["message"]
