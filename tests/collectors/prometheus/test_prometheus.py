"""The prometheus source against a real Prometheus scraping a target with known rates."""

from __future__ import annotations

import math
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from collectors.http.client import Response
from collectors.prometheus.result import decode, parse
from tests.support.live import serve_wall
from tests.support.screens import ScreenClient
from wallboard import cli
from wallboard.config import loader as config_mod
from wallboard.views.team import team_view
from wallboard.wall import Wall

# One worker runs the group: its Prometheus (conftest.py) takes seconds to start.
pytestmark = [pytest.mark.prometheus, pytest.mark.xdist_group("prometheus")]

RATIO = (
    'sum by (team) (rate(http_requests_total{code=~"5.."}[10s]))'
    " / sum by (team) (rate(http_requests_total[10s]))"
)
RATIO_OR_ZERO = (
    '(sum by (team) (rate(http_requests_total{code=~"5.."}[10s]))'
    " or sum by (team) (rate(http_requests_total[10s])) * 0)"
    " / sum by (team) (rate(http_requests_total[10s]))"
)
TOLERANCE = 0.3  # percentage points; the counters grow exactly linearly


def wall_config(
    url: str, teams: list[str], panels: dict[str, str], *, extra: str = "", interval: str = "1s"
) -> str:
    """A config with one prometheus source; ``panels`` maps panel id -> its TOML body."""
    text = f"""
[wall]
history = 10
stale_after = "30s"
heartbeat = "1s"

[sources.prom]
type = "prometheus"
url = "{url}"
interval = "{interval}"
timeout = "3s"
{extra}
"""
    for pid, body in panels.items():
        text += f'\n[panels.{pid}]\ntitle = "{pid}"\nsource = "prom"\n{body}\n'
    for team in teams:
        text += f"\n[teams.{team}]\npanels = {list(panels)!r}\n".replace("'", '"')
    return text


def ratio_panel(query: str = RATIO, extra: str = "") -> str:
    return f"unit = \"percent\"\nwarn = 1.0\ncrit = 5.0\nquery = '{query}'\n{extra}"


def load(tmp_path: Path, text: str) -> config_mod.WallConfig:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return config_mod.load(path, env={})


def panel(wall: Wall, team: str, panel_id: str) -> dict[str, Any]:
    """The panel exactly as a screen receives it."""
    view = team_view(wall.board, team)
    return next(p for p in view["panels"] if p["id"] == panel_id)


def test_it_shows_each_teams_error_ratio_on_the_screen(prom: Any, tmp_path: Path) -> None:
    config = load(tmp_path, wall_config(prom.url, ["payments", "search"], {"ratio": ratio_panel()}))
    with serve_wall(config) as live, ScreenClient(f"{live.ws_url}/ws/teams/payments") as screen:

        def shows_ratio(msg: dict[str, Any]) -> bool:
            panels = msg.get("data", {}).get("panels") or msg.get("panels") or []
            values = [p["value"] for p in panels if p["id"] == "ratio"]
            return bool(values) and values[0] is not None

        msg = screen.wait_for(shows_ratio, timeout=10)
        panels = msg.get("data", {}).get("panels") or msg["panels"]
        shown = next(p for p in panels if p["id"] == "ratio")
        assert shown["value"] == pytest.approx(10.0, abs=TOLERANCE)
        assert shown["display"].endswith("%")
        assert shown["status"] == "crit"
        search = panel(live.wall, "search", "ratio")
        assert search["value"] == pytest.approx(100 * 0.2 / 4.2, abs=TOLERANCE)
        assert search["status"] == "warn"


def test_it_tells_no_data_from_zero_and_from_no_traffic(prom: Any, tmp_path: Path) -> None:
    panels = {
        "plain": ratio_panel(),
        "or_zero": ratio_panel(RATIO_OR_ZERO),
        "absent_zero": ratio_panel(extra="absent = 0"),
    }
    config = load(tmp_path, wall_config(prom.url, ["payments", "quiet", "idle", "ghost"], panels))
    wall = Wall(config, env={}, build="test")
    wall.poller.collect("prom")
    # No 5xx series: the plain division drops the team, so the wall must not claim 0 %.
    assert panel(wall, "quiet", "plain")["display"] == "no data"
    assert panel(wall, "quiet", "plain")["status"] == "unknown"
    assert panel(wall, "quiet", "or_zero")["display"] == "0.00 %"
    assert panel(wall, "quiet", "or_zero")["status"] == "ok"
    assert panel(wall, "quiet", "absent_zero")["display"] == "0.00 %"
    # Series exist but nothing was served: 0/0.
    for pid in panels:
        assert panel(wall, "idle", pid)["display"] == "no traffic"
        assert panel(wall, "idle", pid)["status"] == "unknown"
    # A team Prometheus has never heard of.
    assert panel(wall, "ghost", "plain")["display"] == "no data"
    assert panel(wall, "ghost", "or_zero")["display"] == "no data"
    assert panel(wall, "payments", "or_zero")["value"] == pytest.approx(10.0, abs=TOLERANCE)
    warnings = wall.board.sources["prom"].warnings
    assert any('series without a "team" label' in w for w in warnings), warnings
    wall.stop()


