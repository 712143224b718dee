"""An upstream answering ``+Inf``, ``-Inf`` and ``NaN`` on every panel kind it feeds.

A loopback Prometheus double answers every query with one series per team: a sane
ratio for ``calm`` and a non-finite one for ``pinf``, ``ninf`` and ``nan``, on a
metric panel judged above, one judged below, and an SLO panel. Each such panel is an
error naming the value, never green; every API answer is strict JSON; and the calm
team's screens, a /wall screen and the broken teams' screens all keep receiving
frames (a crit on the calm team reaches its TV).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.servers import FaultServer, Script
from tests.support.live import LiveSpec, LiveWall
from tests.support.screens import ScreenClient

VALUES = {"calm": "0.0001", "pinf": "+Inf", "ninf": "-Inf", "nan": "NaN"}
BROKEN = ("pinf", "ninf", "nan")
PANELS = {
    "errors": 'unit = "percent"\nwarn = 1.0\ncrit = 5.0\nquery = "errors_ratio"',
    "floor": 'unit = "percent"\nwarn = 0.005\ncrit = 0.001\ndirection = "below"\n'
    'query = "traffic_ratio"',
    "budget": 'kind = "slo"\nobjective = 99.9\nratio = "ratio_rate{{window}}"',
}


def answer(values: dict[str, str]) -> bytes:
    """A Prometheus instant-vector answer: one series per team."""
    rows = [{"metric": {"team": t}, "value": [time.time(), v]} for t, v in values.items()]
    doc = {"status": "success", "data": {"resultType": "vector", "result": rows}}
    return json.dumps(doc).encode()


def config(url: str) -> str:
    text = f"""
[wall]
heartbeat = "1s"
stale_after = "1h"

[sources.prom]
type = "prometheus"
url = "{url}"
interval = "1h"
timeout = "3s"
"""
    for pid, body in PANELS.items():
        text += f'\n[panels.{pid}]\ntitle = "{pid}"\nsource = "prom"\n{body}\n'
    for team in VALUES:
        text += f'\n[teams.{team}]\npanels = ["errors", "floor", "budget"]\n'
    return text


def strict(data: bytes) -> Any:
    """JSON as any strict parser reads it: ``Infinity`` and ``NaN`` are errors."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(data, parse_constant=refuse)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def upstream() -> Iterator[FaultServer]:
    with FaultServer(Script(body=answer(VALUES))) as server:
        yield server


@pytest.fixture(scope="module")
def live_spec(upstream: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    path: Path = tmp_path_factory.mktemp("nonfinite") / "wall.toml"
    path.write_text(config(upstream.url))
    return LiveSpec(path, env={}, shared=True)


def synced(client: ScreenClient, teams: int = 1) -> None:
    assert client.next()["type"] == "hello"
    for _ in range(teams):
        assert client.next()["type"] == "snapshot"


def panels_of(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    panels = message["data"]["panels"] if message["type"] == "snapshot" else message["panels"]
    return {p["id"]: p for p in panels}


def test_non_finite_values_are_panel_errors_and_every_screen_keeps_receiving(
    live: LiveWall, upstream: FaultServer
) -> None:
    screens = {team: ScreenClient(f"{live.ws_url}/ws/teams/{team}") for team in VALUES}
    wall_screen = ScreenClient(f"{live.ws_url}/ws/screens")
    try:
        for client in screens.values():
            synced(client)
        synced(wall_screen, len(VALUES))

        live.wall.poller.collect("prom")
        for team, client in screens.items():
            update = client.wait_for(lambda m: m["type"] in ("update", "snapshot"))
            for pid, panel in panels_of(update).items():
                if team == "calm":
                    assert panel["status"] == "ok" and panel["error"] is None, (pid, panel)
                    continue
                assert panel["status"] != "ok", (team, pid, panel)
                if team != "nan":  # NaN (0/0) is "no traffic" / "no data": unknown, no error
                    spelled = VALUES[team]
                    assert panel["error"] and spelled in panel["error"], (team, pid, panel)
                    assert panel["status"] == "unknown", (team, pid, panel)
        seen = set()
        while seen != set(VALUES):
            seen.add(wall_screen.wait_for(lambda m: m["type"] in ("update", "snapshot"))["team"])

        # The calm team turns crit: its TV and the /wall screen hear it, as the API says.
        upstream.script = Script(body=answer({**VALUES, "calm": "0.5"}))
        live.wall.poller.collect("prom")
        crit = screens["calm"].wait_for(lambda m: m["type"] in ("update", "snapshot"))
        assert (crit.get("data") or crit)["status"] == "crit"
        wall_screen.wait_for(
            lambda m: m.get("team") == "calm" and (m.get("data") or m)["status"] == "crit"
        )
        status, body = get(f"{live.url}/api/v1/teams/calm")
        assert status == 200 and strict(body)["status"] == "crit"
    finally:
        upstream.script = Script(body=answer(VALUES))
        for client in [*screens.values(), wall_screen]:
            client.close()


@pytest.mark.parametrize("team", BROKEN)
def test_the_api_answers_strict_json_and_never_green_for_a_non_finite_value(
    live: LiveWall, team: str
) -> None:
    live.wall.poller.collect("prom")
    status, body = get(f"{live.url}/api/v1/teams/{team}")
    assert status == 200, body[:300]
    view = strict(body)
    for panel in view["panels"]:
        assert panel["status"] != "ok", panel
        assert panel["value"] is None or panel["value"] == panel["value"], panel
    assert view["status"] != "ok"


def test_every_route_answers_strict_json_or_a_clean_error(live: LiveWall) -> None:
    """The url_map swept with a board holding non-finite input: any JSON answer parses
    strictly; nothing answers a 500 with a traceback or an HTML error."""
    live.wall.poller.collect("prom")
    client = live.app.test_client()
    values = {"team": "pinf", "panel": "budget", "filename": "render.js"}
    swept = 0
    for rule in live.app.url_map.iter_rules():
        if rule.rule.startswith("/ws/"):
            continue  # websockets: the test above reads their frames
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", values.get(arg, "x"))
            for kind in ("int", "path", "string"):
                path = path.replace(f"<{kind}:{arg}>", values.get(arg, "1"))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            reply = client.open(path, method=method, json={} if method != "GET" else None)
            swept += 1
            if reply.is_json or reply.mimetype == "application/json":
                strict(reply.data)
            assert reply.status_code < 500 or reply.is_json, (method, path, reply.status_code)
            assert b"Traceback" not in reply.data, (method, path)
    assert swept > 20
