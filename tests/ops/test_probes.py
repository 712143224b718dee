"""/healthz and /readyz against a real wall served on loopback."""

from __future__ import annotations

import ctypes
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from collectors.errors import CollectorError
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
        # Ready as soon as the scheduler runs; its first cycle may end a moment later.
        end = time.monotonic() + 10
        while body["sources"]["demo"]["last_success"] is None:
            assert time.monotonic() < end, body
            time.sleep(0.05)
            body = wait_for_status(live.url + "/readyz", 200)
    assert body["status"] == "ready"
    assert body["scheduler_running"] is True
    assert body["config_error"] is None
    assert body["sources"]["demo"]["reasons"] == []
    assert body["sources"]["demo"]["last_success"] is not None


def test_it_stays_ready_and_names_a_failing_source_and_why(tmp_path: Path) -> None:
    text = demo_config(interval="1s").replace("seed = 1", "seed = 1\nfail = true")
    path = write_config(tmp_path, text)
    with serve_wall(path) as live:
        end = time.monotonic() + 10
        while live.wall.board.sources["demo"].last_attempt is None:
            assert time.monotonic() < end, "the first collection never ran"
            time.sleep(0.05)
        code, body = get(live.url + "/readyz")
    assert code == 200
    assert body["status"] == "ready"
    assert body["sources_ready"] is False
    demo = body["sources"]["demo"]
    assert demo["ready"] is False
    assert "never collected successfully" in demo["reasons"]
    assert "last attempt failed: demo source set to fail (fail = true)" in demo["reasons"]


def test_it_turns_unready_for_a_failing_source_only_when_the_operator_opts_in(
    tmp_path: Path,
) -> None:
    text = demo_config(interval="1s").replace("seed = 1", "seed = 1\nfail = true")
    text += "\n[server]\nready_requires_sources = true\n"
    path = write_config(tmp_path, text)
    with serve_wall(path) as live:
        end = time.monotonic() + 10
        while live.wall.board.sources["demo"].last_attempt is None:
            assert time.monotonic() < end, "the first collection never ran"
            time.sleep(0.05)
        code, body = get(live.url + "/readyz")
    assert code == 503
    assert body["reasons"] == ["sources failing: demo (server.ready_requires_sources)"]


def test_a_source_fails_once_it_has_not_succeeded_for_three_intervals(tmp_path: Path) -> None:
    text = demo_config(interval="1s") + "\n[server]\nready_requires_sources = true\n"
    path = write_config(tmp_path, text)
    with serve_wall(path) as live:
        wait_for_status(live.url + "/readyz", 200)
        # Ready can come before the first collection ends (the start-up grace); wait for it.
        end = time.monotonic() + 20
        while live.wall.board.sources["demo"].last_success is None and time.monotonic() < end:
            time.sleep(0.05)
        last = live.wall.board.sources["demo"].last_success
        assert last is not None
        ready_soon, _ = readiness(live.wall, now=last + READY_INTERVALS * 1.0 - 0.5)
        ready_late, details = readiness(live.wall, now=last + READY_INTERVALS * 1.0 + 5)
    assert ready_soon is True
    assert ready_late is False
    assert details["sources"]["demo"]["reasons"][0].startswith("no successful collection for")


def closed_port() -> int:
    """A loopback port nothing listens on: connections to it are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


EVERY_UPSTREAM_DOWN = """
[wall]
heartbeat = "1s"

[sources.prom]
type = "prometheus"
url = "http://127.0.0.1:{port}"
interval = "1s"
timeout = "1s"

[sources.demo]
type = "demo"
interval = "1s"
fail = true

[panels.errors]
title = "Errors"
source = "prom"
query = "sum by (team) (rate(errors_total[5m]))"

[panels.demo]
title = "Demo"
source = "demo"

