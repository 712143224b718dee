"""The incidentio source against a loopback incident.io: current and next shifts, live
incidents by team, a 429 whose body says when to retry, a key that can write."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from collectors.errors import CollectorError
from tests.oncall.doubles import Double
from tests.oncall.incidentio_double import IncidentIo, incident, serve, too_many
from tests.oncall.support import PANELS, build, collect, teams_toml

ENV = {"IO_KEY": "io-key"}
TEAMS = 50


def config(url: str, teams: dict[str, dict[str, Any]]) -> str:
    head = f'[sources.vendor]\ntype = "incidentio"\nurl = "{url}"\nkey_env = "IO_KEY"\n'
    return head + PANELS.format(source="vendor") + teams_toml(teams)


@pytest.fixture
def world() -> Iterator[tuple[IncidentIo, Double]]:
    io = IncidentIo()
    double = serve(io)
    yield io, double
    double.close()


def fifty(io: IncidentIo, now: float) -> dict[str, dict[str, Any]]:
    teams = {}
    for n in range(TEAMS):
        ident = f"01GSCHED{n:04d}"
        io.schedules[ident] = (
            [(now - 3600, now + 1800, f"Ada {n}")],
            [(now + 1800, now + 90000, f"Bo {n}")],
        )
        teams[f"team{n}"] = {"incidentio_schedules": [ident], "incidentio_teams": [f"Team {n}"]}
    return teams


def test_current_and_next_shifts_and_live_incidents_for_fifty_teams(world: Any) -> None:
    io, double = world
    now = time.time()
    teams = fifty(io, now)
    io.schedules["01GSCHED0002"][0].append((now - 60, now + 600, "Cy 2"))  # two at once
    io.incidents = [
        incident("01GI1", "INC-41", "Payments failing", "triage", now - 120, "Team 2"),
        incident("01GI2", "INC-40", "Search slow", "active", now - 900, "Team 2"),
        incident("01GI3", "INC-39", "Old news", "closed", now - 9000, "Team 2"),
    ]
    result = collect(build(config(double.url, teams), ENV))
    assert result.readings[("team0", "oncall")].text == "Ada 0"
    facts = dict(result.readings[("team0", "oncall")].facts)
    assert facts["until"] == pytest.approx(now + 1800, abs=1) and facts["next"] == "Bo 0"
    assert result.readings[("team2", "oncall")].text == "Ada 2, Cy 2"
    rows = result.readings[("team2", "incidents")].items
    assert [(r.title, r.status) for r in rows] == [
        ("Payments failing", "crit"),
        ("Search slow", "warn"),
    ]
    assert rows[0].link == "https://app.incident.io/acme/incidents/41"
    assert double.count("/v2/schedules") == 2  # 50 schedules, 25 a page (for next_shifts)
    assert double.count("/v2/incidents") == 1
    assert result.warnings == []  # a viewer key


def test_a_429_body_retry_after_is_honoured(world: Any) -> None:
    io, double = world
    source = build(config(double.url, fifty(io, time.time())), ENV)
    collect(source)  # the identity check, once
    asked = len(double.asked)
    source.clock = lambda: time.time() + 601
    double.next_answers.append(too_many(time.time() + 120))
    with pytest.raises(CollectorError, match="rate limited until"):
        collect(source)
    assert len(double.asked) == asked + 1
    with pytest.raises(CollectorError, match="rate limited until"):
        collect(source)
    assert len(double.asked) == asked + 1
    source.clock = lambda: time.time() + 601 + 121
    assert collect(source).readings[("team1", "oncall")].text == "Ada 1"


def test_a_key_that_can_write_gets_a_warning(world: Any) -> None:
    io, double = world
    io.roles = ["viewer", "incident_editor", "manage_settings"]
    result = collect(build(config(double.url, fifty(io, time.time())), ENV))
    assert result.warnings == [
        "the API key can change things (incident_editor, manage_settings): a viewer key is enough"
    ]
