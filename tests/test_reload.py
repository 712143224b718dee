"""Config reload on SIGHUP and ``wallboard reload``, against a real ``wallboard serve`` process."""

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

NEW_TEAM_AND_PANEL = """
[panels.latency]
title = "p99 latency"
source = "demo"
unit = "ms"
metric = "latency"

[teams.checkout]
name = "Checkout Crew"
panels = ["error_rate"]
"""


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def readyz(url: str) -> tuple[int, dict[str, Any]]:
    code, body = fetch(url + "/readyz")
    return code, json.loads(body)


def reload_cli(path: Path, pid_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command("reload", "--config", str(path), "--pid-file", str(pid_file)),
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_it_applies_a_valid_change_to_connected_screens_without_a_reload_storm(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path, demo_config("1s"))
    pid_file = tmp_path / "wall.pid"
    with run_server(path, extra=["--pid-file", str(pid_file)]) as server:
        screen = ScreenClient(server.ws_url + "/ws/teams/payments")
        assert screen.next()["type"] == "hello"
        first = screen.wait_for(lambda m: m["type"] == "snapshot")
        assert "latency" not in [p["id"] for p in first["data"]["panels"]]
        assert "Checkout Crew" not in fetch(server.url + "/")[1]

        text = demo_config("1s").replace(
            'panels = ["error_rate", "services"]', 'panels = ["error_rate", "services", "latency"]'
        )
        path.write_text(text + NEW_TEAM_AND_PANEL)
        done = reload_cli(path, pid_file)
        assert done.returncode == 0, done.stderr
        assert "sent SIGHUP" in done.stdout

        seen: list[dict[str, Any]] = []

        def new_layout(msg: dict[str, Any]) -> bool:
            seen.append(msg)
            if msg["type"] != "snapshot":
                return False
            return "latency" in [p["id"] for p in msg["data"]["panels"]]

        screen.wait_for(new_layout, timeout=10)
        # Same connection, no new hello: the page does not reload itself.
        assert [m["type"] for m in seen if m["type"] in ("hello", "reload")] == []
        server.wait_for_log("config reloaded from")
        assert "Checkout Crew" in fetch(server.url + "/")[1]
        assert fetch(server.url + "/teams/checkout")[0] == 200
        screen.close()


def test_it_keeps_the_old_config_running_when_the_new_file_is_invalid(tmp_path: Path) -> None:
    good = demo_config("1s")
    path = write_config(tmp_path, good)
    with run_server(path) as server, ScreenClient(server.ws_url + "/ws/teams/payments") as screen:
        screen.wait_for(lambda m: m["type"] == "snapshot")
        path.write_text(good.replace("warn = 1.0", 'warn = "high"'))
        server.signal(signal.SIGHUP)
        server.wait_for_log("config reload rejected")
        assert "panels.error_rate.warn" in server.log()

        code, page = fetch(server.url + "/")
        assert code == 200
        assert "The last config reload failed" in page
        assert "panels.error_rate.warn" in page
        end = time.monotonic() + 10
        while (ready := readyz(server.url))[0] != 200:
            assert time.monotonic() < end, ready
            time.sleep(0.1)
        assert "panels.error_rate.warn" in ready[1]["config_error"]
        # The old config still collects and still reaches the screen.
        assert screen.wait_for(lambda m: m["type"] == "update")["team"] == "payments"
        metrics = fetch(server.url + "/metrics")[1]
        assert "wallboard_config_last_reload_successful 0.0" in metrics

        loaded_at = float(gauge(metrics, "wallboard_config_last_reload_success_timestamp_seconds"))
        path.write_text(good)
        fixed_at = time.time()
        server.signal(signal.SIGHUP)
        end = time.monotonic() + 10
        while readyz(server.url)[1]["config_error"] is not None:
            assert time.monotonic() < end, "a good file never cleared the reload error"
            time.sleep(0.1)
        assert "The last config reload failed" not in fetch(server.url + "/")[1]
        metrics = fetch(server.url + "/metrics")[1]
        assert gauge(metrics, "wallboard_config_last_reload_successful") == "1.0"
        reloaded_at = float(
            gauge(metrics, "wallboard_config_last_reload_success_timestamp_seconds")
        )
        assert loaded_at < fixed_at <= reloaded_at


def gauge(metrics: str, name: str) -> str:
    """The value of an unlabelled series in an exposition text."""
    (value,) = [line.split()[1] for line in metrics.splitlines() if line.split()[0] == name]
    return value


def test_it_refuses_to_signal_the_server_when_the_file_is_invalid(tmp_path: Path) -> None:
    good = demo_config("1s")
    path = write_config(tmp_path, good)
    pid_file = tmp_path / "wall.pid"
    with run_server(path, extra=["--pid-file", str(pid_file)]) as server:
        path.write_text(good.replace('source = "demo"', 'source = "demoo"', 1))
        done = reload_cli(path, pid_file)
        assert done.returncode == 1
        assert "panels.error_rate.source" in done.stderr
        assert "the running server keeps its config" in done.stderr
        time.sleep(0.5)
        assert "SIGHUP" not in server.log()
        assert readyz(server.url)[1]["config_error"] is None
