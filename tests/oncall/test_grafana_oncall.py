"""The grafana_oncall source against a loopback OnCall: on_call_now for every schedule,
a list that disagrees with the schedule's own answer, alert groups by state, Cloud auth."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.oncall.doubles import Double
from tests.oncall.grafana_double import OnCall, group, serve
from tests.oncall.support import PANELS, build, collect, teams_toml

ENV = {"ONCALL_TOKEN": "oncall-token"}
TEAMS = 50


def config(url: str, teams: dict[str, dict[str, Any]], extra: str = "") -> str:
    head = f'[sources.vendor]\ntype = "grafana_oncall"\nurl = "{url}"\ntoken_env = "ONCALL_TOKEN"\n'
    return head + extra + PANELS.format(source="vendor") + teams_toml(teams)


@pytest.fixture
def world() -> Iterator[tuple[OnCall, Double]]:
    oc = OnCall()
    double = serve(oc)
    yield oc, double
    double.close()


def fifty(oc: OnCall) -> dict[str, dict[str, Any]]:
    teams = {}
    for n in range(TEAMS):
        oc.users[f"U{n:04d}"] = f"ada{n}"
        oc.listed[f"S{n:04d}"] = [f"U{n:04d}"]
        teams[f"team{n}"] = {
            "oncall_schedules": [f"S{n:04d}"],
            "oncall_integrations": [f"I{n:04d}"],
        }
    return teams


def test_the_schedules_own_answer_wins_over_a_list_that_disagrees(world: Any) -> None:
    oc, double = world
    oc.users = {"UALEX": "alex", "UBO": "bo"}
    oc.listed = {"SPAY": ["UALEX"], "SSEARCH": []}
    oc.own = {"SPAY": ["UBO"]}
    teams = {
        "payments": {"oncall_schedules": ["SPAY"]},
        "search": {"oncall_schedules": ["SSEARCH"]},
    }
    result = collect(build(config(double.url, teams), ENV))
    assert result.readings[("payments", "oncall")].text == "bo"
    assert result.readings[("search", "oncall")].text == "nobody on call"
    assert result.warnings == [
        "schedule \"SPAY\": the list's on_call_now disagrees with the schedule's own answer; "
        "the schedule's is shown"
    ]


def test_fifty_teams_from_one_list_and_open_groups_by_state(world: Any) -> None:
    oc, double = world
    now = time.time()
    teams = fifty(oc)
    oc.groups = [
        group("IG1", "CPU high", "new", now - 100, "I0003"),
        group("IG2", "Disk", "acknowledged", now - 50, "I0003"),
        group("IG3", "Gone", "resolved", now - 5000, "I0003"),
    ]
    source = build(config(double.url, teams, "confirm_with_detail = false\n"), ENV)
    result = collect(source)
    assert result.readings[("team7", "oncall")].text == "ada7"
    rows = result.readings[("team3", "incidents")].items
    assert [(r.title, r.status) for r in rows] == [("CPU high", "crit"), ("Disk", "warn")]
    assert rows[0].link == "https://grafana.example.com/a/grafana-oncall-app/alert-groups/IG1"
    assert double.count("/api/v1/schedules/") == 1
    assert double.count("/api/v1/alert_groups/") == 2  # one state per request
    collect(source)
    assert double.count("/api/v1/schedules/") == 1
    assert double.count(r"/api/v1/users/.*") == TEAMS  # each person once, then remembered


def test_cloud_irm_sends_a_bearer_token_and_the_stack_url(world: Any) -> None:
    oc, double = world
    oc.grafana_url = "https://acme.grafana.net"
    teams = fifty(oc)
    result = collect(build(config(double.url, teams, f'grafana_url = "{oc.grafana_url}"\n'), ENV))
    assert result.readings[("team0", "oncall")].text == "ada0"
    assert double.asked[0].headers["x-grafana-url"] == "https://acme.grafana.net"
