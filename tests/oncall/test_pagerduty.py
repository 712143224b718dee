"""The pagerduty source against a loopback PagerDuty: batching, paging, levels, v3, limits."""

from __future__ import annotations

import time
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from collectors.errors import CollectorError
from tests.oncall.doubles import Double
from tests.oncall.pagerduty_double import OnCall, PagerDuty, incident, rate_limited, serve
from tests.oncall.support import PANELS, build, collect, teams_toml
from wallboard.config import loader as config_mod
from wallboard.sources import check_online

ENV = {"PD_TOKEN": "pd-read-only"}
TEAMS = 50


def config(url: str, teams: dict[str, dict[str, Any]]) -> str:
    head = f'[sources.vendor]\ntype = "pagerduty"\nurl = "{url}"\ntoken_env = "PD_TOKEN"\n'
    head += 'timezone = "Europe/Berlin"\n'
    return head + PANELS.format(source="vendor") + teams_toml(teams)


@pytest.fixture
def world() -> Iterator[tuple[PagerDuty, Double]]:
    pd = PagerDuty()
    double = serve(pd)
    yield pd, double
    double.close()


def fifty_teams(pd: PagerDuty, now: float) -> dict[str, dict[str, Any]]:
    """Each team: level 1 now (Ada n) and next (Bo n), level 2 (Cy n): 150 on-calls."""
    teams = {}
    for n in range(TEAMS):
        policy = f"PEP{n:04d}"
        for who in "ABC":
            pd.users[f"U{who}{n:04d}"] = f"{dict(A='Ada', B='Bo', C='Cy')[who]} {n}"
        pd.oncalls += [
            OnCall(policy, 1, f"UA{n:04d}", now - 3600, now + 7200),
            OnCall(policy, 1, f"UB{n:04d}", now + 7200, now + 7200 + 7 * 86400),
            OnCall(policy, 2, f"UC{n:04d}", now - 86400, now + 86400),
        ]
        teams[f"team{n}"] = {"pagerduty_escalation_policies": [policy]}
    return teams


def test_it_reads_fifty_teams_with_two_levels_in_one_batch_over_two_pages(world: Any) -> None:
    pd, double = world
    now = time.time()
    pd.incidents = [
        incident("PINC001", 11, "Checkout down", "triggered", now - 600, "PEP0007"),
        incident("PINC002", 12, "Slow refunds", "acknowledged", now - 60, "PEP0007"),
        incident("PINC003", 13, "Someone else's", "triggered", now - 60, "PEPOTHER"),
    ]
    source = build(config(double.url, fifty_teams(pd, now)), ENV)

    first = collect(source)
    reading = first.readings[("team7", "oncall")]
    assert reading.text == "Ada 7"
    assert reading.status == "ok"
    facts = dict(reading.facts)
    assert facts["level"] == 1 and facts["secondary"] == "Cy 7" and facts["next"] == "Bo 7"
    assert facts["until"] == pytest.approx(now + 7200, abs=1)
    assert all(first.readings[(f"team{n}", "oncall")].text == f"Ada {n}" for n in range(TEAMS))
    # 150 on-calls at PagerDuty's largest page (100): two pages, in one batch for all teams.
    assert double.count("/oncalls") == 2
    assert double.count("/incidents") == 1
    assert all(a.headers["authorization"] == "Token token=pd-read-only" for a in double.asked)

    open_ = first.readings[("team7", "incidents")]
    assert open_.text == "2 open" and open_.status == "crit"
    rows = {i.title: i for i in open_.items}
    assert rows["Checkout down"].status == "crit"
    assert rows["Slow refunds"].status == "warn"
    assert rows["Checkout down"].link == "https://acme.pagerduty.com/incidents/PINC001"
    assert rows["Checkout down"].since == pytest.approx(now - 600, abs=1)
    assert first.readings[("team8", "incidents")].text == "none open"

    # The next cycle asks for incidents again, and the rota only when it is due.
    collect(source)
    assert double.count("/oncalls") == 2
    assert double.count("/incidents") == 2


