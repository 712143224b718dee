"""The embedded SQLite state store, through real ``wallboard serve`` processes.

What an operator checks after a deploy or a crash: the wall comes back with the
values and sparklines it had, their age is the true age (stale rules apply), a
``kill -9`` loses about a second, and a damaged file never stops the wall.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.api_client import fetch
from tests.support.live import demo_config, write_config
from tests.support.process import ServerProcess, run_server

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)

TEAM = "/api/v1/teams/payments?history=true"


def wall_config(*, fail: bool = False, stale_after: str = "30s", extra: str = "") -> str:
    text = demo_config("1s").replace('stale_after = "30s"', f'stale_after = "{stale_after}"')
    # No made-up past: every sparkline point here is a real cycle, saved and restored.
    text = text.replace("seed = 1", "seed = 1\npast = false")
    if fail:  # the same source, now failing: values can only come from the store
        text = text.replace("seed = 1", "seed = 1\nfail = true")
    return text + extra


def panels(server: ServerProcess) -> dict[str, Any]:
    answer = fetch(server.url + TEAM)
    assert answer.status == 200, answer.body
    return {p["id"]: p for p in answer.json()["panels"]}


def wait_until(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("condition never held")


def sparkline_of(server: ServerProcess, points: int) -> dict[str, Any]:
    def enough() -> dict[str, Any] | None:
        found = panels(server)
        return found if len(found["error_rate"]["spark"]) >= points else None

    result: dict[str, Any] = wait_until(enough)
    return result


def test_a_restart_shows_the_last_values_and_sparklines_with_their_true_age(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path, wall_config())
    with run_server(path) as first:
        before = sparkline_of(first, 5)["error_rate"]
    stopped_at = time.time()
    time.sleep(2.5)  # longer than the restarted wall's stale_after
    write_config(tmp_path, wall_config(fail=True, stale_after="2s"))
    with run_server(path) as second:
        after = panels(second)["error_rate"]
        assert "state: restored 3 of 3 panels" in second.log()
    # The sparkline continues: what the screen had is still there, oldest first.
    assert after["spark"][: len(before["spark"])] == before["spark"]
    # The failing source's cycles since the restart are gaps in the line (None), never
    # points; the value shown is the last point collected before the stop.
    spark = after["spark"]
    last = max(i for i, v in enumerate(spark) if v is not None)
    assert after["value"] == spark[last]
    assert spark[last + 1 :] in ([], [None])  # one gap marker per run of failures
    # Its age is the true age: last collected before the stop, and shown as stale.
    assert before["updated_at"] <= after["updated_at"] <= stopped_at
    assert after["stale"] is True
    assert after["status"] != "ok"


def test_kill_9_loses_at_most_about_the_last_second(tmp_path: Path) -> None:
    path = write_config(tmp_path, wall_config())
    with run_server(path) as first:
        seen = sparkline_of(first, 4)["error_rate"]
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
    write_config(tmp_path, wall_config(fail=True))
    with run_server(path) as second:
        after = panels(second)["error_rate"]
    lost = seen["updated_at"] - after["updated_at"]
    assert lost <= 1.5, f"lost {lost:.2f} s of history"
    assert len(after["spark"]) >= len(seen["spark"]) - 2


def test_a_panel_gone_is_dropped_and_a_panel_whose_source_changed_starts_empty(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path, wall_config())
    with run_server(path) as first:
        sparkline_of(first, 3)
    moved = wall_config(fail=True).replace(
        'source = "demo"\nkind = "health"', 'source = "other"\nkind = "health"'
    )
    moved += '\n[sources.other]\ntype = "demo"\ninterval = "1h"\nfail = true\npast = false\n'
    write_config(tmp_path, moved.replace('panels = ["error_rate"]\n', 'panels = ["services"]\n'))
    with run_server(path) as second:
        payments = panels(second)
        search = fetch(second.url + "/api/v1/teams/search?history=true").json()["panels"]
    assert len(payments["error_rate"]["spark"]) >= 3  # same source: kept
    assert payments["services"]["spark"] == []  # source changed: starts empty
    assert payments["services"]["updated_at"] is None
    assert search[0]["id"] == "services" and search[0]["spark"] == []


def test_a_corrupt_file_is_moved_aside_and_the_wall_starts_empty_and_works(
    tmp_path: Path,
) -> None:
    state = tmp_path / ".wallboard" / "config.db"
    state.parent.mkdir()
    state.write_bytes(b"this is not a database\n" * 200)
    path = write_config(tmp_path, wall_config())
    with run_server(path) as server:
        line = server.wait_for_log("state: state file")
        ready = fetch(server.url + "/readyz").json()
        sparkline_of(server, 2)  # collecting and serving as usual
    assert "unreadable" in line and "moved aside" in line, line
    assert "moved aside" in (ready["state"]["problem"] or "")
    aside = [p for p in state.parent.iterdir() if ".corrupt-" in p.name]
    assert aside and aside[0].read_bytes().startswith(b"this is not a database")
    assert state.exists()


def test_deploy_markers_survive_a_restart(tmp_path: Path) -> None:
    deploys = '\n[deploys]\ntoken_env = "DEPLOY_TOKEN"\n'
    path = write_config(tmp_path, wall_config(extra=deploys))
    env = {"DEPLOY_TOKEN": "t0ken-for-deploys"}
    hook = {"Authorization": "Bearer t0ken-for-deploys", "Content-Type": "application/json"}
    body = json.dumps({"team": "payments", "version": "v9.8.7-restart", "time": time.time()})
    listed = "/api/v1/teams/payments/deploys"
    with run_server(path, env=env) as first:
        answer = fetch(first.url + "/hooks/deploy", method="POST", headers=hook, data=body.encode())
        assert answer.status < 300, answer.body
        versions = lambda s: [d["version"] for d in fetch(s.url + listed).json()["deploys"]]  # noqa: E731
        assert "v9.8.7-restart" in versions(first)
        time.sleep(1.5)  # one coalesced write (at most once a second)
    with run_server(path, env=env) as second:
        assert "v9.8.7-restart" in versions(second)
