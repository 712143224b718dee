"""The prometheus source with ``flavor = "victoriametrics"`` against a real VictoriaMetrics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.daemons import wait_until
from tests.support.prometheus import RequestsTarget
from tests.support.victoria import VictoriaServer
from wallboard.config import loader as config_mod
from wallboard.views.team import team_view
from wallboard.wall import Wall

pytestmark = [pytest.mark.prometheus, pytest.mark.xdist_group("victoriametrics")]

RATIO = (
    'sum by (team) (rate(http_requests_total{code=~"5.."}[10s]))'
    " / sum by (team) (rate(http_requests_total[10s]))"
)
RATES = {
    ("payments", "200"): 9.0,
    ("payments", "500"): 1.0,  # 10 % errors
    ("search", "200"): 4.0,
    ("search", "503"): 0.2,  # 4.76 % errors
}
TEAMS = ["payments", "search"] + [f"t{i:02d}" for i in range(20)]
TOLERANCE = 0.5  # percentage points


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VictoriaServer]:
    target = RequestsTarget()
    for (team, code), rate in RATES.items():
        target.set_rate(team, code, rate)
    for team in TEAMS[2:]:
        target.set_rate(team, "200", 2.0)
    server = VictoriaServer(tmp_path_factory.mktemp("victoria"), [target.address])
    server.start()
    try:
        server.wait_scraped(samples=4)
        yield server
    finally:
        server.stop()
        target.close()


def make_wall(tmp_path: Path, url: str, panels: dict[str, str]) -> Wall:
    text = f"""
[wall]
history = 10

[sources.vm]
type = "prometheus"
flavor = "victoriametrics"
url = "{url}"
interval = "1s"
timeout = "3s"
"""
    for pid, query in panels.items():
        text += f"""
[panels.{pid}]
title = "{pid}"
source = "vm"
unit = "percent"
warn = 1.0
crit = 5.0
query = '{query}'
"""
    for team in TEAMS:
        text += f"\n[teams.{team}]\npanels = {list(panels)!r}\n".replace("'", '"')
    path = tmp_path / "config.toml"
    path.write_text(text)
    return Wall(config_mod.load(path, env={}), env={}, build="test")


def panel(wall: Wall, team: str, pid: str) -> dict[str, Any]:
    return next(p for p in team_view(wall.board, team)["panels"] if p["id"] == pid)


def test_it_shows_each_teams_rate_with_one_query_per_panel(
    vm: VictoriaServer, tmp_path: Path
) -> None:
    wall = make_wall(tmp_path, vm.url, {"ratio": RATIO})
    try:
        wall.poller.collect("vm")  # backfill and the first cycle
        stats = wall.sources["vm"].http_stats()[0]  # type: ignore[attr-defined]
        sent = sum(stats.snapshot()[0].values())
        before = vm.queries_served()
        for _ in range(3):
            wall.poller.collect("vm")
        assert sum(stats.snapshot()[0].values()) - sent == 3  # 22 teams: one query a cycle
        # ...and VictoriaMetrics answered them (it publishes its counter with a short lag).
        wait_until(lambda: vm.queries_served() >= before + 3, 10, "three queries counted")
        payments = panel(wall, "payments", "ratio")
        assert payments["value"] == pytest.approx(10.0, abs=TOLERANCE)
        assert payments["status"] == "crit"
        search = panel(wall, "search", "ratio")
        assert search["value"] == pytest.approx(100 * 0.2 / 4.2, abs=TOLERANCE)
        assert search["status"] == "warn"
        # A team with traffic and no 5xx series at all: no data, not zero and not green.
        quiet = panel(wall, "t00", "ratio")
        assert quiet["status"] == "unknown" and quiet["display"] == "no data"
    finally:
        wall.stop()


def test_it_shows_a_metricsql_parse_error_on_that_panel_only(
    vm: VictoriaServer, tmp_path: Path
) -> None:
    wall = make_wall(tmp_path, vm.url, {"ratio": RATIO, "broken": "sum by (team) (rate(x[5m])"})
    try:
        wall.poller.collect("vm")
        broken = panel(wall, "payments", "broken")
        assert broken["config_error"] is True
        assert "unparsed data" in broken["error"] or "unexpected token" in broken["error"]
        assert panel(wall, "payments", "ratio")["error"] is None
        assert panel(wall, "payments", "ratio")["status"] == "crit"
    finally:
        wall.stop()
