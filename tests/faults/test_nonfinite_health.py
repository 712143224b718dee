"""A health endpoint whose body carries numbers that are not JSON: never green.

IETF ``application/health+json`` bodies carry ``observedValue`` numbers. One that
answers ``"pass"`` beside an ``Infinity``, a ``NaN`` or a float that overflows
(``1e400``) is not a JSON document any other parser reads: the check shows down
("invalid JSON"), and the calm team beside it keeps its green and its frames.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.servers import FaultServer, Script
from tests.support.live import LiveSpec, LiveWall
from tests.support.screens import ScreenClient

HEALTH = "application/health+json"
NUMBERS = {"pinf": "Infinity", "nan": "NaN", "huge": "1e400"}


def body(observed: str) -> bytes:
    return (
        '{"status": "pass", "checks": {"db:responseTime": '
        f'[{{"status": "pass", "observedValue": {observed}, "observedUnit": "ms"}}]}}}}'
    ).encode()


@pytest.fixture(scope="module")
def upstreams() -> Iterator[dict[str, FaultServer]]:
    servers = {
        team: FaultServer(Script(content_type=HEALTH, body=body(n))) for team, n in NUMBERS.items()
    }
    servers["calm"] = FaultServer(Script(content_type=HEALTH, body=body("12.5")))
    yield servers
    for server in servers.values():
        server.close()


@pytest.fixture(scope="module")
def live_spec(
    upstreams: dict[str, FaultServer], tmp_path_factory: pytest.TempPathFactory
) -> LiveSpec:
    text = """
[wall]
heartbeat = "1s"
stale_after = "1h"

[sources.health]
type = "health"
interval = "1h"
timeout = "3s"

[panels.services]
title = "Services"
source = "health"
kind = "health"
unit = "count"
"""
    for team, server in upstreams.items():
        text += (
            f'\n[teams.{team}]\npanels = ["services"]\n'
            f'health = [{{ name = "api", url = "{server.url}/health" }}]\n'
        )
    path: Path = tmp_path_factory.mktemp("nonfinite-health") / "wall.toml"
    path.write_text(text)
    return LiveSpec(path, env={}, shared=True)


def team(live: LiveWall, name: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{live.url}/api/v1/teams/{name}", timeout=10) as reply:
        return json.loads(reply.read(), parse_constant=lambda c: pytest.fail(f"{c} in the API"))


def test_a_health_body_with_numbers_that_are_not_json_is_never_green(live: LiveWall) -> None:
    calm = ScreenClient(f"{live.ws_url}/ws/teams/calm")
    try:
        assert calm.next()["type"] == "hello"
        assert calm.next()["type"] == "snapshot"
        live.wall.poller.collect("health")
        update = calm.wait_for(lambda m: m["type"] in ("update", "snapshot"))
        assert (update.get("data") or update)["status"] == "ok"
    finally:
        calm.close()
    assert team(live, "calm")["status"] == "ok"
    for name in NUMBERS:
        view = team(live, name)
        (panel,) = view["panels"]
        assert panel["status"] != "ok" and view["status"] != "ok", (name, panel)
        assert "invalid JSON" in json.dumps(panel), (name, panel)