def test_it_maps_label_values_and_shows_infinity_as_an_error(prom: Any, tmp_path: Path) -> None:
    panels = {
        "ratio": ratio_panel(),
        "per_nothing": (
            'unit = "per_second"\ncrit = 100.0\n'
            "query = 'sum by (team) (rate(http_requests_total[10s])) / 0'"
        ),
    }
    extra = 'team_map = { payments = "pay" }'
    config = load(tmp_path, wall_config(prom.url, ["pay", "search"], panels, extra=extra))
    wall = Wall(config, env={}, build="test")
    wall.poller.collect("prom")
    assert panel(wall, "pay", "ratio")["value"] == pytest.approx(10.0, abs=TOLERANCE)
    infinite = panel(wall, "pay", "per_nothing")
    # +Inf is no number to judge: below-thresholds would call it green. An error, unknown.
    assert infinite["error"] == "value is +Inf: the query divided by zero"
    assert infinite["value"] is None  # JSON has no infinity
    assert infinite["status"] == "unknown"
    wall.stop()


@pytest.mark.parametrize("teams", [3, 30])
def test_it_sends_one_query_per_panel_per_cycle_over_one_connection(
    prom: Any, tmp_path: Path, teams: int
) -> None:
    panels = {"ratio": ratio_panel(), "or_zero": ratio_panel(RATIO_OR_ZERO)}
    names = [f"t{i:02d}" for i in range(teams)]
    config = load(tmp_path, wall_config(prom.url, names, panels))
    wall = Wall(config, env={}, build="test")
    queries_before = prom.queries_served()
    accepted_before = prom.connections_accepted()
    cycles = 20  # the first also backfills history (query_range, not counted as a query)
    for _ in range(cycles):
        wall.poller.collect("prom")
        time.sleep(0.1)
    queries = prom.queries_served() - queries_before
    accepted = prom.connections_accepted() - accepted_before
    print(f"\n{teams} teams: {queries / cycles:g} queries per cycle, {accepted:g} connections")
    assert queries == cycles * len(panels)
    assert accepted <= 2
    assert wall.sources["prom"].client.stats.connections_opened <= 2  # type: ignore[attr-defined]
    assert panel(wall, names[-1], "or_zero")["display"] == "0.00 %"
    wall.stop()


def test_it_fills_sparklines_from_history_on_start(prom: Any, tmp_path: Path) -> None:
    prom.wait_scraped(samples=10)  # history for a whole sparkline, whatever ran before
    config = load(tmp_path, wall_config(prom.url, ["payments"], {"ratio": ratio_panel()}))
    wall = Wall(config, env={}, build="test")
    wall.poller.collect("prom")
    spark = panel(wall, "payments", "ratio")["spark"]
    assert len(spark) >= 5  # more than the one live point
    assert all(v == pytest.approx(10.0, abs=TOLERANCE) for v in spark if v is not None)
    times = [at for at, _ in wall.board.team_panels("payments")[1][0].history]
    assert times == sorted(times)
    wall.stop()


def test_it_shows_bad_promql_as_a_config_error_on_that_panel_only(
    prom: Any, tmp_path: Path
) -> None:
    panels = {"ratio": ratio_panel(), "broken": ratio_panel("sum by (team) (rate(x[5m])")}
    config = load(tmp_path, wall_config(prom.url, ["payments"], panels))
    wall = Wall(config, env={}, build="test")
    refused_before = prom.metric(
        "prometheus_http_requests_total", handler="/api/v1/query", code="400"
    )
    for _ in range(3):
        wall.poller.collect("prom")
    broken = panel(wall, "payments", "broken")
    assert broken["config_error"] is True
    assert "parse error" in broken["error"]  # Prometheus' own words
    assert panel(wall, "payments", "ratio")["error"] is None
    assert panel(wall, "payments", "ratio")["value"] == pytest.approx(10.0, abs=TOLERANCE)
    refused = prom.metric("prometheus_http_requests_total", handler="/api/v1/query", code="400")
    assert refused - refused_before == 1  # asked once, not every cycle
    wall.stop()