[teams.payments]
panels = ["errors", "demo"]
"""


def test_it_stays_ready_with_every_upstream_failing_and_says_why(tmp_path: Path) -> None:
    path = write_config(tmp_path, EVERY_UPSTREAM_DOWN.format(port=closed_port()))
    with serve_wall(path) as live:
        end = time.monotonic() + 15
        while True:
            code, body = get(live.url + "/readyz")
            if all(s["reasons"] for s in body["sources"].values()) or time.monotonic() > end:
                break
            time.sleep(0.1)
        with urllib.request.urlopen(live.url + "/metrics", timeout=5) as resp:
            metrics = resp.read().decode()
    assert code == 200, body
    assert body["status"] == "ready"
    assert body["reasons"] == []
    assert body["sources_ready"] is False
    assert body["hub_alive"] is True
    assert "never collected successfully" in body["sources"]["prom"]["reasons"]
    assert any("last attempt failed" in r for r in body["sources"]["prom"]["reasons"])
    assert any("fail = true" in r for r in body["sources"]["demo"]["reasons"])
    assert 'wallboard_source_up{source="prom"} 0.0' in metrics
    assert 'wallboard_source_up{source="demo"} 0.0' in metrics


class ThreadKilled(BaseException):
    """What a fatal error in the thread looks like: nothing in the loop catches it."""


def kill_thread(thread: threading.Thread) -> None:
    """Raise ThreadKilled inside ``thread`` at its next bytecode: a real death, not a mock.

    The hub's loop survives any ``Exception`` of one cycle, so the only way to end it
    from outside is an exception it does not catch, which is what CPython's
    ``PyThreadState_SetAsyncExc`` delivers (what a fatal bug in the thread would do).
    """
    assert thread.ident is not None
    done = ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread.ident), ctypes.py_object(ThreadKilled)
    )
    assert done == 1


# The killed thread's uncaught exception is the point of the test, not a stray error.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_healthz_fails_within_one_heartbeat_when_the_hub_thread_dies(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config(interval="1s"))
    with serve_wall(path) as live:
        wait_for_status(live.url + "/readyz", 200)
        assert get(live.url + "/healthz") == (200, {"status": "ok"})
        hub = live.wall.hub
        thread = hub._thread
        assert thread is not None
        killed = time.monotonic()
        kill_thread(thread)
        body = wait_for_status(live.url + "/healthz", 500, timeout=hub.heartbeat + 5)
        took = time.monotonic() - killed
        code, ready = get(live.url + "/readyz")
    assert took <= hub.heartbeat + 0.5, f"/healthz took {took:.2f} s to notice"
    assert body == {"status": "failing", "reasons": ["hub writer thread is dead"]}
    assert not thread.is_alive()
    assert code == 503
    assert "hub writer thread is dead" in ready["reasons"]
    assert ready["hub_alive"] is False


def test_healthz_fails_while_the_hub_thread_is_stuck_and_recovers_after(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config(interval="30s"))
    with serve_wall(path) as live:
        board, hub = live.wall.board, live.wall.hub
        assert get(live.url + "/healthz")[0] == 200
        # Hold the board's lock and announce a change: the writer wakes, needs the board
        # to build the update and waits on the lock, as it would behind a hung reader.
        with board._lock:
            board.fail("demo", CollectorError("upstream down"), 0.0)
            body = wait_for_status(live.url + "/healthz", 500, timeout=hub.stuck_after + 5)
        wait_for_status(live.url + "/healthz", 200)
    (reason,) = body["reasons"]
    assert reason.startswith("hub writer thread is stuck: no loop for")


def test_healthz_fails_when_the_scheduler_stops(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config(interval="1s"))
    with serve_wall(path) as live:
        assert get(live.url + "/healthz")[0] == 200
        scheduler = live.wall.poller.scheduler
        assert scheduler is not None
        scheduler.shutdown(wait=False)
        body = wait_for_status(live.url + "/healthz", 500)
    assert body["reasons"] == ["scheduler thread is dead"]
