"""/healthz and /readyz against a real wall served on loopback."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.live import demo_config, serve_wall, write_config
from wallboard.ops.probes import READY_INTERVALS, readiness


def get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_for_status(url: str, status: int, timeout: float = 10.0) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while True:
        code, body = get(url)
        if code == status or time.monotonic() > end:
            assert code == status, body
            return body
        time.sleep(0.1)


def test_it_answers_healthz_while_the_process_serves(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config())
    with serve_wall(path, schedule=False) as live:
        assert get(live.url + "/healthz") == (200, {"status": "ok"})


def test_it_is_unready_before_the_scheduler_runs_the_first_collection(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config())
    with serve_wall(path, schedule=False) as live:
        code, body = get(live.url + "/readyz")
    assert code == 503
    assert body["scheduler_running"] is False
    assert body["reasons"] == ["scheduler not running"]
    # The source itself has not had its first cycle yet, which is not its fault.
    assert body["sources"]["demo"]["ready"] is True
    assert body["sources"]["demo"]["last_success"] is None


def test_it_is_ready_once_every_source_has_collected(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config(interval="1s"))
    with serve_wall(path) as live:
        body = wait_for_status(live.url + "/readyz", 200)
    assert body["status"] == "ready"
    assert body["scheduler_running"] is True
    assert body["config_error"] is None
    assert body["sources"]["demo"]["reasons"] == []
    assert body["sources"]["demo"]["last_success"] is not None


def test_it_names_a_failing_source_and_why_it_is_unready(tmp_path: Path) -> None:
    text = demo_config(interval="1s").replace("seed = 1", "seed = 1\nfail = true")
    path = write_config(tmp_path, text)
    with serve_wall(path) as live:
        end = time.monotonic() + 10
        while live.wall.board.sources["demo"].last_attempt is None:
            assert time.monotonic() < end, "the first collection never ran"
            time.sleep(0.05)
        code, body = get(live.url + "/readyz")
    assert code == 503
    assert body["status"] == "unready"
    demo = body["sources"]["demo"]
    assert demo["ready"] is False
    assert "never collected successfully" in demo["reasons"]
    assert "last attempt failed: demo source set to fail (fail = true)" in demo["reasons"]


def test_it_turns_unready_when_a_source_has_not_succeeded_for_three_intervals(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path, demo_config(interval="1s"))
    with serve_wall(path) as live:
        wait_for_status(live.url + "/readyz", 200)
        last = live.wall.board.sources["demo"].last_success
        assert last is not None
        ready_soon, _ = readiness(live.wall, now=last + READY_INTERVALS * 1.0 - 0.5)
        ready_late, details = readiness(live.wall, now=last + READY_INTERVALS * 1.0 + 5)
    assert ready_soon is True
    assert ready_late is False
    assert details["sources"]["demo"]["reasons"][0].startswith("no successful collection for")