def test_it_checks_queries_online_with_their_key_paths(
    prom: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    panels = {"ratio": ratio_panel(), "broken": ratio_panel("sum by (team) (rate(x[5m])")}
    path = tmp_path / "config.toml"
    path.write_text(wall_config(prom.url, ["payments"], panels))
    assert cli.main(["check-config", str(path)]) == 0  # offline, PromQL is just a string
    assert cli.main(["check-config", "--online", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: panels.broken.query:" in err
    assert "unclosed left parenthesis" in err
    assert "panels.ratio" not in err
    path.write_text(wall_config(prom.url, ["payments"], {"ratio": ratio_panel()}))
    assert cli.main(["check-config", "--online", str(path)]) == 0


@pytest.mark.parametrize(
    ("status", "headers", "body", "reason"),
    [
        (503, {"content-type": "text/plain"}, b"Service Unavailable", "not ready (HTTP 503)"),
        (
            422,
            {"content-type": "application/json"},
            b'{"status":"error","errorType":"execution","error":"many-to-many matching"}',
            "query failed: many-to-many matching",
        ),
        (200, {"content-type": "text/html"}, b"<html>login</html>", "not a Prometheus API"),
    ],
)
def test_it_reads_error_answers_that_are_not_success_json(
    status: int, headers: dict[str, str], body: bytes, reason: str
) -> None:
    from collectors.errors import CollectorError

    with pytest.raises(CollectorError) as caught:
        decode(Response(status, headers, body, 0.0, "http://prom/api/v1/query"))
    assert reason in caught.value.reason
    assert caught.value.config_error is False


def test_it_surfaces_prometheus_warnings_with_the_data() -> None:
    body = (
        b'{"status":"success","warnings":["remote read partial"],'
        b'"data":{"resultType":"vector","result":[{"metric":{"team":"a"},"value":[1,"+Inf"]}]}}'
    )
    data, warnings = decode(Response(200, {"content-type": "application/json"}, body, 0.0, "u"))
    assert warnings == ["remote read partial"]
    assert math.isinf(parse(data, warnings, "vector").series[0].value)


def test_it_reports_a_hanging_prometheus_as_a_timeout(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as hanging:  # accepts, never answers
        url = f"http://127.0.0.1:{hanging.getsockname()[1]}"
        text = wall_config(url, ["payments"], {"ratio": ratio_panel()})
        wall = Wall(load(tmp_path, text.replace('timeout = "3s"', 'timeout = "1s"')), env={})
        started = time.monotonic()
        wall.poller.collect("prom")
        assert time.monotonic() - started < 3.5  # backfill and cycle each bounded by 1 s
        assert panel(wall, "payments", "ratio")["error"] == "timeout after 1 s"
        wall.stop()


def test_it_keeps_the_last_value_while_prometheus_is_down_and_recovers(
    prom: Any, tmp_path: Path
) -> None:
    text = wall_config(prom.url, ["payments"], {"ratio": ratio_panel()})
    text += """
[sources.demo]
type = "demo"
interval = "1s"
seed = 1

[panels.demo_rate]
title = "demo"
source = "demo"
unit = "percent"
"""
    text = text.replace('panels = ["ratio"]', 'panels = ["ratio", "demo_rate"]')
    wall = Wall(load(tmp_path, text), env={}, build="test")
    wall.poller.collect("prom")
    wall.poller.collect("demo")
    before = panel(wall, "payments", "ratio")
    assert before["error"] is None
    prom.stop()
    try:
        wall.poller.collect("prom")
        wall.poller.collect("demo")
        down = panel(wall, "payments", "ratio")
        assert down["error"] == "connection refused"
        assert down["value"] == before["value"]
        assert down["status"] == "crit"
        assert wall.board.sources["prom"].last_error == "connection refused"
        assert panel(wall, "payments", "demo_rate")["error"] is None
    finally:
        prom.start()
    wall.poller.collect("prom")
    after = panel(wall, "payments", "ratio")
    assert after["error"] is None
    assert after["updated_at"] > before["updated_at"]
    assert math.isclose(after["value"], 10.0, abs_tol=TOLERANCE)
    wall.stop()
