"""SLO panels against a real Prometheus holding 30 days of backfilled synthetic history.

Every expected figure is computed here from the synthetic series themselves
(``History.expected_ratio``), never typed in: budget remaining, burn per window,
status and time to exhaustion must agree within 0.5 %.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3

from collectors import slo
from tests.support.live import LiveWall, serve_wall
from tests.support.slo_history import BackfilledPrometheus, History, Team
from wallboard.config import loader as config_mod
from wallboard.views.team import team_view

# One worker runs the module: its Prometheus takes seconds to start and be scraped.
pytestmark = [pytest.mark.prometheus, pytest.mark.xdist_group("slo")]

OBJECTIVE = 0.999
MIN_REQUESTS = 100
TEAMS = [
    Team("steady", 20.0, 0.0004),
    # 5 minutes at 3 %: burn 30 in 5 m, but only ~2.9 over 1 h: a page needs both.
    Team("spike", 20.0, 0.0004, [(300.0, 0.03)]),
    # 2 hours at 2 %: burn 20 in 1 h and 5 m, above 14.4: page.
    Team("burning", 20.0, 0.0004, [(7200.0, 0.02)]),
    # 0.01 requests/s: 3 requests in 5 m, fewer than min_requests.
    Team("quiet", 0.01, 0.0004),
    # Data only since 2 minutes before the history's end, at 3 % errors.
    Team("young", 20.0, 0.03),
]
YOUNG = {"young": 120.0}  # team -> seconds of history it has before the end
WINDOW_SECONDS = {"30d": 30 * slo.DAY, "28d": 28 * slo.DAY, **slo.WINDOWS}


class YoungHistory(History):
    """The synthetic history, where the teams of ``YOUNG`` have samples only from their
    age before the end on (a service whose SLI started being scraped just now)."""

    def openmetrics(self) -> str:
        kept = []
        for line in super().openmetrics().splitlines():
            team = line.partition('team="')[2].partition('"')[0]
            if team in YOUNG and float(line.rsplit(" ", 1)[1]) < self.end - YOUNG[team]:
                continue
            kept.append(line)
        return "\n".join(kept) + "\n"


@pytest.fixture(scope="module")
def history() -> History:
    history = YoungHistory(time.time() // 60 * 60, TEAMS)
    history.build()
    return history


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory, history: History) -> Iterator[Any]:
    server = BackfilledPrometheus(tmp_path_factory.mktemp("slo-prometheus"), history)
    server.start()
    yield server
    server.stop()


def slo_panel(pid: str, period: str = "30d") -> str:
    return f"""
[panels.{pid}]
title = "Availability ({period})"
source = "prom"
kind = "slo"
unit = "percent"
objective = {OBJECTIVE * 100}
period = "{period}"
errors = 'increase(slo_errors_total[{{{{window}}}}])'
total = 'increase(slo_requests_total[{{{{window}}}}])'
min_requests = {MIN_REQUESTS}
"""


def config_text(url: str, teams: list[str], panels: dict[str, str]) -> str:
    text = f"""
[wall]
history = 10
stale_after = "10m"
heartbeat = "1s"

