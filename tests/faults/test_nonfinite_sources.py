"""Health endpoints and Sentry answering numbers that are not JSON: never green.

IETF ``application/health+json`` bodies carry ``observedValue`` numbers. One that
answers ``"pass"`` beside an ``Infinity``, a ``NaN`` or a float that overflows
(``1e400``) is not a JSON document any other parser reads: the check shows down
("invalid JSON"), and the calm team beside it keeps its green and its frames.
Sentry's event counts (``stats_v2``) holding ``Infinity``: the error-count panels
are errors naming the bad number, the issue panels keep working.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.faults.servers import FaultServer, Script
from tests.support.live import LiveSpec, LiveWall, serve_wall, write_config
from tests.support.screens import ScreenClient
from tests.support.sentry_double import ALL_SCOPES, SentryDouble
from tests.support.sentry_wall import wall_config

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
    """The team's API view, parsed strictly (``Infinity`` or ``NaN`` fails the test)."""
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


TEAMS = {
    "payments": 'sentry_projects = ["checkout"]',
    "search": 'sentry_projects = ["search-api"]',
}


@contextmanager
def sentry_wall(tmp_path: Path) -> Iterator[tuple[SentryDouble, dict[str, Any], LiveWall]]:
    """A wall of two teams on the Sentry double; yields the double, payments' issue, the wall."""
    token = "sntrys_" + "0f1a2b3c" * 6
    with SentryDouble(tokens={token: ALL_SCOPES}).serve() as double:
        double.add_project("checkout")
        double.add_project("search-api")
        issue = double.add_issue("checkout", "KeyError: 'amount'", count=150, users=4)
        double.add_issue("search-api", "IndexError", count=20)
        path = write_config(tmp_path, wall_config(double.url, TEAMS))
        env = {"SENTRY_AUTH_TOKEN": token, "SENTRY_CLIENT_SECRET": "s"}
        with serve_wall(path, env=env) as live:
            yield double, issue, live


def panels_of(live: LiveWall, name: str) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in team(live, name)["panels"]}


def test_sentry_event_counts_that_are_not_json_are_panel_errors(tmp_path: Path) -> None:
    with sentry_wall(tmp_path) as (double, _, live):
        double.set_events("checkout", float("inf"))  # type: ignore[arg-type]
        live.wall.poller.collect("sentry")
        for name in TEAMS:
            panels = panels_of(live, name)
            events = panels["events"]
            assert events["status"] == "unknown" and "bad number" in events["error"], events
            assert panels["unresolved"]["status"] == "ok", panels["unresolved"]
            assert panels["top"]["items"], panels["top"]


def test_a_sentry_issue_count_that_is_not_a_whole_number_is_an_error_never_a_quiet_zero(
    tmp_path: Path,
) -> None:
    with sentry_wall(tmp_path) as (_, issue, live):
        live.wall.poller.collect("sentry")
        assert panels_of(live, "payments")["top"]["items"], "the first listing"
        for count in ("Infinity", "1e400", "9" * 40):
            issue["count"] = count
            live.wall.poller.collect("sentry")
            top = panels_of(live, "payments")["top"]
            assert top["status"] == "unknown", (count, top)
            assert "unexpected issue count" in (top["error"] or ""), (count, top)
