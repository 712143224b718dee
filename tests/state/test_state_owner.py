"""A state file belongs to one wall, through real ``wallboard serve`` processes.

A new user's ``wall.toml`` beside the demo's ``config.toml`` gets its own file and
none of the demo's made-up deploys, and another wall's file is refused; a second
server on one file refuses (pointing at Redis for replicas); the lock goes with a
``kill -9``.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.support.api_client import fetch
from tests.support.daemons import free_port, wait_until
from tests.support.live import demo_config, write_config
from tests.support.process import close, command, ready, run_server, spawn

pytestmark = pytest.mark.processes

# A real wall: its source's Prometheus is not there (its panels show the error), no demo.
REAL_WALL = """
[wall]
title = "acme"

[sources.prom]
type = "prometheus"
url = "http://127.0.0.1:{port}"
interval = "1s"
timeout = "1s"

[panels.error_rate]
title = "HTTP 5xx rate"
source = "prom"
unit = "percent"
query = 'sum by (team) (rate(http_requests_total[5m]))'

[teams.payments]
name = "Payments"
panels = ["error_rate"]
"""


def deploy_sources(url: str) -> list[str]:
    answer = fetch(url + "/api/v1/teams/payments/deploys")
    assert answer.status == 200, answer.body
    return [d["source"] for d in answer.json()["deploys"]]


def refusal(config: Path, timeout: float = 20.0) -> tuple[int, str]:
    """Run ``wallboard serve`` expecting it to refuse: its exit status and output."""
    done = subprocess.run(
        command("serve", "--config", str(config), "--host", "127.0.0.1", "--port", "0"),
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "WALLBOARD_BUILD_ID": "proc-test"},
    )
    return done.returncode, done.stdout + done.stderr


def test_a_wall_beside_the_demo_gets_its_own_file_and_none_of_its_deploys(
    tmp_path: Path,
) -> None:
    demo = write_config(tmp_path, demo_config("1s"))
    with run_server(demo) as server:
        # The demo makes deploys up (in its first cycle, which may come after readiness).
        wait_until(lambda: "demo" in deploy_sources(server.url), 20, "the demo's deploys")
    wall = write_config(tmp_path, REAL_WALL.format(port=free_port()), name="wall.toml")
    with run_server(wall) as server:
        assert deploy_sources(server.url) == []
    assert sorted(p.name for p in (tmp_path / ".wallboard").glob("*.db")) == [
        "config.db",
        "wall.db",
    ]
    # Pointed at the demo's file on purpose: refused, saying whose it is and what to do.
    shared = write_config(
        tmp_path,
        REAL_WALL.format(port=free_port()) + '\n[state]\npath = ".wallboard/config.db"\n',
        name="shared.toml",
    )
    status, output = refusal(shared)
    assert status == 1 and "Traceback" not in output
    assert (
        f"state.path: state file {tmp_path / '.wallboard' / 'config.db'} belongs to the wall "
        f"of {demo}, not to {shared}"
    ) in output
    # The demo's own config turned into a real wall keeps its file, not the demo's deploys.
    write_config(tmp_path, REAL_WALL.format(port=free_port()))
    with run_server(demo) as server:
        assert deploy_sources(server.url) == []


def test_a_second_server_refuses_the_file_and_a_kill_9_frees_it(tmp_path: Path) -> None:
    config = write_config(tmp_path, demo_config("1s"))
    first = spawn(config)
    try:
        ready(first)
        status, output = refusal(config)
        assert status == 1
        assert f"state file {tmp_path / '.wallboard' / 'config.db'} is in use by another" in output
        assert f"(process {first.proc.pid})" in output
        assert 'backend = "redis"' in output and "Traceback" not in output
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
        with run_server(config) as again:  # the kernel let go of the lock with the process
            assert fetch(again.url + "/api/v1/teams/payments").status == 200
    finally:
        close([first])