def test_a_shift_based_schedule_shows_concurrent_members_and_an_empty_slot(world: Any) -> None:
    pd, double = world
    now = time.time()
    pd.users.update({"PADA001": "Ada Lovelace", "PBOB001": "Bo Diddley", "PCYC001": "Cy Twombly"})
    pd.finals["PV3AAAA"] = [
        (now - 3600, now + 3600, "PADA001"),
        (now - 3600, now + 3600, "PBOB001"),
        (now + 7200, now + 9000, "PCYC001"),
    ]
    pd.finals["PV3BBBB"] = [(now + 3600, now + 7200, "PCYC001")]
    teams = {
        "payments": {"pagerduty_schedules_v3": ["PV3AAAA"]},
        "search": {"pagerduty_schedules_v3": ["PV3BBBB"]},
    }
    source = build(config(double.url, teams), ENV)
    result = collect(source)

    payments = result.readings[("payments", "oncall")]
    assert payments.text == "Ada Lovelace, Bo Diddley"
    assert dict(payments.facts)["next"] == "nobody on call"  # the gap after them
    search = result.readings[("search", "oncall")]
    assert (search.text, search.status) == ("nobody on call", "warn")
    assert dict(search.facts)["next"] == "Cy Twombly"
    assert double.count(r"/users/.*") == 3  # each person asked once

    # The next refresh (ten minutes on) knows the names: no /users request again.
    source.clock = lambda: time.time() + 601
    collect(source)
    assert double.count(r"/schedules/.*") == 4
    assert double.count(r"/users/.*") == 3


def test_a_429_is_honoured_for_as_long_as_ratelimit_reset_says(world: Any) -> None:
    pd, double = world
    now = time.time()
    source = build(config(double.url, fifty_teams(pd, now)), ENV)
    double.next_answers.append(rate_limited(30))
    with pytest.raises(CollectorError) as failed:
        collect(source)
    assert failed.value.kind == "rate_limited"
    assert failed.value.reason.startswith("rate limited until ")
    asked = len(double.asked)
    assert asked == 1  # the incidents request was not even made

    with pytest.raises(CollectorError, match="rate limited until"):
        collect(source)
    assert len(double.asked) == asked  # inside the wait: no request at all

    source.clock = lambda: time.time() + 31
    result = collect(source)
    assert result.readings[("team0", "oncall")].text == "Ada 0"


def test_a_refused_key_names_the_config_key(world: Any) -> None:
    _, double = world
    source = build(
        config(double.url, {"payments": {"pagerduty_escalation_policies": ["PX"]}}),
        {"PD_TOKEN": "wrong"},
    )
    with pytest.raises(CollectorError) as failed:
        collect(source)
    assert "HTTP 401: token rejected; check sources.vendor.token_env" in failed.value.reason


def test_check_config_online_names_every_id_pagerduty_does_not_know(
    world: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pd, double = world
    now = time.time()
    pd.users = {"UADA": "Ada Lovelace"}
    pd.oncalls = [OnCall("PEPPAY", 1, "UADA", now - 60, now + 60, schedule="PSCHED1")]
    pd.finals["PV3AAAA"] = [(now - 60, now + 60, "UADA")]
    pd.services = {"PSVC001"}
    teams = {
        "payments": {
            "pagerduty_escalation_policies": ["PEPPAY", "PEPTYPO"],
            "pagerduty_schedules": ["PSCHED1"],
            "pagerduty_schedules_v3": ["PV3AAAA"],
            "pagerduty_services": ["PSVC001", "PSVCGONE"],
        },
        "search": {"pagerduty_schedules_v3": ["PV3GONE"]},
    }
    text = config(double.url, teams)
    cfg = config_mod.parse(tomllib.loads(text), file="wall.toml", env=ENV)
    monkeypatch.setenv("PD_TOKEN", pd.token)  # check-config reads the process environment
    assert check_online(cfg) == 1
    printed = capsys.readouterr().err.splitlines()
    assert printed[1:] == [
        '  wall.toml: teams.search: HTTP 404: no schedule "PV3GONE"',
        "  wall.toml: teams.payments.pagerduty_escalation_policies: PagerDuty has no escalation "
        'policy "PEPTYPO"',
        '  wall.toml: teams.payments.pagerduty_services: PagerDuty has no service "PSVCGONE"',
        '  wall.toml: teams.search.pagerduty_schedules_v3: PagerDuty has no schedule "PV3GONE"',
    ]