[sources.prom]
type = "prometheus"
url = "{url}"
interval = "1m"
timeout = "10s"
"""
    text += "".join(slo_panel(pid, period) for pid, period in panels.items())
    for team in teams:
        text += f"\n[teams.{team}]\npanels = {json.dumps(list(panels))}\n"
    return text


def load(tmp_path: Path, text: str) -> config_mod.WallConfig:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return config_mod.load(path, env={})


def collect_in_one_minute(live: LiveWall) -> float:
    """One cycle wholly inside one minute of the sample grid; returns a time inside it.

    Samples are 60 s apart, so every window's answer is the same anywhere in that minute.
    """
    for _ in range(3):
        before = time.time()
        live.wall.poller.collect("prom")
        after = time.time()
        if before // 60 == after // 60:
            return before
        time.sleep(0.5)
    raise AssertionError("three cycles in a row straddled a minute boundary")


def panel(live: LiveWall, team: str, pid: str = "avail") -> dict[str, Any]:
    return next(p for p in team_view(live.wall.board, team)["panels"] if p["id"] == pid)


def expected_budget(history: History, team: str, at: float, period: str = "30d") -> slo.Budget:
    """The figures as the test reckons them from its own series (no Prometheus involved)."""
    windows = {
        w: slo.Window(
            history.expected_ratio(team, at, secs), history.expected_requests(team, at, secs)
        )
        for w, secs in slo.WINDOWS.items()
    }
    whole = slo.Window(history.expected_ratio(team, at, WINDOW_SECONDS[period]))
    return slo.compute(OBJECTIVE, WINDOW_SECONDS[period], whole, windows, MIN_REQUESTS)


@pytest.fixture(scope="module")
def thirty_days(
    prom: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveWall, float]]:
    path = tmp_path_factory.mktemp("slo-config")
    config = load(path, config_text(prom.url, [t.name for t in TEAMS], {"avail": "30d"}))
    with serve_wall(config, schedule=False) as live:
        at = collect_in_one_minute(live)
        yield live, at


def test_budget_burns_and_exhaustion_match_the_synthetic_series(
    history: History, thirty_days: tuple[LiveWall, float]
) -> None:
    live, at = thirty_days
    for team in ("steady", "spike", "burning"):
        facts = panel(live, team)["facts"]
        want = expected_budget(history, team, at)
        assert want.remaining is not None
        assert facts["budget_remaining"] == pytest.approx(want.remaining, rel=0.005)
        for window in slo.WINDOWS:
            assert facts[f"burn_{window}"] == pytest.approx(want.burns[window], rel=0.005)
        assert facts["slo_status"] == want.status
        if want.exhaustion is None:
            assert facts["time_to_exhaustion_seconds"] is None
        else:
            assert facts["time_to_exhaustion_seconds"] == pytest.approx(want.exhaustion, rel=0.005)


def test_a_sustained_burn_pages_and_says_when_the_budget_runs_out(
    history: History, thirty_days: tuple[LiveWall, float]
) -> None:
    live, at = thirty_days
    shown = panel(live, "burning")
    want = expected_budget(history, "burning", at)
    assert want.remaining is not None and want.exhaustion is not None
    assert shown["status"] == "crit"
    assert shown["facts"]["burn_1h"] > 14.4 and shown["facts"]["burn_5m"] > 14.4
    assert shown["display"] == f"{want.remaining * 100:.1f} % budget left"  # says it is budget
    rows = {item["title"]: item for item in shown["items"]}
    assert rows["burn 1h"]["status"] == "crit"
    assert rows["burn 1h"]["detail"] == f"{want.burns['1h']:.1f}\u00d7 · page at 14.4\u00d7"
    assert rows["budget gone in"]["detail"] == slo.duration_text(want.exhaustion)


def test_a_short_spike_trips_only_the_short_window(thirty_days: tuple[LiveWall, float]) -> None:
    live, _ = thirty_days
    facts = panel(live, "spike")["facts"]
    assert facts["burn_5m"] > facts["threshold_5m"]  # the short window burns hot ...
    assert facts["burn_1h"] < facts["threshold_1h"]  # ... the long one does not
    assert panel(live, "spike")["status"] != "crit"
    assert panel(live, "steady")["status"] == "ok"


def test_a_low_traffic_team_is_grey_and_never_paged(thirty_days: tuple[LiveWall, float]) -> None:
    live, _ = thirty_days
    quiet = panel(live, "quiet")
    assert quiet["status"] == "unknown"
    assert quiet["facts"]["burn_5m"] == "too little traffic"
    rows = {item["title"]: item for item in quiet["items"]}
    assert rows["burn 1h"]["detail"].startswith("too little traffic")
    assert rows["burn 1h"]["status"] == "unknown"


def test_a_window_the_data_does_not_cover_says_collecting_in_grey(
    thirty_days: tuple[LiveWall, float], history: History
) -> None:
    live, at = thirty_days
    young = panel(live, "young")
    covered = young["facts"]["covered_seconds"]
    # Its first sample is 2 minutes before the end; the minute grid finds it within one.
    assert YOUNG["young"] - 60 <= covered <= at - history.end + YOUNG["young"] + 60
    assert young["display"] == f"collecting: {slo.span_text(covered)} of 30 d"
    assert young["status"] == "unknown" and young["value"] is None  # grey, never green
    rows = {item["title"]: item for item in young["items"]}
    assert "budget gone in" not in rows
    assert rows["burn 1h"]["detail"].startswith("no data")
    # A team with all 30 days of data is not collecting.
    assert panel(live, "steady")["facts"]["covered_seconds"] is None


def test_the_api_gives_the_screens_numbers(thirty_days: tuple[LiveWall, float]) -> None:
    live, _ = thirty_days
    http = urllib3.PoolManager()
    body = json.loads(http.request("GET", f"{live.url}/api/v1/teams/burning").data)
    api = next(p for p in body["panels"] if p["id"] == "avail")
    screen = panel(live, "burning")
    assert api["facts"] == screen["facts"]
    assert api["display"] == screen["display"]
    summary = json.loads(http.request("GET", f"{live.url}/api/v1/teams/burning/summary").data)
    slack = json.dumps(summary["slack"], ensure_ascii=False)
    assert screen["display"] in slack
    for item in screen["items"]:  # burn 1h/6h beside their thresholds, time to exhaustion
        assert f"{item['title']} {item['detail']}" in slack
        assert f"{item['title']} {item['detail']}" in summary["text"]


def test_a_28_day_period_uses_the_28_day_factors(
    prom: Any, history: History, tmp_path: Path
) -> None:
    config = load(tmp_path, config_text(prom.url, ["burning"], {"avail": "28d"}))
    with serve_wall(config, schedule=False) as live:
        at = collect_in_one_minute(live)
        facts = panel(live, "burning")["facts"]
    # budget fraction x period / window, with a 28-day period
    for window, factor in (("1h", 13.44), ("6h", 5.6), ("1d", 2.8), ("3d", 0.9333)):
        assert facts[f"threshold_{window}"] == pytest.approx(factor, rel=0.001)
    want = expected_budget(history, "burning", at, "28d")
    assert facts["budget_remaining"] == pytest.approx(want.remaining, rel=0.005)


@pytest.mark.parametrize("teams", [3, 30])
def test_one_query_per_window_per_panel_whatever_the_number_of_teams(
    prom: Any, tmp_path: Path, teams: int
) -> None:
    names = [t.name for t in TEAMS[:3]] + [f"extra{i:02d}" for i in range(teams - 3)]
    config = load(tmp_path, config_text(prom.url, names, {"avail": "30d", "avail28": "28d"}))
    with serve_wall(config, schedule=False) as live:
        live.wall.poller.collect("prom")  # the first cycle also backfills (query_range: uncounted)
        before = prom.queries_served()
        live.wall.poller.collect("prom")
        asked = prom.queries_served() - before
    windows = 1 + len(slo.WINDOWS)  # the period and every burn window
    assert asked == windows * 2
    print(f"\n{teams} teams, 2 SLO panels: {asked:.0f} queries per cycle")


def test_one_30_day_query_is_quick_on_the_synthetic_history(prom: Any) -> None:
    query = (
        'label_replace(sum by (team) (increase(slo_errors_total[30d])), "p", "e", "", "")'
        ' or label_replace(sum by (team) (increase(slo_requests_total[30d])), "p", "t", "", "")'
    )
    http = urllib3.PoolManager()
    took = []
    for _ in range(5):
        started = time.monotonic()
        answer = http.request(
            "POST", f"{prom.url}/api/v1/query", fields={"query": query}, encode_multipart=False
        )
        took.append(time.monotonic() - started)
        assert json.loads(answer.data)["status"] == "success"
    print(f"\none 30-day SLO query: median {sorted(took)[2] * 1000:.1f} ms over 5")
    assert sorted(took)[2] < 2.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("objective = 99.9\n", ""), "objective is required"),
        (("[{{window}}]", "[5m]"), "needs a {{window}} placeholder"),
        (('period = "30d"', 'period = "1d"'), "period must be at least 3d"),
        (("min_requests = 100\n", "ratio = 'x{{window}}'\n"), "not both"),
        (('kind = "slo"\n', 'kind = "slo"\nquery = "up"\n'), "query: an"),
        (('kind = "slo"\n', ""), "only for panels with kind"),
    ],
)
def test_a_bad_slo_panel_is_a_config_error_naming_the_panel(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = config_text("http://127.0.0.1:9", ["steady"], {"avail": "30d"})
    broken = text.replace(*change)
    assert broken != text
    with pytest.raises(config_mod.ConfigError) as caught:
        load(tmp_path, broken)
    found = [str(issue) for issue in caught.value.issues]
    assert any(i.startswith("panels.avail") and message in i for i in found), found
