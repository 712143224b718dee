"""Out-of-range config through every door: check-config, serve and SIGHUP alike.

The values are the ones that once broke a running wall (a heartbeat of 10^20
days killed the hub thread, an enormous interval crashed ``serve`` and a SIGHUP
left a half-swapped config with ``Infinity`` in /readyz).
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support.live import demo_config, write_config
from tests.support.process import command, run_server
from tests.support.screens import ScreenClient

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)

BREAKERS = [
    ('heartbeat = "1s"', 'heartbeat = "99999999999999999999d"', "wall.heartbeat"),
    ('heartbeat = "1s"', 'heartbeat = "0.0000001ms"', "wall.heartbeat"),
    ('interval = "1s"', 'interval = "99999999999999999999d"', "sources.demo.interval"),
    ('interval = "1s"', 'interval = "500ms"', "sources.demo.interval"),
    ("crit = 5.0", "crit = nan", "panels.error_rate.crit"),
    ("warn = 1.0", "warn = -inf", "panels.error_rate.warn"),
]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def strict_json(text: str) -> dict[str, Any]:
    """JSON as the RFC has it: Python's parser accepts Infinity and NaN, browsers do not."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON: {text}")

    parsed: dict[str, Any] = json.loads(text, parse_constant=refuse)
    return parsed


@pytest.mark.parametrize(("good", "bad", "path"), BREAKERS)
def test_check_config_names_the_key_path_and_the_range(
    tmp_path: Path, good: str, bad: str, path: str
) -> None:
    config = write_config(tmp_path, demo_config("1s").replace(good, bad, 1))
    done = subprocess.run(
        command("check-config", str(config)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert path in done.stderr + done.stdout, done.stderr
    assert "Traceback" not in done.stderr


def test_serve_refuses_an_out_of_range_heartbeat_without_a_traceback(tmp_path: Path) -> None:
    text = demo_config("1s").replace('heartbeat = "1s"', 'heartbeat = "99999999999999999999d"')
    done = subprocess.run(
        command("serve", "--config", str(write_config(tmp_path, text)), "--port", "0"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "wall.heartbeat: must be between 1 s and 5 min" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_sighup_with_an_enormous_interval_keeps_the_old_config_serving(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config("1s"))
    with (
        run_server(path) as server,
        ScreenClient(server.ws_url + "/ws/teams/payments") as screen,
    ):
        assert screen.next()["type"] == "hello"
        path.write_text(demo_config("99999999999999999999d"))
        server.signal(signal.SIGHUP)
        end = time.monotonic() + 15
        while True:
            _, body = fetch(server.url + "/readyz")
            details = strict_json(body)
            if details["config_error"]:
                break
            assert time.monotonic() < end, body
            time.sleep(0.1)
        assert "sources.demo.interval" in details["config_error"]
        assert details["sources"]["demo"]["interval_seconds"] == 1.0  # the old config
        metrics = fetch(server.url + "/metrics")[1]
        assert "wallboard_config_last_reload_successful 0.0" in metrics
        # The running wall still collects every second and tells its screens.
        first = screen.wait_for(lambda m: m["type"] in ("update", "snapshot"), timeout=10)
        later = screen.wait_for(
            lambda m: m["type"] == "update" and m["version"] > first.get("version", 0),
            timeout=10,
        )
        assert later["version"] > first.get("version", 0)
