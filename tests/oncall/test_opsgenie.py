"""The opsgenie source against a loopback Opsgenie: one request for all schedules, names,
alerts, a team integration's key, the EU host, throttling."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from collectors.errors import CollectorError
from tests.oncall.doubles import Double
from tests.oncall.opsgenie_double import Opsgenie, alert, serve, throttled
from tests.oncall.support import PANELS, build, collect, teams_toml

ENV = {"OG_KEY": "og-key"}
TEAMS = 50


def config(url: str, teams: dict[str, dict[str, Any]], extra: str = "") -> str:
    head = f'[sources.vendor]\ntype = "opsgenie"\nurl = "{url}"\nkey_env = "OG_KEY"\n{extra}'
    return head + PANELS.format(source="vendor") + teams_toml(teams)


@pytest.fixture
def world() -> Iterator[tuple[Opsgenie, Double]]:
    og = Opsgenie()
    double = serve(og)
    yield og, double
    double.close()


def fifty(og: Opsgenie) -> dict[str, dict[str, Any]]:
    teams = {}
    for n in range(TEAMS):
        og.users[f"ada{n}@example.com"] = f"Ada {n}"
        og.schedules[f"Team{n}_schedule"] = [f"ada{n}@example.com"]
        teams[f"team{n}"] = {
            "opsgenie_schedules": [f"Team{n}_schedule"],
            "opsgenie_teams": [f"T{n}"],
        }
    return teams


def test_one_request_reads_every_schedule_flat_with_full_names(world: Any) -> None:
    og, double = world
    now = time.time()
    teams = fifty(og)
    og.schedules["Team3_schedule"] = ["ada3@example.com", "bo@example.com"]  # two at once
    og.schedules["Team4_schedule"] = []  # an empty slot
    og.alerts = [
        alert("a1", "101", "Disk full", now - 300, "T3", acknowledged=False),
        alert("a2", "102", "Queue slow", now - 30, "T3", acknowledged=True),
    ]
    source = build(config(double.url, teams, 'web_url = "https://acme.app.opsgenie.com"\n'), ENV)
    result = collect(source)
    assert result.readings[("team0", "oncall")].text == "Ada 0"
    assert (
        result.readings[("team3", "oncall")].text == "Ada 3, bo"
    )  # no full name: never the e-mail
    empty = result.readings[("team4", "oncall")]
    assert (empty.text, empty.status) == ("nobody on call", "warn")
    assert double.count("/v2/schedules/on-calls") == 1
    assert double.asked[0].query["flat"] == ["true"]
    assert double.count("/v2/alerts") == 1
    assert double.asked[-1].query["query"] == ["status=open"]
    assert all(a.headers["authorization"] == "GenieKey og-key" for a in double.asked)

    rows = {i.title: i for i in result.readings[("team3", "incidents")].items}
    assert rows["Disk full"].status == "crit" and rows["Queue slow"].status == "warn"
    assert rows["Disk full"].link == "https://acme.app.opsgenie.com/alert/detail/a1/details"

    # Names are remembered: later refreshes ask for on-calls only, once for all teams.
    users = double.count("/v2/users")
    source.clock = lambda: time.time() + 601
    collect(source)
    assert double.count("/v2/schedules/on-calls") == 2
    assert double.count("/v2/users") == users
    assert double.count("/v2/alerts") == 2


def test_a_team_integrations_key_names_the_team_whose_schedule_it_cannot_read(world: Any) -> None:
    og, double = world
    og.users = {"ada@example.com": "Ada Lovelace"}
    og.schedules = {"Payments_schedule": ["ada@example.com"], "Search_schedule": []}
    og.team_key_schedules = {"Payments_schedule"}
    teams = {
        "payments": {"opsgenie_schedules": ["Payments_schedule"]},
        "search": {"opsgenie_schedules": ["Search_schedule"]},
    }
    result = collect(build(config(double.url, teams), ENV))
    assert result.readings[("payments", "oncall")].text == "Ada Lovelace"
    failure = result.failures[("search", "oncall")]
    assert "HTTP 403" in failure.reason
    assert 'team "search", schedule "Search_schedule"' in failure.reason


def test_the_eu_region_asks_the_eu_host() -> None:
    text = '[sources.vendor]\ntype = "opsgenie"\nregion = "eu"\nkey_env = "OG_KEY"\n'
    text += PANELS.format(source="vendor") + teams_toml({"payments": {"opsgenie_schedules": ["S"]}})
    source = build(text, ENV)
    assert source.api.base == "https://api.eu.opsgenie.com"


def test_throttling_is_honoured_for_the_period_opsgenie_names(world: Any) -> None:
    og, double = world
    source = build(config(double.url, fifty(og)), ENV)
    double.next_answers.append(throttled(60))
    with pytest.raises(CollectorError, match="rate limited until"):
        collect(source)
    asked = len(double.asked)
    with pytest.raises(CollectorError, match="rate limited until"):
        collect(source)
    assert len(double.asked) == asked
    source.clock = lambda: time.time() + 61
    assert collect(source).readings[("team1", "oncall")].text == "Ada 1"


def test_check_config_online_names_a_schedule_opsgenie_does_not_have(world: Any) -> None:
    og, double = world
    og.users = {"ada@example.com": "Ada Lovelace"}
    og.schedules = {"Payments_schedule": ["ada@example.com"]}
    teams = {
        "payments": {"opsgenie_schedules": ["Payments_schedule"]},
        "search": {"opsgenie_schedules": ["Serach_schedule"]},
    }
    problems = build(config(double.url, teams), ENV).check_online(time.monotonic() + 5)
    assert problems == [
        (
            "teams.search",
            'schedule "Serach_schedule" of team "search" is not in Opsgenie\'s answer (no such '
            "schedule, or the key's team may not read it)",
        )
    ]
