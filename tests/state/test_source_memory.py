"""A source's memory outlives a restart: a service down since 10:02 is still down since 10:02."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.api_client import fetch
from tests.support.daemons import wait_until
from tests.support.health_servers import Route, RouteServer
from tests.support.live import write_config
from tests.support.process import ServerProcess, run_server

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)

CONFIG = """
[wall]
heartbeat = "1s"

[sources.health]
type = "health"
interval = "1s"
timeout = "3s"
check_timeout = "1s"

[panels.services]
title = "Services"
source = "health"
kind = "health"
unit = "count"

[teams.payments]
panels = ["services"]
health = [
  {{ name = "api", url = "{up}" }},
  {{ name = "ledger", url = "{down}" }},
]
"""


def services(server: ServerProcess) -> dict[str, Any]:
    body = fetch(server.url + "/api/v1/teams/payments").json()
    return body["panels"][0]  # type: ignore[no-any-return]


def ledger_since(panel: dict[str, Any]) -> float | None:
    items = [i for i in panel["items"] if i["title"] == "ledger"]
    return items[0]["since"] if items else None


def test_a_health_check_down_before_a_restart_keeps_its_down_since(tmp_path: Path) -> None:
    upstream = RouteServer({"/ok": Route(), "/down": Route(status=503, body=b"down")})
    try:
        text = CONFIG.format(up=f"{upstream.url}/ok", down=f"{upstream.url}/down")
        path = write_config(tmp_path, text)
        with run_server(path) as first:
            wait_until(lambda: ledger_since(services(first)) is not None, 30, "ledger down")
            since = ledger_since(services(first))
        time.sleep(1.5)  # time passes: a down-since reset by the restart would differ
        restarted = time.time()
        with run_server(path) as second:
            wait_until(lambda: services(second)["updated_at"] > restarted, 30, "a new cycle")
            after = ledger_since(services(second))
    finally:
        upstream.stop()
    assert since is not None and after == since, (since, after)
